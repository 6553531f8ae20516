"""The payload path of aiohttp's pure-Python ``WebSocketReader``, with one
copy per data frame instead of four.

``_feed_data`` is the state machine of ``aiohttp/_websocket/reader_py.py``
(aiohttp 3.14, Apache-2.0) statement for statement: the same checks in the
same order, the same error texts and close codes, the same attributes
written at the same points (aiohttp's own tests read them), the same flow
control.  What differs is how a data frame's payload becomes ``bytes``:
aiohttp slices it out of the read (a copy), copies it into a
``bytearray``, unmasks that in place and copies it to ``bytes`` once the
frame is whole; here ``apply_mask`` reads the masked bytes where they lie
and writes the unmasked ``bytes`` that aiohttp hands on, in one pass.
Control frames keep aiohttp's ``bytearray`` path: a masked ping's payload
reaches the application as a ``bytearray`` and stays one.

It is installed only over the reader source it was checked against
(``MIRRORED``): over any other, ``install()`` refuses and changes nothing.
"""

from __future__ import annotations

from typing import Any

from .. import apply_mask, decode_utf8
from ._support import source_digest

__all__ = ["MIRRORED", "is_mirrored", "feed_data_method", "handle_frame_method"]

# source_digest() of aiohttp's WebSocketReader._feed_data and _handle_frame
# (the second receives the payloads) in the releases this was checked with.
MIRRORED = frozenset({
    "5e8e927c90cf3c3809ebb3065ddcacd836cf1845bc5e78aa71457715a93d0ce6",  # 3.14.5
})


def is_mirrored(reader_py: Any) -> bool:
    """Is ``reader_py``'s reader the code that ``_feed_data`` mirrors?"""
    reader = reader_py.WebSocketReader
    return source_digest(reader._feed_data, reader._handle_frame) in MIRRORED


