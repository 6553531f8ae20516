"""``python -m wscodec.echo --workers N`` (wscodec.workers) and ``--redis``
(wscodec.pubsub), end to end in subprocesses on 127.0.0.1.

The server inherits this run's backend (WSCODEC_NO_EXTENSIONS passes
through).  Which worker process holds a connection is read from Linux's
/proc: the socket inodes each worker has open, and the TCP table that maps
a client's port to the inode of the server side of its connection.
"""

import asyncio
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

import wscodec
from conftest import NEUTRAL_CWD, readline_within, subprocess_env
from wscodec import CloseCode, Opcode, PerMessageDeflate
from wscodec.handshake import client_handshake, client_request_headers, encode_request, generate_key, parse_response

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and needs SO_REUSEPORT")

TIMEOUT = 30


class Server:
    """``python -m wscodec.echo --port 0 *args``, started and ready."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wscodec.echo", "--port", "0", *args],
            cwd=NEUTRAL_CWD, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        line = readline_within(self.proc.stdout, TIMEOUT)
        if "listening on ws://" not in line:
            self.stop()
            raise AssertionError(f"server did not start: {line!r}\n{self.proc.stderr.read()}")
        assert f"({wscodec.BACKEND}," in line, line
        self.line = line
        self.port = int(line.rsplit(":", 1)[1])
        self.children = self._children()

    def _children(self):
        children = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.proc.pid:
                    children.append(int(entry))
        return children

    def owner_of(self, clients):
        """The pid of the process holding the server side of each client's connection."""
        inodes = {}
        for pid in self.children:
            try:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if target.startswith("socket:["):
                        inodes[int(target[8:-1])] = pid
            except OSError:
                continue
        by_peer_port = {}
        with open("/proc/net/tcp") as f:
            for row in f.readlines()[1:]:
                fields = row.split()
                local, remote, state, inode = fields[1], fields[2], fields[3], int(fields[9])
                if int(local.split(":")[1], 16) == self.port and state == "01":  # ESTABLISHED
                    by_peer_port[int(remote.split(":")[1], 16)] = inode
        return [inodes.get(by_peer_port.get(client.sock.getsockname()[1])) for client in clients]

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.proc.returncode

    def assert_no_orphans(self):
        deadline = time.monotonic() + 10
        alive = self.children
        while alive and time.monotonic() < deadline:
            alive = [pid for pid in alive if _running(pid)]
            time.sleep(0.05)
        assert not alive, f"processes left after the server stopped: {alive}"


