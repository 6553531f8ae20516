"""wscodec: a fast, strict WebSocket (RFC 6455) frame codec.

``import wscodec`` gives the native backend (Cython over a SIMD C core) when
it is installed and importable, else the pure-Python twin; set
``WSCODEC_NO_EXTENSIONS=1`` to force the pure one.  Both export the same
names with the same behaviour; ``wscodec.BACKEND`` says which one is in use.
"""

import os as _os

from ._api import BACKEND_NAMES as _BACKEND_NAMES
from ._version import __version__

if _os.environ.get("WSCODEC_NO_EXTENSIONS", "") not in ("", "0"):
    from . import _pure as _backend
else:
    try:
        from . import _native as _backend
    except ImportError as _exc:
        from . import _pure as _backend

        # Running the source folder unbuilt is a mistake worth a warning; an
        # install without a compiler was already warned about by the build.
        from ._checkout import source_checkout_without_extension

        if source_checkout_without_extension():
            import warnings as _warnings

            _warnings.warn(str(_exc), RuntimeWarning, stacklevel=2)

globals().update({name: getattr(_backend, name) for name in _BACKEND_NAMES})

from .deflate import NegotiationError  # noqa: E402
from .handshake import (  # noqa: E402
    HandshakeError,
    generate_key,
)

__all__ = [*_BACKEND_NAMES, "HandshakeError", "NegotiationError", "generate_key", "__version__"]
