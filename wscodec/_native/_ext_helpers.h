/*
 * C helpers of the extension module wscodec._native._ext (see _ext.pyx).
 *
 * They need Python.h (the member descriptors) or are too small to be worth
 * a call into the C core in src/, so they live beside the Cython code that
 * uses them rather than in the core, which stays free of Python.
 */
#ifndef WSCODEC_EXT_HELPERS_H
#define WSCODEC_EXT_HELPERS_H

#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- Buffers the GIL keeps still ---------------------------------------- */

/* With the GIL, no other thread can resize a bytearray while this one holds
 * the GIL and runs no Python code, so a short C loop may write into it
 * without exporting it: the export and its release are most of the cost of
 * masking a small payload in place.  A free-threaded build has no such
 * guarantee, so there every write goes through an export. */
#ifdef Py_GIL_DISABLED
#define WSC_GIL_KEEPS_BYTEARRAYS_STILL 0
#else
#define WSC_GIL_KEEPS_BYTEARRAYS_STILL 1
#endif

/* ---- Small payloads ----------------------------------------------------- */

/* XOR n bytes at p in place with the key from byte `phase` on; returns the
 * next phase.  For a small payload the call through the SIMD dispatcher
 * costs more than this loop. */
static inline unsigned wsc_small_mask_inplace(uint8_t *p, size_t n, const uint8_t *key, unsigned phase)
{
    uint8_t kk[8];
    uint32_t k4, w4;
    uint64_t k8, w;
    size_t i = 0;
    phase &= 3u;
    memcpy(kk, key, 4);
    memcpy(kk + 4, key, 4);
    /* The key from byte `phase` on, in memory order; both halves of k8 are
     * equal, so it is in memory order on either endianness too. */
    memcpy(&k4, kk + phase, 4);
    k8 = ((uint64_t)k4 << 32) | k4;
    for (; n - i >= 8; i += 8) {
        memcpy(&w, p + i, 8);
        w ^= k8;
        memcpy(p + i, &w, 8);
    }
    if (n - i >= 4) {
        memcpy(&w4, p + i, 4);
        w4 ^= k4;
        memcpy(p + i, &w4, 4);
        i += 4;
    }
    /* i is a multiple of 4 here: the rest starts at key byte `phase`. */
    for (; i < n; i++)
        p[i] ^= kk[phase + (i & 3u)];
    return (unsigned)((phase + n) & 3u);
}

/* Mask (key != NULL) or copy a short payload and report whether it is all
 * ASCII, in one pass: for small frames a call into the SIMD core for each of
 * the two jobs costs more than the work.  Masking and unmasking are the same
 * XOR, so the decoder unmasks received payloads and the encoder masks
 * outgoing ones with it.  dst must not overlap src: the last word may be
 * redone from src. */
