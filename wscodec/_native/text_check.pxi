# The streaming UTF-8 check of a text message across its frames (twin:
# _pure/text_check.py).
#
# Its state is the _TextCheck struct of _ext.pxd, held by the decoder as
# _text_state: the functions take a pointer to it, so they run without the GIL
# around big copies.  While a message is all ASCII the stream sits on a
# character boundary and a plain ASCII scan stands in for the validator;
# what it counts (characters, the widest one) sizes the str built at the end.

from libc.stdint cimport uint8_t, uint32_t

from wscodec._native._core cimport (
    wsc_ascii_prefix,
    wsc_mask_ascii,
    wsc_utf8_measure,
    wsc_utf8_stream,
    wsc_utf8_stream_feed,
    wsc_utf8_stream_finish,
    wsc_utf8_stream_init,
)

cdef enum:
    _TEXT_BLOCK = 16384   # see _copy_text: half of the smallest common L1

# _ext.pxd spells out the C stream state as _Utf8State: the same size, or
# the decoder would write past its field.
if sizeof(_Utf8State) != sizeof(wsc_utf8_stream):
    raise ImportError("_Utf8State in _ext.pxd no longer matches wsc_utf8_stream")


cdef inline void _start_text(_TextCheck *t) noexcept nogil:
    """A text message begins: no bytes, so ASCII so far."""
    wsc_utf8_stream_init(<wsc_utf8_stream *>&t.utf8)
    t.ascii = True
    t.chars = 0
    t.maxchar = 0x7F


cdef inline bint _feed_text(_TextCheck *t, const uint8_t *d, Py_ssize_t k) noexcept nogil:
    """Validate the next k bytes of a text message.  While it is all
    ASCII the cheaper ASCII scan stands in for the validator, and it tells
    the end of the message that the bytes can become a str by plain copy."""
    cdef size_t a
    cdef uint32_t top
    if t.ascii:
        a = wsc_ascii_prefix(d, k)
        t.chars += a
        if a == <size_t>k:
            return True
        t.ascii = False
        d += a
        k -= a
    if not wsc_utf8_stream_feed(<wsc_utf8_stream *>&t.utf8, d, k):
        return False
    # Measured while the bytes are in cache: at the end of the message
    # only the transcoding pass reads them again.
    t.chars += wsc_utf8_measure(d, k, &top)
    if top > t.maxchar:
        t.maxchar = top
    return True


cdef inline bint _copy_text(_TextCheck *t, const uint8_t *key, unsigned *phase,
                            uint8_t *dst, const uint8_t *src, Py_ssize_t k) noexcept nogil:
    """Unmask (``key`` NULL: copy) and validate text in blocks that stay
    in the L1 cache, so the validator reads what the unmasking just wrote
    from there instead of from memory: close to one pass over the data."""
    cdef Py_ssize_t b
    while k > 0:
        b = k if k < _TEXT_BLOCK else _TEXT_BLOCK
        if key != NULL and t.ascii:
            # ASCII so far: unmask and test for ASCII in one pass.
            if wsc_mask_ascii(dst, src, b, key, phase[0]):
                phase[0] = (phase[0] + <unsigned>b) & 3u
                t.chars += <size_t>b
            else:
                phase[0] = (phase[0] + <unsigned>b) & 3u
                if not _feed_text(t, dst, b):
                    return False
        else:
            _copy_unmasked(key, phase, dst, src, b)
            if not _feed_text(t, dst, b):
                return False
        dst += b
        src += b
        k -= b
    return True


cdef int _finish_text(_TextCheck *t) except -1:
    """The text message ended: its last character must be complete."""
    if not wsc_utf8_stream_finish(<wsc_utf8_stream *>&t.utf8):
        raise protocol_error("text_ends_mid_character")
    return 0
