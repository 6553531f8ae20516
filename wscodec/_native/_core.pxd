# C declarations of the core in src/wscodec_core.h, shared by every
# extension module of the native backend.
from cpython.unicode cimport PyUnicode_DATA, PyUnicode_KIND, PyUnicode_New
from libc.stdint cimport uint8_t, uint32_t

cdef extern from "wscodec_core.h" nogil:
    void wsc_simd_init()
    const char *wsc_simd_name()
    int wsc_simd_select(const char *name)

    unsigned wsc_mask(uint8_t *dst, const uint8_t *src, size_t length,
                      const uint8_t *key, unsigned phase)

    int wsc_mask_ascii(uint8_t *dst, const uint8_t *src, size_t length,
                       const uint8_t *key, unsigned phase)

    int wsc_utf8_valid(const uint8_t *p, size_t length)
    size_t wsc_ascii_prefix(const uint8_t *p, size_t length)
    size_t wsc_ascii_copy(uint8_t *dst, const uint8_t *src, size_t length)

    size_t wsc_utf8_measure(const uint8_t *p, size_t length, uint32_t *maxchar)
    int wsc_utf8_valid_measure(const uint8_t *p, size_t length, size_t *nchars,
                               uint32_t *maxchar)
    void wsc_utf8_transcode(const uint8_t *p, size_t length, void *dst,
                            size_t nchars, unsigned width)
    int wsc_utf8_transcode_vectorised()

    ctypedef struct wsc_utf8_stream:
        uint32_t state
    void wsc_utf8_stream_init(wsc_utf8_stream *s)
    int wsc_utf8_stream_feed(wsc_utf8_stream *s, const uint8_t *p, size_t length)
    int wsc_utf8_stream_finish(const wsc_utf8_stream *s)
    uint32_t WSC_UTF8_REJECT




cdef inline str measured_utf8_str(const uint8_t *p, Py_ssize_t n, size_t count, uint32_t maxchar):
    """The str of p[0..n), which the caller has validated as UTF-8, given
    what wsc_utf8_measure says of it.

    The SIMD transcoder writes straight into a str of the kind the measure
    pass picked, so the result is the canonical str bytes.decode would give.
    """
    cdef str s = PyUnicode_New(count, maxchar)
    wsc_utf8_transcode(p, n, PyUnicode_DATA(s), count, PyUnicode_KIND(s))
    return s
