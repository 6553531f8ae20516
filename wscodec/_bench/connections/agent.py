"""One client process of the connection-scale benchmark: it holds its share
of the connections and does, on each command read from stdin, one step for
all of them at once, answering with one JSON line on stdout.

    python -m wscodec._bench.connections.agent PORT --count N --source 127.0.0.2 [--deflate]

Commands: ``sequential`` and ``storm`` open the connections (one at a time,
or all at once), each from its own ``--source`` address (one per round, so
that ports the previous round left behind never run out); ``message`` sends
one message on each and waits for every echo; ``expect`` waits for
``BROADCAST`` on every connection (answering ``armed`` first), ``trigger``
asks the server for that broadcast on the first connection; ``ping`` pings
every connection and waits for every pong; ``drop`` aborts them all.
Times are ``time.monotonic()``, which every process on the machine shares.

Every connection speaks through wscodec's own client codec, the same for
every server measured, and offers permessage-deflate as Chromium does
(``permessage-deflate; client_max_window_bits``) when ``--deflate`` is given.
"""

import argparse
import asyncio
import json
import random
import resource
import socket
import sys
import time

import wscodec
from wscodec import Opcode
from wscodec.deflate import PerMessageDeflate
from wscodec.handshake import client_handshake, client_request_headers, encode_request, generate_key, parse_response

from .servers import BROADCAST_PREFIX

#: One price update, as a ticker feed sends it: what "one message" means here.
MESSAGE = '{"type":"ticker","symbol":"BTC-USD","price":"97412.35","size":"0.0125","time":"2026-12-07T22:41:05.123Z"}'
#: The broadcast: a 200-byte JSON message.
BROADCAST = ('{"type":"news","id":481516,"headline":"Markets open higher as traders weigh the latest rate '
             'decision","tickers":["BTC-USD","ETH-USD"],"time":"2026-12-07T22:41:06.000Z","pad":"' )
BROADCAST += "x" * (200 - len(BROADCAST) - 2) + '"}'
PING_PAYLOAD = b"heartbeat"
PHASE_TIMEOUT = 300.0
#: Attempts per connection in the storm before the step fails, and the
#: wait before each retry: about a second, growing, with jitter, as the
#: reconnecting code of web applications does.
STORM_ATTEMPTS = 10
STORM_BACKOFF = 1.0


def raise_open_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Connection(asyncio.Protocol):
    """A WebSocket client connection that only records what arrives."""

    __slots__ = ("agent", "transport", "key", "head", "decoder", "encoder", "opened", "echoed",
                 "broadcast", "ponged")

    def __init__(self, agent):
        self.agent = agent
        self.transport = None
        self.key = generate_key()
        self.head = b""
        self.decoder = None
        self.encoder = None
        self.opened = agent.loop.create_future()
        self.echoed = self.broadcast = self.ponged = None

    def connection_made(self, transport):
        self.transport = transport
        headers = client_request_headers(self.agent.host_header, key=self.key, deflate=self.agent.wish)
        transport.write(encode_request("/", headers))

    def data_received(self, data):
        if self.decoder is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = self.head[:end], self.head[end + 4:]
            self.head = None
            try:
                response = parse_response(head)
                result = client_handshake(response.status, response.headers, key=self.key, deflate=self.agent.wish)
            except Exception as exc:  # noqa: BLE001 - reported by whoever awaits the opening
                self.opened.set_exception(exc)
                self.transport.abort()
                return
            self.decoder = wscodec.MessageDecoder(role="client", deflate=result.deflate)
            self.encoder = wscodec.MessageEncoder(role="client", deflate=result.deflate)
            self.opened.set_result(result.deflate is not None)
            if not data:
                return
        for message in self.decoder.feed(data):
            opcode = message.opcode
            if opcode == Opcode.TEXT:
                if message.data == MESSAGE:
                    self._settle(self.echoed)
                elif message.data == BROADCAST:
                    self._settle(self.broadcast)
            elif opcode == Opcode.PONG and message.data == PING_PAYLOAD:
                self._settle(self.ponged)
            elif opcode == Opcode.PING:
                self.transport.write(self.encoder.pong(message.data))

    @staticmethod
    def _settle(waiter):
        if waiter is not None and not waiter.done():
            waiter.set_result(time.monotonic())

    def connection_lost(self, exc):
        for waiter in (self.opened, self.echoed, self.broadcast, self.ponged):
            if waiter is not None and not waiter.done():
                waiter.set_exception(ConnectionError("connection lost"))


