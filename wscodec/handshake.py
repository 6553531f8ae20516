"""The RFC 6455 opening handshake, without any I/O.

Server side::

    request = parse_request(head)              # bytes up to the blank line
    try:
        result = server_handshake(request.headers, method=request.method,
                                  deflate=PerMessageDeflate())
    except HandshakeError as exc:
        transport.write(exc.response())         # 400, 405 or 426
    else:
        transport.write(encode_response(101, result.headers))
        # result.deflate goes to MessageEncoder/MessageDecoder(deflate=...)

Client side::

    key = generate_key()
    headers = client_request_headers("example.com", key=key, deflate=PerMessageDeflate())
    transport.write(encode_request("/chat", headers))
    response = parse_response(head)
    result = client_handshake(response.status, response.headers, key=key,
                              deflate=PerMessageDeflate())

Headers are accepted as a mapping (``dict``, ``CIMultiDict``, ...; a value
may be a list for a header given several times) or as ``(name, value)``
pairs, with names in any case.  Headers that are lists (``Connection``,
``Upgrade``, ``Sec-WebSocket-Extensions``, ``Sec-WebSocket-Protocol``) may
come on several lines; the others must come once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

from ._http import HandshakeError, HeadersLike, _pairs, encode_request, encode_response

if TYPE_CHECKING:
    from .deflate import PerMessageDeflate

__all__ = [
    "HandshakeError",
    "accept_key",
    "generate_key",
    "server_handshake",
    "client_request_headers",
    "client_handshake",
    "parse_request",
    "parse_response",
    "encode_request",
    "encode_response",
    "Request",
    "Response",
    "ServerHandshake",
    "ClientHandshake",
    "WEBSOCKET_VERSION",
]

#: RFC 6455 section 1.3.
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
WEBSOCKET_VERSION = "13"

_TCHAR = frozenset(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

# Headers whose value is a comma-separated list (RFC 7230 section 3.2.2 lets
# them be split over several lines); every other handshake header must come
# once.
_LIST_HEADERS = frozenset(
    ["connection", "upgrade", "sec-websocket-extensions", "sec-websocket-protocol"]
)


def accept_key(key: str | bytes) -> str:
    """The ``Sec-WebSocket-Accept`` value for a ``Sec-WebSocket-Key`` (RFC 6455 1.3)."""
    if isinstance(key, str):
        key = key.encode("ascii")
    return base64.b64encode(hashlib.sha1(key + _GUID).digest()).decode("ascii")


def generate_key() -> str:
    """A fresh ``Sec-WebSocket-Key``: 16 bytes from ``os.urandom``, base64."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def _valid_key(key: str) -> bool:
    try:
        raw = base64.b64decode(key.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return False
    return len(raw) == 16


# -- headers ---------------------------------------------------------------


class _Headers:
    """Case-insensitive view of the headers the handshake looks at."""

    def __init__(self, headers: HeadersLike) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in _pairs(headers):
            if isinstance(name, bytes):
                name = name.decode("latin-1")
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            self._values.setdefault(name.lower(), []).append(value.strip(" \t"))

    def get_list(self, name: str) -> list[str]:
        """All comma-separated elements of a list header, stripped, empties dropped."""
        return [
            item.strip(" \t")
            for value in self._values.get(name, ())
            for item in value.split(",")
            if item.strip(" \t")
        ]

    def get_raw(self, name: str) -> list[str]:
        """The header's lines, untouched (for Sec-WebSocket-Extensions)."""
        return list(self._values.get(name, ()))

    def get_one(self, name: str, error: Callable[[int], HandshakeError]) -> str:
        """The value of a header that must appear exactly once, else ``error``."""
        values = self._values.get(name, ())
        if len(values) != 1:
            raise error(len(values))
        return values[0]


def _tokens_lower(values: list[str]) -> list[str]:
    return [value.lower() for value in values]


# -- server side -----------------------------------------------------------


class ServerHandshake(NamedTuple):
    """What :func:`server_handshake` accepted."""

    #: Headers for the ``101 Switching Protocols`` response.
    headers: list[tuple[str, str]]
    #: The negotiated ``PerMessageDeflate``, or None.
    deflate: PerMessageDeflate | None
    #: The chosen subprotocol, or None.
    subprotocol: str | None


def server_handshake(
    headers: HeadersLike,
    *,
    method: str = "GET",
    deflate: PerMessageDeflate | None = None,
    subprotocols: Iterable[str] | None = None,
    origins: Iterable[str | None] | None = None,
) -> ServerHandshake:
    """Check a client's upgrade request; return the response to send.

    ``deflate`` is the server's ``PerMessageDeflate`` wish (None: never
    compress); ``subprotocols`` the subprotocols the server speaks, in its
    order of preference.  ``origins``, when given, are the web origins
    whose pages may connect (``"https://example.com"``: scheme, host and a
    port other than the scheme's default, as browsers send ``Origin``);
    a request from any other origin is refused with 403.  Browsers always
    send ``Origin``, other clients mostly do not: put ``None`` in the list
    to accept requests without one.  Without ``origins`` any page on any
    site can open a connection that carries its user's cookies
    (cross-site WebSocket hijacking) unless the application checks.
    Returns a :class:`ServerHandshake`; raises :class:`HandshakeError`
    with the status to answer otherwise (RFC 6455 section 4.2.1).
    """
    if method != "GET":
        raise HandshakeError(
            f"the WebSocket handshake needs GET, not {method}", 405, [("Allow", "GET")]
        )
    view = _Headers(headers)

    def once(name: str) -> str:
        def error(count: int) -> HandshakeError:
            what = "missing" if count == 0 else f"given {count} times"
            return HandshakeError(f"{name} header {what}")

        return view.get_one(name.lower(), error)

    once("Host")
    upgrade_required = [("Upgrade", "websocket"), ("Connection", "Upgrade")]
    if "websocket" not in _tokens_lower(view.get_list("upgrade")):
        raise HandshakeError("Upgrade: websocket is missing", 426, upgrade_required)
    if "upgrade" not in _tokens_lower(view.get_list("connection")):
        raise HandshakeError("Connection: Upgrade is missing", 426, upgrade_required)

    versions = view.get_raw("sec-websocket-version")
    if versions != [WEBSOCKET_VERSION]:
        shown = ", ".join(versions) or "missing"
        raise HandshakeError(
            f"Sec-WebSocket-Version {shown} is not supported; this server speaks 13",
            426,
            [("Sec-WebSocket-Version", WEBSOCKET_VERSION)],
        )

    key = once("Sec-WebSocket-Key")
    if not _valid_key(key):
        raise HandshakeError(f"Sec-WebSocket-Key {key!r} is not 16 bytes in base64")

    if origins is not None:
        _check_origin(view.get_raw("origin"), origins)

    response = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", accept_key(key)),
    ]

    negotiated: PerMessageDeflate | None = None
    if deflate is not None:
        offers = view.get_raw("sec-websocket-extensions")
        if offers:
            accepted = deflate.accept_offers(offers)
            if accepted is not None:
                negotiated, value = accepted
                response.append(("Sec-WebSocket-Extensions", value))

    chosen: str | None = None
    if subprotocols:
        offered = view.get_list("sec-websocket-protocol")
        chosen = next((p for p in subprotocols if p in offered), None)
        if chosen is not None:
            response.append(("Sec-WebSocket-Protocol", chosen))

    return ServerHandshake(response, negotiated, chosen)


