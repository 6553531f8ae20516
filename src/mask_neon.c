/*
 * Masking loop for aarch64, where NEON is part of the baseline.
 */
#include "wsc_internal.h"

#ifdef WSC_AARCH64
#include <arm_neon.h>

unsigned wsc_mask_neon(uint8_t *dst, const uint8_t *src, size_t len,
                       uint32_t key, unsigned phase)
{
    /* vld1q_u8 of the key bytes in memory order, repeated: right on
     * big-endian too, unlike a 32-bit lane broadcast. */
    uint8_t k16[16];
    uint8x16_t k;
    uint64_t kw, w;
    size_t i = 0;

    key = wsc_key_rotate(key, phase);
    kw = ((uint64_t)key << 32) | key;
    memcpy(k16, &kw, 8);
    memcpy(k16 + 8, &kw, 8);
    k = vld1q_u8(k16);
    for (; len - i >= 64; i += 64) {
        uint8x16_t a = vld1q_u8(src + i);
        uint8x16_t b = vld1q_u8(src + i + 16);
        uint8x16_t c = vld1q_u8(src + i + 32);
        uint8x16_t d = vld1q_u8(src + i + 48);
        vst1q_u8(dst + i, veorq_u8(a, k));
        vst1q_u8(dst + i + 16, veorq_u8(b, k));
        vst1q_u8(dst + i + 32, veorq_u8(c, k));
        vst1q_u8(dst + i + 48, veorq_u8(d, k));
    }
    for (; len - i >= 16; i += 16)
        vst1q_u8(dst + i, veorq_u8(vld1q_u8(src + i), k));
    if (len - i >= 8) {
        memcpy(&w, src + i, 8);
        w ^= kw;
        memcpy(dst + i, &w, 8);
        i += 8;
    }
    wsc_mask_tail(dst + i, src + i, len - i, key);
    return (unsigned)((phase + len) & 3u);
}

#else
typedef int wsc_mask_neon_unused; /* ISO C forbids an empty file */
#endif
