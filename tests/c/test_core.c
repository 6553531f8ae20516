/*
 * Tests of the C core against the references in ref.h, for every SIMD level
 * this CPU supports.  Exits non-zero on any mismatch; the last line is
 * "N passed, M failed".
 *
 *   cc -std=c99 -O2 -Isrc src/\*.c tests/c/test_core.c -o test_core
 *   ./test_core [seed]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref.h"
#include "wscodec_core.h"

static unsigned long passed, failed;
static const char *level = "?";
static uint64_t rng = 0x9E3779B97F4A7C15u;

/* Counts every check; prints only the first few failures of a run. */
#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (cond) {                                                           \
            passed++;                                                         \
        } else {                                                              \
            if (++failed <= 20) {                                             \
                printf("FAIL [%s] %s:%d: ", level, __FILE__, __LINE__);       \
                printf(__VA_ARGS__);                                          \
                printf("\n");                                                 \
            }                                                                 \
        }                                                                     \
    } while (0)

static size_t rnd(size_t n) { return (size_t)(ref_rng_next(&rng) % n); }

static void hexdump(const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n && i < 48; i++)
        printf("%02X ", p[i]);
    if (n > 48)
        printf("... (%lu bytes)", (unsigned long)n);
    printf("\n");
}

/* ---------------------------------------------------------------- mask -- */

/* Masks src (at src_off in its own allocation of exactly off+len bytes, so
 * ASan catches any read past the end) into dst and compares with ref_mask,
 * including that no byte around dst changed. */
static void check_mask_copy(size_t len, unsigned phase, size_t src_off,
                            size_t dst_off)
{
    static const uint8_t key[4] = {0x37, 0xFA, 0x21, 0x3D};
    uint8_t *src = malloc(src_off + len + 1);
    uint8_t *dst = malloc(dst_off + len + 8);
    uint8_t *want = malloc(len + 1);
    size_t i;
    unsigned next;
    int ok = 1;

    for (i = 0; i < src_off + len; i++)
        src[i] = (uint8_t)ref_rng_next(&rng);
    memset(dst, 0xA5, dst_off + len + 8);
    ref_mask(want, src + src_off, len, key, phase);
    next = wsc_mask(dst + dst_off, src + src_off, len, key, phase);
    for (i = 0; i < dst_off; i++)
        ok &= dst[i] == 0xA5;
    for (i = 0; i < 8; i++)
        ok &= dst[dst_off + len + i] == 0xA5;
    CHECK(ok && memcmp(dst + dst_off, want, len) == 0 &&
              next == (phase + len) % 4,
          "mask copy len=%lu phase=%u src_off=%lu dst_off=%lu",
          (unsigned long)len, phase, (unsigned long)src_off,
          (unsigned long)dst_off);
    free(src);
    free(dst);
    free(want);
}

static void check_mask_inplace(size_t len, unsigned phase, size_t off)
{
    static const uint8_t key[4] = {0x01, 0x80, 0xFF, 0x5A};
    uint8_t *buf = malloc(off + len + 1);
    uint8_t *want = malloc(len + 1);
    size_t i, cut;
    unsigned next;

    for (i = 0; i < off + len; i++)
        buf[i] = (uint8_t)ref_rng_next(&rng);
    ref_mask(want, buf + off, len, key, phase);
    /* Split in two at a random point: the returned phase must carry on. */
    cut = len ? rnd(len + 1) : 0;
    next = wsc_mask(buf + off, buf + off, cut, key, phase);
    next = wsc_mask(buf + off + cut, buf + off + cut, len - cut, key, next);
    CHECK(memcmp(buf + off, want, len) == 0 && next == (phase + len) % 4,
          "mask in place len=%lu phase=%u off=%lu cut=%lu",
          (unsigned long)len, phase, (unsigned long)off, (unsigned long)cut);
    free(buf);
    free(want);
}

/* wsc_mask_ascii: the bytes of wsc_mask, and whether they are all ASCII,
 * with one non-ASCII byte (or none) at every position of interest. */
