/*
 * Run-time choice of the SIMD level: CPU detection and the table of levels.
 *
 * The active level is one pointer.  It starts at a "lazy" row whose entries
 * detect the CPU and then forward, so the hot entry points never test
 * whether initialisation happened.
 */
#include "wsc_internal.h"

#ifdef WSC_X86_64
#if defined(_MSC_VER) && !defined(__clang__)
#include <immintrin.h>
#include <intrin.h>
#endif
#endif

/* Best first: wsc_simd_init takes the first row this CPU can run. */
static const wsc_impl wsc_levels[] = {
#ifdef WSC_X86_64
    {"avx512", wsc_mask_avx2, wsc_utf8_valid_avx512, wsc_ascii_prefix_avx2,
     wsc_mask_ascii_avx2, wsc_utf8_measure_avx2, wsc_utf8_transcode_avx512,
     wsc_utf8_valid_measure_avx512},
    {"avx2", wsc_mask_avx2, wsc_utf8_valid_avx2, wsc_ascii_prefix_avx2,
     wsc_mask_ascii_avx2, wsc_utf8_measure_avx2, wsc_utf8_transcode_avx2,
     wsc_utf8_valid_measure_avx2},
    {"ssse3", wsc_mask_sse2, wsc_utf8_valid_ssse3, wsc_ascii_prefix_sse2,
     wsc_mask_ascii_generic, wsc_utf8_measure_sse2, wsc_utf8_transcode_ssse3,
     wsc_utf8_valid_measure_generic},
    {"sse2", wsc_mask_sse2, wsc_utf8_valid_scalar, wsc_ascii_prefix_sse2,
     wsc_mask_ascii_generic, wsc_utf8_measure_sse2, wsc_utf8_transcode_scalar,
     wsc_utf8_valid_measure_generic},
#endif
#ifdef WSC_AARCH64
    {"neon", wsc_mask_neon, wsc_utf8_valid_neon, wsc_ascii_prefix_neon,
     wsc_mask_ascii_generic, wsc_utf8_measure_neon,
#ifdef WSC_LITTLE_ENDIAN /* the transcoder's lane layouts */
     wsc_utf8_transcode_neon,
#else
     wsc_utf8_transcode_scalar,
#endif
     wsc_utf8_valid_measure_generic},
#endif
    {"scalar", wsc_mask_scalar, wsc_utf8_valid_scalar, wsc_ascii_prefix_scalar,
     wsc_mask_ascii_generic, wsc_utf8_measure_scalar, wsc_utf8_transcode_scalar,
     wsc_utf8_valid_measure_generic},
};
#define WSC_NLEVELS (sizeof wsc_levels / sizeof wsc_levels[0])

static int cpu_has(const char *name);

/* ---- the active level ---- */

static unsigned lazy_mask(uint8_t *dst, const uint8_t *src, size_t len,
                          uint32_t key, unsigned phase);
static int lazy_utf8_valid(const uint8_t *p, size_t len);
static size_t lazy_ascii_prefix(const uint8_t *p, size_t len);
static int lazy_mask_ascii(uint8_t *dst, const uint8_t *src, size_t len,
                           uint32_t key, unsigned phase);
static size_t lazy_utf8_measure(const uint8_t *p, size_t len,
                                uint32_t *maxchar);
static void lazy_utf8_transcode(const uint8_t *p, size_t len, void *dst,
                                size_t nchars, unsigned width);
static int lazy_utf8_valid_measure(const uint8_t *p, size_t len,
                                   size_t *nchars, uint32_t *maxchar);
static const wsc_impl wsc_lazy = {"lazy",
                                  lazy_mask,
                                  lazy_utf8_valid,
                                  lazy_ascii_prefix,
                                  lazy_mask_ascii,
                                  lazy_utf8_measure,
                                  lazy_utf8_transcode,
                                  lazy_utf8_valid_measure};

const wsc_impl *wsc_current = &wsc_lazy;

void wsc_simd_init(void)
{
    size_t i;
    if (wsc_active() != &wsc_lazy)
        return;
    /* Rows are ordered best first and the scalar row always qualifies. */
    for (i = 0; i < WSC_NLEVELS; i++) {
        if (cpu_has(wsc_levels[i].name)) {
            wsc_set_active(&wsc_levels[i]);
            return;
        }
    }
}

const char *wsc_simd_name(void)
{
    wsc_simd_init();
    return wsc_active()->name;
}

