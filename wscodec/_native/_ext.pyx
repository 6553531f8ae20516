"""The native backend: one extension module over the C core in src/.

The C core is linked into this module once, so there is one SIMD dispatch
state and one place that forces a level (``_select_simd``).  The code is
split into rooms that mirror the pure twin in wscodec/_pure/, file for file
and name for name, so the two can be read side by side:

    _buffers.pxi        _pure/_buffers.py        buffer-protocol helpers, the mask key
    masking.pxi         _pure/masking.py         apply_mask, mask_inplace, Masker
    utf8.pxi            _pure/utf8.py            validate_utf8, Utf8Validator, text payloads
    values.pxi          _pure/values.py          Frame, Message
    close.pxi           _pure/close.py           CLOSE payloads, both directions
    text_check.pxi      _pure/text_check.py      the streaming UTF-8 check of a text message
    message_buffer.pxi  _pure/message_buffer.py  a streamed message's buffer: growth, copy-in
    header.pxi          _pure/header.py          frame header parsing, the header rules
    inflate.pxi         _pure/inflate.py         inflating a permessage-deflate message
    receive.pxi         _pure/receive.py         what get_buffer lends: the receive buffer, a payload
    decoder.pxi         _pure/decoder.py         FrameDecoder, MessageDecoder: the state machine
    encoder.pxi         _pure/encoder.py         encode_frame, MessageEncoder

Behaviour is pinned by docs/codec-rules.md and held to the pure twin by the
differential tests; these rooms only change how fast it happens.  The C
helpers they share are in _ext_helpers.h.

Each room cimports the C names it uses itself.  What two rooms or more
share is here (the rules, the constants below) or, where it sizes a field
of a class, in _ext.pxd.
"""

from wscodec._native._core cimport wsc_simd_init, wsc_simd_name, wsc_simd_select

# The rules and the texts of errors, shared with the pure backend.
from .._misuse import in_use, not_initialised, not_picklable
from .._rules import (
    already_failed,
    check_close_code,
    check_close_reason,
    check_control_payload,
    check_encoder_frame_size,
    check_limit,
    close_reason_too_long,
    close_reason_without_code,
    control_not_fragmented,
    frame_opcode,
    mask_length,
    mask_phase,
    message_opcode,
    not_a_str,
    not_writable,
    opcode_to_send,
    protocol_error,
    role_is_server,
)
from .._types import DEFAULT_MAX_MESSAGE_SIZE as _DEFAULT_MAX_MESSAGE_SIZE
from .._types import Opcode, ProtocolError, is_sendable_close_code

cdef enum:
    # The one GIL policy of the module: a C loop over a buffer drops the GIL
    # from this many bytes on.  Dropping and re-taking an uncontended GIL
    # costs about 0.2 us (an empty `with nogil:` block, CPython 3.11,
    # x86-64), while the SIMD kernels run at 50-100 GB/s: at 64 KiB that was
    # a third of mask_inplace's time, at 1 MiB (10-20 us of work) it is 1-2%.
    # Below this size another thread would gain little anyway.
    NOGIL_THRESHOLD = 1 << 20

# Index by opcode value: the member when known, else the plain int.  The
# decoders build every Frame and Message opcode from it, with no enum call.
cdef tuple _OPCODES = tuple(Opcode(v) if v in Opcode._value2member_map_ else v for v in range(16))
# The members the hot paths hand out, held in C globals: no module
# attribute lookup per message.
cdef object _TEXT = Opcode.TEXT
cdef object _BINARY = Opcode.BINARY
cdef object _CLOSE = Opcode.CLOSE
# One "" for every empty text result and close reason, not a new one each.
cdef str _EMPTY_STR = ""

wsc_simd_init()


def _simd_name():
    """The SIMD level in use."""
    return wsc_simd_name().decode("ascii")


def _select_simd(name):
    """Force a SIMD level for every path of the module (tests, WSCODEC_SIMD).

    Raises ValueError when the name is unknown or this CPU lacks the level.
    Not thread-safe: call before any work.
    """
    if not isinstance(name, str):
        raise TypeError(f"SIMD level must be a str, not {type(name).__name__}")
    if wsc_simd_select(name.encode("ascii", "replace")) != 0:
        raise ValueError(f"SIMD level {name!r} is unknown or not supported by this CPU")


include "_buffers.pxi"
include "masking.pxi"
include "utf8.pxi"
include "values.pxi"
include "close.pxi"
include "text_check.pxi"
include "message_buffer.pxi"
include "header.pxi"
include "inflate.pxi"
include "receive.pxi"
include "decoder.pxi"
include "encoder.pxi"
