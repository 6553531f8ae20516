"""Any split of a stream into feed() calls gives the same result.

The result is every message (or frame) in order, the close code if the
stream breaks a rule, and *where* it breaks: the feed that raises is the one
that brings the byte that makes the error certain, which feeding the stream
one byte at a time pins down.
"""

import random
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wire import cf


def deflated(data, compressor):
    out = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return out[:-4]


def _compressed_stream():
    compressor = zlib.compressobj(wbits=-15)
    second = deflated("ünïcode ".encode() * 30, compressor)
    return (
        cf(0xC1, deflated(b"hello hello hello hello", compressor))
        + cf(0x41, second[:5])
        + cf(0x89, b"ping")
        + cf(0x00, second[5:])
        + cf(0x80)
        + cf(0x82, b"plain binary")
        + cf(0xC2, deflated(b"\x00" * 3000, compressor))
    )


VALID = (
    cf(0x81, "héllo wörld ✓ 😀".encode())
    + cf(0x82, bytes(range(200)))
    + cf(0x01, "日本".encode()[:4])
    + cf(0x89, b"ping!")
    + cf(0x00, "日本".encode()[4:])
    + cf(0x00)
    + cf(0x8A)
    + cf(0x80, b" end")
    + cf(0x88, b"\x03\xe8bye \xc3\xa9")
    + cf(0x81, b"after close")
)

# name -> (decoder kwargs, stream); most streams end in an error.
STREAMS = {
    "valid": ({}, VALID),
    "compressed": ({"deflate": True}, _compressed_stream()),
    "bad utf8 mid frame": ({}, cf(0x81, "héllo".encode()) + cf(0x81, b"abc\xed\xa0\x80xyz" * 3)),
    "bad utf8 across frames": ({}, cf(0x01, b"ok\xf0\x9f") + cf(0x89) + cf(0x80, b"\x28\x80")),
    "text ends mid char": ({}, cf(0x01, b"ok") + cf(0x80, b"\xe2\x82")),
    "decode_text off": ({"decode_text": False}, cf(0x81, b"ok") + cf(0x81, b"ok\xc0\x80")),
    "close code": ({}, cf(0x81, b"x") + cf(0x88, b"\x03\xedreason")),
    "close reason": ({}, cf(0x88, b"\x03\xe8ok\xff!!")),
    "close one byte": ({}, cf(0x82, b"x") + cf(0x88, b"\x03")),
    "stray continuation": ({}, cf(0x81, b"x") + cf(0x80, b"y" * 50)),
    "data in fragmented": ({}, cf(0x01, b"x") + cf(0x89) + cf(0x82, b"y" * 50)),
    "rsv2": ({}, cf(0x81, b"x") + cf(0xA1, b"y")),
    "reserved opcode": ({}, cf(0x81, b"x") + cf(0x83, b"y")),
    "fragmented control": ({}, cf(0x81, b"x") + cf(0x09, b"y")),
    "long control": ({}, cf(0x81, b"x") + cf(0x89, b"y" * 126)),
    "unmasked": ({}, cf(0x81, b"x") + b"\x81\x03abc"),
    "top bit": ({}, cf(0x81, b"x") + b"\x82\xff\x80" + b"\x00" * 11),
    "frame limit": ({"max_frame_size": 100}, cf(0x82, b"x" * 100) + cf(0x82, b"x" * 101)),
    "frame limit beats sequencing": ({"max_frame_size": 10}, cf(0x82, b"ok") + cf(0x80, b"x" * 11)),
    "message limit": ({"max_message_size": 100}, cf(0x02, b"x" * 60) + cf(0x80, b"x" * 41)),
    "rsv1 on continuation": ({"deflate": True}, cf(0x01, b"a") + cf(0xC0, b"b")),
    "compressed bad utf8": (
        {"deflate": True},
        cf(0xC1, deflated(b"fine " * 20 + b"\xed\xa0\x80" + b"more" * 20, zlib.compressobj(wbits=-15))),
    ),
    "compressed limit": (
        {"deflate": True, "max_message_size": 500},
        cf(0xC2, deflated(b"z" * 501, zlib.compressobj(wbits=-15))),
    ),
    "compressed limit vs utf8": (
        {"deflate": True, "max_message_size": 50},
        cf(0xC1, deflated(b"a" * 49 + b"\xff" + b"a" * 100, zlib.compressobj(wbits=-15))),
    ),
    "corrupt deflate": ({"deflate": True}, cf(0xC2, b"\x00\x00\x00\xff\xff\xff\xff")),
}


def make(backend, kwargs, kind="message"):
    kwargs = dict(kwargs)
    if kwargs.pop("deflate", False):
        kwargs["deflate"] = backend.PerMessageDeflate()
    if kind == "frame":
        kwargs = {k: v for k, v in kwargs.items() if k == "max_frame_size"}
        kwargs["allow_rsv1"] = True
        return backend.FrameDecoder(**kwargs)
    return backend.MessageDecoder(**kwargs)


def run(backend, kwargs, pieces, kind="message"):
    """(items, close_code, (start, end) of the feed that raised)."""
    decoder = make(backend, kwargs, kind)
    items = []
    offset = 0
    for piece in pieces:
        try:
            items += decoder.feed(piece)
        except backend.ProtocolError as exc:
            return items + exc.completed, exc.close_code, (offset, offset + len(piece))
        offset += len(piece)
    return items, None, None


def reference(backend, kwargs, stream, kind="message"):
    items, code, where = run(backend, kwargs, [stream[i : i + 1] for i in range(len(stream))], kind)
    return items, code, None if where is None else where[0]


def check(backend, kwargs, stream, pieces, ref, kind="message"):
    items, code, where = run(backend, kwargs, pieces, kind)
    ref_items, ref_code, ref_at = ref
    assert (items, code) == (ref_items, ref_code)
    if ref_at is not None:
        start, end = where
        assert start <= ref_at < end, (where, ref_at)


@pytest.mark.parametrize("kind", ["message", "frame"])
@pytest.mark.parametrize("name", STREAMS)
def test_every_two_way_split(backend, name, kind):
    kwargs, stream = STREAMS[name]
    ref = reference(backend, kwargs, stream, kind)
    if name == "valid" and kind == "message":
        assert ref[1] is None and len(ref[0]) == 7
    elif name not in ("valid", "compressed") and kind == "message":
        assert ref[1] is not None, "the stream should break a rule"
    assert run(backend, kwargs, [stream], kind)[:2] == ref[:2]
    for cut in range(len(stream) + 1):
        check(backend, kwargs, stream, [stream[:cut], stream[cut:]], ref, kind)


@pytest.mark.parametrize("name", STREAMS)
def test_random_multi_way_splits(backend, name):
    kwargs, stream = STREAMS[name]
    ref = reference(backend, kwargs, stream)
    rng = random.Random(name)
    for _ in range(40):
        cuts = sorted(rng.sample(range(len(stream) + 1), min(len(stream), rng.randint(2, 12))))
        pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)])]
        check(backend, kwargs, stream, pieces, ref)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(STREAMS)), cuts=st.lists(st.integers(0, 5000), max_size=20))
def test_hypothesis_splits(backend, name, cuts):
    kwargs, stream = STREAMS[name]
    cuts = sorted(c % (len(stream) + 1) for c in cuts)
    pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)])]
    check(backend, kwargs, stream, pieces, reference(backend, kwargs, stream))
