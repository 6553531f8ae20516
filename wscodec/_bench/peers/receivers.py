"""Each library's receive path driven as its server or client drives it:
the decoding loops that ``decode``, ``permessage_deflate`` and ``memory``
share, and the stubs that set each peer up past its HTTP upgrade."""

import logging
import re

from .. import data as _data
from .contender import CheckFailed, check
from .transport import SinkTransport, event_loop

DECODE_LIMIT = 32 * _data.MiB
"""Every decoder's message (or frame) size limit, raised alike so that the
16 MiB message fits."""

# Each adapter is ``setup() -> state`` (untimed: a fresh decoder, as for a new
# connection) and ``run(state, chunks) -> list[str]``, which feeds every read
# and appends each message's str to a list.


def run_wscodec(dec, chunks):
    out = []
    append = out.append
    feed = dec.feed
    for chunk in chunks:
        for m in feed(chunk):
            append(m.data)
    return out


def run_websockets(proto, chunks):
    from websockets.frames import Opcode

    TEXT, BINARY, CONT = Opcode.TEXT, Opcode.BINARY, Opcode.CONT
    out = []
    append = out.append
    parts = []
    receive, events = proto.receive_data, proto.events_received
    for chunk in chunks:
        receive(chunk)
        for f in events():
            op = f.opcode
            if f.fin and not parts:
                if op is TEXT:
                    append(f.data.decode())
                elif op is BINARY:
                    append(f.data)
            elif op is TEXT or op is BINARY or op is CONT:
                # websockets' Protocol yields frames; its asyncio layer
                # reassembles messages: the same is done here.
                parts.append(f)
                if f.fin:
                    first = parts[0]
                    payload = b"".join(p.data for p in parts)
                    append(payload.decode() if first.opcode is TEXT else payload)
                    parts.clear()
        if proto.parser_exc is not None:
            raise proto.parser_exc
    return out


def run_wsproto(proto, chunks):
    out = []
    append = out.append
    parts = []
    receive, frames = proto.receive_bytes, proto.received_frames
    for chunk in chunks:
        receive(chunk)
        for f in frames():
            if not f.opcode.iscontrol():
                if f.message_finished and not parts:
                    append(f.payload)
                else:
                    # wsproto hands a frame over in pieces as reads arrive.
                    parts.append(f.payload)
                    if f.message_finished:
                        append(parts[0][:0].join(parts))
                        parts.clear()
    return out


def run_aiohttp(state, chunks):
    reader, queue = state
    out = []
    append = out.append
    feed = reader.feed_data
    buf = queue._buffer
    for chunk in chunks:
        if feed(chunk)[0]:
            raise queue.exception()
        # What ``await ws.receive()`` would pop, minus the await.
        for msg, _size in buf:
            append(msg[1])  # .data; indexing is the cheaper spelling
        buf.clear()
    return out


class _AiohttpProtocolStub:
    # "Already paused" keeps the queue from calling pause_reading per message.
    _reading_paused = True

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


def aiohttp_reader(compress=False):
    from aiohttp._websocket.reader import WebSocketDataQueue, WebSocketReader

    # The queue's high-water mark (a C unsigned int) set as high as it goes:
    # draining ``_buffer`` directly skips the size bookkeeping that
    # ``queue.read()`` does, and a stall would make the reader stash input.
    queue = WebSocketDataQueue(_AiohttpProtocolStub(), 2**31 - 1, loop=event_loop())
    try:
        reader = WebSocketReader(queue, DECODE_LIMIT, compress=compress, decode_text=True)
    except TypeError:
        # aiohttp 3.11's reader has no decode_text: it always decodes text.
        reader = WebSocketReader(queue, DECODE_LIMIT, compress=compress)
    return reader, queue


_UPGRADE = (
    b"GET /bench HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n\r\n"
)


def _picows_feed(proto, data):
    """Deliver bytes as asyncio does to a BufferedProtocol: ``recv_into`` the
    buffer picows offers (which may be smaller than the read), then tell it."""
    view = memoryview(data)
    pos, end = 0, len(view)
    get_buffer, updated = proto.get_buffer, proto.buffer_updated
    while pos < end:
        buf = get_buffer(-1)
        n = min(len(buf), end - pos)
        buf[:n] = view[pos:pos + n]
        updated(n)
        pos += n


