"""Types shared by both backends.

They live in one place so that ``except wscodec.ProtocolError`` and
``msg.opcode == Opcode.TEXT`` mean the same thing whichever backend
produced the error or the message.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

__all__ = [
    "Opcode",
    "CloseCode",
    "ProtocolError",
    "is_sendable_close_code",
    "CONTROL_MAX_PAYLOAD",
    "DEFAULT_MAX_MESSAGE_SIZE",
]

#: RFC 6455 section 5.5: control frames carry at most 125 bytes.
CONTROL_MAX_PAYLOAD = 125

#: A finite default protects users who never set a limit (websockets: 1 MiB).
DEFAULT_MAX_MESSAGE_SIZE = 1 << 20


class Opcode(IntEnum):
    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


class CloseCode(IntEnum):
    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    NO_STATUS_RCVD = 1005
    ABNORMAL_CLOSURE = 1006
    INVALID_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXTENSION = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE = 1015


class ProtocolError(Exception):
    """The peer broke RFC 6455; close the connection with ``close_code``.

    ``completed`` holds the frames or messages that the failing ``feed``
    call had fully decoded before it met the error, so nothing the peer
    sent correctly is lost.
    """

    def __init__(self, message: str, close_code: int = CloseCode.PROTOCOL_ERROR, completed: list[Any] | None = None) -> None:
        super().__init__(message)
        self.close_code = int(close_code)
        self.completed: list[Any] = [] if completed is None else completed

    def __reduce__(self) -> tuple[type[ProtocolError], tuple[str, int, list[Any]]]:
        return (type(self), (self.args[0] if self.args else "", self.close_code, self.completed))


def is_sendable_close_code(code: int) -> bool:
    """True for codes that may appear in a close frame on the wire.

    RFC 6455 section 7.4 and the IANA registry: 1000-1003 and 1007-1014 are
    defined, 3000-4999 belong to libraries and applications; 1004-1006 and
    1015 are reserved for local use and everything else is unassigned.
    """
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999
