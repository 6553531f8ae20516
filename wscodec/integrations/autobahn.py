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
  reports a rejected validator as valid again on the next chunk).  It is
  ``wscodec.compat.wsaccel``'s validator: wsaccel was written to speed up
  this very class, and has the same contract.
- ``create_xor_masker(mask, length=None)``: returns a masker with
  autobahn's ``process(data) -> bytes``, ``pointer()`` and ``reset()``
  (``wscodec.compat.wsaccel``'s); autobahn's NVX masker copies every
  payload three times through CFFI, this one once.

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
autobahn's versions are dates (26.11 is November 2026), not promises of
compatibility, so no version is refused by its number: the checks decide.
"""

from __future__ import annotations

from .._hoehrmann import Utf8Validator
from .._xormask import XorMaskerSimple as XorMasker
from ._support import Integration, Swap, behaves_like

__all__ = [
    "SUPPORTED_VERSIONS", "Utf8Validator", "XorMasker", "create_xor_masker",
    "install", "uninstall", "is_installed", "installed_version",
]

SUPPORTED_VERSIONS = ">=26.10"


def create_xor_masker(mask: bytes, length: int | None = None) -> XorMasker:
    """autobahn's factory signature; one masker serves every length."""
    # autobahn's own maskers assert the length, so a bad key fails alike.
    assert len(mask) == 4
    return XorMasker(mask)


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
install, uninstall, is_installed, installed_version = _integration.exports()
