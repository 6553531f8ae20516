"""aiohttp's pure-Python ``WebSocketReader`` with and without the drop-in's
payload path: every message (type, value and the value's type), every
error, and the reader's and queue's state after every read, for streams of
every kind of frame split at random points, on both wscodec backends."""

import asyncio
import random

import pytest

pytest.importorskip("aiohttp")
import test_dropin_aiohttp as shared  # noqa: E402
from aiohttp._websocket import reader_py, writer  # noqa: E402

import wire  # noqa: E402
from dropins import assert_refuses, install_or_skip  # noqa: E402
from wscodec.integrations import _aiohttp_reader  # noqa: E402
from wscodec.integrations import aiohttp as dropin  # noqa: E402

Reader = reader_py.WebSocketReader
mine, no_extensions = shared.mine, shared.no_extensions  # fixtures

if not _aiohttp_reader.is_mirrored(reader_py):
    # test_dropin_aiohttp proves that install() then refuses cleanly.
    pytest.skip("this aiohttp's reader is not the one the drop-in mirrors: install() refuses it",
                allow_module_level=True)


def _stream(rng):
    """Frames a server may receive, valid and not, most of them masked."""
    out = []
    for _ in range(rng.randrange(1, 7)):
        mask = rng.randbytes(4) if rng.random() < 0.85 else None
        size = rng.choice([0, 1, 20, 125, 126, 1024, 65535, 65536, 70000])
        kind = rng.randrange(12)
        if kind == 0:
            out.append(wire.frame(1, "äöü €".encode() * (size // 9), mask=mask))
        elif kind == 1:
            out.append(wire.frame(2, rng.randbytes(size), mask=mask))
        elif kind == 2:  # a fragmented message with a control frame inside
            out.append(wire.frame(1, "日本".encode() * (size // 12), fin=False, mask=mask))
            out.append(wire.frame(rng.choice([9, 10]), rng.randbytes(rng.randrange(126)), mask=mask))
            out.append(wire.frame(0, "語".encode() * (size // 6), mask=mask))
        elif kind == 3:
            out.append(wire.frame(1, b"bad \xff utf-8", mask=mask))
        elif kind == 4:
            out.append(wire.frame(8, (1000).to_bytes(2, "big") + b"bye", mask=mask))
        elif kind == 5:  # compressed, needs compress=True
            out.append(wire.frame(rng.choice([1, 2]), wire.deflated(b"compress me " * (size // 12 + 1)), rsv=4, mask=mask))
        elif kind == 6:
            out.append(wire.frame(2, rng.randbytes(size), fin=False, mask=mask))
            out.append(wire.frame(0, rng.randbytes(size), fin=False, mask=mask))
            out.append(wire.frame(0, b"end", mask=mask))
        elif kind == 7:
            out.append(wire.frame(rng.choice([3, 11]), b"reserved opcode", mask=mask))
        elif kind == 8:
            out.append(wire.frame(2, b"reserved bits", rsv=rng.choice([1, 2]), mask=mask))
        elif kind == 9:
            out.append(wire.frame(0, b"continuation of nothing", mask=mask))
        elif kind == 10:  # a length in 8 bytes whatever the size
            out.append(wire.frame(2, rng.randbytes(size % 300), form=64, mask=mask))
        else:
            out.append(wire.frame(9, b"", fin=False, mask=mask))  # fragmented control frame
    return b"".join(out)


class _Protocol:
    def __init__(self):
        self._reading_paused = False

    def pause_reading(self):
        self._reading_paused = True

    def resume_reading(self):
        self._reading_paused = False


_STATE = ("_state", "_tail", "_partial", "_payload_fragments", "_payload_buffer", "_frame_payload_len",
          "_payload_bytes_to_read", "_opcode", "_frame_fin", "_frame_opcode", "_compressed", "_has_mask",
          "_frame_mask", "_payload_len_flag")


def _snapshot(parser, queue):
    state = tuple((name, type(v := getattr(parser, name)).__name__, bytes(v) if isinstance(v, bytearray) else v)
                  for name in _STATE if name != "_payload_fragments")
    return state, list(parser._payload_fragments), queue._size, queue._stalled_reader is not None


def _read(stream, rng, *, max_msg_size, compress, decode_text, limit):
    async def run():
        queue = reader_py.WebSocketDataQueue(_Protocol(), limit, loop=asyncio.get_running_loop())
        parser = Reader(queue, max_msg_size, compress=compress, decode_text=decode_text)
        log, pos = [], 0
        while pos < len(stream):
            step = rng.choice([1, 2, 3, 7, rng.randrange(1, 200), rng.randrange(1, 80000)])
            try:
                result = parser.feed_data(stream[pos : pos + step])
            except Exception as exc:  # noqa: BLE001 - compared below
                result = repr(exc)
            pos += step
            log.append((result, _snapshot(parser, queue)))
            while rng.random() < 0.7 and queue._buffer:
                msg = await queue.read()
                log.append(("read", msg.type, msg.data, type(msg.data).__name__, msg.extra))
        exc = queue.exception()
        log.append(("end", repr(exc), type(exc.__cause__).__name__ if exc else None, getattr(exc, "code", None)))
        while queue._buffer:
            msg = await queue.read()
            log.append(("read", msg.type, msg.data, type(msg.data).__name__, msg.extra))
        return log

    return asyncio.run(run())


@pytest.mark.parametrize("max_msg_size", [0, 1000, 70000, 4 * 2**20])
@pytest.mark.parametrize("compress", [False, True])
def test_reader_reads_and_fails_the_same(mine, no_extensions, max_msg_size, compress):
    rng = random.Random(f"{max_msg_size}/{compress}")
    for trial in range(25):
        stream, seed = _stream(rng), rng.random()
        settings = dict(max_msg_size=max_msg_size, compress=compress, decode_text=rng.random() < 0.8,
                        limit=rng.choice([16, 2**16]))
        stock = _read(stream, random.Random(seed), **settings)
        install_or_skip(mine)
        assert Reader.__dict__["_feed_data"].__module__ == _aiohttp_reader.__name__
        dropped_in = _read(stream, random.Random(seed), **settings)
        mine.uninstall()
        assert Reader.__dict__["_feed_data"].__module__ == reader_py.__name__
        assert dropped_in == stock, (trial, settings)


def test_oversized_frame_is_refused_before_its_payload_arrives(mine, no_extensions):
    install_or_skip(mine)

    async def run():
        queue = reader_py.WebSocketDataQueue(_Protocol(), 2**16, loop=asyncio.get_running_loop())
        parser = Reader(queue, 1000, compress=False, decode_text=True)
        header = wire.frame(2, bytes(2**20), mask=b"abcd")[:14]  # header and mask only
        assert parser.feed_data(header) == (True, b"")
        with pytest.raises(reader_py.WebSocketError) as caught:
            await queue.read()
        return caught.value

    error = asyncio.run(run())
    assert error.code == 1009 and str(error) == "Message size 1048576 exceeds limit 1000"


def test_masked_control_payloads_stay_bytearrays(mine, no_extensions):
    install_or_skip(mine)

    async def run():
        queue = reader_py.WebSocketDataQueue(_Protocol(), 2**16, loop=asyncio.get_running_loop())
        parser = Reader(queue, 0, compress=False, decode_text=True)
        parser.feed_data(wire.frame(9, b"ping", mask=b"wxyz") + wire.frame(2, b"data", mask=b"wxyz"))
        return [await queue.read(), await queue.read()]

    ping, binary = asyncio.run(run())
    assert ping.data == bytearray(b"ping") and type(ping.data) is bytearray
    assert binary.data == b"data" and type(binary.data) is bytes


def test_only_over_the_reader_it_mirrors(monkeypatch, no_extensions):
    monkeypatch.setattr(_aiohttp_reader, "MIRRORED", frozenset())
    assert_refuses(dropin, "WebSocketReader._feed_data")
    assert reader_py.websocket_mask is shared.python_mask
    assert Reader.__dict__["_feed_data"].__module__ == reader_py.__name__


def test_not_installed_over_the_compiled_masker(monkeypatch):
    dropin.uninstall()
    monkeypatch.setattr(reader_py, "websocket_mask", lambda mask, data: None)
    monkeypatch.setattr(writer, "websocket_mask", lambda mask, data: None)
    try:
        assert dropin.install()
        assert Reader.__dict__["_feed_data"].__module__ == reader_py.__name__
    finally:
        dropin.uninstall()
