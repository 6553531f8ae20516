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
  ``UnicodeDecodeError``).  This is only done over the reader source it
  was checked against (``_aiohttp_reader.MIRRORED``): another aiohttp
  release keeps its own reader, with the masker still swapped.
  ``reader_py`` is only touched once aiohttp has imported it.

Not replaced: ``aiohttp._websocket.helpers.websocket_mask`` (aiohttp's own
tests check which masker it is), the reader's queue, control frames'
payloads (a masked ping still arrives as a ``bytearray``), compression,
and aiohttp's Cython reader.
"""

from __future__ import annotations

import sys

from .. import mask_inplace
from ._aiohttp_reader import feed_data_method, handle_frame_method, is_mirrored
from ._support import Integration, Swap

__all__ = ["TESTED_VERSIONS", "websocket_mask", "install", "uninstall", "is_installed", "installed_version"]

TESTED_VERSIONS = ">=3.14,<3.15"

_READER_PY = "aiohttp._websocket.reader_py"
_MASKER_USERS = ("aiohttp._websocket.writer", _READER_PY)


def websocket_mask(mask: bytes, data: bytearray) -> None:
    """aiohttp's ``websocket_mask(mask, data)``: masks the bytearray ``data``
    in place with the 4-byte ``mask``."""
    # aiohttp's pure-Python masker asserts the same, so misuse fails alike.
    assert isinstance(data, bytearray), data
    assert len(mask) == 4, mask
    mask_inplace(data, mask)


def _swaps() -> list[Swap]:
    import aiohttp._websocket.writer  # noqa: F401 - aiohttp imports it anyway
    from aiohttp._websocket.helpers import _websocket_mask_python

    swaps = [
        Swap(name, "websocket_mask", websocket_mask)
        for name in _MASKER_USERS
        if name in sys.modules and sys.modules[name].websocket_mask is _websocket_mask_python
    ]
    reader_py = sys.modules.get(_READER_PY)
    if reader_py is not None and reader_py.websocket_mask is _websocket_mask_python and is_mirrored(reader_py):
        swaps += [
            Swap(_READER_PY, "WebSocketReader._feed_data", lambda: feed_data_method(reader_py), lazy=True),
            Swap(_READER_PY, "WebSocketReader._handle_frame", lambda: handle_frame_method(reader_py), lazy=True),
        ]
    return swaps


_integration = Integration("aiohttp", TESTED_VERSIONS, _swaps)
install = _integration.install
uninstall = _integration.uninstall
is_installed = _integration.is_installed
installed_version = _integration.installed_version
