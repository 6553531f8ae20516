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

# The rooms held name for name, private helpers included: every room.  A
# room may leave this set only with a reason, as a name in ONE_SIDED has.
STRICT = {
    "_buffers", "masking", "utf8", "values", "close", "encoder",
    "decoder", "header", "message_buffer", "text_check", "inflate", "receive",
}

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
    ("decoder", "_repr"): "shared __repr__ of the pure classes (native: a method)",
    # receive: the same class; Cython's is not exported, so it is private.
    ("receive", "_ReceiveBuffer"): "native spelling of ReceiveBuffer",
    ("receive", "ReceiveBuffer"): "pure spelling of _ReceiveBuffer",
    # _buffers: the pure side works on memoryviews, the native one on
    # Py_buffer exports and raw memory.
    ("_buffers", "byte_view"): "pure: the memoryview native code gets from the buffer protocol",
    ("_buffers", "_mask_key_from_buffer"): "native: the non-bytes path of mask_key, kept out of line",
    ("_buffers", "_Lease"): "native: a window of a payload object lent to a read (pure: receive.ReceiveBuffer)",
    # masking: C steps over pointers against Python's big-int XOR.
    ("masking", "xor_mask"): "pure unmasking kernel (native: wsc_mask in C)",
    ("masking", "_xor_loop"): "pure: the byte loop PyPy's JIT compiles, in place of big-int XOR",
    ("masking", "_exportable"): "native: whether a buffer can be exported writable, before the mask",
    ("masking", "_writable_view"): "native: the export that pins a bytearray while it is masked",
    ("masking", "_phase"): "native: offset % 4 of any int as a C integer (pure: % itself)",
    ("masking", "_unmask"): "native: copy-and-unmask between pointers (pure: xor_mask)",
    ("masking", "_payload_bytes"): "native: a payload's bytes unmasked straight from the read (pure: xor_mask)",
    # utf8: the pure side validates with bytes.decode; these are the C
    # paths that validate, measure and build a str in one pass.
    ("utf8", "incomplete_tail_is_possible"): "pure Utf8Validator's tail rule (native: in C)",
    ("utf8", "_valid"): "native: the SIMD validator, without the GIL past a size",
    ("utf8", "_valid_measure"): "native: validate and count characters in one pass",
    ("utf8", "_valid_after_ascii"): "native: validate, reporting the ASCII prefix",
    ("utf8", "_valid_measure_after_ascii"): "native: both of the above in one pass",
    ("utf8", "_ascii_str"): "native: a compact ASCII str by memcpy",
    ("utf8", "_text"): "native: a whole text payload to str, unmasked and validated",
    ("utf8", "_text_bytes"): "native: a whole text payload validated, kept as bytes",
    ("utf8", "_bad_text"): "native: raises 1007 from nogil-adjacent C code",
    # values: Cython builds the objects the decoder hands out without __init__.
    ("values", "_new_frame"): "native: a Frame without __init__'s checks",
    ("values", "_new_message"): "native: a Message without __init__'s checks",
    ("values", "_expose_fields"): "native: the read-only fields as members at import",
    # close: the C parser over the payload's bytes; the pure one is
    # parse_close_payload itself.
    ("close", "_parse_close"): "native: parse_close_payload over a pointer",
    # encoder: C writes the header and payload into one new bytes object.
    ("encoder", "encode_frame_parts"): "pure only; the native backend re-exports it",
    ("encoder", "_frame_size"): "native: the size of the bytes object to allocate",
    ("encoder", "_write_frame"): "native: header and masked payload written at a pointer",
    ("encoder", "_opcode_value"): "native: the opcode argument as a C integer",
    ("encoder", "_encode_frame"): "native: encode_frame once the payload is a pointer",
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


# Classes spelt differently on the two sides (Cython does not export a
# private cdef class), paired for the method and state comparisons.
CLASS_TWINS = {"_ReceiveBuffer": "ReceiveBuffer"}

