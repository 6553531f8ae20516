"""``--plot``: throughput against payload size, one panel per operation and
one line per implementation, both axes logarithmic (matplotlib, from
``pip install 'wscodec[bench]'``)."""

from . import data

COLORS = {
    "native": "#d62728", "pure": "#ff9896", "websockets": "#1f77b4", "websockets-py": "#aec7e8",
    "wsproto": "#2ca02c", "aiohttp": "#9467bd", "picows": "#ff7f0e", "wsaccel": "#8c564b",
    "websocket-client": "#e377c2", "bytes.decode": "#7f7f7f", "codecs": "#bcbd22", "copy": "#17becf",
    "wscodec": "#d62728", "install()": "#d62728", "stock": "#1f77b4",
}

OURS = ("native", "wscodec", "install()")


def _series(rows):
    """``{panel title: (unit, {name: [(size, value)]})}`` for operations
    measured at two sizes or more."""
    panels = {}
    for row in rows:
        if row.size is None or row.section == "memory":
            continue
        title = row.op if row.section != "echo" else "echo end to end (msg/s)"
        unit = "msg/s" if row.section == "echo" else "MB/s"
        lines = panels.setdefault(title, (unit, {}))[1]
        for name in row.results:
            v = row.value(name)
            if v is None:
                continue
            if row.section != "echo":
                # Everything as payload MB/s, so sizes compare on one axis.
                scale = {"GB/s": 1e3, "MB/s": 1.0, "msg/s": row.size / 1e6}.get(row.unit)
                if scale is None:
                    continue
                v *= scale
            lines.setdefault(name, []).append((row.size, v))
    return {t: p for t, p in panels.items() if any(len(pts) > 1 for pts in p[1].values())}


def draw(rows, meta, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise SystemExit(f"--plot needs matplotlib: pip install 'wscodec[bench]' ({exc})") from exc

    panels = _series(rows)
    if not panels:
        raise SystemExit("--plot: no operation was measured at two sizes or more")
    ncols = 4 if len(panels) > 6 else min(3, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.3 * nrows), squeeze=False)
    for ax, (title, (unit, lines)) in zip(axes.flat, panels.items()):
        for name, pts in lines.items():
            pts.sort()
            xs, ys = zip(*pts)
            ours = name in OURS
            ax.plot(xs, ys, marker="o", markersize=3, linewidth=2.4 if ours else 1.2,
                    color=COLORS.get(name), label=name, zorder=3 if ours else 2)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(title, fontsize=9)
        sizes = sorted({x for pts in lines.values() for x, _ in pts})
        ax.set_xticks(sizes)
        ax.set_xticklabels([data.size_label(s).replace(" ", "") for s in sizes], fontsize=7)
        ax.minorticks_off()
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylabel(unit, fontsize=8)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=6, loc="best")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    m = meta["machine"]
    fig.suptitle(f"wscodec {meta['versions']['wscodec']} vs peers: throughput by payload size "
                 f"({m['cpu']}, {m['cpus']} CPUs, {m['python']}, SIMD {m['isa']}; higher is better)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)
