"""The aiohttp drop-in: aiohttp's ``websocket_mask`` contract, and aiohttp's
own pure-Python reader and writer giving the same results with and without
``install()``, on both wscodec backends."""

import asyncio
import random
import subprocess
import sys
import warnings

import pytest

pytest.importorskip("aiohttp")
from aiohttp._websocket import helpers, reader_py, writer  # noqa: E402

from conftest import NEUTRAL_CWD, subprocess_env  # noqa: E402
from dropins import assert_refuses, install_or_skip  # noqa: E402
from wscodec.integrations import _aiohttp_reader  # noqa: E402
from wscodec.integrations import aiohttp as dropin  # noqa: E402

python_mask = helpers._websocket_mask_python


@pytest.fixture
def mine(backend, monkeypatch):
    monkeypatch.setattr(dropin, "mask_inplace", backend.mask_inplace)
    monkeypatch.setattr(_aiohttp_reader, "apply_mask", backend.apply_mask)
    monkeypatch.setattr(_aiohttp_reader, "decode_utf8", backend.decode_utf8)
    return dropin


@pytest.fixture
def no_extensions(monkeypatch):
    """aiohttp as it runs without its extensions: its pure-Python masker in
    the writer and in the pure-Python reader."""
    dropin.uninstall()
    monkeypatch.setattr(writer, "websocket_mask", python_mask)
    monkeypatch.setattr(reader_py, "websocket_mask", python_mask)
    yield
    dropin.uninstall()


def test_websocket_mask_keeps_aiohttps_contract(mine):
    rng = random.Random(3)
    for n in (0, 1, 3, 4, 5, 15, 16, 17, 1000, 65536, 65539):
        data, mask = bytearray(rng.randbytes(n)), rng.randbytes(4)
        expected = bytearray(data)
        python_mask(mask, expected)
        assert mine.websocket_mask(mask, data) is None
        assert data == expected
    with pytest.raises(AssertionError):
        mine.websocket_mask(b"abcd", b"bytes are read-only")
    with pytest.raises(AssertionError):
        mine.websocket_mask(b"abc", bytearray(8))


class _Protocol:
    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


