"""The coordinator of ``bench --only connections``: one server at a time (in
its own process), its connections held by several client processes
(``agent``), each step timed across all of them.

For each server, without and then with permessage-deflate offered as
Chromium offers it: open the N connections one at a time (handshake
latency, and the time to open them all), read the server's memory (RSS of
its processes, over the RSS it had before the first connection), one
message each way on every connection and the memory again, one broadcast of
a 200-byte message to all (until the last client has it), one heartbeat
round (a ping on every connection, until the last pong), then drop them all
and open N again at once, as after a deploy when every browser reconnects.
"""

import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

from ..endtoend.run import child_env
from ..results import Row
from . import METRICS
from .agent import BROADCAST, raise_open_file_limit
from .servers import DEFLATE, SERVERS

DEFAULT_CONNECTIONS = 10_000
QUICK_CONNECTIONS = 1_000
#: Connections per client process: well under the open-file limit, and few
#: enough that a process's event loop is not what the storm waits for.
PER_AGENT = 12_500
STARTUP_TIMEOUT = 30.0
#: Time for a step across every client process, beyond which the server is
#: reported as failing it.
STEP_TIMEOUT = 300.0
SETTLE = 1.0
#: The longest answer a client process gives: every handshake's latency.
REPLY_LIMIT = 64 * 2**20
#: Above this many connections the permessage-deflate round is not run:
#: the client processes would hold about 300 KiB of zlib state for each
#: connection, as a browser does, and the machine's memory would be theirs.
DEFLATE_MAX_CONNECTIONS = 20_000

def process_tree_rss(pid):
    """Resident bytes of ``pid`` and every process under it."""
    total = 0
    pending = [pid]
    while pending:
        p = pending.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as f:
                    pending += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


def elapsed(docs):
    """From the first client process's start to the last one's end."""
    return max(d["end"] for d in docs) - min(d["start"] for d in docs)


class Step(Exception):
    """A step that failed; the message says which and why."""


async def _start_server(name, deflate, workers=1, redis_url=None):
    """The server as a process and its port.  wscodec with several workers
    is its reference server as users run it, ``python -m wscodec.echo
    --workers N --redis URL``, broadcasting what is published on Redis."""
    if workers > 1:
        cmd = [sys.executable, "-m", "wscodec.echo", "--port", "0", "--workers", str(workers), "--redis", redis_url]
    else:
        cmd = [sys.executable, "-m", "wscodec._bench.connections.servers", name]
    cmd += [] if deflate else ["--no-deflate"]
    # A file, not a pipe: some servers log every dropped connection, and a
    # pipe nobody reads would stop them once full.
    log = tempfile.TemporaryFile()
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=subprocess.PIPE, stderr=log, env=child_env(),
                                                cwd=tempfile.gettempdir(), preexec_fn=raise_open_file_limit)
    proc.log = log
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), STARTUP_TIMEOUT)).decode()
    except asyncio.TimeoutError:
        line = ""
    if line.startswith("PORT "):
        return proc, int(line.split()[1])
    if " listening on ws://" in line:
        return proc, int(line.rstrip().rstrip("/").rsplit(":", 1)[1])
    await _stop(proc)
    raise Step(f"server did not start: {line.strip()} {_tail(log)}")


def _tail(log):
    if log is None:
        return ""
    log.seek(0)
    lines = log.read().decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else ""


async def _stop(proc):
    if proc.returncode is None:
        try:
            proc.terminate()
        except ProcessLookupError:  # exited, not yet reaped: wait() reaps it
            pass
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()


