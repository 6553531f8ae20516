#!/usr/bin/env bash
# The drop-ins proven by the libraries' own test suites: every
# .ci/dropin/<library>.sh installs that library at a pinned version from the
# package registry into a venv of its own, takes the tests that the registry
# ships, and runs them twice, without and with the library's install().  The
# two pass sets must be identical.  Usage: bash .ci/dropin.sh [library ...]
# Budget: about 10 minutes on 2 cores (each script prints its own time).
set -euo pipefail
cd "$(dirname "$0")/.."
export DROPIN_WORK=${DROPIN_WORK:-$(mktemp -d /tmp/wscodec-dropin.XXXXXX)}
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ $# -gt 0 ]; then
    scripts=()
    for lib in "$@"; do scripts+=(".ci/dropin/$lib.sh"); done
else
    scripts=(.ci/dropin/[!_]*.sh)
fi

failed=()
for script in "${scripts[@]}"; do
    name=$(basename "$script" .sh)
    t0=$SECONDS
    printf '\n---- drop-in suite: %s\n' "$name"
    if bash "$script"; then
        printf -- '---- %s: identical pass sets (%d s)\n' "$name" $((SECONDS - t0))
    else
        printf -- '---- %s: FAILED (%d s)\n' "$name" $((SECONDS - t0))
        failed+=("$name")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "drop-in suites failed: ${failed[*]}" >&2
    exit 1
fi
