/*
 * UTF-8 to the code units of a str: the public entry points, the portable
 * measure and transcoder, and the tables the SIMD kernels share.
 */
#include "wsc_internal.h"

#include "transcode_tables.h"

/* Lanes (last, lead) from a run of 2-byte characters. */
const uint8_t wsc_swap_pairs[16] = {1, 0, 3, 2, 5, 4, 7, 6,
                                    9, 8, 11, 10, 13, 12, 15, 14};
/* Lanes (last, middle, lead, zero) from a run of 3-byte characters. */
const uint8_t wsc_reverse_triples[16] = {2, 1, 0, 0x80, 5, 4, 3, 0x80,
                                         8, 7, 6, 0x80, 11, 10, 9, 0x80};
/* Lanes (last, ..., lead) from a run of 4-byte characters. */
const uint8_t wsc_reverse_quads[16] = {3, 2, 1, 0, 7, 6, 5, 4,
                                       11, 10, 9, 8, 15, 14, 13, 12};

size_t wsc_utf8_measure(const uint8_t *p, size_t len, uint32_t *maxchar)
{
    if (len == 0) {
        *maxchar = 0x7F;
        return 0;
    }
    return wsc_active()->utf8_measure(p, len, maxchar);
}

int wsc_utf8_valid_measure(const uint8_t *p, size_t len, size_t *nchars,
                           uint32_t *maxchar)
{
    if (len == 0) {
        *nchars = 0;
        *maxchar = 0x7F;
        return 1;
    }
    return wsc_active()->utf8_valid_measure(p, len, nchars, maxchar);
}

int wsc_utf8_valid_measure_generic(const uint8_t *p, size_t len,
                                   size_t *nchars, uint32_t *maxchar)
{
    const wsc_impl *level = wsc_active();
    if (!level->utf8_valid(p, len))
        return 0;
    *nchars = level->utf8_measure(p, len, maxchar);
    return 1;
}

void wsc_utf8_transcode(const uint8_t *p, size_t len, void *dst,
                        size_t nchars, unsigned width)
{
    if (len == 0 || nchars == 0)
        return;
    wsc_active()->utf8_transcode(p, len, dst, nchars, width);
}

int wsc_utf8_transcode_vectorised(void)
{
    return wsc_active()->utf8_transcode != wsc_utf8_transcode_scalar;
}

#define HIGH_BITS UINT64_C(0x8080808080808080)

size_t wsc_utf8_measure_scalar(const uint8_t *p, size_t len,
                               uint32_t *maxchar)
{
    size_t i, cont = 0;
    unsigned top = 0;
    for (i = 0; i < len; i++) {
        cont += (p[i] & 0xC0u) == 0x80u;
        top |= p[i] >= 0xC4u ? (p[i] >= 0xF0u ? 4u : 2u) : p[i] >> 7;
    }
    *maxchar = top & 4u ? 0x10FFFFu : top & 2u ? 0xFFFFu : top ? 0xFFu : 0x7Fu;
    return len - cont;
}

WSC_INLINE void put_unit(void *dst, size_t o, uint32_t cp, unsigned width)
{
    if (width == 1)
        ((uint8_t *)dst)[o] = (uint8_t)cp;
    else if (width == 2)
        ((uint16_t *)dst)[o] = (uint16_t)cp;
    else
        ((uint32_t *)dst)[o] = cp;
}

void wsc_utf8_transcode_scalar(const uint8_t *p, size_t len, void *dst,
                               size_t nchars, unsigned width)
{
    size_t i = 0, o = 0;
    while (i < len && o < nchars) {
        uint32_t b = p[i], cp;
        if (b < 0x80) {
            /* ASCII runs: a word at a time. */
            uint64_t w;
            if (len - i >= 8 && nchars - o >= 8) {
                memcpy(&w, p + i, 8);
                if ((w & HIGH_BITS) == 0) {
                    unsigned k;
                    if (width == 1)
                        memcpy((uint8_t *)dst + o, p + i, 8);
                    else
                        for (k = 0; k < 8; k++)
                            put_unit(dst, o + k, p[i + k], width);
                    i += 8;
                    o += 8;
                    continue;
                }
            }
            cp = b;
            i += 1;
        } else if (b < 0xE0 && len - i >= 2) {
            cp = (b & 0x1Fu) << 6 | (p[i + 1] & 0x3Fu);
            i += 2;
        } else if (b < 0xF0 && len - i >= 3) {
            cp = (b & 0x0Fu) << 12 | (p[i + 1] & 0x3Fu) << 6 |
                 (p[i + 2] & 0x3Fu);
            i += 3;
        } else if (len - i >= 4) {
            cp = (b & 0x07u) << 18 | (p[i + 1] & 0x3Fu) << 12 |
                 (p[i + 2] & 0x3Fu) << 6 | (p[i + 3] & 0x3Fu);
            i += 4;
        } else {
            cp = 0xFFFD; /* cut short: only on invalid input */
            i = len;
        }
        put_unit(dst, o++, cp, width);
    }
}
