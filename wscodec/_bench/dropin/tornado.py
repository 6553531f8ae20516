"""tornado's own masking call, ``tornado.websocket._websocket_mask(mask,
data)`` as its protocol makes it on every received (server) or sent
(client) frame; the stock contender is whatever tornado bound at import
(its C speedups, or its pure-Python loop under TORNADO_NO_EXTENSION=1)."""

from .. import data
from ..timing import Call
from .cases import SIZES, Case

LIBRARY = "tornado"
INTEGRATION = "wscodec.integrations.tornado"


def cases(quick):
    import tornado.util
    import tornado.websocket as module

    stock = "C speedups" if tornado.util._websocket_mask is not tornado.util._websocket_mask_python else "pure Python"

    def mask(key, payload):
        return module._websocket_mask(key, payload)

    out = []
    for size in SIZES:
        payload = data.mask_data(size)
        out.append(Case(f"_websocket_mask (stock: {stock})", size, size,
                        lambda payload=payload: Call(mask, data.MASK_KEY, payload),
                        lambda payload=payload: mask(data.MASK_KEY, payload)))
    return out
