"""The native backend: the extension module ``_ext`` over the C core in ``src/``.

Importing it raises ImportError when the extension was not built;
``wscodec`` then falls back to the pure backend.
"""

import os as _os
from typing import Literal

from .._types import CloseCode, Opcode, ProtocolError
from ..deflate import PerMessageDeflate
from ..handshake import accept_key
from ._ext import (
    Frame,
    FrameDecoder,
    Masker,
    Message,
    MessageDecoder,
    MessageEncoder,
    Utf8Validator,
    _select_simd,
    _simd_name,
    apply_mask,
    encode_close_payload,
    encode_frame,
    mask_inplace,
    parse_close_payload,
    validate_utf8,
)

BACKEND: Literal["native", "pure"] = "native"


def _set_simd(name: str) -> str:
    """Force a SIMD level for every native path (tests; see WSCODEC_SIMD).

    Raises ValueError when the name is unknown or this CPU lacks the level.
    Returns the level now in use.  Not thread-safe: call before any work.
    """
    _select_simd(name)
    return _simd_name()


if _os.environ.get("WSCODEC_SIMD"):
    _set_simd(_os.environ["WSCODEC_SIMD"])

SIMD: str = _simd_name()
