"""The run of the ``echo`` section: each echo server (``servers``) in its own
process, one at a time, driven by the same load generator (``loadgen``) in
one or more other processes.  Reports messages per second, p50/p99 latency, and how much CPU
the server and the load generator used: a server near 100% of a core with
the load generator well below it means the server was the limit.
"""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

from .. import data
from ..results import Row
from .servers import SERVERS

SIZES = (20, 256, 64 * data.KiB)
DEFAULTS = {"connections": 16, "depth": 4, "duration": 3.0, "clients": 1, "uvloop": False, "servers": None}
QUICK_DURATION = 0.4
STARTUP_TIMEOUT = 20.0


def child_env():
    """Children import the wscodec this process imported (installed or not)
    and never the current directory's source folder."""
    import wscodec

    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(wscodec.__file__))
    env.pop("PYTHONSTARTUP", None)
    return env


def _cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


class Server:
    def __init__(self, name, uvloop):
        cmd = [sys.executable, "-m", f"{__package__}.servers", name] + (["--uvloop"] if uvloop else [])
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=child_env(), cwd=tempfile.gettempdir())
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"{name} echo server did not start: {line.strip()} {self.proc.stderr.read()[-500:]}")
        self.port = int(line.split()[1])

    def cpu_ticks(self):
        return _cpu_ticks(self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def drive(server, size, connections, depth, duration, clients, warmup):
    """Run ``clients`` load generators against ``server`` at once; returns
    the merged result."""
    cmd = [sys.executable, "-m", f"{__package__}.loadgen", str(server.port), "--connections", str(connections),
           "--depth", str(depth), "--size", str(size), "--duration", str(duration), "--warmup", str(warmup)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(),
                              cwd=tempfile.gettempdir()) for _ in range(clients)]
    # The server's CPU time is read over the measured window only: from the
    # first load generator's START to the end of the last one.
    started = procs[0].stdout.readline().strip() == "START"
    ticks0 = server.cpu_ticks()
    t0 = time.perf_counter()
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=duration + warmup + 60)
        if p.returncode or not started:
            raise RuntimeError(f"load generator failed: {err.strip().splitlines()[-1] if err.strip() else p.returncode}")
        outs.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.perf_counter() - t0
    ticks1 = server.cpu_ticks()
    hz = os.sysconf("SC_CLK_TCK")
    messages = sum(o["messages"] for o in outs)
    seconds = max(o["seconds"] for o in outs)
    intervals = [sum(vals) for vals in zip(*(o["intervals"] for o in outs))]
    server_seconds = (ticks1 - ticks0) / hz if ticks0 is not None and ticks1 is not None else None
    return {
        "rate": messages / seconds if seconds else 0.0,
        "intervals": intervals,
        "p50_us": max(o["p50_us"] or 0 for o in outs),
        "p99_us": max(o["p99_us"] or 0 for o in outs),
        "client_cpu": sum(o["cpu_seconds"] for o in outs) / seconds if seconds else None,
        "server_cpu": server_seconds / wall if server_seconds is not None else None,
        # CPU time per echoed message: what the server costs, even when the
        # machine is too busy for the rate to show it.
        "server_us_per_message": server_seconds / messages * 1e6 if server_seconds is not None and messages else None,
    }


def available(names=None):
    out = []
    for name, (needs, _) in SERVERS.items():
        if names is not None and name not in names:
            continue
        out.append((name, needs is None or importlib.util.find_spec(needs) is not None))
    return out


def run(quick=False, sizes=None, options=None, progress=None):
    """Every server at every size; returns one ``Row`` per size.
    ``progress(msg, end=...)`` is told of each server as it runs."""
    if progress is None:
        def progress(msg, end="\n"):
            pass
    opts = dict(DEFAULTS)
    opts.update({k: v for k, v in (options or {}).items() if v not in (None, False)})
    duration = opts["duration"] if (options or {}).get("duration") else (QUICK_DURATION if quick else DEFAULTS["duration"])
    warmup = 0.2 if quick else 0.5
    uvloop = bool(opts["uvloop"])
    if uvloop and importlib.util.find_spec("uvloop") is None:
        raise SystemExit("--uvloop: uvloop is not installed (pip install uvloop)")
    sizes = sizes or SIZES
    loop_name = "uvloop" if uvloop else "asyncio"
    shape = (f"{opts['connections']} connections x {opts['depth']} in flight, {opts['clients']} load generator "
             f"process(es), {duration:g} s per size after {warmup:g} s warm-up, servers on {loop_name}")
    rows = {size: Row("echo", "echo", size, "msg/s", key=f"echo {data.size_id(size)}", measure=shape)
            for size in sizes}
    for name, installed in available(opts["servers"]):
        kind = "wscodec" if name == "wscodec" else "peer"
        if not installed:
            for row in rows.values():
                row.add(name, kind, error="not installed")
            continue
        progress(f"echo {name} ({loop_name}) ...", end="")
        t0 = time.perf_counter()
        server = None
        try:
            server = Server(name, uvloop)
            for size in sizes:
                r = drive(server, size, opts["connections"], opts["depth"], duration, opts["clients"], warmup)
                res = rows[size].add(name, kind, note=loop_name, p50_us=r["p50_us"], p99_us=r["p99_us"],
                                     server_cpu=r["server_cpu"], client_cpu=r["client_cpu"], rate=r["rate"],
                                     server_us_per_message=r["server_us_per_message"])
                # The samples are the per-100 ms rates; the row's value is the
                # mean over the whole run, not the best interval.
                res["samples"] = r["intervals"]
                progress(f" {data.size_label(size)}: {r['rate']:,.0f}/s", end="")
        except Exception as exc:  # noqa: BLE001 - reported in the table
            for row in rows.values():
                if name not in row.results:
                    row.add(name, kind, error=f"FAIL {type(exc).__name__}: {exc}")
        finally:
            if server is not None:
                server.stop()
        progress(f" ({time.perf_counter() - t0:.1f}s)")
    return list(rows.values())
