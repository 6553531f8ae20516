"""The native backend against the pure reference, on thousands of streams.

Random and mutated streams (bit flips, truncations, insertions, deletions)
are fed to both backends in the same random pieces; every feed must give the
same frames or messages, or the same close code with the same ``.completed``,
and a failed decoder must stay failed on both.  Skipped in the pure lane.
"""

import os
import random
import struct
import zlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wire import raw

HYPOTHESIS = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- building streams -------------------------------------------------------------


TEXTS = [b"", b"hello", "héllo wörld ✓ 😀".encode(), b"\xed\xa0\x80", b"ok\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe2\x82"]
CLOSE_CODES = [1000, 1001, 1005, 1006, 1015, 999, 2999, 3000, 4999, 5000]


def random_payload(rng, text):
    if text and rng.random() < 0.7:
        return rng.choice(TEXTS) * rng.randint(1, 3)
    size = rng.choice([0, 1, 5, 20, 125, 126, 200, 300])
    return bytes(rng.getrandbits(8) for _ in range(size))


def random_message(rng, key_of, compressor):
    """Frames of one message (or one control frame)."""
    kind = rng.random()
    if kind < 0.25:
        opcode = rng.choice([8, 9, 10])
        if opcode == 8 and rng.random() < 0.8:
            payload = struct.pack("!H", rng.choice(CLOSE_CODES)) + rng.choice(TEXTS)
        else:
            payload = random_payload(rng, False)[:125]
        return [raw(0x80 | opcode, payload, mask=key_of())]
    opcode = 1 if rng.random() < 0.6 else 2
    payload = random_payload(rng, opcode == 1)
    rsv1 = 0
    if compressor is not None and rng.random() < 0.5:
        payload = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
        payload = payload[:-4]
        rsv1 = 0x40
    pieces = rng.randint(1, 4)
    cuts = sorted(rng.randint(0, len(payload)) for _ in range(pieces - 1))
    parts = [payload[a:b] for a, b in zip([0, *cuts], [*cuts, len(payload)])]
    frames = []
    for i, part in enumerate(parts):
        b0 = (opcode | rsv1) if i == 0 else 0
        if i == len(parts) - 1:
            b0 |= 0x80
        form = rng.choice([None, None, None, 16, 64])
        frames.append(raw(b0, part, mask=key_of(), form=form))
        if rng.random() < 0.2:
            frames.append(raw(0x89, b"ping", mask=key_of()))
    return frames


def random_stream(rng, masked, deflate):
    def key_of():
        return bytes(rng.getrandbits(8) for _ in range(4)) if masked else None

    compressor = zlib.compressobj(wbits=-15) if deflate else None
    frames = []
    for _ in range(rng.randint(1, 6)):
        frames += random_message(rng, key_of, compressor)
    if rng.random() < 0.1:
        rng.shuffle(frames)  # breaks sequencing
    return b"".join(frames)


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        op = rng.random()
        if not data:
            break
        i = rng.randrange(len(data))
        if op < 0.5:
            data[i] ^= 1 << rng.randrange(8)
        elif op < 0.65:
            del data[i:]
        elif op < 0.8:
            data[i:i] = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4)))
        elif op < 0.9:
            del data[i : i + rng.randint(1, 4)]
        else:
            data[i] = rng.choice([0x00, 0x7E, 0x7F, 0x80, 0xFE, 0xFF])
    return bytes(data)


def random_split(rng, data):
    count = rng.choice([1, 2, 3, 5, 10])
    cuts = sorted(rng.randint(0, len(data)) for _ in range(count - 1))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]


def random_config(rng):
    masked = rng.random() < 0.7
    config = {
        "kind": "message" if rng.random() < 0.75 else "frame",
        "role": "server" if masked else "client",
        "max_frame_size": rng.choice([None, None, None, 0, 10, 125, 200]),
    }
    if config["kind"] == "frame":
        config["allow_rsv1"] = rng.random() < 0.5
    else:
        config["max_message_size"] = rng.choice([1 << 20, None, None, 0, 20, 100, 400])
        config["deflate"] = rng.choice([None, None, "takeover", "no_takeover"])
        config["decode_text"] = rng.random() < 0.7
    config["reads"] = rng.choice(["feed", "feed", "buffered"])
    return config


# -- running both -------------------------------------------------------------------


