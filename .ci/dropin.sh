#!/usr/bin/env bash
# The drop-ins proven by the libraries' own test suites: every
# .ci/dropin/<library>.sh installs that library at a pinned version from the
# package registry into a venv of its own, takes the tests that the registry
# ships, and runs them twice, without and with the library's install().  The
# two pass sets must be identical.  Usage: bash .ci/dropin.sh [library ...]
# DROPIN_JOBS scripts run at a time (default 2: much of each is pip and
# network-bound tests).  Budget: about 12 minutes on 2 cores for all of them
# (wsproto, uvicorn, websocket-client and tornado with the shared wheel build:
# 6.5 minutes measured on a loaded 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/.."
export DROPIN_WORK=${DROPIN_WORK:-$(mktemp -d /tmp/wscodec-dropin.XXXXXX)}
export PIP_DISABLE_PIP_VERSION_CHECK=1
source .ci/dropin/_lib.sh

if [ $# -gt 0 ]; then
    scripts=()
    for lib in "$@"; do scripts+=(".ci/dropin/$lib.sh"); done
else
    scripts=(.ci/dropin/[!_]*.sh)
fi

# One wheel for every script, built before they run side by side.
WSCODEC_WHEEL=$(wscodec_wheel)
export WSCODEC_WHEEL
echo "wscodec wheel: $WSCODEC_WHEEL"

run_one() {
    local script=$1 name t0 status=0
    name=$(basename "$script" .sh)
    t0=$SECONDS
    bash "$script" >"$DROPIN_WORK/$name.out" 2>&1 || status=$?
    echo "$status $((SECONDS - t0))" >"$DROPIN_WORK/$name.status"
}

for script in "${scripts[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "${DROPIN_JOBS:-2}" ]; do wait -n || true; done
    run_one "$script" &
done
wait

failed=()
for script in "${scripts[@]}"; do
    name=$(basename "$script" .sh)
    printf '\n---- drop-in suite: %s\n' "$name"
    grep -v "^WARNING: Location" "$DROPIN_WORK/$name.out" || true
    read -r status seconds <"$DROPIN_WORK/$name.status" || { status=1; seconds=?; }
    if [ "$status" -eq 0 ]; then
        printf -- '---- %s: identical pass sets (%s s)\n' "$name" "$seconds"
    else
        printf -- '---- %s: FAILED (%s s)\n' "$name" "$seconds"
        failed+=("$name")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "drop-in suites failed: ${failed[*]}" >&2
    exit 1
fi
