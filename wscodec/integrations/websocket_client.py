"""wscodec drop-in for websocket-client (``import websocket``).

Replaced:

- ``websocket._abnf.ABNF.mask(mask_key, data)``, the static method that
  masks every frame a client sends and unmasks every masked frame it
  receives, by one that takes the same arguments (``bytes``, ``str``
  encoded as latin-1, ``None`` as empty) and returns the same ``bytes``
  without its two ``array`` copies and big-integer XOR; and
  ``websocket._abnf._mask(mask_array, data_array)``, which it calls.
- ``websocket._utils._validate_utf8``, the pure-Python DFA behind
  ``websocket._utils.validate_utf8`` (the name that ``websocket._abnf``
  imports), which checks every received text message and close reason
  byte by byte.  Its meaning is kept exactly: "valid so far", so a message
  that ends inside a character (``b"\\xe2\\x82"``) still passes, as it does
  in websocket-client; wscodec's incremental validator gives that answer,
  not ``wscodec.validate_utf8``, which would also demand a complete last
  character.

Not replaced: ``ABNF.get_mask_key`` (applications override it to choose
their keys; the key it returns is used as before), the frame parser, and
everything else.  A mask key that is not exactly 4 bytes raises
ValueError here; websocket-client never makes one (with wsaccel it raises
ValueError too, without it it masks with whatever key it is given).

Checked before installing: each of the three functions has the same
parameters as its replacement and gives the same result on a few inputs
(``str`` and ``None`` data for ``mask``; ASCII, an unfinished character,
a stray byte and a surrogate for the validator), with and without
wsaccel, which websocket-client uses for both when it is installed.  Any
websocket-client 1.x that passes gets the drop-in; 2.0 is refused until
it has been seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import Utf8Validator, apply_mask
from ._support import Integration, Swap, behaves_like

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["SUPPORTED_VERSIONS", "mask", "install", "uninstall", "is_installed", "installed_version"]

SUPPORTED_VERSIONS = ">=1.9,<2"


def mask(mask_key: ReadableBuffer | str, data: ReadableBuffer | str | None) -> bytes:
    """``ABNF.mask``: XOR ``data`` with the 4-byte ``mask_key``."""
    if data is None:
        data = ""
    if isinstance(mask_key, str):
        mask_key = mask_key.encode("latin-1")
    if isinstance(data, str):
        data = data.encode("latin-1")
    return apply_mask(data, mask_key)


def _mask(mask_value: ReadableBuffer, data_value: ReadableBuffer) -> bytes:
    return apply_mask(data_value, mask_value)


def _validate_utf8(utfbytes: ReadableBuffer) -> bool:
    """False once the bytes cannot begin valid UTF-8; an unfinished last
    character is not an error (websocket-client's meaning)."""
    return Utf8Validator().feed(utfbytes)


def _swaps() -> list[Swap]:
    from array import array

    return [
        Swap("websocket._abnf", "ABNF.mask", staticmethod(mask), check=behaves_like(
            (b"abcd", b"hello"), (b"\x01\x02\x03\x04", bytes(range(256))), ("abcd", "h\xe9"), (b"abcd", None),
        )),
        Swap("websocket._abnf", "_mask", _mask, check=behaves_like(
            (array("B", b"abcd"), array("B", b"hello")), (b"\x01\x02\x03\x04", bytes(range(256))),
        )),
        Swap("websocket._utils", "_validate_utf8", _validate_utf8, check=behaves_like(
            (b"",), (b"hello",), ("\u20ac".encode(),), (b"\xe2\x82",), (b"a\xff",), (b"\xed\xa0\x80",),
            (b"\xf4\x90\x80\x80",),
        )),
    ]


_integration = Integration("websocket-client", SUPPORTED_VERSIONS, _swaps)
install, uninstall, is_installed, installed_version = _integration.exports()
