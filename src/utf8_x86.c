/*
 * SIMD UTF-8 validation for x86-64 (AVX2 and SSSE3), after Keiser & Lemire,
 * "Validating UTF-8 In Less Than One Instruction Per Byte" (arXiv
 * 2010.03090).  The nibble tables and their meaning are in utf8_scalar.c.
 *
 * Input goes 64 bytes at a time.  A block that is all ASCII is skipped after
 * one test.  Otherwise, for every byte, three table lookups keyed on the
 * previous byte's nibbles and this byte's high nibble are ANDed; a non-zero
 * result is an error, except bit 7 (continuation after continuation) which
 * must appear exactly where a 3-/4-byte character needs its 2nd/3rd
 * continuation.  Errors are ORed and tested once at the end.
 *
 * The last, partial block is not copied: the final 64 bytes are checked
 * again in place with their true 32-byte predecessor (bytes checked twice
 * cannot create errors), then the last vector must not end mid-character.
 * Inputs too short for that go through a zero-padded copy: padding is
 * ASCII, so a character cut short by the end shows up as TOO_SHORT.
 */
#include "wsc_internal.h"

#ifdef WSC_X86_64
#include <immintrin.h>

/* ---- AVX2 ---- */

typedef struct {
    __m256i prev_high, prev_low, cur_high, incomplete_max;
    __m256i err;      /* ORed errors so far */
    __m256i prev;     /* previous 32 input bytes */
    __m256i prev_inc; /* previous vector ended inside a character */
    __m256i cont;     /* continuation bytes so far, in 64-bit sums */
    __m256i top;      /* the largest bytes so far */
} avx2_state;

WSC_TARGET("avx2")
static __m256i avx2_table(const uint8_t t[16])
{
    return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t));
}

WSC_TARGET("avx2")
static inline __m256i avx2_errors(const avx2_state *s, __m256i in,
                                  __m256i prev)
{
    const __m256i nib = _mm256_set1_epi8(0x0F);
    /* alignr works per 128-bit lane; feeding it [prev.hi, in.lo] makes
     * byte 0 of each lane see the byte just before it. */
    __m256i across = _mm256_permute2x128_si256(prev, in, 0x21);
    __m256i prev1 = _mm256_alignr_epi8(in, across, 15);
    __m256i prev2 = _mm256_alignr_epi8(in, across, 14);
    __m256i prev3 = _mm256_alignr_epi8(in, across, 13);
    __m256i b1h = _mm256_shuffle_epi8(
        s->prev_high, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nib));
    __m256i b1l = _mm256_shuffle_epi8(s->prev_low,
                                      _mm256_and_si256(prev1, nib));
    __m256i b2h = _mm256_shuffle_epi8(
        s->cur_high, _mm256_and_si256(_mm256_srli_epi16(in, 4), nib));
    __m256i special = _mm256_and_si256(_mm256_and_si256(b1h, b1l), b2h);
    /* Top bit set where the byte 2 back is >= E0 or 3 back is >= F0. */
    __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8(0xE0 - 0x80));
    __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8(0xF0 - 0x80));
    __m256i must23 = _mm256_and_si256(_mm256_or_si256(third, fourth),
                                      _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must23, special);
}

/* One 64-byte block; with `measure`, also counts its continuation bytes
 * and keeps its largest byte (callers pass a constant: the plain validator
 * compiles without the counting). */
