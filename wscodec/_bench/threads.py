"""Independent connections in threads (``--only threads``).

K connections, each with its own decoder (or encoder) and its own stream,
decoded in K threads at once against the same K streams decoded one after
the other in one thread.  On a free-threaded build with the GIL off the
threads can run on K cores; on a GIL build only the parts that release the
GIL (large masking and UTF-8 checks) overlap, so the ratio shows what the
interpreter allows as much as what wscodec does.
"""

import os
import sys
import sysconfig
import threading
import time

from . import data

SIZES = (256, 64 * data.KiB)


def interpreter_line():
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    build = "free-threaded build" if free_threaded else "GIL build"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{sys.implementation.name} {sys.version.split()[0]}, {build}, GIL {'on' if gil else 'off'}; "
            f"{os.cpu_count()} CPUs; load average {load} at the start")


def thread_count():
    count = os.process_cpu_count() if hasattr(os, "process_cpu_count") else os.cpu_count()
    return max(2, count or 2)


def _decode_work(mod, stream):
    chunks, expected = stream.chunks, stream.count

    def work():
        dec = mod.MessageDecoder(role="server", max_message_size=1 << 30)
        n = 0
        for chunk in chunks:
            n += len(dec.feed(chunk))
        if n != expected:
            raise AssertionError(f"decoded {n} messages, expected {expected}")

    return work


def _encode_work(mod, stream):
    messages = stream.messages

    def work():
        text = mod.MessageEncoder(role="server").text
        for m in messages:
            text(m)

    return work


def _wall(works, threaded, passes):
    """Seconds for every work ``passes`` times: one thread after the other,
    or each in a thread of its own, all started together."""
    if not threaded:
        t0 = time.perf_counter()
        for _ in range(passes):
            for work in works:
                work()
        return time.perf_counter() - t0
    barrier = threading.Barrier(len(works) + 1)
    errors = []

    def body(work):
        barrier.wait()
        try:
            for _ in range(passes):
                work()
        except BaseException as exc:  # reported below, not lost in a thread
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(w,)) for w in works]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return elapsed


def measure(works, payload_bytes, quick):
    """Best-of-N throughput (MB/s of payload) in one thread and in K."""
    works[0]()  # warm up
    target = 0.05 if quick else 0.3
    one = _wall(works, False, 1)
    passes = max(1, round(target / max(one, 1e-6)))
    rounds = 3 if quick else 7
    # Alternated, so that both see the same machine: on a shared one, other
    # jobs come and go between rounds.
    single = multi = float("inf")
    for _ in range(rounds):
        single = min(single, _wall(works, False, passes))
        multi = min(multi, _wall(works, True, passes))
    total = payload_bytes * len(works) * passes / 1e6
    return total / single, total / multi


def run(backends, quick=False, progress=None):
    """Returns the section's lines of text."""
    k = thread_count()
    lines = ["", f"== threads: {k} independent connections, one thread each, against the same work in one thread ==",
             interpreter_line(),
             "MB/s of message payload, best of the rounds; ratio = K threads / 1 thread (K = ideal)"]
    header = f"{'backend':8} {'operation':10} {'message':>8} {'1 thread':>10} {f'{k} threads':>10} {'ratio':>7}"
    lines.append(header)
    for size in SIZES:
        count = max(16, (8 if quick else 64) * data.MiB // size // (4 if size < 4096 else 1))
        streams = [data.FrameStream(size, count, seed=i) for i in range(k)]
        for name in ("native", "pure"):
            mod = backends.get(name)
            if mod is None:
                lines.append(f"{name:8} {'-':10} {data.size_label(size):>8} {'not built':>10}")
                continue
            for op, make in (("decode", _decode_work), ("encode", _encode_work)):
                if progress:
                    progress(f"threads {name} {op} {data.size_label(size)} ...", end="")
                t0 = time.perf_counter()
                work_streams = streams if name == "native" else [
                    data.FrameStream(size, max(4, count // 20), seed=i) for i in range(k)]
                single, multi = measure([make(mod, s) for s in work_streams], size * work_streams[0].count, quick)
                lines.append(f"{name:8} {op:10} {data.size_label(size):>8} {single:10.0f} {multi:10.0f} "
                             f"{multi / single:6.2f}x")
                if progress:
                    progress(f" {time.perf_counter() - t0:.1f}s")
        del streams
    return lines
