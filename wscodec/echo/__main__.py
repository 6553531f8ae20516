"""The command line of the reference echo server and client,
``python -m wscodec.echo``: one server process, or several sharing the
port (``--workers``, ``wscodec.workers``), broadcasting what is published
on a Redis channel (``--redis``, ``wscodec.pubsub``)."""

import argparse
import asyncio
import signal
import sys

import wscodec
from wscodec import CloseCode, echo, pubsub
from wscodec.echo import PING_INTERVAL, PING_TIMEOUT, SERVER_MEM_LEVEL, SERVER_WINDOW_BITS


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wscodec.echo", description=echo.__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9001, help="port to listen on; 0 picks a free one")
    parser.add_argument("--client", metavar="URL", help="connect to URL and echo instead of serving")
    parser.add_argument("--no-deflate", action="store_true", help="do not negotiate permessage-deflate")
    parser.add_argument("--deflate-window-bits", type=int, default=SERVER_WINDOW_BITS, metavar="BITS",
                        help="server: LZ77 window of what it compresses, 8-15 (default "
                             f"{SERVER_WINDOW_BITS}; 15 is the RFC's 32 KiB)")
    parser.add_argument("--deflate-mem-level", type=int, default=SERVER_MEM_LEVEL, metavar="LEVEL",
                        help=f"server: zlib memLevel of its compressor, 1-9 (default {SERVER_MEM_LEVEL})")
    parser.add_argument("--ping-interval", type=float, default=PING_INTERVAL, metavar="SECONDS",
                        help=f"ping the peer this often; 0 turns heartbeats off (default {PING_INTERVAL:g})")
    parser.add_argument("--ping-timeout", type=float, default=PING_TIMEOUT, metavar="SECONDS",
                        help=f"drop a peer whose pong is this late (default {PING_TIMEOUT:g})")
    parser.add_argument("--origin", action="append", metavar="ORIGIN",
                        help="accept browser pages from this origin only, e.g. https://example.com "
                             "(repeat for more; once given, requests without Origin are refused too)")
    parser.add_argument("--allow-no-origin", action="store_true",
                        help="with --origin: also accept requests without an Origin header (non-browser clients)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="server: N processes sharing the port with SO_REUSEPORT (default 1: this process)")
    parser.add_argument("--redis", metavar="URL",
                        help="server: send every message published on --channel at this Redis server "
                             "(redis://host:port/db) to every connection")
    parser.add_argument("--channel", default=None, metavar="NAME",
                        help=f"with --redis: the channel for text messages (default {pubsub.CHANNEL!r}); "
                             f"NAME{pubsub.BINARY_SUFFIX} carries binary ones")
    args = parser.parse_args(argv)
    deflate = not args.no_deflate
    if deflate and not args.client:
        from wscodec.deflate import PerMessageDeflate

        try:
            deflate = PerMessageDeflate(server_max_window_bits=args.deflate_window_bits,
                                        mem_level=args.deflate_mem_level)
        except ValueError as exc:
            parser.error(str(exc))
    origins = None if args.origin is None else [*args.origin, *([None] if args.allow_no_origin else [])]
    heartbeat = {"ping_interval": args.ping_interval or None, "ping_timeout": args.ping_timeout}
    if args.ping_interval < 0 or args.ping_timeout <= 0:
        parser.error("--ping-interval must be 0 or more and --ping-timeout more than 0")

    if args.workers < 1:
        parser.error("--workers must be 1 or more")
    if args.client and (args.workers != 1 or args.redis):
        parser.error("--workers and --redis are for the server, not --client")
    if args.channel is not None and not args.redis:
        parser.error("--channel needs --redis")
    if args.redis:
        try:
            pubsub.redis_module()
        except RuntimeError as exc:
            parser.error(f"--redis: {exc}")
    options = {"deflate": deflate, "origins": origins, "redis": args.redis, "channel": args.channel, **heartbeat}

    if args.client:
        code, reason = asyncio.run(echo.echo_client(args.client, deflate=deflate, **heartbeat))
        print(f"closed: {code} {reason}".rstrip(), flush=True)
        # A clean close is 1000 (or no status); anything else is a failure.
        return 0 if code in (CloseCode.NORMAL_CLOSURE, CloseCode.NO_STATUS_RCVD) else 1

    workers = f", {args.workers} workers" if args.workers > 1 else ""

    def ready(port):
        print(
            f"wscodec {wscodec.__version__} echo server ({wscodec.BACKEND}, SIMD {wscodec.SIMD}{workers}) "
            f"listening on ws://{args.host}:{port}",
            flush=True,
        )

    if args.workers > 1:
        from wscodec.workers import serve_workers

        return serve_workers(args.workers, args.host, args.port, ready=ready, **options)

    async def run():
        task = asyncio.ensure_future(echo.serve(args.host, args.port, ready=ready, **options))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, task.cancel)
            except (NotImplementedError, RuntimeError):  # Windows
                pass
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
