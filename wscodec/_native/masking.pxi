# RFC 6455 section 5.3 masking (twin: _pure/masking.py).  Small inputs are
# the common case for high-frequency traffic, so every entry point allocates
# nothing but its result.

from cpython.buffer cimport PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_CheckExact, PyByteArray_GET_SIZE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport uint8_t
from libc.string cimport memcpy

from wscodec._native._core cimport wsc_mask

cdef extern from "Python.h":
    long PyLong_AsLongAndOverflow(object v, int *overflow) except? -1

cdef extern from "_ext_helpers.h":
    enum: WSC_GIL_KEEPS_BYTEARRAYS_STILL
    unsigned wsc_small_mask_inplace(uint8_t *p, size_t n, const uint8_t *key, unsigned phase) noexcept nogil
    bint wsc_small_mask_ascii(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t *key) noexcept nogil


cdef bytes _xor(const uint8_t *src, Py_ssize_t n, const uint8_t *key, unsigned phase):
    """src XOR the key repeated from key byte ``phase``, as new bytes."""
    cdef bytes out = PyBytes_FromStringAndSize(NULL, n)
    cdef uint8_t *dst = <uint8_t *>PyBytes_AS_STRING(out)
    if n >= NOGIL_THRESHOLD:
        with nogil:
            wsc_mask(dst, src, n, key, phase)
    else:
        wsc_mask(dst, src, n, key, phase)
    return out


def apply_mask(data, mask):
    """``data`` XOR the 4-byte ``mask`` repeated (RFC 6455 section 5.3), as bytes."""
    cdef uint8_t key[4]
    cdef Py_buffer view
    if PyBytes_CheckExact(data):
        mask_key(mask, key)
        return _xor(<const uint8_t *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), key, 0)
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        mask_key(mask, key)
        return _xor(<const uint8_t *>view.buf, view.len, key, 0)
    finally:
        PyBuffer_Release(&view)


cdef bint _exportable(object buf):
    cdef Py_buffer probe
    try:
        PyObject_GetBuffer(buf, &probe, PyBUF_SIMPLE)
    except BufferError:
        return False
    PyBuffer_Release(&probe)
    return True


cdef int _writable_view(object buf, Py_buffer *view) except -1:
    """A writable export of ``buf``, held for as long as we write into it: a
    bytearray cannot be resized (by another thread, on any build) meanwhile.
    TypeError for a read-only buffer; a buffer that cannot be exported at all
    (non-contiguous, released) keeps its own error, as in the pure twin."""
    try:
        PyObject_GetBuffer(buf, view, PyBUF_WRITABLE)
    except BufferError:
        if not _exportable(buf):
            raise
        raise not_writable(buf) from None
    return 0


# mask_inplace's results: returning one is an index, not a call to
# PyLong_FromLong.  With the default offset's shortcut in _phase this took
# mask_inplace of 16 bytes from about 36 to 33 ns (CPython 3.11, x86-64),
# ahead of aiohttp's in-place mask (38 ns) rather than level with it.
cdef tuple _PHASES = (0, 1, 2, 3)


cdef inline unsigned _phase(object offset) except? 4:
    """offset % 4: any int (a huge one too), by the shared rule."""
    cdef int overflow = 0
    cdef long v
    # The default offset is the interpreter's cached 0 and needs no call to
    # convert it; any other 0 (not the cached object) takes the path below.
    if offset is 0:
        return 0
    if type(offset) is int:
        v = PyLong_AsLongAndOverflow(offset, &overflow)
        if not overflow:
            return <unsigned>(v & 3)  # two's complement: equals v % 4
    return <unsigned>mask_phase(offset)


def mask_inplace(buf, mask, offset=0):
    """XOR a writable buffer in place starting at mask byte ``offset % 4``;
    returns ``(offset + len(buf)) % 4`` for the next piece.
    """
    cdef uint8_t key[4]
    cdef Py_buffer view
    cdef unsigned phase
    cdef Py_ssize_t n
    # Both may run Python code (a buffer export, __index__): before the
    # bytearray's pointer is read.
    mask_key(mask, key)
    phase = _phase(offset)
    if WSC_GIL_KEEPS_BYTEARRAYS_STILL and PyByteArray_CheckExact(buf):
        n = PyByteArray_GET_SIZE(buf)
        # The GIL stays held and no Python code runs until we return.
        if n <= 128:
            return _PHASES[wsc_small_mask_inplace(<uint8_t *>PyByteArray_AS_STRING(buf), n, key, phase)]
        if n < NOGIL_THRESHOLD:
            return _PHASES[wsc_mask(<uint8_t *>PyByteArray_AS_STRING(buf),
                                    <const uint8_t *>PyByteArray_AS_STRING(buf), n, key, phase)]
    _writable_view(buf, &view)
    try:
        if view.len >= NOGIL_THRESHOLD:
            with nogil:
                phase = wsc_mask(<uint8_t *>view.buf, <const uint8_t *>view.buf, view.len, key, phase)
        else:
            phase = wsc_mask(<uint8_t *>view.buf, <const uint8_t *>view.buf, view.len, key, phase)
    finally:
        PyBuffer_Release(&view)
    return _PHASES[phase]


cdef class Masker:
    """Masker(mask): streaming masker; ``process`` keeps the mask position."""

    cdef uint8_t _key[4]
    cdef unsigned _phase
    cdef bint _ready

    def __init__(self, mask):
        cdef uint8_t key[4]
        mask_key(mask, key)
        memcpy(self._key, key, 4)
        self._phase = 0
        self._ready = True

    def process(self, data):
        cdef Py_buffer view
        cdef bytes out
        cdef uint8_t key[4]
        cdef unsigned phase
        if not self._ready:
            raise not_initialised(self)
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            # Copies: the GIL may be released while masking, and another
            # thread may re-initialise this Masker meanwhile.
            memcpy(key, self._key, 4)
            phase = self._phase
            out = _xor(<const uint8_t *>view.buf, view.len, key, phase)
            self._phase = (phase + <unsigned>(view.len & 3)) & 3
        finally:
            PyBuffer_Release(&view)
        return out

    def __reduce__(self):
        raise not_picklable(self)

    def __repr__(self):
        if not self._ready:
            return "<Masker not initialised>"
        return f"Masker(mask={PyBytes_FromStringAndSize(<char *>self._key, 4)!r}, phase={self._phase})"


# -- payloads of received frames ----------------------------------------------

cdef inline void _unmask(uint8_t *dst, const uint8_t *src, Py_ssize_t n,
                         const uint8_t *key) noexcept:
    """Copy n payload bytes, unmasking when key is not NULL."""
    if key == NULL:
        memcpy(dst, src, n)
    elif n <= 64:
        wsc_small_mask_ascii(dst, src, n, key)
    elif n >= NOGIL_THRESHOLD:
        with nogil:
            wsc_mask(dst, src, n, key, 0)
    else:
        wsc_mask(dst, src, n, key, 0)


cdef inline bytes _payload_bytes(const uint8_t *src, Py_ssize_t n, const uint8_t *key):
    cdef bytes b = PyBytes_FromStringAndSize(NULL, n)
    _unmask(<uint8_t *>PyBytes_AS_STRING(b), src, n, key)
    return b


cdef unsigned ws_mask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t *key,
                      unsigned phase) noexcept nogil:
    # declared in _ext.pxd: part of the C-level API of wscodec/api.pxd
    return wsc_mask(dst, src, n, key, phase)
