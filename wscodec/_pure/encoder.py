"""Frame and message encoding (RFC 6455 section 5) in pure Python
(twin: _native/encoder.pxi)."""

import os
import struct

from .._types import CONTROL_MAX_PAYLOAD, Opcode
from ._buffers import byte_view, mask_key
from .close import encode_close_payload
from .masking import xor_mask

__all__ = ["encode_frame", "MessageEncoder"]

_TEXT = 1  # plain ints: the opcode only goes into the first header byte
_BINARY = 2
# Indexed by opcode value, so a known opcode is one comparison and one index.
_KNOWN = tuple(v in Opcode._value2member_map_ for v in range(16))
_pack_short = struct.Struct("!BB").pack
_pack_medium = struct.Struct("!BBH").pack
_pack_long = struct.Struct("!BBQ").pack

# Masking keys must be unpredictable (RFC 6455 section 10.3), so they come
# from os.urandom; one syscall per 4 KiB pool rather than one per frame.
_POOL_SIZE = 4096
_keys = []
# list.pop is atomic, so two threads never get the same key; a refill race
# only adds keys.
_pop_key = _keys.pop


def _fresh_key():
    try:
        return _pop_key()
    except IndexError:
        pool = os.urandom(_POOL_SIZE)
        _keys.extend([pool[i : i + 4] for i in range(0, _POOL_SIZE, 4)])
        return _pop_key()


# A forked child must not replay the keys its parent will also use.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_keys.clear)


def _encode(b0, payload, key):
    """The wire bytes of one frame whose fields are already checked."""
    length = len(payload)
    b1 = 0 if key is None else 0x80
    if length < 126:
        header = _pack_short(b0, b1 | length)
    elif length < 65536:
        header = _pack_medium(b0, b1 | 126, length)
    else:
        header = _pack_long(b0, b1 | 127, length)
    if key is None:
        return header + payload
    if not length:
        return header + key
    return header + key + xor_mask(payload, key)  # XOR masks as it unmasks


def encode_frame(opcode, payload=b"", *, fin=True, rsv1=False, mask=None):
    """One frame with the shortest length form; ``mask=True`` draws a fresh key."""
    if not (0 <= opcode <= 15 and _KNOWN[opcode]):
        raise ValueError(f"unknown opcode {opcode!r}")
    if type(payload) is not bytes:
        payload = bytes(byte_view(payload))
    if opcode >= 8:
        if len(payload) > CONTROL_MAX_PAYLOAD:
            raise ValueError(f"control frame payload of {len(payload)} bytes (at most {CONTROL_MAX_PAYLOAD})")
        if not fin:
            raise ValueError("control frames cannot be fragmented")
    if mask is None or mask is False:
        key = None
    elif mask is True:
        key = _fresh_key()
    else:
        key = mask_key(mask)
    return _encode(opcode | (0x80 if fin else 0) | (0x40 if rsv1 else 0), payload, key)


class MessageEncoder:
    """Turn messages into wire bytes for one side of one connection."""

    __slots__ = ("_client", "_max_frame", "_compressor", "_min_size")

    def __init__(self, *, role="server", max_frame_size=None, deflate=None):
        if role not in ("server", "client"):
            raise ValueError(f"role must be 'server' or 'client', not {role!r}")
        if max_frame_size is not None:
            if not isinstance(max_frame_size, int) or isinstance(max_frame_size, bool):
                raise TypeError(f"max_frame_size must be None or an int, not {type(max_frame_size).__name__}")
            if max_frame_size < 1:
                # Zero would leave no room for any payload byte.
                raise ValueError(f"max_frame_size must be None or >= 1, not {max_frame_size}")
        # RFC 6455 section 5.3: a client masks every frame, a server none.
        self._client = role == "client"
        self._max_frame = max_frame_size
        if deflate is None:
            self._compressor = None
            self._min_size = 0
        else:
            self._compressor = deflate.make_compressor(role)
            self._min_size = deflate.min_size

    def text(self, data):
        if not isinstance(data, str):
            raise TypeError(f"text() takes a str, not {type(data).__name__}")
        return self._message(_TEXT, data.encode("utf-8"))

    def binary(self, data):
        if type(data) is not bytes:
            data = bytes(byte_view(data))
        return self._message(_BINARY, data)

    def ping(self, data=b""):
        return encode_frame(Opcode.PING, data, mask=self._client)

    def pong(self, data=b""):
        return encode_frame(Opcode.PONG, data, mask=self._client)

    def close(self, code=1000, reason=""):
        if code is None:
            if reason:
                raise ValueError("a close reason needs a close code")
            payload = b""
        else:
            payload = encode_close_payload(code, reason)
        return encode_frame(Opcode.CLOSE, payload, mask=self._client)

    def _message(self, opcode, payload):
        rsv1 = 0
        if self._compressor is not None and len(payload) >= self._min_size:
            payload = self._compressor.compress(payload)
            rsv1 = 0x40
        size = self._max_frame
        mask = self._client
        if size is None or len(payload) <= size:
            return _encode(0x80 | rsv1 | opcode, payload, _fresh_key() if mask else None)
        chunks = [payload[start : start + size] for start in range(0, len(payload), size)]
        last = len(chunks) - 1
        return b"".join(
            _encode(
                (opcode | rsv1 if i == 0 else 0) | (0x80 if i == last else 0),
                chunk,
                _fresh_key() if mask else None,
            )
            for i, chunk in enumerate(chunks)
        )

    def __repr__(self):
        return f"<MessageEncoder role={'client' if self._client else 'server'}>"
