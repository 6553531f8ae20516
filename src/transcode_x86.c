/*
 * The UTF-8 transcoder and measure for x86-64: the kernel of
 * transcode_kernel.h instantiated for SSSE3 and for AVX2 (the same 16-byte
 * steps in VEX encoding: the shuffle table works on 12 bytes at a time, and
 * a 32-byte ASCII step measured no faster than two 16-byte ones once the
 * store widening is counted; AVX2 adds wide steps for CJK and for 32-bit
 * units), and for AVX-512, whose byte compress and byte permutes give
 * Latin-1 and 32-bit units loops of their own.  The measure pass is SSE2
 * and AVX2.
 */
#include "wsc_internal.h"

#ifdef WSC_X86_64
#include <immintrin.h>

typedef __m128i wsc_v;

/* The operations are SSSE3; gcc and clang inline them into AVX2 callers
 * too, since AVX2 includes SSSE3. */
#define OP WSC_TARGET("ssse3") WSC_INLINE_ALWAYS

OP wsc_v v_load(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)p); }
OP unsigned v_high_bits(wsc_v v) { return (unsigned)_mm_movemask_epi8(v); }
OP unsigned v_cont_bits(wsc_v v)
{
    /* 80..BF are the signed bytes below -64. */
    return (unsigned)_mm_movemask_epi8(
        _mm_cmplt_epi8(v, _mm_set1_epi8(-64)));
}
OP wsc_v v_shuffle(wsc_v v, const uint8_t *m)
{
    return _mm_shuffle_epi8(v, _mm_loadu_si128((const __m128i *)m));
}
/* (last & 7F) | (lead & 3F) << 6: ASCII, continuation and 2-byte lead
 * bytes all give their payload bits under these masks. */
OP wsc_v v_cp16(wsc_v v)
{
    return _mm_or_si128(
        _mm_and_si128(v, _mm_set1_epi16(0x7F)),
        _mm_srli_epi16(_mm_and_si128(v, _mm_set1_epi16(0x3F00)), 2));
}
OP wsc_v v_cp32_3(wsc_v v)
{
    wsc_v a = _mm_and_si128(v, _mm_set1_epi32(0x7F));
    wsc_v b = _mm_srli_epi32(_mm_and_si128(v, _mm_set1_epi32(0x3F00)), 2);
    wsc_v c = _mm_srli_epi32(_mm_and_si128(v, _mm_set1_epi32(0x0F0000)), 4);
    return _mm_or_si128(_mm_or_si128(a, b), c);
}
/* The third byte is a continuation (mask 3F) under a 4-byte lead but the
 * lead itself (mask 0F) in a 3-byte character: mask 3F, then lanes without
 * a fourth byte, all below U+10000, drop the excess bit. */
