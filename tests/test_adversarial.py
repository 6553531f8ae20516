"""What a hostile peer can send, and what it costs the receiver.

Every case listed in the README's Security section has a test here or in
the file that section names: declared lengths up to 2**64 - 1, deflate
bombs, limits and one byte either side, a peer that sends one byte at a
time, pings between the fragments of a message, every close code.  Memory is
measured with tracemalloc: what the decoder holds follows what arrived and
the limits, never what a header declares.
"""

import functools
import gc
import struct
import zlib

import pytest

from conftest import need_tracemalloc
from wire import cf

MiB = 1 << 20


def peak_of(action):
    gc.collect()
    tracemalloc = need_tracemalloc()
    tracemalloc.start()
    try:
        result = action()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def expect_error(backend, decoder, data, code):
    with pytest.raises(backend.ProtocolError) as info:
        decoder.feed(data)
    assert info.value.close_code == code, info.value
    return info.value


def deflated(data):
    c = zlib.compressobj(level=9, wbits=-15, memLevel=9)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4]


@functools.lru_cache(maxsize=None)
def bomb(size):
    """Raw deflate of ``size`` bytes of one letter (shared by both backends' runs)."""
    c = zlib.compressobj(level=9, wbits=-15, memLevel=9)
    chunk = b"a" * (4 * MiB)
    parts = [c.compress(chunk) for _ in range(size // len(chunk))]
    parts.append(c.compress(b"a" * (size % len(chunk))))
    return (b"".join(parts) + c.flush(zlib.Z_SYNC_FLUSH))[:-4]


# -- declared lengths ------------------------------------------------------------------


@pytest.mark.parametrize("declared", [2**63 - 1, 2**62, 2**32, 2**31 - 1])
def test_huge_declared_length_costs_only_what_arrives(backend, declared):
    header = struct.pack("!BBQ", 0x82, 0xFF, declared) + b"\x37\xfa\x21\x3d"
    decoder = backend.MessageDecoder(role="server", max_message_size=None)

    def receive():
        decoder.feed(header)
        for _ in range(4):
            decoder.feed(bytes(256 << 10))

    _, peak = peak_of(receive)
    # 1 MiB arrived: the buffer grows with it (geometrically), never toward
    # the declared size.
    assert peak < 3 * MiB, f"peak {peak / MiB:.2f} MiB"


@pytest.mark.parametrize("declared", [2**63, 2**64 - 1])
def test_length_with_the_top_bit_set_is_1002(backend, declared):
    header = struct.pack("!BBQ", 0x82, 0xFF, declared)
    decoder = backend.MessageDecoder(role="server", max_message_size=None)
    expect_error(backend, decoder, header[:3], 1002)  # from its first byte
    frames = backend.FrameDecoder(role="server")
    expect_error(backend, frames, header, 1002)


def test_declared_length_over_the_limit_is_1009_from_the_header(backend):
    decoder = backend.MessageDecoder(role="server", max_message_size=MiB)
    expect_error(backend, decoder, struct.pack("!BBQ", 0x82, 0xFF, 2**63 - 1), 1009)


# -- limits and one byte either side -----------------------------------------------------


@pytest.mark.parametrize("delta", [-1, 0, 1])
@pytest.mark.parametrize("limit", [0, 1, 125, 126, 65535, 65536, 100_000])
def test_message_limit_exact(backend, limit, delta):
    size = limit + delta
    if size < 0:
        return
    data = b"m" * size
    whole = cf(0x82, data)
    half = size // 2
    fragmented = cf(0x02, data[:half]) + cf(0x89, b"ping") + cf(0x80, data[half:])
    for stream in (whole, fragmented):
        decoder = backend.MessageDecoder(role="server", max_message_size=limit)
        if delta > 0:
            expect_error(backend, decoder, stream, 1009)
        else:
            assert decoder.feed(stream)[-1].data == data


@pytest.mark.parametrize("delta", [-1, 0, 1])
@pytest.mark.parametrize("limit", [0, 125, 126, 65536])
def test_frame_limit_exact(backend, limit, delta):
    size = limit + delta
    if size < 0:
        return
    frame = cf(0x82, b"f" * size)
    for decoder in (
        backend.FrameDecoder(role="server", max_frame_size=limit),
        backend.MessageDecoder(role="server", max_frame_size=limit, max_message_size=None),
    ):
        if delta > 0:
            expect_error(backend, decoder, frame, 1009)
        else:
            assert len(decoder.feed(frame)) == 1


@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_compressed_message_limit_exact(backend, delta):
    limit = 50_000
    data = bytes(range(256)) * (limit // 256) + b"z" * (limit % 256 + delta)
    decoder = backend.MessageDecoder(role="server", max_message_size=limit, deflate=backend.PerMessageDeflate())
    stream = cf(0xC2, deflated(data))
    if delta > 0:
        expect_error(backend, decoder, stream, 1009)
    else:
        assert decoder.feed(stream)[0].data == data


# -- deflate bombs ---------------------------------------------------------------------


@pytest.mark.parametrize("ratio", [1000, 10000])
@pytest.mark.parametrize("opcode", [0xC1, 0xC2], ids=["text", "binary"])
def test_deflate_bomb_stops_at_the_limit(backend, ratio, opcode):
    """A bomb that inflates to ``ratio`` times the message limit.  Raw
    deflate cannot pass about 1032:1 from wire bytes to output, so the
    1000:1 case is also about that ratio on the wire, and the 10000:1 case
    sends ten times more of it.  Either way the decoder inflates at most the
    limit plus one byte, then fails with 1009."""
    limit = 16 << 10
    inflated = limit * ratio
    payload = bomb(inflated)
    assert inflated / len(payload) > 1000
    decoder = backend.MessageDecoder(role="server", max_message_size=limit, deflate=backend.PerMessageDeflate())
    frame = cf(opcode, payload)
    error, peak = peak_of(lambda: expect_error(backend, decoder, frame, 1009))
    assert error.completed == []
    # The limit, plus the compressed input of this one feed (a copy to
    # unmask it, and what zlib keeps of it unconsumed), never the bomb's size.
    assert peak < 2 * limit + 3 * len(payload) + 256 * 1024, f"peak {peak / MiB:.2f} MiB"


def test_deflate_bomb_in_fragments_with_no_limit_per_frame(backend):
    limit = 1 << 20
    payload = bomb(40 * limit)
    decoder = backend.MessageDecoder(role="server", max_message_size=limit, deflate=backend.PerMessageDeflate())
    pieces = [payload[i : i + 1000] for i in range(0, len(payload), 1000)]
    stream = cf(0x42, pieces[0]) + b"".join(cf(0x00, p) for p in pieces[1:-1]) + cf(0x80, pieces[-1])
    _, peak = peak_of(lambda: expect_error(backend, decoder, stream, 1009))
    assert peak < 3 * limit + len(stream), f"peak {peak / MiB:.2f} MiB"


# -- slow peers and floods ------------------------------------------------------------------


def test_slow_peer_one_byte_at_a_time(backend):
    text = "slow ✓ peer " * 100
    raw = text.encode()
    stream = (
        cf(0x01, raw[:1000])
        + cf(0x89, b"keepalive")
        + cf(0x00, raw[1000:2500])
        + cf(0x80, raw[2500:])
        + cf(0x82, b"b" * 5_000)
        + cf(0x88, struct.pack("!H", 1000) + b"bye")
    )
    decoder = backend.MessageDecoder(role="server")

    def receive():
        got = []
        for i in range(len(stream)):
            got += decoder.feed(stream[i : i + 1])
        return got

    got, peak = peak_of(receive)
    assert [m.opcode for m in got] == [9, 1, 2, 8]
    assert got[1].data == text and got[2].data == b"b" * 5_000 and got[3].close_code == 1000
    assert peak < 64 * 1024, peak


def test_ping_flood_between_fragments(backend):
    # Fewer on the pure backend, whose per-frame cost tracemalloc inflates.
    count = 100_000 if backend.BACKEND == "native" else 20_000
    pings = cf(0x89, b"p" * 8) * 1000
    decoder = backend.MessageDecoder(role="server", max_message_size=1000)
    assert decoder.feed(cf(0x01, b"first half, ")) == []

    def flood():
        seen = 0
        for _ in range(count // 1000):
            seen += len(decoder.feed(pings))
        return seen

    seen, peak = peak_of(flood)
    assert seen == count
    # The results of one feed at a time, nothing that grows with the flood.
    assert peak < 1 * MiB, peak
    assert decoder.feed(cf(0x80, b"second half")) == [backend.Message(1, "first half, second half")]


def test_fragment_flood_with_no_payload_stays_within_the_limit(backend):
    decoder = backend.MessageDecoder(role="server", max_message_size=10)
    decoder.feed(cf(0x02, b"12345"))
    empties = cf(0x00) * 10_000
    _, peak = peak_of(lambda: [decoder.feed(empties) for _ in range(2)])
    assert peak < 512 * 1024
    expect_error(backend, decoder, cf(0x00, b"678901"), 1009)


# -- close codes --------------------------------------------------------------------------


def raised(call, *args):
    try:
        call(*args)
    except Exception as exc:  # noqa: BLE001 - the type is the answer
        return exc
    return None


def test_every_close_code(backend):
    from wscodec._types import is_sendable_close_code

    sendable = 0
    decoder = backend.MessageDecoder(role="client")
    for code in range(65536):
        payload = struct.pack("!H", code)
        frame = b"\x88\x02" + payload
        if is_sendable_close_code(code):
            sendable += 1
            assert backend.parse_close_payload(payload) == (code, "")
            (message,) = decoder.feed(frame)
            assert message.close_code == code
            assert backend.encode_close_payload(code) == payload
        else:
            error = raised(backend.parse_close_payload, payload)
            assert isinstance(error, backend.ProtocolError) and error.close_code == 1002, (code, error)
            error = raised(backend.MessageDecoder(role="client").feed, frame)
            assert isinstance(error, backend.ProtocolError) and error.close_code == 1002, (code, error)
            assert isinstance(raised(backend.encode_close_payload, code), ValueError), code
    # 1000-1003, 1007-1014 and 3000-4999.
    assert sendable == 4 + 8 + 2000
