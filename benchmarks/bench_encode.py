"""Encoding one message: TEXT from ``str`` and BINARY from ``bytes``, unmasked (server) and masked with a fresh key (client), 20 B to 64 KiB.

The workloads are ``wscodec._bench.workloads.plan(sections=["encode"])``, the
same rows as ``python -m wscodec bench --only encode``."""

SECTION = "encode"


def test_encode(workload, name, run_workload):
    run_workload(workload, name)