def _running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Client:
    """A blocking WebSocket client on wscodec's own handshake and codec."""

    def __init__(self, port, deflate=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        key = generate_key()
        self.sock.sendall(encode_request("/", client_request_headers(f"127.0.0.1:{port}", key=key, deflate=deflate)))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            assert chunk, "connection closed during the handshake"
            head += chunk
        head, rest = head.split(b"\r\n\r\n", 1)
        response = parse_response(head)
        negotiated = client_handshake(response.status, response.headers, key=key, deflate=deflate).deflate
        self.decoder = wscodec.MessageDecoder(role="client", deflate=negotiated)
        self.encoder = wscodec.MessageEncoder(role="client", deflate=negotiated)
        self.pending = list(self.decoder.feed(rest))

    def send(self, text):
        self.sock.sendall(self.encoder.text(text))

    def recv(self, timeout=TIMEOUT):
        self.sock.settimeout(timeout)
        while not self.pending:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed")
            self.pending.extend(self.decoder.feed(data))
        return self.pending.pop(0)

    def close(self):
        self.sock.close()


def connect(port, count):
    # Half offer permessage-deflate: the server then frames per negotiated setting.
    return [Client(port, PerMessageDeflate() if i % 2 else None) for i in range(count)]


def test_connections_spread_over_workers_and_sigterm_stops_all():
    server = Server("--workers", "2")
    try:
        assert ", 2 workers)" in server.line
        clients = connect(server.port, 40)
        for i, client in enumerate(clients):
            client.send(f"hello {i}")
        for i, client in enumerate(clients):
            message = client.recv()
            assert (message.opcode, message.data) == (Opcode.TEXT, f"hello {i}")
        owners = server.owner_of(clients)
        assert None not in owners, owners
        assert set(owners) <= set(server.children)
        # The kernel hashes each connection to one of the listening sockets:
        # 40 connections all in one of two workers would be a 2 ** -39 fluke.
        assert len(set(owners)) == 2, owners
        server.proc.send_signal(signal.SIGTERM)
        # Every worker closes its connections gracefully, with 1001.
        for client in clients:
            message = client.recv()
            assert (message.opcode, message.close_code) == (Opcode.CLOSE, CloseCode.GOING_AWAY)
            client.sock.sendall(client.encoder.close(CloseCode.GOING_AWAY))
        assert server.stop() == 0, server.proc.stderr.read()
        for client in clients:
            client.close()
        server.assert_no_orphans()
    finally:
        server.stop(signal.SIGKILL)


def test_a_worker_that_dies_stops_the_others():
    server = Server("--workers", "2")
    try:
        client = connect(server.port, 1)[0]
        client.send("x")
        assert client.recv().data == "x"
        (victim,) = server.owner_of([client])
        os.kill(victim, signal.SIGKILL)
        returncode = _wait(server.proc)
        assert returncode not in (0, None), returncode
        assert f"worker {victim} exited" in server.proc.stderr.read()
        server.assert_no_orphans()
    finally:
        server.stop(signal.SIGKILL)


def _wait(proc):
    try:
        return proc.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        return None


def test_one_worker_is_one_process():
    server = Server()
    try:
        assert "workers" not in server.line
        client = connect(server.port, 1)[0]
        client.send("solo")
        assert client.recv().data == "solo"
        assert server.owner_of([client]) == [None]  # held by the server process itself, not a child
        client.close()
    finally:
        assert server.stop() == 0


# -- broadcast through Redis ------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url():
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server binary (Debian: apt-get install redis-server)")
    if importlib.util.find_spec("redis") is None:
        pytest.skip("the redis package is not installed (pip install 'wscodec[redis]')")
    import redis

    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    client.close()
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(TIMEOUT)


def test_published_messages_reach_every_connection_of_every_worker_once(redis_url):
    from wscodec.pubsub import publish

    server = Server("--workers", "2", "--redis", redis_url, "--channel", "room")
    try:
        clients = connect(server.port, 30)
        assert len(set(server.owner_of(clients))) == 2
        # Redis counts the subscribers it handed each message to: both workers.
        assert asyncio.run(publish(redis_url, "room", "news ✓")) == 2
        assert asyncio.run(publish(redis_url, "room", b"\x00\xffbinary")) == 2
        assert asyncio.run(publish(redis_url, "elsewhere", "not for us")) == 0
        for client in clients:
            first, second = client.recv(), client.recv()
            assert (first.opcode, first.data) == (Opcode.TEXT, "news ✓")
            assert (second.opcode, bytes(second.data)) == (Opcode.BINARY, b"\x00\xffbinary")
        # Exactly once: nothing else follows, while each connection still echoes.
        for i, client in enumerate(clients):
            client.send(f"after {i}")
        for i, client in enumerate(clients):
            message = client.recv()
            assert (message.opcode, message.data) == (Opcode.TEXT, f"after {i}")
        assert server.stop() == 0, server.proc.stderr.read()
        server.assert_no_orphans()
    finally:
        server.stop(signal.SIGKILL)
        for client in locals().get("clients", []):
            client.close()


def test_redis_unreachable_fails_to_start():
    if importlib.util.find_spec("redis") is None:
        pytest.skip("the redis package is not installed (pip install 'wscodec[redis]')")
    with pytest.raises(AssertionError, match="did not start"):
        Server("--workers", "2", "--redis", f"redis://127.0.0.1:{free_port()}/0")
