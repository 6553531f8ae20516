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

/* Store a new reference to `value` in the object field at `offset`,
 * releasing the old one if any: a field a user deleted is NULL, which
 * Cython's own attribute assignment does not expect. */
static inline void wsc_store_field(PyObject *obj, Py_ssize_t offset, PyObject *value)
{
    PyObject **field = (PyObject **)((char *)obj + offset);
    PyObject *old = *field;
    Py_INCREF(value);
    *field = value;
    Py_XDECREF(old);
}

#endif /* WSCODEC_EXT_HELPERS_H */
