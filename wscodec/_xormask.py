"""wsaccel's streaming maskers, which return ``bytes``: exported by
``wscodec.compat.wsaccel.xormask``, and autobahn's masker in its drop-in,
``wscodec.integrations.autobahn``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from . import Masker

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, SizedBuffer

_B = TypeVar("_B", bound="SizedBuffer")

__all__ = ["XorMaskerNull", "XorMaskerSimple", "createXorMasker"]


def _bytes_view(data: ReadableBuffer) -> memoryview | bytes:
    view = memoryview(data)
    if view.itemsize != 1:
        raise ValueError(f"Buffer dtype mismatch, expected 'const unsigned char' but got {view.format!r}")
    return view if view.c_contiguous else view.tobytes()


class XorMaskerNull:
    """No mask: ``process`` returns its argument and counts its length."""

    __slots__ = ("_ptr",)

    def __init__(self, mask: ReadableBuffer | None = None) -> None:
        self._ptr = 0

    def pointer(self) -> int:
        return self._ptr

    def reset(self) -> None:
        self._ptr = 0

    def process(self, data: _B) -> _B:
        self._ptr += len(data)
        return data


class XorMaskerSimple:
    """XOR with a 4-byte mask, continuing where the previous call stopped."""

    __slots__ = ("_mask", "_masker", "_ptr")

    def __init__(self, mask: ReadableBuffer) -> None:
        if type(mask) is not bytes:
            mask = bytes(_bytes_view(mask))
        if len(mask) != 4:
            raise ValueError("mask should be 4byte.")
        self._mask = mask
        self._masker = Masker(self._mask)
        self._ptr = 0

    def pointer(self) -> int:
        return self._ptr

    def reset(self) -> None:
        self._masker = Masker(self._mask)
        self._ptr = 0

    def process(self, data: ReadableBuffer) -> bytes:
        if type(data) is not bytes:
            data = _bytes_view(data)
        self._ptr += len(data)
        return self._masker.process(data)


def createXorMasker(  # noqa: A002 - wsaccel's signature
    mask: ReadableBuffer, len: int | None = None
) -> XorMaskerSimple:
    return XorMaskerSimple(mask)
