"""wsproto's own paths: a server ``Connection`` receiving masked frames
(``receive_data`` + ``events``), a client ``Connection`` sending
(``send``, which masks)."""

from . import data
from .dropin import SIZES, Case, frames_per_op

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
    return out


def _batch(setup, run):
    from .timing import Batch

    return Batch(setup, run)
