"""aiohttp's own paths (see ``dropin.aiohttp``) on its pure-Python code,
what it runs with ``AIOHTTP_NO_EXTENSIONS=1``, on PyPy or without its
wheels: that build differs in the reader class (``reader_py``'s, used
directly here) and in the masker that ``aiohttp._websocket.writer`` and
``reader_py`` bound at import, so binding the pure-Python one measures
both builds in one process."""

from . import aiohttp as installed
from .forced import ForcedBuild

LIBRARY = "aiohttp (AIOHTTP_NO_EXTENSIONS)"


def _bindings():
    from aiohttp._websocket import helpers, reader_py, writer

    return [(module, "websocket_mask", helpers._websocket_mask_python) for module in (writer, reader_py)]


INTEGRATION = ForcedBuild("wscodec.integrations.aiohttp", _bindings)
finish = INTEGRATION.finish


def cases(quick):
    from aiohttp._websocket import reader_py

    return installed.cases(quick, reader_module=reader_py)
