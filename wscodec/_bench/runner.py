"""The runs and tables of ``python -m wscodec bench``."""

import gc
import sys
import time

from . import data, peers, timing, workloads
from .results import Row

SECTIONS = (*workloads.SECTIONS, "pypy", "memory", "echo", "connections", "dropin", "threads")

ON_REQUEST = ("connections", "dropin", "pypy", "threads")
"""Sections that run only when named in ``--only``: ``connections`` holds
ten thousand connections on each server for minutes, the drop-ins measure
other libraries with and without wscodec inside, ``pypy`` the pure backend
against the peers' Python code, for PyPy, and ``threads`` how wscodec
scales across cores: questions of their own."""

PURE_ONLY = ("pypy",)
"""Sections without a native column: their ratio is pure/best peer, and a
run of only these needs no native backend (PyPy has none)."""

BANNER = "!" * 72


def progress(msg, end="\n"):
    sys.stderr.write(msg + end)
    sys.stderr.flush()


def run_workloads(plan, settings, backends):
    """Time every contender of every workload; returns ``[Row]``."""
    rows = []
    width = len(str(len(plan)))
    for i, w in enumerate(plan, 1):
        progress(f"[{i:>{width}}/{len(plan)}] {w.op} {data.size_label(w.size)} ...", end="")
        t0 = time.perf_counter()
        contenders = w.build(backends)
        row = Row(w.section, w.op, w.size, w.unit, count=w.count, key=w.key)
        for c in contenders:
            row.add(c.name, c.kind, error=c.error, note=c.note)
        samples = timing.measure({c.name: c.bench for c in contenders if c.ok}, settings)
        for name, ns_list in samples.items():
            row.results[name]["samples"] = [w.value(ns) for ns in ns_list]
        rows.append(row)
        # Decoders, peers' protocols and their buffers go before the next row.
        for c in contenders:
            c.bench = None
        del contenders, samples
        gc.collect()
        progress(f" {time.perf_counter() - t0:.1f}s")
    return rows


def run_memory(backends, count=1000):
    """Bytes per idle decoder, two ways: ``tracemalloc``, everything one
    decoder allocates through Python's allocators (which is all that wscodec
    and the peers use: no raw malloc), and ``sys.getsizeof``, the decoder
    object alone (summed over the objects a peer needs, e.g. reader + queue)."""
    # Here, not at the top: PyPy has no tracemalloc, and its runs of the
    # other sections must still import this module.
    import tracemalloc

    progress("idle decoder memory ...", end="")
    t0 = time.perf_counter()
    factories = peers.idle_decoders(backends)
    deep = Row("memory", "idle decoder", None, "bytes", key="idle decoder tracemalloc", measure="tracemalloc")
    shallow = Row("memory", "idle decoder", None, "bytes", key="idle decoder sys.getsizeof", measure="sys.getsizeof")
    for row in (deep, shallow):
        for name, (factory, note) in factories.items():
            kind = "wscodec" if name in ("native", "pure") else "peer"
            row.add(name, kind, error=None if factory else note, note=note if factory else None)
    for name, (factory, _note) in factories.items():
        if factory is None:
            continue
        try:
            first = factory()  # import-time and first-use allocations are not per object
            parts = first if isinstance(first, tuple) else (first,)
            shallow.results[name]["samples"] = [sum(sys.getsizeof(p) for p in parts)]
            del first, parts
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            keep = [factory() for _ in range(count)]
            after = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            deep.results[name]["samples"] = [(after - before - sys.getsizeof(keep)) / count]
            del keep
        except Exception as exc:  # noqa: BLE001 - reported in the table
            tracemalloc.stop()
            for row in (deep, shallow):
                row.results[name]["samples"] = None
                row.results[name]["error"] = f"FAIL {type(exc).__name__}: {exc}"
    gc.collect()
    progress(f" {time.perf_counter() - t0:.1f}s")
    return [deep, shallow]


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
    if unit == "msg/s":
        if value >= 1e6:
            return f"{value / 1e6:.2f}M"
        if value >= 1e3:
            return f"{value / 1e3:.0f}k"
        return f"{value:.0f}"
    if unit in ("MB/s", "bytes"):
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _cell(row, name):
    r = row.results.get(name)
    if r is None:
        return ""
    error = r.get("error")
    if error:
        if error == "not installed":
            return "n/i"
        if error == peers.NOT_APPLICABLE:
            return "-"
        if error == "not built":
            return "NOT BUILT"
        return "FAIL"
    return _fmt(row.value(name), row.unit) or "?"


