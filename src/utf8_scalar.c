/*
 * The UTF-8 automaton (strict RFC 3629) and the portable validator built on
 * it; also the nibble tables that the SIMD validators share.
 *
 * The automaton is a "shift DFA": each byte class owns one 64-bit row that
 * packs the next state for every current state in 6-bit fields, and a state
 * is the bit offset of its field.  A step is then two table loads that do
 * not depend on the state and one shift that does.
 */
#include "wsc_internal.h"

/* States (index * 6 is the value carried around). */
enum {
    S_ACC = 0, /* on a character boundary */
    S_C1,      /* one continuation byte (80..BF) still needed */
    S_C2,      /* two */
    S_C3,      /* three */
    S_E0,      /* after E0: A0..BF, then one more (no overlongs) */
    S_ED,      /* after ED: 80..9F, then one more (no surrogates) */
    S_F0,      /* after F0: 90..BF, then two more (no overlongs) */
    S_F4,      /* after F4: 80..8F, then two more (<= U+10FFFF) */
    S_REJ      /* absorbing failure */
};

/* Byte classes: 0 ASCII, 1 80..8F, 2 90..9F, 3 A0..BF, 4 never valid
 * (C0 C1 F5..FF), 5 C2..DF, 6 E0, 7 E1..EC EE EF, 8 ED, 9 F0, 10 F1..F3,
 * 11 F4. */
static const uint8_t byte_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 10 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 20 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 50 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 70 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 80 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 90 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* A0 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* B0 */
    4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* C0 */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* D0 */
    6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 7, /* E0 */
    9, 10, 10, 10, 11, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* F0 */
};

#define F(state, next) ((uint64_t)((next) * 6) << ((state) * 6))
/* Next state from ACC, C1, C2, C3, E0, ED, F0, F4; REJ stays REJ. */
#define ROW(a, b, c, d, e, f, g, h)                                           \
    (F(S_ACC, a) | F(S_C1, b) | F(S_C2, c) | F(S_C3, d) | F(S_E0, e) |        \
     F(S_ED, f) | F(S_F0, g) | F(S_F4, h) | F(S_REJ, S_REJ))
#define R S_REJ

static const uint64_t class_row[12] = {
    ROW(S_ACC, R, R, R, R, R, R, R),              /* ASCII */
    ROW(R, S_ACC, S_C1, S_C2, R, S_C1, R, S_C2),  /* 80..8F */
    ROW(R, S_ACC, S_C1, S_C2, R, S_C1, S_C2, R),  /* 90..9F */
    ROW(R, S_ACC, S_C1, S_C2, S_C1, R, S_C2, R),  /* A0..BF */
    ROW(R, R, R, R, R, R, R, R),                  /* never valid */
    ROW(S_C1, R, R, R, R, R, R, R),               /* C2..DF */
    ROW(S_E0, R, R, R, R, R, R, R),               /* E0 */
    ROW(S_C2, R, R, R, R, R, R, R),               /* E1..EC EE EF */
    ROW(S_ED, R, R, R, R, R, R, R),               /* ED */
    ROW(S_F0, R, R, R, R, R, R, R),               /* F0 */
    ROW(S_C3, R, R, R, R, R, R, R),               /* F1..F3 */
    ROW(S_F4, R, R, R, R, R, R, R),               /* F4 */
};
#undef R
#undef ROW
#undef F

/* Only the low 6 bits of st are the state; the rest is left-over row bits.
 * Masking the shift count instead of the result lets x86 use one shrx
 * (which masks its count itself) per byte on the dependency chain. */
WSC_INLINE uint64_t dfa_run(uint64_t st, const uint8_t *p, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        st = class_row[byte_class[p[i]]] >> (st & 63u);
    return st & 63u;
}

uint32_t wsc_utf8_dfa(uint32_t state, const uint8_t *p, size_t len)
{
    return (uint32_t)dfa_run(state, p, len);
}

#define HIGH_BITS UINT64_C(0x8080808080808080)

int wsc_utf8_valid_scalar(const uint8_t *p, size_t len)
{
    uint32_t st = WSC_DFA_ACCEPT;
    size_t i = 0;
    uint64_t w;

    /* Whole words of ASCII between characters need no automaton; checking
     * for failure once per word keeps the loop short without reading on
     * long past a bad byte. */
    for (; len - i >= 8; i += 8) {
        memcpy(&w, p + i, 8);
        if (st != WSC_DFA_ACCEPT || (w & HIGH_BITS) != 0) {
            st = (uint32_t)dfa_run(st, p + i, 8);
            if (st == WSC_DFA_REJECT)
                return 0;
        }
    }
    return dfa_run(st, p + i, len - i) == WSC_DFA_ACCEPT;
}

size_t wsc_ascii_prefix_scalar(const uint8_t *p, size_t len)
{
    size_t i = 0;
    uint64_t w;
    for (; len - i >= 8; i += 8) {
        memcpy(&w, p + i, 8);
        if ((w & HIGH_BITS) != 0)
            break;
    }
    while (i < len && p[i] < 0x80)
        i++;
    return i;
}

/* ---- Keiser & Lemire error classes (arXiv 2010.03090, section 6) ----
 *
 * For each byte pair (previous, current), the three nibble lookups below are
 * ANDed; a bit survives only if all three nibbles match the pattern that the
 * bit names.  TWO_CONTS is not an error by itself: the SIMD code XORs it with
 * "must be the 2nd/3rd continuation of a 3-/4-byte character". */
#define TOO_SHORT (1u << 0)  /* lead then non-continuation */
#define TOO_LONG (1u << 1)   /* ASCII then continuation */
#define OVERLONG_3 (1u << 2) /* E0 80..9F */
#define TOO_LARGE (1u << 3)  /* F4 90..BF, F5..FF 90..BF */
#define SURROGATE (1u << 4)  /* ED A0..BF */
#define OVERLONG_2 (1u << 5) /* C0/C1 continuation */
/* Bit 6 serves two patterns that never collide: F0 80..8F (overlong 4) and
 * F5..FF 80..8F (too large). */
#define OVERLONG_4 (1u << 6)
#define TOO_LARGE_1000 (1u << 6)
#define TWO_CONTS (1u << 7) /* continuation then continuation */
#define CARRY (TOO_SHORT | TOO_LONG | TWO_CONTS)

const uint8_t wsc_kl_prev_high[16] = {
    /* 0..7 ASCII */
    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
    /* 8..B continuation */
    TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
    /* C, D: 2-byte leads */
    TOO_SHORT | OVERLONG_2,
    TOO_SHORT,
    /* E: 3-byte leads */
    TOO_SHORT | OVERLONG_3 | SURROGATE,
    /* F: 4-byte leads and F5..FF */
    TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4,
};

const uint8_t wsc_kl_prev_low[16] = {
    CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4, /* C0 E0 F0 */
    CARRY | OVERLONG_2,                           /* C1 */
    CARRY,
    CARRY,
    CARRY | TOO_LARGE,                            /* F4 */
    CARRY | TOO_LARGE | TOO_LARGE_1000,           /* F5.. */
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE, /* ED (and FD) */
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
};

const uint8_t wsc_kl_cur_high[16] = {
    /* 0..7 ASCII */
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
    /* 8 */
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 |
        OVERLONG_4,
    /* 9 */
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
    /* A, B */
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    /* C..F leads */
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
};

const uint8_t wsc_kl_incomplete_max[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xF0 - 1, /* a 4-byte lead 3 from the end is unfinished */
    0xE0 - 1, /* a 3-byte (or longer) lead 2 from the end */
    0xC0 - 1, /* any lead as the last byte */
};
