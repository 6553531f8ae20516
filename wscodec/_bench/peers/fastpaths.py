"""Rows for the server fast paths: SIMD text to ``str``, one large message
at the memory limit, the BufferedProtocol receive path, and broadcast.

Each factory returns checked ``Contender`` objects for one row, as the
other modules of ``peers`` do; ``plan`` lists the rows for ``workloads``.
Baselines (the "copy" of the payload, ``bytes.decode``, ``feed(bytes)``)
sit in the same row, so the ratio the targets speak of is read off one
interleaved run.
"""

from .. import data as _data
from ..timing import Batch, Call
from .contender import Contender, check, guarded, lineup, need, wscodec_contender

SECTIONS = ("text", "large", "receive", "broadcast")
TITLES = {
    "text": "UTF-8 to str (decode_utf8 against bytes.decode)",
    "large": "one 16 MiB single-frame message, masked, in 64 KiB reads",
    "receive": "receiving frames: BufferedProtocol against feed(bytes), and the reads alone",
    "broadcast": "one 200-byte text message to many connections",
}
TEXT_CORPORA = ("latin", "cjk", "emoji")
"""Homogeneous text, one width throughout; beside it _data.MIXED_CORPORA,
text as it crosses the wire, whose width changes every few bytes."""
LARGE_KINDS = ("binary", "ascii", "latin", "cjk", "emoji", "zh-prose", "ko-prose", "ru-json")
BROADCAST_SIZE = 200

# Each row's contenders, in table order.
TEXT_NAMES = ("native", "pure", "bytes.decode")
RECEIVE_NAMES = ("native", "native feed(bytes)", "pure", "reads alone")
LOOPBACK_NAMES = ("native", "native feed(bytes)", "reads alone")
BROADCAST_NAMES = ("native", "websockets")


def large_names(kind):
    """The baseline is a plain copy where there is no text to decode."""
    return ("native", "pure", "copy" if kind in ("binary", "ascii") else "bytes.decode")


# --- SIMD text to str -----------------------------------------------------------


def text_to_str(backends, corpus, size):
    raw = _data.utf8_corpus(corpus, size)
    want = raw.decode("utf-8")

    def ours(mod):
        check(mod.decode_utf8(raw) == want, "decode_utf8 differs from bytes.decode")
        return Call(mod.decode_utf8, raw), "decode_utf8"

    def baseline():
        return Call(bytes.decode, raw), "bytes.decode (CPython's scalar decoder)"

    return lineup(backends, TEXT_NAMES, ours, {"bytes.decode": baseline}, kinds={"bytes.decode": "baseline"})


# --- one large message ------------------------------------------------------------


def large_payload(kind, size):
    if kind == "binary":
        return _data.mask_data(size)
    return _data.utf8_corpus(kind, size)


def large_message(backends, kind, size):
    payload = large_payload(kind, size)
    text = kind != "binary"
    wire = _data.frame(1 if text else 2, payload, _data.MASK_KEY)
    view = memoryview(wire)
    chunks = [view[i:i + _data.READ_SIZE] for i in range(0, len(wire), _data.READ_SIZE)]
    want = payload.decode("utf-8") if text else payload

    def ours(mod):
        def setup():
            return mod.MessageDecoder(role="server", max_message_size=size)

        def run(dec):
            out = None
            for c in chunks:
                out = dec.feed(c) or out
            return out

        (message,) = run(setup())
        check(message.data == want, "message differs")
        return Batch(setup, run), "MessageDecoder.feed, 64 KiB memoryview reads"

    def copy():
        return Call(bytearray, payload), "bytearray(payload): one plain copy"

    def decode():
        return Call(bytes.decode, payload), "bytes.decode(payload) alone"

    return lineup(backends, large_names(kind), ours, {"copy": copy, "bytes.decode": decode},
                  kinds={"copy": "baseline", "bytes.decode": "baseline"})


# --- receiving: BufferedProtocol against feed(bytes) ------------------------------


#: What asyncio.Protocol asks of the socket per readiness: sock.recv(262144).
PROTOCOL_READ = 256 * _data.KiB


class _Socket:
    """A stream as the reading side of a socket sees it: a read returns
    min(what was asked for, what the peer has sent and is not read yet).
    ``segment=None``: the peer is ahead (the whole stream is waiting); else
    it sends ``segment`` bytes at a time, each once the last is read."""

    def __init__(self, wire, segment):
        self.wire = wire
        self.segment = segment
        self.pos = self.sent = 0

    def rewind(self):
        self.pos = 0
        self.sent = len(self.wire) if self.segment is None else 0
        return self

    def _take(self, want):
        if self.pos == self.sent:
            self.sent = min(self.sent + self.segment, len(self.wire))
        k = min(want, self.sent - self.pos)
        self.pos += k
        return self.wire[self.pos - k:self.pos]

    def recv(self, n):
        return bytes(self._take(n))

    def recv_into(self, buf):
        piece = self._take(len(buf))
        buf[:len(piece)] = piece
        return len(piece)

    def more(self):
        return self.pos < len(self.wire)


