"""wscodec.compat.wsaccel gives wsaccel's exact results (both backends),
checked against the real wsaccel package on random valid, invalid and
truncated UTF-8 split at random points."""

import random

import pytest

from wscodec import _hoehrmann, _xormask
from wscodec.compat import wsaccel as compat

real_utf8 = pytest.importorskip("wsaccel.utf8validator")
real_xor = pytest.importorskip("wsaccel.xormask")


@pytest.fixture
def on_backend(backend, monkeypatch):
    """The compat classes, running on ``backend``'s validator and masker."""
    monkeypatch.setattr(_hoehrmann, "_FastValidator", backend.Utf8Validator)
    monkeypatch.setattr(_xormask, "Masker", backend.Masker)
    return backend


_SAMPLES = ["a", "é", "€", "😀", "中", "\u07ff", "\u0800", "\uffff", "\U00010000", "\U0010ffff", "\ud7ff", "\ue000"]
_BAD = [b"\x80", b"\xbf", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xed\xa0\x80",
        b"\xed\xbf\xbf", b"\xf0\x80\x80\x80", b"\xf0\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80",
        b"\xff", b"\xfe", b"\xe2\x82", b"\xe2\x41", b"\xf0\x9f\x98", b"\xc3"]


def _random_stream(rng):
    text = "".join(rng.choice(_SAMPLES) for _ in range(rng.randrange(0, 60))).encode()
    kind = rng.randrange(4)
    if kind == 0:
        return text  # valid
    if kind == 1 and text:
        return text[: rng.randrange(len(text))]  # truncated
    if kind == 2:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))  # noise
    pos = rng.randrange(len(text) + 1)
    return text[:pos] + rng.choice(_BAD) + text[pos:]  # one bad sequence


def _splits(rng, data):
    cuts = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, rng.randrange(0, 6))))
    edges = [0] + cuts + [len(data)]
    return [data[a:b] for a, b in zip(edges, edges[1:])]


def test_utf8_validator_matches_wsaccel(on_backend):
    rng = random.Random(6455)
    for _ in range(4000):
        data = _random_stream(rng)
        mine, theirs = compat.Utf8Validator(), real_utf8.Utf8Validator()
        for chunk in _splits(rng, data) + [b"", b"a"]:
            assert mine.validate(chunk) == theirs.validate(chunk), (data, chunk)
            assert (mine.state, mine.i, mine.codepoint) == (theirs.state, theirs.i, theirs.codepoint)


def test_utf8_validator_large_chunks(on_backend):
    rng = random.Random(7)
    text = "".join(rng.choice(_SAMPLES) for _ in range(40000)).encode()
    for bad_at in (None, 1, len(text) // 2, len(text) - 1):
        data = text if bad_at is None else text[:bad_at] + b"\xed\xa0\x80" + text[bad_at:]
        mine, theirs = compat.Utf8Validator(), real_utf8.Utf8Validator()
        for chunk in (data[:70001], data[70001:], data):
            assert mine.validate(chunk) == theirs.validate(chunk)
            assert mine.state == theirs.state


def test_decode_matches_wsaccel():
    rng = random.Random(3)
    for _ in range(300):
        data = _random_stream(rng)
        mine, theirs = compat.Utf8Validator(), real_utf8.Utf8Validator()
        for b in data:
            assert mine.decode(b) == theirs.decode(b)
            assert (mine.state, mine.codepoint, mine.i) == (theirs.state, theirs.codepoint, theirs.i)
        if rng.random() < 0.5:
            mine.reset(), theirs.reset()
        assert mine.validate(data) == theirs.validate(data)


def test_decode_then_validate_continues_the_character():
    v = compat.Utf8Validator()
    assert v.decode(0xE2) == 3
    assert v.validate(b"\x82\xac!") == (True, True, 3, 3)
    v.reset()
    v.decode(0xE2)
    assert v.validate(b"\x82A") == (False, False, 1, 1)
    assert v.validate(b"ok") == (False, False, 0, 1)


def test_constants_and_reset():
    v = compat.Utf8Validator()
    assert (v.UTF8_ACCEPT, v.UTF8_REJECT) == (real_utf8.Utf8Validator.UTF8_ACCEPT, real_utf8.Utf8Validator.UTF8_REJECT)
    assert v.validate(b"\xff") == (False, False, 0, 0)
    v.reset()
    assert (v.state, v.codepoint, v.i) == (0, 0, 0)
    assert v.validate(bytearray(b"\xe2\x82")) == (True, False, 2, 2)
    assert v.validate(memoryview(b"\xac")) == (True, True, 1, 3)


def test_bad_arguments_raise_like_wsaccel():
    with pytest.raises(TypeError):
        compat.Utf8Validator().validate("text")
    with pytest.raises(ValueError):
        compat.Utf8Validator().validate(memoryview(b"abcd").cast("I"))
    with pytest.raises(ValueError):
        compat.Utf8Validator().decode(256)
    for make in (compat.XorMaskerSimple, compat.createXorMasker):
        with pytest.raises(ValueError, match="mask should be 4byte."):
            make(b"abc")
        with pytest.raises(TypeError):
            make("abcd")


def test_maskers_match_wsaccel(on_backend):
    rng = random.Random(11)
    for _ in range(300):
        key = bytes(rng.randrange(256) for _ in range(4))
        mine = compat.createXorMasker(key, rng.randrange(100))
        theirs = real_xor.createXorMasker(key)
        for _ in range(rng.randrange(1, 6)):
            data = bytes(rng.randrange(256) for _ in range(rng.choice((0, 1, 3, 17, 200, 5000))))
            got = mine.process(rng.choice((bytes, bytearray, memoryview))(data))
            assert type(got) is bytes
            assert got == theirs.process(data)
            assert mine.pointer() == theirs.pointer()
            if rng.random() < 0.2:
                mine.reset(), theirs.reset()
    strided = memoryview(bytes(range(16)))[::2]
    assert compat.XorMaskerSimple(b"abcd").process(strided) == real_xor.XorMaskerSimple(b"abcd").process(strided)


def test_null_masker_matches_wsaccel():
    mine, theirs = compat.XorMaskerNull(), real_xor.XorMaskerNull(b"any")
    for data in (b"abc", "text", bytearray(5)):
        assert mine.process(data) is data
        theirs.process(data)
    assert mine.pointer() == theirs.pointer() == 12
    mine.reset()
    assert mine.pointer() == 0


def test_submodules_mirror_wsaccel():
    from wscodec.compat.wsaccel.utf8validator import Utf8Validator
    from wscodec.compat.wsaccel.xormask import XorMaskerNull, XorMaskerSimple, createXorMasker

    assert Utf8Validator is compat.Utf8Validator
    assert (XorMaskerNull, XorMaskerSimple, createXorMasker) == (compat.XorMaskerNull, compat.XorMaskerSimple, compat.createXorMasker)
