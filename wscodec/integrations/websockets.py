"""wscodec drop-in for websockets (its asyncio, threading and Sans-I/O
layers, and the deprecated legacy one).

websockets masks and unmasks every frame payload through ``apply_mask``: a C
function from its ``websockets.speedups`` extension when that was built,
else a pure-Python fallback (PyPy, or an install without a compiler, e.g.
``BUILD_EXTENSION=no``).  There is no run-time switch between the two.

- On both builds, ``install()`` replaces ``Frame.parse`` by one that takes
  a frame which has fully arrived straight out of the ``StreamReader``'s
  buffer: header read in place, payload unmasked from the buffer into the
  frame's ``bytes`` in one pass (through whichever ``apply_mask``
  ``websockets.frames`` holds), instead of four ``read_exact`` generator
  steps that each slice a copy and delete it from the buffer.  Anything
  else (a frame still arriving, an invalid header, a payload over
  ``max_size``, a ``read_exact`` that is not a ``StreamReader``'s) goes to
  websockets' own ``Frame.parse`` before a byte is consumed, so its
  waiting, errors and close reasons are unchanged; the frames built are
  extended and checked exactly as websockets does.
- With the C extension that is all: websockets' C masker is as fast as
  wscodec's (they trade places by a few percent), so it stays.  Receiving
  gets about 1.3x faster at 20 B and 1 KiB and 1.45x at 64 KiB (websockets
  17.4; docs/dropin-websockets.md); sending is unchanged.
- On the fallback, ``install()`` also rebinds ``apply_mask`` in
  ``websockets.frames`` to wscodec's, with websockets' contract: any
  bytes-like data (also a non-contiguous memoryview), ``ValueError`` for a
  mask that is not 4 bytes.  ``websockets.legacy.framing`` binds its own
  copy; importing ``websockets.legacy`` warns, so ``install()`` never
  imports it: if it is already imported it is rebound at once, else right
  after the application imports it.  Receiving gets about 1.6x faster at
  20 B, 2.5x at 1 KiB and 23x at 64 KiB; sending 1.3x, 2.2x and 20x.

Not replaced: ``websockets.utils.apply_mask`` and
``websockets.speedups.apply_mask`` (public functions that websockets' own
tests check), the Sans-I/O protocol above the parser (fragments, limits,
close handshake), the legacy framing's parser, and UTF-8 decoding (already
``bytes.decode``).

Checked before installing: the parser's replacement mirrors websockets'
code, so ``Frame.parse``, ``Frame.check``, ``StreamReader.read_exact`` and
``StreamReader.feed_data`` must have one of the source digests in
``_websockets_parse.MIRRORED`` and ``Frame`` the same fields; a release
that changed any of them is refused, whatever its number.  The fallback's
``apply_mask`` must take the same parameters and give the same bytes on a
few masks and payloads (and the same exception type for a 3-byte mask)
as this one.  websockets 18 is refused until it has been seen.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .. import apply_mask as _apply_mask
from ._support import Integration, Swap, behaves_like, mirrors
from ._websockets_parse import is_mirrored, parse_method

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["SUPPORTED_VERSIONS", "apply_mask", "install", "uninstall", "is_installed", "installed_version"]

SUPPORTED_VERSIONS = ">=17.0,<18"

_FRAMES = "websockets.frames"
_LEGACY = "websockets.legacy.framing"
_STREAMS = "websockets.streams"


def apply_mask(data: ReadableBuffer, mask: ReadableBuffer) -> bytes:
    """websockets' ``apply_mask(data, mask) -> bytes``."""
    try:
        return _apply_mask(data, mask)
    except BufferError:
        # websockets takes non-contiguous memoryviews; its own fallback copies
        # them to bytes too.
        return _apply_mask(bytes(data), bytes(mask))


def _uses_fallback(module: ModuleType) -> bool:
    from websockets.utils import apply_mask as fallback

    return module.apply_mask is fallback


_MASK_CHECK = behaves_like(
    (b"hello", b"abcd"), (bytes(range(256)) * 3, b"\x01\x02\x03\x04"), (bytearray(b"xyz"), b"abcd"),
    (b"", b"abcd"), (b"hello", b"abc"),
)


def _swaps() -> list[Swap]:
    frames = importlib.import_module(_FRAMES)
    streams = importlib.import_module(_STREAMS)
    swaps = []
    if _uses_fallback(frames):
        swaps.append(Swap(_FRAMES, "apply_mask", apply_mask, check=_MASK_CHECK))
    # On both builds: the parser unmasks through whichever apply_mask
    # websockets.frames holds, its C one or the one swapped in above.
    original = frames.Frame.__dict__.get("parse")
    swaps.append(Swap(
        _FRAMES, "Frame.parse", lambda: parse_method(frames, streams, original), lazy=True,
        check=mirrors(lambda: is_mirrored(frames, streams)),
    ))
    legacy = sys.modules.get(_LEGACY)
    if legacy is not None and _uses_fallback(legacy):
        swaps.append(Swap(_LEGACY, "apply_mask", apply_mask, check=_MASK_CHECK))
    return swaps


class _LegacyFramingLoader(importlib.abc.Loader):
    """Runs websockets' own loader, then rebinds the new module's masker."""

    def __init__(self, loader: importlib.abc.Loader, on_loaded: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._on_loaded = on_loaded

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._on_loaded(module)

    def __getattr__(self, name: str) -> Any:
        # get_source, get_resource_reader...: whatever the real loader offers.
        return getattr(self._loader, name)


class _LegacyFramingFinder(importlib.abc.MetaPathFinder):
    """Watches for the first import of ``websockets.legacy.framing``."""

    def __init__(self, on_loaded: Callable[[ModuleType], None]) -> None:
        self._on_loaded = on_loaded

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _LEGACY:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _LegacyFramingLoader(spec.loader, self._on_loaded)
        return spec


class _WebsocketsIntegration(Integration):
    """The swaps of ``Integration``, plus the deferred one of the legacy
    framing module: it is added to the installed swaps when it is imported."""

    def __init__(self) -> None:
        super().__init__("websockets", SUPPORTED_VERSIONS, _swaps)
        self._finder = _LegacyFramingFinder(self._legacy_loaded)

    def install(self, *, force: bool = False) -> bool:
        with self._lock:
            if not super().install(force=force):
                return False
            # The legacy framing binds the build's masker: with the C
            # extension (frames' masker left alone) it has nothing to rebind.
            fallback = any(s.module == _FRAMES and s.name == "apply_mask" for s, *_ in self._originals or ())
            waiting = fallback and _LEGACY not in sys.modules
            if waiting and self._finder not in sys.meta_path:
                sys.meta_path.insert(0, self._finder)
            return True

    def uninstall(self) -> None:
        with self._lock:
            self._stop_watching()
            super().uninstall()

    def _stop_watching(self) -> None:
        if self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)

    def _legacy_loaded(self, module: ModuleType) -> None:
        with self._lock:
            self._stop_watching()
            if self._originals is not None and _uses_fallback(module):
                # The module is in sys.modules now, so the swaps include it.
                self.reinstall()


_integration = _WebsocketsIntegration()
install, uninstall, is_installed, installed_version = _integration.exports()
