"""Encode once, send to many: PreparedMessage and broadcast on both backends."""

import asyncio

import pytest

import wscodec
from wscodec import PerMessageDeflate
from wscodec.broadcast import ContextTakeoverError, PreparedMessage, broadcast


class StubTransport:
    def __init__(self, closing=False):
        self.written = []
        self.closing = closing

    def write(self, data):
        self.written.append(data)

    def is_closing(self):
        return self.closing


def receive(backend, wire, deflate=None):
    decoder = backend.MessageDecoder(role="client", deflate=deflate)
    (message,) = decoder.feed(wire)
    return message


@pytest.mark.parametrize("data", ["hello", "héllo wörld " * 30, b"\x00\x01" * 100, bytearray(b"xyz")])
def test_plain_frame_is_what_the_encoder_sends(backend, data):
    prepared = PreparedMessage(data)
    encoder = backend.MessageEncoder(role="server")
    want = encoder.text(data) if isinstance(data, str) else encoder.binary(data)
    assert prepared.frame() == want
    assert receive(backend, prepared.frame()).data == (data if isinstance(data, str) else bytes(data))


def test_compressed_frame_is_shared_without_context_takeover(backend):
    deflate = PerMessageDeflate(server_no_context_takeover=True)
    prepared = PreparedMessage("ticker " * 40)
    first = prepared.frame(deflate)
    assert first is prepared.frame(PerMessageDeflate(server_no_context_takeover=True))
    assert first[0] & 0x40  # RSV1: compressed
    assert len(first) < len(prepared.frame())
    # Every connection's decompressor inflates the same bytes, message after message.
    decoder = backend.MessageDecoder(role="client", deflate=deflate)
    for _ in range(3):
        (message,) = decoder.feed(first)
        assert message.data == "ticker " * 40
    # It is byte-for-byte what a fresh encoder of that connection sends.
    assert backend.MessageEncoder(role="server", deflate=deflate).text("ticker " * 40) == first


def test_distinct_settings_get_distinct_frames(backend):
    prepared = PreparedMessage(b"abc" * 100)
    a = prepared.frame(PerMessageDeflate(server_no_context_takeover=True))
    b = prepared.frame(PerMessageDeflate(server_no_context_takeover=True, compress_level=1,
                                         server_max_window_bits=9))
    for deflate, wire in [(PerMessageDeflate(server_no_context_takeover=True), a),
                          (PerMessageDeflate(server_no_context_takeover=True, server_max_window_bits=9), b)]:
        assert receive(backend, wire, deflate).data == b"abc" * 100


def test_short_messages_stay_uncompressed(backend):
    prepared = PreparedMessage("hi")
    assert prepared.frame(PerMessageDeflate()) is prepared.frame()


def test_context_takeover_cannot_share(backend):
    prepared = PreparedMessage("x" * 100)
    with pytest.raises(ContextTakeoverError, match="context takeover"):
        prepared.frame(PerMessageDeflate())
    deflate = PerMessageDeflate()
    encoder = backend.MessageEncoder(role="server", deflate=deflate)
    decoder = backend.MessageDecoder(role="client", deflate=deflate)
    for _ in range(3):
        (message,) = decoder.feed(prepared.frame_for(deflate, encoder))
        assert message.data == "x" * 100


def test_broadcast_writes_one_object_to_every_open_transport(backend):
    transports = [StubTransport() for _ in range(50)] + [StubTransport(closing=True)]
    assert broadcast(transports, "news") == 50
    frames = [t.written[0] for t in transports[:50]]
    assert all(f is frames[0] for f in frames)
    assert transports[-1].written == []
    assert receive(backend, frames[0]).data == "news"
    with pytest.raises(ContextTakeoverError):
        broadcast(transports, "y" * 100, deflate=PerMessageDeflate())


def test_echo_broadcast_per_connection_settings():
    from wscodec import echo

    class Conn:
        def __init__(self, deflate):
            self.state = echo.OPEN
            self.deflate = deflate
            self._transport = StubTransport()
            self._encoder = wscodec.MessageEncoder(role="server", deflate=deflate)

    nct = PerMessageDeflate(server_no_context_takeover=True)
    conns = [Conn(None), Conn(None), Conn(nct), Conn(nct), Conn(PerMessageDeflate())]
    echo.broadcast(conns, "z" * 200)
    assert conns[0]._transport.written[0] is conns[1]._transport.written[0]
    assert conns[2]._transport.written[0] is conns[3]._transport.written[0]
    for conn in conns:
        decoder = wscodec.MessageDecoder(role="client", deflate=conn.deflate)
        (message,) = decoder.feed(conn._transport.written[0])
        assert message.data == "z" * 200


def test_echo_server_broadcast_end_to_end():
    from wscodec import echo

    async def main():
        received = []
        server_conns = []
        loop = asyncio.get_running_loop()

        def factory():
            conn = echo.EchoConnection()
            server_conns.append(conn)
            return conn

        server = await loop.create_server(factory, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        clients = [asyncio.ensure_future(
            echo.echo_client(f"ws://127.0.0.1:{port}/", deflate=False, on_message=received.append))
            for _ in range(3)]
        for _ in range(200):
            if len(server_conns) == 3 and all(c.state == echo.OPEN for c in server_conns):
                break
            await asyncio.sleep(0.01)
        echo.broadcast(server_conns, "to all")
        for _ in range(200):
            if len(received) >= 3:
                break
            await asyncio.sleep(0.01)
        for c in clients:
            c.cancel()
        for conn in server_conns:
            conn._transport.abort()
        server.close()
        await asyncio.gather(*clients, return_exceptions=True)
        return received

    received = asyncio.run(main())
    assert [m.data for m in received[:3]] == ["to all"] * 3
