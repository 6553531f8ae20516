"""The zlib streams behind permessage-deflate (RFC 7692 section 7.2).

``_Compressor`` and ``_Decompressor`` each hold the zlib state of one
direction of one connection.  Only :mod:`wscodec.deflate` makes them
(``PerMessageDeflate.make_compressor`` / ``make_decompressor``); encoders
and decoders of both backends use them through the interface described in
docs/codec-rules.md and never import this module.  They live apart from the
negotiation because they depend on zlib and nothing else, while the
negotiation depends on the handshake's error types and never on zlib.
"""

from __future__ import annotations

import io
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

#: RFC 7692 section 7.2.1: the empty stored block that ends a sync flush,
#: stripped by the sender and put back by the receiver.
_TAIL = b"\x00\x00\xff\xff"

#: Output of one zlib call.  CPython hands back its first 32 KiB output block
#: without copying it; anything bigger is assembled from several blocks and
#: then copied, which would double the peak memory of a bomb that is being
#: rejected.  Larger outputs are collected in a BytesIO instead.
_STEP = 32 * 1024


# zlib's own figures for its state (zconf.h) besides the window and the
# tables: about 6 KiB for deflate, 7 KiB for inflate (deflate_state and
# inflate_state with their small arrays, 64-bit).
_DEFLATE_STATE = 6 * 1024
_INFLATE_STATE = 7 * 1024


class _Compressor:
    """Compresses whole messages for one direction of one connection.

    The zlib state (about 256 KiB at the defaults) is created by the first
    message, not with the connection: most connections of a server that
    negotiates compression never send a message big enough to compress."""

    __slots__ = ("_zobj", "_flush", "_level", "_wbits", "_mem_level")

    def __init__(self, window_bits: int, no_context_takeover: bool, level: int, mem_level: int) -> None:
        self._zobj: zlib._Compress | None = None
        self._level = level
        # zlib refuses a raw deflate window of 8 bits.  Compressing with 9 is
        # still valid for a peer that inflates with 8: zlib never emits a
        # distance over w_size - 262 = 250 bytes with a 512-byte window, and
        # so fits in 256.  This is what zlib before 1.2.9 did on its own and
        # what Bun and Node do.
        self._wbits = -max(window_bits, 9)
        self._mem_level = mem_level
        # Z_FULL_FLUSH ends the message exactly like Z_SYNC_FLUSH (same empty
        # stored block) and also forgets the history, so the next message
        # cannot refer back: no context takeover without reallocating the
        # ~256 KiB of deflate state for every message.
        self._flush = zlib.Z_FULL_FLUSH if no_context_takeover else zlib.Z_SYNC_FLUSH

    def __sizeof__(self) -> int:
        """This object and, once made, its zlib state: zlib's formula,
        ``2^(window_bits+2) + 2^(mem_level+9)`` and the state itself."""
        size = object.__sizeof__(self)
        if self._zobj is not None:
            size += (1 << (-self._wbits + 2)) + (1 << (self._mem_level + 9)) + _DEFLATE_STATE
        return size

    def compress(self, data: ReadableBuffer) -> bytes:
        """Compress one whole message payload; the trailing 00 00 ff ff is removed."""
        zobj = self._zobj
        if zobj is None:
            zobj = self._zobj = zlib.compressobj(self._level, zlib.DEFLATED, self._wbits, self._mem_level)
        # compress() first even for b"": a flush right after a flush with no
        # input in between makes zlib emit nothing (Z_BUF_ERROR).
        out = zobj.compress(data) + zobj.flush(self._flush)
        return out[:-4]


class _Decompressor:
    """Inflates the messages of one direction of one connection; its zlib
    state is created by the first compressed message."""

    __slots__ = ("_zobj", "_wbits", "_reset")

    def __init__(self, window_bits: int, no_context_takeover: bool) -> None:
        self._wbits = -window_bits
        self._reset = no_context_takeover
        self._zobj: zlib._Decompress | None = None

    def __sizeof__(self) -> int:
        """This object and, while it has one, its inflater: zlib's formula,
        ``2^window_bits`` and the state itself."""
        size = object.__sizeof__(self)
        if self._zobj is not None:
            size += (1 << -self._wbits) + _INFLATE_STATE
        return size

    def decompress(self, data: ReadableBuffer, max_length: int | None = None) -> bytes:
        """Inflate the next piece of a message: at most ``max_length`` bytes.

        Output that reaches ``max_length`` means the caller's limit is
        exceeded (the decoder passes its remaining budget + 1); the input
        not yet inflated then stays in this object and would come out first
        on the next call.  Raises ``zlib.error`` on corrupt data.
        """
        zobj = self._inflater()
        if zobj.unconsumed_tail:
            data = zobj.unconsumed_tail + bytes(data)
        if max_length is None:
            # zlib's own "no limit" is 0; -1 keeps 0 from meaning that here.
            max_length = -1
            step = _STEP
        elif max_length > _STEP:
            step = _STEP
        elif max_length >= 1:
            step = max_length
        else:
            raise ValueError(f"max_length must be None or >= 1, got {max_length!r}")
        # The common case: a message piece that inflates to at most 32 KiB
        # comes out of one call, uncopied.
        out = zobj.decompress(data, step)
        if len(out) < step or len(out) == max_length:
            if zobj.eof:
                self._check_eof()
            return out
        return self._inflate_more(out, max_length)

    def _inflate_more(self, out: bytes, max_length: int) -> bytes:
        # Big output: accumulate in a BytesIO, which grows in place and hands
        # its buffer over without a copy, so a message of N bytes peaks near
        # 1.1 N rather than the 2 N of one big decompress() call.
        zobj = self._inflater()
        buf = io.BytesIO()
        buf.write(out)
        total = len(out)
        while max_length < 0 or total < max_length:
            step = _STEP if max_length < 0 else min(_STEP, max_length - total)
            out = zobj.decompress(zobj.unconsumed_tail, step)
            buf.write(out)
            total += len(out)
            # Fewer bytes than asked for: the input is used up and zlib has
            # nothing more pending.
            if len(out) < step:
                break
        del out
        if zobj.eof:
            self._check_eof()
        return buf.getvalue()

    def _inflater(self) -> zlib._Decompress:
        zobj = self._zobj
        if zobj is None:
            zobj = self._zobj = zlib.decompressobj(self._wbits)
        return zobj

    def _check_eof(self) -> None:
        # A peer may end a message with a BFINAL block (RFC 7692 7.2.3.4).
        # Anything after it in the same message is garbage.
        if self._zobj is not None and self._zobj.unused_data:
            raise zlib.error("data after the end of the deflate stream")

    def end_message(self, max_length: int | None = None) -> bytes:
        """Finish a message: feed 00 00 ff ff and return the last output."""
        zobj = self._zobj
        if zobj is not None and zobj.eof:
            # The message ended with a BFINAL block: the stream is over, and
            # zlib would drop everything fed to it from now on.  A fresh
            # inflater keeps later messages decodable; a peer that still
            # refers back into the old window fails loudly (zlib.error).
            out = b""
        else:
            out = self.decompress(_TAIL, max_length)
        if self._reset or self._inflater().eof:
            # A fresh inflater for the next message, made when one comes:
            # until then an idle connection holds no inflate window.
            self._zobj = None
        return out
