# Sourced by the scripts of .ci/ (and .ci/dropin/_lib.sh):
#   source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/_lib.sh"
# ROOT is the checkout; log times from when this was sourced.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
start=$SECONDS

log() { printf '\n==== [%4ds] %s\n' $((SECONDS - start)) "$*"; }

# banner LINE...: for what did not run, so that nobody takes the run for a
# full one; one "!!!" line per argument between two bars.
banner() {
    local bar
    bar=$(printf '!%.0s' {1..72})
    printf '\n%s\n' "$bar"
    printf '!!! %s\n' "$@"
    printf '%s\n\n' "$bar"
}

# readme_command N: the README's Nth command (non-empty line) of its first
# code block, so that CI runs the documented commands exactly as written.
readme_command() {
    awk '/^```/{block++; next} block==1 && NF {n++; if (n==want) {print; exit}}' want="$1" "$ROOT/README.md"
}

# apt_install PKG...: quietly, waiting up to ten minutes for another apt.
apt_install() {
    apt-get -q -o DPkg::Lock::Timeout=600 update >/dev/null || true
    DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 install "$@" >/dev/null
}

# in_root DIR CMD...: CMD in the Debian root DIR, with /dev and /proc
# mounted in a private mount namespace (gone with it), the host's DNS and
# CA bundle, and a clean environment plus the NAME=VALUE words of
# IN_ROOT_ENV.
IN_ROOT_ENV=()
in_root() {
    local dir=$1
    shift
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/host-ca-certificates.crt"
    unshare --mount --propagation private -- /bin/sh -ec '
        dir=$1; shift
        mount --rbind /dev "$dir/dev"
        mount -t proc proc "$dir/proc"
        exec chroot "$dir" /usr/bin/env -i \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
            PIP_CERT=/etc/host-ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \
            PIP_NO_INPUT=1 PIP_ROOT_USER_ACTION=ignore \
            "$@"' _ "$dir" "${IN_ROOT_ENV[@]}" "$@"
}

# build_sdist: the files git would ship (tracked and untracked, not ignored)
# copied to $WORK/src, and the sdist built from them into $WORK/dist, with
# `build` in a venv of its own ($WORK/tools); logs in $WORK/logs.
build_sdist() {
    local src=$WORK/src
    mkdir -p "$src" "$WORK/dist"
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) |
        while IFS= read -r -d '' f; do [ ! -e "$ROOT/$f" ] || printf '%s\0' "$f"; done |
        tar -C "$ROOT" --null -T - -cf - | tar -C "$src" -xf - || return 1
    python3 -m venv "$WORK/tools" || return 1
    "$WORK/tools/bin/pip" install -q build >"$WORK/logs/tools.log" 2>&1 || { cat "$WORK/logs/tools.log"; return 1; }
    "$WORK/tools/bin/python" -m build --sdist --outdir "$WORK/dist" "$src" >"$WORK/logs/sdist.log" 2>&1 ||
        { tail -40 "$WORK/logs/sdist.log"; return 1; }
    ls "$WORK"/dist
}
