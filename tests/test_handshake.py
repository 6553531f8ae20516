"""The opening handshake (RFC 6455 section 4), without I/O."""

import base64
import pickle

import pytest

import wscodec
from wscodec.deflate import NegotiationError, PerMessageDeflate
from wscodec.handshake import (
    HandshakeError,
    accept_key,
    client_handshake,
    client_request_headers,
    encode_request,
    encode_response,
    generate_key,
    parse_request,
    parse_response,
    server_handshake,
)

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 section 1.3


def request(**changes):
    headers = {
        "Host": "example.com",
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": KEY,
        "Sec-WebSocket-Version": "13",
    }
    for name, value in changes.items():
        name = name.replace("_", "-")
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    return headers


def test_accept_key_rfc_example():
    assert accept_key(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert accept_key(KEY.encode()) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_accept_key_is_exported_by_both_backends(backend):
    assert backend.accept_key(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_generate_key_is_16_random_bytes():
    keys = {generate_key() for _ in range(100)}
    assert len(keys) == 100
    for key in keys:
        assert len(base64.b64decode(key, validate=True)) == 16
    assert wscodec.generate_key is generate_key
    assert wscodec.HandshakeError is HandshakeError
    assert wscodec.NegotiationError is wscodec.deflate.NegotiationError
    assert issubclass(wscodec.NegotiationError, HandshakeError)


# -- server ---------------------------------------------------------------------


def test_server_accepts_rfc_request():
    result = server_handshake(request())
    assert result.headers == [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
    ]
    assert result.deflate is None and result.subprotocol is None


def test_server_headers_are_case_insensitive_and_lists():
    headers = [
        ("host", "example.com"),
        ("UPGRADE", "WebSocket"),
        ("connection", "keep-alive"),
        ("CONNECTION", "Upgrade"),
        ("sec-websocket-key", KEY),
        ("sec-websocket-version", "13"),
    ]
    assert server_handshake(headers).headers[2][1] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert server_handshake(request(Connection="keep-alive, upgrade")).headers
    assert server_handshake({**request(), "Upgrade": ["h2c", "websocket"]}).headers


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"Host": None}, 400),
        ({"Upgrade": None}, 426),
        ({"Upgrade": "h2c"}, 426),
        ({"Connection": None}, 426),
        ({"Connection": "keep-alive"}, 426),
        ({"Sec-WebSocket-Key": None}, 400),
        ({"Sec-WebSocket-Key": "short"}, 400),
        ({"Sec-WebSocket-Key": base64.b64encode(b"x" * 15).decode()}, 400),
        ({"Sec-WebSocket-Key": base64.b64encode(b"x" * 17).decode()}, 400),
        ({"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ"}, 400),
        ({"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=!"}, 400),
        ({"Sec-WebSocket-Key": "ÿGhlIHNhbXBsZSBub25jZQ=="}, 400),
        ({"Sec-WebSocket-Key": [KEY, KEY]}, 400),
        ({"Sec-WebSocket-Version": None}, 426),
        ({"Sec-WebSocket-Version": "8"}, 426),
        ({"Sec-WebSocket-Version": "13, 8"}, 426),
        ({"Sec-WebSocket-Version": ["13", "13"]}, 426),
    ],
)
def test_server_rejects_bad_requests(changes, status):
    with pytest.raises(HandshakeError) as info:
        server_handshake(request(**changes))
    assert info.value.status == status
    if status == 426 and "Sec-WebSocket-Version" in changes:
        assert ("Sec-WebSocket-Version", "13") in info.value.headers


def test_server_rejects_other_methods_with_405():
    with pytest.raises(HandshakeError) as info:
        server_handshake(request(), method="POST")
    assert info.value.status == 405
    assert ("Allow", "GET") in info.value.headers


def test_error_response_bytes():
    with pytest.raises(HandshakeError) as info:
        server_handshake(request(Sec_WebSocket_Version="7"))
    response = info.value.response()
    assert response.startswith(b"HTTP/1.1 426 Upgrade Required\r\n")
    head, _, body = response.partition(b"\r\n\r\n")
    parsed = parse_response(head)
    assert ("Sec-WebSocket-Version", "13") in parsed.headers
    assert ("Connection", "close") in parsed.headers
    assert ("Content-Length", str(len(body))) in parsed.headers
    assert b"13" in body


def test_handshake_error_pickles():
    error = HandshakeError("nope", 426, [("Sec-WebSocket-Version", "13")])
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.status, copy.headers) == ("nope", 426, [("Sec-WebSocket-Version", "13")])


