#!/usr/bin/env bash
# websocket-client's own tests (shipped inside the package), without and
# with wscodec.integrations.websocket_client.install(), its local echo
# server running so that its end-to-end tests run too.  Budget: about 1 minute.
source "$(dirname "$0")/_lib.sh"
WEBSOCKET_CLIENT=$(release websocket-client 1.9.2)
done_if_newest_is_pinned
py=$(make_venv websocket_client "$WEBSOCKET_CLIENT" "pytest>=8" "websockets>=14")
work="$DROPIN_WORK/websocket_client"
pkg=$("$py" -c 'import os, websocket.tests as t; print(os.path.dirname(t.__file__))')
LOCAL_WS_SERVER_PORT=$(free_port "$py")
export LOCAL_WS_SERVER_PORT
"$py" "$pkg/echo-server.py" >"$work/echo-server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
"$py" - <<PY
import socket, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", $LOCAL_WS_SERVER_PORT), 0.2).close()
        break
    except OSError:
        time.sleep(0.1)
else:
    raise SystemExit("websocket-client's echo server did not start")
PY
cd "$work"
run_twice websocket_client "$py" websocket_client junit pytest --pyargs websocket.tests -q -p no:cacheprovider
compare websocket_client 205
