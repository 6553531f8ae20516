"""Encoding, issue 3: one TEXT message of 20 or 200 bytes to the bytes to
write, as a server (unmasked) and as a client (masked with a fresh key per
frame).  ``MessageEncoder.text`` takes a ``str`` (so do the peers: their
UTF-8 encode is part of the price); ``encode_frame`` takes the payload as
bytes.  Peers: websockets ``Frame.serialize`` (``secrets`` keys), wsproto
``FrameProtocol.send_data`` (``os.urandom`` keys), aiohttp
``WebSocketWriter.send_frame`` over a stub transport (``random.Random``
keys), picows ``WSTransport.send`` over a stub transport (libc ``rand()``
keys).  Bar: native >= 1.5x the fastest peer, masked and unmasked."""

import pytest

from wscodec._bench import data, peers
from wscodec._bench.peers import NAMES

SIZES = (20, 200)
ROLES = ("server", "client")


@pytest.mark.parametrize("name", NAMES["encode_text"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("size", SIZES, ids=data.size_id)
def test_encode_text(benchmark, contender, run_call, size, role, name):
    c = contender(peers.encode_text, size, role, name=name)
    benchmark.group = f"MessageEncoder.text {role} {data.size_label(size)}"
    run_call(c.bench)


@pytest.mark.parametrize("name", NAMES["encode_frame"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("size", SIZES, ids=data.size_id)
def test_encode_frame(benchmark, contender, run_call, size, role, name):
    c = contender(peers.encode_frame, size, role, name=name)
    benchmark.group = f"encode_frame {role} {data.size_label(size)}"
    run_call(c.bench)
