"""Decoding, issue 3: a server receives masked client TEXT frames in 64 KiB
reads and turns them into ``str`` messages: 100,000 frames of 20 and of 200
bytes (frames/s), 1,000 frames of 64 KiB (MB/s).  One round is the whole
stream through a fresh decoder (a new connection).  Peers: websockets
``Protocol.receive_data``, wsproto ``FrameProtocol``, aiohttp's Cython
``WebSocketReader``, picows ``WSProtocol`` through ``get_buffer`` /
``buffer_updated``.  Bars: native >= 2x the fastest peer in frames/s for 20
and 200 bytes, >= 1.5x in MB/s for 64 KiB; pure faster than websockets and
wsproto.  ``extra_info`` carries frames and payload bytes per round, to turn
the round time into frames/s or MB/s."""

import pytest

from wscodec._bench import data, peers
from wscodec._bench.peers import NAMES

PAYLOADS = (20, 200, 64 * data.KiB)


@pytest.mark.parametrize("name", NAMES["decode"])
@pytest.mark.parametrize("payload", PAYLOADS, ids=data.size_id)
def test_decode(benchmark, contender, run_batch, frame_counts, payload, name):
    count = frame_counts[1] if payload >= data.KiB else frame_counts[0]
    stream = data.frame_stream(payload, count)
    c = contender(peers.decode, stream, name=name)
    benchmark.group = f"decode {count:,} frames of {data.size_label(payload)}"
    benchmark.extra_info.update(frames=count, payload_bytes=stream.payload_bytes, wire_bytes=stream.wire_bytes)
    run_batch(c.bench)
