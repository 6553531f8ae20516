"""Type stubs for the compiled module ``wscodec._native._codec``.

Frame and message encoding/decoding (RFC 6455, RFC 7692); the behaviour is
pinned by ``docs/codec-rules.md`` and shared with ``wscodec._pure``.  Every
``data``/``payload`` argument takes any C-contiguous buffer.
"""

from typing import ClassVar, Literal, TypeAlias, final

from _typeshed import ReadableBuffer

from .._types import Opcode
from ..deflate import PerMessageDeflate

__all__ = [
    "Frame",
    "FrameDecoder",
    "Message",
    "MessageDecoder",
    "MessageEncoder",
    "encode_close_payload",
    "encode_frame",
    "parse_close_payload",
]

_Role: TypeAlias = Literal["server", "client"]

def _simd_name() -> str: ...
def _select_simd(name: str) -> None: ...

@final
class Frame:
    """One frame; ``payload`` is already unmasked.  Equal by value, not hashable."""

    # An Opcode member for known opcodes; the constructor accepts any int 0-15.
    opcode: Opcode | int
    payload: bytes
    fin: bool
    rsv1: bool
    rsv2: bool
    rsv3: bool
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __init__(
        self,
        opcode: int,
        payload: ReadableBuffer = b"",
        fin: bool = True,
        rsv1: bool = False,
        rsv2: bool = False,
        rsv3: bool = False,
    ) -> None: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Message:
    """A whole message: ``data`` is ``str`` for TEXT (with ``decode_text=True``), else ``bytes``.

    ``close_code``/``close_reason`` are set for CLOSE and None otherwise.
    """

    opcode: Opcode
    data: str | bytes
    close_code: int | None
    close_reason: str | None
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __init__(
        self,
        opcode: int,
        data: str | bytes,
        close_code: int | None = None,
        close_reason: str | None = None,
    ) -> None: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class FrameDecoder:
    def __init__(
        self,
        *,
        role: _Role = "server",
        max_frame_size: int | None = None,
        allow_rsv1: bool = False,
    ) -> None: ...
    def get_buffer(self, sizehint: int = -1) -> memoryview:
        """asyncio.BufferedProtocol: a buffer to read into; one buffer_updated() must follow."""
    def buffer_updated(self, nbytes: int) -> list[Frame]:
        """asyncio.BufferedProtocol: decode the first ``nbytes`` of the buffer."""
    def feed(self, data: ReadableBuffer) -> list[Frame]:
        """All frames completed by ``data``; ProtocolError if the peer broke RFC 6455."""

@final
class MessageDecoder:
    def __init__(
        self,
        *,
        role: _Role = "server",
        max_message_size: int | None = 1048576,
        max_frame_size: int | None = None,
        deflate: PerMessageDeflate | None = None,
        decode_text: bool = True,
    ) -> None: ...
    def get_buffer(self, sizehint: int = -1) -> memoryview:
        """asyncio.BufferedProtocol: a buffer to read into; one buffer_updated() must follow."""
    def buffer_updated(self, nbytes: int) -> list[Message]:
        """asyncio.BufferedProtocol: decode the first ``nbytes`` of the buffer."""
    def feed(self, data: ReadableBuffer) -> list[Message]:
        """All messages (and control frames) completed by ``data``; ProtocolError on a violation."""

def encode_frame(
    opcode: int,
    payload: ReadableBuffer = b"",
    *,
    fin: bool = True,
    rsv1: bool = False,
    mask: ReadableBuffer | bool | None = None,
) -> bytes:
    """One frame, shortest length form; ``mask=True`` masks with a fresh random key."""

@final
class MessageEncoder:
    def __init__(
        self,
        *,
        role: _Role = "server",
        max_frame_size: int | None = None,
        deflate: PerMessageDeflate | None = None,
    ) -> None: ...
    def text(self, data: str) -> bytes: ...
    def binary(self, data: ReadableBuffer) -> bytes: ...
    def ping(self, data: ReadableBuffer = b"") -> bytes: ...
    def pong(self, data: ReadableBuffer = b"") -> bytes: ...
    def close(self, code: int | None = 1000, reason: str = "") -> bytes: ...

def encode_close_payload(code: int, reason: str = "") -> bytes: ...
def parse_close_payload(payload: ReadableBuffer) -> tuple[int, str]: ...
