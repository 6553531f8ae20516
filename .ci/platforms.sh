#!/usr/bin/env bash
# Wheels on interpreters and CPUs this machine has only through Debian roots:
#
#   sudo bash .ci/platforms.sh            # every lane below but tsan-x86_64
#   sudo bash .ci/platforms.sh cp315d     # some lanes, by name
#
# lanes (each: wheel built from the sdist inside the root, installed into a
# fresh venv there, BACKEND/SIMD asserted, the suite run against it with
# `python -I -m pytest tests` on a copy of the checkout's tests):
#   cp314-x86_64    CPython 3.14, Debian trixie root with sid packages
#   cp315-x86_64    CPython 3.15, same root
#   cp315d-x86_64   python3.15-dbg (Py_DEBUG: refcount and GC checks on every
#                   object), the extension built against it with assert() on
#   cp311-aarch64   CPython 3.11, Debian bookworm arm64 root under qemu-user;
#                   SIMD must be "neon"; runs $AARCH64_TESTS (below)
#   ft-x86_64       free-threaded CPython (--disable-gil), the newest of
#                   $FT_SOURCES whose source Debian serves, built from that
#                   source package inside the trixie root (below); the wheel
#                   is installed with its `test` extra, so the peers' interop
#                   and drop-in tests run where the peers install; the GIL
#                   must still be off after importing wscodec and after every
#                   test module (tests/conftest.py)
#   tsan-x86_64     (only when named) the same CPython built
#                   --with-thread-sanitizer too, so the
#                   extension is compiled with -fsanitize=thread (its CFLAGS
#                   come from the interpreter); runs tests/test_threads.py,
#                   whose shared-object cases (one decoder, encoder, Masker,
#                   Utf8Validator, PerMessageDeflate in several threads;
#                   re-__init__; get_buffer/buffer_updated; mask_inplace on a
#                   bytearray another thread resizes) are the stress harness;
#                   any ThreadSanitizer report, in the suite or in a child
#                   process, fails the lane
#
# The x86-64 lanes expect the SIMD level the host's own build of wscodec
# picks on this CPU (same CPU, same dispatch: a different answer is a bug).
#
# Roots are built once with debootstrap and cached outside the checkout in
# $WSCODEC_PLATFORMS_CACHE (default /var/cache/wscodec-platforms); a cached
# root is reused while its recipe (suite, architecture, packages) is
# unchanged and its interpreters run; WSCODEC_PLATFORMS_REBUILD=1 rebuilds.
# pip's cache lives in the roots too.  Per-run files (sdist, logs) go to
# $WSCODEC_PLATFORMS_WORK (default /tmp/wscodec-platforms, wiped at start).
#
# Needs root (debootstrap, chroot, mount), network access to the Debian
# mirror and PyPI, and for aarch64 binfmt_misc with qemu-user-static; it
# installs debootstrap, qemu-user-static and binfmt-support with apt-get
# when it can.  Where it cannot (no root, no apt, no binfmt_misc) it prints
# a banner and skips those lanes: it never passes as if they had run.
# Exit status 1 if any lane that ran failed.
#
# Time budget in .ci/run: 20 minutes cold (roots built), about 12 warm, for
# the lanes before ft-x86_64; that lane adds about 12 minutes cold (its
# CPython build, cached) and 7 warm (wheel, venv with peers, whole suite).
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/_lib.sh"

