"""permessage-deflate (RFC 7692): negotiation, codecs, and limits."""

import gc
import os
import pickle
import random
import zlib

import pytest

from conftest import need_tracemalloc
from wscodec.deflate import NegotiationError, PerMessageDeflate, parse_extensions
from wscodec.handshake import HandshakeError

MiB = 1 << 20


def roundtrip(compressor, decompressor, data, max_length=None):
    out = decompressor.decompress(compressor.compress(data), max_length)
    return out + decompressor.end_message(max_length)


def sample_messages(seed, count=40):
    rnd = random.Random(seed)
    words = [b"alpha", b"beta", b"gamma", b'{"id": ', b'"name": "x"}', b"\xc3\xa9t\xc3\xa9", b"\x00\xff"]
    out = [b"", b"a"]
    for _ in range(count):
        n = rnd.randrange(0, 400)
        out.append(b" ".join(rnd.choice(words) for _ in range(n)))
    out.append(os.urandom(5000))
    out.append(bytes(70000))
    return out


# -- construction -------------------------------------------------------------


def test_defaults_are_rfc_defaults():
    pmd = PerMessageDeflate()
    assert pmd.server_no_context_takeover is False
    assert pmd.client_no_context_takeover is False
    assert pmd.server_max_window_bits == 15
    assert pmd.client_max_window_bits == 15
    assert pmd.compress_level == 6
    assert pmd.mem_level == 8
    assert pmd.min_size == 32


def test_equality_hash_repr_pickle():
    a = PerMessageDeflate(server_max_window_bits=10, client_no_context_takeover=True)
    b = PerMessageDeflate(server_max_window_bits=10, client_no_context_takeover=True)
    assert a == b and hash(a) == hash(b)
    assert a != PerMessageDeflate()
    assert a != PerMessageDeflate(server_max_window_bits=10, client_no_context_takeover=True, min_size=0)
    assert a != "permessage-deflate"
    assert eval(repr(a), {"PerMessageDeflate": PerMessageDeflate}) == a
    assert pickle.loads(pickle.dumps(a)) == a


@pytest.mark.parametrize(
    "kwargs",
    [
        {"server_max_window_bits": 7},
        {"client_max_window_bits": 16},
        {"compress_level": 10},
        {"compress_level": -2},
        {"mem_level": 0},
        {"mem_level": 10},
        {"min_size": -1},
        {"min_size": 1.5},
    ],
)
def test_out_of_range_settings_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        PerMessageDeflate(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{"server_no_context_takeover": 1}, {"client_max_window_bits": "15"}, {"mem_level": True}],
)
def test_wrong_types_raise_type_error(kwargs):
    with pytest.raises(TypeError):
        PerMessageDeflate(**kwargs)


def test_parameters_are_read_only():
    pmd = PerMessageDeflate()
    with pytest.raises(AttributeError):
        pmd.server_max_window_bits = 9


def test_roles_are_checked():
    pmd = PerMessageDeflate()
    with pytest.raises(ValueError):
        pmd.make_compressor("peer")
    with pytest.raises(ValueError):
        pmd.make_decompressor(None)


# -- header syntax --------------------------------------------------------------


def test_parse_extensions_grammar():
    values = [
        'permessage-deflate ;client_max_window_bits, Permessage-Deflate; SERVER_MAX_WINDOW_BITS = "10"',
        "x-webkit-deflate-frame,, ",
    ]
    assert parse_extensions(values) == [
        ("permessage-deflate", [("client_max_window_bits", None)]),
        ("permessage-deflate", [("server_max_window_bits", "10")]),
        ("x-webkit-deflate-frame", []),
    ]
    assert parse_extensions("") == []
    assert parse_extensions(b"permessage-deflate") == [("permessage-deflate", [])]


@pytest.mark.parametrize(
    "value",
    [
        "permessage-deflate;",
        "permessage-deflate; =1",
        "permessage-deflate; a=",
        'permessage-deflate; a="1',
        'permessage-deflate; a="1 2"',
        'permessage-deflate; a=""',
        "permessage-deflate; a=1 b",
        "per message-deflate",
        "permessage-deflate; a=(1)",
        ";",
    ],
)
def test_parse_extensions_rejects_bad_syntax(value):
    with pytest.raises(NegotiationError) as info:
        parse_extensions(value)
    assert isinstance(info.value, HandshakeError)
    assert isinstance(info.value, ValueError)
    assert info.value.status == 400


