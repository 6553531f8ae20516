"""The websockets drop-in: websockets' ``apply_mask`` contract, and its own
Sans-I/O protocol on both its builds (pure-Python fallback and C extension)
giving the same events and errors with and without ``install()``, on both
wscodec backends."""

import random
import subprocess
import sys
import warnings

import pytest

pytest.importorskip("websockets")
import websockets.frames as frames  # noqa: E402
from websockets.utils import apply_mask as websockets_fallback  # noqa: E402

from dropins import assert_refuses, install_or_skip  # noqa: E402
from wscodec.integrations import websockets as dropin  # noqa: E402
from wscodec.integrations._support import version_in_range  # noqa: E402

if not version_in_range(dropin.installed_version(), dropin.SUPPORTED_VERSIONS):
    # CPython 3.10 gets websockets 16: install() rightly declines it.
    pytest.skip(f"websockets {dropin.installed_version()} is outside {dropin.SUPPORTED_VERSIONS}", allow_module_level=True)

from conftest import NEUTRAL_CWD, subprocess_env  # noqa: E402


@pytest.fixture
def mine(backend, monkeypatch):
    monkeypatch.setattr(dropin, "_apply_mask", backend.apply_mask)
    return dropin


@pytest.fixture
def fallback(monkeypatch):
    """websockets as it runs without its C extension: ``frames`` bound to the
    pure-Python ``apply_mask`` (the one difference between the two builds)."""
    dropin.uninstall()
    monkeypatch.setattr(frames, "apply_mask", websockets_fallback)
    yield
    dropin.uninstall()


@pytest.fixture(params=["fallback", "compiled"])
def build(request, monkeypatch):
    """Each build of websockets: ``frames`` bound to its pure-Python
    ``apply_mask`` or to its C one (skipped where it was not compiled)."""
    dropin.uninstall()
    if request.param == "compiled":
        masker = pytest.importorskip("websockets.speedups").apply_mask
    else:
        masker = websockets_fallback
    monkeypatch.setattr(frames, "apply_mask", masker)
    yield request.param
    dropin.uninstall()


def test_apply_mask_keeps_websockets_contract(mine):
    rng = random.Random(1)
    for n in (0, 1, 3, 4, 5, 31, 32, 33, 1000, 65536):
        data, mask = rng.randbytes(n), rng.randbytes(4)
        expected = websockets_fallback(data, mask)
        # websockets' masks are bytes or bytearray; its data any bytes-like.
        for data_kind in (bytes, bytearray, memoryview):
            for mask_kind in (bytes, bytearray):
                assert mine.apply_mask(data_kind(data), mask_kind(mask)) == expected
        # Also a non-contiguous memoryview.
        strided = memoryview(data * 2)[::2]
        assert mine.apply_mask(strided, mask) == websockets_fallback(strided, mask)
        assert type(mine.apply_mask(data, mask)) is bytes
    for data, mask in ((b"", b""), (b"abcd", b"123"), (b"", b"aBcDe"), (b"12345678", b"12345678")):
        with pytest.raises(ValueError):
            mine.apply_mask(data, mask)
    for data, mask in ((None, None), (b"abcd", None), (None, b"abcd")):
        with pytest.raises(TypeError):
            mine.apply_mask(data, mask)


