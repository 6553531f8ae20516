# Buffer-protocol helpers (twin: _pure/_buffers.py).  Every entry point takes
# bytes by a typed fast path that skips the buffer protocol, and any other
# C-contiguous buffer through it.

cimport cython
from cpython.buffer cimport PyBUF_FORMAT, PyBUF_ND, PyBUF_SIMPLE, PyBUF_STRIDES, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_XDECREF
from libc.stdint cimport uint8_t
from libc.string cimport memcpy


cdef inline int mask_key(object mask, uint8_t key[4]) except -1:
    """The 4 mask bytes into key, or ValueError.  The bytes case is inline:
    a call costs as much as the copy."""
    if PyBytes_CheckExact(mask) and PyBytes_GET_SIZE(mask) == 4:
        memcpy(key, PyBytes_AS_STRING(mask), 4)
        return 0
    return _mask_key_from_buffer(mask, key)


cdef int _mask_key_from_buffer(object mask, uint8_t key[4]) except -1:
    cdef Py_buffer view
    PyObject_GetBuffer(mask, &view, PyBUF_SIMPLE)
    try:
        if view.len != 4:
            raise mask_length(view.len)
        memcpy(key, view.buf, 4)
    finally:
        PyBuffer_Release(&view)
    return 0


cdef bytes as_bytes(obj):
    """bytes of any C-contiguous buffer; TypeError for str and non-buffers."""
    cdef Py_buffer view
    if PyBytes_CheckExact(obj):
        return <bytes>obj
    PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE)
    try:
        return PyBytes_FromStringAndSize(<char *>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)


@cython.final
@cython.auto_pickle(False)
cdef class _Lease:
    """A writable window into an object the decoder owns, lent for one read.

    The window is exported exactly once, to the memoryview the decoder hands
    out, and the lease is closed right after: ``memoryview(view.obj)`` then
    raises, so nobody can reach the memory except through that view and its
    slices.  The lease keeps the object alive while any of them lives, so a
    view the caller keeps never points at freed memory; ``exports`` tells the
    decoder whether one is still alive.  The owner is held by a raw
    reference, which the garbage collector does not see: nothing, not even
    gc.get_referents(), hands out the object while it is being filled."""

    def __getbuffer__(self, Py_buffer *view, int flags):
        if not self._open:
            raise BufferError("this buffer was lent for a single read and cannot be exported again")
        view.buf = self._buf
        view.obj = self
        view.len = self._len
        view.readonly = 0
        view.itemsize = 1
        view.format = <char *>b"B" if flags & PyBUF_FORMAT else NULL
        view.ndim = 1
        view.shape = &self._len if flags & PyBUF_ND else NULL
        view.strides = &self._one if flags & PyBUF_STRIDES else NULL
        view.suboffsets = NULL
        view.internal = NULL
        self.exports += 1

    def __releasebuffer__(self, Py_buffer *view):
        self.exports -= 1

    def __dealloc__(self):
        self.drop_owner()

    cdef void drop_owner(self) noexcept:
        Py_XDECREF(self._owner)
        self._owner = NULL

    @staticmethod
    cdef _Lease over(object owner, char *buf, Py_ssize_t n):
        """A lease of buf[0..n), which lies inside ``owner``; lend() it."""
        cdef _Lease lease = _Lease.__new__(_Lease)
        Py_INCREF(owner)
        lease._owner = <PyObject *>owner
        lease._buf = buf
        lease._len = n
        lease._one = 1
        return lease

    cdef object lend(self):
        """The one memoryview of the window; the lease closes behind it."""
        self._open = True
        try:
            return memoryview(self)
        finally:
            self._open = False