# -- server negotiation ---------------------------------------------------------


def test_server_accepts_a_plain_offer():
    pmd, header = PerMessageDeflate().accept_offers("permessage-deflate")
    assert pmd == PerMessageDeflate()
    assert header == "permessage-deflate"


def test_server_accepts_browser_offer_and_keeps_local_settings():
    wish = PerMessageDeflate(compress_level=1, mem_level=4, min_size=0)
    pmd, header = wish.accept_offers(["permessage-deflate; client_max_window_bits"])
    assert header == "permessage-deflate"
    assert (pmd.compress_level, pmd.mem_level, pmd.min_size) == (1, 4, 0)


def test_server_grants_and_declares_parameters():
    offer = "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11"
    pmd, header = PerMessageDeflate().accept_offers(offer)
    assert header == (
        "permessage-deflate; server_no_context_takeover; "
        "server_max_window_bits=10; client_max_window_bits=11"
    )
    assert pmd == PerMessageDeflate(
        server_no_context_takeover=True, server_max_window_bits=10, client_max_window_bits=11
    )


def test_server_wishes_apply_within_the_offer():
    wish = PerMessageDeflate(
        server_no_context_takeover=True,
        client_no_context_takeover=True,
        server_max_window_bits=12,
        client_max_window_bits=10,
    )
    pmd, header = wish.accept_offers("permessage-deflate; server_max_window_bits=14; client_max_window_bits")
    assert header == (
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=12; client_max_window_bits=10"
    )
    assert pmd.server_max_window_bits == 12 and pmd.client_max_window_bits == 10
    # A smaller window from the client wins over a larger wish.
    pmd, _ = wish.accept_offers("permessage-deflate; server_max_window_bits=9; client_max_window_bits=9")
    assert (pmd.server_max_window_bits, pmd.client_max_window_bits) == (9, 9)


def test_server_does_not_echo_a_client_no_context_takeover_hint():
    pmd, header = PerMessageDeflate().accept_offers(
        "permessage-deflate; client_no_context_takeover; client_max_window_bits"
    )
    assert header == "permessage-deflate"
    assert pmd.client_no_context_takeover is False


def test_server_declines_when_its_client_window_wish_cannot_be_met():
    wish = PerMessageDeflate(client_max_window_bits=12)
    assert wish.accept_offers("permessage-deflate") is None
    assert wish.accept_offers("permessage-deflate, permessage-deflate; client_max_window_bits")[1] == (
        "permessage-deflate; client_max_window_bits=12"
    )


@pytest.mark.parametrize(
    "bad",
    [
        "permessage-deflate; unknown",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=010",
        "permessage-deflate; client_max_window_bits=abc",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
    ],
)
def test_server_declines_invalid_offers_and_tries_the_next(bad):
    assert PerMessageDeflate().accept_offers(bad) is None
    pmd, header = PerMessageDeflate().accept_offers([bad, "x-other, permessage-deflate; server_max_window_bits=11"])
    assert header == "permessage-deflate; server_max_window_bits=11"


def test_server_ignores_other_extensions_and_absent_offers():
    assert PerMessageDeflate().accept_offers([]) is None
    assert PerMessageDeflate().accept_offers("x-webkit-deflate-frame") is None


def test_server_raises_on_unparseable_header():
    with pytest.raises(NegotiationError):
        PerMessageDeflate().accept_offers("permessage-deflate; ;")


def test_autobahn_offers_are_accepted():
    # What wstest's fuzzingclient sends in cases 13.x.
    server = PerMessageDeflate()
    cases = {
        "permessage-deflate; client_no_context_takeover; client_max_window_bits": "permessage-deflate",
        "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover": (
            "permessage-deflate; server_no_context_takeover"
        ),
        "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=9": (
            "permessage-deflate; server_max_window_bits=9"
        ),
    }
    for offer, expected in cases.items():
        assert server.accept_offers(offer)[1] == expected


# -- client negotiation ---------------------------------------------------------


