"""Decoding rows: a stream's reads fed to a fresh decoder of each library."""

from ..timing import Batch
from .contender import NotApplicable, check, lineup, need
from .receivers import (
    DECODE_LIMIT,
    aiohttp_reader,
    picows_protocol,
    run_aiohttp,
    run_picows,
    run_websockets,
    run_wsclient,
    run_wscodec,
    run_wsproto,
    wsclient_reader,
)

NAMES = ("native", "pure", "websockets", "websockets-py", "wsproto", "aiohttp", "picows", "websocket-client")


def _decode_batch(setup, run, stream):
    chunks = stream.chunks
    out = run(setup(), chunks)
    check(len(out) == stream.count, f"decoded {len(out)} messages, expected {stream.count}")
    check(out == stream.messages, "decoded messages differ from what was sent")
    del out
    return Batch(setup, lambda state: run(state, chunks))


def decode(backends, stream):
    """Feed a stream's reads to a fresh decoder, collect every message's data
    (``str`` for TEXT): a server's side for masked streams, a client's for
    unmasked ones."""
    server = stream.masked
    role = "server" if server else "client"

    def ours(mod):
        return _decode_batch(
            lambda: mod.MessageDecoder(role=role, max_message_size=DECODE_LIMIT), run_wscodec, stream
        ), f"MessageDecoder(role={role!r}).feed"

    def _websockets_side():
        need("websockets")
        from websockets.protocol import Protocol, Side

        side = Side.SERVER if server else Side.CLIENT
        return lambda: Protocol(side, max_size=DECODE_LIMIT)

    def websockets():
        return _decode_batch(_websockets_side(), run_websockets, stream), "Protocol.receive_data + events_received"

    def websockets_py():
        # websockets' own parser on its pure-Python apply_mask (what it runs
        # without its C speedups): the pure-Python peer of wscodec's pure twin.
        setup = _websockets_side()
        import websockets.frames as frames
        from websockets.utils import apply_mask as py_apply_mask

        def run(proto, chunks):
            saved = frames.apply_mask
            frames.apply_mask = py_apply_mask
            try:
                return run_websockets(proto, chunks)
            finally:
                frames.apply_mask = saved

        return _decode_batch(setup, run, stream), "as websockets, on websockets.utils.apply_mask"

    def wsproto():
        need("wsproto")
        from wsproto.frame_protocol import FrameProtocol

        return _decode_batch(lambda: FrameProtocol(client=not server, extensions=[]), run_wsproto, stream), (
            "FrameProtocol.receive_bytes + received_frames"
        )

    def aiohttp():
        need("aiohttp")
        from aiohttp._websocket import reader

        note = f"{reader.WebSocketReader.__module__}.WebSocketReader + WebSocketDataQueue"
        return _decode_batch(aiohttp_reader, run_aiohttp, stream), note

    def picows():
        need("picows")
        return _decode_batch(lambda: picows_protocol(not server), run_picows, stream), (
            "WSProtocol get_buffer/buffer_updated"
        )

    def websocket_client():
        need("websocket")
        if server:
            raise NotApplicable("a client library: it never receives masked frames")
        return _decode_batch(wsclient_reader, run_wsclient, stream), "frame_buffer.recv_frame + continuous_frame"

    return lineup(backends, NAMES, ours, {"websockets": websockets, "websockets-py": websockets_py, "wsproto": wsproto,
                                          "aiohttp": aiohttp, "picows": picows, "websocket-client": websocket_client})
