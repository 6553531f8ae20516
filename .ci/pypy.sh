#!/usr/bin/env bash
# wscodec on PyPy, the interpreter whose users get the pure backend:
#
#   sudo bash .ci/pypy.sh
#
# In a Debian sid root (sid's pypy3 needs sid's glibc), with Debian's pypy3:
#   1. the README's test command, exactly as written with python3 replaced by
#      pypy3, in the unpacked sdist: a fresh venv, `pip install '.[test]'`
#      (the peers included, where they install on PyPy), the whole suite on
#      the pure backend, drop-in tests included;
#   2. BACKEND == "pure" in that venv;
#   3. `python -m wscodec bench --only pypy`: the pure backend decoding
#      masked frames against websockets' and wsproto's own Python code, on
#      the same PyPy;
#   4. .ci/dropin/wsproto.sh: wsproto's own suite without and with its
#      drop-in's install(), over the pure wheel.
#
# The root is built once with debootstrap and cached beside the roots of
# .ci/platforms.sh in $WSCODEC_PLATFORMS_CACHE (default
# /var/cache/wscodec-platforms), reused while its recipe is unchanged and its
# pypy3 runs; WSCODEC_PLATFORMS_REBUILD=1 rebuilds.  pip's cache lives in
# the root.  Per-run files go to $WSCODEC_PYPY_WORK (default /tmp/wscodec-pypy,
# wiped at start).
#
# Needs root (debootstrap, chroot, mount) and the Debian mirror and PyPI;
# it installs debootstrap with apt-get when it can.  Where it cannot, it
# prints a banner and exits 0: it never passes as if it had run.
#
# Time budget in .ci/run: 12 minutes cold (root built), 8 warm.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/_lib.sh"

CACHE=${WSCODEC_PLATFORMS_CACHE:-/var/cache/wscodec-platforms}
WORK=${WSCODEC_PYPY_WORK:-/tmp/wscodec-pypy}
MIRROR=${WSCODEC_PLATFORMS_MIRROR:-http://deb.debian.org/debian}
NAME=sid-amd64-pypy
# gcc and pypy3-dev: what pip needs to build a peer's optional C speedups
# from source, as it would on a PyPy user's machine.
PACKAGES=ca-certificates,pypy3,pypy3-venv,pypy3-dev,gcc,libc6-dev

case "$WORK" in /tmp/?*) ;; *)
    echo "WSCODEC_PYPY_WORK must be under /tmp: $WORK" >&2
    exit 2
    ;;
esac

# ---------------------------------------------------------------- the root
recipe() { echo "suite=sid arch=amd64 variant=minbase include=$PACKAGES"; }

root_is_sane() {
    local dir=$CACHE/$NAME
    [ -f "$dir/.wscodec-root" ] && [ "$(cat "$dir/.wscodec-root")" = "$(recipe)" ] &&
        in_root "$dir" pypy3 -c 'import ensurepip, venv' >/dev/null 2>&1
}

ensure_root() {
    local tmp=$CACHE/$NAME.tmp
    if [ -z "${WSCODEC_PLATFORMS_REBUILD:-}" ] && root_is_sane; then
        echo "reusing $CACHE/$NAME ($(recipe))"
        return 0
    fi
    echo "building $CACHE/$NAME ($(recipe))"
    rm -rf "$tmp"
    debootstrap --arch=amd64 --variant=minbase --include="$PACKAGES" sid "$tmp" "$MIRROR" >"$WORK/logs/debootstrap.log" 2>&1 ||
        { tail -30 "$WORK/logs/debootstrap.log"; return 1; }
    in_root "$tmp" apt-get clean
    recipe >"$tmp/.wscodec-root"
    rm -rf "${CACHE:?}/$NAME"
    mv "$tmp" "$CACHE/$NAME"
    root_is_sane || { echo "the new root does not run pypy3 with ensurepip and venv"; return 1; }
}

missing_support() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "not root: debootstrap, chroot and mount need root"
        return
    fi
    command -v unshare >/dev/null || { echo "no unshare (util-linux)"; return; }
    if ! command -v debootstrap >/dev/null; then
        if command -v apt-get >/dev/null; then
            apt_install debootstrap || { echo "apt-get could not install debootstrap"; return; }
        else
            echo "no debootstrap and no apt-get to install it"
        fi
    fi
}

