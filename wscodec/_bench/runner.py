"""The suites, tables and bar verdicts of ``python -m wscodec bench``."""

import gc
import json
import os
import platform
import sys
import time
import tracemalloc

from .. import _version
from . import data, peers, timing

SECTIONS = ("mask", "utf8", "decode", "encode", "memory", "dropin")

# Table columns per section, in order; the ratio is native / best "peer".
COLUMNS = {
    "mask": ("native", "pure", "websockets", "aiohttp", "wsaccel", "copy"),
    "utf8": ("native", "pure", "bytes.decode", "codecs", "wsaccel"),
    "decode": ("native", "pure", "websockets", "websockets-py", "wsproto", "aiohttp", "picows"),
    "encode": ("native", "pure", "websockets", "wsproto", "aiohttp", "picows"),
    "memory": ("native", "pure", "websockets", "wsproto", "aiohttp", "picows"),
}

class Row:
    """One measured row: an operation at one size, every contender timed."""

    def __init__(self, section, op, size_label, unit, work, contenders):
        self.section = section
        self.op = op
        self.size_label = size_label
        self.unit = unit
        # What one timed op does: bytes for GB/s and MB/s, frames for frames/s.
        self.work = work
        self.contenders = {c.name: c for c in contenders}
        self.ns = {}  # name -> best ns per op
        self.samples = {}

    def value(self, name):
        """Throughput of contender ``name`` in ``self.unit``, or None."""
        ns = self.ns.get(name)
        if ns is None or ns <= 0:
            return None
        if self.unit == "GB/s":
            return self.work / ns
        if self.unit == "MB/s":
            return self.work / ns * 1e3
        if self.unit == "frames/s":
            return self.work / ns * 1e9
        return ns

    def best_peer(self):
        best = None
        for name, c in self.contenders.items():
            if c.kind == "peer" and self.value(name) is not None:
                if best is None or self.value(name) > self.value(best):
                    best = name
        return best

    def ratio(self, a, b):
        va, vb = self.value(a), self.value(b)
        if va is None or vb is None:
            return None
        return va / vb

    def as_json(self):
        out = []
        for name, c in self.contenders.items():
            out.append({
                "section": self.section,
                "operation": self.op,
                "size": self.size_label,
                "contender": name,
                "kind": c.kind,
                "ns_per_op": None if self.unit == "bytes" else self.ns.get(name),
                "value": self.value(name),
                "unit": self.unit,
                "samples": self.samples.get(name),
                "error": c.error,
                "note": c.note,
            })
        return out


class Plan:
    """Which rows to run: the sizes and counts of a full or a quick run."""

    def __init__(self, quick):
        self.quick = quick
        self.settings = timing.QUICK if quick else timing.FULL
        self.sizes = data.QUICK_SIZES if quick else data.SIZES
        # Issue 3's counts; --quick shrinks them tenfold (a CI smoke run).
        self.small_frames = 10_000 if quick else 100_000
        self.big_frames = 100 if quick else 1_000


def _row_specs(section, plan, backends):
    """``(op, size_label, unit, work, factory)`` for each row of a section;
    factories build the contenders lazily, right before their row runs."""
    specs = []
    if section == "mask":
        for op, factory in (("apply_mask", peers.mask_apply), ("mask_inplace", peers.mask_inplace)):
            for size in plan.sizes:
                specs.append((op, data.size_label(size), "GB/s", size, lambda f=factory, s=size: f(backends, s)))
    elif section == "utf8":
        for corpus in data.CORPORA:
            for size in plan.sizes:
                specs.append((f"validate_utf8 {corpus}", data.size_label(size), "GB/s", size,
                              lambda c=corpus, s=size: peers.utf8_validate(backends, c, s)))
    elif section == "decode":
        for payload, count in ((20, plan.small_frames), (200, plan.small_frames), (64 * data.KiB, plan.big_frames)):
            stream = lambda p=payload, n=count: data.frame_stream(p, n)  # noqa: E731
            if payload >= data.KiB:
                unit, work = "MB/s", payload * count
            else:
                unit, work = "frames/s", count
            specs.append((f"decode {count:,} frames", data.size_label(payload), unit, work,
                          lambda st=stream: peers.decode(backends, st())))
    elif section == "encode":
        for kind, factory in (("MessageEncoder.text", peers.encode_text), ("encode_frame", peers.encode_frame)):
            for role in ("server", "client"):
                for size in (20, 200):
                    op = f"{kind} {role}" + (" (masked)" if role == "client" else "")
                    specs.append((op, data.size_label(size), "frames/s", 1,
                                  lambda f=factory, s=size, r=role: f(backends, s, r)))
    return specs


