"""Frame and message decoding (RFC 6455 section 5) in pure Python
(twin: _native/decoder.pxi).

This is the reference the native backend is held to, so it follows
docs/codec-rules.md to the letter, including *when* each error is raised:
any split of a stream into ``feed`` calls gives the same result.

Speed comes from parsing each ``feed``'s bytes in place by index (only a
partial header is ever carried over), unmasking each payload in a few C-level
passes (masking.xor_mask), CPython's UTF-8 decoder for validation, and an
inline loop for the common case of whole single-frame messages.
"""

from __future__ import annotations

import operator
import sys
import zlib
from typing import TYPE_CHECKING, Any, Literal

from .._misuse import InitGuard, in_use
from .._rules import already_failed, check_limit, protocol_error, role_is_server
from .._types import DEFAULT_MAX_MESSAGE_SIZE, CloseCode, Opcode, ProtocolError
from ._buffers import byte_view
from .close import _check_close_prefix, parse_close_payload
from .masking import xor_mask
from .receive import RECV_BUFFER_SIZE, ReceiveBuffer, thread_receive_buffer
from .utf8 import Utf8Validator
from .values import OPCODES as _OPCODES
from .values import Frame, Message

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

    from ..deflate import PerMessageDeflate

# A broken rule of _rules.PROTOCOL_ERRORS and the values of its text.
_RuleBroken = tuple[str, dict[str, int]]

__all__ = ["FrameDecoder", "MessageDecoder"]

_INTERNAL_ERROR = CloseCode.INTERNAL_ERROR

_TEXT = Opcode.TEXT
_BINARY = Opcode.BINARY
_CLOSE = Opcode.CLOSE
_from_bytes = int.from_bytes


def _first_byte_errors(allow_rsv1: bool) -> tuple[_RuleBroken | None, ...]:
    """Step 1 of the header checks for every possible first byte: the rule
    it breaks and that rule's values, or None."""
    table: list[_RuleBroken | None] = []
    for b0 in range(256):
        opcode = b0 & 0x0F
        error: _RuleBroken | None
        if b0 & 0x30:
            error = ("rsv2_rsv3", {})
        elif b0 & 0x40 and not allow_rsv1:
            error = ("rsv1_not_negotiated", {})
        elif opcode not in Opcode._value2member_map_:
            error = ("reserved_opcode", {"opcode": opcode})
        elif opcode >= 8 and not b0 & 0x80:
            error = ("fragmented_control", {})
        else:
            error = None
        table.append(error)
    return tuple(table)


def _first_byte_error(error: _RuleBroken | None) -> ProtocolError:
    assert error is not None
    rule, values = error
    return protocol_error(rule, **values)


_B0_STRICT = _first_byte_errors(False)
_B0_RSV1 = _first_byte_errors(True)


#: Inside a data payload with at least this much still to come, get_buffer
#: lends at most the rest of the payload and LEND_SPARE bytes for the next
#: header, as the native backend does: there the read lands in the payload's
#: own object.
LEND_MIN = RECV_BUFFER_SIZE
LEND_SPARE = 14


def _mask_bit(role: object) -> int:
    return 0x80 if role_is_server(role) else 0


def _repr(decoder: _Decoder) -> str:
    name = type(decoder).__name__
    try:
        return f"<{name} role={'server' if decoder._mask_bit else 'client'}>"
    except RuntimeError:
        return f"<{name} not initialised>"