def feed_data_method(reader_py: Any) -> Any:
    """``WebSocketReader._feed_data`` for aiohttp's ``reader_py`` module,
    with that module's constants and masker looked up as it does."""
    WebSocketError = reader_py.WebSocketError
    WSCloseCode = reader_py.WSCloseCode
    UNPACK_LEN3 = reader_py.UNPACK_LEN3
    MAX_PAYLOAD_LEN = reader_py.MAX_PAYLOAD_LEN
    READ_HEADER = reader_py.READ_HEADER
    READ_PAYLOAD_LENGTH = reader_py.READ_PAYLOAD_LENGTH
    READ_PAYLOAD_MASK = reader_py.READ_PAYLOAD_MASK
    READ_PAYLOAD = reader_py.READ_PAYLOAD
    COMPRESSED_NOT_SET = reader_py.COMPRESSED_NOT_SET
    COMPRESSED_TRUE = reader_py.COMPRESSED_TRUE
    COMPRESSED_FALSE = reader_py.COMPRESSED_FALSE
    KNOWN_OPCODES = frozenset({
        reader_py.OP_CODE_CONTINUATION,
        reader_py.OP_CODE_TEXT,
        reader_py.OP_CODE_BINARY,
        reader_py.OP_CODE_CLOSE,
        reader_py.OP_CODE_PING,
        reader_py.OP_CODE_PONG,
    })
    DATA_OPCODES = frozenset({
        reader_py.OP_CODE_TEXT,
        reader_py.OP_CODE_BINARY,
        reader_py.OP_CODE_CONTINUATION,
    })
    PROTOCOL_ERROR = WSCloseCode.PROTOCOL_ERROR
    MESSAGE_TOO_BIG = WSCloseCode.MESSAGE_TOO_BIG

    def _feed_data(self: Any, data: bytes) -> None:
        queue = self.queue
        queue._stalled_reader = None
        if self._tail:
            data, self._tail = self._tail + data, b""

        start_pos = 0
        data_len = len(data)
        view = None

        while True:
            if start_pos < data_len and queue._size > queue._limit:
                queue._stalled_reader = self._weak_self
                break

            state = self._state
            if state == READ_HEADER:
                if data_len - start_pos < 2:
                    break
                first_byte = data[start_pos]
                second_byte = data[start_pos + 1]
                start_pos += 2

                fin = (first_byte >> 7) & 1
                rsv1 = (first_byte >> 6) & 1
                opcode = first_byte & 0xF

                if first_byte & 0x30 or (rsv1 and not self._compress):
                    raise WebSocketError(PROTOCOL_ERROR, "Received frame with non-zero reserved bits")
                if opcode not in KNOWN_OPCODES:
                    raise WebSocketError(PROTOCOL_ERROR, f"Unexpected opcode={opcode!r}")
                if opcode > 0x7 and fin == 0:
                    raise WebSocketError(PROTOCOL_ERROR, "Received fragmented control frame")

                has_mask = (second_byte >> 7) & 1
                length = second_byte & 0x7F
                if opcode > 0x7 and length > 125:
                    raise WebSocketError(
                        PROTOCOL_ERROR, "Control frame payload cannot be larger than 125 bytes"
                    )

                # Control frames may come between the fragments of a data
                # message: they leave its compression state alone.
                if opcode <= 0x7:
                    if self._frame_fin or self._compressed == COMPRESSED_NOT_SET:
                        self._compressed = COMPRESSED_TRUE if rsv1 else COMPRESSED_FALSE
                    elif rsv1:
                        raise WebSocketError(PROTOCOL_ERROR, "Received frame with non-zero reserved bits")
                    self._frame_fin = bool(fin)

                self._frame_opcode = opcode
                self._has_mask = bool(has_mask)
                self._payload_len_flag = length
                self._state = state = READ_PAYLOAD_LENGTH

            if state == READ_PAYLOAD_LENGTH:
                len_flag = self._payload_len_flag
                if len_flag == 126:
                    if data_len - start_pos < 2:
                        break
                    to_read = data[start_pos] << 8 | data[start_pos + 1]
                    start_pos += 2
                elif len_flag > 126:
                    if data_len - start_pos < 8:
                        break
                    to_read = UNPACK_LEN3(data, start_pos)[0]
                    if to_read > MAX_PAYLOAD_LEN:
                        raise WebSocketError(
                            MESSAGE_TOO_BIG,
                            f"Message size {int(to_read) + len(self._partial)} "
                            f"exceeds limit {self._max_msg_size or MAX_PAYLOAD_LEN}",
                        )
                    start_pos += 8
                else:
                    to_read = len_flag
                self._payload_bytes_to_read = to_read

                # Refused before a byte of the payload is buffered.
                max_msg_size = self._max_msg_size
                if max_msg_size and self._frame_opcode in DATA_OPCODES:
                    partial_len = len(self._partial)
                    if to_read >= max_msg_size - partial_len:
                        raise WebSocketError(
                            MESSAGE_TOO_BIG,
                            f"Message size {int(to_read) + partial_len} exceeds limit {max_msg_size}",
                        )

                self._state = state = READ_PAYLOAD_MASK if self._has_mask else READ_PAYLOAD

            if state == READ_PAYLOAD_MASK:
                if data_len - start_pos < 4:
                    break
                self._frame_mask = data[start_pos : start_pos + 4]
                start_pos += 4
                self._state = state = READ_PAYLOAD

            if state == READ_PAYLOAD:
                to_read = self._payload_bytes_to_read
                chunk_len = data_len - start_pos
                if to_read >= chunk_len:
                    f_end_pos = data_len
                    to_read -= chunk_len
                else:
                    f_end_pos = start_pos + to_read
                    to_read = 0
                self._payload_bytes_to_read = to_read

                had_fragments = self._frame_payload_len
                self._frame_payload_len = had_fragments + f_end_pos - start_pos
                f_start_pos = start_pos
                start_pos = f_end_pos

                fragments = self._payload_fragments
                if to_read != 0:
                    if f_start_pos < f_end_pos:
                        fragments.append(data[f_start_pos:f_end_pos])
                    if self._max_fragments and len(fragments) > self._max_fragments:
                        # Bounds the object count; not a pause.
                        self._payload_buffer += b"".join(fragments)
                        fragments.clear()
                    break

                has_mask = self._has_mask
                # Data frames get bytes unmasked in one pass; control frames
                # keep aiohttp's bytearray.
                one_pass = has_mask and self._frame_opcode <= 0x7
                payload: bytes | bytearray
                if had_fragments:
                    fragments.append(data[f_start_pos:f_end_pos])
                    if self._payload_buffer:  # folded prefix
                        self._payload_buffer += b"".join(fragments)
                        if has_mask:
                            reader_py.websocket_mask(self._frame_mask, self._payload_buffer)
                        payload = self._payload_buffer
                        self._payload_buffer = bytearray()  # payload aliases it
                    elif one_pass:
                        payload = apply_mask(b"".join(fragments), self._frame_mask)
                    elif has_mask:
                        payload = bytearray(b"".join(fragments))
                        reader_py.websocket_mask(self._frame_mask, payload)
                    else:
                        payload = b"".join(fragments)
                    fragments.clear()
                elif one_pass:
                    if view is None:
                        view = memoryview(data)
                    payload = apply_mask(view[f_start_pos:f_end_pos], self._frame_mask)
                elif has_mask:
                    payload = bytearray(data[f_start_pos:f_end_pos])
                    reader_py.websocket_mask(self._frame_mask, payload)
                else:
                    payload = data[f_start_pos:f_end_pos]

                self._handle_frame(self._frame_fin, self._frame_opcode, payload, self._compressed)
                self._frame_payload_len = 0
                self._state = READ_HEADER

        self._tail = data[start_pos:data_len] if start_pos < data_len else b""

    return _feed_data


