#!/usr/bin/env bash
# autobahn's own tests (shipped inside the installed package), without and
# with wscodec.integrations.autobahn.install(): trial (Twisted) and pytest
# (asyncio), each with autobahn's NVX accelerators (its default) and
# without them (AUTOBAHN_USE_NVX=0).  Budget: 3 minutes on 2 idle cores
# (measured: 8.6 minutes beside the aiohttp suite on a 2-core machine at
# load 13, where the three of autobahn, aiohttp and websockets took 9.8
# minutes and 3.1 minutes of CPU).
source "$(dirname "$0")/_lib.sh"
# With the extras its WAMP tests import.
AUTOBAHN=$(release "autobahn[twisted,encryption,scram,compress,serialization]" 26.10.2)
done_if_newest_is_pinned
py=$(make_venv autobahn "$AUTOBAHN" \
    "pytest>=8.3,<9" "pytest-asyncio>=0.24,<2")
pkg=$("$py" -I -c 'import autobahn, os; print(os.path.dirname(autobahn.__file__))')
"$py" -I -c 'import autobahn.websocket as w, sys; sys.exit(not w.HAS_NVX)' \
    || { echo "autobahn's NVX extension did not build: the default configuration cannot be tested" >&2; exit 1; }

# trial prints "module.Class.test ... [OK]" (a test's own output may come
# between the two); compare.py reads unittest's "test (module.Class.test) ... ok".
trial_as_unittest() {
    sed -E -i \
        -e 's/^(([A-Za-z0-9_.]+)\.([A-Za-z0-9_]+)) \.\.\. /\3 (\1) ... /' \
        -e 's/\[OK\]$/ ... ok/; s/\[SKIPPED\]$/ ... skipped/' \
        -e 's/\[(FAIL|ERROR|EXPECTED FAILURE|UNEXPECTED SUCCESS)\]$/ ... FAIL/' "$@"
}

cd "$DROPIN_WORK/autobahn"  # trial writes its _trial_temp here
for nvx in default 0; do
    if [ "$nvx" = 0 ]; then export AUTOBAHN_USE_NVX=0; else unset AUTOBAHN_USE_NVX; fi
    name=autobahn-trial-nvx-$nvx
    mkdir -p "$DROPIN_WORK/$name"
    # The Twisted half of autobahn's own "test-twisted" recipe.
    USE_TWISTED=1 run_twice "$name" "$py" autobahn unittest twisted.trial --reporter=bwverbose --no-recurse \
        autobahn.test autobahn.twisted.test autobahn.websocket.test autobahn.rawsocket.test \
        autobahn.wamp.test autobahn.nvx.test
    trial_as_unittest "$DROPIN_WORK/$name"/{plain,dropin}.txt
    compare "$name" 300

    name=autobahn-pytest-nvx-$nvx
    mkdir -p "$DROPIN_WORK/$name"
    # The asyncio half, on the WebSocket packages (the WAMP and import-time
    # tests are run by trial above or start fresh interpreters).
    USE_ASYNCIO=1 run_twice "$name" "$py" autobahn junit pytest -q -p no:cacheprovider \
        "$pkg/websocket" "$pkg/nvx" "$pkg/asyncio"
    compare "$name" 100
done
