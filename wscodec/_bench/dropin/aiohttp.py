"""aiohttp's own paths: its ``WebSocketReader`` parsing masked frames fed
one ``feed_data`` per frame (a server receiving), and its
``WebSocketWriter.send_frame`` with ``use_mask=True`` (a client sending).

Measured as installed (with aiohttp's compiled extensions, where
``install()`` replaces nothing); ``aiohttp_fallback`` measures the
same paths on its pure-Python code."""

import asyncio

from .. import data
from .cases import SIZES, Case, frames_per_op

LIBRARY = "aiohttp"
INTEGRATION = "wscodec.integrations.aiohttp"


class _Protocol:
    _paused = False  # what the writer reads
    _reading_paused = False  # what the reader's queue reads

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


class _Transport:
    def __init__(self):
        self.written = []

    def write(self, chunk):
        self.written.append(chunk)

    def is_closing(self):
        return False


def _read(queue):
    """``await queue.read()`` for a message already queued, without an event
    loop: what ``WebSocketResponse.receive()`` does for every message.
    Reading is what keeps the queue under its limit: a queue that is only
    fed stalls the reader after a few large frames, which then parses
    nothing."""
    reading = queue.read()
    try:
        reading.send(None)
    except StopIteration as done:
        return done.value
    reading.close()
    raise RuntimeError("the reader queued no message for a whole frame")


def _payload(size, text):
    return data.text_message(size).encode() if text else data.mask_data(size)


def cases(quick, reader_module=None):
    """``reader_module``: the module whose ``WebSocketReader`` and
    ``WebSocketDataQueue`` to use (default: the ones aiohttp picked)."""
    if reader_module is None:
        from aiohttp._websocket import reader as reader_module
    from aiohttp._websocket import writer as writer_module
    from aiohttp._websocket.writer import WebSocketWriter

    from ..timing import Batch, Call

    loop = asyncio.new_event_loop()

    def reader():
        queue = reader_module.WebSocketDataQueue(_Protocol(), 2**16, loop=loop)
        return reader_module.WebSocketReader(queue, 0, compress=False, decode_text=True), queue

    def writer():
        return WebSocketWriter(_Protocol(), _Transport(), use_mask=True)

    out = []
    for size in SIZES:
        buf = bytearray(data.mask_data(size))

        def mask(buf=buf):
            # Looked up at call time, as the writer does, so install() counts.
            writer_module.websocket_mask(data.MASK_KEY, buf)

        def masked(size=size):
            fresh = bytearray(data.mask_data(size))
            writer_module.websocket_mask(data.MASK_KEY, fresh)
            return fresh

        out.append(Case("websocket_mask (the writer's masker)", size, size, lambda mask=mask: Call(mask), masked))
    for text in (True, False):
        kind = "text" if text else "binary"
        opcode = 0x1 if text else 0x2
        for size in SIZES:
            count = frames_per_op(size, quick)
            payload = _payload(size, text)
            wire = data.frame(opcode, payload, key=data.MASK_KEY)

            def receive(state, wire=wire, count=count):
                parser, queue = state
                messages = []
                for _ in range(count):
                    parser.feed_data(wire)
                    messages.append(_read(queue).data)
                return messages

            def received(receive=receive):
                return receive(reader())

            out.append(Case(f"receive {kind}", size, size * count,
                            lambda receive=receive: Batch(reader, receive), received))

            def send(w, payload=payload, count=count, opcode=opcode):
                async def frames():
                    for _ in range(count):
                        await w.send_frame(payload, opcode)

                loop.run_until_complete(frames())
                return w.transport.written

            def sent(send=send):
                # The writer masks with a random key: compare unmasked.
                return [f[3] for f in data.parse_frames(b"".join(send(writer())))]

            out.append(Case(f"send {kind} (client, masked)", size, size * count,
                            lambda send=send: Batch(writer, send), sent))
    return out
