# cython: binding=False
# Masking and UTF-8 validation bindings over the C core (src/).
#
# Small inputs are the common case for high-frequency traffic, so every entry
# point has a typed fast path for bytes/bytearray that skips the buffer
# protocol, and allocates nothing but its result.

from cpython.buffer cimport (PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release,
                             PyObject_CheckBuffer, PyObject_GetBuffer)
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_CheckExact, PyByteArray_GET_SIZE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdint cimport uint8_t
from libc.string cimport memcpy

from wscodec._native._core cimport *

cdef enum:
    # Below this many bytes the GIL round trip costs more than it frees.
    NOGIL_THRESHOLD = 1 << 20

wsc_simd_init()


def _simd_name():
    return wsc_simd_name().decode("ascii")


def _select_simd(name):
    if wsc_simd_select(name.encode("ascii")) != 0:
        raise ValueError(f"SIMD level {name!r} is unknown or not supported by this CPU")


cdef inline int _get_key(object mask, uint8_t key[4]) except -1:
    cdef Py_buffer view
    if PyBytes_CheckExact(mask) and PyBytes_GET_SIZE(mask) == 4:
        memcpy(key, PyBytes_AS_STRING(mask), 4)
        return 0
    PyObject_GetBuffer(mask, &view, PyBUF_SIMPLE)
    try:
        if view.len != 4:
            raise ValueError(f"mask must be exactly 4 bytes, not {view.len}")
        memcpy(key, view.buf, 4)
    finally:
        PyBuffer_Release(&view)
    return 0


cdef bytes _masked_copy(const uint8_t *src, Py_ssize_t n, const uint8_t *key, unsigned phase):
    cdef bytes out = PyBytes_FromStringAndSize(NULL, n)
    cdef uint8_t *dst = <uint8_t *>PyBytes_AS_STRING(out)
    if n >= NOGIL_THRESHOLD:
        with nogil:
            wsc_mask(dst, src, n, key, phase)
    else:
        wsc_mask(dst, src, n, key, phase)
    return out


def apply_mask(data, mask):
    """apply_mask(data, mask) -> bytes

    ``data`` XOR the 4-byte ``mask`` repeated (RFC 6455 section 5.3).
    """
    cdef uint8_t key[4]
    cdef Py_buffer view
    _get_key(mask, key)
    if PyBytes_CheckExact(data):
        return _masked_copy(<const uint8_t *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), key, 0)
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        return _masked_copy(<const uint8_t *>view.buf, view.len, key, 0)
    finally:
        PyBuffer_Release(&view)


def mask_inplace(buf, mask, Py_ssize_t offset=0):
    """mask_inplace(buf, mask, offset=0) -> int

    XOR a writable buffer in place starting at mask byte ``offset % 4``;
    returns ``(offset + len(buf)) % 4`` for the next piece.
    """
    cdef uint8_t key[4]
    cdef Py_buffer view
    cdef unsigned phase = <unsigned>(offset & 3)  # two's complement: equals offset % 4
    cdef Py_ssize_t n
    _get_key(mask, key)
    if PyByteArray_CheckExact(buf):
        n = PyByteArray_GET_SIZE(buf)
        if n < NOGIL_THRESHOLD:
            # Without the GIL released nothing can resize the bytearray under us.
            return wsc_mask(<uint8_t *>PyByteArray_AS_STRING(buf),
                            <const uint8_t *>PyByteArray_AS_STRING(buf), n, key, phase)
    try:
        PyObject_GetBuffer(buf, &view, PyBUF_WRITABLE)
    except BufferError:
        if PyObject_CheckBuffer(buf):
            raise TypeError(f"mask_inplace needs a writable buffer, not {type(buf).__name__}") from None
        raise
    try:
        if view.len >= NOGIL_THRESHOLD:
            with nogil:
                phase = wsc_mask(<uint8_t *>view.buf, <const uint8_t *>view.buf, view.len, key, phase)
        else:
            phase = wsc_mask(<uint8_t *>view.buf, <const uint8_t *>view.buf, view.len, key, phase)
    finally:
        PyBuffer_Release(&view)
    return phase


