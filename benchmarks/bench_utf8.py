"""UTF-8 validation on ASCII, accented Latin, CJK, emoji and an invalid corpus, 16 B to 16 MiB.

The workloads are ``wscodec._bench.workloads.plan(sections=["utf8"])``, the
same rows as ``python -m wscodec bench --only utf8``."""

SECTION = "utf8"


def test_utf8(workload, name, run_workload):
    run_workload(workload, name)
