"""Benchmark inputs, generated in memory from fixed seeds.

Everything here is built without wscodec itself (masking and framing are
re-done in a few lines of plain Python), so a bug in the codec cannot make
its own inputs look right.
"""

import random
import struct

from . import traffic

KiB = 1024
MiB = 1024 * KiB

SIZES = (16, 125, KiB, 64 * KiB, MiB, 16 * MiB)
"""Masking and UTF-8 sizes: tiny control frame, largest control payload,
typical message, one socket read, large message, huge message."""

QUICK_SIZES = (16, KiB, 64 * KiB)
"""``--quick`` keeps a small, a typical and a large buffer."""

MESSAGE_SIZES = (20, 256, 64 * KiB)
"""Message payloads for decoding, encoding and echo: a ticker update, a chat
message or small JSON document, and a message as large as one socket read."""

READ_SIZE = 64 * KiB
"""Decoders are fed in reads of this size, as a server's socket reads."""

MASK_KEY = b"\x37\xfa\x21\x3d"

CORPORA = ("ascii", "latin", "cjk", "emoji", "invalid")
"""Homogeneous text: one kind of character throughout (plus "invalid")."""

SCRIPTS = ("zh", "ja", "ko", "ru", "ar", "hi", "eu", "chat")
"""Scripts of the traffic-like corpora, each as prose and as JSON."""

MIXED_CORPORA = tuple(f"{s}-{form}" for s in SCRIPTS for form in ("prose", "json"))
"""Text as it crosses the wire: the script's characters in short runs between
spaces, digits, punctuation and JSON syntax (see ``traffic``)."""

MIXED_SIZES = (64, KiB, 64 * KiB, 16 * MiB)


def size_label(n):
    if n >= MiB and n % MiB == 0:
        return f"{n // MiB} MiB"
    if n >= KiB and n % KiB == 0:
        return f"{n // KiB} KiB"
    return f"{n} B"


def size_id(n):
    """"16MiB": a size as a test id (no spaces, so ``-k 16MiB`` works)."""
    return size_label(n).replace(" ", "")


# --- UTF-8 corpora -----------------------------------------------------------

_ASCII_WORDS = (
    "the of and to in is that it for on was with as by at from this be are not "
    "message frame socket server client data stream value time request reply "
    "buffer event user id name status ok error open close ping pong text json "
    "update price order 42 7 2026 {\"a\":1} [1,2,3] http://example.com/path?q=1"
).split()

# Mostly ASCII with accented letters, as French, German, Spanish and
# Portuguese prose: about one byte in ten belongs to a two-byte sequence.
_LATIN_WORDS = _ASCII_WORDS * 3 + (
    "déjà élève garçon über Straße mañana corazón naïve café où à très für schön "
    "Grüße niño João coração ação été fenêtre Übung año señor crème brûlée "
    "Ölfaß Ärger Zürich São Paulo être noël Bücher über façade"
).split()


def _cjk_chars(rng, n):
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.70:
            out.append(chr(rng.randrange(0x4E00, 0x6000)))  # common Han block
        elif r < 0.94:
            out.append(chr(rng.randrange(0x3041, 0x3097)))  # hiragana
        else:
            out.append(rng.choice("、。「」，"))
    return "".join(out)


def _emoji_chars(rng, n):
    out = []
    for i in range(n):
        if i % 6 == 5:
            out.append(" ")
        else:
            block = rng.choice(((0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F680, 0x1F6FF), (0x1F900, 0x1F9FF)))
            out.append(chr(rng.randrange(*block)))
    return "".join(out)


def _words(rng, pool, nbytes):
    out = []
    total = 0
    while total < nbytes:
        w = rng.choice(pool)
        out.append(w)
        total += len(w) + 1
    return " ".join(out)


def _fit(raw, size):
    """Cut UTF-8 ``raw`` to exactly ``size`` bytes at a character boundary
    (padding with spaces), so every corpus of a size has the same length."""
    cut = min(size, len(raw))
    # A continuation byte right after the cut means a character straddles it.
    while 0 < cut < len(raw) and (raw[cut] & 0xC0) == 0x80:
        cut -= 1
    return raw[:cut] + b" " * (size - cut)


_BASE = 256 * KiB
"""Generated text per corpus; larger sizes repeat it (a period far longer
than any branch history, so repeating costs no realism)."""


