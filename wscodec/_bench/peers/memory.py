"""The memory row: one idle, ready-to-receive decoder of each library."""

from .contender import NotInstalled, need
from .receivers import aiohttp_reader, picows_protocol


def idle_decoders(backends):
    """``{name: (factory, note)}``: one idle, ready-to-receive decoder state
    per call, for the memory table; None where not installed."""
    out = {}
    for name in ("native", "pure"):
        mod = backends.get(name)
        out[name] = (None, "not built") if mod is None else (lambda mod=mod: mod.MessageDecoder(role="server"), "MessageDecoder")

    def have(peer):
        try:
            need(peer)
            return True
        except NotInstalled:
            return False

    if have("websockets"):
        from websockets.protocol import Protocol, Side

        out["websockets"] = (lambda: Protocol(Side.SERVER), "Protocol (whole connection state)")
    else:
        out["websockets"] = (None, "not installed")
    if have("wsproto"):
        from wsproto.frame_protocol import FrameProtocol

        out["wsproto"] = (lambda: FrameProtocol(client=False, extensions=[]), "FrameProtocol")
    else:
        out["wsproto"] = (None, "not installed")
    out["aiohttp"] = (aiohttp_reader, "WebSocketReader + its queue") if have("aiohttp") else (None, "not installed")
    out["picows"] = (lambda: picows_protocol(False), "WSProtocol + WSTransport after upgrade") if have("picows") else (None, "not installed")
    return out
