/*
 * The SIMD UTF-8 transcoder, written once and included by each ISA file
 * (transcode_x86.c, transcode_neon.c) after it has defined:
 *
 *   WSC_TK(name)      the name of this instantiation (name##_avx2, ...)
 *   WSC_TK_TARGET     the function attribute of this ISA (may be empty)
 *   wsc_v             a 16-byte vector type, and the operations
 *   v_load(p)             16 bytes from p
 *   v_high_bits(v)        16-bit mask of the bytes >= 0x80
 *   v_cont_bits(v)        16-bit mask of the continuation bytes (80..BF)
 *   v_shuffle(v, m)       bytes of v picked by the 16 indexes at m; 0x80: 0
 *   v_cp16(v)             per 16-bit lane (last, lead|0): the code point
 *   v_cp32_3(v)           per 32-bit lane (last, middle|0, lead|0, 0)
 *   v_cp32_4(v)           per 32-bit lane (last, ..., lead, 0...)
 *   v_put_ascii_W(d, v)   16 ASCII bytes as 16 units of W bytes
 *   v_put16_W(d, v)       8 16-bit code points as units of W bytes
 *   v_put32_W(d, v)       4 32-bit code points as units of W bytes
 *   v_latin1(v, next)     per byte: the Latin-1 character a lead and the
 *                         byte after it (next: the load one byte on) make,
 *                         or the byte itself if it is not a lead
 *   v_put_latin1(d, v, keep)  the bytes of v that keep marks, packed to d;
 *                         returns how many (stores 16 bytes)
 *   v_put_bmp_2(d, v, keep)  per byte of v, the character that starts
 *                         there if it is a 2- or 3-byte lead (read on in v),
 *                         or the byte itself; the 16-bit units of the bytes
 *                         keep marks packed to d; returns how many (stores
 *                         16 units)
 * and may define, for ISAs with wider vectors, WSC_TK_BMP16(d, v, keep):
 * v_put_bmp_2 in one wide register; WSC_TK_BMP32(d, p, keep): the same on
 * the 32 bytes at p (reads 34, writes up to 32 units); WSC_TK_CJK8(d, p): eight
 * 3-byte characters at p (reads 28 bytes) as eight 16-bit units at d; and
 * WSC_TK_WIDE(d, p, starts): the characters that start in the
 * WSC_TK_WIDE_SPAN (8 or 16) bytes at p (bit j of starts: byte j starts
 * one; reads 2 * WSC_TK_WIDE_SPAN bytes) as 32-bit units at d (writes
 * WSC_TK_WIDE_SPAN), returning how many; or, instead,
 * WSC_TK_WIDE_LOOP(p, len, d, nchars, &i, &o), its own loop for 32-bit
 * units, which may stop inside a character; and WSC_TK_LATIN_LOOP(p, len,
 * d, nchars, &i, &o), a loop for Latin-1 that stops where the 16-byte
 * Latin-1 steps could go on.
 *
 * The method is Lemire and Keiser's ("Transcoding Billions of Unicode
 * Characters per Second with SIMD Instructions", SPE 2022): from the
 * continuation bytes of a 16-byte load, a 12-bit mask of where characters
 * end selects (transcode_tables.h) a shuffle that puts each of the next
 * 3 to 8 characters in its own 16- or 32-bit lane, where a few shifts and
 * masks turn its bytes into the code point.  Runs of ASCII, of 2-byte and
 * of 4-byte characters skip the table.
 *
 * Every store writes whole vectors, up to 16 units past the characters it
 * means; the loop stops 16 units short of the end of the output (64 at a
 * block boundary), and the scalar transcoder finishes.
 */

WSC_TK_TARGET
WSC_INLINE_ALWAYS void WSC_TK(put16)(void *dst, size_t o, wsc_v cp,
                                     unsigned width)
{
    if (width == 1)
        v_put16_1((uint8_t *)dst + o, cp);
    else if (width == 2)
        v_put16_2((uint16_t *)dst + o, cp);
    else
        v_put16_4((uint32_t *)dst + o, cp);
}

