# The receive buffer get_buffer lends between payloads (twin: _pure/receive.py).
#
# asyncio and uvloop call get_buffer(), read into what it returns and call
# buffer_updated() before they serve any other socket, and the decoder copies
# every byte it keeps before buffer_updated() returns.  So one buffer per
# thread serves every decoder that thread reads for, and an idle connection
# holds no receive buffer at all (one per decoder cost 256 KiB a connection).

cimport cython
from cpython.pythread cimport PyThread_get_thread_ident

import threading as _threading

cdef enum:
    # The size of asyncio's own reads (256 KiB), fixed so the memory the
    # loop writes into never moves.
    _RECV_BUFFER_SIZE = 256 * 1024


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
