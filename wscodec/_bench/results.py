"""Results as data: rows, the machine they were measured on, the ``--json``
document and ``--compare`` of two of them."""

import json
import os
import platform
import statistics
import sys
import time

from . import data


class Row:
    """One operation at one size, with each contender's samples.

    ``results[name]``: ``kind`` ("wscodec", "peer" or "baseline"),
    ``samples`` (throughputs in ``unit``, every sample taken; for memory one
    value in bytes), ``error`` and ``note``; echo rows add latencies and CPU
    shares.  The best sample is the row's value.
    """

    def __init__(self, section, op, size, unit, count=1, key=None, measure=None):
        self.section = section
        self.op = op
        self.size = size
        self.unit = unit
        self.count = count
        self.measure = measure
        self.key = key or f"{op} {data.size_id(size)}"
        self.results = {}

    @property
    def higher_is_better(self):
        return self.unit != "bytes"

    def add(self, name, kind, error=None, note=None, **extra):
        self.results[name] = {"kind": kind, "samples": None, "error": error, "note": note, **extra}
        return self.results[name]

    def value(self, name):
        r = self.results.get(name)
        if not r or r.get("error") or not r.get("samples"):
            return None
        if r.get("rate") is not None:
            return r["rate"]  # a sustained rate: the mean, not the best interval
        return max(r["samples"]) if self.higher_is_better else min(r["samples"])

    def best_peer(self):
        best = None
        for name, r in self.results.items():
            if r["kind"] == "peer" and self.value(name) is not None:
                if best is None or self.value(name) > self.value(best):
                    best = name
        return best

    def ratio(self, a, b):
        va, vb = self.value(a), self.value(b)
        if va is None or vb is None or vb == 0:
            return None
        return va / vb

    def as_json(self):
        return {
            "key": self.key,
            "section": self.section,
            "operation": self.op,
            "size": self.size,
            "measure": self.measure,
            "messages_per_op": self.count,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            "results": {name: {**r, "value": self.value(name)} for name, r in self.results.items()},
        }

    @classmethod
    def from_json(cls, doc):
        row = cls(doc["section"], doc["operation"], doc["size"], doc["unit"], doc.get("messages_per_op", 1),
                  key=doc["key"], measure=doc.get("measure"))
        for name, r in doc["results"].items():
            row.results[name] = {k: v for k, v in r.items() if k != "value"}
        return row


# --- the machine ----------------------------------------------------------------


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith(("model name", "Hardware", "Model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version_of(dist):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def metadata(run, backends_status, peer_versions):
    import wscodec

    return {
        "machine": {
            "cpu": cpu_model(),
            "cpus": os.cpu_count(),
            "arch": platform.machine(),
            "os": f"{platform.system()} {platform.release()}",
            "python": f"{sys.implementation.name} {platform.python_version()}",
            "isa": getattr(wscodec, "SIMD", None) if wscodec.BACKEND == "native" else "none (pure backend)",
            "hostname": platform.node(),
        },
        "versions": {
            "wscodec": wscodec.__version__,
            **peer_versions,
            "uvloop": _version_of("uvloop"),
        },
        "peers": peer_versions,
        "backends": backends_status,
        "run": {**run, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "argv": sys.argv[1:]},
    }


def write_json(path, meta, rows):
    doc = {"format": "wscodec-bench/1", "meta": meta, "rows": [r.as_json() for r in rows]}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def read_json(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("format") != "wscodec-bench/1":
        raise ValueError(f"{path}: not a `python -m wscodec bench --json` file")
    return doc["meta"], [Row.from_json(r) for r in doc["rows"]]


# --- comparing two runs ------------------------------------------------------------

MIN_NOISE = 0.03
"""Below this relative change nothing is called a regression, however tight
the samples were: timer granularity and frequency scaling alone reach it."""


def spread(row, name):
    """How much this row's value can move by chance, relative: from the best
    sample to the lower quartile of the samples for best-of rows, the
    interquartile range of the interval rates for a sustained (echo) run."""
    r = row.results.get(name) or {}
    samples = r.get("samples") or []
    if len(samples) < 2:
        return None
    if r.get("rate") is not None:
        q = statistics.quantiles(samples, n=4)
        median = statistics.median(samples)
        return (q[2] - q[0]) / median if median else None
    best = row.value(name)
    if not best:
        return None
    q = statistics.quantiles(samples, n=4, method="inclusive")
    typical = q[0] if row.higher_is_better else q[2]
    return abs(best - typical) / best


def compare(old_rows, new_rows):
    """``[(row, name, old, new, change, noise, verdict)]`` for every contender
    of every row of the new run; ``change`` is new/old - 1 in the direction
    where positive is better."""
    old_by_key = {(r.section, r.key): r for r in old_rows}
    out = []
    for row in new_rows:
        old = old_by_key.get((row.section, row.key))
        for name in row.results:
            new_v = row.value(name)
            old_v = old.value(name) if old is not None else None
            if new_v is None or old_v is None or old_v == 0:
                verdict = "new" if old is None or name not in old.results else "not comparable"
                out.append((row, name, old_v, new_v, None, None, verdict))
                continue
            change = new_v / old_v - 1 if row.higher_is_better else old_v / new_v - 1
            # Both values are estimates: the change has to clear the noise
            # of the two runs together.
            noise = max(MIN_NOISE, (spread(row, name) or 0) + (spread(old, name) or 0))
            if change < -noise:
                verdict = "REGRESSION"
            elif change > noise:
                verdict = "faster" if row.higher_is_better else "smaller"
            else:
                verdict = "within noise"
            out.append((row, name, old_v, new_v, change, noise, verdict))
    return out
