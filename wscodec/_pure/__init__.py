"""The pure-Python backend: the reference the native backend is tested against.

Names are imported as ``X as X``: explicit re-exports, which a strict mypy run
of user code (no_implicit_reexport) needs to see ``wscodec.Frame`` & co. as
classes."""

from __future__ import annotations

from typing import Literal

from .._types import CloseCode as CloseCode, Opcode as Opcode, ProtocolError as ProtocolError
from ..deflate import PerMessageDeflate as PerMessageDeflate
from ..handshake import accept_key as accept_key
from .close import encode_close_payload as encode_close_payload, parse_close_payload as parse_close_payload
from .decoder import FrameDecoder as FrameDecoder, MessageDecoder as MessageDecoder
from .encoder import MessageEncoder as MessageEncoder
from .encoder import encode_frame as encode_frame
from .encoder import encode_frame_parts as encode_frame_parts
from .masking import Masker as Masker, apply_mask as apply_mask, mask_inplace as mask_inplace
from .utf8 import Utf8Validator as Utf8Validator, decode_utf8 as decode_utf8, validate_utf8 as validate_utf8
from .values import Frame as Frame, Message as Message

BACKEND: Literal["native", "pure"] = "pure"
SIMD: str = "none"
