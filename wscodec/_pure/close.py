"""CLOSE payloads, received and sent (twin: _native/close.pxi): a status code
(RFC 6455 section 7.4) and a UTF-8 reason, 125 bytes in all."""

from .._types import CONTROL_MAX_PAYLOAD, CloseCode, ProtocolError, is_sendable_close_code
from ._buffers import byte_view
from .utf8 import Utf8Validator

__all__ = ["parse_close_payload", "encode_close_payload"]

_PROTOCOL_ERROR = CloseCode.PROTOCOL_ERROR
_INVALID_DATA = CloseCode.INVALID_DATA


def parse_close_payload(payload):
    """``(code, reason)`` from a CLOSE payload; ``ProtocolError`` if the peer broke the rules."""
    view = byte_view(payload)
    if not view:
        return 1005, ""
    return _check_close_prefix(view, True)


def _check_close_prefix(view, final):
    """Check the part of a CLOSE payload that has arrived; the code and the
    reason when ``final`` (the same checks, in payload order, either way)."""
    if len(view) == 1:
        if final:
            raise ProtocolError("close frame with a 1-byte payload", _PROTOCOL_ERROR)
        return None, None
    code = view[0] << 8 | view[1]
    if not is_sendable_close_code(code):
        raise ProtocolError(f"close code {code} may not be sent on the wire", _PROTOCOL_ERROR)
    if final:
        try:
            return code, bytes(view[2:]).decode()
        except UnicodeDecodeError:
            raise ProtocolError("close reason is not valid UTF-8", _INVALID_DATA) from None
    if not Utf8Validator().feed(view[2:]):
        raise ProtocolError("close reason is not valid UTF-8", _INVALID_DATA)
    return code, None


def encode_close_payload(code, reason=""):
    """The payload of a CLOSE frame; ``ValueError`` for what may not be sent."""
    if not isinstance(code, int) or isinstance(code, bool):
        raise TypeError(f"close code must be an int, not {type(code).__name__}")
    if not is_sendable_close_code(code):
        raise ValueError(f"close code {code} may not be sent on the wire")
    if not isinstance(reason, str):
        raise TypeError(f"close reason must be a str, not {type(reason).__name__}")
    payload = code.to_bytes(2, "big") + reason.encode("utf-8")
    if len(payload) > CONTROL_MAX_PAYLOAD:
        raise ValueError(f"close reason too long: {len(payload) - 2} bytes (at most {CONTROL_MAX_PAYLOAD - 2})")
    return payload
