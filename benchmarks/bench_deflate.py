"""permessage-deflate round trips: a client encodes a run of text messages with context takeover, a server decodes them.

The workloads are ``wscodec._bench.workloads.plan(sections=["deflate"])``, the
same rows as ``python -m wscodec bench --only deflate``."""

SECTION = "deflate"


def test_deflate(workload, name, run_workload):
    run_workload(workload, name)


if __name__ == "__main__":
    # `python benchmarks/bench_deflate.py`: the interleaved table of the CLI.
    import sys

    from wscodec.bench import main

    sys.exit(main(["--only", "deflate", *sys.argv[1:]]))
