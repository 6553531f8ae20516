"""The receive buffer get_buffer lends between payloads, on both backends.

Every decoder of a thread reads into one 256 KiB buffer, so an idle
connection holds none; these tests hold the sharing to what asyncio does and
show that no misuse of it loses or mixes up bytes silently.
"""

import asyncio
import gc
import threading
import zlib

import pytest

from conftest import need_tracemalloc

KEY = b"\x5a\xa5\x0f\xf0"


def masked(backend, opcode, payload):
    return backend.encode_frame(opcode, payload, mask=KEY)


def read(dec, wire):
    buf = dec.get_buffer(-1)
    buf[:len(wire)] = wire
    return dec.buffer_updated(len(wire))


def test_decoders_of_one_thread_share_it(backend):
    a = backend.MessageDecoder(role="server")
    b = backend.MessageDecoder(role="server")
    first = a.get_buffer(-1)
    a.buffer_updated(0)
    second = b.get_buffer(-1)
    b.buffer_updated(0)
    assert len(first) == len(second) == 256 * 1024
    first[:4] = b"abcd"
    assert bytes(second[:4]) == b"abcd"  # the same memory


def test_other_threads_have_their_own(backend):
    dec = backend.MessageDecoder(role="server")
    mine = dec.get_buffer(-1)
    dec.buffer_updated(0)
    theirs = []

    def other():
        d = backend.MessageDecoder(role="server")
        theirs.append(d.get_buffer(-1))
        d.buffer_updated(0)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    mine[:4] = b"mine"
    theirs[0][:4] = b"them"
    assert bytes(mine[:4]) == b"mine"


def test_interleaved_reads_are_refused_not_mixed(backend):
    # Two readers between get_buffer and buffer_updated at once: the second
    # took the buffer over, so the first one's bytes are gone.  It must say
    # so, not decode the second reader's bytes as its own.
    a = backend.MessageDecoder(role="server")
    b = backend.MessageDecoder(role="server")
    wa, wb = masked(backend, 1, b"from a"), masked(backend, 1, b"from b")
    buf_a = a.get_buffer(-1)
    buf_a[:len(wa)] = wa
    buf_b = b.get_buffer(-1)
    buf_b[:len(wb)] = wb
    assert b.buffer_updated(len(wb)) == [backend.Message(1, "from b")]
    with pytest.raises(RuntimeError, match="lent to another reader"):
        a.buffer_updated(len(wa))
    # Nothing of a's stream was consumed: its next read goes on from there.
    assert read(a, wa) == [backend.Message(1, "from a")]


def test_a_decode_in_progress_is_not_overwritten(backend):
    # A callback inside a decode (here an inflater) asks another decoder of
    # the same thread for a buffer and fills it: it gets one of its own, and
    # the decode in progress reads its own bytes to the end.
    other = backend.MessageDecoder(role="server")
    lent = []

    class Inflater:
        def __init__(self):
            self.inner = zlib.decompressobj(wbits=-15)

        def make_decompressor(self, role):
            return self

        def decompress(self, data, max_length=None):
            view = other.get_buffer(-1)
            view[:] = b"\xee" * len(view)
            lent.append(view)
            return self.inner.decompress(data)

        def end_message(self, max_length=None):
            return b""

    c = zlib.compressobj(wbits=-15)
    body = c.compress(b"hello " * 50) + c.flush(zlib.Z_SYNC_FLUSH)
    wire = backend.encode_frame(1, body, rsv1=True, mask=KEY) + masked(backend, 1, b"x" * 200)
    dec = backend.MessageDecoder(role="server", deflate=Inflater())
    assert [m.data for m in read(dec, wire)] == ["hello " * 50, "x" * 200]
    assert lent, "the inflater was not called"
    other.buffer_updated(0)


def test_idle_decoders_hold_no_receive_buffer(backend):
    # 200 connections that each read one small message: far less than one
    # receive buffer each (they used to keep 256 KiB apiece).
    tracemalloc = need_tracemalloc()
    wire = masked(backend, 1, b'{"price": 101.25}')
    decoders = [backend.MessageDecoder(role="server") for _ in range(200)]
    read(decoders[0], wire)  # this thread's buffer exists before measuring
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for dec in decoders:
            assert read(dec, wire) == [backend.Message(1, '{"price": 101.25}')]
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 200 * 1024, f"{held / 200:.0f} bytes held per idle decoder"


def test_asyncio_reads_through_it(backend):
    # Several connections over loopback, each a BufferedProtocol over its
    # decoder, all read by one loop into the one buffer.
    messages = {}

    class Server(asyncio.BufferedProtocol):
        def connection_made(self, transport):
            self.decoder = backend.MessageDecoder(role="server")
            self.got = messages.setdefault(id(self), [])

        def get_buffer(self, sizehint):
            return self.decoder.get_buffer(sizehint)

        def buffer_updated(self, nbytes):
            self.got.extend(m.data for m in self.decoder.buffer_updated(nbytes))

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Server, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        writers = []
        for i in range(20):
            _, w = await asyncio.open_connection("127.0.0.1", port)
            writers.append(w)
        for round in range(5):
            for i, w in enumerate(writers):
                w.write(masked(backend, 1, f"{i}:{round}".encode() * (1 + i * 100)))
            await asyncio.gather(*(w.drain() for w in writers))
        for _ in range(200):
            if sum(len(v) for v in messages.values()) == 100:
                break
            await asyncio.sleep(0.01)
        for w in writers:
            w.close()
        server.close()
        await server.wait_closed()

    asyncio.run(main())
    streams = sorted(messages.values(), key=lambda got: len(got[0]) if got else 0)
    assert len(streams) == 20
    for i, got in enumerate(streams):
        assert got == [f"{i}:{r}" * (1 + i * 100) for r in range(5)]
