#!/usr/bin/env bash
# aiohttp's own WebSocket tests (from its sdist), without and with
# wscodec.integrations.aiohttp.install(), with its compiled extensions
# (where install() replaces nothing) and with AIOHTTP_NO_EXTENSIONS=1 (its
# pure-Python reader and writer, where it replaces the masker and the
# reader's payload path).
# Budget: 4 minutes on 2 cores (measured: 3.4 minutes, wheel build and
# downloads included, on a 2-core machine at load 2; 9.1 minutes beside the
# autobahn suite at load 13 when its tests still ran on two xdist workers).
source "$(dirname "$0")/_lib.sh"
AIOHTTP=$(release aiohttp 3.14.5)
done_if_newest_is_pinned
# aiohttp's test-common requirements that its WebSocket tests and pytest.ini import.
py=$(make_venv aiohttp "$AIOHTTP" "pytest>=8.4,<9" pytest-mock pytest-timeout pytest-xdist \
    freezegun trustme blockbuster re-assert coverage)
src=$(unpack_sdist aiohttp "$AIOHTTP")
cd "$src"
tests=(tests/test_websocket_*.py tests/test_web_websocket*.py tests/test_client_ws*.py)
# aiohttp's pytest.ini, minus coverage; its default marker filter kept.  In
# one process: xdist's workers are fresh interpreters where install() never
# ran, so a distributed run would test aiohttp untouched twice.
opts=(-q -p no:cacheprovider -o addopts= -p no:xdist -m "not dev_mode and not autobahn and not internal")
for ext in compiled pure; do
    if [ "$ext" = pure ]; then export AIOHTTP_NO_EXTENSIONS=1; else unset AIOHTTP_NO_EXTENSIONS; fi
    name=aiohttp-$ext
    mkdir -p "$DROPIN_WORK/$name"
    run_twice "$name" "$py" aiohttp junit pytest "${opts[@]}" "${tests[@]}"
    compare "$name" 350
done
