"""Write the seed corpora in fuzz/corpus/ (run again after changing a layout).

Differential seeds are real streams in the input layout of differential.py:
valid and broken frames of every kind, both roles, with and without
permessage-deflate, split in several ways.  Misuse seeds are fixed
pseudo-random byte strings: FuzzedDataProvider turns any bytes into a call
sequence, and the fuzzer grows the corpus from there.
"""

import hashlib
import os
import random
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from wire import MASK, raw  # noqa: E402

sys.path.insert(0, os.path.join(HERE, ".."))
from wscodec._bench.data import MIXED_CORPORA, utf8_corpus  # noqa: E402


def frame(b0, payload=b"", *, masked=False, length=None, form=None):
    return raw(b0, payload, mask=MASK if masked else None, length=length, form=form)


def deflated(data):
    c = zlib.compressobj(wbits=-15)
    return (c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH))[:-4]


def streams(masked):
    f = lambda *a, **k: frame(*a, masked=masked, **k)  # noqa: E731
    yield f(0x81, b"Hello")
    yield f(0x82, bytes(range(256)) * 2)
    yield f(0x01, b"Hel") + f(0x89, b"ping") + f(0x80, b"lo")
    yield f(0x01, "héllo ".encode()[:2]) + f(0x00, "héllo ".encode()[2:]) + f(0x80, "wörld ✓".encode())
    yield f(0x88, struct.pack("!H", 1000) + b"bye")
    for code in (0, 999, 1004, 1005, 1006, 1015, 2999, 3000, 4999, 5000, 65535):
        yield f(0x88, struct.pack("!H", code))
    yield f(0x88, b"\x03")
    yield f(0x81, b"\xed\xa0\x80")
    yield f(0x81, b"ok\xc0\xaf")
    yield f(0x83, b"reserved")
    yield f(0xB1, b"rsv")
    yield f(0x09, b"fragmented ping")
    yield f(0x80, b"continuation first")
    yield f(0x82, b"x" * 300, form=64)
    yield f(0x82, b"", length=2**63 - 1, form=64)
    yield f(0x82, b"", length=2**63, form=64)
    yield f(0x8A, b"", length=126, form=16)
    yield f(0xC1, deflated(b"compressed " * 40))
    yield f(0x41, deflated(b"a" * 5000)[:20]) + f(0x80, deflated(b"a" * 5000)[20:])
    yield f(0xC1, deflated(b"\0" * 100000))
    yield f(0xC1, b"\xff\xff\xff\xff not deflate")
    yield b"".join(f(0x00 if i else 0x01, b"x") for i in range(40)) + f(0x80, b"")
    yield b"".join(f(0x89, b"p") for _ in range(20))


def traffic_streams(masked):
    # Text shaped like traffic (each script in short runs between ASCII), whole
    # and fragmented at an offset that may cut a character.
    f = lambda *a, **k: frame(*a, masked=masked, **k)  # noqa: E731
    for kind in MIXED_CORPORA:
        yield f(0x81, utf8_corpus(kind, 64))
        text = utf8_corpus(kind, 1024)
        yield f(0x01, text[:342]) + f(0x80, text[342:])


def differential_inputs():
    # One generator each, so that adding streams to one leaves the seeds of
    # the other as they were.
    for source, seed in ((streams, 6455), (traffic_streams, 21)):
        yield from _differential_inputs(source, random.Random(seed))


def _differential_inputs(source, rng):
    for masked in (True, False):
        for stream in source(masked):
            for message, extension in ((1, 0), (1, 1), (0, 0), (0, 1)):
                flags = message | (2 if masked else 0) | (4 if extension else 0) | 8
                limits = bytes((rng.randrange(256), rng.randrange(len(stream) % 17 + 1)))
                count = rng.choice((0, 1, 3))
                cuts = bytes(rng.randrange(1, 12) for _ in range(count))
                yield bytes((flags,)) + limits + bytes((count,)) + cuts + stream


def misuse_inputs():
    rng = random.Random(1701)
    for size in (8, 16, 32, 64, 128, 256, 512):
        for _ in range(6):
            yield bytes(rng.getrandbits(8) for _ in range(size))


def write(name, inputs):
    folder = os.path.join(HERE, "corpus", name)
    os.makedirs(folder, exist_ok=True)
    for data in inputs:
        with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as out:
            out.write(data)


if __name__ == "__main__":
    write("differential", differential_inputs())
    write("misuse", misuse_inputs())
