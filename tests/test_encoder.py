"""encode_frame, MessageEncoder and close payloads."""

import array
import os
import struct

import pytest

MASK = b"\x37\xfa\x21\x3d"


def xor(data, key):
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


def parse(wire):
    """Split wire bytes into (b0, masked?, key, payload) tuples, independently of the codec."""
    frames = []
    pos = 0
    while pos < len(wire):
        b0, b1 = wire[pos], wire[pos + 1]
        n, pos = b1 & 0x7F, pos + 2
        if n == 126:
            (n,), pos = struct.unpack_from("!H", wire, pos), pos + 2
            assert n >= 126, "not the shortest length form"
        elif n == 127:
            (n,), pos = struct.unpack_from("!Q", wire, pos), pos + 8
            assert n >= 65536, "not the shortest length form"
        key = None
        if b1 & 0x80:
            key, pos = wire[pos : pos + 4], pos + 4
        payload = wire[pos : pos + n]
        assert len(payload) == n
        pos += n
        frames.append((b0, key, xor(payload, key) if key else payload))
    return frames


# -- encode_frame -----------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 100_000])
def test_shortest_length_form(backend, size):
    payload = bytes(range(256)) * (size // 256 + 1)
    payload = payload[:size]
    wire = backend.encode_frame(backend.Opcode.BINARY, payload)
    header = 2 if size < 126 else 4 if size < 65536 else 10
    assert len(wire) == header + size
    assert parse(wire) == [(0x82, None, payload)]


def test_flags_and_opcodes(backend):
    Opcode = backend.Opcode
    assert backend.encode_frame(Opcode.TEXT, b"Hello") == b"\x81\x05Hello"
    assert backend.encode_frame(1, b"Hel", fin=False) == b"\x01\x03Hel"
    assert backend.encode_frame(0, b"lo") == b"\x80\x02lo"
    assert backend.encode_frame(2, b"z", rsv1=True) == b"\xc2\x01z"
    assert backend.encode_frame(Opcode.PING) == b"\x89\x00"
    assert backend.encode_frame(Opcode.CLOSE, b"\x03\xe8") == b"\x88\x02\x03\xe8"
    assert backend.encode_frame(Opcode.PONG, b"x" * 125)[:2] == b"\x8a\x7d"


def test_mask_forms(backend):
    expected = b"\x81\x85" + MASK + xor(b"Hello", MASK)
    for mask in (MASK, bytearray(MASK), memoryview(MASK), array.array("B", MASK)):
        assert backend.encode_frame(1, b"Hello", mask=mask) == expected
    assert backend.encode_frame(1, b"Hello", mask=None) == b"\x81\x05Hello"
    assert backend.encode_frame(1, b"Hello", mask=False) == b"\x81\x05Hello"
    wire = backend.encode_frame(1, b"Hello", mask=True)
    ((b0, key, payload),) = parse(wire)
    assert (b0, len(key), payload) == (0x81, 4, b"Hello")


def test_fresh_keys_per_frame(backend):
    keys = [parse(backend.encode_frame(2, b"x", mask=True))[0][1] for _ in range(3000)]
    # 3000 random 32-bit keys: a repeat would be a 1-in-1000 event; across a
    # 4 KiB pool boundary too.
    assert len(set(keys)) >= 2995
    assert len({key[:1] for key in keys}) > 200  # bytes look random, not a counter


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_draws_other_keys(backend):
    backend.encode_frame(2, b"x", mask=True)  # make sure a pool exists before the fork
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: send 8 keys to the parent and leave at once
        keys = b"".join(parse(backend.encode_frame(2, b"x", mask=True))[0][1] for _ in range(8))
        os.write(write_end, keys)
        os._exit(0)
    os.close(write_end)
    parent = b"".join(parse(backend.encode_frame(2, b"x", mask=True))[0][1] for _ in range(8))
    child = b""
    while len(child) < 32:
        chunk = os.read(read_end, 32)
        assert chunk
        child += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    assert parent != child


def test_payload_types(backend):
    for payload in (bytearray(b"ab"), memoryview(b"ab"), array.array("B", b"ab")):
        assert backend.encode_frame(2, payload) == b"\x82\x02ab"
    with pytest.raises(TypeError):
        backend.encode_frame(1, "text")


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(opcode=3),
        dict(opcode=11),
        dict(opcode=16),
        dict(opcode=-1),
        dict(opcode=9, payload=b"x" * 126),
        dict(opcode=8, payload=b"x" * 126),
        dict(opcode=10, fin=False),
        dict(opcode=9, fin=False),
        dict(opcode=1, mask=b"abc"),
        dict(opcode=1, mask=b"abcde"),
    ],
)
def test_encode_frame_value_errors(backend, kwargs):
    kwargs = dict(kwargs)
    opcode = kwargs.pop("opcode")
    with pytest.raises(ValueError):
        backend.encode_frame(opcode, **kwargs)


# -- close payloads -----------------------------------------------------------------


def test_close_payloads(backend):
    assert backend.encode_close_payload(1000) == b"\x03\xe8"
    assert backend.encode_close_payload(1001, "bye é") == b"\x03\xe9bye \xc3\xa9"
    assert backend.encode_close_payload(4999, "x" * 123) == b"\x13\x87" + b"x" * 123
    assert backend.parse_close_payload(b"\x03\xe9bye \xc3\xa9") == (1001, "bye é")
    assert backend.parse_close_payload(b"") == (1005, "")
    assert backend.parse_close_payload(bytearray(b"\x0b\xb8")) == (3000, "")


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000])
def test_close_payload_refuses_unsendable_codes(backend, code):
    with pytest.raises(ValueError):
        backend.encode_close_payload(code)


