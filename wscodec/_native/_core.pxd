# C declarations of the core in src/wscodec_core.h, shared by every
# extension module of the native backend.
from libc.stdint cimport uint8_t, uint32_t

cdef extern from "wscodec_core.h" nogil:
    void wsc_simd_init()
    const char *wsc_simd_name()
    int wsc_simd_select(const char *name)

    unsigned wsc_mask(uint8_t *dst, const uint8_t *src, size_t length,
                      const uint8_t *key, unsigned phase)

    int wsc_utf8_valid(const uint8_t *p, size_t length)
    size_t wsc_ascii_prefix(const uint8_t *p, size_t length)

    ctypedef struct wsc_utf8_stream:
        uint32_t state
    void wsc_utf8_stream_init(wsc_utf8_stream *s)
    int wsc_utf8_stream_feed(wsc_utf8_stream *s, const uint8_t *p, size_t length)
    int wsc_utf8_stream_finish(const wsc_utf8_stream *s)
    uint32_t WSC_UTF8_REJECT
