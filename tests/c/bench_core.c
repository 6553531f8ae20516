/*
 * Throughput of the C core per SIMD level (in-cache, best of several runs).
 *
 *   cc -std=c99 -O2 -Isrc src/\*.c tests/c/bench_core.c -o bench_core
 *   ./bench_core [level ...]
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ref.h"
#include "wscodec_core.h"

static volatile size_t sink;
static uint64_t rng = 12345;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum { MASK_INPLACE, MASK_COPY, MEMCPY, UTF8, UTF8_STREAM };

/* Seconds per call: the minimum over many ~2 ms runs, since on a shared
 * machine the minimum is the only statistic that preemption cannot raise. */
static double time_op(int op, uint8_t *dst, uint8_t *src, size_t len)
{
    static const uint8_t key[4] = {1, 2, 3, 4};
    double best = 1e30;
    size_t reps = 1, r;
    int run;
    for (run = 0; run < 60; run++) {
        double t0 = now(), dt;
        for (r = 0; r < reps; r++) {
            switch (op) {
            case MASK_INPLACE:
                sink += wsc_mask(src, src, len, key, 1);
                break;
            case MASK_COPY:
                sink += wsc_mask(dst, src, len, key, 1);
                break;
            case MEMCPY:
                memcpy(dst, src, len);
                sink += dst[len / 2];
                break;
            case UTF8:
                sink += (size_t)wsc_utf8_valid(src, len);
                break;
            default: {
                wsc_utf8_stream s;
                size_t half = len / 2 + 1; /* cuts a character mostly */
                wsc_utf8_stream_init(&s);
                wsc_utf8_stream_feed(&s, src, half);
                wsc_utf8_stream_feed(&s, src + half, len - half);
                sink += (size_t)wsc_utf8_stream_finish(&s);
            }
            }
        }
        dt = now() - t0;
        if (dt < 0.002 && run == 0) { /* calibrate, then start over */
            reps = (size_t)((double)reps * 0.002 / (dt > 1e-7 ? dt : 1e-7)) + 1;
            run = -1;
            continue;
        }
        if (dt / (double)reps < best)
            best = dt / (double)reps;
    }
    return best;
}

static size_t make_text(uint8_t *out, size_t n, int kind)
{
    size_t len = 0;
    while (len < n) {
        unsigned bytes;
        uint8_t enc[4];
        size_t k;
        uint64_t r = ref_rng_next(&rng) % 100;
        switch (kind) {
        case 0: bytes = 1; break;
        case 1: bytes = r < 15 ? 2 : 1; break; /* accented Latin */
        case 2: bytes = r < 90 ? 3 : 1; break; /* CJK */
        default: bytes = r < 70 ? 4 : 1; break; /* emoji */
        }
        k = ref_encode(ref_random_cp(&rng, bytes), enc);
        if (len + k > n) { /* pad with ASCII to the exact size */
            while (len < n)
                out[len++] = ' ';
            break;
        }
        memcpy(out + len, enc, k);
        len += k;
    }
    return len;
}

int main(int argc, char **argv)
{
    static const char *all[] = {"avx512", "avx2",  "ssse3",
                                "sse2",   "neon", "scalar"};
    static const char *kinds[] = {"ascii", "latin", "cjk", "emoji"};
    static const size_t mask_sizes[] = {16, 125, 1024, 65536, 1 << 20};
    static const size_t utf8_sizes[] = {1024, 65536, 1 << 20};
    const char **levels = argc > 1 ? (const char **)argv + 1 : all;
    int nlevels = argc > 1 ? argc - 1 : 5, l, k;
    size_t s;
    uint8_t *src = malloc((1 << 20) + 64), *dst = malloc((1 << 20) + 64);
    uint8_t *text[4];

    for (k = 0; k < 4; k++) {
        text[k] = malloc(1 << 20);
        make_text(text[k], 1 << 20, k);
        if (!wsc_utf8_valid(text[k], 1 << 20))
            return 1;
    }
    memset(src, 7, (1 << 20) + 64);
    printf("%-7s %-12s %8s %10s %10s\n", "level", "work", "size", "ns/call",
           "GB/s");
    for (s = 0; s < 5; s++) {
        size_t n = mask_sizes[s];
        double t = time_op(MEMCPY, dst + 1, src + 3, n);
        printf("%-7s %-12s %8lu %10.1f %10.2f\n", "libc", "memcpy",
               (unsigned long)n, t * 1e9, (double)n / t / 1e9);
    }
    for (l = 0; l < nlevels; l++) {
        if (wsc_simd_select(levels[l]) != 0)
            continue;
        for (s = 0; s < 5; s++) {
            size_t n = mask_sizes[s];
            /* +3: payloads sit after a frame header, rarely aligned */
            double t = time_op(MASK_INPLACE, dst, src + 3, n);
            double c = time_op(MASK_COPY, dst + 1, src + 3, n);
            printf("%-7s %-12s %8lu %10.1f %10.2f\n", levels[l], "mask-inplace",
                   (unsigned long)n, t * 1e9, (double)n / t / 1e9);
            printf("%-7s %-12s %8lu %10.1f %10.2f\n", levels[l], "mask-copy",
                   (unsigned long)n, c * 1e9, (double)n / c / 1e9);
        }
        for (k = 0; k < 4; k++)
            for (s = 0; s < 3; s++) {
                size_t n = utf8_sizes[s];
                double t = time_op(UTF8, NULL, text[k], n);
                char name[32];
                sprintf(name, "utf8-%s", kinds[k]);
                printf("%-7s %-12s %8lu %10.1f %10.2f\n", levels[l], name,
                       (unsigned long)n, t * 1e9, (double)n / t / 1e9);
            }
        for (k = 0; k < 4; k += 2) {
            double t = time_op(UTF8_STREAM, NULL, text[k], 65536);
            char name[32];
            sprintf(name, "stream-%s", kinds[k]);
            printf("%-7s %-12s %8lu %10.1f %10.2f\n", levels[l], name,
                   65536UL, t * 1e9, 65536.0 / t / 1e9);
        }
        fflush(stdout);
    }
    return (int)(sink & 0);
}
