"""The run of ``python -m wscodec bench``: which sections run, in what
order, and the text report that puts their tables (``tables``) together.

Codec sections are ``workloads`` timed here; ``memory`` is measured here
too.  Every other section is a package or module of its own that
``SEPARATE`` runs and ``RENDERERS`` shows: adding one is an entry in
``SECTIONS`` and in those two."""

import gc
import sys
import time

from . import data, tables, timing, workloads
from .peers import contender, memory, transport
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
    factories = memory.idle_decoders(backends)
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


def render(rows, meta):
    """The text report: what ran where, each section's table in
    ``SECTIONS`` order, then how each contender was driven."""
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
        if section in RENDERERS:
            lines += RENDERERS[section](srows, meta)
            continue
        title = workloads.TITLES.get(section, "memory per idle decoder (lower is better)")
        lines += tables.render_section(srows, title, "pure" if section in PURE_ONLY else "native")
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


# --- sections that run on their own ----------------------------------------------


class Context:
    """What a run gives every section in ``SEPARATE``."""

    def __init__(self, quick, sizes, backends, echo_options, connections_options=None):
        self.quick = quick
        self.sizes = sizes
        self.backends = backends
        self.echo_options = echo_options
        self.connections_options = connections_options


class Measured:
    """What a section in ``SEPARATE`` returns: its rows, what it adds to the
    ``--json`` metadata, and lines for the end of the text report."""

    def __init__(self, rows=(), meta=None, lines=()):
        self.rows = list(rows)
        self.meta = meta or {}
        self.lines = list(lines)


# Each imports its package when it runs: a run without it never pays for it.
def _run_echo(context):
    from .endtoend import run

    return Measured(run.run(quick=context.quick, sizes=context.sizes, options=context.echo_options,
                            progress=progress))


def _run_connections(context):
    from .connections import coordinator

    return Measured(coordinator.run(quick=context.quick, options=context.connections_options, progress=progress))


def _run_dropin(context):
    from .dropin import run

    rows, skipped = run.run(context.quick, progress=progress)
    return Measured(rows, {"dropin_skipped": skipped} if skipped else None)


def _run_threads(context):
    from . import threads

    return Measured(lines=threads.run(context.backends, quick=context.quick, progress=progress))


SEPARATE = {"echo": _run_echo, "connections": _run_connections, "dropin": _run_dropin, "threads": _run_threads}
"""Sections measured by a run of their own, after the workloads and memory,
in ``SECTIONS`` order."""

RENDERERS = {
    "echo": lambda rows, meta: tables.render_echo(rows),
    "connections": lambda rows, meta: tables.render_connections(rows),
    "dropin": lambda rows, meta: tables.render_dropin(rows, meta.get("dropin_skipped", ())),
}
"""Sections whose rows have a table of their own; every other section's
rows get ``tables.render_section``."""


def native_missing_banner(reason):
    return "\n".join([
        BANNER,
        "!!! wscodec's NATIVE BACKEND IS NOT IN THIS RUN: its rows show NOT BUILT and",
        "!!! the wscodec numbers are the pure-Python backend's only.",
        f"!!! Why: {reason}",
        BANNER,
    ])


def main(quick=False, only=None, sizes=None, json_path=None, compare_path=None, plot_path=None,
         markdown_path=None, echo_options=None, connections_options=None, out=sys.stdout):
    from . import results

    sections = [s for s in SECTIONS if (s in only if only else s not in ON_REQUEST)]
    backends, status = contender.load_backends()
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
        transport.close_loop()
    context = Context(quick, sizes, backends, echo_options, connections_options)
    extra_meta, trailer = {}, []
    for section in sections:
        if section in SEPARATE:
            measured = SEPARATE[section](context)
            rows += measured.rows
            extra_meta.update(measured.meta)
            trailer += measured.lines
    run = {"quick": quick, "sections": sections, "sizes": list(sizes) if sizes else None,
           "seconds": round(time.perf_counter() - t0, 1)}
    meta = results.metadata(run, status, contender.peer_versions())
    meta.update(extra_meta)
    text = render(rows, meta)
    if trailer:
        text += "\n" + "\n".join(trailer)
    if native_missing:
        banner = native_missing_banner(status["native_reason"])
        text = f"{banner}\n{text}\n{banner}"
    if old is not None:
        text += "\n" + "\n".join(tables.render_compare(old[0], results.compare(old[1], rows)))
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
        tables.write_markdown(markdown_path, rows, meta)
        progress(f"wrote {markdown_path}")
    progress(f"done in {time.perf_counter() - t0:.1f}s")
    failed = [name for r in rows for name, res in r.results.items()
              if (res.get("error") or "").startswith("FAIL") and res["kind"] == "wscodec"]
    if failed:
        return 1
    # Numbers without the native backend are not wscodec's numbers: say so
    # in the exit status too, so that no script takes them for a good run.
    return 3 if native_missing else 0
