"""Masking (RFC 6455 section 5.3): ``apply_mask`` into a new buffer and ``mask_inplace``, 16 B to 16 MiB.

The workloads are ``wscodec._bench.workloads.plan(sections=["mask"])``, the
same rows as ``python -m wscodec bench --only mask``."""

SECTION = "mask"


def test_mask(workload, name, run_workload):
    run_workload(workload, name)