int wsc_simd_select(const char *name)
{
    size_t i;
    if (name == NULL)
        return -1;
    for (i = 0; i < WSC_NLEVELS; i++) {
        if (strcmp(name, wsc_levels[i].name) == 0) {
            if (!cpu_has(name))
                return -1;
            wsc_set_active(&wsc_levels[i]);
            return 0;
        }
    }
    return -1;
}

static unsigned lazy_mask(uint8_t *dst, const uint8_t *src, size_t len,
                          uint32_t key, unsigned phase)
{
    wsc_simd_init();
    return wsc_active()->mask(dst, src, len, key, phase);
}

static int lazy_utf8_valid(const uint8_t *p, size_t len)
{
    wsc_simd_init();
    return wsc_active()->utf8_valid(p, len);
}

static size_t lazy_ascii_prefix(const uint8_t *p, size_t len)
{
    wsc_simd_init();
    return wsc_active()->ascii_prefix(p, len);
}

static int lazy_mask_ascii(uint8_t *dst, const uint8_t *src, size_t len,
                           uint32_t key, unsigned phase)
{
    wsc_simd_init();
    return wsc_active()->mask_ascii(dst, src, len, key, phase);
}

static size_t lazy_utf8_measure(const uint8_t *p, size_t len,
                                uint32_t *maxchar)
{
    wsc_simd_init();
    return wsc_active()->utf8_measure(p, len, maxchar);
}

static void lazy_utf8_transcode(const uint8_t *p, size_t len, void *dst,
                                size_t nchars, unsigned width)
{
    wsc_simd_init();
    wsc_active()->utf8_transcode(p, len, dst, nchars, width);
}

static int lazy_utf8_valid_measure(const uint8_t *p, size_t len,
                                   size_t *nchars, uint32_t *maxchar)
{
    wsc_simd_init();
    return wsc_active()->utf8_valid_measure(p, len, nchars, maxchar);
}

/* ---- CPU detection ---- */

#if defined(WSC_X86_64) && defined(_MSC_VER) && !defined(__clang__)
/* MSVC has no __builtin_cpu_supports: ask cpuid, and xgetbv for whether the
 * OS saves the YMM registers (without that AVX faults despite cpuid). */
static int x86_has_ssse3(void)
{
    int r[4];
    __cpuid(r, 1);
    return (r[2] >> 9) & 1;
}

static int x86_has_avx2(void)
{
    int r[4];
    __cpuid(r, 0);
    if (r[0] < 7)
        return 0;
    __cpuid(r, 1);
    if (!((r[2] >> 27) & 1) || !((r[2] >> 28) & 1)) /* OSXSAVE, AVX */
        return 0;
    if ((_xgetbv(0) & 6) != 6) /* XMM and YMM state enabled */
        return 0;
    __cpuidex(r, 7, 0);
    return (r[1] >> 5) & 1;
}

/* F and BW (EBX bits 16, 30), VBMI and VBMI2 (ECX bits 1, 6), and the OS
 * saving the opmask and ZMM state (XCR0 bits 5-7) besides XMM and YMM. */
static int x86_has_avx512(void)
{
    int r[4];
    if (!x86_has_avx2() || (_xgetbv(0) & 0xE6) != 0xE6)
        return 0;
    __cpuidex(r, 7, 0);
    return ((r[1] >> 16) & 1) && ((r[1] >> 30) & 1) && ((r[2] >> 1) & 1) &&
           ((r[2] >> 6) & 1);
}
#elif defined(WSC_X86_64)
/* libgcc and compiler-rt report avx2 only when the OS saves YMM state. */
static int x86_has_ssse3(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("ssse3") != 0;
}

static int x86_has_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
}

/* Likewise for the ZMM state and the AVX-512 features. */
static int x86_has_avx512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vbmi") &&
           __builtin_cpu_supports("avx512vbmi2");
}
#endif

static int cpu_has(const char *name)
{
#ifdef WSC_X86_64
    if (strcmp(name, "avx512") == 0)
        return x86_has_avx512();
    if (strcmp(name, "avx2") == 0)
        return x86_has_avx2();
    if (strcmp(name, "ssse3") == 0)
        return x86_has_ssse3();
    if (strcmp(name, "sse2") == 0)
        return 1; /* part of x86-64 */
#endif
#ifdef WSC_AARCH64
    if (strcmp(name, "neon") == 0)
        return 1; /* part of aarch64 */
#endif
    return strcmp(name, "scalar") == 0;
}
