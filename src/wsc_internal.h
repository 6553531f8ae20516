/*
 * Private to the C core: the per-level function table and the functions
 * each ISA file provides.  Nothing here is part of the public API.
 */
#ifndef WSC_INTERNAL_H
#define WSC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wscodec_core.h"

/* Internal symbols stay inside the extension module: no GOT indirection on
 * the hot pointer, no clash with another module's copy of the core. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(_WIN32)
#pragma GCC visibility push(hidden)
#define WSC_VISIBILITY_PUSHED 1
#endif

#if defined(__x86_64__) || defined(_M_X64)
#define WSC_X86_64 1
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
#define WSC_AARCH64 1
#endif

/* gcc and clang refuse AVX2 intrinsics outside a function that is allowed to
 * use them; MSVC accepts intrinsics anywhere and has no such attribute. */
#if defined(__GNUC__) || defined(__clang__)
#define WSC_TARGET(isa) __attribute__((target(isa)))
#else
#define WSC_TARGET(isa)
#endif

#if defined(_MSC_VER) ||                                                      \
    (defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#define WSC_LITTLE_ENDIAN 1
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define WSC_BIG_ENDIAN 1
#endif

#if defined(_MSC_VER)
#define WSC_INLINE static __inline
#else
#define WSC_INLINE static inline
#endif

/* Masking keys travel as a 32-bit word holding the four key bytes in memory
 * order (memcpy from the byte array), already rotated so that the first
 * byte masks src[0].  Building it with byte stores and reloading it as a
 * word would stall on store forwarding, which dominates a 16-byte mask. */
WSC_INLINE uint32_t wsc_key_rotate(uint32_t k, size_t bytes)
{
    unsigned n = (unsigned)(bytes & 3u) * 8u;
#if defined(WSC_LITTLE_ENDIAN)
    return (k >> n) | (k << ((32u - n) & 31u));
#elif defined(WSC_BIG_ENDIAN)
    return (k << n) | (k >> ((32u - n) & 31u));
#else
    uint8_t b[4], r[4];
    unsigned i;
    memcpy(b, &k, 4);
    for (i = 0; i < 4; i++)
        r[i] = b[(i + n / 8u) & 3u];
    memcpy(&k, r, 4);
    return k;
#endif
}

/* The last n < 8 bytes of a masking loop that started at phase 0 of k.
 * Key bytes come out of the word by shifts: a stack copy of the key would
 * make AVX2 callers realign their stack frame, doubling a 16-byte call. */
WSC_INLINE void wsc_mask_tail(uint8_t *dst, const uint8_t *src, size_t n,
                              uint32_t k)
{
    if (n >= 4) {
        uint32_t w;
        memcpy(&w, src, 4);
        w ^= k;
        memcpy(dst, &w, 4);
        dst += 4;
        src += 4;
        n -= 4;
    }
#if defined(WSC_LITTLE_ENDIAN) || defined(WSC_BIG_ENDIAN)
#ifdef WSC_BIG_ENDIAN
    k = ((k & 0xFFu) << 24) | ((k & 0xFF00u) << 8) | ((k >> 8) & 0xFF00u) |
        (k >> 24);
#endif
    /* k now has the first key byte lowest. */
    if (n >= 2) {
        dst[0] = (uint8_t)(src[0] ^ (k & 0xFFu));
        dst[1] = (uint8_t)(src[1] ^ ((k >> 8) & 0xFFu));
        dst += 2;
        src += 2;
        n -= 2;
        k >>= 16;
    }
    if (n != 0)
        dst[0] = (uint8_t)(src[0] ^ (k & 0xFFu));
#else
    {
        uint8_t kb[4];
        size_t i;
        memcpy(kb, &k, 4);
        for (i = 0; i < n; i++)
            dst[i] = (uint8_t)(src[i] ^ kb[i]);
    }
#endif
}

#if defined(__GNUC__) || defined(__clang__)
#define WSC_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define WSC_NOINLINE __declspec(noinline)
#else
#define WSC_NOINLINE
#endif

/* One level: the header's names map to one row each.  `mask` has the
 * contract of wsc_mask except that the key arrives as a word (memcpy of the
 * four bytes), so the public function is a single tail call. */
typedef struct wsc_impl {
    const char *name;
    unsigned (*mask)(uint8_t *dst, const uint8_t *src, size_t len,
                     uint32_t key, unsigned phase);
    int (*utf8_valid)(const uint8_t *p, size_t len);
    size_t (*ascii_prefix)(const uint8_t *p, size_t len);
    int (*mask_ascii)(uint8_t *dst, const uint8_t *src, size_t len,
                      uint32_t key, unsigned phase);
    size_t (*utf8_measure)(const uint8_t *p, size_t len, uint32_t *maxchar);
    void (*utf8_transcode)(const uint8_t *p, size_t len, void *dst,
                           size_t nchars, unsigned width);
    int (*utf8_valid_measure)(const uint8_t *p, size_t len, size_t *nchars,
                              uint32_t *maxchar);
} wsc_impl;

/* The level in use: starts at a row that initialises and forwards.  Every
 * row is constant data, so publishing the pointer needs no ordering; the
 * atomic access only keeps racing first calls (which all store the same
 * value) well-defined for sanitizers. */
extern const wsc_impl *wsc_current;
#if defined(__GNUC__) || defined(__clang__)
#define wsc_active() __atomic_load_n(&wsc_current, __ATOMIC_RELAXED)
#define wsc_set_active(v) __atomic_store_n(&wsc_current, (v), __ATOMIC_RELAXED)
#else
#define wsc_active() (*(const wsc_impl *volatile *)&wsc_current)
#define wsc_set_active(v) (*(const wsc_impl *volatile *)&wsc_current = (v))
#endif

/* ---- scalar (every platform) ---- */
int wsc_mask_ascii_generic(uint8_t *dst, const uint8_t *src, size_t len,
                           uint32_t key, unsigned phase);
unsigned wsc_mask_scalar(uint8_t *dst, const uint8_t *src, size_t len,
                         uint32_t key, unsigned phase);
int wsc_utf8_valid_scalar(const uint8_t *p, size_t len);
size_t wsc_ascii_prefix_scalar(const uint8_t *p, size_t len);

/* The UTF-8 automaton.  A state is a multiple of 6 (a bit offset into a
 * transition row); 0 is "on a character boundary". */
#define WSC_DFA_ACCEPT 0u
#define WSC_DFA_REJECT 48u
uint32_t wsc_utf8_dfa(uint32_t state, const uint8_t *p, size_t len);

/* Keiser & Lemire nibble tables, shared by every SIMD validator. */
extern const uint8_t wsc_kl_prev_high[16];
extern const uint8_t wsc_kl_prev_low[16];
extern const uint8_t wsc_kl_cur_high[16];
/* 0xFF everywhere except the last three bytes, which hold the largest byte
 * that does not start a character needing more bytes than remain. */
extern const uint8_t wsc_kl_incomplete_max[32];

/* The transcoder (transcode.c, transcode_kernel.h). */
size_t wsc_utf8_measure_scalar(const uint8_t *p, size_t len,
                               uint32_t *maxchar);
/* The level's validator, then its measure: for levels without one pass. */
int wsc_utf8_valid_measure_generic(const uint8_t *p, size_t len,
                                   size_t *nchars, uint32_t *maxchar);
void wsc_utf8_transcode_scalar(const uint8_t *p, size_t len, void *dst,
                               size_t nchars, unsigned width);
/* The largest character that a str holding bytes up to max_byte needs. */
WSC_INLINE uint32_t wsc_maxchar_of_byte(unsigned max_byte)
{
    if (max_byte < 0x80)
        return 0x7F;
    if (max_byte < 0xC4) /* leads C2, C3: U+0080..U+00FF */
        return 0xFF;
    if (max_byte < 0xF0)
        return 0xFFFF;
    return 0x10FFFF;
}
typedef struct {
    uint8_t mode;     /* 1: 16-bit lanes; 2, 3: 32-bit lanes of <= 3, 4 bytes */
    uint8_t chars;    /* characters this step produces */
    uint8_t consumed; /* input bytes they take */
    uint16_t shuffle; /* row of wsc_transcode_shuffles */
} wsc_transcode_step;
extern const wsc_transcode_step wsc_transcode_steps[4096];
extern const uint8_t wsc_transcode_shuffles[][16];
extern const uint8_t wsc_pack8[256][8];
extern const uint8_t wsc_pack8_count[256];
extern const uint8_t wsc_swap_pairs[16];    /* 2-byte characters */
extern const uint8_t wsc_reverse_triples[16]; /* 3-byte characters */
extern const uint8_t wsc_reverse_quads[16];   /* 4-byte characters */

#if defined(__GNUC__) || defined(__clang__)
#define WSC_INLINE_ALWAYS static inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define WSC_INLINE_ALWAYS static __forceinline
#else
#define WSC_INLINE_ALWAYS static inline
#endif

#ifdef WSC_X86_64
unsigned wsc_mask_sse2(uint8_t *dst, const uint8_t *src, size_t len,
                       uint32_t key, unsigned phase);
unsigned wsc_mask_avx2(uint8_t *dst, const uint8_t *src, size_t len,
                       uint32_t key, unsigned phase);
int wsc_mask_ascii_avx2(uint8_t *dst, const uint8_t *src, size_t len,
                        uint32_t key, unsigned phase);
int wsc_utf8_valid_ssse3(const uint8_t *p, size_t len);
int wsc_utf8_valid_avx2(const uint8_t *p, size_t len);
int wsc_utf8_valid_avx512(const uint8_t *p, size_t len);
int wsc_utf8_valid_measure_avx512(const uint8_t *p, size_t len,
                                  size_t *nchars, uint32_t *maxchar);
int wsc_utf8_valid_measure_avx2(const uint8_t *p, size_t len, size_t *nchars,
                                uint32_t *maxchar);
size_t wsc_ascii_prefix_sse2(const uint8_t *p, size_t len);
size_t wsc_ascii_prefix_avx2(const uint8_t *p, size_t len);
size_t wsc_utf8_measure_sse2(const uint8_t *p, size_t len, uint32_t *maxchar);
size_t wsc_utf8_measure_avx2(const uint8_t *p, size_t len, uint32_t *maxchar);
void wsc_utf8_transcode_ssse3(const uint8_t *p, size_t len, void *dst,
                              size_t nchars, unsigned width);
void wsc_utf8_transcode_avx512(const uint8_t *p, size_t len, void *dst,
                             size_t nchars, unsigned width);
void wsc_utf8_transcode_avx2(const uint8_t *p, size_t len, void *dst,
                             size_t nchars, unsigned width);
#endif

#ifdef WSC_AARCH64
unsigned wsc_mask_neon(uint8_t *dst, const uint8_t *src, size_t len,
                       uint32_t key, unsigned phase);
int wsc_utf8_valid_neon(const uint8_t *p, size_t len);
size_t wsc_ascii_prefix_neon(const uint8_t *p, size_t len);
size_t wsc_utf8_measure_neon(const uint8_t *p, size_t len, uint32_t *maxchar);
void wsc_utf8_transcode_neon(const uint8_t *p, size_t len, void *dst,
                             size_t nchars, unsigned width);
#endif

/* Index of the lowest set bit of a non-zero word. */
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
static __inline unsigned wsc_ctz32(uint32_t x)
{
    unsigned long i;
    _BitScanForward(&i, x);
    return (unsigned)i;
}
#else
#define wsc_ctz32(x) ((unsigned)__builtin_ctz(x))
#endif

#ifdef WSC_VISIBILITY_PUSHED
#pragma GCC visibility pop
#endif

#endif /* WSC_INTERNAL_H */
