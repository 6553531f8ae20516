/*
 * WebSocket masking (RFC 6455 section 5.3): the public entry point and the
 * portable word-at-a-time loop.  SIMD loops live in mask_x86.c / mask_neon.c.
 */
#include "wsc_internal.h"

unsigned wsc_mask(uint8_t *dst, const uint8_t *src, size_t len,
                  const uint8_t key[4], unsigned phase)
{
    uint32_t k;
    if (len == 0) /* the buffers may be NULL, where even p + 0 is undefined */
        return phase & 3u;
    memcpy(&k, key, 4);
    return wsc_active()->mask(dst, src, len, k, phase);
}

int wsc_mask_ascii(uint8_t *dst, const uint8_t *src, size_t len,
                   const uint8_t key[4], unsigned phase)
{
    uint32_t k;
    if (len == 0)
        return 1;
    memcpy(&k, key, 4);
    return wsc_active()->mask_ascii(dst, src, len, k, phase);
}

/* Two passes, the second over bytes still in cache: levels without a fused
 * loop. */
int wsc_mask_ascii_generic(uint8_t *dst, const uint8_t *src, size_t len,
                           uint32_t key, unsigned phase)
{
    const wsc_impl *impl = wsc_active();
    impl->mask(dst, src, len, key, phase);
    return impl->ascii_prefix(dst, len) == len;
}

unsigned wsc_mask_scalar(uint8_t *dst, const uint8_t *src, size_t len,
                         uint32_t key, unsigned phase)
{
    /* Rotating once lets the loops start at phase 0 and step in whole
     * words.  Both halves of kw are equal, so it is in memory order on
     * either endianness. */
    const uint32_t k = wsc_key_rotate(key, phase);
    const uint64_t kw = ((uint64_t)k << 32) | k;
    uint64_t a, b, c, d;
    size_t i = 0;

    for (; len - i >= 32; i += 32) {
        memcpy(&a, src + i, 8);
        memcpy(&b, src + i + 8, 8);
        memcpy(&c, src + i + 16, 8);
        memcpy(&d, src + i + 24, 8);
        a ^= kw;
        b ^= kw;
        c ^= kw;
        d ^= kw;
        memcpy(dst + i, &a, 8);
        memcpy(dst + i + 8, &b, 8);
        memcpy(dst + i + 16, &c, 8);
        memcpy(dst + i + 24, &d, 8);
    }
    for (; len - i >= 8; i += 8) {
        memcpy(&a, src + i, 8);
        a ^= kw;
        memcpy(dst + i, &a, 8);
    }
    wsc_mask_tail(dst + i, src + i, len - i, k);
    return (unsigned)((phase + len) & 3u);
}