OP wsc_v v_cp32_4(wsc_v v)
{
    wsc_v a = _mm_and_si128(v, _mm_set1_epi32(0x7F));
    wsc_v b = _mm_srli_epi32(_mm_and_si128(v, _mm_set1_epi32(0x3F00)), 2);
    wsc_v c = _mm_srli_epi32(_mm_and_si128(v, _mm_set1_epi32(0x3F0000)), 4);
    wsc_v d = _mm_srli_epi32(_mm_and_si128(v, _mm_set1_epi32(0x07000000)), 6);
    wsc_v three = _mm_cmpeq_epi32(
        _mm_and_si128(v, _mm_set1_epi32((int)0xFF000000u)),
        _mm_setzero_si128());
    wsc_v keep = _mm_or_si128(_mm_set1_epi32(0xFFFF),
                              _mm_andnot_si128(three, _mm_set1_epi32(-1)));
    return _mm_and_si128(
        _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)), keep);
}
OP void v_put_ascii_1(uint8_t *d, wsc_v v) { _mm_storeu_si128((__m128i *)d, v); }
OP void v_put_ascii_2(uint16_t *d, wsc_v v)
{
    wsc_v z = _mm_setzero_si128();
    _mm_storeu_si128((__m128i *)d, _mm_unpacklo_epi8(v, z));
    _mm_storeu_si128((__m128i *)(d + 8), _mm_unpackhi_epi8(v, z));
}
OP void v_put16_4(uint32_t *d, wsc_v v)
{
    wsc_v z = _mm_setzero_si128();
    _mm_storeu_si128((__m128i *)d, _mm_unpacklo_epi16(v, z));
    _mm_storeu_si128((__m128i *)(d + 4), _mm_unpackhi_epi16(v, z));
}
OP void v_put_ascii_4(uint32_t *d, wsc_v v)
{
    wsc_v z = _mm_setzero_si128();
    v_put16_4(d, _mm_unpacklo_epi8(v, z));
    v_put16_4(d + 8, _mm_unpackhi_epi8(v, z));
}
OP void v_put16_1(uint8_t *d, wsc_v v)
{
    _mm_storel_epi64((__m128i *)d, _mm_packus_epi16(v, v));
}
OP void v_put16_2(uint16_t *d, wsc_v v) { _mm_storeu_si128((__m128i *)d, v); }
OP void v_put32_2(uint16_t *d, wsc_v v)
{
    const wsc_v low_halves =
        _mm_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1);
    _mm_storel_epi64((__m128i *)d, _mm_shuffle_epi8(v, low_halves));
}
OP void v_put32_4(uint32_t *d, wsc_v v) { _mm_storeu_si128((__m128i *)d, v); }
OP wsc_v v_latin1(wsc_v v, wsc_v next)
{
    /* Leads are C2/C3 here: (lead & 3) << 6 | (next & 3F).  The shift
     * moves two bits within their byte, so a 16-bit shift is exact.  Leads
     * are the bytes C0..FF: signed, -64..-1. */
    wsc_v lead = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(-65)),
                               _mm_cmplt_epi8(v, _mm_setzero_si128()));
    wsc_v top = _mm_slli_epi16(_mm_and_si128(v, _mm_set1_epi8(3)), 6);
    wsc_v ch = _mm_or_si128(top, _mm_and_si128(next, _mm_set1_epi8(0x3F)));
    return _mm_or_si128(_mm_and_si128(lead, ch), _mm_andnot_si128(lead, v));
}
OP unsigned v_put_latin1(uint8_t *d, wsc_v v, unsigned keep)
{
    unsigned lo = keep & 0xFFu, hi = keep >> 8, n = wsc_pack8_count[lo];
    wsc_v a = _mm_shuffle_epi8(v, _mm_loadl_epi64((const __m128i *)wsc_pack8[lo]));
    wsc_v b = _mm_shuffle_epi8(_mm_srli_si128(v, 8),
                               _mm_loadl_epi64((const __m128i *)wsc_pack8[hi]));
    _mm_storel_epi64((__m128i *)d, a);
    _mm_storel_epi64((__m128i *)(d + n), b);
    return n + wsc_pack8_count[hi];
}
/* Each 16-bit lane: the byte, or for a lead byte the code point its
 * payload bits and those of the one or two bytes after it make (bytes
 * >= C0 lead, >= E0 lead three; in 16 bits, x << 12 keeps just a 3-byte
 * lead's four).  The 8-lane pack indexes of wsc_pack8 double into
 * byte-pair indexes. */
OP wsc_v bmp_pack(wsc_v v, const uint8_t *m)
{
    wsc_v i2 = _mm_loadl_epi64((const __m128i *)m);
    i2 = _mm_add_epi8(i2, i2);
    return _mm_shuffle_epi8(
        v, _mm_unpacklo_epi8(i2, _mm_add_epi8(i2, _mm_set1_epi8(1))));
}
OP unsigned v_put_bmp_2(uint16_t *d, wsc_v v, unsigned keep)
{
    const wsc_v z = _mm_setzero_si128(), low6 = _mm_set1_epi16(0x3F);
    const wsc_v n1 = _mm_srli_si128(v, 1), n2 = _mm_srli_si128(v, 2);
    unsigned lo = keep & 0xFFu, hi = keep >> 8, n = wsc_pack8_count[lo];
    wsc_v half[2];
    int k;
    for (k = 0; k < 2; k++) {
        wsc_v x = k ? _mm_unpackhi_epi8(v, z) : _mm_unpacklo_epi8(v, z);
        wsc_v a = _mm_and_si128(k ? _mm_unpackhi_epi8(n1, z) : _mm_unpacklo_epi8(n1, z), low6);
        wsc_v b = _mm_and_si128(k ? _mm_unpackhi_epi8(n2, z) : _mm_unpacklo_epi8(n2, z), low6);
        wsc_v two = _mm_cmpgt_epi16(x, _mm_set1_epi16(0xBF));
        wsc_v three = _mm_cmpgt_epi16(x, _mm_set1_epi16(0xDF));
        wsc_v cp2 = _mm_or_si128(
            _mm_slli_epi16(_mm_and_si128(x, _mm_set1_epi16(0x1F)), 6), a);
        wsc_v cp3 = _mm_or_si128(_mm_or_si128(_mm_slli_epi16(x, 12),
                                              _mm_slli_epi16(a, 6)), b);
        half[k] = _mm_or_si128(
            _mm_or_si128(_mm_and_si128(three, cp3),
                         _mm_and_si128(_mm_andnot_si128(three, two), cp2)),
            _mm_andnot_si128(two, x));
    }
    _mm_storeu_si128((__m128i *)d, bmp_pack(half[0], wsc_pack8[lo]));
    _mm_storeu_si128((__m128i *)(d + n), bmp_pack(half[1], wsc_pack8[hi]));
    return n + wsc_pack8_count[hi];
}
#undef OP

