"""Frame and message decoding (RFC 6455 section 5) in pure Python: feed,
and its header -> payload -> finish loop (twin: _native/decoder.pxi).

This is the reference the native backend is held to, so it follows
docs/codec-rules.md to the letter, including *when* each error is raised:
any split of a stream into ``feed`` calls gives the same result.

Speed comes from parsing each ``feed``'s bytes in place by index (only a
partial header is ever carried over), unmasking each payload in a few C-level
passes (masking.xor_mask), CPython's UTF-8 decoder for validation, and an
inline loop for the common case of whole single-frame messages.

Each concern is a module of its own, as functions over the decoder, named
as the native rooms name them: header (parsing and the header rules),
message_buffer (copy-in), text_check (streaming UTF-8), inflate
(permessage-deflate), receive (what get_buffer lends).
"""

from __future__ import annotations

import operator
import sys
from typing import TYPE_CHECKING, Any, Literal

from .._misuse import InitGuard, in_use
from .._rules import already_failed, check_limit, protocol_error, role_is_server
from .._types import DEFAULT_MAX_MESSAGE_SIZE, CloseCode, Opcode, ProtocolError
from ._buffers import byte_view
from .close import _check_close_prefix, parse_close_payload
from .header import _B0_RSV1, _B0_STRICT, _header, _resume_header
from .inflate import _inflate_piece, _inflate_tail
from .masking import xor_mask
from .message_buffer import _append, _copy_unmasked, _take_bytes, _take_str
from .receive import (
    LEND_MIN,
    RECV_BUFFER_SIZE,
    ReceiveBuffer,
    _end_lease,
    _feed_lent,
    _lend_payload,
    _take_lease,
    thread_receive_buffer,
)
from .text_check import _finish_text, _start_text
from .utf8 import Utf8Validator
from .values import OPCODES as _OPCODES
from .values import Frame, Message

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

    from ..deflate import PerMessageDeflate

__all__ = ["FrameDecoder", "MessageDecoder"]

_INTERNAL_ERROR = CloseCode.INTERNAL_ERROR

_TEXT = Opcode.TEXT
_BINARY = Opcode.BINARY
_CLOSE = Opcode.CLOSE
_from_bytes = int.from_bytes


def _mask_bit(role: object) -> int:
    return 0x80 if role_is_server(role) else 0


def _repr(decoder: _Decoder) -> str:
    name = type(decoder).__name__
    try:
        return f"<{name} role={'server' if decoder._mask_bit else 'client'}>"
    except RuntimeError:
        return f"<{name} not initialised>"


def _control_message(opcode: int, payload: bytes | bytearray) -> Message:
    payload = bytes(payload)
    if opcode == 8:
        code, reason = parse_close_payload(payload)
        return Message(_CLOSE, payload, code, reason)
    return Message(_OPCODES[opcode], payload)


