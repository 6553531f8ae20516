/*
 * The UTF-8 transcoder and measure for aarch64: the kernel of
 * transcode_kernel.h on NEON.  The lane layouts assume little-endian lanes;
 * a big-endian aarch64 build takes the scalar row instead (see cpu.c).
 */
#include "wsc_internal.h"

#ifdef WSC_AARCH64
#include <arm_neon.h>

typedef uint8x16_t wsc_v;
#define OP WSC_INLINE_ALWAYS

OP wsc_v v_load(const uint8_t *p) { return vld1q_u8(p); }
/* NEON has no movemask: weigh each lane's bit and add the halves. */
OP unsigned v_bits(uint8x16_t c)
{
    static const uint8_t weights[16] = {1, 2, 4, 8, 16, 32, 64, 128,
                                        1, 2, 4, 8, 16, 32, 64, 128};
    uint8x16_t b = vandq_u8(c, vld1q_u8(weights));
    return (unsigned)vaddv_u8(vget_low_u8(b)) |
           (unsigned)vaddv_u8(vget_high_u8(b)) << 8;
}
OP unsigned v_high_bits(wsc_v v)
{
    return v_bits(vcltq_s8(vreinterpretq_s8_u8(v), vdupq_n_s8(0)));
}
OP unsigned v_cont_bits(wsc_v v)
{
    return v_bits(vcltq_s8(vreinterpretq_s8_u8(v), vdupq_n_s8(-64)));
}
OP wsc_v v_shuffle(wsc_v v, const uint8_t *m) { return vqtbl1q_u8(v, vld1q_u8(m)); }
/* The masks are explained in transcode_x86.c. */
OP wsc_v v_cp16(wsc_v v)
{
    uint16x8_t w = vreinterpretq_u16_u8(v);
    return vreinterpretq_u8_u16(
        vorrq_u16(vandq_u16(w, vdupq_n_u16(0x7F)),
                  vshrq_n_u16(vandq_u16(w, vdupq_n_u16(0x3F00)), 2)));
}
OP wsc_v v_cp32_3(wsc_v v)
{
    uint32x4_t w = vreinterpretq_u32_u8(v);
    uint32x4_t a = vandq_u32(w, vdupq_n_u32(0x7F));
    uint32x4_t b = vshrq_n_u32(vandq_u32(w, vdupq_n_u32(0x3F00)), 2);
    uint32x4_t c = vshrq_n_u32(vandq_u32(w, vdupq_n_u32(0x0F0000)), 4);
    return vreinterpretq_u8_u32(vorrq_u32(vorrq_u32(a, b), c));
}
OP wsc_v v_cp32_4(wsc_v v)
{
    uint32x4_t w = vreinterpretq_u32_u8(v);
    uint32x4_t a = vandq_u32(w, vdupq_n_u32(0x7F));
    uint32x4_t b = vshrq_n_u32(vandq_u32(w, vdupq_n_u32(0x3F00)), 2);
    uint32x4_t c = vshrq_n_u32(vandq_u32(w, vdupq_n_u32(0x3F0000)), 4);
    uint32x4_t d = vshrq_n_u32(vandq_u32(w, vdupq_n_u32(0x07000000)), 6);
    uint32x4_t four = vtstq_u32(w, vdupq_n_u32(0xFF000000u));
    uint32x4_t keep = vorrq_u32(four, vdupq_n_u32(0xFFFF));
    return vreinterpretq_u8_u32(
        vandq_u32(vorrq_u32(vorrq_u32(a, b), vorrq_u32(c, d)), keep));
}
OP void v_put_ascii_1(uint8_t *d, wsc_v v) { vst1q_u8(d, v); }
OP void v_put_ascii_2(uint16_t *d, wsc_v v)
{
    vst1q_u16(d, vmovl_u8(vget_low_u8(v)));
    vst1q_u16(d + 8, vmovl_u8(vget_high_u8(v)));
}
OP void v_put16_4(uint32_t *d, wsc_v v)
{
    uint16x8_t w = vreinterpretq_u16_u8(v);
    vst1q_u32(d, vmovl_u16(vget_low_u16(w)));
    vst1q_u32(d + 4, vmovl_u16(vget_high_u16(w)));
}
OP void v_put_ascii_4(uint32_t *d, wsc_v v)
{
    v_put16_4(d, vreinterpretq_u8_u16(vmovl_u8(vget_low_u8(v))));
    v_put16_4(d + 8, vreinterpretq_u8_u16(vmovl_u8(vget_high_u8(v))));
}
OP void v_put16_1(uint8_t *d, wsc_v v)
{
    vst1_u8(d, vqmovn_u16(vreinterpretq_u16_u8(v)));
}
OP void v_put16_2(uint16_t *d, wsc_v v) { vst1q_u16(d, vreinterpretq_u16_u8(v)); }
OP void v_put32_2(uint16_t *d, wsc_v v)
{
    vst1_u16(d, vmovn_u32(vreinterpretq_u32_u8(v)));
}
OP void v_put32_4(uint32_t *d, wsc_v v) { vst1q_u32(d, vreinterpretq_u32_u8(v)); }
/* See transcode_x86.c. */
OP wsc_v v_latin1(wsc_v v, wsc_v next)
{
    uint8x16_t lead = vcgeq_u8(v, vdupq_n_u8(0xC0));
    uint8x16_t ch = vorrq_u8(vshlq_n_u8(vandq_u8(v, vdupq_n_u8(3)), 6),
                             vandq_u8(next, vdupq_n_u8(0x3F)));
    return vbslq_u8(lead, ch, v);
}
OP unsigned v_put_latin1(uint8_t *d, wsc_v v, unsigned keep)
{
    unsigned lo = keep & 0xFFu, hi = keep >> 8, n = wsc_pack8_count[lo];
    vst1_u8(d, vtbl1_u8(vget_low_u8(v), vld1_u8(wsc_pack8[lo])));
    vst1_u8(d + n, vtbl1_u8(vget_high_u8(v), vld1_u8(wsc_pack8[hi])));
    return n + wsc_pack8_count[hi];
}
/* See transcode_x86.c. */
OP uint8x16_t pair_index(const uint8_t *m)
{
    uint8x8_t i2 = vld1_u8(m);
    i2 = vadd_u8(i2, i2);
    return vcombine_u8(vzip1_u8(i2, vadd_u8(i2, vdup_n_u8(1))),
                       vzip2_u8(i2, vadd_u8(i2, vdup_n_u8(1))));
}
OP unsigned v_put_bmp_2(uint16_t *d, wsc_v v, unsigned keep)
{
    const uint8x16_t n1 = vextq_u8(v, vdupq_n_u8(0), 1);
    const uint8x16_t n2 = vextq_u8(v, vdupq_n_u8(0), 2);
    const uint16x8_t low6 = vdupq_n_u16(0x3F);
    unsigned lo = keep & 0xFFu, hi = keep >> 8, n = wsc_pack8_count[lo];
    uint16x8_t half[2];
    int k;
    for (k = 0; k < 2; k++) {
        uint16x8_t x = vmovl_u8(k ? vget_high_u8(v) : vget_low_u8(v));
        uint16x8_t a = vandq_u16(vmovl_u8(k ? vget_high_u8(n1) : vget_low_u8(n1)), low6);
        uint16x8_t b = vandq_u16(vmovl_u8(k ? vget_high_u8(n2) : vget_low_u8(n2)), low6);
        uint16x8_t two = vcgtq_u16(x, vdupq_n_u16(0xBF));
        uint16x8_t three = vcgtq_u16(x, vdupq_n_u16(0xDF));
        uint16x8_t cp2 = vorrq_u16(vshlq_n_u16(vandq_u16(x, vdupq_n_u16(0x1F)), 6), a);
        uint16x8_t cp3 = vorrq_u16(vorrq_u16(vshlq_n_u16(x, 12), vshlq_n_u16(a, 6)), b);
        half[k] = vbslq_u16(three, cp3, vbslq_u16(two, cp2, x));
    }
    vst1q_u8((uint8_t *)d, vqtbl1q_u8(vreinterpretq_u8_u16(half[0]),
                                      pair_index(wsc_pack8[lo])));
    vst1q_u8((uint8_t *)(d + n), vqtbl1q_u8(vreinterpretq_u8_u16(half[1]),
                                            pair_index(wsc_pack8[hi])));
    return n + wsc_pack8_count[hi];
}
#undef OP