WSC_TK_TARGET
WSC_INLINE_ALWAYS void WSC_TK(put32)(void *dst, size_t o, wsc_v cp,
                                     unsigned width)
{
    if (width == 2)
        v_put32_2((uint16_t *)dst + o, cp);
    else
        v_put32_4((uint32_t *)dst + o, cp);
}

WSC_TK_TARGET
WSC_INLINE_ALWAYS void WSC_TK(put_ascii)(void *dst, size_t o, wsc_v in,
                                         unsigned width)
{
    if (width == 1)
        v_put_ascii_1((uint8_t *)dst + o, in);
    else if (width == 2)
        v_put_ascii_2((uint16_t *)dst + o, in);
    else
        v_put_ascii_4((uint32_t *)dst + o, in);
}

/* One step at p + *i, given the continuation and high-bit masks of the 16
 * bytes there; advances *i and *o.  Returns 0, having done nothing, when
 * the step would need wider units than width (input that is not valid
 * UTF-8 of this kind): the bounded scalar code takes over then. */
WSC_TK_TARGET
WSC_INLINE_ALWAYS int WSC_TK(step)(const uint8_t *p, size_t *ip, void *dst,
                                   size_t *op, unsigned here, unsigned high,
                                   unsigned width)
{
    const size_t i = *ip, o = *op;
    const wsc_v in = v_load(p + i);
    const wsc_transcode_step *st;
    if (high == 0) {
        WSC_TK(put_ascii)(dst, o, in, width);
        *ip = i + 16;
        *op = o + 16;
        return 1;
    }
    /* 16-bit units (valid text of this kind has no 4-byte characters):
     * every character that ends in these 16 bytes, whatever the mix of
     * widths, in one step of fixed work.  The table steps take at most 8
     * characters and stop where the width changes, which in text with
     * spaces (Korean, Hindi, Cyrillic) or JSON around CJK is every few
     * bytes: a step, a table load and a mispredicted branch per word.  A
     * character cut at the end waits for the next step; a byte >= F0 (only
     * in input that is not of this kind) is cut like a 4-byte lead, so
     * every step still moves on. */
    if (width == 2) {
        unsigned cut = p[i + 13] >= 0xF0 ? 3u : 0u;
        cut = p[i + 14] >= 0xE0 ? 2u : cut;
        cut = p[i + 15] >= 0xC0 ? 1u : cut;
#ifdef WSC_TK_BMP16
        *op = o + WSC_TK_BMP16((uint16_t *)dst + o, in, ~here & (0xFFFFu >> cut));
#else
        *op = o + v_put_bmp_2((uint16_t *)dst + o, in, ~here & (0xFFFFu >> cut));
#endif
        *ip = i + 16 - cut;
        return 1;
    }
    /* ASCII before the first other byte: all 16 stored, the run kept (the
     * rest is overwritten by the next steps). */
    if ((high & 1u) == 0) {
        const unsigned run = wsc_ctz32(high);
        WSC_TK(put_ascii)(dst, o, in, width);
        *ip = i + run;
        *op = o + run;
        return 1;
    }
    /* Eight 2-byte characters, unless the last lead starts a longer
     * character that goes on past these 16 bytes. */
    if (here == 0xAAAAu && p[i + 14] < 0xE0) {
        WSC_TK(put16)(dst, o, v_cp16(v_shuffle(in, wsc_swap_pairs)), width);
        *ip = i + 16;
        *op = o + 8;
        return 1;
    }
    if (here == 0xEEEEu && width == 4) { /* four 4-byte characters */
        v_put32_4((uint32_t *)dst + o,
                  v_cp32_4(v_shuffle(in, wsc_reverse_quads)));
        *ip = i + 16;
        *op = o + 4;
        return 1;
    }
    /* Four 3-byte characters (CJK): no table load on the path to the next
     * step. */
    if ((here & 0x1FFFu) == 0x0DB6u && width >= 2) {
        WSC_TK(put32)(dst, o, v_cp32_3(v_shuffle(in, wsc_reverse_triples)),
                      width);
        *ip = i + 12;
        *op = o + 4;
        return 1;
    }
    /* Byte j ends a character when byte j + 1 starts one. */
    st = &wsc_transcode_steps[(~here >> 1) & 0xFFFu];
    if (st->mode > width || (st->mode == 3 && width != 4))
        return 0;
    {
        wsc_v lanes = v_shuffle(in, wsc_transcode_shuffles[st->shuffle]);
        if (st->mode == 1)
            WSC_TK(put16)(dst, o, v_cp16(lanes), width);
        else if (st->mode == 2)
            WSC_TK(put32)(dst, o, v_cp32_3(lanes), width);
        else
            v_put32_4((uint32_t *)dst + o, v_cp32_4(lanes));
    }
    *ip = i + st->consumed;
    *op = o + st->chars;
    return 1;
}

