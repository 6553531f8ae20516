# The C-level API of the extension, for Cython code: cimport it from
# wscodec/api.pxd, which is the stable place (and documents each function).
from libc.stdint cimport uint8_t

cdef unsigned ws_mask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t *key,
                      unsigned phase) noexcept nogil
cdef bint ws_utf8_valid(const uint8_t *p, size_t n) noexcept nogil
cdef str ws_utf8_decode(const uint8_t *p, Py_ssize_t n)
cdef list ws_decoder_feed(object decoder, const uint8_t *data, Py_ssize_t n)
