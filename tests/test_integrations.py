"""The drop-ins: the shared install mechanism, and each replacement giving
the library's own results (on both backends).  The libraries' own test
suites run with the drop-ins in CI (.ci/dropin.sh)."""

import importlib
import random
import sys
import types
import warnings

import pytest

from wscodec.integrations import DropinVersionWarning, _support
from wscodec.integrations import tornado as tornado_dropin
from wscodec.integrations import websocket_client as wsc_dropin
from wscodec.integrations import wsproto as wsproto_dropin

# --- the mechanism ------------------------------------------------------------


@pytest.mark.parametrize(("version", "spec", "inside"), [
    ("1.3.2", ">=1.3,<1.4", True),
    ("1.4.0", ">=1.3,<1.4", False),
    ("1.4.0rc1", ">=1.3,<1.4", False),
    ("1.2.9", ">=1.3,<1.4", False),
    ("1.3", ">=1.3.0,<1.4", True),
    ("26.10.2", "==26.10.2", True),
    ("6.6.1", ">=6.6", True),
])
def test_version_in_range(version, spec, inside):
    assert _support.version_in_range(version, spec) is inside


def test_version_range_rejects_unknown_clauses():
    with pytest.raises(ValueError):
        _support.version_in_range("1.0", "~=1.0")


@pytest.fixture
def fake_library(monkeypatch):
    """A module 'fakelib' with a function and a class, installed as 1.2.3."""
    module = types.ModuleType("fakelib")
    module.func = lambda: "own"
    module.Target = type("Target", (), {"static": staticmethod(lambda x: ("own", x))})
    monkeypatch.setitem(sys.modules, "fakelib", module)
    versions = {"fakelib": "1.2.3"}

    def version(name):
        if name not in versions:
            raise _support.metadata.PackageNotFoundError(name)
        return versions[name]

    monkeypatch.setattr(_support.metadata, "version", version)
    return module


def _integration(spec=">=1.2,<1.3", distribution="fakelib"):
    return _support.Integration(distribution, spec, lambda: [
        _support.Swap("fakelib", "func", lambda: "mine"),
        _support.Swap("fakelib", "Target.static", staticmethod(lambda x: ("mine", x))),
    ])


def test_install_uninstall_idempotent(fake_library):
    own_func, own_static = fake_library.func, fake_library.Target.__dict__["static"]
    it = _integration()
    assert not it.is_installed()
    assert it.install() and it.install()
    assert it.is_installed()
    assert fake_library.func() == "mine"
    assert fake_library.Target.static(1) == ("mine", 1)
    assert fake_library.Target().static(1) == ("mine", 1)  # still a staticmethod
    it.uninstall()
    it.uninstall()
    assert not it.is_installed()
    assert fake_library.func is own_func
    assert fake_library.Target.__dict__["static"] is own_static


def test_outside_tested_range_warns_and_changes_nothing(fake_library):
    own = fake_library.func
    it = _integration(spec=">=2.0")
    with pytest.warns(DropinVersionWarning, match="fakelib"):
        assert it.install() is False
    assert fake_library.func is own and not it.is_installed()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert it.install(force=True) is True
    assert fake_library.func() == "mine"
    it.uninstall()


def test_absent_library_is_an_import_error(fake_library):
    it = _integration(distribution="notinstalled")
    with pytest.raises(ImportError, match="notinstalled is not installed"):
        it.install()


def test_uninstall_keeps_a_later_swap(fake_library):
    it = _integration()
    it.install()
    fake_library.func = theirs = lambda: "theirs"
    assert not it.is_installed()
    it.uninstall()
    assert fake_library.func is theirs


def test_reinstall_after_reimport(fake_library, monkeypatch):
    it = _integration()
    it.install()
    fresh = types.ModuleType("fakelib")
    fresh.func = lambda: "own again"
    fresh.Target = type("Target", (), {"static": staticmethod(lambda x: ("own", x))})
    monkeypatch.setitem(sys.modules, "fakelib", fresh)
    assert not it.is_installed()
    assert it.reinstall() and it.is_installed()
    assert fresh.func() == "mine"
    it.uninstall()
    assert fresh.func() == "own again"


def test_failed_install_reverts_the_swaps_made(fake_library):
    it = _support.Integration("fakelib", ">=1", lambda: [
        _support.Swap("fakelib", "func", lambda: "mine"),
        _support.Swap("fakelib", "missing", lambda: "mine"),
    ])
    own = fake_library.func
    with pytest.raises(AttributeError, match="fakelib.missing"):
        it.install()
    assert fake_library.func is own and not it.is_installed()


def test_source_digest_follows_the_source(tmp_path, monkeypatch):
    def load(name, body):
        path = tmp_path / f"digest_{name}.py"
        path.write_text(body)
        monkeypatch.syspath_prepend(str(tmp_path))
        return importlib.import_module(path.stem).f

    one, same, other = (load(name, f"def f():\n    return {n}\n") for name, n in (("one", 1), ("same", 1), ("other", 2)))
    assert _support.source_digest(one) == _support.source_digest(same)
    assert _support.source_digest(one) != _support.source_digest(other)
    assert _support.source_digest(one, other) != _support.source_digest(other, one)
    assert _support.source_digest(one, len) is None  # no source: nothing to compare


@pytest.mark.parametrize("module", [wsproto_dropin, wsc_dropin, tornado_dropin])
def test_every_integration_has_the_same_interface(module):
    for name in ("install", "uninstall", "is_installed", "installed_version", "TESTED_VERSIONS"):
        assert hasattr(module, name), name
    assert "Replaced" in module.__doc__ and "Not replaced" in module.__doc__


