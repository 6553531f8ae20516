"""sys.getsizeof of decoders and encoders: what a connection holds right
now, so a server can budget per connection.  On both backends: the counts
differ by backend, but each grows with what is held and falls back once it
is released."""

import sys
import zlib

import pytest

from conftest import CPYTHON
from wscodec import PerMessageDeflate

# PyPy has no sys.getsizeof: its GC moves objects and keeps no per-object sizes.
pytestmark = pytest.mark.skipif(not CPYTHON, reason="sys.getsizeof is CPython's")

KEY = b"abcd"
SMALL = 4096  # a decoder or encoder holding no message and no zlib state


def deflated(data, wbits=15):
    c = zlib.compressobj(6, zlib.DEFLATED, -wbits)
    return (c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH))[:-4]


@pytest.mark.parametrize("cls", ["MessageDecoder", "FrameDecoder"])
def test_a_decoder_counts_the_message_it_reassembles(backend, cls):
    kwargs = {"max_message_size": None} if cls == "MessageDecoder" else {}
    dec = getattr(backend, cls)(role="server", **kwargs)
    assert sys.getsizeof(dec) < SMALL
    body = bytes(range(256)) * 400  # 100 KiB
    wire = backend.encode_frame(2, body, mask=KEY)
    dec.feed(wire[:60000])
    assert sys.getsizeof(dec) >= 60000 - 14
    assert dec.feed(wire[60000:])
    assert sys.getsizeof(dec) < SMALL


@pytest.mark.parametrize("first", [None, 14 + 1000])
def test_nothing_is_kept_after_a_large_message_read_through_get_buffer(backend, first):
    # With ``first``, the first read stops where exactly 256 KiB of payload
    # is left, so one lent read ends the message.
    body = bytes(range(256)) * 1024 + b"x" * 1000
    wire = backend.encode_frame(2, body, mask=KEY)
    dec = backend.MessageDecoder(role="server", max_message_size=None)
    got, pos = [], 0
    while pos < len(wire):
        buf = dec.get_buffer(-1)
        n = min(len(buf), len(wire) - pos, first or len(buf))
        first = None
        buf[:n] = wire[pos:pos + n]
        got += dec.buffer_updated(n)
        pos += n
    assert [m.data for m in got] == [body]
    assert sys.getsizeof(dec) < SMALL


def test_a_decoder_counts_its_inflater_while_it_keeps_one(backend):
    text = ('{"symbol": "ETH-USD", "price": "3012.55"} ' * 20).encode()
    frame = backend.encode_frame(1, deflated(text), rsv1=True, mask=KEY)
    takeover = backend.MessageDecoder(role="server", deflate=PerMessageDeflate())
    assert sys.getsizeof(takeover) < SMALL  # no zlib state before a compressed message
    assert [m.data for m in takeover.feed(frame)] == [text.decode()]
    # Context takeover: the 32 KiB window is kept for the next message.
    assert 32768 <= sys.getsizeof(takeover) < 32768 + SMALL + 8192
    fresh = backend.MessageDecoder(role="server", deflate=PerMessageDeflate(client_no_context_takeover=True))
    fresh.feed(frame)
    assert sys.getsizeof(fresh) < SMALL  # released after the message


@pytest.mark.parametrize(("bits", "mem_level", "low", "high"), [(15, 8, 256 << 10, 272 << 10), (12, 5, 32 << 10, 48 << 10)])
def test_an_encoder_counts_its_compressor_once_made(backend, bits, mem_level, low, high):
    deflate = PerMessageDeflate(server_max_window_bits=bits, mem_level=mem_level)
    enc = backend.MessageEncoder(role="server", deflate=deflate)
    assert sys.getsizeof(enc) < SMALL
    enc.text("short")  # under min_size: not compressed, nothing made
    assert sys.getsizeof(enc) < SMALL
    enc.text("a message long enough to be compressed " * 3)
    assert low <= sys.getsizeof(enc) < high


def test_uninitialised_objects_have_a_size(backend):
    for cls in (backend.MessageDecoder, backend.FrameDecoder, backend.MessageEncoder):
        assert 0 < sys.getsizeof(cls.__new__(cls)) < SMALL
