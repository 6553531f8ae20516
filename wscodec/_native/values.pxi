# Frame and Message, the decoders' output (twin: _pure/values.py).
#
# no_gc: the decoders create these by the million and fill them with
# bytes/str/int/enum members only, which cannot form cycles; being GC-tracked
# made every 700th allocation run a collection (half the decode time).  A
# user who stores a cycle in a field only leaks it.
#
# The fields are declared in _ext.pxd, so Cython code that cimports the
# classes reads them as struct members.  Python sees them as member
# descriptors, the fast attribute access of __slots__, at the offsets the
# compiler gives (offsetof on the object structs, which `public` lets these
# declarations name).  The methods below read them through attribute
# access, which raises AttributeError for a field a user deleted (a NULL
# slot) rather than crashing on it.

cimport cython

cdef extern from "Python.h":
    void PyType_Modified(type tp)

cdef extern from "_ext_helpers.h":
    ctypedef struct PyMemberDef:
        pass
    int wsc_add_member(type tp, PyMemberDef *slot, const char *name, Py_ssize_t offset) except -1
    void wsc_replace_field(object obj, Py_ssize_t offset, object value)
    void wsc_leave_fields_unset(type tp, bint is_frame, const Py_ssize_t *offsets, int count)

# C expressions, emitted where they are used (after the structs exist).
cdef extern from *:
    Py_ssize_t _FRAME_OPCODE "offsetof(struct wsc_FrameObject, opcode)"
    Py_ssize_t _FRAME_PAYLOAD "offsetof(struct wsc_FrameObject, payload)"
    Py_ssize_t _FRAME_FIN "offsetof(struct wsc_FrameObject, fin)"
    Py_ssize_t _FRAME_RSV1 "offsetof(struct wsc_FrameObject, rsv1)"
    Py_ssize_t _FRAME_RSV2 "offsetof(struct wsc_FrameObject, rsv2)"
    Py_ssize_t _FRAME_RSV3 "offsetof(struct wsc_FrameObject, rsv3)"
    Py_ssize_t _MESSAGE_OPCODE "offsetof(struct wsc_MessageObject, opcode)"
    Py_ssize_t _MESSAGE_DATA "offsetof(struct wsc_MessageObject, data)"
    Py_ssize_t _MESSAGE_CLOSE_CODE "offsetof(struct wsc_MessageObject, close_code)"
    Py_ssize_t _MESSAGE_CLOSE_REASON "offsetof(struct wsc_MessageObject, close_reason)"

cdef int _REPR_LIMIT = 64


cdef str _short_repr(value):
    if len(value) <= _REPR_LIMIT:
        return repr(value)
    unit = "chars" if isinstance(value, str) else "bytes"
    return f"{value[:_REPR_LIMIT]!r}...({len(value)} {unit})"


@cython.no_gc
@cython.freelist(64)
cdef public class Frame [object wsc_FrameObject, type wsc_FrameType]:
    """One WebSocket frame; ``payload`` is already unmasked."""

    def __init__(self, opcode, payload=b"", fin=True, rsv1=False, rsv2=False, rsv3=False):
        # Through wsc_replace_field: a field may have been deleted (NULL).
        opcode = _OPCODES[frame_opcode(opcode)]
        payload = as_bytes(payload)
        wsc_replace_field(self, _FRAME_OPCODE, opcode)
        wsc_replace_field(self, _FRAME_PAYLOAD, payload)
        wsc_replace_field(self, _FRAME_FIN, bool(fin))
        wsc_replace_field(self, _FRAME_RSV1, bool(rsv1))
        wsc_replace_field(self, _FRAME_RSV2, bool(rsv2))
        wsc_replace_field(self, _FRAME_RSV3, bool(rsv3))

    __hash__ = None

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
        return (type(self), (int(a.opcode), a.payload, a.fin, a.rsv1, a.rsv2, a.rsv3))


@cython.no_gc
@cython.freelist(256)
cdef public class Message [object wsc_MessageObject, type wsc_MessageType]:
    """One whole message: a reassembled data message or a control frame."""

    def __init__(self, opcode, data, close_code=None, close_reason=None):
        if opcode.__class__ is not Opcode or opcode is Opcode.CONTINUATION:
            opcode = message_opcode(opcode)
        # Through wsc_replace_field: a field may have been deleted (NULL).
        wsc_replace_field(self, _MESSAGE_OPCODE, opcode)
        wsc_replace_field(self, _MESSAGE_DATA, data)
        wsc_replace_field(self, _MESSAGE_CLOSE_CODE, close_code)
        wsc_replace_field(self, _MESSAGE_CLOSE_REASON, close_reason)

    __hash__ = None

    def __eq__(self, other):
        if not isinstance(other, Message):
            return NotImplemented
        cdef object a = self
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
        if a.opcode is _CLOSE:
            text += f", close_code={a.close_code!r}, close_reason={a.close_reason!r}"
        return text + ")"

    def __reduce__(self):
        cdef object a = self
        return (type(self), (a.opcode, a.data, a.close_code, a.close_reason))


# The descriptors point into these tables, which live as long as the module.
cdef PyMemberDef _frame_members[6]
cdef PyMemberDef _message_members[4]


cdef int _expose_fields() except -1:
    wsc_add_member(Frame, &_frame_members[0], "opcode", _FRAME_OPCODE)
    wsc_add_member(Frame, &_frame_members[1], "payload", _FRAME_PAYLOAD)
    wsc_add_member(Frame, &_frame_members[2], "fin", _FRAME_FIN)
    wsc_add_member(Frame, &_frame_members[3], "rsv1", _FRAME_RSV1)
    wsc_add_member(Frame, &_frame_members[4], "rsv2", _FRAME_RSV2)
    wsc_add_member(Frame, &_frame_members[5], "rsv3", _FRAME_RSV3)
    wsc_add_member(Message, &_message_members[0], "opcode", _MESSAGE_OPCODE)
    wsc_add_member(Message, &_message_members[1], "data", _MESSAGE_DATA)
    wsc_add_member(Message, &_message_members[2], "close_code", _MESSAGE_CLOSE_CODE)
    wsc_add_member(Message, &_message_members[3], "close_reason", _MESSAGE_CLOSE_REASON)
    cdef Py_ssize_t frame_offsets[6]
    cdef Py_ssize_t message_offsets[4]
    frame_offsets[:] = [_FRAME_OPCODE, _FRAME_PAYLOAD, _FRAME_FIN, _FRAME_RSV1, _FRAME_RSV2, _FRAME_RSV3]
    message_offsets[:] = [_MESSAGE_OPCODE, _MESSAGE_DATA, _MESSAGE_CLOSE_CODE, _MESSAGE_CLOSE_REASON]
    wsc_leave_fields_unset(Frame, True, frame_offsets, 6)
    wsc_leave_fields_unset(Message, False, message_offsets, 4)
    PyType_Modified(Frame)
    PyType_Modified(Message)
    return 0


_expose_fields()


cdef inline Message _new_message(object opcode, object data):
    # Skips __init__: the decoder only ever passes a valid member.
    cdef Message m = Message.__new__(Message)
    m.opcode = opcode
    m.data = data
    return m


cdef inline Frame _new_frame(unsigned b0, object payload):
    cdef Frame f = Frame.__new__(Frame)
    f.opcode = _OPCODES[b0 & 0x0F]
    f.payload = payload
    f.fin = True if b0 & 0x80 else False
    f.rsv1 = True if b0 & 0x40 else False
    f.rsv2 = False
    f.rsv3 = False
    return f