static void check_mask_ascii(size_t len, unsigned phase, size_t off)
{
    static const uint8_t key[4] = {0x37, 0x7A, 0x21, 0x3D};
    uint8_t *src = malloc(off + len + 1), *dst = malloc(off + len + 1);
    uint8_t *want = malloc(len + 1);
    size_t i, bad;
    memset(src, 0, off + len + 1);
    for (bad = 0; bad <= len; bad += (len > 80 && bad > 40 && bad + 40 < len) ? 13 : 1) {
        uint8_t plain;
        for (i = 0; i < len; i++) {
            plain = (uint8_t)(ref_rng_next(&rng) & 0x7F);
            if (i == bad)
                plain |= 0x80;
            /* src holds the masked form, so unmasking gives plain */
            src[off + i] = (uint8_t)(plain ^ key[(phase + i) & 3]);
        }
        ref_mask(want, src + off, len, key, phase);
        CHECK(wsc_mask_ascii(dst + off, src + off, len, key, phase) == (bad >= len) &&
                  memcmp(dst + off, want, len) == 0,
              "mask_ascii len=%lu phase=%u off=%lu bad=%lu", (unsigned long)len,
              phase, (unsigned long)off, (unsigned long)bad);
    }
    free(src);
    free(dst);
    free(want);
}

static void test_mask(void)
{
    size_t len, off, w;
    unsigned phase;
    static const size_t widths[] = {16, 32, 64, 128, 256, 512, 1024};

    for (len = 0; len <= 300; len++)
        for (phase = 0; phase < 4; phase++)
            for (off = 0; off < 32; off++) {
                check_mask_inplace(len, phase, off);
                check_mask_copy(len, phase, off, (off * 7 + len) % 32);
            }
    /* Every src/dst offset pair on lengths around the vector widths. */
    for (w = 0; w < sizeof widths / sizeof widths[0]; w++)
        for (len = widths[w] - 3; len <= widths[w] + 3; len++)
            for (phase = 0; phase < 4; phase++)
                for (off = 0; off < 32 * 32; off++)
                    if (len <= 300 || off % 5 == 0)
                        check_mask_copy(len, phase, off / 32, off % 32);
    for (len = 1000; len < 5000; len += 1 + rnd(300))
        check_mask_inplace(len, (unsigned)rnd(4), rnd(32));
}

/* ---------------------------------------------------------------- UTF-8 -- */

/* Whole-buffer and streamed validation of one input against the
 * reference.  The stream is fed in random pieces (some empty); each feed
 * must succeed exactly while the first impossible byte is not yet fed. */
static void check_utf8(const uint8_t *p, size_t len)
{
    int complete, got, ok = 1;
    size_t bad = ref_utf8_scan(p, len, &complete);
    size_t pos = 0;
    uint8_t *copy = malloc(len + 1); /* exact size: ASan sees over-reads */
    wsc_utf8_stream s;

    memcpy(copy, p, len);
    got = wsc_utf8_valid(copy, len);
    CHECK(got == complete, "utf8_valid=%d want %d bad=%lu", got, complete,
          (unsigned long)bad);
    {
        /* The one-pass variant: the same verdict, and on valid input what
         * the measure pass says. */
        size_t n = 0, want_n = 0;
        uint32_t mc = 0, want_mc = 0;
        int both = wsc_utf8_valid_measure(copy, len, &n, &mc);
        if (complete)
            want_n = wsc_utf8_measure(copy, len, &want_mc);
        CHECK(both == complete && (!complete || (n == want_n && mc == want_mc)),
              "utf8_valid_measure=%d (%lu chars, max %lX) want %d (%lu, %lX)",
              both, (unsigned long)n, (unsigned long)mc, complete,
              (unsigned long)want_n, (unsigned long)want_mc);
    }
    if (got != complete && failed <= 20)
        hexdump(p, len);

    wsc_utf8_stream_init(&s);
    do {
        size_t piece = rnd(4) == 0 ? rnd(5) : rnd(len - pos + 1);
        int r;
        if (piece > len - pos)
            piece = len - pos;
        r = wsc_utf8_stream_feed(&s, copy + pos, piece);
        pos += piece;
        if (r != (pos <= bad)) {
            ok = 0;
            break;
        }
    } while (pos < len);
    CHECK(ok && wsc_utf8_stream_finish(&s) == complete,
          "stream pos=%lu bad=%lu complete=%d", (unsigned long)pos,
          (unsigned long)bad, complete);
    if (!ok && failed <= 20)
        hexdump(p, len);
    free(copy);
}

