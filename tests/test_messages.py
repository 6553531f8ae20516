"""MessageDecoder and Message: reassembly and every message-level rule."""

import random
import struct
import zlib

import pytest

from conftest import CPYTHON, need_tracemalloc
from wire import cf


def deflated(data, compressor=None):
    """Raw deflate of one message with the 00 00 ff ff tail removed (RFC 7692)."""
    compressor = compressor or zlib.compressobj(wbits=-15)
    out = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def error_of(decoder, *pieces):
    """Feed pieces; the ProtocolError raised by the last one (earlier ones must not raise)."""
    for piece in pieces[:-1]:
        decoder.feed(piece)
    with pytest.raises(Exception) as info:
        decoder.feed(pieces[-1])
    return info.value


def assert_error(backend, error, code):
    assert isinstance(error, backend.ProtocolError), error
    assert error.close_code == code, error


# -- Message -------------------------------------------------------------------


def test_message_object(backend):
    Message, Opcode = backend.Message, backend.Opcode
    text = Message(Opcode.TEXT, "Hello")
    assert (text.opcode, text.data, text.close_code, text.close_reason) == (Opcode.TEXT, "Hello", None, None)
    assert repr(text) == "Message(opcode=<Opcode.TEXT: 1>, data='Hello')"
    close = Message(8, b"\x03\xe8bye", 1000, "bye")
    assert close.opcode is Opcode.CLOSE
    assert repr(close) == (
        "Message(opcode=<Opcode.CLOSE: 8>, data=b'\\x03\\xe8bye', close_code=1000, close_reason='bye')"
    )
    assert repr(Message(2, b"x" * 100)) == "Message(opcode=<Opcode.BINARY: 2>, data=b'" + "x" * 64 + "'...(100 bytes))"
    assert repr(Message(1, "é" * 65)).endswith("'...(65 chars))")
    assert Message(1, "a") == Message(Opcode.TEXT, "a")
    assert Message(1, "a") != Message(1, "b")
    assert Message(2, b"a") != Message(1, "a")
    assert close != Message(8, b"\x03\xe8bye", 1000, "bye!")
    with pytest.raises(TypeError):
        hash(text)
    for bad in (0, 3, 11, 16):
        with pytest.raises(ValueError):
            Message(bad, b"")


# -- reassembly ---------------------------------------------------------------------


def test_single_frame_messages(backend):
    Opcode, Message = backend.Opcode, backend.Message
    data = cf(0x81, "héllo ✓ 😀".encode()) + cf(0x82, b"\x00\xff") + cf(0x81) + cf(0x82)
    assert backend.MessageDecoder().feed(data) == [
        Message(Opcode.TEXT, "héllo ✓ 😀"),
        Message(Opcode.BINARY, b"\x00\xff"),
        Message(Opcode.TEXT, ""),
        Message(Opcode.BINARY, b""),
    ]


def test_client_role_reads_unmasked_frames(backend):
    data = bytes([0x81, 2]) + b"hi"
    assert backend.MessageDecoder(role="client").feed(data) == [backend.Message(1, "hi")]
    assert_error(backend, error_of(backend.MessageDecoder(role="client"), cf(0x81, b"hi")), 1002)
    assert_error(backend, error_of(backend.MessageDecoder(role="server"), data), 1002)


def test_fragmented_message_with_controls_between(backend):
    Message = backend.Message
    text = "日本語 text".encode()
    data = (
        cf(0x01, text[:4])  # splits a character across frames
        + cf(0x89, b"ping")
        + cf(0x00, text[4:7])
        + cf(0x8A, b"pong")
        + cf(0x00)  # empty fragment
        + cf(0x80, text[7:])
    )
    assert backend.MessageDecoder().feed(data) == [
        Message(9, b"ping"),
        Message(10, b"pong"),
        Message(1, "日本語 text"),
    ]


