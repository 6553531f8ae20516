"""Type stubs for the compiled module ``wscodec._native._ext``.

Masking (RFC 6455 section 5.3), UTF-8 validation (RFC 3629) and frame and
message encoding/decoding (RFC 6455, RFC 7692) over the SIMD C core; the
behaviour is pinned by ``docs/codec-rules.md`` and shared with
``wscodec._pure``.  Every ``data``/``mask``/``payload`` argument takes any
C-contiguous buffer (``bytes``, ``bytearray``, ``memoryview``, ``array``,
``mmap``).
"""

from typing import ClassVar, Literal, TypeAlias, final

from _typeshed import ReadableBuffer, WriteableBuffer

from .._types import Opcode
from ..deflate import PerMessageDeflate

_Role: TypeAlias = Literal["server", "client"]

def _simd_name() -> str: ...
def _select_simd(name: str) -> None: ...

# -- masking.pxi, utf8.pxi

def apply_mask(data: ReadableBuffer, mask: ReadableBuffer) -> bytes:
    """``data`` XOR the 4-byte ``mask`` repeated; a mask of another length is ValueError."""

def mask_inplace(buf: WriteableBuffer, mask: ReadableBuffer, offset: int = 0) -> int:
    """XOR ``buf`` in place from mask byte ``offset % 4``; returns ``(offset + len(buf)) % 4``."""

@final
class Masker:
    """Streaming masker: ``process`` keeps the mask position across calls."""

    def __init__(self, mask: ReadableBuffer) -> None: ...
    def process(self, data: ReadableBuffer) -> bytes: ...

def decode_utf8(data: ReadableBuffer, /) -> str:
    """``bytes(data).decode("utf-8")`` by the SIMD transcoder; same result, same errors."""

def validate_utf8(data: ReadableBuffer) -> bool:
    """True if ``data`` is complete, valid UTF-8."""

@final
class Utf8Validator:
    """Incremental validator: ``feed`` fails as soon as the input is impossible."""

    def __init__(self) -> None: ...
    def feed(self, data: ReadableBuffer) -> bool: ...
    def finish(self) -> bool: ...
    def reset(self) -> None: ...

# -- values.pxi, decoder.pxi, encoder.pxi, close.pxi

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
        """asyncio.BufferedProtocol: a buffer to read into (in a long payload, its rest); buffer_updated() follows."""
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
        """asyncio.BufferedProtocol: a buffer to read into (in a long payload, its rest); buffer_updated() follows."""
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