CACHE=${WSCODEC_PLATFORMS_CACHE:-/var/cache/wscodec-platforms}
WORK=${WSCODEC_PLATFORMS_WORK:-/tmp/wscodec-platforms}
MIRROR=${WSCODEC_PLATFORMS_MIRROR:-http://deb.debian.org/debian}
PYTEST_ARGS=(-q -p no:cacheprovider)

# Emulated aarch64 runs the tests of what can differ on ARM: NEON masking
# and UTF-8 validation at the level picked on import, the frame parser at
# every split and alignment of its input, the encoder's masking, and the
# differential test of both backends on random streams; plus the backend and
# wheel checks.  The rest (forced SIMD levels in subprocesses, message
# reassembly, deflate) is the same Cython over the same C on every CPU and
# is most of the emulated time: the whole suite took 12 minutes under qemu
# (docs/wheels.md).  WSCODEC_PLATFORMS_AARCH64_TESTS=tests runs it all.
AARCH64_TESTS=${WSCODEC_PLATFORMS_AARCH64_TESTS:-tests/test_backend.py tests/test_wheel_hygiene.py tests/test_masking.py tests/test_utf8.py tests/test_frames.py tests/test_splits.py tests/test_encoder.py tests/test_rfc_examples.py tests/test_differential.py}

case "$WORK" in /tmp/?*) ;; *)
    echo "WSCODEC_PLATFORMS_WORK must be under /tmp: $WORK" >&2
    exit 2
    ;;
esac

declare -a SUMMARY=() FAILED=()
record() { # record STATUS SECONDS NAME
    SUMMARY+=("$(printf '%-7s %5ss  %s' "$1" "$2" "$3")")
    [ "$1" != FAIL ] || FAILED+=("$3")
}

rm -rf "$WORK"
mkdir -p "$WORK"/{logs,payload}
unset WSCODEC_NO_EXTENSIONS WSCODEC_SIMD CIBUILDWHEEL

# ---------------------------------------------------------------- lanes
declare -A LANE_ROOT=(
    [cp314-x86_64]=trixie-amd64 [cp315-x86_64]=trixie-amd64 [cp315d-x86_64]=trixie-amd64
    [cp311-aarch64]=bookworm-arm64 [ft-x86_64]=trixie-amd64 [tsan-x86_64]=trixie-amd64
)
declare -A LANE_PYTHON=(
    [cp314-x86_64]=python3.14 [cp315-x86_64]=python3.15 [cp315d-x86_64]=python3.15-dbg
    [cp311-aarch64]=python3.11 [ft-x86_64]=/opt/wscodec-cpython-ft/bin/python3
    [tsan-x86_64]=/opt/wscodec-cpython-tsan/bin/python3
)
ALL_LANES=(cp314-x86_64 cp315-x86_64 cp315d-x86_64 ft-x86_64 tsan-x86_64 cp311-aarch64)
# tsan-x86_64 runs only when named: it has not yet finished a run with no
# report here, and a second CPython build costs CI another quarter hour cold.
DEFAULT_LANES=(cp314-x86_64 cp315-x86_64 cp315d-x86_64 ft-x86_64 cp311-aarch64)
declare -a LANES=()
if [ $# -eq 0 ]; then
    LANES=("${DEFAULT_LANES[@]}")
else
    for want in "$@"; do
        found=""
        for lane in "${ALL_LANES[@]}"; do
            case "$lane" in "$want" | "$want"-*) LANES+=("$lane") found=1 ;; esac
        done
        [ -n "$found" ] || { echo "unknown lane: $want (lanes: ${ALL_LANES[*]})" >&2; exit 2; }
    done
fi

# Roots: what debootstrap installs (its --include: the fastest way, no apt
# run under emulation), then what apt installs from sid (unstable) inside:
# trixie has neither 3.14 nor 3.15.
declare -A ROOT_SUITE=([trixie-amd64]=trixie [bookworm-arm64]=bookworm)
declare -A ROOT_ARCH=([trixie-amd64]=amd64 [bookworm-arm64]=arm64)
declare -A ROOT_INCLUDE=(
    [trixie-amd64]=ca-certificates
    [bookworm-arm64]=ca-certificates,gcc,libc6-dev,python3-dev,python3-venv
)
declare -A ROOT_SID_PACKAGES=(
    [trixie-amd64]="gcc libc6-dev python3.14-dev python3.14-venv python3.15-dev python3.15-venv python3.15-dbg"
    [bookworm-arm64]=""
)
declare -A ROOT_CHECK=(
    [trixie-amd64]="python3.14 python3.15 python3.15-dbg"
    [bookworm-arm64]="python3.11"
)