/* Byte-by-byte feeding: the failing feed must be exactly the first
 * impossible byte. */
static void check_utf8_bytewise(const uint8_t *p, size_t len)
{
    int complete;
    size_t bad = ref_utf8_scan(p, len, &complete), i;
    wsc_utf8_stream s;
    wsc_utf8_stream_init(&s);
    for (i = 0; i < len; i++) {
        int r = wsc_utf8_stream_feed(&s, p + i, 1);
        if (r != (i < bad))
            break;
    }
    CHECK(i == len && wsc_utf8_stream_finish(&s) == complete,
          "bytewise stream stopped at %lu bad=%lu", (unsigned long)i,
          (unsigned long)bad);
}

/* Filler that keeps every SIMD block non-ASCII and ends on a boundary. */
static size_t filler(uint8_t *out, size_t n, int multibyte)
{
    size_t i = 0;
    while (i < n) {
        if (multibyte && n - i >= 2 && (i / 2) % 3 == 0) {
            out[i++] = 0xC3; /* e with acute */
            out[i++] = 0xA9;
        } else {
            out[i] = (uint8_t)('a' + i % 26);
            i++;
        }
    }
    return n;
}

/* Places seq at every interesting offset relative to 16/32/64-byte
 * boundaries (cycling through them across calls), with filler before and
 * after, so lane, vector, block and padded-tail edges all get exercised. */
static void check_embedded(const uint8_t *seq, size_t n)
{
    static const size_t offs[] = {0, 1, 13, 14, 15, 16, 29, 30, 31, 32,
                                  33, 60, 61, 62, 63, 64, 65, 127};
    static const size_t posts[] = {0, 1, 2, 3, 4, 35, 64, 100};
    static unsigned cycle;
    uint8_t buf[300];
    size_t off = offs[cycle % 18], post = posts[(cycle / 18) % 8], len;
    int mb = (cycle / 144) & 1;
    cycle++;

    len = filler(buf, off, mb);
    memcpy(buf + len, seq, n);
    len += n;
    len += filler(buf + len, post, mb);
    check_utf8(buf, len);
}

static void test_utf8_exhaustive(void)
{
    static const uint8_t edge[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90,
                                   0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
                                   0xDF, 0xE0, 0xED, 0xF0, 0xF4, 0xF5,
                                   0xFE, 0xFF};
    const size_t ne = sizeof edge;
    uint8_t s[4];
    unsigned a, b, c, d, rep;

    for (a = 0; a < 256; a++) {
        s[0] = (uint8_t)a;
        check_utf8(s, 1);
        check_utf8_bytewise(s, 1);
        for (rep = 0; rep < 4; rep++)
            check_embedded(s, 1);
    }
    for (a = 0; a < 256; a++)
        for (b = 0; b < 256; b++) {
            s[0] = (uint8_t)a;
            s[1] = (uint8_t)b;
            check_utf8(s, 2);
            check_embedded(s, 2);
            if (a >= 0xC0)
                check_utf8_bytewise(s, 2);
        }
    /* Every lead with every second byte and boundary continuations. */
    for (a = 0xC0; a < 256; a++)
        for (b = 0; b < 256; b++)
            for (c = 0; c < ne; c++) {
                s[0] = (uint8_t)a;
                s[1] = (uint8_t)b;
                s[2] = edge[c];
                check_embedded(s, 3);
                if (b >= 0x80 && b < 0xC0)
                    check_utf8_bytewise(s, 3);
                if (a < 0xF0)
                    continue;
                for (d = 0; d < ne; d++) {
                    s[3] = edge[d];
                    check_embedded(s, 4);
                }
            }
}

