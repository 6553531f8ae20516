/*
 * wscodec core: WebSocket masking and strict UTF-8 validation.
 *
 * Plain C99 with no Python headers, so it can be tested, sanitised and fuzzed
 * on its own.  Every entry point dispatches at run time to the best SIMD
 * implementation the CPU supports; nothing here may be compiled with a
 * global -march/-mavx2 flag (a wheel must run on every CPU of its platform).
 */
#ifndef WSCODEC_CORE_H
#define WSCODEC_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- SIMD selection --------------------------------------------------- */

/* Pick the best implementation for this CPU.  Idempotent; cheap after the
 * first call.  Every other function calls it lazily, so calling it is only
 * needed to read the name early. */
void wsc_simd_init(void);

/* Name of the level in use: "avx512", "avx2", "ssse3", "sse2", "neon" or
 * "scalar".
 *   avx512: avx2, and AVX-512 (F, BW, VBMI, VBMI2) transcoding (x86-64)
 *   avx2  : AVX2 masking, AVX2 UTF-8, AVX2 transcoding      (x86-64)
 *   ssse3 : SSE2 masking, SSSE3 UTF-8, SSSE3 transcoding    (x86-64)
 *   sse2  : SSE2 masking, scalar UTF-8, scalar transcoding  (x86-64 baseline)
 *   neon  : NEON masking, NEON UTF-8, NEON transcoding      (aarch64)
 *   scalar: word-at-a-time masking, scalar UTF-8 and transcoding (everywhere) */
const char *wsc_simd_name(void);

/* Force a level by name (tests, and the WSCODEC_SIMD environment variable).
 * Returns 0 on success, -1 if the name is unknown or this CPU lacks it
 * (the current level is then left unchanged). */
int wsc_simd_select(const char *name);

/* ---- Masking (RFC 6455 section 5.3) ------------------------------------ */

/* dst[i] = src[i] ^ key[(phase + i) % 4] for i in [0, len).
 * dst == src (in place) is allowed; any other overlap is not.
 * Returns (phase + len) % 4, the phase for the next piece of the payload. */
unsigned wsc_mask(uint8_t *dst, const uint8_t *src, size_t len,
                  const uint8_t key[4], unsigned phase);

/* wsc_mask, and in the same pass whether every byte written to dst is ASCII
 * (< 0x80): 1 if so.  The next phase is (phase + len) % 4, as wsc_mask
 * returns it. */
int wsc_mask_ascii(uint8_t *dst, const uint8_t *src, size_t len,
                   const uint8_t key[4], unsigned phase);

/* ---- UTF-8 (RFC 3629: no overlongs, surrogates or values > U+10FFFF) --- */

/* 1 if p[0..len) is complete, valid UTF-8, else 0. */
int wsc_utf8_valid(const uint8_t *p, size_t len);

/* Length of the leading run of ASCII bytes (< 0x80) in p[0..len). */
size_t wsc_ascii_prefix(const uint8_t *p, size_t len);

/* wsc_ascii_prefix, copying that run to dst (which holds len bytes) as it
 * goes. */
size_t wsc_ascii_copy(uint8_t *dst, const uint8_t *src, size_t len);

/* ---- UTF-8 to the code units of a str --------------------------------- */

/* Of p[0..len), valid UTF-8: returns the number of characters, and stores in
 * *maxchar the bound that picks the narrowest str kind holding them: 0x7F
 * (ASCII), 0xFF (Latin-1), 0xFFFF (UCS-2) or 0x10FFFF (UCS-4) -- the
 * arguments CPython's PyUnicode_New takes. */
size_t wsc_utf8_measure(const uint8_t *p, size_t len, uint32_t *maxchar);

/* wsc_utf8_valid, and when p[0..len) is valid (1 returned) what
 * wsc_utf8_measure says of it, in one pass where the level has one.  On 0,
 * *nchars and *maxchar are left as they were. */
int wsc_utf8_valid_measure(const uint8_t *p, size_t len, size_t *nchars,
                           uint32_t *maxchar);

/* Writes the nchars characters of p[0..len), valid UTF-8 that
 * wsc_utf8_measure measured, as units of width bytes (1, 2 or 4, native
 * byte order) to dst, which holds nchars units.  width must be at least the
 * kind that maxchar names.  On input that is not valid UTF-8 the output is
 * unspecified, but nothing outside dst[0..nchars) is written. */
void wsc_utf8_transcode(const uint8_t *p, size_t len, void *dst,
                        size_t nchars, unsigned width);

/* 0 when the level's transcoder is the portable one, a character at a time:
 * CPython's own decoder (one pass, no measure) is then the faster way to a
 * str for anything but ASCII. */
int wsc_utf8_transcode_vectorised(void);

/* Incremental validation of a stream that arrives in pieces. */
typedef struct {
    uint32_t state;   /* 0: on a character boundary; WSC_UTF8_REJECT: failed */
} wsc_utf8_stream;

#define WSC_UTF8_REJECT 0xFFFFFFFFu

void wsc_utf8_stream_init(wsc_utf8_stream *s);

/* Feed the next piece.  Returns 1 while everything fed so far is a prefix of
 * valid UTF-8, 0 as soon as it cannot be (fail fast, even when the first bad
 * byte sits mid-sequence or the sequence spans pieces).  Once 0, stays 0
 * until wsc_utf8_stream_init. */
int wsc_utf8_stream_feed(wsc_utf8_stream *s, const uint8_t *p, size_t len);

/* 1 if all that was fed is valid and ends on a character boundary. */
int wsc_utf8_stream_finish(const wsc_utf8_stream *s);

#ifdef __cplusplus
}
#endif
#endif /* WSCODEC_CORE_H */
