"""Frame and Message, the decoders' output (twin: _native/values.pxi)."""

from .._types import Opcode
from ._buffers import byte_view

__all__ = ["Frame", "Message"]

_CONTINUATION = Opcode.CONTINUATION
_CLOSE = Opcode.CLOSE
# Index by opcode value: the member when known, else the plain int.
OPCODES = tuple(Opcode(v) if v in Opcode._value2member_map_ else v for v in range(16))
_MESSAGE_OPCODES = {op: op for op in Opcode if op is not Opcode.CONTINUATION}

_REPR_LIMIT = 64


def _short_repr(value):
    if len(value) <= _REPR_LIMIT:
        return repr(value)
    unit = "chars" if isinstance(value, str) else "bytes"
    return f"{value[:_REPR_LIMIT]!r}...({len(value)} {unit})"


class Frame:
    """One WebSocket frame; ``payload`` is already unmasked."""

    __slots__ = ("opcode", "payload", "fin", "rsv1", "rsv2", "rsv3")
    __hash__ = None  # mutable value object

    def __init__(self, opcode, payload=b"", fin=True, rsv1=False, rsv2=False, rsv3=False):
        if not isinstance(opcode, int) or isinstance(opcode, bool):
            raise TypeError(f"opcode must be an int, not {type(opcode).__name__}")
        if not 0 <= opcode <= 15:
            raise ValueError(f"opcode must be 0-15, not {opcode}")
        self.opcode = OPCODES[opcode]
        self.payload = payload if type(payload) is bytes else bytes(byte_view(payload))
        self.fin = bool(fin)
        self.rsv1 = bool(rsv1)
        self.rsv2 = bool(rsv2)
        self.rsv3 = bool(rsv3)

    def __eq__(self, other):
        if not isinstance(other, Frame):
            return NotImplemented
        return (
            self.opcode == other.opcode
            and self.payload == other.payload
            and self.fin == other.fin
            and self.rsv1 == other.rsv1
            and self.rsv2 == other.rsv2
            and self.rsv3 == other.rsv3
        )

    def __repr__(self):
        return (
            f"Frame(opcode={self.opcode!r}, payload={_short_repr(self.payload)}, fin={self.fin}, "
            f"rsv1={self.rsv1}, rsv2={self.rsv2}, rsv3={self.rsv3})"
        )


class Message:
    """One whole message: a reassembled data message or a control frame."""

    __slots__ = ("opcode", "data", "close_code", "close_reason")
    __hash__ = None

    def __init__(self, opcode, data, close_code=None, close_reason=None):
        if opcode.__class__ is not Opcode or opcode is _CONTINUATION:
            try:
                opcode = _MESSAGE_OPCODES[opcode]
            except (KeyError, TypeError):
                raise ValueError(f"not a message opcode: {opcode!r}") from None
        self.opcode = opcode
        self.data = data
        self.close_code = close_code
        self.close_reason = close_reason

    def __eq__(self, other):
        if not isinstance(other, Message):
            return NotImplemented
        return (
            self.opcode == other.opcode
            and self.data == other.data
            and self.close_code == other.close_code
            and self.close_reason == other.close_reason
        )

    def __repr__(self):
        text = f"Message(opcode={self.opcode!r}, data={_short_repr(self.data)}"
        if self.opcode is _CLOSE:
            text += f", close_code={self.close_code!r}, close_reason={self.close_reason!r}"
        return text + ")"
