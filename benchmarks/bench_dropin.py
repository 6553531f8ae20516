"""The drop-ins: each library's own receive and send paths (20 B, 1 KiB and
64 KiB frames, text and binary), and loopback echoes, without and with its
wscodec drop-in installed; ``benchmark.group`` puts the two side by side.
``python -m wscodec bench --only dropin`` runs the same cases with the two
contenders interleaved and prints the speedups."""

import importlib

import pytest

from wscodec._bench.data import size_label
from wscodec._bench.dropin.cases import DROPIN, STOCK
from wscodec._bench.dropin.run import LIBRARIES
from wscodec._bench.timing import Batch


def _params():
    params = []
    for name in LIBRARIES:
        module = importlib.import_module(f"wscodec._bench.dropin.{name}")
        try:
            cases = module.cases(False)
        except ImportError:
            continue
        for case in cases:
            for installed in (False, True):
                label = DROPIN if installed else STOCK
                params.append(pytest.param(module, case, installed,
                                           id=f"{name}-{case.op}-{size_label(case.size)}-{label}"))
    return params


@pytest.mark.parametrize(("module", "case", "installed"), _params())
def test_dropin(benchmark, module, case, installed):
    integration = module.INTEGRATION
    if isinstance(integration, str):
        integration = importlib.import_module(integration)
    benchmark.group = f"{module.LIBRARY} {case.op} {size_label(case.size)}"
    benchmark.extra_info["bytes"] = case.work
    make = case.make_dropin if installed and case.make_dropin else case.make
    if installed:
        integration.install(force=True)
    else:
        integration.uninstall()
    try:
        bench = make()
        if isinstance(bench, Batch):
            benchmark.pedantic(bench.run, setup=lambda: ((bench.setup(),), {}), rounds=5, iterations=1)
        else:
            benchmark(bench.fn, *bench.args, **bench.kwargs)
    finally:
        integration.uninstall()