def test_server_negotiates_deflate():
    result = server_handshake(
        request(Sec_WebSocket_Extensions="permessage-deflate; client_max_window_bits"),
        deflate=PerMessageDeflate(server_max_window_bits=12),
    )
    assert ("Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=12") in result.headers
    assert result.deflate == PerMessageDeflate(server_max_window_bits=12)


def test_server_without_deflate_ignores_offers():
    result = server_handshake(request(Sec_WebSocket_Extensions="permessage-deflate"))
    assert result.deflate is None
    assert all(name != "Sec-WebSocket-Extensions" for name, _ in result.headers)


def test_server_reads_offers_split_over_lines():
    headers = [*request().items(), ("Sec-WebSocket-Extensions", "x-foo"), ("Sec-WebSocket-Extensions", "permessage-deflate")]
    assert server_handshake(headers, deflate=PerMessageDeflate()).deflate == PerMessageDeflate()


def test_server_declines_bad_offer_and_answers_without_compression():
    result = server_handshake(
        request(Sec_WebSocket_Extensions="permessage-deflate; bogus"), deflate=PerMessageDeflate()
    )
    assert result.deflate is None


def test_server_unparseable_extensions_is_400():
    with pytest.raises(NegotiationError) as info:
        server_handshake(request(Sec_WebSocket_Extensions="permessage-deflate;;"), deflate=PerMessageDeflate())
    assert info.value.status == 400


def test_server_picks_a_subprotocol_in_its_own_order():
    result = server_handshake(request(Sec_WebSocket_Protocol="chat, superchat"), subprotocols=["superchat", "chat"])
    assert result.subprotocol == "superchat"
    assert ("Sec-WebSocket-Protocol", "superchat") in result.headers
    assert server_handshake(request(Sec_WebSocket_Protocol="x"), subprotocols=["chat"]).subprotocol is None


# -- client ---------------------------------------------------------------------


def test_server_accepts_listed_origins_only():
    allowed = ["https://example.com", "http://localhost:8000"]
    for origin in ("https://example.com", "HTTPS://Example.COM", "http://localhost:8000"):
        assert server_handshake(request(Origin=origin), origins=allowed).headers
    for origin in ("https://evil.example", "https://example.com:8443", "http://example.com", "null"):
        with pytest.raises(HandshakeError, match="is not allowed") as info:
            server_handshake(request(Origin=origin), origins=allowed)
        assert info.value.status == 403
        assert info.value.response().startswith(b"HTTP/1.1 403 Forbidden\r\n")


def test_server_without_origin_needs_none_in_the_list():
    with pytest.raises(HandshakeError, match="Origin header missing") as info:
        server_handshake(request(), origins=["https://example.com"])
    assert info.value.status == 403
    assert server_handshake(request(), origins=["https://example.com", None]).headers
    # Without origins nothing is checked, as before.
    assert server_handshake(request(Origin="https://anywhere.example")).headers


def test_server_refuses_two_origins():
    headers = list(request().items()) + [("Origin", "https://example.com"), ("Origin", "https://evil.example")]
    with pytest.raises(HandshakeError, match="more than once") as info:
        server_handshake(headers, origins=["https://example.com"])
    assert info.value.status == 403


def test_a_malformed_request_is_400_before_its_origin_is_looked_at():
    with pytest.raises(HandshakeError) as info:
        server_handshake(request(Sec_WebSocket_Key="short", Origin="https://evil.example"), origins=[])
    assert info.value.status == 400


@pytest.mark.parametrize("origins", ["https://example.com", b"https://example.com", [b"https://example.com"], [1]])
def test_origins_must_be_a_list_of_strings(origins):
    with pytest.raises(TypeError):
        server_handshake(request(Origin="https://example.com"), origins=origins)


def test_client_request_headers():
    headers = client_request_headers("example.com:8080", key=KEY, deflate=PerMessageDeflate(), subprotocols=["chat", "v2"], origin="http://example.com")
    assert headers == [
        ("Host", "example.com:8080"),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", KEY),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
        ("Sec-WebSocket-Protocol", "chat, v2"),
        ("Origin", "http://example.com"),
    ]


def test_client_and_server_agree():
    key = generate_key()
    wish = PerMessageDeflate(client_no_context_takeover=True)
    headers = client_request_headers("localhost", key=key, deflate=wish, subprotocols=["chat"])
    raw = encode_request("/path?x=1", headers)
    parsed = parse_request(raw)
    assert (parsed.method, parsed.target) == ("GET", "/path?x=1")
    accepted = server_handshake(parsed.headers, method=parsed.method, deflate=PerMessageDeflate(), subprotocols=["chat"])
    response = parse_response(encode_response(101, accepted.headers))
    assert response.status == 101
    result = client_handshake(response.status, response.headers, key=key, deflate=wish, subprotocols=["chat"])
    assert result.subprotocol == "chat"
    assert result.deflate == PerMessageDeflate(client_no_context_takeover=True)
    assert accepted.deflate == PerMessageDeflate()


