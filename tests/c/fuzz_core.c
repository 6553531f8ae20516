/*
 * libFuzzer harness: every SIMD level this CPU has must agree with the
 * scalar level and with the references in ref.h, for masking, whole-buffer
 * UTF-8, the ASCII prefix, streamed UTF-8 (pieces cut where the input
 * says) and UTF-8 transcoded to 1-, 2- and 4-byte units.  Traps on the first disagreement.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc src/\*.c \
 *         tests/c/fuzz_core.c -o fuzz_core && ./fuzz_core -max_total_time=60
 *
 * Input layout: key[4], phase, split seed, then the payload.  The payload is
 * checked twice: as raw bytes, and turned into mostly valid UTF-8 (three
 * bytes pick each character, a fourth may corrupt it), since random bytes
 * almost never reach the SIMD validators' interesting paths.
 */
#include <stdlib.h>
#include <string.h>

#include "ref.h"
#include "wscodec_core.h"

static const char *const levels[] = {"avx512", "avx2", "ssse3", "sse2",
                                     "neon",   "scalar"};

#define ENSURE(cond)                                                          \
    do {                                                                      \
        if (!(cond))                                                          \
            __builtin_trap();                                                 \
    } while (0)

/* Streams p through the current level in pieces from the seed and checks
 * each feed against the reference's first impossible byte. */
static void check_stream(const uint8_t *p, size_t len, uint64_t seed)
{
    int complete;
    size_t bad = ref_utf8_scan(p, len, &complete), pos = 0;
    wsc_utf8_stream s;
    wsc_utf8_stream_init(&s);
    do {
        uint64_t r = ref_rng_next(&seed);
        size_t piece = (r & 3) == 0 ? (size_t)(r >> 8) % 5
                                    : (size_t)(r >> 8) % (len - pos + 1);
        if (piece > len - pos)
            piece = len - pos;
        ENSURE(wsc_utf8_stream_feed(&s, p + pos, piece) == (pos + piece <= bad));
        pos += piece;
    } while (pos < len);
    ENSURE(wsc_utf8_stream_finish(&s) == complete);
}

static void check_utf8(const uint8_t *p, size_t len, uint64_t seed)
{
    int complete;
    size_t n = 0;
    uint32_t mc = 0, want_mc = 0;
    ref_utf8_scan(p, len, &complete);
    ENSURE(wsc_utf8_valid(p, len) == complete);
    ENSURE(wsc_utf8_valid_measure(p, len, &n, &mc) == complete);
    ENSURE(!complete || (n == wsc_utf8_measure(p, len, &want_mc) && mc == want_mc));
    ENSURE(wsc_ascii_prefix(p, len) == ref_ascii_prefix(p, len));
    check_stream(p, len, seed);
}

/* Transcoding at every width: valid input must match ref_decode; any input
 * must keep its writes inside the exact-size output (ASan watches). */
static void check_transcode(const uint8_t *p, size_t len)
{
    int complete;
    uint32_t maxchar, *want;
    size_t n, ref_n, i;
    unsigned width;

    ref_utf8_scan(p, len, &complete);
    n = wsc_utf8_measure(p, len, &maxchar);
    want = malloc(len * 4 + 4);
    ref_n = complete ? ref_decode(p, len, want) : n;
    ENSURE(n == ref_n);
    ENSURE(!complete || maxchar == ref_maxchar(want, ref_n));
    for (width = 1; width <= 4; width *= 2) {
        uint8_t *dst = malloc(n * width + 1);
        wsc_utf8_transcode(p, len, dst, n, width);
        if (complete && maxchar <= (width == 1 ? 0xFFu : width == 2 ? 0xFFFFu
                                                                  : 0x10FFFFu))
            for (i = 0; i < n; i++) {
                uint32_t got;
                uint16_t u;
                if (width == 1)
                    got = dst[i];
                else if (width == 2)
                    got = (memcpy(&u, dst + 2 * i, 2), u);
                else
                    memcpy(&got, dst + 4 * i, 4);
                ENSURE(got == want[i]);
            }
        free(dst);
    }
    free(want);
}

/* Mostly valid UTF-8 from arbitrary bytes; returns its length. */
static size_t structured(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t i, len = 0;
    for (i = 0; i + 4 <= n; i += 4) {
        uint64_t seed = ((uint64_t)in[i] << 16 | (uint64_t)in[i + 1] << 8 |
                         in[i + 2]) + 1;
        unsigned bytes = 1 + (in[i + 3] & 3);
        len += ref_encode(ref_random_cp(&seed, bytes), out + len);
        if ((in[i + 3] & 0xE0) == 0xE0) /* 1 in 8: corrupt a byte */
            out[len - 1 - ((in[i + 3] >> 2) & 3) % len] = in[i];
    }
    return len;
}

/* Valid text as prose in a script with spaces: each 2 bytes in make a word
 * of 1-8 characters of one width (or of 2- and 3-byte ones mixed), then 1-3
 * ASCII bytes, so the width changes every few bytes.  Returns its length. */
static size_t words(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t i, len = 0;
    for (i = 0; i + 2 <= n; i += 2) {
        uint64_t seed = ((uint64_t)in[i] << 8 | in[i + 1]) + 1;
        unsigned k, chars = 1 + (in[i] & 7), gap = 1 + (in[i + 1] >> 6) % 3;
        unsigned width = 2 + ((in[i] >> 3) & 3); /* 2, 3, 4, or 5: mixed */
        for (k = 0; k < chars; k++)
            len += ref_encode(ref_random_cp(&seed, width == 5 ? 2 + (k & 1) : width),
                              out + len);
        for (k = 0; k < gap; k++)
            len += ref_encode(ref_random_cp(&seed, 1), out + len);
    }
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t key[4];
    unsigned phase;
    uint64_t seed;
    const uint8_t *payload;
    size_t n, m, l;
    uint8_t *src, *want, *dst, *text, *prose;
    size_t w;

    if (size < 6)
        return 0;
    memcpy(key, data, 4);
    phase = data[4] & 3;
    seed = (uint64_t)data[5] * 0x9E3779B97F4A7C15u + size + 1;
    payload = data + 6;
    n = size - 6;

    /* Exact-size heap copies, so ASan sees any read or write past them. */
    src = malloc(n + 1);
    want = malloc(n + 1);
    dst = malloc(n + 1);
    text = malloc(n + 1);
    /* words() writes at most 8 characters of 4 bytes and 3 ASCII bytes
     * per 2 bytes in. */
    prose = malloc(n / 2 * 35 + 1);
    memcpy(src, payload, n);
    ref_mask(want, src, n, key, phase);
    m = structured(payload, n, text);
    w = words(payload, n, prose);

    for (l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        if (wsc_simd_select(levels[l]) != 0)
            continue;
        ENSURE(wsc_mask(dst, src, n, key, phase) == (phase + n) % 4);
        ENSURE(memcmp(dst, want, n) == 0);
        memcpy(dst, src, n);
        ENSURE(wsc_mask(dst, dst, n, key, phase) == (phase + n) % 4);
        ENSURE(memcmp(dst, want, n) == 0);
        ENSURE(wsc_mask_ascii(dst, src, n, key, phase) ==
               (ref_ascii_prefix(want, n) == n));
        ENSURE(memcmp(dst, want, n) == 0);
        check_utf8(src, n, seed);
        check_utf8(text, m, seed);
        check_transcode(src, n);
        check_transcode(text, m);
        check_utf8(prose, w, seed);
        check_transcode(prose, w);
    }
    free(src);
    free(want);
    free(dst);
    free(text);
    free(prose);
    return 0;
}
