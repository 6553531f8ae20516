# C-level entry points of the decoders, for Cython code: cimport them from
# wscodec/api.pxd, which is the stable place.
from libc.stdint cimport uint8_t

cdef list ws_decoder_feed(object decoder, const uint8_t *data, Py_ssize_t n)
