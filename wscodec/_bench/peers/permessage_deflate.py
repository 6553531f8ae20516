"""permessage-deflate round trips: a client compresses, masks and frames a
run of text messages on one connection, a server unmasks, inflates and
validates them back to ``str``, with context takeover (what peers negotiate
by default) and 32 KiB windows (RFC 7692's default).

Each row runs every library at one zlib level: 1 (aiohttp's, which it
hard-wires) or 6 (zlib's default and wscodec's, which wsproto hard-wires);
a library that cannot run at the row's level shows "-", as picows, which
has no permessage-deflate.
"""

import random

from .. import data as _data
from ..timing import Batch
from .contender import NotApplicable, check, lineup, need
from .encode import AiohttpWriterProtocolStub
from .receivers import DECODE_LIMIT, aiohttp_reader, run_aiohttp, run_websockets, run_wsproto
from .transport import SinkTransport, event_loop

NAMES = ("native", "pure", "websockets", "wsproto", "aiohttp", "picows")

LEVELS = (1, 6)


def message_count(size, quick):
    count = max(10, min(1000, 4 * _data.MiB // size))
    return max(5, count // 10) if quick else count


def messages(size, count):
    rng = random.Random(f"deflate/{size}/{count}")
    return [_data.json_like(rng, i, size) for i in range(count)]


def _round_trip_batch(setup, run, expected):
    """``setup() -> state`` (a fresh connection pair), ``run(state) -> list``."""
    got = run(setup())
    check(len(got) == len(expected), f"{len(got)} messages back, expected {len(expected)}")
    check(got == expected, "messages differ after the round trip")
    return Batch(setup, run)


def round_trip(backends, size, count, level):
    texts = messages(size, count)

    def ours(mod):
        from wscodec.deflate import PerMessageDeflate

        def setup():
            pmd = PerMessageDeflate(compress_level=level, min_size=0)
            return (mod.MessageEncoder(role="client", deflate=pmd).text,
                    mod.MessageDecoder(role="server", deflate=pmd, max_message_size=DECODE_LIMIT).feed)

        def run(state):
            text, feed = state
            out = []
            for m in texts:
                out += [msg.data for msg in feed(text(m))]
            return out

        return _round_trip_batch(setup, run, texts), "MessageEncoder.text -> MessageDecoder.feed"

    def websockets():
        need("websockets")
        from websockets.extensions.permessage_deflate import PerMessageDeflate
        from websockets.frames import Frame, Opcode
        from websockets.protocol import Protocol, Side

        def setup():
            compress = {"level": level, "memLevel": 8}
            client_ext = PerMessageDeflate(False, False, 15, 15, compress)
            server = Protocol(Side.SERVER, max_size=DECODE_LIMIT)
            server.extensions = [PerMessageDeflate(False, False, 15, 15, compress)]
            return client_ext, server

        def run(state):
            client_ext, server = state
            chunks = [Frame(Opcode.TEXT, m.encode()).serialize(mask=True, extensions=[client_ext]) for m in texts]
            return run_websockets(server, chunks)

        return _round_trip_batch(setup, run, texts), "Frame.serialize(extensions=) -> Protocol.receive_data"

    def wsproto():
        need("wsproto")
        if level != 6:
            raise NotApplicable("zlib level fixed at 6")
        from wsproto.extensions import PerMessageDeflate
        from wsproto.frame_protocol import FrameProtocol

        def setup():
            client_ext, server_ext = PerMessageDeflate(), PerMessageDeflate()
            client_ext.finalize(server_ext.accept(client_ext.offer()))
            return (FrameProtocol(client=True, extensions=[client_ext]),
                    FrameProtocol(client=False, extensions=[server_ext]))

        def run(state):
            client, server = state
            return run_wsproto(server, [client.send_data(m) for m in texts])

        return _round_trip_batch(setup, run, texts), "FrameProtocol.send_data -> receive_bytes"

    def aiohttp():
        need("aiohttp")
        if level != 1:
            raise NotApplicable("zlib level fixed at 1")
        from aiohttp._websocket.models import WSMsgType
        from aiohttp._websocket.writer import WebSocketWriter

        loop = event_loop()

        def setup():
            sink = SinkTransport()
            writer = WebSocketWriter(AiohttpWriterProtocolStub(), sink, use_mask=True, compress=15)
            return writer.send_frame, sink, aiohttp_reader(compress=True)

        def run(state):
            send_frame, sink, reader = state
            chunks = []
            for m in texts:
                coro = send_frame(m.encode(), WSMsgType.TEXT)
                try:
                    coro.send(None)
                except StopIteration:
                    pass
                else:
                    # Large messages are compressed in an executor thread.
                    raise _Suspended(coro)
                chunks.append(sink.last)
            return run_aiohttp(reader, chunks)

        def run_on_loop(state):
            send_frame, sink, reader = state

            async def send_all():
                chunks = []
                for m in texts:
                    await send_frame(m.encode(), WSMsgType.TEXT)
                    chunks.append(sink.last)
                return chunks

            return run_aiohttp(reader, loop.run_until_complete(send_all()))

        from aiohttp._websocket.writer import WEBSOCKET_MAX_SYNC_CHUNK_SIZE

        if size <= WEBSOCKET_MAX_SYNC_CHUNK_SIZE:
            return (_round_trip_batch(setup, run, texts),
                    "WebSocketWriter.send_frame -> WebSocketReader.feed_data")
        return (_round_trip_batch(setup, run_on_loop, texts),
                "WebSocketWriter.send_frame (compresses in an executor at this size, on the event loop) "
                "-> WebSocketReader.feed_data")

    def picows():
        need("picows")
        raise NotApplicable("no permessage-deflate")

    return lineup(backends, NAMES, ours, {"websockets": websockets, "wsproto": wsproto, "aiohttp": aiohttp,
                                          "picows": picows})


class _Suspended(Exception):
    def __init__(self, coro):
        super().__init__("suspended")
        self.coro = coro
