# Type stubs for the top-level package.  wscodec/__init__.py re-exports the
# selected backend at run time (globals().update), which type checkers cannot
# follow; both backends share one interface, typed here through the native
# stubs (wscodec/_native/*.pyi).  Keep in step with wscodec._api.BACKEND_NAMES;
# __all__ is what makes the imported names public (no `X as X` needed).

from typing import Literal

from ._native._ext import (
    Frame,
    FrameDecoder,
    Masker,
    Message,
    MessageDecoder,
    MessageEncoder,
    Utf8Validator,
    apply_mask,
    encode_close_payload,
    encode_frame,
    mask_inplace,
    parse_close_payload,
    validate_utf8,
)
from ._types import CloseCode, Opcode, ProtocolError
from ._version import __version__
from .deflate import NegotiationError, PerMessageDeflate
from .handshake import HandshakeError, accept_key, generate_key

BACKEND: Literal["native", "pure"]
SIMD: str

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
