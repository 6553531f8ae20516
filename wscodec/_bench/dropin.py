"""The ``dropin`` section: each library's own receive and send paths, timed
with and without its wscodec drop-in installed, in one process.

Every library has a module ``dropin_<library>.py`` here with ``LIBRARY``
(the distribution name), ``INTEGRATION`` (the ``wscodec.integrations``
module) and ``cases(plan) -> [Case]`` and, if it set the library up for its rows
(e.g. bound a pure-Python fallback), ``finish()`` to put it back.  The two contenders of a row run the
very same code; before each of its samples a contender installs or
uninstalls the drop-in, so samples alternate and share the machine's noise.
"""

import importlib
import time

from . import timing

# Module suffixes (dropin_<name>.py), in table order.
LIBRARIES = ("wsproto", "websocket_client", "tornado", "wsaccel", "autobahn", "websockets", "websockets_fallback",
             "aiohttp", "aiohttp_fallback")

SIZES = (20, 1024, 64 * 1024)
STOCK, DROPIN = "stock", "install()"


class Case:
    """One row: ``make()`` returns the timing bench (``timing.Call`` or
    ``timing.Batch``) of the library's own code path; ``output()``, when
    given, returns what that path produced, which must be equal with and
    without the drop-in (checked before timing).  ``make_dropin`` and
    ``output_dropin`` are for a replacement that is called instead of the
    original (a compat module) rather than installed into it."""

    def __init__(self, op, size, work, make, output=None, unit="MB/s", make_dropin=None, output_dropin=None):
        self.op = op
        self.size = size
        self.work = work  # payload bytes (MB/s) or operations (ops/s) per timed op
        self.make = make
        self.output = output
        self.unit = unit
        self.make_dropin = make_dropin
        self.output_dropin = output_dropin


def frames_per_op(size, quick):
    """Enough frames that one op moves about 256 KiB (64 KiB in a quick run)."""
    budget = (64 if quick else 256) * 1024
    return max(2, min(1000, budget // size))


def size_label(n):
    return f"{n // 1024} KiB" if n >= 1024 and n % 1024 == 0 else f"{n} B"


class _Toggled:
    """A bench that puts the drop-in in the wanted state before each sample."""

    def __init__(self, bench, integration, installed):
        self.bench = bench
        self.integration = integration
        self.installed = installed

    def sample(self, number):
        if self.installed:
            self.integration.install(force=True)
        else:
            self.integration.uninstall()
        return self.bench.sample(number)


def _check(case, integration):
    if case.output is None:
        return
    integration.uninstall()
    stock = case.output()
    integration.install(force=True)
    try:
        mine = (case.output_dropin or case.output)()
    finally:
        integration.uninstall()
    if stock != mine:
        raise AssertionError(f"{case.op} {size_label(case.size)}: output differs with install()")


def _value(case, ns):
    return case.work / ns * (1e3 if case.unit == "MB/s" else 1e9) if ns else None


def run(quick=False, libraries=LIBRARIES, progress=None):
    """Measure every installed library's cases; returns rows (``results.Row``,
    contenders "stock" and "install()") and a list of ``(library, reason)``
    for the libraries that were not run."""
    from .results import Row

    settings = timing.QUICK if quick else timing.FULL
    rows, skipped = [], []
    for name in libraries:
        bench_module = importlib.import_module(f"{__package__}.dropin_{name}")
        integration = bench_module.INTEGRATION
        if isinstance(integration, str):
            integration = importlib.import_module(integration)
        try:
            version = integration.installed_version()
            cases = bench_module.cases(quick)
        except ImportError as exc:
            skipped.append((name, f"not installed ({exc.name or exc})"))
            continue
        for case in cases:
            if progress:
                progress(f"dropin {name} {case.op} {size_label(case.size)} ...", end="")
            t0 = time.perf_counter()
            row = Row("dropin", f"{bench_module.LIBRARY} {case.op}", case.size, case.unit,
                      measure=f"{bench_module.LIBRARY} {version}")
            stock = row.add(STOCK, "peer", note=f"{bench_module.LIBRARY} {version} as shipped")
            mine = row.add(DROPIN, "wscodec", note=f"{bench_module.INTEGRATION}.install()")
            try:
                _check(case, integration)
                bench = case.make()
                dropin = case.make_dropin() if case.make_dropin else bench
                timed = timing.measure({
                    STOCK: _Toggled(bench, integration, False),
                    DROPIN: _Toggled(dropin, integration, True),
                }, settings)
                stock["samples"] = [_value(case, ns) for ns in timed[STOCK]]
                mine["samples"] = [_value(case, ns) for ns in timed[DROPIN]]
            except Exception as exc:  # noqa: BLE001 - reported in the table
                stock["error"] = mine["error"] = f"FAIL {type(exc).__name__}: {exc}"
            finally:
                integration.uninstall()
            rows.append(row)
            if progress:
                progress(f" {time.perf_counter() - t0:.1f}s")
        # A module that set the library up for its rows puts it back.
        getattr(bench_module, "finish", lambda: None)()
    return rows, skipped


def _fmt(value):
    return "" if value is None else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def render(rows, skipped=()):
    lines = ["", "== drop-ins: each library's own path, without and with install() [MB/s or ops/s] =="]
    table = [("library", "path", "size", "unit", STOCK, DROPIN, "speedup")]
    for r in rows:
        error = r.results[STOCK].get("error")
        speed = r.ratio(DROPIN, STOCK)
        # The op is "<library> <path>", and a library's name may have spaces.
        library = r.measure.rsplit(" ", 1)[0]
        path = r.op[len(library) + 1:] if r.op.startswith(library + " ") else r.op
        table.append((r.measure, path, size_label(r.size), r.unit,
                      error or _fmt(r.value(STOCK)), "" if error else _fmt(r.value(DROPIN)),
                      f"{speed:.2f}x" if speed else "-"))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for k, row in enumerate(table):
        lines.append("  ".join(c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    for name, reason in skipped:
        lines.append(f"  {name}: {reason}")
    return lines
