"""The pure-Python backend: the reference the native backend is tested against."""

from .._types import CloseCode, Opcode, ProtocolError
from ..deflate import PerMessageDeflate
from ..handshake import accept_key
from .encoder import MessageEncoder, encode_close_payload, encode_frame, encode_frame_parts
from .frames import Frame, FrameDecoder, Message, MessageDecoder, parse_close_payload
from .masking import Masker, apply_mask, mask_inplace
from .utf8 import Utf8Validator, decode_utf8, validate_utf8

BACKEND = "pure"
SIMD = "none"
