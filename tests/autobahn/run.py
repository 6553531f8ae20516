#!/usr/bin/env python3
"""Run the Autobahn|Testsuite against wscodec's echo server and echo client.

    python tests/autobahn/run.py                 # groups 1-10 + a 12/13 sample, both roles
    python tests/autobahn/run.py --full          # all 517 cases (~15 minutes per role)
    python tests/autobahn/run.py --role server --compare websockets aiohttp

The suite (wstest) is Python 2 code.  The first run builds it, pinned, under
``.autobahn/`` at the repository root (or ``$WSCODEC_AUTOBAHN_DIR``): a
Python 3 venv with ``virtualenv<20.22``, then a Python 2.7 virtualenv with
``autobahntestsuite==25.10.1`` and the pins in requirements-py27.txt.  Later
runs reuse it.  Python 2.7 is looked up in ``$WSCODEC_PYTHON27``, then pyenv,
then PATH.

Roles: ``server`` runs wstest's fuzzingclient against ``python -m
wscodec.echo``; ``client`` runs wstest's fuzzingserver and drives
``wscodec.echo.echo_client`` through its cases.  wstest listens on
127.0.0.1 only.  The backend is whatever ``import wscodec`` gives in this
interpreter, from a copy of the repository's ``wscodec`` package taken at
start (``WSCODEC_NO_EXTENSIONS=1`` for the pure one).

Exit status: 0 when every selected case of the wscodec agent is OK,
NON-STRICT or INFORMATIONAL and none is missing (wstest skips the rest of
a run silently when a server dies); 1 otherwise; 2 for a setup failure;
77 when Python 2.7 is not installed, so that CI can report "not run"
rather than "passed".
"""

import argparse
import collections
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CACHE = Path(os.environ.get("WSCODEC_AUTOBAHN_DIR", REPO / ".autobahn"))
PINS = HERE / "requirements-py27.txt"
SUITE = "autobahntestsuite==25.10.1"

EXIT_OK, EXIT_FAILED, EXIT_SETUP, EXIT_NO_PYTHON27 = 0, 1, 2, 77
PASSING = ("OK", "NON-STRICT", "INFORMATIONAL")
BEHAVIORS = ("OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED")

#: Groups 1-10 (301 cases, about 20 s) plus a fixed sample of the
#: permessage-deflate groups, about 10 s (wstest needs ~1 s per case there):
#: each data set of group 12 and each parameter set of group 13 (windows of
#: 9 bits, no context takeover, several offers) once, at sizes from 16 B to
#: 8 KiB auto-fragmented into 256-byte frames.
DEFAULT_CASES = (
    [f"{g}.*" for g in (1, 2, 3, 4, 5, 6, 7, 9, 10)]
    + ["12.1.1", "12.2.2", "12.3.3", "12.4.4", "12.5.11"]
    + ["13.1.1", "13.2.2", "13.3.3", "13.4.4", "13.5.11", "13.6.1", "13.7.2"]
)

MiB = 1 << 20


def log(message):
    print(f"[autobahn] {message}", flush=True)


def loud(message):
    banner = "!" * 78
    print(f"\n{banner}\n{message}\n{banner}\n", file=sys.stderr, flush=True)


# -- the suite ------------------------------------------------------------------


def find_python27():
    candidates = []
    if os.environ.get("WSCODEC_PYTHON27"):
        candidates.append(os.environ["WSCODEC_PYTHON27"])
    pyenv = shutil.which("pyenv")
    roots = [os.environ.get("PYENV_ROOT"), os.path.expanduser("~/.pyenv")]
    if pyenv:
        try:
            roots.insert(0, subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=30).stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    for root in filter(None, roots):
        versions = sorted(Path(root, "versions").glob("2.7*/bin/python2.7"), reverse=True)
        candidates.extend(map(str, versions))
    candidates.extend(filter(None, [shutil.which("python2.7"), shutil.which("python2")]))
    for candidate in candidates:
        try:
            out = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        if out.returncode == 0 and out.stdout.strip() == "(2, 7)":
            return candidate
    return None