def _check_origin(sent: list[str], origins: Iterable[str | None]) -> None:
    """403 unless the request's Origin (or its absence) is allowed."""
    if isinstance(origins, (str, bytes)):
        raise TypeError("origins must be a list of origins, not one string")
    allowed: set[str | None] = set()
    for origin in origins:
        if origin is not None and not isinstance(origin, str):
            raise TypeError(f"an origin must be a str or None, not {type(origin).__name__}")
        # RFC 6454: scheme and host are case-insensitive; browsers send them
        # in lowercase, and the list may be written either way.
        allowed.add(None if origin is None else origin.strip().lower())
    if not sent:
        if None in allowed:
            return
        raise HandshakeError("Origin header missing: this server only accepts listed origins", 403)
    if len(sent) > 1:
        raise HandshakeError("Origin header given more than once", 403)
    if sent[0].strip().lower() not in allowed:
        raise HandshakeError(f"Origin {sent[0]!r} is not allowed", 403)


# -- client side -----------------------------------------------------------


class ClientHandshake(NamedTuple):
    """What :func:`client_handshake` found in the server's response."""

    #: The negotiated ``PerMessageDeflate``, or None.
    deflate: PerMessageDeflate | None
    #: The subprotocol the server chose, or None.
    subprotocol: str | None


def client_request_headers(
    host: str,
    *,
    key: str,
    deflate: PerMessageDeflate | None = None,
    subprotocols: Iterable[str] | None = None,
    origin: str | None = None,
) -> list[tuple[str, str]]:
    """Headers for a client's upgrade request (RFC 6455 section 4.1).

    ``host`` is the ``Host`` value (with ``:port`` unless it is the
    default); ``key`` comes from :func:`generate_key` and is needed again to
    check the response; ``deflate`` is the client's ``PerMessageDeflate``
    wish (None: do not offer compression).
    """
    headers = [
        ("Host", host),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key),
        ("Sec-WebSocket-Version", WEBSOCKET_VERSION),
    ]
    if deflate is not None:
        headers.append(("Sec-WebSocket-Extensions", deflate.offer()))
    if subprotocols:
        headers.append(("Sec-WebSocket-Protocol", ", ".join(subprotocols)))
    if origin is not None:
        headers.append(("Origin", origin))
    return headers


