"""The drop-ins: the shared install mechanism, and each replacement giving
the library's own results (on both backends).  The libraries' own test
suites run with the drop-ins in CI (.ci/dropin.sh)."""

import importlib
import random
import subprocess
import sys
import types
import warnings

import pytest

from conftest import NEUTRAL_CWD, subprocess_env
from dropins import assert_refuses, install_or_skip, refusal
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


def _accept(original, replacement):
    return None


def _integration(spec=">=1.2,<1.3", distribution="fakelib", check=_accept):
    return _support.Integration(distribution, spec, lambda: [
        _support.Swap("fakelib", "func", lambda: "mine", check=_accept),
        _support.Swap("fakelib", "Target.static", staticmethod(lambda x: ("mine", x)), check=check),
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


def test_outside_supported_releases_warns_and_changes_nothing(fake_library):
    own = fake_library.func
    it = _integration(spec=">=2.0")
    with pytest.warns(DropinVersionWarning, match="fakelib 1.2.3 not installed: it supports >=2.0"):
        assert it.install() is False
    assert fake_library.func is own and not it.is_installed()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert it.install(force=True) is True
    assert fake_library.func() == "mine"
    it.uninstall()


def test_a_failed_check_refuses_before_any_swap(fake_library):
    own_func, own_static = fake_library.func, fake_library.Target.__dict__["static"]
    seen = []

    def check(original, replacement):
        seen.append((original, replacement))
        return "gives something else"

    it = _integration(check=check)
    with pytest.warns(DropinVersionWarning, match=r"fakelib\.Target\.static gives something else"):
        assert it.install() is False
    # The check saw the library's object, and the first swap, whose check
    # passed, was not made either.
    assert seen[0][0] is own_static
    assert fake_library.func is own_func and fake_library.Target.__dict__["static"] is own_static
    assert not it.is_installed()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert it.install(force=True) is True  # force skips the checks
    assert fake_library.Target.static(1) == ("mine", 1)
    it.uninstall()


def test_a_gone_name_refuses(fake_library):
    it = _support.Integration("fakelib", ">=1", lambda: [
        _support.Swap("fakelib", "func", lambda: "mine", check=_accept),
        _support.Swap("fakelib", "missing", lambda: "mine", check=_accept),
    ])
    own = fake_library.func
    with pytest.warns(DropinVersionWarning, match="fakelib.missing is gone"):
        assert it.install() is False
    assert fake_library.func is own and not it.is_installed()
    with pytest.raises(AttributeError, match="fakelib.missing"):
        it.install(force=True)
    assert fake_library.func is own and not it.is_installed()


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
    def broken_factory():
        raise RuntimeError("cannot build the replacement")

    it = _support.Integration("fakelib", ">=1", lambda: [
        _support.Swap("fakelib", "func", lambda: "mine", check=_accept),
        _support.Swap("fakelib", "Target.static", broken_factory, lazy=True, check=_accept),
    ])
    own = fake_library.func
    with pytest.raises(RuntimeError, match="cannot build"):
        it.install()
    assert fake_library.func is own and not it.is_installed()


def _masker(mask, data):
    return bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def _same_masker_written_otherwise(mask, data):
    out = bytearray(data)
    for i in range(len(out)):
        out[i] ^= mask[i & 3]
    return bytes(out)


def test_behaves_like_compares_parameters_results_and_exception_types():
    check = _support.behaves_like((b"abcd", b"hello"), (b"ab", b"hello"))
    assert check(_same_masker_written_otherwise, _masker) is None
    assert "gives b'hello'" in check(lambda mask, data: bytes(data), _masker)
    assert "other parameters" in check(lambda key, data: _masker(key, data), _masker)
    assert "other parameters" in check(lambda mask, data=b"": _masker(mask, data), _masker)
    def strict(mask, data):
        if len(mask) != 4:
            raise ValueError("mask must be 4 bytes")
        return _masker(mask, data)

    # Same results, but another exception type for the short mask.
    assert "raises ValueError" in check(strict, _masker)
    assert check(len, len) is None  # no signature to read: the calls decide
    # bytes against bytearray, True against 1: the reprs differ.
    assert check(lambda mask, data: bytearray(_masker(mask, data)), _masker) is not None


def test_mirrors_asks_at_install_time():
    state = {"mirrored": True}
    check = _support.mirrors(lambda: state["mirrored"])
    assert check(object(), object()) is None
    state["mirrored"] = False
    assert "source digest" in check(object(), object())


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


@pytest.mark.parametrize("name", ["wsproto", "websocket_client", "tornado", "autobahn", "websockets", "aiohttp"])
def test_every_integration_has_the_same_interface(name):
    module = importlib.import_module(f"wscodec.integrations.{name}")
    for attr in ("install", "uninstall", "is_installed", "installed_version", "SUPPORTED_VERSIONS"):
        assert hasattr(module, attr), attr
    assert "replaced" in module.__doc__ and "not replaced" in module.__doc__.lower()
    assert "Checked before installing" in module.__doc__


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

    install_or_skip(wsproto_dropin)
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
    install_or_skip(wsc_dropin)
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
    install_or_skip(tornado_dropin)
    try:
        assert websocket._websocket_mask is tornado_dropin.websocket_mask
        assert web._websocket_mask is own_web
    finally:
        tornado_dropin.uninstall()
    assert websocket._websocket_mask is own


# --- a release whose replaced code changed is refused ---------------------------


def test_wsproto_refuses_a_changed_masker(monkeypatch):
    frame_protocol = pytest.importorskip("wsproto.frame_protocol")
    own = frame_protocol.XorMaskerSimple

    class Changed(own):
        def process(self, data):  # masks nothing
            return bytearray(data)

    wsproto_dropin.uninstall()
    monkeypatch.setattr(frame_protocol, "XorMaskerSimple", Changed)
    assert_refuses(wsproto_dropin, "wsproto.frame_protocol.XorMaskerSimple")
    assert frame_protocol.XorMaskerSimple is Changed


@pytest.mark.parametrize("name", ["ABNF.mask", "_mask", "_validate_utf8"])
def test_websocket_client_refuses_a_changed_function(monkeypatch, name):
    abnf = pytest.importorskip("websocket._abnf")
    utils = importlib.import_module("websocket._utils")
    # Without wsaccel, websocket-client's own ABNF.mask takes keys of any
    # length where the replacement takes 4 bytes only: the drop-in refuses
    # the release untouched, and no refusal could name the changed function.
    install_or_skip(wsc_dropin)
    wsc_dropin.uninstall()
    # Without wsaccel (PyPy cannot build it) websocket-client's own masking
    # takes a 3-byte key, which wscodec refuses: install() declines the
    # library as it is, and there is no change left to detect.
    why = refusal(wsc_dropin)
    wsc_dropin.uninstall()
    if why is not None:
        pytest.skip(f"install() refuses websocket-client before any change: {why}")
    if name == "ABNF.mask":
        monkeypatch.setattr(abnf.ABNF, "mask", staticmethod(lambda mask_key, data: data))
    elif name == "_mask":
        monkeypatch.setattr(abnf, "_mask", lambda mask_value, data_value: bytes(data_value))
    else:
        monkeypatch.setattr(utils, "_validate_utf8", lambda utfbytes: True)
    # ABNF.mask calls _mask: a changed _mask changes what ABNF.mask gives too.
    assert_refuses(wsc_dropin, name, *(["ABNF.mask"] if name == "_mask" else []))


WEBSOCKET_CLIENT_WITHOUT_WSACCEL = r"""
import sys
for name in ("wsaccel", "wsaccel.xormask", "wsaccel.utf8validator"):
    sys.modules[name] = None  # websocket-client as most install it: without wsaccel
import websocket._abnf as abnf
import websocket._utils as utils
own_mask, own_validate = abnf.ABNF.mask, utils._validate_utf8
import wscodec.integrations.websocket_client as dropin
assert dropin.install(), "install() refused websocket-client's own masking and validation"
for key, data in ((b"abcd", b"hello" * 100), ("abcd", "h\xe9llo"), (b"\x01\x02\x03\x04", None)):
    assert abnf.ABNF.mask(key, data) == own_mask(key, data)
for data in (b"", "\u20ac".encode(), b"\xe2\x82", b"a\xff", b"\xed\xa0\x80"):
    assert utils._validate_utf8(data) is own_validate(data), data
print("ok")
"""


def test_websocket_client_without_wsaccel_gets_the_dropin():
    pytest.importorskip("websocket")
    out = subprocess.run([sys.executable, "-c", WEBSOCKET_CLIENT_WITHOUT_WSACCEL], env=subprocess_env(),
                         cwd=NEUTRAL_CWD, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_tornado_refuses_a_changed_masker(monkeypatch):
    websocket = pytest.importorskip("tornado.websocket")
    tornado_dropin.uninstall()

    def changed(mask, data):
        return bytes(data)

    monkeypatch.setattr(websocket, "_websocket_mask", changed)
    assert_refuses(tornado_dropin, "tornado.websocket._websocket_mask")
    assert websocket._websocket_mask is changed


def test_tornado_takes_a_masker_that_behaves_the_same(monkeypatch):
    """Other code that gives the same results (tornado's own pure-Python
    masker, as on a build without its C extension) passes the check."""
    websocket = pytest.importorskip("tornado.websocket")
    util = importlib.import_module("tornado.util")
    tornado_dropin.uninstall()
    monkeypatch.setattr(websocket, "_websocket_mask", util._websocket_mask_python)
    try:
        install_or_skip(tornado_dropin)
        assert websocket._websocket_mask is tornado_dropin.websocket_mask
    finally:
        tornado_dropin.uninstall()
    assert websocket._websocket_mask is util._websocket_mask_python
