"""wscodec and its peers, each driven the way a real server drives it.

Every factory here returns ``Contender`` objects for one benchmark row: a
ready-to-time ``Call`` or ``Batch`` (see ``timing``), or the reason it cannot
run.  Each contender is checked once on the row's own input before it is
timed (decoded message count and content, encoded frames re-parsed, masking
and validation results compared), so an adapter that silently drops work
shows up as FAIL instead of as a fast number.  For the codec rows the timed
code is the checked code: the run that is timed appends every message's
``str`` to a list, and the check compares that list.

Peers are optional (``pip install wscodec[bench]``); a missing one gives a
"not installed" contender.  Shared by ``python -m wscodec bench`` and the
pytest-benchmark suite in ``benchmarks/``.
"""

import asyncio
import codecs
import importlib
import logging
import os
import re
import sys
from collections import deque

from . import data as _data
from .timing import Batch, Call

# Every contender name each factory below can return, in table order;
# "copy" is a baseline (the memory-bandwidth limit), not a peer.
NAMES = {
    "mask_apply": ("native", "pure", "websockets", "wsaccel", "websocket-client", "copy"),
    "mask_inplace": ("native", "pure", "aiohttp"),
    "utf8_validate": ("native", "pure", "bytes.decode", "codecs", "wsaccel", "websocket-client"),
    "decode": ("native", "pure", "websockets", "websockets-py", "wsproto", "aiohttp", "picows", "websocket-client"),
    "encode": ("native", "pure", "websockets", "wsproto", "aiohttp", "picows", "websocket-client"),
}

NOT_APPLICABLE = "not applicable"
"""The error of a contender that has no such operation (a client-only
library asked to decode masked frames, as a server does)."""


class Contender:
    """One column of a row.  ``kind``: "wscodec", "peer" or "baseline"."""

    def __init__(self, name, kind, bench=None, error=None, note=None):
        self.name = name
        self.kind = kind
        self.bench = bench
        self.error = error
        self.note = note

    @property
    def ok(self):
        return self.bench is not None

    def __repr__(self):
        state = "ok" if self.ok else f"error={self.error!r}"
        return f"<Contender {self.name} ({self.kind}) {state}>"


class CheckFailed(AssertionError):
    pass


def _check(cond, what):
    if not cond:
        raise CheckFailed(what)


class _NotInstalled(Exception):
    pass


class _NotApplicable(Exception):
    pass


def _guarded(name, kind, build):
    """Build a contender; an exception (import, setup or check) becomes its
    error, so one broken peer never takes the whole run down."""
    try:
        bench, note = build()
    except _NotInstalled:
        return Contender(name, kind, error="not installed")
    except _NotApplicable as exc:
        return Contender(name, kind, error=NOT_APPLICABLE, note=str(exc) or None)
    except CheckFailed as exc:
        return Contender(name, kind, error=f"FAIL check: {exc}")
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return Contender(name, kind, error=f"FAIL {type(exc).__name__}: {exc}")
    return Contender(name, kind, bench=bench, note=note)


# --- what is installed ---------------------------------------------------------

PEERS = {
    "websockets": "websockets",
    "wsproto": "wsproto",
    "aiohttp": "aiohttp",
    "picows": "picows",
    "wsaccel": "wsaccel",
    "websocket-client": "websocket",
}
"""The peer libraries, PyPI name -> import name: wscodec's ``[bench]`` extra."""


def peer_versions():
    """``{peer: version or None}`` for every known peer, importing each once."""
    from importlib.metadata import version as dist_version

    out = {}
    for name, module in PEERS.items():
        try:
            mod = importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a peer that fails to import is absent
            out[name] = None
            continue
        try:
            # The distribution's version: a module's __version__ can lag it.
            out[name] = dist_version(name)
        except Exception:  # noqa: BLE001
            out[name] = str(getattr(mod, "__version__", "?"))
    return out


