"""Frame and Message, the decoders' output (twin: _native/values.pxi)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from .._rules import frame_opcode, message_opcode
from .._types import Opcode
from ._buffers import as_bytes

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["Frame", "Message"]

_CONTINUATION = Opcode.CONTINUATION
_CLOSE = Opcode.CLOSE
# Index by opcode value: the member when known, else the plain int.
OPCODES: tuple[Opcode | int, ...] = tuple(Opcode(v) if v in Opcode._value2member_map_ else v for v in range(16))

_REPR_LIMIT = 64


def _short_repr(value: str | bytes) -> str:
    if len(value) <= _REPR_LIMIT:
        return repr(value)
    unit = "chars" if isinstance(value, str) else "bytes"
    return f"{value[:_REPR_LIMIT]!r}...({len(value)} {unit})"


class Frame:
    """One WebSocket frame; ``payload`` is already unmasked."""

    __slots__ = ("opcode", "payload", "fin", "rsv1", "rsv2", "rsv3")
    __hash__: ClassVar[None] = None  # type: ignore[assignment]  # mutable value object

    opcode: Opcode | int
    payload: bytes
    fin: bool
    rsv1: bool
    rsv2: bool
    rsv3: bool

    def __init__(
        self,
        opcode: int,
        payload: ReadableBuffer = b"",
        fin: bool = True,
        rsv1: bool = False,
        rsv2: bool = False,
        rsv3: bool = False,
    ) -> None:
        # The decoder passes Opcode members, which need no check.
        self.opcode = OPCODES[opcode if opcode.__class__ is Opcode else frame_opcode(opcode)]
        self.payload = payload if type(payload) is bytes else as_bytes(payload)
        self.fin = bool(fin)
        self.rsv1 = bool(rsv1)
        self.rsv2 = bool(rsv2)
        self.rsv3 = bool(rsv3)

    def __eq__(self, other: object) -> bool:
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

    def __repr__(self) -> str:
        return (
            f"Frame(opcode={self.opcode!r}, payload={_short_repr(self.payload)}, fin={self.fin}, "
            f"rsv1={self.rsv1}, rsv2={self.rsv2}, rsv3={self.rsv3})"
        )

    def __reduce__(self) -> tuple[type[Frame], tuple[int, bytes, bool, bool, bool, bool]]:
        return (type(self), (int(self.opcode), self.payload, self.fin, self.rsv1, self.rsv2, self.rsv3))


class Message:
    """One whole message: a reassembled data message or a control frame."""

    __slots__ = ("opcode", "data", "close_code", "close_reason")
    __hash__: ClassVar[None] = None  # type: ignore[assignment]

    opcode: Opcode
    data: str | bytes
    close_code: int | None
    close_reason: str | None

    def __init__(
        self,
        opcode: int,
        data: str | bytes,
        close_code: int | None = None,
        close_reason: str | None = None,
    ) -> None:
        if opcode.__class__ is Opcode and opcode is not _CONTINUATION:
            self.opcode = opcode  # an Opcode member, as checked
        else:
            self.opcode = message_opcode(opcode)
        self.data = data
        self.close_code = close_code
        self.close_reason = close_reason

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (
            self.opcode == other.opcode
            and self.data == other.data
            and self.close_code == other.close_code
            and self.close_reason == other.close_reason
        )

    def __repr__(self) -> str:
        text = f"Message(opcode={self.opcode!r}, data={_short_repr(self.data)}"
        if self.opcode is _CLOSE:
            text += f", close_code={self.close_code!r}, close_reason={self.close_reason!r}"
        return text + ")"

    def __reduce__(self) -> tuple[type[Message], tuple[Any, ...]]:
        return (type(self), (self.opcode, self.data, self.close_code, self.close_reason))