def _ratio_cell(row, ours):
    best = row.best_peer()
    r = row.ratio(ours, best) if best else None
    if r is None:
        return "-"
    return f"{r:.2f}x {best}"


def _table(header, body, left):
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    lines = []
    for k, cells in enumerate([header, *body]):
        lines.append("  ".join(str(c).ljust(widths[i]) if i < left else str(c).rjust(widths[i])
                               for i, c in enumerate(cells)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def render_section(rows, title, extra=None):
    """One table: a row per operation and size, a column per contender."""
    names = []
    for r in rows:
        names += [n for n in r.results if n not in names]
    units = {r.unit for r in rows}
    memory = rows[0].section == "memory"
    header = ["operation", "measure" if memory else "size"]
    if len(units) > 1:
        header.append("unit")
    header += names
    ours = "pure" if rows[0].section in PURE_ONLY else "native"
    if not memory:
        header.append(f"{ours}/best peer")
    body = []
    for r in rows:
        cells = [r.op, r.measure if memory else data.size_label(r.size)]
        if len(units) > 1:
            cells.append(r.unit)
        cells += [_cell(r, n) for n in names]
        if not memory:
            cells.append(_ratio_cell(r, ours))
        body.append(cells)
    unit = units.pop() if len(units) == 1 else "see unit column"
    lines = ["", f"== {title} [{unit}] =="]
    lines += _table(header, body, left=3 if "unit" in header else 2)
    if extra:
        lines += extra
    return lines


def render(rows, meta):
    lines = []
    m = meta["machine"]
    lines.append(f"wscodec {meta['versions']['wscodec']} benchmark ({'quick' if meta['run']['quick'] else 'full'} run) "
                 f"on {m['python']}, {m['cpu']} ({m['cpus']} CPUs), {m['os']}")
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
        if section == "echo":
            from . import endtoend

            lines += endtoend.render(srows)
            continue
        if section == "connections":
            from .connections import coordinator

            lines += coordinator.render(srows, _table)
            continue
        if section == "dropin":
            from . import dropin

            lines += dropin.render(srows, meta.get("dropin_skipped", ()))
            continue
        title = workloads.TITLES.get(section, "memory per idle decoder (lower is better)")
        lines += render_section(srows, title)
        for r in srows:
            for name, res in r.results.items():
                if (res.get("error") or "").startswith("FAIL"):
                    notes.setdefault((section, name), set()).add(f"{r.key}: {res['error']}")
                elif res.get("note") and res["kind"] != "wscodec":
                    notes.setdefault((section, name), set()).update(res["note"].split("; "))
    if notes:
        lines.append("")
        lines.append("how each contender was driven (and failures):")
        for (section, name), texts in sorted(notes.items()):
            lines.append(f"  {section:7} {name:16} {'; '.join(sorted(texts))}")
    return "\n".join(lines)


def native_missing_banner(reason):
    return "\n".join([
        BANNER,
        "!!! wscodec's NATIVE BACKEND IS NOT IN THIS RUN: its rows show NOT BUILT and",
        "!!! the wscodec numbers are the pure-Python backend's only.",
        f"!!! Why: {reason}",
        BANNER,
    ])


def render_compare(old_meta, comparison):
    from .results import MIN_NOISE

    lines = ["", f"== change against {old_meta['run'].get('time', '?')} "
             f"({old_meta['machine']['cpu']}, wscodec {old_meta['versions']['wscodec']}) =="]
    lines.append("a regression is flagged only when the change is beyond the noise measured in the two runs "
                 "(each: best sample to the lower quartile of its samples, or the interquartile range of "
                 f"the echo interval rates; added, at least {MIN_NOISE:.0%})")
    body = []
    for row, name, old, new, change, noise, verdict in comparison:
        body.append([
            row.section, row.key if row.section != "memory" else f"{row.op} ({row.measure})", name,
            _fmt(old, row.unit) or "-", _fmt(new, row.unit) or "-", row.unit,
            f"{change:+.1%}" if change is not None else "-",
            f"±{noise:.1%}" if noise is not None else "-", verdict,
        ])
    lines += _table(["section", "operation", "contender", "old", "new", "unit", "change", "noise", "verdict"],
                    body, left=3)
    regressions = [c for c in comparison if c[6] == "REGRESSION"]
    lines.append(f"{len(comparison)} results compared, {len(regressions)} regressions beyond the noise"
                 + (": " + ", ".join(f"{c[0].key} {c[1]}" for c in regressions if c[1] in ("native", "pure"))
                    if regressions else ""))
    return lines


def main(quick=False, only=None, sizes=None, json_path=None, compare_path=None, plot_path=None,
         markdown_path=None, echo_options=None, connections_options=None, out=sys.stdout):
    from . import results

    sections = [s for s in SECTIONS if (s in only if only else s not in ON_REQUEST)]
    backends, status = peers.load_backends()
    native_missing = status["native"] == "NOT BUILT" and any(s not in PURE_ONLY for s in sections)
    old = results.read_json(compare_path) if compare_path else None  # fail before measuring
    t0 = time.perf_counter()
    progress(f"wscodec bench: {', '.join(sections)} ({'quick' if quick else 'full'}; native: {status['native']})")
    if native_missing:
        progress(native_missing_banner(status["native_reason"]))
    rows = []
    try:
        plan = workloads.plan(quick, sizes, sections)
        if plan:
            rows += run_workloads(plan, timing.QUICK if quick else timing.FULL, backends)
        if "memory" in sections:
            rows += run_memory(backends, count=200 if quick else 1000)
    finally:
        peers.close_loop()
    if "echo" in sections:
        from . import endtoend

        rows += endtoend.run(quick=quick, sizes=sizes, options=echo_options)
    if "connections" in sections:
        from .connections import coordinator

        rows += coordinator.run(quick=quick, options=connections_options)
    dropin_skipped = []
    if "dropin" in sections:
        from . import dropin

        dropin_rows, dropin_skipped = dropin.run(quick, progress=progress)
        rows += dropin_rows
    threads_lines = []
    if "threads" in sections:
        from . import threads

        threads_lines = threads.run(backends, quick=quick, progress=progress)
    run = {"quick": quick, "sections": sections, "sizes": list(sizes) if sizes else None,
           "seconds": round(time.perf_counter() - t0, 1)}
    meta = results.metadata(run, status, peers.peer_versions())
    if dropin_skipped:
        meta["dropin_skipped"] = dropin_skipped
    text = render(rows, meta)
    if threads_lines:
        text += "\n" + "\n".join(threads_lines)
    if native_missing:
        banner = native_missing_banner(status["native_reason"])
        text = f"{banner}\n{text}\n{banner}"
    if old is not None:
        text += "\n" + "\n".join(render_compare(old[0], results.compare(old[1], rows)))
    out.write(text + "\n")
    out.flush()
    if json_path:
        results.write_json(json_path, meta, rows)
        progress(f"wrote {json_path}")
    if plot_path:
        from . import plot

        plot.draw(rows, meta, plot_path)
        progress(f"wrote {plot_path}")
    if markdown_path:
        from . import markdown

        markdown.write(markdown_path, rows, meta)
        progress(f"wrote {markdown_path}")
    progress(f"done in {time.perf_counter() - t0:.1f}s")
    failed = [name for r in rows for name, res in r.results.items()
              if (res.get("error") or "").startswith("FAIL") and res["kind"] == "wscodec"]
    if failed:
        return 1
    # Numbers without the native backend are not wscodec's numbers: say so
    # in the exit status too, so that no script takes them for a good run.
    return 3 if native_missing else 0
