"""Strict UTF-8 validation (RFC 3629) on top of CPython's own decoder."""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

from .._misuse import InitGuard
from ._buffers import byte_view

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["validate_utf8", "decode_utf8", "Utf8Validator", "incomplete_tail_is_possible"]

_decode = codecs.utf_8_decode
_WINDOW = 256 * 1024


def validate_utf8(data: ReadableBuffer) -> bool:
    """True if ``data`` is complete, valid UTF-8."""
    with byte_view(data) as view:
        try:
            _decode(view, "strict", True)
        except UnicodeDecodeError:
            return False
    return True


def decode_utf8(data: ReadableBuffer, /) -> str:
    """``bytes(data).decode("utf-8")`` for any buffer; invalid input raises
    UnicodeDecodeError."""
    # codecs' decoder, not str(view, "utf-8"): PyPy's str() accepts encoded
    # UTF-16 surrogates (ED A0 80) and words its errors unlike bytes.decode.
    with byte_view(data) as view:
        return _decode(view, "strict", True)[0]


def incomplete_tail_is_possible(tail: bytes) -> bool:
    """Can ``tail`` (1-3 bytes left over by a non-final decode) still grow
    into a valid character?

    CPython's incremental decoder already rejects most impossible prefixes
    (E0 80, F4 90, F5...), but it holds back ED A0-BF, the start of a UTF-16
    surrogate, until the third byte arrives.  Fail fast on it here.
    """
    return not (len(tail) >= 2 and tail[0] == 0xED and tail[1] > 0x9F)


class Utf8Validator(InitGuard):
    """Incremental validator: ``feed`` fails as soon as the input is impossible."""

    __slots__ = ("_pending", "_valid")

    def __init__(self) -> None:
        self._pending = b""
        self._valid = True

    def feed(self, data: ReadableBuffer) -> bool:
        valid = self._valid  # the not-initialised error comes first, as in the native backend
        with byte_view(data) as view:
            if not valid:
                return False
            if len(view) <= _WINDOW:
                return self._feed(view)
            # CPython's decoder builds a str that is thrown away: in windows, a
            # huge input costs at most a window of extra memory, not its size.
            for start in range(0, len(view), _WINDOW):
                with view[start : start + _WINDOW] as window:
                    if not self._feed(window):
                        return False
            return True

    def _feed(self, view: memoryview | bytes) -> bool:
        if not self._valid:
            return False
        chunk = self._pending + view if self._pending else view
        try:
            _, consumed = _decode(chunk, "strict", False)
        except UnicodeDecodeError:
            self._valid = False
            return False
        tail = chunk[consumed:]
        self._pending = bytes(tail)
        if type(tail) is memoryview:
            tail.release()
        if self._pending and not incomplete_tail_is_possible(self._pending):
            self._valid = False
        return self._valid

    def finish(self) -> bool:
        return self._valid and not self._pending

    def reset(self) -> None:
        self._pending = b""
        self._valid = True

    def __repr__(self) -> str:
        try:
            valid, pending = self._valid, self._pending
        except RuntimeError:
            return "<Utf8Validator not initialised>"
        if not valid:
            return "<Utf8Validator invalid>"
        return "<Utf8Validator mid-character>" if pending else "<Utf8Validator valid>"