def ok_response(**changes):
    return request(Host=None, Sec_WebSocket_Key=None, Sec_WebSocket_Version=None, Sec_WebSocket_Accept=accept_key(KEY), **changes)


@pytest.mark.parametrize(
    ("status", "changes"),
    [
        (200, {}),
        (426, {}),
        (101, {"Upgrade": None}),
        (101, {"Upgrade": "h2c"}),
        (101, {"Connection": None}),
        (101, {"Sec-WebSocket-Accept": None}),
        (101, {"Sec-WebSocket-Accept": accept_key(generate_key())}),
        (101, {"Sec-WebSocket-Accept": [accept_key(KEY), accept_key(KEY)]}),
        (101, {"Sec-WebSocket-Extensions": "permessage-deflate"}),
        (101, {"Sec-WebSocket-Protocol": "chat"}),
    ],
)
def test_client_rejects_bad_responses(status, changes):
    with pytest.raises(HandshakeError) as info:
        client_handshake(status, ok_response(**changes), key=KEY)
    assert info.value.status is None


def test_client_checks_deflate_answer():
    wish = PerMessageDeflate()
    result = client_handshake(101, ok_response(Sec_WebSocket_Extensions="permessage-deflate; server_max_window_bits=10"), key=KEY, deflate=wish)
    assert result.deflate == PerMessageDeflate(server_max_window_bits=10)
    assert client_handshake(101, ok_response(), key=KEY, deflate=wish).deflate is None
    with pytest.raises(NegotiationError) as info:
        client_handshake(101, ok_response(Sec_WebSocket_Extensions="permessage-deflate; server_max_window_bits=16"), key=KEY, deflate=wish)
    assert info.value.status is None


def test_client_rejects_subprotocol_not_offered():
    with pytest.raises(HandshakeError):
        client_handshake(101, ok_response(Sec_WebSocket_Protocol="other"), key=KEY, subprotocols=["chat"])
    with pytest.raises(HandshakeError):
        client_handshake(101, ok_response(Sec_WebSocket_Protocol="chat, chat"), key=KEY, subprotocols=["chat"])
    assert client_handshake(101, ok_response(Sec_WebSocket_Protocol="chat"), key=KEY, subprotocols=["chat"]).subprotocol == "chat"


# -- HTTP heads -------------------------------------------------------------------


def test_parse_request():
    raw = (
        b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade:websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\nX-Empty:\r\n\r\n"
    )
    parsed = parse_request(raw)
    assert parsed.method == "GET" and parsed.target == "/chat"
    assert ("Upgrade", "websocket") in parsed.headers
    assert ("X-Empty", "") in parsed.headers
    assert server_handshake(parsed.headers).headers[2] == ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"GET /chat HTTP/1.0\r\nHost: x\r\n\r\n",
        b"GET /chat\r\nHost: x\r\n\r\n",
        b"GET  /chat HTTP/1.1\r\n\r\n",
        b"G(T /chat HTTP/1.1\r\n\r\n",
        b"GET /chat HTTP/1.1\r\nHost x\r\n\r\n",
        b"GET /chat HTTP/1.1\r\nHo st: x\r\n\r\n",
        b"GET /chat HTTP/1.1\r\n: x\r\n\r\n",
        b"GET /chat HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        b"GET /chat HTTP/1.1\r\nHost: x\x00y\r\n\r\n",
    ],
)
def test_parse_request_rejects_malformed_heads(raw):
    with pytest.raises(HandshakeError) as info:
        parse_request(raw)
    assert info.value.status == 400


def test_parse_response():
    parsed = parse_response(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
    assert (parsed.status, parsed.reason, parsed.headers) == (101, "Switching Protocols", [("Upgrade", "websocket")])
    assert parse_response(b"HTTP/1.1 404\r\n").status == 404
    for bad in (b"HTTP/1.1 1O1 x\r\n", b"SPDY 101 x", b"HTTP/1.1\r\n"):
        with pytest.raises(HandshakeError):
            parse_response(bad)


def test_encoders_refuse_header_injection():
    with pytest.raises(ValueError):
        encode_response(101, [("X", "a\r\nSet-Cookie: x")])
    with pytest.raises(ValueError):
        encode_request("/a b", [])
    assert encode_response(101, []) == b"HTTP/1.1 101 Switching Protocols\r\n\r\n"
