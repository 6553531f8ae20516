"""Encode once, send to many: one server message framed once for every
connection that can share its bytes.

A server that fans one message out to thousands of connections (tickers,
chat rooms, dashboards) need not frame, or compress, it thousands of times:
server frames are unmasked (RFC 6455 section 5.3), so the frame of a
message is the same for every uncompressed connection, and with
permessage-deflate *without* server context takeover every message is
compressed from an empty window, so its compressed frame is the same for
every connection that negotiated the same parameters.

With server context takeover (the RFC 7692 default) that is impossible:
each connection's compressor keeps the history of everything it sent to
that peer, and the peer's decompressor inflates against that same history,
so the compressed bytes of one message differ per connection and must come
from that connection's own ``MessageEncoder``.  :meth:`PreparedMessage.frame`
raises :class:`ContextTakeoverError` for such parameters and
:meth:`PreparedMessage.frame_for` falls back to the connection's encoder.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from . import encode_frame
from ._rules import check_limit
from ._types import Opcode

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

    from .deflate import PerMessageDeflate

__all__ = ["ContextTakeoverError", "PreparedMessage", "broadcast"]


class _Transport(Protocol):
    def write(self, data: bytes, /) -> Any: ...
    def is_closing(self) -> bool: ...
    def get_write_buffer_size(self) -> int: ...


class _Encoder(Protocol):
    def text(self, data: str, /) -> bytes: ...
    def binary(self, data: ReadableBuffer, /) -> bytes: ...


class ContextTakeoverError(ValueError):
    """The negotiated parameters keep per-connection compression history, so
    no compressed frame can be shared between connections."""


class PreparedMessage:
    """A server data message framed once: a ``str`` is a text message,
    any other buffer a binary one.

    :meth:`frame` gives the wire bytes for a connection with the given
    negotiated permessage-deflate parameters (``None``: not negotiated);
    the same ``bytes`` object for every connection that can share it.
    """

    __slots__ = ("opcode", "payload", "data", "_plain", "_compressed")

    opcode: Opcode
    payload: bytes
    data: str | ReadableBuffer

    def __init__(self, data: str | ReadableBuffer) -> None:
        if isinstance(data, str):
            self.opcode = Opcode.TEXT
            self.payload = data.encode("utf-8")
        else:
            self.opcode = Opcode.BINARY
            self.payload = bytes(data)
        self.data = data
        self._plain = encode_frame(self.opcode, self.payload)
        self._compressed: dict[PerMessageDeflate, bytes] = {}

    def frame(self, deflate: PerMessageDeflate | None = None) -> bytes:
        """The frame for a connection that negotiated ``deflate``."""
        if deflate is None or len(self.payload) < deflate.min_size:
            return self._plain
        try:
            return self._compressed[deflate]
        except KeyError:
            pass
        if not deflate.server_no_context_takeover:
            raise ContextTakeoverError(
                "permessage-deflate with server context takeover compresses each "
                "message against that connection's own history: its frame cannot be "
                "shared; use the connection's MessageEncoder (PreparedMessage.frame_for)"
            )
        compressed = deflate.make_compressor("server").compress(self.payload)
        frame = encode_frame(self.opcode, compressed, rsv1=True)
        self._compressed[deflate] = frame
        return frame

    def frame_for(self, deflate: PerMessageDeflate | None, encoder: _Encoder) -> bytes:
        """:meth:`frame`, or the connection's own ``encoder`` output when the
        parameters keep context (the only correct bytes for that peer)."""
        if deflate is not None and not deflate.server_no_context_takeover \
                and len(self.payload) >= deflate.min_size:
            if isinstance(self.data, str):
                return encoder.text(self.data)
            return encoder.binary(self.payload)
        return self.frame(deflate)

    def __repr__(self) -> str:
        kind = "text" if self.opcode == Opcode.TEXT else "binary"
        return f"<PreparedMessage {kind} {len(self.payload)} bytes>"


def broadcast(
    transports: Iterable[_Transport],
    message: PreparedMessage | str | ReadableBuffer,
    deflate: PerMessageDeflate | None = None,
    *,
    skip_above: int | None = None,
) -> int:
    """Write one message to many asyncio transports that share the same
    negotiated ``deflate`` (``None``: no compression); returns how many
    were written to.  ``message`` is a :class:`PreparedMessage` or data for
    one.  Transports that are closing are skipped.

    ``skip_above`` (bytes): a transport whose write buffer already holds
    more than this is skipped too.  A peer that stopped reading then costs
    the server at most that much plus one message, instead of a copy of
    every message broadcast since; what it missed is the application's to
    decide (close it, or send it a snapshot once it drains).  ``None``
    writes to every open transport.

    With server context takeover this raises :class:`ContextTakeoverError`:
    write ``message.frame_for(deflate, encoder)`` per connection instead.
    """
    skip_above = check_limit("skip_above", skip_above)
    if not isinstance(message, PreparedMessage):
        message = PreparedMessage(message)
    data = message.frame(deflate)
    sent = 0
    for transport in transports:
        if transport.is_closing():
            continue
        if skip_above is not None and transport.get_write_buffer_size() > skip_above:
            continue
        transport.write(data)
        sent += 1
    return sent