class _Decoder(InitGuard):
    """The frame layer shared by both decoders.

    Subclasses supply ``_check_message_header`` (the checks of step 5, from the header
    alone), ``_on_frame`` (a whole frame that arrived in one piece) and
    ``_on_start``/``_take_piece`` (a frame whose payload streams in).

    ``__init__`` checks every argument first, then resets the whole state: a
    second ``__init__`` starts a new stream, a failed one changes nothing.
    """

    __slots__ = (
        "_hdr", "_mask_bit", "_b0_errors", "_max_frame", "_left", "_key", "_first_byte", "_failed", "_msg_op", "_busy",
        "_recv", "_recv_lending", "_payload_buf", "_lent", "_lent_size", "_lent_view",
    )

    def _reset(self, mask_bit: int, max_frame: int | None, allow_rsv1: bool) -> None:
        try:
            busy = self._busy
        except RuntimeError:  # the first __init__
            busy = False
        if busy:
            raise in_use(self)
        self._mask_bit = mask_bit
        self._max_frame = max_frame
        self._b0_errors = _B0_RSV1 if allow_rsv1 else _B0_STRICT
        self._hdr = bytearray()
        self._left = -1  # payload bytes still due in the current frame; -1: at a header
        self._key: bytes | None = None  # mask of the current frame, rotated to the next byte
        self._first_byte = 0
        self._failed: int | None = None
        self._msg_op: Opcode | None = None  # MessageDecoder: opcode of the unfinished data message
        self._busy: bool = False
        try:
            self._release_lent_view()
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
        for name in ("_hdr", "_data", "_control", "_payload", "_payload_buf", "_inflater"):
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
            self._release_lent_view()
        if self._failed is None and self._left >= LEND_MIN and self._lends_payload():
            # Released again by buffer_updated, as the native backend
            # releases the window of the payload's object it lends.
            if self._payload_buf is None:
                self._payload_buf = ReceiveBuffer()
            self._lent_size = min(self._left + LEND_SPARE, RECV_BUFFER_SIZE)
            self._lent_view = self._payload_buf.lend()[:self._lent_size]
            self._lent = True
            return self._lent_view
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

    def _release_lent_view(self) -> None:
        view = self._lent_view
        if view is not None:
            self._lent_view = None
            try:
                view.release()
            except BufferError:
                pass  # exported further; it only ever reaches the receive buffer

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
                self._release_lent_view()
            raise
        if not self._lent:
            raise RuntimeError("buffer_updated() without a get_buffer() before it")
        self._lent = False
        recv = self._recv
        self._recv = None
        leased = self._lent_view is not None
        self._release_lent_view()
        size = self._lent_size
        if not 0 <= n <= size:
            raise ValueError(f"nbytes must be in 0..{size}, not {nbytes}")
        if leased:
            assert self._payload_buf is not None
            try:
                return self.feed(memoryview(self._payload_buf.data)[:n])
            finally:
                if self._left < LEND_MIN:
                    # No more reads to lend inside this payload: a decoder
                    # that goes idle now keeps no buffer, as on the native
                    # backend, where the payload's object went out with it.
                    self._payload_buf = None
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
            # bytes than on a bytearray.  The leftover is at most a partial
            # header (payloads stream out as they arrive), so the join copies
            # little more than the caller's data, once per feed.
            stored = self._hdr
            buf: bytes
            if stored:
                buf = bytes(stored) + data
                stored.clear()
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
        mask_bit = self._mask_bit
        b0_errors = self._b0_errors
        max_frame = self._max_frame
        check_message_header = self._check_message_header
        on_frame = self._on_frame
        while True:
            if left < 0:
                avail = n - pos
                if avail < 2:
                    if avail and b0_errors[buf[pos]] is not None:
                        raise _first_byte_error(b0_errors[buf[pos]])
                    break
                b0 = buf[pos]
                b1 = buf[pos + 1]
                if b0_errors[b0] is not None:
                    raise _first_byte_error(b0_errors[b0])
                if b1 & 0x80 != mask_bit:
                    raise protocol_error("unmasked_from_client" if mask_bit else "masked_from_server")
                length = b1 & 0x7F
                if length < 126:
                    head = 2
                elif b0 & 0x08:
                    raise protocol_error("control_too_long")
                elif length == 126:
                    if avail < 4:
                        break
                    length = buf[pos + 2] << 8 | buf[pos + 3]
                    head = 4
                else:
                    if avail > 2 and buf[pos + 2] & 0x80:
                        raise protocol_error("length_top_bit")
                    if avail < 10:
                        break
                    length = _from_bytes(buf[pos + 2 : pos + 10], "big")
                    head = 10
                if max_frame is not None and length > max_frame:
                    raise protocol_error("frame_too_big", length=length, limit=max_frame)
                check_message_header(b0, length)
                if mask_bit:
                    head += 4
                    if avail < head:
                        break
                    key = buf[pos + head - 4 : pos + head]
                else:
                    if avail < head:
                        break
                    key = None
                pos += head
                end = pos + length
                if end <= n:
                    payload: bytes | bytearray = buf[pos:end]
                    if key is not None and length:
                        payload = xor_mask(payload, key)
                    pos = end
                    on_frame(b0, payload, out)
                    if single and self._msg_op is None:
                        break
                    continue
                self._first_byte = b0
                self._key = key
                self._on_start(b0, length)
                left = length
            # Inside a payload that is still arriving.
            take = n - pos
            if take > left:
                take = left
            if not take:
                break
            piece: bytes | bytearray = buf[pos : pos + take]
            pos += take
            left -= take
            key = self._key
            if key is not None:
                piece = xor_mask(piece, key)
                shift = take & 3
                if shift:
                    self._key = key[shift:] + key[:shift]
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

    def _check_message_header(self, b0: int, length: int) -> None:
        raise NotImplementedError

    def _on_frame(self, b0: int, payload: bytes | bytearray, out: list[Any]) -> None:
        raise NotImplementedError

    def _take_piece(self, piece: bytes | bytearray, last: bool, out: list[Any]) -> None:
        raise NotImplementedError


