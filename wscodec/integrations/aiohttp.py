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
``bytes.translate`` passes.  ``install()`` then rebinds ``websocket_mask``
in ``aiohttp._websocket.writer`` (what a client sends) and in
``aiohttp._websocket.reader_py`` (what a server receives) to an in-place
SIMD mask with the same signature, the same checks and the same in-place
result.  A module is only touched while its ``websocket_mask`` is aiohttp's
pure-Python masker, and ``reader_py`` only once aiohttp has imported it.

Not replaced: ``aiohttp._websocket.helpers.websocket_mask`` (aiohttp's own
tests check which masker it is), the frame parser (its flow control, limits
and errors are aiohttp's behaviour), UTF-8 decoding (``bytes.decode``,
already C) and compression.
"""

from __future__ import annotations

import sys

from .. import mask_inplace
from ._support import Integration, Swap

__all__ = ["TESTED_VERSIONS", "websocket_mask", "install", "uninstall", "is_installed", "installed_version"]

TESTED_VERSIONS = ">=3.14,<3.15"

_MASKER_USERS = ("aiohttp._websocket.writer", "aiohttp._websocket.reader_py")


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

    return [
        Swap(name, "websocket_mask", websocket_mask)
        for name in _MASKER_USERS
        if name in sys.modules and sys.modules[name].websocket_mask is _websocket_mask_python
    ]


_integration = Integration("aiohttp", TESTED_VERSIONS, _swaps)
install = _integration.install
uninstall = _integration.uninstall
is_installed = _integration.is_installed
installed_version = _integration.installed_version