/* Named cases, mostly to document what "strict" means. */
static void test_utf8_named(void)
{
    static const struct {
        const char *s;
        int valid;
    } cases[] = {
        {"", 1},
        {"plain ascii", 1},
        {"\xC2\x80", 1},                 /* U+0080 */
        {"\xDF\xBF", 1},                 /* U+07FF */
        {"\xE0\xA0\x80", 1},             /* U+0800 */
        {"\xED\x9F\xBF", 1},             /* U+D7FF */
        {"\xEE\x80\x80", 1},             /* U+E000 */
        {"\xEF\xBF\xBF", 1},             /* U+FFFF */
        {"\xF0\x90\x80\x80", 1},         /* U+10000 */
        {"\xF4\x8F\xBF\xBF", 1},         /* U+10FFFF */
        {"\xC0\x80", 0},                 /* overlong NUL */
        {"\xC1\xBF", 0},                 /* overlong 2-byte */
        {"\xE0\x80\x80", 0},             /* overlong 3-byte */
        {"\xE0\x9F\xBF", 0},             /* overlong 3-byte */
        {"\xF0\x80\x80\x80", 0},         /* overlong 4-byte */
        {"\xF0\x8F\xBF\xBF", 0},         /* overlong 4-byte */
        {"\xED\xA0\x80", 0},             /* U+D800 */
        {"\xED\xBF\xBF", 0},             /* U+DFFF */
        {"\xED\xA0\xBD\xED\xB2\xA9", 0}, /* CESU-8 surrogate pair */
        {"\xF4\x90\x80\x80", 0},         /* U+110000 */
        {"\xF5\x80\x80\x80", 0},
        {"\xF7\xBF\xBF\xBF", 0},
        {"\xF8\x88\x80\x80\x80", 0},     /* 5-byte form */
        {"\xFC\x84\x80\x80\x80\x80", 0}, /* 6-byte form */
        {"\xFE", 0},
        {"\xFF", 0},
        {"\x80", 0},
        {"\xBF", 0},
        {"a\x80", 0},
        {"\xC3", 0},                     /* truncated */
        {"\xE4\xB8", 0},
        {"\xF0\x9F\x98", 0},
        {"\xC3\xA9\x80", 0},             /* extra continuation */
        {"\xE4\xB8\xAD\x80", 0},
        {"\xF0\x9F\x98\x80\x80", 0},
        {"\xE4\xB8\xC3\xA9", 0},         /* lead interrupts a character */
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint8_t *p = (const uint8_t *)cases[i].s;
        size_t n = strlen(cases[i].s);
        CHECK(wsc_utf8_valid(p, n) == cases[i].valid, "named case %lu",
              (unsigned long)i);
        check_utf8(p, n);
        check_utf8_bytewise(p, n);
    }
    /* Embedded NULs are valid characters, not terminators. */
    CHECK(wsc_utf8_valid((const uint8_t *)"a\0b", 3) == 1, "NUL");
}

/* Random valid text of about n bytes; mix selects the character widths. */
/* The mixes: 0 ASCII, 1 accented Latin, 2 CJK, 3 emoji, 4 any width each
 * character; 5-8 words of 1-6 characters between single ASCII bytes, as
 * prose in a script with spaces: 2-byte (Cyrillic), 3-byte (Hangul),
 * 4-byte, and 2- and 3-byte characters in one word. */