def run_checked(args, **kwargs):
    shown = [a if "\n" not in str(a) else "<script>" for a in map(str, args)]
    log("$ " + " ".join(shown))
    result = subprocess.run(list(map(str, args)), capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(EXIT_SETUP)
    return result


def ensure_suite(python27):
    """Build (once) and return the Python 2.7 virtualenv that holds wstest."""
    venv27 = CACHE / "venv27"
    stamp = venv27 / "wscodec-stamp"
    wanted = hashlib.sha256((SUITE + python27 + PINS.read_text()).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and (venv27 / "bin" / "wstest").exists():
        return venv27
    started = time.monotonic()
    log(f"building the suite in {venv27} (once; about a minute)")
    shutil.rmtree(venv27, ignore_errors=True)
    bootstrap = CACHE / "venv-bootstrap"
    if not (bootstrap / "bin" / "virtualenv").exists():
        run_checked([sys.executable, "-m", "venv", "--clear", bootstrap])
        run_checked([bootstrap / "bin" / "pip", "install", "-q", "virtualenv<20.22"])
    run_checked([bootstrap / "bin" / "virtualenv", "-q", "-p", python27, venv27])
    run_checked([venv27 / "bin" / "pip", "install", "-q", "--no-cache-dir", SUITE, "-r", PINS])
    version = run_checked([venv27 / "bin" / "wstest", "-a"]).stdout.strip().replace("\n", ", ")
    stamp.write_text(wanted)
    log(f"suite ready ({version}) in {time.monotonic() - started:.0f} s")
    return venv27


# wstest binds every port to all interfaces; this starts it with Twisted's
# listenTCP pinned to the loopback interface.
WSTEST_LOOPBACK = """
import sys
from twisted.internet import reactor
_listen = reactor.listenTCP
def listenTCP(port, factory, backlog=50, interface=''):
    return _listen(port, factory, backlog, interface or '127.0.0.1')
reactor.listenTCP = listenTCP
from autobahntestsuite.wstest import run
sys.argv[0] = 'wstest'
sys.exit(run())
"""

EXPAND_CASES = """
import json, sys
from autobahntestsuite.fuzzing import CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories
from autobahntestsuite.caseset import CaseSet
cases = CaseSet(CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories)
print(json.dumps(cases.parseSpecCases(json.loads(sys.argv[1]))))
"""


def expand_cases(venv27, patterns):
    """The case ids wstest will run for these patterns (to count missing ones)."""
    out = run_checked([venv27 / "bin" / "python", "-c", EXPAND_CASES, json.dumps({"cases": patterns})])
    return json.loads(out.stdout)


# -- processes under test -----------------------------------------------------------

# Comparison peers, as their own documentation writes an echo endpoint, with
# the 16 MiB message limit and permessage-deflate that group 9, 12 and 13 need.
PEER_SERVERS = {
    "websockets": """
import asyncio
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed
async def echo(ws):
    try:
        async for message in ws:
            await ws.send(message)
    except ConnectionClosed:
        pass
async def main():
    async with serve(echo, "127.0.0.1", 0, max_size=2**24, compression="deflate") as server:
        print("listening on ws://127.0.0.1:%d" % server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()
asyncio.run(main())
""",
    "aiohttp": """
import asyncio
from aiohttp import web, WSMsgType
async def echo(request):
    ws = web.WebSocketResponse(max_msg_size=2**24, compress=True)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws
async def main():
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print("listening on ws://127.0.0.1:%d" % site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Future()
asyncio.run(main())
""",
}

CLIENT_LOOP = """
import asyncio, sys
from urllib.parse import quote
base, agent, peer = sys.argv[1:4]

async def run(url, collect=None):
    if peer == "wscodec":
        from wscodec.echo import echo_client
        await echo_client(url, on_message=collect)
    elif peer == "websockets":
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed
        try:
            async with connect(url, max_size=2**24, compression="deflate") as ws:
                async for message in ws:
                    if collect:
                        collect(message)
                    await ws.send(message)
        except ConnectionClosed:
            pass
    elif peer == "aiohttp":
        import aiohttp
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(url, max_msg_size=2**24, compress=15, autoclose=True) as ws:
                async for msg in ws:
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        if collect:
                            collect(msg.data)
                        await ws.send_str(msg.data)
                    elif msg.type == aiohttp.WSMsgType.BINARY:
                        await ws.send_bytes(msg.data)

async def main():
    counts = []
    await run(base + "/getCaseCount", lambda m: counts.append(getattr(m, "data", m)))
    total = int(counts[0])
    for case in range(1, total + 1):
        print("case %d/%d" % (case, total), flush=True)
        try:
            await asyncio.wait_for(run("%s/runCase?case=%d&agent=%s" % (base, case, quote(agent))), 900)
        except Exception as exc:
            print("case %d: %r" % (case, exc), file=sys.stderr, flush=True)
    await run("%s/updateReports?agent=%s" % (base, quote(agent)))

asyncio.run(main())
"""


#: Where the processes under test import wscodec from (see snapshot_package).
RUN_FROM = REPO


def package_under_test():
    """The wscodec this interpreter imports: installed (wheel or editable)
    if it imports from a neutral directory, else the source tree (an
    in-place build).  From the repository root ``python -m`` would always
    pick the source folder, unbuilt or not."""
    probe = subprocess.run(
        [sys.executable, "-c", "import os, wscodec; print(os.path.dirname(wscodec.__file__))"],
        cwd=tempfile.gettempdir(), capture_output=True, text=True,
    )
    if probe.returncode == 0 and probe.stdout.strip():
        return Path(probe.stdout.strip())
    return REPO / "wscodec"


def snapshot_package(workdir):
    """Run from a copy of the package, built extensions included.

    A full run takes half an hour; rebuilding the extension in place during
    it would rewrite a shared object that the echo server has mapped, and
    kill it with SIGBUS.
    """
    global RUN_FROM
    source = package_under_test()
    RUN_FROM = workdir / "snapshot"
    shutil.rmtree(RUN_FROM, ignore_errors=True)
    shutil.copytree(source, RUN_FROM / "wscodec", ignore=shutil.ignore_patterns("__pycache__", "*.c"))
    return source


class Process:
    """A child process whose output goes to a log file; stops on exit."""

    def __init__(self, name, args, logdir, env=None):
        self.name = name
        self.log_path = logdir / f"{name}.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            list(map(str, args)), cwd=RUN_FROM, env=env, stdout=subprocess.PIPE,
            stderr=self._log, text=True, bufsize=1,
        )
        self.lines = collections.deque(maxlen=50)
        self._listening = threading.Event()
        self.url = None
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self._log.write(line)
            self._log.flush()
            self.lines.append(line.rstrip())
            if self.url is None and "listening on ws://" in line:
                self.url = "ws://" + line.split("listening on ws://", 1)[1].split()[0]
                self._listening.set()

    def wait_listening(self, timeout=30):
        if not self._listening.wait(timeout):
            self.stop()
            sys.stderr.write(self.log_path.read_text()[-3000:])
            raise SystemExit(f"{self.name} did not start listening (see {self.log_path})")
        return self.url

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def alive(self):
        return self.proc.poll() is None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_wstest(venv27, mode, spec, workdir):
    spec_path = workdir / f"{mode}.json"
    spec_path.write_text(json.dumps(spec, indent=2))
    args = [venv27 / "bin" / "python", "-c", WSTEST_LOOPBACK, "-m", mode, "-s", spec_path]
    if mode == "fuzzingserver":
        args += ["-u", "0"]
    return Process(f"wstest-{mode}", args, workdir)


def progress(process, label, until):
    """Print the case wstest is on every 15 s until ``until()`` is true."""
    last = 0.0
    while not until():
        time.sleep(0.5)
        if time.monotonic() - last > 15 and process.lines:
            last = time.monotonic()
            log(f"{label}: {process.lines[-1][:100]}")


# -- the two roles ---------------------------------------------------------------------


def run_server_role(venv27, cases, peers, workdir, timeout):
    outdir = workdir / "reports-server"
    shutil.rmtree(outdir, ignore_errors=True)
    # No heartbeat: Autobahn scores the frames of each case, and a ping
    # from the server in the middle of one is traffic the case did not ask for.
    command = [sys.executable, "-m", "wscodec.echo", "--port", "0", "--ping-interval", "0"]
    servers = {"wscodec": Process("echo-server-wscodec", command, workdir)}
    for peer in peers:
        servers[peer] = Process(f"echo-server-{peer}", [sys.executable, "-c", PEER_SERVERS[peer]], workdir)
    try:
        urls = {agent: server.wait_listening() for agent, server in servers.items()}
        log("servers: " + ", ".join(f"{agent} {url}" for agent, url in urls.items()))
        spec = {
            "outdir": str(outdir),
            "servers": [{"agent": agent, "url": url} for agent, url in urls.items()],
            "cases": cases,
            "exclude-cases": [],
            "exclude-agent-cases": {},
        }
        wstest = run_wstest(venv27, "fuzzingclient", spec, workdir)
        deadline = time.monotonic() + timeout
        progress(wstest, "fuzzingclient", lambda: not wstest.alive() or time.monotonic() > deadline)
        if wstest.alive():
            wstest.stop()
            loud(f"wstest fuzzingclient timed out after {timeout} s")
        dead = [agent for agent, server in servers.items() if not server.alive()]
        for agent in dead:
            loud(f"echo server {agent} died during the run with exit status "
                 f"{servers[agent].proc.returncode}: see {servers[agent].log_path}")
    finally:
        for server in servers.values():
            server.stop()
    return load_report(outdir)


def run_client_role(venv27, cases, peers, workdir, timeout):
    outdir = workdir / "reports-client"
    shutil.rmtree(outdir, ignore_errors=True)
    port = free_port()
    spec = {
        "url": f"ws://127.0.0.1:{port}",
        "outdir": str(outdir),
        "cases": cases,
        "exclude-cases": [],
        "exclude-agent-cases": {},
    }
    wstest = run_wstest(venv27, "fuzzingserver", spec, workdir)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if not wstest.alive() or time.monotonic() > deadline:
                    sys.stderr.write(wstest.log_path.read_text()[-3000:])
                    raise SystemExit(EXIT_SETUP) from None
                time.sleep(0.2)
        for agent in ["wscodec", *peers]:
            client = Process(f"echo-client-{agent}", [sys.executable, "-c", CLIENT_LOOP, spec["url"], agent, agent], workdir)
            deadline = time.monotonic() + timeout
            progress(client, f"fuzzingserver/{agent}", lambda client=client, deadline=deadline: not client.alive() or time.monotonic() > deadline)
            if client.alive():
                client.stop()
                loud(f"client {agent} timed out after {timeout} s")
            elif client.proc.returncode != 0:
                loud(f"client loop {agent} exited with {client.proc.returncode}: see {client.log_path}")
    finally:
        wstest.stop()
    return load_report(outdir)


# -- the report ---------------------------------------------------------------------------


def load_report(outdir):
    index = outdir / "index.json"
    if not index.exists():
        loud(f"no report at {index}: wstest wrote nothing")
        return {}
    return json.loads(index.read_text())


def group_of(case_id):
    return int(case_id.split(".")[0])


def summarise(title, report, agent, expected, outdir):
    """Print the per-group table for one agent; return the list of problems."""
    results = report.get(agent, {})
    rows = collections.OrderedDict()
    for case_id in expected:
        row = rows.setdefault(group_of(case_id), collections.Counter())
        result = results.get(case_id)
        if result is None:
            row["MISSING"] += 1
            continue
        row[result["behavior"]] += 1
        row["duration"] += result.get("duration", 0)
    columns = [*BEHAVIORS, "MISSING"]
    print(f"\n{title}: agent {agent}, {len(expected)} cases")
    print("| group | " + " | ".join(columns) + " | duration (s) |")
    print("|---:|" + "---:|" * (len(columns) + 1))
    total = collections.Counter()
    for group, row in rows.items():
        total.update(row)
        cells = " | ".join(str(row.get(c, 0)) for c in columns)
        print(f"| {group} | {cells} | {row['duration'] / 1000:.1f} |")
    cells = " | ".join(f"**{total.get(c, 0)}**" for c in columns)
    print(f"| all | {cells} | **{total['duration'] / 1000:.1f}** |")

    problems = []
    for case_id in expected:
        result = results.get(case_id)
        if result is None:
            problems.append(f"{case_id}: MISSING (not run: did the peer die?)")
        elif result["behavior"] not in PASSING:
            detail = case_detail(outdir, result)
            problems.append(f"{case_id}: {result['behavior']} (close: {result.get('behaviorClose')}) {detail}")
    close_odd = [
        f"{case_id}: behaviorClose {results[case_id].get('behaviorClose')}"
        for case_id in expected
        if case_id in results and results[case_id].get("behaviorClose") not in (*PASSING, None)
        and results[case_id]["behavior"] in PASSING
    ]
    for line in close_odd:
        print(f"  note: {line}")
    return problems


def case_detail(outdir, result):
    # The per-case JSON next to index.json says why.
    if not result.get("reportfile"):
        return ""
    try:
        data = json.loads((outdir / result["reportfile"]).read_text())
    except (OSError, ValueError):
        return ""
    return f"- {data.get('result', '')} {data.get('resultClose', '')}".strip()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--role", choices=["server", "client", "both"], default="both")
    parser.add_argument("--cases", nargs="+", metavar="PATTERN",
                        help="wstest case patterns, e.g. '1.*' '9.1.*' '12.1.1' (default: groups 1-10 and a 12/13 sample)")
    parser.add_argument("--full", action="store_true", help="all 517 cases")
    parser.add_argument("--compare", nargs="*", choices=sorted(PEER_SERVERS), default=[],
                        help="also run these libraries in the same wstest run, for comparison")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds for each wstest run")
    parser.add_argument("--workdir", type=Path, default=CACHE / "run", help="logs and reports")
    args = parser.parse_args(argv)

    if args.full and args.cases:
        parser.error("--full and --cases exclude each other")
    patterns = ["*"] if args.full else (args.cases or DEFAULT_CASES)

    python27 = find_python27()
    if python27 is None:
        loud(
            "AUTOBAHN NOT RUN: Python 2.7 was not found (tried $WSCODEC_PYTHON27, pyenv, PATH).\n"
            "The Autobahn|Testsuite needs it: `pyenv install 2.7.18`, then run this again."
        )
        return EXIT_NO_PYTHON27
    CACHE.mkdir(parents=True, exist_ok=True)
    args.workdir.mkdir(parents=True, exist_ok=True)
    venv27 = ensure_suite(python27)
    expected = expand_cases(venv27, patterns)
    source = snapshot_package(args.workdir)
    import_check = subprocess.run([sys.executable, "-c", "import wscodec; print(wscodec.BACKEND, wscodec.SIMD)"],
                                  cwd=RUN_FROM, capture_output=True, text=True)
    if import_check.returncode != 0:
        sys.stderr.write(import_check.stderr)
        return EXIT_SETUP
    backend = import_check.stdout.split()[0]
    log(f"wscodec from {source}: backend {import_check.stdout.strip()}; {len(expected)} cases; role {args.role}")
    if backend != "native" and os.environ.get("WSCODEC_NO_EXTENSIONS", "") in ("", "0"):
        loud(f"wscodec from {source} runs the PURE backend although WSCODEC_NO_EXTENSIONS is not set:\n"
             "the native extension is not built there (or fails to import).")

    roles = ["server", "client"] if args.role == "both" else [args.role]
    failed = False
    for role in roles:
        started = time.monotonic()
        runner = run_server_role if role == "server" else run_client_role
        report = runner(venv27, patterns, args.compare, args.workdir, args.timeout)
        outdir = args.workdir / f"reports-{role}"
        mode = "fuzzingclient -> echo server" if role == "server" else "fuzzingserver -> echo client"
        log(f"{role} role done in {time.monotonic() - started:.0f} s")
        problems = summarise(f"{role} role ({mode})", report, "wscodec", expected, outdir)
        for peer in args.compare:
            summarise(f"{role} role, for comparison", report, peer, expected, outdir)
        if 9 in {group_of(c) for c in expected}:
            compare_group9(report, expected, args.compare)
        if problems:
            failed = True
            loud(f"{role} role: {len(problems)} case(s) not passing:\n" + "\n".join(problems[:60]))
        else:
            log(f"{role} role: all {len(expected)} cases OK, NON-STRICT or INFORMATIONAL")
    return EXIT_FAILED if failed else EXIT_OK


def compare_group9(report, expected, peers):
    """How long group 9 (large messages) takes wscodec and each peer in the
    same run (reported, not enforced: durations on a shared machine are noisy)."""
    nines = [c for c in expected if group_of(c) == 9]

    def duration(agent, cases=nines):
        results = report.get(agent, {})
        return sum(results[c].get("duration", 0) for c in cases if c in results) / 1000

    ours = duration("wscodec")
    if not ours:  # no group 9 case ran
        return
    for peer in peers:
        theirs = duration(peer)
        verdict = "faster" if ours <= theirs else "slower"
        log(f"group 9 duration: wscodec {ours:.2f} s, {peer} {theirs:.2f} s ({verdict}, ratio {theirs / ours:.2f}x)")
        # A peer that fails a case fast looks quick; also compare the cases
        # both passed.
        both = [c for c in nines if all(report.get(a, {}).get(c, {}).get("behavior") in PASSING
                                        for a in ("wscodec", peer))]
        if len(both) != len(nines):
            log(f"  over the {len(both)} cases both passed: wscodec {duration('wscodec', both):.2f} s, "
                f"{peer} {duration(peer, both):.2f} s")


if __name__ == "__main__":
    sys.exit(main())