def test_client_offer_strings():
    assert PerMessageDeflate().offer() == "permessage-deflate; client_max_window_bits"
    assert PerMessageDeflate(
        server_no_context_takeover=True,
        client_no_context_takeover=True,
        server_max_window_bits=10,
        client_max_window_bits=12,
    ).offer() == (
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=10; client_max_window_bits=12"
    )


def test_client_offer_is_what_a_server_accepts():
    for kwargs in [{}, {"server_max_window_bits": 9, "client_no_context_takeover": True}]:
        wish = PerMessageDeflate(**kwargs)
        pmd, header = PerMessageDeflate().accept_offers(wish.offer())
        assert wish.accept_response(header) == pmd._replace(
            client_no_context_takeover=wish.client_no_context_takeover
        )


def test_client_accepts_valid_answers():
    client = PerMessageDeflate()
    assert client.accept_response(None) is None
    assert client.accept_response([]) is None
    assert client.accept_response("") is None
    assert client.accept_response("permessage-deflate") == PerMessageDeflate()
    pmd = client.accept_response(
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=9; client_max_window_bits=8"
    )
    assert pmd == PerMessageDeflate(
        server_no_context_takeover=True,
        client_no_context_takeover=True,
        server_max_window_bits=9,
        client_max_window_bits=8,
    )
    # A quoted value is the same value (RFC 7692 section 7.1).
    assert client.accept_response('permessage-deflate; server_max_window_bits="12"').server_max_window_bits == 12


def test_client_keeps_its_own_hints():
    client = PerMessageDeflate(client_no_context_takeover=True, client_max_window_bits=11)
    pmd = client.accept_response("permessage-deflate")
    assert pmd.client_no_context_takeover is True
    assert pmd.client_max_window_bits == 11
    assert client.accept_response("permessage-deflate; client_max_window_bits=9").client_max_window_bits == 9


@pytest.mark.parametrize(
    ("client", "answer"),
    [
        ({}, "permessage-deflate; unknown_param"),
        ({}, "permessage-deflate; server_max_window_bits"),
        ({}, "permessage-deflate; client_max_window_bits"),
        ({}, "permessage-deflate; server_max_window_bits=16"),
        ({}, "permessage-deflate; client_max_window_bits=0"),
        ({}, "permessage-deflate; client_max_window_bits=08"),
        ({}, "permessage-deflate; server_no_context_takeover=yes"),
        ({}, "permessage-deflate; server_no_context_takeover; server_no_context_takeover"),
        ({}, "permessage-deflate; client_max_window_bits=9; client_max_window_bits=9"),
        ({}, "permessage-deflate, permessage-deflate"),
        ({}, "x-webkit-deflate-frame"),
        ({}, "permessage-deflate, x-other"),
        ({}, "permessage-deflate; a=1;"),
        ({"server_no_context_takeover": True}, "permessage-deflate"),
        ({"server_max_window_bits": 10}, "permessage-deflate"),
        ({"server_max_window_bits": 10}, "permessage-deflate; server_max_window_bits=11"),
        ({"client_max_window_bits": 10}, "permessage-deflate; client_max_window_bits=11"),
    ],
)
def test_client_rejects_bad_answers(client, answer):
    with pytest.raises(NegotiationError):
        PerMessageDeflate(**client).accept_response(answer)


# -- compression ----------------------------------------------------------------


@pytest.mark.parametrize("bits", range(8, 16))
@pytest.mark.parametrize("no_context_takeover", [False, True])
@pytest.mark.parametrize("role", ["server", "client"])
def test_round_trip_at_every_window_size(bits, no_context_takeover, role):
    pmd = PerMessageDeflate(
        server_max_window_bits=bits,
        client_max_window_bits=bits,
        server_no_context_takeover=no_context_takeover,
        client_no_context_takeover=no_context_takeover,
    )
    peer = "client" if role == "server" else "server"
    compressor = pmd.make_compressor(role)
    decompressor = pmd.make_decompressor(peer)
    for data in sample_messages(bits):
        assert roundtrip(compressor, decompressor, data) == data


def test_compressed_output_is_raw_deflate_without_tail():
    out = PerMessageDeflate().make_compressor("server").compress(b"Hello")
    assert out == bytes.fromhex("f248cdc9c90700")  # RFC 7692 section 7.2.3.1
    assert PerMessageDeflate().make_compressor("server").compress(b"") == b"\x00"


