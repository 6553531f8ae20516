# Frame and message decoding (twin: _pure/decoder.py).
#
# Decoder design, in short:
#   * Only an unfinished header (< 14 bytes) is ever copied out of the
#     caller's buffer.  Payload bytes go straight from the caller's buffer to
#     their final home as they arrive: the result object for a whole frame,
#     the message buffer for a payload that streams in, a 125-byte array for
#     control frames.  So there is no receive buffer to compact at all.
#   * Unmasking, UTF-8 validation and the ASCII check run in C (SIMD picked
#     at run time); a str is built only after its bytes validated.
#   * A streamed message lives in one bytes object that grows geometrically,
#     bounded by max_message_size, and is handed out without a copy; a
#     single-frame text message that spans reads is unmasked straight into
#     its final str when it is ASCII.
#
# This room is over 600 lines because _Decoder is one state machine: its
# frame layer and message layer share the header, payload and buffer state,
# and splitting them would put half of each step in another file.

from cpython.ref cimport Py_XDECREF
from zlib import error as _ZlibError

cdef extern from "Python.h":
    # Raw variants: the message buffer is owned through a PyObject* so that
    # _PyBytes_Resize can grow it in place.
    PyObject *_new_bytes "PyBytes_FromStringAndSize"(const char *v, Py_ssize_t n) except NULL
    int _PyBytes_Resize(PyObject **b, Py_ssize_t n) except -1
    char *_bytes_data "PyBytes_AS_STRING"(PyObject *b)
    PyObject *_new_str "PyUnicode_New"(Py_ssize_t n, Py_UCS4 maxchar) except NULL
    void *_str_data "PyUnicode_DATA"(PyObject *s)

cdef enum:
    _MIN_GROW = 1024      # first allocation of a streamed message buffer
    _EXACT_SLACK = 65536  # see _Decoder._reserve

cdef uint64_t _NO_LIMIT = 0xFFFFFFFFFFFFFFFFULL


cdef inline uint64_t _be64(const uint8_t *q) noexcept nogil:
    return ((<uint64_t>q[0] << 56) | (<uint64_t>q[1] << 48) | (<uint64_t>q[2] << 40)
            | (<uint64_t>q[3] << 32) | (<uint64_t>q[4] << 24) | (<uint64_t>q[5] << 16)
            | (<uint64_t>q[6] << 8) | <uint64_t>q[7])


cdef Message _control_message(unsigned op, const uint8_t *d, Py_ssize_t n):
    cdef bytes payload = PyBytes_FromStringAndSize(<char *>d, n)
    cdef Message m
    if op == 8:
        code, reason = _parse_close(d, n)
        m = _new_message(_CLOSE, payload)
        wsc_set_field(&m.f.close_code, code)
        wsc_set_field(&m.f.close_reason, reason)
        return m
    return _new_message(_OPCODES[op], payload)


cdef uint64_t _limit(str name, value) except? 0:
    """A limit checked by the shared rules, _NO_LIMIT for None."""
    value = check_limit(name, value)
    return _NO_LIMIT if value is None else <uint64_t>value