WSC_TARGET("avx2")
WSC_INLINE_ALWAYS void avx2_block_m(avx2_state *s, const uint8_t *blk,
                                    int measure)
{
    __m256i a = _mm256_loadu_si256((const __m256i *)blk);
    __m256i b = _mm256_loadu_si256((const __m256i *)(blk + 32));
    if (_mm256_movemask_epi8(_mm256_or_si256(a, b)) == 0) {
        s->err = _mm256_or_si256(s->err, s->prev_inc);
        s->prev_inc = _mm256_setzero_si256();
    } else {
        s->err = _mm256_or_si256(s->err, avx2_errors(s, a, s->prev));
        s->err = _mm256_or_si256(s->err, avx2_errors(s, b, a));
        s->prev_inc = _mm256_subs_epu8(b, s->incomplete_max);
        if (measure) {
            /* 80..BF are the signed bytes below -64; each is -1 here. */
            const __m256i lim = _mm256_set1_epi8(-64);
            __m256i n = _mm256_add_epi8(_mm256_cmpgt_epi8(lim, a),
                                        _mm256_cmpgt_epi8(lim, b));
            s->cont = _mm256_add_epi64(
                s->cont, _mm256_sad_epu8(_mm256_sub_epi8(_mm256_setzero_si256(), n),
                                         _mm256_setzero_si256()));
            s->top = _mm256_max_epu8(s->top, _mm256_max_epu8(a, b));
        }
    }
    s->prev = b;
}

WSC_TARGET("avx2")
static inline void avx2_block(avx2_state *s, const uint8_t *blk)
{
    avx2_block_m(s, blk, 0);
}

/* Whether p[0..len), len < 64, is all ASCII, by overlapping loads. */
WSC_TARGET("avx2")
static int short_ascii_avx2(const uint8_t *p, size_t len)
{
    uint64_t a, b;
    if (len >= 32) {
        __m256i x = _mm256_loadu_si256((const __m256i *)p);
        __m256i y = _mm256_loadu_si256((const __m256i *)(p + len - 32));
        return _mm256_movemask_epi8(_mm256_or_si256(x, y)) == 0;
    }
    if (len >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)p);
        __m128i y = _mm_loadu_si128((const __m128i *)(p + len - 16));
        return _mm_movemask_epi8(_mm_or_si128(x, y)) == 0;
    }
    if (len >= 8) {
        memcpy(&a, p, 8);
        memcpy(&b, p + len - 8, 8);
        return ((a | b) & UINT64_C(0x8080808080808080)) == 0;
    }
    return wsc_utf8_dfa(WSC_DFA_ACCEPT, p, len) == WSC_DFA_ACCEPT;
}

WSC_TARGET("avx2")
static void avx2_init(avx2_state *s)
{
    s->prev_high = avx2_table(wsc_kl_prev_high);
    s->prev_low = avx2_table(wsc_kl_prev_low);
    s->cur_high = avx2_table(wsc_kl_cur_high);
    s->incomplete_max =
        _mm256_loadu_si256((const __m256i *)wsc_kl_incomplete_max);
    s->err = s->prev = s->prev_inc = _mm256_setzero_si256();
    s->cont = s->top = _mm256_setzero_si256();
}

/* The last, partial block from i (see the top of the file), then the
 * verdict. */
WSC_TARGET("avx2")
static int avx2_finish(avx2_state *s, const uint8_t *p, size_t len, size_t i)
{
    if (i < len) {
        if (len >= 96) {
            s->prev = _mm256_loadu_si256((const __m256i *)(p + len - 96));
            avx2_block(s, p + len - 64);
        } else {
            uint8_t pad[64];
            memset(pad, 0, sizeof pad);
            memcpy(pad, p + i, len - i);
            avx2_block(s, pad);
        }
    }
    s->err = _mm256_or_si256(s->err, s->prev_inc);
    return _mm256_testz_si256(s->err, s->err);
}

WSC_TARGET("avx2")
int wsc_utf8_valid_avx2(const uint8_t *p, size_t len)
{
    avx2_state s;
    size_t i = 0;

    if (len < 64 && short_ascii_avx2(p, len))
        return 1;
    avx2_init(&s);
    for (; len - i >= 64; i += 64)
        avx2_block(&s, p + i);
    return avx2_finish(&s, p, len, i);
}

/* wsc_utf8_valid_avx2 that also measures, as wsc_utf8_measure does, in the
 * same pass over whole blocks; the last, partial block is measured apart,
 * since the validator checks some of its bytes twice. */
