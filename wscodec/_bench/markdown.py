"""``--markdown``: the README's results table from a run."""

import os

from . import data
from .runner import _fmt

START, END = "<!-- bench:start -->", "<!-- bench:end -->"

# The README keeps to what a reader compares: every decode, encode, deflate
# and echo row; masking and UTF-8 at the sizes of real messages and reads.
_BUFFER_SIZES = {data.KiB, 64 * data.KiB, data.MiB}
_CORPORA = ("validate_utf8 ascii", "validate_utf8 cjk", "validate_utf8 emoji")


def _keep(row):
    if row.section == "mask":
        return row.size in _BUFFER_SIZES
    if row.section == "utf8":
        return row.op in _CORPORA and row.size in _BUFFER_SIZES
    return row.section in ("decode", "encode", "deflate")


def _codec_table(rows):
    out = ["| operation | size | wscodec native | wscodec pure | best peer | native / best peer |",
           "|---|---|---:|---:|---|---:|"]
    for row in rows:
        if not _keep(row):
            continue
        best = row.best_peer()
        native = _fmt(row.value("native"), row.unit) or "not built"
        pure = _fmt(row.value("pure"), row.unit) or "-"
        peer = f"{best} {_fmt(row.value(best), row.unit)}" if best else "-"
        ratio = row.ratio("native", best) if best else None
        out.append(f"| {row.op} | {data.size_label(row.size)} | {native} {row.unit} | {pure} | {peer} | "
                   + (f"{ratio:.2f}x |" if ratio else "- |"))
    return out


def _echo_table(rows):
    names = []
    for row in rows:
        names += [n for n, r in row.results.items() if n not in names and not r.get("error")]
    out = ["| message | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for row in rows:
        cells = []
        for name in names:
            r = row.results.get(name) or {}
            v = row.value(name)
            cells.append(f"{v:,.0f}/s, p99 {r['p99_us'] / 1e3:.1f} ms" if v else "-")
        out.append(f"| {data.size_label(row.size)} | " + " | ".join(cells) + " |")
    return out


def render(rows, meta):
    m = meta["machine"]
    peers = ", ".join(f"{k} {v}" for k, v in meta["peers"].items() if v)
    lines = [
        f"One run of `python -m wscodec bench` on {m['cpu']} ({m['cpus']} CPUs, {m['arch']}, SIMD {m['isa']}), "
        f"{m['python']}, {meta['run']['time'][:10]}; {peers}. Higher is better; the machine is shared, "
        "so compare ratios within the run.",
        "",
    ]
    codec = [r for r in rows if r.section not in ("echo", "memory")]
    if codec:
        lines += _codec_table(codec)
    echo = [r for r in rows if r.section == "echo"]
    if echo:
        lines += ["", f"Echo servers end to end over 127.0.0.1 ({echo[0].measure}): messages per second "
                  "and p99 latency.", ""]
        lines += _echo_table(echo)
    return "\n".join(lines) + "\n"


def write(path, rows, meta):
    """Write the table to ``path``, or between its bench markers if it has them."""
    table = render(rows, meta)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if START in text and END in text:
            head, rest = text.split(START, 1)
            _, tail = rest.split(END, 1)
            table = f"{head}{START}\n{table}{END}{tail}"
    with open(path, "w", encoding="utf-8") as f:
        f.write(table)