# --- the replacements, against the libraries' own code --------------------------

_rng = random.Random(2026)
_PAYLOADS = [b"", b"a", b"abc", bytes(range(256)) * 3] + [
    bytes(_rng.randrange(256) for _ in range(n)) for n in (1, 2, 3, 5, 7, 125, 126, 1000, 65537)
]


def test_wsproto_masker(backend, monkeypatch):
    pytest.importorskip("wsproto.frame_protocol")
    monkeypatch.setattr(wsproto_dropin, "mask_inplace", backend.mask_inplace)
    own = wsproto_dropin._integration.original("wsproto.frame_protocol", "XorMaskerSimple")
    for key in (b"\x00\x00\x00\x00", b"\x37\xfa\x21\x3d", bytearray(b"abcd")):
        mine, theirs = wsproto_dropin.XorMaskerSimple(key), own(key)
        for data in _PAYLOADS:
            got = mine.process(bytearray(data))
            assert type(got) is bytearray
            assert got == theirs.process(bytearray(data))
            assert mine._masking_key == theirs._masking_key


def test_wsproto_install_reaches_connections():
    wsproto = pytest.importorskip("wsproto")
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import BytesMessage
    from wsproto.frame_protocol import XorMaskerSimple as own

    wsproto_dropin.install()
    try:
        assert wsproto.frame_protocol.XorMaskerSimple is wsproto_dropin.XorMaskerSimple
        client, server = Connection(ConnectionType.CLIENT), Connection(ConnectionType.SERVER)
        server.receive_data(client.send(BytesMessage(data=_PAYLOADS[-1])))
        assert [e.data for e in server.events()] == [_PAYLOADS[-1]]
    finally:
        wsproto_dropin.uninstall()
    assert wsproto.frame_protocol.XorMaskerSimple is own


def _utf8_cases():
    rng = random.Random(9)
    cases = [b"", b"\xe2\x82", b"\xe2\x82\xac", b"\xed\xa0", b"\xed\x9f", b"\xf4\x8f", b"\xf4\x90", b"\xc0", b"\xff",
             b"\xf0\x9f\x98", "€😀".encode() * 50, b"ok" * 5000 + b"\xe2"]
    pieces = [b"a", "é".encode(), "€".encode(), "😀".encode(), b"\x80", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf0\x9f"]
    for _ in range(2000):
        cases.append(b"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 8))))
    return cases


def test_websocket_client_validator_means_valid_so_far(backend, monkeypatch):
    utils = pytest.importorskip("websocket._utils")
    monkeypatch.setattr(wsc_dropin, "Utf8Validator", backend.Utf8Validator)
    own = wsc_dropin._integration.original("websocket._utils", "_validate_utf8")
    for data in _utf8_cases():
        assert wsc_dropin._validate_utf8(data) is own(data), data
    assert utils  # the module exists


def test_websocket_client_mask(backend, monkeypatch):
    abnf = pytest.importorskip("websocket._abnf")
    monkeypatch.setattr(wsc_dropin, "apply_mask", backend.apply_mask)
    own = abnf.ABNF.__dict__["mask"].__func__
    assert wsc_dropin._integration.original("websocket._abnf", "ABNF.mask").__func__ is own
    for key in (b"abcd", "abcd", "\xff\x00\x7f\x80"):
        for data in _PAYLOADS + ["text", "\xe9t\xe9", None]:
            assert wsc_dropin.mask(key, data) == own(key, data)
    import array

    assert wsc_dropin._mask(array.array("B", b"abcd"), array.array("B", b"hello")) == own(b"abcd", b"hello")


def test_websocket_client_install_keeps_get_mask_key():
    websocket = pytest.importorskip("websocket")
    from websocket._abnf import ABNF

    frame = ABNF.create_frame("hello", ABNF.OPCODE_TEXT)
    frame.get_mask_key = lambda n: b"\x01\x02\x03\x04"
    expected = frame.format()
    wsc_dropin.install()
    try:
        assert frame.format() == expected
        assert websocket._utils.validate_utf8(b"\xe2\x82") is True
        assert websocket._utils.validate_utf8(b"\xe2\x41") is False
    finally:
        wsc_dropin.uninstall()


def test_tornado_mask(backend, monkeypatch):
    util = pytest.importorskip("tornado.util")
    monkeypatch.setattr(tornado_dropin, "apply_mask", backend.apply_mask)
    for data in _PAYLOADS + ["text", "h\xe9llo"]:
        expected = util._websocket_mask_python(b"abcd", data.encode() if isinstance(data, str) else data)
        assert tornado_dropin.websocket_mask(b"abcd", data) == expected
        assert tornado_dropin.websocket_mask("abcd", data) == expected
    with pytest.raises(ValueError, match="mask must be 4 bytes"):
        tornado_dropin.websocket_mask(b"abc", b"x")
    with pytest.raises(ValueError, match="mask must be 4 bytes"):
        tornado_dropin.websocket_mask("\xe9bcd", b"x")  # 5 bytes as UTF-8, as in tornado's C


def test_tornado_install_swaps_the_websocket_module_only():
    websocket = pytest.importorskip("tornado.websocket")
    web = importlib.import_module("tornado.web")
    own, own_web = websocket._websocket_mask, web._websocket_mask
    tornado_dropin.install()
    try:
        assert websocket._websocket_mask is tornado_dropin.websocket_mask
        assert web._websocket_mask is own_web
    finally:
        tornado_dropin.uninstall()
    assert websocket._websocket_mask is own