WSC_TARGET("avx2")
int wsc_utf8_valid_measure_avx2(const uint8_t *p, size_t len, size_t *nchars,
                                uint32_t *maxchar)
{
    avx2_state s;
    size_t i = 0, tail_chars;
    uint32_t tail_max, block_max;
    uint64_t c[4];
    uint8_t t[32], best = 0;
    unsigned k;

    avx2_init(&s);
    for (; len - i >= 64; i += 64)
        avx2_block_m(&s, p + i, 1);
    if (!avx2_finish(&s, p, len, i)) {
        _mm256_zeroupper(); /* see wsc_mask_avx2 */
        return 0;
    }
    _mm256_storeu_si256((__m256i *)c, s.cont);
    _mm256_storeu_si256((__m256i *)t, s.top);
    _mm256_zeroupper();
    for (k = 0; k < 32; k++)
        best = t[k] > best ? t[k] : best;
    tail_chars = wsc_utf8_measure_sse2(p + i, len - i, &tail_max);
    block_max = wsc_maxchar_of_byte(best);
    *maxchar = block_max > tail_max ? block_max : tail_max;
    *nchars = i - (size_t)(c[0] + c[1] + c[2] + c[3]) + tail_chars;
    return 1;
}

WSC_TARGET("avx2")
size_t wsc_ascii_prefix_avx2(const uint8_t *p, size_t len)
{
    size_t i = 0;
    for (; len - i >= 32; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(p + i));
        uint32_t m = (uint32_t)_mm256_movemask_epi8(v);
        if (m != 0)
            return i + wsc_ctz32(m);
    }
    _mm256_zeroupper(); /* see wsc_mask_avx2 */
    return i + wsc_ascii_prefix_sse2(p + i, len - i);
}

/* ---- AVX-512 (F, BW): the AVX2 method on 64 bytes at once ---- */

#define WSC_AVX512_VALID "avx512f,avx512bw,popcnt"

typedef struct {
    __m512i prev_high, prev_low, cur_high, incomplete_max;
    __m512i err, prev, prev_inc, top;
    uint64_t cont;
} avx512_state;

WSC_TARGET(WSC_AVX512_VALID)
static void avx512_init(avx512_state *s)
{
    s->prev_high = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)wsc_kl_prev_high));
    s->prev_low = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)wsc_kl_prev_low));
    s->cur_high = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)wsc_kl_cur_high));
    s->incomplete_max = _mm512_inserti64x4(
        _mm512_set1_epi8((char)0xFF),
        _mm256_loadu_si256((const __m256i *)wsc_kl_incomplete_max), 1);
    s->err = s->prev = s->prev_inc = s->top = _mm512_setzero_si512();
    s->cont = 0;
}

/* One 64-byte block, counting as avx2_block_m does when `measure`. */
WSC_TARGET(WSC_AVX512_VALID)
WSC_INLINE_ALWAYS void avx512_block(avx512_state *s, const uint8_t *blk,
                                    int measure)
{
    const __m512i nib = _mm512_set1_epi8(0x0F);
    const __m512i in = _mm512_loadu_si512((const void *)blk);
    __m512i across, prev1, prev2, prev3, b1h, b1l, b2h, third, fourth;
    if (_mm512_movepi8_mask(in) == 0) {
        s->err = _mm512_or_si512(s->err, s->prev_inc);
        s->prev_inc = _mm512_setzero_si512();
        s->prev = in;
        return;
    }
    /* [prev's last 16 bytes, in's first 48]: per-lane alignr then sees
     * the byte before each lane's first. */
    across = _mm512_alignr_epi64(in, s->prev, 6);
    prev1 = _mm512_alignr_epi8(in, across, 15);
    prev2 = _mm512_alignr_epi8(in, across, 14);
    prev3 = _mm512_alignr_epi8(in, across, 13);
    b1h = _mm512_shuffle_epi8(s->prev_high,
                              _mm512_and_si512(_mm512_srli_epi16(prev1, 4), nib));
    b1l = _mm512_shuffle_epi8(s->prev_low, _mm512_and_si512(prev1, nib));
    b2h = _mm512_shuffle_epi8(s->cur_high,
                              _mm512_and_si512(_mm512_srli_epi16(in, 4), nib));
    third = _mm512_subs_epu8(prev2, _mm512_set1_epi8(0xE0 - 0x80));
    fourth = _mm512_subs_epu8(prev3, _mm512_set1_epi8(0xF0 - 0x80));
    s->err = _mm512_or_si512(
        s->err, _mm512_xor_si512(
                    _mm512_and_si512(_mm512_or_si512(third, fourth),
                                     _mm512_set1_epi8((char)0x80)),
                    _mm512_and_si512(_mm512_and_si512(b1h, b1l), b2h)));
    s->prev_inc = _mm512_subs_epu8(in, s->incomplete_max);
    s->prev = in;
    if (measure) {
        s->cont += (uint64_t)_mm_popcnt_u64(
            _mm512_cmplt_epi8_mask(in, _mm512_set1_epi8(-64)));
        s->top = _mm512_max_epu8(s->top, in);
    }
}

