# The decoder's state machine: feed, and its header -> payload -> finish
# loop (twin: _pure/decoder.py).
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
#     bounded by max_message_size, and is handed out without a copy; a text
#     message grows a str the same way, unmasked straight into it and tested
#     for ASCII in the same pass, and handed out as it is when it is ASCII;
#     other text is transcoded out of it by SIMD (wsc_utf8_transcode).
#
# Each concern is a room of its own, as module-level functions over the
# decoder (or over a struct it holds), which inline like the methods they
# were: header.pxi (parsing and the header rules), message_buffer.pxi
# (growth and copy-in), text_check.pxi (streaming UTF-8), inflate.pxi
# (permessage-deflate), receive.pxi (what get_buffer lends).  The class
# keeps what Python calls and the loop that ties them together.

cimport cython
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytearray cimport PyByteArray_AS_STRING
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.pythread cimport PyThread_get_thread_ident
from cpython.ref cimport Py_XDECREF
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy

from wscodec._native._core cimport wsc_mask

from sys import getsizeof as _getsizeof

cdef uint64_t _NO_LIMIT = 0xFFFFFFFFFFFFFFFFULL

# The close code of a decoder that failed for a reason other than the
# peer's bytes (an inflater or a callback that raised).
cdef int _INTERNAL_ERROR = 1011

cdef enum:
    # _Decoder._state.  feed() holds BUSY from entry to return, including
    # while the GIL is released around big copies into the message buffer:
    # another thread (or a callback of this one, such as an inflater) that
    # calls feed() or __init__ then gets RuntimeError instead of resizing or
    # freeing that buffer under the copy.  The flag is only read and written
    # with the object's critical section held (the GIL on default builds), so
    # the check and the claim are one step on free-threaded builds too, where
    # the critical section itself is suspended while the GIL is released.
    _UNSET = 0    # __init__ has not run
    _IDLE = 1
    _BUSY = 2


cdef Message _control_message(unsigned op, const uint8_t *d, Py_ssize_t n):
    cdef bytes payload = PyBytes_FromStringAndSize(<char *>d, n)
    cdef Message m
    if op == 8:
        code, reason = _parse_close(d, n)
        m = _new_message(_CLOSE, payload)
        m.close_code = code
        m.close_reason = reason
        return m
    return _new_message(_OPCODES[op], payload)


cdef uint64_t _limit(str name, value) except? 0:
    """A limit checked by the shared rules, _NO_LIMIT for None."""
    value = check_limit(name, value)
    return _NO_LIMIT if value is None else <uint64_t>value


