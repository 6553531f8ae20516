"""CLOSE payloads, received and sent (twin: _native/close.pxi): a status code
(RFC 6455 section 7.4) and a UTF-8 reason, 125 bytes in all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._rules import check_close_code, check_close_reason, close_reason_too_long, protocol_error
from .._types import CONTROL_MAX_PAYLOAD, is_sendable_close_code
from ._buffers import byte_view
from .utf8 import Utf8Validator

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["parse_close_payload", "encode_close_payload"]


def parse_close_payload(payload: ReadableBuffer) -> tuple[int, str]:
    """``(code, reason)`` from a CLOSE payload; ``ProtocolError`` if the peer broke the rules."""
    with byte_view(payload) as view:
        if not view:
            return 1005, ""
        code, reason = _check_close_prefix(view, True)
    assert code is not None and reason is not None
    return code, reason


def _check_close_prefix(view: memoryview | bytes | bytearray, final: bool) -> tuple[int | None, str | None]:
    """Check the part of a CLOSE payload that has arrived; the code and the
    reason when ``final`` (the same checks, in payload order, either way)."""
    if len(view) == 1:
        if final:
            raise protocol_error("close_one_byte")
        return None, None
    code = view[0] << 8 | view[1]
    if not is_sendable_close_code(code):
        raise protocol_error("close_code_not_sendable", code=code)
    if final:
        try:
            return code, bytes(view)[2:].decode()
        except UnicodeDecodeError:
            raise protocol_error("close_reason_invalid") from None
    if not Utf8Validator().feed(bytes(view)[2:]):
        raise protocol_error("close_reason_invalid")
    return code, None


def encode_close_payload(code: int, reason: str = "") -> bytes:
    """The payload of a CLOSE frame; ``ValueError`` for what may not be sent."""
    check_close_code(code)
    check_close_reason(reason)
    payload = code.to_bytes(2, "big") + reason.encode("utf-8")
    if len(payload) > CONTROL_MAX_PAYLOAD:
        raise close_reason_too_long(len(payload) - 2)
    return payload
