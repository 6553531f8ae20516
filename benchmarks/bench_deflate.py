"""permessage-deflate round trip of 200-byte JSON-like text messages.

    python -m pytest benchmarks/bench_deflate.py    # pytest-benchmark (ratios.py reads its JSON)
    python benchmarks/bench_deflate.py              # interleaved ratio table, no pytest

Every benchmark compresses and decompresses the same 1000 messages in a row
on one connection (context takeover on, as peers negotiate by default), at
equal zlib settings on both sides:

- ``native`` / ``pure``: wscodec's client ``MessageEncoder.text()``
  (UTF-8 encode, deflate, frame, mask) and a server ``MessageDecoder.feed()``
  (unmask, inflate, validate UTF-8, ``str``): the whole codec.
- ``layer`` (ratio table only): wscodec's deflate layer alone (``make_compressor`` /
  ``make_decompressor``), shared by both backends.
- ``websockets-ext``: websockets' ``PerMessageDeflate`` extension alone,
  ``encode()`` then ``decode()``, with no framing, masking or UTF-8 check.
- ``websockets-frames``: the same plus websockets' frame serialisation
  (masked) and parsing, and the ``str`` decode: what its connection does.

Settings: ``rfc`` is RFC 7692's 32 KiB windows with zlib's defaults (level
6, memLevel 8); ``small`` is websockets' default (12-bit windows, memLevel
5).  The bar: ``native`` no slower than ``websockets`` (which does less).
"""

import importlib
import json
import os
import random
import sys
import timeit
from pathlib import Path

import pytest

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wscodec.deflate import PerMessageDeflate  # noqa: E402

SETTINGS = {
    "rfc": dict(bits=15, level=6, mem_level=8),
    "small": dict(bits=12, level=6, mem_level=5),
}
COUNT = 1000


def make_messages(count=COUNT, size=200, seed=7):
    rnd = random.Random(seed)
    symbols = ["ACME", "INIT", "GLOBEX", "HOOLI", "UMBRELLA", "WAYNE"]
    out = []
    for i in range(count):
        record = {
            "type": "quote",
            "seq": i,
            "symbol": rnd.choice(symbols),
            "bid": round(rnd.uniform(10, 500), 2),
            "ask": round(rnd.uniform(10, 500), 2),
            "volume": rnd.randrange(1, 10**6),
            "venue": rnd.choice(["XNAS", "XNYS", "BATS"]),
            "flags": [rnd.choice("ABCDEFG") for _ in range(3)],
        }
        text = json.dumps(record, separators=(", ", ": "))
        pad = size - len(text) - len(', "note": ""}') + 1
        record["note"] = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(max(pad, 0)))
        text = json.dumps(record, separators=(", ", ": "))
        out.append(text)
    return out


MESSAGES = make_messages()


def _pmd(settings):
    return PerMessageDeflate(
        server_max_window_bits=settings["bits"],
        client_max_window_bits=settings["bits"],
        compress_level=settings["level"],
        mem_level=settings["mem_level"],
        min_size=0,
    )


def wscodec_roundtrip(backend_name, settings):
    backend = importlib.import_module(f"wscodec._{backend_name}")
    pmd = _pmd(settings)
    encoder = backend.MessageEncoder(role="client", deflate=pmd)
    decoder = backend.MessageDecoder(role="server", deflate=pmd, max_message_size=1 << 20)
    text, feed = encoder.text, decoder.feed

    def run():
        for message in MESSAGES:
            (got,) = feed(text(message))
        assert got.data == MESSAGES[-1]

    return run


def wscodec_layer(settings):
    pmd = _pmd(settings)
    compress = pmd.make_compressor("client").compress
    decompressor = pmd.make_decompressor("server")
    decompress, end = decompressor.decompress, decompressor.end_message
    payloads = [m.encode() for m in MESSAGES]
    limit = (1 << 20) + 1

    def run():
        for payload in payloads:
            data = decompress(compress(payload), limit)
            data += end(limit - len(data))
        assert data == payloads[-1]

    return run


def _websockets_pair(settings):
    from websockets.extensions.permessage_deflate import PerMessageDeflate as WsPMD

    compress_settings = {"level": settings["level"], "memLevel": settings["mem_level"]}
    bits = settings["bits"]
    client = WsPMD(False, False, bits, bits, compress_settings)
    server = WsPMD(False, False, bits, bits, compress_settings)
    return client, server


def websockets_ext(settings):
    from websockets.frames import Frame, Opcode

    client, server = _websockets_pair(settings)
    encode, decode = client.encode, server.decode
    payloads = [m.encode() for m in MESSAGES]

    def run():
        for payload in payloads:
            frame = decode(encode(Frame(Opcode.TEXT, payload)), max_size=1 << 20)
        assert frame.data == payloads[-1]

    return run


def websockets_frames(settings):
    from websockets.frames import Frame, Opcode
    from websockets.streams import StreamReader

    client, server = _websockets_pair(settings)
    reader = StreamReader()

    def run():
        for message in MESSAGES:
            wire = Frame(Opcode.TEXT, message.encode()).serialize(mask=True, extensions=[client])
            reader.feed_data(wire)
            parser = Frame.parse(reader.read_exact, mask=True, max_size=1 << 20, extensions=[server])
            try:
                next(parser)
            except StopIteration as done:
                text = done.value.data.decode()
        assert text == MESSAGES[-1]

    return run


def native_available():
    if os.environ.get("WSCODEC_NO_EXTENSIONS", "") not in ("", "0"):
        return False
    try:
        importlib.import_module("wscodec._native")
    except ImportError:
        return False
    return True


CONTENDERS = {
    "native": lambda s: wscodec_roundtrip("native", s),
    "pure": lambda s: wscodec_roundtrip("pure", s),
    "websockets": websockets_ext,
    "websockets-frames": websockets_frames,
}


@pytest.mark.parametrize("settings", sorted(SETTINGS))
@pytest.mark.parametrize("name", list(CONTENDERS))
def test_deflate_roundtrip(benchmark, name, settings):
    if name == "native" and not native_available():
        pytest.skip("native backend not built")
    if name.startswith("websockets"):
        pytest.importorskip("websockets")
    benchmark.group = f"deflate round trip, {COUNT} x 200 B JSON, {settings}"
    run = CONTENDERS[name](SETTINGS[settings])
    run()  # checks the result before timing
    benchmark.pedantic(run, rounds=15, warmup_rounds=2)


def main():
    """Interleaved best-of rounds; ratios against websockets' extension."""
    contenders = {**CONTENDERS, "layer": wscodec_layer}
    if not native_available():
        del contenders["native"]
    for label, settings in SETTINGS.items():
        runs = {name: factory(settings) for name, factory in contenders.items()}
        best = dict.fromkeys(runs, float("inf"))
        for _ in range(15):
            # One round of each in turn, so load elsewhere hits all alike.
            for name, run in runs.items():
                best[name] = min(best[name], timeit.timeit(run, number=1))
        base = best["websockets"]
        print(f"\n{label} {settings}: microseconds per 200-byte message, encode + decode")
        for name, seconds in best.items():
            us = seconds / COUNT * 1e6
            print(f"  {name:18s} {us:7.2f} us   speed vs websockets: {base / seconds:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