cdef class _Decoder:
    """The frame layer and the message layer, shared by both decoders
    (``_yields_frames`` selects FrameDecoder behaviour)."""

    # Its state is declared in _ext.pxd.

    def __dealloc__(self):
        Py_XDECREF(self._data)
        self._data = NULL

    @cython.critical_section
    def __sizeof__(self):
        """What this decoder holds right now (``sys.getsizeof``): itself,
        the message or payload being reassembled, and its inflater's zlib
        state.  The receive buffer its thread's decoders share is not
        counted: one per thread, not per connection."""
        size = object.__sizeof__(self)
        if self._data is not NULL:
            size += _getsizeof(<object>self._data)
        if self._inflater is not None:
            size += _getsizeof(self._inflater)
        return size

    @cython.critical_section
    def get_buffer(self, Py_ssize_t sizehint=-1):
        """asyncio.BufferedProtocol.get_buffer: a buffer for the event loop
        to read into, followed by one buffer_updated() call.  Inside a long
        data payload it is the rest of the object the payload is delivered
        in, plus room for the next header, so the read needs no copy after
        it; elsewhere the 256 KiB receive buffer of the calling thread,
        which every decoder of that thread shares.  A second call before
        buffer_updated() takes the first buffer back."""
        cdef _ReceiveBuffer recv
        cdef unsigned long thread
        if self._state != _IDLE:
            raise not_initialised(self) if self._state == _UNSET else in_use(self)
        if self._lent:
            # The loop read nothing into the last one (EAGAIN, a TLS record
            # not complete yet, end of stream): it is simply taken back.
            self._lent = False
            self._recv = None
            if self._lease is not None:
                _end_lease(self)
        self._spare = _LEND_SPARE
        if self._in_payload and self._left >= _LEND_MIN and (self._first_byte & 0x0F) < 8 \
                and (self._yields_frames or not self._compressed):
            return _lend_payload(self)
        thread = PyThread_get_thread_ident()
        if self._home is None or self._home_thread != thread:
            self._home = thread_receive_buffer()
            self._home_thread = thread
        recv = self._home
        if recv.decoding:
            # Asked from a callback inside a decode of this thread's buffer:
            # a buffer of its own, so nothing writes into what is decoded.
            recv = _ReceiveBuffer()
        view = recv.lend()
        self._recv = recv
        self._recv_lending = recv.lendings
        self._lent = True
        return view

    @cython.critical_section
    def buffer_updated(self, nbytes):
        """asyncio.BufferedProtocol.buffer_updated: decode the ``nbytes``
        the loop wrote at the start of the buffer; return what they completed."""
        cdef Py_ssize_t size
        cdef Py_ssize_t n
        cdef bint leased
        cdef _ReceiveBuffer recv
        if not self._lent:
            raise RuntimeError("buffer_updated() without a get_buffer() before it")
        # Converted before anything changes: an __index__ that calls back
        # into this decoder finds the buffer still lent, and what it did is
        # looked at afterwards.
        try:
            n = nbytes
        except OverflowError:
            n = -1
        except BaseException:
            if self._lent:
                self._lent = False
                self._recv = None
                if self._lease is not None:
                    _end_lease(self)
            raise
        if not self._lent:
            raise RuntimeError("buffer_updated() without a get_buffer() before it")
        self._lent = False
        recv = self._recv
        self._recv = None
        leased = self._lease is not None
        size = _end_lease(self) if leased else _RECV_BUFFER_SIZE
        if not 0 <= n <= size:
            raise ValueError(f"nbytes must be in 0..{size}, not {nbytes}")
        if leased:
            return _feed_lent(self, n)
        if recv is None or recv.lendings != self._recv_lending:
            raise RuntimeError("the receive buffer was lent to another reader before this buffer_updated()")
        # The bytearray is never resized (its pinning view forbids it) and
        # the local reference keeps it alive.  While it is decoded, a
        # get_buffer() on this thread (from a callback) gets a buffer of its
        # own, so nothing writes into what _feed reads.
        recv.decoding = True
        try:
            return self._feed(<const uint8_t *>PyByteArray_AS_STRING(recv.data), n)
        finally:
            recv.decoding = False

    @cython.critical_section
    cpdef list feed(self, data):
        """Decode ``data`` (any C-contiguous buffer); return what it completed."""
        cdef Py_buffer view
        if PyBytes_CheckExact(data):
            # _feed checks the decoder is ready, once.
            return self._feed(<const uint8_t *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))
        # Not initialised, in use or failed: said before any complaint about data.
        self._check_ready()
        # A bad argument raises here and leaves the decoder as it was.
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        try:
            return self._feed(<const uint8_t *>view.buf, view.len)
        finally:
            PyBuffer_Release(&view)

    @cython.final
    cdef inline int _check_ready(self) except -1:
        if self._state != _IDLE:
            raise not_initialised(self) if self._state == _UNSET else in_use(self)
        if self._failed:
            raise already_failed(self._failed)
        if self._lent:
            raise RuntimeError("feed() while a buffer from get_buffer() awaits its buffer_updated()")
        return 0

    @cython.final
    cdef list _feed(self, const uint8_t *p, Py_ssize_t n):
        cdef list out
        self._check_ready()
        out = []
        self._state = _BUSY
        try:
            self._run(p, n, out)
        except BaseException as exc:
            self._fail(exc, out)
            raise
        finally:
            self._state = _IDLE
        return out

    @cython.final
    cdef int _fail(self, exc, list out) except -1:
        """After any exception inside a feed the stream position is lost, so
        the decoder fails: with the ProtocolError's close code, or 1011 for
        anything else (MemoryError, an inflater's own error); what completed
        before is on the exception either way."""
        self._failed = exc.close_code if isinstance(exc, ProtocolError) else _INTERNAL_ERROR
        try:
            exc.completed = out
        except AttributeError:
            pass
        _drop_data(self)
        self._hlen = 0
        self._in_payload = False
        return 0

    @cython.final
    cdef int _reset(self, bint server, bint yields_frames, uint64_t max_frame, uint64_t max_message,
                    bint allow_rsv1, bint decode_text, object inflater) except -1:
        """The whole state of a new stream; __init__ calls it once every
        argument is known to be good, so a failed __init__ changes nothing."""
        with cython.critical_section(self):
            if self._state == _BUSY:
                raise in_use(self)
            _drop_data(self)
            self._server = server
            self._yields_frames = yields_frames
            self._max_frame = max_frame
            self._max_message = max_message
            self._allow_rsv1 = allow_rsv1
            self._decode_text = decode_text
            self._inflater = inflater
            self._failed = 0
            self._lent = False  # a new stream
            self._recv = None
            if self._lease is not None:
                # The window was lent out of the payload this drops: any view
                # of it the caller still holds keeps that object to itself.
                _take_lease(self)
            self._spare = 0
            self._hlen = 0
            self._first_byte = 0
            self._payload_len = 0
            self._in_payload = False
            self._left = 0
            self._phase = 0
            self._msg_op = 0
            self._compressed = False
            self._control_len = 0
            _start_text(&self._text_state)
            self._text_state.ascii = False
            self._state = _IDLE
        return 0

    def __reduce__(self):
        raise not_picklable(self)

    def __repr__(self):
        if self._state == _UNSET:
            return f"<{type(self).__name__} not initialised>"
        return f"<{type(self).__name__} role={'server' if self._server else 'client'}>"

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
        cdef bint whole_messages = not self._yields_frames
        if self._in_payload:
            pos = self._take_piece(p, 0, n, out)
        elif self._hlen:
            pos = _resume_header(self, p, n, out)
        while pos < n:
            q = p + pos
            avail = n - pos
            if whole_messages and avail >= 4:
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
            head = _header(self, q, avail)
            if head == 0:
                memcpy(self._hdr, p + pos, n - pos)
                self._hlen = n - pos
                return 0
            pos = self._begin(p, pos + head, n, out)
        return 0

    @cython.final
    cdef inline Py_ssize_t _begin(self, const uint8_t *p, Py_ssize_t pos, Py_ssize_t n,
                                  list out) except -1:
        """Dispatch the frame whose header was just parsed; its payload
        starts at p + pos.  Returns the position after what was consumed."""
        cdef unsigned b0 = self._first_byte
        cdef unsigned op = b0 & 0x0F
        cdef uint64_t length = self._payload_len
        cdef const uint8_t *key = self._key if self._server else NULL
        cdef Py_ssize_t size
        cdef Py_ssize_t spare
        if length <= <uint64_t>(n - pos):
            # The whole payload is here: build the result straight from the
            # caller's buffer.
            size = <Py_ssize_t>length
            if self._yields_frames:
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
        elif self._yields_frames:
            self._data_len = 0
        elif op:
            self._msg_op = op
            self._compressed = (b0 >> 6) & 1
            self._data_len = 0
            if op == 1:
                _start_text(&self._text_state)
                self._data_is_str = self._decode_text
                # Exact size only when most of it is here already: a header
                # alone must not make us allocate a large declared size.
                if (b0 & 0xC0) == 0x80 and self._decode_text \
                        and length <= <uint64_t>(n - pos) * 2 + _EXACT_SLACK:
                    spare = self._spare if length >= <uint64_t>(n - pos) + _LEND_MIN else 0
                    self._data = _new_str(<Py_ssize_t>length + spare, 127)
                    self._data_cap = <Py_ssize_t>length + spare
                    self._clean = 0
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
        cdef unsigned op = self._first_byte & 0x0F
        cdef const uint8_t *src = p + pos
        cdef const uint8_t *key = self._key if self._server else NULL
        cdef uint8_t *dst
        cdef uint64_t limit
        cdef bint ok = True
        cdef bint text
        if <uint64_t>k > left:
            k = <Py_ssize_t>left
        if k:
            if op >= 8:
                _copy_unmasked(key, &self._phase, self._control + self._control_len, src, k)
                self._control_len += k
                if op == 8 and not self._yields_frames:
                    _check_close_prefix(self._control, self._control_len)
            elif self._compressed and not self._yields_frames:
                _inflate_piece(self, src, k)
            else:
                # FrameDecoder knows the exact size; a message may not
                # outgrow max_message_size (checked from each header).
                limit = self._data_len + left if self._yields_frames else self._max_message
                # Room past the end only where get_buffer will lend the rest.
                _reserve(self, self._data_len + k, self._data_len + left, limit,
                         self._spare if left - <uint64_t>k >= _LEND_MIN else 0)
                dst = _data_ptr(self) + self._data_len
                text = self._msg_op == 1 and not self._yields_frames
                if k >= NOGIL_THRESHOLD:
                    with nogil:
                        if text:
                            ok = _copy_text(&self._text_state, key, &self._phase, dst, src, k)
                        else:
                            _copy_unmasked(key, &self._phase, dst, src, k)
                elif text:
                    ok = _copy_text(&self._text_state, key, &self._phase, dst, src, k)
                else:
                    _copy_unmasked(key, &self._phase, dst, src, k)
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
    cdef int _finish_frame(self, list out) except -1:
        cdef unsigned b0 = self._first_byte
        cdef unsigned op = b0 & 0x0F
        if self._yields_frames:
            if op >= 8:
                out.append(_new_frame(b0, PyBytes_FromStringAndSize(<char *>self._control, self._control_len)))
            else:
                out.append(_new_frame(b0, _take_bytes(self)))
        elif op >= 8:
            out.append(_control_message(op, self._control, self._control_len))
        elif b0 & 0x80:
            self._end_message(out)
        return 0

    @cython.final
    cdef int _end_message(self, list out) except -1:
        cdef int op
        if self._compressed:
            _inflate_tail(self)
        op = self._msg_op
        self._msg_op = 0
        self._compressed = False
        if op == 1:
            _finish_text(&self._text_state)
            out.append(_new_message(_TEXT, _take_str(self) if self._decode_text else _take_bytes(self)))
        else:
            out.append(_new_message(_BINARY, _take_bytes(self)))
        return 0

cdef list ws_decoder_feed(object decoder, const uint8_t *data, Py_ssize_t n):
    """The C-level feed of wscodec/api.pxd: a FrameDecoder's or a
    MessageDecoder's feed over a pointer, without a Python call."""
    cdef _Decoder d = <_Decoder?>decoder
    with cython.critical_section(d):
        return d._feed(data, n)


cdef class FrameDecoder(_Decoder):
    """Split a byte stream into ``Frame`` objects, checking the frame-level rules."""

    def __init__(self, *, role="server", max_frame_size=None, allow_rsv1=False):
        cdef bint server = role_is_server(role)
        cdef uint64_t max_frame = _limit("max_frame_size", max_frame_size)
        self._reset(server, True, max_frame, _NO_LIMIT, bool(allow_rsv1), False, None)


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
        cdef bint server = role_is_server(role)
        cdef uint64_t max_frame = _limit("max_frame_size", max_frame_size)
        cdef uint64_t max_message = _limit("max_message_size", max_message_size)
        cdef bint text_as_str = bool(decode_text)
        inflater = None if deflate is None else deflate.make_decompressor(role)
        self._reset(server, False, max_frame, max_message, deflate is not None, text_as_str, inflater)
