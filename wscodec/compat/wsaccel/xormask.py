"""wsaccel.xormask: streaming maskers that return ``bytes``."""

from ... import Masker

__all__ = ["XorMaskerNull", "XorMaskerSimple", "createXorMasker"]


def _bytes_view(data):
    view = memoryview(data)
    if view.itemsize != 1:
        raise ValueError(f"Buffer dtype mismatch, expected 'const unsigned char' but got {view.format!r}")
    return view if view.c_contiguous else view.tobytes()


class XorMaskerNull:
    """No mask: ``process`` returns its argument and counts its length."""

    __slots__ = ("_ptr",)

    def __init__(self, mask=None):
        self._ptr = 0

    def pointer(self):
        return self._ptr

    def reset(self):
        self._ptr = 0

    def process(self, data):
        self._ptr += len(data)
        return data


class XorMaskerSimple:
    """XOR with a 4-byte mask, continuing where the previous call stopped."""

    __slots__ = ("_mask", "_masker", "_ptr")

    def __init__(self, mask):
        if type(mask) is not bytes:
            mask = bytes(_bytes_view(mask))
        if len(mask) != 4:
            raise ValueError("mask should be 4byte.")
        self._mask = mask
        self._masker = Masker(self._mask)
        self._ptr = 0

    def pointer(self):
        return self._ptr

    def reset(self):
        self._masker = Masker(self._mask)
        self._ptr = 0

    def process(self, data):
        if type(data) is not bytes:
            data = _bytes_view(data)
        self._ptr += len(data)
        return self._masker.process(data)


def createXorMasker(mask, len=None):  # noqa: A002 - wsaccel's signature
    return XorMaskerSimple(mask)
