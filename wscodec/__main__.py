"""``python -m wscodec`` (or the ``wscodec`` script): small command-line tools."""

import argparse
import sys


def _info(args):
    import wscodec

    print(f"wscodec {wscodec.__version__}")
    print(f"backend: {wscodec.BACKEND} (SIMD: {wscodec.SIMD})")
    print(f"python: {sys.version.split()[0]} ({sys.executable})")
    return 0


def main(argv=None):
    from . import bench

    parser = argparse.ArgumentParser(prog="python -m wscodec", description="wscodec command-line tools.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    bench_parser = commands.add_parser(
        "bench", help="wscodec against the installed WebSocket libraries: codec operations and echo servers over loopback",
        description=bench.DESCRIPTION,
    )
    bench.add_arguments(bench_parser)
    bench_parser.set_defaults(handler=bench.run)
    info_parser = commands.add_parser("info", help="version, backend in use and SIMD level")
    info_parser.set_defaults(handler=_info)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