#define WSC_TK(name) name##_ssse3
#define WSC_TK_TARGET WSC_TARGET("ssse3")
#include "transcode_kernel.h"
#undef WSC_TK
#undef WSC_TK_TARGET

/* Two groups of four 3-byte characters, one per 128-bit lane (bytes 0-15
 * and 12-27), through the steps of v_shuffle and v_cp32_3 at 256 bits; the
 * 16-bit halves of the eight code points then gather into one store. */
WSC_TARGET("avx2")
WSC_INLINE_ALWAYS void avx2_cjk8(uint16_t *d, const uint8_t *p)
{
    const __m128i lo = _mm_loadu_si128((const __m128i *)p);
    const __m128i hi = _mm_loadu_si128((const __m128i *)(p + 12));
    const __m128i m = _mm_loadu_si128((const __m128i *)wsc_reverse_triples);
    __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
    __m256i a, b, c, cp;
    v = _mm256_shuffle_epi8(v, _mm256_broadcastsi128_si256(m));
    a = _mm256_and_si256(v, _mm256_set1_epi32(0x7F));
    b = _mm256_srli_epi32(_mm256_and_si256(v, _mm256_set1_epi32(0x3F00)), 2);
    c = _mm256_srli_epi32(_mm256_and_si256(v, _mm256_set1_epi32(0x0F0000)), 4);
    cp = _mm256_or_si256(_mm256_or_si256(a, b), c);
    /* Below U+10000: packus keeps each value; it interleaves the lanes'
     * halves, which permute4x64 puts back in order. */
    cp = _mm256_packus_epi32(cp, cp);
    cp = _mm256_permute4x64_epi64(cp, 0x08);
    _mm_storeu_si128((__m128i *)d, _mm256_castsi256_si128(cp));
}

/* Any mix of characters into 32-bit units, eight byte positions a step:
 * each position's 4-byte window, lead last, shifted right by the bytes its
 * character does not own, becomes the code point it would start (two
 * multiply-adds); the lanes of positions that start a character (starts,
 * bit j for byte j) are then packed to the front.  Reads 16 bytes at p,
 * writes 8 units at d; returns how many are characters. */