class Agent:
    def __init__(self, port, count, sources, deflate):
        self.loop = asyncio.get_running_loop()
        self.port = port
        self.count = count
        self.sources = iter(sources)
        self.host_header = f"127.0.0.1:{port}"
        self.wish = PerMessageDeflate() if deflate else None
        self.connections = []

    async def _open(self, source):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            sock.bind((source, 0))
            await self.loop.sock_connect(sock, ("127.0.0.1", self.port))
        except BaseException:
            sock.close()
            raise
        _, connection = await self.loop.create_connection(lambda: Connection(self), sock=sock)
        self.connections.append(connection)
        try:
            await connection.opened
        except BaseException:
            self.connections.remove(connection)
            connection.transport.abort()
            raise
        return connection

    async def sequential(self):
        source = next(self.sources)
        latencies = []
        start = time.monotonic()
        for _ in range(self.count):
            t0 = time.perf_counter()
            await self._open(source)
            latencies.append(time.perf_counter() - t0)
        return {"start": start, "end": time.monotonic(), "latencies": latencies,
                "deflate": sum(1 for c in self.connections if c.encoder is not None and c.opened.result())}

    async def storm(self):
        source = next(self.sources)
        retries = 0

        async def reconnecting():
            # As a browser does after a deploy: a connection the server
            # dropped or timed out before its 101 is opened again.
            nonlocal retries
            for attempt in range(STORM_ATTEMPTS):
                try:
                    return await self._open(source)
                except OSError:
                    if attempt == STORM_ATTEMPTS - 1:
                        raise
                    retries += 1
                    await asyncio.sleep(STORM_BACKOFF * (attempt + 1) * random.uniform(0.5, 1.5))

        start = time.monotonic()
        await asyncio.gather(*(reconnecting() for _ in range(self.count)))
        return {"start": start, "end": time.monotonic(), "retries": retries}

    async def message(self):
        start = time.monotonic()
        for c in self.connections:
            c.echoed = self.loop.create_future()
            c.transport.write(c.encoder.text(MESSAGE))
        ends = await asyncio.gather(*(c.echoed for c in self.connections))
        return {"start": start, "end": max(ends)}

    async def expect(self, reply):
        for c in self.connections:
            c.broadcast = self.loop.create_future()
        reply({"armed": True})
        ends = await asyncio.gather(*(c.broadcast for c in self.connections))
        return {"end": max(ends)}

    def trigger(self):
        c = self.connections[0]
        start = time.monotonic()
        c.transport.write(c.encoder.text(BROADCAST_PREFIX + BROADCAST))
        return {"start": start}

    async def ping(self):
        start = time.monotonic()
        for c in self.connections:
            c.ponged = self.loop.create_future()
            c.transport.write(c.encoder.ping(PING_PAYLOAD))
        ends = await asyncio.gather(*(c.ponged for c in self.connections))
        return {"start": start, "end": max(ends)}

    async def drop(self):
        for c in self.connections:
            c.transport.abort()
        self.connections = []
        await asyncio.sleep(0)
        return {}


async def serve_commands(agent):
    reader = asyncio.StreamReader()
    await agent.loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def reply(doc):
        sys.stdout.write(json.dumps(doc) + "\n")
        sys.stdout.flush()

    expecting = None
    while True:
        line = (await reader.readline()).decode().strip()
        if not line or line == "quit":
            return
        try:
            if line == "expect":
                # Answered twice: "armed" now, the arrival time once every
                # connection has the broadcast; "trigger" may come between.
                expecting = asyncio.ensure_future(asyncio.wait_for(agent.expect(reply), PHASE_TIMEOUT))
                await asyncio.sleep(0)
                continue
            if line == "trigger":
                reply(agent.trigger())
                continue
            if line == "collect":
                task, expecting = expecting, None
                reply(await task)
                continue
            reply(await asyncio.wait_for(getattr(agent, line)(), PHASE_TIMEOUT))
        except Exception as exc:  # noqa: BLE001 - the coordinator reports it
            reply({"error": f"{type(exc).__name__}: {exc}"})


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wscodec._bench.connections.agent")
    parser.add_argument("port", type=int)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--source", action="append", required=True,
                        help="local address of each opening round, in order")
    parser.add_argument("--deflate", action="store_true")
    args = parser.parse_args(argv)
    raise_open_file_limit()

    async def run():
        await serve_commands(Agent(args.port, args.count, args.source, args.deflate))

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
