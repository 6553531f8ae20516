"""Type stubs for the compiled module ``wscodec._native._speedups``.

Masking (RFC 6455 section 5.3) and UTF-8 validation (RFC 3629) over the SIMD
C core.  Every ``data``/``mask`` argument takes any C-contiguous buffer
(``bytes``, ``bytearray``, ``memoryview``, ``array``, ``mmap``).
"""

from typing import final

from _typeshed import ReadableBuffer, WriteableBuffer

def _simd_name() -> str: ...
def _select_simd(name: str) -> None: ...
def apply_mask(data: ReadableBuffer, mask: ReadableBuffer) -> bytes:
    """``data`` XOR the 4-byte ``mask`` repeated; a mask of another length is ValueError."""

def mask_inplace(buf: WriteableBuffer, mask: ReadableBuffer, offset: int = 0) -> int:
    """XOR ``buf`` in place from mask byte ``offset % 4``; returns ``(offset + len(buf)) % 4``."""

@final
class Masker:
    """Streaming masker: ``process`` keeps the mask position across calls."""

    def __init__(self, mask: ReadableBuffer) -> None: ...
    def process(self, data: ReadableBuffer) -> bytes: ...

def validate_utf8(data: ReadableBuffer) -> bool:
    """True if ``data`` is complete, valid UTF-8."""

def decode_utf8(data: ReadableBuffer) -> str:
    """``bytes(data).decode("utf-8")`` by the SIMD transcoder; same result, same errors."""

@final
class Utf8Validator:
    """Incremental validator: ``feed`` fails as soon as the input is impossible."""

    def __init__(self) -> None: ...
    def feed(self, data: ReadableBuffer) -> bool: ...
    def finish(self) -> bool: ...
    def reset(self) -> None: ...