def make(backend, config):
    kwargs = {k: v for k, v in config.items() if k not in ("kind", "reads")}
    if config["kind"] == "frame":
        return backend.FrameDecoder(**kwargs)
    if kwargs["deflate"] is not None:
        no_takeover = kwargs["deflate"] == "no_takeover"
        kwargs["deflate"] = backend.PerMessageDeflate(
            client_no_context_takeover=no_takeover, server_no_context_takeover=no_takeover
        )
    return backend.MessageDecoder(**kwargs)


def plain(item):
    """A backend-neutral value for a Frame or Message."""
    if hasattr(item, "payload"):
        return ("frame", int(item.opcode), item.payload, item.fin, item.rsv1, item.rsv2, item.rsv3)
    return ("message", int(item.opcode), type(item.data).__name__, item.data, item.close_code, item.close_reason)


def read_through(decoder, piece):
    """``piece`` as asyncio's loop hands it to a BufferedProtocol: what fits
    into each get_buffer(-1), then buffer_updated, until all of it is read."""
    out = []
    pos = 0
    try:
        while True:
            view = decoder.get_buffer(-1)
            n = min(len(view), len(piece) - pos)
            view[:n] = piece[pos:pos + n]
            out += decoder.buffer_updated(n)
            pos += n
            if pos >= len(piece):
                return out
    except Exception as exc:
        exc.completed = out + getattr(exc, "completed", [])
        raise


def trace(backend, config, pieces):
    """Each piece fed, or with ``config["reads"] == "buffered"`` read
    through get_buffer/buffer_updated, and what each gave."""
    decoder = make(backend, config)
    take = decoder.feed if config.get("reads") != "buffered" else lambda piece: read_through(decoder, piece)
    outcomes = []
    for piece in [*pieces, b"\x81"]:  # the extra feed checks that a failure sticks
        try:
            outcomes.append(("ok", [plain(item) for item in take(piece)]))
        except backend.ProtocolError as exc:
            outcomes.append(("error", exc.close_code, [plain(item) for item in exc.completed]))
    return outcomes


def compare(native, pure, config, pieces):
    expected = trace(pure, config, pieces)
    actual = trace(native, config, pieces)
    assert actual == expected, (config, pieces)
    return expected


# -- the tests ----------------------------------------------------------------------------


def test_seeded_random_streams(native, pure):
    rng = random.Random(6455)
    errors = 0
    for _ in range(3000):
        config = random_config(rng)
        stream = random_stream(rng, config["role"] == "server", config.get("deflate") is not None)
        stream = mutate(rng, stream)
        outcomes = compare(native, pure, config, random_split(rng, stream))
        errors += any(o[0] == "error" for o in outcomes[:-1])
    assert 300 < errors < 2700  # both valid and broken streams were exercised


@HYPOTHESIS
@given(seed=st.integers(0, 2**32 - 1), mutations=st.integers(0, 3), data=st.data())
def test_hypothesis_mutated_streams(native, pure, seed, mutations, data):
    rng = random.Random(seed)
    config = random_config(rng)
    stream = random_stream(rng, config["role"] == "server", config.get("deflate") is not None)
    for _ in range(mutations):
        if not stream:
            break
        i = data.draw(st.integers(0, len(stream) - 1))
        how = data.draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        if how == "flip":
            stream = stream[:i] + bytes([stream[i] ^ (1 << data.draw(st.integers(0, 7)))]) + stream[i + 1 :]
        elif how == "truncate":
            stream = stream[:i]
        elif how == "insert":
            stream = stream[:i] + data.draw(st.binary(min_size=1, max_size=4)) + stream[i:]
        else:
            stream = stream[:i] + stream[i + 1 :]
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)])]
    compare(native, pure, config, pieces)


@HYPOTHESIS
@given(
    stream=st.binary(max_size=200),
    cuts=st.lists(st.integers(0, 200), max_size=6),
    seed=st.integers(0, 1000),
)
def test_hypothesis_raw_bytes(native, pure, stream, cuts, seed):
    config = random_config(random.Random(seed))
    cuts = sorted(c % (len(stream) + 1) for c in cuts)
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)])]
    compare(native, pure, config, pieces)


