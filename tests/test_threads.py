"""Threads: shared inputs, released GIL, and objects shared by mistake.

The stateless functions (apply_mask, mask_inplace on separate buffers,
validate_utf8, encode_frame, parse_close_payload, ...) may be called from
any number of threads at once.  A decoder, an encoder, a Masker or a
Utf8Validator belongs to one connection: sharing one between threads is a
bug in the caller, and must end in a result or an exception (a decoder
raises RuntimeError when another thread is inside feed), never in a crash.
Those cases run in a child process (tests/childproc.py).
"""

import os
import threading

import pytest
from childproc import outcome

from conftest import BACKEND_NAMES

BIG = 3 << 20  # over the size from which the native backend releases the GIL
KEY = b"\x37\xfa\x21\x3d"


def xor_reference(data, key, phase=0):
    whole = (key[phase:] + key[:phase]) * (len(data) // 4 + 1)
    return (int.from_bytes(data, "little") ^ int.from_bytes(whole[: len(data)], "little")).to_bytes(
        len(data), "little"
    )


def run_threads(count, target):
    errors = []

    def guarded(index):
        try:
            target(index)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_stateless_functions_on_shared_inputs(backend):
    big = os.urandom(BIG)
    small = os.urandom(1000)
    text = ("héllo wörld ✓ " * (BIG // 16)).encode()
    bad_text = text[:-3] + b"\xed\xa0\x80"
    expected_big = xor_reference(big, KEY)
    expected_small = xor_reference(small, KEY, 2)
    close = backend.encode_close_payload(1001, "away")
    rounds = 3 if backend.BACKEND == "native" else 1

    def work(index):
        for _ in range(rounds):
            assert backend.apply_mask(big, KEY) == expected_big
            assert backend.apply_mask(memoryview(small)[2:], KEY) == xor_reference(small[2:], KEY)
            assert backend.validate_utf8(text) is True
            assert backend.validate_utf8(bad_text) is False
            own = bytearray(small)
            assert backend.mask_inplace(own, KEY, 2) == (2 + len(small)) % 4
            assert own == expected_small
            assert backend.Masker(KEY).process(big) == expected_big
            assert backend.parse_close_payload(close) == (1001, "away")
            frame = backend.encode_frame(backend.Opcode.BINARY, small, mask=KEY)
            assert frame[-len(small):] == xor_reference(small, KEY)

    run_threads(6, work)


def test_each_thread_its_own_decoder_and_encoder(backend):
    payload = os.urandom(BIG)

    def work(index):
        encoder = backend.MessageEncoder(role="client", max_frame_size=1 << 20)
        decoder = backend.MessageDecoder(role="server", max_message_size=None)
        wire = encoder.binary(payload) + encoder.text("done %d" % index)
        got = []
        for pos in range(0, len(wire), 700_001):
            got += decoder.feed(wire[pos : pos + 700_001])
        assert [m.data for m in got] == [payload, "done %d" % index]

    run_threads(4, work)


def test_native_releases_the_gil_for_large_buffers(native):
    """While one thread masks or validates a large buffer, a pure-Python
    thread keeps running.  With the GIL held through the call, the counter
    could not move between the two reads around it."""
    data = bytes(64 << 20)
    text = b"a" * (64 << 20)
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        moved = {}
        for name, call in (
            ("apply_mask", lambda: native.apply_mask(data, KEY)),
            ("mask_inplace", lambda: native.mask_inplace(bytearray(data), KEY)),
            ("validate_utf8", lambda: native.validate_utf8(text)),
            ("Masker.process", lambda: native.Masker(KEY).process(data)),
        ):
            best = 0
            for _ in range(3):
                before = counter[0]
                call()
                best = max(best, counter[0] - before)
            moved[name] = best
    finally:
        stop.set()
        spinner.join()
    assert all(moved.values()), moved


# -- objects shared by mistake: child processes ----------------------------------

SHARED_CASES = {
    "two_threads_feed_one_decoder": """
d = MessageDecoder(role="client", max_message_size=None)
d.feed(struct.pack("!BBQ", 0x82, 127, 64 << 20))
chunk = b"\\0" * (1 << 20)
seen = set()
def w():
    for _ in range(16):
        try:
            d.feed(chunk)
        except (RuntimeError, ProtocolError) as exc:
            seen.add(type(exc).__name__)
run_threads(2, w)
print("ok", sorted(seen))
""",
    "feed_and_reinit_race": """
import random
d = MessageDecoder(role="server", max_message_size=None)
stop = threading.Event()
head = bytes([0x02, 0xff]) + (1 << 30).to_bytes(8, "big") + b"abcd"
def feeder():
    while not stop.is_set():
        try:
            d.feed(head)
            for _ in range(8):
                d.feed(bytes(random.choice((10, 1 << 16, 2 << 20))))
        except (RuntimeError, ProtocolError, ValueError):
            pass
def reiniter():
    for i in range(400):
        try:
            d.__init__(role=("server", "client")[i % 2], max_message_size=(16, None, 1 << 20)[i % 3])
        except RuntimeError:
            pass
    stop.set()
run_threads(1, reiniter, feeder, feeder)
print("ok")
""",
    "frame_decoder_shared": """
d = FrameDecoder(role="client")
d.feed(struct.pack("!BBQ", 0x02, 127, 1 << 40))
def w():
    for _ in range(20):
        try:
            d.feed(bytes(3 << 20))
        except (RuntimeError, ProtocolError):
            pass
run_threads(3, w)
print("ok")
""",
    "deflate_decoder_shared": """
pmd = PerMessageDeflate()
c = zlib.compressobj(wbits=-15)
body = c.compress(os.urandom(1 << 20) * 2) + c.flush(zlib.Z_SYNC_FLUSH)
d = MessageDecoder(role="client", deflate=pmd, max_message_size=None)
d.feed(struct.pack("!BBQ", 0x42, 127, 1 << 40))
def w():
    for _ in range(4):
        try:
            d.feed(body)
        except (RuntimeError, ProtocolError):
            pass
run_threads(3, w)
print("ok")
""",
    "buffered_reads_shared": """
# Threads that read into one decoder's lent payload windows while others
# re-initialise it, feed it and end its reads: errors only, never a crash,
# and no delivered message ever changes afterwards.
body = os.urandom(3 << 20)
wire = encode_frame(2, body, mask=b"abcd")  # unmasked in place, without the GIL
d = MessageDecoder(role="server", max_message_size=None)
delivered = []
kept = []
def reader():
    for _ in range(60):
        try:
            pos = 0
            while pos < len(wire):
                w = d.get_buffer(-1)
                kept.append(w[1:])
                n = min(len(w), len(wire) - pos)
                w[:n] = wire[pos:pos + n]
                pos += n
                delivered.extend(m.data for m in d.buffer_updated(n))
        except (RuntimeError, ProtocolError, ValueError, TypeError):
            pass
def meddler():
    for i in range(300):
        try:
            (lambda: d.__init__(role="server", max_message_size=None), lambda: d.feed(b""),
             lambda: d.buffer_updated(7), lambda: kept and kept[-1].__setitem__(slice(0, 4), b"evil"))[i % 4]()
        except (RuntimeError, ProtocolError, ValueError, TypeError, IndexError):
            pass
run_threads(1, reader, reader, meddler)
copies = [bytes(m) for m in delivered]
for k in kept:
    try:
        k[:4] = b"late"
    except (ValueError, IndexError):
        pass
print("ok" if all(bytes(m) == c for m, c in zip(delivered, copies)) else "a delivered message changed")
""",
    "encoder_shared": """
pmd = PerMessageDeflate()
encoders = [MessageEncoder(role="client", max_frame_size=1 << 16), MessageEncoder(role="server", deflate=pmd)]
payloads = [os.urandom(3 << 20), os.urandom(1 << 16)]  # zlib is slow on 3 MiB of noise
def w():
    for e, payload in zip(encoders, payloads):
        for _ in range(3):
            try:
                e.binary(payload); e.text("x" * 1000); e.ping(b"p"); e.close(1000, "bye")
            except RuntimeError:
                pass
run_threads(3, w)
print("ok")
""",
    "masker_and_validator_shared": """
m = Masker(b"abcd")
v = Utf8Validator()
data = os.urandom(3 << 20)
text = "✓".encode() * (1 << 20)
def w():
    for _ in range(6):
        m.process(data); m.process(b"abc")
        v.feed(text); v.feed(b"\\xe2"); v.finish(); v.reset()
run_threads(4, w)
print("ok")
""",
    "mask_inplace_while_another_thread_resizes": """
# Over the GIL-release size on the native backend; the pure one never
# releases the GIL inside a call, so a smaller buffer tests it as well.
buf = bytearray(3 << 20 if wscodec.BACKEND == "native" else 1 << 16)
small = bytearray(4096)
stop = threading.Event()
refused = [0]
def masker():
    for _ in range(200):
        mask_inplace(buf, b"abcd", 1)
        mask_inplace(small, b"abcd", 3)
    stop.set()
def resizer():
    while not stop.is_set():
        for target in (buf, small):
            try:
                n = len(target)
                target.extend(b"12345678")
                del target[n:]
                target[:4] = b"wxyz"
            except BufferError:
                refused[0] += 1
run_threads(1, masker, resizer)
print("ok", len(buf), len(small))
""",
}


@pytest.mark.parametrize("backend", BACKEND_NAMES)
@pytest.mark.parametrize("name", sorted(SHARED_CASES))
def test_shared_object_never_crashes(name, backend):
    out = outcome(SHARED_CASES[name], backend, timeout=300)
    assert out.splitlines()[-1].startswith("ok")
