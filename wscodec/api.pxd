# wscodec's C-level API for Cython code (a server compiled with Cython calls
# these without a Python call in between):
#
#     from wscodec.api cimport ws_mask, ws_utf8_valid, ws_utf8_decode, ws_decoder_feed
#     from wscodec.api cimport Frame, Message, FrameDecoder, MessageDecoder, MessageEncoder
#
# The functions live in the native backend's extension module and reach
# your module through Cython's own cross-module tables at import, so there
# is nothing to link against: compile against the installed package
# (Cython finds this file on sys.path) and `import wscodec` at run time.
# Needs the native backend (WSCODEC_NO_EXTENSIONS unset).
#
# ws_mask(dst, src, n, key, phase) -> next phase
#     dst[i] = src[i] ^ key[(phase + i) % 4]; dst == src allowed.  nogil.
# ws_utf8_valid(p, n) -> bool
#     strict UTF-8 (RFC 3629), SIMD.  nogil.
# ws_utf8_decode(p, n) -> str
#     p[0..n).decode("utf-8") by the SIMD transcoder; UnicodeDecodeError
#     as bytes.decode raises it.
# ws_decoder_feed(decoder, p, n) -> list
#     decoder.feed() of a FrameDecoder or MessageDecoder over p[0..n)
#     (TypeError for anything else); the bytes are copied or consumed
#     before it returns.
#
# The classes, typed so that Cython reaches them without attribute lookups:
#
# FrameDecoder, MessageDecoder
#     decoder.feed(data) -> list is a cpdef method: on a variable typed as
#     either class it is a C call (data: any C-contiguous buffer).  Everything
#     else of theirs is used as from Python.
# Frame
#     frame.opcode, .payload, .fin, .rsv1, .rsv2, .rsv3: C attribute reads
#     (object) on a variable typed Frame.  Read only: writing them from
#     Cython bypasses the checks the constructor makes.
# Message
#     message.opcode, .data, .close_code, .close_reason: likewise.
# MessageEncoder
#     declared so a variable can be typed with it; its methods are the
#     Python ones.
#
# A field is never NULL in an object a decoder or the constructor made;
# only `del obj.field` from Python, or `Frame.__new__(Frame)` without
# __init__, leaves one NULL, and reading it from Cython then crashes.
# Names with a leading underscore in _native/_ext.pxd are not part of the
# API: they are there because Cython needs every field of a class declared.

from wscodec._native._ext cimport (
    Frame,
    FrameDecoder,
    Message,
    MessageDecoder,
    MessageEncoder,
    ws_decoder_feed,
    ws_mask,
    ws_utf8_decode,
    ws_utf8_valid,
)
