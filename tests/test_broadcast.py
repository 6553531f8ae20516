"""Encode once, send to many: PreparedMessage and broadcast on both backends."""

import asyncio

import pytest

import wscodec
from wscodec import PerMessageDeflate, echo
from wscodec.broadcast import ContextTakeoverError, PreparedMessage, broadcast


class StubTransport:
    def __init__(self, closing=False, buffered=0):
        self.written = []
        self.closing = closing
        self.buffered = buffered  # what its peer has not read yet

    def write(self, data):
        self.written.append(data)

    def is_closing(self):
        return self.closing

    def get_write_buffer_size(self):
        return self.buffered


class StubConnection:
    """What ``wscodec.echo.broadcast`` uses of an ``EchoConnection``, over a StubTransport."""

    def __init__(self, deflate=None):
        self.state = echo.OPEN
        self.deflate = deflate
        self.missed = 0
        self._transport = StubTransport()
        self._encoder = wscodec.MessageEncoder(role="server", deflate=deflate)
        self.closed_with = None

    def close(self, code, reason):
        self.closed_with = code
        self.state = echo.CLOSING


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
    nct = PerMessageDeflate(server_no_context_takeover=True)
    conns = [StubConnection(None), StubConnection(None), StubConnection(nct), StubConnection(nct),
             StubConnection(PerMessageDeflate())]
    echo.broadcast(conns, "z" * 200)
    assert conns[0]._transport.written[0] is conns[1]._transport.written[0]
    assert conns[2]._transport.written[0] is conns[3]._transport.written[0]
    for conn in conns:
        decoder = wscodec.MessageDecoder(role="client", deflate=conn.deflate)
        (message,) = decoder.feed(conn._transport.written[0])
        assert message.data == "z" * 200


async def echo_server():
    """The reference server on a free port; its connections as they come."""
    connections = []

    def factory():
        connections.append(echo.EchoConnection())
        return connections[-1]

    server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], connections


def test_echo_server_broadcast_end_to_end():
    async def main():
        received = []
        server, port, server_conns = await echo_server()
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


def test_broadcast_skips_transports_whose_peer_is_behind():
    keeping_up, behind, at_bound = StubTransport(buffered=100), StubTransport(buffered=70000), StubTransport(buffered=65536)
    assert broadcast([keeping_up, behind, at_bound], "tick", skip_above=65536) == 2
    assert len(keeping_up.written) == len(at_bound.written) == 1 and behind.written == []
    assert broadcast([keeping_up, behind, at_bound], "tick") == 3  # no bound: everyone


@pytest.mark.parametrize("bad, error", [(-1, ValueError), ("64k", TypeError), (1.5, TypeError), (True, TypeError)])
def test_broadcast_bounds_are_checked_first(bad, error):
    transport = StubTransport()
    with pytest.raises(error):
        broadcast([transport], "x", skip_above=bad)
    with pytest.raises(error):
        echo.broadcast([], "x", close_after_missed=bad)
    assert transport.written == []


def test_echo_broadcast_skips_then_closes_a_slow_reader():
    fast, slow = StubConnection(), StubConnection()
    slow._transport.buffered = echo.BROADCAST_SKIP_ABOVE + 1
    message = PreparedMessage(b"x" * 1000)
    reports = [echo.broadcast([fast, slow], message, close_after_missed=10 * 1004) for _ in range(12)]
    assert reports[0] == echo.BroadcastReport(sent=1, skipped=1, closed=0)
    # 1004 bytes a frame: the eleventh missed frame is past 10 * 1004.
    assert reports[10] == echo.BroadcastReport(sent=1, skipped=0, closed=1)
    assert reports[11] == echo.BroadcastReport(sent=1, skipped=0, closed=0)
    assert slow.closed_with == 1008 and slow._transport.written == [] and len(fast._transport.written) == 12
    # A reader that catches up is written to again, and its count starts over.
    behind = StubConnection()
    behind._transport.buffered = echo.BROADCAST_SKIP_ABOVE + 1
    echo.broadcast([behind], message)
    assert behind.missed == 1004
    behind._transport.buffered = 0
    assert echo.broadcast([behind], message).sent == 1 and behind.missed == 0


def test_a_skipped_connection_with_context_takeover_still_inflates():
    # Nothing is compressed for a connection that is skipped: its peer's
    # inflater must see exactly the history its compressor has.
    conn = StubConnection(PerMessageDeflate())  # context takeover
    texts = ["price update: BTC-USD 60123.50 " * 4, "the same again " * 8, "the same again " * 8]
    echo.broadcast([conn], texts[0])
    conn._transport.buffered = echo.BROADCAST_SKIP_ABOVE + 1
    assert echo.broadcast([conn], texts[1]).skipped == 1
    conn._transport.buffered = 0
    assert echo.broadcast([conn], texts[2]).sent == 1
    decoder = wscodec.MessageDecoder(role="client", deflate=conn.deflate)
    got = [m.data for frame in conn._transport.written for m in decoder.feed(frame)]
    assert got == [texts[0], texts[2]]


def test_a_peer_that_stops_reading_during_a_broadcast_storm():
    """A real server, one client that reads everything and one that stops
    reading: the stuck one's buffer stays under the documented bound, it
    is closed with 1008 and then dropped, and the reader misses nothing."""
    import socket

    from wscodec.handshake import client_request_headers, encode_request, generate_key

    payload = b"p" * 16384
    rounds = 400  # 6.4 MiB in all: far past what the stuck peer may miss

    async def open_client(port, *, read):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        if not read:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        writer.write(encode_request("/", client_request_headers(f"127.0.0.1:{port}", key=generate_key())))
        await reader.readuntil(b"\r\n\r\n")
        return reader, writer

    async def main():
        server, port, server_conns = await echo_server()
        good_reader, good_writer = await open_client(port, read=True)
        _, stuck_writer = await open_client(port, read=False)
        while len(server_conns) < 2 or any(c.state != echo.OPEN for c in server_conns):
            await asyncio.sleep(0.01)
        stuck = server_conns[1]
        decoder = wscodec.MessageDecoder(role="client")
        received = []

        async def read_all():
            while len(received) < rounds:
                received.extend(decoder.feed(await good_reader.read(1 << 16)))

        reading = asyncio.ensure_future(read_all())
        frame_size = len(PreparedMessage(payload).frame())
        most_buffered, reports = 0, []
        for _ in range(rounds):
            reports.append(echo.broadcast(server_conns, payload))
            if stuck.state == echo.OPEN:
                most_buffered = max(most_buffered, stuck._transport.get_write_buffer_size())
            await asyncio.sleep(0.002)
        await asyncio.wait_for(reading, 30)
        while stuck.state != echo.CLOSED:  # the close times out: dropped
            await asyncio.sleep(0.05)
        good_writer.close()
        stuck_writer.close()
        server.close()
        return received, reports, most_buffered, frame_size, stuck

    received, reports, most_buffered, frame_size, stuck = asyncio.run(main())
    assert [m.data for m in received] == [payload] * rounds
    assert most_buffered <= echo.BROADCAST_SKIP_ABOVE + frame_size
    assert sum(r.closed for r in reports) == 1
    assert sum(r.skipped for r in reports) * frame_size <= echo.SLOW_READER_MISSED
    assert stuck._transport.get_write_buffer_size() == 0  # aborted: nothing held
