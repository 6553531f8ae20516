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


class Result:
    def __init__(self, library, version, case):
        self.library = library
        self.version = version
        self.op = case.op
        self.size = case.size
        self.unit = case.unit
        self.work = case.work
        self.ns = {}
        self.error = None

    def value(self, name):
        ns = self.ns.get(name)
        if not ns:
            return None
        return self.work / ns * (1e3 if self.unit == "MB/s" else 1e9)

    def speedup(self):
        a, b = self.value(DROPIN), self.value(STOCK)
        return a / b if a and b else None

    def as_json(self):
        return {
            "section": "dropin", "library": self.library, "version": self.version,
            "operation": self.op, "size": size_label(self.size), "unit": self.unit,
            "stock": self.value(STOCK), "dropin": self.value(DROPIN),
            "speedup": self.speedup(), "error": self.error,
        }


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


def run(quick=False, libraries=LIBRARIES, progress=None):
    """Measure every installed library's cases; returns ``[Result]`` and a
    list of ``(library, reason)`` for those that were not run."""
    settings = timing.QUICK if quick else timing.FULL
    results, skipped = [], []
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
            result = Result(bench_module.LIBRARY, version, case)
            try:
                _check(case, integration)
                bench = case.make()
                dropin = case.make_dropin() if case.make_dropin else bench
                timed = timing.measure({
                    STOCK: _Toggled(bench, integration, False),
                    DROPIN: _Toggled(dropin, integration, True),
                }, settings)
                result.ns = {k: ns for k, (ns, _samples) in timed.items()}
            except Exception as exc:  # noqa: BLE001 - reported in the table
                result.error = f"FAIL {type(exc).__name__}: {exc}"
            finally:
                integration.uninstall()
            results.append(result)
            if progress:
                progress(f" {time.perf_counter() - t0:.1f}s")
        # A module that set the library up for its rows puts it back.
        getattr(bench_module, "finish", lambda: None)()
    return results, skipped


def _fmt(value):
    return "" if value is None else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def render(results, skipped):
    lines = ["", "== drop-ins: each library's own path, without and with install() [MB/s or ops/s] =="]
    table = [("library", "path", "size", "unit", STOCK, DROPIN, "speedup")]
    for r in results:
        speed = r.speedup()
        table.append((f"{r.library} {r.version}", r.op, size_label(r.size), r.unit,
                      r.error or _fmt(r.value(STOCK)), "" if r.error else _fmt(r.value(DROPIN)),
                      f"{speed:.2f}x" if speed else "-"))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for k, row in enumerate(table):
        lines.append("  ".join(c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    for name, reason in skipped:
        lines.append(f"  {name}: {reason}")
    return "\n".join(lines)


def main(quick=False, libraries=LIBRARIES, out=None, progress=None):
    """Run and print the section; returns (exit status, JSON-ready list)."""
    import sys

    results, skipped = run(quick, libraries, progress)
    (out or sys.stdout).write(render(results, skipped) + "\n")
    failed = any(r.error for r in results)
    return (1 if failed else 0), [r.as_json() for r in results]