def _base_text(kind, seed=2026):
    rng = random.Random(f"{kind}/{seed}")
    if kind == "ascii":
        text = _words(rng, _ASCII_WORDS, _BASE)
    elif kind in ("latin", "invalid"):
        text = _words(rng, _LATIN_WORDS, _BASE)
    elif kind == "cjk":
        text = _cjk_chars(rng, _BASE // 3 + 8)
    elif kind == "emoji":
        text = _emoji_chars(rng, _BASE // 3 + 8)
    elif kind in MIXED_CORPORA:
        return traffic.mixed_text(kind, _BASE, seed)
    else:
        raise ValueError(f"unknown corpus {kind!r}")
    return text.encode("utf-8")


def _repeat_to(raw, size):
    if len(raw) >= size:
        return raw
    # Join on a space so a repeat never glues two halves of a character.
    unit = raw + b" "
    return unit * (size // len(unit) + 1)


_CORPUS_CACHE = {}

# A UTF-16 surrogate: the error every strict validator must catch, placed at
# the very end so that rejecting it still means scanning the whole input.
_INVALID_TAIL = b"\xed\xa0\x80"


def utf8_corpus(kind, size):
    """``size`` bytes of ``kind`` text (valid UTF-8 except for "invalid")."""
    key = (kind, size)
    if key not in _CORPUS_CACHE:
        base = _CORPUS_CACHE.get((kind, None))
        if base is None:
            base = _CORPUS_CACHE[(kind, None)] = _base_text(kind)
        if kind == "invalid":
            body = _fit(_repeat_to(base, size), size - len(_INVALID_TAIL))
            data = body + _INVALID_TAIL
        elif kind in MIXED_CORPORA and kind.endswith("-json") and size < 256:
            data = _fit(traffic.short_json(kind, size), size)
        else:
            data = _fit(_repeat_to(base, size), size)
        assert len(data) == size
        _CORPUS_CACHE[key] = data
    return _CORPUS_CACHE[key]


def expected_valid(kind):
    return kind != "invalid"


def mask_data(size, seed=6455):
    return random.Random(seed + size).randbytes(size)


# --- WebSocket frames ----------------------------------------------------------


def xor_mask(payload, key):
    """RFC 6455 masking without wscodec: one big-integer XOR."""
    n = len(payload)
    if not n:
        return b""
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def frame(opcode, payload, key=None, fin=True):
    """One frame, shortest length form, masked with ``key`` if given."""
    b0 = (0x80 if fin else 0) | opcode
    mask_bit = 0x80 if key is not None else 0
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", b0, mask_bit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mask_bit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mask_bit | 127, n)
    if key is None:
        return head + payload
    return head + key + xor_mask(payload, key)


def parse_frames(data):
    """Reference parser for checking encoders: a list of
    ``(fin, opcode, mask_key_or_None, unmasked_payload)``; raises ValueError
    on anything incomplete."""
    out = []
    pos = 0
    view = bytes(data)
    while pos < len(view):
        if len(view) - pos < 2:
            raise ValueError("truncated header")
        b0, b1 = view[pos], view[pos + 1]
        pos += 2
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack_from("!H", view, pos)
            pos += 2
        elif n == 127:
            (n,) = struct.unpack_from("!Q", view, pos)
            pos += 8
        key = None
        if b1 & 0x80:
            key = view[pos:pos + 4]
            pos += 4
        payload = view[pos:pos + n]
        if len(payload) != n:
            raise ValueError("truncated payload")
        pos += n
        if key is not None:
            payload = xor_mask(payload, key)
        out.append((bool(b0 & 0x80), b0 & 0x0F, key, payload))
    return out


_ASCII_TEXT = []


def _ascii_text():
    if not _ASCII_TEXT:
        _ASCII_TEXT.append(_base_text("ascii").decode("ascii"))
    return _ASCII_TEXT[0]


def json_like(rng, i, size):
    """An ASCII JSON-ish text message of exactly ``size`` bytes, different
    for every ``i`` (chat/ticker traffic: the common case for small frames)."""
    if size <= 32:
        return f'{{"i":{i},"p":{rng.randrange(10**5) / 100}}}'[:size].ljust(size)
    text = _ascii_text()
    start = rng.randrange(len(text) - size)
    body = (
        f'{{"seq":{i},"t":{1767225600 + i},"px":{rng.randrange(10**6) / 100},'
        f'"q":{rng.randrange(10**4)},"note":"{text[start:start + size]}"}}'
    )
    return body[:size].ljust(size)


class FrameStream:
    """Frames of one message each, cut into reads: masked client-to-server
    frames (``masked=True``, what a server decodes) or unmasked server-to-client
    ones (what a client decodes); TEXT or BINARY (``text``).

    ``messages``: the expected data of each message, in order (``str`` for
    TEXT, ``bytes`` for BINARY); ``chunks``: the wire bytes as ``READ_SIZE``
    reads (bytes objects, as a socket's ``recv`` hands them out);
    ``wire_bytes``: their total size.
    """

    def __init__(self, payload_size, count, seed=1, text=True, masked=True):
        rng = random.Random(f"frames/{payload_size}/{count}/{seed}")
        self.payload_size = payload_size
        self.count = count
        self.text = text
        self.masked = masked
        if payload_size > 4096:
            # Slices of one big text: distinct payloads without generating
            # megabytes of JSON one field at a time.
            total = max(2 * MiB, payload_size + 64 * KiB)
            source = _fit(_repeat_to(_base_text("ascii"), total), total).decode("ascii")
            span = len(source) - payload_size
            self.messages = [source[(i * 40961) % span:(i * 40961) % span + payload_size] for i in range(count)]
        else:
            self.messages = [json_like(rng, i, payload_size) for i in range(count)]
        # The same ASCII payloads as BINARY: the framing and masking work is
        # the same, only the UTF-8 check and the str are left out.
        opcode = 0x1 if text else 0x2
        wire = b"".join(
            frame(opcode, m.encode("ascii"), rng.randbytes(4) if masked else None) for m in self.messages
        )
        if not text:
            self.messages = [m.encode("ascii") for m in self.messages]
        self.wire_bytes = len(wire)
        self.payload_bytes = payload_size * count
        self.chunks = [wire[i:i + READ_SIZE] for i in range(0, len(wire), READ_SIZE)]


_STREAM_CACHE = {}


def frame_stream(payload_size, count, text=True, masked=True):
    key = (payload_size, count, text, masked)
    if key not in _STREAM_CACHE:
        _STREAM_CACHE.clear()  # one stream at a time: 16 MiB ones add up
        _STREAM_CACHE[key] = FrameStream(payload_size, count, text=text, masked=masked)
    return _STREAM_CACHE[key]


def frame_count(payload_size, quick):
    """Messages per decoded stream: 100,000 small ones, fewer as they grow
    (64 MiB of payload at most), a hundredth of that for ``--quick``."""
    count = max(100, min(100_000, 64 * MiB // payload_size))
    return max(1, count // 100) if quick else count


def text_message(size, seed=3):
    """One ASCII text message of ``size`` bytes for the encoders."""
    return json_like(random.Random(f"msg/{size}/{seed}"), seed, size)
