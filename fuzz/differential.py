"""Differential fuzzing of the decoders: native against pure.

One input is a decoder configuration, split points and a byte stream (the
layout is in ``parse``).  Both backends decode the same stream in the same
pieces; every feed must give equal frames or messages, or the same close
code and ``.completed``, and a failed decoder must stay failed on both.
A difference, or any exception other than ProtocolError, is a finding:
atheris reports it and saves the input as ``crash-*``.

    python fuzz/differential.py CORPUS_DIR fuzz/corpus/differential -max_total_time=600

(see fuzz/README.md; it runs against the wscodec that ``python`` imports).
"""

import os
import sys

import atheris

with atheris.instrument_imports(include=["wscodec"]):
    import wscodec._native as native
    import wscodec._pure as pure

# The decoding and comparison of tests/test_differential.py, shared.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from test_differential import trace  # noqa: E402

# Small, edge and plain values for the limits; an index byte picks one.
LIMITS = (None, 0, 1, 2, 3, 4, 10, 124, 125, 126, 127, 200, 1000, 65535, 65536, 1 << 20, 2**63 - 1)
MAX_PIECES = 16


def parse(data):
    """Layout: [flags][frame limit][message limit][piece count][cuts...] stream.

    flags: bit 0 MessageDecoder (else FrameDecoder), bit 1 server role,
    bit 2 permessage-deflate (MessageDecoder) or allow_rsv1 (FrameDecoder),
    bit 3 decode_text, bit 4 no context takeover, bit 5 each piece read
    through get_buffer/buffer_updated (else fed).  Each cut is one byte: the
    length of the next piece.
    """
    if len(data) < 4:
        return None
    flags, frame_limit, message_limit, count = data[0], data[1], data[2], data[3] % MAX_PIECES
    cuts = data[4 : 4 + count]
    stream = data[4 + count :]
    pieces = []
    pos = 0
    for cut in cuts:
        pieces.append(stream[pos : pos + cut])
        pos += cut
    pieces.append(stream[pos:])
    config = {
        "kind": "message" if flags & 1 else "frame",
        "role": "server" if flags & 2 else "client",
        "max_frame_size": LIMITS[frame_limit % len(LIMITS)] if frame_limit < 200 else None,
        "reads": "buffered" if flags & 32 else "feed",
    }
    if flags & 1:
        config["max_message_size"] = LIMITS[message_limit % len(LIMITS)]
        config["deflate"] = ("no_takeover" if flags & 16 else "takeover") if flags & 4 else None
        config["decode_text"] = bool(flags & 8)
    else:
        config["allow_rsv1"] = bool(flags & 4)
    return config, pieces


def check(data):
    parsed = parse(data)
    if parsed is None:
        return
    config, pieces = parsed
    expected = trace(pure, config, pieces)
    actual = trace(native, config, pieces)
    if actual != expected:
        raise AssertionError(f"backends disagree\nconfig={config}\npieces={pieces!r}\n"
                             f"native={actual!r}\npure={expected!r}")


def main():
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
