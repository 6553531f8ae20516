"""The message buffer: copy-in and hand-out (twin:
_native/message_buffer.pxi).

A streamed message (MessageDecoder), or the payload of a data frame that
streams in (FrameDecoder), is gathered in the decoder's ``_data``, a
bytearray, which grows by itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._rules import protocol_error
from .._types import Opcode
from .masking import xor_mask
from .text_check import _feed_text

if TYPE_CHECKING:
    from .decoder import _Decoder

_TEXT = Opcode.TEXT


def _drop_data(d: _Decoder) -> None:
    d._data = bytearray()


def _copy_unmasked(d: _Decoder, piece: bytes | bytearray) -> bytes | bytearray:
    """A piece of the current payload as the application sees it: a
    server's is unmasked, from where the last piece left the key."""
    key = d._key
    if key is None:
        return piece
    shift = len(piece) & 3
    if shift:
        d._key = key[shift:] + key[:shift]
    return xor_mask(piece, key)


def _append(d: _Decoder, chunk: bytes | bytearray) -> None:
    """Append the next bytes of the message, through the text check for a
    text message, within max_message_size."""
    data = d._data
    text = d._msg_op is _TEXT
    limit = d._max_message
    if limit is not None and len(data) + len(chunk) > limit:
        # Validate what fits first: the error must follow stream order.
        if text and not _feed_text(d._text_state, memoryview(chunk)[: limit - len(data)]):
            raise protocol_error("invalid_text")
        raise protocol_error("message_too_big", limit=limit)
    if text and chunk and not _feed_text(d._text_state, chunk):
        raise protocol_error("invalid_text")
    data += chunk


def _take_bytes(d: _Decoder) -> bytes:
    """The buffer as bytes, then dropped."""
    data = d._data
    d._data = bytearray()
    return bytes(data)


def _take_str(d: _Decoder) -> str:
    """The buffer as str (already validated), then dropped."""
    data = d._data
    d._data = bytearray()
    return data.decode()
