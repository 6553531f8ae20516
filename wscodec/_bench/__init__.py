"""Benchmark machinery shared by ``python -m wscodec bench`` and ``benchmarks/``.

- ``data``: inputs generated in memory (no network, nothing to prepare).
- ``peers``: adapters that drive wscodec and each installed peer library the
  way a real server does, each checked for correctness before it is timed.
- ``timing``: best-of-N sampling, all contenders interleaved in one process.
- ``runner``: the suites, the tables and the bar verdicts of the CLI.

None of this is public API: the CLI's output and ``--json`` are.
"""