cdef class _Decoder:
    """The frame layer and the message layer, shared by both decoders
    (``_frames`` selects FrameDecoder behaviour)."""

    cdef bint _server          # receives masked frames
    cdef bint _frames          # FrameDecoder: no message-level rules
    cdef bint _allow_rsv1
    cdef bint _decode_text
    cdef uint64_t _max_frame   # _NO_LIMIT when None
    cdef uint64_t _max_message
    cdef object _inflater
    cdef int _failed           # close code once failed, else 0

    # An unfinished header carried over to the next feed.
    cdef uint8_t _hdr[14]
    cdef Py_ssize_t _hlen

    # The header just parsed.
    cdef unsigned _b0
    cdef uint64_t _plen
    cdef uint8_t _key[4]

    # A payload that is still arriving.
    cdef bint _in_payload
    cdef uint64_t _left
    cdef unsigned _phase

    # The message being reassembled (MessageDecoder) or the payload of the
    # current data frame (FrameDecoder): a bytes object grown in place, owned
    # through a raw pointer so _PyBytes_Resize can work on it.  A single-frame
    # text message whose size is known uses a compact ASCII str of exactly
    # that size instead (_mstr): ASCII text is then unmasked straight into
    # the str handed out, with no final copy.
    cdef int _msg_op              # opcode of the unfinished message, 0 if none
    cdef bint _compressed
    cdef bint _mascii          # every text byte so far is ASCII
    cdef bint _mstr
    cdef PyObject *_data
    cdef Py_ssize_t _data_len
    cdef Py_ssize_t _data_cap
    cdef wsc_utf8_stream _utf8

    # The payload of a control frame that is still arriving.
    cdef uint8_t _control[_CONTROL_MAX]
    cdef Py_ssize_t _control_len

    def __dealloc__(self):
        Py_XDECREF(self._data)
        self._data = NULL

    @cython.final
    cdef inline void _drop_data(self) noexcept:
        Py_XDECREF(self._data)
        self._data = NULL
        self._data_len = 0
        self._data_cap = 0
        self._mstr = False

    @cython.final
    cdef inline uint8_t *_data_ptr(self) noexcept:
        if self._mstr:
            return <uint8_t *>_str_data(self._data)
        return <uint8_t *>_bytes_data(self._data)

    @cython.final
    cdef inline bint _feed_text(self, const uint8_t *d, Py_ssize_t k) noexcept nogil:
        """Validate the next k bytes of a text message.  While it is all
        ASCII (so the stream sits on a character boundary) the cheaper ASCII
        scan stands in for the validator, and it tells _end_message that the
        bytes can become a str by plain copy."""
        cdef size_t a
        if self._mascii:
            a = wsc_ascii_prefix(d, k)
            if a == <size_t>k:
                return True
            self._mascii = False
            d += a
            k -= a
        return wsc_utf8_stream_feed(&self._utf8, d, k)

    @cython.critical_section
    def feed(self, data):
        """Decode ``data`` (any C-contiguous buffer); return what it completed."""
        cdef Py_buffer view
        cdef list out
        if self._failed:
            raise already_failed(self._failed)
        out = []
        if PyBytes_CheckExact(data):
            try:
                self._run(<const uint8_t *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), out)
            except ProtocolError as exc:
                self._fail(exc, out)
                raise
            return out
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            self._run(<const uint8_t *>view.buf, view.len, out)
        except ProtocolError as exc:
            self._fail(exc, out)
            raise
        finally:
            PyBuffer_Release(&view)
        return out

    @cython.final
    cdef int _fail(self, exc, list out) except -1:
        self._failed = exc.close_code
        exc.completed = out
        self._drop_data()
        self._hlen = 0
        self._in_payload = False
        return 0

    @cython.final
    cdef int _run(self, const uint8_t *p, Py_ssize_t n, list out) except -1:
        cdef Py_ssize_t pos = 0
        cdef Py_ssize_t head
        cdef Py_ssize_t avail
        cdef const uint8_t *q
        cdef unsigned b0
        cdef unsigned b1
        cdef uint64_t length
        cdef unsigned mask_bit = 0x80 if self._server else 0
        cdef Py_ssize_t key_len = 4 if self._server else 0
        cdef bint fast = not self._frames
        if self._in_payload:
            pos = self._take_piece(p, 0, n, out)
        elif self._hlen:
            pos = self._resume_header(p, n, out)
        while pos < n:
            q = p + pos
            avail = n - pos
            if fast and avail >= 4:
                # The hot path: a whole unfragmented, uncompressed TEXT or
                # BINARY frame with a 7- or 16-bit length and no message
                # pending.  Every check of codec-rules.md passes for it by
                # construction; anything else takes the full path below.
                b0 = q[0]
                b1 = q[1]
                if b0 - 0x81u < 2u and (b1 & 0x80) == mask_bit and self._msg_op == 0:
                    length = b1 & 0x7F
                    head = 2 + key_len
                    if length == 126:
                        length = (<uint64_t>q[2] << 8) | q[3]
                        head += 2
                    if (length < 127 or head > 2 + key_len) and length <= self._max_frame \
                            and length <= self._max_message and avail - head >= <Py_ssize_t>length:
                        pos += head
                        if b0 == 0x82:
                            out.append(_new_message(_BINARY, _payload_bytes(
                                p + pos, <Py_ssize_t>length, q + head - 4 if key_len else NULL)))
                        elif self._decode_text:
                            out.append(_new_message(_TEXT, _text(
                                p + pos, <Py_ssize_t>length, q + head - 4 if key_len else NULL)))
                        else:
                            out.append(_new_message(_TEXT, _text_bytes(
                                p + pos, <Py_ssize_t>length, q + head - 4 if key_len else NULL)))
                        pos += <Py_ssize_t>length
                        continue
            head = self._header(q, avail)
            if head == 0:
                memcpy(self._hdr, p + pos, n - pos)
                self._hlen = n - pos
                return 0
            pos = self._begin(p, pos + head, n, out)
        return 0

    @cython.final
    cdef Py_ssize_t _resume_header(self, const uint8_t *p, Py_ssize_t n, list out) except -1:
        cdef uint8_t tmp[14]
        cdef Py_ssize_t have = self._hlen
        cdef Py_ssize_t take = 14 - have
        cdef Py_ssize_t head
        if take > n:
            take = n
        memcpy(tmp, self._hdr, have)
        memcpy(tmp + have, p, take)
        head = self._header(tmp, have + take)
        if head == 0:
            # 14 bytes hold any header, so still short means take == n.
            memcpy(self._hdr, tmp, have + take)
            self._hlen = have + take
            return n
        self._hlen = 0
        return self._begin(p, head - have, n, out)

    @cython.final
    cdef inline Py_ssize_t _header(self, const uint8_t *q, Py_ssize_t avail) except -1:
        """Check and parse the header at q: its size once all of it is
        there, else 0.  Every check runs as soon as its bytes are there, in
        the order of codec-rules.md, so any split gives the same error."""
        cdef unsigned b0 = q[0]
        cdef unsigned op = b0 & 0x0F
        cdef unsigned b1
        cdef uint64_t length
        cdef Py_ssize_t head
        if b0 & 0x70:
            if b0 & 0x30:
                raise protocol_error("rsv2_rsv3")
            if not self._allow_rsv1:
                raise protocol_error("rsv1_not_negotiated")
        if op - 3u < 5u or op > 10u:
            raise protocol_error("reserved_opcode", opcode=op)
        if op >= 8 and not (b0 & 0x80):
            raise protocol_error("fragmented_control")
        if avail < 2:
            return 0
        b1 = q[1]
        if (b1 >> 7) != <unsigned>self._server:
            raise protocol_error("unmasked_from_client" if self._server else "masked_from_server")
        length = b1 & 0x7F
        head = 2
        if length >= 126:
            if op >= 8:
                raise protocol_error("control_too_long")
            if length == 126:
                if avail < 4:
                    return 0
                length = (<uint64_t>q[2] << 8) | q[3]
                head = 4
            else:
                if avail > 2 and q[2] & 0x80:
                    raise protocol_error("length_top_bit")
                if avail < 10:
                    return 0
                length = _be64(q + 2)
                head = 10
        if length > self._max_frame:
            raise protocol_error("frame_too_big", length=length, limit=self._max_frame)
        if not self._frames:
            self._check_message_header(b0, length)
        if self._server:
            head += 4
            if avail < head:
                return 0
            memcpy(self._key, q + head - 4, 4)
        elif avail < head:
            return 0
        self._b0 = b0
        self._plen = length
        return head

    @cython.final
    cdef int _check_message_header(self, unsigned b0, uint64_t length) except -1:
        """Step 5 of the header checks: the message-level rules."""
        cdef unsigned op = b0 & 0x0F
        cdef uint64_t size
        cdef bint compressed
        if op >= 8:
            if b0 & 0x40:
                raise protocol_error("rsv1_on_control")
            if op == 8 and length == 1:
                raise protocol_error("close_one_byte")
            return 0
        if op:
            if self._msg_op:
                raise protocol_error("data_while_fragmented")
            size = 0
            compressed = b0 & 0x40
        else:
            if b0 & 0x40:
                raise protocol_error("rsv1_on_continuation")
            if not self._msg_op:
                raise protocol_error("continuation_without_start")
            size = <uint64_t>self._data_len
            compressed = self._compressed
        if not compressed and size + length > self._max_message:
            raise protocol_error("message_too_big", limit=self._max_message)
        return 0

    @cython.final
    cdef inline Py_ssize_t _begin(self, const uint8_t *p, Py_ssize_t pos, Py_ssize_t n,
                                  list out) except -1:
        """Dispatch the frame whose header was just parsed; its payload
        starts at p + pos.  Returns the position after what was consumed."""
        cdef unsigned b0 = self._b0
        cdef unsigned op = b0 & 0x0F
        cdef uint64_t length = self._plen
        cdef const uint8_t *key = self._key if self._server else NULL
        cdef Py_ssize_t size
        if length <= <uint64_t>(n - pos):
            # The whole payload is here: build the result straight from the
            # caller's buffer.
            size = <Py_ssize_t>length
            if self._frames:
                out.append(_new_frame(b0, _payload_bytes(p + pos, size, key)))
                return pos + size
            if (b0 & 0xC0) == 0x80 and op < 8:
                # FIN, uncompressed and (step 5) no message pending: a whole
                # single-frame message, the hot path.
                if op == 1:
                    if self._decode_text:
                        out.append(_new_message(_TEXT, _text(p + pos, size, key)))
                    else:
                        out.append(_new_message(_TEXT, _text_bytes(p + pos, size, key)))
                    return pos + size
                if op == 2:
                    out.append(_new_message(_BINARY, _payload_bytes(p + pos, size, key)))
                    return pos + size
            elif op >= 8:
                out.append(self._whole_control(op, p + pos, size, key))
                return pos + size
        # Stream the payload: it is incomplete, or part of a fragmented or
        # compressed message.
        self._in_payload = True
        self._left = length
        self._phase = 0
        if op >= 8:
            self._control_len = 0
        elif self._frames:
            self._data_len = 0
        elif op:
            self._msg_op = op
            self._compressed = (b0 >> 6) & 1
            self._data_len = 0
            if op == 1:
                wsc_utf8_stream_init(&self._utf8)
                self._mascii = True
                # Only when most of it is here already: a header alone must
                # not make us allocate a large declared size.
                if (b0 & 0xC0) == 0x80 and self._decode_text \
                        and length <= <uint64_t>(n - pos) * 2 + _EXACT_SLACK:
                    self._data = _new_str(<Py_ssize_t>length, 127)
                    self._data_cap = <Py_ssize_t>length
                    self._mstr = True
        return self._take_piece(p, pos, n, out)

    @cython.final
    cdef Message _whole_control(self, unsigned op, const uint8_t *src, Py_ssize_t n,
                                const uint8_t *key):
        cdef uint8_t d[_CONTROL_MAX]
        if key != NULL:
            wsc_mask(d, src, n, key, 0)
            return _control_message(op, d, n)
        return _control_message(op, src, n)

    @cython.final
    cdef Py_ssize_t _take_piece(self, const uint8_t *p, Py_ssize_t pos, Py_ssize_t n,
                            list out) except -1:
        """Take the part of the current payload that is in p[pos..n)."""
        cdef uint64_t left = self._left
        cdef Py_ssize_t k = n - pos
        cdef unsigned op = self._b0 & 0x0F
        cdef const uint8_t *src = p + pos
        cdef uint8_t *dst
        cdef uint64_t limit
        cdef bint ok = True
        cdef bint text
        if <uint64_t>k > left:
            k = <Py_ssize_t>left
        if k:
            if op >= 8:
                self._copy_in(self._control + self._control_len, src, k)
                self._control_len += k
                if op == 8 and not self._frames:
                    _check_close_prefix(self._control, self._control_len)
            elif self._compressed and not self._frames:
                self._inflate_piece(src, k)
            else:
                # FrameDecoder knows the exact size; a message may not
                # outgrow max_message_size (checked from each header).
                limit = self._data_len + left if self._frames else self._max_message
                self._reserve(self._data_len + k, self._data_len + left, limit)
                dst = self._data_ptr() + self._data_len
                text = self._msg_op == 1 and not self._frames
                if k >= NOGIL_THRESHOLD:
                    with nogil:
                        self._copy_in_nogil(dst, src, k)
                        if text:
                            ok = self._feed_text(dst, k)
                else:
                    self._copy_in_nogil(dst, src, k)
                    if text:
                        ok = self._feed_text(dst, k)
                if not ok:
                    _bad_text()
                self._data_len += k
        left -= <uint64_t>k
        self._left = left
        if left == 0:
            self._in_payload = False
            self._finish_frame(out)
        return pos + k

    @cython.final
    cdef inline void _copy_in(self, uint8_t *dst, const uint8_t *src, Py_ssize_t k) noexcept:
        self._copy_in_nogil(dst, src, k)

    @cython.final
    cdef inline void _copy_in_nogil(self, uint8_t *dst, const uint8_t *src, Py_ssize_t k) noexcept nogil:
        if self._server:
            self._phase = wsc_mask(dst, src, k, self._key, self._phase)
        else:
            memcpy(dst, src, k)

    @cython.final
    cdef int _reserve(self, Py_ssize_t need, uint64_t hint, uint64_t limit) except -1:
        """Room for ``need`` bytes in the buffer.  Growth is geometric (no
        quadratic copying under a flood of tiny fragments) and never beyond
        ``limit``; when ``hint``, the declared end of the current frame, lies
        beyond that but near, allocate exactly that (a frame that arrives in
        two reads then needs one allocation and no shrinking).  Capacity
        stays within twice what actually arrived plus a constant, so a
        header alone cannot make us allocate a large declared size."""
        cdef Py_ssize_t cap
        if need <= self._data_cap:
            return 0
        cap = self._data_cap * 2
        if cap < _MIN_GROW:
            cap = _MIN_GROW
        if cap < need:
            cap = need
        if hint > <uint64_t>cap and hint <= <uint64_t>need * 2 + _EXACT_SLACK:
            cap = <Py_ssize_t>hint
        if <uint64_t>cap > limit:
            cap = <Py_ssize_t>limit
        if self._data == NULL:
            self._data = _new_bytes(NULL, cap)
        else:
            try:
                _PyBytes_Resize(&self._data, cap)
            except BaseException:
                self._data = NULL  # _PyBytes_Resize freed it
                self._data_len = 0
                self._data_cap = 0
                raise
        self._data_cap = cap
        return 0

    @cython.final
    cdef bytes _take_bytes(self):
        """Hand the buffer out as the payload (no copy)."""
        cdef bytes b
        if self._data == NULL:
            return b""
        if self._data_len != self._data_cap:
            try:
                _PyBytes_Resize(&self._data, self._data_len)
            except BaseException:
                self._data = NULL
                self._data_len = 0
                self._data_cap = 0
                raise
        b = <bytes>self._data
        Py_XDECREF(self._data)
        self._data = NULL
        self._data_len = 0
        self._data_cap = 0
        return b

    @cython.final
    cdef str _take_str(self):
        """The buffer as str (already validated), then dropped."""
        cdef Py_ssize_t n = self._data_len
        cdef const uint8_t *d
        cdef str s
        if n == 0:
            self._drop_data()
            return _EMPTY_STR
        if self._mstr and self._mascii:
            s = <str>self._data
        else:
            d = self._data_ptr()
            if self._mascii:
                s = _ascii_str(d, n)
            else:
                s = PyUnicode_DecodeUTF8(<char *>d, n, NULL)
        self._drop_data()
        return s

    @cython.final
    cdef int _finish_frame(self, list out) except -1:
        cdef unsigned b0 = self._b0
        cdef unsigned op = b0 & 0x0F
        if self._frames:
            if op >= 8:
                out.append(_new_frame(b0, PyBytes_FromStringAndSize(<char *>self._control, self._control_len)))
            else:
                out.append(_new_frame(b0, self._take_bytes()))
        elif op >= 8:
            out.append(_control_message(op, self._control, self._control_len))
        elif b0 & 0x80:
            self._end_message(out)
        return 0

    @cython.final
    cdef int _end_message(self, list out) except -1:
        cdef int op
        if self._compressed:
            try:
                tail = self._inflater.end_message(self._room())
            except _ZlibError:
                raise protocol_error("corrupt_deflate") from None
            self._take_inflated(tail)
        op = self._msg_op
        self._msg_op = 0
        self._compressed = False
        if op == 1:
            if not wsc_utf8_stream_finish(&self._utf8):
                raise protocol_error("text_ends_mid_character")
            out.append(_new_message(_TEXT, self._take_str() if self._decode_text else self._take_bytes()))
        else:
            out.append(_new_message(_BINARY, self._take_bytes()))
        return 0

    # -- compressed messages -------------------------------------------------

    @cython.final
    cdef object _room(self):
        """``max_length`` for the inflater: one byte over the limit exposes any excess."""
        if self._max_message == _NO_LIMIT:
            return None
        return self._max_message - <uint64_t>self._data_len + 1

    @cython.final
    cdef int _inflate_piece(self, const uint8_t *src, Py_ssize_t k) except -1:
        cdef bytes piece = PyBytes_FromStringAndSize(NULL, k)
        self._copy_in(<uint8_t *>PyBytes_AS_STRING(piece), src, k)
        try:
            out = self._inflater.decompress(piece, self._room())
        except _ZlibError:
            raise protocol_error("corrupt_deflate") from None
        return self._take_inflated(out)

    @cython.final
    cdef int _take_inflated(self, chunk) except -1:
        cdef Py_buffer view
        cdef const uint8_t *d
        cdef Py_ssize_t k
        cdef Py_ssize_t fit
        cdef bint text = self._msg_op == 1
        PyObject_GetBuffer(chunk, &view, PyBUF_SIMPLE)
        try:
            d = <const uint8_t *>view.buf
            k = view.len
            if <uint64_t>(self._data_len + k) > self._max_message:
                # Validate what fits first: the error must follow stream order.
                fit = <Py_ssize_t>(self._max_message - <uint64_t>self._data_len)
                if text and not self._feed_text(d, fit):
                    _bad_text()
                raise protocol_error("message_too_big", limit=self._max_message)
            if text and k and not self._feed_text(d, k):
                _bad_text()
            if k:
                self._reserve(self._data_len + k, 0, self._max_message)
                memcpy(<uint8_t *>_bytes_data(self._data) + self._data_len, d, k)
                self._data_len += k
        finally:
            PyBuffer_Release(&view)
        return 0


