"""autobahn's own paths (asyncio flavour; Twisted runs the same protocol
code): a server protocol receiving masked frames, one ``data_received``
per frame as they come off the socket, a client protocol sending (which
masks), and the UTF-8 validation of one text message, the call its
receive path makes for every TEXT frame."""

from .. import data
from .cases import SIZES, Case, frames_per_op

LIBRARY = "autobahn"
INTEGRATION = "wscodec.integrations.autobahn"


class _Transport:
    def __init__(self):
        self.written = []

    def write(self, chunk):
        self.written.append(chunk)

    def loseConnection(self):  # noqa: N802 - autobahn's transport interface
        pass

    def abortConnection(self, *args, **kwargs):  # noqa: N802
        pass


def _open(protocol_class, factory_class):
    """A protocol in the OPEN state, as after its opening handshake (the
    state autobahn's own protocol tests start from)."""
    import txaio

    from autobahn.wamp.types import TransportDetails

    proto = protocol_class()
    proto.factory = factory_class()
    proto.factory.log = proto.log = txaio.make_logger()
    proto.transport = _Transport()
    proto._transport_details = TransportDetails()
    proto._connectionMade()
    proto.state = proto.STATE_OPEN
    proto.websocket_version = 18
    proto.inside_message = False
    proto.current_frame = None
    return proto


def _server():
    from autobahn.asyncio.websocket import WebSocketServerFactory, WebSocketServerProtocol

    proto = _open(WebSocketServerProtocol, WebSocketServerFactory)
    proto.received = []
    proto.onMessage = lambda payload, is_binary: proto.received.append(payload)
    return proto


def _client():
    from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol

    return _open(WebSocketClientProtocol, WebSocketClientFactory)


def _payload(size, text):
    return data.text_message(size).encode() if text else data.mask_data(size)


def cases(quick):
    import autobahn.websocket.protocol as protocol
    from autobahn.asyncio.websocket import WebSocketServerProtocol  # noqa: F401 - ImportError if absent

    from ..timing import Batch, Call

    out = []
    for text in (True, False):
        kind = "text" if text else "binary"
        opcode = 0x1 if text else 0x2
        for size in SIZES:
            count = frames_per_op(size, quick)
            payload = _payload(size, text)
            frames = [data.frame(opcode, payload, key=data.MASK_KEY)] * count

            def receive(proto, frames=frames):
                for chunk in frames:
                    proto._dataReceived(chunk)
                return proto.received

            def received(receive=receive):
                return receive(_server())

            out.append(Case(f"receive {kind}", size, size * count,
                            lambda receive=receive: Batch(_server, receive), received))

            def send(proto, payload=payload, count=count, binary=not text):
                for _ in range(count):
                    proto.sendMessage(payload, binary)
                return proto.transport.written

            def sent(send=send):
                # The client masks with a random key: compare unmasked.
                return [f[3] for f in data.parse_frames(b"".join(send(_client())))]

            out.append(Case(f"send {kind} (client, masked)", size, size * count,
                            lambda send=send: Batch(_client, send), sent))
            if text:
                validators = {}

                def validate(payload=payload):
                    # One validator per connection, reset per message, as
                    # autobahn's receive path does; looked up at call time so
                    # that install() takes effect.
                    cls = protocol.Utf8Validator
                    validator = validators.get(cls) or validators.setdefault(cls, cls())
                    validator.reset()
                    return validator.validate(payload)

                out.append(Case("validate UTF-8 (Utf8Validator)", size, size,
                                lambda validate=validate: Call(validate), validate))
    return out