def _progress(msg, end="\n"):
    sys.stderr.write(msg + end)
    sys.stderr.flush()


def run_timed(sections, plan, backends):
    """Measure every row of ``sections``; returns the list of ``Row``."""
    specs = [(section, spec) for section in sections if section not in ("memory", "dropin")
             for spec in _row_specs(section, plan, backends)]
    rows = []
    width = len(str(len(specs)))
    for i, (section, (op, label, unit, work, factory)) in enumerate(specs, 1):
        _progress(f"[{i:>{width}}/{len(specs)}] {op} {label} ...", end="")
        t0 = time.perf_counter()
        contenders = factory()
        row = Row(section, op, label, unit, work, contenders)
        results = timing.measure({c.name: c.bench for c in contenders if c.ok}, plan.settings)
        for name, (ns, samples) in results.items():
            row.ns[name] = ns
            row.samples[name] = samples
        rows.append(row)
        # The row keeps names, notes and errors; decoders, peers' protocols
        # and their buffers go before the next row is measured.
        for c in contenders:
            c.bench = None
        del contenders, results
        gc.collect()
        _progress(f" {time.perf_counter() - t0:.1f}s")
    return rows


def run_memory(backends, count=1000):
    """Bytes per idle decoder, two ways: ``tracemalloc``, everything one
    decoder allocates through Python's allocators (which is all that wscodec
    and the peers use: no raw malloc), and ``sys.getsizeof``, the decoder
    object alone (summed over the objects a peer needs, e.g. reader + queue)."""
    _progress("idle decoder memory ...", end="")
    t0 = time.perf_counter()
    factories = peers.idle_decoders(backends)

    def new_row(label):
        return Row("memory", "idle decoder", label, "bytes", 1, [
            peers.Contender(name, "wscodec" if name in ("native", "pure") else "peer",
                            bench=factory, error=None if factory else note, note=note if factory else None)
            for name, (factory, note) in factories.items()
        ])

    deep, shallow = new_row("tracemalloc"), new_row("sys.getsizeof")
    for name, (factory, _note) in factories.items():
        if factory is None:
            continue
        try:
            first = factory()  # import-time and first-use allocations are not per object
            parts = first if isinstance(first, tuple) else (first,)
            shallow.ns[name] = sum(sys.getsizeof(p) for p in parts)
            del first, parts
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            keep = [factory() for _ in range(count)]
            after = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            deep.ns[name] = (after - before - sys.getsizeof(keep)) / count
            del keep
        except Exception as exc:  # noqa: BLE001 - reported in the table
            tracemalloc.stop()
            for row in (deep, shallow):
                row.ns.pop(name, None)
                row.contenders[name].error = f"FAIL {type(exc).__name__}: {exc}"
    for row in (deep, shallow):
        for c in row.contenders.values():
            c.bench = None
    gc.collect()
    _progress(f" {time.perf_counter() - t0:.1f}s")
    return [deep, shallow]


# --- bars (issues 2 and 3) ---------------------------------------------------


def _size_bytes(label):
    n, unit = label.split()
    return int(n) * {"B": 1, "KiB": data.KiB, "MiB": data.MiB}[unit]


def _bar(rows, text, pick, a, b, threshold):
    """Ratio ``a / b`` over the rows ``pick`` selects; met when every one is
    at least ``threshold``.  ``b`` may be "best" (the best installed peer)."""
    checks = []
    missing = set()
    for row in rows:
        if not pick(row):
            continue
        other = row.best_peer() if b == "best" else b
        ratio = row.ratio(a, other) if other else None
        if ratio is None:
            missing.add(b if other is None or row.value(other) is None else a)
            continue
        checks.append((ratio, f"{row.op} {row.size_label}" + (f" vs {other}" if b == "best" else "")))
    if not checks:
        return {"bar": text, "verdict": "n/a", "detail": f"missing: {', '.join(sorted(missing)) or 'no rows'}"}
    worst = min(checks)
    met = all(r >= threshold for r, _ in checks)
    detail = f"min {worst[0]:.3f}x ({worst[1]}), need {threshold:g}x"
    if abs(worst[0] / threshold - 1) < 0.15:
        detail += ", within the noise"
    if missing:
        detail += f"; not measured: {', '.join(sorted(missing))}"
    return {"bar": text, "verdict": "met" if met else "NOT met", "detail": detail,
            "ratios": [{"where": w, "ratio": round(r, 3)} for r, w in checks]}


