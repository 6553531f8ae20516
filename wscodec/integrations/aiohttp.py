"""wscodec drop-in for aiohttp's WebSocket client and server.

With aiohttp's compiled extensions (its CPython wheels) ``install()`` does
nothing, on purpose: its Cython frame reader calls its Cython masker through
a C-level import that no Python name reaches, and the writer's masker is
already a C loop, so the one name that could be swapped would save well
under a microsecond per 64 KiB frame.  ``install()`` still returns True and
``is_installed()`` is True: the drop-in is in place, it just has nothing to
replace.

With aiohttp's pure-Python code (``AIOHTTP_NO_EXTENSIONS=1``, PyPy, or a
platform without its wheels) every masked frame goes through four strided
``bytes.translate`` passes and four copies of its payload.  ``install()``
then replaces, only while the module's ``websocket_mask`` is aiohttp's
pure-Python masker:

- ``websocket_mask`` in ``aiohttp._websocket.writer`` (what a client sends)
  and in ``aiohttp._websocket.reader_py`` with an in-place SIMD mask of
  the same signature, checks and in-place result;
- ``WebSocketReader._feed_data`` and ``_handle_frame`` in ``reader_py``
  with the same state machine (same checks, limits enforced before a byte
  of payload is buffered, error texts and close codes, flow control, the
  same reader attributes at every step) whose data frames are unmasked
  from the socket read into the message's ``bytes`` in one pass, and whose
  text is decoded by wscodec's UTF-8 decoder (the same ``str``, the same
  ``UnicodeDecodeError``).  ``reader_py`` is only touched once aiohttp has
  imported it.

Not replaced: ``aiohttp._websocket.helpers.websocket_mask`` (aiohttp's own
tests check which masker it is), the reader's queue, control frames'
payloads (a masked ping still arrives as a ``bytearray``), compression,
and aiohttp's Cython reader.

Checked before installing, on the pure-Python code: the reader's
replacement mirrors aiohttp's code, so ``WebSocketReader._feed_data`` and
``_handle_frame`` must have one of the source digests in
``_aiohttp_reader.MIRRORED``; a release that changed either is refused,
whatever its number.  The masker must take the same parameters and leave
the same bytes in the ``bytearray`` on a few masks and payloads (and
raise the same exception type for a 3-byte mask) as this one.  Any
aiohttp 3 that passes gets the drop-in; aiohttp 4 is refused until it has
been seen.
"""

from __future__ import annotations

import sys
from typing import Any

from .. import mask_inplace
from ._aiohttp_reader import feed_data_method, handle_frame_method, is_mirrored
from ._support import Integration, Swap, behaves_like, mirrors

__all__ = ["SUPPORTED_VERSIONS", "websocket_mask", "install", "uninstall", "is_installed", "installed_version"]

SUPPORTED_VERSIONS = ">=3.14,<4"

_READER_PY = "aiohttp._websocket.reader_py"
_MASKER_USERS = ("aiohttp._websocket.writer", _READER_PY)


def websocket_mask(mask: bytes, data: bytearray) -> None:
    """aiohttp's ``websocket_mask(mask, data)``: masks the bytearray ``data``
    in place with the 4-byte ``mask``."""
    # aiohttp's pure-Python masker asserts the same, so misuse fails alike.
    assert isinstance(data, bytearray), data
    assert len(mask) == 4, mask
    mask_inplace(data, mask)


def _mask_in_place(masker: Any, args: tuple[bytes, bytes]) -> tuple[Any, bytearray]:
    mask, data = args
    buffer = bytearray(data)
    return masker(mask, buffer), buffer


_MASK_CHECK = behaves_like(
    (b"abcd", b"hello"), (b"\x01\x02\x03\x04", bytes(range(256)) * 3), (b"abcd", b""), (b"abc", b"hello"),
    run=_mask_in_place,
)


def _swaps() -> list[Swap]:
    import aiohttp._websocket.writer  # noqa: F401 - aiohttp imports it anyway
    from aiohttp._websocket.helpers import _websocket_mask_python

    swaps = [
        Swap(name, "websocket_mask", websocket_mask, check=_MASK_CHECK)
        for name in _MASKER_USERS
        if name in sys.modules and sys.modules[name].websocket_mask is _websocket_mask_python
    ]
    reader_py = sys.modules.get(_READER_PY)
    if reader_py is not None and reader_py.websocket_mask is _websocket_mask_python:
        reader_is_mirrored = mirrors(lambda: is_mirrored(reader_py))
        swaps += [
            Swap(_READER_PY, "WebSocketReader._feed_data", lambda: feed_data_method(reader_py), lazy=True,
                 check=reader_is_mirrored),
            Swap(_READER_PY, "WebSocketReader._handle_frame", lambda: handle_frame_method(reader_py), lazy=True,
                 check=reader_is_mirrored),
        ]
    return swaps


_integration = Integration("aiohttp", SUPPORTED_VERSIONS, _swaps)
install, uninstall, is_installed, installed_version = _integration.exports()