# ---------------------------------------------------------------- in the root
# $1 the README test command with pypy3 for python3.
LANE_SCRIPT='
set -eu
command=$1
w=/tmp/wscodec-pypy
rm -rf "$w"; mkdir -p "$w"
cd "$w"
tar -xzf /tmp/wscodec-pypy-payload/wscodec-*.tar.gz
cd wscodec-*/
# pip caches the wheels it builds by the source path: never reuse one.
rm -rf /root/.cache/pip/wheels
echo "--- $(pypy3 -VV 2>&1 | tr "\n" " ")"
echo "--- in the unpacked $(basename "$PWD") sdist: $command"
t=$(date +%s)
WSCODEC_EXPECT_INSTALLED=1 sh -c "$command"
echo "--- README test command: $(( $(date +%s) - t )) s"
.venv/bin/python -m pip list 2>/dev/null | grep -Ei "^(wscodec|pytest|hypothesis|websockets|wsproto|aiohttp|tornado|websocket-client|wsaccel|autobahn|cython) " || true
cd /
"$w"/wscodec-*/.venv/bin/python -I -c "
import platform, sys, wscodec
print(\"wscodec\", wscodec.__version__, wscodec.BACKEND, wscodec.SIMD, \"on\", platform.python_implementation(), platform.python_version(), \"from\", wscodec.__file__)
sys.exit(0 if wscodec.BACKEND == \"pure\" else \"expected the pure backend\")
"
cd "$w"/wscodec-*/
t=$(date +%s)
.venv/bin/python -I -m wscodec bench --only pypy
echo "--- bench: $(( $(date +%s) - t )) s"
# wsproto'"'"'s own suite without and with install(), as .ci/dropin.sh runs it,
# over the pure wheel that PyPy gets.  hypothesis: as in the test extra.
t=$(date +%s)
.venv/bin/python -m pip wheel -q --no-deps -w "$w/wheel" /tmp/wscodec-pypy-payload/wscodec-*.tar.gz
echo "hypothesis<6.156" >"$w/constraints.txt"
# DROPIN_PYTHON: a PyPy with pip (Debian'"'"'s pypy3 has none outside a venv).
PIP_CONSTRAINT="$w/constraints.txt" DROPIN_PYTHON="$PWD/.venv/bin/python" DROPIN_BACKEND=pure DROPIN_WORK="$w/dropin" \
    WSCODEC_WHEEL=$(ls "$w"/wheel/wscodec-*-py3-none-any.whl) bash /tmp/wscodec-pypy-payload/.ci/dropin/wsproto.sh
echo "--- wsproto drop-in: $(( $(date +%s) - t )) s"
'

# ---------------------------------------------------------------- main
log "PyPy: the README test command, the pure backend, bench rows (root $CACHE/$NAME)"
why=$(missing_support)
if [ -n "$why" ]; then
    banner "PYPY NOT TESTED: $why"
    exit 0
fi
rm -rf "$WORK"
mkdir -p "$WORK/logs" "$CACHE"

TEST_COMMAND=$(readme_command 2)
case "$TEST_COMMAND" in python3\ *) ;; *)
    echo "the README test command does not start with python3: $TEST_COMMAND" >&2
    exit 1
    ;;
esac
PYPY_COMMAND="pypy3 ${TEST_COMMAND#python3 }"

log "sdist"
build_sdist

log "root"
t0=$SECONDS
# One run at a time per root: another would rebuild it under our feet.
exec {lock}>"$CACHE/$NAME.lock"
flock "$lock"
ensure_root
echo "root: $((SECONDS - t0)) s"

log "in the root: $PYPY_COMMAND"
dir=$CACHE/$NAME
rm -rf "$dir/tmp/wscodec-pypy-payload"
mkdir -p "$dir/tmp/wscodec-pypy-payload"
cp "$WORK"/dist/*.tar.gz "$dir/tmp/wscodec-pypy-payload/"
cp -r "$WORK/src/.ci" "$dir/tmp/wscodec-pypy-payload/"
in_root "$dir" /bin/sh -c "$LANE_SCRIPT" _ "$PYPY_COMMAND"
log "PyPy done in $((SECONDS - start)) s"
