"""Decoding 64 KiB reads to messages: TEXT and BINARY, masked (a server's side) and unmasked (a client's), 20 B to 64 KiB, and one 16 MiB message.

The workloads are ``wscodec._bench.workloads.plan(sections=["decode"])``, the
same rows as ``python -m wscodec bench --only decode``."""

SECTION = "decode"


def test_decode(workload, name, run_workload):
    run_workload(workload, name)