/* The continuation-byte mask of the 64 bytes at p; *high gets their
 * high-bit mask. */
WSC_TK_TARGET
WSC_INLINE_ALWAYS uint64_t WSC_TK(block_masks)(const uint8_t *p,
                                               uint64_t *high)
{
    uint64_t h = 0, cont = 0;
    unsigned k;
    for (k = 0; k < 4; k++) {
        wsc_v v = v_load(p + 16 * k);
        h |= (uint64_t)v_high_bits(v) << (16 * k);
        cont |= (uint64_t)v_cont_bits(v) << (16 * k);
    }
    *high = h;
    return cont;
}

WSC_TK_TARGET
WSC_INLINE_ALWAYS void WSC_TK(kernel)(const uint8_t *p, size_t len,
                                      void *dst, size_t nchars,
                                      unsigned width, int steps,
                                      size_t *stop)
{
    size_t i = 0, o = 0;

    if (width == 1) {
        /* Latin-1: every character is ASCII or C2/C3 plus one byte.  Each
         * 16 bytes become their characters by one formula per byte (a lead
         * takes its payload bits and the next byte's), then the
         * continuation bytes are dropped by left-packing. */
#ifdef WSC_TK_LATIN_LOOP
        WSC_TK_LATIN_LOOP(p, len, (uint8_t *)dst, nchars, &i, &o);
#endif
        /* Whether 16 bytes are all ASCII is a coin toss in most Latin
         * text, so the formula runs on them regardless; only whole ASCII
         * blocks of 64, as long runs give, take a branch. */
        while (steps && len - i >= 65 && nchars - o >= 64) {
            uint64_t high, cont = WSC_TK(block_masks)(p + i, &high);
            unsigned k;
            if (high == 0) {
                for (k = 0; k < 4; k++)
                    v_put_ascii_1((uint8_t *)dst + o + 16 * k,
                                  v_load(p + i + 16 * k));
                o += 64;
            } else {
                for (k = 0; k < 4; k++)
                    o += v_put_latin1(
                        (uint8_t *)dst + o,
                        v_latin1(v_load(p + i + 16 * k),
                                 v_load(p + i + 16 * k + 1)),
                        ~(unsigned)(cont >> (16 * k)) & 0xFFFFu);
            }
            i += 64;
        }
        while (steps && len - i >= 17 && nchars - o >= 16) {
            wsc_v in = v_load(p + i);
            o += v_put_latin1((uint8_t *)dst + o,
                              v_latin1(in, v_load(p + i + 1)),
                              ~v_cont_bits(in) & 0xFFFFu);
            i += 16;
        }
        /* The last step may have taken the byte after it already. */
        if (i < len && (p[i] & 0xC0u) == 0x80u)
            i++;
        goto tail;
    }

#if defined(WSC_TK_WIDE_LOOP)
    if (width == 4) {
        WSC_TK_WIDE_LOOP(p, len, (uint32_t *)dst, nchars, &i, &o);
        while (i < len && (p[i] & 0xC0u) == 0x80u)
            i++;
        if (!steps)
            goto tail;
    }
#elif defined(WSC_TK_WIDE)
    /* 32-bit units: fixed steps of WSC_TK_WIDE_SPAN bytes, none of which
     * waits on another (the block may then end inside a character). */
    while (width == 4 && len - i >= 64 + 2 * WSC_TK_WIDE_SPAN &&
           nchars - o >= 64) {
        uint64_t high, cont = WSC_TK(block_masks)(p + i, &high);
        unsigned k;
        if (high == 0) {
            for (k = 0; k < 4; k++)
                WSC_TK(put_ascii)(dst, o + 16 * k, v_load(p + i + 16 * k), 4);
            o += 64;
        } else {
            for (k = 0; k < 64 / WSC_TK_WIDE_SPAN; k++)
                o += WSC_TK_WIDE(
                    (uint32_t *)dst + o, p + i + WSC_TK_WIDE_SPAN * k,
                    ~(unsigned)(cont >> (WSC_TK_WIDE_SPAN * k)) &
                        ((1u << WSC_TK_WIDE_SPAN) - 1u));
        }
        i += 64;
    }
    while (i < len && (p[i] & 0xC0u) == 0x80u)
        i++;
#endif
    /* The masks of a whole 64-byte block come first, so that finding the
     * next step is a shift and a table load, not a chain through the
     * vector unit. */
    while (len - i >= 64 && nchars - o >= 16) {
        const size_t block = i;
        uint64_t high, cont = WSC_TK(block_masks)(p + i, &high);
        unsigned k;
        if (high == 0 && nchars - o >= 64) {
            for (k = 0; k < 4; k++)
                WSC_TK(put_ascii)(dst, o + 16 * k, v_load(p + i + 16 * k),
                                  width);
            i += 64;
            o += 64;
            continue;
        }
#ifdef WSC_TK_CJK8
        /* 3-byte characters only (CJK text): sixteen in two wide steps,
         * then the next block. */
        if (width == 2 && nchars - o >= 16 &&
            (cont & UINT64_C(0x1FFFFFFFFFFFF)) == UINT64_C(0xDB6DB6DB6DB6)) {
            WSC_TK_CJK8((uint16_t *)dst + o, p + i);
            WSC_TK_CJK8((uint16_t *)dst + o + 8, p + i + 24);
            i += 48;
            o += 16;
            continue;
        }
#endif
        /* Steps start at most 48 bytes in: a 16-byte load stays inside
         * the block, and the 13 mask bits a step reads are known. */
        while (i - block <= 48 && nchars - o >= 16) {
            const unsigned at = (unsigned)(i - block);
#ifdef WSC_TK_CJK8
            /* Eight 3-byte characters (24 bytes, the 25th starts one) in
             * one wide step, where the ISA has one. */
            if (at <= 36 && width == 2 &&
                ((cont >> at) & 0x1FFFFFFu) == 0x0DB6DB6u) {
                WSC_TK_CJK8((uint16_t *)dst + o, p + i);
                i += 24;
                o += 8;
                continue;
            }
#endif
#ifdef WSC_TK_BMP32
            /* The 16-bit step on 32 bytes at once (reads 34, so at most 30
             * bytes into the block), as the ISA has the registers for. */
            if (width == 2 && at <= 30 && nchars - o >= 32) {
                unsigned cut = p[i + 29] >= 0xF0 ? 3u : 0u;
                cut = p[i + 30] >= 0xE0 ? 2u : cut;
                cut = p[i + 31] >= 0xC0 ? 1u : cut;
                o += WSC_TK_BMP32((uint16_t *)dst + o, p + i,
                                  ~(uint32_t)(cont >> at) & (0xFFFFFFFFu >> cut));
                i += 32 - cut;
                continue;
            }
#endif
            if (!WSC_TK(step)(p, &i, dst, &o, (unsigned)(cont >> at) & 0xFFFFu,
                              (unsigned)(high >> at) & 0xFFFFu, width))
                goto tail;
        }
        if (i - block <= 48)
            break; /* the output is nearly full */
    }
    /* The last 16 to 63 bytes: the same steps, masks from one load. */
    while (len - i >= 16 && nchars - o >= 16) {
        wsc_v in = v_load(p + i);
        if (!WSC_TK(step)(p, &i, dst, &o, v_cont_bits(in), v_high_bits(in),
                          width))
            break;
    }
tail:
    stop[0] = i;
    stop[1] = o;
}

