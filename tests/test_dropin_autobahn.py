"""The autobahn drop-in against autobahn's own validator and maskers, on
both wscodec backends."""

import importlib.util
import random
import warnings

import pytest

# The submodule, not the package: tests/autobahn (the conformance runner) is
# importable as a namespace package named autobahn when the library is absent.
pytest.importorskip("autobahn.websocket")
from autobahn.websocket import HAS_NVX  # noqa: E402

from dropins import assert_refuses, install_or_skip  # noqa: E402
from wscodec.integrations import autobahn as dropin  # noqa: E402


@pytest.fixture
def mine(backend, monkeypatch):
    """The drop-in's classes over the backend under test."""
    from wscodec import _hoehrmann, _xormask

    monkeypatch.setattr(_hoehrmann, "_FastValidator", backend.Utf8Validator)
    monkeypatch.setattr(_xormask, "Masker", backend.Masker)
    return dropin


@pytest.fixture(scope="module")
def reference(request):
    """autobahn's pure-Python validator (Hoehrmann's DFA), whatever its NVX
    setting: a fresh copy of its module, told that NVX is off."""
    import autobahn.websocket as ws

    spec = importlib.util.find_spec("autobahn.websocket.utf8validator")
    module = importlib.util.module_from_spec(spec)
    saved = ws.USES_NVX
    ws.USES_NVX = False
    try:
        spec.loader.exec_module(module)
    finally:
        ws.USES_NVX = saved
    assert not hasattr(module.Utf8Validator, "lib")  # the pure class, not NVX's
    return module.Utf8Validator


PIECES = [b"a", b"hello ", "é".encode(), "€".encode(), "😀".encode(), b"\x80", b"\xbf", b"\xc0\xaf",
          b"\xc2", b"\xe0\x80", b"\xe0", b"\xed\xa0\x80", b"\xed\x9f\xbf", b"\xef\xbf\xbf", b"\xf0\x90",
          b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5", b"\xff", b"\xe2\x82"]


def random_chunks(rng):
    text = b"".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 10)))
    if rng.random() < 0.3:
        text += "Grüße, 世界".encode() * rng.randrange(0, 300)
    if rng.random() < 0.5:
        text = text[: rng.randrange(0, len(text) + 1)]
    cuts = sorted(rng.randrange(0, len(text) + 1) for _ in range(rng.randrange(0, 5)))
    # A chunk after the end: what a validator answers once it has failed.
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])] + [b"", b"x"]


def test_validate_gives_autobahns_exact_tuples(mine, reference):
    rng = random.Random(2026)
    for _ in range(4000):
        chunks = random_chunks(rng)
        theirs, ours = reference(), mine.Utf8Validator()
        for chunk in chunks:
            assert ours.validate(chunk) == theirs.validate(chunk), chunks


def test_failure_index_deep_in_a_long_valid_text(mine, reference):
    valid = "Grüße, 世界 😀 ".encode() * 5000
    for bad in (b"\xff", b"\xe0\x80", b"\xed\xa0", b"\xf4\x90", b"\xc3\x28"):
        for cut in (0, 1, 7, len(valid) - 3):
            data = valid + bad + valid
            theirs, ours = reference(), mine.Utf8Validator()
            for chunk in (data[:cut], data[cut:]):
                expected = theirs.validate(chunk)
                assert ours.validate(chunk) == expected
            assert not expected[0]


def test_reset_starts_over(mine):
    v = mine.Utf8Validator()
    assert v.validate(b"ab\xff") == (False, False, 2, 2)
    v.reset()
    assert v.validate("é".encode()[:1]) == (True, False, 1, 1)
    assert v.validate("é".encode()[1:]) == (True, True, 1, 2)


def test_takes_any_bytes_like(mine):
    data = "añb€".encode()
    for kind in (bytes, bytearray, memoryview):
        assert mine.Utf8Validator().validate(kind(data)) == (True, True, len(data), len(data))


@pytest.mark.skipif(not HAS_NVX, reason="autobahn's NVX extension is not built here")
def test_first_failure_matches_nvx(mine):
    from autobahn.nvx import Utf8Validator as Nvx

    rng = random.Random(7)
    for _ in range(2000):
        chunks = random_chunks(rng)
        theirs, ours = Nvx(), mine.Utf8Validator()
        for chunk in chunks:
            expected = theirs.validate(chunk)
            assert ours.validate(chunk) == expected, chunks
            if not expected[0]:
                break  # after a failure NVX answers "valid" again; autobahn stops reading


