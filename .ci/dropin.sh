#!/usr/bin/env bash
# The drop-ins proven by the libraries' own test suites: every
# .ci/dropin/<library>.sh installs that library from the package registry
# into a venv of its own, takes the tests that the registry ships, and runs
# them twice, without and with the library's install().  The two pass sets
# must be identical.  Each script runs at two releases of its libraries:
# the pinned one it names, and the newest one the registry serves (what a
# user installs today; skipped where that is the pinned one).  On the
# newest, install() may instead refuse, if the code it replaces changed:
# the run then prints a DROP-IN INACTIVE banner and passes.
# Usage: bash .ci/dropin.sh [library ...]
# DROPIN_JOBS scripts run at a time (default 2: much of each is pip and
# network-bound tests); DROPIN_RELEASES picks the releases ("pinned
# newest").  Budget: about 12 minutes on 2 cores for all of them at one
# release (wsproto, uvicorn, websocket-client and tornado with the shared
# wheel build: 6.5 minutes measured on a loaded 2-core machine), plus the
# suites of the libraries whose newest release is not the pinned one.
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
    local release=$1 script=$2 name t0 status=0
    name=$(basename "$script" .sh)
    t0=$SECONDS
    mkdir -p "$DROPIN_WORK/$release"
    DROPIN_RELEASE=$release DROPIN_WORK="$DROPIN_WORK/$release" bash "$script" \
        >"$DROPIN_WORK/$release/$name.out" 2>&1 || status=$?
    echo "$status $((SECONDS - t0))" >"$DROPIN_WORK/$release/$name.status"
}

releases=(${DROPIN_RELEASES:-pinned newest})
for release in "${releases[@]}"; do
    for script in "${scripts[@]}"; do
        while [ "$(jobs -rp | wc -l)" -ge "${DROPIN_JOBS:-2}" ]; do wait -n || true; done
        run_one "$release" "$script" &
    done
done
wait

failed=()
inactive=()
for release in "${releases[@]}"; do
    for script in "${scripts[@]}"; do
        name=$(basename "$script" .sh)
        out="$DROPIN_WORK/$release/$name.out"
        printf '\n---- drop-in suite: %s, %s release\n' "$name" "$release"
        grep -v "^WARNING: Location" "$out" || true
        read -r status seconds <"$DROPIN_WORK/$release/$name.status" || { status=1; seconds=?; }
        if [ "$status" -ne 0 ]; then
            printf -- '---- %s (%s): FAILED (%s s)\n' "$name" "$release" "$seconds"
            failed+=("$name ($release)")
        elif grep -q "^!!! DROP-IN INACTIVE" "$out"; then
            printf -- '---- %s (%s): DROP-IN INACTIVE, install() refused the release (%s s)\n' "$name" "$release" "$seconds"
            inactive+=("$name ($release)")
        elif grep -q "^the newest releases are the pinned ones" "$out"; then
            printf -- '---- %s (%s): the pinned release, run above\n' "$name" "$release"
        else
            printf -- '---- %s (%s): identical pass sets (%s s)\n' "$name" "$release" "$seconds"
        fi
    done
done
if [ ${#inactive[@]} -gt 0 ]; then
    banner "drop-ins that refused the newest release (users of it get no speedup): ${inactive[*]}"
fi
if [ ${#failed[@]} -gt 0 ]; then
    echo "drop-in suites failed: ${failed[*]}" >&2
    exit 1
fi
