# CLOSE payloads, received and sent (twin: _pure/close.py): a status code
# (RFC 6455 section 7.4) and a UTF-8 reason, 125 bytes in all.

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_AsUTF8String, PyUnicode_DecodeUTF8
from libc.stdint cimport uint8_t
from libc.string cimport memcpy

from wscodec._native._core cimport wsc_utf8_stream, wsc_utf8_stream_feed, wsc_utf8_stream_init, wsc_utf8_valid

cdef tuple _parse_close(const uint8_t *d, Py_ssize_t n):
    cdef int code
    if n == 0:
        return (1005, _EMPTY_STR)
    if n == 1:
        raise protocol_error("close_one_byte")
    code = (d[0] << 8) | d[1]
    if not is_sendable_close_code(code):
        raise protocol_error("close_code_not_sendable", code=code)
    if not wsc_utf8_valid(d + 2, n - 2):
        raise protocol_error("close_reason_invalid")
    return (code, PyUnicode_DecodeUTF8(<char *>d + 2, n - 2, NULL))


cdef int _check_close_prefix(const uint8_t *d, Py_ssize_t n) except -1:
    """The checks of _parse_close on the part of a CLOSE payload that has
    arrived, so a bad code or reason fails on the feed that brings it."""
    cdef int code
    cdef wsc_utf8_stream s
    if n < 2:
        return 0
    code = (d[0] << 8) | d[1]
    if not is_sendable_close_code(code):
        raise protocol_error("close_code_not_sendable", code=code)
    wsc_utf8_stream_init(&s)
    if not wsc_utf8_stream_feed(&s, d + 2, n - 2):
        raise protocol_error("close_reason_invalid")
    return 0


def parse_close_payload(payload):
    """``(code, reason)`` from a CLOSE payload; ``ProtocolError`` if the peer broke the rules."""
    cdef Py_buffer view
    PyObject_GetBuffer(payload, &view, PyBUF_SIMPLE)
    try:
        return _parse_close(<const uint8_t *>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)


def encode_close_payload(code, reason=""):
    """The payload of a CLOSE frame; ``ValueError`` for what may not be sent."""
    check_close_code(code)
    check_close_reason(reason)
    cdef bytes raw = PyUnicode_AsUTF8String(reason)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(raw)
    if n + 2 > _CONTROL_MAX:
        raise close_reason_too_long(n)
    cdef bytes payload = PyBytes_FromStringAndSize(NULL, n + 2)
    cdef uint8_t *d = <uint8_t *>PyBytes_AS_STRING(payload)
    cdef int c = code
    d[0] = <uint8_t>(c >> 8)
    d[1] = <uint8_t>c
    memcpy(d + 2, PyBytes_AS_STRING(raw), n)
    return payload
