"""Ratios from a pytest-benchmark run: native and pure against the best peer.

    python -I -m pytest benchmarks --benchmark-json=bench.json
    python benchmarks/ratios.py bench.json

For every group (an operation at one size) prints the best (min) time of
each contender and ``native / best peer`` as a speed ratio (higher is
better).  The ``copy`` baseline is shown but is no peer.
"""

import json
import sys

NOT_PEERS = ("native", "pure", "copy")


def main(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    groups = {}
    for b in doc["benchmarks"]:
        name = (b.get("params") or {}).get("name")
        if name is None:
            continue
        groups.setdefault(b["group"], {})[name] = b["stats"]["min"]
    names = []
    for times in groups.values():
        names += [n for n in times if n not in names]
    header = ["group"] + names + ["native/best peer", "pure/best peer"]
    rows = [header]
    for group, times in groups.items():
        peers = {n: t for n, t in times.items() if n not in NOT_PEERS}
        best = min(peers, key=peers.get) if peers else None
        row = [group] + [_fmt(times.get(n)) for n in names]
        for ours in ("native", "pure"):
            if best and ours in times:
                row.append(f"{peers[best] / times[ours]:.2f}x {best}")
            else:
                row.append("-")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for k, r in enumerate(rows):
        print("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def _fmt(seconds):
    if seconds is None:
        return ""
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
