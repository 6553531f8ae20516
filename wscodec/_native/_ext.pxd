# The C-level declarations of the extension: its cdef classes and its
# C-level API functions.  Cython code cimports them from wscodec/api.pxd,
# which is the stable place and documents what may be used.
#
# Cython takes a cdef class's layout (every attribute) and its C methods
# from this file alone, and emits that layout into every module that
# cimports it.  So nothing here may need a header of ours: a module built
# against the installed wheel has only this file and api.pxd.

cimport cython
from cpython.object cimport PyObject
from libc.stdint cimport uint8_t, uint32_t, uint64_t

cdef enum:
    # RFC 6455 section 5.5 (CONTROL_MAX_PAYLOAD): the decoder keeps a control
    # frame's payload in an array of this size, and both sides check it.
    _CONTROL_MAX = 125
    # Bytes of secure randomness per refill of a _KeyPool: 1024 keys.
    _POOL_SIZE = 4096


# wsc_utf8_stream of src/wscodec_core.h, spelled out (the decoder casts a
# pointer to it) because that header is not installed.  text_check.pxi
# checks at import that the two have the same size.
cdef struct _Utf8State:
    uint32_t state


# -- text_check.pxi: the streaming UTF-8 check of one text message

cdef struct _TextCheck:
    bint ascii                 # every text byte so far is ASCII
    size_t chars               # characters of the text so far
    uint32_t maxchar           # the str kind they need, as wsc_utf8_measure says
    _Utf8State utf8


# -- values.pxi

cdef public class Frame [object wsc_FrameObject, type wsc_FrameType]:
    # Never NULL in a Frame a decoder or __init__ made: only `del` from
    # Python, or __new__ without __init__, leaves a field NULL.
    cdef object opcode
    cdef object payload
    cdef object fin
    cdef object rsv1
    cdef object rsv2
    cdef object rsv3


cdef public class Message [object wsc_MessageObject, type wsc_MessageType]:
    # NULL as in Frame: only after `del`, or __new__ without __init__.
    cdef object opcode
    cdef object data
    cdef object close_code
    cdef object close_reason


# -- _buffers.pxi, receive.pxi: what the decoder lends to the event loop

@cython.final
cdef class _Lease:
    cdef PyObject *_owner
    cdef char *_buf
    cdef Py_ssize_t _len
    cdef Py_ssize_t _one
    cdef Py_ssize_t exports
    cdef bint _open

    cdef void drop_owner(self) noexcept
    @staticmethod
    cdef _Lease over(object owner, char *buf, Py_ssize_t n)
    cdef object lend(self)


@cython.final
cdef class _ReceiveBuffer:
    cdef object data          # bytearray, never resized
    cdef object _pin          # a view never handed out: it pins data's size
    # Counts lendings: a decoder whose number is no longer the latest lent
    # this buffer to another reader before its buffer_updated() came.
    cdef unsigned long long lendings
    cdef bint decoding        # a decoder is reading it right now

    cdef object lend(self)


# -- decoder.pxi, and the rooms its functions live in

