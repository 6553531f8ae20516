"""Fewer copies: encode_frame_parts for transport.writelines, and the
decoders' asyncio.BufferedProtocol entry point, on both backends."""

import asyncio
import os

import pytest

from wire import raw


@pytest.mark.parametrize("n", [0, 1, 125, 126, 65535, 65536, 1 << 20])
@pytest.mark.parametrize("opcode", [1, 2, 0])
def test_parts_join_to_encode_frame(backend, n, opcode):
    payload = os.urandom(n) if opcode != 1 else b"a" * n
    for fin in (True, False):
        for rsv1 in (True, False):
            parts = backend.encode_frame_parts(opcode, payload, fin=fin, rsv1=rsv1)
            assert b"".join(parts) == backend.encode_frame(opcode, payload, fin=fin, rsv1=rsv1)
            assert parts[1] is payload  # never copied


def test_parts_keep_any_buffer_uncopied(backend):
    payload = memoryview(bytearray(b"x" * 70000))
    header, body = backend.encode_frame_parts(2, payload)
    assert body is payload
    assert header == backend.encode_frame(2, payload)[:10]


def test_parts_control_frames(backend):
    assert b"".join(backend.encode_frame_parts(9, b"ping")) == backend.encode_frame(9, b"ping")
    for kwargs, payload in [({}, b"x" * 126), ({"fin": False}, b"")]:
        with pytest.raises(ValueError) as got:
            backend.encode_frame_parts(9, payload, **kwargs)
        with pytest.raises(ValueError) as want:
            backend.encode_frame(9, payload, **kwargs)
        assert str(got.value) == str(want.value)
    with pytest.raises(ValueError):
        backend.encode_frame_parts(3, b"")
    with pytest.raises(TypeError):
        backend.encode_frame_parts(2, "text")


def frames(n, count, masked=True):
    key = b"\x01\x02\x03\x04" if masked else None
    return b"".join(raw(0x82, os.urandom(n), mask=key) for _ in range(count))


def read_through(decoder, wire, chunk):
    """What a BufferedProtocol loop does: read at most len(buffer) into it."""
    out = []
    pos = 0
    while pos < len(wire):
        buf = decoder.get_buffer(chunk)
        n = min(len(buf), chunk, len(wire) - pos)
        buf[:n] = wire[pos:pos + n]
        out += decoder.buffer_updated(n)
        pos += n
    return out


@pytest.mark.parametrize("chunk", [1, 7, 4096, 65536, 1 << 20])
def test_buffered_protocol_matches_feed(backend, chunk):
    wire = frames(3000, 5) + frames(70000, 2) + raw(0x81, "héllo 日本 😀".encode(), mask=b"abcd")
    want = backend.MessageDecoder(role="server").feed(wire)
    got = read_through(backend.MessageDecoder(role="server"), wire, chunk)
    assert got == want
    fwant = backend.FrameDecoder(role="server").feed(wire)
    assert read_through(backend.FrameDecoder(role="server"), wire, chunk) == fwant


def test_only_one_buffer_outstanding(backend):
    decoder = backend.MessageDecoder(role="server")
    with pytest.raises(RuntimeError):
        decoder.buffer_updated(0)
    buf = decoder.get_buffer(-1)
    assert isinstance(buf, memoryview) and not buf.readonly and len(buf) >= 65536
    # A second get_buffer() takes the first back (the loop read nothing).
    decoder.get_buffer(-1)
    assert decoder.buffer_updated(0) == []
    with pytest.raises(RuntimeError):
        decoder.buffer_updated(0)
    buf = decoder.get_buffer(100)
    with pytest.raises(ValueError):
        decoder.buffer_updated(len(buf) + 1)
    with pytest.raises(RuntimeError):
        decoder.buffer_updated(0)
    buf = decoder.get_buffer(100)
    with pytest.raises(ValueError):
        decoder.buffer_updated(-1)


def test_buffer_memory_never_moves(backend):
    decoder = backend.MessageDecoder(role="server")
    first = decoder.get_buffer(10)
    decoder.buffer_updated(0)
    again = decoder.get_buffer(10)
    # Same storage every time, and the loop's view pins it against resizing.
    assert again.obj is first.obj
    with pytest.raises(BufferError):
        again.obj.extend(b"x")
    decoder.buffer_updated(0)


def test_released_view_leaves_the_buffer_pinned(backend):
    # A caller that releases the view it was lent must not free the storage
    # for a resize: buffer_updated would then read past the end of it.
    decoder = backend.FrameDecoder(role="client")
    view = decoder.get_buffer()
    storage = view.obj
    decoder.buffer_updated(0)
    view.release()
    with pytest.raises(BufferError):
        storage.clear()
    view = decoder.get_buffer()
    view[:7] = backend.encode_frame(2, b"hello")
    assert decoder.buffer_updated(7) == [backend.Frame(2, b"hello")]


def test_protocol_error_through_buffer_updated(backend):
    decoder = backend.MessageDecoder(role="server")
    buf = decoder.get_buffer(-1)
    bad = raw(0x82, b"x", mask=None)  # unmasked from a client
    buf[:len(bad)] = bad
    with pytest.raises(backend.ProtocolError):
        decoder.buffer_updated(len(bad))
    with pytest.raises(backend.ProtocolError):
        decoder.get_buffer(-1) and decoder.buffer_updated(0)


def test_asyncio_buffered_protocol_end_to_end(backend):
    wire = frames(65536, 8)
    want = backend.MessageDecoder(role="server").feed(wire)

    class Proto(asyncio.BufferedProtocol):
        def __init__(self):
            self.decoder = backend.MessageDecoder(role="server")
            self.got = []
            self.done = asyncio.get_running_loop().create_future()

        def get_buffer(self, sizehint):
            return self.decoder.get_buffer(sizehint)

        def buffer_updated(self, nbytes):
            self.got += self.decoder.buffer_updated(nbytes)
            if len(self.got) == len(want):
                self.done.set_result(None)

    async def main():
        loop = asyncio.get_running_loop()
        protos = []
        server = await loop.create_server(lambda: protos.append(Proto()) or protos[-1], "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(wire)
        await writer.drain()
        for _ in range(100):
            if protos:
                break
            await asyncio.sleep(0.01)
        await asyncio.wait_for(protos[0].done, 10)
        writer.close()
        server.close()
        return protos[0].got

    assert asyncio.run(main()) == want
