"""Heartbeats without I/O: when to ping a peer, and when to give up on it.

A peer that vanished without a FIN (a laptop lid closed, a NAT mapping
that expired) sends nothing, not even an error, and its connection and
memory stay for ever; only a ping it does not answer shows that it is
gone.  ``Keepalive`` decides what to do and when; the server or client
keeps the clock, sends, and closes::

    keepalive = Keepalive(interval=20.0, timeout=20.0, now=loop.time())

    # whenever loop.time() reaches keepalive.deadline:
    due = keepalive.poll(loop.time())
    if isinstance(due, PingDue):
        transport.write(encoder.ping(due.payload))
    elif isinstance(due, PongOverdue):
        # Close with 1011, as websockets does; a peer that is really gone
        # will not answer the close either, so drop it after a close timeout.
        transport.write(encoder.close(KEEPALIVE_CLOSE_CODE, "keepalive ping timeout"))

    # for every PONG message received:
    keepalive.pong(message.data, loop.time())

One ping is outstanding at a time; the next one is sent ``interval``
seconds after the previous one.  A pong whose payload is not the
outstanding ping's (unsolicited, or late for an earlier ping) is ignored.
``latency`` is the round trip of the last ping answered.  Times are any
monotonic clock in seconds (``loop.time()``, ``time.monotonic()``).

``python -m wscodec.echo --ping-interval 20 --ping-timeout 20`` shows it
wired into a server and a client.
"""

from __future__ import annotations

import math
import os
from typing import NamedTuple

from ._types import CloseCode

__all__ = ["KEEPALIVE_CLOSE_CODE", "Keepalive", "PingDue", "PongOverdue"]

#: What to close a connection with when its pong is late: 1011, the code
#: websockets uses for the same case (RFC 6455 has no dedicated one).
KEEPALIVE_CLOSE_CODE = CloseCode.INTERNAL_ERROR


class PingDue(NamedTuple):
    """Send a PING with this payload now."""

    payload: bytes


class PongOverdue(NamedTuple):
    """The outstanding ping has gone unanswered for ``waited`` seconds,
    at least the timeout: close the connection."""

    waited: float


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    seconds = float(value)
    if not (seconds > 0 and math.isfinite(seconds)):
        raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")
    return seconds


class Keepalive:
    """The heartbeat of one connection; see the module's docstring."""

    __slots__ = ("interval", "timeout", "latency", "_next_ping", "_payload", "_sent")

    def __init__(self, interval: float = 20.0, timeout: float = 20.0, *, now: float) -> None:
        self.interval = _seconds("interval", interval)
        self.timeout = _seconds("timeout", timeout)
        #: Round trip of the last ping answered, in seconds; None until then.
        self.latency: float | None = None
        self._next_ping = float(now) + self.interval
        self._payload: bytes | None = None  # of the outstanding ping
        self._sent = 0.0

    @property
    def deadline(self) -> float:
        """When ``poll`` next has something to do: the next ping, or the
        moment the outstanding one's pong is late; ``math.inf`` once it
        was late, so that a timer driven by it stops."""
        if self.expired:
            return math.inf
        if self._payload is not None:
            return self._sent + self.timeout
        return self._next_ping

    @property
    def expired(self) -> bool:
        """True once ``poll`` has reported a pong overdue."""
        return self._payload is not None and math.isinf(self._next_ping)

    def poll(self, now: float) -> PingDue | PongOverdue | None:
        """What is due at ``now``: a ping to send, a pong that is late, or
        nothing.  Once late, every later call says so again."""
        if self._payload is not None:
            waited = now - self._sent
            if waited < self.timeout:
                return None
            self._next_ping = math.inf  # no more pings on a dead connection
            return PongOverdue(waited)
        if now < self._next_ping:
            return None
        # Random, so that a pong cannot be forged in advance or confused
        # with one for an earlier ping.
        self._payload = os.urandom(4)
        self._sent = now
        return PingDue(self._payload)

    def pong(self, payload: bytes, now: float) -> bool:
        """A PONG arrived with ``payload``; True when it answers the
        outstanding ping (its round trip is then ``latency``)."""
        if self._payload is None or self.expired or bytes(payload) != self._payload:
            return False
        self.latency = now - self._sent
        self._payload = None
        self._next_ping = max(self._sent + self.interval, now)
        return True

    def __repr__(self) -> str:
        state = "expired" if self.expired else "waiting for a pong" if self._payload is not None else "idle"
        return f"<Keepalive interval={self.interval} timeout={self.timeout} {state} latency={self.latency}>"
