"""Both backends speak the rules of wscodec/_rules.py word for word.

For every rule of docs/codec-rules.md (each entry of _rules.PROTOCOL_ERRORS)
a stream that breaks it is fed to the native and the pure decoder: the
exception type, its text and its close code must be the same on both, and
the ones the rules module gives.  Bad arguments to every public callable
must raise the same exception type with the same text on both backends.
"""

import array
import zlib

import pytest

from wire import MASK, cf, raw
from wscodec import _rules
from wscodec._types import ProtocolError
from wscodec.deflate import PerMessageDeflate


def _deflated(data):
    c = zlib.compressobj(wbits=-15)
    return (c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH))[:-4]


# rule -> (decoder, keyword arguments, stream, values of the text)
VIOLATIONS = {
    "rsv2_rsv3": ("MessageDecoder", {}, cf(0xA1, b"x"), {}),
    "rsv1_not_negotiated": ("FrameDecoder", {}, cf(0xC1, b"x"), {}),
    "reserved_opcode": ("MessageDecoder", {}, cf(0x83, b"x"), {"opcode": 3}),
    "fragmented_control": ("MessageDecoder", {}, cf(0x09, b""), {}),
    "unmasked_from_client": ("MessageDecoder", {}, raw(0x81, b"hi"), {}),
    "masked_from_server": ("MessageDecoder", {"role": "client"}, raw(0x81, b"hi", mask=MASK), {}),
    "control_too_long": ("FrameDecoder", {}, cf(0x89, b"x" * 126), {}),
    "length_top_bit": ("FrameDecoder", {}, bytes((0x82, 0xFF, 0x80)) + bytes(7) + MASK, {}),
    "frame_too_big": ("FrameDecoder", {"max_frame_size": 3}, cf(0x82, b"abcd"), {"length": 4, "limit": 3}),
    "rsv1_on_control": ("MessageDecoder", {"deflate": PerMessageDeflate()}, cf(0xC9, b""), {}),
    "close_one_byte": ("MessageDecoder", {}, cf(0x88, b"\x03"), {}),
    "data_while_fragmented": ("MessageDecoder", {}, cf(0x01, b"a") + cf(0x81, b"b"), {}),
    "rsv1_on_continuation": (
        "MessageDecoder", {"deflate": PerMessageDeflate()}, cf(0x01, b"a") + cf(0xC0, b"b"), {}),
    "continuation_without_start": ("MessageDecoder", {}, cf(0x80, b"a"), {}),
    "message_too_big": (
        "MessageDecoder", {"max_message_size": 5}, cf(0x01, b"abc") + cf(0x80, b"def"), {"limit": 5}),
    "invalid_text": ("MessageDecoder", {}, cf(0x81, b"ab\xff"), {}),
    "text_ends_mid_character": ("MessageDecoder", {}, cf(0x01, b"a\xc3") + cf(0x80, b""), {}),
    "corrupt_deflate": ("MessageDecoder", {"deflate": PerMessageDeflate()}, cf(0xC2, b"\xff\xff\xff\xff"), {}),
    "close_code_not_sendable": ("MessageDecoder", {}, cf(0x88, (1005).to_bytes(2, "big")), {"code": 1005}),
    "close_reason_invalid": ("MessageDecoder", {}, cf(0x88, b"\x03\xe8\xff"), {}),
}


def test_every_rule_has_a_violation():
    assert set(VIOLATIONS) == set(_rules.PROTOCOL_ERRORS)


def _error(backend, decoder, kwargs, stream):
    d = getattr(backend, decoder)(**kwargs)
    with pytest.raises(ProtocolError) as info:
        d.feed(stream)
    first = info.value
    with pytest.raises(ProtocolError) as again:
        d.feed(b"")
    return first, again.value


@pytest.mark.parametrize("rule", sorted(VIOLATIONS))
def test_protocol_error_is_the_same_on_both_backends(rule, native, pure):
    decoder, kwargs, stream, values = VIOLATIONS[rule]
    text, code = _rules.PROTOCOL_ERRORS[rule]
    for split in (len(stream), 1):
        # Whole, and byte by byte: the same error either way.
        results = []
        for backend in (native, pure):
            d = getattr(backend, decoder)(**kwargs)
            with pytest.raises(ProtocolError) as info:
                for start in range(0, len(stream), split):
                    d.feed(stream[start : start + split])
            with pytest.raises(ProtocolError) as again:
                d.feed(b"")
            results.append((type(info.value), str(info.value), info.value.close_code,
                            type(again.value), str(again.value), again.value.close_code))
        assert results[0] == results[1]
        assert results[0][:3] == (ProtocolError, text.format(**values), code)
        assert results[0][3:] == (ProtocolError, f"decoder already failed with close code {code}", code)


