"""Times every installed library's cases, with and without its drop-in,
the two contenders' samples alternating (see the package's docstring)."""

import importlib
import time

from .. import timing
from ..data import size_label
from ..results import Row
from .cases import DROPIN, STOCK

# The library modules of this package, in table order.
LIBRARIES = ("wsproto", "websocket_client", "tornado", "wsaccel", "autobahn", "websockets", "websockets_fallback",
             "aiohttp", "aiohttp_fallback")


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
    settings = timing.QUICK if quick else timing.FULL
    rows, skipped = [], []
    for name in libraries:
        bench_module = importlib.import_module(f"{__package__}.{name}")
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
