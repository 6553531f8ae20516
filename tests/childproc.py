"""Run a snippet in a child interpreter, so a crash fails one test instead
of killing the whole run.

The child imports the same wscodec as the suite (see conftest.subprocess_env)
and takes the backend from WSCODEC_NO_EXTENSIONS, exactly as a user would.
A child killed by a signal (negative return code: SIGSEGV, SIGABRT from a
sanitizer or an assertion, SIGBUS) is a crash; anything else is the
snippet's own outcome, which it prints.
"""

import signal
import subprocess
import sys
import textwrap

from conftest import NEUTRAL_CWD, subprocess_env

# Shared by every snippet: run one call, print its outcome in a form that can
# be compared across backends (the exception type, never its message).
PRELUDE = '''
import array, copy, gc, mmap, os, pickle, struct, sys, threading, zlib
import wscodec
from wscodec import *

def _show(value):
    if isinstance(value, (bytes, bytearray)) and len(value) > 48:
        return f"{type(value).__name__}[{len(value)}]"
    if isinstance(value, str) and len(value) > 48:
        return f"str[{len(value)}]"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, (int, bool, bytes, str, type(None), tuple)):
        return repr(value)
    if isinstance(value, (Frame, Message)):
        try:
            return repr(value)
        except Exception as exc:
            return f"<repr raised {type(exc).__name__}>"
    return type(value).__name__

def run_threads(copies, *targets):
    threads = [threading.Thread(target=t) for t in targets for _ in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

def attempt(label, fn, *args, **kwargs):
    try:
        value = fn(*args, **kwargs)
    except BaseException as exc:
        print(label, "->", type(exc).__name__, flush=True)
        return exc
    print(label, "=", _show(value), flush=True)
    return value
'''


def backend_env(backend):
    return subprocess_env(WSCODEC_NO_EXTENSIONS="1" if backend == "pure" else "0")


def run_child(code, backend, *, timeout=120, env=None):
    """Run ``code`` (after PRELUDE) on ``backend``; return the completed process.

    Fails the calling test when the child dies from a signal.
    """
    source = PRELUDE + "\n" + textwrap.dedent(code)
    child_env = backend_env(backend)
    if env:
        child_env.update(env)
    proc = subprocess.run(
        [sys.executable, "-c", source],
        cwd=NEUTRAL_CWD,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode < 0:
        try:
            name = signal.Signals(-proc.returncode).name
        except ValueError:
            name = str(-proc.returncode)
        raise AssertionError(
            f"{backend} backend: the interpreter died from {name}\n"
            f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"
        )
    return proc


def outcome(code, backend, **kwargs):
    """The snippet's printed outcome; it must also exit normally."""
    proc = run_child(code, backend, **kwargs)
    assert proc.returncode == 0, f"{backend}: exit {proc.returncode}\n{proc.stderr[-4000:]}"
    return proc.stdout
