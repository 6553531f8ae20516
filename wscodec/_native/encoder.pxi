# Frame and message encoding (twin: _pure/encoder.py).

cimport cython
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_AsUTF8String, PyUnicode_Check, PyUnicode_DATA, PyUnicode_GET_LENGTH
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy

from wscodec._native._core cimport wsc_mask

import os as _os
from sys import getsizeof as _getsizeof

cdef extern from "Python.h":
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    long PyLong_AsLongAndOverflow(object v, int *overflow) except? -1

cdef extern from "_ext_helpers.h":
    bint wsc_small_mask_ascii(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t *key) noexcept nogil

cdef object _urandom = _os.urandom


# Bumped in a forked child so no pool replays keys its parent also uses.
cdef unsigned long _fork_generation = 0


def _after_fork_in_child():
    global _fork_generation
    _fork_generation += 1


if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_after_fork_in_child)


@cython.final
cdef class _KeyPool:
    """Masking keys (RFC 6455 section 10.3: unpredictable) from os.urandom,
    one syscall per 1024 keys.  The critical section keeps two threads from
    taking the same key on free-threaded builds and costs nothing with a GIL."""

    def __cinit__(self):
        self._pos = _POOL_SIZE

    cdef inline int take(self, uint8_t *key) except -1:
        cdef bytes fresh
        with cython.critical_section(self):
            if self._pos > _POOL_SIZE - 4 or self._gen != _fork_generation:
                fresh = _urandom(_POOL_SIZE)
                if PyBytes_GET_SIZE(fresh) != _POOL_SIZE:
                    raise RuntimeError("os.urandom returned a short read")
                memcpy(self._pool, PyBytes_AS_STRING(fresh), _POOL_SIZE)
                self._pos = 0
                self._gen = _fork_generation
            memcpy(key, self._pool + self._pos, 4)
            self._pos += 4
        return 0


cdef _KeyPool _shared_keys = _KeyPool()


cdef inline Py_ssize_t _frame_size(Py_ssize_t n, bint masked) noexcept nogil:
    cdef Py_ssize_t head = 2
    if n >= 65536:
        head = 10
    elif n >= 126:
        head = 4
    if masked:
        head += 4
    return head + n


cdef inline Py_ssize_t _write_frame(uint8_t *d, unsigned b0, const uint8_t *src, Py_ssize_t n,
                                    const uint8_t *key) noexcept nogil:
    """Header and (masked) payload at d; returns the bytes written."""
    cdef unsigned mbit = 0x80 if key != NULL else 0
    cdef Py_ssize_t head
    cdef uint64_t v
    cdef int i
    d[0] = <uint8_t>b0
    if n < 126:
        d[1] = <uint8_t>(mbit | n)
        head = 2
    elif n < 65536:
        d[1] = <uint8_t>(mbit | 126)
        d[2] = <uint8_t>(n >> 8)
        d[3] = <uint8_t>n
        head = 4
    else:
        d[1] = <uint8_t>(mbit | 127)
        v = <uint64_t>n
        for i in range(8):
            d[2 + i] = <uint8_t>(v >> (56 - 8 * i))
        head = 10
    if key != NULL:
        memcpy(d + head, key, 4)
        head += 4
        if n <= 64:
            wsc_small_mask_ascii(d + head, src, n, key)
        else:
            wsc_mask(d + head, src, n, key, 0)
    else:
        memcpy(d + head, src, n)
    return head + n


cdef inline bytes _encode(unsigned b0, const uint8_t *src, Py_ssize_t n, const uint8_t *key):
    cdef bytes out = PyBytes_FromStringAndSize(NULL, _frame_size(n, key != NULL))
    cdef uint8_t *d = <uint8_t *>PyBytes_AS_STRING(out)
    if n >= NOGIL_THRESHOLD:
        with nogil:
            _write_frame(d, b0, src, n, key)
    else:
        _write_frame(d, b0, src, n, key)
    return out


cdef unsigned _opcode_value(opcode) except? 0xFFFF:
    cdef int overflow = 0
    cdef long op
    if type(opcode) is int or type(opcode) is Opcode:
        op = PyLong_AsLongAndOverflow(opcode, &overflow)
        if not overflow and (0 <= op <= 2 or 8 <= op <= 10):
            return <unsigned>op
    return <unsigned>opcode_to_send(opcode)


cdef bytes _encode_frame(unsigned op, const uint8_t *src, Py_ssize_t n, fin, rsv1, mask):
    cdef uint8_t key[4]
    cdef const uint8_t *kp = NULL
    cdef unsigned b0
    if op >= 8:
        if n > _CONTROL_MAX:
            check_control_payload(n)
        if not fin:
            raise control_not_fragmented()
    b0 = op | (0x80 if fin else 0) | (0x40 if rsv1 else 0)
    if mask is None or mask is False:
        pass
    elif mask is True:
        _shared_keys.take(key)
        kp = key
    else:
        mask_key(mask, key)
        kp = key
    return _encode(b0, src, n, kp)


def encode_frame(opcode, payload=b"", *, fin=True, rsv1=False, mask=None):
    """One frame with the shortest length form; ``mask=True`` draws a fresh key."""
    cdef unsigned op = _opcode_value(opcode)
    cdef Py_buffer view
    if PyBytes_CheckExact(payload):
        return _encode_frame(op, <const uint8_t *>PyBytes_AS_STRING(payload), PyBytes_GET_SIZE(payload),
                             fin, rsv1, mask)
    PyObject_GetBuffer(payload, &view, PyBUF_SIMPLE)
    try:
        return _encode_frame(op, <const uint8_t *>view.buf, view.len, fin, rsv1, mask)
    finally:
        PyBuffer_Release(&view)


