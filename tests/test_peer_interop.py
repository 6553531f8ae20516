"""Wire compatibility with the two pure-Python peers: websockets and wsproto.

Frames they encode decode correctly here, and frames encoded here parse
correctly with theirs, compressed ones included.
"""

import pytest

websockets_frames = pytest.importorskip("websockets.frames")
wsproto_frames = pytest.importorskip("wsproto.frame_protocol")

from websockets.extensions.permessage_deflate import PerMessageDeflate as WsDeflate  # noqa: E402
from websockets.frames import Frame as WsFrame  # noqa: E402
from websockets.frames import Opcode as WsOpcode  # noqa: E402
from websockets.protocol import Protocol, Side  # noqa: E402
from websockets.streams import StreamReader  # noqa: E402
from wsproto.frame_protocol import FrameProtocol  # noqa: E402
from wsproto.frame_protocol import Opcode as WpOpcode  # noqa: E402

SIZES = [0, 1, 125, 126, 65535, 65536, 100_000]


def payload_of(size):
    return bytes(range(256)) * (size // 256) + bytes(range(size % 256))


def ws_parse_all(wire, *, mask, count, extensions=()):
    """``count`` frames from ``wire`` through websockets' Frame.parse generator."""
    reader = StreamReader()
    reader.feed_data(wire)
    reader.feed_eof()
    frames = []
    for _ in range(count):
        parser = WsFrame.parse(reader.read_exact, mask=mask, extensions=list(extensions))
        try:
            next(parser)
        except StopIteration as done:
            frames.append(done.value)
        else:
            raise AssertionError("truncated frame")
    assert not reader.buffer, "bytes left over"
    return frames


# -- websockets -> wscodec -------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("mask", [True, False])
def test_websockets_frames_decode(backend, size, mask):
    data = payload_of(size)
    role = "server" if mask else "client"
    wire = b"".join(
        [
            WsFrame(WsOpcode.BINARY, data).serialize(mask=mask, extensions=[]),
            WsFrame(WsOpcode.TEXT, b"caf\xc3", fin=False).serialize(mask=mask, extensions=[]),
            WsFrame(WsOpcode.PING, b"hb").serialize(mask=mask, extensions=[]),
            WsFrame(WsOpcode.CONT, b"\xa9").serialize(mask=mask, extensions=[]),
            WsFrame(WsOpcode.CLOSE, b"\x03\xe8done").serialize(mask=mask, extensions=[]),
        ]
    )
    assert backend.FrameDecoder(role=role).feed(wire) == [
        backend.Frame(2, data),
        backend.Frame(1, b"caf\xc3", fin=False),
        backend.Frame(9, b"hb"),
        backend.Frame(0, b"\xa9"),
        backend.Frame(8, b"\x03\xe8done"),
    ]
    out = backend.MessageDecoder(role=role).feed(wire)
    assert out[:3] == [backend.Message(2, data), backend.Message(9, b"hb"), backend.Message(1, "café")]
    assert (out[3].close_code, out[3].close_reason) == (1000, "done")


@pytest.mark.parametrize("takeover", [True, False])
def test_websockets_compressed_messages_decode(backend, takeover):
    # websockets' client extension: "local" is what the client sends.
    ext = WsDeflate(False, not takeover, 15, 15)
    pmd = backend.PerMessageDeflate(client_no_context_takeover=not takeover)
    decoder = backend.MessageDecoder(role="server", deflate=pmd)
    texts = ["hello " * 50, "héllo " * 50, "hello " * 50]
    wire = b""
    for text in texts:
        frame = WsFrame(WsOpcode.TEXT, text.encode())
        wire += frame.serialize(mask=True, extensions=[ext])
    assert decoder.feed(wire) == [backend.Message(1, t) for t in texts]


# -- wscodec -> websockets ---------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", ["client", "server"])
def test_encoded_frames_parse_with_websockets(backend, size, role):
    data = payload_of(size)
    encoder = backend.MessageEncoder(role=role)
    wire = encoder.binary(data) + encoder.text("café") + encoder.ping(b"p") + encoder.close(1001, "bye")
    frames = ws_parse_all(wire, mask=role == "client", count=4)
    assert [(f.opcode, f.data, f.fin) for f in frames] == [
        (WsOpcode.BINARY, data, True),
        (WsOpcode.TEXT, "café".encode(), True),
        (WsOpcode.PING, b"p", True),
        (WsOpcode.CLOSE, b"\x03\xe9bye", True),
    ]


def test_fragments_and_compression_with_websockets_protocol(backend):
    pmd = backend.PerMessageDeflate(min_size=0)
    encoder = backend.MessageEncoder(role="client", max_frame_size=50, deflate=pmd)
    protocol = Protocol(Side.SERVER, max_size=None)
    protocol.extensions = [WsDeflate(False, False, 15, 15)]
    texts = ["ünïcode " * 40, "x", "ünïcode " * 40]
    for text in texts:
        protocol.receive_data(encoder.text(text))
    protocol.receive_data(encoder.binary(b"\x00" * 1000))
    events = protocol.events_received()
    assert protocol.parser_exc is None
    # websockets hands out each fragment; join them per message.
    messages, current = [], b""
    for frame in events:
        current += frame.data
        if frame.fin:
            messages.append((frame.opcode, current))
            current = b""
    assert messages == [(WsOpcode.TEXT, t.encode()) for t in texts] + [(WsOpcode.BINARY, b"\x00" * 1000)]


# -- wsproto -> wscodec ------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_wsproto_frames_decode(backend, size):
    data = payload_of(size)
    client = FrameProtocol(client=True, extensions=[])
    wire = bytes(
        client.send_data(data)
        + client.send_data("caf", fin=False)
        + client.ping(b"hb")
        + client.send_data("é", fin=True)
        + client.close(3000, "bye")
    )
    out = backend.MessageDecoder(role="server").feed(wire)
    assert out[:3] == [backend.Message(2, data), backend.Message(9, b"hb"), backend.Message(1, "café")]
    assert (out[3].close_code, out[3].close_reason) == (3000, "bye")
    server = FrameProtocol(client=False, extensions=[])
    wire = bytes(server.send_data(data) + server.pong(b"x"))
    assert backend.MessageDecoder(role="client").feed(wire) == [backend.Message(2, data), backend.Message(10, b"x")]


# -- wscodec -> wsproto ----------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", ["client", "server"])
def test_encoded_frames_parse_with_wsproto(backend, size, role):
    data = payload_of(size)
    encoder = backend.MessageEncoder(role=role, max_frame_size=40_000)
    wire = encoder.binary(data) + encoder.text("café" * 3) + encoder.pong(b"p") + encoder.close(1000, "ok")
    peer = FrameProtocol(client=role == "server", extensions=[])
    peer.receive_bytes(wire)
    frames = list(peer.received_frames())
    binary = b"".join(f.payload for f in frames if f.opcode in (WpOpcode.BINARY, WpOpcode.CONTINUATION))
    assert binary == data
    rest = [(f.opcode, f.payload) for f in frames if f.opcode not in (WpOpcode.BINARY, WpOpcode.CONTINUATION)]
    assert rest == [
        (WpOpcode.TEXT, "café" * 3),
        (WpOpcode.PONG, b"p"),
        (WpOpcode.CLOSE, (1000, "ok")),
    ]
