"""Strict UTF-8 validation on both backends, with CPython's decoder as the oracle."""

import array
import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CPYTHON
from wscodec._bench import data as bench_data


def oracle(data):
    try:
        bytes(data).decode("utf-8", "strict")
    except UnicodeDecodeError:
        return False
    return True


def first_impossible_prefix(data):
    """Length of the shortest prefix that no continuation can make valid, or None."""
    for end in range(1, len(data) + 1):
        if not possible_prefix(data[:end]):
            return end
    return None


def possible_prefix(prefix):
    # A prefix is possible if some completion of its last (incomplete)
    # character decodes; try every completion of up to 3 continuation bytes.
    if oracle(prefix):
        return True
    for extra in range(1, 4):
        for tail in _completions(extra):
            if oracle(prefix + tail):
                return True
    return False


def _completions(extra):
    # Representative continuation bytes: the edges of every range RFC 3629 uses.
    edges = [0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF]
    if extra == 1:
        return [bytes([a]) for a in edges]
    if extra == 2:
        return [bytes([a, 0x80]) for a in edges]
    return [bytes([a, 0x80, 0x80]) for a in edges]


CORPORA = {
    "ascii": "The quick brown fox jumps over the lazy dog. 0123456789 {}[]",
    "latin": "Ça m'a coûté très cher, señor: naïve façade, smörgåsbord, Ærøskøbing.",
    "cjk": "日本語のテキストと中文文本，한국어 텍스트도 섞여 있습니다。",
    "emoji": "😀🎉🚀👩‍👩‍👧‍👦🏳️‍🌈🇫🇷💯🧪🦀",
    "mixed": "a é 日 😀 ß ∑ ﷺ 𝄞 ok",
}


def corpus(kind, size, seed=0):
    text = CORPORA[kind]
    out = text * (size // len(text.encode()) + 1)
    data = out.encode()[:size]
    # Cut back to a character boundary so the corpus is valid.
    while not oracle(data):
        data = data[:-1]
    return data


def test_every_one_and_two_byte_sequence(backend):
    for a in range(256):
        one = bytes([a])
        assert backend.validate_utf8(one) == oracle(one), one
        for b in range(256):
            two = bytes([a, b])
            assert backend.validate_utf8(two) == oracle(two), two


def test_three_and_four_byte_leads_with_boundary_continuations(backend):
    edges = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF]
    for lead in range(0xE0, 0x100):
        for b in edges:
            for c in edges:
                seq = bytes([lead, b, c])
                assert backend.validate_utf8(seq) == oracle(seq), seq
                if lead >= 0xF0:
                    for d in edges:
                        seq4 = seq + bytes([d])
                        assert backend.validate_utf8(seq4) == oracle(seq4), seq4


STRESS = [
    b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xf0\x80\x80\x80",
    b"\xf0\x8f\xbf\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xed\xa0\x80\xed\xb0\x80",
    b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf7\xbf\xbf\xbf", b"\xf8\x88\x80\x80\x80",
    b"\xfc\x84\x80\x80\x80\x80", b"\xfe", b"\xff", b"\xfe\xfe\xff\xff", b"\x80", b"\xbf",
    b"\x80\xbf\x80", b"\xc2", b"\xe2\x82", b"\xf0\x9f\x98", b"a\xc2", b"\xc2a", b"\xe2\x28\xa1",
    b"\xef\xbf\xbf", b"\xef\xbf\xbe", b"\xf4\x8f\xbf\xbf", b"\xee\x80\x80", b"\xed\x9f\xbf",
    b"\x00", b"", "€".encode(), "𝄞".encode(),
]


@pytest.mark.parametrize("seq", STRESS)
def test_classic_stress_cases(backend, seq):
    for pad in (b"", b"x" * 13, b"y" * 31, b"z" * 63):
        data = pad + seq + pad
        assert backend.validate_utf8(data) == oracle(data)


@pytest.mark.parametrize("kind", sorted(CORPORA))
@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1000, 4096, 65536])
def test_valid_corpora(backend, kind, size):
    data = corpus(kind, size)
    assert backend.validate_utf8(data)


@pytest.mark.parametrize("kind", sorted(CORPORA))
def test_bad_byte_at_every_position_of_a_block(backend, kind):
    data = bytearray(corpus(kind, 256))
    for pos in range(192):
        for bad in (0x80, 0xC0, 0xFF, 0xED):
            mutated = bytearray(data)
            mutated[pos] = bad
            assert backend.validate_utf8(mutated) == oracle(mutated), (pos, bad)


