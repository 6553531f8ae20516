"""``Frame.parse`` for websockets, taking a frame that has fully arrived
straight out of the connection's buffer.

websockets' parser reads a frame in four ``read_exact`` steps (header,
length, mask, payload), each a generator that slices a copy out of its
``StreamReader.buffer`` and deletes it there, then unmasks the payload
copy into a third object.  When it is called with a ``StreamReader``'s
``read_exact`` (as the Sans-I/O protocol always calls it) and the buffer
already holds the whole frame, this reads the header in place and unmasks
the payload from the buffer into the frame's ``bytes`` in one pass.

Everything else goes to websockets' own ``Frame.parse``, before a byte is
consumed: a frame not yet complete (its parser waits for data and raises
its own ``EOFError``), an unknown opcode, a wrong mask bit, a payload over
``max_size`` (its errors and the bytes it consumes before raising stay its
own), any other ``read_exact``.  A frame parsed here is built, passed
through the extensions and checked exactly as websockets does; its
``data`` has the same type (``bytes`` once unmasked, else the
``bytearray`` that ``read_exact`` returns).

It is installed only over the code it was checked against
(``MIRRORED``): over any other, ``install()`` refuses and changes nothing.
"""

from __future__ import annotations

import dataclasses
import platform
from collections.abc import Generator, Sequence
from types import ModuleType
from typing import Any

from ._support import source_digest

__all__ = ["MIRRORED", "is_mirrored", "parse_method"]

# source_digest() of Frame.parse, Frame.check, StreamReader.read_exact and
# StreamReader.feed_data in the releases this was checked with.
MIRRORED = frozenset({
    "7159c903c27390025647514555767c4f670a4d3553f76f15e93b466137edec98",  # 17.0.1 to 17.4
})

_FIELDS = ("opcode", "data", "fin", "rsv1", "rsv2", "rsv3")

# PyPy's emulation of the C API keeps a C function's export of a buffer
# (websockets' compiled apply_mask, built there too) until its next
# collection, so the reader's buffer could not be resized after unmasking
# from a view of it: there the payload is sliced out first, a copy, as
# websockets' own read_exact does.
_UNMASK_IN_PLACE = platform.python_implementation() == "CPython"


def is_mirrored(frames: ModuleType, streams: ModuleType) -> bool:
    """Are websockets' ``frames`` and ``streams`` the code this mirrors?"""
    frame, reader = frames.Frame, streams.StreamReader
    digest = source_digest(frame.parse, frame.check, reader.read_exact, reader.feed_data)
    fields = tuple(field.name for field in dataclasses.fields(frame))
    return digest in MIRRORED and fields == _FIELDS


def parse_method(frames: ModuleType, streams: ModuleType, original: Any) -> Any:
    """The replacement ``Frame.parse`` (a classmethod, as websockets'), over
    websockets' own ``original``."""
    own_parse = original.__func__
    read_exact_function = streams.StreamReader.read_exact
    opcodes = {int(opcode): opcode for opcode in frames.Opcode}

    def parse(
        cls: Any,
        read_exact: Any,
        *,
        mask: bool,
        max_size: int | None = None,
        extensions: Sequence[Any] | None = None,
    ) -> Generator[None, None, Any]:
        if getattr(read_exact, "__func__", None) is read_exact_function:
            buffer = read_exact.__self__.buffer
            size = len(buffer)
            if size >= 2:
                head1 = buffer[0]
                head2 = buffer[1]
                opcode = opcodes.get(head1 & 0x0F)
                length = head2 & 0x7F
                start = 2
                if length == 126:
                    start = 4
                    length = buffer[2] << 8 | buffer[3] if size >= 4 else -1
                elif length == 127:
                    start = 10
                    length = int.from_bytes(buffer[2:10], "big") if size >= 10 else -1
                if (
                    opcode is not None
                    and bool(head2 & 0x80) == mask
                    and length >= 0
                    and (max_size is None or length <= max_size)
                ):
                    if mask:
                        start += 4
                    end = start + length
                    if size >= end:
                        if mask:
                            key = bytes(buffer[start - 4 : start])
                            if _UNMASK_IN_PLACE:
                                view = memoryview(buffer)
                                payload = view[start:end]
                                try:
                                    data = frames.apply_mask(payload, key)
                                finally:
                                    # Released at once: the buffer is resized below.
                                    payload.release()
                                    view.release()
                            else:
                                data = frames.apply_mask(buffer[start:end], key)
                        else:
                            data = buffer[start:end]
                        del buffer[:end]
                        frame = cls(
                            opcode,
                            data,
                            True if head1 & 0b10000000 else False,
                            True if head1 & 0b01000000 else False,
                            True if head1 & 0b00100000 else False,
                            True if head1 & 0b00010000 else False,
                        )
                        if extensions is None:
                            extensions = []
                        for extension in reversed(extensions):
                            frame = extension.decode(frame, max_size=max_size)
                        frame.check()
                        return frame
        return (yield from own_parse(cls, read_exact, mask=mask, max_size=max_size, extensions=extensions))

    parse.__doc__ = own_parse.__doc__
    return classmethod(parse)
