"""Benchmark machinery shared by ``python -m wscodec bench`` and ``benchmarks/``.

- ``data``: inputs generated in memory (no network, nothing to prepare).
- ``peers``, ``deflate``: adapters that drive wscodec and each installed peer
  library the way a real program does, each checked before it is timed.
- ``workloads``: every measured operation, defined once for both runners.
- ``timing``: best-of-N sampling, all contenders of a row interleaved.
- ``echo_servers``, ``loadgen``, ``endtoend``: whole echo servers over
  loopback, driven by one load generator.
- ``runner``, ``results``, ``plot``, ``markdown``: the run, its tables, the
  ``--json`` document and ``--compare``, the chart and the README table.

None of this is public API: the CLI's output and ``--json`` are.
"""
