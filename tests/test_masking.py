"""Masking (RFC 6455 section 5.3) on both backends against a byte-loop reference."""

import array
import itertools
import mmap
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

# Every length up to 300 covers the scalar head and tail around each SIMD
# width (16, 32, 64 bytes); the larger ones cross many vector iterations.
LENGTHS = list(range(301)) + [511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097, 65535, 65536, 65537]
MASKS = [b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\x37\xfa\x21\x3d", b"\x01\x02\x03\x04"]


def reference(data, mask, phase=0):
    return bytes(b ^ mask[(phase + i) % 4] for i, b in enumerate(data))


def payload(n, seed=0):
    return random.Random(seed * 1000003 + n).randbytes(n)


@pytest.mark.parametrize("mask", MASKS)
def test_apply_mask_every_length(backend, mask):
    for n in LENGTHS:
        data = payload(n)
        assert backend.apply_mask(data, mask) == reference(data, mask), n


def test_apply_mask_is_an_involution(backend):
    data = payload(100_000)
    mask = b"\xde\xad\xbe\xef"
    assert backend.apply_mask(backend.apply_mask(data, mask), mask) == data


def test_apply_mask_returns_bytes_and_leaves_input(backend):
    data = bytearray(b"hello world")
    out = backend.apply_mask(data, b"abcd")
    assert type(out) is bytes
    assert data == bytearray(b"hello world")


def _buffer_types(raw):
    yield raw
    yield bytearray(raw)
    yield memoryview(raw)
    yield array.array("B", raw)
    if raw:
        m = mmap.mmap(-1, len(raw))
        m.write(raw)
        yield m


@pytest.mark.parametrize("n", [0, 1, 7, 16, 33, 125, 1024])
def test_apply_mask_accepts_every_buffer_type(backend, n):
    raw = payload(n)
    mask = b"\x10\x20\x30\x40"
    for data in _buffer_types(raw):
        assert backend.apply_mask(data, mask) == reference(raw, mask)
    for key in (bytearray(mask), memoryview(mask), array.array("B", mask)):
        assert backend.apply_mask(raw, key) == reference(raw, mask)


def test_apply_mask_counts_bytes_of_wide_items(backend):
    words = array.array("I", range(10))
    raw = words.tobytes()
    assert backend.apply_mask(words, b"abcd") == reference(raw, b"abcd")


def test_unaligned_views(backend):
    raw = payload(1200)
    mask = b"\x9a\x0b\x5c\x7e"
    for start in range(33):
        for n in (0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 300, 1000):
            view = memoryview(raw)[start:start + n]
            assert backend.apply_mask(view, mask) == reference(bytes(view), mask)
            buf = bytearray(raw)
            window = memoryview(buf)[start:start + n]
            backend.mask_inplace(window, mask)
            assert bytes(window) == reference(raw[start:start + n], mask)
            assert buf[:start] == raw[:start] and buf[start + n:] == raw[start + n:]


@pytest.mark.parametrize("bad", [b"", b"abc", b"abcde", bytearray(8)])
def test_bad_mask_length_is_value_error(backend, bad):
    with pytest.raises(ValueError):
        backend.apply_mask(b"data", bad)
    with pytest.raises(ValueError):
        backend.mask_inplace(bytearray(b"data"), bad)
    with pytest.raises(ValueError):
        backend.Masker(bad)


def test_non_buffers_are_type_errors(backend):
    with pytest.raises(TypeError):
        backend.apply_mask("text", b"abcd")
    with pytest.raises(TypeError):
        backend.apply_mask(b"data", "abcd")
    with pytest.raises(TypeError):
        backend.mask_inplace("text", b"abcd")


def test_non_contiguous_buffer_is_rejected(backend):
    view = memoryview(bytearray(range(20)))[::2]
    with pytest.raises(BufferError):
        backend.apply_mask(view, b"abcd")


@pytest.mark.parametrize("readonly", [b"abcdef", memoryview(b"abcdef"), memoryview(bytearray(6)).toreadonly()])
def test_mask_inplace_rejects_read_only(backend, readonly):
    with pytest.raises(TypeError):
        backend.mask_inplace(readonly, b"abcd")


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 8, 11, 12, 17, 64, 127, 128, 129, 300, 4097])
def test_mask_inplace_every_phase(backend, n):
    raw = payload(n)
    mask = b"\x11\x22\x33\x44"
    for offset in range(-5, 9):
        buf = bytearray(raw)
        assert backend.mask_inplace(buf, mask, offset) == (offset + n) % 4
        assert bytes(buf) == reference(raw, mask, offset % 4)


