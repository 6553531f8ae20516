"""Run the reference echo server in several processes on one port.

One asyncio process uses one core.  :func:`serve_workers` starts one
process per worker, each running ``wscodec.echo.serve`` on the same host
and port with ``SO_REUSEPORT`` (Linux, the BSDs, macOS), and the kernel
spreads new connections across them, as uvicorn and gunicorn scale across
cores.  The parent only supervises:

- it binds the port itself first, with ``SO_REUSEPORT`` and without
  listening, so that port 0 becomes one free port every worker shares and
  a port taken by another program fails at once; a socket that does not
  listen is given no connections;
- it reports ready once every worker is listening (and subscribed, with
  ``redis=``);
- SIGTERM or SIGINT is passed on to the workers, each closes its
  connections gracefully, and the parent returns once they are gone;
- a worker that dies on its own makes the parent stop the others and
  return 1: a half-sized server is better restarted by whatever supervises
  the parent (systemd, Kubernetes) than left running unnoticed.

A worker also stops when its parent is gone (killed with SIGKILL, say), so
no worker outlives it.  Workers are started with the ``spawn`` method:
code that calls :func:`serve_workers` must sit under
``if __name__ == "__main__":``.  Messages are per process: a broadcast
reaches every worker's connections only through a pub/sub server
(``redis=``, see ``wscodec.pubsub``).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from types import FrameType
from typing import Any, cast

__all__ = ["serve_workers"]

#: How long stopping workers get before they are killed: the echo server's
#: close timeout for its peers' closing handshakes, and some to spare.
STOP_TIMEOUT = 10.0
#: How long a worker may take to start listening.
START_TIMEOUT = 60.0


def _reserve_port(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


def serve_workers(workers: int, host: str = "127.0.0.1", port: int = 9001, *,
                  ready: Callable[[int], object] | None = None, **serve_options: Any) -> int:
    """Run ``workers`` processes of ``wscodec.echo.serve(host, port,
    **serve_options)`` sharing one port, until SIGTERM or SIGINT; returns
    the exit status: 0 once stopped by a signal, 1 if a worker died on its
    own.  ``ready(port)`` is called once every worker is listening (with
    port 0, the one they share).  ``serve_options`` must pickle: each
    worker is a fresh interpreter."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise RuntimeError("several workers need SO_REUSEPORT, which this platform lacks")
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, got {workers}")
    context = multiprocessing.get_context("spawn")
    reserved = _reserve_port(host, port)
    port = reserved.getsockname()[1]
    processes: list[Any] = []
    links: dict[Connection, Any] = {}
    stopping = False

    def stop(signum: int, frame: FrameType | None = None) -> None:
        nonlocal stopping
        stopping = True
        for process in processes:
            if process.exitcode is None and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for _ in range(workers):
            if stopping:
                break  # a signal during start-up: the ones started so far were told
            ours, theirs = context.Pipe()
            process = context.Process(target=_worker, args=(theirs, host, port, serve_options),
                                      name="wscodec-echo-worker", daemon=False)
            process.start()
            theirs.close()
            processes.append(process)
            links[ours] = process
        sentinels = {process.sentinel: process for process in processes}
        waiting = set(links)
        while waiting and not stopping:
            woken = wait([*waiting, *sentinels], START_TIMEOUT)
            if not woken:
                print(f"wscodec: workers not listening after {START_TIMEOUT:g} s; stopping",
                      file=sys.stderr, flush=True)
                stop(signal.SIGTERM)
                _stopped(processes)
                return 1
            for woke in woken:
                if stopping:
                    break
                if not isinstance(woke, Connection):
                    return _died(sentinels[cast(int, woke)], processes, stop)
                try:
                    woke.recv()
                except EOFError:
                    continue  # its sentinel says why
                waiting.discard(woke)
        if not stopping and ready is not None:
            ready(port)
        while not stopping:
            ended = wait(list(sentinels))
            if ended and not stopping:
                return _died(sentinels[cast(int, ended[0])], processes, stop)
        return _stopped(processes)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for process in processes:
            if process.exitcode is None:
                process.kill()
                process.join()
        for link in links:
            link.close()
        reserved.close()


def _died(process: Any, processes: list[Any], stop: Callable[[int], None]) -> int:
    process.join()
    print(f"wscodec: worker {process.pid} exited with status {process.exitcode}; stopping the others",
          file=sys.stderr, flush=True)
    stop(signal.SIGTERM)
    _stopped(processes)
    return 1


def _stopped(processes: list[Any]) -> int:
    for process in processes:
        process.join(STOP_TIMEOUT)
        if process.exitcode is None:
            process.kill()
            process.join()
    return 0


# -- in the worker ------------------------------------------------------------------


def _worker(link: Connection, host: str, port: int, serve_options: dict[str, Any]) -> None:
    # A terminal's Ctrl-C reaches every process of its group, and the parent
    # passes it on too: until serve() handles signals, leave it to the parent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        asyncio.run(_serve(link, host, port, serve_options))
    except KeyboardInterrupt:
        pass


async def _serve(link: Connection, host: str, port: int, serve_options: dict[str, Any]) -> None:
    from wscodec.echo import serve

    loop = asyncio.get_running_loop()
    # serve() is the example's untyped code (see pyproject's mypy overrides).
    running = serve(host, port, reuse_port=True, ready=lambda _: link.send(os.getpid()),  # type: ignore[no-untyped-call]
                    **serve_options)
    task = asyncio.ensure_future(running)
    stopping = False

    def stop() -> None:
        # Once: a second cancel would cut short the closing handshakes
        # that serve() waits for.
        nonlocal stopping
        if not stopping:
            stopping = True
            task.cancel()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    # The parent never writes: the link becomes readable when the parent is
    # gone, and a worker without its supervisor stops.
    loop.add_reader(link.fileno(), stop)
    try:
        await task
    except asyncio.CancelledError:
        pass
    finally:
        loop.remove_reader(link.fileno())
        link.close()
