"""UTF-8 validation, issue 2: wscodec's ``validate_utf8`` against
``bytes.decode('utf-8')``, the ``codecs`` incremental decoder and wsaccel, on
ASCII, accented Latin, CJK, emoji and one invalid corpus (a surrogate at
the very end, so rejecting it still means reading everything).  Bars: at
64 KiB and 1 MiB >= 2x ``bytes.decode`` on ASCII and >= 8x on CJK and emoji;
at 1 KiB >= 10x on CJK and emoji; >= 20x wsaccel everywhere."""

import pytest

from wscodec._bench import data, peers
from wscodec._bench.peers import NAMES


@pytest.mark.parametrize("name", NAMES["utf8_validate"])
@pytest.mark.parametrize("size", data.SIZES, ids=data.size_id)
@pytest.mark.parametrize("corpus", data.CORPORA)
def test_validate_utf8(benchmark, contender, run_call, corpus, size, name):
    c = contender(peers.utf8_validate, corpus, size, name=name)
    benchmark.group = f"validate_utf8 {corpus} {data.size_label(size)}"
    benchmark.extra_info["bytes"] = size
    run_call(c.bench)