def test_parse_close_payload_speaks_the_same_rules(native, pure):
    for payload, rule, values in (
        (b"\x03", "close_one_byte", {}),
        ((1005).to_bytes(2, "big"), "close_code_not_sendable", {"code": 1005}),
        (b"\x03\xe8\xc3", "close_reason_invalid", {}),
    ):
        text, code = _rules.PROTOCOL_ERRORS[rule]
        for backend in (native, pure):
            with pytest.raises(ProtocolError) as info:
                backend.parse_close_payload(payload)
            assert (str(info.value), info.value.close_code) == (text.format(**values), code)


# (callable on a backend, args, kwargs); each breaks one argument rule.
BAD_ARGUMENTS = [
    ("encode_frame", (2**70,), {}),
    ("encode_frame", (-1,), {}),
    ("encode_frame", (3,), {}),
    ("encode_frame", (1.0,), {}),
    ("encode_frame", (True,), {}),
    ("encode_frame", ("1",), {}),
    ("encode_frame", (1, "text"), {}),
    ("encode_frame", (9, b"x" * 126), {}),
    ("encode_frame", (9, b""), {"fin": False}),
    ("encode_frame", (1, b""), {"mask": b"abc"}),
    ("apply_mask", (b"data", b"abcde"), {}),
    ("apply_mask", ("data", b"abcd"), {}),
    ("mask_inplace", (bytearray(4), b"abcd", 1.5), {}),
    ("mask_inplace", (bytearray(4), b"abcd", "1"), {}),
    ("mask_inplace", (b"read-only", b"abcd"), {}),
    ("mask_inplace", (bytearray(4), b"ab"), {}),
    ("Masker", (b"abc",), {}),
    ("Frame", (1.0,), {}),
    ("Frame", (16,), {}),
    ("Frame", (True,), {}),
    ("Message", (0, b""), {}),
    ("Message", (3, b""), {}),
    ("Message", ("text", b""), {}),
    ("FrameDecoder", (), {"role": "peer"}),
    ("FrameDecoder", (), {"max_frame_size": -1}),
    ("FrameDecoder", (), {"max_frame_size": 1.5}),
    ("FrameDecoder", (), {"max_frame_size": True}),
    ("MessageDecoder", (), {"max_message_size": "big"}),
    ("MessageDecoder", (), {"max_message_size": -5}),
    ("MessageEncoder", (), {"role": None}),
    ("MessageEncoder", (), {"max_frame_size": 0}),
    ("MessageEncoder", (), {"max_frame_size": 2.0}),
    ("encode_close_payload", (1005,), {}),
    ("encode_close_payload", (1000.0,), {}),
    ("encode_close_payload", (1000, b"bytes"), {}),
    ("encode_close_payload", (1000, "x" * 124), {}),
    ("parse_close_payload", ("str",), {}),
]


def _outcome(call):
    try:
        result = call()
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return type(exc), str(exc)
    return "returned", result


@pytest.mark.parametrize("name, args, kwargs", BAD_ARGUMENTS, ids=lambda v: repr(v)[:40])
def test_bad_arguments_raise_the_same_on_both_backends(name, args, kwargs, native, pure):
    outcomes = [_outcome(lambda b=b: getattr(b, name)(*args, **kwargs)) for b in (native, pure)]
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] in (TypeError, ValueError), outcomes[0]


@pytest.mark.parametrize("method, args", [
    ("text", (b"bytes",)),
    ("binary", ("str",)),
    ("ping", (b"x" * 126,)),
    ("pong", ("str",)),
    ("close", (1005,)),
    ("close", (None, "reason")),
    ("close", (1000, "x" * 124)),
])
def test_bad_encoder_arguments_raise_the_same_on_both_backends(method, args, native, pure):
    outcomes = [_outcome(lambda b=b: getattr(b.MessageEncoder(role="client"), method)(*args)) for b in (native, pure)]
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] in (TypeError, ValueError), outcomes[0]


@pytest.mark.parametrize("offset", [0, 3, -1, 2**70 + 1, -(2**70) - 3, 2**63, array.array("b", [1])[0]])
def test_mask_inplace_takes_any_int_offset(offset, native, pure):
    # The mask position is offset % 4 for any int, however large.
    results = []
    for backend in (native, pure):
        buf = bytearray(b"abcdefg")
        results.append((backend.mask_inplace(buf, MASK, offset), bytes(buf)))
    assert results[0] == results[1]
    assert results[0][0] == (offset + 7) % 4
