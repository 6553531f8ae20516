"""Frame header parsing and the header rules (twin: _native/header.pxi).

The state this room owns lives on the decoder: the unfinished header
carried over to the next feed (``_hdr``) and what the last header said
(``_first_byte``, ``_payload_len``, ``_key``).  Every check runs as soon as
its bytes are there, in the order of docs/codec-rules.md, so any split of
the stream gives the same error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._rules import protocol_error
from .._types import Opcode, ProtocolError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

    from .decoder import _Decoder

# A broken rule of _rules.PROTOCOL_ERRORS and the values of its text.
_RuleBroken = tuple[str, dict[str, int]]

_from_bytes = int.from_bytes


def _first_byte_errors(allow_rsv1: bool) -> tuple[_RuleBroken | None, ...]:
    """Step 1 of the header checks for every possible first byte: the rule
    it breaks and that rule's values, or None."""
    table: list[_RuleBroken | None] = []
    for b0 in range(256):
        opcode = b0 & 0x0F
        error: _RuleBroken | None
        if b0 & 0x30:
            error = ("rsv2_rsv3", {})
        elif b0 & 0x40 and not allow_rsv1:
            error = ("rsv1_not_negotiated", {})
        elif opcode not in Opcode._value2member_map_:
            error = ("reserved_opcode", {"opcode": opcode})
        elif opcode >= 8 and not b0 & 0x80:
            error = ("fragmented_control", {})
        else:
            error = None
        table.append(error)
    return tuple(table)


def _first_byte_error(error: _RuleBroken | None) -> ProtocolError:
    assert error is not None
    rule, values = error
    return protocol_error(rule, **values)


_B0_STRICT = _first_byte_errors(False)
_B0_RSV1 = _first_byte_errors(True)


def _be64(buf: bytes, pos: int) -> int:
    return _from_bytes(buf[pos : pos + 8], "big")


def _resume_header(d: _Decoder, data: ReadableBuffer) -> bytes:
    """``data`` after the header an earlier feed left unfinished, as one
    bytes object to parse (int.from_bytes and slicing are faster on bytes
    than on a bytearray).  What is carried over is at most a partial
    header, so the join copies little more than ``data``, once per feed."""
    stored = d._hdr
    buf = bytes(stored) + data
    stored.clear()
    return buf


def _header(d: _Decoder, buf: bytes, pos: int, avail: int) -> int:
    """Check and parse the header at ``buf[pos:]``, ``avail`` > 0 bytes of
    it there: its size once all of it is there, else 0."""
    b0 = buf[pos]
    error = d._b0_errors[b0]
    if error is not None:
        raise _first_byte_error(error)
    if avail < 2:
        return 0
    mask_bit = 0x80 if d._server else 0
    if buf[pos + 1] & 0x80 != mask_bit:
        raise protocol_error("unmasked_from_client" if mask_bit else "masked_from_server")
    length = buf[pos + 1] & 0x7F
    if length < 126:
        head = 2
    elif b0 & 0x08:
        raise protocol_error("control_too_long")
    elif length == 126:
        if avail < 4:
            return 0
        length = buf[pos + 2] << 8 | buf[pos + 3]
        head = 4
    else:
        if avail > 2 and buf[pos + 2] & 0x80:
            raise protocol_error("length_top_bit")
        if avail < 10:
            return 0
        length = _be64(buf, pos + 2)
        head = 10
    max_frame = d._max_frame
    if max_frame is not None and length > max_frame:
        raise protocol_error("frame_too_big", length=length, limit=max_frame)
    if not d._yields_frames:
        _check_message_header(d, b0, length)
    if mask_bit:
        head += 4
        if avail < head:
            return 0
        d._key = buf[pos + head - 4 : pos + head]
    else:
        if avail < head:
            return 0
        d._key = None
    d._first_byte = b0
    d._payload_len = length
    return head


def _check_message_header(d: _Decoder, b0: int, length: int) -> None:
    """Step 5 of the header checks: the message-level rules."""
    opcode = b0 & 0x0F
    if opcode >= 8:
        if b0 & 0x40:
            raise protocol_error("rsv1_on_control")
        if opcode == 8 and length == 1:
            raise protocol_error("close_one_byte")
        return
    if opcode:
        if d._msg_op is not None:
            raise protocol_error("data_while_fragmented")
        size = 0
        compressed = b0 & 0x40
    else:
        if b0 & 0x40:
            raise protocol_error("rsv1_on_continuation")
        if d._msg_op is None:
            raise protocol_error("continuation_without_start")
        size = len(d._data)
        compressed = d._compressed  # a MessageDecoder's, as is the limit
    limit: int | None = d._max_message
    if not compressed and limit is not None and size + length > limit:
        raise protocol_error("message_too_big", limit=limit)