# ---------------------------------------------------------------- root tools
# in_root (.ci/_lib.sh) with PIP_NO_COMPILE: pip's byte-compiling of every
# file it installs costs minutes under emulation, and Python compiles what it
# imports anyway; WSCODEC_REQUIRE_EXTENSIONS: a wheel built in a root must
# not fall back to pure.
IN_ROOT_ENV=(PIP_NO_COMPILE=1 WSCODEC_REQUIRE_EXTENSIONS=1)

root_recipe() { # what a cached root must have been built from
    local name=$1
    echo "suite=${ROOT_SUITE[$name]} arch=${ROOT_ARCH[$name]} include=${ROOT_INCLUDE[$name]} sid-packages=${ROOT_SID_PACKAGES[$name]}"
}

root_is_sane() {
    local name=$1 dir=$CACHE/$1 exe
    [ -f "$dir/.wscodec-root" ] && [ "$(cat "$dir/.wscodec-root")" = "$(root_recipe "$name")" ] || return 1
    for exe in ${ROOT_CHECK[$name]}; do
        in_root "$dir" "$exe" -c 'import ensurepip, sysconfig' >/dev/null 2>&1 || return 1
    done
}

build_root() { # build_root NAME: debootstrap, sources, packages; then rename into place
    local name=$1 tmp=$CACHE/$1.tmp
    rm -rf "$tmp"
    debootstrap --arch="${ROOT_ARCH[$name]}" --variant=minbase --include="${ROOT_INCLUDE[$name]}" \
        "${ROOT_SUITE[$name]}" "$tmp" "$MIRROR" || return 1
    if [ -n "${ROOT_SID_PACKAGES[$name]}" ]; then
        echo "deb $MIRROR sid main" >"$tmp/etc/apt/sources.list.d/sid.list"
        # sid's Release file can be past its Valid-Until on a mirror.
        in_root "$tmp" apt-get -q -o Acquire::Check-Valid-Until=false update || return 1
        # shellcheck disable=SC2086 # a list of package names
        in_root "$tmp" apt-get -q -y --no-install-recommends install ${ROOT_SID_PACKAGES[$name]} || return 1
    fi
    in_root "$tmp" apt-get clean || return 1
    root_recipe "$name" >"$tmp/.wscodec-root"
    rm -rf "${CACHE:?}/$name"
    mv "$tmp" "$CACHE/$name"
}

ensure_root() { # ensure_root NAME: reuse the cached root, or build it
    local name=$1
    if [ -z "${WSCODEC_PLATFORMS_REBUILD:-}" ] && root_is_sane "$name"; then
        echo "reusing $CACHE/$name ($(root_recipe "$name"))"
        return 0
    fi
    echo "building $CACHE/$name"
    build_root "$name"
    root_is_sane "$name" || { echo "the new root $name does not run its interpreters"; return 1; }
}

# ---------------------------------------------------------------- free-threaded CPython
# Debian packages no free-threaded interpreter, so one is built from
# Debian's source package of CPython: the newest version of the newest
# package in unstable, testing or stable whose files the mirror serves (an
# index can list a version whose files are not there yet or any more).
# Only the upstream tarball (*.orig.tar.xz) is used: Debian's patches adapt
# CPython to Debian's own layout (dist-packages, multiarch), which a private
# prefix does not want.
# No PGO or LTO: they would triple the build for a speed no test needs.
# The prefix lives inside the trixie root, so it is cached with it and goes
# when the root is rebuilt; it is reused while its recipe is unchanged and
# its interpreter runs free-threaded.
FT_SOURCES="python3.16 python3.15 python3.14 python3.13"
# A variant: its prefix and configure options.  The TSan build keeps
# CPython's own suppressions for its internals (Tools/tsan), maintained
# with the interpreter, beside itself.
declare -A FT_PREFIXES=([ft]=/opt/wscodec-cpython-ft [tsan]=/opt/wscodec-cpython-tsan)
declare -A FT_CONFIGURES=(
    [ft]="--disable-gil --without-static-libpython"
    [tsan]="--disable-gil --with-thread-sanitizer --without-static-libpython"
)
FT_BUILD_DEPS="make xz-utils pkgconf libssl-dev zlib1g-dev libffi-dev libbz2-dev liblzma-dev"
ft_recipe() { echo "sources=$FT_SOURCES configure=${FT_CONFIGURES[$1]} build-deps=$FT_BUILD_DEPS"; }

