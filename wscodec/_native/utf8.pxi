# Strict UTF-8 validation (twin: _pure/utf8.py), and the str of a text
# payload, built only after its bytes validated.

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_DATA, PyUnicode_DecodeUTF8, PyUnicode_New
from libc.stdint cimport uint8_t, uint32_t
from libc.string cimport memcpy

from wscodec._native._core cimport (
    WSC_UTF8_REJECT,
    measured_utf8_str,
    wsc_ascii_copy,
    wsc_mask,
    wsc_ascii_prefix,
    wsc_utf8_stream,
    wsc_utf8_stream_feed,
    wsc_utf8_stream_finish,
    wsc_utf8_stream_init,
    wsc_utf8_transcode_vectorised,
    wsc_utf8_valid,
    wsc_utf8_valid_measure,
)

cdef extern from "_ext_helpers.h":
    bint wsc_small_mask_ascii(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t *key) noexcept nogil


cdef inline bint _valid(const uint8_t *p, Py_ssize_t n) noexcept:
    cdef int ok
    if n >= NOGIL_THRESHOLD:
        with nogil:
            ok = wsc_utf8_valid(p, n)
        return ok
    return wsc_utf8_valid(p, n)


cdef inline bint _valid_measure(const uint8_t *p, Py_ssize_t n, size_t *count,
                                uint32_t *maxchar) noexcept:
    # _valid, and what wsc_utf8_measure says of valid input, in one pass.
    cdef int ok
    if n >= NOGIL_THRESHOLD:
        with nogil:
            ok = wsc_utf8_valid_measure(p, n, count, maxchar)
        return ok
    return wsc_utf8_valid_measure(p, n, count, maxchar)


