"""Every table of ``python -m wscodec bench``: the text report's section
tables (codec operations, ``echo``, ``dropin``), ``--compare``'s and the
README's Markdown (``--markdown``)."""

import os

from . import data
from .connections import METRICS
from .dropin.cases import DROPIN, STOCK
from .peers.contender import NOT_APPLICABLE
from .results import MIN_NOISE

# --- text ------------------------------------------------------------------------


def format_value(value, unit):
    """A value as the tables show it in its unit; None stays None."""
    if value is None:
        return None
    if unit == "GB/s":
        if value >= 100:
            return f"{value:.0f}"
        if value >= 10:
            return f"{value:.1f}"
        if value >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    if unit == "msg/s":
        if value >= 1e6:
            return f"{value / 1e6:.2f}M"
        if value >= 1e3:
            return f"{value / 1e3:.0f}k"
        return f"{value:.0f}"
    if unit in ("MB/s", "bytes"):
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _cell(row, name):
    r = row.results.get(name)
    if r is None:
        return ""
    error = r.get("error")
    if error:
        if error == "not installed":
            return "n/i"
        if error == NOT_APPLICABLE:
            return "-"
        if error == "not built":
            return "NOT BUILT"
        return "FAIL"
    return format_value(row.value(name), row.unit) or "?"


def _ratio_cell(row, ours):
    best = row.best_peer()
    r = row.ratio(ours, best) if best else None
    if r is None:
        return "-"
    return f"{r:.2f}x {best}"