class _Decoder(InitGuard):
    """The frame layer shared by both decoders.

    Subclasses supply ``_on_frame`` (a whole frame that arrived in one
    piece) and ``_on_start``/``_take_piece`` (a frame whose payload streams
    in); ``_yields_frames`` (FrameDecoder) skips the message-level rules.

    ``__init__`` checks every argument first, then resets the whole state: a
    second ``__init__`` starts a new stream, a failed one changes nothing.
    """

    __slots__ = (
        "_hdr", "_mask_bit", "_b0_errors", "_max_frame", "_left", "_key", "_first_byte", "_payload_len", "_failed",
        "_msg_op", "_busy", "_yields_frames", "_data",
        "_recv", "_recv_lending", "_payload_buf", "_lent", "_lent_size", "_lent_view",
    )

    def _reset(self, mask_bit: int, max_frame: int | None, allow_rsv1: bool, yields_frames: bool) -> None:
        try:
            busy = self._busy
        except RuntimeError:  # the first __init__
            busy = False
        if busy:
            raise in_use(self)
        self._mask_bit = mask_bit
        self._yields_frames = yields_frames
        self._max_frame = max_frame
        self._b0_errors = _B0_RSV1 if allow_rsv1 else _B0_STRICT
        self._hdr = bytearray()
        self._left = -1  # payload bytes still due in the current frame; -1: at a header
        self._key: bytes | None = None  # mask of the current frame, rotated to the next byte
        self._first_byte = 0
        self._payload_len = 0
        self._data = bytearray()  # the message (or data frame payload) streaming in
        self._failed: int | None = None
        self._msg_op: Opcode | None = None  # MessageDecoder: opcode of the unfinished data message
        self._busy: bool = False
        try:
            _take_lease(self)
        except RuntimeError:  # the first __init__
            pass
        self._lent = False  # get_buffer handed the buffer out, no buffer_updated yet
        self._lent_size = 0
        self._lent_view: memoryview | None = None  # what get_buffer lent inside a payload
        # The receive buffer get_buffer lent, and which lending of it was
        # this decoder's; None while no such read is outstanding.
        self._recv: ReceiveBuffer | None = None
        self._recv_lending = 0
        # Inside a long payload, where the native backend lends the
        # payload's own object, a buffer of this decoder's own.
        self._payload_buf: ReceiveBuffer | None = None

    def __sizeof__(self) -> int:
        """What this decoder holds right now (``sys.getsizeof``): itself,
        the message or payload being reassembled, and its inflater's zlib
        state.  The receive buffer its thread's decoders share is not
        counted: one per thread, not per connection."""
        size = object.__sizeof__(self)
        for name in ("_hdr", "_data", "_control", "_payload_buf", "_inflater"):
            try:
                value = getattr(self, name)
            except (AttributeError, RuntimeError):  # not this class's, or never initialised
                continue
            if isinstance(value, ReceiveBuffer):
                value = value.data
            if value is not None:
                size += sys.getsizeof(value)
        return size

    def get_buffer(self, sizehint: int = -1) -> memoryview:
        """asyncio.BufferedProtocol.get_buffer: a buffer for the event loop
        to read into, followed by one buffer_updated() call.  Inside a long
        data payload it holds the rest of the payload and room for the next
        header; elsewhere it is the 256 KiB receive buffer of the calling
        thread, which every decoder of that thread shares.  A second call
        before buffer_updated() takes the first buffer back."""
        # The native signature takes a C ssize_t: the same errors here.
        if not -sys.maxsize - 1 <= operator.index(sizehint) <= sys.maxsize:
            raise OverflowError("Python int too large to convert to C ssize_t")
        if self._busy:
            raise in_use(self)
        if self._lent:
            # The loop read nothing into the last one (EAGAIN, a TLS record
            # not complete yet, end of stream): it is simply taken back.
            self._lent = False
            self._recv = None
            _take_lease(self)
        if self._failed is None and self._left >= LEND_MIN and self._lends_payload():
            return _lend_payload(self)
        self._payload_buf = None
        recv = thread_receive_buffer()
        if recv.decoding:
            # Asked from a callback inside a decode of this thread's buffer:
            # a buffer of its own, so nothing writes into what is decoded.
            recv = ReceiveBuffer()
        view = recv.lend()
        self._recv = recv
        self._recv_lending = recv.lendings
        self._lent_size = RECV_BUFFER_SIZE
        self._lent = True
        return view

    def _lends_payload(self) -> bool:
        """Whether the payload that is arriving is one get_buffer lends."""
        return self._first_byte & 0x0F < 8

    def buffer_updated(self, nbytes: int) -> list[Any]:
        """asyncio.BufferedProtocol.buffer_updated: decode the ``nbytes``
        the loop wrote at the start of the buffer; return what they completed."""
        if not self._lent:
            raise RuntimeError("buffer_updated() without a get_buffer() before it")
        # Converted before anything changes, as on the native backend: an
        # __index__ that calls back into this decoder finds the buffer lent.
        try:
            n = operator.index(nbytes)
        except BaseException:
            if self._lent:
                self._lent = False
                self._recv = None
                _take_lease(self)
            raise
        if not self._lent:
            raise RuntimeError("buffer_updated() without a get_buffer() before it")
        self._lent = False
        recv = self._recv
        self._recv = None
        leased = self._lent_view is not None
        size = _end_lease(self) if leased else self._lent_size
        if not 0 <= n <= size:
            raise ValueError(f"nbytes must be in 0..{size}, not {nbytes}")
        if leased:
            return _feed_lent(self, n)
        if recv is None or recv.lendings != self._recv_lending:
            raise RuntimeError("the receive buffer was lent to another reader before this buffer_updated()")
        # While it is decoded, a get_buffer() on this thread (from a
        # callback) gets a buffer of its own, so nothing writes into what
        # feed reads.
        recv.decoding = True
        try:
            return self.feed(memoryview(recv.data)[:n])
        finally:
            recv.decoding = False

    def feed(self, data: ReadableBuffer) -> list[Any]:
        # The flag refuses a second thread, or a callback, entering the same
        # decoder mid-feed, as the native backend does.
        if self._busy:
            raise in_use(self)
        if self._failed is not None:
            raise already_failed(self._failed)
        if self._lent:
            raise RuntimeError("feed() while a buffer from get_buffer() awaits its buffer_updated()")
        # A bad argument raises here and leaves the decoder as it was.
        if type(data) is not bytes:
            data = byte_view(data)
        self._busy = True
        out: list[Any] = []
        try:
            # Parse a bytes object: int.from_bytes and slicing are faster on
            # bytes than on a bytearray.
            stored = self._hdr
            buf: bytes
            if stored:
                buf = _resume_header(self, data)
            elif type(data) is bytes:
                buf = data
            else:
                buf = data.tobytes()  # type: ignore[union-attr]  # a memoryview from byte_view
            pos = self._run(buf, 0, out)
            if pos < len(buf):
                stored += memoryview(buf)[pos:]
            return out
        except ProtocolError as exc:
            self._fail(exc.close_code, exc, out)
            raise
        except BaseException as exc:
            # MemoryError, an inflater's own error, KeyboardInterrupt: the
            # stream position is lost, so the decoder fails (1011); what
            # completed before is on the exception, as for ProtocolError.
            self._fail(_INTERNAL_ERROR, exc, out)
            raise
        finally:
            self._busy = False
            if type(data) is not bytes:
                data.release()  # type: ignore[union-attr]  # the view from byte_view above

    def _fail(self, close_code: int, exc: BaseException, out: list[Any]) -> None:
        self._failed = close_code
        self._hdr = bytearray()
        try:
            exc.completed = out  # type: ignore[attr-defined]  # any exception, as on ProtocolError
        except AttributeError:
            pass

    def _run(self, buf: bytes, pos: int, out: list[Any], single: bool = False) -> int:
        """Decode from ``buf[pos:]``; return where it stopped.  With ``single``,
        stop after a frame that leaves no message unfinished."""
        n = len(buf)
        left = self._left
        on_frame = self._on_frame
        while True:
            if left < 0:
                if pos == n:
                    break
                head = _header(self, buf, pos, n - pos)
                if not head:
                    break
                b0 = self._first_byte
                length = self._payload_len
                pos += head
                end = pos + length
                if end <= n:
                    payload: bytes | bytearray = buf[pos:end]
                    key = self._key
                    if key is not None and length:
                        payload = xor_mask(payload, key)
                    pos = end
                    on_frame(b0, payload, out)
                    if single and self._msg_op is None:
                        break
                    continue
                self._on_start(b0, length)
                left = length
            # Inside a payload that is still arriving.
            take = n - pos
            if take > left:
                take = left
            if not take:
                break
            piece = _copy_unmasked(self, buf[pos : pos + take])
            pos += take
            left -= take
            # Store the state first: _take_piece may raise, and must see it.
            self._left = left if left else -1
            self._take_piece(piece, not left, out)
            left = self._left
            if single and left < 0 and self._msg_op is None:
                break
        self._left = left
        return pos

    def _on_start(self, b0: int, length: int) -> None:
        pass

    # The layers above the frame layer (FrameDecoder, MessageDecoder).

    def _on_frame(self, b0: int, payload: bytes | bytearray, out: list[Any]) -> None:
        raise NotImplementedError

    def _take_piece(self, piece: bytes | bytearray, last: bool, out: list[Any]) -> None:
        raise NotImplementedError


