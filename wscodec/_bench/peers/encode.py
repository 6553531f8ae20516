"""Encoding rows: one message to the bytes to write, by each library."""

import logging

from .. import data as _data
from ..timing import Call
from .contender import CheckFailed, NotApplicable, check, lineup, need, wsclient_engine
from .transport import SinkTransport, event_loop

NAMES = ("native", "pure", "websockets", "wsproto", "aiohttp", "picows", "websocket-client")


def _check_encoder(produce, payload, client, opcode=0x1):
    """``produce()`` returns the wire bytes of one message with ``payload``."""
    keys = set()
    for _ in range(3):
        frames = _data.parse_frames(produce())
        check(len(frames) == 1, f"{len(frames)} frames for one message")
        fin, op, key, body = frames[0]
        check(fin and op == opcode, f"fin={fin} opcode={op}")
        check(body == payload, "payload differs")
        check((key is not None) == client, "masked" if key is not None else "unmasked")
        keys.add(key)
    if client:
        # A fresh key per frame (three equal random keys: odds of 2**-64).
        check(len(keys) > 1, "the same mask key for every frame")


def encode(backends, size, role, text=True):
    """One message to the bytes to write: ``MessageEncoder.text(str)`` or
    ``.binary(bytes)``; a client masks with a fresh key per frame.  Peers get
    the same ``str`` or ``bytes`` (so a text peer pays its UTF-8 encode too)."""
    msg = _data.text_message(size)
    payload = msg.encode()
    item = msg if text else payload
    client = role == "client"
    opcode = 0x1 if text else 0x2

    def ours(mod):
        enc = mod.MessageEncoder(role=role)
        method = enc.text if text else enc.binary
        _check_encoder(lambda: method(item), payload, client, opcode)
        return Call(method, item), f"MessageEncoder.{'text' if text else 'binary'}"

    def websockets():
        need("websockets")
        from websockets.frames import Frame, Opcode

        if text:
            def send(m, Frame=Frame, OP=Opcode.TEXT, mask=client):
                return Frame(OP, m.encode()).serialize(mask=mask)
        else:
            def send(m, Frame=Frame, OP=Opcode.BINARY, mask=client):
                return Frame(OP, m).serialize(mask=mask)

        _check_encoder(lambda: send(item), payload, client, opcode)
        return Call(send, item), "Frame(...).serialize" + ("; keys: secrets" if client else "")

    def wsproto():
        need("wsproto")
        from wsproto.frame_protocol import FrameProtocol

        proto = FrameProtocol(client=client, extensions=[])
        _check_encoder(lambda: proto.send_data(item), payload, client, opcode)
        return Call(proto.send_data, item), "FrameProtocol.send_data" + ("; keys: os.urandom" if client else "")

    def aiohttp():
        need("aiohttp")
        send, transport = _aiohttp_sender(client, text)

        def produce():
            transport.written.clear()
            send(item)
            return b"".join(transport.written)

        _check_encoder(produce, payload, client, opcode)
        return Call(send, item), "WebSocketWriter.send_frame" + ("; keys: random.Random" if client else "")

    def picows():
        need("picows")
        import picows

        transport, sink = _picows_transport(client)
        kind = picows.WSMsgType.TEXT if text else picows.WSMsgType.BINARY

        def produce():
            transport.send(kind, item)
            return sink.last

        _check_encoder(produce, payload, client, opcode)
        return Call(transport.send, kind, item), "WSTransport.send" + ("; keys: libc rand()" if client else "")

    def websocket_client():
        need("websocket")
        if not client:
            raise NotApplicable("a client library: it never sends unmasked frames")
        from websocket import ABNF

        def send(m, create=ABNF.create_frame, OP=opcode):
            return create(m, OP).format()

        _check_encoder(lambda: send(item), payload, client, opcode)
        return Call(send, item), f"ABNF.create_frame(...).format; keys: os.urandom ({wsclient_engine()})"

    return lineup(backends, NAMES, ours, {"websockets": websockets, "wsproto": wsproto, "aiohttp": aiohttp,
                                          "picows": picows, "websocket-client": websocket_client})


class AiohttpWriterProtocolStub:
    _paused = False


def _aiohttp_sender(client, text=False):
    """``send(data)``: aiohttp's ``await writer.send_frame(payload, BINARY)``
    run to completion without a loop (uncompressed, it never suspends);
    with ``text`` it takes a str, encodes it first and sends TEXT, as
    ``send_str`` does."""
    from aiohttp._websocket.models import WSMsgType
    from aiohttp._websocket.writer import WebSocketWriter

    transport = SinkTransport()
    writer = WebSocketWriter(AiohttpWriterProtocolStub(), transport, use_mask=client)

    def suspended(coro):
        coro.close()
        raise CheckFailed("aiohttp's send_frame suspended")

    # One function per variant: a helper call per frame would be a cost
    # that aiohttp itself does not have.
    if text:
        def send(m, send_frame=writer.send_frame, TEXT=WSMsgType.TEXT):
            coro = send_frame(m.encode("utf-8"), TEXT)
            try:
                coro.send(None)
            except StopIteration:
                return
            suspended(coro)
    else:
        def send(payload, send_frame=writer.send_frame, BINARY=WSMsgType.BINARY):
            coro = send_frame(payload, BINARY)
            try:
                coro.send(None)
            except StopIteration:
                return
            suspended(coro)

    return send, transport


def _picows_transport(client):
    from picows.picows import WSTransport

    sink = SinkTransport()
    logger = logging.getLogger("wscodec.bench.picows")
    logger.setLevel(logging.WARNING)
    return WSTransport(client, sink, logger, event_loop()), sink
