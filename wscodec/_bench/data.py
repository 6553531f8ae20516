"""Benchmark inputs, generated in memory from fixed seeds.

Everything here is built without wscodec itself (masking and framing are
re-done in a few lines of plain Python), so a bug in the codec cannot make
its own inputs look right.
"""

import random
import struct

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
spaces, digits, punctuation and JSON syntax (see _mixed_text)."""

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
        return _mixed_text(kind, seed)
    else:
        raise ValueError(f"unknown corpus {kind!r}")
    return text.encode("utf-8")


# --- traffic-like corpora ------------------------------------------------------
#
# Each imitates one script as people type it: words of the lengths that
# language has, separated the way it separates them, with the digits,
# Latin words and punctuation that real messages carry.  Short runs between
# ASCII and multi-byte characters are the point: a decoder that is fast on
# one long run of one width can be slow here.


def _pick(rng, weights):
    """A value from ``((value, weight), ...)``."""
    r = rng.random() * sum(w for _, w in weights)
    for value, w in weights:
        r -= w
        if r < 0:
            return value
    return weights[-1][0]


def _han(rng):
    # Frequent characters cluster low in the URO block; a skew towards it
    # imitates that without a frequency table.
    return chr(0x4E00 + int((rng.random() ** 2) * 0x51A0))


def _ascii_token(rng):
    """What ASCII shows up inside non-Latin prose: numbers, times, a Latin
    brand or abbreviation."""
    return _pick(rng, (
        (str(rng.randrange(1, 100)), 4), (str(rng.randrange(1990, 2030)), 2),
        (f"{rng.randrange(24)}:{rng.randrange(60):02d}", 1),
        (rng.choice(("OK", "iPhone", "PDF", "Wi-Fi", "USB", "AI", "GPS", "App", "CEO", "QR")), 2),
        (f"{rng.randrange(1, 100)}%", 1),
    ))


def _zh_sentence(rng):
    # Chinese: no spaces; clauses of 4-15 characters split by full-width
    # commas, now and then a number or Latin word (often set off by spaces).
    parts = []
    for _ in range(rng.randint(1, 4)):
        clause = "".join(_han(rng) for _ in range(rng.randint(4, 15)))
        if rng.random() < 0.25:
            at = rng.randint(0, len(clause))
            sep = " " if rng.random() < 0.5 else ""
            clause = clause[:at] + sep + _ascii_token(rng) + sep + clause[at:]
        parts.append(clause)
    return "，".join(parts) + rng.choice("。。。！？")


_HIRAGANA = [chr(c) for c in range(0x3041, 0x3094)]
_KATAKANA = [chr(c) for c in range(0x30A1, 0x30F7)]
_PARTICLES = ("は", "が", "を", "に", "で", "と", "の", "も", "から", "まで", "です", "ます", "した")


def _ja_sentence(rng):
    # Japanese: no spaces; runs of 1-3 kanji, then kana endings and
    # particles, katakana loanwords, and ASCII digits and letters.
    out = []
    for _ in range(rng.randint(3, 9)):
        kind = _pick(rng, (("kanji", 6), ("kata", 1.5), ("ascii", 1)))
        if kind == "kanji":
            out.append("".join(_han(rng) for _ in range(rng.randint(1, 3))))
            out.append("".join(rng.choice(_HIRAGANA) for _ in range(rng.randint(0, 3))))
        elif kind == "kata":
            out.append("".join(rng.choice(_KATAKANA) for _ in range(rng.randint(2, 6))))
            out.append("ー" if rng.random() < 0.3 else "")
        else:
            out.append(_ascii_token(rng))
        out.append(rng.choice(_PARTICLES))
        if rng.random() < 0.3:
            out.append("、")
    return "".join(out) + rng.choice("。。。！？")


def _ko_sentence(rng):
    # Korean: syllable blocks (U+AC00-D7A3), words of 1-4 syllables (a
    # stem and its particle) separated by spaces.
    words = []
    for _ in range(rng.randint(3, 10)):
        if rng.random() < 0.07:
            words.append(_ascii_token(rng))
        else:
            n = _pick(rng, ((1, 2), (2, 5), (3, 4), (4, 2)))
            words.append("".join(chr(rng.randrange(0xAC00, 0xD7A4)) for _ in range(n)))
    return " ".join(words) + rng.choice("..?!") + ("" if rng.random() < 0.7 else " ㅋㅋ")


def _alphabet_sentence(rng, letters, lengths, capitals=None, comma=",", stop=".", digits=0.05):
    """A sentence of an alphabetic script with spaces between words."""
    words = []
    for j in range(rng.randint(4, 14)):
        if rng.random() < digits:
            words.append(_ascii_token(rng))
            continue
        w = "".join(rng.choice(letters) for _ in range(_pick(rng, lengths)))
        if j == 0 and capitals:
            w = capitals(w)
        words.append(w + (comma if rng.random() < 0.08 else ""))
    return " ".join(words) + stop


# Russian: Cyrillic lowercase with a capital per sentence; words of 1-12
# letters, the length distribution of running Russian text (two-byte
# characters between one-byte spaces every ~6 letters).
_RU_LETTERS = [chr(c) for c in range(0x430, 0x450)] + ["ё"]
_RU_LENGTHS = ((1, 3), (2, 6), (3, 7), (4, 8), (5, 9), (6, 9), (7, 8), (8, 6), (9, 4), (10, 3), (12, 2))

# Arabic: the letters U+0621-064A, words of 2-8 letters, the Arabic comma
# and question mark, now and then a short-vowel mark.
_AR_LETTERS = [chr(c) for c in range(0x621, 0x63B)] + [chr(c) for c in range(0x641, 0x64B)]
_AR_LENGTHS = ((2, 4), (3, 8), (4, 8), (5, 6), (6, 3), (7, 2), (8, 1))


def _ar_sentence(rng):
    s = _alphabet_sentence(rng, _AR_LETTERS, _AR_LENGTHS, comma="،", stop=rng.choice((".", "؟", "!")))
    return "".join(c + ("\u064E" if c != " " and rng.random() < 0.05 else "") for c in s)


# Hindi: Devanagari syllables (a consonant, maybe a vowel sign, maybe a
# conjunct by virama), words of 1-4 syllables, the danda as full stop: all
# three-byte characters between one-byte spaces.
_HI_CONS = [chr(c) for c in range(0x915, 0x93A)]
_HI_SIGNS = [chr(c) for c in range(0x93E, 0x94D)] + ["\u0902"]


def _hi_sentence(rng):
    words = []
    for _ in range(rng.randint(4, 12)):
        if rng.random() < 0.05:
            words.append(_ascii_token(rng))
            continue
        w = []
        for _ in range(_pick(rng, ((1, 3), (2, 5), (3, 3), (4, 1)))):
            w.append(rng.choice(_HI_CONS))
            if rng.random() < 0.15:
                w.append("\u094D" + rng.choice(_HI_CONS))
            if rng.random() < 0.6:
                w.append(rng.choice(_HI_SIGNS))
        words.append("".join(w))
    return " ".join(words) + " ।"


# European prose: French, German, Spanish, Portuguese (Latin-1 accents),
# and Polish and Czech, whose letters beyond U+00FF make the str two bytes
# a character.  Mostly ASCII letters; an accented one in about 1 of 15
# (Western) or 1 of 8 (Polish, Czech).
_EU_LANGS = (
    ("fr", "éèàùçêâîôëï", 0.06, 4),
    ("de", "äöüßÄÖÜ", 0.05, 3),
    ("es", "áéíóúñ¿¡", 0.05, 3),
    ("pt", "ãõçáéíóúâê", 0.07, 2),
    ("pl", "ąćęłńóśźż", 0.11, 1),
    ("cs", "áčďéěíňóřšťúůýž", 0.13, 1),
)


def _eu_sentence(rng, lang):
    _, accents, rate, _ = lang
    words = []
    for j in range(rng.randint(5, 16)):
        if rng.random() < 0.03:
            words.append(_ascii_token(rng))
            continue
        n = _pick(rng, ((1, 2), (2, 5), (3, 6), (4, 5), (5, 4), (6, 3), (7, 3), (8, 2), (10, 1), (12, 1)))
        w = "".join(rng.choice(accents) if rng.random() < rate else rng.choice("etaoinsrhldcumfpgwybvkjqxz")
                    for _ in range(n))
        words.append((w.capitalize() if j == 0 else w) + ("," if rng.random() < 0.08 else ""))
    return " ".join(words) + rng.choice("..?!")


_EMOJI = (
    [chr(c) for c in range(0x1F600, 0x1F640)] + [chr(c) for c in range(0x1F440, 0x1F480)]
    + [chr(c) for c in range(0x1F900, 0x1F930)]
    + ["\u2764\ufe0f", "\U0001F44D\U0001F3FD", "\U0001F468\u200d\U0001F4BB", "\u2705", "\u2728", "\U0001F525"]
)
_CHAT_WORDS = (
    "lol ok yes no omg thanks thx see you soon tonight tomorrow haha nice cool "
    "what when where why how is it the a to and you me we they that this just got "
    "new game link meeting call later brb gg wp love it so much can't wait lmao"
).split()


def _chat_line(rng):
    # English chat: short lines of lowercase words with an emoji (four bytes,
    # sometimes with a skin tone, a variation selector or a joiner: three-
    # byte characters) every few words, and emoji-only replies.
    if rng.random() < 0.1:
        return "".join(rng.choice(_EMOJI) for _ in range(rng.randint(1, 4)))
    words = []
    for _ in range(rng.randint(2, 12)):
        words.append(rng.choice(_CHAT_WORDS))
        if rng.random() < 0.2:
            words.append(rng.choice(_EMOJI) * rng.choice((1, 1, 1, 2, 3)))
    return " ".join(words) + rng.choice(("", "", "!", "?", "!!", " " + rng.choice(_EMOJI)))


def _sentence(rng, script, state):
    if script == "zh":
        return _zh_sentence(rng)
    if script == "ja":
        return _ja_sentence(rng)
    if script == "ko":
        return _ko_sentence(rng)
    if script == "ru":
        return _alphabet_sentence(rng, _RU_LETTERS, _RU_LENGTHS, capitals=str.capitalize, digits=0.04)
    if script == "ar":
        return _ar_sentence(rng)
    if script == "hi":
        return _hi_sentence(rng)
    if script == "eu":
        if "lang" not in state or rng.random() < 0.02:
            state["lang"] = _pick(rng, tuple((lang, lang[3]) for lang in _EU_LANGS))
        return _eu_sentence(rng, state["lang"])
    if script == "chat":
        return _chat_line(rng)
    raise ValueError(f"unknown script {script!r}")


_SENTENCE_SEP = {"zh": "", "ja": "", "chat": "\n"}


def _prose(rng, script, nbytes):
    """Paragraphs of sentences: spaces between sentences (none in Chinese
    and Japanese), a newline between paragraphs."""
    out, total, state = [], 0, {}
    while total < nbytes:
        para = _SENTENCE_SEP.get(script, " ").join(_sentence(rng, script, state) for _ in range(rng.randint(1, 6)))
        out.append(para)
        total += len(para.encode("utf-8")) + 1
    return "\n".join(out)


_NAMES = {
    "zh": lambda rng: "".join(_han(rng) for _ in range(rng.randint(2, 3))),
    "ja": lambda rng: "".join(_han(rng) for _ in range(2)) + rng.choice(("さん", "")),
    "ko": lambda rng: "".join(chr(rng.randrange(0xAC00, 0xD7A4)) for _ in range(3)),
    "ru": lambda rng: "".join(rng.choice(_RU_LETTERS) for _ in range(rng.randint(4, 8))).capitalize(),
    "ar": lambda rng: "".join(rng.choice(_AR_LETTERS) for _ in range(rng.randint(3, 6))),
    "hi": lambda rng: "".join(rng.choice(_HI_CONS) + rng.choice(_HI_SIGNS) for _ in range(2)),
}


def _json_messages(rng, script, nbytes):
    """Chat messages as a server relays them, one JSON object a line
    (``ensure_ascii=False``, as most servers send): ASCII keys, ids and
    timestamps around a user name and a message body in the script."""
    import json

    out, total, state = [], 0, {}
    ts = 1767225600000
    while total < nbytes:
        ts += rng.randrange(50, 60000)
        name = _NAMES.get(script, lambda r: r.choice(("anna", "ben", "chloé", "dmitri", "eva")) + str(r.randrange(100)))(rng)
        msg = {
            "type": "message", "id": rng.randrange(10**9, 10**10), "room": f"room-{rng.randrange(1, 50)}",
            "user": {"id": rng.randrange(10**6), "name": name}, "ts": ts,
            "text": " ".join(_sentence(rng, script, state) for _ in range(_pick(rng, ((1, 6), (2, 3), (3, 1))))),
        }
        if rng.random() < 0.05:
            msg["reactions"] = [{"emoji": rng.choice(_EMOJI), "count": rng.randrange(1, 20)}]
        line = json.dumps(msg, ensure_ascii=False, separators=(",", ":"))
        out.append(line)
        total += len(line.encode("utf-8")) + 1
    return "\n".join(out)


def _short_json(kind, size, seed=2026):
    """A JSON chat message of at most ``size`` bytes (for sizes a whole
    message of _json_messages would not fit): short keys, and as much of a
    sentence in the script as fits, cut at a character."""
    import json

    script = kind.split("-")[0]
    rng = random.Random(f"{kind}/{size}/{seed}")
    text = _sentence(rng, script, {})
    while True:
        line = json.dumps({"id": rng.randrange(1000), "t": text}, ensure_ascii=False, separators=(",", ":"))
        if len(line.encode("utf-8")) <= size or not text:
            return line.encode("utf-8")
        text = text[:-1]


def _mixed_text(kind, seed=2026):
    script, form = kind.split("-")
    rng = random.Random(f"{kind}/{seed}")
    make = _prose if form == "prose" else _json_messages
    return make(rng, script, _BASE).encode("utf-8")


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
            data = _fit(_short_json(kind, size), size)
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
