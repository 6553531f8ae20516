"""A reference WebSocket echo server and client on asyncio and wscodec.

    python -m wscodec.echo --port 9001                    # serve on 127.0.0.1:9001
    python -m wscodec.echo --client ws://127.0.0.1:9001/  # echo what a server sends

This module is meant to be read: it shows everything a server or client
built on wscodec has to do itself, in one ``asyncio.Protocol``:

1. the HTTP/1.1 upgrade (``wscodec.handshake``), including permessage-deflate
   negotiation (``wscodec.PerMessageDeflate``);
2. feeding received bytes to a ``wscodec.MessageDecoder`` and writing what a
   ``wscodec.MessageEncoder`` returns;
3. answering pings, echoing data messages, and the closing handshake: echo
   the peer's close code, and on a ``wscodec.ProtocolError`` send a close
   with its ``close_code`` and drop the connection;
4. timeouts for the opening and the closing handshakes, and backpressure:
   stop reading while the peer is not reading what we write;
5. heartbeats (``wscodec.keepalive``): a ping every ``--ping-interval``
   seconds, and a peer that leaves one unanswered for ``--ping-timeout``
   seconds is closed with 1011 and dropped.

Several processes on one port, and broadcasts that reach all of them
through Redis, are ``wscodec.workers`` and ``wscodec.pubsub``
(``--workers``, ``--redis``).

It uses the public API only, so it runs on whichever backend ``import
wscodec`` picked (``WSCODEC_NO_EXTENSIONS=1`` forces the pure one).  Only
``ws://`` URLs: TLS would be ``loop.create_connection(..., ssl=...)`` and
changes nothing below.
"""

import asyncio
import contextlib
import sys
import urllib.parse
from typing import NamedTuple

import wscodec
from wscodec import CloseCode, Opcode, ProtocolError
from wscodec._rules import check_limit
from wscodec.broadcast import PreparedMessage
from wscodec.keepalive import KEEPALIVE_CLOSE_CODE, Keepalive, PingDue, PongOverdue
from wscodec.handshake import (
    HandshakeError,
    client_handshake,
    client_request_headers,
    encode_request,
    encode_response,
    generate_key,
    parse_request,
    parse_response,
    server_handshake,
)

__all__ = ["BroadcastReport", "EchoConnection", "broadcast", "serve", "echo_client"]

#: Autobahn's group 9 sends messages of up to 16 MiB.
MAX_MESSAGE_SIZE = 16 * 1024 * 1024
#: Binary echoes from this size on are written as [header, payload].
LARGE_MESSAGE = 64 * 1024
#: An HTTP head larger than this is refused (431) before it is parsed.
MAX_HANDSHAKE_SIZE = 16 * 1024
#: What the connection reads into while it is not open; once it is, the
#: decoder lends the buffers, and an idle connection keeps none of its own.
HANDSHAKE_READ_SIZE = 16 * 1024
OPEN_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0
#: The command line's heartbeat, as websockets' default: a ping every 20 s,
#: and 20 s for its pong.
PING_INTERVAL = 20.0
PING_TIMEOUT = 20.0

#: A connection whose write buffer holds more than this is skipped by
#: broadcast(): asyncio's own high-water mark for a transport.
BROADCAST_SKIP_ABOVE = 64 * 1024
#: Broadcast bytes a connection may miss before broadcast() closes it.
SLOW_READER_MISSED = 1024 * 1024

#: What the server compresses with when permessage-deflate is negotiated:
#: a 4 KiB window and memLevel 5, as websockets' servers.  Its zlib state
#: is 38 KiB a connection instead of 262 KiB at the RFC's 32 KiB window and
#: memLevel 8, for a few points of compression on small JSON messages
#: (docs/deflate.md, "Choosing server settings").  Browsers inflate any
#: window up to 15 bits; the server declares the one it uses.
SERVER_WINDOW_BITS = 12
SERVER_MEM_LEVEL = 5

#: Connections the kernel queues before the server accepts them, as
#: uvicorn's default: when every browser reconnects at once after a deploy,
#: asyncio's 100 drops the rest's SYNs, and each such client waits a
#: one-second retransmission before it is even queued.
BACKLOG = 2048

CONNECTING, OPEN, CLOSING, CLOSED = "CONNECTING", "OPEN", "CLOSING", "CLOSED"


