"""API-misuse fuzzing: fuzzer-chosen sequences of calls on both backends.

Each input drives the same objects of ``wscodec._native`` and
``wscodec._pure`` through the same sequence of calls (constructors,
re-``__init__``, ``__new__`` without ``__init__``, pickling, every method)
with the same fuzzer-chosen arguments (wrong types, huge and negative
numbers, odd buffers).  Both must give the same result or raise the same
exception type; the interpreter must never crash.  Results that are random
by design (a client encoder's masking keys) are compared by length.

    python fuzz/misuse.py CORPUS_DIR fuzz/corpus/misuse -max_total_time=600
"""

import array
import copy
import pickle
import sys

import atheris

with atheris.instrument_imports(include=["wscodec"]):
    import wscodec._native as native
    import wscodec._pure as pure

BACKENDS = (native, pure)
INTS = (0, 1, 2, 3, 4, 7, 8, 9, 10, 15, 16, 125, 126, 127, 999, 1000, 1005, 1015, 2999, 3000, 4999, 5000,
        65535, 65536, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 2**70)


def draw_spec(fdp):
    """A backend-independent description of one argument."""
    kind = fdp.ConsumeIntInRange(0, 19)
    if kind <= 6:
        return (kind, fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 40)))
    if kind == 7:
        return (kind, fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 20)))
    if kind == 8:
        value = INTS[fdp.ConsumeIntInRange(0, len(INTS) - 1)]
        return (kind, -value if fdp.ConsumeBool() else value)
    if kind == 9:
        return (kind, fdp.ConsumeInt(2))
    if kind == 10:
        return (kind, fdp.ConsumeRegularFloat())
    if kind == 11:
        return (kind, ("server", "client", "SERVER", b"server", "")[fdp.ConsumeIntInRange(0, 4)])
    return (kind, None)


