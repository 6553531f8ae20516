"""wscodec drop-in for wsproto (and so for uvicorn's ``--ws wsproto``).

Replaced: ``wsproto.frame_protocol.XorMaskerSimple``, the class that
unmasks every received payload of a server and masks every payload a
client sends, by a class with the same constructor, the same
``_masking_key`` attribute (rotated the same way across calls) and the same
``process(data) -> bytearray``, which masks in C (SIMD) instead of four
``bytearray.translate`` passes.

Not replaced: wsproto's frame parser and its UTF-8 checks.  The parser
emits partial data-frame events as bytes arrive and turns its error texts
into close reasons; wscodec's decoder works on whole frames and words its
errors differently, so swapping it would change what applications see.
Text is decoded by CPython's incremental UTF-8 decoder, already C.
So the gain is on payload bytes (large frames), little on small frames.

Checked before installing: ``XorMaskerSimple`` takes the same constructor
arguments, and a masker of it gives the same ``bytearray`` and the same
rotated ``_masking_key`` after each of a few chunks (and the same
exception type for a 3-byte key) as this one.  Any wsproto 1.x that passes
gets the drop-in; wsproto 2 is refused until it has been seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import mask_inplace
from ._support import Integration, Swap, behaves_like

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["SUPPORTED_VERSIONS", "XorMaskerSimple", "install", "uninstall", "is_installed", "installed_version"]

SUPPORTED_VERSIONS = ">=1.3,<2"


class XorMaskerSimple:
    """wsproto's streaming masker: ``process`` returns a new bytearray and
    continues the key where the previous call stopped."""

    def __init__(self, masking_key: bytes) -> None:
        self._masking_key = masking_key

    def process(self, data: ReadableBuffer) -> bytearray:
        data = bytearray(data)
        if data:
            key = self._masking_key
            mask_inplace(data, key)
            # The key is kept rotated, as wsproto does, so code that reads
            # _masking_key between calls sees the same value.
            rotation = len(data) % 4
            self._masking_key = key[rotation:] + key[:rotation]
        return data


def _mask_chunks(masker_class: type, args: tuple[bytes, list[bytes]]) -> list[tuple[bytearray, bytes]]:
    key, chunks = args
    masker = masker_class(key)
    return [(masker.process(chunk), masker._masking_key) for chunk in chunks]


_integration = Integration(
    "wsproto", SUPPORTED_VERSIONS,
    lambda: [Swap(
        "wsproto.frame_protocol", "XorMaskerSimple", XorMaskerSimple,
        check=behaves_like(
            (b"\x01\x02\x03\x04", [b"hello", b"", bytes(range(256)), b"xy"]),
            (b"abc", [b"hello"]),
            run=_mask_chunks,
        ),
    )],
)
install, uninstall, is_installed, installed_version = _integration.exports()