# Methods on one side only, by room and class, with the reason.
ONE_SIDED_METHODS: dict[tuple[str, str, str], str] = {
    ("decoder", "_Decoder", "__dealloc__"): "frees the C-level message buffer",
    ("decoder", "_Decoder", "__reduce__"): "pure: InitGuard refuses pickling for every class",
    ("utf8", "Utf8Validator", "__reduce__"): "pure: InitGuard refuses pickling for every class",
    ("utf8", "Utf8Validator", "_feed"): "pure: feed after its argument became a view",
    ("masking", "Masker", "__reduce__"): "pure: InitGuard refuses pickling for every class",
    ("encoder", "MessageEncoder", "__reduce__"): "pure: InitGuard refuses pickling for every class",
    ("encoder", "_KeyPool", "__cinit__"): "Cython's allocation hook; pure: __init__",
    ("encoder", "_KeyPool", "__init__"): "pure spelling of __cinit__",
    ("values", "Frame", "__ne__"): "native: Cython's rich comparison needs both; Python derives __ne__",
    ("values", "Message", "__ne__"): "native: Cython's rich comparison needs both; Python derives __ne__",
    ("receive", "_ReceiveBuffer", "__cinit__"): "Cython's allocation hook; pure: __init__",
    ("receive", "_ReceiveBuffer", "__init__"): "pure spelling of __cinit__",
}

# State on one side only, by room and class, with the reason: where C keeps
# a length or a raw buffer that a Python object carries by itself.
ONE_SIDED_STATE: dict[tuple[str, str, str], str] = {
    ("decoder", "_Decoder", "_allow_rsv1"): "native: RSV1 tested bit by bit (pure: _b0_errors)",
    ("decoder", "_Decoder", "_b0_errors"): "pure: the first-byte error table RSV1 selects (native: _allow_rsv1)",
    ("decoder", "_Decoder", "_hlen"): "pure: the length of the _hdr bytearray",
    ("decoder", "_Decoder", "_in_payload"): "pure: _left is not 0 exactly while a payload arrives",
    ("decoder", "_Decoder", "_phase"): "pure: _key is rotated to the next byte instead",
    ("decoder", "_Decoder", "_control_len"): "pure: the length of the _control bytearray",
    ("decoder", "_Decoder", "_home"): "native: skips the thread-local lookup per read",
    ("decoder", "_Decoder", "_home_thread"): "native: skips the thread-local lookup per read",
    ("decoder", "_Decoder", "_spare"): "native: room past the payload object's end",
    ("decoder", "_Decoder", "_lease"): "native: the payload object's lent window",
    ("decoder", "_Decoder", "_payload_buf"): "pure: a buffer of its own instead of the payload's object",
    ("decoder", "_Decoder", "_data_is_str"): "native: the message grows as a str in place",
    ("decoder", "_Decoder", "_data_len"): "pure: the length of the _data bytearray",
    ("decoder", "_Decoder", "_data_cap"): "native: geometric growth of _data",
    ("decoder", "_Decoder", "_clean"): "native: how much of fresh heap memory is zeroed",
    ("encoder", "MessageEncoder", "_keys"): "native: a key pool per client encoder (pure: one shared pool)",
    ("encoder", "MessageEncoder", "_ready"): "native: whether __init__ ran (pure: InitGuard)",
    ("encoder", "_KeyPool", "_pool"): "native: 4 KiB of key bytes (pure: _keys, a list of keys)",
    ("encoder", "_KeyPool", "_pos"): "native: the next key's offset in _pool",
    ("encoder", "_KeyPool", "_gen"): "native: the fork generation it was filled in (pure: cleared at fork)",
    ("encoder", "_KeyPool", "_keys"): "pure: the keys left, as bytes (native: _pool and _pos)",
}

_PXI_CLASS = re.compile(r"^(?:cdef\s+(?:public\s+)?)?class\s+(\w+)", re.MULTILINE)
_PXI_METHOD = re.compile(
    r"^    (?:(?:async\s+)?def\s+(\w+)|(?:cdef|cpdef)\s+(?!class\b)[^=(\n#]*?\b(\w+)\s*\()",
    re.MULTILINE,
)
_PXD_FIELD = re.compile(r"^    cdef\s+(?!inline\b)[^(#\n]*?\b(\w+)\s*(?:\[[^\]]*\])?\s*(?:#.*)?$", re.MULTILINE)