@pytest.mark.parametrize("role", ["server", "client"])
def test_streamed_text_is_the_str_bytes_decode_gives(backend, role):
    """Text that arrives in pieces (the widest character early, late or in
    a piece of its own, split anywhere, in one frame or several) becomes
    the same str as bytes.decode: equal, and of the same kind and size."""
    import sys

    from wire import raw

    rng = random.Random(12)
    pieces = ["a", "é", "ÿ", "Ā", "中", "😀", " "]
    for trial in range(60):
        width = rng.randrange(1, len(pieces) + 1)
        # Long runs of one kind, then the rest: the str kind is decided by
        # a character that may sit megabytes after the first byte.
        text = pieces[0] * rng.choice((0, 5, 20000)) + "".join(
            rng.choice(pieces[:width]) for _ in range(rng.randrange(0, 40000)))
        payload = text.encode()
        cut = sorted(rng.randrange(len(payload) + 1) for _ in range(rng.randrange(0, 3)))
        parts = [payload[a:b] for a, b in zip([0] + cut, cut + [len(payload)])]
        mask = b"\x01\x02\x03\x04" if role == "server" else None
        stream = b"".join(
            raw((0x80 if i == len(parts) - 1 else 0) | (1 if i == 0 else 0), part, mask=mask)
            for i, part in enumerate(parts))
        decoder = backend.MessageDecoder(role=role)
        out = []
        at = 0
        while at < len(stream):
            step = rng.choice((1, 7, 4096, 65536, 1 << 20))
            out += decoder.feed(stream[at:at + step])
            at += step
        (message,) = out
        want = payload.decode()
        assert message.data == want
        if CPYTHON:  # PyPy keeps every str as UTF-8: no kinds, and no sizes to ask for
            assert sys.getsizeof(message.data) == sys.getsizeof(want), (trial, width)
        assert hash(message.data) == hash(want)


def test_fragmented_binary_and_all_data_types(backend):
    out = backend.MessageDecoder().feed(cf(0x02, b"ab") + cf(0x00, b"cd") + cf(0x80, b"ef"))
    assert out == [backend.Message(2, b"abcdef")]
    assert type(out[0].data) is bytes


def test_close_messages(backend):
    decoder = backend.MessageDecoder()
    out = decoder.feed(cf(0x88, b"\x03\xe8bye \xc3\xa9") + cf(0x88) + cf(0x81, b"after close"))
    assert out[0].close_code == 1000 and out[0].close_reason == "bye é"
    assert out[0].data == b"\x03\xe8bye \xc3\xa9"
    assert (out[1].close_code, out[1].close_reason, out[1].data) == (1005, "", b"")
    assert out[2] == backend.Message(1, "after close")  # decoding goes on after CLOSE


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1010, 1014, 3000, 4999])
def test_sendable_close_codes_are_accepted(backend, code):
    (message,) = backend.MessageDecoder().feed(cf(0x88, struct.pack("!H", code) + b"ok"))
    assert (message.close_code, message.close_reason) == (code, "ok")
    assert backend.parse_close_payload(struct.pack("!H", code)) == (code, "")


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535])
def test_unsendable_close_codes_are_1002(backend, code):
    payload = struct.pack("!H", code) + b"reason"
    frame = cf(0x88, payload)
    # Raised once both code bytes are in, before the reason arrives.
    assert_error(backend, error_of(backend.MessageDecoder(), frame[:6], frame[6:8]), 1002)
    with pytest.raises(backend.ProtocolError) as info:
        backend.parse_close_payload(payload)
    assert info.value.close_code == 1002


def test_one_byte_close_payload_is_1002_from_the_header(backend):
    assert_error(backend, error_of(backend.MessageDecoder(), cf(0x88, b"\x03")[:2]), 1002)
    with pytest.raises(backend.ProtocolError) as info:
        backend.parse_close_payload(b"\x03")
    assert info.value.close_code == 1002


def test_close_reason_utf8_fails_fast(backend):
    frame = cf(0x88, b"\x03\xe8ok\xc0more")
    decoder = backend.MessageDecoder()
    assert decoder.feed(frame[:10]) == []  # code and "ok" are fine so far
    assert_error(backend, error_of(decoder, frame[10:11]), 1007)  # brings 0xC0
    # A reason that stops mid-character is only known bad at the end.
    frame = cf(0x88, b"\x03\xe8ok\xe2\x82")
    decoder = backend.MessageDecoder()
    assert decoder.feed(frame[:-1]) == []
    assert_error(backend, error_of(decoder, frame[-1:]), 1007)
    with pytest.raises(backend.ProtocolError) as info:
        backend.parse_close_payload(b"\x03\xe8\xed\xa0\x80")
    assert info.value.close_code == 1007


# -- sequencing and RSV rules --------------------------------------------------------


