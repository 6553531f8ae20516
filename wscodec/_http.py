"""HTTP/1.1 heads as the handshake writes them, and the error it raises.

:class:`HandshakeError` lives here, below both ``handshake`` and
``deflate`` (whose ``NegotiationError`` subclasses it), so that neither of
those has to import the other; its public home is ``wscodec.handshake``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Union

#: A header name or value as the handshake accepts it.
_Text = Union[str, bytes]
#: Headers: a mapping (a value may be a list for a repeated header) or pairs.
HeadersLike = Union[
    Mapping[_Text, Union[_Text, "list[_Text]", "tuple[_Text, ...]"]],
    Iterable["tuple[_Text, _Text]"],
]

_REASONS = {
    101: "Switching Protocols",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    426: "Upgrade Required",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class HandshakeError(Exception):
    """The opening handshake failed.

    ``status`` is the HTTP status a server should answer with (400 for a
    malformed request, 405 for a method other than GET, 426 for a missing
    upgrade or an unsupported version) and ``headers`` the extra headers to
    send with it (426 carries ``Sec-WebSocket-Version: 13``);
    :meth:`response` builds the whole answer.  A client that rejects a
    server's response raises it with ``status=None``: there is nobody to
    answer, the client just closes the connection.
    """

    # Reprs, tracebacks and pickles name the public path, not this module.
    __module__ = "wscodec.handshake"

    def __init__(self, message: str, status: int | None = 400, headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.headers = list(headers)

    def response(self) -> bytes:
        """The HTTP response a server sends for this error (``Connection: close``)."""
        status = 400 if self.status is None else self.status
        body = f"{self}\n".encode("utf-8", "replace")
        headers = [
            *self.headers,
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Connection", "close"),
        ]
        return encode_response(status, headers, body=body)

    def __reduce__(self) -> tuple[type[HandshakeError], tuple[str, int | None, list[tuple[str, str]]]]:
        return (type(self), (self.args[0] if self.args else "", self.status, self.headers))


def _pairs(headers: HeadersLike) -> Iterator[tuple[_Text, _Text]]:
    items: Iterable[tuple[_Text, _Text | list[_Text] | tuple[_Text, ...]]]
    items = headers.items() if hasattr(headers, "items") else headers
    for name, value in items:
        if isinstance(value, (list, tuple)):
            for one in value:
                yield name, one
        else:
            yield name, value


def _encode_headers(headers: HeadersLike) -> str:
    out = []
    for name, value in _pairs(headers):
        if any(c in str(name) + str(value) for c in "\r\n\0"):
            raise ValueError(f"header {name!r} contains a line break or NUL")
        out.append(str(name) + ": " + str(value) + "\r\n")  # str(): as given, bytes included
    return "".join(out)


def encode_request(target: str, headers: HeadersLike, method: str = "GET") -> bytes:
    """Serialise a request head: ``GET target HTTP/1.1`` plus headers."""
    if any(c in target for c in " \r\n\0") or not target:
        raise ValueError(f"invalid request target {target!r}")
    head = f"{method} {target} HTTP/1.1\r\n{_encode_headers(headers)}\r\n"
    return head.encode("latin-1")


def encode_response(
    status: int, headers: HeadersLike, *, reason: str | None = None, body: bytes | bytearray | memoryview = b""
) -> bytes:
    """Serialise a response: status line, headers, ``Content-Length`` if a body."""
    if reason is None:
        reason = _REASONS.get(status, "")
    pairs = list(_pairs(headers))
    if body or status >= 200:
        pairs.append(("Content-Length", str(len(body))))
    head = f"HTTP/1.1 {status} {reason}\r\n{_encode_headers(pairs)}\r\n"
    return head.encode("latin-1") + bytes(body)