WSC_TARGET("avx2")
WSC_INLINE_ALWAYS unsigned avx2_wide8(uint32_t *d, const uint8_t *p,
                                      unsigned starts)
{
    /* Per high nibble: the payload bits of the byte (ASCII, continuation,
     * 2-, 3-, 4-byte lead), and 8 * the bytes a character led by it does
     * not own of the window. */
    const __m256i payload = _mm256_setr_epi8(
        0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F,
        0x3F, 0x3F, 0x3F, 0x3F, 0x1F, 0x1F, 0x0F, 0x07,
        0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F,
        0x3F, 0x3F, 0x3F, 0x3F, 0x1F, 0x1F, 0x0F, 0x07);
    const __m256i unowned = _mm256_setr_epi8(
        24, 24, 24, 24, 24, 24, 24, 24, 0, 0, 0, 0, 16, 16, 8, 0,
        24, 24, 24, 24, 24, 24, 24, 24, 0, 0, 0, 0, 16, 16, 8, 0);
    /* Lane j: bytes j+3, j+2, j+1, j (the lead on top); lanes 4-7 read
     * the upper copy of the 16 bytes. */
    const __m256i windows = _mm256_setr_epi8(
        3, 2, 1, 0, 4, 3, 2, 1, 5, 4, 3, 2, 6, 5, 4, 3,
        7, 6, 5, 4, 8, 7, 6, 5, 9, 8, 7, 6, 10, 9, 8, 7);
    const __m256i leads = _mm256_setr_epi8(
        0, -1, -1, -1, 1, -1, -1, -1, 2, -1, -1, -1, 3, -1, -1, -1,
        4, -1, -1, -1, 5, -1, -1, -1, 6, -1, -1, -1, 7, -1, -1, -1);
    const __m256i v = _mm256_broadcastsi128_si256(
        _mm_loadu_si128((const __m128i *)p));
    const __m256i nib = _mm256_and_si256(_mm256_srli_epi16(v, 4),
                                         _mm256_set1_epi8(0x0F));
    __m256i win = _mm256_shuffle_epi8(
        _mm256_and_si256(v, _mm256_shuffle_epi8(payload, nib)), windows);
    __m256i shift = _mm256_shuffle_epi8(_mm256_shuffle_epi8(unowned, nib),
                                        leads);
    __m256i cp, idx;
    win = _mm256_srlv_epi32(win, shift);
    /* (b0 + 64 b1) + 4096 (b2 + 64 b3), b0 the last byte. */
    cp = _mm256_madd_epi16(_mm256_maddubs_epi16(win, _mm256_set1_epi16(0x4001)),
                           _mm256_set1_epi32(0x10000001));
    idx = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)wsc_pack8[starts]));
    _mm256_storeu_si256((__m256i *)d, _mm256_permutevar8x32_epi32(cp, idx));
    return wsc_pack8_count[starts];
}

/* v_put_bmp_2 with all 16 lanes in one register: one widening per input
 * instead of two unpacks per half, and the two halves' packs in one
 * shuffle.  v: 16 bytes; n1, n2: the same one and two bytes on. */
WSC_TARGET("avx2")
WSC_INLINE_ALWAYS __m256i avx2_bmp_lanes(__m128i v, __m128i n1, __m128i n2)
{
    const __m256i low6 = _mm256_set1_epi16(0x3F);
    const __m256i x = _mm256_cvtepu8_epi16(v);
    const __m256i a = _mm256_and_si256(_mm256_cvtepu8_epi16(n1), low6);
    const __m256i b = _mm256_and_si256(_mm256_cvtepu8_epi16(n2), low6);
    const __m256i two = _mm256_cmpgt_epi16(x, _mm256_set1_epi16(0xBF));
    const __m256i three = _mm256_cmpgt_epi16(x, _mm256_set1_epi16(0xDF));
    const __m256i cp2 = _mm256_or_si256(
        _mm256_slli_epi16(_mm256_and_si256(x, _mm256_set1_epi16(0x1F)), 6), a);
    const __m256i cp3 = _mm256_or_si256(
        _mm256_or_si256(_mm256_slli_epi16(x, 12), _mm256_slli_epi16(a, 6)), b);
    return _mm256_blendv_epi8(_mm256_blendv_epi8(x, cp2, two), cp3, three);
}

/* The 16-bit lanes of r that keep (16 bits) marks, packed to d. */
WSC_TARGET("avx2")
WSC_INLINE_ALWAYS unsigned avx2_pack16(uint16_t *d, __m256i r, unsigned keep)
{
    const unsigned lo = keep & 0xFFu, hi = keep >> 8, n = wsc_pack8_count[lo];
    __m256i idx = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadl_epi64((const __m128i *)wsc_pack8[lo])),
        _mm_loadl_epi64((const __m128i *)wsc_pack8[hi]), 1);
    idx = _mm256_add_epi8(idx, idx);
    r = _mm256_shuffle_epi8(
        r, _mm256_unpacklo_epi8(idx, _mm256_add_epi8(idx, _mm256_set1_epi8(1))));
    _mm_storeu_si128((__m128i *)d, _mm256_castsi256_si128(r));
    _mm_storeu_si128((__m128i *)(d + n), _mm256_extracti128_si256(r, 1));
    return n + wsc_pack8_count[hi];
}