#ifdef WSC_LITTLE_ENDIAN
#define WSC_TK(name) name##_neon
#define WSC_TK_TARGET
#include "transcode_kernel.h"
#undef WSC_TK
#undef WSC_TK_TARGET
#endif

size_t wsc_utf8_measure_neon(const uint8_t *p, size_t len, uint32_t *maxchar)
{
    uint8x16_t top = vdupq_n_u8(0);
    uint64_t cont = 0;
    size_t i = 0;
    unsigned best;
    while (len - i >= 16) {
        uint8x16_t cnt = vdupq_n_u8(0);
        size_t stop = len - i >= 16 * 255 ? i + 16 * 255 : len - ((len - i) & 15);
        for (; i < stop; i += 16) {
            uint8x16_t v = vld1q_u8(p + i);
            top = vmaxq_u8(top, v);
            cnt = vsubq_u8(cnt, vcltq_s8(vreinterpretq_s8_u8(v), vdupq_n_s8(-64)));
        }
        cont += vaddlvq_u8(cnt);
    }
    best = vmaxvq_u8(top);
    for (; i < len; i++) {
        cont += (p[i] & 0xC0u) == 0x80u;
        best = p[i] > best ? p[i] : best;
    }
    *maxchar = wsc_maxchar_of_byte(best);
    return len - (size_t)cont;
}

#else
typedef int wsc_transcode_neon_unused; /* ISO C forbids an empty file */
#endif
