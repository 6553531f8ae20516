"""The names every backend exports (the contract of docs/api.md)."""

BACKEND_NAMES = (
    # masking
    "apply_mask",
    "mask_inplace",
    "Masker",
    # UTF-8
    "validate_utf8",
    "Utf8Validator",
    # frames and messages
    "Frame",
    "Message",
    "FrameDecoder",
    "MessageDecoder",
    "encode_frame",
    "MessageEncoder",
    "encode_close_payload",
    "parse_close_payload",
    # shared by both backends (pure Python either way)
    "Opcode",
    "CloseCode",
    "ProtocolError",
    "PerMessageDeflate",
    "accept_key",
    # identity
    "BACKEND",
    "SIMD",
)
