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
ValueError here; websocket-client never makes one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import Utf8Validator, apply_mask
from ._support import Integration, Swap

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["TESTED_VERSIONS", "mask", "install", "uninstall", "is_installed", "installed_version"]

TESTED_VERSIONS = ">=1.9,<1.10"


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


_integration = Integration(
    "websocket-client", TESTED_VERSIONS,
    lambda: [
        Swap("websocket._abnf", "ABNF.mask", staticmethod(mask)),
        Swap("websocket._abnf", "_mask", _mask),
        Swap("websocket._utils", "_validate_utf8", _validate_utf8),
    ],
)
install = _integration.install
uninstall = _integration.uninstall
is_installed = _integration.is_installed
installed_version = _integration.installed_version
