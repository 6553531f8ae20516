"""Frames built byte by byte, independent of the codec under test."""

import struct
import sys
import zlib

MASK = b"\x37\xfa\x21\x3d"


def xor(data, key):
    # One big-integer XOR: fast enough for 64 KiB payloads, and no codec.
    n = len(data)
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, sys.byteorder) ^ int.from_bytes(repeated, sys.byteorder)).to_bytes(n, sys.byteorder)


def deflated(data):
    """``data`` compressed as a permessage-deflate frame carries it."""
    compressor = zlib.compressobj(wbits=-15)
    return (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


def frame(opcode, payload=b"", *, fin=True, rsv=0, mask=None, form=None):
    """``raw`` from its fields; ``rsv``: the three reserved bits as a
    number (RSV1 is 4)."""
    return raw((0x80 if fin else 0) | rsv << 4 | opcode, payload, mask=mask, form=form)


def raw(b0, payload=b"", *, mask=None, length=None, form=None):
    """A frame with first byte ``b0``, masked with ``mask`` if given.

    ``length`` overrides the declared length; ``form`` forces the 7-, 16- or
    64-bit length encoding (non-minimal encodings included).
    """
    n = len(payload) if length is None else length
    form = form or (7 if n < 126 else 16 if n < 65536 else 64)
    bit = 0x80 if mask is not None else 0
    if form == 7:
        head = bytes((b0, bit | n))
    elif form == 16:
        head = struct.pack("!BBH", b0, bit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, bit | 127, n)
    if mask is None:
        return head + payload
    return head + mask + xor(payload, mask)


def cf(b0, payload=b"", *, length=None):
    """A client frame (masked with MASK), as a server decoder receives it."""
    return raw(b0, payload, mask=MASK, length=length)