@pytest.mark.parametrize(
    "frames",
    [
        [cf(0x80, b"x")],  # continuation, no message started
        [cf(0x00, b"x")],
        [cf(0x01, b"a"), cf(0x81, b"b")],  # TEXT while a message is unfinished
        [cf(0x01, b"a"), cf(0x02, b"b")],
        [cf(0x02, b"a"), cf(0x82, b"b")],
        [cf(0x01, b"a"), cf(0x89), cf(0x81, b"b")],
    ],
)
def test_sequencing_errors_are_1002_from_the_header(backend, frames):
    *good, bad = frames
    decoder = backend.MessageDecoder()
    for frame in good:
        decoder.feed(frame)
    # Two header bytes suffice: the masking key is not waited for.
    assert_error(backend, error_of(decoder, bad[:2]), 1002)


def test_rsv1_rules(backend):
    pmd = backend.PerMessageDeflate()
    # Without deflate RSV1 is refused from byte 0.
    assert_error(backend, error_of(backend.MessageDecoder(), cf(0xC1, b"x")[:1]), 1002)
    # With deflate: not on control frames, not on continuations.
    for frames in ([cf(0xC9)], [cf(0xC8)], [cf(0x41, deflated(b"a")), cf(0xC0, b"")]):
        decoder = backend.MessageDecoder(deflate=pmd)
        for frame in frames[:-1]:
            decoder.feed(frame)
        assert_error(backend, error_of(decoder, frames[-1][:2]), 1002)


# -- UTF-8 ----------------------------------------------------------------------------

BAD_UTF8 = {
    "lone continuation": b"ok\x80",
    "overlong": b"\xc0\xaf",
    "overlong 3": b"\xe0\x80\xaf",
    "surrogate": b"\xed\xa0\x80",
    "over U+10FFFF": b"\xf4\x90\x80\x80",
    "F5": b"\xf5\x80\x80\x80",
    "FF": b"\xff",
}


@pytest.mark.parametrize("name", BAD_UTF8)
@pytest.mark.parametrize("decode_text", [True, False])
def test_invalid_text_is_1007(backend, name, decode_text):
    decoder = backend.MessageDecoder(decode_text=decode_text)
    assert_error(backend, error_of(decoder, cf(0x81, b"abc" + BAD_UTF8[name] + b"xyz")), 1007)


@pytest.mark.parametrize("name", BAD_UTF8)
@pytest.mark.parametrize("decode_text", [True, False])
def test_invalid_text_fails_on_the_feed_with_the_first_bad_byte(backend, name, decode_text):
    bad = BAD_UTF8[name]
    valid_prefix = 0
    while backend.Utf8Validator().feed(bad[: valid_prefix + 1]):
        valid_prefix += 1
    payload = b"abc" + bad + b"x" * 50
    frame = cf(0x81, payload)
    first_bad = 6 + 3 + valid_prefix  # header + "abc" + the bytes that could still be valid
    decoder = backend.MessageDecoder(decode_text=decode_text)
    assert decoder.feed(frame[:first_bad]) == []
    assert_error(backend, error_of(decoder, frame[first_bad : first_bad + 1]), 1007)


def test_invalid_text_fails_fast_across_frames(backend):
    decoder = backend.MessageDecoder()
    assert decoder.feed(cf(0x01, b"ok\xed")) == []  # could still be valid
    second = cf(0x80, b"\xa0\x80 and more")
    assert decoder.feed(second[:6]) == []
    assert_error(backend, error_of(decoder, second[6:7]), 1007)  # ED A0: a surrogate


def test_text_ending_mid_character_is_1007(backend):
    for frames in ([cf(0x81, b"ok\xe2\x82")], [cf(0x01, b"ok\xe2"), cf(0x80, b"\x82")]):
        decoder = backend.MessageDecoder()
        for frame in frames[:-1]:
            decoder.feed(frame)
        frame = frames[-1]
        assert decoder.feed(frame[:-1]) == []
        assert_error(backend, error_of(decoder, frame[-1:]), 1007)


def test_decode_text_false_gives_validated_bytes(backend):
    decoder = backend.MessageDecoder(decode_text=False)
    out = decoder.feed(cf(0x81, "é".encode()) + cf(0x01, b"\xc3") + cf(0x80, b"\xa9"))
    assert out == [backend.Message(1, "é".encode()), backend.Message(1, "é".encode())]
    assert all(type(m.data) is bytes for m in out)
    assert_error(backend, error_of(decoder, cf(0x01, b"\xc3") + cf(0x80, b"\x28")), 1007)


# -- limits -----------------------------------------------------------------------------