WSC_TARGET("avx2")
WSC_INLINE_ALWAYS unsigned avx2_bmp16(uint16_t *d, __m128i v, unsigned keep)
{
    return avx2_pack16(d, avx2_bmp_lanes(v, _mm_srli_si128(v, 1), _mm_srli_si128(v, 2)),
                       keep);
}

/* 32 bytes at p (reads 34) into 16-bit units: avx2_bmp16 twice with one
 * step's bookkeeping.  Writes up to 32 units. */
WSC_TARGET("avx2")
WSC_INLINE_ALWAYS unsigned avx2_bmp32(uint16_t *d, const uint8_t *p,
                                      uint32_t keep)
{
    const __m256i r0 = avx2_bmp_lanes(_mm_loadu_si128((const __m128i *)p),
                                      _mm_loadu_si128((const __m128i *)(p + 1)),
                                      _mm_loadu_si128((const __m128i *)(p + 2)));
    const __m256i r1 = avx2_bmp_lanes(_mm_loadu_si128((const __m128i *)(p + 16)),
                                      _mm_loadu_si128((const __m128i *)(p + 17)),
                                      _mm_loadu_si128((const __m128i *)(p + 18)));
    const unsigned n = avx2_pack16(d, r0, keep & 0xFFFFu);
    return n + avx2_pack16(d + n, r1, keep >> 16);
}

#define WSC_TK(name) name##_avx2
#define WSC_TK_TARGET WSC_TARGET("avx2")
#define WSC_TK_BMP16 avx2_bmp16
#define WSC_TK_BMP32 avx2_bmp32
#define WSC_TK_CJK8 avx2_cjk8
#define WSC_TK_WIDE avx2_wide8
#define WSC_TK_WIDE_SPAN 8
#include "transcode_kernel.h"
#undef WSC_TK
#undef WSC_TK_TARGET
#undef WSC_TK_CJK8
#undef WSC_TK_WIDE
#undef WSC_TK_WIDE_SPAN
#undef WSC_TK_BMP16
#undef WSC_TK_BMP32

/* ---- AVX-512 (F, BW, VBMI, VBMI2): Latin-1 64 bytes a step, 32-bit units
 * 16 positions a step ---- */

#define WSC_AVX512 "avx512f,avx512bw,avx512vbmi,avx512vbmi2,popcnt"

/* Latin-1, 64 bytes a step: v_latin1's formula on all of them, then
 * vpcompressb drops the continuation bytes. */
WSC_TARGET(WSC_AVX512)
static void avx512_latin1(const uint8_t *p, size_t len, uint8_t *d,
                          size_t nchars, size_t *ip, size_t *op)
{
    size_t i = *ip, o = *op;
    while (len - i >= 65 && nchars - o >= 64) {
        const __m512i v = _mm512_loadu_si512((const void *)(p + i));
        const __m512i next = _mm512_loadu_si512((const void *)(p + i + 1));
        const __m512i ch = _mm512_or_si512(
            _mm512_slli_epi16(_mm512_and_si512(v, _mm512_set1_epi8(3)), 6),
            _mm512_and_si512(next, _mm512_set1_epi8(0x3F)));
        const __mmask64 lead = _mm512_cmpge_epu8_mask(v, _mm512_set1_epi8((char)0xC0));
        const __mmask64 keep = ~_mm512_cmplt_epi8_mask(v, _mm512_set1_epi8(-64));
        _mm512_storeu_si512((void *)(d + o),
                            _mm512_maskz_compress_epi8(
                                keep, _mm512_mask_blend_epi8(lead, v, ch)));
        o += (size_t)_mm_popcnt_u64(keep);
        i += 64;
    }
    *ip = i;
    *op = o;
}

/* 32-bit units by character rather than by position: vpcompressb lists
 * where the characters of a 64-byte block start, and each 16 of them get
 * their 4-byte windows (lead last; from this block and the next) by
 * vpermt2b, then, as in avx2_wide8, a shift right by the bytes a character
 * does not own and two multiply-adds.  Stops inside a character, like the
 * AVX2 loop, or where the output bound does, at a character. */
