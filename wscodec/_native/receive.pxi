# What get_buffer lends (twin: _pure/receive.py): the receive buffer
# between payloads, the rest of a long payload's own object inside one.
#
# asyncio and uvloop call get_buffer(), read into what it returns and call
# buffer_updated() before they serve any other socket, and the decoder copies
# every byte it keeps before buffer_updated() returns.  So one buffer per
# thread serves every decoder that thread reads for, and an idle connection
# holds no receive buffer at all (one per decoder cost 256 KiB a connection).

cimport cython
from cpython.object cimport PyObject
from cpython.pythread cimport PyThread_get_thread_ident
from cpython.ref cimport Py_XDECREF
from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy

import threading as _threading

cdef enum:
    # The size of asyncio's own reads (256 KiB), fixed so the memory the
    # loop writes into never moves.
    _RECV_BUFFER_SIZE = 256 * 1024

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


@cython.final
cdef class _ReceiveBuffer:
    # Its state is declared in _ext.pxd.

    def __cinit__(self):
        self.data = bytearray(_RECV_BUFFER_SIZE)
        self._pin = memoryview(self.data)

    cdef object lend(self):
        """A new view per read: a caller that releases it releases only its own."""
        self.lendings += 1
        return self._pin[:]


cdef object _per_thread = _threading.local()


cdef _ReceiveBuffer thread_receive_buffer():
    """The calling thread's receive buffer."""
    cdef _ReceiveBuffer shared
    try:
        shared = _per_thread.buffer
    except AttributeError:
        shared = _per_thread.buffer = _ReceiveBuffer()
    return shared


# -- lending a payload's own object (the decoder's _lease, _lease_view)

cdef object _lend_payload(_Decoder d):
    """Lend the rest of the current payload's object, and room for the
    next header, for the event loop to read into."""
    cdef uint64_t left = d._left
    cdef uint64_t limit = d._data_len + left if d._yields_frames else d._max_message
    cdef uint64_t room
    cdef _Lease lease
    try:
        # Room for a read as large as one into the receive buffer, and
        # no more ahead of what arrived: a header alone must not make us
        # allocate a large declared size.
        _reserve(d, d._data_len + <Py_ssize_t>(left if left < _LEND_MIN else _LEND_MIN),
                 d._data_len + left, limit, d._spare)
    except BaseException as exc:
        d._fail(exc, [])
        raise
    room = <uint64_t>(d._data_cap - d._data_len)
    if room > left + _LEND_SPARE:
        room = left + _LEND_SPARE
    _zero_fresh(d, d._data_len + <Py_ssize_t>room)
    lease = _Lease.over(<object>d._data, <char *>_data_ptr(d) + d._data_len, <Py_ssize_t>room)
    view = lease.lend()
    d._lease = lease
    d._lease_view = view
    d._lent = True
    return view


cdef Py_ssize_t _end_lease(_Decoder d) except -1:
    """Take back the payload window get_buffer lent; return its size.
    The view that went out is released; should the caller still hold a
    view of the window (a slice, an export), the object it points into
    is left to that view and the payload goes on in a copy nobody else
    can reach, so no delivered object can change under anyone."""
    cdef _Lease lease = _take_lease(d)
    cdef PyObject *old
    cdef Py_ssize_t cap = d._data_cap
    if lease.exports == 0:
        lease.drop_owner()  # ours alone again, so it may be resized
        return lease._len
    old = d._data
    try:
        if d._data_is_str:
            d._data = _new_str(cap, 127)
            memcpy(_str_data(d._data), _str_data(old), cap)
        else:
            d._data = _new_bytes(_bytes_data(old), cap)
    except BaseException as exc:
        d._fail(exc, [])  # drops our reference to old
        raise
    Py_XDECREF(old)  # the lease keeps it alive for the caller's view
    return lease._len


cdef _Lease _take_lease(_Decoder d):
    """The lent window, forgotten here, with the view of it that went
    out released."""
    cdef _Lease lease = d._lease
    view = d._lease_view
    d._lease = None
    d._lease_view = None
    try:
        view.release()
    except BufferError:
        pass  # exported further: the lease still counts that export
    return lease


cdef list _feed_lent(_Decoder d, Py_ssize_t n):
    """Decode the n bytes a read put into the lent payload window: the
    payload's next bytes, unmasked where they lie, then any bytes past
    its end (the next header), which move to a small buffer of their
    own before the payload object is handed out."""
    cdef uint8_t spare[_LEND_SPARE]
    cdef Py_ssize_t k = n
    cdef Py_ssize_t s = 0
    cdef list out
    d._check_ready()
    if <uint64_t>k > d._left:
        k = <Py_ssize_t>d._left
        s = n - k
        memcpy(spare, _data_ptr(d) + d._data_len + k, s)
    out = []
    d._state = _BUSY
    try:
        if k:
            d._take_piece(_data_ptr(d) + d._data_len, 0, k, out)
        if s:
            d._run(spare, s, out)
    except BaseException as exc:
        d._fail(exc, out)
        raise
    finally:
        d._state = _IDLE
    return out
