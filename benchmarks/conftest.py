"""Shared inputs and contenders for the pytest-benchmark suite.

    python -m pytest benchmarks                       # everything (several minutes)
    python -m pytest benchmarks/bench_masking.py      # one file
    python -m pytest benchmarks --wscodec-quick       # smoke: fewer frames, no 16 MiB
    python -m pytest benchmarks -k "native or aiohttp" --benchmark-columns=min,median,ops

Each test times one contender (wscodec native, wscodec pure, or a peer) on
one input; ``benchmark.group`` puts every contender of the same operation
and size side by side in pytest-benchmark's table.  Inputs and adapters are
the ones ``python -m wscodec bench`` uses (``wscodec._bench``), each checked
for correctness before it is timed: a contender that is not installed (or a
native backend that is not built) is skipped, one that gives a wrong result
fails.  For ratios in one glance prefer ``python -m wscodec bench``: it
interleaves all contenders of a row, which pytest-benchmark cannot.
"""

import pytest

from wscodec._bench import data, peers


def pytest_addoption(parser):
    parser.addoption(
        "--wscodec-quick", action="store_true",
        help="wscodec benchmarks: a tenth of the frames and no 16 MiB inputs (a smoke run)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # Before pytest-benchmark reads its options into its session.
    if config.getoption("--wscodec-quick", default=False):
        config.option.benchmark_max_time = "0.05"
        config.option.benchmark_min_rounds = 3


def _quick(config):
    return config.getoption("--wscodec-quick")


def pytest_collection_modifyitems(config, items):
    if not _quick(config):
        return
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        size = callspec.params.get("size") if callspec else None
        (drop if size == 16 * data.MiB else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def backends():
    return peers.load_backends()[0]


@pytest.fixture(scope="session")
def frame_counts(pytestconfig):
    """(small-frame count, 64 KiB-frame count): issue 3's 100,000 and 1,000."""
    return (10_000, 100) if _quick(pytestconfig) else (100_000, 1_000)


_ROWS = {}


@pytest.fixture(scope="session")
def contender(backends):
    """``contender(factory, *args, name=...)``: the checked contender of one
    row, built once per row per session (a row builds and checks all its
    contenders together)."""

    def get(factory, *args, name):
        key = (factory.__name__, args)
        if key not in _ROWS:
            _ROWS[key] = {c.name: c for c in factory(backends, *args)}
        c = _ROWS[key].get(name)
        if c is None:
            pytest.fail(f"no contender {name!r} in {factory.__name__}{args}")
        if c.error in ("not installed", "not built"):
            pytest.skip(f"{name}: {c.error}")
        if not c.ok:
            pytest.fail(f"{name}: {c.error}")
        return c

    yield get
    _ROWS.clear()
    peers.close_loop()


@pytest.fixture
def run_call(benchmark):
    """Time a ``timing.Call`` (one operation per call) with pytest-benchmark."""

    def run(call):
        return benchmark(call.fn, *call.args, **call.kwargs)

    return run


@pytest.fixture
def run_batch(benchmark):
    """Time a ``timing.Batch``: a fresh state per round (a new decoder for a
    whole stream) set up outside the timed region; a fixed number of rounds,
    since one round of the slowest peer takes seconds."""

    def run(batch, rounds=5):
        return benchmark.pedantic(batch.run, setup=lambda: ((batch.setup(),), {}), rounds=rounds, iterations=1)

    return run