def _picows_listener_class():
    import picows

    TEXT, BINARY, CONT = picows.WSMsgType.TEXT, picows.WSMsgType.BINARY, picows.WSMsgType.CONTINUATION

    class Listener(picows.WSListener):
        append = None
        connected = False

        def on_ws_connected(self, transport):
            self.connected = True
            self.parts = []
            self.first = None

        def on_ws_frame(self, transport, frame):
            op = frame.msg_type
            if op == TEXT and frame.fin and not self.parts:
                self.append(frame.get_payload_as_utf8_text())
            elif op == BINARY and frame.fin and not self.parts:
                self.append(frame.get_payload_as_bytes())
            elif op == TEXT or op == BINARY or op == CONT:
                # picows hands out frames; messages are the user's business.
                if not self.parts:
                    self.first = op
                self.parts.append(frame.get_payload_as_bytes())
                if frame.fin:
                    payload = b"".join(self.parts)
                    self.append(payload.decode() if self.first == TEXT else payload)
                    self.parts = []

    return Listener


def picows_protocol(client):
    """A picows ``WSProtocol`` past its HTTP upgrade, as ``ws_create_server``
    (server) or ``ws_connect`` (client) builds it, on a stub transport."""
    import picows
    from picows.picows import WSProtocol

    listener_cls = _picows_listener_class()
    logger = logging.getLogger("wscodec.bench.picows")
    logger.setLevel(logging.WARNING)

    async def make():
        # Its constructor wants a running loop; keywords survive reordering.
        return WSProtocol(
            host_port="127.0.0.1:9" if client else None,
            ws_path="/bench" if client else None,
            is_client_side=client,
            ws_listener_factory=(lambda: listener_cls()) if client else (lambda request: listener_cls()),
            logger=logger,
            disconnect_on_exception=True,
            websocket_handshake_timeout=None,  # no timer on a loop that never runs
            enable_auto_ping=False,
            auto_ping_idle_timeout=10,
            auto_ping_reply_timeout=10,
            auto_ping_strategy=picows.WSAutoPingStrategy.PING_WHEN_IDLE,
            enable_auto_pong=True,
            max_frame_size=DECODE_LIMIT,
            extra_headers=None,
            read_buffer_init_size=16 * 1024,  # its default
        )

    proto = event_loop().run_until_complete(make())
    transport = SinkTransport()
    proto.connection_made(transport)
    if client:
        request = transport.last
        check(request.startswith(b"GET /bench HTTP/1.1"), "picows sent no upgrade request")
        key = re.search(rb"(?i)sec-websocket-key: *([^\r]+)", request).group(1).decode()
        _picows_feed(proto, _upgrade_response(key))
    else:
        _picows_feed(proto, _UPGRADE)
        check(transport.last.startswith(b"HTTP/1.1 101"), "picows did not answer 101")
    listener = proto.listener
    check(listener is not None and listener.connected, "picows did not complete the upgrade")
    return proto


def _upgrade_response(key):
    from wscodec.handshake import accept_key

    return (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept_key(key).encode() + b"\r\n\r\n"
    )


def run_picows(proto, chunks):
    out = []
    proto.listener.append = out.append
    feed = _picows_feed
    for chunk in chunks:
        feed(proto, chunk)
    proto.listener.append = None
    if proto.transport.is_close_frame_sent:
        raise CheckFailed("picows closed the connection")
    return out


def wsclient_reader():
    """websocket-client's own receive path: a ``frame_buffer`` pulling from a
    ``recv(bufsize)`` callable (what ``WebSocket.recv`` does over its socket)
    and a ``continuous_frame`` that joins fragments and checks UTF-8."""
    from websocket._abnf import continuous_frame, frame_buffer

    source = _ChunkSource()
    return source, frame_buffer(source.recv, False), continuous_frame(False, False)


class _ChunkSource:
    """``recv(bufsize)`` over a list of reads, as a socket hands them out."""

    def __init__(self):
        self.chunks = iter(())
        self.pending = b""

    def load(self, chunks):
        self.chunks = iter(chunks)
        self.pending = b""

    def recv(self, bufsize):
        data = self.pending
        if not data:
            data = next(self.chunks, b"")
        self.pending = data[bufsize:]
        return data[:bufsize]

    def exhausted(self):
        if self.pending:
            return False
        nxt = next(self.chunks, None)
        if nxt is None:
            return True
        self.pending = nxt
        return False


def run_wsclient(state, chunks):
    from websocket import ABNF

    source, frames, joiner = state
    source.load(chunks)
    TEXT = ABNF.OPCODE_TEXT
    out = []
    append = out.append
    recv_frame = frames.recv_frame
    while not (source.exhausted() and not frames.recv_buffer):
        frame = recv_frame()
        joiner.validate(frame)
        joiner.add(frame)
        if joiner.is_fire(frame):
            opcode, frame = joiner.extract(frame)
            # WebSocket.recv() hands text out as str.
            append(frame.data.decode() if opcode == TEXT else frame.data)
    return out
