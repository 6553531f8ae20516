"""Two threads masking 64 MiB each against one thread masking 64 MiB.

The native backend releases the GIL for large buffers, so on a machine with
two free cores the two-thread run should take about as long as the
one-thread run (ratio near 1.0); with the GIL held it would take twice as
long (ratio near 2.0).  Prints the best of several rounds of each, taken
interleaved so load from other processes hits both alike.

    python benchmarks/threaded_masking.py [--rounds 7] [--mib 64]

Masking runs near memory bandwidth, which two cores share; ``--op utf8``
times validate_utf8 on non-ASCII text instead, a compute-bound loop, for
comparison.
"""

import argparse
import threading
import time

import wscodec

KEY = b"\x37\xfa\x21\x3d"


OPS = {
    "mask": lambda buf: wscodec.mask_inplace(buf, KEY),
    "utf8": wscodec.validate_utf8,
}


def repeat(op, buf, passes):
    for _ in range(passes):
        op(buf)


def one(op, buffers, passes):
    start = time.perf_counter()
    repeat(op, buffers[0], passes)
    return time.perf_counter() - start


def two(op, buffers, passes):
    threads = [threading.Thread(target=repeat, args=(op, b, passes)) for b in buffers]
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
    parser.add_argument("--op", choices=sorted(OPS), default="mask")
    parser.add_argument("--passes", type=int, default=8, help="calls per thread per round (a few ms each)")
    args = parser.parse_args()
    size = args.mib << 20
    if args.op == "utf8":
        text = "héllo wörld ✓ 😀 ".encode()
        buffers = [bytearray(text * (size // len(text))) for _ in range(2)]
    else:
        buffers = [bytearray(size), bytearray(size)]
    op = OPS[args.op]
    for b in buffers:
        op(b)  # fault the pages in
    singles, pairs = [], []
    for _ in range(args.rounds):
        singles.append(one(op, buffers, args.passes))
        pairs.append(two(op, buffers, args.passes))
    a, b = min(singles), min(pairs)
    print(f"{args.op}: backend {wscodec.BACKEND} ({wscodec.SIMD}), {args.mib} MiB x {args.passes} calls per thread, best of {args.rounds}")
    print(f"one thread : {a * 1e3:8.2f} ms")
    print(f"two threads: {b * 1e3:8.2f} ms  (ratio {b / a:.2f}; 1.0 = fully parallel, 2.0 = serialised)")


if __name__ == "__main__":
    main()
