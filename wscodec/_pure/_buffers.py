"""Buffer-protocol helpers that give the pure backend the native one's rules
(twin: _native/_buffers.pxi)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._rules import mask_length, not_a_buffer

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer


def byte_view(obj: ReadableBuffer) -> memoryview:
    """A flat unsigned-byte memoryview of any C-contiguous buffer.

    A caller that returns before dropping it releases it (``with``): while
    it lives, a bytearray under it cannot be resized, and PyPy frees it only
    at its next collection, not when the last reference goes.

    Raises TypeError for objects without the buffer protocol (str included)
    and BufferError for non-contiguous buffers, as the native backend does.
    """
    try:
        view = memoryview(obj)
    except TypeError:
        raise not_a_buffer(obj) from None
    if not view.c_contiguous:
        raise BufferError("wscodec needs a C-contiguous buffer")
    if view.format != "B" or view.ndim != 1:
        flat = view.cast("B")
        view.release()
        view = flat
    return view


def as_bytes(obj: ReadableBuffer) -> bytes:
    """A copy of any C-contiguous buffer as bytes; its view released."""
    with byte_view(obj) as view:
        return bytes(view)


def mask_key(mask: ReadableBuffer) -> bytes:
    """The 4 mask bytes, or ValueError (the contract of apply_mask)."""
    key = as_bytes(mask)
    if len(key) != 4:
        raise mask_length(len(key))
    return key
