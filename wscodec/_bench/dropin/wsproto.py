"""wsproto's own paths: a server ``Connection`` receiving masked frames
(``receive_data`` + ``events``), a client ``Connection`` sending
(``send``, which masks)."""

from .. import data
from .cases import SIZES, Case, frames_per_op

LIBRARY = "wsproto"
INTEGRATION = "wscodec.integrations.wsproto"


def _payload(size, text):
    if text:
        return data.text_message(size)
    return data.mask_data(size)


def _stream(size, text, count):
    opcode = 0x1 if text else 0x2
    return b"".join(data.frame(opcode, _payload(size, text).encode() if text else _payload(size, text),
                               key=data.MASK_KEY) for _ in range(count))


def cases(quick):
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import BytesMessage, TextMessage

    out = []
    for text in (True, False):
        kind = "text" if text else "binary"
        for size in SIZES:
            count = frames_per_op(size, quick)
            stream = _stream(size, text, count)

            def setup():
                return Connection(ConnectionType.SERVER)

            def receive(conn, stream=stream):
                conn.receive_data(stream)
                return list(conn.events())

            def received(setup=setup, receive=receive):
                return [(type(e).__name__, e.data) for e in receive(setup())]

            out.append(Case(f"receive {kind}", size, size * count,
                            lambda setup=setup, receive=receive: _batch(setup, receive), received))

            message = (TextMessage if text else BytesMessage)(data=_payload(size, text))

            def send(conn, message=message, count=count):
                for _ in range(count):
                    conn.send(message)

            def sent(message=message):
                conn = Connection(ConnectionType.CLIENT)
                # The client masks with a random key: unmask to compare.
                return [frame[3] for frame in data.parse_frames(conn.send(message))]

            out.append(Case(f"send {kind} (client, masked)", size, size * count,
                            lambda send=send: _batch(lambda: Connection(ConnectionType.CLIENT), send), sent))
    return out + echo_cases(quick)


def _batch(setup, run):
    from ..timing import Batch

    return Batch(setup, run)


def _serve_echo(listener):
    """A wsproto echo server on blocking sockets, one connection at a time."""
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, BytesMessage, CloseConnection, Request, TextMessage

    while True:
        sock, _ = listener.accept()
        with sock:
            ws = WSConnection(ConnectionType.SERVER)
            parts = []  # wsproto hands a large message over in pieces
            open_ = True
            while open_:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                ws.receive_data(chunk)
                out = b""
                for event in ws.events():
                    if isinstance(event, Request):
                        out += ws.send(AcceptConnection())
                    elif isinstance(event, (TextMessage, BytesMessage)):
                        parts.append(event.data)
                        if event.message_finished:
                            out += ws.send(type(event)(data=parts[0][:0].join(parts)))
                            parts.clear()
                    elif isinstance(event, CloseConnection):
                        out += ws.send(event.response())
                        open_ = False
                if out:
                    sock.sendall(out)


_LISTENER = {}


def _echo_port():
    import socket
    import threading

    if "port" not in _LISTENER:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        threading.Thread(target=_serve_echo, args=(listener,), name="wsproto-echo", daemon=True).start()
        _LISTENER["port"] = listener.getsockname()[1]
    return _LISTENER["port"]


class _EchoClient:
    def __init__(self):
        import socket

        from wsproto import ConnectionType, WSConnection
        from wsproto.events import AcceptConnection, Request

        self.sock = socket.create_connection(("127.0.0.1", _echo_port()), timeout=10)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.sock.sendall(self.ws.send(Request(host="127.0.0.1", target="/")))
        self.pending = []
        if not isinstance(self._next_event(), AcceptConnection):
            raise AssertionError("handshake failed")

    def _next_event(self):
        while not self.pending:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("echo server closed")
            self.ws.receive_data(chunk)
            self.pending.extend(self.ws.events())
        return self.pending.pop(0)

    def echo(self, message):
        from wsproto.events import TextMessage

        self.sock.sendall(self.ws.send(message))
        parts = []
        while True:
            event = self._next_event()
            if isinstance(event, TextMessage):
                parts.append(event.data)
                if event.message_finished:
                    return "".join(parts)

    def close(self):
        from wsproto.events import CloseConnection

        self.sock.sendall(self.ws.send(CloseConnection(code=1000)))
        self.sock.close()


def echo_cases(quick):
    from wsproto.events import TextMessage

    out = []
    for size in SIZES:
        count = max(2, frames_per_op(size, quick) // 4)
        message = TextMessage(data=data.text_message(size))

        def run(client, message=message, count=count):
            for _ in range(count):
                if client.echo(message) != message.data:
                    raise AssertionError("echo differs")
            client.close()

        def echoed(message=message):
            client = _EchoClient()
            reply = client.echo(message)
            client.close()
            return reply

        out.append(Case("echo text over loopback (wsproto both ends)", size, size * count,
                        lambda run=run: _batch(_EchoClient, run), echoed))
    return out
