"""Every measured operation, defined once for ``python -m wscodec bench``
and the pytest-benchmark suite in ``benchmarks/``.

A ``Workload`` is one row of a table: an operation at one payload size, with
a ``build(backends)`` that returns its checked contenders (see ``peers``).
``plan(quick, sizes)`` lists them; the CLI times each row's contenders
interleaved, pytest-benchmark times each contender as a test named by
``Workload.key``, so the two runners measure the very same calls.
"""

from . import data
from .peers import decode, encode, fastpaths, mask, permessage_deflate, utf8

SECTIONS = ("mask", "utf8", "decode", "encode", "deflate", *fastpaths.SECTIONS)
"""Sections made of workloads, in table order (``memory`` and ``echo`` are
measured differently: see ``runner`` and ``endtoend``)."""

TITLES = {
    "mask": "masking",
    "utf8": "UTF-8 validation",
    "decode": "decoding (64 KiB reads, TEXT to str)",
    "encode": "encoding one message",
    "deflate": "permessage-deflate round trip (client encode, server decode)",
    **fastpaths.TITLES,
    "pypy": "pure-Python decoders: masked frames, 64 KiB reads",
}

PYPY_CONTENDERS = ("pure", "websockets", "websockets-py", "wsproto")
"""What a PyPy user chooses between: wscodec's pure backend and the two peers
whose frame parsers are Python code there.  websockets as installed (with a
compiler, pip builds its C masking on PyPy too, run through PyPy's C-API
emulation) and on its pure-Python masking.  The section runs on request; it
is meant for PyPy, where wscodec has no native backend."""

HUGE = 16 * data.MiB
QUICK_HUGE = 4 * data.MiB
"""The single large message: 16 MiB, 4 MiB in a quick run."""


class Workload:
    """One row.  ``count``: messages one timed call handles (1 for a call on
    one buffer); ``unit``: how the table shows it (GB/s, MB/s or msg/s)."""

    def __init__(self, section, op, size, count, unit, build, names):
        self.section = section
        self.op = op
        self.size = size
        self.count = count
        self.unit = unit
        self.build = build
        self.names = names

    @property
    def bytes_per_op(self):
        return self.size * self.count

    @property
    def key(self):
        """A stable id: ``decode text masked 256B``."""
        return f"{self.op} {data.size_id(self.size)}"

    def value(self, ns):
        """Throughput in ``unit`` of one op that took ``ns``."""
        if not ns or ns <= 0:
            return None
        if self.unit == "GB/s":
            return self.bytes_per_op / ns
        if self.unit == "MB/s":
            return self.bytes_per_op / ns * 1e3
        return self.count / ns * 1e9

    def __repr__(self):
        return f"<Workload {self.section}: {self.key}>"


def _message_unit(size):
    return "msg/s" if size < data.KiB else "MB/s"


def plan(quick=False, sizes=None, sections=SECTIONS):
    """The workloads of a run, in table order.  ``sizes`` (bytes) replaces
    every section's default sizes."""
    out = []
    buffer_sizes = sizes or (data.QUICK_SIZES if quick else data.SIZES)
    message_sizes = sizes or data.MESSAGE_SIZES
    if "mask" in sections:
        for op, factory, names in (("apply_mask", mask.mask_apply, mask.APPLY_NAMES),
                                   ("mask_inplace", mask.mask_inplace, mask.INPLACE_NAMES)):
            for size in buffer_sizes:
                out.append(Workload("mask", op, size, 1, "GB/s",
                                    lambda b, f=factory, s=size: f(b, s), names))
    if "utf8" in sections:
        for corpus in data.CORPORA:
            for size in buffer_sizes:
                out.append(Workload("utf8", f"validate_utf8 {corpus}", size, 1, "GB/s",
                                    lambda b, c=corpus, s=size: utf8.utf8_validate(b, c, s), utf8.NAMES))
    if "decode" in sections:
        for text in (True, False):
            for masked in (True, False):
                kind = "text" if text else "binary"
                side = "masked (server)" if masked else "unmasked (client)"
                for size in message_sizes:
                    count = data.frame_count(size, quick)
                    out.append(Workload(
                        "decode", f"decode {kind} {side}", size, count, _message_unit(size),
                        lambda b, s=size, n=count, t=text, m=masked: decode.decode(b, data.frame_stream(s, n, t, m)),
                        decode.NAMES))
        huge = QUICK_HUGE if quick else HUGE
        out.append(Workload("decode", "decode one text message, masked (server)", huge, 1, "MB/s",
                            lambda b: decode.decode(b, data.frame_stream(huge, 1, True, True)), decode.NAMES))
    if "encode" in sections:
        for text in (True, False):
            for role in ("server", "client"):
                op = f"encode {'text' if text else 'binary'} {'masked (client)' if role == 'client' else 'unmasked (server)'}"
                for size in message_sizes:
                    out.append(Workload("encode", op, size, 1, _message_unit(size),
                                        lambda b, s=size, r=role, t=text: encode.encode(b, s, r, t), encode.NAMES))
    if "deflate" in sections:
        for level in permessage_deflate.LEVELS:
            for size in sizes or (256, 64 * data.KiB):
                count = permessage_deflate.message_count(size, quick)
                out.append(Workload("deflate", f"deflate round trip text, zlib level {level}", size, count,
                                    _message_unit(size),
                                    lambda b, s=size, n=count, v=level: permessage_deflate.round_trip(b, s, n, v),
                                    permessage_deflate.NAMES))
    out += fastpaths.plan(Workload, quick, sections)
    if "pypy" in sections:
        for text in (True, False):
            for size in sizes or (256, 64 * data.KiB):
                count = data.frame_count(size, quick)
                out.append(Workload(
                    "pypy", f"decode {'text' if text else 'binary'} masked (server)", size, count, _message_unit(size),
                    lambda b, s=size, n=count, t=text: _only(PYPY_CONTENDERS,
                                                             decode.decode(b, data.frame_stream(s, n, t, True))),
                    PYPY_CONTENDERS))
    return out


def _only(names, contenders):
    kept = [c for c in contenders if c.name in names]
    for c in kept:
        if c.name == "websockets" and c.ok:
            # Its masking is what differs between CPython and PyPy: say which ran.
            import websockets.frames
            import websockets.utils

            python = websockets.frames.apply_mask is websockets.utils.apply_mask
            c.note = f"{c.note}; apply_mask: {'websockets.utils (Python)' if python else 'websockets.speedups (C)'}"
    return kept
