"""The receive buffer get_buffer lends between payloads (twin:
_native/receive.pxi).

asyncio and uvloop call get_buffer(), read into what it returns and call
buffer_updated() before they serve any other socket, and the decoder copies
every byte it keeps before buffer_updated() returns.  So one buffer per
thread serves every decoder that thread reads for, and an idle connection
holds no receive buffer at all.
"""

from __future__ import annotations

import threading

#: The size of asyncio's own reads (256 KiB), fixed so the memory the loop
#: writes into never moves.
RECV_BUFFER_SIZE = 256 * 1024


class ReceiveBuffer:
    __slots__ = ("data", "_pin", "lendings", "decoding")

    def __init__(self) -> None:
        self.data = bytearray(RECV_BUFFER_SIZE)
        # A view never handed out: it pins data's size.
        self._pin = memoryview(self.data)
        # Counts lendings: a decoder whose number is no longer the latest
        # lent this buffer to another reader before its buffer_updated() came.
        self.lendings = 0
        self.decoding = False  # a decoder is reading it right now

    def lend(self) -> memoryview:
        """A new view per read: a caller that releases it releases only its own."""
        self.lendings += 1
        return self._pin[:]


_per_thread = threading.local()


def thread_receive_buffer() -> ReceiveBuffer:
    """The calling thread's receive buffer."""
    try:
        shared: ReceiveBuffer = _per_thread.buffer
    except AttributeError:
        shared = _per_thread.buffer = ReceiveBuffer()
    return shared
