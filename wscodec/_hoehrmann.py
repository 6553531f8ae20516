"""Bjoern Hoehrmann's UTF-8 DFA: the incremental validator that autobahn and
wsaccel share, with the same public state.  ``wscodec.compat.wsaccel``
exports it as ``utf8validator.Utf8Validator`` and the autobahn drop-in,
``wscodec.integrations.autobahn``, installs it.

The bytes themselves go through wscodec's validator (SIMD in the native
backend); the DFA is only stepped, in Python, over the at most three bytes
of a character that spans two chunks and over the few bytes around a
failure, which is what makes its reported indices and ``state`` exact.
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

from . import Utf8Validator as _FastValidator
from ._xormask import _bytes_view

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["Utf8Validator"]

_ACCEPT, _REJECT = 0, 1


def _byte_class(b: int) -> int:
    """The DFA's character class of byte ``b`` (its codepoint formula keeps
    ``0xff >> class`` bits of a lead byte)."""
    if b < 0x80:
        return 0
    if b < 0x90:
        return 1
    if b < 0xA0:
        return 9
    if b < 0xC0:
        return 7
    if b < 0xC2 or b > 0xF4:
        return 8
    if b < 0xE0:
        return 2
    if b == 0xE0:
        return 10
    if b == 0xED:
        return 4
    if b < 0xF0:
        return 3
    if b == 0xF0:
        return 11
    if b == 0xF4:
        return 5
    return 6  # F1-F3


# From ACCEPT, a lead byte's class picks the state that says what must follow.
_LEAD_STATE: dict[int, int] = {0: 0, 2: 2, 3: 3, 4: 5, 5: 8, 6: 7, 10: 4, 11: 6}
# Per state: the continuation classes it accepts, and the state they lead to.
# 2: one more of 80-BF; 3: two more; 4: E0 then A0-BF (no overlong);
# 5: ED then 80-9F (no surrogate); 6: F0 then 90-BF (no overlong);
# 7: F1-F3 then any; 8: F4 then 80-8F (nothing above U+10FFFF).
_ANY: tuple[int, ...] = (1, 7, 9)
_CONTINUE: dict[int, tuple[tuple[int, ...], int]] = {
    2: (_ANY, 0), 3: (_ANY, 2), 4: ((7,), 2), 5: ((1, 9), 2), 6: ((7, 9), 3), 7: (_ANY, 3), 8: ((1,), 3),
}

_CLASS = bytes(_byte_class(b) for b in range(256))


def _step(state: int, cls: int) -> int:
    if state == _ACCEPT:
        return _LEAD_STATE.get(cls, _REJECT)
    if state == _REJECT:
        return _REJECT
    classes, nxt = _CONTINUE[state]
    return nxt if cls in classes else _REJECT


_TABLE = [bytes(_step(state, _CLASS[b]) for b in range(256)) for state in range(9)]


def _run(state: int, data: bytes | memoryview, start: int = 0) -> tuple[int, int | None]:
    """Step the DFA over ``data[start:]``; returns (state, index of the
    rejecting byte or None)."""
    for i in range(start, len(data)):
        state = _TABLE[state][data[i]]
        if state == _REJECT:
            return state, i
    return state, None


def _open_sequence_start(data: bytes | memoryview) -> int:
    """Index where a character left unfinished at the end of valid
    ``data`` starts, or len(data) when ``data`` ends on a boundary."""
    n = len(data)
    for k in range(1, min(3, n) + 1):
        b = data[n - k]
        if b < 0x80 or b >= 0xC0:  # not a continuation byte: a lead or ASCII
            need = 2 if 0xC0 <= b < 0xE0 else 3 if 0xE0 <= b < 0xF0 else 4 if b >= 0xF0 else 1
            return n - k if need > k else n
    return n


def _failure_index(data: bytes) -> int:
    """Index of the byte where the DFA rejects ``data`` (known invalid,
    starting at a character boundary)."""
    try:
        codecs.utf_8_decode(data, "strict", False)
    except UnicodeDecodeError as exc:
        start = exc.start  # a character boundary: everything before is valid
    else:
        # CPython holds back an unfinished ED A0-BF (a surrogate) that the
        # DFA rejects at once.
        start = _open_sequence_start(data)
    state, index = _run(_ACCEPT, data, start)
    if index is None:  # cannot happen for invalid input; never guess
        raise AssertionError("UTF-8 validators disagree")
    return index


class Utf8Validator:
    """Incremental UTF-8 validator with wsaccel's (and autobahn's) API.

    ``validate(buf)`` returns ``(valid, ends_on_codepoint, index, total)``:
    on success ``index`` is ``len(buf)``; on failure it is the index in
    ``buf`` of the byte that made the input invalid, and ``total`` counts
    the bytes before it over every call since ``reset()``.  A rejection is
    sticky: later calls fail at index 0 until ``reset()`` (except for an
    empty chunk, which wsaccel reports as valid).
    """

    UTF8_ACCEPT = _ACCEPT
    UTF8_REJECT = _REJECT

    __slots__ = ("state", "codepoint", "i", "_fast")

    def __init__(self) -> None:
        self._fast = _FastValidator()
        self.reset()

    def reset(self) -> None:
        self.state = _ACCEPT
        self.codepoint = 0
        self.i = 0

    def decode(self, b: int) -> int:
        """Eat one byte; returns the new state (0: a character is complete,
        1: invalid, anything else: more bytes needed)."""
        if not 0 <= b <= 0xFF:
            raise ValueError(f"byte must be in range(0, 256), not {b!r}")
        cls = _CLASS[b]
        if self.state != _ACCEPT:
            codepoint = (b & 0x3F) | (self.codepoint << 6)
        else:
            codepoint = (0xFF >> cls) & b
        # wsaccel keeps the codepoint in a C int.
        codepoint &= 0xFFFFFFFF
        self.codepoint = codepoint - (1 << 32) if codepoint >= 1 << 31 else codepoint
        self.state = _TABLE[self.state][b]
        return self.state

    def validate(self, buf: ReadableBuffer) -> tuple[bool, bool, int, int]:
        data = buf if type(buf) is bytes else _bytes_view(buf)
        n = len(data)
        state, start = self.state, 0
        if not n:
            # wsaccel's loop does not run: even a rejected stream says True.
            return True, state == _ACCEPT, 0, self.i
        if state != _ACCEPT:
            # Finish the character begun in an earlier chunk byte by byte.
            while start < n and state not in (_ACCEPT, _REJECT):
                state = _TABLE[state][data[start]]
                start += 1
            if state == _REJECT:
                return self._reject(start - 1 if start else 0)
            if state != _ACCEPT:
                self.state = state
                self.i += n
                return True, False, n, self.i
        fast = self._fast
        fast.reset()
        if not fast.feed(data[start:] if start else data):
            return self._reject(start + _failure_index(bytes(data[start:])))
        self.i += n
        if fast.finish():
            # The common case, answered without a Python loop over the tail.
            self.state = _ACCEPT
            return True, True, n, self.i
        rest = data[start:]
        self.state = _run(_ACCEPT, rest, _open_sequence_start(rest))[0]
        return True, False, n, self.i

    def _reject(self, index: int) -> tuple[bool, bool, int, int]:
        self.state = _REJECT
        self.i += index
        return False, False, index, self.i

    def __repr__(self) -> str:
        return f"<Utf8Validator state={self.state} i={self.i}>"