class FrameDecoder(_Decoder):
    """Split a byte stream into ``Frame`` objects, checking the frame-level rules."""

    __slots__ = ()

    def __init__(
        self,
        *,
        role: Literal["server", "client"] = "server",
        max_frame_size: int | None = None,
        allow_rsv1: bool = False,
    ) -> None:
        mask_bit = _mask_bit(role)
        max_frame = check_limit("max_frame_size", max_frame_size)
        self._reset(mask_bit, max_frame, allow_rsv1, True)

    def _on_frame(self, b0: int, payload: bytes | bytearray, out: list[Any]) -> None:
        # fin and rsv1 as ints: Frame takes any truth value and stores a bool.
        out.append(Frame(_OPCODES[b0 & 0x0F], payload, b0 & 0x80, b0 & 0x40))  # type: ignore[arg-type]

    def _take_piece(self, piece: bytes | bytearray, last: bool, out: list[Any]) -> None:
        self._data += piece
        if last:
            self._on_frame(self._first_byte, _take_bytes(self), out)

    def __repr__(self) -> str:
        return _repr(self)


class MessageDecoder(_Decoder):
    """Reassemble messages from a byte stream, streaming payloads through the
    UTF-8 check and the inflater so every error surfaces as early as possible."""

    __slots__ = (
        "_max_message",
        "_decode_text",
        "_inflater",
        "_compressed",
        "_text_state",
        "_control",
    )

    def __init__(
        self,
        *,
        role: Literal["server", "client"] = "server",
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
        max_frame_size: int | None = None,
        deflate: PerMessageDeflate | None = None,
        decode_text: bool = True,
    ) -> None:
        mask_bit = _mask_bit(role)
        max_frame = check_limit("max_frame_size", max_frame_size)
        max_message = check_limit("max_message_size", max_message_size)
        text_as_str = bool(decode_text)
        inflater: Any = None if deflate is None else deflate.make_decompressor(role)
        self._reset(mask_bit, max_frame, deflate is not None, False)
        self._max_message = max_message
        self._decode_text = text_as_str
        self._inflater = inflater
        self._compressed = False
        self._text_state = Utf8Validator()
        self._control = bytearray()

    def _run(self, buf: bytes, pos: int, out: list[Any], single: bool = False) -> int:
        # Alternate: the fast loop takes every run of simple frames, the
        # general one each frame in between (and a frame split across feeds).
        n = len(buf)
        while True:
            if self._left < 0 and self._msg_op is None:
                pos = self._run_simple(buf, pos, out)
            done = _Decoder._run(self, buf, pos, out, True)
            if done == pos or done == n:
                return done
            pos = done

    def _run_simple(self, buf: bytes, pos: int, out: list[Any]) -> int:
        """Decode the common case inline: whole, unfragmented, uncompressed
        TEXT or BINARY frames with a 7-bit length and the right mask bit.
        Stops, leaving the rest to the general loop, at the first frame that
        is anything else (including one that breaks a rule)."""
        n = len(buf)
        mask_bit = self._mask_bit
        head = 6 if mask_bit else 2
        cap = 125
        for limit in (self._max_frame, self._max_message):
            if limit is not None and limit < cap:
                cap = limit
        decode_text = self._decode_text
        append = out.append
        from_bytes = _from_bytes
        while n - pos >= head:
            b0 = buf[pos]
            if b0 != 0x81 and b0 != 0x82:
                break
            length = buf[pos + 1] ^ mask_bit  # >= 128 when the mask bit is wrong
            if length > cap:
                break
            start = pos + head
            end = start + length
            if end > n:
                break
            if mask_bit:
                # xor_mask inlined; the padding bytes read past the payload
                # (from the next frame, if any) are sliced off again.
                padded = (length + 3) & ~3
                value = from_bytes(buf[start : start + padded], "little") ^ from_bytes(
                    buf[pos + 2 : start] * (padded >> 2), "little"
                )
                payload = value.to_bytes(padded, "little")[:length]
            else:
                payload = buf[start:end]
            pos = end
            if b0 == 0x82:
                append(Message(_BINARY, bytes(payload)))
                continue
            try:
                text = payload.decode()
            except UnicodeDecodeError:
                raise protocol_error("invalid_text") from None
            append(Message(_TEXT, text if decode_text else bytes(payload)))
        return pos

    def _on_frame(self, b0: int, payload: bytes | bytearray, out: list[Any]) -> None:
        opcode = b0 & 0x0F
        # The common case: a whole uncompressed single-frame message.
        if b0 & 0xC0 == 0x80 and (opcode == 1 or opcode == 2):
            if opcode == 2:
                out.append(Message(_BINARY, bytes(payload)))
                return
            try:
                text = payload.decode()
            except UnicodeDecodeError:
                raise protocol_error("invalid_text") from None
            out.append(Message(_TEXT, text if self._decode_text else bytes(payload)))
            return
        if opcode >= 8:
            out.append(_control_message(opcode, payload))
            return
        self._on_start(b0, len(payload))
        self._first_byte = b0
        self._take_piece(payload, True, out)

    def _lends_payload(self) -> bool:
        return not self._compressed and self._first_byte & 0x0F < 8

    def _on_start(self, b0: int, length: int) -> None:
        opcode = b0 & 0x0F
        if opcode and opcode < 8:
            self._msg_op = _OPCODES[opcode]  # type: ignore[assignment]  # TEXT or BINARY
            self._compressed = bool(b0 & 0x40)
            if opcode == 1:
                _start_text(self._text_state)

    def _take_piece(self, piece: bytes | bytearray, last: bool, out: list[Any]) -> None:
        b0 = self._first_byte
        opcode = b0 & 0x0F
        if opcode >= 8:
            control = self._control
            control += piece
            if opcode == 8:
                _check_close_prefix(control, False)
            if last:
                self._control = bytearray()
                out.append(_control_message(opcode, control))
            return
        if self._compressed:
            _inflate_piece(self, piece)
        else:
            _append(self, piece)
        if last and b0 & 0x80:
            self._end_message(out)

    def _end_message(self, out: list[Any]) -> None:
        if self._compressed:
            _inflate_tail(self)
        opcode = self._msg_op
        self._msg_op = None
        self._compressed = False
        if opcode is _TEXT:
            _finish_text(self._text_state)
            out.append(Message(_TEXT, _take_str(self) if self._decode_text else _take_bytes(self)))
        else:
            assert opcode is not None
            out.append(Message(opcode, _take_bytes(self)))

    def __repr__(self) -> str:
        return _repr(self)
