"""The pytest-benchmark form of ``python -m wscodec bench``.

    python -I -m pytest benchmarks                        # every workload and contender
    python -I -m pytest benchmarks --wscodec-quick        # smoke: the CLI's --quick plan
    python -I -m pytest benchmarks -k "decode and native" --benchmark-autosave
    python -I -m pytest benchmarks --benchmark-compare    # against the last autosaved run

Each test times one contender of one workload (``wscodec._bench.workloads``:
the same definitions, inputs, adapters and correctness checks as the CLI),
grouped by workload so every contender of a row sits side by side.  Test
ids are ``<workload key>-<contender>`` (e.g. ``decode text masked (server)
256B-native``) and stay stable across runs, which is what
``--benchmark-compare`` matches on.  A contender that is not installed, not
applicable or not built is skipped; one that gives a wrong result fails.
The CLI interleaves the contenders of a row; pytest-benchmark runs them one
after another, so on a busy machine prefer the CLI's ratios.
"""

import pytest

from wscodec._bench import timing, workloads
from wscodec._bench.peers import contender, transport
from wscodec._bench.timing import Batch


def pytest_addoption(parser):
    parser.addoption(
        "--wscodec-quick", action="store_true",
        help="wscodec benchmarks: the quick plan of `python -m wscodec bench --quick` (a smoke run)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # Before pytest-benchmark reads its options into its session.
    if config.getoption("--wscodec-quick", default=False):
        config.option.benchmark_max_time = "0.05"
        config.option.benchmark_min_rounds = 3


def pytest_generate_tests(metafunc):
    if "workload" not in metafunc.fixturenames:
        return
    quick = metafunc.config.getoption("--wscodec-quick")
    section = metafunc.module.SECTION
    plan = workloads.plan(quick, None, [section] if isinstance(section, str) else list(section))
    params = [pytest.param(w, name, id=f"{w.key}-{name}") for w in plan for name in w.names]
    metafunc.parametrize(("workload", "name"), params)


@pytest.fixture(scope="session")
def backends():
    return contender.load_backends()[0]


_ROWS = {}


@pytest.fixture(scope="session")
def contenders(backends):
    """``contenders(workload)``: the row's checked contenders, built once per
    session (a row builds and checks all of them together, as the CLI does)."""

    def get(workload):
        if workload.key not in _ROWS:
            _ROWS.clear()  # one row's inputs at a time: 16 MiB ones add up
            _ROWS[workload.key] = {c.name: c for c in workload.build(backends)}
        return _ROWS[workload.key]

    yield get
    _ROWS.clear()
    transport.close_loop()


@pytest.fixture
def run_workload(benchmark, contenders):
    """Time contender ``name`` of ``workload``.

    A ``Batch`` (a fresh decoder for a whole stream per round) gets its
    setup outside the timed region and a fixed number of rounds, since one
    round of the slowest peer takes seconds.  A ``Call`` is timed through
    the CLI's own loop (``Call.sample``), ``calls_per_round`` calls a round:
    pytest-benchmark's loop costs about as much per call as encoding a small
    frame, which would halve such rows and skew their ratios.
    """

    def run(workload, name):
        c = contenders(workload).get(name)
        if c is None:
            pytest.fail(f"no contender {name!r} in {workload.key}")
        if c.error in ("not installed", "not built", contender.NOT_APPLICABLE):
            pytest.skip(f"{name}: {c.error}")
        if not c.ok:
            pytest.fail(f"{name}: {c.error}")
        benchmark.group = f"{workload.section}: {workload.key}"
        bench = c.bench
        if isinstance(bench, Batch):
            benchmark.extra_info.update(bytes_per_round=workload.bytes_per_op, messages_per_round=workload.count,
                                        unit=workload.unit)
            return benchmark.pedantic(bench.run, setup=lambda: ((bench.setup(),), {}), rounds=5, iterations=1)
        calls, _ = timing._calibrate(bench, ROUND_NS)
        benchmark.extra_info.update(calls_per_round=calls, bytes_per_round=workload.bytes_per_op * calls,
                                    messages_per_round=workload.count * calls, unit=workload.unit)
        return benchmark.pedantic(bench.sample, args=(calls,), rounds=ROUNDS, warmup_rounds=1, iterations=1)

    return run


ROUND_NS = 1_000_000
"""About how long one round of a ``Call`` lasts."""

ROUNDS = 20