/* The last, partial block from i, then the verdict (see the top of the
 * file: the last 64 bytes again with their true predecessor, or a padded
 * copy). */
WSC_TARGET(WSC_AVX512_VALID)
static int avx512_finish(avx512_state *s, const uint8_t *p, size_t len,
                         size_t i)
{
    if (i < len) {
        if (len >= 128) {
            s->prev = _mm512_loadu_si512((const void *)(p + len - 128));
            avx512_block(s, p + len - 64, 0);
        } else {
            uint8_t pad[64];
            memset(pad, 0, sizeof pad);
            memcpy(pad, p + i, len - i);
            avx512_block(s, pad, 0);
        }
    }
    s->err = _mm512_or_si512(s->err, s->prev_inc);
    return _mm512_test_epi8_mask(s->err, s->err) == 0;
}

WSC_TARGET(WSC_AVX512_VALID)
int wsc_utf8_valid_avx512(const uint8_t *p, size_t len)
{
    avx512_state s;
    size_t i = 0;
    avx512_init(&s);
    for (; len - i >= 64; i += 64)
        avx512_block(&s, p + i, 0);
    return avx512_finish(&s, p, len, i);
}

WSC_TARGET(WSC_AVX512_VALID)
int wsc_utf8_valid_measure_avx512(const uint8_t *p, size_t len,
                                  size_t *nchars, uint32_t *maxchar)
{
    avx512_state s;
    size_t i = 0, tail_chars;
    uint32_t tail_max, block_max, lanes[16], best = 0;
    unsigned k;
    __m512i top;
    avx512_init(&s);
    for (; len - i >= 64; i += 64)
        avx512_block(&s, p + i, 1);
    if (!avx512_finish(&s, p, len, i))
        return 0;
    tail_chars = wsc_utf8_measure_sse2(p + i, len - i, &tail_max);
    /* The largest byte: each dword's bytes folded into its lowest (a
     * store and a loop, not _mm512_reduce_max_epu32, which not every
     * compiler has). */
    top = _mm512_max_epu8(s.top, _mm512_srli_epi32(s.top, 8));
    top = _mm512_max_epu8(top, _mm512_srli_epi32(top, 16));
    _mm512_storeu_si512((void *)lanes,
                        _mm512_and_si512(top, _mm512_set1_epi32(0xFF)));
    for (k = 0; k < 16; k++)
        best = lanes[k] > best ? lanes[k] : best;
    block_max = wsc_maxchar_of_byte(best);
    *maxchar = block_max > tail_max ? block_max : tail_max;
    *nchars = i - (size_t)s.cont + tail_chars;
    return 1;
}

/* ---- SSSE3 ---- */

typedef struct {
    __m128i prev_high, prev_low, cur_high, incomplete_max;
    __m128i err, prev, prev_inc;
} ssse3_state;