def layout(header, body, left):
    """Text table lines: the first ``left`` columns left-aligned, the rest
    right-aligned, a rule under the header."""
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    lines = []
    for k, cells in enumerate([header, *body]):
        lines.append("  ".join(str(c).ljust(widths[i]) if i < left else str(c).rjust(widths[i])
                               for i, c in enumerate(cells)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def render_section(rows, title, ours, extra=None):
    """One table: a row per operation and size, a column per contender, and
    ``ours`` (a wscodec backend) over the best peer."""
    names = []
    for r in rows:
        names += [n for n in r.results if n not in names]
    units = {r.unit for r in rows}
    memory = rows[0].section == "memory"
    header = ["operation", "measure" if memory else "size"]
    if len(units) > 1:
        header.append("unit")
    header += names
    if not memory:
        header.append(f"{ours}/best peer")
    body = []
    for r in rows:
        cells = [r.op, r.measure if memory else data.size_label(r.size)]
        if len(units) > 1:
            cells.append(r.unit)
        cells += [_cell(r, n) for n in names]
        if not memory:
            cells.append(_ratio_cell(r, ours))
        body.append(cells)
    unit = units.pop() if len(units) == 1 else "see unit column"
    lines = ["", f"== {title} [{unit}] =="]
    lines += layout(header, body, left=3 if "unit" in header else 2)
    if extra:
        lines += extra
    return lines


def render_compare(old_meta, comparison):
    """The ``--compare`` table: each result against an earlier run's."""
    lines = ["", f"== change against {old_meta['run'].get('time', '?')} "
             f"({old_meta['machine']['cpu']}, wscodec {old_meta['versions']['wscodec']}) =="]
    lines.append("a regression is flagged only when the change is beyond the noise measured in the two runs "
                 "(each: best sample to the lower quartile of its samples, or the interquartile range of "
                 f"the echo interval rates; added, at least {MIN_NOISE:.0%})")
    body = []
    for row, name, old, new, change, noise, verdict in comparison:
        body.append([
            row.section, row.key if row.section != "memory" else f"{row.op} ({row.measure})", name,
            format_value(old, row.unit) or "-", format_value(new, row.unit) or "-", row.unit,
            f"{change:+.1%}" if change is not None else "-",
            f"±{noise:.1%}" if noise is not None else "-", verdict,
        ])
    lines += layout(["section", "operation", "contender", "old", "new", "unit", "change", "noise", "verdict"],
                    body, left=3)
    regressions = [c for c in comparison if c[6] == "REGRESSION"]
    lines.append(f"{len(comparison)} results compared, {len(regressions)} regressions beyond the noise"
                 + (": " + ", ".join(f"{c[0].key} {c[1]}" for c in regressions if c[1] in ("native", "pure"))
                    if regressions else ""))
    return lines


def _fmt_rate(v):
    if v is None:
        return "-"
    return f"{v / 1e3:,.1f}k" if v < 1e6 else f"{v / 1e6:.2f}M"


def render_echo(rows):
    """The ``echo`` table: a line per server and size."""
    lines = ["", f"== echo end to end over 127.0.0.1: {rows[0].measure} =="]
    header = ["size", "server", "messages/s", "MB/s each way", "p50 latency", "p99 latency",
              "server CPU", "CPU per message", "load generator CPU", "wscodec vs it"]
    body = []
    for row in rows:
        ours = row.value("wscodec")
        for name, r in row.results.items():
            if r.get("error"):
                body.append([data.size_label(row.size), name, "n/i" if r["error"] == "not installed" else "FAIL",
                             "", "", "", "", "", "", ""])
                continue
            rate = row.value(name)
            body.append([
                data.size_label(row.size), name, _fmt_rate(rate), f"{rate * row.size / 1e6:,.1f}",
                f"{r['p50_us'] / 1e3:.2f} ms", f"{r['p99_us'] / 1e3:.2f} ms",
                f"{r['server_cpu']:.0%}" if r.get("server_cpu") is not None else "?",
                f"{r['server_us_per_message']:.1f} us" if r.get("server_us_per_message") else "?",
                f"{r['client_cpu']:.0%}" if r.get("client_cpu") is not None else "?",
                f"{ours / rate:.2f}x" if ours and rate and name != "wscodec" else "",
            ])
    lines += layout(header, body, left=2)
    failures = [f"{row.key} {name}: {r['error']}" for row in rows for name, r in row.results.items()
                if (r.get("error") or "").startswith("FAIL")]
    if failures:
        lines += ["failures:"] + [f"  {f}" for f in failures]
    lines.append("CPU: share of one core while measured; a server near 100% with the load generator well "
                 "below it was the limit, not the load generator. CPU per message: the server's CPU time "
                 "over the messages it echoed (steadier than the rate on a busy machine). wscodec vs it: "
                 "wscodec's messages/s over this server's.")
    return lines


def _connections_cell(row, name):
    r = row.results.get(name)
    if r is None:
        return ""
    if r.get("error"):
        return "n/a" if not r["error"].startswith("FAIL") else "FAIL"
    value = row.value(name)
    if row.unit == "bytes":
        return f"{value / 1024:,.1f} KiB"
    if row.unit == "handshakes/s":
        return f"{r['p50_us']:,.0f} us"
    seconds = r["seconds"]
    text = f"{seconds:,.2f} s" if seconds >= 1 else f"{seconds * 1e3:,.0f} ms"
    return text + (f" ({r['retries']:,} retried)" if r.get("retries") else "")


def render_connections(rows):
    """The ``connections`` table: a line per server and compression mode."""
    lines = ["", f"== connections: {rows[0].measure} =="]
    by_key = {row.key: row for row in rows}
    header = ["server", "compression"] + [title for _, _, title in METRICS]
    body = []
    names = list(dict.fromkeys(name for row in rows for name in row.results))
    for mode in ("no compression", "permessage-deflate"):
        for name in names:
            cells = [_connections_cell(by_key[f"{key}, {mode}"], name) for key, _, _ in METRICS]
            if all(c == "n/a" for c in cells):
                continue
            body.append([name, mode] + cells)
    lines += layout(header, body, left=2)
    failures = sorted({f"{name}: {r['error']}" for row in rows for name, r in row.results.items()
                       if (r.get("error") or "").startswith("FAIL")})
    skipped = sorted({f"{name} ({row.key.rsplit(', ', 1)[1]}): {r['error']}" for row in rows
                      for name, r in row.results.items()
                      if r.get("error") and not r["error"].startswith("FAIL")})
    totals = [f"{name} {row.key.rsplit(', ', 1)[1]} {r['server_rss'] / 2**20:,.0f} MiB"
              for row in rows if row.key.startswith("memory per connection after")
              for name, r in row.results.items() if r.get("server_rss")]
    if totals:
        lines.append("server processes' resident memory with every connection open, after a message each way: "
                     + "; ".join(totals))
    if failures:
        lines += ["failures:"] + [f"  {f}" for f in failures]
    if skipped:
        lines += ["not measured: " + "; ".join(skipped)]
    lines.append("idle, after a message: the server's resident memory per connection over what it held before "
                 "the first (lower is better); handshake p50: connect, upgrade request, 101 received, one "
                 "connection at a time; open all: until the last 101, one at a time and all at once (in the storm "
                 "a connection the server dropped before its 101 is opened again, as browsers do; retries "
                 "counted); a message "
                 "on each: one message sent on every connection until the last echo; broadcast: one 200-byte "
                 "message from the server to all until the last client has it; heartbeat: a ping on every "
                 "connection until the last pong.")
    return lines


def _fmt_dropin(value):
    return "" if value is None else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def render_dropin(rows, skipped=()):
    """The ``dropin`` table, and the libraries that were not run."""
    lines = ["", "== drop-ins: each library's own path, without and with install() [MB/s or ops/s] =="]
    table = [("library", "path", "size", "unit", STOCK, DROPIN, "speedup")]
    for r in rows:
        error = r.results[STOCK].get("error")
        speed = r.ratio(DROPIN, STOCK)
        # The op is "<library> <path>", and a library's name may have spaces.
        library = r.measure.rsplit(" ", 1)[0]
        path = r.op[len(library) + 1:] if r.op.startswith(library + " ") else r.op
        table.append((r.measure, path, data.size_label(r.size), r.unit,
                      error or _fmt_dropin(r.value(STOCK)), "" if error else _fmt_dropin(r.value(DROPIN)),
                      f"{speed:.2f}x" if speed else "-"))
    lines += layout(table[0], table[1:], left=4)
    for name, reason in skipped:
        lines.append(f"  {name}: {reason}")
    return lines


# --- Markdown --------------------------------------------------------------------

MARKDOWN_START, MARKDOWN_END = "<!-- bench:start -->", "<!-- bench:end -->"

# The README keeps to what a reader compares: every decode, encode, deflate
# and echo row; masking and UTF-8 at the sizes of real messages and reads.
_MARKDOWN_SIZES = {data.KiB, 64 * data.KiB, data.MiB}
_MARKDOWN_CORPORA = ("validate_utf8 ascii", "validate_utf8 cjk", "validate_utf8 emoji")


def _markdown_keeps(row):
    if row.section == "mask":
        return row.size in _MARKDOWN_SIZES
    if row.section == "utf8":
        return row.op in _MARKDOWN_CORPORA and row.size in _MARKDOWN_SIZES
    return row.section in ("decode", "encode", "deflate")


def _markdown_codec(rows):
    out = ["| operation | size | wscodec native | wscodec pure | best peer | native / best peer |",
           "|---|---|---:|---:|---|---:|"]
    for row in rows:
        if not _markdown_keeps(row):
            continue
        best = row.best_peer()
        native = format_value(row.value("native"), row.unit) or "not built"
        pure = format_value(row.value("pure"), row.unit) or "-"
        peer = f"{best} {format_value(row.value(best), row.unit)}" if best else "-"
        ratio = row.ratio("native", best) if best else None
        out.append(f"| {row.op} | {data.size_label(row.size)} | {native} {row.unit} | {pure} | {peer} | "
                   + (f"{ratio:.2f}x |" if ratio else "- |"))
    return out


def _markdown_echo(rows):
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


def render_markdown(rows, meta):
    """``--markdown``: the README's results table."""
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
        lines += _markdown_codec(codec)
    echo = [r for r in rows if r.section == "echo"]
    if echo:
        lines += ["", f"Echo servers end to end over 127.0.0.1 ({echo[0].measure}): messages per second "
                  "and p99 latency.", ""]
        lines += _markdown_echo(echo)
    return "\n".join(lines) + "\n"


def write_markdown(path, rows, meta):
    """Write the table to ``path``, or between its bench markers if it has them."""
    table = render_markdown(rows, meta)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if MARKDOWN_START in text and MARKDOWN_END in text:
            head, rest = text.split(MARKDOWN_START, 1)
            _, tail = rest.split(MARKDOWN_END, 1)
            table = f"{head}{MARKDOWN_START}\n{table}{MARKDOWN_END}{tail}"
    with open(path, "w", encoding="utf-8") as f:
        f.write(table)
