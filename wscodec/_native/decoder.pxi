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
#     bounded by max_message_size, and is handed out without a copy; a text
#     message grows a str the same way, unmasked straight into it and tested
#     for ASCII in the same pass, and handed out as it is when it is ASCII;
#     other text is transcoded out of it by SIMD (wsc_utf8_transcode).
#
# This room is over 600 lines because _Decoder is one state machine: its
# frame layer and message layer share the header, payload and buffer state,
# and splitting them would put half of each step in another file.

cimport cython
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytearray cimport PyByteArray_AS_STRING
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.object cimport PyObject
from cpython.pythread cimport PyThread_get_thread_ident
from cpython.ref cimport Py_XDECREF
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset

from wscodec._native._core cimport (
    measured_utf8_str,
    wsc_ascii_prefix,
    wsc_mask,
    wsc_mask_ascii,
    wsc_utf8_measure,
    wsc_utf8_stream,
    wsc_utf8_stream_feed,
    wsc_utf8_stream_finish,
    wsc_utf8_stream_init,
)

from sys import getsizeof as _getsizeof
from zlib import error as _ZlibError

cdef extern from "Python.h":
    # Raw variants: the message buffer is owned through a PyObject* so that
    # _PyBytes_Resize can grow it in place.
    PyObject *_new_bytes "PyBytes_FromStringAndSize"(const char *v, Py_ssize_t n) except NULL
    int _PyBytes_Resize(PyObject **b, Py_ssize_t n) except -1
    char *_bytes_data "PyBytes_AS_STRING"(PyObject *b)
    PyObject *_new_str "PyUnicode_New"(Py_ssize_t n, Py_UCS4 maxchar) except NULL
    void *_str_data "PyUnicode_DATA"(PyObject *s)
    # Grows or shrinks an unshared compact str in place (realloc); on
    # failure *s is left as it was.
    int _str_resize "PyUnicode_Resize"(PyObject **s, Py_ssize_t n) except -1

cdef enum:
    _MIN_GROW = 1024      # first allocation of a streamed message buffer
    _EXACT_SLACK = 65536  # see _Decoder._reserve
    _TEXT_BLOCK = 16384   # see _Decoder._copy_text: half of the smallest common L1

cdef enum:
    # Inside a data payload with at least this much still to come, get_buffer
    # lends the rest of the payload's own object, so the read lands where
    # the bytes end up.  The size of a read into the receive buffer: a lent
    # read is never the smaller one, so lending never costs the event loop
    # an extra turn.  (Lending 64 KiB frames one read each measured slower
    # over loopback than reading four at a time into the receive buffer:
    # the copy it saves is of bytes still in cache, a loop turn is not.)
    _LEND_MIN = 256 * 1024
    # Bytes lent past the end of such a payload: the longest header (64-bit
    # length and mask), so that a sender that is ahead gets the next frame's
    # header in the same read.
    _LEND_SPARE = 14

cdef uint64_t _NO_LIMIT = 0xFFFFFFFFFFFFFFFFULL

# The close code of a decoder that failed for a reason other than the
# peer's bytes (an inflater or a callback that raised).
cdef int _INTERNAL_ERROR = 1011

