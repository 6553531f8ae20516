"""Benchmark machinery shared by ``python -m wscodec bench`` and ``benchmarks/``.

- ``data``: inputs generated in memory (no network, nothing to prepare);
  ``traffic``: its text in each script as people type it.
- ``peers/``: adapters that drive wscodec and each installed peer library
  the way a real program does, each checked before it is timed, one
  module per operation.
- ``workloads``: every measured operation, defined once for both runners.
- ``timing``: best-of-N sampling, all contenders of a row interleaved.
- ``endtoend/``: whole echo servers over loopback (``servers``), driven by
  one load generator (``loadgen``).
- ``dropin/``: each library's own paths without and with its drop-in.
- ``threads``: how wscodec scales across threads.
- ``runner``: the run; ``results``: rows, the ``--json`` document and
  ``--compare``; ``tables``: the text report's tables and the README's
  Markdown; ``plot``: the chart.

None of this is public API: the CLI's output and ``--json`` are.
"""
