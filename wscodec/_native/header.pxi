# Frame header parsing and the header rules (twin: _pure/header.py).
#
# The decoder's hot loop (decoder.pxi) parses the common header inline;
# every other header comes here.  The state it owns, in _ext.pxd: the
# unfinished header carried over to the next feed (_hdr, _hlen) and what
# the last header said (_first_byte, _payload_len, _key).

from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy


cdef inline uint64_t _be64(const uint8_t *q) noexcept nogil:
    return ((<uint64_t>q[0] << 56) | (<uint64_t>q[1] << 48) | (<uint64_t>q[2] << 40)
            | (<uint64_t>q[3] << 32) | (<uint64_t>q[4] << 24) | (<uint64_t>q[5] << 16)
            | (<uint64_t>q[6] << 8) | <uint64_t>q[7])


cdef Py_ssize_t _resume_header(_Decoder d, const uint8_t *p, Py_ssize_t n, list out) except -1:
    """Complete the header an earlier feed left unfinished with the first
    bytes of p, and go on with its frame; return the position in p after
    what was consumed."""
    cdef uint8_t tmp[14]
    cdef Py_ssize_t have = d._hlen
    cdef Py_ssize_t take = 14 - have
    cdef Py_ssize_t head
    if take > n:
        take = n
    memcpy(tmp, d._hdr, have)
    memcpy(tmp + have, p, take)
    head = _header(d, tmp, have + take)
    if head == 0:
        # 14 bytes hold any header, so still short means take == n.
        memcpy(d._hdr, tmp, have + take)
        d._hlen = have + take
        return n
    d._hlen = 0
    return d._begin(p, head - have, n, out)


cdef inline Py_ssize_t _header(_Decoder d, const uint8_t *q, Py_ssize_t avail) except -1:
    """Check and parse the header at q: its size once all of it is
    there, else 0.  Every check runs as soon as its bytes are there, in
    the order of codec-rules.md, so any split gives the same error."""
    cdef unsigned b0 = q[0]
    cdef unsigned op = b0 & 0x0F
    cdef unsigned b1
    cdef uint64_t length
    cdef Py_ssize_t head
    if b0 & 0x70:
        if b0 & 0x30:
            raise protocol_error("rsv2_rsv3")
        if not d._allow_rsv1:
            raise protocol_error("rsv1_not_negotiated")
    if op - 3u < 5u or op > 10u:
        raise protocol_error("reserved_opcode", opcode=op)
    if op >= 8 and not (b0 & 0x80):
        raise protocol_error("fragmented_control")
    if avail < 2:
        return 0
    b1 = q[1]
    if (b1 >> 7) != <unsigned>d._server:
        raise protocol_error("unmasked_from_client" if d._server else "masked_from_server")
    length = b1 & 0x7F
    head = 2
    if length >= 126:
        if op >= 8:
            raise protocol_error("control_too_long")
        if length == 126:
            if avail < 4:
                return 0
            length = (<uint64_t>q[2] << 8) | q[3]
            head = 4
        else:
            if avail > 2 and q[2] & 0x80:
                raise protocol_error("length_top_bit")
            if avail < 10:
                return 0
            length = _be64(q + 2)
            head = 10
    if length > d._max_frame:
        raise protocol_error("frame_too_big", length=length, limit=d._max_frame)
    if not d._yields_frames:
        _check_message_header(d, b0, length)
    if d._server:
        head += 4
        if avail < head:
            return 0
        memcpy(d._key, q + head - 4, 4)
    elif avail < head:
        return 0
    d._first_byte = b0
    d._payload_len = length
    return head


cdef int _check_message_header(_Decoder d, unsigned b0, uint64_t length) except -1:
    """Step 5 of the header checks: the message-level rules."""
    cdef unsigned op = b0 & 0x0F
    cdef uint64_t size
    cdef bint compressed
    if op >= 8:
        if b0 & 0x40:
            raise protocol_error("rsv1_on_control")
        if op == 8 and length == 1:
            raise protocol_error("close_one_byte")
        return 0
    if op:
        if d._msg_op:
            raise protocol_error("data_while_fragmented")
        size = 0
        compressed = b0 & 0x40
    else:
        if b0 & 0x40:
            raise protocol_error("rsv1_on_continuation")
        if not d._msg_op:
            raise protocol_error("continuation_without_start")
        size = <uint64_t>d._data_len
        compressed = d._compressed
    if not compressed and size + length > d._max_message:
        raise protocol_error("message_too_big", limit=d._max_message)
    return 0
