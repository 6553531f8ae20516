"""Stand-ins for the network: a transport stub that peers write into, and
the one event loop for the peers that insist on one."""

import asyncio
from collections import deque


class _FakeSocket:
    """What picows asks of ``get_extra_info('socket')``; never touches a network."""

    def fileno(self):
        return -1

    def setsockopt(self, *args):
        pass

    def getsockopt(self, *args):
        return 0


class SinkTransport:
    """An asyncio transport stub that keeps only the last write.

    Its methods are C builtins (a bounded deque's ``append``, ``int`` and
    ``bool`` methods) so a peer that writes to its transport pays a C call,
    not a Python one, for the privilege.  A non-empty write buffer makes
    picows hand its frame to ``write`` instead of calling ``send(2)`` on the
    socket.
    """

    def __init__(self):
        # Two: aiohttp writes a large frame's header and payload apart.
        self.written = deque(maxlen=2)
        self.write = self.written.append
        self.get_write_buffer_size = (1).__index__
        self.is_closing = False.__bool__
        self._extra = {"socket": _FakeSocket(), "peername": ("127.0.0.1", 1), "sockname": ("127.0.0.1", 2)}

    def writelines(self, parts):
        self.write(b"".join(parts))

    def get_extra_info(self, name, default=None):
        return self._extra.get(name, default)

    def close(self):
        pass

    def abort(self):
        pass

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass

    @property
    def last(self):
        return bytes(self.written[-1])


_LOOP = []


def event_loop():
    """One event loop for the peers that insist on one (never run forever)."""
    if not _LOOP:
        _LOOP.append(asyncio.new_event_loop())
    return _LOOP[0]


def close_loop():
    if _LOOP:
        _LOOP.pop().close()