def test_message_size_from_the_header_before_the_payload(backend):
    decoder = backend.MessageDecoder(max_message_size=100)
    assert decoder.feed(cf(0x82, b"x" * 100)) == [backend.Message(2, b"x" * 100)]
    # 8 bytes of a 2**40-byte frame's header: raised before any payload.
    header = cf(0x82, length=1 << 40)[:10]
    assert_error(backend, error_of(backend.MessageDecoder(max_message_size=100), header), 1009)
    # Fragmented: the frame that would cross the limit is refused from its header.
    decoder = backend.MessageDecoder(max_message_size=100)
    decoder.feed(cf(0x01, b"x" * 60) + cf(0x00, b"x" * 40))
    assert_error(backend, error_of(decoder, cf(0x80, b"x")[:2]), 1009)


def test_default_limit_and_none(backend):
    big = b"x" * (1 << 20)
    assert backend.MessageDecoder().feed(cf(0x82, big))[0].data == big
    assert_error(backend, error_of(backend.MessageDecoder(), cf(0x82, big + b"x")[:10]), 1009)
    huge = cf(0x82, big * 3)
    assert len(backend.MessageDecoder(max_message_size=None).feed(huge)[0].data) == 3 << 20


def test_max_frame_size_in_message_decoder(backend):
    decoder = backend.MessageDecoder(max_frame_size=4)
    out = decoder.feed(cf(0x01, b"abcd") + cf(0x80, b"efgh") + cf(0x89, b"1234"))
    assert out == [backend.Message(1, "abcdefgh"), backend.Message(9, b"1234")]
    assert_error(backend, error_of(decoder, cf(0x89, b"12345")[:2]), 1009)


def test_frame_limit_is_checked_before_sequencing(backend):
    # Step 4 before step 5: a stray continuation that is also too long is 1009.
    decoder = backend.MessageDecoder(max_frame_size=10)
    assert_error(backend, error_of(decoder, cf(0x80, b"x" * 11)[:2]), 1009)


def test_limits_are_validated(backend):
    with pytest.raises(ValueError):
        backend.MessageDecoder(role="both")
    with pytest.raises(ValueError):
        backend.MessageDecoder(max_message_size=-1)
    with pytest.raises(TypeError):
        backend.MessageDecoder(max_message_size=1.5)
    assert backend.MessageDecoder(max_message_size=0).feed(cf(0x81)) == [backend.Message(1, "")]


# -- errors -----------------------------------------------------------------------------


def test_completed_and_stays_failed(backend):
    decoder = backend.MessageDecoder()
    good = cf(0x81, b"one") + cf(0x89, b"p") + cf(0x01, b"unfinished")
    error = error_of(decoder, good + cf(0x81, b"two"))
    assert_error(backend, error, 1002)
    assert error.completed == [backend.Message(1, "one"), backend.Message(9, b"p")]
    for data in (cf(0x81, b"fine"), b""):
        again = error_of(decoder, data)
        assert_error(backend, again, 1002)
        assert again.completed == []
    decoder = backend.MessageDecoder()
    error = error_of(decoder, cf(0x82, b"bin") + cf(0x81, b"\xff"))
    assert_error(backend, error, 1007)
    assert error.completed == [backend.Message(2, b"bin")]
    assert_error(backend, error_of(decoder, cf(0x81, b"ok")), 1007)


# -- compression -----------------------------------------------------------------------


def test_compressed_messages(backend):
    pmd = backend.PerMessageDeflate()
    decoder = backend.MessageDecoder(deflate=pmd)
    compressor = zlib.compressobj(wbits=-15)  # context takeover, as negotiated
    first = deflated(("héllo " * 20).encode(), compressor)
    second = deflated(b"\x00" * 1000, compressor)
    out = decoder.feed(
        cf(0xC1, first)
        + cf(0x81, b"plain")  # uncompressed messages mix in
        + cf(0x42, second[:3])
        + cf(0x89, b"between")
        + cf(0x80, second[3:])
    )
    assert out == [
        backend.Message(1, "héllo " * 20),
        backend.Message(1, "plain"),
        backend.Message(9, b"between"),
        backend.Message(2, b"\x00" * 1000),
    ]


def test_compressed_round_trip_with_encoder(backend):
    for takeover in (False, True):
        pmd = backend.PerMessageDeflate(client_no_context_takeover=takeover, server_no_context_takeover=takeover)
        encoder = backend.MessageEncoder(role="client", deflate=pmd, max_frame_size=7)
        decoder = backend.MessageDecoder(role="server", deflate=pmd)
        messages = ["a" * 100, "b", "ü" * 50, "a" * 100]
        wire = b"".join(encoder.text(m) for m in messages) + encoder.binary(b"\x01" * 300)
        assert decoder.feed(wire) == [backend.Message(1, m) for m in messages] + [
            backend.Message(2, b"\x01" * 300)
        ]


