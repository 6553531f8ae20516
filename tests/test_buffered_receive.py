"""The BufferedProtocol receive path inside long payloads, on both backends.

Inside a data payload with at least 256 KiB still to come, get_buffer lends
the rest of the payload (on the native backend: a window of the very object
the payload is delivered in) plus 14 bytes for the next header.  These tests
drive that path through every kind of read and misuse, and hold its results
to feed() of the same stream.
"""

import gc
import os

import pytest

LEND_MIN = 256 * 1024
BIG = 300000  # a payload get_buffer lends
SPARE = 14
KEY = b"\x5a\xa5\x0f\xf0"


def frame(backend, opcode, payload, *, server=True, fin=True, rsv1=False):
    """A frame as a decoder of that role receives it (masked for a server)."""
    return backend.encode_frame(opcode, payload, fin=fin, rsv1=rsv1, mask=KEY if server else None)


def decoder(backend, cls="MessageDecoder", **kwargs):
    kwargs.setdefault("role", "server")
    if cls == "MessageDecoder":
        kwargs.setdefault("max_message_size", None)
    return getattr(backend, cls)(**kwargs)


def read_all(dec, wire, *, cap=None, segment=None):
    """What asyncio's loop does with a BufferedProtocol: read
    min(len(buffer), what the peer has sent) into each buffer.  ``cap``
    limits every read; ``segment`` makes the peer send in segments of that
    size, each only once the reader has taken the one before."""
    out = []
    pos = 0
    sent = len(wire) if segment is None else 0
    while pos < len(wire):
        if pos == sent:
            sent = min(sent + segment, len(wire))
        buf = dec.get_buffer(-1)
        assert len(buf) > 0
        n = min(len(buf), sent - pos, cap or len(buf))
        buf[:n] = wire[pos:pos + n]
        out += dec.buffer_updated(n)
        pos += n
    return out


def fill(buf, wire, pos):
    """One read of wire[pos:] into buf; its size."""
    n = min(len(buf), len(wire) - pos)
    buf[:n] = wire[pos:pos + n]
    return n


def lend_inside(dec, wire, first):
    """Read wire[:first] (a header, perhaps some payload) through the fixed
    buffer; return the payload window get_buffer lends next."""
    buf = dec.get_buffer(-1)
    buf[:first] = wire[:first]
    assert dec.buffer_updated(first) == []
    return dec.get_buffer(-1)


def mid_payload(backend):
    """A message get_buffer lends, a decoder that has read its first 5000
    bytes of wire, and the payload window it lends next."""
    body = payload(BIG)
    wire = frame(backend, 2, body)
    dec = decoder(backend)
    return body, wire, dec, lend_inside(dec, wire, 5000)