# _ext.pxd spells out the C stream state as _Utf8State: the same size, or
# the decoder would write past its field.
if sizeof(_Utf8State) != sizeof(wsc_utf8_stream):
    raise ImportError("_Utf8State in _ext.pxd no longer matches wsc_utf8_stream")

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

    @cython.final
    cdef inline void _drop_data(self) noexcept:
        Py_XDECREF(self._data)
        self._data = NULL
        self._data_len = 0
        self._data_cap = 0
        self._clean = 0
        self._data_is_str = False

    @cython.final
    cdef inline uint8_t *_data_ptr(self) noexcept:
        if self._data_is_str:
            return <uint8_t *>_str_data(self._data)
        return <uint8_t *>_bytes_data(self._data)

    @cython.final
    cdef inline bint _feed_text(self, const uint8_t *d, Py_ssize_t k) noexcept nogil:
        """Validate the next k bytes of a text message.  While it is all
        ASCII (so the stream sits on a character boundary) the cheaper ASCII
        scan stands in for the validator, and it tells _end_message that the
        bytes can become a str by plain copy."""
        cdef size_t a
        cdef uint32_t top
        if self._text_ascii:
            a = wsc_ascii_prefix(d, k)
            self._text_chars += a
            if a == <size_t>k:
                return True
            self._text_ascii = False
            d += a
            k -= a
        if not wsc_utf8_stream_feed(<wsc_utf8_stream *>&self._utf8, d, k):
            return False
        # Measured while the bytes are in cache: at the end of the message
        # only the transcoding pass reads them again.
        self._text_chars += wsc_utf8_measure(d, k, &top)
        if top > self._text_maxchar:
            self._text_maxchar = top
        return True

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
                self._end_lease()
        self._spare = _LEND_SPARE
        if self._in_payload and self._left >= _LEND_MIN and (self._first_byte & 0x0F) < 8 \
                and (self._yields_frames or not self._compressed):
            return self._lend_payload()
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

    @cython.final
    cdef object _lend_payload(self):
        cdef uint64_t left = self._left
        cdef uint64_t limit = self._data_len + left if self._yields_frames else self._max_message
        cdef uint64_t room
        cdef _Lease lease
        try:
            # Room for a read as large as one into the receive buffer, and
            # no more ahead of what arrived: a header alone must not make us
            # allocate a large declared size.
            self._reserve(self._data_len + <Py_ssize_t>(left if left < _LEND_MIN else _LEND_MIN),
                          self._data_len + left, limit, self._spare)
        except BaseException as exc:
            self._fail(exc, [])
            raise
        room = <uint64_t>(self._data_cap - self._data_len)
        if room > left + _LEND_SPARE:
            room = left + _LEND_SPARE
        self._zero_fresh(self._data_len + <Py_ssize_t>room)
        lease = _Lease.over(<object>self._data, <char *>self._data_ptr() + self._data_len, <Py_ssize_t>room)
        view = lease.lend()
        self._lease = lease
        self._lease_view = view
        self._lent = True
        return view

    @cython.final
    cdef void _zero_fresh(self, Py_ssize_t end) noexcept:
        """Zero what of the payload object up to ``end`` was never written,
        each byte once: the caller may read a lent view before any read
        fills it."""
        cdef Py_ssize_t start = self._clean if self._clean > self._data_len else self._data_len
        if end > start:
            memset(<char *>self._data_ptr() + start, 0, <size_t>(end - start))
        if end > self._clean:
            self._clean = end

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
                    self._end_lease()
            raise
        if not self._lent:
            raise RuntimeError("buffer_updated() without a get_buffer() before it")
        self._lent = False
        recv = self._recv
        self._recv = None
        leased = self._lease is not None
        size = self._end_lease() if leased else _RECV_BUFFER_SIZE
        if not 0 <= n <= size:
            raise ValueError(f"nbytes must be in 0..{size}, not {nbytes}")
        if leased:
            return self._feed_lent(n)
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

    @cython.final
    cdef Py_ssize_t _end_lease(self) except -1:
        """Take back the payload window get_buffer lent; return its size.
        The view that went out is released; should the caller still hold a
        view of the window (a slice, an export), the object it points into
        is left to that view and the payload goes on in a copy nobody else
        can reach, so no delivered object can change under anyone."""
        cdef _Lease lease = self._take_lease()
        cdef PyObject *old
        cdef Py_ssize_t cap = self._data_cap
        if lease.exports == 0:
            lease.drop_owner()  # ours alone again, so it may be resized
            return lease._len
        old = self._data
        try:
            if self._data_is_str:
                self._data = _new_str(cap, 127)
                memcpy(_str_data(self._data), _str_data(old), cap)
            else:
                self._data = _new_bytes(_bytes_data(old), cap)
        except BaseException as exc:
            self._fail(exc, [])  # drops our reference to old
            raise
        Py_XDECREF(old)  # the lease keeps it alive for the caller's view
        return lease._len

    @cython.final
    cdef _Lease _take_lease(self):
        """The lent window, forgotten here, with the view of it that went
        out released."""
        cdef _Lease lease = self._lease
        view = self._lease_view
        self._lease = None
        self._lease_view = None
        try:
            view.release()
        except BufferError:
            pass  # exported further: the lease still counts that export
        return lease

    @cython.final
    cdef list _feed_lent(self, Py_ssize_t n):
        """Decode the n bytes a read put into the lent payload window: the
        payload's next bytes, unmasked where they lie, then any bytes past
        its end (the next header), which move to a small buffer of their
        own before the payload object is handed out."""
        cdef uint8_t spare[_LEND_SPARE]
        cdef Py_ssize_t k = n
        cdef Py_ssize_t s = 0
        cdef list out
        self._check_ready()
        if <uint64_t>k > self._left:
            k = <Py_ssize_t>self._left
            s = n - k
            memcpy(spare, self._data_ptr() + self._data_len + k, s)
        out = []
        self._state = _BUSY
        try:
            if k:
                self._take_piece(self._data_ptr() + self._data_len, 0, k, out)
            if s:
                self._run(spare, s, out)
        except BaseException as exc:
            self._fail(exc, out)
            raise
        finally:
            self._state = _IDLE
        return out

    @cython.critical_section
    cpdef list feed(self, data):
        """Decode ``data`` (any C-contiguous buffer); return what it completed."""
        cdef Py_buffer view
        # Not initialised, in use or failed: said before any complaint about data.
        self._check_ready()
        if PyBytes_CheckExact(data):
            return self._feed(<const uint8_t *>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))
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
        self._drop_data()
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
            self._drop_data()
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
                self._take_lease()
            self._spare = 0
            self._hlen = 0
            self._first_byte = 0
            self._payload_len = 0
            self._in_payload = False
            self._left = 0
            self._phase = 0
            self._msg_op = 0
            self._compressed = False
            self._text_ascii = False
            self._text_chars = 0
            self._text_maxchar = 0x7F
            self._control_len = 0
            wsc_utf8_stream_init(<wsc_utf8_stream *>&self._utf8)
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
            pos = self._resume_header(p, n, out)
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
        if not self._yields_frames:
            self._check_message_header(b0, length)
        if self._server:
            head += 4
            if avail < head:
                return 0
            memcpy(self._key, q + head - 4, 4)
        elif avail < head:
            return 0
        self._first_byte = b0
        self._payload_len = length
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
                wsc_utf8_stream_init(<wsc_utf8_stream *>&self._utf8)
                self._text_ascii = True
                self._text_chars = 0
                self._text_maxchar = 0x7F
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
        cdef uint8_t *dst
        cdef uint64_t limit
        cdef bint ok = True
        cdef bint text
        if <uint64_t>k > left:
            k = <Py_ssize_t>left
        if k:
            if op >= 8:
                self._copy_unmasked(self._control + self._control_len, src, k)
                self._control_len += k
                if op == 8 and not self._yields_frames:
                    _check_close_prefix(self._control, self._control_len)
            elif self._compressed and not self._yields_frames:
                self._inflate_piece(src, k)
            else:
                # FrameDecoder knows the exact size; a message may not
                # outgrow max_message_size (checked from each header).
                limit = self._data_len + left if self._yields_frames else self._max_message
                # Room past the end only where get_buffer will lend the rest.
                self._reserve(self._data_len + k, self._data_len + left, limit,
                              self._spare if left - <uint64_t>k >= _LEND_MIN else 0)
                dst = self._data_ptr() + self._data_len
                text = self._msg_op == 1 and not self._yields_frames
                if k >= NOGIL_THRESHOLD:
                    with nogil:
                        if text:
                            ok = self._copy_text(dst, src, k)
                        else:
                            self._copy_unmasked_nogil(dst, src, k)
                elif text:
                    ok = self._copy_text(dst, src, k)
                else:
                    self._copy_unmasked_nogil(dst, src, k)
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
    cdef inline bint _copy_text(self, uint8_t *dst, const uint8_t *src, Py_ssize_t k) noexcept nogil:
        """Unmask (or copy) and validate text in blocks that stay in the L1
        cache, so the validator reads what the unmasking just wrote from
        there instead of from memory: close to one pass over the data."""
        cdef Py_ssize_t b
        while k > 0:
            b = k if k < _TEXT_BLOCK else _TEXT_BLOCK
            if self._server and self._text_ascii:
                # ASCII so far: unmask and test for ASCII in one pass.
                if wsc_mask_ascii(dst, src, b, self._key, self._phase):
                    self._phase = (self._phase + <unsigned>b) & 3u
                    self._text_chars += <size_t>b
                else:
                    self._phase = (self._phase + <unsigned>b) & 3u
                    if not self._feed_text(dst, b):
                        return False
            else:
                self._copy_unmasked_nogil(dst, src, b)
                if not self._feed_text(dst, b):
                    return False
            dst += b
            src += b
            k -= b
        return True

    @cython.final
    cdef inline void _copy_unmasked(self, uint8_t *dst, const uint8_t *src, Py_ssize_t k) noexcept:
        self._copy_unmasked_nogil(dst, src, k)

    @cython.final
    cdef inline void _copy_unmasked_nogil(self, uint8_t *dst, const uint8_t *src, Py_ssize_t k) noexcept nogil:
        """k payload bytes from src to dst as the application sees them: a
        server's are unmasked on the way, from where the last piece left
        the key."""
        if self._server:
            self._phase = wsc_mask(dst, src, k, self._key, self._phase)
        elif dst != src:  # a read into the lent payload is already in place
            memcpy(dst, src, k)

    @cython.final
    cdef int _reserve(self, Py_ssize_t need, uint64_t hint, uint64_t limit, Py_ssize_t spare=0) except -1:
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
        if <uint64_t>cap == hint:
            # Where get_buffer lends the rest of the payload, the same read
            # may bring the next header into ``spare`` bytes of room; they
            # are cut off again when the payload is handed out.
            cap += spare
        # A resize keeps the old contents, zeros included; a new object has
        # only what _data_len counts.
        if self._data == NULL:
            self._clean = 0
        if self._data_is_str:
            if self._data == NULL:
                self._data = _new_str(cap, 127)
            else:
                _str_resize(&self._data, cap)
        elif self._data == NULL:
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
        if self._data_is_str and self._text_ascii:
            if n != self._data_cap:
                _str_resize(&self._data, n)
                self._data_cap = n
            s = <str>self._data
        else:
            d = self._data_ptr()
            if self._text_ascii:
                s = _ascii_str(d, n)
            else:
                s = measured_utf8_str(d, n, self._text_chars, self._text_maxchar)
        self._drop_data()
        return s

    @cython.final
    cdef int _finish_frame(self, list out) except -1:
        cdef unsigned b0 = self._first_byte
        cdef unsigned op = b0 & 0x0F
        if self._yields_frames:
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
                tail = self._inflater.end_message(self._inflate_limit())
            except _ZlibError:
                raise protocol_error("corrupt_deflate") from None
            self._take_inflated(tail)
        op = self._msg_op
        self._msg_op = 0
        self._compressed = False
        if op == 1:
            if not wsc_utf8_stream_finish(<wsc_utf8_stream *>&self._utf8):
                raise protocol_error("text_ends_mid_character")
            out.append(_new_message(_TEXT, self._take_str() if self._decode_text else self._take_bytes()))
        else:
            out.append(_new_message(_BINARY, self._take_bytes()))
        return 0

    # -- compressed messages -------------------------------------------------

    @cython.final
    cdef object _inflate_limit(self):
        """``max_length`` for the inflater: one byte over the limit exposes any excess."""
        if self._max_message == _NO_LIMIT:
            return None
        return self._max_message - <uint64_t>self._data_len + 1

    @cython.final
    cdef int _inflate_piece(self, const uint8_t *src, Py_ssize_t k) except -1:
        cdef bytes piece = PyBytes_FromStringAndSize(NULL, k)
        self._copy_unmasked(<uint8_t *>PyBytes_AS_STRING(piece), src, k)
        try:
            out = self._inflater.decompress(piece, self._inflate_limit())
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
                memcpy(self._data_ptr() + self._data_len, d, k)
                self._data_len += k
        finally:
            PyBuffer_Release(&view)
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