class EchoConnection(asyncio.BufferedProtocol):
    """One WebSocket connection that echoes every data message it receives.

    ``client`` is None for the server side, else ``(host_header, target)``
    of the request to send.  ``deflate`` is the ``PerMessageDeflate`` wish
    (None: never compress).  ``on_message(message)`` is called for every
    data message before it is echoed.  ``closed`` is a future that gets
    ``(code, reason)`` of the peer's close frame (1006 when the connection
    was lost without one) once the TCP connection is gone.  With
    ``ping_interval`` (seconds; None: no heartbeat) the connection pings
    its peer and drops it when a pong is ``ping_timeout`` seconds late.
    ``origins`` (server side; None: any) are the web origins whose pages
    may connect, as ``server_handshake`` takes them.
    """

    def __init__(self, *, client=None, deflate=None, on_message=None,
                 max_message_size=MAX_MESSAGE_SIZE, open_timeout=OPEN_TIMEOUT,
                 close_timeout=CLOSE_TIMEOUT, ping_interval=None, ping_timeout=PING_TIMEOUT, origins=None):
        self.role = "server" if client is None else "client"
        self.state = CONNECTING
        self.closed = asyncio.get_running_loop().create_future()
        self.deflate = None  # negotiated parameters, once open
        self._client = client
        self._wish = deflate
        self._on_message = on_message
        self._max_message_size = max_message_size
        self._open_timeout = open_timeout
        self._close_timeout = close_timeout
        self._transport = None
        self._head = bytearray()
        self._key = None
        self._decoder = None
        self._encoder = None
        self._timer = None
        self._origins = origins
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self.keepalive = None  # a Keepalive once open, with ping_interval
        self._heartbeat_timer = None
        self.missed = 0  # broadcast bytes skipped since the peer last caught up
        self._close_received = (CloseCode.ABNORMAL_CLOSURE, "")
        # asyncio.Protocol would hand every read over as a fresh bytes
        # object; a BufferedProtocol reads into ours, and once open into
        # the decoder's.
        self._buffer = memoryview(bytearray(HANDSHAKE_READ_SIZE))
        self._lent = None  # the decoder whose buffer the loop is reading into

    # -- asyncio callbacks -------------------------------------------------

    def connection_made(self, transport):
        self._transport = transport
        self._set_timer(self._open_timeout)
        if self._client is not None:
            host, target = self._client
            self._key = generate_key()
            headers = client_request_headers(host, key=self._key, deflate=self._wish)
            transport.write(encode_request(target, headers))

    def get_buffer(self, sizehint):
        # Once open, the loop reads straight into the decoder's own buffer:
        # no bytes object per read, and the decoder unmasks from there.
        if self.state in (OPEN, CLOSING):
            self._lent = self._decoder
            return self._decoder.get_buffer(sizehint)
        self._lent = None
        if self._buffer is None:  # closed after it was open: what still comes is discarded
            self._buffer = memoryview(bytearray(HANDSHAKE_READ_SIZE))
        return self._buffer

    def buffer_updated(self, nbytes):
        if self._lent is not None:
            decoder, self._lent = self._lent, None
            try:
                messages = decoder.buffer_updated(nbytes)
            except ProtocolError as exc:
                self._failed_with(exc)
                return
            self._handle(messages)
            return
        # The decoder copies what it keeps, so the buffer is free again as
        # soon as this returns.
        data = self._buffer[:nbytes]
        if self.state == CONNECTING:
            data = self._handshake(data)
            if not data:
                return
        if self.state in (OPEN, CLOSING):
            self._receive(data)

    def eof_received(self):
        # Returning None closes our side too: a half-closed WebSocket is
        # of no use.
        return None

    def connection_lost(self, exc):
        self.state = CLOSED
        self._cancel_timer()
        self._stop_heartbeat()
        if not self.closed.done():
            self.closed.set_result(self._close_received)

    # Backpressure: asyncio calls these when the write buffer crosses its
    # high and low water marks.  An echo peer that does not read must not
    # make us buffer without limit, so stop reading until it catches up.

    def pause_writing(self):
        self._transport.pause_reading()

    def resume_writing(self):
        if not self._transport.is_closing():
            self._transport.resume_reading()

    # -- opening handshake -------------------------------------------------

    def _handshake(self, data):
        """Collect the HTTP head; return the bytes that follow it, if any."""
        self._head += data
        end = self._head.find(b"\r\n\r\n")
        if end < 0:
            if len(self._head) > MAX_HANDSHAKE_SIZE:
                self._refuse(HandshakeError("request head too large", 431))
            return b""
        if end > MAX_HANDSHAKE_SIZE:
            self._refuse(HandshakeError("request head too large", 431))
            return b""
        head, rest = bytes(self._head[:end]), bytes(self._head[end + 4:])
        self._head = None
        try:
            if self.role == "server":
                self._accept(head)
            else:
                self._check_response(head)
        except HandshakeError as exc:
            self._refuse(exc)
            return b""
        self._cancel_timer()
        self._decoder = wscodec.MessageDecoder(
            role=self.role, max_message_size=self._max_message_size, deflate=self.deflate
        )
        self._encoder = wscodec.MessageEncoder(role=self.role, deflate=self.deflate)
        self.state = OPEN
        self._buffer = None  # `rest` below is a copy
        if self._ping_interval is not None:
            loop = asyncio.get_running_loop()
            self.keepalive = Keepalive(self._ping_interval, self._ping_timeout, now=loop.time())
            self._heartbeat_timer = loop.call_at(self.keepalive.deadline, self._heartbeat)
        return rest

    def _accept(self, head):
        # The place to authenticate too, before the 101: a token in
        # request.target's query string or in Sec-WebSocket-Protocol,
        # refused with HandshakeError("...", 401) or 403.
        request = parse_request(head)
        result = server_handshake(request.headers, method=request.method, deflate=self._wish,
                                  origins=self._origins)
        self._transport.write(encode_response(101, result.headers))
        self.deflate = result.deflate

    def _check_response(self, head):
        response = parse_response(head)
        result = client_handshake(response.status, response.headers, key=self._key, deflate=self._wish)
        self.deflate = result.deflate

    def _refuse(self, exc):
        if self.role == "server":
            self._transport.write(exc.response())
        else:
            print(f"handshake failed: {exc}", file=sys.stderr)
        self.state = CLOSED
        self._transport.close()

    # -- messages ------------------------------------------------------------

    def _receive(self, data):
        try:
            messages = self._decoder.feed(data)
        except ProtocolError as exc:
            self._failed_with(exc)
            return
        self._handle(messages)

    def _failed_with(self, exc):
        # Whatever the peer sent correctly before the error still counts.
        self._handle(exc.completed)
        self._fail(exc.close_code, str(exc))

    def _handle(self, messages):
        out = []
        encoder = self._encoder
        for message in messages:
            opcode = message.opcode
            if self.state != OPEN:
                # After a close frame nothing is sent but a close reply, and
                # nothing received matters but the peer's close.
                if opcode == Opcode.CLOSE and self.state == CLOSING:
                    self._close_received = (message.close_code, message.close_reason)
                    self._closing_handshake_done()
                    break
                continue
            if opcode == Opcode.TEXT:
                if self._on_message is not None:
                    self._on_message(message)
                out.append(encoder.text(message.data))
            elif opcode == Opcode.BINARY:
                if self._on_message is not None:
                    self._on_message(message)
                if self.deflate is None and self.role == "server" and len(message.data) >= LARGE_MESSAGE:
                    # Header and payload go out as two pieces: the payload
                    # is never copied to be framed.  Two write() calls, not
                    # writelines(): CPython 3.12.1's writelines() never
                    # paused us at the high-water mark, so a peer that does
                    # not read made us buffer without limit.
                    self._write(out)
                    out = []
                    for part in wscodec.encode_frame_parts(Opcode.BINARY, message.data):
                        self._transport.write(part)
                    continue
                out.append(encoder.binary(message.data))
            elif opcode == Opcode.PING:
                out.append(encoder.pong(message.data))
            elif opcode == Opcode.PONG:
                if self.keepalive is not None:
                    self.keepalive.pong(message.data, asyncio.get_running_loop().time())
            elif opcode == Opcode.CLOSE:
                self._close_received = (message.close_code, message.close_reason)
                # Echo the peer's code; 1005 means it sent none, so neither do we.
                code = None if message.close_code == CloseCode.NO_STATUS_RCVD else message.close_code
                out.append(encoder.close(code))
                self._write(out)
                self._closing_handshake_done()
                return
        self._write(out)

    def _write(self, chunks):
        if len(chunks) == 1:
            # asyncio sends what the socket takes at once and buffers
            # data[sent:]; with bytes that slice is a copy of the rest of a
            # frame of up to 16 MiB, with a memoryview it is free.
            self._transport.write(memoryview(chunks[0]))
        elif chunks:
            self._transport.write(b"".join(chunks))

    # -- closing ---------------------------------------------------------------

    def close(self, code=CloseCode.NORMAL_CLOSURE, reason=""):
        """Start the closing handshake (e.g. on server shutdown)."""
        if self.state == OPEN:
            self.state = CLOSING
            self._stop_heartbeat()
            self._transport.write(self._encoder.close(code, reason))
            self._set_timer(self._close_timeout)
        elif self.state == CONNECTING:
            self.state = CLOSED
            self._transport.close()

    def _closing_handshake_done(self):
        # RFC 6455 section 7.1.1: the server closes the TCP connection
        # first; the client waits for that, but not forever.
        self.state = CLOSED
        if self.role == "server":
            self._cancel_timer()
            self._transport.close()
        else:
            self._set_timer(self._close_timeout)

    def _fail(self, code, reason):
        """The peer broke the protocol: say why (if still allowed) and drop."""
        if self.state == OPEN:
            reason = reason.encode("utf-8")[:120].decode("utf-8", "ignore")
            self._transport.write(self._encoder.close(code, reason))
        self.state = CLOSED
        # Half-close rather than close: closing a socket with unread input
        # (the rest of an oversized message, say) makes the kernel send a
        # reset, which can destroy our close frame before the peer reads
        # it.  So send FIN after the close frame, discard what still comes,
        # and close on the peer's EOF or the close timeout.
        if self._transport.can_write_eof():
            self._transport.write_eof()
            self._set_timer(self._close_timeout)
        else:
            self._cancel_timer()
            self._transport.close()

    # -- heartbeat -----------------------------------------------------------------

    def _heartbeat(self):
        self._heartbeat_timer = None
        if self.state != OPEN:
            return
        loop = asyncio.get_running_loop()
        due = self.keepalive.poll(loop.time())
        if isinstance(due, PingDue):
            self._transport.write(self._encoder.ping(due.payload))
        elif isinstance(due, PongOverdue):
            # The peer is presumed gone: say why, in case it is only slow,
            # but do not wait for a closing handshake it cannot answer.
            self._transport.write(self._encoder.close(KEEPALIVE_CLOSE_CODE, "keepalive ping timeout"))
            self.state = CLOSED
            self._cancel_timer()
            self._transport.abort()
            return
        self._heartbeat_timer = loop.call_at(self.keepalive.deadline, self._heartbeat)

    def _stop_heartbeat(self):
        if self._heartbeat_timer is not None:
            self._heartbeat_timer.cancel()
            self._heartbeat_timer = None

    def _set_timer(self, delay):
        self._cancel_timer()
        self._timer = asyncio.get_running_loop().call_later(delay, self._timed_out)

    def _cancel_timer(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self):
        self._timer = None
        # A peer that stalls the opening or closing handshake gets no more
        # of our time: drop without flushing.
        self.state = CLOSED
        self._transport.abort()


