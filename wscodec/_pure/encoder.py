"""Frame and message encoding (RFC 6455 section 5) in pure Python
(twin: _native/encoder.pxi)."""

from __future__ import annotations

import os
import struct
import sys
from typing import TYPE_CHECKING, Any, Literal

from .._misuse import InitGuard
from .._rules import (
    SENDABLE_OPCODES,
    check_control_payload,
    check_encoder_frame_size,
    close_reason_without_code,
    control_not_fragmented,
    not_a_str,
    opcode_to_send,
    role_is_server,
)
from .._types import Opcode
from ._buffers import as_bytes, byte_view, mask_key
from .close import encode_close_payload
from .masking import xor_mask

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

    from ..deflate import PerMessageDeflate

__all__ = ["encode_frame", "encode_frame_parts", "MessageEncoder"]

_TEXT = 1  # plain ints: the opcode only goes into the first header byte
_BINARY = 2
_pack_short = struct.Struct("!BB").pack
_pack_medium = struct.Struct("!BBH").pack
_pack_long = struct.Struct("!BBQ").pack

_POOL_SIZE = 4096


class _KeyPool:
    """Masking keys (RFC 6455 section 10.3: unpredictable) from os.urandom,
    one syscall per 1024 keys.  list.pop is atomic, so two threads never get
    the same key; a refill race only adds keys."""

    __slots__ = ("_keys",)

    def __init__(self) -> None:
        self._keys: list[bytes] = []

    def take(self) -> bytes:
        keys = self._keys
        try:
            return keys.pop()
        except IndexError:
            pool = os.urandom(_POOL_SIZE)
            keys.extend([pool[i : i + 4] for i in range(0, _POOL_SIZE, 4)])
            return keys.pop()


_shared_keys = _KeyPool()
_take_key = _shared_keys.take


def _after_fork_in_child() -> None:
    """A forked child must not replay the keys its parent will also use."""
    _shared_keys._keys.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _encode(b0: int, payload: bytes, key: bytes | None) -> bytes:
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


def encode_frame(
    opcode: int,
    payload: ReadableBuffer = b"",
    *,
    fin: bool = True,
    rsv1: bool = False,
    mask: ReadableBuffer | bool | None = None,
) -> bytes:
    """One frame with the shortest length form; ``mask=True`` draws a fresh key."""
    if opcode.__class__ is not Opcode and (opcode.__class__ is not int or opcode not in SENDABLE_OPCODES):
        opcode = opcode_to_send(opcode)
    if type(payload) is not bytes:
        payload = as_bytes(payload)
    if opcode >= 8:
        check_control_payload(len(payload))
        if not fin:
            raise control_not_fragmented()
    key: bytes | None
    if mask is None or mask is False:
        key = None
    elif mask is True:
        key = _take_key()
    else:
        key = mask_key(mask)
    return _encode(opcode | (0x80 if fin else 0) | (0x40 if rsv1 else 0), payload, key)


