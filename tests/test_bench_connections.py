"""``bench --only connections``: it runs only when named, measures every
step against a real server, and reports a server that fails a step instead
of waiting for it."""

import subprocess
import sys

from wscodec import bench
from wscodec._bench import runner, tables
from wscodec._bench.connections import coordinator
from wscodec._bench.connections.agent import BROADCAST


def test_connections_section_runs_only_when_named():
    assert bench._sections("connections") == ["connections"]
    assert "connections" in runner.ON_REQUEST


def test_broadcast_message_is_200_bytes_of_json():
    import json

    assert len(BROADCAST.encode()) == 200
    json.loads(BROADCAST)


def test_process_tree_rss_counts_children():
    import os

    touched = "b = b'x' * (64 << 20); print('ready', flush=True); import time; time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", touched], stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline() == b"ready\n"
        alone = coordinator.process_tree_rss(child.pid)
        assert alone > 64 * 2**20
        with open("/proc/self/status", encoding="ascii") as f:
            own = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
        assert coordinator.process_tree_rss(os.getpid()) >= own + alone * 0.9
    finally:
        child.kill()
        child.wait()


def test_every_step_measured_against_the_reference_server():
    rows = coordinator.run(options={"connections": 40, "clients": 2, "servers": ["wscodec"]})
    assert {row.key.rsplit(", ", 1)[1] for row in rows} == {"no compression", "permessage-deflate"}
    for row in rows:
        result = row.results["wscodec"]
        assert result["error"] is None, (row.key, result["error"])
        assert row.value("wscodec") > 0, row.key
    text = "\n".join(tables.render_connections(rows))
    assert "FAIL" not in text
    assert "40 connections held by 2 client processes" in text


def test_a_server_that_never_answers_fails_the_step(monkeypatch):
    # A server that accepts connections and never answers the upgrade: the
    # step must fail within its time limit, named, not hang the run.
    import asyncio

    held = []

    async def silent_server(name, deflate, workers=1, redis_url=None):
        # The writers are kept: from 3.13 a StreamWriter that is collected
        # closes its connection, and the clients must see silence.
        server = await asyncio.start_server(lambda r, w: held.append(w), "127.0.0.1", 0)
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "import time; time.sleep(60)")
        proc.log = None
        proc.silent = server
        return proc, server.sockets[0].getsockname()[1]

    monkeypatch.setattr(coordinator, "_start_server", silent_server)
    monkeypatch.setattr(coordinator, "STEP_TIMEOUT", 3.0)
    rows = coordinator.run(options={"connections": 4, "clients": 2, "servers": ["wscodec"]})
    errors = {row.results["wscodec"]["error"] for row in rows if row.key.endswith("no compression")}
    assert len(errors) == 1
    (error,) = errors
    assert error.startswith("FAIL Step: open one at a time: no answer in 3 s"), error