def test_empty_messages_in_a_row():
    pmd = PerMessageDeflate()
    compressor, decompressor = pmd.make_compressor("client"), pmd.make_decompressor("server")
    for _ in range(3):
        assert compressor.compress(b"") == b"\x00"
        assert roundtrip(compressor, decompressor, b"") == b""


def test_context_takeover_shrinks_repeated_messages():
    msg = b'{"type": "update", "symbol": "ACME", "price": 101.25, "volume": 1200}'
    keep = PerMessageDeflate().make_compressor("server")
    reset = PerMessageDeflate(server_no_context_takeover=True).make_compressor("server")
    first = keep.compress(msg)
    assert len(keep.compress(msg)) < len(first) // 3
    assert len(reset.compress(msg)) == len(reset.compress(msg)) == len(first)


def test_no_context_takeover_messages_stand_alone():
    pmd = PerMessageDeflate(server_no_context_takeover=True)
    compressor = pmd.make_compressor("server")
    messages = [b"abcdefgh" * 20, b"abcdefgh" * 20, b"xyz" + b"abcdefgh" * 20]
    for msg in messages:
        # Each one inflates with a brand-new inflater: no back-references.
        assert zlib.decompressobj(-15).decompress(compressor.compress(msg) + b"\x00\x00\xff\xff") == msg


def test_decompressor_resets_for_a_peer_without_context_takeover():
    # The peer (client) promised no context takeover; a back-reference into
    # the previous message is then corrupt data, which a reset exposes.
    shared = zlib.compressobj(6, zlib.DEFLATED, -15)
    first = shared.compress(b"0123456789" * 10) + shared.flush(zlib.Z_SYNC_FLUSH)
    second = shared.compress(b"0123456789" * 10) + shared.flush(zlib.Z_SYNC_FLUSH)
    strict = PerMessageDeflate(client_no_context_takeover=True).make_decompressor("server")
    assert strict.decompress(first[:-4]) + strict.end_message() == b"0123456789" * 10
    with pytest.raises(zlib.error):
        strict.decompress(second[:-4])
    lenient = PerMessageDeflate().make_decompressor("server")
    for data in (first, second):
        assert lenient.decompress(data[:-4]) + lenient.end_message() == b"0123456789" * 10


def test_each_codec_keeps_its_own_state():
    pmd = PerMessageDeflate()
    a, b = pmd.make_compressor("server"), pmd.make_compressor("server")
    msg = b"the same message, twice over " * 4
    a.compress(msg)
    assert b.compress(msg) != a.compress(msg)


@pytest.mark.parametrize("period", range(240, 262))
def test_window_8_compresses_with_9_but_inflates_with_8(period):
    # zlib cannot deflate with an 8-bit window; with 9 it never reaches back
    # more than 250 bytes, so a peer inflating with 256 bytes keeps up.
    pmd = PerMessageDeflate(server_max_window_bits=8)
    compressor = pmd.make_compressor("server")
    peer = zlib.decompressobj(-8)
    rnd = random.Random(period)
    for _ in range(5):
        msg = bytes(rnd.randrange(256) for _ in range(period)) * 8
        assert peer.decompress(compressor.compress(msg) + b"\x00\x00\xff\xff") == msg


def test_corrupt_data_raises_zlib_error():
    decompressor = PerMessageDeflate().make_decompressor("server")
    with pytest.raises(zlib.error):
        decompressor.decompress(b"\xff\xff\xff\xff")


def test_message_ending_with_a_final_block():
    # RFC 7692 7.2.3.4: a sender may end messages with BFINAL blocks.
    decompressor = PerMessageDeflate().make_decompressor("server")
    for msg in (b"first message", b"second message"):
        final = zlib.compressobj(6, zlib.DEFLATED, -15)
        data = final.compress(msg) + final.flush(zlib.Z_FINISH)
        assert decompressor.decompress(data) + decompressor.end_message() == msg
    final = zlib.compressobj(6, zlib.DEFLATED, -15)
    with pytest.raises(zlib.error):
        decompressor.decompress(final.compress(b"x") + final.flush(zlib.Z_FINISH) + b"junk")