# -- fan-out ----------------------------------------------------------------------


class BroadcastReport(NamedTuple):
    """What one ``broadcast`` did: connections written to, skipped because
    their peer is behind, and closed because it fell too far behind."""

    sent: int
    skipped: int
    closed: int


def broadcast(connections, message, *, skip_above=BROADCAST_SKIP_ABOVE, close_after_missed=SLOW_READER_MISSED):
    """Send one data message to every open connection, framed (and
    compressed) once per distinct negotiated permessage-deflate setting
    rather than once per connection; see ``wscodec.broadcast``.  A
    connection with server context takeover gets its own encoder's frame,
    the only bytes its peer can inflate.

    A slow reader does not make the server hold every message for it: a
    connection whose write buffer holds more than ``skip_above`` bytes is
    skipped (its ``missed`` grows by the message's uncompressed frame size;
    it is reset once the peer has caught up), so a connection's buffer stays below
    ``skip_above`` plus one message.  Once it has missed more than
    ``close_after_missed`` bytes it is closed with 1008 (policy violation):
    a reader that far behind is better reconnected and sent the current
    state.  ``None`` turns either off.  Returns a :class:`BroadcastReport`.
    """
    skip_above = check_limit("skip_above", skip_above)
    close_after_missed = check_limit("close_after_missed", close_after_missed)
    if not isinstance(message, PreparedMessage):
        message = PreparedMessage(message)
    sent = skipped = closed = 0
    for connection in connections:
        if connection.state != OPEN:
            continue
        if skip_above is None or connection._transport.get_write_buffer_size() <= skip_above:
            connection.missed = 0
            connection._transport.write(message.frame_for(connection.deflate, connection._encoder))
            sent += 1
            continue
        # Counted uncompressed: with context takeover, compressing for a
        # peer that never gets the frame would break its deflate stream.
        connection.missed += len(message.frame())
        if close_after_missed is not None and connection.missed > close_after_missed:
            connection.close(CloseCode.POLICY_VIOLATION, "too slow: fell behind the broadcasts")
            closed += 1
        else:
            skipped += 1
    return BroadcastReport(sent, skipped, closed)


