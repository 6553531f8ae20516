"""Leaks and growth: memory stays flat over millions of frames.

Each run decodes (or encodes) the same traffic over and over, in big feeds
of many frames, and compares the resident set size after the first tenth of
the work with the RSS at the end: a leak of even a few bytes per frame shows
as megabytes.  tracemalloc then checks the Python heap over a shorter run,
and sys.getrefcount checks that every returned object is owned exactly by
what holds it.

Scale: WSCODEC_SOAK=1 runs 10 million frames per case (the .ci/run soak
step, a few seconds each on the native backend).  Otherwise 200,000 (every
lane of CI runs the suite, so its default size stays small),
and the pure backend always runs a tenth of the native count: it decodes
well under a million frames per second, and the per-frame code paths are
the same at any count.
"""

import gc
import os
import struct
import sys
import zlib

import pytest

from conftest import need_tracemalloc
from wire import raw

SOAK = os.environ.get("WSCODEC_SOAK", "") not in ("", "0")
RSS_SLACK = 5 << 20
FRAMES_PER_FEED = 10_000
KEY = b"\x37\xfa\x21\x3d"


def frame_count(backend):
    count = 10_000_000 if SOAK else 200_000
    return count if backend.BACKEND == "native" else count // 10


def rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="RSS is read from /proc (Linux)")
# AddressSanitizer keeps freed memory in quarantine (.ci/sanitizers.sh sets
# this): there RSS grows by design, and only the reference counts are checked.
SANITIZED = os.environ.get("WSCODEC_SANITIZED", "") not in ("", "0")
rss_flat = pytest.mark.skipif(SANITIZED, reason="RSS under AddressSanitizer includes its quarantine")