def test_mask_inplace_on_every_writable_type(backend):
    raw = payload(77)
    mask = b"\xa1\xb2\xc3\xd4"
    expected = reference(raw, mask)
    targets = [bytearray(raw), memoryview(bytearray(raw)), array.array("B", raw)]
    m = mmap.mmap(-1, len(raw))
    m.write(raw)
    targets.append(m)
    for buf in targets:
        backend.mask_inplace(buf, mask)
        assert bytes(buf) == expected


def test_mask_inplace_bytearray_with_views_alive(backend):
    """A small bytearray is masked without an export of its own: views
    taken before see the result, and the bytearray can be resized after."""
    raw = payload(40)
    mask = b"\x0f\x1e\x2d\x3c"
    buf = bytearray(raw)
    # Both views released below: PyPy frees an unreleased one only at a
    # collection, and its export would stop the resize, not wscodec's.
    whole = memoryview(buf)
    view = whole[3:]
    assert backend.mask_inplace(buf, mask, 1) == (1 + 40) % 4
    assert bytes(view) == reference(raw, mask, 1)[3:]
    view.release()
    whole.release()
    buf.extend(b"more")  # no export left behind
    assert len(buf) == 44


def test_mask_inplace_offset_that_resizes_the_buffer(backend):
    """An offset whose __index__ empties the bytearray runs before the
    buffer is read: the mask covers what is there afterwards, nothing more."""
    buf = bytearray(payload(50))

    class Offset:
        def __index__(self):
            buf.clear()
            return 6

    assert backend.mask_inplace(buf, b"abcd", Offset()) == 2
    assert buf == bytearray()


def test_mask_inplace_in_pieces_matches_whole(backend):
    raw = payload(1000)
    mask = b"\x05\x06\x07\x08"
    rng = random.Random(7)
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, 1000), rng.randint(1, 12)))
        buf = bytearray(raw)
        view = memoryview(buf)
        offset = 0
        for start, end in itertools.pairwise([0, *cuts, 1000]):
            offset = backend.mask_inplace(view[start:end], mask, offset)
        assert bytes(buf) == reference(raw, mask)


def test_masker_streams_across_calls(backend):
    raw = payload(999)
    mask = b"\xca\xfe\xba\xbe"
    masker = backend.Masker(mask)
    pieces = [raw[0:1], raw[1:3], raw[3:3], raw[3:100], raw[100:101], raw[101:]]
    assert b"".join(masker.process(p) for p in pieces) == reference(raw, mask)


@given(data=st.binary(max_size=600), mask=st.binary(min_size=4, max_size=4),
       offset=st.integers(min_value=0, max_value=3))
def test_random_inputs_match_reference(backend, data, mask, offset):
    assert backend.apply_mask(data, mask) == reference(data, mask)
    buf = bytearray(data)
    backend.mask_inplace(buf, mask, offset)
    assert bytes(buf) == reference(data, mask, offset)


def test_large_buffers_cross_the_gil_threshold(backend):
    raw = payload(3 << 20)
    mask = b"\x01\x80\x7f\xfe"
    expected = (int.from_bytes(raw, "big") ^ int.from_bytes(mask * (len(raw) // 4), "big")).to_bytes(len(raw), "big")
    assert backend.apply_mask(raw, mask) == expected
    buf = bytearray(raw)
    backend.mask_inplace(buf, mask)
    assert buf == expected
