"""Instructions per call of the smallest hot calls, under callgrind.

    python tests/tools/callgrind_counts.py [--calls N] [--python PY]

Runs each case under ``valgrind --tool=callgrind`` with N and with 2N
repetitions and prints (count(2N) - count(N)) / N: the interpreter's
start-up and the setup cancel out, and what remains is one repetition of
the statement (plus one turn of a ``for`` loop).  Instruction counts do not
depend on the machine's load, so two builds compare exactly where wall-clock
timings on a shared machine do not.  It measures the wscodec that PY imports
(with -I: the installed one, never the checkout).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

# name: (setup, statement); both run inside a function, on local names.
CASES = {
    "apply_mask 16 B": (
        "apply_mask = wscodec.apply_mask; data = b'x' * 16; key = b'abcd'",
        "apply_mask(data, key)",
    ),
    "MessageDecoder.feed 20 B frame": (
        "feed = wscodec.MessageDecoder(role='server').feed;"
        "frame = wscodec.encode_frame(wscodec.Opcode.BINARY, b'y' * 20, mask=b'abcd')",
        "feed(frame)",
    ),
    "MessageEncoder.text 20 B": (
        "text = wscodec.MessageEncoder(role='server').text; s = 'z' * 20",
        "text(s)",
    ),
    "4 attribute reads (Message.data, .opcode, Frame.payload, .fin)": (
        "m = wscodec.MessageDecoder(role='client').feed(wscodec.encode_frame(1, b'hello'))[0];"
        "f = wscodec.FrameDecoder(role='client').feed(wscodec.encode_frame(2, b'hello'))[0]",
        "m.data; m.opcode; f.payload; f.fin",
    ),
}

# gc off: a collection lands on a different repetition in each run and would
# only add noise (everything made here is freed by reference counting).
_PROGRAM = """\
import gc, wscodec
def run(n):
    {setup}
    gc.disable()
    for _ in range(n):
        {statement}
run({n})
"""
# Fixed addresses (no ASLR) make the counts repeatable from run to run.
_NO_ASLR = ["setarch", "-R"] if shutil.which("setarch") else []


def _count(python, case, n):
    setup, statement = case
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        env = dict(os.environ, PYTHONHASHSEED="0")
        subprocess.run(
            [*_NO_ASLR, "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", python, "-I", "-c",
             _PROGRAM.format(setup=setup, statement=statement, n=n)],
            check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        with open(out) as f:
            totals = re.search(r"^totals:\s+(\d+)", f.read(), re.M)
        return int(totals.group(1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000, help="N (default 20000)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to measure")
    parser.add_argument("--repeat", type=int, default=3, help="pairs of runs per case; the median is shown")
    args = parser.parse_args(argv)
    probe = subprocess.run([args.python, "-I", "-c", "import wscodec; print(wscodec.BACKEND, wscodec.SIMD)"],
                           check=True, capture_output=True, text=True)
    print(f"# {args.python}: backend/SIMD {probe.stdout.strip()}, N = {args.calls}")
    for name, case in CASES.items():
        # Start-up varies by a few hundred thousand instructions between runs
        # of the same program: the median of several pairs is what to compare.
        per_call = sorted(
            (_count(args.python, case, 2 * args.calls) - _count(args.python, case, args.calls)) / args.calls
            for _ in range(args.repeat)
        )
        spread = ", ".join(f"{v:.1f}" for v in per_call)
        print(f"{name}: {statistics.median(per_call):.1f} instructions per repetition (runs: {spread})")


if __name__ == "__main__":
    main()