def receive(backends, size, count, segment=None):
    """Frames of ``size`` read as asyncio's selector loop reads them, the
    socket modelled in memory (``_Socket``): ``feed(bytes)`` gets a new
    bytes per read as asyncio.Protocol's ``sock.recv(262144)`` makes it; the
    BufferedProtocol path gets ``sock.recv_into(get_buffer(-1))``.  Either
    way the one copy out of the socket is paid; that copy alone, into a
    buffer that is reused, is the floor.  What the model leaves out: the
    cost of a system call and of an event loop turn per read, which the
    loopback row includes."""
    sock = _Socket(memoryview(b"".join(_data.frame_stream(size, count, False, True).chunks)), segment)

    def reading(mod, read, how):
        """A fresh decoder per sample; ``read(dec)`` takes one read into it
        and returns the messages that read completed."""
        def setup():
            return mod.MessageDecoder(role="server", max_message_size=size)

        def run(dec):
            n = 0
            sock.rewind()
            while sock.more():
                n += len(read(dec))
            return n

        check(run(setup()) == count, "message count")
        return Batch(setup, run), how

    def buffered(mod):
        return reading(mod, lambda dec: dec.buffer_updated(sock.recv_into(dec.get_buffer(-1))),
                       "recv_into(get_buffer(-1)), buffer_updated")

    def fed(mod):
        return reading(mod, lambda dec: dec.feed(sock.recv(PROTOCOL_READ)), "feed(recv(262144))")

    def floor():
        def run(buf):
            sock.rewind()
            while sock.more():
                sock.recv_into(buf)

        # A memoryview, as get_buffer returns: a slice assignment into a
        # bytearray itself would copy the source once more first.
        return Batch(lambda: memoryview(bytearray(PROTOCOL_READ)), run), "recv_into(one 256 KiB buffer), no decoding"

    built = {
        "native": wscodec_contender(backends, "native", buffered),
        "native feed(bytes)": _native_baseline(backends, "native feed(bytes)", fed),
        "pure": wscodec_contender(backends, "pure", buffered),
        "reads alone": guarded("reads alone", "baseline", floor),
    }
    return [built[name] for name in RECEIVE_NAMES]


def _native_baseline(backends, name, build):
    """A baseline that runs on the native backend, so is not built without it."""
    native = backends.get("native")
    if native is None:
        return Contender(name, "baseline", error="not built")
    return guarded(name, "baseline", lambda: build(native))


def receive_loopback(backends, size, count):
    """The same frames through a real loopback socket and asyncio's selector
    loop: ``asyncio.Protocol`` + ``feed(data)`` (the loop makes a bytes per
    read) against ``asyncio.BufferedProtocol`` + ``get_buffer`` /
    ``buffer_updated`` (the loop reads into the decoder's buffer), and, as
    the floor, a BufferedProtocol that only reads into one buffer.  One run
    writes the whole stream from a client in the same process."""
    import asyncio

    wire = b"".join(_data.frame_stream(size, count, False, True).chunks)

    def build(mod, buffered):
        class Fed(asyncio.Protocol):
            def __init__(self, done):
                self.dec = mod.MessageDecoder(role="server", max_message_size=size)
                self.n = 0
                self.done = done

            def data_received(self, data):
                self.n += len(self.dec.feed(data))
                if self.n == count:
                    self.done.set_result(self.n)

        class Lent(asyncio.BufferedProtocol):
            def __init__(self, done):
                self.dec = mod.MessageDecoder(role="server", max_message_size=size)
                self.n = 0
                self.done = done

            def get_buffer(self, sizehint):
                return self.dec.get_buffer(sizehint)

            def buffer_updated(self, nbytes):
                self.n += len(self.dec.buffer_updated(nbytes))
                if self.n == count:
                    self.done.set_result(self.n)

        class Floor(asyncio.BufferedProtocol):
            def __init__(self, done):
                self.buf = memoryview(bytearray(PROTOCOL_READ))
                self.n = 0
                self.done = done

            def get_buffer(self, sizehint):
                return self.buf

            def buffer_updated(self, nbytes):
                self.n += nbytes
                if self.n == len(wire):
                    self.done.set_result(count)

        cls = Floor if mod is None else Lent if buffered else Fed

        async def once():
            loop = asyncio.get_running_loop()
            done = loop.create_future()
            server = await loop.create_server(lambda: cls(done), "127.0.0.1", 0)
            _reader, writer = await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1])
            writer.write(wire)
            n = await done
            writer.close()
            server.close()
            await server.wait_closed()
            return n

        def run(_state):
            return asyncio.run(once())

        check(run(None) == count, "message count")
        return Batch(lambda: None, run), ("asyncio.BufferedProtocol, one 256 KiB buffer, no decoding" if mod is None
                                          else "asyncio.BufferedProtocol + get_buffer/buffer_updated" if buffered
                                          else "asyncio.Protocol + feed(data)")

    floor = guarded("reads alone", "baseline", lambda: build(None, True))
    built = {
        "native": wscodec_contender(backends, "native", lambda mod: build(mod, True)),
        "native feed(bytes)": _native_baseline(backends, "native feed(bytes)", lambda mod: build(mod, False)),
        "reads alone": floor,
    }
    return [built[name] for name in LOOPBACK_NAMES]