def client_handshake(
    status: int,
    headers: HeadersLike,
    *,
    key: str,
    deflate: PerMessageDeflate | None = None,
    subprotocols: Iterable[str] | None = None,
) -> ClientHandshake:
    """Check the server's response to a request built with the same arguments.

    Returns a :class:`ClientHandshake`; raises :class:`HandshakeError`
    (``status=None``) when the server refused (any status but 101) or
    answered wrongly: a bad ``Sec-WebSocket-Accept``, no upgrade, an
    extension or subprotocol that was not offered.  Negotiation errors are
    ``NegotiationError`` (a ``HandshakeError``).
    """
    if status != 101:
        raise HandshakeError(f"server answered {status} instead of 101", None)
    view = _Headers(headers)
    if "websocket" not in _tokens_lower(view.get_list("upgrade")):
        raise HandshakeError("response lacks Upgrade: websocket", None)
    if "upgrade" not in _tokens_lower(view.get_list("connection")):
        raise HandshakeError("response lacks Connection: Upgrade", None)
    accepts = view.get_raw("sec-websocket-accept")
    if accepts != [accept_key(key)]:
        raise HandshakeError(f"wrong Sec-WebSocket-Accept {accepts!r}", None)

    negotiated: PerMessageDeflate | None = None
    extensions = view.get_raw("sec-websocket-extensions")
    if deflate is not None:
        try:
            negotiated = deflate.accept_response(extensions)
        except HandshakeError as exc:
            exc.status = None
            raise
    elif any(value.strip(" \t,") for value in extensions):
        raise HandshakeError(f"server accepted extensions that were not offered: {extensions!r}", None)

    chosen: str | None = None
    protocols = view.get_list("sec-websocket-protocol")
    if protocols:
        if len(protocols) != 1 or not subprotocols or protocols[0] not in subprotocols:
            raise HandshakeError(f"server chose a subprotocol that was not offered: {protocols!r}", None)
        chosen = protocols[0]
    return ClientHandshake(negotiated, chosen)


# -- HTTP/1.1 heads ------------------------------------------------------------


class Request(NamedTuple):
    method: str
    target: str
    headers: list[tuple[str, str]]


class Response(NamedTuple):
    status: int
    reason: str
    headers: list[tuple[str, str]]


def _parse_header_lines(lines: list[bytes], error_status: int | None) -> list[tuple[str, str]]:
    headers = []
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            # Obsolete line folding (RFC 7230 section 3.2.4).
            raise HandshakeError("folded header lines are not allowed", error_status)
        name, sep, value = line.partition(b":")
        if not sep or not name or not all(c in _TCHAR for c in name):
            raise HandshakeError(f"malformed header line {line[:100]!r}", error_status)
        value = value.strip(b" \t")
        if any(c < 0x20 and c != 0x09 or c == 0x7F for c in value):
            raise HandshakeError(f"control character in header {name!r}", error_status)
        headers.append((name.decode("ascii"), value.decode("latin-1")))
    return headers


def _split_head(data: bytes | bytearray | memoryview, error_status: int | None) -> tuple[bytes, list[bytes]]:
    data = bytes(data)
    end = data.find(b"\r\n\r\n")
    if end >= 0:
        data = data[:end]
    elif data.endswith(b"\r\n"):
        data = data[:-2]
    lines = data.split(b"\r\n")
    if not lines or not lines[0]:
        raise HandshakeError("empty HTTP head", error_status)
    return lines[0], lines[1:]


def parse_request(data: bytes | bytearray | memoryview) -> Request:
    """Parse an HTTP/1.1 request head (bytes up to, optionally with, ``\\r\\n\\r\\n``).

    Raises :class:`HandshakeError` (400) for anything malformed and for
    HTTP versions before 1.1, which cannot upgrade (RFC 6455 4.1).
    """
    start, lines = _split_head(data, 400)
    parts = start.split(b" ")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise HandshakeError(f"malformed request line {start[:100]!r}")
    method, target, version = parts
    if not all(c in _TCHAR for c in method):
        raise HandshakeError(f"malformed method {method[:100]!r}")
    if version != b"HTTP/1.1":
        raise HandshakeError(f"the WebSocket handshake needs HTTP/1.1, not {version[:20]!r}")
    return Request(method.decode("ascii"), target.decode("latin-1"), _parse_header_lines(lines, 400))


def parse_response(data: bytes | bytearray | memoryview) -> Response:
    """Parse an HTTP/1.1 response head; raises :class:`HandshakeError` (status None)."""
    start, lines = _split_head(data, None)
    parts = start.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or len(parts[1]) != 3 or not parts[1].isdigit():
        raise HandshakeError(f"malformed status line {start[:100]!r}", None)
    reason = parts[2].decode("latin-1") if len(parts) == 3 else ""
    return Response(int(parts[1]), reason, _parse_header_lines(lines, None))