def bars(rows):
    def op(name, sizes=None, prefix=False):
        def pick(row):
            matches = row.op.startswith(name) if prefix else row.op == name
            return matches and (sizes is None or _size_bytes(row.size_label) in sizes)
        return pick

    KiB, MiB = data.KiB, data.MiB
    return [
        _bar(rows, "apply_mask >= websockets' apply_mask, every size", op("apply_mask"), "native", "websockets", 1.0),
        _bar(rows, "apply_mask >= 0.9x a bytes(bytearray) copy, 1 KiB and up",
             lambda r: r.op == "apply_mask" and _size_bytes(r.size_label) >= KiB, "native", "copy", 0.9),
        _bar(rows, "mask_inplace >= aiohttp's _websocket_mask_cython, every size", op("mask_inplace"), "native", "aiohttp", 1.0),
        _bar(rows, "validate_utf8 ASCII >= 2x bytes.decode at 64 KiB and 1 MiB",
             op("validate_utf8 ascii", {64 * KiB, MiB}), "native", "bytes.decode", 2.0),
        _bar(rows, "validate_utf8 CJK, emoji >= 8x bytes.decode at 64 KiB and 1 MiB",
             lambda r: r.op in ("validate_utf8 cjk", "validate_utf8 emoji") and _size_bytes(r.size_label) in (64 * KiB, MiB),
             "native", "bytes.decode", 8.0),
        _bar(rows, "validate_utf8 CJK, emoji >= 10x bytes.decode at 1 KiB",
             lambda r: r.op in ("validate_utf8 cjk", "validate_utf8 emoji") and r.size_label == "1 KiB",
             "native", "bytes.decode", 10.0),
        _bar(rows, "validate_utf8 >= 20x wsaccel, every corpus and size", op("validate_utf8", prefix=True), "native", "wsaccel", 20.0),
        _bar(rows, "MessageDecoder >= 2x the fastest peer, 20 B and 200 B frames",
             lambda r: r.op.startswith("decode") and r.unit == "frames/s", "native", "best", 2.0),
        _bar(rows, "MessageDecoder >= 1.5x the fastest peer, 64 KiB frames (MB/s)",
             lambda r: r.op.startswith("decode") and r.unit == "MB/s", "native", "best", 1.5),
        _bar(rows, "MessageEncoder/encode_frame >= 1.5x the fastest peer, 20 B and 200 B, server and client",
             lambda r: r.section == "encode", "native", "best", 1.5),
        _bar(rows, "pure MessageDecoder faster than websockets' pure-Python parser", op("decode", prefix=True),
             "pure", "websockets-py", 1.0),
        _bar(rows, "pure MessageDecoder faster than wsproto", op("decode", prefix=True), "pure", "wsproto", 1.0),
    ]


# --- output --------------------------------------------------------------------


def _fmt(value, unit):
    if value is None:
        return None
    if unit == "GB/s":
        if value >= 100:
            return f"{value:.0f}"
        if value >= 10:
            return f"{value:.1f}"
        if value >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    if unit == "frames/s":
        if value >= 1e6:
            return f"{value / 1e6:.2f}M"
        return f"{value / 1e3:.0f}k"
    if unit == "MB/s":
        return f"{value:,.0f}"
    if unit == "bytes":
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _cell(row, name):
    c = row.contenders.get(name)
    if c is None:
        return ""
    if c.error:
        if c.error == "not installed":
            return "n/i"
        if c.error == "not built":
            return "not built"
        return "FAIL"
    return _fmt(row.value(name), row.unit) or "?"


def _ratio_cell(row):
    if row.section == "memory":
        return ""
    best = row.best_peer()
    r = row.ratio("native", best) if best else None
    if r is None:
        return "-"
    return f"{r:.2f}x {best}"