def _masked_stream(rng):
    from wscodec._pure import encode_frame

    out = []
    for _ in range(rng.randrange(1, 6)):
        size = rng.choice([0, 1, 20, 125, 126, 1024, 65536, 70000])
        kind = rng.randrange(4)
        if kind == 0:
            out.append(encode_frame(1, "äöü €".encode() * (size // 8), mask=rng.randbytes(4)))
        elif kind == 1:
            out.append(encode_frame(2, rng.randbytes(size), mask=rng.randbytes(4)))
        elif kind == 2:
            out.append(encode_frame(2, rng.randbytes(size), fin=False, mask=rng.randbytes(4)))
            out.append(encode_frame(0, rng.randbytes(size), mask=rng.randbytes(4)))
        else:
            out.append(encode_frame(1, b"bad \xff utf-8", mask=rng.randbytes(4)))
    return b"".join(out)


def _read(stream, rng):
    async def run():
        queue = reader_py.WebSocketDataQueue(_Protocol(), 2**16, loop=asyncio.get_running_loop())
        parser = reader_py.WebSocketReader(queue, max_msg_size=0, compress=False, decode_text=True)
        pos, error = 0, None
        try:
            while pos < len(stream):
                step = rng.randrange(1, 70000)
                parser.feed_data(stream[pos : pos + step])
                pos += step
        except Exception as exc:  # noqa: BLE001 - compared below
            error = repr(exc)
        messages = [(msg.type, msg.data, size) for msg, size in queue._buffer]
        return messages, error, repr(queue.exception())

    return asyncio.run(run())


def test_pure_reader_reads_the_same(mine, no_extensions):
    rng = random.Random(11)
    for trial in range(40):
        stream, seed = _masked_stream(rng), rng.random()
        stock = _read(stream, random.Random(seed))
        install_or_skip(mine)
        assert reader_py.websocket_mask is mine.websocket_mask
        dropped_in = _read(stream, random.Random(seed))
        mine.uninstall()
        assert reader_py.websocket_mask is python_mask
        assert dropped_in == stock, trial


def test_pure_writer_sends_the_same(mine, no_extensions):
    from aiohttp._websocket.writer import WebSocketWriter

    class Transport:
        def __init__(self):
            self.out = []

        def write(self, data):
            self.out.append(bytes(data))

        def is_closing(self):
            return False

    async def send():
        transport = Transport()
        w = WebSocketWriter(_Protocol(), transport, use_mask=True, random=random.Random(9))
        for size in (0, 20, 1024, 65536):
            await w.send_frame(b"\xc3\xa9" * size, 1)
            await w.send_frame(b"\x07" * size, 2)
        return b"".join(transport.out)

    stock = asyncio.run(send())
    install_or_skip(mine)
    assert writer.websocket_mask is mine.websocket_mask
    assert asyncio.run(send()) == stock  # same seeded keys: the very same bytes


def test_helpers_masker_is_never_rebound(no_extensions):
    before = helpers.websocket_mask
    install_or_skip(dropin)
    assert helpers.websocket_mask is before


COMPILED_SCRIPT = r"""
import sys
import aiohttp._websocket.reader as reader
if reader.WebSocketReader.__module__ != "aiohttp._websocket.reader_c":
    print("no-extensions"); sys.exit(0)
import aiohttp._websocket.writer as writer
before = writer.websocket_mask
import wscodec.integrations.aiohttp as dropin
assert dropin.install() and dropin.is_installed()
assert writer.websocket_mask is before, "replaced the compiled masker"
import aiohttp._websocket.reader_py as reader_py
assert reader_py.WebSocketReader._feed_data.__module__ == reader_py.__name__, "replaced the unused Python reader"
print("ok")
"""


def test_with_compiled_extensions_install_changes_nothing():
    env = subprocess_env()
    env.pop("AIOHTTP_NO_EXTENSIONS", None)
    out = subprocess.run([sys.executable, "-c", COMPILED_SCRIPT], env=env, cwd=NEUTRAL_CWD,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    if out.stdout.strip() == "no-extensions":
        pytest.skip("aiohttp's compiled extensions are not installed here")
    assert out.stdout.strip() == "ok"


def test_outside_supported_releases_warns_and_changes_nothing(monkeypatch, no_extensions):
    from wscodec.integrations import DropinVersionWarning

    monkeypatch.setattr(dropin._integration, "installed_version", lambda: "4.0.0")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert dropin.install() is False
    assert any(issubclass(w.category, DropinVersionWarning) for w in caught)
    assert writer.websocket_mask is python_mask


def test_refuses_a_changed_masker(monkeypatch, no_extensions):
    def changed(mask, data):  # masks nothing
        assert isinstance(data, bytearray)

    # As a release whose pure-Python masker changed would bind it everywhere.
    monkeypatch.setattr(helpers, "_websocket_mask_python", changed)
    monkeypatch.setattr(writer, "websocket_mask", changed)
    monkeypatch.setattr(reader_py, "websocket_mask", changed)
    assert_refuses(dropin, "websocket_mask")
    assert writer.websocket_mask is reader_py.websocket_mask is changed


@pytest.mark.parametrize("name", ["_feed_data", "_handle_frame"])
def test_refuses_a_changed_reader(monkeypatch, no_extensions, name):
    own = reader_py.WebSocketReader.__dict__[name]

    def changed(self, *args):
        return own(self, *args)  # the same calls, but not the code mirrored

    monkeypatch.setattr(reader_py.WebSocketReader, name, changed)
    # One digest covers both methods: the first swap checked names it.
    assert_refuses(dropin, "WebSocketReader._feed_data")
    # The masker, whose own check passes, was not swapped either.
    assert writer.websocket_mask is reader_py.websocket_mask is python_mask
    assert reader_py.WebSocketReader.__dict__[name] is changed