class Agents:
    def __init__(self, procs):
        self.procs = procs

    @classmethod
    async def start(cls, port, counts, run_index, deflate):
        procs = []
        for i, count in enumerate(counts):
            # A source address per process and round: each round's ports are
            # free whatever the previous round left in TIME_WAIT.
            sources = [f"127.{1 + run_index % 200}.{rnd}.{10 + i}" for rnd in (0, 1)]
            cmd = [sys.executable, "-m", "wscodec._bench.connections.agent", str(port), "--count", str(count)]
            cmd += [arg for s in sources for arg in ("--source", s)] + (["--deflate"] if deflate else [])
            log = tempfile.TemporaryFile()
            procs.append(await asyncio.create_subprocess_exec(
                *cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=child_env(),
                cwd=tempfile.gettempdir(), limit=REPLY_LIMIT))
            procs[-1].log = log
        return cls(procs)

    async def send(self, proc, command):
        proc.stdin.write(command.encode() + b"\n")
        await proc.stdin.drain()

    async def read(self, proc, what):
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), STEP_TIMEOUT)
        except asyncio.TimeoutError:
            raise Step(f"{what}: no answer in {STEP_TIMEOUT:g} s") from None
        if not line:
            await proc.wait()
            raise Step(f"{what}: a client process exited: {_tail(proc.log) or proc.returncode}")
        doc = json.loads(line)
        if "error" in doc:
            raise Step(f"{what}: {doc['error']}")
        return doc

    async def each(self, command):
        for p in self.procs:
            await self.send(p, command)
        return [await self.read(p, command) for p in self.procs]

    async def span(self, command):
        return elapsed(await self.each(command))

    async def stop(self, patience=30.0):
        """Ask every client process to quit; after a failed step they may be
        stuck in it, so they get no patience and are killed."""
        for p in self.procs:
            if p.returncode is None:
                try:
                    await self.send(p, "quit")
                except (ConnectionError, BrokenPipeError):
                    pass
        for p in self.procs:
            try:
                await asyncio.wait_for(p.wait(), patience)
            except asyncio.TimeoutError:
                try:
                    p.kill()
                except ProcessLookupError:  # exited meanwhile
                    pass
                await p.wait()


