/*
 * Independent references for the C core tests: written straight from
 * RFC 6455 section 5.3 and the RFC 3629 section 4 grammar, byte by byte,
 * sharing nothing with src/.
 */
#ifndef WSC_TEST_REF_H
#define WSC_TEST_REF_H

#include <stddef.h>
#include <stdint.h>

static void ref_mask(uint8_t *dst, const uint8_t *src, size_t len,
                     const uint8_t key[4], unsigned phase)
{
    size_t i;
    for (i = 0; i < len; i++)
        dst[i] = (uint8_t)(src[i] ^ key[(phase + i) % 4]);
}

/*
 *   UTF8-1 = %x00-7F
 *   UTF8-2 = %xC2-DF UTF8-tail
 *   UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
 *            %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
 *   UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
 *            %xF4 %x80-8F 2( UTF8-tail )
 *   UTF8-tail = %x80-BF
 *
 * Returns the index of the first byte at which the input stops being a
 * prefix of any valid UTF-8 string (len if there is none), and sets
 * *complete to whether the whole input is valid and ends on a boundary.
 */
static size_t ref_utf8_scan(const uint8_t *p, size_t len, int *complete)
{
    size_t i = 0;
    while (i < len) {
        uint8_t b = p[i];
        unsigned n, j;
        uint8_t lo = 0x80, hi = 0xBF; /* range of the second byte */
        if (b <= 0x7F) {
            i++;
            continue;
        } else if (b >= 0xC2 && b <= 0xDF) {
            n = 2;
        } else if (b == 0xE0) {
            n = 3, lo = 0xA0;
        } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
            n = 3;
        } else if (b == 0xED) {
            n = 3, hi = 0x9F;
        } else if (b == 0xF0) {
            n = 4, lo = 0x90;
        } else if (b >= 0xF1 && b <= 0xF3) {
            n = 4;
        } else if (b == 0xF4) {
            n = 4, hi = 0x8F;
        } else {
            *complete = 0;
            return i;
        }
        for (j = 1; j < n; j++) {
            uint8_t c;
            if (i + j >= len) {
                *complete = 0; /* cut short, but still a valid prefix */
                return len;
            }
            c = p[i + j];
            if (j == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) {
                *complete = 0;
                return i + j;
            }
        }
        i += n;
    }
    *complete = 1;
    return len;
}

static size_t ref_ascii_prefix(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len && p[i] < 0x80)
        i++;
    return i;
}

/* Encode one scalar value (caller keeps it valid); returns the length. */
static size_t ref_encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Code points of valid UTF-8 (the caller validated it); returns how many. */
static size_t ref_decode(const uint8_t *p, size_t len, uint32_t *out)
{
    size_t i = 0, n = 0;
    while (i < len) {
        uint32_t b = p[i], cp;
        size_t k, more = b < 0x80 ? 0 : b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
        cp = more == 0 ? b : b & (0x3Fu >> more);
        for (k = 1; k <= more; k++)
            cp = cp << 6 | (p[i + k] & 0x3Fu);
        out[n++] = cp;
        i += more + 1;
    }
    return n;
}

/* The PyUnicode_New bound of the narrowest str kind for these. */
static uint32_t ref_maxchar(const uint32_t *cps, size_t n)
{
    uint32_t top = 0;
    size_t i;
    for (i = 0; i < n; i++)
        top = cps[i] > top ? cps[i] : top;
    return top < 0x80 ? 0x7F : top < 0x100 ? 0xFF : top < 0x10000 ? 0xFFFF
                                                                   : 0x10FFFF;
}

/* xorshift64*: deterministic and good enough to pick test cases. */
static uint64_t ref_rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* A random scalar value whose encoding is `bytes` long (1-4); boundary
 * values come up often since that is where validators go wrong. */
static uint32_t ref_random_cp(uint64_t *rng, unsigned bytes)
{
    static const uint32_t lo[5] = {0, 0, 0x80, 0x800, 0x10000};
    static const uint32_t hi[5] = {0, 0x7F, 0x7FF, 0xFFFF, 0x10FFFF};
    static const uint32_t edges[] = {0x80,   0x7FF,  0x800,   0xFFF,
                                     0x1000, 0xD7FF, 0xE000,  0xFFFF,
                                     0x10000, 0x3FFFF, 0x40000, 0x10FFFF};
    uint64_t r = ref_rng_next(rng);
    uint32_t cp;
    size_t k;
    if (bytes > 1 && (r & 7) == 0) {
        for (k = (size_t)(r >> 8) % 12;; k = (k + 1) % 12)
            if (edges[k] >= lo[bytes] && edges[k] <= hi[bytes])
                return edges[k];
    }
    cp = lo[bytes] + (uint32_t)((r >> 8) % (hi[bytes] - lo[bytes] + 1));
    if (cp >= 0xD800 && cp <= 0xDFFF)
        cp -= 0x800; /* surrogates are not scalar values */
    return cp;
}

#endif /* WSC_TEST_REF_H */
