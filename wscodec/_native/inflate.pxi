# Inflating a permessage-deflate message, within its limit (twin:
# _pure/inflate.py).
#
# The inflater is the one deflate.make_decompressor gave (_inflater); what
# it returns goes through message_buffer.pxi's _append, so the text check
# and max_message_size see inflated bytes as they come, and a bomb stops at
# one byte over the limit.

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint8_t, uint64_t

from zlib import error as _ZlibError


cdef object _inflate_limit(_Decoder d):
    """``max_length`` for the inflater: one byte over the limit exposes any excess."""
    if d._max_message == _NO_LIMIT:
        return None
    return d._max_message - <uint64_t>d._data_len + 1


cdef int _inflate_piece(_Decoder d, const uint8_t *src, Py_ssize_t k) except -1:
    """Inflate the next k bytes of the compressed payload at src."""
    cdef bytes piece = PyBytes_FromStringAndSize(NULL, k)
    _copy_unmasked(d._key if d._server else NULL, &d._phase, <uint8_t *>PyBytes_AS_STRING(piece), src, k)
    try:
        out = d._inflater.decompress(piece, _inflate_limit(d))
    except _ZlibError:
        raise protocol_error("corrupt_deflate") from None
    return _append(d, out)


cdef int _inflate_tail(_Decoder d) except -1:
    """The message's last frame is in: what the inflater still holds."""
    try:
        tail = d._inflater.end_message(_inflate_limit(d))
    except _ZlibError:
        raise protocol_error("corrupt_deflate") from None
    return _append(d, tail)
