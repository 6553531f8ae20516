"""Inflating a permessage-deflate message, within its limit (twin:
_native/inflate.pxi).

The inflater is the one deflate.make_decompressor gave (``_inflater``); what
it returns goes through message_buffer._append, so the text check and
max_message_size see inflated bytes as they come, and a bomb stops at one
byte over the limit.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from .._rules import protocol_error
from .message_buffer import _append

if TYPE_CHECKING:
    from .decoder import _Decoder


def _inflate_limit(d: _Decoder) -> int | None:
    """``max_length`` for the inflater: one byte over the limit exposes any excess."""
    limit = d._max_message
    return None if limit is None else limit - len(d._data) + 1


def _inflate_piece(d: _Decoder, piece: bytes | bytearray) -> None:
    """Inflate the next piece of the compressed payload."""
    try:
        out = d._inflater.decompress(piece, _inflate_limit(d))
    except zlib.error:
        raise protocol_error("corrupt_deflate") from None
    _append(d, out)


def _inflate_tail(d: _Decoder) -> None:
    """The message's last frame is in: what the inflater still holds."""
    try:
        tail = d._inflater.end_message(_inflate_limit(d))
    except zlib.error:
        raise protocol_error("corrupt_deflate") from None
    _append(d, tail)
