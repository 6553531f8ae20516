"""Masking rows: ``apply_mask`` into a new buffer and XOR in place."""

from .. import data as _data
from ..timing import Call
from .contender import check, lineup, need, wsclient_engine

# "copy" is a baseline: the memory-bandwidth limit.
APPLY_NAMES = ("native", "pure", "websockets", "wsaccel", "websocket-client", "copy")
INPLACE_NAMES = ("native", "pure", "aiohttp")


def _check_mask_fn(apply, size):
    """``apply(data, key) -> bytes`` is right on this size and an odd one."""
    key = _data.MASK_KEY
    for n in {min(size, _data.MiB), 1027}:
        src = _data.mask_data(n, seed=99)
        check(bytes(apply(src, key)) == _data.xor_mask(src, key), f"wrong result at {n} bytes")


def mask_apply(backends, size):
    """``apply_mask(data, key) -> bytes``: masking into a new buffer."""
    data = _data.mask_data(size)
    key = _data.MASK_KEY

    def ours(mod):
        _check_mask_fn(mod.apply_mask, size)
        return Call(mod.apply_mask, data, key), None

    def websockets():
        need("websockets")
        from websockets.speedups import apply_mask

        _check_mask_fn(apply_mask, size)
        return Call(apply_mask, data, key), "websockets.speedups.apply_mask"

    def wsaccel():
        need("wsaccel")
        from wsaccel.xormask import XorMaskerSimple

        _check_mask_fn(lambda d, k: XorMaskerSimple(k).process(d), size)
        # One masker reused: its mask phase drifts, which costs nothing and
        # spares it an object creation per call.
        return Call(XorMaskerSimple(key).process, data), "XorMaskerSimple.process"

    def websocket_client():
        need("websocket")
        from websocket import ABNF

        _check_mask_fn(lambda d, k: ABNF.mask(k, d), size)
        return Call(ABNF.mask, key, data), f"ABNF.mask ({wsclient_engine()})"

    def copy():
        buf = bytearray(data)
        return Call(bytes, buf), "bytes(bytearray): the memory-bandwidth limit"

    return lineup(backends, APPLY_NAMES, ours,
                  {"websockets": websockets, "wsaccel": wsaccel, "websocket-client": websocket_client, "copy": copy},
                  kinds={"copy": "baseline"})


def mask_inplace(backends, size):
    """XOR a bytearray in place (what a reader does to a received payload)."""
    key = _data.MASK_KEY

    def inplace_checked(fn, order):
        def apply(d, k):
            buf = bytearray(d)
            fn(*((k, buf) if order == "key-first" else (buf, k)))
            return buf

        _check_mask_fn(apply, size)

    def ours(mod):
        inplace_checked(mod.mask_inplace, "buf-first")
        return Call(mod.mask_inplace, bytearray(_data.mask_data(size)), key), None

    def aiohttp():
        need("aiohttp")
        from aiohttp._websocket.mask import _websocket_mask_cython

        inplace_checked(_websocket_mask_cython, "key-first")
        return Call(_websocket_mask_cython, key, bytearray(_data.mask_data(size))), "_websocket_mask_cython"

    return lineup(backends, INPLACE_NAMES, ours, {"aiohttp": aiohttp})