def test_buffered_reads_of_long_payloads(native, pure):
    # Payloads long enough for get_buffer to lend their own objects, whole,
    # fragmented, with control frames between, split anywhere and mutated.
    rng = random.Random(1006)
    for _ in range(40):
        config = random_config(rng)
        config["reads"] = "buffered"
        if config["kind"] == "message":
            config["max_message_size"] = rng.choice([None, 1 << 20, 600000])
            config["deflate"] = None
        config["max_frame_size"] = None
        key = (lambda: os.urandom(4)) if config["role"] == "server" else (lambda: None)
        stream = b""
        for _ in range(rng.randint(1, 3)):
            text = rng.random() < 0.5
            payload = (rng.choice(TEXTS) * 100000)[:rng.randint(250000, 700000)] if text else os.urandom(
                rng.randint(250000, 700000))
            if text:
                payload = payload.decode("utf-8", "ignore").encode()
            cut = rng.randint(0, len(payload))
            stream += native.encode_frame(1 if text else 2, payload[:cut], fin=False, mask=key())
            stream += native.encode_frame(9, b"between", mask=key())
            stream += native.encode_frame(0, payload[cut:], mask=key())
        if rng.random() < 0.3:
            stream = mutate(rng, stream)
        compare(native, pure, config, random_split(rng, stream))


def test_every_byte_after_a_valid_prefix(native, pure):
    # Every possible byte at every header position after a valid frame.
    good = raw(0x81, b"ok", mask=b"abcd")
    for role, key in (("server", b"abcd"), ("client", None)):
        base = raw(0x01, b"hi", mask=key) + raw(0x80, b"!", mask=key)
        for config in (
            {"kind": "message", "role": role, "max_frame_size": 100, "max_message_size": 50,
             "deflate": "takeover", "decode_text": True},
            {"kind": "frame", "role": role, "max_frame_size": None, "allow_rsv1": False},
        ):
            for b0 in range(256):
                for b1 in (0, 1, 2, 125, 126, 127, 128, 129, 253, 254, 255):
                    stream = base + bytes([b0, b1]) + b"\x00\x80\x00\x00\x00\x00\x00\x10" + good
                    compare(native, pure, config, [stream[:7], stream[7:]])


# -- encoders ---------------------------------------------------------------------------------


def encode_outcome(function, *args, **kwargs):
    try:
        return ("ok", function(*args, **kwargs))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        return ("raise", type(exc).__name__)


def test_encoders_agree(native, pure):
    rng = random.Random(1)
    mask = b"\x01\x02\x03\x04"
    for _ in range(500):
        opcode = rng.choice([0, 1, 2, 3, 8, 9, 10, 11, 15])
        payload = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 125, 126, 70000])))
        kwargs = {"fin": rng.random() < 0.8, "rsv1": rng.random() < 0.2, "mask": rng.choice([None, mask, b"abc"])}
        assert encode_outcome(native.encode_frame, opcode, payload, **kwargs) == encode_outcome(
            pure.encode_frame, opcode, payload, **kwargs
        )
    for code in (0, 999, 1000, 1004, 1005, 1015, 2999, 3000, 4999, 5000):
        for reason in ("", "bye", "é" * 61, "x" * 124, "\ud800"):
            assert encode_outcome(native.encode_close_payload, code, reason) == encode_outcome(
                pure.encode_close_payload, code, reason
            )
    for size in (None, 1, 7, 100):
        pmd = pure.PerMessageDeflate(min_size=10)
        encoders = [b.MessageEncoder(max_frame_size=size, deflate=pmd) for b in (native, pure)]
        for text in ("", "a", "héllo " * 100, "x" * 9):
            assert encoders[0].text(text) == encoders[1].text(text)
        assert encoders[0].binary(b"\x00" * 500) == encoders[1].binary(b"\x00" * 500)
        assert encoders[0].close(None) == encoders[1].close(None)
        assert encoders[0].close(3000, "x") == encoders[1].close(3000, "x")


def test_close_payload_parsing_agrees(native, pure):
    def outcome(backend, payload):
        try:
            return backend.parse_close_payload(payload)
        except backend.ProtocolError as exc:
            return exc.close_code

    for code in range(0, 5100, 7):
        for reason in (b"", b"ok", b"\xff", b"\xe2\x82"):
            payload = struct.pack("!H", code) + reason
            assert outcome(native, payload) == outcome(pure, payload)
    for payload in (b"", b"\x03"):
        assert outcome(native, payload) == outcome(pure, payload)
