"""Traffic-like text for the mixed corpora of ``data``: one script at a
time, as prose or as JSON chat messages, generated from fixed seeds."""

import random

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


def short_json(kind, size, seed=2026):
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


def mixed_text(kind, nbytes, seed=2026):
    """``nbytes`` or so of ``kind`` ("<script>-prose" or "<script>-json") as UTF-8."""
    script, form = kind.split("-")
    rng = random.Random(f"{kind}/{seed}")
    make = _prose if form == "prose" else _json_messages
    return make(rng, script, nbytes).encode("utf-8")