#define MIXES 9
static size_t random_text(uint8_t *out, size_t n, unsigned mix)
{
    size_t len = 0, run = 0;
    for (;;) {
        unsigned bytes;
        uint8_t enc[4];
        size_t k;
        switch (mix) {
        case 0: bytes = 1; break;
        case 1: bytes = rnd(4) ? 1 : 2; break;     /* accented Latin */
        case 2: bytes = rnd(8) ? 3 : 1; break;     /* CJK */
        case 3: bytes = rnd(3) ? 4 : 1; break;     /* emoji */
        case 4: bytes = 1 + (unsigned)rnd(4); break;
        default:
            if (run == 0) {
                run = 1 + rnd(6);
                bytes = 1;
            } else {
                run--;
                bytes = mix == 5 ? 2 : mix == 6 ? 3 : mix == 7 ? 4
                                                  : 2 + (unsigned)rnd(2);
            }
            break;
        }
        k = ref_encode(ref_random_cp(&rng, bytes), enc);
        if (len + k > n)
            return len;
        memcpy(out + len, enc, k);
        len += k;
    }
}

static void test_utf8_random(void)
{
    static const uint8_t corrupt[] = {0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0,
                                      0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xF5,
                                      0xFF};
    uint8_t text[1200], work[1200];
    unsigned mix, round;
    size_t len, i, c, cut;

    for (round = 0; round < 40; round++)
        for (mix = 0; mix < MIXES; mix++) {
            len = random_text(text, 64 + rnd(1100), mix);
            check_utf8(text, len);
            CHECK(wsc_utf8_valid(text, len), "random valid text mix=%u", mix);
            /* Every position of one 64-byte block (and the tail), every
             * corrupting value. */
            for (i = 64; i < len && i < 128; i++)
                for (c = 0; c < sizeof corrupt; c++) {
                    memcpy(work, text, len);
                    work[i] = corrupt[c];
                    check_utf8(work, len);
                }
            for (i = len > 70 ? len - 70 : 0; i < len; i++) {
                memcpy(work, text, len);
                work[i] = corrupt[rnd(sizeof corrupt)];
                check_utf8(work, len);
            }
            for (i = 0; i < 50; i++) {
                memcpy(work, text, len);
                work[rnd(len)] = (uint8_t)ref_rng_next(&rng);
                check_utf8(work, len);
            }
            /* Truncations at every length near the end and a few others. */
            for (cut = len > 8 ? len - 8 : 0; cut < len; cut++)
                check_utf8(text, cut);
            for (i = 0; i < 20; i++)
                check_utf8(text, rnd(len + 1));
        }
    /* Large inputs cross many blocks, with ASCII-only blocks in between. */
    for (round = 0; round < 30; round++) {
        static uint8_t big[70000];
        size_t n = 0;
        while (n < sizeof big - 1200) {
            size_t chunk = rnd(900);
            n += random_text(big + n, chunk, (unsigned)rnd(MIXES));
        }
        check_utf8(big, n);
        big[rnd(n)] = corrupt[rnd(sizeof corrupt)];
        check_utf8(big, n);
    }
}

static void test_ascii_prefix(void)
{
    uint8_t buf[400];
    size_t len, pos, got;
    for (len = 0; len <= 300; len++) {
        for (pos = 0; pos <= len; pos += (len > 80 && pos > 80) ? 7 : 1) {
            uint8_t *p = malloc(len + 1);
            memset(buf, 'x', len);
            if (pos < len)
                buf[pos] = (uint8_t)(0x80 + rnd(128));
            if (pos + 1 < len && rnd(2))
                buf[pos + 1 + rnd(len - pos - 1)] = 0xFF;
            memcpy(p, buf, len);
            got = wsc_ascii_prefix(p, len);
            CHECK(got == ref_ascii_prefix(buf, len),
                  "ascii_prefix len=%lu pos=%lu got=%lu", (unsigned long)len,
                  (unsigned long)pos, (unsigned long)got);
            free(p);
        }
    }
}

/* ----------------------------------------------------------- transcode -- */

static unsigned kind_width(uint32_t maxchar)
{
    return maxchar <= 0xFF ? 1 : maxchar <= 0xFFFF ? 2 : 4;
}

/* Measures and transcodes valid p[0..len) at every width that can hold it,
 * into an allocation of exactly the right size plus guard bytes that must
 * stay untouched, and compares with ref_decode. */
