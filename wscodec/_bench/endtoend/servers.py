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
    from picows import WSListener, WSMsgType, ws_create_server

    class ServerClientListener(WSListener):
        def on_ws_frame(self, transport, frame):
            if frame.msg_type == WSMsgType.CLOSE:
                transport.send_close(frame.get_close_code(), frame.get_close_message())
                transport.disconnect()
            else:
                transport.send(frame.msg_type, frame.get_payload_as_bytes())

    server = await ws_create_server(lambda _: ServerClientListener(), HOST, 0)
    ready(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


SERVERS = {
    "wscodec": (None, wscodec_server),
    "picows": ("picows", picows_server),
    "websockets": ("websockets", websockets_server),
    "aiohttp": ("aiohttp", aiohttp_server),
}
"""name -> (import name of the library it needs beyond wscodec, coroutine)."""


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wscodec._bench.endtoend.servers")
    parser.add_argument("name", choices=sorted(SERVERS))
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args(argv)

    def ready(port):
        print(f"PORT {port}", flush=True)

    async def run():
        task = asyncio.ensure_future(SERVERS[args.name][1](ready))
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        loop.add_signal_handler(signal.SIGINT, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass

    if args.uvloop:
        import uvloop

        uvloop.run(run())
    else:
        asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
