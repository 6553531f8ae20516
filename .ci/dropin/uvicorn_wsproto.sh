#!/usr/bin/env bash
# uvicorn has no WebSocket codec of its own: with --ws wsproto it runs on
# wsproto, so wscodec.integrations.wsproto.install() reaches it.  Its
# WebSocket tests (from its sdist), wsproto implementation only, without
# and with the drop-in.  Budget: about 1.5 minutes.
source "$(dirname "$0")/_lib.sh"
UVICORN=$(release uvicorn 0.54.0)
WSPROTO=$(release wsproto 1.3.2)
done_if_newest_is_pinned
# httptools: the HTTP implementation of uvicorn[standard], beside h11.
py=$(make_venv uvicorn_wsproto "$UVICORN" "$WSPROTO" httptools "pytest>=9" anyio httpx2 "websockets>=14" pytest-mock trustme cryptography)
src=$(unpack_sdist uvicorn_wsproto "$UVICORN")
# The tests import the installed uvicorn, not the sdist's copy of it.
rm -rf "$src/uvicorn"
cd "$src"
# -o addopts=: uvicorn's own addopts spread the run over 8 xdist workers,
# which the drop-in would not reach.
run_twice uvicorn_wsproto "$py" wsproto junit pytest tests/protocols/test_websocket.py -k wsproto \
    -o addopts= -q -p no:cacheprovider
compare uvicorn_wsproto 140
