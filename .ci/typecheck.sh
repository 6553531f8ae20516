#!/usr/bin/env bash
# Type checks, in one place (a step of .ci/run, and of .ci/wheels.sh on a
# wheel); budget: under 3 minutes on a 2-core machine.
#
#   bash .ci/typecheck.sh PYTHON
#
# PYTHON is an interpreter with wscodec installed (the native backend); the
# script installs mypy into it.  Three checks:
#   1. mypy over the package source, strict ([tool.mypy] in pyproject.toml):
#      the pure backend, the rules, deflate and handshake are annotated, and
#      wscodec/__init__.py's backend selection is written for type checkers;
#   2. stubtest: wscodec/_native/_ext.pyi against the compiled module that
#      PYTHON imports (allowlist: .ci/stubtest-allowlist.txt);
#   3. a strict mypy run of a user's snippet against the installed package.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${1:?usage: typecheck.sh PYTHON}
# Absolute, without resolving the venv's symlink: the checks below run in
# another directory.
PY="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")"
start=$SECONDS

"$PY" -m pip install -q mypy
"$PY" -I -c 'import wscodec, sys; sys.exit(wscodec.BACKEND != "native")' || {
    echo "typecheck.sh: $PY does not import the native backend; stubtest needs it" >&2
    exit 1
}

echo "--- mypy (strict) over the package source"
(cd "$ROOT" && "$PY" -m mypy --no-incremental)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" # outside the checkout: the installed package, never the source folder

echo "--- stubtest: wscodec/_native/_ext.pyi against the installed extension"
"$PY" -m mypy.stubtest --allowlist "$ROOT/.ci/stubtest-allowlist.txt" wscodec._native._ext

echo "--- mypy --strict of a user's code against the installed package"
cat >typing_check.py <<'PYEOF'
import wscodec
from wscodec import Frame, Message, Opcode

masked: bytes = wscodec.apply_mask(b"abcd", b"\x00\x01\x02\x03")
phase: int = wscodec.mask_inplace(bytearray(8), b"abcd", 3)
ok: bool = wscodec.validate_utf8(memoryview(b"caf\xc3\xa9")) and wscodec.Utf8Validator().feed(b"x")
frames: list[Frame] = wscodec.FrameDecoder(role="client").feed(wscodec.encode_frame(Opcode.TEXT, b"hi"))
messages: list[Message] = wscodec.MessageDecoder(max_message_size=None).feed(b"")
encoder = wscodec.MessageEncoder(role="client", max_frame_size=1024)
wire: bytes = encoder.text("hi") + encoder.binary(b"\x00") + encoder.close(1000, "bye")
code, reason = wscodec.parse_close_payload(wscodec.encode_close_payload(1000, "bye"))
total: int = code + len(reason) + len(wscodec.Masker(b"abcd").process(b"xy"))
backend: str = wscodec.BACKEND + wscodec.SIMD + wscodec.__version__
deflate = wscodec.PerMessageDeflate(server_max_window_bits=12)
decoder = wscodec.MessageDecoder(role="server", deflate=deflate)
try:
    wscodec.MessageDecoder().feed(b"\xff")
except wscodec.ProtocolError as exc:
    close_code: int = exc.close_code
PYEOF
"$PY" -m mypy --strict --no-incremental typing_check.py
echo "typecheck.sh: passed in $((SECONDS - start)) s"
