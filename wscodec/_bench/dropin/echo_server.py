"""wscodec's echo server in a background thread, for the loopback rows of
the drop-in bench: one server per process, on an ephemeral 127.0.0.1 port."""

import asyncio
import threading

_server = {}


def echo_server():
    """Port of a running wscodec echo server (no compression)."""
    if "port" not in _server:
        from ... import echo

        ready = threading.Event()

        def on_ready(port):
            _server["port"] = port
            ready.set()

        thread = threading.Thread(
            target=lambda: asyncio.run(echo.serve("127.0.0.1", 0, deflate=False, ready=on_ready)),
            name="wscodec-echo", daemon=True,
        )
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("the echo server did not start")
    return _server["port"]
