"""``python -m wscodec bench``: wscodec against the WebSocket libraries
people run today, on this machine.

Codec operations (masking, UTF-8 validation, decoding, encoding,
permessage-deflate, memory) run on data generated in memory, every
contender of a row interleaved in one process; ``echo`` measures whole
servers end to end over loopback.  Progress goes to stderr, tables to
stdout; ``--json``, ``--plot`` and ``--compare`` keep and compare results.
Peers are optional: ``pip install 'wscodec[bench]'`` installs them.
"""

import argparse
import sys

from ._bench.data import KiB, MiB

SECTIONS = ("mask", "utf8", "decode", "encode", "deflate", "text", "large", "receive", "broadcast", "pypy",
            "memory", "echo", "connections", "dropin", "threads")

DESCRIPTION = (
    "Throughput of wscodec against the installed WebSocket libraries: codec operations on data "
    "built in memory, and echo servers end to end over loopback. Ratios within one run are what "
    "to compare; --json keeps every sample, --compare flags changes beyond the measured noise."
)


def add_arguments(parser):
    parser.add_argument(
        "--quick", action="store_true",
        help="a smoke run (CI), under a minute: few samples, a hundredth of the messages, fewer buffer sizes, "
             "a 4 MiB large message, short echo runs",
    )
    parser.add_argument(
        "--only", metavar="SECTION[,SECTION]", type=_sections,
        help=f"run only these sections: {', '.join(SECTIONS)} (connections, dropin, pypy and threads run only when named here)",
    )
    parser.add_argument(
        "--sizes", metavar="SIZE[,SIZE]", type=_sizes,
        help="payload sizes for every section instead of its defaults, e.g. 20,256,64KiB,1MiB",
    )
    parser.add_argument("--json", metavar="FILE", help="write the machine, the versions and every sample to FILE")
    parser.add_argument("--compare", metavar="OLD.json",
                        help="print each result's change against an earlier --json file, flagging "
                             "regressions beyond the measured noise")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="draw throughput against payload size, one panel per operation (needs matplotlib)")
    parser.add_argument("--markdown", metavar="FILE",
                        help="write the summary table as Markdown; a file with <!-- bench:start --> and "
                             "<!-- bench:end --> lines gets the part between them replaced")
    echo = parser.add_argument_group("echo and connections (over 127.0.0.1)")
    echo.add_argument("--connections", type=int, default=None, metavar="N",
                      help="connections the load generator keeps open (default 16); for the connections "
                           "section, the connections held on each server (default 10,000, quick 1,000)")
    echo.add_argument("--depth", type=int, default=None, metavar="N",
                      help="messages in flight per connection (default 4; 1 is strict request/response)")
    echo.add_argument("--duration", type=float, default=None, metavar="SECONDS",
                      help="measured time per server and size (default 3, quick 0.4)")
    echo.add_argument("--clients", type=int, default=None, metavar="N",
                      help="load generator processes (default 1; connections: one per 12,500 connections, "
                           "at least 2)")
    echo.add_argument("--uvloop", action="store_true", help="run every echo server on uvloop")
    echo.add_argument("--workers", type=int, default=None, metavar="N",
                      help="connections: wscodec's server as N processes broadcasting through Redis (default: "
                           "one, or as many as the open-file limit needs)")
    echo.add_argument("--servers", type=lambda t: [s.strip() for s in t.split(",") if s.strip()], default=None,
                      metavar="NAME[,NAME]",
                      help="servers to run, echo and connections (default: wscodec and every installed peer)")


def _sections(text):
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in names if s not in _known_sections()]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section {', '.join(unknown) or text!r}; choose from {', '.join(_known_sections())}")
    return names


def _known_sections():
    return SECTIONS


def _sizes(text):
    out = []
    for part in text.split(","):
        part = part.strip().replace(" ", "")
        if not part:
            continue
        scale = 1
        for suffix, factor in (("MiB", MiB), ("KiB", KiB), ("B", 1)):
            if part.endswith(suffix):
                part, scale = part[: -len(suffix)], factor
                break
        try:
            n = int(part) * scale
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a size: {part!r} (e.g. 20, 256B, 64KiB, 1MiB)") from None
        if not 1 <= n <= 64 * MiB:
            raise argparse.ArgumentTypeError(f"size {n} out of range (1 B to 64 MiB)")
        out.append(n)
    if not out:
        raise argparse.ArgumentTypeError("no sizes given")
    return tuple(sorted(set(out)))


def run(args):
    from ._bench import runner

    echo_options = {k: getattr(args, k) for k in ("connections", "depth", "duration", "clients", "uvloop", "servers")}
    return runner.main(quick=args.quick, only=args.only, sizes=args.sizes, json_path=args.json,
                       compare_path=args.compare, plot_path=args.plot, markdown_path=args.markdown,
                       echo_options=echo_options,
                       connections_options={k: getattr(args, k)
                                            for k in ("connections", "clients", "servers", "workers")})


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wscodec bench", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