cdef class FrameDecoder(_Decoder):
    """Split a byte stream into ``Frame`` objects, checking the frame-level rules."""

    def __init__(self, *, role="server", max_frame_size=None, allow_rsv1=False):
        self._server = role_is_server(role)
        self._frames = True
        self._max_frame = _limit("max_frame_size", max_frame_size)
        self._max_message = _NO_LIMIT
        self._allow_rsv1 = bool(allow_rsv1)

    def __repr__(self):
        return f"<FrameDecoder role={'server' if self._server else 'client'}>"


cdef class MessageDecoder(_Decoder):
    """Reassemble messages from a byte stream, streaming payloads through the
    UTF-8 check and the inflater so every error surfaces as early as possible."""

    def __init__(
        self,
        *,
        role="server",
        max_message_size=_DEFAULT_MAX_MESSAGE_SIZE,
        max_frame_size=None,
        deflate=None,
        decode_text=True,
    ):
        self._server = role_is_server(role)
        self._frames = False
        self._max_frame = _limit("max_frame_size", max_frame_size)
        self._max_message = _limit("max_message_size", max_message_size)
        self._allow_rsv1 = deflate is not None
        self._decode_text = bool(decode_text)
        self._inflater = None if deflate is None else deflate.make_decompressor(role)

    def __repr__(self):
        return f"<MessageDecoder role={'server' if self._server else 'client'}>"
