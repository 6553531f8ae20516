/*
 * UTF-8 public entry points: whole-buffer validation and the streaming
 * validator that fails on the first piece that makes the input impossible.
 */
#include "wsc_internal.h"

/* Empty input may come with p == NULL, where even p + 0 is undefined; the
 * implementations are spared that case. */

int wsc_utf8_valid(const uint8_t *p, size_t len)
{
    if (len == 0)
        return 1;
    return wsc_active()->utf8_valid(p, len);
}

size_t wsc_ascii_prefix(const uint8_t *p, size_t len)
{
    if (len == 0)
        return 0;
    return wsc_active()->ascii_prefix(p, len);
}

/* Pieces small enough that the copy reads them from L1, where the scan left
 * them: large ASCII text then costs one pass over memory, not two. */
#define ASCII_COPY_PIECE 4096

size_t wsc_ascii_copy(uint8_t *dst, const uint8_t *src, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t piece = len - i < ASCII_COPY_PIECE ? len - i : ASCII_COPY_PIECE;
        size_t a = wsc_active()->ascii_prefix(src + i, piece);
        memcpy(dst + i, src + i, a);
        i += a;
        if (a < piece)
            break;
    }
    return i;
}

/* The struct holds the automaton's state, except that failure is spelled
 * WSC_UTF8_REJECT as the header promises. */
void wsc_utf8_stream_init(wsc_utf8_stream *s) { s->state = 0; }

int wsc_utf8_stream_finish(const wsc_utf8_stream *s)
{
    return s->state == WSC_DFA_ACCEPT;
}

static int stream_fail(wsc_utf8_stream *s)
{
    s->state = WSC_UTF8_REJECT;
    return 0;
}

/* Length of p[0..len) once an unfinished character at its end is cut off:
 * the whole-buffer validator can then check the rest, since a lead byte
 * there must not be flagged as incomplete. */
static size_t complete_prefix(const uint8_t *p, size_t len)
{
    size_t k;
    for (k = 1; k <= 3 && k <= len; k++) {
        uint8_t b = p[len - k];
        size_t need;
        if (b < 0x80)
            return len;
        if (b < 0xC0)
            continue; /* continuation: keep looking for its lead */
        need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        return need > k ? len - k : len;
    }
    /* Three continuations (or fewer bytes than that): either they finish a
     * character or they are an error the validator will report. */
    return len;
}

int wsc_utf8_stream_feed(wsc_utf8_stream *s, const uint8_t *p, size_t len)
{
    uint32_t st = s->state;
    size_t i = 0, end;

    if (st == WSC_UTF8_REJECT)
        return 0;
    if (len == 0)
        return 1;
    /* Finish the character left open by the previous piece. */
    while (st != WSC_DFA_ACCEPT && i < len) {
        st = wsc_utf8_dfa(st, p + i, 1);
        i++;
        if (st == WSC_DFA_REJECT)
            return stream_fail(s);
    }
    if (i < len) {
        end = i + complete_prefix(p + i, len - i);
        if (!wsc_active()->utf8_valid(p + i, end - i))
            return stream_fail(s);
        /* The automaton sees the unfinished tail so that a prefix no byte
         * could complete (E0 80, ED A0, F4 90, F5, C0 ...) fails now. */
        st = wsc_utf8_dfa(WSC_DFA_ACCEPT, p + end, len - end);
        if (st == WSC_DFA_REJECT)
            return stream_fail(s);
    }
    s->state = st;
    return 1;
}