@pytest.mark.parametrize("length", [None, 0, 5, 127, 128, 70000])
def test_masker_matches_autobahns(mine, length):
    from autobahn.websocket import xormasker

    rng = random.Random(length)
    mask = rng.randbytes(4)
    payload = rng.randbytes(length or 300)
    theirs, ours = xormasker.create_xor_masker(mask, length), mine.create_xor_masker(mask, length)
    pos = 0
    while pos < len(payload):
        step = rng.randrange(0, 200)
        chunk = payload[pos : pos + step]
        assert ours.process(chunk) == theirs.process(chunk)
        assert ours.pointer() == theirs.pointer()
        pos += step
    ours.reset()
    theirs.reset()
    assert ours.pointer() == theirs.pointer() == 0
    assert ours.process(payload[:9]) == theirs.process(payload[:9])
    assert type(ours.process(b"abc")) is bytes


def test_masker_rejects_a_mask_that_is_not_4_bytes(mine):
    with pytest.raises(AssertionError):
        mine.create_xor_masker(b"abc", 10)


def test_install_rebinds_protocol_names_and_uninstall_restores():
    import autobahn.websocket.protocol as protocol
    import autobahn.websocket.utf8validator as utf8validator
    import autobahn.websocket.xormasker as xormasker

    before = (protocol.Utf8Validator, protocol.create_xor_masker,
              utf8validator.Utf8Validator, xormasker.create_xor_masker)
    try:
        install_or_skip(dropin)
        assert dropin.install()  # idempotent
        assert dropin.is_installed()
        assert protocol.Utf8Validator is utf8validator.Utf8Validator is dropin.Utf8Validator
        assert protocol.create_xor_masker is xormasker.create_xor_masker is dropin.create_xor_masker
        assert protocol.XorMaskerNull is xormasker.XorMaskerNull  # not replaced
    finally:
        dropin.uninstall()
        dropin.uninstall()
    assert not dropin.is_installed()
    assert (protocol.Utf8Validator, protocol.create_xor_masker,
            utf8validator.Utf8Validator, xormasker.create_xor_masker) == before


def test_releases_older_than_supported_are_refused(monkeypatch):
    import autobahn.websocket.protocol as protocol

    from wscodec.integrations import DropinVersionWarning

    monkeypatch.setattr(dropin._integration, "installed_version", lambda: "26.9.1")
    before = protocol.Utf8Validator
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert dropin.install() is False
    assert any(issubclass(w.category, DropinVersionWarning) for w in caught)
    assert protocol.Utf8Validator is before and not dropin.is_installed()


def test_a_newer_release_number_alone_is_not_refused(monkeypatch):
    """autobahn's versions are dates: the checks decide, not the number."""
    monkeypatch.setattr(dropin._integration, "installed_version", lambda: "27.6.0")
    try:
        install_or_skip(dropin)
        assert dropin.is_installed()
    finally:
        dropin.uninstall()


@pytest.mark.parametrize("module", ["protocol", "utf8validator"])
def test_refuses_a_changed_validator(monkeypatch, module):
    import autobahn.websocket.protocol as protocol
    import autobahn.websocket.utf8validator as utf8validator

    owner = {"protocol": protocol, "utf8validator": utf8validator}[module]

    class Changed(owner.Utf8Validator):
        def validate(self, ba):  # accepts anything
            return True, True, len(ba), len(ba)

    dropin.uninstall()
    monkeypatch.setattr(owner, "Utf8Validator", Changed)
    assert_refuses(dropin, f"autobahn.websocket.{module}.Utf8Validator")
    assert owner.Utf8Validator is Changed


@pytest.mark.parametrize("module", ["protocol", "xormasker"])
def test_refuses_a_changed_masker(monkeypatch, module):
    import autobahn.websocket.protocol as protocol
    import autobahn.websocket.xormasker as xormasker

    owner = {"protocol": protocol, "xormasker": xormasker}[module]
    own = owner.create_xor_masker

    def create_xor_masker(mask, length=None):
        return xormasker.XorMaskerNull(mask)  # masks nothing

    dropin.uninstall()
    monkeypatch.setattr(owner, "create_xor_masker", create_xor_masker)
    assert_refuses(dropin, f"autobahn.websocket.{module}.create_xor_masker")
    assert owner.create_xor_masker is create_xor_masker is not own
