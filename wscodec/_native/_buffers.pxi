# Buffer-protocol helpers (twin: _pure/_buffers.py).  Every entry point takes
# bytes by a typed fast path that skips the buffer protocol, and any other
# C-contiguous buffer through it.

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.string cimport memcpy


cdef inline int mask_key(object mask, uint8_t key[4]) except -1:
    """The 4 mask bytes into key, or ValueError."""
    cdef Py_buffer view
    if PyBytes_CheckExact(mask) and PyBytes_GET_SIZE(mask) == 4:
        memcpy(key, PyBytes_AS_STRING(mask), 4)
        return 0
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