static void check_transcode(const uint8_t *p, size_t len)
{
    uint32_t *want = malloc(len * 4 + 4), maxchar = 0;
    size_t n, i, ref_n = ref_decode(p, len, want);
    unsigned width;

    n = wsc_utf8_measure(p, len, &maxchar);
    CHECK(n == ref_n && maxchar == ref_maxchar(want, ref_n),
          "measure len=%lu: %lu chars max %lX, want %lu max %lX",
          (unsigned long)len, (unsigned long)n, (unsigned long)maxchar,
          (unsigned long)ref_n, (unsigned long)ref_maxchar(want, ref_n));
    for (width = n != ref_n ? 8 : kind_width(maxchar); width <= 4; width *= 2) {
        uint8_t *dst = malloc(n * width + 64);
        int ok = 1;
        memset(dst, 0xA5, n * width + 64);
        wsc_utf8_transcode(p, len, dst, n, width);
        for (i = 0; i < 64; i++)
            ok &= dst[n * width + i] == 0xA5;
        uint32_t got = 0;
        for (i = 0; i < n && ok; i++) {
            if (width == 1)
                got = dst[i];
            else if (width == 2) {
                uint16_t u;
                memcpy(&u, dst + 2 * i, 2);
                got = u;
            } else
                memcpy(&got, dst + 4 * i, 4);
            ok &= got == want[i];
        }
        CHECK(ok, "transcode len=%lu width=%u: char %lu is %lX, want %lX",
              (unsigned long)len, width, (unsigned long)(i ? i - 1 : 0),
              (unsigned long)got, (unsigned long)want[i ? i - 1 : 0]);
        if (!ok)
            hexdump(p, len);
        free(dst);
    }
    free(want);
}

static void test_transcode(void)
{
    static uint8_t all[4500000];
    uint8_t buf[300];
    size_t len, n, i, off;
    uint32_t cp;
    unsigned mix, round;

    check_transcode(NULL, 0);
    /* Every scalar value, in order: each passes the vector steps at some
     * alignment, next to neighbours of the same width. */
    for (cp = 0, n = 0; cp <= 0x10FFFF; cp++)
        if (cp < 0xD800 || cp > 0xDFFF)
            n += ref_encode(cp, all + n);
    check_transcode(all, n);
    /* Each width's boundary values alone, at every offset in a vector and
     * every output width, between ASCII and between 2-byte filler. */
    for (i = 0; i < 12; i++) {
        static const uint32_t edges[] = {0x7F,   0x80,   0xFF,    0x100,
                                         0x7FF,  0x800,  0xFFFF,  0x10000,
                                         0xD7FF, 0xE000, 0x10FFFF, 0x1F600};
        for (off = 0; off < 40; off++) {
            len = filler(buf, off, (int)(i & 1));
            len += ref_encode(edges[i], buf + len);
            len += filler(buf + len, 40 - off, (int)(i & 1));
            check_transcode(buf, len);
        }
    }
    /* Runs of 3-byte characters (the 2-byte kind, as CJK text) at every
     * offset and length, broken now and then by ASCII or a 2-byte one. */
    for (off = 0; off < 40; off++)
        for (round = 0; round < 3; round++) {
            n = filler(buf, off, 0);
            while (n + 3 <= 100 + off * 4) {
                uint32_t r = (uint32_t)rnd(64);
                cp = r == 0 ? 'x' : r == 1 ? 0xE9 : 0x800 + (uint32_t)rnd(0xD000);
                n += ref_encode(cp, buf + n);
            }
            check_transcode(buf, n);
        }
    /* Latin-1 text (the 1-byte kind) at every length, ASCII-heavy and not. */
    for (round = 0; round < 4; round++)
        for (len = 0; len <= 300; len++) {
            n = 0;
            while (n + 2 <= len) {
                cp = (uint32_t)rnd(round & 1 ? 256 : 1024);
                n += ref_encode(cp < 256 ? cp : 'a' + cp % 26, buf + n);
            }
            check_transcode(buf, n);
        }
    /* Random mixes at every length up to 300 (tails), and long ones. */
    for (round = 0; round < 3; round++)
        for (mix = 0; mix < MIXES; mix++)
            for (len = 0; len <= 300; len++)
                check_transcode(buf, random_text(buf, len, mix));
    for (round = 0; round < 20; round++) {
        n = 0;
        while (n < 60000) {
            size_t chunk = rnd(900);
            n += random_text(all + n, chunk, (unsigned)rnd(MIXES));
        }
        check_transcode(all, n);
    }
}

