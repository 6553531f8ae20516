# C-level entry points of masking and UTF-8, for Cython code: cimport them
# from wscodec/api.pxd, which is the stable place.
from libc.stdint cimport uint8_t

cdef unsigned ws_mask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t *key,
                      unsigned phase) noexcept nogil
cdef bint ws_utf8_valid(const uint8_t *p, size_t n) noexcept nogil
cdef str ws_utf8_decode(const uint8_t *p, Py_ssize_t n)