def test_corrupt_deflate_is_1007(backend):
    decoder = backend.MessageDecoder(deflate=backend.PerMessageDeflate())
    assert_error(backend, error_of(decoder, cf(0xC2, b"\xff\xff\xff\xff")), 1007)


def test_compressed_invalid_text_is_1007(backend):
    decoder = backend.MessageDecoder(deflate=backend.PerMessageDeflate())
    assert_error(backend, error_of(decoder, cf(0xC1, deflated(b"fine \xed\xa0\x80"))), 1007)


def test_compressed_invalid_text_fails_mid_frame(backend):
    rng = random.Random(7)
    text = b"\xff" + "".join(rng.choices("abcdefghijklmnopqrstuvwxyz ", k=20_000)).encode()
    frame = cf(0xC1, deflated(text))
    decoder = backend.MessageDecoder(deflate=backend.PerMessageDeflate())
    # Half the compressed bytes inflate to far more than the first byte.
    assert_error(backend, error_of(decoder, frame[: len(frame) // 2]), 1007)


@pytest.mark.parametrize("over", [0, 1, 2, 1000])
def test_compressed_size_limit_is_exact(backend, over):
    # websockets#1715: one or two bytes over must not slip through.
    limit = 5000
    payload = deflated(b"y" * (limit + over))
    decoder = backend.MessageDecoder(deflate=backend.PerMessageDeflate(), max_message_size=limit)
    if over:
        assert_error(backend, error_of(decoder, cf(0xC2, payload)), 1009)
    else:
        assert decoder.feed(cf(0xC2, payload)) == [backend.Message(2, b"y" * limit)]


def test_compressed_bomb_is_1009_without_inflating_it(backend):
    limit = 1 << 20
    bomb = deflated(b"\x00" * (64 << 20))  # 64 MiB of zeros in ~64 KiB
    frame = cf(0xC2, bomb)
    decoder = backend.MessageDecoder(deflate=backend.PerMessageDeflate(), max_message_size=limit)
    tracemalloc = need_tracemalloc()
    tracemalloc.start()
    try:
        error = error_of(decoder, frame)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_error(backend, error, 1009)
    assert peak < 4 * limit + 2 * len(frame), peak


def test_compressed_text_limit_and_utf8_follow_stream_order(backend):
    # The bad byte sits before the limit: 1007 even though the message is
    # also too long.
    payload = deflated(b"a" * 10 + b"\xff" + b"a" * 100)
    decoder = backend.MessageDecoder(deflate=backend.PerMessageDeflate(), max_message_size=50)
    assert_error(backend, error_of(decoder, cf(0xC1, payload)), 1007)
    # The bad byte sits after the limit: 1009.
    payload = deflated(b"a" * 100 + b"\xff")
    decoder = backend.MessageDecoder(deflate=backend.PerMessageDeflate(), max_message_size=50)
    assert_error(backend, error_of(decoder, cf(0xC1, payload)), 1009)


# -- memory ----------------------------------------------------------------------------------


def _peak(decoder, chunks):
    tracemalloc = need_tracemalloc()
    tracemalloc.start()
    try:
        for chunk in chunks:
            decoder.feed(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def test_flood_of_empty_fragments_keeps_memory_bounded(backend):
    chunk = cf(0x00) * 10_000  # 60 KB of empty continuations
    decoder = backend.MessageDecoder()
    decoder.feed(cf(0x01, b"start"))
    peak = _peak(decoder, [chunk] * 5)  # 50,000 fragments, 300 KB on the wire
    assert peak < 200_000, peak  # a few copies of one chunk, nothing per fragment
    assert decoder.feed(cf(0x80, b"!")) == [backend.Message(1, "start!")]


def test_flood_of_one_byte_fragments_keeps_memory_bounded(backend):
    chunk = cf(0x00, b"x") * 10_000  # 70 KB on the wire, 10 KB of payload
    decoder = backend.MessageDecoder()
    decoder.feed(cf(0x01, b"x"))
    peak = _peak(decoder, [chunk] * 5)
    # The message itself (50 KB) plus a few chunks, not ~15x the 350 KB wire size.
    assert peak < 50_000 + 300_000, peak
    (message,) = decoder.feed(cf(0x80))
    assert message.data == "x" * 50_001
