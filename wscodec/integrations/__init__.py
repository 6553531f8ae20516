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
  at import time (it imports the library itself).  Before anything is
  swapped, each name to be replaced is checked as the library has it now:
  where wscodec mirrors the library's code, its source digest must be one
  wscodec was checked against; elsewhere the object must take the same
  parameters and give the same results on a few calls as its replacement.
  When a check fails, or the library is a major release the integration
  has never seen (outside ``SUPPORTED_VERSIONS``), ``install()`` returns
  False, warns with ``DropinVersionWarning`` saying which, and changes
  nothing (``force=True`` installs anyway).  Each module's docstring says
  which checks it makes.  Raises ``ImportError`` when the library is not
  installed at all: a deployment that names a library it lacks is a
  mistake worth hearing about.
- ``uninstall()``: put the library's own functions back.  Idempotent.
- ``is_installed() -> bool``.
- ``installed_version() -> str``: the library's version (ImportError if absent).
- ``SUPPORTED_VERSIONS``: the releases ``install()`` may go over, from the
  oldest whose own test suite was run with it to below the next major
  release; within it, the checks decide.

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
