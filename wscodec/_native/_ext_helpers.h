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

/* ---- Small payloads ----------------------------------------------------- */

/* Unmask (key != NULL) or copy a short payload and report whether it is all
 * ASCII, in one pass: for small frames a call into the SIMD core for each of
 * the two jobs costs more than the work.  dst must not overlap src: the last
 * word may be redone from src. */
static inline int wsc_small_unmask_ascii(uint8_t *dst, const uint8_t *src,
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
 * uses) it can, and they read about twice as fast.  So the fields are these
 * plain structs inside the objects, and the compiler gives their offsets:
 * offsetof within the struct, plus where the struct sits in the object
 * (wsc_install_members takes that from the address of the struct in an
 * instance, never from the object's memory contents). */

typedef struct {
    PyObject *opcode;
    PyObject *payload;
    PyObject *fin;
    PyObject *rsv1;
    PyObject *rsv2;
    PyObject *rsv3;
} wsc_frame_fields;

typedef struct {
    PyObject *opcode;
    PyObject *data;
    PyObject *close_code;
    PyObject *close_reason;
} wsc_message_fields;

#if PY_VERSION_HEX < 0x030C0000
#include "structmember.h" /* PyMemberDef; in Python.h since 3.12 */
#endif
#ifndef Py_T_OBJECT_EX
#define Py_T_OBJECT_EX 16 /* T_OBJECT_EX before 3.12 */
#endif

#define WSC_MEMBER(fields, name) {#name, Py_T_OBJECT_EX, offsetof(fields, name), 0, NULL}

static PyMemberDef wsc_frame_members[] = {
    WSC_MEMBER(wsc_frame_fields, opcode),
    WSC_MEMBER(wsc_frame_fields, payload),
    WSC_MEMBER(wsc_frame_fields, fin),
    WSC_MEMBER(wsc_frame_fields, rsv1),
    WSC_MEMBER(wsc_frame_fields, rsv2),
    WSC_MEMBER(wsc_frame_fields, rsv3),
    {NULL, 0, 0, 0, NULL},
};

static PyMemberDef wsc_message_members[] = {
    WSC_MEMBER(wsc_message_fields, opcode),
    WSC_MEMBER(wsc_message_fields, data),
    WSC_MEMBER(wsc_message_fields, close_code),
    WSC_MEMBER(wsc_message_fields, close_reason),
    {NULL, 0, 0, 0, NULL},
};

/* Make each member of `defs` (offsets within the fields struct) a member
 * descriptor of `tp`, the struct starting `base` bytes into the object.
 * Called once per type at import. */
static int wsc_install_members(PyTypeObject *tp, PyMemberDef *defs, Py_ssize_t base)
{
    PyMemberDef *def;
    for (def = defs; def->name != NULL; def++) {
        PyObject *descr;
        int r;
        def->offset += base;
        descr = PyDescr_NewMember(tp, def);
        if (descr == NULL)
            return -1;
        r = PyDict_SetItemString(tp->tp_dict, def->name, descr);
        Py_DECREF(descr);
        if (r < 0)
            return -1;
    }
    PyType_Modified(tp);
    return 0;
}

/* Store a new reference to `value` in a field, dropping the old one. */
static inline void wsc_set_field(PyObject **field, PyObject *value)
{
    PyObject *old = *field;
    Py_INCREF(value);
    *field = value;
    Py_XDECREF(old);
}

#endif /* WSCODEC_EXT_HELPERS_H */