WSC_TARGET(WSC_AVX512)
static void avx512_wide(const uint8_t *p, size_t len, uint32_t *d,
                        size_t nchars, size_t *ip, size_t *op)
{
    const __m512i payload = _mm512_broadcast_i32x4(_mm_setr_epi8(
        0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F, 0x7F,
        0x3F, 0x3F, 0x3F, 0x3F, 0x1F, 0x1F, 0x0F, 0x07));
    const __m512i unowned = _mm512_broadcast_i32x4(_mm_setr_epi8(
        24, 24, 24, 24, 24, 24, 24, 24, 0, 0, 0, 0, 16, 16, 8, 0));
    const __m512i nib = _mm512_set1_epi8(0x0F);
    /* Byte k of the list in every byte of lane k; and 0..63. */
    const __m512i spread = _mm512_set_epi32(
        0x0F0F0F0F, 0x0E0E0E0E, 0x0D0D0D0D, 0x0C0C0C0C, 0x0B0B0B0B,
        0x0A0A0A0A, 0x09090909, 0x08080808, 0x07070707, 0x06060606,
        0x05050505, 0x04040404, 0x03030303, 0x02020202, 0x01010101, 0);
    const __m512i iota = _mm512_set_epi32(
        0x3F3E3D3C, 0x3B3A3938, 0x37363534, 0x33323130, 0x2F2E2D2C,
        0x2B2A2928, 0x27262524, 0x23222120, 0x1F1E1D1C, 0x1B1A1918,
        0x17161514, 0x13121110, 0x0F0E0D0C, 0x0B0A0908, 0x07060504,
        0x03020100);
    size_t i = *ip, o = *op;
    while (len - i >= 64 && nchars - o >= 16) {
        const __m512i v = _mm512_loadu_si512((const void *)(p + i));
        const size_t after = len - i - 64;
        /* The next block's bytes, as far as there are any (masked-off
         * bytes are not read). */
        const __m512i w = _mm512_maskz_loadu_epi8(
            after >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << after) - 1),
            (const void *)(p + i + 64));
        __m512i pay, pay_next, un, list, at, lead, win;
        uint64_t starts;
        unsigned count, k;
        if (_mm512_movepi8_mask(v) == 0 && nchars - o >= 64) {
            for (k = 0; k < 4; k++)
                _mm512_storeu_si512((void *)(d + o + 16 * k),
                                    _mm512_cvtepu8_epi32(_mm_loadu_si128(
                                        (const __m128i *)(p + i + 16 * k))));
            i += 64;
            o += 64;
            continue;
        }
        starts = ~(uint64_t)_mm512_cmplt_epi8_mask(v, _mm512_set1_epi8(-64));
        count = (unsigned)_mm_popcnt_u64(starts);
        pay = _mm512_and_si512(
            v, _mm512_shuffle_epi8(
                   payload, _mm512_and_si512(_mm512_srli_epi16(v, 4), nib)));
        pay_next = _mm512_and_si512(
            w, _mm512_shuffle_epi8(
                   payload, _mm512_and_si512(_mm512_srli_epi16(w, 4), nib)));
        un = _mm512_shuffle_epi8(
            unowned, _mm512_and_si512(_mm512_srli_epi16(v, 4), nib));
        list = _mm512_maskz_compress_epi8(starts, iota);
        for (k = 0; k < count; k += 16) {
            if (nchars - o < 16) {
                uint8_t first[64];
                _mm512_storeu_si512((void *)first, list);
                i += first[k];
                goto out;
            }
            /* Lane j: the start of character k + j in every byte. */
            at = _mm512_permutexvar_epi8(
                _mm512_add_epi8(spread, _mm512_set1_epi8((char)k)), list);
            win = _mm512_permutex2var_epi8(
                pay, _mm512_add_epi8(at, _mm512_set1_epi32(0x00010203)),
                pay_next);
            lead = _mm512_maskz_permutexvar_epi8(
                (__mmask64)UINT64_C(0x1111111111111111), at, un);
            win = _mm512_srlv_epi32(win, lead);
            _mm512_storeu_si512(
                (void *)(d + o),
                _mm512_madd_epi16(
                    _mm512_maddubs_epi16(win, _mm512_set1_epi16(0x4001)),
                    _mm512_set1_epi32(0x10000001)));
            o += count - k < 16 ? count - k : 16;
        }
        i += 64;
    }