def render(rows, meta, bar_results):
    lines = []
    lines.append(f"wscodec {meta['wscodec']} benchmark ({'quick' if meta['quick'] else 'full'} run) on "
                 f"{meta['python']}, {meta['machine']}")
    lines.append(f"backends: native: {meta['backends']['native']}; pure: {meta['backends']['pure']}")
    installed = ", ".join(f"{k} {v}" for k, v in meta["peers"].items() if v)
    absent = ", ".join(k for k, v in meta["peers"].items() if not v)
    lines.append(f"peers: {installed or 'none'}" + (f"; not installed: {absent}" if absent else ""))
    lines.append("best of N samples, every contender of a row interleaved in this process; "
                 "higher is better; compare ratios, not absolute numbers")
    notes = {}
    for section in SECTIONS:
        srows = [r for r in rows if r.section == section]
        if not srows:
            continue
        cols = [c for c in COLUMNS[section] if any(c in r.contenders for r in srows)]
        unit = srows[0].unit if len({r.unit for r in srows}) == 1 else "see unit column"
        title = {
            "mask": "masking", "utf8": "UTF-8 validation", "decode": "decoding masked TEXT frames (server side, 64 KiB reads, str out)",
            "encode": "encoding one TEXT message", "memory": "memory per idle decoder (lower is better)",
        }[section]
        lines.append("")
        lines.append(f"== {title} [{unit}] ==")
        header = ["operation", "measure" if section == "memory" else "size"] + cols + ([] if section == "memory" else ["native/best peer"])
        if section == "mask":
            header.append("native/copy")
        if unit == "see unit column":
            header.insert(2, "unit")
        table = [header]
        for r in srows:
            cells = [r.op, r.size_label] + [_cell(r, c) for c in cols]
            if section != "memory":
                cells.append(_ratio_cell(r))
            if section == "mask":
                ratio = r.ratio("native", "copy")
                cells.append(f"{ratio:.2f}x" if ratio is not None else "")
            if unit == "see unit column":
                cells.insert(2, r.unit)
            table.append(cells)
            for name, c in r.contenders.items():
                if c.error and c.error.startswith("FAIL"):
                    notes.setdefault((section, name), set()).add(f"{r.op} {r.size_label}: {c.error}")
                elif c.note and c.kind != "wscodec":
                    for part in c.note.split("; "):
                        notes.setdefault((section, name), set()).add(part)
        widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
        for k, cells in enumerate(table):
            out = []
            for i, cell in enumerate(cells):
                out.append(str(cell).ljust(widths[i]) if i < 2 or (unit == "see unit column" and i == 2) else str(cell).rjust(widths[i]))
            lines.append("  ".join(out).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
    if notes:
        lines.append("")
        lines.append("how each contender was driven (and failures):")
        for (section, name), texts in sorted(notes.items()):
            lines.append(f"  {section:6} {name:13} {'; '.join(sorted(texts))}")
    if bar_results:
        lines.append("")
        lines.append("bars (issues 2 and 3; the machine is noisy: treat margins under ~15% as noise):")
        for b in bar_results:
            lines.append(f"  [{b['verdict']:>7}] {b['bar']}: {b['detail']}")
    return "\n".join(lines)


def metadata(quick, backend_status):
    return {
        "wscodec": _version.__version__,
        "python": peers.python_info(),
        "machine": f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPUs",
        "quick": quick,
        "backends": backend_status,
        "peers": peers.peer_versions(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def main(quick=False, only=None, json_path=None, out=sys.stdout):
    sections = [s for s in SECTIONS if only is None or s in only]
    backends, status = peers.load_backends()
    meta = metadata(quick, status)
    plan = Plan(quick)
    t0 = time.perf_counter()
    _progress(f"wscodec bench: {', '.join(sections)} ({'quick' if quick else 'full'}; native: {status['native']})")
    try:
        rows = run_timed(sections, plan, backends)
        if "memory" in sections:
            rows += run_memory(backends)
    finally:
        peers.close_loop()
    bar_results = [b for b in bars(rows) if b["verdict"] != "n/a" or not only]
    meta["seconds"] = round(time.perf_counter() - t0, 1)
    out.write(render(rows, meta, bar_results) + "\n")
    dropin_status, dropin_json = 0, []
    if "dropin" in sections:
        from . import dropin

        dropin_status, dropin_json = dropin.main(quick, out=out, progress=_progress)
        meta["seconds"] = round(time.perf_counter() - t0, 1)
    if json_path:
        doc = {
            "meta": meta,
            "results": [item for r in rows for item in r.as_json()],
            "bars": bar_results,
            "dropin": dropin_json,
        }
        with open(json_path, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        _progress(f"wrote {json_path}")
    _progress(f"done in {meta['seconds']}s")
    failed = [c for r in rows for c in r.contenders.values() if c.error and c.error.startswith("FAIL") and c.kind == "wscodec"]
    return 1 if failed or dropin_status else 0