cdef class _Decoder:
    # decoder.pxi: the configuration and the state machine.
    cdef bint _server          # receives masked frames
    cdef bint _yields_frames   # FrameDecoder: no message-level rules
    cdef bint _allow_rsv1
    cdef bint _decode_text
    cdef uint64_t _max_frame   # _NO_LIMIT when None
    cdef uint64_t _max_message
    cdef int _failed           # close code once failed, else 0
    cdef int _state            # _UNSET, _IDLE or _BUSY

    # receive.pxi: what get_buffer lent.
    cdef bint _lent            # get_buffer handed a buffer out, no buffer_updated yet
    # The thread's receive buffer get_buffer lent, and which lending of it
    # was this decoder's; None while no such read is outstanding.
    cdef _ReceiveBuffer _recv
    cdef unsigned long long _recv_lending
    # The receive buffer of the thread that last called get_buffer, so a
    # read on that thread skips the thread-local lookup.
    cdef _ReceiveBuffer _home
    cdef unsigned long _home_thread
    # get_buffer lent the rest of the current payload's object (_data):
    # the lease and the one view of it that went out; None otherwise.
    cdef _Lease _lease
    cdef object _lease_view
    cdef Py_ssize_t _spare     # room reserved past a payload's end for the next header

    # header.pxi: an unfinished header carried over to the next feed, and
    # the header just parsed: its first byte (FIN, RSV1-3, opcode), its
    # payload length and its mask key.
    cdef uint8_t _hdr[14]
    cdef Py_ssize_t _hlen
    cdef unsigned _first_byte
    cdef uint64_t _payload_len
    cdef uint8_t _key[4]

    # decoder.pxi: a payload that is still arriving.
    cdef bint _in_payload
    cdef uint64_t _left
    cdef unsigned _phase           # of the mask key, where the last piece left it
    cdef int _msg_op               # opcode of the unfinished message, 0 if none

    # inflate.pxi
    cdef object _inflater
    cdef bint _compressed          # the unfinished message is

    # text_check.pxi
    cdef _TextCheck _text_state

    # message_buffer.pxi: the message being reassembled (MessageDecoder) or
    # the payload of the current data frame (FrameDecoder), a bytes object
    # or a compact ASCII str (_data_is_str) grown in place through a raw
    # pointer.
    cdef bint _data_is_str
    cdef PyObject *_data
    cdef Py_ssize_t _data_len
    cdef Py_ssize_t _data_cap
    # Bytes [0, _clean) of the payload object hold data or zeros: what lies
    # beyond is fresh heap memory, which a lent view must never show.
    cdef Py_ssize_t _clean

    # decoder.pxi: the payload of a control frame that is still arriving.
    cdef uint8_t _control[_CONTROL_MAX]
    cdef Py_ssize_t _control_len

    # The C-level feed: decode ``data`` (any C-contiguous buffer) and return
    # the list of Frame or Message objects it completed, as feed() does.
    cpdef list feed(self, data)

    # The rooms' functions are module-level (a class body cannot span
    # files); these are the steps of the state machine itself.
    @cython.final
    cdef inline int _check_ready(self) except -1
    @cython.final
    cdef list _feed(self, const uint8_t *p, Py_ssize_t n)
    @cython.final
    cdef int _fail(self, exc, list out) except -1
    @cython.final
    cdef int _reset(self, bint server, bint yields_frames, uint64_t max_frame, uint64_t max_message,
                    bint allow_rsv1, bint decode_text, object inflater) except -1
    @cython.final
    cdef int _run(self, const uint8_t *p, Py_ssize_t n, list out) except -1
    @cython.final
    cdef inline Py_ssize_t _begin(self, const uint8_t *p, Py_ssize_t pos, Py_ssize_t n, list out) except -1
    @cython.final
    cdef Message _whole_control(self, unsigned op, const uint8_t *src, Py_ssize_t n, const uint8_t *key)
    @cython.final
    cdef Py_ssize_t _take_piece(self, const uint8_t *p, Py_ssize_t pos, Py_ssize_t n, list out) except -1
    @cython.final
    cdef int _finish_frame(self, list out) except -1
    @cython.final
    cdef int _end_message(self, list out) except -1


cdef class FrameDecoder(_Decoder):
    pass


cdef class MessageDecoder(_Decoder):
    pass


# -- encoder.pxi

@cython.final
cdef class _KeyPool:
    cdef uint8_t _pool[_POOL_SIZE]
    cdef Py_ssize_t _pos
    cdef unsigned long _gen

    cdef inline int take(self, uint8_t *key) except -1


cdef class MessageEncoder:
    cdef bint _client
    cdef Py_ssize_t _max_frame     # 0: no limit
    cdef object _compressor
    cdef Py_ssize_t _min_size
    cdef _KeyPool _keys            # client only; per encoder, so no contention
    cdef bint _ready               # __init__ ran

    cdef bytes _control(self, unsigned op, data)
    cdef bytes _message(self, unsigned op, const uint8_t *src, Py_ssize_t n, owner)


# -- the C-level API functions (documented in wscodec/api.pxd)

cdef unsigned ws_mask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t *key,
                      unsigned phase) noexcept nogil
cdef bint ws_utf8_valid(const uint8_t *p, size_t n) noexcept nogil
cdef str ws_utf8_decode(const uint8_t *p, Py_ssize_t n)
cdef list ws_decoder_feed(object decoder, const uint8_t *data, Py_ssize_t n)
