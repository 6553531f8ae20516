"""``python -m wscodec bench``'s own logic: size parsing, comparing runs,
the README table, and what a source checkout without its compiled extension
says when imported."""

import argparse
import os
import shutil
import subprocess
import sys

import pytest

import wscodec
from wscodec import bench
from wscodec._bench import results, tables


def test_sizes_parse_units_and_sort():
    assert bench._sizes("64KiB, 20,256B,1MiB,20") == (20, 256, 64 * 1024, 1 << 20)
    for bad in ("", "ten", "0", "65MiB"):
        with pytest.raises(argparse.ArgumentTypeError):
            bench._sizes(bad)


def _row(samples_by_name, unit="msg/s"):
    row = results.Row("decode", "decode text masked (server)", 256, unit)
    for name, samples in samples_by_name.items():
        row.add(name, "wscodec" if name == "native" else "peer")["samples"] = samples
    return row


def test_compare_flags_a_regression_only_beyond_the_spread():
    old = _row({"native": [100, 99, 98, 97], "peer": [50, 40, 30, 20]})
    new = _row({"native": [90, 89, 88, 87], "peer": [45, 40, 30, 20]})
    verdicts = {name: (round(change, 3), verdict) for _, name, _, _, change, _, verdict in results.compare([old], [new])}
    # native: -10% with samples 3% apart: a regression.  peer: -10% with
    # samples 20-60% apart: noise.
    assert verdicts["native"] == (-0.1, "REGRESSION")
    assert verdicts["peer"] == (-0.1, "within noise")


def test_compare_survives_a_json_round_trip(tmp_path):
    row = _row({"native": [10.0, 9.0], "peer": [5.0, 4.0]})
    path = tmp_path / "run.json"
    results.write_json(path, {"run": {}}, [row])
    _, (back,) = results.read_json(path)
    assert back.key == row.key and back.value("native") == 10.0 and back.best_peer() == "peer"


def test_markdown_replaces_only_the_marked_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{tables.MARKDOWN_START}\nold table\n{tables.MARKDOWN_END}\noutro\n")
    meta = {"machine": {"cpu": "CPU", "cpus": 2, "arch": "x86_64", "isa": "avx2", "python": "cpython 3.11"},
            "peers": {"picows": "2.3"}, "run": {"time": "2026-01-01T00:00:00"}}
    tables.write_markdown(readme, [_row({"native": [2e6], "peer": [1e6]})], meta)
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("outro\n") and "old table" not in text
    assert "| decode text masked (server) | 256 B | 2.00M msg/s |" in text and "2.00x" in text


def test_source_checkout_without_extension_says_what_to_do(tmp_path):
    # A copy of the package as a source checkout has it: .pyx, no compiled module.
    package = os.path.dirname(wscodec.__file__)
    copy = tmp_path / "wscodec"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    (copy / "_native" / "_ext.pyx").touch()
    # Without WSCODEC_REQUIRE_EXTENSIONS (CI sets it): the fallback to pure is
    # what a user of a checkout meets, and what must be said.
    env = {
        k: v for k, v in os.environ.items()
        if k not in ("WSCODEC_NO_EXTENSIONS", "WSCODEC_REQUIRE_EXTENSIONS", "PYTHONPATH")
    }
    out = subprocess.run(
        [sys.executable, "-c", "import wscodec, wscodec._native"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )
    assert out.returncode != 0
    assert "circular import" not in out.stderr
    assert "source checkout with no compiled native extension" in out.stderr
    assert "python -I" in out.stderr
    assert "RuntimeWarning" in out.stderr  # the fallback to pure is said, not silent


def test_cli_offers_the_sections_the_runner_runs():
    # The CLI keeps its own list so that parsing arguments imports no peer.
    from wscodec._bench import runner

    assert bench.SECTIONS == runner.SECTIONS


def test_threads_section_runs_only_when_named():
    from wscodec._bench import runner

    assert bench._sections("threads") == ["threads"]
    assert "threads" in runner.ON_REQUEST


def test_threads_measure_runs_each_work_in_a_thread_of_its_own(backend):
    import threading

    from wscodec._bench import data, threads

    stream = data.FrameStream(256, 8, seed=1)
    decode = threads._decode_work(backend, stream)
    idents = []

    def work():
        idents.append(threading.get_ident())
        decode()

    single, multi = threads.measure([work, work], 256 * 8, quick=True)
    assert single > 0 and multi > 0
    # The main thread for the one-thread rounds, then two threads per round.
    assert len(set(idents)) >= 3
    assert "GIL" in threads.interpreter_line()