def handle_frame_method(reader_py: Any) -> Any:
    """``WebSocketReader._handle_frame`` for aiohttp's ``reader_py`` module:
    aiohttp's, with text decoded by wscodec's ``decode_utf8`` (the same
    ``str``, the same ``UnicodeDecodeError`` on invalid input)."""
    WebSocketError = reader_py.WebSocketError
    WSCloseCode = reader_py.WSCloseCode
    WSMsgType = reader_py.WSMsgType
    WSMessage = reader_py.WSMessage
    WSMessageTextBytes = reader_py.WSMessageTextBytes
    TUPLE_NEW = reader_py.TUPLE_NEW
    UNPACK_CLOSE_CODE = reader_py.UNPACK_CLOSE_CODE
    WS_DEFLATE_TRAILING = reader_py.WS_DEFLATE_TRAILING
    WS_MSG_TYPE_TEXT = reader_py.WS_MSG_TYPE_TEXT
    WS_MSG_TYPE_BINARY = reader_py.WS_MSG_TYPE_BINARY
    ZLibDecompressor = reader_py.ZLibDecompressor
    TooManyMembersError = reader_py.TooManyMembersError
    OP_CODE_NOT_SET = reader_py.OP_CODE_NOT_SET
    OP_CODE_CONTINUATION = reader_py.OP_CODE_CONTINUATION
    OP_CODE_TEXT = reader_py.OP_CODE_TEXT
    OP_CODE_CLOSE = reader_py.OP_CODE_CLOSE
    OP_CODE_PING = reader_py.OP_CODE_PING
    OP_CODE_PONG = reader_py.OP_CODE_PONG
    DATA_OPCODES = frozenset({OP_CODE_TEXT, reader_py.OP_CODE_BINARY, OP_CODE_CONTINUATION})
    PROTOCOL_ERROR = WSCloseCode.PROTOCOL_ERROR

    def _handle_frame(self: Any, fin: bool, opcode: int, payload: bytes | bytearray, compressed: int) -> None:
        if opcode in DATA_OPCODES:
            if opcode == OP_CODE_CONTINUATION and self._opcode == OP_CODE_NOT_SET:
                raise WebSocketError(PROTOCOL_ERROR, "Continuation frame for non started message")

            if not fin:
                if opcode != OP_CODE_CONTINUATION:
                    if self._opcode != OP_CODE_NOT_SET:
                        raise WebSocketError(
                            PROTOCOL_ERROR, f"The opcode in non-fin frame is expected to be zero, got {opcode!r}"
                        )
                    self._opcode = opcode
                self._partial += payload
                return

            has_partial = bool(self._partial)
            if opcode == OP_CODE_CONTINUATION:
                opcode = self._opcode
                self._opcode = OP_CODE_NOT_SET
            elif has_partial:
                raise WebSocketError(
                    PROTOCOL_ERROR, f"The opcode in non-fin frame is expected to be zero, got {opcode!r}"
                )

            if has_partial:
                assembled_payload = self._partial + payload
                self._partial.clear()
            else:
                assembled_payload = payload

            max_msg_size = self._max_msg_size
            if compressed:
                if not self._decompressobj:
                    self._decompressobj = ZLibDecompressor(suppress_deflate_header=True)
                # One byte over the limit is asked for: a zlib backend may
                # return exactly max_length and keep more buffered.
                try:
                    payload_merged = self._decompressobj.decompress_sync(
                        assembled_payload + WS_DEFLATE_TRAILING,
                        max_msg_size + 1 if max_msg_size else max_msg_size,
                    )
                except TooManyMembersError as exc:
                    raise WebSocketError(
                        WSCloseCode.MESSAGE_TOO_BIG, "Compressed message has too many deflate members"
                    ) from exc
                if max_msg_size and len(payload_merged) > max_msg_size:
                    raise WebSocketError(
                        WSCloseCode.MESSAGE_TOO_BIG, f"Decompressed message exceeds size limit {max_msg_size}"
                    )
            elif type(assembled_payload) is bytes:
                payload_merged = assembled_payload
            else:
                payload_merged = bytes(assembled_payload)

            if opcode == OP_CODE_TEXT:
                if self._decode_text:
                    try:
                        text = decode_utf8(payload_merged)
                    except UnicodeDecodeError as exc:
                        raise WebSocketError(WSCloseCode.INVALID_TEXT, "Invalid UTF-8 text message") from exc
                    self.queue.feed_data(TUPLE_NEW(WSMessage, (WS_MSG_TYPE_TEXT, text, "")), len(payload_merged))
                else:
                    self.queue.feed_data(
                        TUPLE_NEW(WSMessageTextBytes, (WS_MSG_TYPE_TEXT, payload_merged, "")), len(payload_merged)
                    )
            else:
                self.queue.feed_data(
                    TUPLE_NEW(WSMessage, (WS_MSG_TYPE_BINARY, payload_merged, "")), len(payload_merged)
                )
        elif opcode == OP_CODE_CLOSE:
            if len(payload) >= 2:
                close_code = UNPACK_CLOSE_CODE(payload[:2])[0]
                if close_code < 3000 and close_code not in reader_py.ALLOWED_CLOSE_CODES:
                    raise WebSocketError(PROTOCOL_ERROR, f"Invalid close code: {close_code}")
                try:
                    close_message = payload[2:].decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise WebSocketError(WSCloseCode.INVALID_TEXT, "Invalid UTF-8 text message") from exc
                msg = TUPLE_NEW(WSMessage, (WSMsgType.CLOSE, close_code, close_message))
            elif payload:
                raise WebSocketError(PROTOCOL_ERROR, f"Invalid close frame: {fin} {opcode} {payload!r}")
            else:
                msg = TUPLE_NEW(WSMessage, (WSMsgType.CLOSE, 0, ""))
            self.queue.feed_data(msg, 0)
        elif opcode == OP_CODE_PING:
            self.queue.feed_data(TUPLE_NEW(WSMessage, (WSMsgType.PING, payload, "")), len(payload))
        elif opcode == OP_CODE_PONG:
            self.queue.feed_data(TUPLE_NEW(WSMessage, (WSMsgType.PONG, payload, "")), len(payload))
        else:
            raise WebSocketError(PROTOCOL_ERROR, f"Unexpected opcode={opcode!r}")

    return _handle_frame