def assert_flat(work, rounds, what):
    """Run ``work`` ``rounds`` times; RSS after all of them within
    RSS_SLACK of RSS after the first tenth.  Prints both (pytest -s)."""
    checkpoint = max(1, rounds // 10)
    for _ in range(checkpoint):
        work()
    gc.collect()
    early = rss()
    for _ in range(rounds - checkpoint):
        work()
    gc.collect()
    late = rss()
    print(f"\n{what}: RSS {early / 2**20:.1f} MiB after {checkpoint} of {rounds} rounds, "
          f"{late / 2**20:.1f} MiB after all ({(late - early) / 2**20:+.2f} MiB)")
    assert late - early <= RSS_SLACK, f"RSS grew by {(late - early) / 2**20:.1f} MiB (from {early / 2**20:.1f} MiB)"
    return early, late


def masked_stream(count, payload=b"hello world!"):
    return b"".join(raw(0x82 if i % 2 else 0x81, payload, mask=KEY) for i in range(count))


def deflated_stream(count):
    """``count`` compressed messages of two frames each."""
    compressor = zlib.compressobj(wbits=-15)
    frames = []
    for i in range(count):
        body = compressor.compress(b"message %d " % (i % 97) * 3) + compressor.flush(zlib.Z_SYNC_FLUSH)
        body = body[:-4]
        frames.append(raw(0x41, body[:5], mask=KEY) + raw(0x80, body[5:], mask=KEY))
    return b"".join(frames)


@rss_flat
def test_decoding_plain_frames(backend):
    feed_bytes = masked_stream(FRAMES_PER_FEED)
    decoder = backend.MessageDecoder(role="server")
    frames = backend.FrameDecoder(role="server")
    rounds = frame_count(backend) // FRAMES_PER_FEED

    def work():
        assert len(decoder.feed(feed_bytes)) == FRAMES_PER_FEED
        # A feed that ends inside a frame keeps a partial payload.
        assert len(frames.feed(feed_bytes[:-5])) == FRAMES_PER_FEED - 1
        assert len(frames.feed(feed_bytes[-5:])) == 1

    assert_flat(work, rounds, f"{backend.BACKEND} plain, {FRAMES_PER_FEED * rounds} frames")


@rss_flat
def test_decoding_deflate_messages(backend):
    per_feed = FRAMES_PER_FEED // 10
    # Context takeover: each feed must continue the same compressed stream,
    # so decode with a fresh decoder per feed of the same bytes.
    feed_bytes = deflated_stream(per_feed)
    pmd = backend.PerMessageDeflate()
    rounds = frame_count(backend) // (2 * per_feed)

    def work():
        decoder = backend.MessageDecoder(role="server", deflate=pmd)
        assert len(decoder.feed(feed_bytes)) == per_feed

    assert_flat(work, rounds, f"{backend.BACKEND} deflate, {2 * per_feed * rounds} frames")


@rss_flat
def test_errors_raised_and_caught_and_decoders_dropped(backend):
    good = masked_stream(20)
    # A half-received large message, then a protocol error: the decoder's
    # buffer must go with the decoder or with the failure.
    pending = raw(0x02, b"x" * 3000, mask=KEY)[:2000]
    broken = good + raw(0x82, b"y" * 100, mask=KEY) + b"\x83\x80" + KEY
    too_big = raw(0x81, b"z" * 200, mask=KEY)
    rounds = frame_count(backend) // 20 // 10

    def work():
        for _ in range(10):
            decoder = backend.MessageDecoder(role="server", max_message_size=5000)
            decoder.feed(pending)
            try:
                decoder.feed(broken)
            except backend.ProtocolError as exc:
                assert len(exc.completed) == 20
            try:
                backend.MessageDecoder(role="server", max_message_size=150).feed(too_big)
            except backend.ProtocolError as exc:
                assert exc.close_code == 1009

    assert_flat(work, rounds, f"{backend.BACKEND} errors, {20 * rounds} decoders")


@rss_flat
def test_encoding(backend):
    encoders = [
        backend.MessageEncoder(role="server"),
        backend.MessageEncoder(role="client"),
        backend.MessageEncoder(role="server", deflate=backend.PerMessageDeflate()),
    ]
    text = "héllo wörld " * 3
    data = os.urandom(40)
    per_round = 1000
    rounds = frame_count(backend) // per_round // 4

    def work():
        for _ in range(per_round // len(encoders)):
            for e in encoders:
                e.text(text)
                e.binary(data)
                e.ping(b"p")
                e.close(1000, "bye")
        backend.encode_frame(backend.Opcode.BINARY, data, mask=KEY)

    assert_flat(work, rounds, f"{backend.BACKEND} encoding, {per_round // 3 * 12 * rounds} frames")


def test_python_heap_is_flat_under_tracemalloc(backend):
    feed_bytes = masked_stream(2000)
    deflated = deflated_stream(200)
    pmd = backend.PerMessageDeflate()
    encoder = backend.MessageEncoder(role="client")

    def work():
        backend.MessageDecoder(role="server").feed(feed_bytes)
        backend.MessageDecoder(role="server", deflate=pmd).feed(deflated)
        try:
            backend.MessageDecoder(role="server").feed(feed_bytes[:100] + b"\x83\x80" + KEY)
        except backend.ProtocolError:
            pass
        encoder.text("hello")
        backend.apply_mask(feed_bytes, KEY)
        backend.validate_utf8(feed_bytes)

    work()
    tracemalloc = need_tracemalloc()
    tracemalloc.start()
    try:
        for _ in range(5):
            work()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(50 if backend.BACKEND == "native" else 5):
            work()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 64 << 10, f"the Python heap grew by {after - before} bytes"


_CALL_REFS = 0


def refs(obj):
    """How many references hold ``obj``, not counting this call's own."""
    return sys.getrefcount(obj) - _CALL_REFS


def _calibrate():
    probe = type("Probe", (), {})()  # held by this local variable only
    return refs(probe) - 1


# The references a call of refs adds by itself (its argument in the frames
# on the way): an interpreter detail, measured rather than assumed.  PyPy
# has no reference counts to measure.
_CALL_REFS = _calibrate() if hasattr(sys, "getrefcount") else 0


@pytest.mark.skipif(
    sys.version_info >= (3, 14),
    reason="CPython 3.14 borrows stack references, so sys.getrefcount no longer counts exact owners; "
    "the 3.15 debug-interpreter lane checks reference counts there",
)
@pytest.mark.skipif(not hasattr(sys, "getrefcount"), reason="no reference counts on this interpreter (PyPy)")
def test_reference_counts_of_returned_objects(backend):
    # Counts are taken into locals before any assert: pytest's assertion
    # rewriting keeps extra references to what an assert expression names.
    body = os.urandom(300)
    close = struct.pack("!H", 1001) + b"bye"
    stream = raw(0x82, body, mask=KEY) + raw(0x81, "héllo wörld".encode(), mask=KEY) + raw(0x88, close, mask=KEY)
    out = backend.MessageDecoder(role="server").feed(stream)
    # A message is held by the list and by the comprehension's variable.
    counts = [refs(out)] + [refs(m) for m in out] + [refs(m.data) for m in out]
    assert counts == [1] + [2] * 3 + [1] * 3

    frames = backend.FrameDecoder(role="server").feed(stream)
    counts = [refs(frames)] + [refs(f) for f in frames] + [refs(f.payload) for f in frames]
    assert counts == [1] + [2] * 3 + [1] * 3

    # Pieces of a fragmented message reassembled into one object.
    decoder = backend.MessageDecoder(role="server")
    first = decoder.feed(raw(0x02, body[:100], mask=KEY))
    (whole,) = decoder.feed(raw(0x80, body[100:], mask=KEY))
    counts = [refs(first), refs(whole), refs(whole.data)]
    assert counts == [1, 1, 1] and whole.data == body

    error = None
    try:
        backend.MessageDecoder(role="server").feed(stream + b"\x83\x80" + KEY)
    except backend.ProtocolError as exc:
        error = exc
    error.__traceback__ = None  # the traceback's frames hold locals of feed
    counts = [refs(error.completed)] + [refs(m) for m in error.completed]
    assert counts == [1, 2, 2, 2]

    results = [
        backend.apply_mask(body, KEY),
        backend.encode_frame(backend.Opcode.BINARY, body, mask=KEY),
        backend.MessageEncoder(role="server").binary(body),
        backend.MessageEncoder(role="client").text("héllo"),
        backend.Masker(KEY).process(body),
        backend.parse_close_payload(close),
        backend.encode_close_payload(1001, "bye"),
    ]
    counts = [refs(r) for r in results]
    assert counts == [2] * len(results)  # the list and the comprehension's variable

    # Inputs are not kept: the caller's objects are back to their own count.
    data = bytes(stream)
    view = bytearray(stream)
    scratch = bytearray(body)
    before = [refs(data), refs(view), refs(scratch)]
    backend.MessageDecoder(role="server").feed(data)
    backend.MessageDecoder(role="server").feed(view)
    backend.FrameDecoder(role="server").feed(memoryview(view)[:-3])
    backend.apply_mask(data, KEY)
    backend.mask_inplace(scratch, KEY)
    backend.validate_utf8(data)
    try:
        backend.MessageDecoder(role="server").feed(view + b"\x83\x80" + KEY)
    except backend.ProtocolError:
        pass
    after = [refs(data), refs(view), refs(scratch)]
    assert after == before