WSC_TARGET("ssse3")
static inline __m128i ssse3_errors(const ssse3_state *s, __m128i in,
                                   __m128i prev)
{
    const __m128i nib = _mm_set1_epi8(0x0F);
    __m128i prev1 = _mm_alignr_epi8(in, prev, 15);
    __m128i prev2 = _mm_alignr_epi8(in, prev, 14);
    __m128i prev3 = _mm_alignr_epi8(in, prev, 13);
    __m128i b1h = _mm_shuffle_epi8(
        s->prev_high, _mm_and_si128(_mm_srli_epi16(prev1, 4), nib));
    __m128i b1l = _mm_shuffle_epi8(s->prev_low, _mm_and_si128(prev1, nib));
    __m128i b2h = _mm_shuffle_epi8(
        s->cur_high, _mm_and_si128(_mm_srli_epi16(in, 4), nib));
    __m128i special = _mm_and_si128(_mm_and_si128(b1h, b1l), b2h);
    __m128i third = _mm_subs_epu8(prev2, _mm_set1_epi8(0xE0 - 0x80));
    __m128i fourth = _mm_subs_epu8(prev3, _mm_set1_epi8(0xF0 - 0x80));
    __m128i must23 = _mm_and_si128(_mm_or_si128(third, fourth),
                                   _mm_set1_epi8((char)0x80));
    return _mm_xor_si128(must23, special);
}

WSC_TARGET("ssse3")
static inline void ssse3_block(ssse3_state *s, const uint8_t *blk)
{
    __m128i a = _mm_loadu_si128((const __m128i *)blk);
    __m128i b = _mm_loadu_si128((const __m128i *)(blk + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(blk + 32));
    __m128i d = _mm_loadu_si128((const __m128i *)(blk + 48));
    __m128i any = _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d));
    if (_mm_movemask_epi8(any) == 0) {
        s->err = _mm_or_si128(s->err, s->prev_inc);
        s->prev_inc = _mm_setzero_si128();
    } else {
        __m128i e = _mm_or_si128(ssse3_errors(s, a, s->prev),
                                 ssse3_errors(s, b, a));
        e = _mm_or_si128(e, ssse3_errors(s, c, b));
        e = _mm_or_si128(e, ssse3_errors(s, d, c));
        s->err = _mm_or_si128(s->err, e);
        s->prev_inc = _mm_subs_epu8(d, s->incomplete_max);
    }
    s->prev = d;
}

WSC_TARGET("ssse3")
int wsc_utf8_valid_ssse3(const uint8_t *p, size_t len)
{
    ssse3_state s;
    size_t i = 0;

    s.prev_high = _mm_loadu_si128((const __m128i *)wsc_kl_prev_high);
    s.prev_low = _mm_loadu_si128((const __m128i *)wsc_kl_prev_low);
    s.cur_high = _mm_loadu_si128((const __m128i *)wsc_kl_cur_high);
    s.incomplete_max =
        _mm_loadu_si128((const __m128i *)(wsc_kl_incomplete_max + 16));
    s.err = s.prev = s.prev_inc = _mm_setzero_si128();

    for (; len - i >= 64; i += 64)
        ssse3_block(&s, p + i);
    if (i < len) {
        if (len >= 80) { /* see the top of the file */
            s.prev = _mm_loadu_si128((const __m128i *)(p + len - 80));
            ssse3_block(&s, p + len - 64);
        } else {
            uint8_t pad[64];
            memset(pad, 0, sizeof pad);
            memcpy(pad, p + i, len - i);
            ssse3_block(&s, pad);
        }
    }
    s.err = _mm_or_si128(s.err, s.prev_inc);
    return _mm_movemask_epi8(_mm_cmpeq_epi8(s.err, _mm_setzero_si128())) ==
           0xFFFF;
}

/* ---- SSE2 (baseline) ---- */

size_t wsc_ascii_prefix_sse2(const uint8_t *p, size_t len)
{
    size_t i = 0;
    for (; len - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        uint32_t m = (uint32_t)_mm_movemask_epi8(v);
        if (m != 0)
            return i + wsc_ctz32(m);
    }
    return i + wsc_ascii_prefix_scalar(p + i, len - i);
}

#else
typedef int wsc_utf8_x86_unused; /* ISO C forbids an empty file */
#endif
