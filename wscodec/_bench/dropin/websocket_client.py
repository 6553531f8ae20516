"""websocket-client's own paths: ``WebSocket.recv()`` of frames a server
sent (unmasked; text is UTF-8 checked), ``WebSocket.send()`` (masked, with
the key from ``get_mask_key``), and an echo over loopback against
wscodec's echo server."""

from .. import data
from ..timing import Batch
from .cases import SIZES, Case, frames_per_op
from .echo_server import echo_server

LIBRARY = "websocket-client"
INTEGRATION = "wscodec.integrations.websocket_client"


class _FeedSocket:
    """Just enough of a socket: ``recv`` hands out a prepared stream,
    ``send`` swallows.  A timeout of 0 takes websocket-client's direct path."""

    def __init__(self, stream=b""):
        self.stream = stream
        self.pos = 0

    def gettimeout(self):
        return 0

    def recv(self, n):
        chunk = self.stream[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk

    def send(self, buf):
        return len(buf)


def _payload(size, text):
    return data.text_message(size) if text else data.mask_data(size)


def _without_wsaccel():
    """websocket-client's own code: it imports the discontinued wsaccel when
    it is installed (the bench extra installs it, to compare with it), so
    its two modules are re-imported with wsaccel hidden, as its own tests do."""
    import importlib
    import sys

    from websocket import _abnf, _utils

    saved = {name: sys.modules.get(name) for name in ("wsaccel", "wsaccel.xormask", "wsaccel.utf8validator")}
    try:
        for name in saved:
            sys.modules[name] = None
        importlib.reload(_utils)
        importlib.reload(_abnf)
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def cases(quick):
    import websocket

    _without_wsaccel()

    def socket_for(stream=b""):
        ws = websocket.WebSocket()
        ws.sock = _FeedSocket(stream)
        ws.connected = True
        return ws

    out = []
    for text in (True, False):
        kind = "text" if text else "binary"
        for size in SIZES:
            count = frames_per_op(size, quick)
            payload = _payload(size, text)
            raw = payload.encode() if text else payload
            stream = data.frame(0x1 if text else 0x2, raw) * count

            def receive(ws, count=count):
                return [ws.recv() for _ in range(count)]

            out.append(Case(f"recv() {kind}", size, size * count,
                            lambda stream=stream, receive=receive: Batch(lambda: socket_for(stream), receive),
                            lambda stream=stream, receive=receive: receive(socket_for(stream))))

            opcode = websocket.ABNF.OPCODE_TEXT if text else websocket.ABNF.OPCODE_BINARY

            def send(ws, payload=payload, count=count, opcode=opcode):
                for _ in range(count):
                    ws.send(payload, opcode)

            def sent(payload=payload, opcode=opcode):
                frame = websocket.ABNF.create_frame(payload, opcode)
                frame.get_mask_key = lambda n: data.MASK_KEY
                return frame.format()

            out.append(Case(f"send() {kind} (masked)", size, size * count,
                            lambda send=send: Batch(socket_for, send), sent))
    for size in SIZES:
        out.append(_echo_case(websocket, size, quick))
    return out


def _echo_case(websocket, size, quick):
    count = max(2, frames_per_op(size, quick) // 4)
    message = data.text_message(size)

    def connect():
        port = echo_server()
        return websocket.create_connection(f"ws://127.0.0.1:{port}/", timeout=10)

    def echo(ws):
        for _ in range(count):
            ws.send(message)
            if ws.recv() != message:
                raise AssertionError("echo differs")
        ws.close()

    def echoed():
        ws = connect()
        ws.send(message)
        reply = ws.recv()
        ws.close()
        return reply

    return Case("echo text over loopback", size, size * count, lambda: Batch(connect, echo), echoed)
