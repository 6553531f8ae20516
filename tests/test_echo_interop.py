"""The reference echo server and client against websockets and aiohttp.

The echo server runs as a subprocess per backend (WSCODEC_NO_EXTENSIONS=1
for the pure one) on 127.0.0.1 with an ephemeral port; the echo client is
run the same way against a websockets server in this process.  Everything
stays on the loopback interface and every wait is bounded.
"""

import asyncio
import socket
import subprocess
import sys
import time

import pytest

import wscodec
from conftest import BACKEND_NAMES, NEUTRAL_CWD, readline_within, subprocess_env
from wscodec.deflate import PerMessageDeflate
from wscodec.echo import EchoConnection, echo_client
from wscodec.handshake import (
    client_handshake,
    client_request_headers,
    encode_request,
    generate_key,
    parse_response,
)

websockets = pytest.importorskip("websockets")
aiohttp = pytest.importorskip("aiohttp")
from websockets.asyncio.client import connect as ws_connect
from websockets.asyncio.server import serve as ws_serve

MiB = 1 << 20
TIMEOUT = 30


def backend_env(name):
    env = subprocess_env()
    env.pop("WSCODEC_NO_EXTENSIONS", None)
    if name == "pure":
        env["WSCODEC_NO_EXTENSIONS"] = "1"
    return env


class EchoServer:
    def __init__(self, backend, *args):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wscodec.echo", "--port", "0", *args],
            cwd=NEUTRAL_CWD,
            env=backend_env(backend),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = readline_within(self.proc.stdout, TIMEOUT)
        if "listening on ws://" not in line:
            self.stop()
            raise RuntimeError(f"echo server did not start: {line!r} {self.proc.stderr.read()}")
        # The server says which backend it runs on: no silent fallback.
        assert f"({backend}," in line, line
        self.url = "ws://" + line.split("listening on ws://", 1)[1].split()[0]
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module", params=BACKEND_NAMES)
def server(request):
    srv = EchoServer(request.param)
    yield srv
    srv.stop()
    assert srv.proc.returncode in (0, -15), srv.proc.stderr.read()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT))


# -- websockets client -> wscodec echo server ---------------------------------------


def test_websockets_text_binary_fragmented(server):
    async def main():
        async with ws_connect(server.url, max_size=None, compression=None) as ws:
            await ws.send("hello, wörld ✓")
            assert await ws.recv() == "hello, wörld ✓"
            await ws.send(bytes(range(256)) * 10)
            assert await ws.recv() == bytes(range(256)) * 10
            await ws.send(["frag", "ment", "ed ✓"])
            assert await ws.recv() == "fragmented ✓"
            await ws.send([b"\x00" * 1000, b"\x01" * 70000])
            assert await ws.recv() == b"\x00" * 1000 + b"\x01" * 70000
            await ws.send("")
            assert await ws.recv() == ""
            pong = await ws.ping(b"are you there")
            await asyncio.wait_for(pong, 5)
            assert ws.response.headers.get("Sec-WebSocket-Extensions") is None

    run(main())


def test_websockets_compressed(server):
    async def main():
        async with ws_connect(server.url, max_size=None) as ws:
            assert ws.response.headers["Sec-WebSocket-Extensions"].startswith("permessage-deflate")
            for i in range(50):
                message = f'{{"id": {i}, "payload": "{"abc" * i}", "ok": true}}'
                await ws.send(message)
                assert await ws.recv() == message
            await ws.send(bytes(1 * MiB))
            assert await ws.recv() == bytes(1 * MiB)
            await ws.send(["com", "pressed ", "fragments" * 100])
            assert await ws.recv() == "compressed " + "fragments" * 100

    run(main())


