"""The rules both backends enforce, written once.

Argument checks, limits and the text of every error live here, and both
``wscodec._native`` and ``wscodec._pure`` call into this module on their
cold paths (constructors, a bad argument, a frame that breaks a rule); the
hot loops stay in each backend.  So the two backends raise the same
exception, with the same words, for the same input.  docs/codec-rules.md
explains the rules; docs/api.md lists what a caller may pass.
"""

from __future__ import annotations

import operator

from ._types import CONTROL_MAX_PAYLOAD, CloseCode, Opcode, ProtocolError, is_sendable_close_code

__all__ = [
    "NO_LIMIT",
    "SENDABLE_OPCODES",
    "check_limit",
    "check_encoder_frame_size",
    "role_is_server",
    "opcode_to_send",
    "check_control_payload",
    "control_not_fragmented",
    "mask_length",
    "mask_phase",
    "frame_opcode",
    "message_opcode",
    "check_close_code",
    "check_close_reason",
    "close_reason_too_long",
    "close_reason_without_code",
    "not_a_str",
    "protocol_error",
    "already_failed",
    "PROTOCOL_ERRORS",
    "not_writable",
    "not_a_buffer",
]

#: Any limit at or over this is no limit: no frame can declare more than
#: 2**63 - 1 bytes (the top bit of the 64-bit length must be clear).
NO_LIMIT = 0x7FFFFFFFFFFFFFFF

#: Opcodes encode_frame sends (RFC 6455 section 5.2, 11.8).
SENDABLE_OPCODES = frozenset(int(op) for op in Opcode)

_MESSAGE_OPCODES = {op: op for op in Opcode if op is not Opcode.CONTINUATION}
_PROTOCOL_ERROR = int(CloseCode.PROTOCOL_ERROR)
_INVALID_DATA = int(CloseCode.INVALID_DATA)
_TOO_BIG = int(CloseCode.MESSAGE_TOO_BIG)


def _type_name(value: object) -> str:
    return type(value).__name__


def _is_int(value: object) -> bool:
    # bool is an int subclass, but True as a size or an opcode is a bug.
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------


def role_is_server(role: object) -> bool:
    """True for "server", False for "client", else ValueError."""
    if role == "server":
        return True
    if role == "client":
        return False
    raise ValueError(f"role must be 'server' or 'client', not {role!r}")


def check_limit(name: str, value: object) -> int | None:
    """A decoder limit: None (no limit) or an int >= 0.

    Returns None for no limit, including any value from NO_LIMIT on, which
    no frame or message can reach.
    """
    if value is None:
        return None
    if not _is_int(value):
        raise TypeError(f"{name} must be None or an int, not {_type_name(value)}")
    assert isinstance(value, int)
    if value < 0:
        raise ValueError(f"{name} must be None or >= 0, not {value}")
    return None if value >= NO_LIMIT else value


def check_encoder_frame_size(value: object) -> int | None:
    """MessageEncoder's max_frame_size: None or an int >= 1 (0 would leave
    no room for any payload byte)."""
    if value is None:
        return None
    if not _is_int(value):
        raise TypeError(f"max_frame_size must be None or an int, not {_type_name(value)}")
    assert isinstance(value, int)
    if value < 1:
        raise ValueError(f"max_frame_size must be None or >= 1, not {value}")
    return min(value, NO_LIMIT)


def opcode_to_send(opcode: object) -> int:
    """The value of an opcode encode_frame may send: TypeError for a
    non-int, ValueError for a value that is no known opcode."""
    if not _is_int(opcode):
        raise TypeError(f"opcode must be an int, not {_type_name(opcode)}")
    assert isinstance(opcode, int)
    if opcode not in SENDABLE_OPCODES:
        raise ValueError(f"unknown opcode {opcode!r}")
    return int(opcode)


def check_control_payload(length: int) -> None:
    if length > CONTROL_MAX_PAYLOAD:
        raise ValueError(f"control frame payload of {length} bytes (at most {CONTROL_MAX_PAYLOAD})")


def mask_phase(offset: object) -> int:
    """``offset % 4`` for mask_inplace: any int, however large or negative;
    TypeError for anything that is not an integer."""
    try:
        return operator.index(offset) % 4  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"offset must be an int, not {_type_name(offset)}") from None


def frame_opcode(opcode: object) -> int:
    """Frame(opcode): any int 0-15, so tests can build reserved frames."""
    if not _is_int(opcode):
        raise TypeError(f"opcode must be an int, not {_type_name(opcode)}")
    assert isinstance(opcode, int)
    if not 0 <= opcode <= 15:
        raise ValueError(f"opcode must be 0-15, not {opcode}")
    return opcode


