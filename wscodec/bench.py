"""``python -m wscodec bench``: throughput of wscodec against its peers.

Runs on data generated in memory (no network, nothing to prepare), prints
progress on stderr and then tables on stdout: GB/s for masking and UTF-8
validation, frames/s or MB/s for decoding and encoding, bytes per idle
decoder, each with the ratio of the native backend to the best installed
peer, and the verdict on each performance bar of the project's issues.
Peers are optional: ``pip install wscodec[bench]`` installs them.
"""

import argparse
import sys

SECTIONS = ("mask", "utf8", "decode", "encode", "memory", "dropin")

DESCRIPTION = (
    "Throughput of wscodec against the installed peer libraries, on data built "
    "in memory (no network); ratios of one run are what to compare."
)


def add_arguments(parser):
    parser.add_argument(
        "--quick", action="store_true",
        help="few repetitions, a tenth of the frames and no 16 MiB inputs (a smoke run, for CI)",
    )
    parser.add_argument(
        "--only", metavar="SECTION[,SECTION]", type=_sections,
        help=f"run only these sections: {', '.join(SECTIONS)}",
    )
    parser.add_argument("--json", metavar="FILE", help="also write every measurement to FILE as JSON")


def _sections(text):
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in names if s not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown section {', '.join(unknown) or text!r}; choose from {', '.join(SECTIONS)}")
    return names


def run(args):
    from ._bench import runner

    return runner.main(quick=args.quick, only=args.only, json_path=args.json)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wscodec bench", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