out:
    *ip = i;
    *op = o;
}

#define WSC_TK(name) name##_avx512
#define WSC_TK_TARGET WSC_TARGET(WSC_AVX512)
#define WSC_TK_CJK8 avx2_cjk8
#define WSC_TK_BMP16 avx2_bmp16
#define WSC_TK_WIDE_LOOP avx512_wide
#define WSC_TK_LATIN_LOOP avx512_latin1
#include "transcode_kernel.h"
#undef WSC_TK
#undef WSC_TK_TARGET
#undef WSC_TK_CJK8
#undef WSC_TK_WIDE_LOOP
#undef WSC_TK_LATIN_LOOP
#undef WSC_TK_BMP16
#undef WSC_TK_BMP32

/* ---- measure: continuation bytes counted in byte lanes, flushed to
 * 64-bit sums before a lane can overflow ---- */

static uint32_t maxchar_of(unsigned top) { return wsc_maxchar_of_byte(top); }

size_t wsc_utf8_measure_sse2(const uint8_t *p, size_t len, uint32_t *maxchar)
{
    const __m128i lim = _mm_set1_epi8(-64);
    __m128i top = _mm_setzero_si128(), sums = _mm_setzero_si128();
    size_t i = 0, cont = 0;
    uint8_t tail_top = 0, t[16];
    unsigned k;
    while (len - i >= 16) {
        __m128i cnt = _mm_setzero_si128();
        size_t stop = len - i >= 16 * 255 ? i + 16 * 255 : len - ((len - i) & 15);
        for (; i < stop; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
            top = _mm_max_epu8(top, v);
            cnt = _mm_sub_epi8(cnt, _mm_cmplt_epi8(v, lim));
        }
        sums = _mm_add_epi64(sums, _mm_sad_epu8(cnt, _mm_setzero_si128()));
    }
    _mm_storeu_si128((__m128i *)t, top);
    for (k = 0; k < 16; k++)
        tail_top = t[k] > tail_top ? t[k] : tail_top;
    for (; i < len; i++) {
        cont += (p[i] & 0xC0u) == 0x80u;
        tail_top = p[i] > tail_top ? p[i] : tail_top;
    }
    cont += (size_t)_mm_cvtsi128_si64(sums) +
            (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    *maxchar = maxchar_of(tail_top);
    return len - cont;
}

WSC_TARGET("avx2")
size_t wsc_utf8_measure_avx2(const uint8_t *p, size_t len, uint32_t *maxchar)
{
    const __m256i lim = _mm256_set1_epi8(-64);
    __m256i top = _mm256_setzero_si256(), sums = _mm256_setzero_si256();
    size_t i = 0, n;
    uint32_t tail_max;
    uint8_t t[32], best = 0;
    unsigned k;
    uint64_t s[4];
    while (len - i >= 32) {
        __m256i cnt = _mm256_setzero_si256();
        size_t stop = len - i >= 32 * 255 ? i + 32 * 255 : len - ((len - i) & 31);
        for (; i < stop; i += 32) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(p + i));
            top = _mm256_max_epu8(top, v);
            cnt = _mm256_sub_epi8(cnt, _mm256_cmpgt_epi8(lim, v));
        }
        sums = _mm256_add_epi64(sums,
                                _mm256_sad_epu8(cnt, _mm256_setzero_si256()));
    }
    _mm256_storeu_si256((__m256i *)t, top);
    _mm256_storeu_si256((__m256i *)s, sums);
    _mm256_zeroupper(); /* see wsc_mask_avx2 */
    for (k = 0; k < 32; k++)
        best = t[k] > best ? t[k] : best;
    n = wsc_utf8_measure_sse2(p + i, len - i, &tail_max);
    n = (len - i) - n; /* continuation bytes of the tail */
    *maxchar = maxchar_of(best) > tail_max ? maxchar_of(best) : tail_max;
    return len - (size_t)(s[0] + s[1] + s[2] + s[3]) - n;
}

#else
typedef int wsc_transcode_x86_unused; /* ISO C forbids an empty file */
#endif
