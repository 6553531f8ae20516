"""wscodec: a fast, strict WebSocket (RFC 6455) frame codec.

``import wscodec`` gives the native backend (Cython over a SIMD C core) when
it is installed and importable, else the pure-Python twin; set
``WSCODEC_NO_EXTENSIONS=1`` to force the pure one, ``WSCODEC_REQUIRE_EXTENSIONS=1``
to make a missing native backend an ImportError instead of a fallback.  Both
export the same names with the same behaviour; ``wscodec.BACKEND`` says which
one is in use.  docs/api.md is the contract.
"""

import os as _os
from typing import TYPE_CHECKING

from ._types import CloseCode, Opcode, ProtocolError
from ._version import __version__
from .deflate import NegotiationError, PerMessageDeflate
from .handshake import HandshakeError, accept_key, generate_key


def _flag(name: str) -> bool:
    return _os.environ.get(name, "") not in ("", "0")


NO_EXTENSIONS = _flag("WSCODEC_NO_EXTENSIONS")

# Type checkers read the first branch: the pure twin is annotated, and the
# native backend has the same signatures (wscodec/_native/_ext.pyi, which
# stubtest holds to the compiled module).
if TYPE_CHECKING or NO_EXTENSIONS:
    from . import _pure as _backend
else:
    try:
        from . import _native as _backend
    except ImportError:
        if _flag("WSCODEC_REQUIRE_EXTENSIONS"):
            raise
        from . import _pure as _backend

BACKEND = _backend.BACKEND
SIMD = _backend.SIMD
apply_mask = _backend.apply_mask
mask_inplace = _backend.mask_inplace
Masker = _backend.Masker
validate_utf8 = _backend.validate_utf8
Utf8Validator = _backend.Utf8Validator
Frame = _backend.Frame
Message = _backend.Message
FrameDecoder = _backend.FrameDecoder
MessageDecoder = _backend.MessageDecoder
encode_frame = _backend.encode_frame
MessageEncoder = _backend.MessageEncoder
encode_close_payload = _backend.encode_close_payload
parse_close_payload = _backend.parse_close_payload

__all__ = [
    "BACKEND",
    "SIMD",
    "CloseCode",
    "Frame",
    "FrameDecoder",
    "HandshakeError",
    "Masker",
    "Message",
    "MessageDecoder",
    "MessageEncoder",
    "NegotiationError",
    "Opcode",
    "PerMessageDeflate",
    "ProtocolError",
    "Utf8Validator",
    "__version__",
    "accept_key",
    "apply_mask",
    "encode_close_payload",
    "encode_frame",
    "generate_key",
    "mask_inplace",
    "parse_close_payload",
    "validate_utf8",
]