@pytest.mark.parametrize(
    ("window", "no_context"),
    [(9, False), (15, True), (12, True)],
)
def test_websockets_deflate_parameters(server, window, no_context):
    from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

    factory = ClientPerMessageDeflateFactory(
        server_max_window_bits=window,
        client_max_window_bits=window,
        server_no_context_takeover=no_context,
        client_no_context_takeover=no_context,
    )

    async def main():
        async with ws_connect(server.url, max_size=None, compression=None, extensions=[factory]) as ws:
            answer = ws.response.headers["Sec-WebSocket-Extensions"]
            if window != 15:
                assert f"server_max_window_bits={window}" in answer
            for i in range(20):
                await ws.send("repeat " * (i * 10))
                assert await ws.recv() == "repeat " * (i * 10)

    run(main())


@pytest.mark.parametrize(("args", "answer"), [
    ((), "permessage-deflate; server_max_window_bits=12"),
    (("--deflate-window-bits", "15", "--deflate-mem-level", "8"), "permessage-deflate"),
    (("--deflate-window-bits", "10"), "permessage-deflate; server_max_window_bits=10"),
])
def test_server_compression_settings(args, answer):
    # What the server compresses with is declared as a browser offers
    # (client_max_window_bits alone), and what it sends inflates.
    srv = EchoServer("native" if "native" in BACKEND_NAMES else "pure", *args)
    try:
        async def main():
            async with ws_connect(srv.url, max_size=None) as ws:
                assert ws.response.headers["Sec-WebSocket-Extensions"] == answer
                for i in range(30):
                    message = f'{{"symbol": "BTC-USD", "price": "{60000 + i * 7.25:.2f}", "seq": {i}}}'
                    await ws.send(message)
                    assert await ws.recv() == message

        run(main())
    finally:
        srv.stop()