def _need(name):
    """Import a peer or raise ``_NotInstalled`` (a "not installed" column)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise _NotInstalled(name) from exc


def load_backends():
    """``({"native": module|None, "pure": module}, {"native": status, ...})``.

    The native backend is left out when ``WSCODEC_NO_EXTENSIONS`` is set, as
    ``import wscodec`` does, so the pure lane can be benchmarked alone.
    """
    modules, status = {}, {}
    if os.environ.get("WSCODEC_NO_EXTENSIONS", "") not in ("", "0"):
        modules["native"], status["native"] = None, "disabled (WSCODEC_NO_EXTENSIONS)"
    else:
        try:
            modules["native"] = importlib.import_module("wscodec._native")
            status["native"] = f"SIMD {modules['native'].SIMD}"
        except ImportError as exc:
            modules["native"], status["native"] = None, "NOT BUILT"
            status["native_reason"] = str(exc)
    modules["pure"] = importlib.import_module("wscodec._pure")
    status["pure"] = "ok"
    return modules, status


def _wscodec(backends, name, build):
    mod = backends.get(name)
    if mod is None:
        return Contender(name, "wscodec", error="not built")
    return _guarded(name, "wscodec", lambda: build(mod))


# --- masking -------------------------------------------------------------------


def _check_mask_fn(apply, size):
    """``apply(data, key) -> bytes`` is right on this size and an odd one."""
    key = _data.MASK_KEY
    for n in {min(size, _data.MiB), 1027}:
        src = _data.mask_data(n, seed=99)
        _check(bytes(apply(src, key)) == _data.xor_mask(src, key), f"wrong result at {n} bytes")


def mask_apply(backends, size):
    """``apply_mask(data, key) -> bytes``: masking into a new buffer."""
    data = _data.mask_data(size)
    key = _data.MASK_KEY

    def ours(mod):
        _check_mask_fn(mod.apply_mask, size)
        return Call(mod.apply_mask, data, key), None

    def websockets():
        _need("websockets")
        from websockets.speedups import apply_mask

        _check_mask_fn(apply_mask, size)
        return Call(apply_mask, data, key), "websockets.speedups.apply_mask"

    def wsaccel():
        _need("wsaccel")
        from wsaccel.xormask import XorMaskerSimple

        _check_mask_fn(lambda d, k: XorMaskerSimple(k).process(d), size)
        # One masker reused: its mask phase drifts, which costs nothing and
        # spares it an object creation per call.
        return Call(XorMaskerSimple(key).process, data), "XorMaskerSimple.process"

    def websocket_client():
        _need("websocket")
        from websocket import ABNF

        _check_mask_fn(lambda d, k: ABNF.mask(k, d), size)
        return Call(ABNF.mask, key, data), f"ABNF.mask ({_wsclient_engine()})"

    def copy():
        buf = bytearray(data)
        return Call(bytes, buf), "bytes(bytearray): the memory-bandwidth limit"

    return [
        _wscodec(backends, "native", ours),
        _wscodec(backends, "pure", ours),
        _guarded("websockets", "peer", websockets),
        _guarded("wsaccel", "peer", wsaccel),
        _guarded("websocket-client", "peer", websocket_client),
        _guarded("copy", "baseline", copy),
    ]


def _wsclient_engine():
    """websocket-client masks and validates with wsaccel when it is installed."""
    import websocket._abnf as abnf

    return "on wsaccel" if "XorMaskerSimple" in vars(abnf) else "pure Python"


def mask_inplace(backends, size):
    """XOR a bytearray in place (what a reader does to a received payload)."""
    key = _data.MASK_KEY

    def inplace_checked(fn, order):
        def apply(d, k):
            buf = bytearray(d)
            fn(*((k, buf) if order == "key-first" else (buf, k)))
            return buf

        _check_mask_fn(apply, size)

    def ours(mod):
        inplace_checked(mod.mask_inplace, "buf-first")
        return Call(mod.mask_inplace, bytearray(_data.mask_data(size)), key), None

    def aiohttp():
        _need("aiohttp")
        from aiohttp._websocket.mask import _websocket_mask_cython

        inplace_checked(_websocket_mask_cython, "key-first")
        return Call(_websocket_mask_cython, key, bytearray(_data.mask_data(size))), "_websocket_mask_cython"

    return [
        _wscodec(backends, "native", ours),
        _wscodec(backends, "pure", ours),
        _guarded("aiohttp", "peer", aiohttp),
    ]


# --- UTF-8 validation ----------------------------------------------------------


def utf8_validate(backends, corpus, size):
    """Is this whole buffer valid UTF-8?  Peers that decode pay for the
    ``str`` they build: that is what validating costs a user without wscodec."""
    text = _data.utf8_corpus(corpus, size)
    valid = _data.expected_valid(corpus)

    def ours(mod):
        _check(mod.validate_utf8(text) is valid, "wrong verdict")
        return Call(mod.validate_utf8, text), None

    def _decoder(decode, *extra):
        def checked(d):
            try:
                decode(d, *extra)
            except UnicodeDecodeError:
                return False
            return True

        _check(checked(text) is valid, "wrong verdict")
        # Invalid input raises: the handler is part of the price there.
        return Call(decode, text, *extra) if valid else Call(checked, text)

    def bytes_decode():
        return _decoder(bytes.decode), "bytes.decode('utf-8')"

    def codecs_incremental():
        dec = codecs.getincrementaldecoder("utf-8")()
        return _decoder(dec.decode, True), "codecs incremental decoder, final=True"

    def wsaccel():
        _need("wsaccel")
        from wsaccel.utf8validator import Utf8Validator

        def validate(d, v=Utf8Validator()):  # noqa: B008 - one validator, bound once for speed
            v.reset()
            return v.validate(d)[0]

        _check(validate(text) is valid, "wrong verdict")
        if valid:
            # A validator that ends on a character boundary is back in its
            # start state, so the bare method is the honest cheapest call.
            return Call(Utf8Validator().validate, text), "Utf8Validator.validate"
        return Call(validate, text), "Utf8Validator reset+validate"

    def websocket_client():
        _need("websocket")
        from websocket._utils import validate_utf8

        _check(bool(validate_utf8(text)) is valid, "wrong verdict")
        return Call(validate_utf8, text), f"websocket._utils.validate_utf8 ({_wsclient_engine()})"

    return [
        _wscodec(backends, "native", ours),
        _wscodec(backends, "pure", ours),
        _guarded("bytes.decode", "peer", bytes_decode),
        _guarded("codecs", "peer", codecs_incremental),
        _guarded("wsaccel", "peer", wsaccel),
        _guarded("websocket-client", "peer", websocket_client),
    ]


# --- stub transport ------------------------------------------------------------


class _FakeSocket:
    """What picows asks of ``get_extra_info('socket')``; never touches a network."""

    def fileno(self):
        return -1

    def setsockopt(self, *args):
        pass

    def getsockopt(self, *args):
        return 0


class SinkTransport:
    """An asyncio transport stub that keeps only the last write.

    Its methods are C builtins (a bounded deque's ``append``, ``int`` and
    ``bool`` methods) so a peer that writes to its transport pays a C call,
    not a Python one, for the privilege.  A non-empty write buffer makes
    picows hand its frame to ``write`` instead of calling ``send(2)`` on the
    socket.
    """

    def __init__(self):
        # Two: aiohttp writes a large frame's header and payload apart.
        self.written = deque(maxlen=2)
        self.write = self.written.append
        self.get_write_buffer_size = (1).__index__
        self.is_closing = False.__bool__
        self._extra = {"socket": _FakeSocket(), "peername": ("127.0.0.1", 1), "sockname": ("127.0.0.1", 2)}

    def writelines(self, parts):
        self.write(b"".join(parts))

    def get_extra_info(self, name, default=None):
        return self._extra.get(name, default)

    def close(self):
        pass

    def abort(self):
        pass

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass

    @property
    def last(self):
        return bytes(self.written[-1])


_LOOP = []


def _loop():
    """One event loop for the peers that insist on one (never run forever)."""
    if not _LOOP:
        _LOOP.append(asyncio.new_event_loop())
    return _LOOP[0]


def close_loop():
    if _LOOP:
        _LOOP.pop().close()


# --- decoding ------------------------------------------------------------------
#
# Each adapter is ``setup() -> state`` (untimed: a fresh decoder, as for a new
# connection) and ``run(state, chunks) -> list[str]``, which feeds every read
# and appends each message's str to a list.


def _decode_batch(setup, run, stream):
    chunks = stream.chunks
    out = run(setup(), chunks)
    _check(len(out) == stream.count, f"decoded {len(out)} messages, expected {stream.count}")
    _check(out == stream.messages, "decoded messages differ from what was sent")
    del out
    return Batch(setup, lambda state: run(state, chunks))


def _run_wscodec(dec, chunks):
    out = []
    append = out.append
    feed = dec.feed
    for chunk in chunks:
        for m in feed(chunk):
            append(m.data)
    return out


def _run_websockets(proto, chunks):
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


def _run_wsproto(proto, chunks):
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


def _run_aiohttp(state, chunks):
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


def _aiohttp_reader(compress=False):
    from aiohttp._websocket.reader import WebSocketDataQueue, WebSocketReader

    # The queue's high-water mark (a C unsigned int) set as high as it goes:
    # draining ``_buffer`` directly skips the size bookkeeping that
    # ``queue.read()`` does, and a stall would make the reader stash input.
    queue = WebSocketDataQueue(_AiohttpProtocolStub(), 2**31 - 1, loop=_loop())
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


def _picows_protocol(client):
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

    proto = _loop().run_until_complete(make())
    transport = SinkTransport()
    proto.connection_made(transport)
    if client:
        request = transport.last
        _check(request.startswith(b"GET /bench HTTP/1.1"), "picows sent no upgrade request")
        key = re.search(rb"(?i)sec-websocket-key: *([^\r]+)", request).group(1).decode()
        _picows_feed(proto, _upgrade_response(key))
    else:
        _picows_feed(proto, _UPGRADE)
        _check(transport.last.startswith(b"HTTP/1.1 101"), "picows did not answer 101")
    listener = proto.listener
    _check(listener is not None and listener.connected, "picows did not complete the upgrade")
    return proto


def _upgrade_response(key):
    from wscodec.handshake import accept_key

    return (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept_key(key).encode() + b"\r\n\r\n"
    )


def _run_picows(proto, chunks):
    out = []
    proto.listener.append = out.append
    feed = _picows_feed
    for chunk in chunks:
        feed(proto, chunk)
    proto.listener.append = None
    if proto.transport.is_close_frame_sent:
        raise CheckFailed("picows closed the connection")
    return out


def _wsclient_reader():
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


def _run_wsclient(state, chunks):
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


DECODE_LIMIT = 32 * _data.MiB
"""Every decoder's message (or frame) size limit, raised alike so that the
16 MiB message fits."""


def decode(backends, stream):
    """Feed a stream's reads to a fresh decoder, collect every message's data
    (``str`` for TEXT): a server's side for masked streams, a client's for
    unmasked ones."""
    server = stream.masked
    role = "server" if server else "client"

    def ours(mod):
        return _decode_batch(
            lambda: mod.MessageDecoder(role=role, max_message_size=DECODE_LIMIT), _run_wscodec, stream
        ), f"MessageDecoder(role={role!r}).feed"

    def _websockets_side():
        _need("websockets")
        from websockets.protocol import Protocol, Side

        side = Side.SERVER if server else Side.CLIENT
        return lambda: Protocol(side, max_size=DECODE_LIMIT)

    def websockets():
        return _decode_batch(_websockets_side(), _run_websockets, stream), "Protocol.receive_data + events_received"

    def websockets_py():
        # websockets' own parser on its pure-Python apply_mask (what it runs
        # without its C speedups): the pure-Python peer of wscodec's pure twin.
        setup = _websockets_side()
        import websockets.frames as frames
        from websockets.utils import apply_mask as py_apply_mask

        def run(proto, chunks):
            saved = frames.apply_mask
            frames.apply_mask = py_apply_mask
            try:
                return _run_websockets(proto, chunks)
            finally:
                frames.apply_mask = saved

        return _decode_batch(setup, run, stream), "as websockets, on websockets.utils.apply_mask"

    def wsproto():
        _need("wsproto")
        from wsproto.frame_protocol import FrameProtocol

        return _decode_batch(lambda: FrameProtocol(client=not server, extensions=[]), _run_wsproto, stream), (
            "FrameProtocol.receive_bytes + received_frames"
        )

    def aiohttp():
        _need("aiohttp")
        from aiohttp._websocket import reader

        note = f"{reader.WebSocketReader.__module__}.WebSocketReader + WebSocketDataQueue"
        return _decode_batch(_aiohttp_reader, _run_aiohttp, stream), note

    def picows():
        _need("picows")
        return _decode_batch(lambda: _picows_protocol(not server), _run_picows, stream), (
            "WSProtocol get_buffer/buffer_updated"
        )

    def websocket_client():
        _need("websocket")
        if server:
            raise _NotApplicable("a client library: it never receives masked frames")
        return _decode_batch(_wsclient_reader, _run_wsclient, stream), "frame_buffer.recv_frame + continuous_frame"

    return [
        _wscodec(backends, "native", ours),
        _wscodec(backends, "pure", ours),
        _guarded("websockets", "peer", websockets),
        _guarded("websockets-py", "peer", websockets_py),
        _guarded("wsproto", "peer", wsproto),
        _guarded("aiohttp", "peer", aiohttp),
        _guarded("picows", "peer", picows),
        _guarded("websocket-client", "peer", websocket_client),
    ]


# --- encoding ------------------------------------------------------------------


def _check_encoder(produce, payload, client, opcode=0x1):
    """``produce()`` returns the wire bytes of one message with ``payload``."""
    keys = set()
    for _ in range(3):
        frames = _data.parse_frames(produce())
        _check(len(frames) == 1, f"{len(frames)} frames for one message")
        fin, op, key, body = frames[0]
        _check(fin and op == opcode, f"fin={fin} opcode={op}")
        _check(body == payload, "payload differs")
        _check((key is not None) == client, "masked" if key is not None else "unmasked")
        keys.add(key)
    if client:
        # A fresh key per frame (three equal random keys: odds of 2**-64).
        _check(len(keys) > 1, "the same mask key for every frame")


def encode(backends, size, role, text=True):
    """One message to the bytes to write: ``MessageEncoder.text(str)`` or
    ``.binary(bytes)``; a client masks with a fresh key per frame.  Peers get
    the same ``str`` or ``bytes`` (so a text peer pays its UTF-8 encode too)."""
    msg = _data.text_message(size)
    payload = msg.encode()
    item = msg if text else payload
    client = role == "client"
    opcode = 0x1 if text else 0x2

    def ours(mod):
        enc = mod.MessageEncoder(role=role)
        method = enc.text if text else enc.binary
        _check_encoder(lambda: method(item), payload, client, opcode)
        return Call(method, item), f"MessageEncoder.{'text' if text else 'binary'}"

    def websockets():
        _need("websockets")
        from websockets.frames import Frame, Opcode

        if text:
            def send(m, Frame=Frame, OP=Opcode.TEXT, mask=client):
                return Frame(OP, m.encode()).serialize(mask=mask)
        else:
            def send(m, Frame=Frame, OP=Opcode.BINARY, mask=client):
                return Frame(OP, m).serialize(mask=mask)

        _check_encoder(lambda: send(item), payload, client, opcode)
        return Call(send, item), "Frame(...).serialize" + ("; keys: secrets" if client else "")

    def wsproto():
        _need("wsproto")
        from wsproto.frame_protocol import FrameProtocol

        proto = FrameProtocol(client=client, extensions=[])
        _check_encoder(lambda: proto.send_data(item), payload, client, opcode)
        return Call(proto.send_data, item), "FrameProtocol.send_data" + ("; keys: os.urandom" if client else "")

    def aiohttp():
        _need("aiohttp")
        send, transport = _aiohttp_sender(client, text)

        def produce():
            transport.written.clear()
            send(item)
            return b"".join(transport.written)

        _check_encoder(produce, payload, client, opcode)
        return Call(send, item), "WebSocketWriter.send_frame" + ("; keys: random.Random" if client else "")

    def picows():
        _need("picows")
        import picows

        transport, sink = _picows_transport(client)
        kind = picows.WSMsgType.TEXT if text else picows.WSMsgType.BINARY

        def produce():
            transport.send(kind, item)
            return sink.last

        _check_encoder(produce, payload, client, opcode)
        return Call(transport.send, kind, item), "WSTransport.send" + ("; keys: libc rand()" if client else "")

    def websocket_client():
        _need("websocket")
        if not client:
            raise _NotApplicable("a client library: it never sends unmasked frames")
        from websocket import ABNF

        def send(m, create=ABNF.create_frame, OP=opcode):
            return create(m, OP).format()

        _check_encoder(lambda: send(item), payload, client, opcode)
        return Call(send, item), f"ABNF.create_frame(...).format; keys: os.urandom ({_wsclient_engine()})"

    return [
        _wscodec(backends, "native", ours),
        _wscodec(backends, "pure", ours),
        _guarded("websockets", "peer", websockets),
        _guarded("wsproto", "peer", wsproto),
        _guarded("aiohttp", "peer", aiohttp),
        _guarded("picows", "peer", picows),
        _guarded("websocket-client", "peer", websocket_client),
    ]


class _AiohttpWriterProtocolStub:
    _paused = False


def _aiohttp_sender(client, text=False):
    """``send(data)``: aiohttp's ``await writer.send_frame(payload, BINARY)``
    run to completion without a loop (uncompressed, it never suspends);
    with ``text`` it takes a str, encodes it first and sends TEXT, as
    ``send_str`` does."""
    from aiohttp._websocket.models import WSMsgType
    from aiohttp._websocket.writer import WebSocketWriter

    transport = SinkTransport()
    writer = WebSocketWriter(_AiohttpWriterProtocolStub(), transport, use_mask=client)

    def suspended(coro):
        coro.close()
        raise CheckFailed("aiohttp's send_frame suspended")

    # One function per variant: a helper call per frame would be a cost
    # that aiohttp itself does not have.
    if text:
        def send(m, send_frame=writer.send_frame, TEXT=WSMsgType.TEXT):
            coro = send_frame(m.encode("utf-8"), TEXT)
            try:
                coro.send(None)
            except StopIteration:
                return
            suspended(coro)
    else:
        def send(payload, send_frame=writer.send_frame, BINARY=WSMsgType.BINARY):
            coro = send_frame(payload, BINARY)
            try:
                coro.send(None)
            except StopIteration:
                return
            suspended(coro)

    return send, transport


def _picows_transport(client):
    from picows.picows import WSTransport

    sink = SinkTransport()
    logger = logging.getLogger("wscodec.bench.picows")
    logger.setLevel(logging.WARNING)
    return WSTransport(client, sink, logger, _loop()), sink


# --- idle decoder memory -------------------------------------------------------


def idle_decoders(backends):
    """``{name: (factory, note)}``: one idle, ready-to-receive decoder state
    per call, for the memory table; None where not installed."""
    out = {}
    for name in ("native", "pure"):
        mod = backends.get(name)
        out[name] = (None, "not built") if mod is None else (lambda mod=mod: mod.MessageDecoder(role="server"), "MessageDecoder")

    def have(peer):
        try:
            _need(peer)
            return True
        except _NotInstalled:
            return False

    if have("websockets"):
        from websockets.protocol import Protocol, Side

        out["websockets"] = (lambda: Protocol(Side.SERVER), "Protocol (whole connection state)")
    else:
        out["websockets"] = (None, "not installed")
    if have("wsproto"):
        from wsproto.frame_protocol import FrameProtocol

        out["wsproto"] = (lambda: FrameProtocol(client=False, extensions=[]), "FrameProtocol")
    else:
        out["wsproto"] = (None, "not installed")
    out["aiohttp"] = (_aiohttp_reader, "WebSocketReader + its queue") if have("aiohttp") else (None, "not installed")
    out["picows"] = (lambda: _picows_protocol(False), "WSProtocol + WSTransport after upgrade") if have("picows") else (None, "not installed")
    return out


def python_info():
    return f"{sys.implementation.name} {sys.version.split()[0]}"