def _frames(rng):
    """A stream a server receives: masked frames, fragments, controls, and
    sometimes something invalid (bad UTF-8, a reserved opcode, no mask)."""
    from wscodec._pure import encode_frame

    out = []
    for _ in range(rng.randrange(1, 6)):
        kind = rng.randrange(6)
        size = rng.choice([0, 1, 20, 125, 126, 1024, 65535, 65536, 70000])
        if kind == 0:
            out.append(encode_frame(1, "été €".encode() * (size // 8), mask=rng.randbytes(4)))
        elif kind == 1:
            out.append(encode_frame(2, rng.randbytes(size), mask=rng.randbytes(4)))
        elif kind == 2:
            out.append(encode_frame(1, b"ab", fin=False, mask=rng.randbytes(4)))
            out.append(encode_frame(9, rng.randbytes(min(size, 125)), mask=rng.randbytes(4)))
            out.append(encode_frame(0, rng.randbytes(size // 2).hex().encode(), mask=rng.randbytes(4)))
        elif kind == 3:
            out.append(encode_frame(1, b"ok\xed\xa0\x80", mask=rng.randbytes(4)))
        elif kind == 4:
            out.append(encode_frame(2, b"x" * 10))  # unmasked: a protocol error for a server
        else:
            out.append(bytes([0x83, 0x80]) + rng.randbytes(4))  # reserved opcode
    return b"".join(out)


def _receive(stream, rng):
    from websockets.protocol import OPEN
    from websockets.server import ServerProtocol

    proto = ServerProtocol(state=OPEN, max_size=None)
    pos = 0
    while pos < len(stream):
        step = rng.randrange(1, 70000)
        proto.receive_data(stream[pos : pos + step])
        pos += step
    events = [(type(e).__name__, e.opcode, bytes(e.data), e.fin) for e in proto.events_received()]
    sent = proto.data_to_send()
    return events, sent, repr(proto.parser_exc), proto.close_rcvd, proto.close_sent


def test_server_protocol_is_unchanged(mine, build):
    own_mask = frames.apply_mask
    rng = random.Random(17)
    for trial in range(60):
        stream = _frames(rng)
        seed = rng.random()
        stock = _receive(stream, random.Random(seed))
        install_or_skip(mine)
        assert frames.apply_mask is (mine.apply_mask if build == "fallback" else own_mask)
        dropped_in = _receive(stream, random.Random(seed))
        mine.uninstall()
        assert frames.apply_mask is own_mask
        assert dropped_in == stock, trial


def test_client_sends_the_same_frames_on_the_fallback(mine, fallback):
    from websockets.client import ClientProtocol
    from websockets.protocol import OPEN

    from wscodec._pure import FrameDecoder

    def sent():
        client = ClientProtocol("ws://127.0.0.1/", state=OPEN)
        for size in (0, 20, 1024, 65536):
            client.send_text("é".encode() * size)
            client.send_binary(b"\x01" * size)
        # The mask keys are random: compare the frames once unmasked.
        wire = b"".join(client.data_to_send())
        return FrameDecoder(role="server", max_frame_size=None).feed(wire)

    stock = sent()
    install_or_skip(mine)
    assert sent() == stock


def _echo_over_loopback():
    """What a websockets client gets back from a websockets echo server."""
    import asyncio

    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    async def run():
        got = []
        async with serve(echo, "127.0.0.1", 0, max_size=None) as server:
            port = server.sockets[0].getsockname()[1]
            async with connect(f"ws://127.0.0.1:{port}", max_size=None, compression=None) as ws:
                for size in (0, 20, 1024, 65536, 300000):
                    for message in ("é€" * (size // 5), bytes(range(256)) * (size // 256)):
                        await ws.send(message)
                        got.append(await ws.recv())
        return got

    return asyncio.run(run())


def test_asyncio_echo_over_loopback(mine, build):
    stock = _echo_over_loopback()
    install_or_skip(mine)
    assert _echo_over_loopback() == stock


def test_with_the_c_extension_only_the_parser_is_swapped():
    """As websockets' wheels install it: its C ``apply_mask`` stays, the
    frame parser is replaced, and uninstall() puts its own back."""
    from wscodec.integrations import _websockets_parse

    pytest.importorskip("websockets.speedups")
    dropin.uninstall()
    own_mask, own_parse = frames.apply_mask, frames.Frame.__dict__["parse"]
    assert own_mask is not websockets_fallback
    meta_path = list(sys.meta_path)
    try:
        for _ in range(2):  # idempotent
            install_or_skip(dropin)
            assert dropin.is_installed()
            assert frames.apply_mask is own_mask
            swapped = frames.Frame.__dict__["parse"]
            assert isinstance(swapped, classmethod) and swapped is not own_parse
            assert swapped.__func__.__module__ == _websockets_parse.__name__
            # No legacy framing masker to rebind on this build: no import hook.
            assert sys.meta_path == meta_path
        dropin.uninstall()
        assert not dropin.is_installed()
        assert frames.apply_mask is own_mask
        assert frames.Frame.__dict__["parse"] is own_parse
        dropin.uninstall()
        assert frames.Frame.__dict__["parse"] is own_parse
    finally:
        dropin.uninstall()


LEGACY_SCRIPT = r"""
import sys, warnings
sys.modules["websockets.speedups"] = None  # the build without its C extension
import wscodec.integrations.websockets as dropin
if not dropin.install():
    print("refused")  # the in-process tests check that refusal
    sys.exit(0)
assert "websockets.legacy" not in sys.modules, "install() imported websockets.legacy"
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import websockets.legacy.framing as framing
assert framing.apply_mask is dropin.apply_mask, framing.apply_mask
assert dropin.is_installed()
dropin.uninstall()
from websockets.utils import apply_mask
assert framing.apply_mask is apply_mask
assert not any(type(f).__name__ == "_LegacyFramingFinder" for f in sys.meta_path)
dropin.install()
assert framing.apply_mask is dropin.apply_mask
print("ok")
"""


@pytest.mark.parametrize("lane", ["native", "pure"])
def test_legacy_framing_is_rebound_when_imported_never_before(lane):
    env = subprocess_env(**({"WSCODEC_NO_EXTENSIONS": "1"} if lane == "pure" else {}))
    out = subprocess.run([sys.executable, "-c", LEGACY_SCRIPT], env=env, cwd=NEUTRAL_CWD,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    if out.stdout.strip() == "refused":
        pytest.skip(f"the drop-in refuses this release: {out.stderr.strip()}")
    assert out.stdout.strip() == "ok", out.stderr


def test_outside_supported_releases_warns_and_changes_nothing(monkeypatch, build):
    from wscodec.integrations import DropinVersionWarning

    own_mask, own_parse = frames.apply_mask, frames.Frame.__dict__["parse"]
    monkeypatch.setattr(dropin._integration, "installed_version", lambda: "18.0")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert dropin.install() is False
    assert any(issubclass(w.category, DropinVersionWarning) for w in caught)
    assert frames.apply_mask is own_mask
    assert frames.Frame.__dict__["parse"] is own_parse


def test_refuses_a_changed_fallback_masker(monkeypatch, fallback):
    import websockets.utils as utils

    def changed(data, mask):  # masks nothing
        return bytes(data)

    # As a release whose pure-Python masker changed would bind it.
    monkeypatch.setattr(utils, "apply_mask", changed)
    monkeypatch.setattr(frames, "apply_mask", changed)
    assert_refuses(dropin, "websockets.frames.apply_mask")
    assert frames.apply_mask is changed


def test_refuses_where_the_parser_is_not_mirrored(build):
    """Whatever release the registry served: install() takes it, or its
    parser is not the code mirrored and install() refuses cleanly."""
    import websockets.streams as streams

    from wscodec.integrations import _websockets_parse

    if _websockets_parse.is_mirrored(frames, streams):
        install_or_skip(dropin)
        assert dropin.is_installed()
    else:
        assert_refuses(dropin, "Frame.parse")
