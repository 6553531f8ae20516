"""The native rooms and the pure twin stay mirrored, file for file and name
for name (README, "the rooms"): the two backends are read side by side,
and a room or a function that exists on one side only is where they start
to drift apart unseen.

Built from the source files alone, so it needs neither backend to be
importable: a .pxi is read with a regex for its top-level ``def``,
``cdef``/``cpdef`` functions and classes, a .py with ``ast``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "wscodec"
NATIVE = SOURCE / "_native"
PURE = SOURCE / "_pure"

# Pure modules with no native room.  None so far: a module added here needs
# a reason, as a name in ONE_SIDED does.
PURE_ONLY: dict[str, str] = {}

# The rooms held name for name, private helpers included: those the decoder
# split made twins of.  In the older rooms only the public names are held
# to it so far, as their private helpers were written apart (different names
# for the same helper, C-only steps); a room joins this set once its
# helpers are brought to one name each.
STRICT = {"decoder", "header", "message_buffer", "text_check", "inflate", "receive"}

# Names that are legitimately on one side only, by room, with the reason.
ONE_SIDED: dict[tuple[str, str], str] = {
    # header: the pure side checks the first byte by a table lookup built
    # once; the native one tests its bits in C.
    ("header", "_first_byte_errors"): "builds the pure first-byte table",
    ("header", "_first_byte_error"): "raises from the pure first-byte table",
    # message_buffer: a bytearray grows by itself and is never uninitialised.
    ("message_buffer", "_data_ptr"): "raw pointer into a bytes or str buffer",
    ("message_buffer", "_reserve"): "geometric growth of a bytes/str grown in place",
    ("message_buffer", "_zero_fresh"): "zeroes fresh heap memory before a lent view shows it",
    # text_check: one pass that unmasks and validates in L1-sized blocks;
    # the pure side unmasks (message_buffer._copy_unmasked), then validates.
    ("text_check", "_copy_text"): "fused unmask-and-validate in C",
    # decoder: argument handling each side spells its own way.
    ("decoder", "_limit"): "a checked limit as a C integer, _NO_LIMIT for None",
    ("decoder", "_mask_bit"): "the pure side keeps the role as the expected mask bit",
    ("decoder", "_repr"): "shared __repr__ of the pure classes (native: a method)",
    # receive: the same class; Cython's is not exported, so it is private.
    ("receive", "_ReceiveBuffer"): "native spelling of ReceiveBuffer",
    ("receive", "ReceiveBuffer"): "pure spelling of _ReceiveBuffer",
    # Older rooms, public names: the same helper under two names, or a
    # helper only one side's own code needs.
    ("_buffers", "as_bytes"): "native spelling of buffer_bytes",
    ("_buffers", "buffer_bytes"): "pure spelling of as_bytes",
    ("_buffers", "byte_view"): "pure: the memoryview native code gets from the buffer protocol",
    ("masking", "xor_mask"): "pure unmasking kernel (native: wsc_mask in C)",
    ("utf8", "incomplete_tail_is_possible"): "pure Utf8Validator's tail rule (native: in C)",
    ("encoder", "encode_frame_parts"): "pure only; the native backend re-exports it",
}

# The C-level API of wscodec/api.pxd (ws_mask, ws_decoder_feed, ...) lives
# in the native rooms only: Python code has the Python API.
C_API_PREFIX = "ws_"

_PXI_NAME = re.compile(
    r"^(?:"
    r"(?:cdef\s+|cpdef\s+)(?:public\s+|api\s+)*class\s+(?P<cls>\w+)"
    r"|class\s+(?P<pycls>\w+)"
    r"|(?:async\s+)?def\s+(?P<def>\w+)"
    r"|(?:cdef|cpdef)\s+(?!extern\b|enum\b|struct\b|union\b|ctypedef\b|class\b)[^=(\n]*?\b(?P<func>\w+)\s*\("
    r")",
    re.MULTILINE,
)


def _pxi_names(path: Path) -> set[str]:
    names = set()
    for m in _PXI_NAME.finditer(path.read_text(encoding="utf-8")):
        names.add(next(v for v in m.groups() if v))
    return names


def _py_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return {
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }


def _native_rooms() -> set[str]:
    return {p.stem for p in NATIVE.glob("*.pxi")}


def _pure_rooms() -> set[str]:
    return {p.stem for p in PURE.glob("*.py")} - {"__init__"} - set(PURE_ONLY)


def test_same_rooms() -> None:
    native, pure = _native_rooms(), _pure_rooms()
    assert native - pure == set(), f"native rooms without a pure twin: {sorted(native - pure)}"
    assert pure - native == set(), f"pure modules without a native room: {sorted(pure - native)}"


def test_pure_only_modules_exist() -> None:
    stale = [name for name in PURE_ONLY if not (PURE / f"{name}.py").exists()]
    assert not stale, f"PURE_ONLY lists modules that are gone: {stale}"


def _one_sided(room: str) -> tuple[set[str], set[str]]:
    native = _pxi_names(NATIVE / f"{room}.pxi")
    pure = _py_names(PURE / f"{room}.py")
    if room not in STRICT:
        native = {n for n in native if not n.startswith("_")}
        pure = {n for n in pure if not n.startswith("_")}
    native = {n for n in native if not n.startswith(C_API_PREFIX)}
    return native - pure, pure - native


@pytest.mark.parametrize("room", sorted(_native_rooms() & _pure_rooms()))
def test_same_names(room: str) -> None:
    native_only, pure_only = _one_sided(room)
    native_only = {n for n in native_only if (room, n) not in ONE_SIDED}
    pure_only = {n for n in pure_only if (room, n) not in ONE_SIDED}
    assert not native_only, f"{room}: native only, no pure twin: {sorted(native_only)}"
    assert not pure_only, f"{room}: pure only, no native twin: {sorted(pure_only)}"


def test_allowlist_is_current() -> None:
    """An allowlisted name that is now on both sides, or on neither, is a
    stale entry: it would hide the next drift of that name."""
    stale = []
    for room, name in ONE_SIDED:
        native_only, pure_only = _one_sided(room)
        if name not in native_only | pure_only:
            stale.append((room, name))
    assert not stale, f"ONE_SIDED entries no longer one-sided: {stale}"


def test_the_regex_sees_the_kinds_of_names() -> None:
    """The .pxi reader finds each kind of top-level name and nothing nested."""
    text = (
        "cdef inline uint8_t *_ptr(_Decoder d) noexcept:\n"
        "    cdef int inner(x):\n"
        "cdef int _f(\n"
        "cpdef list g(x):\n"
        "def h():\n"
        "cdef class C:\n"
        "cdef public class P [object p, type t]:\n"
        "cdef object _g = make()\n"
        'cdef extern from "Python.h":\n'
        "cdef enum:\n"
    )
    found = {next(v for v in m.groups() if v) for m in _PXI_NAME.finditer(text)}
    assert found == {"_ptr", "_f", "g", "h", "C", "P"}


def test_no_source_file_over_600_lines() -> None:
    """Rooms stay small enough to read whole; a generated file (its first
    line says so) is data, not a room."""
    long = []
    core = SOURCE.parent / "src"
    paths = [p for p in SOURCE.rglob("*") if p.suffix in {".py", ".pyx", ".pxi", ".pxd", ".pyi"}]
    paths += [p for p in core.glob("*") if p.suffix in {".c", ".h"}] if core.is_dir() else []
    for path in sorted(paths):
        lines = path.read_text(encoding="utf-8").splitlines()
        if lines and "Generated" in lines[0]:
            continue
        if len(lines) > 600:
            long.append((str(path.relative_to(SOURCE.parent)), len(lines)))
    assert not long, long
