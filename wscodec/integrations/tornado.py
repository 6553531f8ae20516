"""wscodec drop-in for tornado.

Replaced: ``tornado.websocket._websocket_mask(mask, data)``, which unmasks
every frame a tornado server receives and masks every frame a tornado
client sends.  Tornado binds it at import from ``tornado.util``: its C
``tornado.speedups.websocket_mask`` (a 64-bit loop) or, without the
extension (``TORNADO_NO_EXTENSION=1``, PyPy), a pure-Python byte loop.  The
replacement keeps the signature (mask first), accepts ``str`` as the C
version does (encoded as UTF-8) and raises the same ValueError for a mask
that is not 4 bytes; it also accepts any bytes-like object, as the Python
version does.

Not replaced: ``tornado.util._websocket_mask`` and the copy in
``tornado.web`` (XSRF tokens: 16-byte inputs where a call costs more than
the XOR), and everything else: tornado's frame parsing and text decoding
(``bytes.decode`` of the whole message) are already C.

Checked before installing: ``tornado.websocket._websocket_mask`` gives the
same bytes as this one on a few masks and payloads and the same exception
type for a 3-byte mask and for ``None`` (its C version has no signature to
compare; its Python one has the same parameters).  Any tornado 6 that
passes gets the drop-in; tornado 7 is refused until it has been seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import apply_mask
from ._support import Integration, Swap, behaves_like

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["SUPPORTED_VERSIONS", "websocket_mask", "install", "uninstall", "is_installed", "installed_version"]

SUPPORTED_VERSIONS = ">=6.6,<7"


# Typed as tornado types its own (bytes); str is accepted at run time, as by
# tornado's C masker.
def websocket_mask(mask: ReadableBuffer, data: ReadableBuffer) -> bytes:
    """XOR ``data`` with the 4-byte ``mask`` (RFC 6455 section 5.3)."""
    # bytes first, with nothing in front: the call itself is most of the
    # cost of a small frame.
    try:
        return apply_mask(data, mask)
    except TypeError:
        if not isinstance(mask, str) and not isinstance(data, str):
            raise
    except ValueError:
        raise ValueError("mask must be 4 bytes") from None
    if isinstance(mask, str):
        mask = mask.encode("utf-8")
    if isinstance(data, str):
        data = data.encode("utf-8")
    return websocket_mask(mask, data)


_integration = Integration(
    "tornado", SUPPORTED_VERSIONS,
    lambda: [Swap(
        "tornado.websocket", "_websocket_mask", websocket_mask,
        check=behaves_like(
            (b"abcd", b"hello"), (b"\x01\x02\x03\x04", bytes(range(256)) * 3), (b"abcd", b""),
            (b"abc", b"hello"), (None, b"x"), (b"abcd", None),
        ),
    )],
)
install, uninstall, is_installed, installed_version = _integration.exports()
