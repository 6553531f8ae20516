"""The pure-Python backend: the reference the native backend is tested against."""

from __future__ import annotations

from typing import Literal

from .._types import CloseCode, Opcode, ProtocolError
from ..deflate import PerMessageDeflate
from ..handshake import accept_key
from .close import encode_close_payload, parse_close_payload
from .decoder import FrameDecoder, MessageDecoder
from .encoder import MessageEncoder, encode_frame
from .masking import Masker, apply_mask, mask_inplace
from .utf8 import Utf8Validator, validate_utf8
from .values import Frame, Message

BACKEND: Literal["native", "pure"] = "pure"
SIMD: str = "none"