/* ------------------------------------------------------------------------ */

/* Empty input may come with a NULL pointer (an empty buffer has none). */
static void test_null_empty(void)
{
    static const uint8_t key[4] = {1, 2, 3, 4};
    wsc_utf8_stream s;
    CHECK(wsc_mask(NULL, NULL, 0, key, 3) == 3, "mask NULL");
    CHECK(wsc_utf8_valid(NULL, 0) == 1, "utf8_valid NULL");
    {
        size_t n = 1;
        uint32_t mc = 0;
        CHECK(wsc_utf8_valid_measure(NULL, 0, &n, &mc) == 1 && n == 0 &&
                  mc == 0x7F,
              "utf8_valid_measure NULL");
    }
    CHECK(wsc_ascii_prefix(NULL, 0) == 0, "ascii_prefix NULL");
    wsc_utf8_stream_init(&s);
    CHECK(wsc_utf8_stream_feed(&s, NULL, 0) == 1, "stream NULL");
    CHECK(wsc_utf8_stream_feed(&s, (const uint8_t *)"\xE4", 1) == 1, "E4");
    CHECK(wsc_utf8_stream_feed(&s, NULL, 0) == 1, "stream NULL mid-char");
    CHECK(wsc_utf8_stream_finish(&s) == 0, "unfinished character");
}

static void test_selection(void)
{
    const char *before = wsc_simd_name();
    CHECK(wsc_simd_select("no-such-level") == -1, "unknown level accepted");
    CHECK(wsc_simd_select(NULL) == -1, "NULL level accepted");
    CHECK(strcmp(wsc_simd_name(), before) == 0, "failed select changed level");
}

int main(int argc, char **argv)
{
    static const char *levels[] = {"avx512", "avx2", "ssse3", "sse2", "neon",
                                   "scalar"};
    size_t i;
    int ran = 0;

    if (argc > 1)
        rng = strtoull(argv[1], NULL, 0) | 1;
    wsc_simd_init();
    printf("default level: %s\n", wsc_simd_name());
    test_selection();
    for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        unsigned long before = passed + failed;
        if (wsc_simd_select(levels[i]) != 0) {
            printf("level %-6s: not supported here, skipped\n", levels[i]);
            continue;
        }
        level = levels[i];
        CHECK(strcmp(wsc_simd_name(), level) == 0, "select did not stick");
        test_null_empty();
        test_mask();
        {
            size_t len, off;
            unsigned phase;
            for (len = 0; len <= 300; len += len < 140 ? 1 : 23)
                for (phase = 0; phase < 4; phase++)
                    for (off = 0; off < 33; off += 11)
                        check_mask_ascii(len, phase, off);
            check_mask_ascii(70000, 3, 5);
        }
        test_ascii_prefix();
        test_utf8_named();
        test_utf8_exhaustive();
        test_utf8_random();
        test_transcode();
        printf("level %-6s: %lu checks\n", level, passed + failed - before);
        fflush(stdout);
        ran++;
    }
#if defined(__x86_64__) || defined(_M_X64) || defined(__aarch64__) ||         \
    defined(_M_ARM64)
    /* A SIMD level must exist here: guards against a dispatch that silently
     * fell back to scalar everywhere. */
    CHECK(ran >= 2, "only %d levels ran", ran);
#else
    CHECK(ran == 1, "%d levels ran", ran);
#endif
    printf("%lu passed, %lu failed\n", passed, failed);
    return failed != 0;
}