cdef class Masker:
    """Masker(mask): streaming masker; ``process`` keeps the mask position."""

    cdef uint8_t _key[4]
    cdef unsigned _phase

    def __cinit__(self, mask):
        _get_key(mask, self._key)
        self._phase = 0

    def process(self, data):
        cdef Py_buffer view
        cdef bytes out
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            out = _masked_copy(<const uint8_t *>view.buf, view.len, self._key, self._phase)
            self._phase = (self._phase + <unsigned>(view.len & 3)) & 3
        finally:
            PyBuffer_Release(&view)
        return out

    def __repr__(self):
        return f"Masker(mask={PyBytes_FromStringAndSize(<char *>self._key, 4)!r}, phase={self._phase})"


cdef inline bint _valid(const uint8_t *p, Py_ssize_t n) noexcept:
    cdef int ok
    if n >= NOGIL_THRESHOLD:
        with nogil:
            ok = wsc_utf8_valid(p, n)
        return ok
    return wsc_utf8_valid(p, n)


def validate_utf8(data):
    """validate_utf8(data) -> bool: True if ``data`` is complete, valid UTF-8."""
    cdef Py_buffer view
    if PyBytes_CheckExact(data):
        return _valid(<const uint8_t *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        return _valid(<const uint8_t *>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)


def decode_utf8(data):
    """decode_utf8(data) -> str: ``bytes(data).decode("utf-8")``, by SIMD.

    Invalid input raises the same UnicodeDecodeError as bytes.decode.
    """
    cdef Py_buffer view
    cdef const uint8_t *p
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        p = <const uint8_t *>view.buf
        if not _valid(p, view.len):
            return PyUnicode_DecodeUTF8(<const char *>p, view.len, NULL)
        return utf8_str(p, view.len)
    finally:
        PyBuffer_Release(&view)


cdef class Utf8Validator:
    """Incremental validator: ``feed`` fails as soon as the input is impossible."""

    cdef wsc_utf8_stream _stream

    def __cinit__(self):
        wsc_utf8_stream_init(&self._stream)

    def feed(self, data):
        """feed(data) -> bool: False once the bytes so far cannot start valid UTF-8."""
        cdef Py_buffer view
        cdef int ok
        if PyBytes_CheckExact(data):
            return wsc_utf8_stream_feed(&self._stream, <const uint8_t *>PyBytes_AS_STRING(data),
                                        PyBytes_GET_SIZE(data)) != 0
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            ok = wsc_utf8_stream_feed(&self._stream, <const uint8_t *>view.buf, view.len)
        finally:
            PyBuffer_Release(&view)
        return ok != 0

    def finish(self):
        """finish() -> bool: all input valid and ending on a character boundary."""
        return wsc_utf8_stream_finish(&self._stream) != 0

    def reset(self):
        wsc_utf8_stream_init(&self._stream)

    def __repr__(self):
        if self._stream.state == WSC_UTF8_REJECT:
            return "<Utf8Validator invalid>"
        return "<Utf8Validator valid>" if self._stream.state == 0 else "<Utf8Validator mid-character>"


# ---- the C-level API of wscodec/api.pxd (declared in _speedups.pxd) ----

cdef unsigned ws_mask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t *key,
                      unsigned phase) noexcept nogil:
    return wsc_mask(dst, src, n, key, phase)


cdef bint ws_utf8_valid(const uint8_t *p, size_t n) noexcept nogil:
    return wsc_utf8_valid(p, n)


cdef str ws_utf8_decode(const uint8_t *p, Py_ssize_t n):
    if not wsc_utf8_valid(p, n):
        return PyUnicode_DecodeUTF8(<const char *>p, n, NULL)
    return utf8_str(p, n)