def test_close_payload_limits(backend):
    with pytest.raises(ValueError):
        backend.encode_close_payload(1000, "x" * 124)
    with pytest.raises(ValueError):
        backend.encode_close_payload(1000, "é" * 62)  # 124 bytes of UTF-8
    with pytest.raises(UnicodeEncodeError):
        backend.encode_close_payload(1000, "\ud800")


# -- MessageEncoder -----------------------------------------------------------------


def test_server_messages_are_unmasked(backend):
    encoder = backend.MessageEncoder()
    assert encoder.text("Hello") == b"\x81\x05Hello"
    assert encoder.binary(b"\x00\x01") == b"\x82\x02\x00\x01"
    assert encoder.binary(bytearray(b"ab")) == b"\x82\x02ab"
    assert encoder.ping() == b"\x89\x00"
    assert encoder.ping(b"hb") == b"\x89\x02hb"
    assert encoder.pong(b"hb") == b"\x8a\x02hb"
    assert encoder.close() == b"\x88\x02\x03\xe8"
    assert encoder.close(1001, "bye") == b"\x88\x05\x03\xe9bye"
    assert encoder.close(None) == b"\x88\x00"


def test_client_masks_every_frame_with_a_fresh_key(backend):
    encoder = backend.MessageEncoder(role="client", max_frame_size=2)
    wire = encoder.text("héllo") + encoder.ping(b"p") + encoder.pong() + encoder.close(1000, "x")
    frames = parse(wire)
    assert all(key is not None for _, key, _ in frames)
    assert len({key for _, key, _ in frames}) == len(frames)
    assert [(b0, payload) for b0, _, payload in frames] == [
        (0x01, b"h\xc3"),
        (0x00, b"\xa9l"),
        (0x80, b"lo"),
        (0x89, b"p"),
        (0x8A, b""),
        (0x88, b"\x03\xe8x"),
    ]


@pytest.mark.parametrize("size", [0, 1, 9, 10, 11, 29, 30, 31])
def test_fragmentation(backend, size):
    encoder = backend.MessageEncoder(max_frame_size=10)
    frames = parse(encoder.binary(b"x" * size))
    if size <= 10:
        assert frames == [(0x82, None, b"x" * size)]  # an empty message is one empty frame
        return
    assert frames[0][0] == 0x02
    assert all(b0 == 0x00 for b0, _, _ in frames[1:-1])
    assert frames[-1][0] == 0x80
    assert all(0 < len(p) <= 10 for _, _, p in frames)
    assert b"".join(p for _, _, p in frames) == b"x" * size


def test_control_frames_are_never_split(backend):
    encoder = backend.MessageEncoder(max_frame_size=3)
    assert parse(encoder.ping(b"x" * 100)) == [(0x89, None, b"x" * 100)]
    assert parse(encoder.close(1000, "long reason")) == [(0x88, None, b"\x03\xe8long reason")]


def test_message_encoder_errors(backend):
    encoder = backend.MessageEncoder()
    with pytest.raises(ValueError):
        encoder.ping(b"x" * 126)
    with pytest.raises(ValueError):
        encoder.pong(b"x" * 126)
    with pytest.raises(ValueError):
        encoder.close(1005)
    with pytest.raises(ValueError):
        encoder.close(None, "reason without a code")
    with pytest.raises(UnicodeEncodeError):
        encoder.text("lone \udc80 surrogate")
    with pytest.raises(TypeError):
        encoder.text(b"bytes")
    with pytest.raises(TypeError):
        encoder.binary("str")
    with pytest.raises(ValueError):
        backend.MessageEncoder(role="peer")
    with pytest.raises(ValueError):
        backend.MessageEncoder(max_frame_size=0)


def test_deflate_compresses_data_messages_only(backend):
    pmd = backend.PerMessageDeflate(min_size=10)
    encoder = backend.MessageEncoder(deflate=pmd, max_frame_size=5)
    frames = parse(encoder.text("a" * 200))
    assert frames[0][0] == 0x41  # RSV1 on the first frame only
    assert all(b0 & 0x70 == 0 for b0, _, _ in frames[1:])
    assert sum(len(p) for _, _, p in frames) < 200
    assert parse(encoder.text("short")) == [(0x81, None, b"short")]  # under min_size
    assert parse(encoder.ping(b"a" * 100)) == [(0x89, None, b"a" * 100)]
    encoder = backend.MessageEncoder(deflate=pmd, max_frame_size=5)  # fresh context for the decoder
    decoder = backend.MessageDecoder(role="client", deflate=pmd)
    wire = encoder.text("a" * 200) + encoder.binary(b"b" * 50) + encoder.text("short")
    assert decoder.feed(wire) == [
        backend.Message(1, "a" * 200),
        backend.Message(2, b"b" * 50),
        backend.Message(1, "short"),
    ]


def test_encoder_output_decodes(backend):
    for role, peer in (("client", "server"), ("server", "client")):
        encoder = backend.MessageEncoder(role=role, max_frame_size=100)
        decoder = backend.MessageDecoder(role=peer)
        wire = encoder.text("ü" * 300) + encoder.ping(b"p") + encoder.binary(b"\xff" * 1000)
        wire += encoder.close(3000, "done")
        out = decoder.feed(wire)
        assert out[:3] == [
            backend.Message(1, "ü" * 300),
            backend.Message(9, b"p"),
            backend.Message(2, b"\xff" * 1000),
        ]
        assert (out[3].close_code, out[3].close_reason) == (3000, "done")
