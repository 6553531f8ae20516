"""The ``dropin`` section: each library's own receive and send paths, timed
with and without its wscodec drop-in installed, in one process.

Every library has a module ``<library>.py`` here with ``LIBRARY`` (the
distribution name), ``INTEGRATION`` (the ``wscodec.integrations`` module)
and ``cases(quick) -> [Case]`` and, if it set the library up for its rows
(e.g. bound a pure-Python fallback), ``finish()`` to put it back.  The two
contenders of a row run the very same code; before each of its samples a contender installs or
uninstalls the drop-in, so samples alternate and share the machine's noise.

``cases`` holds what those modules build their rows from, ``run`` times
them; ``forced`` and ``echo_server`` are helpers of some library modules.
"""
