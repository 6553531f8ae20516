"""wscodec drop-in for autobahn's WebSocket protocol (Twisted and asyncio).

What is replaced: the two names ``autobahn.websocket.protocol`` binds at
import for its hot loops, and the same names in the modules that define them
(``autobahn.websocket.utf8validator.Utf8Validator`` and
``autobahn.websocket.xormasker.create_xor_masker``), so code that imports
them directly after ``install()`` gets the same objects:

- ``Utf8Validator``: autobahn's default (NVX, a CFFI table walk of one byte
  per step) validates 64 KiB of text in about 0.3 ms; wscodec's SIMD
  validator does it over 100 times faster.  ``validate`` keeps autobahn's
  exact contract: the 4-tuple ``(valid, endsOnCodePoint, currentIndex,
  totalIndex)``, and on invalid input the index of the very byte at which
  autobahn's own DFA (Bjoern Hoehrmann's) rejects, because autobahn puts
  that index into the 1007 close reason.  After a rejection it answers as
  autobahn's pure-Python validator does until ``reset()`` (its NVX one
  reports a rejected validator as valid again on the next chunk).
- ``create_xor_masker(mask, length=None)``: returns a masker with
  autobahn's ``process(data) -> bytes``, ``pointer()`` and ``reset()``;
  autobahn's NVX masker copies every payload three times through CFFI,
  this one once.

What is not replaced, and why: ``XorMaskerNull`` (it does no work), the
frame parser and everything above it (its callbacks, limits and close
handling are autobahn's behaviour; the codec work inside them is the part
replaced here), and the NVX classes in ``autobahn.nvx`` themselves (their
own tests compare them with autobahn's reference).

Checked before installing, on each of the four names: the object there
has the same parameters as its replacement, and gives the same answers
on a few calls.  For the validator, the 4-tuples of a chunked stream that
ends in a stray byte, after ``reset()``, and of a surrogate (the index
autobahn rejects it at); for the masker, the bytes and ``pointer()`` of a
chunked payload at two lengths (autobahn picks its masker class by
length), after ``reset()``, and the exception type of a 3-byte key.
The validator's replacement reads autobahn's own DFA table, so where the
table is gone the check fails too.
autobahn's versions are dates (26.11 is November 2026), not promises of
compatibility, so no version is refused by its number: the checks decide.
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING, ClassVar

from .. import Utf8Validator as _StreamValidator
from .. import apply_mask
from ._support import Integration, Swap, behaves_like

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = [
    "SUPPORTED_VERSIONS", "Utf8Validator", "XorMasker", "create_xor_masker",
    "install", "uninstall", "is_installed", "installed_version",
]

SUPPORTED_VERSIONS = ">=26.10"

_decode = codecs.utf_8_decode
_REJECT = 1


class XorMasker:
    """autobahn's masker interface over ``wscodec.apply_mask``."""

    __slots__ = ("_mask", "_ptr")

    def __init__(self, mask: bytes) -> None:
        # autobahn's own maskers assert the length too.
        assert len(mask) == 4
        self._mask = bytes(mask)
        self._ptr = 0

    def pointer(self) -> int:
        return self._ptr

    def reset(self) -> None:
        self._ptr = 0

    def process(self, data: bytes) -> bytes:
        mask, phase = self._mask, self._ptr & 3
        if phase:
            # A chunk that starts mid-key: the key rotated to that position.
            mask = mask[phase:] + mask[:phase]
        masked = apply_mask(data, mask)
        self._ptr += len(data)
        return masked


def create_xor_masker(mask: bytes, length: int | None = None) -> XorMasker:
    """autobahn's factory signature; one masker serves every length."""
    return XorMasker(mask)


def _dfa_table() -> bytes:
    # autobahn's own transition table, so that the failure index is the one
    # autobahn's DFA gives by construction, not by a second copy of it.
    from autobahn.websocket.utf8validator import UTF8VALIDATOR_DFA

    return bytes(UTF8VALIDATOR_DFA)


