"""permessage-deflate settings for a server with many connections: for each
window size and memLevel, what one connection holds once a message has gone
each way, how well two kinds of traffic compress, and how fast.

    python benchmarks/deflate_settings.py [--messages N]

Context takeover on (what browsers get by default), compress_level 6, one
compressor (the server's sends) and one decompressor (what it inflates with
the same window).  Memory is tracemalloc's count of what zlib allocated,
after the first message.  The table is docs/deflate.md's "Choosing server
settings".
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
import tracemalloc

from wscodec import PerMessageDeflate
from wscodec._bench import data

SETTINGS = ((15, 8), (15, 5), (13, 6), (13, 5), (12, 5), (11, 4), (10, 3), (9, 1))


def ticker(count: int, seed: int = 7692) -> list[bytes]:
    """Price updates as an exchange feed pushes them: a few dozen symbols,
    prices in a random walk, sizes and timestamps that change every time."""
    rng = random.Random(seed)
    symbols = {f"{rng.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}{rng.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}"
               f"{rng.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}-USD": rng.uniform(1, 500) for _ in range(40)}
    names, ts, out = list(symbols), 1767225600000, []
    for _ in range(count):
        symbol = rng.choice(names)
        symbols[symbol] *= 1 + rng.gauss(0, 0.0005)
        price = symbols[symbol]
        ts += rng.randrange(1, 400)
        spread = price * rng.uniform(0.0001, 0.001)
        out.append(json.dumps({
            "type": "ticker", "symbol": symbol, "price": f"{price:.4f}", "bid": f"{price - spread:.4f}",
            "ask": f"{price + spread:.4f}", "size": f"{rng.expovariate(0.1):.3f}", "ts": ts,
        }, separators=(",", ":")).encode())
    return out


def chat(count: int) -> list[bytes]:
    """Chat messages in English with emoji, as JSON lines (the bench's chat corpus)."""
    lines = data.utf8_corpus("chat-json", 4 * data.MiB).split(b"\n")[1:-1]
    return lines[:count]


def held(make) -> tuple[object, int]:
    gc.collect()
    tracemalloc.start()
    try:
        obj = make()
        return obj, tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def measure(bits: int, mem_level: int, messages: list[bytes]) -> dict[str, float]:
    deflate = PerMessageDeflate(server_max_window_bits=bits, mem_level=mem_level)
    compressor = deflate.make_compressor("server")
    decompressor = deflate.make_decompressor("client")
    # The zlib state is made by the first message: count it there.
    first, compressor_bytes = held(lambda: compressor.compress(messages[0]))
    _, decompressor_bytes = held(lambda: (decompressor.decompress(first, 1 << 20),
                                          decompressor.end_message(1 << 20)))
    best = float("inf")
    for _ in range(5):
        sender, receiver = deflate.make_compressor("server"), deflate.make_decompressor("client")
        start = time.perf_counter()
        compressed = 0
        for message in messages:
            out = sender.compress(message)
            receiver.decompress(out, 1 << 20)
            receiver.end_message(1 << 20)
            compressed += len(out)
        best = min(best, time.perf_counter() - start)
    raw = sum(map(len, messages))
    return {"compressor": compressor_bytes / 1024, "decompressor": decompressor_bytes / 1024,
            "ratio": compressed / raw, "us": best / len(messages) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000, help="messages per corpus (default 2000)")
    args = parser.parse_args()
    corpora = {"ticker": ticker(args.messages), "chat": chat(args.messages)}
    for name, messages in corpora.items():
        print(f"{name}: {len(messages)} messages, {sum(map(len, messages)) / len(messages):.0f} bytes on average")
    print()
    print("| window bits, mem_level | compressor | decompressor | ticker: compressed size | ticker: us/message"
          " | chat: compressed size | chat: us/message |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for bits, mem_level in SETTINGS:
        ticks, chats = (measure(bits, mem_level, corpora[k]) for k in ("ticker", "chat"))
        print(f"| {bits}, {mem_level} | {ticks['compressor']:.0f} KiB | {ticks['decompressor']:.0f} KiB"
              f" | {ticks['ratio']:.1%} | {ticks['us']:.1f} | {chats['ratio']:.1%} | {chats['us']:.1f} |")


if __name__ == "__main__":
    main()
