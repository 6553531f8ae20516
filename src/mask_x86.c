/*
 * Masking loops for x86-64: SSE2 (baseline) and AVX2.
 *
 * Ordinary stores on purpose: the caller parses the payload right after
 * unmasking, and non-temporal stores would evict it from cache.
 */
#include "wsc_internal.h"

#ifdef WSC_X86_64
#include <immintrin.h>

static int32_t key_lane(uint32_t key)
{
    int32_t k;
    memcpy(&k, &key, 4); /* same bits; avoids an out-of-range conversion */
    return k;
}

/* Fewer than 32 bytes, starting at phase 0 of key.  Every step is a
 * multiple of 4 bytes, so the key never needs re-rotating. */
WSC_INLINE void sse2_short(uint8_t *dst, const uint8_t *src, size_t n,
                       uint32_t key)
{
    const uint64_t kw = ((uint64_t)key << 32) | key;
    uint64_t w;
    if (n >= 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)src);
        _mm_storeu_si128((__m128i *)dst,
                         _mm_xor_si128(a, _mm_set1_epi32(key_lane(key))));
        dst += 16;
        src += 16;
        n -= 16;
    }
    if (n >= 8) {
        memcpy(&w, src, 8);
        w ^= kw;
        memcpy(dst, &w, 8);
        dst += 8;
        src += 8;
        n -= 8;
    }
    wsc_mask_tail(dst, src, n, key);
}

unsigned wsc_mask_sse2(uint8_t *dst, const uint8_t *src, size_t len,
                       uint32_t key, unsigned phase)
{
    const unsigned next = (unsigned)((phase + len) & 3u);
    __m128i k;
    size_t i = 0;

    key = wsc_key_rotate(key, phase);
    if (len >= 128) {
        i = (size_t)(-(uintptr_t)dst & 15u); /* see avx2_long */
        sse2_short(dst, src, i, key);
        key = wsc_key_rotate(key, i);
    }
    k = _mm_set1_epi32(key_lane(key));
    for (; len - i >= 64; i += 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(src + i + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(src + i + 32));
        __m128i d = _mm_loadu_si128((const __m128i *)(src + i + 48));
        _mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(a, k));
        _mm_storeu_si128((__m128i *)(dst + i + 16), _mm_xor_si128(b, k));
        _mm_storeu_si128((__m128i *)(dst + i + 32), _mm_xor_si128(c, k));
        _mm_storeu_si128((__m128i *)(dst + i + 48), _mm_xor_si128(d, k));
    }
    for (; len - i >= 32; i += 32) {
        __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(src + i + 16));
        _mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(a, k));
        _mm_storeu_si128((__m128i *)(dst + i + 16), _mm_xor_si128(b, k));
    }
    sse2_short(dst + i, src + i, len - i, key);
    return next;
}

/* 32 bytes or more; kept out of line so that short inputs skip the frame
 * set-up this needs. */
WSC_TARGET("avx2")
WSC_NOINLINE static void avx2_long(uint8_t *dst, const uint8_t *src,
                                   size_t len, uint32_t key)
{
    __m256i k;
    size_t i = 0;

    if (len >= 256) {
        /* Aligned stores: one that straddles a cache line costs two. */
        i = (size_t)(-(uintptr_t)dst & 31u);
        sse2_short(dst, src, i, key);
        key = wsc_key_rotate(key, i);
    }
    k = _mm256_set1_epi32(key_lane(key));
    for (; len - i >= 128; i += 128) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(src + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(src + i + 32));
        __m256i c = _mm256_loadu_si256((const __m256i *)(src + i + 64));
        __m256i d = _mm256_loadu_si256((const __m256i *)(src + i + 96));
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_xor_si256(a, k));
        _mm256_storeu_si256((__m256i *)(dst + i + 32), _mm256_xor_si256(b, k));
        _mm256_storeu_si256((__m256i *)(dst + i + 64), _mm256_xor_si256(c, k));
        _mm256_storeu_si256((__m256i *)(dst + i + 96), _mm256_xor_si256(d, k));
    }
    for (; len - i >= 32; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(src + i));
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_xor_si256(a, k));
    }
    /* Should sse2_short not be inlined, gcc tail-calls it without
     * vzeroupper, and legacy-SSE code run with dirty upper YMM halves is
     * slow: that cost 100 ns per call here, and slowed the caller too. */
    _mm256_zeroupper();
    sse2_short(dst + i, src + i, len - i, key);
}

WSC_TARGET("avx2")
unsigned wsc_mask_avx2(uint8_t *dst, const uint8_t *src, size_t len,
                       uint32_t key, unsigned phase)
{
    if (len < 32)
        sse2_short(dst, src, len, wsc_key_rotate(key, phase));
    else
        avx2_long(dst, src, len, wsc_key_rotate(key, phase));
    return (unsigned)((phase + len) & 3u);
}

/* wsc_mask_avx2 with the bytes it writes ORed on the way: whether text is
 * all ASCII costs no second pass over it. */
WSC_TARGET("avx2")
int wsc_mask_ascii_avx2(uint8_t *dst, const uint8_t *src, size_t len,
                        uint32_t key, unsigned phase)
{
    __m256i k, any = _mm256_setzero_si256();
    size_t i = 0, head;
    int ascii;

    key = wsc_key_rotate(key, phase);
    if (len < 64) {
        wsc_mask_sse2(dst, src, len, key, 0);
        return wsc_ascii_prefix_sse2(dst, len) == len;
    }
    head = (size_t)(-(uintptr_t)dst & 31u); /* aligned stores, as avx2_long */
    sse2_short(dst, src, head, key);
    key = wsc_key_rotate(key, head);
    i = head;
    k = _mm256_set1_epi32(key_lane(key));
    for (; len - i >= 128; i += 128) {
        __m256i a = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(src + i)), k);
        __m256i b = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(src + i + 32)), k);
        __m256i c = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(src + i + 64)), k);
        __m256i d = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(src + i + 96)), k);
        _mm256_storeu_si256((__m256i *)(dst + i), a);
        _mm256_storeu_si256((__m256i *)(dst + i + 32), b);
        _mm256_storeu_si256((__m256i *)(dst + i + 64), c);
        _mm256_storeu_si256((__m256i *)(dst + i + 96), d);
        any = _mm256_or_si256(any, _mm256_or_si256(_mm256_or_si256(a, b),
                                                   _mm256_or_si256(c, d)));
    }
    for (; len - i >= 32; i += 32) {
        __m256i a = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(src + i)), k);
        _mm256_storeu_si256((__m256i *)(dst + i), a);
        any = _mm256_or_si256(any, a);
    }
    ascii = _mm256_movemask_epi8(any) == 0;
    _mm256_zeroupper(); /* see avx2_long */
    sse2_short(dst + i, src + i, len - i, key);
    return ascii && wsc_ascii_prefix_sse2(dst, head) == head &&
           wsc_ascii_prefix_sse2(dst + i, len - i) == len - i;
}

#else
typedef int wsc_mask_x86_unused; /* ISO C forbids an empty file */
#endif