class FrameDecoder(_Decoder):
    """Split a byte stream into ``Frame`` objects, checking the frame-level rules."""

    __slots__ = ("_payload",)

    def __init__(
        self,
        *,
        role: Literal["server", "client"] = "server",
        max_frame_size: int | None = None,
        allow_rsv1: bool = False,
    ) -> None:
        mask_bit = _mask_bit(role)
        max_frame = check_limit("max_frame_size", max_frame_size)
        self._reset(mask_bit, max_frame, allow_rsv1)
        self._payload = bytearray()

    def _check_message_header(self, b0: int, length: int) -> None:
        pass

    def _on_frame(self, b0: int, payload: bytes | bytearray, out: list[Any]) -> None:
        # fin and rsv1 as ints: Frame takes any truth value and stores a bool.
        out.append(Frame(_OPCODES[b0 & 0x0F], payload, b0 & 0x80, b0 & 0x40))  # type: ignore[arg-type]

    def _take_piece(self, piece: bytes | bytearray, last: bool, out: list[Any]) -> None:
        self._payload += piece
        if last:
            payload = bytes(self._payload)
            self._payload = bytearray()
            self._on_frame(self._first_byte, payload, out)

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
        "_data",
        "_utf8",
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
        self._reset(mask_bit, max_frame, deflate is not None)
        self._max_message = max_message
        self._decode_text = text_as_str
        self._inflater = inflater
        self._compressed = False
        self._data = bytearray()
        self._utf8 = Utf8Validator()
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

    def _check_message_header(self, b0: int, length: int) -> None:
        opcode = b0 & 0x0F
        if opcode >= 8:
            if b0 & 0x40:
                raise protocol_error("rsv1_on_control")
            if opcode == 8 and length == 1:
                raise protocol_error("close_one_byte")
            return
        if opcode:
            if self._msg_op is not None:
                raise protocol_error("data_while_fragmented")
            size = 0
            compressed = b0 & 0x40
        else:
            if b0 & 0x40:
                raise protocol_error("rsv1_on_continuation")
            if self._msg_op is None:
                raise protocol_error("continuation_without_start")
            size = len(self._data)
            compressed = self._compressed
        limit = self._max_message
        if not compressed and limit is not None and size + length > limit:
            raise protocol_error("message_too_big", limit=limit)

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
            out.append(self._control_message(opcode, payload))
            return
        self._on_start(b0, len(payload))
        self._first_byte = b0
        self._take_piece(payload, True, out)

    def _control_message(self, opcode: int, payload: bytes | bytearray) -> Message:
        payload = bytes(payload)
        if opcode == 8:
            code, reason = parse_close_payload(payload)
            return Message(_CLOSE, payload, code, reason)
        return Message(_OPCODES[opcode], payload)

    def _lends_payload(self) -> bool:
        return not self._compressed and self._first_byte & 0x0F < 8

    def _on_start(self, b0: int, length: int) -> None:
        opcode = b0 & 0x0F
        if opcode and opcode < 8:
            self._msg_op = _OPCODES[opcode]  # type: ignore[assignment]  # TEXT or BINARY
            self._compressed = bool(b0 & 0x40)

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
                out.append(self._control_message(opcode, control))
            return
        if self._compressed:
            try:
                piece = self._inflater.decompress(piece, self._inflate_limit())
            except zlib.error:
                raise protocol_error("corrupt_deflate") from None
        self._append(piece)
        if last and b0 & 0x80:
            self._end_message(out)

    def _inflate_limit(self) -> int | None:
        """``max_length`` for the inflater: one byte over the limit exposes any excess."""
        limit = self._max_message
        return None if limit is None else limit - len(self._data) + 1

    def _append(self, chunk: bytes | bytearray) -> None:
        data = self._data
        text = self._msg_op is _TEXT
        limit = self._max_message
        if limit is not None and len(data) + len(chunk) > limit:
            # Validate what fits first: the error must follow stream order.
            if text and not self._utf8.feed(memoryview(chunk)[: limit - len(data)]):
                raise protocol_error("invalid_text")
            raise protocol_error("message_too_big", limit=limit)
        if text and chunk and not self._utf8.feed(chunk):
            raise protocol_error("invalid_text")
        data += chunk

    def _end_message(self, out: list[Any]) -> None:
        if self._compressed:
            try:
                tail = self._inflater.end_message(self._inflate_limit())
            except zlib.error:
                raise protocol_error("corrupt_deflate") from None
            self._append(tail)
        opcode = self._msg_op
        data = self._data
        self._data = bytearray()
        self._msg_op = None
        self._compressed = False
        if opcode is _TEXT:
            utf8 = self._utf8
            complete = utf8.finish()
            utf8.reset()
            if not complete:
                raise protocol_error("text_ends_mid_character")
            out.append(Message(_TEXT, data.decode() if self._decode_text else bytes(data)))
        else:
            assert opcode is not None
            out.append(Message(opcode, bytes(data)))

    def __repr__(self) -> str:
        return _repr(self)
