# cython: language_level=3
"""The native frame codec: RFC 6455 frames and messages over the C core.

Behaviour is pinned by docs/codec-rules.md and held to the pure twin
(wscodec/_pure/frames.py, encoder.py) by the differential tests; this file
only changes how fast it happens.

Decoder design, in short:
  * Only an unfinished header (< 14 bytes) is ever copied out of the
    caller's buffer.  Payload bytes go straight from the caller's buffer to
    their final home as they arrive: the result object for a whole frame,
    the message buffer for a payload that streams in, a 125-byte array for
    control frames.  So there is no receive buffer to compact at all.
  * Unmasking, UTF-8 validation and the ASCII check run in C (SIMD picked at
    run time); a str is built only after its bytes validated.
  * A streamed message lives in one bytes object that grows geometrically,
    bounded by max_message_size, and is handed out without a copy; a
    single-frame text message that spans reads is unmasked straight into
    its final str when it is ASCII.
  * Message and Frame are created without __init__, are not GC-tracked,
    and expose their fields as member descriptors (see below).
"""

cimport cython
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.object cimport PyObject
from cpython.ref cimport Py_XDECREF
from cpython.unicode cimport PyUnicode_AsUTF8String, PyUnicode_Check, PyUnicode_DATA, PyUnicode_DecodeUTF8, PyUnicode_GET_LENGTH, PyUnicode_New
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy

from ._core cimport (
    wsc_ascii_prefix,
    wsc_mask,
    wsc_mask_ascii,
    wsc_simd_name,
    wsc_simd_select,
    wsc_utf8_stream,
    wsc_utf8_stream_feed,
    wsc_utf8_stream_finish,
    wsc_utf8_stream_init,
    wsc_utf8_valid,
    utf8_str,
)

import os as _os
from zlib import error as _ZlibError

from .._types import (
    CONTROL_MAX_PAYLOAD,
    DEFAULT_MAX_MESSAGE_SIZE,
    Opcode,
    ProtocolError,
    is_sendable_close_code,
)

cdef extern from *:
    """
    /* Unmask (key != NULL) or copy a short payload and report whether it is
     * all ASCII, in one pass: for small frames a call into the SIMD core
     * for each of the two jobs costs more than the work. */
    static inline int wsc_small_unmask_ascii(uint8_t *dst, const uint8_t *src,
                                      size_t n, const uint8_t *key)
    {
        /* dst must not overlap src: the last word may be redone from src. */
        uint8_t kb[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        uint64_t k8, w, acc = 0;
        size_t i = 0;
        if (key) {
            memcpy(kb, key, 4);
            memcpy(kb + 4, key, 4);
            memcpy(kb + 8, key, 4);
        }
        memcpy(&k8, kb, 8);
        if (n >= 8) {
            for (; i + 8 <= n; i += 8) {
                memcpy(&w, src + i, 8);
                w ^= k8;
                acc |= w;
                memcpy(dst + i, &w, 8);
            }
            if (i < n) {
                /* The last 8 bytes, overlapping what is done, with the key
                 * rotated to their phase: no byte-at-a-time tail. */
                size_t off = n - 8;
                uint64_t kr;
                memcpy(&kr, kb + (off & 3u), 8);
                memcpy(&w, src + off, 8);
                w ^= kr;
                acc |= w;
                memcpy(dst + off, &w, 8);
            }
        } else {
            for (; i < n; i++) {
                uint8_t c = (uint8_t)(src[i] ^ kb[i & 3u]);
                acc |= c;
                dst[i] = c;
            }
        }
        return (acc & 0x8080808080808080ULL) == 0;
    }

    /* Attribute access on the decoders' output is in every user's hot loop.
     * Cython exposes `cdef public` fields as getset descriptors, which
     * CPython's attribute cache cannot specialise; member descriptors (what
     * __slots__ uses) it can, and they read about twice as fast. */
    #if PY_VERSION_HEX < 0x030C0000
    #include "structmember.h"  /* PyMemberDef; in Python.h since 3.12 */
    #endif
    #ifndef Py_T_OBJECT_EX
    #define Py_T_OBJECT_EX 16  /* T_OBJECT_EX before 3.12 */
    #endif
    static PyMemberDef wsc_member_defs[16];
    static int wsc_member_count = 0;

    static int wsc_use_member(PyTypeObject *tp, const char *name, Py_ssize_t offset)
    {
        PyMemberDef *def;
        PyObject *descr;
        int r;
        if (wsc_member_count >= 16) {
            PyErr_SetString(PyExc_RuntimeError, "wscodec: member table full");
            return -1;
        }
        def = &wsc_member_defs[wsc_member_count++];
        def->name = name;
        def->type = Py_T_OBJECT_EX;
        def->offset = offset;
        def->flags = 0;
        def->doc = NULL;
        descr = PyDescr_NewMember(tp, def);
        if (descr == NULL)
            return -1;
        r = PyDict_SetItemString(tp->tp_dict, name, descr);
        Py_DECREF(descr);
        PyType_Modified(tp);
        return r;
    }
    """
    bint wsc_small_unmask_ascii(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t *key) noexcept nogil
    int wsc_use_member(type tp, const char *name, Py_ssize_t offset) except -1

cdef extern from "Python.h":
    bint PyUnicode_IS_COMPACT_ASCII(object o)
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

__all__ = [
    "Frame",
    "Message",
    "FrameDecoder",
    "MessageDecoder",
    "encode_frame",
    "MessageEncoder",
    "encode_close_payload",
    "parse_close_payload",
]

cdef enum:
    _POOL_SIZE = 4096     # bytes of secure randomness per refill: 1024 keys
    _NOGIL_MIN = 65536    # below this, dropping the GIL costs more than it frees
    _MIN_GROW = 1024      # first allocation of a streamed message buffer
    _EXACT_SLACK = 65536  # see _Decoder._reserve
    _TEXT_BLOCK = 16384   # see _Decoder._copy_text: half of the smallest common L1
    _CTL_MAX = 125        # RFC 6455 section 5.5 (CONTROL_MAX_PAYLOAD)

cdef uint64_t _NO_LIMIT = 0xFFFFFFFFFFFFFFFFULL

cdef int _PROTOCOL_ERROR = 1002
cdef int _INVALID_DATA = 1007
cdef int _TOO_BIG = 1009

# Index by opcode value: the member when known, else the plain int.
cdef tuple _OPS = tuple(Opcode(v) if v in Opcode._value2member_map_ else v for v in range(16))
cdef object _OP_TEXT = Opcode.TEXT
cdef object _OP_BINARY = Opcode.BINARY
cdef object _OP_CLOSE = Opcode.CLOSE
cdef dict _MESSAGE_OPCODES = {op: op for op in Opcode if op is not Opcode.CONTINUATION}
cdef dict _ENCODE_OPCODES = {op: op for op in Opcode}
cdef str _EMPTY_STR = ""
cdef object _urandom = _os.urandom