def test_random_mutations(backend):
    rng = random.Random(1234)
    for _ in range(400):
        kind = rng.choice(sorted(CORPORA))
        data = bytearray(corpus(kind, rng.randint(1, 700), seed=rng.random()))
        for _ in range(rng.randint(1, 3)):
            op = rng.random()
            pos = rng.randrange(len(data)) if data else 0
            if op < 0.5 and data:
                data[pos] = rng.randrange(256)
            elif op < 0.75:
                data.insert(pos, rng.randrange(128, 256))
            elif data:
                del data[pos]
        assert backend.validate_utf8(data) == oracle(data)


def test_buffer_types(backend):
    data = corpus("mixed", 300)
    for buf in (data, bytearray(data), memoryview(data), array.array("B", data), memoryview(b"xx" + data)[2:]):
        assert backend.validate_utf8(buf)
    with pytest.raises(TypeError):
        backend.validate_utf8("not bytes")


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_arbitrary_bytes(backend, data):
    assert backend.validate_utf8(data) == oracle(data)


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_arbitrary_text(backend, text):
    data = text.encode("utf-8", "surrogatepass")
    assert backend.validate_utf8(data) == oracle(data)


# ---- incremental -------------------------------------------------------


def feed_pieces(backend, pieces):
    validator = backend.Utf8Validator()
    results = [validator.feed(p) for p in pieces]
    return results, validator.finish()


def test_incremental_matches_whole_for_every_split(backend):
    samples = [corpus("mixed", 40), corpus("emoji", 30), b"ab\xed\xa0\x80cd", b"\xf0\x9f\x98\x80\xc2"]
    for data in samples:
        for cut in range(len(data) + 1):
            results, finished = feed_pieces(backend, [data[:cut], data[cut:]])
            assert finished == oracle(data)
            assert all(results) == (first_impossible_prefix(data) is None)


@pytest.mark.parametrize("seq", [b"\xe0\x80", b"\xed\xa0", b"\xf4\x90", b"\xf5", b"\xc0", b"\xf0\x80", b"\xff"])
def test_fails_fast_mid_sequence(backend, seq):
    validator = backend.Utf8Validator()
    assert validator.feed(b"ok ")
    assert validator.feed(seq) is False
    # Sticky until reset, even if what follows would be fine.
    assert validator.feed(b"more") is False
    assert validator.finish() is False
    validator.reset()
    assert validator.feed("é".encode()) and validator.finish()


def test_fails_on_the_piece_with_the_first_impossible_byte(backend):
    rng = random.Random(99)
    for _ in range(300):
        data = bytearray(corpus(rng.choice(sorted(CORPORA)), rng.randint(2, 150), seed=rng.random()))
        data[rng.randrange(len(data))] = rng.randrange(256)
        data = bytes(data)
        cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(1, 6))))
        pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]
        fail_at = first_impossible_prefix(data)
        validator = backend.Utf8Validator()
        consumed = 0
        for piece in pieces:
            consumed += len(piece)
            ok = validator.feed(piece)
            expect_ok = fail_at is None or fail_at > consumed
            assert ok == expect_ok, (data, pieces, fail_at)
        assert validator.finish() == oracle(data)


def test_incomplete_end_is_not_finished(backend):
    validator = backend.Utf8Validator()
    assert validator.feed(b"\xe2\x82")
    assert validator.finish() is False
    assert validator.feed(b"\xac")
    assert validator.finish() is True


def test_empty_stream_is_valid(backend):
    validator = backend.Utf8Validator()
    assert validator.finish()
    assert validator.feed(b"")
    assert validator.finish()


def test_byte_at_a_time(backend):
    data = corpus("mixed", 500)
    validator = backend.Utf8Validator()
    for i in range(len(data)):
        assert validator.feed(data[i:i + 1])
    assert validator.finish()


def test_large_inputs(backend):
    for kind in sorted(CORPORA):
        data = corpus(kind, 3 << 20)
        assert backend.validate_utf8(data)
        bad = bytearray(data)
        bad[-5] = 0xFF
        assert not backend.validate_utf8(bad)
        validator = backend.Utf8Validator()
        half = len(data) // 2 + 1  # likely mid-character for the multi-byte corpora
        assert validator.feed(data[:half]) and validator.feed(data[half:]) and validator.finish()
        validator.reset()
        assert validator.feed(bad[:half]) and not validator.feed(bad[half:])


# ---- decode_utf8: the str bytes.decode gives, built by the SIMD transcoder


def same_str(got, data):
    want = bytes(data).decode("utf-8")
    # Equal, hash-equal and of the same compact kind (the size says the kind).
    # Sizes of repeated copies: CPython 3.12+ keeps a UTF-8 copy inside its
    # cached one-character strings, which bytes.decode returns; a repeat has
    # the kind of its operand and no such copy.
    assert type(got) is str
    assert got == want
    assert hash(got) == hash(want)
    if CPYTHON:  # PyPy keeps every str as UTF-8: no kinds, and no sizes to ask for
        assert sys.getsizeof(got * 2) == sys.getsizeof(want * 2)