def message_opcode(opcode: object) -> Opcode:
    """Message(opcode): the Opcode member of any opcode but CONTINUATION."""
    try:
        return _MESSAGE_OPCODES[opcode]  # type: ignore[index]
    except (KeyError, TypeError):
        raise ValueError(f"not a message opcode: {opcode!r}") from None


def check_close_code(code: object) -> int:
    """A close code that may be sent on the wire (RFC 6455 section 7.4)."""
    if not _is_int(code):
        raise TypeError(f"close code must be an int, not {_type_name(code)}")
    assert isinstance(code, int)
    if not is_sendable_close_code(code):
        raise ValueError(f"close code {code} may not be sent on the wire")
    return code


def check_close_reason(reason: object) -> str:
    if not isinstance(reason, str):
        raise TypeError(f"close reason must be a str, not {_type_name(reason)}")
    return reason


# The functions below return the exception of a broken rule, for the caller
# to raise (so that both the reader and the type checker see the raise).


def control_not_fragmented() -> Exception:
    return ValueError("control frames cannot be fragmented")


def mask_length(length: int) -> Exception:
    return ValueError(f"mask must be exactly 4 bytes, not {length}")


def close_reason_too_long(length: int) -> Exception:
    return ValueError(f"close reason too long: {length} bytes (at most {CONTROL_MAX_PAYLOAD - 2})")


def close_reason_without_code() -> Exception:
    return ValueError("a close reason needs a close code")


def not_a_str(data: object) -> Exception:
    return TypeError(f"text() takes a str, not {_type_name(data)}")


def not_a_buffer(obj: object) -> Exception:
    # CPython's own words, which the native backend's buffer requests raise.
    return TypeError(f"a bytes-like object is required, not '{_type_name(obj)}'")


def not_writable(buf: object) -> Exception:
    return TypeError(f"mask_inplace needs a writable buffer, not {_type_name(buf)}")


# ---------------------------------------------------------------------------
# ProtocolError: every rule of docs/codec-rules.md, its text and close code
# ---------------------------------------------------------------------------

#: rule name -> (message, close code); the names with a placeholder are
#: filled in by protocol_error's keyword arguments.
PROTOCOL_ERRORS: dict[str, tuple[str, int]] = {
    # Frame header, step 1: byte 0
    "rsv2_rsv3": ("RSV2 or RSV3 set", _PROTOCOL_ERROR),
    "rsv1_not_negotiated": ("RSV1 set without a negotiated extension", _PROTOCOL_ERROR),
    "reserved_opcode": ("reserved opcode {opcode}", _PROTOCOL_ERROR),
    "fragmented_control": ("fragmented control frame", _PROTOCOL_ERROR),
    # step 2: byte 1
    "unmasked_from_client": ("unmasked frame from a client", _PROTOCOL_ERROR),
    "masked_from_server": ("masked frame from a server", _PROTOCOL_ERROR),
    "control_too_long": ("control frame payload over 125 bytes", _PROTOCOL_ERROR),
    # step 3: extended length
    "length_top_bit": ("64-bit payload length with the top bit set", _PROTOCOL_ERROR),
    # step 4
    "frame_too_big": ("frame of {length} bytes over the {limit}-byte limit", _TOO_BIG),
    # step 5: MessageDecoder, from the header
    "rsv1_on_control": ("RSV1 set on a control frame", _PROTOCOL_ERROR),
    "close_one_byte": ("close frame with a 1-byte payload", _PROTOCOL_ERROR),
    "data_while_fragmented": ("new data frame while a fragmented message is unfinished", _PROTOCOL_ERROR),
    "rsv1_on_continuation": ("RSV1 set on a continuation frame", _PROTOCOL_ERROR),
    "continuation_without_start": ("continuation frame with no message started", _PROTOCOL_ERROR),
    "message_too_big": ("message over the {limit}-byte limit", _TOO_BIG),
    # payloads
    "invalid_text": ("invalid UTF-8 in a text message", _INVALID_DATA),
    "text_ends_mid_character": ("text message ends mid-character", _INVALID_DATA),
    "corrupt_deflate": ("corrupt deflate data", _INVALID_DATA),
    "close_code_not_sendable": ("close code {code} may not be sent on the wire", _PROTOCOL_ERROR),
    "close_reason_invalid": ("close reason is not valid UTF-8", _INVALID_DATA),
}


def protocol_error(rule: str, **values: object) -> ProtocolError:
    """The ProtocolError of a rule of PROTOCOL_ERRORS, to be raised;
    ``values`` fill in the placeholders of its text."""
    text, code = PROTOCOL_ERRORS[rule]
    return ProtocolError(text.format(**values) if values else text, code)


def already_failed(close_code: int) -> ProtocolError:
    """What every feed of a decoder that raised raises again."""
    return ProtocolError(f"decoder already failed with close code {close_code}", close_code)
