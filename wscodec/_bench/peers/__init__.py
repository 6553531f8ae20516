"""wscodec and its peers, each driven the way a real server drives it.

Every factory of this package returns ``Contender`` objects for one
benchmark row: a ready-to-time ``Call`` or ``Batch`` (see ``timing``), or the reason it cannot
run.  Each contender is checked once on the row's own input before it is
timed (decoded message count and content, encoded frames re-parsed, masking
and validation results compared), so an adapter that silently drops work
shows up as FAIL instead of as a fast number.  For the codec rows the timed
code is the checked code: the run that is timed appends every message's
``str`` to a list, and the check compares that list.

Peers are optional (``pip install wscodec[bench]``); a missing one gives a
"not installed" contender.  Shared by ``python -m wscodec bench`` and the
pytest-benchmark suite in ``benchmarks/``.

One module per operation: ``mask``, ``utf8``, ``decode``, ``encode``,
``permessage_deflate`` and the server ``fastpaths``, each declaring its
contender names once; ``memory`` for the idle-decoder table.  ``contender``,
``transport`` and ``receivers`` are what they share.
"""
