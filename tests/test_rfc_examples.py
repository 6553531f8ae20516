"""The worked examples of RFC 6455 (sections 1.3 and 5.7), both directions."""

import pytest

MASK = bytes.fromhex("37fa213d")

# Section 5.7, in order.
SINGLE_UNMASKED = bytes.fromhex("810548656c6c6f")
SINGLE_MASKED = bytes.fromhex("818537fa213d7f9f4d5158")
FRAGMENTED = bytes.fromhex("010348656c") + bytes.fromhex("80026c6f")
PING_UNMASKED = bytes.fromhex("890548656c6c6f")
PONG_MASKED = bytes.fromhex("8a8537fa213d7f9f4d5158")
BINARY_256 = bytes.fromhex("827e0100")
BINARY_64K = bytes.fromhex("827f0000000000010000")


def test_single_frame_unmasked_text(backend):
    assert backend.encode_frame(backend.Opcode.TEXT, b"Hello") == SINGLE_UNMASKED
    assert backend.MessageEncoder(role="server").text("Hello") == SINGLE_UNMASKED
    assert backend.FrameDecoder(role="client").feed(SINGLE_UNMASKED) == [backend.Frame(1, b"Hello")]
    assert backend.MessageDecoder(role="client").feed(SINGLE_UNMASKED) == [backend.Message(1, "Hello")]


def test_single_frame_masked_text(backend):
    assert backend.encode_frame(1, b"Hello", mask=MASK) == SINGLE_MASKED
    assert backend.FrameDecoder(role="server").feed(SINGLE_MASKED) == [backend.Frame(1, b"Hello")]
    assert backend.MessageDecoder(role="server").feed(SINGLE_MASKED) == [backend.Message(1, "Hello")]


def test_fragmented_unmasked_text(backend):
    wire = backend.encode_frame(1, b"Hel", fin=False) + backend.encode_frame(0, b"lo")
    assert wire == FRAGMENTED
    assert backend.MessageEncoder(max_frame_size=3).text("Hello") == FRAGMENTED
    assert backend.FrameDecoder(role="client").feed(FRAGMENTED) == [
        backend.Frame(1, b"Hel", fin=False),
        backend.Frame(0, b"lo"),
    ]
    assert backend.MessageDecoder(role="client").feed(FRAGMENTED) == [backend.Message(1, "Hello")]


def test_ping_and_masked_pong(backend):
    assert backend.encode_frame(backend.Opcode.PING, b"Hello") == PING_UNMASKED
    assert backend.encode_frame(backend.Opcode.PONG, b"Hello", mask=MASK) == PONG_MASKED
    assert backend.MessageDecoder(role="client").feed(PING_UNMASKED) == [backend.Message(9, b"Hello")]
    assert backend.MessageDecoder(role="server").feed(PONG_MASKED) == [backend.Message(10, b"Hello")]


@pytest.mark.parametrize("header, size", [(BINARY_256, 256), (BINARY_64K, 65536)])
def test_binary_length_forms(backend, header, size):
    payload = bytes(range(256)) * (size // 256)
    assert backend.encode_frame(2, payload) == header + payload
    assert backend.MessageDecoder(role="client").feed(header + payload) == [backend.Message(2, payload)]


def test_accept_key(backend):
    # Section 1.3.
    assert backend.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
