"""Best-of-N timing with every contender of a row interleaved.

The machine is shared and noisy: a burst of someone else's compile slows
whatever runs during it.  Taking each contender's best sample, with the
contenders taking turns sample by sample (in a rotating order), makes the
burst hit all of them alike, so the ratios within one row hold even when
the absolute numbers wander.
"""

import gc
import itertools
import time

_perf_ns = time.perf_counter_ns

_LONG_NS = 200_000_000

_LOOP_CACHE = {}


def _loop_for(nargs, kwnames):
    """A timing loop that calls ``fn`` with exactly this many positional
    arguments and these keywords, compiled once per signature.  Spelling the
    call out (instead of ``fn(*args)`` or a lambda) keeps the loop's own
    cost at the ~15 ns of a bare call, which matters for 16-byte inputs."""
    key = (nargs, kwnames)
    loop = _LOOP_CACHE.get(key)
    if loop is None:
        params = [f"a{i}" for i in range(nargs)] + [f"k_{k}" for k in kwnames]
        call = ", ".join([f"a{i}" for i in range(nargs)] + [f"{k}=k_{k}" for k in kwnames])
        src = (
            f"def loop(_n, _fn{''.join(', ' + p for p in params)}):\n"
            f"    _t0 = _perf()\n"
            f"    for _ in _repeat(None, _n):\n"
            f"        _fn({call})\n"
            f"    return _perf() - _t0\n"
        )
        namespace = {"_perf": _perf_ns, "_repeat": itertools.repeat}
        exec(src, namespace)  # noqa: S102 - fixed template, no outside input
        loop = _LOOP_CACHE[key] = namespace["loop"]
    return loop


class Call:
    """A micro-benchmark: one operation is ``fn(*args, **kwargs)``."""

    def __init__(self, fn, *args, **kwargs):
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self._loop = _loop_for(len(args), tuple(kwargs))

    def sample(self, number):
        """Total ns for ``number`` calls."""
        return self._loop(number, self.fn, *self.args, *self.kwargs.values())


class Batch:
    """A macro-benchmark: ``setup()`` (untimed) returns the state that one
    timed ``run(state)`` consumes, e.g. a fresh decoder for a whole stream."""

    def __init__(self, setup, run, teardown=None):
        self.setup = setup
        self.run = run
        self.teardown = teardown

    def sample(self, number):
        total = 0
        for _ in range(number):
            state = self.setup()
            t0 = _perf_ns()
            self.run(state)
            total += _perf_ns() - t0
            if self.teardown is not None:
                self.teardown(state)
        return total


class Settings:
    """How long to measure.  ``target_ns``: length of one sample (calls are
    repeated until a sample is at least this long); ``rounds``: samples per
    contender at most; ``min_rounds``: at least; ``budget_ns``: time one
    contender may spend on one row beyond ``min_rounds``."""

    def __init__(self, target_ns, rounds, min_rounds, budget_ns):
        self.target_ns = target_ns
        self.rounds = rounds
        self.min_rounds = min_rounds
        self.budget_ns = budget_ns


# Short samples, many of them: on a loaded machine a 1 ms sample often runs
# whole between two preemptions, a 10 ms one hardly ever.
FULL = Settings(target_ns=1_000_000, rounds=15, min_rounds=4, budget_ns=1_000_000_000)
QUICK = Settings(target_ns=300_000, rounds=4, min_rounds=2, budget_ns=60_000_000)


def _calibrate(bench, target_ns):
    """Calls per sample so that one sample lasts about ``target_ns``; also
    the warm-up (first calls allocate, fill caches, resolve attributes).

    Sized from the fastest call seen so far, not from the last sample: a
    first call that was preempted (or just cold) would otherwise settle on
    one call per sample, and every later sample would time a cold call.
    """
    number = 1
    fastest = None
    confirmed = False
    while True:
        elapsed = bench.sample(number)
        per_op = max(elapsed, 1) / number
        fastest = per_op if fastest is None else min(fastest, per_op)
        if number * fastest >= target_ns or number >= 1 << 24:
            # One more sample at this count unless the op is plainly long
            # (a whole decoded stream): a stall can fake one long sample,
            # hardly two.
            if confirmed or elapsed >= 50 * target_ns or number >= 1 << 24:
                return number, elapsed
            confirmed = True
            continue
        confirmed = False
        # Aim a little over the target so the next try usually settles it.
        number = max(number * 2, int(target_ns * 1.2 / fastest))


def measure(benches, settings):
    """Time ``{name: Call | Batch}``; returns ``{name: [ns_per_op, ...]}``,
    every sample in the order taken (the calibration's last one first).

    Contenders take turns, one sample each, in an order rotated every round.
    """
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        plan = {}
        samples = {}
        for name, bench in benches.items():
            number, elapsed = _calibrate(bench, settings.target_ns)
            per_sample = max(elapsed, 1)
            rounds = int(settings.budget_ns // per_sample)
            # A contender whose one sample takes a second (wsproto on 100,000
            # frames) gets one or two more, not min_rounds: it is far slower
            # than anything it is compared with and would take most of the run.
            if per_sample < _LONG_NS:
                floor = settings.min_rounds
            else:
                floor = 2 if per_sample < 5 * _LONG_NS else 1
            rounds = max(floor, min(settings.rounds, rounds))
            plan[name] = (number, rounds)
            samples[name] = [elapsed / number]
        names = list(benches)
        for r in range(max((p[1] for p in plan.values()), default=0)):
            order = names[r % len(names):] + names[:r % len(names)]
            for name in order:
                number, rounds = plan[name]
                if r >= rounds:
                    continue
                samples[name].append(benches[name].sample(number) / number)
            # Garbage of one round (decoded messages) must not be collected
            # inside another contender's sample.
            gc.collect()
        return samples
    finally:
        if gc_was_enabled:
            gc.enable()
