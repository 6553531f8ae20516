"""Echo servers for the end-to-end benchmark, one per library, each written
the way its documentation shows an echo server.  Run one as a process:

    python -m wscodec._bench.endtoend.servers wscodec [--uvloop]

It listens on 127.0.0.1 on a free port, prints ``PORT <n>`` and serves until
SIGTERM.  wscodec's is its reference server, ``wscodec.echo.serve``.
"""

import argparse
import asyncio
import signal
import sys

HOST = "127.0.0.1"


async def wscodec_server(ready):
    from wscodec.echo import serve

    await serve(HOST, 0, ready=ready)


async def websockets_server(ready):
    from websockets.asyncio.server import serve

    async def echo(websocket):
        async for message in websocket:
            await websocket.send(message)

    async with serve(echo, HOST, 0) as server:
        ready(server.sockets[0].getsockname()[1])
        await asyncio.get_running_loop().create_future()


async def aiohttp_server(ready):
    from aiohttp import WSMsgType, web

    async def handler(request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await ws.send_str(msg.data)
            elif msg.type == WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
        return ws

    await serve_aiohttp(handler, ready)


async def serve_picows(listener, ready):
    """Serve picows connections, each with a fresh ``listener()``, on a free port until cancelled."""
    from picows import ws_create_server

    server = await ws_create_server(lambda _: listener(), HOST, 0)
    ready(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


async def serve_aiohttp(handler, ready):
    """Serve aiohttp's WebSocket ``handler`` at ``/`` on a free port until cancelled."""
    from aiohttp import web

    app = web.Application()
    app.add_routes([web.get("/", handler)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    ready(site._server.sockets[0].getsockname()[1])
    try:
        await asyncio.get_running_loop().create_future()
    finally:
        await runner.cleanup()


async def picows_server(ready):
    from picows import WSListener, WSMsgType

    class ServerClientListener(WSListener):
        def on_ws_frame(self, transport, frame):
            if frame.msg_type == WSMsgType.CLOSE:
                transport.send_close(frame.get_close_code(), frame.get_close_message())
                transport.disconnect()
            else:
                transport.send(frame.msg_type, frame.get_payload_as_bytes())

    await serve_picows(ServerClientListener, ready)


SERVERS = {
    "wscodec": (None, wscodec_server),
    "picows": ("picows", picows_server),
    "websockets": ("websockets", websockets_server),
    "aiohttp": ("aiohttp", aiohttp_server),
}
"""name -> (import name of the library it needs beyond wscodec, coroutine)."""


def print_port(port):
    """How a server process tells its parent it is listening."""
    print(f"PORT {port}", flush=True)


def serve_until_signal(server, uvloop=False):
    """Run the coroutine ``server()`` returns until SIGTERM or SIGINT."""

    async def run():
        task = asyncio.ensure_future(server())
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        loop.add_signal_handler(signal.SIGINT, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass

    if uvloop:
        import uvloop as loops

        loops.run(run())
    else:
        asyncio.run(run())


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wscodec._bench.endtoend.servers")
    parser.add_argument("name", choices=sorted(SERVERS))
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args(argv)

    serve_until_signal(lambda: SERVERS[args.name][1](print_port), uvloop=args.uvloop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