def _select_simd(name):
    """Force a SIMD level in this module's copy of the C core (tests)."""
    cdef bytes raw = name.encode("ascii") if isinstance(name, str) else bytes(name)
    if wsc_simd_select(raw) == -1:
        raise ValueError(f"unknown SIMD level or not supported by this CPU: {name!r}")


def _simd_name():
    return wsc_simd_name().decode("ascii")


# ---------------------------------------------------------------------------
# Value objects
# ---------------------------------------------------------------------------

cdef int _REPR_LIMIT = 64


cdef str _short_repr(value):
    if len(value) <= _REPR_LIMIT:
        return repr(value)
    unit = "chars" if isinstance(value, str) else "bytes"
    return f"{value[:_REPR_LIMIT]!r}...({len(value)} {unit})"


cdef bytes _as_bytes(obj):
    """bytes of any C-contiguous buffer; TypeError for str and non-buffers."""
    cdef Py_buffer view
    if PyBytes_CheckExact(obj):
        return <bytes>obj
    PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE)
    try:
        return PyBytes_FromStringAndSize(<char *>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)


# no_gc: the decoders create these by the million and fill them with
# bytes/str/int/enum members only, which cannot form cycles; being
# GC-tracked made every 700th allocation run a collection (half the decode
# time).  A user who stores a cycle in a field only leaks it.
@cython.no_gc
@cython.freelist(64)
cdef class Frame:
    """One WebSocket frame; ``payload`` is already unmasked."""

    cdef public object opcode
    cdef public object payload
    cdef public object fin
    cdef public object rsv1
    cdef public object rsv2
    cdef public object rsv3

    def __init__(self, opcode, payload=b"", fin=True, rsv1=False, rsv2=False, rsv3=False):
        if not isinstance(opcode, int) or isinstance(opcode, bool):
            raise TypeError(f"opcode must be an int, not {type(opcode).__name__}")
        if not 0 <= opcode <= 15:
            raise ValueError(f"opcode must be 0-15, not {opcode}")
        self.opcode = _OPS[opcode]
        self.payload = _as_bytes(payload)
        self.fin = bool(fin)
        self.rsv1 = bool(rsv1)
        self.rsv2 = bool(rsv2)
        self.rsv3 = bool(rsv3)

    __hash__ = None

    # The methods below read fields through plain attribute access, which
    # raises AttributeError for a field a user deleted (a NULL slot) rather
    # than crashing on it.

    def __eq__(self, other):
        if not isinstance(other, Frame):
            return NotImplemented
        cdef object a = self
        return (
            a.opcode == other.opcode
            and a.payload == other.payload
            and a.fin == other.fin
            and a.rsv1 == other.rsv1
            and a.rsv2 == other.rsv2
            and a.rsv3 == other.rsv3
        )

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __repr__(self):
        cdef object a = self
        return (
            f"Frame(opcode={a.opcode!r}, payload={_short_repr(a.payload)}, fin={a.fin}, "
            f"rsv1={a.rsv1}, rsv2={a.rsv2}, rsv3={a.rsv3})"
        )

    def __reduce__(self):
        cdef object a = self
        return (Frame, (int(a.opcode), a.payload, a.fin, a.rsv1, a.rsv2, a.rsv3))


@cython.no_gc
@cython.freelist(256)
cdef class Message:
    """One whole message: a reassembled data message or a control frame."""

    cdef public object opcode
    cdef public object data
    cdef public object close_code
    cdef public object close_reason

    def __init__(self, opcode, data, close_code=None, close_reason=None):
        if opcode.__class__ is not Opcode or opcode is Opcode.CONTINUATION:
            try:
                opcode = _MESSAGE_OPCODES[opcode]
            except (KeyError, TypeError):
                raise ValueError(f"not a message opcode: {opcode!r}") from None
        self.opcode = opcode
        self.data = data
        self.close_code = close_code
        self.close_reason = close_reason

    __hash__ = None

    def __eq__(self, other):
        if not isinstance(other, Message):
            return NotImplemented
        cdef object a = self  # plain attribute access: see Frame
        return (
            a.opcode == other.opcode
            and a.data == other.data
            and a.close_code == other.close_code
            and a.close_reason == other.close_reason
        )

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __repr__(self):
        cdef object a = self
        text = f"Message(opcode={a.opcode!r}, data={_short_repr(a.data)}"
        if a.opcode is _OP_CLOSE:
            text += f", close_code={a.close_code!r}, close_reason={a.close_reason!r}"
        return text + ")"

    def __reduce__(self):
        cdef object a = self
        return (Message, (a.opcode, a.data, a.close_code, a.close_reason))


cdef Py_ssize_t _field_offset(object obj, object marker) except -1:
    """Where in obj's struct the field holding ``marker`` lives (Cython
    gives no way to take the address of an object attribute)."""
    cdef PyObject **words = <PyObject **><PyObject *>obj
    cdef Py_ssize_t first = sizeof(PyObject) // sizeof(void *)
    cdef Py_ssize_t count = type(obj).__basicsize__ // sizeof(void *)
    cdef Py_ssize_t i
    for i in range(first, count):
        if words[i] == <PyObject *>marker:
            return i * sizeof(void *)
    raise RuntimeError("wscodec: field not found")


cdef int _install_members() except -1:
    cdef object cls
    cdef object obj
    for cls, names in ((Message, (b"opcode", b"data", b"close_code", b"close_reason")),
                       (Frame, (b"opcode", b"payload", b"fin", b"rsv1", b"rsv2", b"rsv3"))):
        obj = cls.__new__(cls)
        markers = [object() for _ in names]
        for name, marker in zip(names, markers):
            setattr(obj, name.decode(), marker)
        for name, marker in zip(names, markers):
            # The names are module constants, alive as long as the type.
            wsc_use_member(cls, <bytes>name, _field_offset(obj, marker))
    return 0


_install_members()


cdef inline Message _message(object opcode, object data):
    # Skips __init__: the decoder only ever passes a valid member.
    cdef Message m = Message.__new__(Message)
    m.opcode = opcode
    m.data = data
    return m


cdef inline Frame _frame(unsigned b0, object payload):
    cdef Frame f = Frame.__new__(Frame)
    f.opcode = _OPS[b0 & 0x0F]
    f.payload = payload
    f.fin = True if b0 & 0x80 else False
    f.rsv1 = True if b0 & 0x40 else False
    f.rsv2 = False
    f.rsv3 = False
    return f


# ---------------------------------------------------------------------------
# Payload helpers (C level)
# ---------------------------------------------------------------------------

