"""Buffer-protocol helpers that give the pure backend the native one's rules."""


def byte_view(obj):
    """A flat unsigned-byte memoryview of any C-contiguous buffer.

    Raises TypeError for objects without the buffer protocol (str included)
    and BufferError for non-contiguous buffers, as the native backend does.
    """
    view = memoryview(obj)
    if not view.c_contiguous:
        raise BufferError("wscodec needs a C-contiguous buffer")
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view


def mask_key(mask):
    """The 4 mask bytes, or ValueError (the contract of apply_mask)."""
    key = bytes(byte_view(mask))
    if len(key) != 4:
        raise ValueError(f"mask must be exactly 4 bytes, not {len(key)}")
    return key
