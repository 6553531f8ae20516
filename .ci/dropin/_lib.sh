# Sourced by every .ci/dropin/<library>.sh.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/_lib.sh"
DROPIN_WORK=${DROPIN_WORK:-$(mktemp -d /tmp/wscodec-dropin.XXXXXX)}
mkdir -p "$DROPIN_WORK"
DROPIN_PYTHON=${DROPIN_PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1
COMPARE="$ROOT/.ci/dropin/compare.py"
# Which release of each library a run installs: "pinned" (the version each
# script names, the one the drop-in was last checked on by hand) or
# "newest" (whatever the registry serves today, as users get it).
DROPIN_RELEASE=${DROPIN_RELEASE:-pinned}

# newest_version NAME: the newest release of NAME the registry serves for
# this Python.
newest_version() {
    "$DROPIN_PYTHON" -m pip index versions "$1" 2>/dev/null | sed -n '1s/^[^(]*(\(.*\))$/\1/p'
}

# release NAME[EXTRAS] PINNED: the requirement to install for this run:
# NAME[EXTRAS]==PINNED, or ==the newest release.
release() {
    local name=$1 pinned=$2 version
    if [ "$DROPIN_RELEASE" = newest ]; then
        version=$(newest_version "${name%%[*}")
        [ -n "$version" ] || { echo "cannot read the newest release of ${name%%[*} from the registry" >&2; return 1; }
        echo "${name%%[*}: newest release $version (pinned $pinned)" >&2
        # A file, not a variable: this runs in a command substitution's
        # subshell, where $$ is still the script's own process.
        [ "$version" = "$pinned" ] || touch "$DROPIN_WORK/.newer.$$"
    else
        version=$pinned
    fi
    echo "$name==$version"
}

# done_if_newest_is_pinned: on a "newest" run where every release() gave
# the pinned version, the pinned run already ran these suites: say so and
# end the script.
done_if_newest_is_pinned() {
    [ "$DROPIN_RELEASE" = newest ] || return 0
    [ -e "$DROPIN_WORK/.newer.$$" ] && return 0
    echo "the newest releases are the pinned ones: the pinned run covers them"
    exit 0
}

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
    # DROPIN_BACKEND=pure where there is no native one (PyPy, .ci/pypy.sh).
    "$venv/bin/python" -I -c "import wscodec, sys; sys.exit(wscodec.BACKEND != '${DROPIN_BACKEND:-native}')" \
        || { echo "wscodec's ${DROPIN_BACKEND:-native} backend does not import in $venv" >&2; return 1; }
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
        if [ "$label" = dropin ]; then grep -m1 "^wscodec drop-in .* installed over" "$out/$label.log" || true; fi
        if [ "$label" = dropin ] && grep -q "^wscodec drop-in .*not installed" "$out/$label.log"; then
            refused "$name" "$(grep -m1 "DropinVersionWarning" "$out/$label.log" | sed 's/.*DropinVersionWarning: //')" || return 1
            return 0
        fi
        if [ "$label" = dropin ] && grep -q "^wscodec drop-in .*swapped back" "$out/$label.log"; then
            echo "$name: the drop-in was not in place for the whole run" >&2
            return 1
        fi
        if [ "$kind" = unittest ]; then cp "$out/$label.log" "$out/$label.txt"; fi
    done
}

# refused NAME WARNING: install() refused this release.  On the pinned one
# that fails the run; on the newest one it is what the drop-in is meant to
# do over code it was not checked against, so the run goes on, with a
# banner no one can miss: the drop-in is inactive for users of that release.
refused() {
    local name=$1 warning=$2
    if [ "$DROPIN_RELEASE" != newest ]; then
        echo "$name: install() refused the pinned release: $warning" >&2
        return 1
    fi
    banner "DROP-IN INACTIVE: $name on the newest release: install() refused it" "$warning"
    touch "$DROPIN_WORK/$name/refused"
}

# probe_install PYTHON INTEGRATION [LABEL]: install() in that venv, as the
# library is configured now; a refusal goes through refused() above.
probe_install() {
    local python=$1 integration=$2 label=${3:-$2} warning
    mkdir -p "$DROPIN_WORK/$label"
    if warning=$("$python" -I -W always -c "import sys, wscodec.integrations.$integration as d; sys.exit(not d.install())" 2>&1); then
        echo "$label: install() takes $integration $("$python" -I -c "import wscodec.integrations.$integration as d; print(d.installed_version())")"
    else
        refused "$label" "$(echo "$warning" | grep -m1 "DropinVersionWarning" | sed 's/.*DropinVersionWarning: //' || echo "$warning")"
    fi
}

# compare NAME MIN_PASSED [EXCLUDE_FILE]: identical pass sets, at least MIN_PASSED.
compare() {
    local name=$1 min=$2 exclude=${3:-}
    local out="$DROPIN_WORK/$name" ext=xml
    if [ -e "$out/refused" ]; then
        echo "$name: no pass sets to compare: the drop-in refused this release (see above)"
        return 0
    fi
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