static inline int wsc_small_mask_ascii(uint8_t *dst, const uint8_t *src,
                                       size_t n, const uint8_t *key)
{
    uint8_t kb[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    uint64_t k8, w, acc = 0;
    size_t i = 0;
    if (key) {
        memcpy(kb, key, 4);
        memcpy(kb + 4, key, 4);
        memcpy(kb + 8, key, 4);
    }
    memcpy(&k8, kb, 8);
    if (n >= 8) {
        for (; i + 8 <= n; i += 8) {
            memcpy(&w, src + i, 8);
            w ^= k8;
            acc |= w;
            memcpy(dst + i, &w, 8);
        }
        if (i < n) {
            /* The last 8 bytes, overlapping what is done, with the key
             * rotated to their phase: no byte-at-a-time tail. */
            size_t off = n - 8;
            uint64_t kr;
            memcpy(&kr, kb + (off & 3u), 8);
            memcpy(&w, src + off, 8);
            w ^= kr;
            acc |= w;
            memcpy(dst + off, &w, 8);
        }
    } else {
        for (; i < n; i++) {
            uint8_t c = (uint8_t)(src[i] ^ kb[i & 3u]);
            acc |= c;
            dst[i] = c;
        }
    }
    return (acc & 0x8080808080808080ULL) == 0;
}

/* ---- Frame and Message fields ------------------------------------------ */

/* Attribute access on the decoders' output is in every user's hot loop.
 * Cython exposes `cdef public` fields as getset descriptors, which CPython's
 * attribute cache cannot specialise; member descriptors (what __slots__
 * uses) it can, and they read about twice as fast.  values.pxi passes each
 * field's offset as the compiler computed it (offsetof on the object
 * struct), never one found by looking at an object's memory. */

#if PY_VERSION_HEX < 0x030C0000
#include "structmember.h" /* PyMemberDef; in Python.h since 3.12 */
#endif
#ifndef Py_T_OBJECT_EX
#define Py_T_OBJECT_EX 16 /* T_OBJECT_EX before 3.12 */
#endif

/* Make the object field at `offset` the member descriptor `name` of `tp`.
 * `def` must live as long as the type (the descriptor points to it).
 * Called at import, before any instance exists; PyType_Modified follows. */
static int wsc_add_member(PyTypeObject *tp, PyMemberDef *def, const char *name, Py_ssize_t offset)
{
    PyObject *descr;
    int r;
    def->name = name;
    def->type = Py_T_OBJECT_EX;
    def->offset = offset;
    def->flags = 0;
    def->doc = NULL;
    descr = PyDescr_NewMember(tp, def);
    if (descr == NULL)
        return -1;
    r = PyDict_SetItemString(tp->tp_dict, name, descr);
    Py_DECREF(descr);
    return r;
}

/* A user can delete a field (the member descriptor stores NULL), and
 * Cython's own `self.x = v` drops the old value without a NULL check, so
 * __init__ stores through this instead. */
static inline void wsc_replace_field(PyObject *obj, Py_ssize_t offset, PyObject *value)
{
    PyObject **slot = (PyObject **)((char *)obj + offset);
    PyObject *old = *slot;
    Py_INCREF(value);
    *slot = value;
    Py_XDECREF(old);
}

/* `Frame.__new__(Frame)` from Python leaves every field unset, as the pure
 * twin's __slots__ do, so reading one raises AttributeError on both
 * backends.  Only the type's tp_new slot (what Python calls) is wrapped:
 * the decoders call Cython's allocator directly and fill every field. */
#define WSC_MAX_FIELDS 6

typedef struct {
    newfunc base;
    Py_ssize_t offsets[WSC_MAX_FIELDS];
    int count;
} wsc_unset_new;

static wsc_unset_new wsc_frame_new_info, wsc_message_new_info;

static PyObject *wsc_new_unset(const wsc_unset_new *info, PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    PyObject *obj = info->base(tp, args, kw);
    int i;
    if (obj != NULL)
        for (i = 0; i < info->count; i++)
            Py_CLEAR(*(PyObject **)((char *)obj + info->offsets[i]));
    return obj;
}

static PyObject *wsc_frame_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    return wsc_new_unset(&wsc_frame_new_info, tp, args, kw);
}

static PyObject *wsc_message_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    return wsc_new_unset(&wsc_message_new_info, tp, args, kw);
}

/* Called at import, before any instance or subclass exists. */
static void wsc_leave_fields_unset(PyTypeObject *tp, int is_frame, const Py_ssize_t *offsets, int count)
{
    wsc_unset_new *info = is_frame ? &wsc_frame_new_info : &wsc_message_new_info;
    int i;
    info->base = tp->tp_new;
    info->count = count;
    for (i = 0; i < count && i < WSC_MAX_FIELDS; i++)
        info->offsets[i] = offsets[i];
    tp->tp_new = is_frame ? wsc_frame_new : wsc_message_new;
}

#endif /* WSCODEC_EXT_HELPERS_H */