def test_decode_every_scalar_value(backend):
    chars = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    data = chars.encode()
    same_str(backend.decode_utf8(data), data)
    for start in range(0, len(chars), 40000):
        piece = chars[start:start + 40000].encode()
        same_str(backend.decode_utf8(piece), piece)


@pytest.mark.parametrize("kind", sorted(CORPORA))
@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 63, 64, 65, 1024, 65536, 1 << 20])
def test_decode_corpus(backend, kind, size):
    data = corpus(kind, size)
    same_str(backend.decode_utf8(data), data)
    same_str(backend.decode_utf8(bytearray(data)), data)
    same_str(backend.decode_utf8(memoryview(data)), data)


def test_decode_random_mixes_at_every_length(backend):
    rng = random.Random(7)
    widths = [(0x20, 0x7E), (0x80, 0xFF), (0x100, 0x7FF), (0x800, 0xD7FF), (0xE000, 0xFFFF),
              (0x10000, 0x10FFFF)]
    for length in range(0, 300):
        for mix in range(4):
            pool = widths[: 2 + mix]
            text = "".join(chr(rng.randint(*rng.choice(pool))) for _ in range(length))
            data = text.encode()
            same_str(backend.decode_utf8(data), data)


# Text as it crosses the wire (the bench's corpora): the script's characters
# in short runs between spaces, digits, punctuation and JSON syntax.
TRAFFIC = sorted(bench_data.MIXED_CORPORA)


@pytest.mark.parametrize("kind", TRAFFIC)
@pytest.mark.parametrize("size", [s for s in bench_data.MIXED_SIZES if s < bench_data.MiB])
def test_decode_traffic_corpora(backend, kind, size):
    data = bench_data.utf8_corpus(kind, size)
    same_str(backend.decode_utf8(data), data)
    same_str(backend.decode_utf8(memoryview(data)), data)


def test_decode_traffic_corpora_huge(backend):
    for kind in TRAFFIC:
        data = bench_data.utf8_corpus(kind, 16 * bench_data.MiB)
        same_str(backend.decode_utf8(data), data)


@pytest.mark.parametrize("kind", TRAFFIC)
def test_decode_traffic_at_every_offset_and_tail(backend, kind):
    # Every start within a few vectors and every length of the tail: each
    # step of the transcoder meets each width change at each lane.
    data = bench_data.utf8_corpus(kind, bench_data.KiB)
    for start in range(0, 70):
        for end in (len(data) - k for k in range(0, 70, 3)):
            piece = data[start:end]
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError:
                continue  # cut inside a character
            same_str(backend.decode_utf8(piece), piece)


def test_decode_words_of_every_width_between_ascii(backend):
    # Words of 1-6 characters of one width (or of two) between one to three
    # ASCII bytes, at every length: the width changes every few bytes.
    rng = random.Random(11)
    ranges = {1: (0x21, 0x7E), 2: (0x80, 0x7FF), 3: (0x800, 0xD7FF), 4: (0x10000, 0x10FFFF)}
    for length in range(0, 400, 3):
        for widths in ((2,), (3,), (4,), (2, 3), (1, 2), (2, 3, 4)):
            out = []
            while len(out) < length:
                out.extend(chr(rng.randint(*ranges[rng.choice(widths)])) for _ in range(rng.randint(1, 6)))
                out.extend(rng.choice(" ,.:\"0123456789") for _ in range(rng.randint(1, 3)))
            data = "".join(out[:length]).encode()
            same_str(backend.decode_utf8(data), data)


def test_decode_invalid_raises_like_bytes_decode(backend):
    for data in [b"\xff", b"abc\xc3", b"\xed\xa0\x80", "日本".encode()[:-1] + b"x" * 40,
                 b"x" * 100 + b"\xf4\x90\x80\x80"]:
        with pytest.raises(UnicodeDecodeError) as got:
            backend.decode_utf8(data)
        with pytest.raises(UnicodeDecodeError) as want:
            data.decode("utf-8")
        assert got.value.args == want.value.args


def test_decode_rejects_non_buffers(backend):
    with pytest.raises(TypeError):
        backend.decode_utf8("text")


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_decode_any_text(backend, text):
    data = text.encode()
    same_str(backend.decode_utf8(data), data)


@given(st.binary(max_size=300))
@settings(max_examples=300, deadline=None)
def test_decode_any_bytes(backend, data):
    try:
        want = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        with pytest.raises(UnicodeDecodeError) as got:
            backend.decode_utf8(data)
        assert got.value.args == exc.args
    else:
        assert backend.decode_utf8(data) == want
