"""permessage-deflate (RFC 7692): its parameters and their negotiation.

One ``PerMessageDeflate`` describes one connection's negotiated parameters.
The same class also carries an endpoint's *wishes* before negotiation: a
server passes its wishes to :meth:`PerMessageDeflate.accept_offers`, a
client sends :meth:`PerMessageDeflate.offer` and checks the answer with
:meth:`PerMessageDeflate.accept_response`.  Both return a new
``PerMessageDeflate`` holding what was agreed, which is then given as
``deflate=`` to a ``MessageEncoder`` and a ``MessageDecoder``.

Encoders and decoders never touch zlib themselves: each one asks for its own
compressor or decompressor once (``make_compressor(role)`` /
``make_decompressor(role)``), so every direction of every connection keeps
its own zlib state.  Those streams are in :mod:`wscodec._zlib_streams`;
see docs/deflate.md for the memory they cost.

Negotiation failures raise :class:`NegotiationError`, a ``HandshakeError``
(so one ``except`` covers the whole opening handshake) whose ``status`` is
400.  A server never raises for a bad *offer*: RFC 7692 section 5 says to
decline it, so the next offer is tried; only a header that does not parse at
all is an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._http import HandshakeError
from ._rules import role_is_server
from ._zlib_streams import _Compressor, _Decompressor

#: One parsed ``Sec-WebSocket-Extensions`` element: its name and parameters.
Extension = tuple[str, list[tuple[str, "str | None"]]]

__all__ = [
    "PerMessageDeflate",
    "NegotiationError",
    "parse_extensions",
    "EXTENSION_NAME",
]

EXTENSION_NAME = "permessage-deflate"


# RFC 7692 section 7.1.2: "1*DIGIT" without leading zeros, 8 to 15.
_WINDOW_BITS_VALUES = {str(bits): bits for bits in range(8, 16)}

_PARAMS = (
    "server_no_context_takeover",
    "client_no_context_takeover",
    "server_max_window_bits",
    "client_max_window_bits",
)

# RFC 7230 section 3.2.6.
_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_OWS = " \t"


class NegotiationError(HandshakeError, ValueError):
    """A ``Sec-WebSocket-Extensions`` header that cannot be accepted.

    Raised by a client for a server answer that breaks RFC 7692 (unknown,
    duplicate or out-of-range parameters, a parameter it did not offer, an
    extension it did not offer), and by both sides for a header that is not
    valid ``Sec-WebSocket-Extensions`` syntax.  The client must fail the
    connection; a server answers with ``status`` (400).
    """

    def __init__(self, message: str, status: int | None = 400, headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(message, status=status, headers=headers)


# -- header syntax (RFC 6455 section 9.1) ------------------------------------


def _skip_ows(text: str, pos: int) -> int:
    end = len(text)
    while pos < end and text[pos] in _OWS:
        pos += 1
    return pos


def _token(text: str, pos: int) -> tuple[str, int]:
    start = pos
    end = len(text)
    while pos < end and text[pos] in _TCHAR:
        pos += 1
    if pos == start:
        raise NegotiationError(f"expected a token at position {start} in {text!r}")
    return text[start:pos], pos


def _quoted_string(text: str, pos: int) -> tuple[str, int]:
    # RFC 7230 quoted-string; RFC 6455 9.1 requires the unescaped value to
    # be a token, which the caller checks.
    pos += 1
    out: list[str] = []
    end = len(text)
    while pos < end:
        char = text[pos]
        if char == '"':
            return "".join(out), pos + 1
        if char == "\\":
            pos += 1
            if pos == end:
                break
            char = text[pos]
        out.append(char)
        pos += 1
    raise NegotiationError(f"unterminated quoted string in {text!r}")


def parse_extensions(values: str | bytes | Iterable[str | bytes]) -> list[Extension]:
    """Parse ``Sec-WebSocket-Extensions`` header values.

    ``values`` is one header value or a list of them (a header repeated on
    several lines means the comma-joined list).  Returns a list of
    ``(name, [(param, value_or_None), ...])`` in order; names and parameter
    names are lower-cased, values keep their case.  Empty list elements are
    skipped (RFC 7230 section 7).  Raises :class:`NegotiationError` for
    anything that is not the RFC 6455 grammar.
    """
    if isinstance(values, (str, bytes)):
        values = [values]
    extensions: list[Extension] = []
    for raw in values:
        text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        pos = 0
        end = len(text)
        while True:
            pos = _skip_ows(text, pos)
            if pos == end:
                break
            if text[pos] == ",":
                pos += 1
                continue
            name, pos = _token(text, pos)
            params: list[tuple[str, str | None]] = []
            pos = _skip_ows(text, pos)
            while pos < end and text[pos] == ";":
                pos = _skip_ows(text, pos + 1)
                param, pos = _token(text, pos)
                pos = _skip_ows(text, pos)
                value: str | None = None
                if pos < end and text[pos] == "=":
                    pos = _skip_ows(text, pos + 1)
                    if pos < end and text[pos] == '"':
                        value, pos = _quoted_string(text, pos)
                        if not value or not all(c in _TCHAR for c in value):
                            raise NegotiationError(
                                f"quoted value of {param!r} is not a token in {text!r}"
                            )
                    else:
                        value, pos = _token(text, pos)
                    pos = _skip_ows(text, pos)
                params.append((param.lower(), value))
            extensions.append((name.lower(), params))
            if pos < end:
                if text[pos] != ",":
                    raise NegotiationError(
                        f"unexpected {text[pos]!r} at position {pos} in {text!r}"
                    )
                pos += 1
    return extensions


def _read_params(params: list[tuple[str, str | None]], *, offer: bool) -> dict[str, int]:
    """Check one permessage-deflate parameter list; return a dict of it.

    Keys present are the parameters given; values are True for the flags,
    an int for window bits, or True for a value-less client_max_window_bits
    (allowed in an offer only).
    """
    found: dict[str, int] = {}
    for name, value in params:
        if name not in _PARAMS:
            raise NegotiationError(f"unknown permessage-deflate parameter {name!r}")
        if name in found:
            raise NegotiationError(f"duplicate permessage-deflate parameter {name!r}")
        if name.endswith("no_context_takeover"):
            if value is not None:
                raise NegotiationError(f"{name} takes no value, got {value!r}")
            found[name] = True
        elif value is None:
            if not (offer and name == "client_max_window_bits"):
                raise NegotiationError(f"{name} needs a value from 8 to 15")
            found[name] = True
        else:
            bits = _WINDOW_BITS_VALUES.get(value)
            if bits is None:
                raise NegotiationError(f"{name}={value!r} is not a window size from 8 to 15")
            found[name] = bits
    return found


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    return value


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}, got {value}")
    return value


# -- the parameters ---------------------------------------------------------


class PerMessageDeflate:
    """permessage-deflate parameters for one connection (RFC 7692).

    ``server_*`` parameters govern what the server sends (and the client
    inflates), ``client_*`` what the client sends.  ``*_no_context_takeover``
    makes every message of that direction start from an empty window;
    ``*_max_window_bits`` (8-15) caps the LZ77 window of that direction.
    Defaults are the RFC 7692 defaults: context takeover, 32 KiB windows.

    Local settings that are never negotiated:

    - ``compress_level`` (0-9, zlib's meaning; default 6).
    - ``mem_level`` (1-9, default 8): size of zlib's compressor hash table
      and block buffer.
    - ``min_size`` (default 32): data messages shorter than this many bytes
      are sent uncompressed (RSV1 clear), since deflate can only make them
      longer or save a byte or two for a zlib call.

    Memory per connection at the defaults, measured with tracemalloc on
    zlib 1.2.13: the compressor holds about 262 KiB (two 32 KiB-window
    arrays of twice the window, a 64 KiB hash table, a 64 KiB block
    buffer) and the decompressor about 39 KiB (its 32 KiB window and 7 KiB
    of state), so about 300 KiB for a connection that both sends and
    receives compressed messages.  ``server_max_window_bits=12`` with
    ``mem_level=5`` brings the server's compressor to about 38 KiB;
    docs/deflate.md has the whole table.

    A server passes its wishes to :meth:`accept_offers`; a client sends
    :meth:`offer` and checks the answer with :meth:`accept_response`.  As a
    wish, ``*_no_context_takeover=True`` asks for it, ``*_max_window_bits``
    below 15 asks for at most that window.
    """

    __slots__ = (
        "_server_no_context_takeover",
        "_client_no_context_takeover",
        "_server_max_window_bits",
        "_client_max_window_bits",
        "_compress_level",
        "_mem_level",
        "_min_size",
    )

    def __init__(
        self,
        *,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
        server_max_window_bits: int = 15,
        client_max_window_bits: int = 15,
        compress_level: int = 6,
        mem_level: int = 8,
        min_size: int = 32,
    ) -> None:
        self._server_no_context_takeover = _check_bool(
            "server_no_context_takeover", server_no_context_takeover
        )
        self._client_no_context_takeover = _check_bool(
            "client_no_context_takeover", client_no_context_takeover
        )
        self._server_max_window_bits = _check_int("server_max_window_bits", server_max_window_bits, 8, 15)
        self._client_max_window_bits = _check_int("client_max_window_bits", client_max_window_bits, 8, 15)
        self._compress_level = _check_int("compress_level", compress_level, 0, 9)
        self._mem_level = _check_int("mem_level", mem_level, 1, 9)
        if isinstance(min_size, bool) or not isinstance(min_size, int) or min_size < 0:
            raise ValueError(f"min_size must be an int >= 0, got {min_size!r}")
        self._min_size = min_size

    @property
    def server_no_context_takeover(self) -> bool:
        return self._server_no_context_takeover

    @property
    def client_no_context_takeover(self) -> bool:
        return self._client_no_context_takeover

    @property
    def server_max_window_bits(self) -> int:
        return self._server_max_window_bits

    @property
    def client_max_window_bits(self) -> int:
        return self._client_max_window_bits

    @property
    def compress_level(self) -> int:
        return self._compress_level

    @property
    def mem_level(self) -> int:
        return self._mem_level

    @property
    def min_size(self) -> int:
        return self._min_size

    def _key(self) -> tuple[bool, bool, int, int, int, int, int]:
        return (
            self._server_no_context_takeover,
            self._client_no_context_takeover,
            self._server_max_window_bits,
            self._client_max_window_bits,
            self._compress_level,
            self._mem_level,
            self._min_size,
        )

    def _replace(self, **changes: Any) -> PerMessageDeflate:
        kwargs: dict[str, Any] = dict(
            server_no_context_takeover=self._server_no_context_takeover,
            client_no_context_takeover=self._client_no_context_takeover,
            server_max_window_bits=self._server_max_window_bits,
            client_max_window_bits=self._client_max_window_bits,
            compress_level=self._compress_level,
            mem_level=self._mem_level,
            min_size=self._min_size,
        )
        kwargs.update(changes)
        return PerMessageDeflate(**kwargs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PerMessageDeflate):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            "PerMessageDeflate("
            f"server_no_context_takeover={self._server_no_context_takeover}, "
            f"client_no_context_takeover={self._client_no_context_takeover}, "
            f"server_max_window_bits={self._server_max_window_bits}, "
            f"client_max_window_bits={self._client_max_window_bits}, "
            f"compress_level={self._compress_level}, "
            f"mem_level={self._mem_level}, "
            f"min_size={self._min_size})"
        )

    def __reduce__(self) -> tuple[Any, tuple[bool, bool, int, int, int, int, int]]:
        return (_rebuild, self._key())

    # -- codecs -----------------------------------------------------------

    def make_compressor(self, role: str) -> _Compressor:
        """A fresh compressor for the messages that ``role`` sends."""
        if role_is_server(role):
            bits, reset = self._server_max_window_bits, self._server_no_context_takeover
        else:
            bits, reset = self._client_max_window_bits, self._client_no_context_takeover
        return _Compressor(bits, reset, self._compress_level, self._mem_level)

    def make_decompressor(self, role: str) -> _Decompressor:
        """A fresh decompressor for the messages that ``role`` receives."""
        if role_is_server(role):
            bits, reset = self._client_max_window_bits, self._client_no_context_takeover
        else:
            bits, reset = self._server_max_window_bits, self._server_no_context_takeover
        return _Decompressor(bits, reset)

    # -- negotiation ------------------------------------------------------

    def response(self, *, server_bits_offered: bool = False, client_bits_offered: bool = False) -> str:
        """These parameters as a server's ``Sec-WebSocket-Extensions`` value.

        Window sizes of 15 are left out (the RFC 7692 default) unless the
        client's offer named them: a server that accepts an offer with
        ``server_max_window_bits`` must answer with it (section 7.1.2.1).
        """
        return self._header(server_bits_offered, client_bits_offered)

    def offer(self) -> str:
        """A client's ``Sec-WebSocket-Extensions`` value asking for these wishes.

        ``client_max_window_bits`` is always offered (without a value at 15),
        telling the server it may shrink the client's window, as browsers do.
        """
        return self._header(False, True, client_bits_bare=self._client_max_window_bits == 15)

    def _header(self, server_bits: bool, client_bits: bool, client_bits_bare: bool = False) -> str:
        # A window size is written when it is not the default or the caller
        # says it must be; client_bits_bare writes the name alone.
        parts = [EXTENSION_NAME]
        if self._server_no_context_takeover:
            parts.append("server_no_context_takeover")
        if self._client_no_context_takeover:
            parts.append("client_no_context_takeover")
        if self._server_max_window_bits != 15 or server_bits:
            parts.append(f"server_max_window_bits={self._server_max_window_bits}")
        if client_bits_bare:
            parts.append("client_max_window_bits")
        elif self._client_max_window_bits != 15 or client_bits:
            parts.append(f"client_max_window_bits={self._client_max_window_bits}")
        return "; ".join(parts)

    def accept_offers(
        self, values: str | bytes | Iterable[str | bytes]
    ) -> tuple[PerMessageDeflate, str] | None:
        """Server side: pick the first acceptable permessage-deflate offer.

        ``values`` are the client's ``Sec-WebSocket-Extensions`` header values
        (one string or a list).  Returns ``(negotiated, header_value)``, or
        None to decline (no offer, or none that these wishes can meet).
        Offers with unknown, duplicate or invalid parameters are declined
        (RFC 7692 section 5), not raised; a header that does not parse at
        all raises :class:`NegotiationError`.

        How the wishes in ``self`` meet an offer:

        - ``server_no_context_takeover``: granted if offered; also declared
          when wished (a server may always give up context takeover).
        - ``client_no_context_takeover``: asked of the client when wished;
          a client's hint alone is not echoed, since keeping the context is
          cheaper for both sides.
        - ``server_max_window_bits``: the smaller of the offer and the wish.
        - ``client_max_window_bits``: the smaller of the offer's value and
          the wish; a wish below 15 needs a client that offered the
          parameter, else the offer is declined (that window is the memory
          bound the wish promised).
        """
        for name, params in parse_extensions(values):
            if name != EXTENSION_NAME:
                continue
            try:
                offer = _read_params(params, offer=True)
            except NegotiationError:
                continue
            accepted = self._meet(offer)
            if accepted is not None:
                header = accepted.response(
                    server_bits_offered="server_max_window_bits" in offer,
                    # A value-less client_max_window_bits only says "you may
                    # limit me"; a value is the client's own limit, echoed.
                    client_bits_offered=offer.get("client_max_window_bits", True) is not True,
                )
                return accepted, header
        return None

    def _meet(self, offer: dict[str, int]) -> PerMessageDeflate | None:
        server_bits = min(offer.get("server_max_window_bits", 15), self._server_max_window_bits)
        client_offer = offer.get("client_max_window_bits")
        if client_offer is None:
            if self._client_max_window_bits != 15:
                return None
            client_bits = 15
        else:
            hint = 15 if client_offer is True else client_offer
            client_bits = min(hint, self._client_max_window_bits)
        return self._replace(
            server_no_context_takeover=self._server_no_context_takeover
            or "server_no_context_takeover" in offer,
            client_no_context_takeover=self._client_no_context_takeover,
            server_max_window_bits=server_bits,
            client_max_window_bits=client_bits,
        )

    def accept_response(self, values: str | bytes | Iterable[str | bytes] | None) -> PerMessageDeflate | None:
        """Client side: check the server's answer to :meth:`offer`.

        ``values`` are the response's ``Sec-WebSocket-Extensions`` header
        values (one string, a list, or None/empty when absent).  Returns the
        negotiated ``PerMessageDeflate``, or None when the server declined
        (no extensions in the answer).  Raises :class:`NegotiationError` for
        an extension that was not offered, permessage-deflate twice, unknown
        or duplicate parameters, values out of range, a window larger than
        asked for, or a requested ``server_no_context_takeover`` or
        ``server_max_window_bits`` that the answer leaves out.
        """
        if values is None:
            return None
        extensions = parse_extensions(values)
        if not extensions:
            return None
        if len(extensions) > 1:
            names = ", ".join(name for name, _ in extensions)
            raise NegotiationError(f"server accepted more than the one extension offered: {names}")
        name, params = extensions[0]
        if name != EXTENSION_NAME:
            raise NegotiationError(f"server accepted extension {name!r}, which was not offered")
        answer = _read_params(params, offer=False)

        if self._server_no_context_takeover and "server_no_context_takeover" not in answer:
            raise NegotiationError("server_no_context_takeover was requested but not granted")
        server_bits = answer.get("server_max_window_bits")
        if self._server_max_window_bits != 15:
            if server_bits is None:
                raise NegotiationError("server_max_window_bits was requested but not granted")
            if server_bits > self._server_max_window_bits:
                raise NegotiationError(
                    f"server_max_window_bits={server_bits} is larger than the "
                    f"{self._server_max_window_bits} requested"
                )
        client_bits = answer.get("client_max_window_bits", self._client_max_window_bits)
        if client_bits > self._client_max_window_bits:
            raise NegotiationError(
                f"client_max_window_bits={client_bits} is larger than the "
                f"{self._client_max_window_bits} offered"
            )
        return self._replace(
            server_no_context_takeover="server_no_context_takeover" in answer,
            # Giving up context takeover needs nobody's permission: a hint
            # the server did not echo still holds for what this client sends.
            client_no_context_takeover=self._client_no_context_takeover
            or "client_no_context_takeover" in answer,
            server_max_window_bits=15 if server_bits is None else server_bits,
            client_max_window_bits=client_bits,
        )


def _rebuild(
    snct: bool, cnct: bool, sbits: int, cbits: int, level: int, mem: int, min_size: int
) -> PerMessageDeflate:
    return PerMessageDeflate(
        server_no_context_takeover=snct,
        client_no_context_takeover=cnct,
        server_max_window_bits=sbits,
        client_max_window_bits=cbits,
        compress_level=level,
        mem_level=mem,
        min_size=min_size,
    )
