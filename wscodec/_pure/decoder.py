"""Frame and message decoding (RFC 6455 section 5) in pure Python: feed,
and its header -> payload -> finish loop (twin: _native/decoder.pxi).

This is the reference the native backend is held to, so it follows
docs/codec-rules.md to the letter, including *when* each error is raised:
any split of a stream into ``feed`` calls gives the same result.

Speed comes from parsing each ``feed``'s bytes in place by index (only a
partial header is ever carried over), unmasking each payload in a few C-level
passes (masking.xor_mask), CPython's UTF-8 decoder for validation, and an
inline loop for the common case of whole single-frame messages.

One class serves both decoders, as on the native side: ``_yields_frames``
(FrameDecoder) skips the message-level rules, and the methods carry the
native names (``_feed``, ``_run``, ``_begin``, ``_take_piece``,
``_finish_frame``, ``_end_message``), so a change is made in the same place
on both sides.

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
from .message_buffer import _append, _copy_unmasked, _drop_data, _take_bytes, _take_str
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

# _Decoder._state.  feed() holds _BUSY from entry to return: a second thread,
# or a callback such as an inflater, that calls feed() or __init__ meanwhile
# gets RuntimeError, as on the native backend.  Before __init__ the field is
# unset, and reading it raises (InitGuard).
_IDLE = 1
_BUSY = 2

# What an idle decoder holds for a control frame's payload: shared, so a
# connection between control frames pays nothing for it.
_NO_CONTROL = b""

_TEXT = Opcode.TEXT
_BINARY = Opcode.BINARY
_CLOSE = Opcode.CLOSE
_from_bytes = int.from_bytes


def _repr(decoder: _Decoder) -> str:
    name = type(decoder).__name__
    try:
        return f"<{name} role={'server' if decoder._server else 'client'}>"
    except RuntimeError:
        return f"<{name} not initialised>"


def _control_message(opcode: int, payload: bytes | bytearray) -> Message:
    payload = bytes(payload)
    if opcode == 8:
        code, reason = parse_close_payload(payload)
        return Message(_CLOSE, payload, code, reason)
    return Message(_OPCODES[opcode], payload)


class _Decoder(InitGuard):
    """The frame layer and the message layer, shared by both decoders
    (``_yields_frames`` selects FrameDecoder behaviour).

    ``__init__`` checks every argument first, then resets the whole state: a
    second ``__init__`` starts a new stream, a failed one changes nothing.
    """

    __slots__ = (
        # The configuration and the state machine.
        "_server", "_yields_frames", "_b0_errors", "_decode_text", "_max_frame", "_max_message",
        "_failed", "_state",
        # receive: what get_buffer lent.
        "_lent", "_recv", "_recv_lending", "_lease_view", "_payload_buf",
        # header: an unfinished header, and the header just parsed.
        "_hdr", "_first_byte", "_payload_len", "_key",
        # A payload that is still arriving.
        "_left", "_msg_op",
        # inflate, text_check, message_buffer; a control frame's payload.
        "_inflater", "_compressed", "_text_state", "_data", "_control",
    )
    _server: bool
    _yields_frames: bool
    _b0_errors: tuple[Any, ...]
    _decode_text: bool
    _max_frame: int | None
    _max_message: int | None
    _failed: int | None  # the close code once failed
    _state: int
    _lent: bool  # get_buffer handed a buffer out, no buffer_updated yet
    # The receive buffer get_buffer lent, and which lending of it was this
    # decoder's; None while no such read is outstanding.
    _recv: ReceiveBuffer | None
    _recv_lending: int
    _lease_view: memoryview | None  # what get_buffer lent inside a payload
    # Inside a long payload, where the native backend lends the payload's
    # own object, a buffer of this decoder's own.
    _payload_buf: ReceiveBuffer | None
    _hdr: bytearray
    _first_byte: int
    _payload_len: int
    _key: bytes | None  # mask of the current frame, rotated to the next byte
    # Payload bytes still due in the current frame: a payload is arriving
    # exactly while this is not 0 (native: _in_payload as well).
    _left: int
    _msg_op: Opcode | None  # opcode of the unfinished data message
    _inflater: Any
    _compressed: bool
    _text_state: Utf8Validator
    _data: bytearray  # the message (or data frame payload) streaming in
    _control: bytearray | bytes  # _NO_CONTROL between control frames

    def __sizeof__(self) -> int:
        """What this decoder holds right now (``sys.getsizeof``): itself,
        the message or payload being reassembled, and its inflater's zlib
        state.  The receive buffer its thread's decoders share is not
        counted: one per thread, not per connection."""
        size = object.__sizeof__(self)
        for name in ("_hdr", "_data", "_control", "_payload_buf", "_inflater"):
            try:
                value = getattr(self, name)
            except RuntimeError:  # never initialised
                continue
            if isinstance(value, ReceiveBuffer):
                value = value.data
            if value is not None and value is not _NO_CONTROL:
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
        if self._state != _IDLE:
            raise in_use(self)
        if self._lent:
            # The loop read nothing into the last one (EAGAIN, a TLS record
            # not complete yet, end of stream): it is simply taken back.
            self._lent = False
            self._recv = None
            _take_lease(self)
        if self._left >= LEND_MIN and self._first_byte & 0x0F < 8 \
                and (self._yields_frames or not self._compressed):
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
        self._lent = True
        return view

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
        leased = self._lease_view is not None
        size = _end_lease(self) if leased else RECV_BUFFER_SIZE
        if not 0 <= n <= size:
            raise ValueError(f"nbytes must be in 0..{size}, not {nbytes}")
        if leased:
            return _feed_lent(self, n)
        if recv is None or recv.lendings != self._recv_lending:
            raise RuntimeError("the receive buffer was lent to another reader before this buffer_updated()")
        # While it is decoded, a get_buffer() on this thread (from a
        # callback) gets a buffer of its own, so nothing writes into what
        # _feed reads.
        recv.decoding = True
        try:
            return self._feed(memoryview(recv.data)[:n])
        finally:
            recv.decoding = False

    def feed(self, data: ReadableBuffer) -> list[Any]:
        """Decode ``data`` (any C-contiguous buffer); return what it completed."""
        if type(data) is bytes:
            return self._feed(data)  # which checks the decoder is ready
        # Not initialised, in use or failed: said before any complaint about data.
        self._check_ready()
        # A bad argument raises here and leaves the decoder as it was.
        view = byte_view(data)
        try:
            return self._feed(view)
        finally:
            view.release()

    def _check_ready(self) -> None:
        if self._state != _IDLE:
            raise in_use(self)
        if self._failed is not None:
            raise already_failed(self._failed)
        if self._lent:
            raise RuntimeError("feed() while a buffer from get_buffer() awaits its buffer_updated()")

    def _feed(self, data: bytes | memoryview) -> list[Any]:
        self._check_ready()
        out: list[Any] = []
        self._state = _BUSY
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
                buf = data.tobytes()  # type: ignore[union-attr]  # a memoryview
            pos = self._run(buf, out)
            if pos < len(buf):
                stored += memoryview(buf)[pos:]
            return out
        except BaseException as exc:
            self._fail(exc, out)
            raise
        finally:
            self._state = _IDLE

    def _fail(self, exc: BaseException, out: list[Any]) -> None:
        """After any exception inside a feed the stream position is lost, so
        the decoder fails: with the ProtocolError's close code, or 1011 for
        anything else (MemoryError, an inflater's own error); what completed
        before is on the exception either way."""
        self._failed = exc.close_code if isinstance(exc, ProtocolError) else _INTERNAL_ERROR
        try:
            exc.completed = out  # type: ignore[attr-defined]  # any exception, as on ProtocolError
        except AttributeError:
            pass
        _drop_data(self)
        self._hdr = bytearray()
        self._left = 0

    def _reset(
        self,
        server: bool,
        yields_frames: bool,
        max_frame: int | None,
        max_message: int | None,
        allow_rsv1: bool,
        decode_text: bool,
        inflater: Any,
    ) -> None:
        """The whole state of a new stream; __init__ calls it once every
        argument is known to be good, so a failed __init__ changes nothing."""
        try:
            state = self._state
        except RuntimeError:  # the first __init__
            state = _IDLE
        if state == _BUSY:
            raise in_use(self)
        self._server = server
        self._yields_frames = yields_frames
        self._max_frame = max_frame
        self._max_message = max_message
        self._b0_errors = _B0_RSV1 if allow_rsv1 else _B0_STRICT
        self._decode_text = decode_text
        self._inflater = inflater
        self._failed = None
        self._lent = False
        self._recv = None
        self._recv_lending = 0
        try:
            _take_lease(self)
        except RuntimeError:  # the first __init__
            pass
        self._lease_view = None
        self._payload_buf = None
        self._hdr = bytearray()
        self._first_byte = 0
        self._payload_len = 0
        self._key = None
        self._left = 0
        self._msg_op = None
        self._compressed = False
        self._text_state = Utf8Validator()
        self._data = bytearray()
        self._control = _NO_CONTROL
        self._state = _IDLE

    def __repr__(self) -> str:
        return _repr(self)

    def _run(self, buf: bytes, out: list[Any]) -> int:
        """Decode ``buf``; return where it stopped (the start of an
        unfinished header, or the end)."""
        pos = 0
        n = len(buf)
        if self._left:
            pos = self._take_piece(buf, pos, n, out)
            if pos == n:
                return pos
        whole_messages = not self._yields_frames
        if whole_messages:
            server = self._server
            key_len = 4 if server else 0
            head_len = 2 + key_len
            mask_bit = 0x80 if server else 0
            cap = 125
            for limit in (self._max_frame, self._max_message):
                if limit is not None and limit < cap:
                    cap = limit
            decode_text = self._decode_text
            append = out.append
            from_bytes = _from_bytes
        while pos < n:
            if whole_messages and self._msg_op is None:
                # The hot path, inline: whole, unfragmented, uncompressed
                # TEXT or BINARY frames with a 7-bit length and the right
                # mask bit.  Every rule of codec-rules.md passes for them by
                # construction; it stops, leaving the frame to the full path
                # below, at the first that is anything else.
                while n - pos >= head_len:
                    b0 = buf[pos]
                    if b0 != 0x81 and b0 != 0x82:
                        break
                    length = buf[pos + 1] ^ mask_bit  # >= 128 when the mask bit is wrong
                    if length > cap:
                        break
                    start = pos + head_len
                    end = start + length
                    if end > n:
                        break
                    if key_len:
                        # xor_mask inlined; the padding bytes read past the
                        # payload (from the next frame, if any) are sliced off.
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
                if pos == n:
                    break
            head = _header(self, buf, pos, n - pos)
            if not head:
                break  # _feed keeps the unfinished header
            pos = self._begin(buf, pos + head, n, out)
        return pos

    def _begin(self, buf: bytes, pos: int, n: int, out: list[Any]) -> int:
        """Dispatch the frame whose header was just parsed; its payload
        starts at buf[pos].  Returns the position after what was consumed."""
        b0 = self._first_byte
        op = b0 & 0x0F
        length = self._payload_len
        key = self._key
        end = pos + length
        if end <= n:
            # The whole payload is here: build the result from it at once.
            frames = self._yields_frames
            # A frame of FrameDecoder's; for MessageDecoder FIN, uncompressed,
            # TEXT or BINARY and (step 5) no message pending: a whole
            # single-frame message.
            if frames or (b0 & 0xC0 == 0x80 and (op == 1 or op == 2)):
                payload: bytes | bytearray = buf[pos:end]
                if key is not None and length:
                    payload = xor_mask(payload, key)
                if frames:
                    # fin and rsv1 as ints: Frame takes any truth value and stores a bool.
                    out.append(Frame(_OPCODES[op], payload, b0 & 0x80, b0 & 0x40))  # type: ignore[arg-type]
                    return end
                if op == 2:
                    out.append(Message(_BINARY, bytes(payload)))
                    return end
                try:
                    text = payload.decode()
                except UnicodeDecodeError:
                    raise protocol_error("invalid_text") from None
                out.append(Message(_TEXT, text if self._decode_text else bytes(payload)))
                return end
            if op >= 8:
                out.append(self._whole_control(op, buf[pos:end], key))
                return end
        # Stream the payload: it is incomplete, or part of a fragmented or
        # compressed message.
        self._left = length
        if op >= 8:
            self._control = bytearray()
        elif op and not self._yields_frames:
            self._msg_op = _OPCODES[op]  # type: ignore[assignment]  # TEXT or BINARY
            self._compressed = bool(b0 & 0x40)
            if op == 1:
                _start_text(self._text_state)
        return self._take_piece(buf, pos, n, out)

    def _whole_control(self, op: int, src: bytes, key: bytes | None) -> Message:
        return _control_message(op, xor_mask(src, key) if key is not None and src else src)

    def _take_piece(self, buf: bytes, pos: int, n: int, out: list[Any]) -> int:
        """Take the part of the current payload that is in buf[pos:n]."""
        left = self._left
        k = n - pos
        if k > left:
            k = left
        if k:
            piece = _copy_unmasked(self, buf[pos : pos + k])
            op = self._first_byte & 0x0F
            if op >= 8:
                control = self._control
                control += piece
                if op == 8 and not self._yields_frames:
                    _check_close_prefix(control, False)
            elif self._yields_frames:
                self._data += piece  # FrameDecoder knows the exact size
            elif self._compressed:
                _inflate_piece(self, piece)
            else:
                _append(self, piece)
        left -= k
        self._left = left
        if not left:
            self._finish_frame(out)
        return pos + k

    def _finish_frame(self, out: list[Any]) -> None:
        b0 = self._first_byte
        op = b0 & 0x0F
        if self._yields_frames:
            if op >= 8:
                payload = bytes(self._control)
                self._control = _NO_CONTROL
            else:
                payload = _take_bytes(self)
            out.append(Frame(_OPCODES[op], payload, b0 & 0x80, b0 & 0x40))  # type: ignore[arg-type]
        elif op >= 8:
            control = self._control
            self._control = _NO_CONTROL
            out.append(_control_message(op, control))
        elif b0 & 0x80:
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
        server = role_is_server(role)
        max_frame = check_limit("max_frame_size", max_frame_size)
        self._reset(server, True, max_frame, None, bool(allow_rsv1), False, None)


class MessageDecoder(_Decoder):
    """Reassemble messages from a byte stream, streaming payloads through the
    UTF-8 check and the inflater so every error surfaces as early as possible."""

    __slots__ = ()

    def __init__(
        self,
        *,
        role: Literal["server", "client"] = "server",
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
        max_frame_size: int | None = None,
        deflate: PerMessageDeflate | None = None,
        decode_text: bool = True,
    ) -> None:
        server = role_is_server(role)
        max_frame = check_limit("max_frame_size", max_frame_size)
        max_message = check_limit("max_message_size", max_message_size)
        text_as_str = bool(decode_text)
        inflater: Any = None if deflate is None else deflate.make_decompressor(role)
        self._reset(server, False, max_frame, max_message, deflate is not None, text_as_str, inflater)