cdef class MessageEncoder:
    """Turn messages into wire bytes for one side of one connection."""

    # Its state is declared in _ext.pxd.

    def __sizeof__(self):
        """This encoder and its compressor's zlib state (``sys.getsizeof``)."""
        return object.__sizeof__(self) + (0 if self._compressor is None else _getsizeof(self._compressor))

    def __init__(self, *, role="server", max_frame_size=None, deflate=None):
        cdef bint client = not role_is_server(role)
        cdef Py_ssize_t max_frame
        limit = check_encoder_frame_size(max_frame_size)
        max_frame = 0 if limit is None else limit
        compressor = None if deflate is None else deflate.make_compressor(role)
        min_size = 0 if deflate is None else deflate.min_size
        # Every argument is good: only now replace the state (with no Python
        # code in between), so a failed second __init__ changes nothing.
        self._client = client
        self._max_frame = max_frame
        self._compressor = compressor
        self._min_size = min_size
        self._keys = _KeyPool() if client else None
        self._ready = True

    def __reduce__(self):
        raise not_picklable(self)

    def __repr__(self):
        if not self._ready:
            return f"<{type(self).__name__} not initialised>"
        return f"<{type(self).__name__} role={'client' if self._client else 'server'}>"

    def text(self, data):
        """A TEXT message (strict UTF-8: lone surrogates raise UnicodeEncodeError)."""
        cdef bytes raw
        if not self._ready:
            raise not_initialised(self)
        if not PyUnicode_Check(data):
            raise not_a_str(data)
        if PyUnicode_IS_COMPACT_ASCII(data):
            # ASCII is its own UTF-8: encode straight from the str's buffer.
            return self._message(1, <const uint8_t *>PyUnicode_DATA(data), PyUnicode_GET_LENGTH(data), data)
        raw = PyUnicode_AsUTF8String(data)
        return self._message(1, <const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), raw)

    def binary(self, data):
        """A BINARY message from any C-contiguous buffer."""
        cdef Py_buffer view
        if not self._ready:
            raise not_initialised(self)
        if PyBytes_CheckExact(data):
            return self._message(2, <const uint8_t *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), data)
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            return self._message(2, <const uint8_t *>view.buf, view.len, None)
        finally:
            PyBuffer_Release(&view)

    def ping(self, data=b""):
        return self._control(9, data)

    def pong(self, data=b""):
        return self._control(10, data)

    def close(self, code=1000, reason=""):
        if not self._ready:
            raise not_initialised(self)
        if code is None:
            if reason:
                raise close_reason_without_code()
            payload = b""
        else:
            payload = encode_close_payload(code, reason)
        return self._control(8, payload)

    cdef bytes _control(self, unsigned op, data):
        cdef Py_buffer view
        cdef uint8_t key[4]
        cdef const uint8_t *kp = NULL
        cdef _KeyPool keys = self._keys
        if not self._ready:
            raise not_initialised(self)
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            if view.len > _CONTROL_MAX:
                check_control_payload(view.len)
            if keys is not None:
                keys.take(key)
                kp = key
            return _encode(0x80 | op, <const uint8_t *>view.buf, view.len, kp)
        finally:
            PyBuffer_Release(&view)

    cdef bytes _message(self, unsigned op, const uint8_t *src, Py_ssize_t n, owner):
        """Compress if negotiated, split by max_frame_size, mask if client.
        ``owner`` is a bytes holding src, or None."""
        cdef unsigned rsv1 = 0
        cdef uint8_t key[4]
        cdef const uint8_t *kp = NULL
        # Locals: the compressor is Python code, which may re-initialise
        # this encoder (or let another thread do it) before we go on.
        cdef Py_ssize_t size = self._max_frame
        cdef _KeyPool keys = self._keys
        cdef object compressor = self._compressor
        cdef bytes compressed
        if compressor is not None and n >= self._min_size:
            if not PyBytes_CheckExact(owner):
                owner = PyBytes_FromStringAndSize(<char *>src, n)
            compressed = as_bytes(compressor.compress(owner))
            src = <const uint8_t *>PyBytes_AS_STRING(compressed)
            n = PyBytes_GET_SIZE(compressed)
            rsv1 = 0x40
        if size == 0 or n <= size:
            if keys is not None:
                keys.take(key)
                kp = key
            return _encode(0x80 | rsv1 | op, src, n, kp)
        return _fragments(op | rsv1, src, n, size, keys)


cdef bytes _fragments(unsigned first, const uint8_t *src, Py_ssize_t n, Py_ssize_t size, _KeyPool keys):
    cdef bint masked = keys is not None
    cdef Py_ssize_t count = (n + size - 1) // size
    cdef Py_ssize_t last = n - (count - 1) * size
    cdef Py_ssize_t total = (count - 1) * _frame_size(size, masked) + _frame_size(last, masked)
    cdef bytes out = PyBytes_FromStringAndSize(NULL, total)
    cdef uint8_t *d = <uint8_t *>PyBytes_AS_STRING(out)
    cdef uint8_t key[4]
    cdef const uint8_t *kp = key if masked else NULL
    cdef Py_ssize_t i
    cdef Py_ssize_t off = 0
    cdef Py_ssize_t chunk
    cdef unsigned b0
    for i in range(count):
        chunk = size if i < count - 1 else last
        b0 = first if i == 0 else 0
        if i == count - 1:
            b0 |= 0x80
        if masked:
            keys.take(key)
        d += _write_frame(d, b0, src + off, chunk, kp)
        off += chunk
    return out