ft_is_sane() { # ft_is_sane ROOTDIR VARIANT
    local dir=$1 prefix=${FT_PREFIXES[$2]}
    [ -f "$dir$prefix/.wscodec-recipe" ] && [ "$(cat "$dir$prefix/.wscodec-recipe")" = "$(ft_recipe "$2")" ] || return 1
    in_root "$dir" "$prefix/bin/python3" -c '
import ensurepip, ssl, sys, sysconfig, zlib
sys.exit(not sysconfig.get_config_var("Py_GIL_DISABLED") or sys._is_gil_enabled())' >/dev/null 2>&1
}

# Runs inside the root: sources, download, configure, make, install.
FT_BUILD_SCRIPT='
set -eu
prefix=$1 configure=$2 deps=$3 sources=$4
for suite in unstable testing stable; do echo "deb-src $MIRROR $suite main"; done \
    >/etc/apt/sources.list.d/wscodec-cpython-src.list
apt-get -q -o Acquire::Check-Valid-Until=false update
apt-get -q -y --no-install-recommends install $deps
src=/tmp/wscodec-cpython-ft-src
rm -rf "$src" "$prefix"; mkdir -p "$src"; cd "$src"
got=""
for pkg in $sources; do
    for version in $(apt-cache showsrc "$pkg" | sed -n "s/^Version: //p" | sort -u -r -V); do
        if apt-get -q source --download-only "$pkg=$version" >download.log 2>&1 && ls ./*.orig.tar.xz >/dev/null 2>&1; then
            got="$pkg $version"; break 2
        fi
        echo "--- $pkg $version: source not served, trying the next"
        rm -f ./*
    done
done
[ -n "$got" ] || { echo "none of $sources has its source served"; exit 77; }
tar -xf ./*.orig.tar.xz
cd Python-*/
echo "--- building $(pwd) ($got) with $configure"
./configure -q --prefix="$prefix" $configure
make -s -j2
# compileall -j0 runs its workers through multiprocessing'"'"'s forkserver: under
# TSan they sat idle for five minutes here, so that build compiles in one.
case "$configure" in *thread-sanitizer*) jobs=-j1 ;; *) jobs=-j0 ;; esac
make -s install COMPILEALL_OPTS="$jobs" >/dev/null
cp Tools/tsan/suppressions_free_threading.txt "$prefix/tsan-suppressions.txt"
cd /; rm -rf "$src"
apt-get clean
'

ensure_ft_python() { # ensure_ft_python ROOTNAME VARIANT: reuse the cached build, or build it
    local dir=$CACHE/$1 prefix=${FT_PREFIXES[$2]}
    if [ -z "${WSCODEC_PLATFORMS_REBUILD:-}" ] && ft_is_sane "$dir" "$2"; then
        echo "reusing $prefix in root $1 ($(ft_recipe "$2"))"
        return 0
    fi
    echo "building a free-threaded CPython into $prefix in root $1"
    in_root "$dir" /usr/bin/env MIRROR="$MIRROR" /bin/sh -c "$FT_BUILD_SCRIPT" _ \
        "$prefix" "${FT_CONFIGURES[$2]}" "$FT_BUILD_DEPS" "$FT_SOURCES" || return $?
    ft_recipe "$2" >"$dir$prefix/.wscodec-recipe"
    ft_is_sane "$dir" "$2" || { echo "$prefix does not run free-threaded"; return 1; }
    in_root "$dir" "$prefix/bin/python3" -VV
}

