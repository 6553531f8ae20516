"""What get_buffer lends (twin: _native/receive.pxi): the receive buffer
between payloads, a buffer for the rest of a long payload inside one.

asyncio and uvloop call get_buffer(), read into what it returns and call
buffer_updated() before they serve any other socket, and the decoder copies
every byte it keeps before buffer_updated() returns.  So one buffer per
thread serves every decoder that thread reads for, and an idle connection
holds no receive buffer at all.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .decoder import _Decoder

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


# -- lending a payload's buffer (the decoder's _payload_buf, _lease_view)
#
# Inside a data payload with at least LEND_MIN still to come, get_buffer
# lends at most the rest of the payload and LEND_SPARE bytes for the next
# header, as the native backend does: there the read lands in the payload's
# own object.  Here it is a buffer of the decoder's own.

LEND_MIN = RECV_BUFFER_SIZE
LEND_SPARE = 14


def _lend_payload(d: _Decoder) -> memoryview:
    """Lend a buffer for the rest of the current payload, and room for
    the next header, for the event loop to read into."""
    # Released again by buffer_updated, as the native backend releases the
    # window of the payload's object it lends.
    if d._payload_buf is None:
        d._payload_buf = ReceiveBuffer()
    d._lease_view = d._payload_buf.lend()[: min(d._left + LEND_SPARE, RECV_BUFFER_SIZE)]
    d._lent = True
    return d._lease_view


def _end_lease(d: _Decoder) -> int:
    """Take back the payload window get_buffer lent; return its size."""
    _take_lease(d)
    # The size _lend_payload gave it: nothing moves _left between get_buffer
    # and buffer_updated (feed refuses while a buffer is lent).
    return min(d._left + LEND_SPARE, RECV_BUFFER_SIZE)


def _take_lease(d: _Decoder) -> None:
    """Forget the lent payload window, with the view of it that went out
    released."""
    view = d._lease_view
    if view is not None:
        d._lease_view = None
        try:
            view.release()
        except BufferError:
            pass  # exported further; it only ever reaches the receive buffer


def _feed_lent(d: _Decoder, n: int) -> list[Any]:
    """Decode the n bytes a read put into the lent payload window."""
    assert d._payload_buf is not None
    try:
        return d._feed(memoryview(d._payload_buf.data)[:n])
    finally:
        if d._left < LEND_MIN:
            # No more reads to lend inside this payload: a decoder that goes
            # idle now keeps no buffer, as on the native backend, where the
            # payload's object went out with it.
            d._payload_buf = None
