#!/usr/bin/env bash
# Builds and runs the C core tests:
#   (a) test_core with gcc -O2, warnings as errors
#   (b) test_core with clang under AddressSanitizer + UndefinedBehaviorSanitizer
#   (c) the libFuzzer harness under ASan/UBSan for $FUZZ_SECONDS (default 60)
#   (d) a static aarch64 test_core under qemu-aarch64 (NEON vs the references)
#   (e) a static s390x test_core under qemu-s390x (big-endian, scalar only)
# Installs nothing; a missing tool skips its step with a loud message.
# The tools, on Debian 12:
#   apt-get install -y clang-14 libclang-rt-14-dev gcc-aarch64-linux-gnu \
#       gcc-s390x-linux-gnu qemu-user
# Last line: "run.sh: N passed, M failed, K skipped"; exit status 1 on failure.
set -u

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../src" && pwd)
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
APT_LINE="apt-get install -y clang-14 libclang-rt-14-dev gcc-aarch64-linux-gnu gcc-s390x-linux-gnu qemu-user"

CFLAGS="-std=c99 -Wall -Wextra -Wpedantic -Werror -I$src"
SOURCES=("$src"/*.c)
passed=0 failed=0 skipped=0

ok() { echo ">>> PASS: $1"; passed=$((passed + 1)); }
ko() { echo ">>> FAIL: $1"; failed=$((failed + 1)); }
skip() {
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "!!! SKIPPED: $1"
    echo "!!! to run it: $APT_LINE"
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    skipped=$((skipped + 1))
}
# step NAME COMMAND...: runs a build-and-run command, counts the outcome.
step() {
    local name=$1
    shift
    echo
    echo "=== $name"
    if "$@"; then ok "$name"; else ko "$name"; fi
}

CLANG=""
for c in clang-14 clang; do
    if command -v "$c" >/dev/null 2>&1; then CLANG=$c; break; fi
done

# (a)
if command -v gcc >/dev/null 2>&1; then
    step "test_core, gcc -O2" bash -c '
        gcc -O2 '"$CFLAGS"' "$@" -o "'"$build"'/test_gcc" &&
        "'"$build"'/test_gcc"' _ "${SOURCES[@]}" "$here/test_core.c"
else
    skip "gcc not found: test_core with gcc"
fi

# (b)
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
if [ -n "$CLANG" ]; then
    step "test_core, $CLANG -O1 ASan+UBSan" bash -c '
        '"$CLANG"' -O1 -g '"$SAN $CFLAGS"' "$@" -o "'"$build"'/test_asan" &&
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "'"$build"'/test_asan"
        ' _ "${SOURCES[@]}" "$here/test_core.c"
else
    skip "clang (clang-14 or clang) not found: sanitizer build"
fi

# (c)
if [ -n "$CLANG" ] && echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}' |
    "$CLANG" -fsanitize=fuzzer -x c - -o "$build/probe" >/dev/null 2>&1; then
    mkdir -p "$build/corpus"
    # A few seeds: key, phase, split seed, then text of each kind.
    printf '\x01\x02\x03\x04\x01\x07hello, world' >"$build/corpus/ascii"
    printf '\x37\xfa\x21\x3d\x02\x05caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80' >"$build/corpus/mixed"
    printf '\x00\x00\x00\x00\x03\x09\xed\xa0\x80\xf4\x90\x80\x80\xe0\x80\x80' >"$build/corpus/bad"
    step "fuzz_core, $CLANG libFuzzer+ASan+UBSan, ${FUZZ_SECONDS}s" bash -c '
        '"$CLANG"' -O1 -g -fsanitize=fuzzer,address,undefined \
            -fno-sanitize-recover=all '"$CFLAGS"' "$@" -o "'"$build"'/fuzz" &&
        "'"$build"'/fuzz" -max_total_time='"$FUZZ_SECONDS"' -max_len=4096 \
            -print_final_stats=1 -artifact_prefix="'"$build"'/" \
            "'"$build"'/corpus" 2>&1 | grep -vE "^#[0-9]+.*(NEW|REDUCE|pulse)|^\"|dictionary" ;
        exit "${PIPESTATUS[0]}"' _ "${SOURCES[@]}" "$here/fuzz_core.c"
else
    skip "libFuzzer runtime not found (clang + libclang-rt-14-dev): fuzzer"
fi

# (d)
if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 &&
    command -v qemu-aarch64 >/dev/null 2>&1; then
    step "test_core, aarch64 static under qemu (NEON)" bash -c '
        aarch64-linux-gnu-gcc -O2 -static '"$CFLAGS"' "$@" \
            -o "'"$build"'/test_a64" &&
        out=$(qemu-aarch64 "'"$build"'/test_a64") ; rc=$?
        echo "$out"
        [ $rc -eq 0 ] && echo "$out" | grep -q "^level neon *: [0-9]* checks"
        ' _ "${SOURCES[@]}" "$here/test_core.c"
else
    skip "aarch64-linux-gnu-gcc or qemu-aarch64 not found: NEON under qemu"
fi

# (e)
if command -v s390x-linux-gnu-gcc >/dev/null 2>&1 &&
    command -v qemu-s390x >/dev/null 2>&1; then
    step "test_core, s390x static under qemu (big-endian scalar)" bash -c '
        s390x-linux-gnu-gcc -O2 -static '"$CFLAGS"' "$@" \
            -o "'"$build"'/test_s390x" && qemu-s390x "'"$build"'/test_s390x"
        ' _ "${SOURCES[@]}" "$here/test_core.c"
else
    skip "s390x-linux-gnu-gcc or qemu-s390x not found: big-endian run"
fi

echo
echo "run.sh: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