async def measure(out, name, deflate, n, clients, run_index, workers=1, redis_url=None):
    """Every step against one server, each into ``out`` as it is measured:
    {metric key: (value, extra)}; a step that fails raises and leaves the
    ones before it in ``out``."""
    counts = [n // clients + (1 if i < n % clients else 0) for i in range(clients)]
    proc, port = await _start_server(name, deflate, workers, redis_url)
    agents = None
    try:
        await asyncio.sleep(SETTLE)
        base = process_tree_rss(proc.pid)
        agents = await Agents.start(port, counts, run_index, deflate)
        latencies, opened, negotiated = [], 0.0, 0
        for p in agents.procs:  # one process after the other: one connection at a time in all
            await agents.send(p, "sequential")
            doc = await agents.read(p, "open one at a time")
            latencies += doc["latencies"]
            opened += doc["end"] - doc["start"]
            negotiated += doc["deflate"]
        if deflate and negotiated != n:
            raise Step(f"permessage-deflate negotiated on {negotiated} of {n} connections")
        p50 = statistics.median(latencies)
        out["handshakes one at a time"] = (1 / p50, {"p50_us": p50 * 1e6,
                                                     "p90_us": sorted(latencies)[int(len(latencies) * 0.9)] * 1e6})
        out["open all one at a time"] = (n / opened, {"seconds": opened})
        await asyncio.sleep(SETTLE)
        rss = process_tree_rss(proc.pid)
        out["idle memory per connection"] = ((rss - base) / n, {"server_rss": rss})
        seconds = await agents.span("message")
        out["one message each way on every connection"] = (n / seconds, {"seconds": seconds})
        await asyncio.sleep(SETTLE)
        rss = process_tree_rss(proc.pid)
        out["memory per connection after one message each way"] = ((rss - base) / n, {"server_rss": rss})
        for p in agents.procs:
            await agents.send(p, "expect")
        for p in agents.procs:
            await agents.read(p, "arm the broadcast")
        if workers > 1:
            from wscodec.pubsub import CHANNEL, publish

            start = time.monotonic()
            reached = await publish(redis_url, CHANNEL, BROADCAST)
            if reached != workers:
                raise Step(f"broadcast: published to {reached} of {workers} workers")
        else:
            await agents.send(agents.procs[0], "trigger")
            start = (await agents.read(agents.procs[0], "trigger the broadcast"))["start"]
        for p in agents.procs:
            await agents.send(p, "collect")
        arrivals = [(await agents.read(p, "broadcast"))["end"] for p in agents.procs]
        seconds = max(arrivals) - start
        out["broadcast 200 B to all"] = (n / seconds, {"seconds": seconds})
        seconds = await agents.span("ping")
        out["heartbeat round"] = (n / seconds, {"seconds": seconds})
        await agents.each("drop")
        await asyncio.sleep(SETTLE)
        docs = await agents.each("storm")
        seconds = elapsed(docs)
        out["open all at once"] = (n / seconds, {"seconds": seconds, "retries": sum(d["retries"] for d in docs)})
        await agents.each("drop")
    except BaseException as exc:
        if agents is not None:
            await agents.stop(patience=0)
            agents = None
        if isinstance(exc, Exception) and proc.returncode is not None:
            raise Step(f"the server exited ({proc.returncode}) during the run: {_tail(proc.log)}") from exc
        raise
    finally:
        if agents is not None:
            await agents.stop()
        await _stop(proc)


def available(names=None):
    import importlib.util

    for name, (needs, _) in SERVERS.items():
        if names is None or name in names:
            yield name, needs is None or importlib.util.find_spec(needs) is not None


class RedisServer:
    """A redis-server of our own on a free loopback port, for the workers'
    broadcast; stopped when the run is over."""

    def __init__(self):
        import shutil
        import socket

        binary = shutil.which("redis-server")
        if binary is None:
            raise Step("several workers broadcast through Redis: no redis-server on PATH (apt-get install "
                       "redis-server)")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise Step("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


def run(quick=False, options=None, progress=None):
    options = options or {}
    progress = progress or (lambda msg, end="\n": None)
    n = options.get("connections") or (QUICK_CONNECTIONS if quick else DEFAULT_CONNECTIONS)
    clients = options.get("clients") or max(2, math.ceil(n / PER_AGENT))
    limit = raise_open_file_limit()
    # Past what one process may hold, wscodec's server runs as several
    # workers; SO_REUSEPORT spreads connections only roughly evenly.
    workers = options.get("workers") or (1 if n + 100 <= limit else math.ceil(n / (limit * 0.6)))
    shape = (f"{n:,} connections held by {clients} client processes over 127.0.0.1, one server at a time"
             + (f"; wscodec as {workers} worker processes broadcasting through Redis" if workers > 1 else ""))
    rows = {(key, mode): Row("connections", key, None, unit, key=f"{key}, {mode}", measure=shape)
            for key, unit, _ in METRICS for mode in ("no compression", "permessage-deflate")}
    run_index = 0
    redis = None
    try:
        for name, installed in available(options.get("servers")):
            kind = "wscodec" if name == "wscodec" else "peer"
            processes = workers if name == "wscodec" else 1
            for deflate in (False, True):
                mode = "permessage-deflate" if deflate else "no compression"
                error = None
                if not installed:
                    error = "not installed"
                elif deflate and not DEFLATE[name]:
                    error = "no permessage-deflate"
                elif deflate and n > DEFLATE_MAX_CONNECTIONS:
                    error = f"permessage-deflate measured up to {DEFLATE_MAX_CONNECTIONS:,} connections"
                elif n + 100 > limit * processes:
                    error = f"one process may hold {limit:,} open files"
                if error:
                    for key, _, _ in METRICS:
                        rows[key, mode].add(name, kind, error=error)
                    continue
                progress(f"connections {name} ({mode}, {n:,}"
                          + (f", {processes} workers" if processes > 1 else "") + ") ...", end="")
                t0 = time.perf_counter()
                run_index += 1
                results, failure = {}, None
                try:
                    if processes > 1 and redis is None:
                        redis = RedisServer()
                    asyncio.run(measure(results, name, deflate, n, clients, run_index, processes,
                                        redis.url if processes > 1 else None))
                except Exception as exc:  # noqa: BLE001 - reported in the table
                    failure = f"FAIL {type(exc).__name__}: {exc}"
                for key, _, _ in METRICS:
                    if key in results:
                        value, extra = results[key]
                        rows[key, mode].add(name, kind, **extra)["samples"] = [value]
                    else:
                        rows[key, mode].add(name, kind, error=failure)
                progress(f" {failure}" if failure else f" {time.perf_counter() - t0:.1f}s")
    finally:
        if redis is not None:
            redis.stop()
    return list(rows.values())