# ---------------------------------------------------------------- prerequisites
# missing_support: prints why the roots cannot be made here (nothing if they can).
missing_support() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "not root: debootstrap, chroot and mount need root"
        return
    fi
    local need=()
    command -v debootstrap >/dev/null || need+=(debootstrap)
    command -v unshare >/dev/null || need+=(util-linux)
    if [ " ${LANES[*]}" != "${LANES[*]/aarch64/}" ]; then
        [ -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P ] || [ -x /usr/bin/qemu-aarch64-static ] ||
            need+=(qemu-user-static)
        command -v update-binfmts >/dev/null || need+=(binfmt-support)
    fi
    if [ ${#need[@]} -gt 0 ]; then
        if command -v apt-get >/dev/null; then
            apt_install "${need[@]}" || { echo "apt-get could not install ${need[*]}"; return; }
        else
            echo "no apt-get to install ${need[*]}"
            return
        fi
    fi
}

# aarch64_support: sets up qemu-aarch64 through binfmt_misc; prints why not.
aarch64_support() {
    if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null ||
            { echo "binfmt_misc cannot be mounted (a container without the privilege?)"; return; }
    fi
    [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --import qemu-aarch64 >/dev/null 2>&1 || true
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
    grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null ||
        { echo "qemu-aarch64 is not registered with binfmt_misc"; return; }
    # F flag: the kernel opens the interpreter now, so it works inside a chroot.
    grep -q '^flags:.*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 ||
        echo "qemu-aarch64 is registered without the F flag: it cannot run inside a chroot"
}

# ---------------------------------------------------------------- the sdist
# From exactly the files git would commit (build_sdist, .ci/_lib.sh), like
# .ci/wheels.sh: no build leftovers of the work tree get in.  Also the tests
# and pytest settings that each root runs against its installed wheel.
sdist_and_payload() {
    build_sdist || return 1
    # The tests, pytest's settings, and what some tests read beside them
    # (setup.py; the source tree, whose subpackages the installed package
    # must all have); -I keeps the source tree off sys.path.
    tar -C "$WORK/src" -cf - tests wscodec pyproject.toml setup.py | tar -C "$WORK/payload" -xf - || return 1
    cp "$WORK"/dist/*.tar.gz "$WORK/payload/" || return 1
}

# host_simd: the SIMD level wscodec picks on this CPU, from a host build.
host_simd() {
    local py
    for py in "${WSCODEC_PLATFORMS_HOST_PYTHON:-}" "$ROOT/.venv/bin/python"; do
        [ -n "$py" ] && [ -x "$py" ] || continue
        if (cd / && "$py" -I -c 'import sys, wscodec; sys.exit(wscodec.BACKEND != "native")') 2>/dev/null; then
            (cd / && "$py" -I -c 'import wscodec; print(wscodec.SIMD)')
            return
        fi
    done
    # No host build to ask: make one from the sdist.
    python3 -m venv "$WORK/host"
    WSCODEC_REQUIRE_EXTENSIONS=1 "$WORK/host/bin/pip" install -q "$WORK"/dist/*.tar.gz >"$WORK/logs/host.log" 2>&1 ||
        { tail -40 "$WORK/logs/host.log" >&2; return 1; }
    (cd / && "$WORK/host/bin/python" -I -c 'import wscodec; assert wscodec.BACKEND == "native"; print(wscodec.SIMD)')
}

# ---------------------------------------------------------------- one lane
# Runs inside the root (sh, not bash: minbase roots have both, but keep it
# plain).  $1 interpreter, $2 expected SIMD, $3 lane, then the test paths.
LANE_SCRIPT='
set -eu
py=$1 simd=$2 lane=$3
shift 3
w=/tmp/wscodec-platform/$lane
rm -rf "$w"; mkdir -p "$w"
cp -r /tmp/wscodec-payload/. "$w/"
cd "$w"
# pip caches the wheels it builds by the sdist'"'"'s path: never reuse one.
rm -rf /root/.cache/pip/wheels
t=$(date +%s)
echo "--- $lane: $($py -VV | head -1)"
"$py" -m venv build-env
build-env/bin/python -m pip wheel -q --no-deps -w wheels ./wscodec-*.tar.gz
echo "--- built $(ls wheels) in $(( $(date +%s) - t )) s"
t=$(date +%s)
"$py" -m venv venv
case "$lane" in
    # The test extra as a user of this interpreter gets it: its markers
    # leave out the peers that do not install here.
    ft-*) venv/bin/python -m pip install -q "$(ls wheels/*.whl)[test]" ;;
    # Under TSan every pip run is slow, and the peers add nothing to what
    # the thread tests ask of wscodec.
    tsan-*) venv/bin/python -m pip install -q wheels/*.whl pytest "hypothesis<6.156" ;;
    *) venv/bin/python -m pip install -q wheels/*.whl pytest hypothesis ;;
esac
venv/bin/python -m pip list 2>/dev/null | grep -Ei "^(wscodec|pytest|hypothesis|cython) " || true
echo "--- installed into a fresh venv in $(( $(date +%s) - t )) s"
cd /
"$w/venv/bin/python" -I -c "
import sys, sysconfig, wscodec
print(\"wscodec\", wscodec.__version__, wscodec.BACKEND, wscodec.SIMD, \"from\", wscodec.__file__)
print(\"Py_DEBUG (refcount and GC checks):\", hasattr(sys, \"gettotalrefcount\"))
if \"$py\".endswith(\"-dbg\") and not hasattr(sys, \"gettotalrefcount\"):
    sys.exit(\"$py is not a debug build\")
free_threaded = bool(sysconfig.get_config_var(\"Py_GIL_DISABLED\"))
print(\"free-threaded build:\", free_threaded, \"GIL enabled after importing wscodec:\", getattr(sys, \"_is_gil_enabled\", lambda: True)())
if \"$lane\".startswith((\"ft-\", \"tsan-\")) and not free_threaded:
    sys.exit(\"$py is not a free-threaded build\")
if free_threaded and sys._is_gil_enabled():
    sys.exit(\"importing wscodec re-enabled the GIL\")
sys.exit(0 if (wscodec.BACKEND, wscodec.SIMD) == (\"native\", \"$simd\") else \"expected native $simd\")
"
cd "$w"
t=$(date +%s)
case "$lane" in tsan-*)
    # Reports go to files, so that one in a child process that a test
    # tolerated still fails the lane; second_deadlock_stack for readable
    # lock-order reports.
    rm -rf /tmp/tsan-reports; mkdir /tmp/tsan-reports
    TSAN_OPTIONS="suppressions=${py%/bin/python3}/tsan-suppressions.txt log_path=/tmp/tsan-reports/tsan second_deadlock_stack=1"
    export TSAN_OPTIONS
    echo "--- extension built with: $(venv/bin/python -c "import sysconfig; print(sysconfig.get_config_var(\"CFLAGS\"))" | grep -o -- "-fsanitize=thread" | head -1)"
    ;;
esac
rc=0
WSCODEC_EXPECT_INSTALLED=1 venv/bin/python -I -m pytest "$@" || rc=$?
echo "--- suite in $(( $(date +%s) - t )) s"
case "$lane" in tsan-*)
    if ls /tmp/tsan-reports/* >/dev/null 2>&1; then
        echo "!!! ThreadSanitizer reports: $(grep -c "WARNING: ThreadSanitizer" /tmp/tsan-reports/* | paste -sd " ")"
        head -120 /tmp/tsan-reports/*
        exit 1
    fi
    echo "--- ThreadSanitizer: no report"
    ;;
esac
exit $rc
'

run_lane() { # run_lane LANE SIMD: in its root; output to logs/LANE.log
    local lane=$1 simd=$2 dir=$CACHE/${LANE_ROOT[$1]} tests
    rm -rf "$dir/tmp/wscodec-payload"
    cp -r "$WORK/payload" "$dir/tmp/wscodec-payload"
    case "$lane" in
        *-aarch64) read -r -a tests <<<"$AARCH64_TESTS" ;;
        tsan-*) tests=(tests/test_threads.py) ;;
        *) tests=(tests) ;;
    esac
    in_root "$dir" /bin/sh -c "$LANE_SCRIPT" _ "${LANE_PYTHON[$lane]}" "$simd" "$lane" \
        "${tests[@]}" "${PYTEST_ARGS[@]}"
}

# timed NAME CMD...: runs CMD, records its time and outcome.
timed() {
    local name=$1 t0=$SECONDS rc=0
    shift
    log "$name"
    "$@" || rc=$?
    if [ "$rc" -eq 0 ]; then record ok $((SECONDS - t0)) "$name"; else record FAIL $((SECONDS - t0)) "$name (exit $rc)"; fi
    return 0
}

# ---------------------------------------------------------------- main
log "platform lanes: ${LANES[*]}"
why=$(missing_support)
if [ -n "$why" ]; then
    banner "PLATFORM WHEELS NOT TESTED: $why" "lanes skipped: ${LANES[*]}"
    exit 0
fi
wants_aarch64() { [[ " ${LANES[*]} " == *-aarch64\ * ]]; }
if wants_aarch64; then
    why=$(aarch64_support)
    if [ -n "$why" ]; then
        banner "AARCH64 WHEEL NOT TESTED: $why"
        record SKIPPED 0 "cp311-aarch64: $why"
        declare -a kept=()
        for lane in "${LANES[@]}"; do [[ $lane == *-aarch64 ]] || kept+=("$lane"); done
        LANES=("${kept[@]}")
    fi
fi

mkdir -p "$CACHE"

timed "sdist" sdist_and_payload
SDIST=$(ls "$WORK"/dist/*.tar.gz 2>/dev/null || true)
[ -n "$SDIST" ] || { printf '%s\n' "${SUMMARY[@]}"; echo "no sdist: nothing else can run" >&2; exit 1; }

# chain LANE...: the root of the lanes, then each lane, one after the other;
# output to logs/chain-ROOT.log, outcomes to logs/chain-ROOT.summary.
chain() {
    local name=${LANE_ROOT[$1]} t0=$SECONDS rc=0 lane simd counts
    local out=$WORK/logs/chain-$name lock
    # One run at a time per root: another would rebuild it under our feet.
    exec {lock}>"$CACHE/$name.lock"
    flock "$lock"
    {
        printf '\n==== root %s\n' "$name"
        ensure_root "$name" || rc=$?
    } >>"$out.log" 2>&1
    if [ "$rc" -ne 0 ]; then
        printf 'FAIL    %5ss  root %s (exit %s)\n' $((SECONDS - t0)) "$name" "$rc" >>"$out.summary"
        for lane in "$@"; do printf 'FAIL    %5ss  %s: not run (no root)\n' 0 "$lane" >>"$out.summary"; done
        return
    fi
    printf 'ok      %5ss  root %s\n' $((SECONDS - t0)) "$name" >>"$out.summary"
    local -A ft_ok=()
    local variant
    for variant in ft tsan; do
        [[ " $* " == *" $variant-"* ]] || continue
        t0=$SECONDS rc=0
        {
            printf '\n==== free-threaded CPython (%s) in root %s\n' "$variant" "$name"
            ensure_ft_python "$name" "$variant" || rc=$?
        } >>"$out.log" 2>&1
        if [ "$rc" -eq 0 ]; then
            ft_ok[$variant]=1
            printf 'ok      %5ss  free-threaded CPython %s (%s)\n' $((SECONDS - t0)) \
                "$(in_root "$CACHE/$name" "${FT_PREFIXES[$variant]}/bin/python3" -c 'import platform; print(platform.python_version())')" \
                "${FT_CONFIGURES[$variant]}" >>"$out.summary"
        elif [ "$rc" -eq 77 ]; then
            # The mirror, not this code: say so loudly, but as a skip.
            banner "FREE-THREADED LANE NOT TESTED: the mirror serves no CPython source package" >>"$out.log"
            printf 'SKIPPED %5ss  %s: the mirror serves no CPython source package\n' $((SECONDS - t0)) "$variant" >>"$out.summary"
            ft_ok[$variant]=skipped
        else
            printf 'FAIL    %5ss  free-threaded CPython (%s) in root %s (exit %s)\n' $((SECONDS - t0)) "$variant" "$name" "$rc" >>"$out.summary"
        fi
    done
    for lane in "$@"; do
        variant=${lane%%-*}
        if [ -n "${FT_PREFIXES[$variant]:-}" ] && [ "${ft_ok[$variant]:-}" = skipped ]; then
            printf 'SKIPPED %5ss  %s: NOT RUN, no free-threaded CPython\n' 0 "$lane" >>"$out.summary"
            continue
        fi
        if [ -n "${FT_PREFIXES[$variant]:-}" ] && [ -z "${ft_ok[$variant]:-}" ]; then
            printf 'FAIL    %5ss  %s: not run (no free-threaded CPython)\n' 0 "$lane" >>"$out.summary"
            continue
        fi
        t0=$SECONDS rc=0
        case "$lane" in *-aarch64) simd=neon ;; *) simd=$HOST_SIMD ;; esac
        if [ -z "$simd" ]; then
            printf 'FAIL    %5ss  %s: no host build of wscodec to compare SIMD with\n' 0 "$lane" >>"$out.summary"
            continue
        fi
        printf '\n==== %s: wheel from the sdist, fresh venv, native %s, tests\n' "$lane" "$simd" >>"$out.log"
        run_lane "$lane" "$simd" >"$WORK/logs/$lane.log" 2>&1 || rc=$?
        cat "$WORK/logs/$lane.log" >>"$out.log"
        # pytest's last line: "1163 passed, 9 skipped in 102.95s (0:01:42)"
        counts=$(grep -Eo '[0-9]+ passed.* in [0-9.]+s' "$WORK/logs/$lane.log" | tail -n 1 || true)
        if [ "$rc" -eq 0 ]; then
            printf 'ok      %5ss  %s (native %s): %s\n' $((SECONDS - t0)) "$lane" "$simd" "$counts" >>"$out.summary"
        else
            printf 'FAIL    %5ss  %s (exit %s)\n' $((SECONDS - t0)) "$lane" "$rc" >>"$out.summary"
        fi
    done
}

# The emulated chain (arm64 root, aarch64 lane) keeps one core busy in the
# background while the x86-64 chain takes the other; each shows its log
# when it is done.
declare -a X86=() ARM=()
for lane in "${LANES[@]}"; do
    if [[ $lane == *-aarch64 ]]; then ARM+=("$lane"); else X86+=("$lane"); fi
done
arm_pid=""
if [ ${#ARM[@]} -gt 0 ]; then
    chain "${ARM[@]}" &
    arm_pid=$!
fi
show_chain() { # show_chain ROOT SECONDS_AT_START
    local out=$WORK/logs/chain-$1
    log "root $1 and its lanes ($(( SECONDS - $2 )) s)"
    cat "$out.log" 2>/dev/null || true
    [ -f "$out.summary" ] || echo "FAIL        ?s  root $1: its chain ended early" >"$out.summary"
    while IFS= read -r line; do
        SUMMARY+=("$line")
        [[ $line != FAIL* ]] || FAILED+=("$line")
    done <"$out.summary"
}
t_chains=$SECONDS
HOST_SIMD=""
if [ ${#X86[@]} -gt 0 ]; then
    t0=$SECONDS
    log "the SIMD level of the host's own build, which the x86-64 lanes must pick too"
    HOST_SIMD=$(host_simd) || HOST_SIMD=""
    if [ -n "$HOST_SIMD" ]; then
        record ok $((SECONDS - t0)) "host build picks SIMD $HOST_SIMD"
    else
        record FAIL $((SECONDS - t0)) "no host build of wscodec to compare SIMD with"
    fi
fi
if [ ${#X86[@]} -gt 0 ]; then
    chain "${X86[@]}"
    show_chain "${LANE_ROOT[${X86[0]}]}" "$t_chains"
fi
if [ -n "$arm_pid" ]; then
    wait "$arm_pid" || true
    show_chain "${LANE_ROOT[${ARM[0]}]}" "$t_chains"
fi

log "summary ($((SECONDS - start)) s)"
printf '%s\n' "${SUMMARY[@]}"
if [ ${#FAILED[@]} -gt 0 ]; then
    echo "FAILED: ${#FAILED[@]}"
    exit 1
fi
