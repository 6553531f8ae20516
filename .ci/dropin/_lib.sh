# Sourced by every .ci/dropin/<library>.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DROPIN_WORK=${DROPIN_WORK:-$(mktemp -d /tmp/wscodec-dropin.XXXXXX)}
DROPIN_PYTHON=${DROPIN_PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1
COMPARE="$ROOT/.ci/dropin/compare.py"

# One wscodec wheel for every library's venv, built from the checkout once
# per run (or given as WSCODEC_WHEEL).
wscodec_wheel() {
    if [ -n "${WSCODEC_WHEEL:-}" ]; then echo "$WSCODEC_WHEEL"; return; fi
    local dir="$DROPIN_WORK/wheel"
    if ! ls "$dir"/wscodec-*.whl >/dev/null 2>&1; then
        mkdir -p "$dir"
        WSCODEC_REQUIRE_EXTENSIONS=1 "$DROPIN_PYTHON" -m pip wheel -q --no-deps -w "$dir" "$ROOT" >&2
    fi
    ls "$dir"/wscodec-*.whl | head -n1
}

# make_venv NAME REQUIREMENT...: a venv with wscodec and the requirements;
# prints its python.
make_venv() {
    local name=$1; shift
    local venv="$DROPIN_WORK/$name/venv"
    local wheel; wheel=$(wscodec_wheel)
    rm -rf "$venv"
    "$DROPIN_PYTHON" -m venv "$venv"
    "$venv/bin/pip" install -q "$wheel" "$@" >&2
    "$venv/bin/python" -I -c 'import wscodec, sys; sys.exit(wscodec.BACKEND != "native")' \
        || { echo "wscodec's native backend does not import in $venv" >&2; return 1; }
    echo "$venv/bin/python"
}

# unpack_sdist NAME REQUIREMENT: the registry's source distribution, unpacked;
# prints the directory.
unpack_sdist() {
    local name=$1 req=$2
    local dl="$DROPIN_WORK/$name/sdist"
    rm -rf "$dl"; mkdir -p "$dl"
    "$DROPIN_PYTHON" -m pip download -q --no-binary :all: --no-deps -d "$dl" "$req" >&2
    local archive; archive=$(ls "$dl"/*.tar.gz | head -n1)
    tar -xzf "$archive" -C "$dl"
    ls -d "$dl"/*/ | head -n1 | sed 's:/$::'
}

# run_twice NAME PYTHON DROPINS RESULT_KIND CMD...: runs "python -P -m CMD..."
# once untouched and once with the drop-ins installed (through
# wscodec.integrations._run), in the current directory.  RESULT_KIND is
# "junit" (CMD takes --junitxml=<file>, appended here) or "unittest" (the
# verbose unittest log is parsed).  Leaves $DROPIN_WORK/NAME/{plain,dropin}.*
run_twice() {
    local name=$1 python=$2 dropins=$3 kind=$4; shift 4
    local out="$DROPIN_WORK/$name"
    local label runas status
    for label in plain dropin; do
        runas=none; [ "$label" = dropin ] && runas=$dropins
        local extra=()
        [ "$kind" = junit ] && extra=("--junitxml=$out/$label.xml")
        status=0
        "$python" -P -m wscodec.integrations._run "$runas" -m "$@" "${extra[@]}" \
            >"$out/$label.log" 2>&1 || status=$?
        echo "$name $label: exit status $status ($(tail -n1 "$out/$label.log"))"
        if [ "$label" = dropin ] && grep -q "^wscodec drop-in .*\(not installed\|swapped back\)" "$out/$label.log"; then
            echo "$name: the drop-in was not in place for the whole run" >&2
            return 1
        fi
        if [ "$kind" = unittest ]; then cp "$out/$label.log" "$out/$label.txt"; fi
    done
}

# compare NAME MIN_PASSED [EXCLUDE_FILE]: identical pass sets, at least MIN_PASSED.
compare() {
    local name=$1 min=$2 exclude=${3:-}
    local out="$DROPIN_WORK/$name" ext=xml
    [ -f "$out/plain.txt" ] && ext=txt
    "$DROPIN_PYTHON" "$COMPARE" --min-passed "$min" ${exclude:+--exclude "$exclude"} \
        --differing "$out/differing.txt" "$out/plain.$ext" "$out/dropin.$ext"
}

# compare_unittest NAME MIN_PASSED PYTHON DROPINS MODULE ARGS...: compare; when
# at most three tests differ, run just those again in both modes, each
# alone, and accept them when both modes then agree (a timing-dependent test
# on a loaded machine); a difference that the drop-in causes comes back.
compare_unittest() {
    local name=$1 min=$2 python=$3 dropins=$4; shift 4
    compare "$name" "$min" && return 0
    local out="$DROPIN_WORK/$name" n test runas label verdict
    n=$(wc -l <"$out/differing.txt")
    [ "$n" -ge 1 ] && [ "$n" -le 3 ] || return 1
    while read -r test; do
        verdict=""
        for label in plain dropin; do
            runas=none; [ "$label" = dropin ] && runas=$dropins
            if "$python" -P -m wscodec.integrations._run "$runas" -m "$@" "$test" >"$out/rerun-$label.log" 2>&1; then
                verdict+="passed "
            else
                verdict+="failed "
            fi
        done
        echo "re-run alone: $test: $verdict(without, with install())"
        [ "$verdict" = "passed passed " ] || [ "$verdict" = "failed failed " ] || return 1
    done <"$out/differing.txt"
    echo "the differing tests agree when re-run alone: timing-dependent, not the drop-in"
}

# free_port PYTHON: a port that was free on 127.0.0.1 a moment ago, for
# servers of other projects that take a fixed port number.
free_port() {
    "$1" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
