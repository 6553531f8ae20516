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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import mask_inplace
from ._support import Integration, Swap

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["TESTED_VERSIONS", "XorMaskerSimple", "install", "uninstall", "is_installed", "installed_version"]

TESTED_VERSIONS = ">=1.3,<1.4"


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


_integration = Integration(
    "wsproto", TESTED_VERSIONS,
    lambda: [Swap("wsproto.frame_protocol", "XorMaskerSimple", XorMaskerSimple)],
)
install = _integration.install
uninstall = _integration.uninstall
is_installed = _integration.is_installed
installed_version = _integration.installed_version
