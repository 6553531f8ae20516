#!/usr/bin/env bash
# websockets ships no tests in its sdist or wheel, so its own suite cannot run
# here (docs/dropin-websockets.md gives the by-hand run over its repository and the
# counts).  What CI runs: wscodec's tests of the drop-in, which drive
# websockets' own Sans-I/O protocol and asyncio connections with and without
# install(), against websockets with its C extension (install() replaces
# the frame parser) and built without it (BUILD_EXTENSION=no, its pure-Python
# fallback, where install() replaces the masker and the frame parser).  Budget: 1 minute
# (measured: 70 s on a 2-core machine at load 13; 20 s at load 2 with the
# wscodec wheel already built).
source "$(dirname "$0")/_lib.sh"
WEBSOCKETS=$(release websockets 17.4)
done_if_newest_is_pinned
TESTS=("$ROOT/tests/test_dropin_websockets.py" "$ROOT/tests/test_dropin_websockets_parse.py")

sdist=$(unpack_sdist websockets "$WEBSOCKETS")
if find "$sdist" -name 'test_*.py' | grep -q .; then
    echo "websockets' sdist now ships tests: run them here instead of wscodec's own" >&2
    exit 1
fi
banner "websockets: its own test suite is not on the package registry; not run by CI"

cd "$DROPIN_WORK"
for build in compiled pure; do
    if [ "$build" = pure ]; then
        py=$(BUILD_EXTENSION=no make_venv "websockets-$build" --no-binary websockets "$WEBSOCKETS" \
            "pytest>=8.3,<9")
        "$py" -I -c 'import importlib.util as u, sys; sys.exit(u.find_spec("websockets.speedups") is not None)' \
            || { echo "websockets was built with its C extension" >&2; exit 1; }
    else
        py=$(make_venv "websockets-$build" "$WEBSOCKETS" "pytest>=8.3,<9")
        "$py" -I -c 'import websockets.speedups'
    fi
    probe_install "$py" websockets "websockets-$build"
    echo "websockets ($build):"
    "$py" -I -m pytest -q -p no:cacheprovider -rs "${TESTS[@]}"
done