class Utf8Validator:
    """autobahn's incremental validator contract over wscodec's validator."""

    __slots__ = ("_stream", "_open", "_index", "_rejected")

    _dfa: ClassVar[bytes | None] = None

    def __init__(self) -> None:
        self._stream = _StreamValidator()
        self.reset()

    def reset(self) -> None:
        self._stream.reset()
        self._open: bytes = b""  # the bytes of a character left unfinished so far
        self._index = 0
        self._rejected = False

    def validate(self, ba: bytes) -> tuple[bool, bool, int, int]:
        n = len(ba)
        if self._rejected:
            # autobahn's reference DFA stays in its reject state: any further
            # byte fails at index 0; an empty chunk reads no byte, so it
            # "passes" without ending on a code point.
            return n == 0, False, 0, self._index
        if self._stream.feed(ba):
            self._index += n
            if self._stream.finish():
                self._open = b""
                return True, True, n, self._index
            self._open = _unfinished_character(self._open, ba)
            return True, False, n, self._index
        failed_at = self._failure_index(ba)
        self._rejected = True
        self._index += failed_at
        return False, False, failed_at, self._index

    def _failure_index(self, ba: bytes) -> int:
        """Index in ``ba`` of the byte at which autobahn's DFA rejects.

        Everything before the first undecodable character is whole, valid
        characters, so the DFA is in its accepting state there: it only has to
        walk the last few bytes, not the whole chunk.
        """
        data = self._open + bytes(ba)
        try:
            _, start = _decode(data, "strict", False)
        except UnicodeDecodeError as exc:
            start = exc.start
        dfa = Utf8Validator._dfa
        if dfa is None:
            dfa = Utf8Validator._dfa = _dfa_table()
        state = 0
        for i in range(start, len(data)):
            state = dfa[256 + (state << 4) + dfa[data[i]]]
            if state == _REJECT:
                return i - len(self._open)
        raise AssertionError("wscodec rejected UTF-8 that autobahn's DFA accepts")


def _unfinished_character(previous: bytes, ba: bytes) -> bytes:
    """The lead and continuation bytes of the character ``ba`` leaves open."""
    tail = (previous + bytes(ba[-3:]))[-3:]
    for i in range(len(tail) - 1, -1, -1):
        if tail[i] & 0xC0 != 0x80:
            return tail[i:]
    raise AssertionError("an unfinished character has no lead byte")


def _validate_chunks(validator_class: type, args: tuple[list[bytes], ...]) -> list[tuple[bool, bool, int, int]]:
    validator = validator_class()
    answers = []
    for chunks in args:
        validator.reset()
        answers += [validator.validate(chunk) for chunk in chunks]
    return answers


def _mask_chunks(factory: object, args: tuple[bytes, int, list[bytes]]) -> list[object]:
    mask, length, chunks = args
    masker = factory(mask, length)  # type: ignore[operator]
    answers: list[object] = [(masker.process(chunk), masker.pointer()) for chunk in chunks]
    masker.reset()
    return answers + [masker.pointer(), masker.process(chunks[0])]


_VALIDATOR_CHECK = behaves_like(
    ([b"hello", "\u00e9".encode()[:1], "\u00e9".encode()[1:], "\u20ac\U0001f600".encode(), b"", b"x\xff"],
     [b"abc\xed\xa0\x80x"]),
    run=_validate_chunks,
)
_MASKER_CHECK = behaves_like(
    (b"\x01\x02\x03\x04", 10, [b"hello", b"xyz", b""]),
    (b"abcd", 1 << 20, [bytes(range(256)), b"abc", bytes(range(100))]),
    (b"abc", 10, [b"hello"]),
    run=_mask_chunks,
)


def _swaps() -> list[Swap]:
    return [
        Swap("autobahn.websocket.protocol", "Utf8Validator", Utf8Validator, check=_VALIDATOR_CHECK),
        Swap("autobahn.websocket.protocol", "create_xor_masker", create_xor_masker, check=_MASKER_CHECK),
        Swap("autobahn.websocket.utf8validator", "Utf8Validator", Utf8Validator, check=_VALIDATOR_CHECK),
        Swap("autobahn.websocket.xormasker", "create_xor_masker", create_xor_masker, check=_MASKER_CHECK),
    ]


_integration = Integration("autobahn", SUPPORTED_VERSIONS, _swaps)
install = _integration.install
uninstall = _integration.uninstall
is_installed = _integration.is_installed
installed_version = _integration.installed_version
