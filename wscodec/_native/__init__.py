"""The native backend: Cython bindings over the C core in ``src/``.

Importing it raises ImportError when the extension modules were not built;
``wscodec`` then falls back to the pure backend.
"""

import os as _os

from .._types import CloseCode, Opcode, ProtocolError
from ..deflate import PerMessageDeflate
from ..handshake import accept_key

try:
    from . import _codec, _speedups
except ImportError as _exc:
    from .._checkout import NotBuilt, explain

    # The message carries what matters of the original error: chaining it
    # would show Python's misleading "circular import" guess.
    raise NotBuilt(explain(_exc)) from None
from ._codec import (
    Frame,
    FrameDecoder,
    Message,
    MessageDecoder,
    MessageEncoder,
    encode_close_payload,
    encode_frame,
    parse_close_payload,
)
from ._speedups import Masker, Utf8Validator, apply_mask, mask_inplace, validate_utf8

BACKEND = "native"


def _set_simd(name):
    """Force a SIMD level in every extension module (tests; see WSCODEC_SIMD).

    Raises ValueError when the name is unknown or this CPU lacks the level.
    Returns the level now in use.  Not thread-safe: call before any work.
    """
    for module in (_speedups, _codec):
        module._select_simd(name)
    return _speedups._simd_name()


if _os.environ.get("WSCODEC_SIMD"):
    _set_simd(_os.environ["WSCODEC_SIMD"])

SIMD = _speedups._simd_name()