@pytest.mark.parametrize("args", [("--deflate-window-bits", "16"), ("--deflate-mem-level", "0")])
def test_server_compression_settings_out_of_range(args):
    proc = subprocess.run([sys.executable, "-m", "wscodec.echo", "--port", "0", *args], cwd=NEUTRAL_CWD,
                          env=backend_env("pure"), capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 2 and "must be" in proc.stderr, proc.stderr


def test_websockets_16_mib_message_and_limit(server):
    async def main():
        async with ws_connect(server.url, max_size=None, compression=None) as ws:
            await ws.send(b"x" * (16 * MiB))
            assert len(await ws.recv()) == 16 * MiB
        # One byte over: refused from the frame header, with 1009, while the
        # client is still sending; the close frame must still arrive.
        reader, writer, _ = await raw_connect(server)
        writer.write(wscodec.encode_frame(wscodec.Opcode.BINARY, bytes(16 * MiB + 1), mask=True))
        data = await read_until_eof(reader)
        writer.close()
        return wscodec.MessageDecoder(role="client").feed(data)

    (close,) = run(main())
    assert close.close_code == 1009


@pytest.mark.parametrize(("code", "reason"), [(1000, ""), (1001, "bye"), (3000, "app"), (4999, "x")])
def test_websockets_close_code_is_echoed(server, code, reason):
    async def main():
        async with ws_connect(server.url) as ws:
            await ws.send("last words")
            assert await ws.recv() == "last words"
            await ws.close(code, reason)
        return ws.close_code

    assert run(main()) == code


# -- aiohttp client -> wscodec echo server ------------------------------------------


@pytest.mark.parametrize("compress", [0, 15])
def test_aiohttp_messages(server, compress):
    async def main():
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(server.url, compress=compress, max_msg_size=0) as ws:
                if compress:
                    assert ws.compress == 15
                await ws.send_str("aiohttp ✓")
                assert (await ws.receive()).data == "aiohttp ✓"
                await ws.send_bytes(b"\x00\xff" * 50000)
                assert (await ws.receive()).data == b"\x00\xff" * 50000
                for i in range(20):
                    await ws.send_str("json-ish " * i)
                    assert (await ws.receive()).data == "json-ish " * i
                await ws.ping(b"ping")
                await ws.close(code=4000, message=b"done")
                return ws.close_code

    assert run(main()) == 4000


# -- raw peer: errors and the handshake -----------------------------------------------


async def raw_connect(server, *, deflate=None):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    key = generate_key()
    writer.write(encode_request("/raw", client_request_headers(f"127.0.0.1:{server.port}", key=key, deflate=deflate)))
    head = await reader.readuntil(b"\r\n\r\n")
    response = parse_response(head)
    result = client_handshake(response.status, response.headers, key=key, deflate=deflate)
    return reader, writer, result


async def read_until_eof(reader):
    data = b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            return data
        data += chunk


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (wscodec.encode_frame(wscodec.Opcode.TEXT, b"unmasked"), 1002),
        (wscodec.encode_frame(wscodec.Opcode.TEXT, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xed\xa0\x80", mask=True), 1007),
        (wscodec.encode_frame(wscodec.Opcode.CONTINUATION, b"x", mask=True), 1002),
        (bytes([0x83, 0x80]) + b"\x00\x00\x00\x00", 1002),
        (wscodec.encode_frame(wscodec.Opcode.CLOSE, b"\x03\xe8\xff", mask=True), 1007),
        (wscodec.encode_frame(wscodec.Opcode.CLOSE, b"\x03\xec", mask=True), 1002),
    ],
)
def test_protocol_errors_close_with_the_code_and_drop(server, frame, code):
    async def main():
        reader, writer, _ = await raw_connect(server)
        writer.write(wscodec.encode_frame(wscodec.Opcode.TEXT, b"before", mask=True) + frame)
        data = await read_until_eof(reader)
        writer.close()
        return wscodec.MessageDecoder(role="client").feed(data)

    messages = run(main())
    assert messages[0].data == "before"
    assert messages[-1].opcode == wscodec.Opcode.CLOSE
    assert messages[-1].close_code == code


def test_close_without_status_is_answered_without_status(server):
    async def main():
        reader, writer, _ = await raw_connect(server)
        writer.write(wscodec.encode_frame(wscodec.Opcode.CLOSE, b"", mask=True))
        data = await read_until_eof(reader)
        writer.close()
        return data

    assert run(main()) == b"\x88\x00"


def test_close_mid_fragmented_message_is_a_clean_close(server):
    # Autobahn 7.1.5: a close between fragments is answered with 1000.
    async def main():
        reader, writer, _ = await raw_connect(server)
        writer.write(
            wscodec.encode_frame(wscodec.Opcode.TEXT, b"frag", fin=False, mask=True)
            + wscodec.encode_frame(wscodec.Opcode.CLOSE, b"\x03\xe8", mask=True)
        )
        data = await read_until_eof(reader)
        writer.close()
        return wscodec.MessageDecoder(role="client").feed(data)

    assert run(main()) == [wscodec.Message(wscodec.Opcode.CLOSE, b"\x03\xe8", 1000, "")]


def test_compressed_messages_on_a_raw_connection(server):
    async def main():
        wish = PerMessageDeflate(min_size=0)
        reader, writer, result = await raw_connect(server, deflate=wish)
        assert result.deflate is not None
        encoder = wscodec.MessageEncoder(role="client", deflate=result.deflate, max_frame_size=100)
        decoder = wscodec.MessageDecoder(role="client", deflate=result.deflate)
        writer.write(encoder.text("squeeze me " * 100) + encoder.binary(b"") + encoder.close(1000))
        data = await read_until_eof(reader)
        writer.close()
        assert data[0] & 0x40, "the echo must come back compressed"
        return decoder.feed(data)

    messages = run(main())
    assert [m.data for m in messages[:2]] == ["squeeze me " * 100, b""]
    assert messages[2].close_code == 1000


def raw_http(server, request):
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_plain_http_request_gets_426(server):
    response = raw_http(server, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 426 ")


def test_wrong_version_gets_426_with_supported_version(server):
    request = (
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"
    )
    response = raw_http(server, request)
    assert response.startswith(b"HTTP/1.1 426 ")
    assert b"\r\nSec-WebSocket-Version: 13\r\n" in response


def test_oversized_head_gets_431(server):
    response = raw_http(server, b"GET / HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 431 ")


def test_backpressure_stops_reading_from_a_peer_that_does_not_read(server):
    # The client sends 1 MiB messages and never reads the echoes.  A server
    # that keeps reading would buffer every echo; ours stops reading, so the
    # client's sends stall once the socket buffers are full.
    async def main():
        reader, writer, _ = await raw_connect(server)
        frame = wscodec.encode_frame(wscodec.Opcode.BINARY, bytes(MiB), mask=True)
        writer.transport.pause_reading()
        sent = 0
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and sent < 256 * MiB:
            writer.write(frame)
            sent += len(frame)
            try:
                await asyncio.wait_for(writer.drain(), 0.5)
            except asyncio.TimeoutError:
                break
        accepted = sent - writer.transport.get_write_buffer_size()
        writer.transport.abort()
        return accepted

    accepted = run(main())
    assert accepted < 64 * MiB, f"{accepted / MiB:.0f} MiB accepted"


# -- wscodec echo client -> websockets server ---------------------------------------


def _client_script(url):
    return [sys.executable, "-m", "wscodec.echo", "--client", url]


@pytest.mark.parametrize("backend_name", BACKEND_NAMES)
@pytest.mark.parametrize("compression", ["deflate", None])
def test_echo_client_against_websockets_server(backend_name, compression):
    messages = [
        "text ✓",
        b"\x00binary\xff",
        ["frag", "mented"],
        [b"bin", b"frags"],
        "",
        '{"key": "value", "n": 12345}' * 40,
        bytes(3 * MiB),
    ]
    expected = ["text ✓", b"\x00binary\xff", "fragmented", b"binfrags", "", messages[5], bytes(3 * MiB)]
    results = {}

    async def handler(ws):
        results["extensions"] = ws.request.headers.get("Sec-WebSocket-Extensions")
        echoed = []
        for message in messages:
            await ws.send(message)
            echoed.append(await ws.recv())
        pong = await ws.ping(b"hi")
        await asyncio.wait_for(pong, 5)
        results["echoed"] = echoed
        await ws.close(4001, "done here")

    async def main():
        async with ws_serve(handler, "127.0.0.1", 0, max_size=None, compression=compression) as srv:
            port = srv.sockets[0].getsockname()[1]
            proc = await asyncio.create_subprocess_exec(
                *_client_script(f"ws://127.0.0.1:{port}/path?q=1"),
                cwd=NEUTRAL_CWD,
                env=backend_env(backend_name),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await proc.communicate()
            return proc.returncode, out.decode(), err.decode()

    returncode, out, err = run(main())
    assert results.get("echoed") == expected, err
    assert "closed: 4001 done here" in out, (out, err)
    assert returncode == 1  # 4001 is not a normal closure
    if compression:
        assert results["extensions"].startswith("permessage-deflate")


def test_echo_client_in_process_close_codes_and_timeout():
    # The server closes with 1000 but keeps the TCP connection open: the
    # client must give up after its close timeout.
    async def main():
        async def handler(reader, writer):
            head = await reader.readuntil(b"\r\n\r\n")
            key = [line.split(b": ")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"sec-websocket-key")][0]
            from wscodec.handshake import accept_key, encode_response

            writer.write(encode_response(101, [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", accept_key(key.decode()))]))
            writer.write(wscodec.MessageEncoder(role="server").close(1000, "bye"))
            await asyncio.sleep(10)

        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        started = loop.time()
        _, connection = await loop.create_connection(
            lambda: EchoConnection(client=(f"127.0.0.1:{port}", "/"), close_timeout=0.3), "127.0.0.1", port
        )
        result = await connection.closed
        elapsed = loop.time() - started
        server.close()
        return result, elapsed

    (code, reason), elapsed = run(main())
    assert (code, reason) == (1000, "bye")
    assert elapsed < 5


def test_server_open_timeout_drops_silent_peers():
    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: EchoConnection(open_timeout=0.2), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\n")
        started = loop.time()
        data = await reader.read()
        elapsed = loop.time() - started
        writer.close()
        server.close()
        return data, elapsed

    data, elapsed = run(main())
    assert data == b"" and elapsed < 5


@pytest.mark.parametrize("backend_name", BACKEND_NAMES)
def test_origins_refuse_other_sites_with_403(backend_name):
    srv = EchoServer(backend_name, "--origin", "https://chat.example", "--allow-no-origin")
    try:
        async def attempt(origin):
            reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
            headers = client_request_headers(f"127.0.0.1:{srv.port}", key=generate_key())
            if origin is not None:
                headers.append(("Origin", origin))
            writer.write(encode_request("/", headers))
            head = await reader.readuntil(b"\r\n\r\n")
            writer.close()
            return parse_response(head).status

        async def main():
            return [await attempt(o) for o in ("https://chat.example", "https://evil.example", None)]

        assert run(main()) == [101, 403, 101]
    finally:
        srv.stop()


# -- heartbeats ----------------------------------------------------------------------

PING_INTERVAL = PING_TIMEOUT = 0.4


@pytest.fixture(scope="module", params=BACKEND_NAMES)
def heartbeat_server(request):
    srv = EchoServer(request.param, "--ping-interval", str(PING_INTERVAL), "--ping-timeout", str(PING_TIMEOUT))
    yield srv
    srv.stop()


def test_a_peer_that_stops_answering_pings_is_dropped(heartbeat_server):
    async def main():
        reader, writer, _ = await raw_connect(heartbeat_server)
        loop = asyncio.get_running_loop()
        opened = loop.time()
        data = b""
        try:
            while chunk := await reader.read(65536):  # never answers anything
                data += chunk
        except ConnectionResetError:  # the server drops without a handshake
            pass
        elapsed = loop.time() - opened
        writer.close()
        return wscodec.MessageDecoder(role="client").feed(data), elapsed

    messages, elapsed = run(main())
    assert [m.opcode for m in messages] == [wscodec.Opcode.PING, wscodec.Opcode.CLOSE]
    assert len(messages[0].data) == 4
    assert (messages[1].close_code, messages[1].close_reason) == (1011, "keepalive ping timeout")
    # Within interval + timeout, measured from a little after the server's
    # clock started; the slack is for scheduling on a loaded machine.
    assert PING_INTERVAL + PING_TIMEOUT - 0.2 < elapsed < PING_INTERVAL + PING_TIMEOUT + 1.0


def test_a_peer_that_answers_pings_stays(heartbeat_server):
    async def main():
        async with ws_connect(heartbeat_server.url, compression=None) as ws:  # websockets answers pings
            await asyncio.sleep(3 * (PING_INTERVAL + PING_TIMEOUT))
            await ws.send("still here")
            assert await ws.recv() == "still here"
        return ws.close_code

    assert run(main()) == 1000


def test_echo_client_drops_a_server_that_stops_answering_pings():
    async def handle(reader, writer):
        from wscodec.handshake import encode_response, parse_request, server_handshake

        request = parse_request((await reader.readuntil(b"\r\n\r\n"))[:-4])
        writer.write(encode_response(101, server_handshake(request.headers).headers))
        while await reader.read(65536):  # reads pings, never answers
            pass
        writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        started = loop.time()
        closed = await echo_client(f"ws://127.0.0.1:{port}/", deflate=False, ping_interval=0.3, ping_timeout=0.3)
        elapsed = loop.time() - started
        server.close()
        return closed, elapsed

    (code, _), elapsed = run(main())
    assert code == 1006  # no close frame came back: the server was dropped
    assert elapsed < 0.3 + 0.3 + 1.0


def test_echo_client_rejects_bad_urls():
    with pytest.raises(ValueError):
        run(echo_client("wss://127.0.0.1:1/"))
    with pytest.raises(ValueError):
        run(echo_client("http://127.0.0.1:1/"))
