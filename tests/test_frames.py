"""FrameDecoder and Frame: the frame-level rules of docs/codec-rules.md."""

import array

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wire import MASK, raw


def feed_error(decoder, data):
    with pytest.raises(Exception) as info:
        decoder.feed(data)
    return info.value


# -- Frame ---------------------------------------------------------------------


def test_frame_defaults_and_attributes(backend):
    frame = backend.Frame(backend.Opcode.TEXT)
    assert frame.opcode is backend.Opcode.TEXT
    assert frame.payload == b""
    assert (frame.fin, frame.rsv1, frame.rsv2, frame.rsv3) == (True, False, False, False)
    frame = backend.Frame(2, bytearray(b"ab"), False, True, True, True)
    assert frame.opcode is backend.Opcode.BINARY
    assert type(frame.payload) is bytes and frame.payload == b"ab"
    assert (frame.fin, frame.rsv1, frame.rsv2, frame.rsv3) == (False, True, True, True)


def test_frame_accepts_reserved_opcodes_for_tests(backend):
    assert backend.Frame(3).opcode == 3
    assert backend.Frame(15).opcode == 15
    for bad in (-1, 16):
        with pytest.raises(ValueError):
            backend.Frame(bad)
    with pytest.raises(TypeError):
        backend.Frame(backend.Opcode.TEXT, "text")


def test_frame_equality_and_hash(backend):
    Frame = backend.Frame
    assert Frame(1, b"a") == Frame(backend.Opcode.TEXT, b"a", True)
    assert Frame(1, b"a") != Frame(1, b"b")
    assert Frame(1, b"a") != Frame(1, b"a", fin=False)
    assert Frame(1, b"a") != Frame(1, b"a", rsv1=True)
    assert Frame(1, b"a") != Frame(1, b"a", rsv2=True)
    assert Frame(1, b"a") != Frame(1, b"a", rsv3=True)
    assert Frame(1, b"a") != Frame(2, b"a")
    assert Frame(1, b"a") != (1, b"a")
    with pytest.raises(TypeError):
        hash(Frame(1))


def test_frame_repr(backend):
    frame = backend.Frame(backend.Opcode.TEXT, b"Hello")
    assert repr(frame) == (
        "Frame(opcode=<Opcode.TEXT: 1>, payload=b'Hello', fin=True, rsv1=False, rsv2=False, rsv3=False)"
    )
    long = repr(backend.Frame(2, b"x" * 100))
    assert "b'" + "x" * 64 + "'...(100 bytes)" in long
    assert "x" * 65 not in long


@pytest.mark.parametrize("field", ["opcode", "payload", "fin", "rsv1"])
def test_deleted_field_is_an_attribute_error_not_a_crash(backend, field):
    frame = backend.Frame(1, b"a")
    delattr(frame, field)
    with pytest.raises(AttributeError):
        repr(frame)
    with pytest.raises(AttributeError):
        frame == backend.Frame(1, b"a")  # noqa: B015 - the comparison is what is tested
    message = backend.Message(backend.Opcode.CLOSE, b"", 1000, "")
    del message.close_code
    with pytest.raises(AttributeError):
        repr(message)


# -- decoding --------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
@pytest.mark.parametrize("role", ["server", "client"])
def test_every_length_form(backend, size, role):
    payload = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    mask = MASK if role == "server" else None
    frames = backend.FrameDecoder(role=role).feed(raw(0x82, payload, mask=mask))
    assert frames == [backend.Frame(backend.Opcode.BINARY, payload)]
    assert type(frames[0].payload) is bytes


@pytest.mark.parametrize("form", [16, 64])
def test_non_minimal_lengths_are_accepted(backend, form):
    frames = backend.FrameDecoder(role="client").feed(raw(0x81, b"hi", form=form))
    assert frames == [backend.Frame(1, b"hi")]


def test_fragments_and_controls_pass_through(backend):
    data = raw(0x01, b"He", mask=MASK) + raw(0x89, b"p", mask=MASK) + raw(0x80, b"llo", mask=MASK)
    assert backend.FrameDecoder().feed(data) == [
        backend.Frame(1, b"He", fin=False),
        backend.Frame(9, b"p"),
        backend.Frame(0, b"llo"),
    ]


def test_frame_returned_only_when_complete(backend):
    decoder = backend.FrameDecoder()
    data = raw(0x82, b"abcdefgh", mask=MASK)
    assert decoder.feed(data[:2]) == []
    assert decoder.feed(data[2:9]) == []
    assert decoder.feed(data[9:]) == [backend.Frame(2, b"abcdefgh")]
    assert decoder.feed(b"") == []


def test_rsv1_allowed_on_request(backend):
    data = raw(0xC1, b"x", mask=MASK)
    assert backend.FrameDecoder(allow_rsv1=True).feed(data) == [backend.Frame(1, b"x", rsv1=True)]
    assert feed_error(backend.FrameDecoder(), data).close_code == 1002


# Each entry: (first byte, second byte) of a header that breaks one rule.
FRAME_RULES = {
    "rsv2": (0xA1, 0x80),
    "rsv3": (0x91, 0x80),
    "rsv1 not allowed": (0xC1, 0x80),
    **{f"reserved opcode {op}": (0x80 | op, 0x80) for op in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15)},
    "fragmented ping": (0x09, 0x80),
    "fragmented close": (0x08, 0x80),
    "fragmented pong": (0x0A, 0x80),
    "unmasked to server": (0x81, 0x00),
    "control length 126": (0x89, 0x80 | 126),
    "control length 127": (0x88, 0x80 | 127),
}


