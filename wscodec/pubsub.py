"""Broadcast through Redis pub/sub, so that one message reaches every
connection of every worker process, on every host.

Each server process subscribes to a channel on a Redis server (redis-py's
asyncio client, ``pip install 'wscodec[redis]'``) and hands every message
published there to a callback that sends it to that process's own
connections, framed once (``wscodec.echo.serve(redis=...)`` passes
``wscodec.echo.broadcast``).  Anyone who can reach the Redis server
publishes: :func:`publish`, or ``redis-cli PUBLISH``.

Redis messages are bytes without a type, and a WebSocket message is text or
binary, so the type travels in the channel name: what is published to
``CHANNEL`` goes out as a text message (it must be UTF-8), what is
published to ``CHANNEL + ":binary"`` as a binary one.  One subscription
holds both, so the order in which messages were published is kept.

Pub/sub is fire-and-forget: a process that is not subscribed at the moment
of a publish (starting, or reconnecting after Redis went away) never gets
that message.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["BINARY_SUFFIX", "CHANNEL", "Relay", "binary_channel", "publish"]

#: The channel ``python -m wscodec.echo --redis URL`` subscribes to.
CHANNEL = "wscodec"
#: Appended to a channel's name for the binary messages published on it.
BINARY_SUFFIX = ":binary"
#: How long the subscription may take to be confirmed before starting fails.
SUBSCRIBE_TIMEOUT = 10.0
#: Waits between attempts to reach Redis again once the subscription is lost.
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)


def binary_channel(channel: str) -> str:
    """The channel whose messages go out as binary WebSocket messages."""
    return channel + BINARY_SUFFIX


def redis_module() -> Any:
    """The ``redis`` package (redis-py), or a RuntimeError that says how to install it."""
    # Imported here, not at the top: the codec and the echo server work
    # without redis installed, and only --redis needs it.
    try:
        import redis
        import redis.asyncio
    except ImportError as exc:
        raise RuntimeError(
            "broadcasting through Redis needs the redis package: pip install 'wscodec[redis]'"
        ) from exc
    return redis


async def publish(url: str, channel: str, message: str | bytes) -> int:
    """Publish ``message`` to the servers subscribed to ``channel`` on the
    Redis server at ``url`` (``redis://host:port/db``): a ``str`` goes out
    as a text message, ``bytes`` as a binary one.  Returns how many
    subscribers (server processes) Redis handed it to."""
    if isinstance(message, str):
        target = channel
    elif isinstance(message, (bytes, bytearray, memoryview)):
        target, message = binary_channel(channel), bytes(message)
    else:
        raise TypeError(f"message must be str or bytes, not {type(message).__name__}")
    client = redis_module().asyncio.from_url(url)
    try:
        return int(await client.publish(target, message))
    finally:
        await client.aclose()


class Relay:
    """One process's subscription to ``channel`` (and its binary twin).

    ``await Relay.connect(url, channel)`` returns once Redis has confirmed
    the subscription, so a message published after that is not missed;
    :meth:`run` then calls ``send(message)`` with a ``str`` or ``bytes``
    for each one until cancelled, and :meth:`aclose` lets go.
    """

    def __init__(self, client: Any, pubsub: Any, channel: str) -> None:
        self._client = client
        self._pubsub = pubsub
        self.channel = channel

    @classmethod
    async def connect(cls, url: str, channel: str = CHANNEL) -> Relay:
        client = redis_module().asyncio.from_url(url)
        pubsub = client.pubsub()
        relay = cls(client, pubsub, channel)
        try:
            await pubsub.subscribe(channel, binary_channel(channel))
            await asyncio.wait_for(relay._confirmed(2), SUBSCRIBE_TIMEOUT)
        except BaseException:
            await relay.aclose()
            raise
        return relay

    async def _confirmed(self, count: int) -> None:
        # SUBSCRIBE is only in effect once Redis answers it; a PUBLISH
        # from another client may be served before that.
        while count:
            message = await self._pubsub.get_message(timeout=None)
            if message is not None and message["type"] == "subscribe":
                count -= 1

    async def run(self, send: Callable[[str | bytes], object]) -> None:
        """Hand every published message to ``send`` until cancelled."""
        binary = binary_channel(self.channel).encode()
        exceptions = redis_module().exceptions
        lost = (OSError, exceptions.ConnectionError, exceptions.TimeoutError)
        failures = 0
        while True:
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=None)
            except lost as exc:
                # redis-py reconnects and subscribes again on the next read;
                # what is published meanwhile is lost, as pub/sub goes.
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                print(f"wscodec: lost the Redis subscription ({exc}); retrying in {delay:g} s",
                      file=sys.stderr, flush=True)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if message is None or message["type"] != "message":
                continue
            data = message["data"]
            if message["channel"] == binary:
                send(data)
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                # A text frame must be UTF-8: sending this one would make
                # every client fail its connection.
                print(f"wscodec: dropped a message on {self.channel!r} that is not UTF-8 "
                      f"(publish binary data to {binary_channel(self.channel)!r})", file=sys.stderr, flush=True)
                continue
            send(text)

    async def aclose(self) -> None:
        await self._pubsub.aclose()
        await self._client.aclose()
