"""The load generator of the end-to-end benchmark: one process, N
connections, each keeping ``depth`` TEXT messages in flight (send one more
for every echo that comes back), for a bounded time.

    python -m wscodec._bench.endtoend.loadgen PORT --connections 16 --depth 4 --size 256 --duration 3

Prints ``START`` when the measured time begins, then one JSON object: messages echoed in the measured time, per-interval
rates, latency percentiles (send of a message to the last byte of its echo)
and this process's own CPU time, so the caller can tell whether the load
generator or the server was the limit.

It is deliberately cheap per message: requests are built once (a fixed mask
key; the servers unmask whatever key they get), and an echo is recognised
by counting bytes against the one reply every server must send for it (the
same payload, unmasked, shortest length form), while every received byte is
still compared with that expected stream, so a wrong echo fails the run.
"""

import argparse
import json
import os
import selectors
import socket
import sys
import time
from collections import deque

from ..data import frame, text_message

MASK_KEY = b"\x37\xfa\x21\x3d"
INTERVAL = 0.1


class Connection:
    def __init__(self, port, request, reply_len, expected):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._handshake()
        self.sock.setblocking(False)
        self.request = request
        self.reply_len = reply_len
        self.expected = expected
        self.received = 0  # bytes of replies
        self.done = 0  # whole replies
        self.sent_at = deque()
        self.out = b""
        self.selector = None

    def _handshake(self):
        self.sock.sendall(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise ConnectionError(f"handshake refused: {status!r}")
        if head.index(b"\r\n\r\n") + 4 != len(head):
            raise ConnectionError("data before the first request")

    def send(self, n, now):
        self.sent_at.extend([now] * n)
        self._write(self.out + self.request * n)

    def flush(self):
        if self.out:
            self._write(self.out)

    def _write(self, data):
        try:
            sent = self.sock.send(data)
        except BlockingIOError:
            sent = 0
        pending = bool(self.out)
        self.out = data[sent:]
        if bool(self.out) != pending:
            # Wait for room in the socket buffer only while there is a rest.
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.out else 0)
            self.selector.modify(self.sock, events, self)


def run(port, connections, depth, size, duration, warmup):
    payload = text_message(size).encode()
    request = frame(0x1, payload, MASK_KEY)
    reply = frame(0x1, payload)
    reply_len = len(reply)
    # A window of the expected byte stream long enough for any one recv.
    expected = reply * ((1 << 20) // reply_len + 2)
    conns = [Connection(port, request, reply_len, expected) for _ in range(connections)]
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c.sock, selectors.EVENT_READ, c)
        c.selector = sel
    perf = time.perf_counter
    start = perf()
    measure_from = start + warmup
    end = measure_from + duration
    latencies = []
    intervals = []
    counted = 0
    interval_end = measure_from + INTERVAL
    interval_count = 0
    cpu0 = None
    for c in conns:
        c.send(depth, start)
    now = start
    while now < end:
        events = sel.select(0.05)
        now = perf()
        if cpu0 is None and now >= measure_from:
            cpu0 = os.times()
            # Tells the caller to start its clock on the server's CPU time.
            sys.stdout.write("START\n")
            sys.stdout.flush()
        measuring = now >= measure_from
        for key, mask in events:
            c = key.data
            if mask & selectors.EVENT_WRITE:
                c.flush()
            if not mask & selectors.EVENT_READ:
                continue
            data = c.sock.recv(1 << 20)
            if not data:
                raise ConnectionError("the server closed a connection")
            n = len(data)
            # startswith at an offset is a memcmp, no slice copied.
            if not c.expected.startswith(data, c.received % reply_len):
                raise ValueError(f"wrong echo after {c.received} bytes")
            c.received += n
            done = c.received // reply_len - c.done
            if done:
                c.done += done
                sent_at = c.sent_at
                if measuring:
                    for _ in range(done):
                        latencies.append(now - sent_at.popleft())
                    interval_count += done
                    counted += done
                else:
                    for _ in range(done):
                        sent_at.popleft()
                c.send(done, now)
        while measuring and now >= interval_end:
            intervals.append(interval_count / INTERVAL)
            interval_count = 0
            interval_end += INTERVAL
    cpu1 = os.times()
    elapsed = now - measure_from
    for c in conns:
        try:
            c.sock.setblocking(True)
            c.sock.sendall(frame(0x8, b"\x03\xe8", MASK_KEY))
        except OSError:
            pass
        c.sock.close()
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e6 if latencies else None

    cpu0 = cpu0 or cpu1
    return {
        "messages": counted,
        "seconds": elapsed,
        "intervals": intervals,
        "p50_us": pct(0.50),
        "p99_us": pct(0.99),
        "cpu_seconds": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wscodec._bench.endtoend.loadgen")
    parser.add_argument("port", type=int)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    args = parser.parse_args(argv)
    result = run(args.port, args.connections, args.depth, args.size, args.duration, args.warmup)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