cdef inline uint64_t _be64(const uint8_t *q) noexcept nogil:
    return ((<uint64_t>q[0] << 56) | (<uint64_t>q[1] << 48) | (<uint64_t>q[2] << 40)
            | (<uint64_t>q[3] << 32) | (<uint64_t>q[4] << 24) | (<uint64_t>q[5] << 16)
            | (<uint64_t>q[6] << 8) | <uint64_t>q[7])


cdef inline void _unmask(uint8_t *dst, const uint8_t *src, Py_ssize_t n,
                         const uint8_t *key) noexcept:
    """Copy n payload bytes, unmasking when key is not NULL."""
    if key == NULL:
        memcpy(dst, src, n)
    elif n <= 64:
        wsc_small_unmask_ascii(dst, src, n, key)
    elif n >= _NOGIL_MIN:
        with nogil:
            wsc_mask(dst, src, n, key, 0)
    else:
        wsc_mask(dst, src, n, key, 0)


cdef inline bytes _payload_bytes(const uint8_t *src, Py_ssize_t n, const uint8_t *key):
    cdef bytes b = PyBytes_FromStringAndSize(NULL, n)
    _unmask(<uint8_t *>PyBytes_AS_STRING(b), src, n, key)
    return b


cdef inline bint _valid_after_ascii(const uint8_t *p, Py_ssize_t n, size_t *ascii) noexcept nogil:
    """Validate p[0..n); the ASCII prefix is reported so callers can take
    the cheap str path.  A run of ASCII ends on a character boundary, so
    only the rest needs the full validator."""
    cdef size_t a = wsc_ascii_prefix(p, n)
    ascii[0] = a
    return a == <size_t>n or wsc_utf8_valid(p + a, n - a)


cdef int _bad_text() except -1:
    raise ProtocolError("invalid UTF-8 in a text message", _INVALID_DATA)


cdef str _ascii_str(const uint8_t *p, Py_ssize_t n):
    # A compact ASCII str filled by memcpy: cheaper than the UTF-8 decoder.
    cdef str s = PyUnicode_New(n, 127)
    memcpy(PyUnicode_DATA(s), p, n)
    return s


cdef str _text(const uint8_t *src, Py_ssize_t n, const uint8_t *key):
    """The str of a whole text payload, validated first (1007 if invalid)."""
    cdef uint8_t *d
    cdef size_t a
    cdef bint ok
    cdef str s
    if key != NULL or n <= 64:
        # Unmask (or copy) straight into a compact ASCII str: for ASCII text,
        # the common case, that is the only copy.  Otherwise the str serves
        # as scratch space for the decoder and is dropped.
        s = PyUnicode_New(n, 127)
        d = <uint8_t *>PyUnicode_DATA(s)
        if n <= 64:
            if wsc_small_unmask_ascii(d, src, n, key):
                return s
            ok = wsc_utf8_valid(d, n)
        elif n >= _NOGIL_MIN:
            with nogil:
                wsc_mask(d, src, n, key, 0)
                ok = _valid_after_ascii(d, n, &a)
            if a == <size_t>n:
                return s
        else:
            wsc_mask(d, src, n, key, 0)
            ok = _valid_after_ascii(d, n, &a)
            if a == <size_t>n:
                return s
        if not ok:
            _bad_text()
        return utf8_str(d, n)
    # Unmasked and large: check first, so non-ASCII text costs no scratch.
    if n >= _NOGIL_MIN:
        with nogil:
            ok = _valid_after_ascii(src, n, &a)
    else:
        ok = _valid_after_ascii(src, n, &a)
    if a == <size_t>n:
        return _ascii_str(src, n)
    if not ok:
        _bad_text()
    return utf8_str(src, n)


cdef bytes _text_bytes(const uint8_t *src, Py_ssize_t n, const uint8_t *key):
    """decode_text=False: the payload as bytes, still fully validated."""
    cdef bytes b = _payload_bytes(src, n, key)
    cdef const uint8_t *d = <const uint8_t *>PyBytes_AS_STRING(b)
    cdef size_t a
    cdef bint ok
    if n >= _NOGIL_MIN:
        with nogil:
            ok = _valid_after_ascii(d, n, &a)
    else:
        ok = _valid_after_ascii(d, n, &a)
    if not ok:
        _bad_text()
    return b


cdef tuple _parse_close(const uint8_t *d, Py_ssize_t n):
    cdef int code
    if n == 0:
        return (1005, _EMPTY_STR)
    if n == 1:
        raise ProtocolError("close frame with a 1-byte payload", _PROTOCOL_ERROR)
    code = (d[0] << 8) | d[1]
    if not is_sendable_close_code(code):
        raise ProtocolError(f"close code {code} may not be sent on the wire", _PROTOCOL_ERROR)
    if not wsc_utf8_valid(d + 2, n - 2):
        raise ProtocolError("close reason is not valid UTF-8", _INVALID_DATA)
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
        raise ProtocolError(f"close code {code} may not be sent on the wire", _PROTOCOL_ERROR)
    wsc_utf8_stream_init(&s)
    if not wsc_utf8_stream_feed(&s, d + 2, n - 2):
        raise ProtocolError("close reason is not valid UTF-8", _INVALID_DATA)
    return 0


cdef Message _control_message(unsigned op, const uint8_t *d, Py_ssize_t n):
    cdef bytes payload = PyBytes_FromStringAndSize(<char *>d, n)
    cdef Message m
    if op == 8:
        code, reason = _parse_close(d, n)
        m = _message(_OP_CLOSE, payload)
        m.close_code = code
        m.close_reason = reason
        return m
    return _message(_OPS[op], payload)


def parse_close_payload(payload):
    """``(code, reason)`` from a CLOSE payload; ``ProtocolError`` if the peer broke the rules."""
    cdef Py_buffer view
    PyObject_GetBuffer(payload, &view, PyBUF_SIMPLE)
    try:
        return _parse_close(<const uint8_t *>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)


cdef uint64_t _check_limit(str name, value) except? 0:
    if value is None:
        return _NO_LIMIT
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be None or an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be None or >= 0, not {value}")
    if value >= 0x7FFFFFFFFFFFFFFF:
        return _NO_LIMIT  # no frame can declare more than 2**63 - 1 bytes anyway
    return <uint64_t>value


cdef bint _role_is_server(role) except -1:
    if role == "server":
        return True
    if role == "client":
        return False
    raise ValueError(f"role must be 'server' or 'client', not {role!r}")


# ---------------------------------------------------------------------------
# Decoders
# ---------------------------------------------------------------------------

# The bytearray get_buffer lends: the size of asyncio's own reads (256 KiB),
# fixed so the memory the loop writes into never moves.
_RECV_BUFFER_SIZE = 256 * 1024


