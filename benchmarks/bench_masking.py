"""Masking (RFC 6455 section 5.3), issue 2: wscodec against websockets'
``speedups.apply_mask``, aiohttp's ``_websocket_mask_cython`` (in place),
wsaccel's ``XorMaskerSimple`` and a plain ``bytes(bytearray)`` copy, the
memory-bandwidth limit.  Bars: ``apply_mask`` no slower than websockets at
any size and >= 0.9x the copy from 1 KiB up; ``mask_inplace`` no slower than
aiohttp at any size."""

import pytest

from wscodec._bench import data, peers
from wscodec._bench.peers import NAMES


@pytest.mark.parametrize("name", NAMES["mask_apply"])
@pytest.mark.parametrize("size", data.SIZES, ids=data.size_id)
def test_apply_mask(benchmark, contender, run_call, size, name):
    c = contender(peers.mask_apply, size, name=name)
    benchmark.group = f"apply_mask {data.size_label(size)}"
    benchmark.extra_info["bytes"] = size
    run_call(c.bench)


@pytest.mark.parametrize("name", NAMES["mask_inplace"])
@pytest.mark.parametrize("size", data.SIZES, ids=data.size_id)
def test_mask_inplace(benchmark, contender, run_call, size, name):
    c = contender(peers.mask_inplace, size, name=name)
    benchmark.group = f"mask_inplace {data.size_label(size)}"
    benchmark.extra_info["bytes"] = size
    run_call(c.bench)