@pytest.mark.parametrize("rule", FRAME_RULES)
def test_frame_rules_raise_1002_from_the_bytes_they_need(backend, rule):
    b0, b1 = FRAME_RULES[rule]
    decoder = backend.FrameDecoder(role="server")
    if rule.startswith(("rsv", "reserved", "fragmented")):
        error = feed_error(decoder, bytes([b0]))  # byte 0 alone is enough
    else:
        assert decoder.feed(bytes([b0])) == []
        error = feed_error(decoder, bytes([b1]))
    assert isinstance(error, backend.ProtocolError)
    assert error.close_code == 1002


def test_masked_frame_to_client_is_1002(backend):
    error = feed_error(backend.FrameDecoder(role="client"), raw(0x81, b"x", mask=MASK)[:2])
    assert error.close_code == 1002


def test_64_bit_length_top_bit_from_its_first_byte(backend):
    decoder = backend.FrameDecoder(role="client")
    error = feed_error(decoder, bytes([0x82, 127, 0x80]))
    assert error.close_code == 1002


def test_max_frame_size_from_the_header_alone(backend):
    header = raw(0x82, length=1 << 40, mask=MASK)[:10]
    decoder = backend.FrameDecoder(max_frame_size=1000)
    assert decoder.feed(header[:9]) == []
    error = feed_error(decoder, header[9:])  # the mask key has not arrived
    assert error.close_code == 1009
    decoder = backend.FrameDecoder(max_frame_size=3)
    assert decoder.feed(raw(0x82, b"abc", mask=MASK)) == [backend.Frame(2, b"abc")]
    assert feed_error(decoder, raw(0x82, b"abcd", mask=MASK)[:2]).close_code == 1009


def test_max_frame_size_zero_allows_empty_frames_only(backend):
    decoder = backend.FrameDecoder(max_frame_size=0)
    assert decoder.feed(raw(0x81, b"", mask=MASK) * 3) == [backend.Frame(1)] * 3
    assert feed_error(decoder, raw(0x89, b"x", mask=MASK)).close_code == 1009


def test_rule_order_first_byte_before_second(backend):
    # Reserved opcode and wrong mask bit: byte 0's rule is the one reported,
    # however the header arrives (the code is the same; the error is raised
    # on the first byte).
    error = feed_error(backend.FrameDecoder(), bytes([0x83, 0x00]))
    assert error.close_code == 1002
    # Mask bit wrong and length over the limit: 1002 wins (step 2 before 4).
    error = feed_error(backend.FrameDecoder(max_frame_size=1), bytes([0x82, 0x7D]))
    assert error.close_code == 1002


def test_completed_and_stays_failed(backend):
    good = raw(0x81, b"a", mask=MASK) + raw(0x82, b"b", mask=MASK)
    decoder = backend.FrameDecoder()
    error = feed_error(decoder, good + bytes([0xA1]))
    assert isinstance(error, backend.ProtocolError)
    assert error.completed == [backend.Frame(1, b"a"), backend.Frame(2, b"b")]
    for data in (good, b""):
        again = feed_error(decoder, data)
        assert isinstance(again, backend.ProtocolError)
        assert again.close_code == 1002
        assert again.completed == []


def test_role_and_limits_are_checked(backend):
    with pytest.raises(ValueError):
        backend.FrameDecoder(role="peer")
    with pytest.raises(ValueError):
        backend.FrameDecoder(max_frame_size=-1)
    with pytest.raises(TypeError):
        backend.FrameDecoder(max_frame_size="10")


def test_feed_takes_any_buffer_and_keeps_no_reference(backend):
    data = raw(0x82, b"payload!", mask=MASK)
    for make in (bytes, bytearray, memoryview, lambda d: array.array("B", d)):
        decoder = backend.FrameDecoder()
        piece = make(data[:5])
        assert decoder.feed(piece) == []
        if isinstance(piece, bytearray):
            piece[:] = b"\x00" * 5  # must not change what was fed
        assert decoder.feed(make(data[5:])) == [backend.Frame(2, b"payload!")]
    decoder = backend.FrameDecoder()
    with pytest.raises(TypeError):
        decoder.feed("text")
    assert decoder.feed(data) == [backend.Frame(2, b"payload!")]  # still usable


# -- fuzz: nothing but ProtocolError ----------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), cut=st.integers(0, 300), role=st.sampled_from(["server", "client"]))
def test_arbitrary_bytes_raise_only_protocol_error(backend, data, cut, role):
    pmd = backend.PerMessageDeflate()
    decoders = [
        backend.FrameDecoder(role=role, allow_rsv1=True),
        backend.FrameDecoder(role=role, max_frame_size=50),
        backend.MessageDecoder(role=role),
        backend.MessageDecoder(role=role, max_message_size=40, deflate=pmd),
        backend.MessageDecoder(role=role, deflate=pmd, decode_text=False),
    ]
    for decoder in decoders:
        try:
            decoder.feed(data[:cut])
            decoder.feed(data[cut:])
        except backend.ProtocolError as exc:
            assert exc.close_code in (1002, 1007, 1009)
