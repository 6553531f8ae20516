/*
 * SIMD UTF-8 validation for aarch64 (NEON), after Keiser & Lemire; the
 * algorithm is described in utf8_x86.c and the tables in utf8_scalar.c.
 */
#include "wsc_internal.h"

#ifdef WSC_AARCH64
#include <arm_neon.h>

typedef struct {
    uint8x16_t prev_high, prev_low, cur_high, incomplete_max;
    uint8x16_t err, prev, prev_inc;
} neon_state;

static inline uint8x16_t neon_errors(const neon_state *s, uint8x16_t in,
                                     uint8x16_t prev)
{
    uint8x16_t prev1 = vextq_u8(prev, in, 15);
    uint8x16_t prev2 = vextq_u8(prev, in, 14);
    uint8x16_t prev3 = vextq_u8(prev, in, 13);
    uint8x16_t b1h = vqtbl1q_u8(s->prev_high, vshrq_n_u8(prev1, 4));
    uint8x16_t b1l = vqtbl1q_u8(s->prev_low, vandq_u8(prev1, vdupq_n_u8(15)));
    uint8x16_t b2h = vqtbl1q_u8(s->cur_high, vshrq_n_u8(in, 4));
    uint8x16_t special = vandq_u8(vandq_u8(b1h, b1l), b2h);
    uint8x16_t third = vqsubq_u8(prev2, vdupq_n_u8(0xE0 - 0x80));
    uint8x16_t fourth = vqsubq_u8(prev3, vdupq_n_u8(0xF0 - 0x80));
    uint8x16_t must23 = vandq_u8(vorrq_u8(third, fourth), vdupq_n_u8(0x80));
    return veorq_u8(must23, special);
}

static inline void neon_block(neon_state *s, const uint8_t *blk)
{
    uint8x16_t a = vld1q_u8(blk);
    uint8x16_t b = vld1q_u8(blk + 16);
    uint8x16_t c = vld1q_u8(blk + 32);
    uint8x16_t d = vld1q_u8(blk + 48);
    uint8x16_t any = vorrq_u8(vorrq_u8(a, b), vorrq_u8(c, d));
    if (vmaxvq_u8(any) < 0x80) {
        s->err = vorrq_u8(s->err, s->prev_inc);
        s->prev_inc = vdupq_n_u8(0);
    } else {
        uint8x16_t e = vorrq_u8(neon_errors(s, a, s->prev),
                                neon_errors(s, b, a));
        e = vorrq_u8(e, neon_errors(s, c, b));
        e = vorrq_u8(e, neon_errors(s, d, c));
        s->err = vorrq_u8(s->err, e);
        s->prev_inc = vqsubq_u8(d, s->incomplete_max);
    }
    s->prev = d;
}

int wsc_utf8_valid_neon(const uint8_t *p, size_t len)
{
    neon_state s;
    size_t i = 0;

    s.prev_high = vld1q_u8(wsc_kl_prev_high);
    s.prev_low = vld1q_u8(wsc_kl_prev_low);
    s.cur_high = vld1q_u8(wsc_kl_cur_high);
    s.incomplete_max = vld1q_u8(wsc_kl_incomplete_max + 16);
    s.err = s.prev = s.prev_inc = vdupq_n_u8(0);

    for (; len - i >= 64; i += 64)
        neon_block(&s, p + i);
    if (i < len) {
        if (len >= 80) { /* re-check the last 64 bytes in place */
            s.prev = vld1q_u8(p + len - 80);
            neon_block(&s, p + len - 64);
        } else {
            uint8_t pad[64];
            memset(pad, 0, sizeof pad);
            memcpy(pad, p + i, len - i);
            neon_block(&s, pad);
        }
    }
    s.err = vorrq_u8(s.err, s.prev_inc);
    return vmaxvq_u8(s.err) == 0;
}

size_t wsc_ascii_prefix_neon(const uint8_t *p, size_t len)
{
    size_t i = 0;
    for (; len - i >= 16; i += 16) {
        if (vmaxvq_u8(vld1q_u8(p + i)) >= 0x80)
            break; /* the scalar scan below pinpoints the byte */
    }
    return i + wsc_ascii_prefix_scalar(p + i, len - i);
}

#else
typedef int wsc_utf8_neon_unused; /* ISO C forbids an empty file */
#endif
