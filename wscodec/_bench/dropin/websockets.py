"""websockets' own Sans-I/O paths (what its asyncio, threading and trio
connections run): a ``ServerProtocol`` receiving masked frames
(``receive_data`` + ``events_received``) and a ``ClientProtocol`` sending
(``send_text`` / ``send_binary`` + ``data_to_send``, which masks).

Measured as installed (with websockets' C extension, where ``install()``
replaces only ``Frame.parse``); ``websockets_fallback`` measures the
same paths on its pure-Python fallback."""

from .. import data
from .cases import SIZES, Case, frames_per_op

LIBRARY = "websockets"
INTEGRATION = "wscodec.integrations.websockets"


def _payload(size, text):
    return data.text_message(size) if text else data.mask_data(size)


def _finish(proto):
    """Untimed, after each op: end the protocol's parser, as a closed
    connection does.  Left suspended, it keeps its last frame alive and the
    protocol in a reference cycle that only the garbage collector frees, which
    the timing keeps off during samples: every op would then start on fresh
    memory, a cost of the bench, not of receiving."""
    proto.parser.close()


def cases(quick):
    import websockets.frames as frames
    from websockets.client import ClientProtocol
    from websockets.protocol import OPEN
    from websockets.server import ServerProtocol

    from ..timing import Batch, Call

    def server():
        return ServerProtocol(state=OPEN, max_size=None)

    def client():
        return ClientProtocol("ws://127.0.0.1/", state=OPEN, max_size=None)

    out = []
    for size in SIZES:
        payload = data.mask_data(size)

        def mask(payload=payload):
            # Looked up at call time, as Frame.parse does, so install() counts.
            return frames.apply_mask(payload, data.MASK_KEY)

        out.append(Case("apply_mask (Frame.parse's masker)", size, size, lambda mask=mask: Call(mask), mask))
    for text in (True, False):
        kind = "text" if text else "binary"
        for size in SIZES:
            count = frames_per_op(size, quick)
            payload = _payload(size, text)
            wire = data.frame(0x1 if text else 0x2, payload.encode() if text else payload, key=data.MASK_KEY)

            def receive(proto, wire=wire, count=count):
                events = []
                for _ in range(count):
                    proto.receive_data(wire)
                    events += proto.events_received()
                return events

            def received(receive=receive):
                return [(e.opcode, bytes(e.data)) for e in receive(server())]

            out.append(Case(f"receive {kind}", size, size * count,
                            lambda receive=receive: Batch(server, receive, _finish), received))

            def send(proto, payload=payload, count=count, text=text):
                out = []
                for _ in range(count):
                    if text:
                        proto.send_text(payload.encode())
                    else:
                        proto.send_binary(payload)
                    out += proto.data_to_send()
                return out

            def sent(send=send):
                # The client masks with a random key: compare unmasked.
                return [f[3] for f in data.parse_frames(b"".join(send(client())))]

            out.append(Case(f"send {kind} (client, masked)", size, size * count,
                            lambda send=send: Batch(client, send), sent))
    return out