cdef class _Decoder:
    """The frame layer and the message layer, shared by both decoders
    (``_frames`` selects FrameDecoder behaviour)."""

    cdef bint _server          # receives masked frames
    cdef bint _frames          # FrameDecoder: no message-level rules
    cdef bint _allow_rsv1
    cdef bint _decode_text
    cdef uint64_t _max_frame   # _NO_LIMIT when None
    cdef uint64_t _max_msg
    cdef object _inflater
    cdef int _failed           # close code once failed, else 0
    cdef object _rbuf          # get_buffer's bytearray, never resized
    cdef bint _lent            # get_buffer handed it out, no buffer_updated yet

    # An unfinished header carried over to the next feed.
    cdef uint8_t _hdr[14]
    cdef Py_ssize_t _hlen

    # The header just parsed.
    cdef unsigned _b0
    cdef uint64_t _plen
    cdef uint8_t _key[4]

    # A payload that is still arriving.
    cdef bint _in_payload
    cdef uint64_t _left
    cdef unsigned _phase

    # The message being reassembled (MessageDecoder) or the payload of the
    # current data frame (FrameDecoder): a bytes object grown in place, owned
    # through a raw pointer so _PyBytes_Resize can work on it.  A text
    # message uses a compact ASCII str instead (_mstr), grown the same way:
    # ASCII text is then unmasked straight into the str handed out, with no
    # final copy; other text is transcoded out of it once it is complete.
    cdef int _mop              # opcode of the unfinished message, 0 if none
    cdef bint _mcomp
    cdef bint _mascii          # every text byte so far is ASCII
    cdef bint _mstr
    cdef PyObject *_buf
    cdef Py_ssize_t _blen
    cdef Py_ssize_t _bcap
    cdef wsc_utf8_stream _utf8

    # The payload of a control frame that is still arriving.
    cdef uint8_t _ctl[_CTL_MAX]
    cdef Py_ssize_t _clen

    def __dealloc__(self):
        Py_XDECREF(self._buf)
        self._buf = NULL

    @cython.final
    cdef inline void _drop_buf(self) noexcept:
        Py_XDECREF(self._buf)
        self._buf = NULL
        self._blen = 0
        self._bcap = 0
        self._mstr = False

    @cython.final
    cdef inline uint8_t *_buf_data(self) noexcept:
        if self._mstr:
            return <uint8_t *>_str_data(self._buf)
        return <uint8_t *>_bytes_data(self._buf)

    @cython.final
    cdef inline bint _feed_text(self, const uint8_t *d, Py_ssize_t k) noexcept nogil:
        """Validate the next k bytes of a text message.  While it is all
        ASCII (so the stream sits on a character boundary) the cheaper ASCII
        scan stands in for the validator, and it tells _end_message that the
        bytes can become a str by plain copy."""
        cdef size_t a
        if self._mascii:
            a = wsc_ascii_prefix(d, k)
            if a == <size_t>k:
                return True
            self._mascii = False
            d += a
            k -= a
        return wsc_utf8_stream_feed(&self._utf8, d, k)

    @cython.critical_section
    def get_buffer(self, Py_ssize_t sizehint=-1):
        """asyncio.BufferedProtocol.get_buffer: a buffer for the event loop
        to read into, followed by one buffer_updated() call."""
        if self._lent:
            raise RuntimeError("get_buffer() called again before buffer_updated()")
        if self._rbuf is None:
            self._rbuf = bytearray(_RECV_BUFFER_SIZE)
        self._lent = True
        return memoryview(self._rbuf)

    def buffer_updated(self, nbytes):
        """asyncio.BufferedProtocol.buffer_updated: decode the ``nbytes``
        the loop wrote at the start of the buffer; return what they completed."""
        if not self._lent:
            raise RuntimeError("buffer_updated() without a get_buffer() before it")
        self._lent = False
        if not 0 <= nbytes <= _RECV_BUFFER_SIZE:
            raise ValueError(f"nbytes must be in 0..{_RECV_BUFFER_SIZE}, not {nbytes}")
        return self.feed(memoryview(self._rbuf)[:nbytes])

    @cython.critical_section
    def feed(self, data):
        """Decode ``data`` (any C-contiguous buffer); return what it completed."""
        cdef Py_buffer view
        if PyBytes_CheckExact(data):
            return self._feed(<const uint8_t *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            return self._feed(<const uint8_t *>view.buf, view.len)
        finally:
            PyBuffer_Release(&view)

    @cython.final
    cdef list _feed(self, const uint8_t *p, Py_ssize_t n):
        cdef list out
        if self._failed:
            raise ProtocolError(f"decoder already failed with close code {self._failed}", self._failed)
        out = []
        try:
            self._run(p, n, out)
        except ProtocolError as exc:
            self._fail(exc, out)
            raise
        return out

    @cython.final
    cdef int _fail(self, exc, list out) except -1:
        self._failed = exc.close_code
        exc.completed = out
        self._drop_buf()
        self._hlen = 0
        self._in_payload = False
        return 0

    @cython.final
    cdef int _run(self, const uint8_t *p, Py_ssize_t n, list out) except -1:
        cdef Py_ssize_t pos = 0
        cdef Py_ssize_t head
        cdef Py_ssize_t avail
        cdef const uint8_t *q
        cdef unsigned b0
        cdef unsigned b1
        cdef uint64_t length
        cdef unsigned mask_bit = 0x80 if self._server else 0
        cdef Py_ssize_t key_len = 4 if self._server else 0
        cdef bint fast = not self._frames
        if self._in_payload:
            pos = self._stream(p, 0, n, out)
        elif self._hlen:
            pos = self._resume_header(p, n, out)
        while pos < n:
            q = p + pos
            avail = n - pos
            if fast and avail >= 4:
                # The hot path: a whole unfragmented, uncompressed TEXT or
                # BINARY frame with a 7- or 16-bit length and no message
                # pending.  Every check of codec-rules.md passes for it by
                # construction; anything else takes the full path below.
                b0 = q[0]
                b1 = q[1]
                if b0 - 0x81u < 2u and (b1 & 0x80) == mask_bit and self._mop == 0:
                    length = b1 & 0x7F
                    head = 2 + key_len
                    if length == 126:
                        length = (<uint64_t>q[2] << 8) | q[3]
                        head += 2
                    if (length < 127 or head > 2 + key_len) and length <= self._max_frame \
                            and length <= self._max_msg and avail - head >= <Py_ssize_t>length:
                        pos += head
                        if b0 == 0x82:
                            out.append(_message(_OP_BINARY, _payload_bytes(
                                p + pos, <Py_ssize_t>length, q + head - 4 if key_len else NULL)))
                        elif self._decode_text:
                            out.append(_message(_OP_TEXT, _text(
                                p + pos, <Py_ssize_t>length, q + head - 4 if key_len else NULL)))
                        else:
                            out.append(_message(_OP_TEXT, _text_bytes(
                                p + pos, <Py_ssize_t>length, q + head - 4 if key_len else NULL)))
                        pos += <Py_ssize_t>length
                        continue
            head = self._header(q, avail)
            if head == 0:
                memcpy(self._hdr, p + pos, n - pos)
                self._hlen = n - pos
                return 0
            pos = self._begin(p, pos + head, n, out)
        return 0

    @cython.final
    cdef Py_ssize_t _resume_header(self, const uint8_t *p, Py_ssize_t n, list out) except -1:
        cdef uint8_t tmp[14]
        cdef Py_ssize_t have = self._hlen
        cdef Py_ssize_t take = 14 - have
        cdef Py_ssize_t head
        if take > n:
            take = n
        memcpy(tmp, self._hdr, have)
        memcpy(tmp + have, p, take)
        head = self._header(tmp, have + take)
        if head == 0:
            # 14 bytes hold any header, so still short means take == n.
            memcpy(self._hdr, tmp, have + take)
            self._hlen = have + take
            return n
        self._hlen = 0
        return self._begin(p, head - have, n, out)

    @cython.final
    cdef inline Py_ssize_t _header(self, const uint8_t *q, Py_ssize_t avail) except -1:
        """Check and parse the header at q: its size once all of it is
        there, else 0.  Every check runs as soon as its bytes are there, in
        the order of codec-rules.md, so any split gives the same error."""
        cdef unsigned b0 = q[0]
        cdef unsigned op = b0 & 0x0F
        cdef unsigned b1
        cdef uint64_t length
        cdef Py_ssize_t head
        if b0 & 0x70:
            if b0 & 0x30:
                raise ProtocolError("RSV2 or RSV3 set", _PROTOCOL_ERROR)
            if not self._allow_rsv1:
                raise ProtocolError("RSV1 set without a negotiated extension", _PROTOCOL_ERROR)
        if op - 3u < 5u or op > 10u:
            raise ProtocolError(f"reserved opcode {op}", _PROTOCOL_ERROR)
        if op >= 8 and not (b0 & 0x80):
            raise ProtocolError("fragmented control frame", _PROTOCOL_ERROR)
        if avail < 2:
            return 0
        b1 = q[1]
        if (b1 >> 7) != <unsigned>self._server:
            raise ProtocolError(
                "unmasked frame from a client" if self._server else "masked frame from a server",
                _PROTOCOL_ERROR,
            )
        length = b1 & 0x7F
        head = 2
        if length >= 126:
            if op >= 8:
                raise ProtocolError("control frame payload over 125 bytes", _PROTOCOL_ERROR)
            if length == 126:
                if avail < 4:
                    return 0
                length = (<uint64_t>q[2] << 8) | q[3]
                head = 4
            else:
                if avail > 2 and q[2] & 0x80:
                    raise ProtocolError("64-bit payload length with the top bit set", _PROTOCOL_ERROR)
                if avail < 10:
                    return 0
                length = _be64(q + 2)
                head = 10
        if length > self._max_frame:
            raise ProtocolError(f"frame of {length} bytes over the {self._max_frame}-byte limit", _TOO_BIG)
        if not self._frames:
            self._message_header(b0, length)
        if self._server:
            head += 4
            if avail < head:
                return 0
            memcpy(self._key, q + head - 4, 4)
        elif avail < head:
            return 0
        self._b0 = b0
        self._plen = length
        return head

    @cython.final
    cdef int _message_header(self, unsigned b0, uint64_t length) except -1:
        """Step 5 of the header checks: the message-level rules."""
        cdef unsigned op = b0 & 0x0F
        cdef uint64_t size
        cdef bint compressed
        if op >= 8:
            if b0 & 0x40:
                raise ProtocolError("RSV1 set on a control frame", _PROTOCOL_ERROR)
            if op == 8 and length == 1:
                raise ProtocolError("close frame with a 1-byte payload", _PROTOCOL_ERROR)
            return 0
        if op:
            if self._mop:
                raise ProtocolError("new data frame while a fragmented message is unfinished", _PROTOCOL_ERROR)
            size = 0
            compressed = b0 & 0x40
        else:
            if b0 & 0x40:
                raise ProtocolError("RSV1 set on a continuation frame", _PROTOCOL_ERROR)
            if not self._mop:
                raise ProtocolError("continuation frame with no message started", _PROTOCOL_ERROR)
            size = <uint64_t>self._blen
            compressed = self._mcomp
        if not compressed and size + length > self._max_msg:
            raise ProtocolError(f"message over the {self._max_msg}-byte limit", _TOO_BIG)
        return 0

    @cython.final
    cdef inline Py_ssize_t _begin(self, const uint8_t *p, Py_ssize_t pos, Py_ssize_t n,
                                  list out) except -1:
        """Dispatch the frame whose header was just parsed; its payload
        starts at p + pos.  Returns the position after what was consumed."""
        cdef unsigned b0 = self._b0
        cdef unsigned op = b0 & 0x0F
        cdef uint64_t length = self._plen
        cdef const uint8_t *key = self._key if self._server else NULL
        cdef Py_ssize_t size
        if length <= <uint64_t>(n - pos):
            # The whole payload is here: build the result straight from the
            # caller's buffer.
            size = <Py_ssize_t>length
            if self._frames:
                out.append(_frame(b0, _payload_bytes(p + pos, size, key)))
                return pos + size
            if (b0 & 0xC0) == 0x80 and op < 8:
                # FIN, uncompressed and (step 5) no message pending: a whole
                # single-frame message, the hot path.
                if op == 1:
                    if self._decode_text:
                        out.append(_message(_OP_TEXT, _text(p + pos, size, key)))
                    else:
                        out.append(_message(_OP_TEXT, _text_bytes(p + pos, size, key)))
                    return pos + size
                if op == 2:
                    out.append(_message(_OP_BINARY, _payload_bytes(p + pos, size, key)))
                    return pos + size
            elif op >= 8:
                out.append(self._whole_control(op, p + pos, size, key))
                return pos + size
        # Stream the payload: it is incomplete, or part of a fragmented or
        # compressed message.
        self._in_payload = True
        self._left = length
        self._phase = 0
        if op >= 8:
            self._clen = 0
        elif self._frames:
            self._blen = 0
        elif op:
            self._mop = op
            self._mcomp = (b0 >> 6) & 1
            self._blen = 0
            if op == 1:
                wsc_utf8_stream_init(&self._utf8)
                self._mascii = True
                self._mstr = self._decode_text
                # Exact size only when most of it is here already: a header
                # alone must not make us allocate a large declared size.
                if (b0 & 0xC0) == 0x80 and self._decode_text \
                        and length <= <uint64_t>(n - pos) * 2 + _EXACT_SLACK:
                    self._buf = _new_str(<Py_ssize_t>length, 127)
                    self._bcap = <Py_ssize_t>length
        return self._stream(p, pos, n, out)

    @cython.final
    cdef Message _whole_control(self, unsigned op, const uint8_t *src, Py_ssize_t n,
                                const uint8_t *key):
        cdef uint8_t d[_CTL_MAX]
        if key != NULL:
            wsc_mask(d, src, n, key, 0)
            return _control_message(op, d, n)
        return _control_message(op, src, n)

    @cython.final
    cdef Py_ssize_t _stream(self, const uint8_t *p, Py_ssize_t pos, Py_ssize_t n,
                            list out) except -1:
        """Take the part of the current payload that is in p[pos..n)."""
        cdef uint64_t left = self._left
        cdef Py_ssize_t k = n - pos
        cdef unsigned op = self._b0 & 0x0F
        cdef const uint8_t *src = p + pos
        cdef uint8_t *dst
        cdef uint64_t limit
        cdef bint ok = True
        cdef bint text
        if <uint64_t>k > left:
            k = <Py_ssize_t>left
        if k:
            if op >= 8:
                self._copy_in(self._ctl + self._clen, src, k)
                self._clen += k
                if op == 8 and not self._frames:
                    _check_close_prefix(self._ctl, self._clen)
            elif self._mcomp and not self._frames:
                self._inflate_piece(src, k)
            else:
                # FrameDecoder knows the exact size; a message may not
                # outgrow max_message_size (checked from each header).
                limit = self._blen + left if self._frames else self._max_msg
                self._reserve(self._blen + k, self._blen + left, limit)
                dst = self._buf_data() + self._blen
                text = self._mop == 1 and not self._frames
                if k >= _NOGIL_MIN:
                    with nogil:
                        if text:
                            ok = self._copy_text(dst, src, k)
                        else:
                            self._copy_in_nogil(dst, src, k)
                elif text:
                    ok = self._copy_text(dst, src, k)
                else:
                    self._copy_in_nogil(dst, src, k)
                if not ok:
                    _bad_text()
                self._blen += k
        left -= <uint64_t>k
        self._left = left
        if left == 0:
            self._in_payload = False
            self._finish_frame(out)
        return pos + k

    @cython.final
    cdef inline bint _copy_text(self, uint8_t *dst, const uint8_t *src, Py_ssize_t k) noexcept nogil:
        """Unmask (or copy) and validate text in blocks that stay in the L1
        cache, so the validator reads what the unmasking just wrote from
        there instead of from memory: close to one pass over the data."""
        cdef Py_ssize_t b
        while k > 0:
            b = k if k < _TEXT_BLOCK else _TEXT_BLOCK
            if self._server and self._mascii:
                # ASCII so far: unmask and test for ASCII in one pass.
                if wsc_mask_ascii(dst, src, b, self._key, self._phase):
                    self._phase = (self._phase + <unsigned>b) & 3u
                else:
                    self._phase = (self._phase + <unsigned>b) & 3u
                    if not self._feed_text(dst, b):
                        return False
            else:
                self._copy_in_nogil(dst, src, b)
                if not self._feed_text(dst, b):
                    return False
            dst += b
            src += b
            k -= b
        return True

    @cython.final
    cdef inline void _copy_in(self, uint8_t *dst, const uint8_t *src, Py_ssize_t k) noexcept:
        self._copy_in_nogil(dst, src, k)

    @cython.final
    cdef inline void _copy_in_nogil(self, uint8_t *dst, const uint8_t *src, Py_ssize_t k) noexcept nogil:
        if self._server:
            self._phase = wsc_mask(dst, src, k, self._key, self._phase)
        else:
            memcpy(dst, src, k)

    @cython.final
    cdef int _reserve(self, Py_ssize_t need, uint64_t hint, uint64_t limit) except -1:
        """Room for ``need`` bytes in the buffer.  Growth is geometric (no
        quadratic copying under a flood of tiny fragments) and never beyond
        ``limit``; when ``hint``, the declared end of the current frame, lies
        beyond that but near, allocate exactly that (a frame that arrives in
        two reads then needs one allocation and no shrinking).  Capacity
        stays within twice what actually arrived plus a constant, so a
        header alone cannot make us allocate a large declared size."""
        cdef Py_ssize_t cap
        if need <= self._bcap:
            return 0
        cap = self._bcap * 2
        if cap < _MIN_GROW:
            cap = _MIN_GROW
        if cap < need:
            cap = need
        if hint > <uint64_t>cap and hint <= <uint64_t>need * 2 + _EXACT_SLACK:
            cap = <Py_ssize_t>hint
        if <uint64_t>cap > limit:
            cap = <Py_ssize_t>limit
        if self._mstr:
            if self._buf == NULL:
                self._buf = _new_str(cap, 127)
            else:
                _str_resize(&self._buf, cap)
        elif self._buf == NULL:
            self._buf = _new_bytes(NULL, cap)
        else:
            try:
                _PyBytes_Resize(&self._buf, cap)
            except BaseException:
                self._buf = NULL  # _PyBytes_Resize freed it
                self._blen = 0
                self._bcap = 0
                raise
        self._bcap = cap
        return 0

    @cython.final
    cdef bytes _take_bytes(self):
        """Hand the buffer out as the payload (no copy)."""
        cdef bytes b
        if self._buf == NULL:
            return b""
        if self._blen != self._bcap:
            try:
                _PyBytes_Resize(&self._buf, self._blen)
            except BaseException:
                self._buf = NULL
                self._blen = 0
                self._bcap = 0
                raise
        b = <bytes>self._buf
        Py_XDECREF(self._buf)
        self._buf = NULL
        self._blen = 0
        self._bcap = 0
        return b

    @cython.final
    cdef str _take_str(self):
        """The buffer as str (already validated), then dropped."""
        cdef Py_ssize_t n = self._blen
        cdef const uint8_t *d
        cdef str s
        if n == 0:
            self._drop_buf()
            return _EMPTY_STR
        if self._mstr and self._mascii:
            if n != self._bcap:
                _str_resize(&self._buf, n)
                self._bcap = n
            s = <str>self._buf
        else:
            d = self._buf_data()
            if self._mascii:
                s = _ascii_str(d, n)
            else:
                s = utf8_str(d, n)
        self._drop_buf()
        return s

    @cython.final
    cdef int _finish_frame(self, list out) except -1:
        cdef unsigned b0 = self._b0
        cdef unsigned op = b0 & 0x0F
        if self._frames:
            if op >= 8:
                out.append(_frame(b0, PyBytes_FromStringAndSize(<char *>self._ctl, self._clen)))
            else:
                out.append(_frame(b0, self._take_bytes()))
        elif op >= 8:
            out.append(_control_message(op, self._ctl, self._clen))
        elif b0 & 0x80:
            self._end_message(out)
        return 0

    @cython.final
    cdef int _end_message(self, list out) except -1:
        cdef int op
        if self._mcomp:
            try:
                tail = self._inflater.end_message(self._room())
            except _ZlibError:
                raise ProtocolError("corrupt deflate data", _INVALID_DATA) from None
            self._take_inflated(tail)
        op = self._mop
        self._mop = 0
        self._mcomp = False
        if op == 1:
            if not wsc_utf8_stream_finish(&self._utf8):
                raise ProtocolError("text message ends mid-character", _INVALID_DATA)
            out.append(_message(_OP_TEXT, self._take_str() if self._decode_text else self._take_bytes()))
        else:
            out.append(_message(_OP_BINARY, self._take_bytes()))
        return 0

    # -- compressed messages -------------------------------------------------

    @cython.final
    cdef object _room(self):
        """``max_length`` for the inflater: one byte over the limit exposes any excess."""
        if self._max_msg == _NO_LIMIT:
            return None
        return self._max_msg - <uint64_t>self._blen + 1

    @cython.final
    cdef int _inflate_piece(self, const uint8_t *src, Py_ssize_t k) except -1:
        cdef bytes piece = PyBytes_FromStringAndSize(NULL, k)
        self._copy_in(<uint8_t *>PyBytes_AS_STRING(piece), src, k)
        try:
            out = self._inflater.decompress(piece, self._room())
        except _ZlibError:
            raise ProtocolError("corrupt deflate data", _INVALID_DATA) from None
        return self._take_inflated(out)

    @cython.final
    cdef int _take_inflated(self, chunk) except -1:
        cdef Py_buffer view
        cdef const uint8_t *d
        cdef Py_ssize_t k
        cdef Py_ssize_t fit
        cdef bint text = self._mop == 1
        PyObject_GetBuffer(chunk, &view, PyBUF_SIMPLE)
        try:
            d = <const uint8_t *>view.buf
            k = view.len
            if <uint64_t>(self._blen + k) > self._max_msg:
                # Validate what fits first: the error must follow stream order.
                fit = <Py_ssize_t>(self._max_msg - <uint64_t>self._blen)
                if text and not self._feed_text(d, fit):
                    _bad_text()
                raise ProtocolError(f"message over the {self._max_msg}-byte limit", _TOO_BIG)
            if text and k and not self._feed_text(d, k):
                _bad_text()
            if k:
                self._reserve(self._blen + k, 0, self._max_msg)
                memcpy(self._buf_data() + self._blen, d, k)
                self._blen += k
        finally:
            PyBuffer_Release(&view)
        return 0


cdef list ws_decoder_feed(object decoder, const uint8_t *data, Py_ssize_t n):
    """The C-level feed of wscodec/api.pxd: a FrameDecoder's or a
    MessageDecoder's feed over a pointer, without a Python call."""
    cdef _Decoder d = <_Decoder?>decoder
    with cython.critical_section(d):
        return d._feed(data, n)


cdef class FrameDecoder(_Decoder):
    """Split a byte stream into ``Frame`` objects, checking the frame-level rules."""

    def __init__(self, *, role="server", max_frame_size=None, allow_rsv1=False):
        self._server = _role_is_server(role)
        self._frames = True
        self._max_frame = _check_limit("max_frame_size", max_frame_size)
        self._max_msg = _NO_LIMIT
        self._allow_rsv1 = bool(allow_rsv1)

    def __repr__(self):
        return f"<FrameDecoder role={'server' if self._server else 'client'}>"


cdef class MessageDecoder(_Decoder):
    """Reassemble messages from a byte stream, streaming payloads through the
    UTF-8 check and the inflater so every error surfaces as early as possible."""

    def __init__(
        self,
        *,
        role="server",
        max_message_size=DEFAULT_MAX_MESSAGE_SIZE,
        max_frame_size=None,
        deflate=None,
        decode_text=True,
    ):
        self._server = _role_is_server(role)
        self._frames = False
        self._max_frame = _check_limit("max_frame_size", max_frame_size)
        self._max_msg = _check_limit("max_message_size", max_message_size)
        self._allow_rsv1 = deflate is not None
        self._decode_text = bool(decode_text)
        self._inflater = None if deflate is None else deflate.make_decompressor(role)

    def __repr__(self):
        return f"<MessageDecoder role={'server' if self._server else 'client'}>"


# ---------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------

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

    cdef uint8_t _pool[_POOL_SIZE]
    cdef Py_ssize_t _pos
    cdef unsigned long _gen

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
            wsc_small_unmask_ascii(d + head, src, n, key)
        else:
            wsc_mask(d + head, src, n, key, 0)
    else:
        memcpy(d + head, src, n)
    return head + n


cdef inline bytes _encode(unsigned b0, const uint8_t *src, Py_ssize_t n, const uint8_t *key):
    cdef bytes out = PyBytes_FromStringAndSize(NULL, _frame_size(n, key != NULL))
    cdef uint8_t *d = <uint8_t *>PyBytes_AS_STRING(out)
    if n >= _NOGIL_MIN:
        with nogil:
            _write_frame(d, b0, src, n, key)
    else:
        _write_frame(d, b0, src, n, key)
    return out


cdef unsigned _opcode_value(opcode) except? 0xFFFF:
    cdef long op
    if type(opcode) is int or isinstance(opcode, Opcode):
        op = opcode
        if 0 <= op <= 2 or 8 <= op <= 10:
            return <unsigned>op
    try:
        return <unsigned>int(_ENCODE_OPCODES[opcode])
    except (KeyError, TypeError):
        raise ValueError(f"unknown opcode {opcode!r}") from None


cdef bytes _encode_frame(unsigned op, const uint8_t *src, Py_ssize_t n, fin, rsv1, mask):
    cdef Py_buffer kview
    cdef uint8_t key[4]
    cdef const uint8_t *kp = NULL
    cdef unsigned b0
    if op >= 8:
        if n > _CTL_MAX:
            raise ValueError(f"control frame payload of {n} bytes (at most {CONTROL_MAX_PAYLOAD})")
        if not fin:
            raise ValueError("control frames cannot be fragmented")
    b0 = op | (0x80 if fin else 0) | (0x40 if rsv1 else 0)
    if mask is None or mask is False:
        pass
    elif mask is True:
        _shared_keys.take(key)
        kp = key
    else:
        PyObject_GetBuffer(mask, &kview, PyBUF_SIMPLE)
        try:
            if kview.len != 4:
                raise ValueError(f"mask must be exactly 4 bytes, not {kview.len}")
            memcpy(key, kview.buf, 4)
        finally:
            PyBuffer_Release(&kview)
        kp = key
    return _encode(b0, src, n, kp)


# binding=False: a plain builtin function, which the interpreter calls more
# cheaply than a Cython function object (~7% of a small masked frame).
@cython.binding(False)
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


def encode_close_payload(code, reason=""):
    """The payload of a CLOSE frame; ``ValueError`` for what may not be sent."""
    if not isinstance(code, int) or isinstance(code, bool):
        raise TypeError(f"close code must be an int, not {type(code).__name__}")
    if not is_sendable_close_code(code):
        raise ValueError(f"close code {code} may not be sent on the wire")
    if not isinstance(reason, str):
        raise TypeError(f"close reason must be a str, not {type(reason).__name__}")
    cdef bytes raw = PyUnicode_AsUTF8String(reason)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(raw)
    if n + 2 > _CTL_MAX:
        raise ValueError(f"close reason too long: {n} bytes (at most {CONTROL_MAX_PAYLOAD - 2})")
    cdef bytes payload = PyBytes_FromStringAndSize(NULL, n + 2)
    cdef uint8_t *d = <uint8_t *>PyBytes_AS_STRING(payload)
    cdef int c = code
    d[0] = <uint8_t>(c >> 8)
    d[1] = <uint8_t>c
    memcpy(d + 2, PyBytes_AS_STRING(raw), n)
    return payload


cdef class MessageEncoder:
    """Turn messages into wire bytes for one side of one connection."""

    cdef bint _client
    cdef Py_ssize_t _max_frame     # 0: no limit
    cdef object _compressor
    cdef Py_ssize_t _min_size
    cdef _KeyPool _keys            # client only; per encoder, so no contention

    def __init__(self, *, role="server", max_frame_size=None, deflate=None):
        self._client = not _role_is_server(role)
        if max_frame_size is not None:
            if not isinstance(max_frame_size, int) or isinstance(max_frame_size, bool):
                raise TypeError(f"max_frame_size must be None or an int, not {type(max_frame_size).__name__}")
            if max_frame_size < 1:
                # Zero would leave no room for any payload byte.
                raise ValueError(f"max_frame_size must be None or >= 1, not {max_frame_size}")
            self._max_frame = min(max_frame_size, 0x7FFFFFFFFFFFFFFF)
        else:
            self._max_frame = 0
        if deflate is None:
            self._compressor = None
            self._min_size = 0
        else:
            self._compressor = deflate.make_compressor(role)
            self._min_size = deflate.min_size
        self._keys = _KeyPool() if self._client else None

    def __repr__(self):
        return f"<MessageEncoder role={'client' if self._client else 'server'}>"

    def text(self, data):
        """A TEXT message (strict UTF-8: lone surrogates raise UnicodeEncodeError)."""
        cdef bytes raw
        if not PyUnicode_Check(data):
            raise TypeError(f"text() takes a str, not {type(data).__name__}")
        if PyUnicode_IS_COMPACT_ASCII(data):
            # ASCII is its own UTF-8: encode straight from the str's buffer.
            return self._data(1, <const uint8_t *>PyUnicode_DATA(data), PyUnicode_GET_LENGTH(data), data)
        raw = PyUnicode_AsUTF8String(data)
        return self._data(1, <const uint8_t *>PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw), raw)

    def binary(self, data):
        """A BINARY message from any C-contiguous buffer."""
        cdef Py_buffer view
        if PyBytes_CheckExact(data):
            return self._data(2, <const uint8_t *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), data)
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            return self._data(2, <const uint8_t *>view.buf, view.len, None)
        finally:
            PyBuffer_Release(&view)

    def ping(self, data=b""):
        return self._control(9, data)

    def pong(self, data=b""):
        return self._control(10, data)

    def close(self, code=1000, reason=""):
        if code is None:
            if reason:
                raise ValueError("a close reason needs a close code")
            payload = b""
        else:
            payload = encode_close_payload(code, reason)
        return self._control(8, payload)

    cdef bytes _control(self, unsigned op, data):
        cdef Py_buffer view
        cdef uint8_t key[4]
        cdef const uint8_t *kp = NULL
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            if view.len > _CTL_MAX:
                raise ValueError(f"control frame payload of {view.len} bytes (at most {CONTROL_MAX_PAYLOAD})")
            if self._client:
                self._keys.take(key)
                kp = key
            return _encode(0x80 | op, <const uint8_t *>view.buf, view.len, kp)
        finally:
            PyBuffer_Release(&view)

    cdef bytes _data(self, unsigned op, const uint8_t *src, Py_ssize_t n, owner):
        """Compress if negotiated, split by max_frame_size, mask if client.
        ``owner`` is a bytes holding src, or None."""
        cdef unsigned rsv1 = 0
        cdef uint8_t key[4]
        cdef const uint8_t *kp = NULL
        cdef Py_ssize_t size = self._max_frame
        cdef bytes compressed
        if self._compressor is not None and n >= self._min_size:
            if not PyBytes_CheckExact(owner):
                owner = PyBytes_FromStringAndSize(<char *>src, n)
            compressed = _as_bytes(self._compressor.compress(owner))
            src = <const uint8_t *>PyBytes_AS_STRING(compressed)
            n = PyBytes_GET_SIZE(compressed)
            rsv1 = 0x40
        if size == 0 or n <= size:
            if self._client:
                self._keys.take(key)
                kp = key
            return _encode(0x80 | rsv1 | op, src, n, kp)
        return self._fragments(op | rsv1, src, n, size)

    cdef bytes _fragments(self, unsigned first, const uint8_t *src, Py_ssize_t n, Py_ssize_t size):
        cdef Py_ssize_t count = (n + size - 1) // size
        cdef Py_ssize_t last = n - (count - 1) * size
        cdef Py_ssize_t total = (count - 1) * _frame_size(size, self._client) + _frame_size(last, self._client)
        cdef bytes out = PyBytes_FromStringAndSize(NULL, total)
        cdef uint8_t *d = <uint8_t *>PyBytes_AS_STRING(out)
        cdef uint8_t key[4]
        cdef const uint8_t *kp = key if self._client else NULL
        cdef Py_ssize_t i
        cdef Py_ssize_t off = 0
        cdef Py_ssize_t chunk
        cdef unsigned b0
        for i in range(count):
            chunk = size if i < count - 1 else last
            b0 = first if i == 0 else 0
            if i == count - 1:
                b0 |= 0x80
            if self._client:
                self._keys.take(key)
            d += _write_frame(d, b0, src + off, chunk, kp)
            off += chunk
        return out