# --- broadcast ----------------------------------------------------------------------


class StubTransport:
    """A transport that takes writes and drops them (a C builtin, so the
    stub costs every contender the same little)."""

    __slots__ = ("write", "is_closing")

    def __init__(self):
        self.write = len
        self.is_closing = False.__bool__


def _nct_deflate():
    from wscodec import PerMessageDeflate

    return PerMessageDeflate(server_no_context_takeover=True, client_no_context_takeover=True)


def broadcast(backends, connections, compressed):
    message = _data.text_message(BROADCAST_SIZE)

    def ours(mod):
        # PreparedMessage frames with the backend `import wscodec` picked:
        # the native one whenever it is built.
        from wscodec.broadcast import PreparedMessage
        from wscodec.broadcast import broadcast as send_all

        transports = [StubTransport() for _ in range(connections)]
        deflate = _nct_deflate() if compressed else None

        def run():
            return send_all(transports, PreparedMessage(message), deflate)

        frame = PreparedMessage(message).frame(deflate)
        (got,) = mod.MessageDecoder(role="client", deflate=deflate).feed(frame)
        check(got.data == message, "frame does not decode to the message")
        check(run() == connections, "not every transport written")
        return Call(run), "PreparedMessage once + broadcast (one bytes for all)"

    def websockets():
        need("websockets")
        import asyncio

        from websockets.asyncio.server import ServerConnection
        from websockets.asyncio.server import broadcast as ws_broadcast
        from websockets.protocol import State
        from websockets.server import ServerProtocol

        async def make():
            conns = []
            for _ in range(connections):
                extensions = []
                if compressed:
                    from websockets.extensions.permessage_deflate import PerMessageDeflate

                    extensions = [PerMessageDeflate(True, True, 15, 15)]
                proto = ServerProtocol()
                proto.state = State.OPEN
                proto.extensions = extensions
                conn = ServerConnection(proto, server=None)
                conn.transport = _WsTransport()
                conns.append(conn)
            return conns

        loop = asyncio.new_event_loop()
        try:
            conns = loop.run_until_complete(make())
        finally:
            loop.close()
        ws_broadcast(conns, message)
        sent = conns[0].transport.last
        from wscodec._pure import MessageDecoder

        (got,) = MessageDecoder(role="client", deflate=_nct_deflate() if compressed else None).feed(sent)
        check(got.data == message, "websockets' frame does not decode to the message")
        return Call(ws_broadcast, conns, message), "websockets.broadcast: encodes per connection"

    return lineup(backends, BROADCAST_NAMES, ours, {"websockets": websockets})


class _WsTransport:
    __slots__ = ("last",)

    def __init__(self):
        self.last = b""

    def write(self, data):
        self.last = data

    def is_closing(self):
        return False

    def get_write_buffer_size(self):
        return 0


# --- the plan -------------------------------------------------------------------------


def plan(workload_cls, quick, sections):
    out = []
    if "text" in sections:
        for corpus in TEXT_CORPORA + _data.MIXED_CORPORA:
            sizes = (_data.KiB, 64 * _data.KiB) if corpus in TEXT_CORPORA else _data.MIXED_SIZES
            for size in sizes:
                if quick and size > _data.MiB:
                    continue
                out.append(workload_cls("text", f"decode_utf8 {corpus}", size, 1, "GB/s",
                                        lambda b, c=corpus, s=size: text_to_str(b, c, s), TEXT_NAMES))
    if "large" in sections:
        size = (4 if quick else 16) * _data.MiB
        for kind in LARGE_KINDS:
            out.append(workload_cls("large", f"one message {kind}", size, 1, "GB/s",
                                    lambda b, k=kind, s=size: large_message(b, k, s), large_names(kind)))
    if "receive" in sections:
        size = 64 * _data.KiB
        count = 16 if quick else 64
        for label, segment in (("sender ahead", None), ("in 64 KiB segments", 64 * _data.KiB)):
            out.append(workload_cls("receive", f"receive binary masked (server) {label}", size, count, "MB/s",
                                    lambda b, s=size, n=count, g=segment: receive(b, s, n, g), RECEIVE_NAMES))
        # 1 MiB frames too: from 256 KiB on, get_buffer lends the payload's
        # own object and the loop reads straight into it.
        for frame_size, frames in ((size, count * 4), (_data.MiB, count // 4)):
            out.append(workload_cls("receive", "receive binary masked (server) over loopback asyncio",
                                    frame_size, frames, "MB/s",
                                    lambda b, s=frame_size, n=frames: receive_loopback(b, s, n),
                                    LOOPBACK_NAMES))
    if "broadcast" in sections:
        connections = 1000 if quick else 10000
        for compressed in (False, True):
            op = f"broadcast text to {connections} {'compressed' if compressed else 'uncompressed'}"
            out.append(workload_cls("broadcast", op, BROADCAST_SIZE, connections, "msg/s",
                                    lambda b, n=connections, c=compressed: broadcast(b, n, c), BROADCAST_NAMES))
    return out