def _pxi_class_bodies(text: str) -> dict[str, str]:
    """Each top-level class's body: the indented lines after its header."""
    bodies = {}
    for m in _PXI_CLASS.finditer(text):
        lines = []
        for line in text[m.end() :].split("\n")[1:]:
            if line.strip() and not line[0].isspace():
                break
            lines.append(line)
        bodies[m.group(1)] = "\n".join(lines)
    return bodies


def _native_methods(room: str) -> dict[str, set[str]]:
    bodies = _pxi_class_bodies((NATIVE / f"{room}.pxi").read_text(encoding="utf-8"))
    return {
        CLASS_TWINS.get(cls, cls): {next(v for v in m.groups() if v) for m in _PXI_METHOD.finditer(body)}
        for cls, body in bodies.items()
    }


def _py_classes(room: str) -> dict[str, ast.ClassDef]:
    tree = ast.parse((PURE / f"{room}.py").read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _pure_methods(room: str) -> dict[str, set[str]]:
    return {
        name: {f.name for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for name, node in _py_classes(room).items()
    }


def _native_state() -> dict[str, set[str]]:
    bodies = _pxi_class_bodies((NATIVE / "_ext.pxd").read_text(encoding="utf-8"))
    return {CLASS_TWINS.get(cls, cls): set(_PXD_FIELD.findall(body)) for cls, body in bodies.items()}


def _pure_state(room: str) -> dict[str, set[str]]:
    state = {}
    for name, node in _py_classes(room).items():
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__slots__" for t in stmt.targets
            ):
                state[name] = set(ast.literal_eval(stmt.value))
    return state


def _twin_name(name: str) -> str:
    return next((k for k, v in CLASS_TWINS.items() if v == name), name)


def _drift(
    room: str, native: dict[str, set[str]], pure: dict[str, set[str]], allowed: dict[tuple[str, str, str], str]
) -> list[tuple[str, str, str]]:
    """(side, class, name) for each name of a class found on one side only."""
    drift = []
    for cls in sorted(native.keys() & pure.keys()):
        for side, names in (("native", native[cls] - pure[cls]), ("pure", pure[cls] - native[cls])):
            drift += [(side, cls, n) for n in sorted(names) if (room, _twin_name(cls), n) not in allowed]
    return drift


# What is compared class by class: the native reader, the pure reader (each
# by room) and the legitimate one-sided names.
CLASS_COMPARISONS = {
    "methods": (_native_methods, _pure_methods, ONE_SIDED_METHODS),
    "state": (lambda room: _native_state(), _pure_state, ONE_SIDED_STATE),
}


@pytest.mark.parametrize("room", sorted(STRICT))
@pytest.mark.parametrize("kind", sorted(CLASS_COMPARISONS))
def test_same_class_members(kind: str, room: str) -> None:
    """The classes of a room have the same methods, and the same fields (the
    native .pxd, the pure __slots__), on both sides: the state machine keeps
    the same state under the same names and changes it in the same places."""
    native, pure, allowed = CLASS_COMPARISONS[kind]
    drift = _drift(room, native(room), pure(room), allowed)
    assert not drift, f"{room}: {kind} on one side only (side, class, name): {drift}"


def test_the_decoder_classes_are_compared() -> None:
    """The readers above find the decoder's methods and fields, so the
    comparison cannot pass by reading nothing."""
    assert {"_run", "_begin", "_take_piece", "feed"} <= _native_methods("decoder")["_Decoder"]
    assert {"_run", "_begin", "_take_piece", "feed"} <= _pure_methods("decoder")["_Decoder"]
    assert {"_server", "_left", "_msg_op", "_key"} <= _native_state()["_Decoder"]
    assert {"_server", "_left", "_msg_op", "_key"} <= _pure_state("decoder")["_Decoder"]
    assert "lend" in _native_methods("receive")["ReceiveBuffer"]


def test_one_sided_methods_and_state_are_current() -> None:
    stale = []
    for native, pure, allowed in CLASS_COMPARISONS.values():
        for room, cls, name in allowed:
            twin = CLASS_TWINS.get(cls, cls)
            if (name in native(room).get(twin, set())) == (name in pure(room).get(twin, set())):
                stale.append((room, cls, name))
    assert not stale, f"one-sided entries that are on both sides, or on neither: {stale}"


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