# -- server ---------------------------------------------------------------------


async def serve(host="127.0.0.1", port=9001, *, deflate=True, ready=None, ping_interval=None,
                ping_timeout=PING_TIMEOUT, origins=None, backlog=BACKLOG, reuse_port=False, redis=None,
                channel=None):
    """Run an echo server until cancelled; ``ready(port)`` is called once
    listening.  ``deflate``: True negotiates permessage-deflate with
    ``SERVER_WINDOW_BITS`` and ``SERVER_MEM_LEVEL`` for what the server
    sends, a ``PerMessageDeflate`` is the server's wish as it is, False
    never compresses.  ``ping_interval`` (None: no heartbeat) and
    ``ping_timeout`` are each connection's, in seconds; ``origins`` as
    ``EchoConnection``; ``backlog`` is the listening socket's queue of
    connections not yet accepted; ``reuse_port`` sets ``SO_REUSEPORT``,
    for several processes on one port (``wscodec.workers``).

    With ``redis`` (a URL, ``redis://host:port/db``) every message
    published to ``channel`` (default ``wscodec.pubsub.CHANNEL``) on that
    Redis server is sent to every connection with :func:`broadcast`; the
    server is ready only once subscribed (``wscodec.pubsub``)."""
    from wscodec.deflate import PerMessageDeflate

    loop = asyncio.get_running_loop()
    connections = set()
    if deflate is True:
        wish = PerMessageDeflate(server_max_window_bits=SERVER_WINDOW_BITS, mem_level=SERVER_MEM_LEVEL)
    else:
        wish = deflate or None

    def factory():
        connection = EchoConnection(deflate=wish, ping_interval=ping_interval, ping_timeout=ping_timeout,
                                    origins=origins)
        connections.add(connection)
        connection.closed.add_done_callback(lambda _: connections.discard(connection))
        return connection

    async with contextlib.AsyncExitStack() as stack:
        relay = None
        if redis is not None:
            from wscodec.pubsub import CHANNEL, Relay

            relay = await Relay.connect(redis, CHANNEL if channel is None else channel)
            stack.push_async_callback(relay.aclose)
        server = await loop.create_server(factory, host, port, reuse_address=True, reuse_port=reuse_port,
                                          backlog=backlog)
        if ready is not None:
            ready(server.sockets[0].getsockname()[1])
        try:
            if relay is None:
                await asyncio.Event().wait()
            else:
                # Returns only by failing, and a server that silently
                # stopped relaying is worse than one that stopped.
                await relay.run(lambda message: broadcast(connections, message))
        finally:
            # Graceful shutdown: stop accepting, tell every peer we are going
            # away, and give them the close timeout to answer.
            server.close()
            for connection in list(connections):
                connection.close(CloseCode.GOING_AWAY)
            pending = [c.closed for c in connections]
            if pending:
                await asyncio.wait(pending, timeout=CLOSE_TIMEOUT)
            await server.wait_closed()


# -- client -----------------------------------------------------------------------


async def echo_client(url, *, deflate=True, on_message=None, open_timeout=OPEN_TIMEOUT, ping_interval=None,
                      ping_timeout=PING_TIMEOUT):
    """Connect to ``url``, echo every message until the close; return (code, reason)."""
    from wscodec.deflate import PerMessageDeflate

    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "ws" or not parts.hostname:
        raise ValueError(f"expected a ws:// URL, got {url!r}")
    port = parts.port or 80
    host_header = parts.netloc.rpartition("@")[2]
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    loop = asyncio.get_running_loop()
    wish = PerMessageDeflate() if deflate else None
    _, connection = await asyncio.wait_for(
        loop.create_connection(
            lambda: EchoConnection(client=(host_header, target), deflate=wish, on_message=on_message,
                                   ping_interval=ping_interval, ping_timeout=ping_timeout),
            parts.hostname,
            port,
        ),
        open_timeout,
    )
    return await connection.closed
