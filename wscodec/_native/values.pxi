# Frame and Message, the decoders' output (twin: _pure/values.py).
#
# no_gc: the decoders create these by the million and fill them with
# bytes/str/int/enum members only, which cannot form cycles; being GC-tracked
# made every 700th allocation run a collection (half the decode time).  A
# user who stores a cycle in a field only leaks it.
#
# The fields are plain C structs (_ext_helpers.h) exposed as member
# descriptors, the fast attribute access of __slots__; the methods below read
# them through attribute access, which raises AttributeError for a field a
# user deleted (a NULL slot) rather than crashing on it.

from cpython.object cimport PyObject
from cpython.ref cimport Py_XDECREF

cdef extern from "_ext_helpers.h":
    ctypedef struct wsc_frame_fields:
        PyObject *opcode
        PyObject *payload
        PyObject *fin
        PyObject *rsv1
        PyObject *rsv2
        PyObject *rsv3
    ctypedef struct wsc_message_fields:
        PyObject *opcode
        PyObject *data
        PyObject *close_code
        PyObject *close_reason
    ctypedef struct PyMemberDef:
        pass
    PyMemberDef wsc_frame_members[]
    PyMemberDef wsc_message_members[]
    int wsc_install_members(type tp, PyMemberDef *defs, Py_ssize_t base) except -1
    void wsc_set_field(PyObject **field, object value) noexcept

cdef int _REPR_LIMIT = 64


cdef str _short_repr(value):
    if len(value) <= _REPR_LIMIT:
        return repr(value)
    unit = "chars" if isinstance(value, str) else "bytes"
    return f"{value[:_REPR_LIMIT]!r}...({len(value)} {unit})"


@cython.no_gc
@cython.freelist(64)
cdef class Frame:
    """One WebSocket frame; ``payload`` is already unmasked."""

    cdef wsc_frame_fields f

    def __init__(self, opcode, payload=b"", fin=True, rsv1=False, rsv2=False, rsv3=False):
        wsc_set_field(&self.f.opcode, _OPCODES[frame_opcode(opcode)])
        wsc_set_field(&self.f.payload, as_bytes(payload))
        wsc_set_field(&self.f.fin, bool(fin))
        wsc_set_field(&self.f.rsv1, bool(rsv1))
        wsc_set_field(&self.f.rsv2, bool(rsv2))
        wsc_set_field(&self.f.rsv3, bool(rsv3))

    def __dealloc__(self):
        Py_XDECREF(self.f.opcode)
        Py_XDECREF(self.f.payload)
        Py_XDECREF(self.f.fin)
        Py_XDECREF(self.f.rsv1)
        Py_XDECREF(self.f.rsv2)
        Py_XDECREF(self.f.rsv3)

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
        return (Frame, (int(a.opcode), a.payload, a.fin, a.rsv1, a.rsv2, a.rsv3))


@cython.no_gc
@cython.freelist(256)
cdef class Message:
    """One whole message: a reassembled data message or a control frame."""

    cdef wsc_message_fields f

    def __init__(self, opcode, data, close_code=None, close_reason=None):
        if opcode.__class__ is not Opcode or opcode is Opcode.CONTINUATION:
            opcode = message_opcode(opcode)
        wsc_set_field(&self.f.opcode, opcode)
        wsc_set_field(&self.f.data, data)
        wsc_set_field(&self.f.close_code, close_code)
        wsc_set_field(&self.f.close_reason, close_reason)

    def __dealloc__(self):
        Py_XDECREF(self.f.opcode)
        Py_XDECREF(self.f.data)
        Py_XDECREF(self.f.close_code)
        Py_XDECREF(self.f.close_reason)

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
        return (Message, (a.opcode, a.data, a.close_code, a.close_reason))


cdef int _install_members() except -1:
    # Where each fields struct starts inside its object, as the compiler laid
    # it out: the address of the struct in an instance minus the instance's.
    cdef Frame frame = Frame.__new__(Frame)
    cdef Message message = Message.__new__(Message)
    wsc_install_members(Frame, wsc_frame_members,
                        <char *>&frame.f - <char *><PyObject *>frame)
    wsc_install_members(Message, wsc_message_members,
                        <char *>&message.f - <char *><PyObject *>message)
    return 0


_install_members()


cdef inline Message _new_message(object opcode, object data):
    # Skips __init__: the decoder only ever passes a valid member.
    cdef Message m = Message.__new__(Message)
    wsc_set_field(&m.f.opcode, opcode)
    wsc_set_field(&m.f.data, data)
    wsc_set_field(&m.f.close_code, None)
    wsc_set_field(&m.f.close_reason, None)
    return m


cdef inline Frame _new_frame(unsigned b0, object payload):
    cdef Frame f = Frame.__new__(Frame)
    wsc_set_field(&f.f.opcode, _OPCODES[b0 & 0x0F])
    wsc_set_field(&f.f.payload, payload)
    wsc_set_field(&f.f.fin, True if b0 & 0x80 else False)
    wsc_set_field(&f.f.rsv1, True if b0 & 0x40 else False)
    wsc_set_field(&f.f.rsv2, False)
    wsc_set_field(&f.f.rsv3, False)
    return f