def validate_utf8(data):
    """True if ``data`` is complete, valid UTF-8."""
    cdef Py_buffer view
    if PyBytes_CheckExact(data):
        return _valid(<const uint8_t *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        return _valid(<const uint8_t *>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)


# Positional only, so a METH_O function: the keyword-capable calling
# convention costs ~5 ns a call, 5% of decoding 1 KiB of ASCII.
def decode_utf8(data, /):
    """decode_utf8(data) -> str: ``bytes(data).decode("utf-8")``, by SIMD.

    Invalid input raises the same UnicodeDecodeError as bytes.decode.
    """
    cdef Py_buffer view
    if PyBytes_CheckExact(data):
        return ws_utf8_decode(<const uint8_t *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        return ws_utf8_decode(<const uint8_t *>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)


# Below this, a separate scan and copy cost less than the one-pass copy's
# allocation made before knowing the text is ASCII.
cdef Py_ssize_t _ASCII_COPY_MIN = 64 * 1024


cdef str ws_utf8_decode(const uint8_t *p, Py_ssize_t n):
    # declared in _ext.pxd: part of the C-level API of wscodec/api.pxd
    cdef size_t a
    cdef size_t count
    cdef uint32_t maxchar
    cdef str s
    if n == 0:
        return _EMPTY_STR
    if n > 64 and not wsc_utf8_transcode_vectorised():
        # Validate, measure and transcode a character at a time: three
        # passes where CPython's decoder makes one (and its ASCII loop
        # copies as it checks).  Only on short text, where CPython's set-up
        # costs more than they do, are they ahead.
        return PyUnicode_DecodeUTF8(<const char *>p, n, NULL)
    if n >= _ASCII_COPY_MIN:
        # Large text is most often ASCII: copied as it is checked, one pass
        # over memory; otherwise the str is dropped and the run kept.
        s = PyUnicode_New(n, 127)
        a = wsc_ascii_copy(<uint8_t *>PyUnicode_DATA(s), p, n)
        if a == <size_t>n:
            return s
        s = None
    else:
        a = wsc_ascii_prefix(p, n)
        if a == <size_t>n:
            return _ascii_str(p, n)
    if not _valid_measure(p + a, n - <Py_ssize_t>a, &count, &maxchar):
        return PyUnicode_DecodeUTF8(<const char *>p, n, NULL)
    return measured_utf8_str(p, n, a + count, maxchar)


cdef bint ws_utf8_valid(const uint8_t *p, size_t n) noexcept nogil:
    # declared in _ext.pxd: part of the C-level API of wscodec/api.pxd
    return wsc_utf8_valid(p, n)


cdef class Utf8Validator:
    """Incremental validator: ``feed`` fails as soon as the input is impossible."""

    cdef wsc_utf8_stream _stream
    cdef bint _ready

    def __init__(self):
        wsc_utf8_stream_init(&self._stream)
        self._ready = True

    def feed(self, data):
        """False once the bytes so far cannot start valid UTF-8."""
        cdef Py_buffer view
        cdef int ok
        if not self._ready:
            raise not_initialised(self)
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
        """True if all input is valid and ends on a character boundary."""
        if not self._ready:
            raise not_initialised(self)
        return wsc_utf8_stream_finish(&self._stream) != 0

    def reset(self):
        wsc_utf8_stream_init(&self._stream)
        self._ready = True

    def __reduce__(self):
        raise not_picklable(self)

    def __repr__(self):
        if not self._ready:
            return "<Utf8Validator not initialised>"
        if self._stream.state == WSC_UTF8_REJECT:
            return "<Utf8Validator invalid>"
        return "<Utf8Validator valid>" if self._stream.state == 0 else "<Utf8Validator mid-character>"


# -- text payloads of received frames -----------------------------------------

cdef inline bint _valid_after_ascii(const uint8_t *p, Py_ssize_t n, size_t *ascii) noexcept nogil:
    """Validate p[0..n); the ASCII prefix is reported so callers can take
    the cheap str path.  A run of ASCII ends on a character boundary, so
    only the rest needs the full validator."""
    cdef size_t a = wsc_ascii_prefix(p, n)
    ascii[0] = a
    return a == <size_t>n or wsc_utf8_valid(p + a, n - a)


cdef inline bint _valid_measure_after_ascii(const uint8_t *p, Py_ssize_t n, size_t *ascii,
                                           size_t *count, uint32_t *maxchar) noexcept nogil:
    """_valid_after_ascii, and when the text is valid and not all ASCII,
    its measure (characters and str kind) from the same pass."""
    cdef size_t a = wsc_ascii_prefix(p, n)
    ascii[0] = a
    if a == <size_t>n:
        return True
    if not wsc_utf8_valid_measure(p + a, n - a, count, maxchar):
        return False
    count[0] += a
    return True


cdef int _bad_text() except -1:
    raise protocol_error("invalid_text")


cdef str _ascii_str(const uint8_t *p, Py_ssize_t n):
    # A compact ASCII str filled by memcpy: cheaper than the UTF-8 decoder.
    cdef str s = PyUnicode_New(n, 127)
    memcpy(PyUnicode_DATA(s), p, n)
    return s


cdef str _text(const uint8_t *src, Py_ssize_t n, const uint8_t *key):
    """The str of a whole text payload, validated first (1007 if invalid)."""
    cdef uint8_t *d
    cdef size_t a
    cdef size_t count
    cdef uint32_t maxchar
    cdef bint ok
    cdef str s
    if key != NULL or n <= 64:
        # Unmask (or copy) straight into a compact ASCII str: for ASCII text,
        # the common case, that is the only copy.  Otherwise the str serves
        # as scratch space for the decoder and is dropped.
        s = PyUnicode_New(n, 127)
        d = <uint8_t *>PyUnicode_DATA(s)
        if n <= 64:
            if wsc_small_mask_ascii(d, src, n, key):
                return s
            ok = wsc_utf8_valid_measure(d, n, &count, &maxchar)
        elif n >= NOGIL_THRESHOLD:
            with nogil:
                wsc_mask(d, src, n, key, 0)
                ok = _valid_measure_after_ascii(d, n, &a, &count, &maxchar)
            if a == <size_t>n:
                return s
        else:
            wsc_mask(d, src, n, key, 0)
            ok = _valid_measure_after_ascii(d, n, &a, &count, &maxchar)
            if a == <size_t>n:
                return s
        if not ok:
            _bad_text()
        return measured_utf8_str(d, n, count, maxchar)
    # Unmasked and large: check first, so non-ASCII text costs no scratch.
    if n >= NOGIL_THRESHOLD:
        with nogil:
            ok = _valid_measure_after_ascii(src, n, &a, &count, &maxchar)
    else:
        ok = _valid_measure_after_ascii(src, n, &a, &count, &maxchar)
    if a == <size_t>n:
        return _ascii_str(src, n)
    if not ok:
        _bad_text()
    return measured_utf8_str(src, n, count, maxchar)


cdef bytes _text_bytes(const uint8_t *src, Py_ssize_t n, const uint8_t *key):
    """decode_text=False: the payload as bytes, still fully validated."""
    cdef bytes b = _payload_bytes(src, n, key)
    cdef const uint8_t *d = <const uint8_t *>PyBytes_AS_STRING(b)
    cdef size_t a
    cdef bint ok
    if n >= NOGIL_THRESHOLD:
        with nogil:
            ok = _valid_after_ascii(d, n, &a)
    else:
        ok = _valid_after_ascii(d, n, &a)
    if not ok:
        _bad_text()
    return b