def encode_frame_parts(
    opcode: int, payload: ReadableBuffer = b"", *, fin: bool = True, rsv1: bool = False
) -> list[Any]:
    """``[header, payload]`` for ``transport.writelines``: the unmasked frame
    of ``encode_frame`` in two pieces, the payload the very object passed in
    (any buffer; never copied, so a 16 MiB server payload is framed for free).

    There is no masked (client) form: masking XORs every payload byte, which
    must produce new bytes (the caller's buffer has to stay as it is), so a
    client frame always costs one pass over the payload -- encode_frame's.
    Both backends share this function: the header is a few bytes.
    """
    if opcode.__class__ is not Opcode and (opcode.__class__ is not int or opcode not in SENDABLE_OPCODES):
        opcode = opcode_to_send(opcode)
    with byte_view(payload) as view:
        n = view.nbytes
    if opcode >= 8:
        check_control_payload(n)
        if not fin:
            raise control_not_fragmented()
    b0 = opcode | (0x80 if fin else 0) | (0x40 if rsv1 else 0)
    if n < 126:
        header = bytes((b0, n))
    elif n < 65536:
        header = bytes((b0, 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((b0, 127)) + n.to_bytes(8, "big")
    return [header, payload]


class MessageEncoder(InitGuard):
    """Turn messages into wire bytes for one side of one connection.

    Each method reads ``_client`` first: on an object whose ``__init__`` never
    ran that raises the not-initialised RuntimeError before any argument
    check, in the order the native backend checks.
    """

    __slots__ = ("_client", "_max_frame", "_compressor", "_min_size")

    def __sizeof__(self) -> int:
        """This encoder and its compressor's zlib state (``sys.getsizeof``)."""
        try:
            compressor = self._compressor
        except RuntimeError:  # never initialised
            compressor = None
        return object.__sizeof__(self) + (0 if compressor is None else sys.getsizeof(compressor))

    def __init__(
        self,
        *,
        role: Literal["server", "client"] = "server",
        max_frame_size: int | None = None,
        deflate: PerMessageDeflate | None = None,
    ) -> None:
        client = not role_is_server(role)
        max_frame = check_encoder_frame_size(max_frame_size)
        if deflate is None:
            compressor, min_size = None, 0
        else:
            compressor, min_size = deflate.make_compressor(role), deflate.min_size
        # Every argument is good: only now replace the state, so a failed
        # second __init__ leaves the encoder as it was.
        # RFC 6455 section 5.3: a client masks every frame, a server none.
        self._client = client
        self._max_frame = max_frame
        self._compressor = compressor
        self._min_size = min_size

    def text(self, data: str) -> bytes:
        client = self._client
        if not isinstance(data, str):
            raise not_a_str(data)
        return self._message(_TEXT, data.encode("utf-8"), client)

    def binary(self, data: ReadableBuffer) -> bytes:
        client = self._client
        if type(data) is not bytes:
            data = as_bytes(data)
        return self._message(_BINARY, data, client)

    def ping(self, data: ReadableBuffer = b"") -> bytes:
        return self._control(Opcode.PING, data, self._client)

    def pong(self, data: ReadableBuffer = b"") -> bytes:
        return self._control(Opcode.PONG, data, self._client)

    def close(self, code: int | None = 1000, reason: str = "") -> bytes:
        client = self._client
        if code is None:
            if reason:
                raise close_reason_without_code()
            payload = b""
        else:
            payload = encode_close_payload(code, reason)
        return self._control(Opcode.CLOSE, payload, client)

    def _control(self, opcode: Opcode, data: ReadableBuffer, mask: bool) -> bytes:
        """A PING, PONG or CLOSE frame."""
        return encode_frame(opcode, data, mask=mask)

    def _message(self, opcode: int, payload: bytes, mask: bool) -> bytes:
        rsv1 = 0
        if self._compressor is not None and len(payload) >= self._min_size:
            payload = self._compressor.compress(payload)
            rsv1 = 0x40
        size = self._max_frame
        if size is None or len(payload) <= size:
            return _encode(0x80 | rsv1 | opcode, payload, _take_key() if mask else None)
        return _fragments(opcode | rsv1, payload, size, mask)

    def __repr__(self) -> str:
        try:
            return f"<{type(self).__name__} role={'client' if self._client else 'server'}>"
        except RuntimeError:
            return f"<{type(self).__name__} not initialised>"


def _fragments(first: int, payload: bytes, size: int, mask: bool) -> bytes:
    """A message over max_frame_size as its frames: ``first`` (opcode and
    RSV1) on the first, FIN on the last, a fresh key each when masking."""
    chunks = [payload[start : start + size] for start in range(0, len(payload), size)]
    last = len(chunks) - 1
    return b"".join(
        _encode(
            (first if i == 0 else 0) | (0x80 if i == last else 0),
            chunk,
            _take_key() if mask else None,
        )
        for i, chunk in enumerate(chunks)
    )
