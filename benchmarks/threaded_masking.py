"""Two threads masking 64 MiB each against one thread masking 64 MiB.

The native backend releases the GIL for large buffers, so on a machine with
two free cores the two-thread run should take about as long as the
one-thread run (ratio near 1.0); with the GIL held it would take twice as
long (ratio near 2.0).  Prints the best of several rounds of each, taken
interleaved so load from other processes hits both alike.

    python benchmarks/threaded_masking.py [--rounds 7] [--mib 64]
"""

import argparse
import threading
import time

import wscodec

KEY = b"\x37\xfa\x21\x3d"


def one(buffers):
    start = time.perf_counter()
    wscodec.mask_inplace(buffers[0], KEY)
    return time.perf_counter() - start


def two(buffers):
    threads = [threading.Thread(target=wscodec.mask_inplace, args=(b, KEY)) for b in buffers]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--mib", type=int, default=64)
    args = parser.parse_args()
    buffers = [bytearray(args.mib << 20), bytearray(args.mib << 20)]
    for b in buffers:
        wscodec.mask_inplace(b, KEY)  # fault the pages in
    singles, pairs = [], []
    for _ in range(args.rounds):
        singles.append(one(buffers))
        pairs.append(two(buffers))
    a, b = min(singles), min(pairs)
    print(f"backend {wscodec.BACKEND} ({wscodec.SIMD}), {args.mib} MiB per thread, best of {args.rounds}")
    print(f"one thread : {a * 1e3:8.2f} ms")
    print(f"two threads: {b * 1e3:8.2f} ms  (ratio {b / a:.2f}; 1.0 = fully parallel, 2.0 = serialised)")


if __name__ == "__main__":
    main()
