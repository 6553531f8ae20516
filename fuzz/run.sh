#!/usr/bin/env bash
# Run every atheris harness in fuzz/ for FUZZ_SECONDS each (default 60) on
# the wscodec that $PYTHON imports (default: python3).  Fails on any finding;
# the input that found it is left in $FUZZ_OUT (default fuzz/out/) as
# crash-*, and replays with `$PYTHON fuzz/<harness>.py crash-file`.
#
#   FUZZ_SECONDS=14400 PYTHON=.venv/bin/python bash fuzz/run.sh   # hours
#
# New corpus entries accumulate in $FUZZ_OUT/<harness>/; the seeds in
# fuzz/corpus/ are only read.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
SECONDS_EACH=${FUZZ_SECONDS:-60}
OUT=${FUZZ_OUT:-fuzz/out}
HARNESSES=${HARNESSES:-"differential misuse"}
status=0
for harness in $HARNESSES; do
    mkdir -p "$OUT/$harness"
    log="$OUT/$harness.log"
    echo "== fuzz/$harness.py for ${SECONDS_EACH}s (log: $log)"
    if "$PYTHON" "fuzz/$harness.py" "$OUT/$harness" "fuzz/corpus/$harness" \
        -max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$OUT/$harness-" >"$log" 2>&1; then
        grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::average_exec_per_sec)" "$log" || true
        echo "   corpus: $(ls "$OUT/$harness" | wc -l) entries"
    else
        echo "!! fuzz/$harness.py found a problem:" >&2
        grep -v '^"' "$log" | tail -40 >&2
        status=1
    fi
done
exit "$status"