def payload(size, text=False):
    if text:
        unit = "añ日😀x".encode()
        return (unit * (size // len(unit) + 1))[:size].decode("utf-8", "ignore").encode()
    return os.urandom(size)


SIZES = [0, 1, 125, 126, 65535, 65536, 65537, LEND_MIN - 1, LEND_MIN, LEND_MIN + 1, BIG, 1 << 20, 3 << 20]
READS = [dict(), dict(cap=7), dict(cap=1000), dict(cap=65536 + 3), dict(segment=65536), dict(segment=5000),
         dict(segment=LEND_MIN + 20)]


@pytest.mark.parametrize("read", READS, ids=lambda r: ",".join(f"{k}={v}" for k, v in r.items()) or "ahead")
@pytest.mark.parametrize("server", [True, False], ids=["server", "client"])
def test_every_size_straddling_reads_matches_feed(backend, server, read):
    role = "server" if server else "client"
    wire = b"".join(frame(backend, 2 if i % 2 else 1, payload(n, text=not i % 2), server=server)
                    for i, n in enumerate(SIZES))
    if read.get("cap") in (7, 1000):
        wire = wire[:400000]  # small reads: keep it short
    want = decoder(backend, role=role).feed(wire)
    assert read_all(decoder(backend, role=role), wire, **read) == want
    frames = decoder(backend, "FrameDecoder", role=role).feed(wire)
    assert read_all(decoder(backend, "FrameDecoder", role=role), wire, **read) == frames
    as_bytes = decoder(backend, role=role, decode_text=False).feed(wire)
    assert read_all(decoder(backend, role=role, decode_text=False), wire, **read) == as_bytes


def test_fragmented_messages_and_control_frames_between(backend):
    body = payload(3 * BIG)
    text = payload(2 * BIG, text=True)
    wire = (frame(backend, 2, body[:BIG], fin=False)
            + frame(backend, 9, b"ping in between")
            + frame(backend, 0, body[BIG:2 * BIG], fin=False)
            + frame(backend, 10, b"")
            + frame(backend, 0, body[2 * BIG:], fin=True)
            + frame(backend, 1, text[:BIG], fin=False)
            + frame(backend, 0, text[BIG:], fin=True)
            + frame(backend, 8, b"\x03\xe8bye"))
    want = decoder(backend).feed(wire)
    assert [m.data for m in want[:2]] == [b"ping in between", b""]
    assert want[2].data == body and want[3].data == text.decode()
    for read in READS[1:] + [dict()]:
        assert read_all(decoder(backend), wire, **read) == want


@pytest.mark.parametrize("next_frame", [
    (9, b""), (9, b"p" * 125), (8, b"\x03\xe8"), (2, b"x" * 3), (2, b"y" * 70000), (1, b"z" * 200),
])
@pytest.mark.parametrize("server", [True, False], ids=["server", "client"])
def test_spare_bytes_carry_the_next_header(backend, server, next_frame):
    role = "server" if server else "client"
    first = payload(BIG)
    wire = frame(backend, 2, first, server=server) + frame(backend, *next_frame, server=server)
    want = decoder(backend, role=role).feed(wire)
    dec = decoder(backend, role=role)
    head = len(wire) - len(first) - len(frame(backend, *next_frame, server=server))
    buf = dec.get_buffer(-1)
    buf[:head + 100] = wire[:head + 100]
    assert dec.buffer_updated(head + 100) == []
    # The rest of the payload and room for the next header, no more (the
    # pure backend lends at most its 256 KiB receive buffer).
    buf = dec.get_buffer(-1)
    assert len(buf) == (BIG - 100 + SPARE if backend.BACKEND == "native" else LEND_MIN)
    rest = wire[head + 100:head + 100 + len(buf)]
    buf[:len(rest)] = rest
    got = dec.buffer_updated(len(rest))
    got += read_all(dec, wire[head + 100 + len(rest):])
    assert got == want


def test_lent_view_is_a_plain_writable_byte_view(backend):
    dec = decoder(backend)
    wire = frame(backend, 2, payload(BIG))
    buf = lend_inside(dec, wire, 14)
    assert isinstance(buf, memoryview)
    assert not buf.readonly and buf.format == "B" and buf.ndim == 1 and buf.c_contiguous
    assert LEND_MIN <= len(buf) <= BIG + SPARE


@pytest.mark.parametrize("text", [False, True], ids=["binary", "text"])
def test_lent_payload_window_shows_zeros_never_old_heap_memory(native, text):
    # The native window lies in a freshly allocated object (the pure twin
    # lends its receive buffer, which holds only bytes this stream brought).
    # Leave freed blocks full of a pattern where that object will be
    # allocated (a debug interpreter fills fresh blocks with one anyway).
    backend = native
    dec = decoder(backend)
    body = payload(BIG, text)
    wire = frame(backend, 1 if text else 2, body)
    # glibc: freeing a large mapped block raises the size malloc maps, so
    # the next megabyte comes from the heap and goes back to it dirty.
    junk = bytes(8 * BIG)
    del junk
    junk = b"\xa5" * (4 * BIG)
    del junk
    buf = lend_inside(dec, wire, 14)
    assert buf.tobytes() == bytes(len(buf))
    # A short read: the rest of the window, lent again, is still zeros.
    buf[:1000] = wire[14:1014]
    assert dec.buffer_updated(1000) == []
    buf = dec.get_buffer(-1)
    assert buf.tobytes() == bytes(len(buf))
    n = fill(buf, wire, 1014)
    got = dec.buffer_updated(n) + read_all(dec, wire[1014 + n:])
    assert [m.data for m in got] == [body.decode() if text else body]


def kept_view_case(backend, keep, text):
    """A lent payload read whose view the caller keeps in some form; then
    writes through what was kept must change nothing that was delivered."""
    body = payload(BIG, text)
    wire = frame(backend, 1 if text else 2, body) + frame(backend, 2, b"after")
    dec = decoder(backend)
    buf = lend_inside(dec, wire, 14)
    n = fill(buf, wire, 14)
    kept = keep(buf)
    got = dec.buffer_updated(n)
    got += read_all(dec, wire[14 + n:])
    if text:
        body = body.decode()
    assert [m.data for m in got] == [body, b"after"]
    return dec, body, got, kept


@pytest.mark.parametrize("text", [False, True], ids=["binary", "text"])
@pytest.mark.parametrize("keep", ["view", "slice", "export", "cast"])
def test_views_kept_by_the_caller_never_reach_a_delivered_object(backend, keep, text):
    keeper = {
        "view": lambda b: b,
        "slice": lambda b: b[10:],
        "export": lambda b: memoryview(b),
        "cast": lambda b: b.cast("B", (len(b),)),
    }[keep]
    dec, body, got, kept = kept_view_case(backend, keeper, text)
    message = got[0].data
    try:
        kept[:5] = b"EVIL!"
    except ValueError:
        pass  # released by the decoder: nothing to write through
    assert message == body
    # The decoder goes on in memory of its own.
    more = payload(BIG)
    assert read_all(dec, frame(backend, 2, more)) == [backend.Message(2, more)]
    assert message == body


def test_native_lease_refuses_a_second_export(native):
    dec = decoder(native)
    wire = frame(native, 2, payload(BIG))
    buf = lend_inside(dec, wire, 14)
    owner = buf.obj
    assert not isinstance(owner, (bytes, str, bytearray))
    with pytest.raises(BufferError):
        memoryview(owner)
    # Not even the garbage collector hands out the object being filled.
    assert not [o for o in gc.get_referents(owner) if isinstance(o, (bytes, str))]
    n = fill(buf, wire, 14)
    dec.buffer_updated(n)
    with pytest.raises(BufferError):
        memoryview(owner)
    with pytest.raises(TypeError):
        type(owner).__new__(type(owner)).__reduce__()


def test_get_buffer_again_takes_the_first_back(backend):
    # asyncio and uvloop call get_buffer() and then no buffer_updated() when
    # the read found nothing (EAGAIN, end of stream), and TLS does when a
    # record is not complete: the next get_buffer() must simply work.
    body, wire, dec, first = mid_payload(backend)
    first[:10] = b"\xff" * 10  # written, never reported: not part of the stream
    again = dec.get_buffer(-1)
    n = fill(again, wire, 5000)
    assert dec.buffer_updated(n) + read_all(dec, wire[5000 + n:]) == [backend.Message(2, body)]
    dec = decoder(backend)
    dec.get_buffer(-1)
    buf = dec.get_buffer(-1)
    wire = frame(backend, 1, b"hi")
    buf[:len(wire)] = wire
    assert dec.buffer_updated(len(wire)) == [backend.Message(1, "hi")]


@pytest.mark.parametrize("bad", [-1, "size", None])
def test_buffer_updated_bad_counts_keep_the_stream(backend, bad):
    body, wire, dec, buf = mid_payload(backend)
    buf[:100] = b"\xff" * 100  # written, then not reported: must be read again
    with pytest.raises(TypeError if bad is None or isinstance(bad, str) else ValueError):
        dec.buffer_updated(bad)
    buf = dec.get_buffer(-1)
    with pytest.raises(ValueError):
        dec.buffer_updated(len(buf) + 1)
    assert dec.get_buffer(-1) is not None and dec.buffer_updated(0) == []
    assert read_all(dec, wire[5000:]) == [backend.Message(2, body)]


def test_feed_and_init_while_lent(backend):
    body, wire, dec, buf = mid_payload(backend)
    with pytest.raises(RuntimeError):
        dec.feed(wire[5000:])
    buf[:100] = wire[5000:5100]
    assert dec.buffer_updated(100) == []
    assert dec.feed(wire[5100:]) == [backend.Message(2, body)]
    # A second __init__ starts a new stream; the old view reaches nothing of it.
    old = lend_inside(dec, wire, 5000)
    dec.__init__(role="server")
    with pytest.raises(ValueError):
        old[:10] = b"0123456789"  # released
    assert read_all(dec, wire) == [backend.Message(2, body)]
    with pytest.raises(RuntimeError):
        dec.buffer_updated(0)


@pytest.mark.parametrize("cls", ["MessageDecoder", "FrameDecoder"])
def test_protocol_error_mid_payload(backend, cls):
    if cls == "MessageDecoder":
        bad = b"a" * BIG + b"\xc3\x28" + b"b" * 30000  # invalid UTF-8 in the lent part
        wire = frame(backend, 2, b"ok") + frame(backend, 1, bad)
        code = 1007
    else:
        wire = frame(backend, 2, b"ok") + frame(backend, 2, b"x" * BIG) + b"\x83\x80abcd"
        code = 1002
    dec = decoder(backend, cls)
    with pytest.raises(backend.ProtocolError) as caught:
        read_all(dec, wire, cap=100000)
    assert caught.value.close_code == code
    assert [getattr(m, "data", getattr(m, "payload", None)) for m in caught.value.completed] in ([], [b"x" * BIG])
    # A failed decoder still lends its fixed buffer, and says it failed.
    buf = dec.get_buffer(-1)
    assert len(buf) == 256 * 1024
    with pytest.raises(backend.ProtocolError):
        dec.buffer_updated(0)


def test_max_message_size_is_checked_before_anything_is_lent(backend):
    dec = decoder(backend, max_message_size=100000)
    head = frame(backend, 2, b"x" * 100001)[:14]
    buf = dec.get_buffer(-1)
    buf[:14] = head
    with pytest.raises(backend.ProtocolError) as caught:
        dec.buffer_updated(14)
    assert caught.value.close_code == 1009
    # A declared size within the limit lends no more than a read's worth
    # ahead of what arrived: a header alone does not allocate the message.
    dec = decoder(backend, max_message_size=None)
    huge = b"\x82\xff" + (1 << 40).to_bytes(8, "big") + KEY
    buf = dec.get_buffer(-1)
    buf[:14] = huge
    assert dec.buffer_updated(14) == []
    assert LEND_MIN <= len(dec.get_buffer(-1)) <= 256 * 1024
    # A fragmented message counts what came before against the limit.
    dec = decoder(backend, max_message_size=150000)
    wire = frame(backend, 2, b"a" * 100000, fin=False) + frame(backend, 0, b"b" * 60000)
    with pytest.raises(backend.ProtocolError) as caught:
        read_all(dec, wire)
    assert caught.value.close_code == 1009


def test_compressed_payloads_are_never_lent(backend):
    import zlib

    from wscodec import PerMessageDeflate

    c = zlib.compressobj(wbits=-15)
    data = os.urandom(2 * BIG)
    body = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    body = body[:-4]
    wire = frame(backend, 2, body, rsv1=True)
    dec = decoder(backend, deflate=PerMessageDeflate())
    buf = dec.get_buffer(-1)
    buf[:5000] = wire[:5000]
    dec.buffer_updated(5000)
    assert len(dec.get_buffer(-1)) == 256 * 1024
    dec.buffer_updated(0)
    assert read_all(dec, wire[5000:]) == [backend.Message(2, data)]