# -- bounded output -------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 1000, 32 * 1024, 32 * 1024 + 1, 100_000, 300_000])
def test_output_is_bounded_and_the_overage_is_visible(size):
    data = os.urandom(size // 2) + bytes(size - size // 2)
    pmd = PerMessageDeflate()
    compressed = pmd.make_compressor("client").compress(data)
    # Exactly at the limit: everything comes out, nothing more.
    decompressor = pmd.make_decompressor("server")
    out = decompressor.decompress(compressed, size + 1)
    out += decompressor.end_message(size + 1 - len(out))
    assert out == data
    if size:
        # One byte short of the limit: the output reaches max_length.
        decompressor = pmd.make_decompressor("server")
        out = decompressor.decompress(compressed, size)
        assert len(out) == size and out == data


def test_output_over_the_limit_in_the_flush():
    # websockets#1715: the overage may only come out of the final
    # flush; end_message must report it within the same limit rule.
    data = bytes(range(256)) * 64
    pmd = PerMessageDeflate()
    compressed = pmd.make_compressor("client").compress(data)
    for cut in range(len(compressed) - 3, len(compressed) + 1):
        decompressor = pmd.make_decompressor("server")
        out = decompressor.decompress(compressed[:cut], len(data))
        rest = decompressor.decompress(compressed[cut:], len(data) - len(out) + 1)
        out += rest
        assert out + decompressor.end_message(len(data) - len(out) + 1) == data


def test_capped_call_keeps_the_input_for_the_next_call():
    data = bytes(range(256)) * 1000
    pmd = PerMessageDeflate()
    compressed = pmd.make_compressor("client").compress(data)
    decompressor = pmd.make_decompressor("server")
    pieces = [decompressor.decompress(compressed, 1000)]
    while sum(map(len, pieces)) < len(data):
        pieces.append(decompressor.decompress(b"", 50_000))
    assert b"".join(pieces) + decompressor.end_message() == data


def test_max_length_must_be_positive():
    decompressor = PerMessageDeflate().make_decompressor("server")
    with pytest.raises(ValueError):
        decompressor.decompress(b"", 0)


def test_bomb_output_stays_near_the_limit():
    bomb = PerMessageDeflate().make_compressor("client").compress(bytes(64 * MiB))
    assert len(bomb) * 1000 < 64 * MiB
    decompressor = PerMessageDeflate().make_decompressor("server")
    gc.collect()
    tracemalloc = need_tracemalloc()
    tracemalloc.start()
    try:
        out = decompressor.decompress(bomb, MiB + 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(out) == MiB + 1
    # One big zlib call would peak at twice the output (blocks, then a copy).
    assert peak < 1.5 * MiB


# -- through the codec: both backends -------------------------------------------


def compressed_frame(data, *, opcode=0x2, frame_size=None):
    """A client's masked, compressed message, as raw bytes."""
    import wscodec._pure as pure

    encoder = pure.MessageEncoder(role="client", deflate=PerMessageDeflate(min_size=0), max_frame_size=frame_size)
    return encoder.binary(data) if opcode == 0x2 else encoder.text(data.decode())


@pytest.mark.parametrize("opcode", [0x2, 0x1], ids=["binary", "text"])
def test_deflate_bomb_is_1009_with_bounded_memory(backend, opcode):
    # 1000:1 and more: 64 MiB of zeros in about 64 KiB.  As text, the UTF-8
    # check must not hold a str of everything inflated next to the bytes.
    wire = compressed_frame(bytes(64 * MiB), opcode=opcode)
    assert len(wire) * 1000 < 64 * MiB
    decoder = backend.MessageDecoder(role="server", max_message_size=MiB, deflate=PerMessageDeflate())
    gc.collect()
    tracemalloc = need_tracemalloc()
    tracemalloc.start()
    try:
        with pytest.raises(backend.ProtocolError) as info:
            decoder.feed(wire)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.close_code == 1009
    assert peak < 2 * MiB, f"peak {peak / MiB:.2f} MiB"


def test_deflate_bomb_fed_in_pieces_is_1009(backend):
    wire = compressed_frame(bytes(8 * MiB))
    decoder = backend.MessageDecoder(role="server", max_message_size=MiB, deflate=PerMessageDeflate())
    with pytest.raises(backend.ProtocolError) as info:
        for i in range(0, len(wire), 1000):
            decoder.feed(wire[i : i + 1000])
    assert info.value.close_code == 1009


@pytest.mark.parametrize("extra", [0, 1, 2])
def test_limit_is_exact_after_decompression(backend, extra):
    limit = 100_000
    data = bytes(range(256)) * (limit // 256) + bytes(limit % 256 + extra)
    wire = compressed_frame(data)
    decoder = backend.MessageDecoder(role="server", max_message_size=limit, deflate=PerMessageDeflate())
    if extra:
        with pytest.raises(backend.ProtocolError) as info:
            decoder.feed(wire)
        assert info.value.close_code == 1009
    else:
        assert decoder.feed(wire)[0].data == data


@pytest.mark.parametrize("no_context_takeover", [False, True])
@pytest.mark.parametrize("bits", [9, 12, 15])
def test_codec_round_trip(backend, no_context_takeover, bits):
    pmd = PerMessageDeflate(
        server_no_context_takeover=no_context_takeover,
        client_no_context_takeover=no_context_takeover,
        server_max_window_bits=bits,
        client_max_window_bits=bits,
    )
    for sender, receiver in (("client", "server"), ("server", "client")):
        encoder = backend.MessageEncoder(role=sender, deflate=pmd, max_frame_size=700)
        decoder = backend.MessageDecoder(role=receiver, deflate=pmd, max_message_size=None)
        for data in sample_messages(bits, count=15):
            text = data.decode("utf-8", "replace")
            got = decoder.feed(encoder.text(text) + encoder.binary(data) + encoder.ping(b"p"))
            assert [m.data for m in got] == [text, data, b"p"]


def test_short_messages_go_uncompressed(backend):
    pmd = PerMessageDeflate(min_size=10)
    encoder = backend.MessageEncoder(role="server", deflate=pmd)
    assert encoder.binary(b"123456789")[0] & 0x40 == 0
    assert encoder.binary(b"1234567890")[0] & 0x40 == 0x40


def test_corrupt_compressed_message_is_1007(backend):
    decoder = backend.MessageDecoder(role="client", deflate=PerMessageDeflate())
    frame = backend.encode_frame(2, b"\xff\xff\xff\xff", rsv1=True)
    with pytest.raises(backend.ProtocolError) as info:
        decoder.feed(frame)
    assert info.value.close_code == 1007


def test_server_answers_every_window_size_the_client_named():
    # RFC 7692 7.1.2.1: an accepted server_max_window_bits is always
    # answered, even at 15 (websockets fails the connection otherwise).
    _, header = PerMessageDeflate().accept_offers(
        "permessage-deflate; server_max_window_bits=15; client_max_window_bits=15"
    )
    assert header == "permessage-deflate; server_max_window_bits=15; client_max_window_bits=15"
    _, header = PerMessageDeflate().accept_offers("permessage-deflate; client_max_window_bits")
    assert header == "permessage-deflate"


@pytest.mark.parametrize("no_context_takeover", [False, True])
def test_zlib_state_is_made_by_the_first_compressed_message(backend, no_context_takeover):
    """A connection that negotiated compression but sends or receives
    nothing holds no zlib state (about 256 KiB to deflate, 40 KiB to
    inflate at the defaults); without context takeover the inflater goes
    again after each message."""
    deflate = PerMessageDeflate(server_no_context_takeover=no_context_takeover,
                                client_no_context_takeover=no_context_takeover)
    tracemalloc = need_tracemalloc()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        pairs = [(backend.MessageEncoder(role="client", deflate=deflate),
                  backend.MessageDecoder(role="server", deflate=deflate)) for _ in range(20)]
        idle = (tracemalloc.get_traced_memory()[0] - before) / len(pairs)
        for encoder, decoder in pairs:
            [message] = decoder.feed(encoder.text("compress me " * 100))
            assert message.data == "compress me " * 100
        used = (tracemalloc.get_traced_memory()[0] - before) / len(pairs)
    finally:
        tracemalloc.stop()
    assert idle < 8 * 1024, idle
    assert used > 100 * 1024  # the deflate state, now that a message was sent
