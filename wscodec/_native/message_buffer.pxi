# The message buffer: growth and copy-in (twin: _pure/message_buffer.py).
#
# A streamed message (MessageDecoder), or the payload of a data frame that
# streams in (FrameDecoder), lives in one bytes object grown in place,
# owned through a raw pointer so _PyBytes_Resize can work on it; a text
# message that is to become a str grows a compact ASCII str the same way
# (_data_is_str), so ASCII text is unmasked straight into the str handed
# out.  Growth is geometric and bounded, and the object goes out without a
# copy.  Its state (_data, _data_len, _data_cap, _clean, _data_is_str) is
# declared in _ext.pxd.

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.object cimport PyObject
from cpython.ref cimport Py_XDECREF
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy, memset

from wscodec._native._core cimport measured_utf8_str, wsc_mask

cdef extern from "Python.h":
    # Raw variants: the message buffer is owned through a PyObject* so that
    # _PyBytes_Resize can grow it in place.
    PyObject *_new_bytes "PyBytes_FromStringAndSize"(const char *v, Py_ssize_t n) except NULL
    int _PyBytes_Resize(PyObject **b, Py_ssize_t n) except -1
    char *_bytes_data "PyBytes_AS_STRING"(PyObject *b)
    PyObject *_new_str "PyUnicode_New"(Py_ssize_t n, Py_UCS4 maxchar) except NULL
    void *_str_data "PyUnicode_DATA"(PyObject *s)
    # Grows or shrinks an unshared compact str in place (realloc); on
    # failure *s is left as it was.
    int _str_resize "PyUnicode_Resize"(PyObject **s, Py_ssize_t n) except -1

cdef enum:
    _MIN_GROW = 1024      # first allocation of a streamed message buffer
    _EXACT_SLACK = 65536  # see _reserve


cdef inline void _drop_data(_Decoder d) noexcept:
    Py_XDECREF(d._data)
    d._data = NULL
    d._data_len = 0
    d._data_cap = 0
    d._clean = 0
    d._data_is_str = False


cdef inline uint8_t *_data_ptr(_Decoder d) noexcept:
    if d._data_is_str:
        return <uint8_t *>_str_data(d._data)
    return <uint8_t *>_bytes_data(d._data)


cdef inline void _copy_unmasked(const uint8_t *key, unsigned *phase, uint8_t *dst, const uint8_t *src,
                                Py_ssize_t k) noexcept nogil:
    """k payload bytes from src to dst as the application sees them: a
    server's (``key`` not NULL) are unmasked on the way, from where the
    last piece left the key."""
    if key != NULL:
        phase[0] = wsc_mask(dst, src, k, key, phase[0])
    elif dst != src:  # a read into the lent payload is already in place
        memcpy(dst, src, k)


cdef int _reserve(_Decoder d, Py_ssize_t need, uint64_t hint, uint64_t limit, Py_ssize_t spare) except -1:
    """Room for ``need`` bytes in the buffer.  Growth is geometric (no
    quadratic copying under a flood of tiny fragments) and never beyond
    ``limit``; when ``hint``, the declared end of the current frame, lies
    beyond that but near, allocate exactly that (a frame that arrives in
    two reads then needs one allocation and no shrinking).  Capacity
    stays within twice what actually arrived plus a constant, so a
    header alone cannot make us allocate a large declared size."""
    cdef Py_ssize_t cap
    if need <= d._data_cap:
        return 0
    cap = d._data_cap * 2
    if cap < _MIN_GROW:
        cap = _MIN_GROW
    if cap < need:
        cap = need
    if hint > <uint64_t>cap and hint <= <uint64_t>need * 2 + _EXACT_SLACK:
        cap = <Py_ssize_t>hint
    if <uint64_t>cap > limit:
        cap = <Py_ssize_t>limit
    if <uint64_t>cap == hint:
        # Where get_buffer lends the rest of the payload, the same read
        # may bring the next header into ``spare`` bytes of room; they
        # are cut off again when the payload is handed out.
        cap += spare
    # A resize keeps the old contents, zeros included; a new object has
    # only what _data_len counts.
    if d._data == NULL:
        d._clean = 0
    if d._data_is_str:
        if d._data == NULL:
            d._data = _new_str(cap, 127)
        else:
            _str_resize(&d._data, cap)
    elif d._data == NULL:
        d._data = _new_bytes(NULL, cap)
    else:
        try:
            _PyBytes_Resize(&d._data, cap)
        except BaseException:
            d._data = NULL  # _PyBytes_Resize freed it
            d._data_len = 0
            d._data_cap = 0
            raise
    d._data_cap = cap
    return 0


cdef void _zero_fresh(_Decoder d, Py_ssize_t end) noexcept:
    """Zero what of the buffer up to ``end`` was never written, each byte
    once: a caller may read a lent view of it before any read fills it."""
    cdef Py_ssize_t start = d._clean if d._clean > d._data_len else d._data_len
    if end > start:
        memset(<char *>_data_ptr(d) + start, 0, <size_t>(end - start))
    if end > d._clean:
        d._clean = end


cdef int _append(_Decoder d, chunk) except -1:
    """Append a decoded chunk (an inflater's output) to the message,
    through the text check for a text message, within max_message_size."""
    cdef Py_buffer view
    cdef const uint8_t *p
    cdef Py_ssize_t k
    cdef Py_ssize_t fit
    cdef bint text = d._msg_op == 1
    PyObject_GetBuffer(chunk, &view, PyBUF_SIMPLE)
    try:
        p = <const uint8_t *>view.buf
        k = view.len
        if <uint64_t>(d._data_len + k) > d._max_message:
            # Validate what fits first: the error must follow stream order.
            fit = <Py_ssize_t>(d._max_message - <uint64_t>d._data_len)
            if text and not _feed_text(&d._text_state, p, fit):
                _bad_text()
            raise protocol_error("message_too_big", limit=d._max_message)
        if text and k and not _feed_text(&d._text_state, p, k):
            _bad_text()
        if k:
            _reserve(d, d._data_len + k, 0, d._max_message, 0)
            memcpy(_data_ptr(d) + d._data_len, p, k)
            d._data_len += k
    finally:
        PyBuffer_Release(&view)
    return 0


cdef bytes _take_bytes(_Decoder d):
    """Hand the buffer out as the payload (no copy)."""
    cdef bytes b
    if d._data == NULL:
        return b""
    if d._data_len != d._data_cap:
        try:
            _PyBytes_Resize(&d._data, d._data_len)
        except BaseException:
            d._data = NULL
            d._data_len = 0
            d._data_cap = 0
            raise
    b = <bytes>d._data
    Py_XDECREF(d._data)
    d._data = NULL
    d._data_len = 0
    d._data_cap = 0
    return b


cdef str _take_str(_Decoder d):
    """The buffer as str (already validated), then dropped."""
    cdef Py_ssize_t n = d._data_len
    cdef const uint8_t *p
    cdef str s
    if n == 0:
        _drop_data(d)
        return _EMPTY_STR
    if d._data_is_str and d._text_state.ascii:
        if n != d._data_cap:
            _str_resize(&d._data, n)
            d._data_cap = n
        s = <str>d._data
    else:
        p = _data_ptr(d)
        if d._text_state.ascii:
            s = _ascii_str(p, n)
        else:
            s = measured_utf8_str(p, n, d._text_state.chars, d._text_state.maxchar)
    _drop_data(d)
    return s
