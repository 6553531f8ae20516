#!/usr/bin/env bash
# The whole test suite against an extension built with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang), the ASan runtime preloaded into the
# interpreter.  Any sanitizer report fails the step: halt_on_error stops the
# process at the first report, and the log is searched for reports too (a
# report in a child process that a test tolerated must still fail the run).
#
# Budget: about 6 minutes on a 2-core machine (build ~1.5 min, suite ~4 min).
#
# Settings and why:
# - PYTHONMALLOC=malloc: pymalloc carves small objects out of 256 KiB arenas,
#   so an overflow between two of them is invisible to ASan; plain malloc
#   gives every object its own redzones.
# - detect_leaks=0: CPython deliberately keeps interned strings, static types
#   and module state alive at exit, which LeakSanitizer reports by the
#   thousand.  Leaks of wscodec's own objects are held to zero by
#   tests/test_memory.py (tracemalloc, RSS and reference counts) instead.
# - -fno-sanitize-recover=all: every UBSan finding aborts, like ASan's; the
#   one check exempted by .ci/ubsan-suppressions.txt must stay recoverable
#   to be suppressible (halt_on_error=1 still stops at any other report).
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/_lib.sh"
cd "$ROOT"
PYTHON=${PYTHON:-python3}
VENV=${SANITIZER_VENV:-.venv-sanitizers}
LOG=${SANITIZER_LOG:-/tmp/wscodec-sanitizers.log}

if ! command -v clang-14 >/dev/null && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-14 libclang-rt-14-dev >/dev/null
fi
if ! command -v clang-14 >/dev/null; then
    banner "SANITIZERS NOT RUN: clang-14 is not installed and apt-get is unavailable" >&2
    exit 1
fi
ASAN_RT=$(clang-14 -print-file-name=libclang_rt.asan-x86_64.so)
if [ ! -f "$ASAN_RT" ]; then
    banner "SANITIZERS NOT RUN: no $ASAN_RT (Debian package libclang-rt-14-dev)" >&2
    exit 1
fi

# build/ may hold extension modules of an earlier layout, which the install
# would pick up; this build must contain exactly what the sources make.
rm -rf "$VENV" build
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q 'Cython>=3.1,<4' 'setuptools>=77' pytest hypothesis websockets wsproto aiohttp
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fsanitize-recover=pointer-overflow -fno-omit-frame-pointer"
# -shared-libasan: the extension uses the runtime preloaded into the
# interpreter instead of linking a second static copy.
CC=clang-14 LDSHARED="clang-14 -shared" CFLAGS="$SAN -g" LDFLAGS="$SAN -shared-libasan" \
    WSCODEC_REQUIRE_EXTENSIONS=1 "$VENV/bin/pip" install -q --no-cache-dir --no-build-isolation "$ROOT"

# Reports go to files as well as stderr: pytest captures a test's stderr, and
# a process that aborts takes the captured text with it.
REPORTS=$(mktemp -d /tmp/wscodec-sanitizer-reports.XXXXXX)
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:log_path=$REPORTS/asan
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$ROOT/.ci/ubsan-suppressions.txt:log_path=$REPORTS/ubsan
# ASan keeps freed memory in quarantine, so RSS growth means nothing here:
# tests/test_memory.py skips its RSS checks (they run in the other lanes).
export WSCODEC_SANITIZED=1
# Only the interpreter (and the processes it starts) gets the runtime: the
# shell's own tools (mktemp, tee, grep) are not built for it.
sanitized() { LD_PRELOAD=$ASAN_RT PYTHONMALLOC=malloc "$@"; }
# The pure lane adds nothing here (no native code runs), and the wheel,
# Autobahn and build-matrix checks run elsewhere in .ci/run.
status=0
(cd /tmp && sanitized "$ROOT/$VENV/bin/python" -c 'import wscodec, sys; print(wscodec.__file__, wscodec.BACKEND); sys.exit(wscodec.BACKEND != "native")') \
    2>&1 | tee "$LOG" || status=$?
if [ "$status" -eq 0 ]; then
    sanitized "$VENV/bin/python" -I -m pytest tests -q -p no:cacheprovider 2>&1 | tee -a "$LOG" || status=$?
fi
if ls "$REPORTS"/* >/dev/null 2>&1 || grep -qE "ERROR: AddressSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer" "$LOG"; then
    banner "SANITIZER REPORT (see $REPORTS and $LOG)" >&2
    cat "$REPORTS"/* 2>/dev/null | head -80 >&2
    grep -nE -A20 "ERROR: AddressSanitizer|runtime error:" "$LOG" | head -80 >&2
    exit 1
fi
echo "sanitizers: no report"
exit "$status"
