"""The servers the connection-scale benchmark holds connections on, one per
library, each an echo server written the way its documentation shows one,
plus the one thing an echo server lacks: a text message that starts with
``BROADCAST_PREFIX`` is also sent, without the prefix, to every connection,
with the library's own broadcast where it has one.  Run one as a process:

    python -m wscodec._bench.connections.servers wscodec [--no-deflate]

It listens on 127.0.0.1 on a free port, prints ``PORT <n>`` and serves until
SIGTERM.  Each keeps its library's defaults (heartbeats, compression
settings), as a user who copies the example gets them; wscodec's is its
reference server's connection, ``wscodec.echo.EchoConnection``, with the
same settings as ``python -m wscodec.echo``.
"""

import argparse
import asyncio
import sys

from ..endtoend.servers import HOST, print_port, serve_aiohttp, serve_picows, serve_until_signal
BROADCAST_PREFIX = "!broadcast "


def _broadcast_payload(text):
    return text[len(BROADCAST_PREFIX):] if text.startswith(BROADCAST_PREFIX) else None


async def wscodec_server(ready, deflate):
    from wscodec import Opcode, echo
    from wscodec.deflate import PerMessageDeflate

    loop = asyncio.get_running_loop()
    connections = set()
    wish = PerMessageDeflate(server_max_window_bits=echo.SERVER_WINDOW_BITS,
                             mem_level=echo.SERVER_MEM_LEVEL) if deflate else None

    def on_message(message):
        if message.opcode == Opcode.TEXT:
            payload = _broadcast_payload(message.data)
            if payload is not None:
                echo.broadcast(connections, payload)

    def factory():
        connection = echo.EchoConnection(deflate=wish, on_message=on_message, ping_interval=echo.PING_INTERVAL,
                                         ping_timeout=echo.PING_TIMEOUT)
        connections.add(connection)
        connection.closed.add_done_callback(lambda _: connections.discard(connection))
        return connection

    server = await loop.create_server(factory, HOST, 0, reuse_address=True, backlog=echo.BACKLOG)
    ready(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


async def websockets_server(ready, deflate):
    from websockets.asyncio.server import broadcast, serve

    async def handler(websocket):
        async for message in websocket:
            if isinstance(message, str):
                payload = _broadcast_payload(message)
                if payload is not None:
                    broadcast(server.connections, payload)
            await websocket.send(message)

    async with serve(handler, HOST, 0, compression="deflate" if deflate else None) as server:
        ready(server.sockets[0].getsockname()[1])
        await asyncio.get_running_loop().create_future()


async def aiohttp_server(ready, deflate):
    from aiohttp import WSMsgType, web

    connections = set()

    async def handler(request):
        ws = web.WebSocketResponse(compress=deflate)
        await ws.prepare(request)
        connections.add(ws)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    payload = _broadcast_payload(msg.data)
                    if payload is not None:
                        for other in list(connections):
                            await other.send_str(payload)
                    await ws.send_str(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    await ws.send_bytes(msg.data)
        finally:
            connections.discard(ws)
        return ws

    await serve_aiohttp(handler, ready)


async def picows_server(ready, deflate):
    from picows import WSListener, WSMsgType

    transports = set()

    class ServerClientListener(WSListener):
        def on_ws_connected(self, transport):
            transports.add(transport)

        def on_ws_disconnected(self, transport):
            transports.discard(transport)

        def on_ws_frame(self, transport, frame):
            if frame.msg_type == WSMsgType.CLOSE:
                transport.send_close(frame.get_close_code(), frame.get_close_message())
                transport.disconnect()
                return
            if frame.msg_type == WSMsgType.TEXT:
                payload = _broadcast_payload(frame.get_payload_as_utf8_text())
                if payload is not None:
                    data = payload.encode()
                    for other in transports:
                        other.send(WSMsgType.TEXT, data)
            transport.send(frame.msg_type, frame.get_payload_as_bytes())

    await serve_picows(ServerClientListener, ready)


SERVERS = {
    "wscodec": (None, wscodec_server),
    "websockets": ("websockets", websockets_server),
    "picows": ("picows", picows_server),
    "aiohttp": ("aiohttp", aiohttp_server),
}
"""name -> (import name of the library it needs beyond wscodec, coroutine)."""

DEFLATE = {"wscodec": True, "websockets": True, "aiohttp": True, "picows": False}
"""Which servers can negotiate permessage-deflate (picows has no support)."""


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wscodec._bench.connections.servers")
    parser.add_argument("name", choices=sorted(SERVERS))
    parser.add_argument("--no-deflate", action="store_true", help="never negotiate permessage-deflate")
    args = parser.parse_args(argv)

    serve_until_signal(lambda: SERVERS[args.name][1](print_port, not args.no_deflate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
