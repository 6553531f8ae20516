"""The server fast paths: SIMD UTF-8 to str, one 16 MiB message in 64 KiB
reads, the BufferedProtocol receive path and broadcast to 10,000
connections, each beside its baseline or peer.

The workloads are ``wscodec._bench.workloads.plan(sections=[...])``, the
same rows as ``python -m wscodec bench --only text,large,receive,broadcast``."""

from wscodec._bench.peers import fastpaths

SECTION = fastpaths.SECTIONS


def test_fastpaths(workload, name, run_workload):
    run_workload(workload, name)