def build(spec, backend):
    """The argument itself, made fresh for one backend."""
    kind, value = spec
    if kind == 0:
        return value
    if kind == 1:
        return bytearray(value)
    if kind == 2:
        return memoryview(bytearray(value))[1:]
    if kind == 3:
        return memoryview(bytearray(value))[::2]
    if kind == 4:
        return memoryview(bytearray(value)).toreadonly()
    if kind == 5:
        return array.array("B", value)
    if kind == 6:
        return array.array("H", value[: len(value) // 2 * 2])
    if kind in (7, 8, 9, 10, 11):
        return value
    if kind == 12:
        return None
    if kind == 13:
        return True
    if kind == 14:
        view = memoryview(b"abcd")
        view.release()
        return view
    if kind == 15:
        return backend.Opcode.TEXT
    if kind == 16:
        return memoryview(bytearray(16)).cast("B", (4, 4))
    if kind == 17:
        return backend.PerMessageDeflate()
    if kind == 18:
        return [1, 2]
    return object()


def plain(value):
    """A backend-neutral, comparable form of a result."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if type(value).__name__ == "Frame":
        return ("Frame",) + tuple(plain(getattr(value, f, "<unset>"))
                                  for f in ("opcode", "payload", "fin", "rsv1", "rsv2", "rsv3"))
    if type(value).__name__ == "Message":
        return ("Message",) + tuple(plain(getattr(value, f, "<unset>"))
                                    for f in ("opcode", "data", "close_code", "close_reason"))
    if isinstance(value, (bytes, bytearray, str, int, float, type(None))):
        return value
    return type(value).__name__


CLASSES = ("MessageDecoder", "FrameDecoder", "MessageEncoder", "Masker", "Utf8Validator", "Frame", "Message")
METHODS = {
    "MessageDecoder": ("feed", "__init__", "get_buffer", "read"),
    "FrameDecoder": ("feed", "__init__", "get_buffer", "read"),
    "MessageEncoder": ("text", "binary", "ping", "pong", "close", "__init__"),
    "Masker": ("process", "__init__"),
    "Utf8Validator": ("feed", "finish", "reset"),
    "Frame": ("__reduce__",),
    "Message": ("__reduce__",),
}
FUNCTIONS = ("apply_mask", "mask_inplace", "validate_utf8", "encode_frame", "encode_close_payload",
             "parse_close_payload")
KEYWORDS = ("role", "max_message_size", "max_frame_size", "deflate", "decode_text", "allow_rsv1",
            "fin", "rsv1", "mask")


def read(decoder, data=b"", how=0):
    """One read as asyncio's loop makes it for a BufferedProtocol: what fits
    of ``data`` into get_buffer(-1), then buffer_updated with that count, or
    with a count that is out of range or of the wrong type (``how``).  The
    harness writes what it reports: a window the native decoder lends holds
    whatever was in memory before."""
    view = decoder.get_buffer(-1)
    data = bytes(data) if isinstance(data, (bytes, bytearray, memoryview)) else b""
    n = min(len(view), len(data))
    view[:n] = data[:n]
    bad = {1: -1, 2: len(view) + 1, 3: None, 4: float(n)}
    return decoder.buffer_updated(bad.get(how, n) if isinstance(how, int) else n)


def round_trip(load, dump, obj):
    return plain(load(dump(obj)) if dump else load(obj))


def outcome(fn, *args, **kwargs):
    try:
        return ("ok", fn(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - the exception type is the outcome
        return ("raised", type(exc).__name__)


def check(data):
    fdp = atheris.FuzzedDataProvider(data)
    objects = [{}, {}]  # per backend: class name -> current object
    for _ in range(fdp.ConsumeIntInRange(1, 12)):
        action = fdp.ConsumeIntInRange(0, 5)
        name = CLASSES[fdp.ConsumeIntInRange(0, len(CLASSES) - 1)]
        specs = [draw_spec(fdp) for _ in range(fdp.ConsumeIntInRange(0, 4))]
        keywords = {KEYWORDS[fdp.ConsumeIntInRange(0, len(KEYWORDS) - 1)]: draw_spec(fdp)
                    for _ in range(fdp.ConsumeIntInRange(0, 3))}
        method = METHODS[name][fdp.ConsumeIntInRange(0, len(METHODS[name]) - 1)]
        function = FUNCTIONS[fdp.ConsumeIntInRange(0, len(FUNCTIONS) - 1)]
        results = []
        buffers = []
        for side, backend in enumerate(BACKENDS):
            args = [build(s, backend) for s in specs]
            kwargs = {k: build(s, backend) for k, s in keywords.items()}
            cls = getattr(backend, name)
            current = objects[side].get(name)
            if action == 0:  # construct
                result = outcome(cls, *args, **kwargs)
                if result[0] == "ok":
                    objects[side][name] = result[1]
            elif action == 1:  # __new__ without __init__
                result = outcome(cls.__new__, cls)
                if result[0] == "ok":
                    objects[side][name] = result[1]
            elif action == 2 and current is not None:  # a method, re-init included
                call = (lambda *a, **k: read(current, *a, **k)) if method == "read" else getattr(current, method)
                result = outcome(call, *args, **kwargs)
            elif action == 3:  # a module-level function
                result = outcome(getattr(backend, function), *args, **kwargs)
            elif action == 4 and current is not None:  # pickle and copy round trips
                result = outcome(round_trip, pickle.loads, pickle.dumps, current)
                result = (result, outcome(round_trip, copy.copy, None, current))
            elif current is not None:  # repr must not crash; its text may differ
                result = outcome(repr, current)
                result = (result[0], None)
            else:
                result = ("skipped", None)
            if name == "MessageEncoder" and action == 2 or function == "encode_frame" and action == 3:
                # A client encoder masks with fresh random keys: compare sizes.
                if result[0] == "ok" and isinstance(result[1], bytes):
                    result = ("ok", len(result[1]))
            results.append(plain(result))
            buffers.append([bytes(a) if isinstance(a, (bytearray, array.array)) else None for a in args])
        if results[0] != results[1]:
            raise AssertionError(f"backends disagree on {name}.{method} / {function} (action {action}) "
                                 f"args={specs!r} kwargs={keywords!r}\nnative={results[0]!r}\npure={results[1]!r}")
        if buffers[0] != buffers[1]:
            raise AssertionError(f"backends wrote different bytes into a buffer: {specs!r}")


def main():
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
