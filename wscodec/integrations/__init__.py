"""Drop-in speedups for the WebSocket libraries people already run.

A drop-in swaps the few functions of a library that do byte-level work in
pure Python (masking, UTF-8 validation) for wscodec's, and changes nothing
else: the library keeps its own events, errors and close reasons.  Its
parser stays too, but for two: websockets' frame parser gets a one-pass
path for a frame that has fully arrived (every other case goes to
websockets' own), and aiohttp's pure-Python reader is replaced by a mirror
of its state machine; their modules give the details.
One line at start-up turns it on::

    import wscodec.integrations.wsproto
    wscodec.integrations.wsproto.install()

Every module here has the same four functions and one constant:

- ``install(*, force=False) -> bool``: make the swaps.  Idempotent and safe
  at import time (it imports the library itself).  Returns False, warns
  with ``DropinVersionWarning`` and changes nothing when the installed
  library is outside ``TESTED_VERSIONS`` (``force=True`` installs anyway).
  Raises ``ImportError`` when the library is not installed at all: a
  deployment that names a library it lacks is a mistake worth hearing about.
- ``uninstall()``: put the library's own functions back.  Idempotent.
- ``is_installed() -> bool``.
- ``installed_version() -> str``: the library's version (ImportError if absent).
- ``TESTED_VERSIONS``: the range of the library's versions whose own test
  suite passes identically with and without ``install()``.

The swaps are module attributes, so they reach every connection, including
those opened before ``install()``; a program that copied a swapped function
into its own namespace before ``install()`` keeps the copy.

Modules: ``wsproto`` (also what uvicorn's ``--ws wsproto`` runs),
``websocket_client``, ``tornado``, ``autobahn``, ``websockets``, ``aiohttp``.
``wscodec.compat.wsaccel`` is a replacement for the ``wsaccel`` package
itself, for code that imports it directly.
"""

from ._support import DropinVersionWarning

__all__ = ["DropinVersionWarning"]