/* The vector loops stop short of the end; the rest goes through them once
 * more from a copy padded with NULs (ASCII), into a scratch output of which
 * only the characters meant are kept: short text then costs no
 * character-at-a-time loop, and where the ISA has wide loops (steps == 0)
 * not the narrow steps either. */
#define WSC_TK_PAD 80
/* The most left over: the loops stop when fewer than 64 units of output
 * remain, up to 256 bytes of 4-byte characters. */
#define WSC_TK_REST 256

WSC_TK_TARGET
WSC_INLINE_ALWAYS void WSC_TK(whole)(const uint8_t *p, size_t len, void *dst,
                                     size_t nchars, unsigned width)
{
    uint8_t in[WSC_TK_REST + WSC_TK_PAD];
    uint32_t out[WSC_TK_REST + WSC_TK_PAD];
    size_t at[2], pad[2], left, rest, n;
    /* NULs enough for the loop that is to finish the rest: 16 for the
     * 16-byte steps, more for a wide loop. */
    size_t zeros = 16;
#ifdef WSC_TK_WIDE_LOOP
    if (width == 4)
        zeros = WSC_TK_PAD;
#endif
#ifdef WSC_TK_LATIN_LOOP
    if (width == 1)
        zeros = WSC_TK_PAD;
#endif
    WSC_TK(kernel)(p, len, dst, nchars, width, zeros == 16, at);
    left = nchars - at[1];
    rest = len - at[0];
    if (left == 0)
        return;
    if (rest > WSC_TK_REST || left > rest) {
        /* Only on input that is not valid UTF-8 of this width. */
        WSC_TK(kernel)(p + at[0], rest, (uint8_t *)dst + at[1] * width, left,
                       width, 1, pad);
        wsc_utf8_transcode_scalar(p + at[0] + pad[0], rest - pad[0],
                                  (uint8_t *)dst + (at[1] + pad[1]) * width,
                                  left - pad[1], width);
        return;
    }
    /* The loop then runs past the rest, so it writes all `left`
     * characters; only input that is not valid UTF-8 of this width can
     * stop it short. */
    n = rest + zeros;
    memcpy(in, p + at[0], rest);
    memset(in + rest, 0, zeros);
    WSC_TK(kernel)(in, n, out, n, width, zeros == 16, pad);
    if (pad[1] < left)
        wsc_utf8_transcode_scalar(in + pad[0], n - pad[0],
                                  (uint8_t *)out + pad[1] * width,
                                  n - pad[1], width);
    memcpy((uint8_t *)dst + at[1] * width, out, left * width);
}

WSC_TK_TARGET
void WSC_TK(wsc_utf8_transcode)(const uint8_t *p, size_t len, void *dst,
                                size_t nchars, unsigned width)
{
    /* One body per width, so the width tests above fold away. */
    if (width == 1)
        WSC_TK(whole)(p, len, dst, nchars, 1);
    else if (width == 2)
        WSC_TK(whole)(p, len, dst, nchars, 2);
    else
        WSC_TK(whole)(p, len, dst, nchars, 4);
}
#undef WSC_TK_PAD
#undef WSC_TK_REST
