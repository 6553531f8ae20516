"""aiohttp's own paths (see ``dropin_aiohttp``) on its pure-Python code,
what it runs with ``AIOHTTP_NO_EXTENSIONS=1``, on PyPy, or without its
wheels.

Those differ from the compiled build in two names: the reader class
(``reader_py``'s instead of ``reader_c``'s) and the masker that
``aiohttp._websocket.writer`` and ``reader_py`` bound at import.  The rows
use ``reader_py`` directly and bind aiohttp's pure-Python masker in both
modules (``finish`` puts the compiled one back), so both builds are
measured in one process.  This module stands in for the integration:
``install`` and ``uninstall`` are the drop-in's, over the pure-Python code.
"""

from . import dropin_aiohttp

LIBRARY = "aiohttp (AIOHTTP_NO_EXTENSIONS)"
INTEGRATION = __name__

_MODULES = ("writer", "reader_py")
_built = {}


def _force_pure_python():
    from aiohttp._websocket import helpers, reader_py, writer

    from ..integrations import aiohttp as integration

    if not integration.is_installed():
        for name, module in zip(_MODULES, (writer, reader_py)):
            if module.websocket_mask is not helpers._websocket_mask_python:
                _built.setdefault(name, module.websocket_mask)
                module.websocket_mask = helpers._websocket_mask_python
    return integration


def install(force=False):
    return _force_pure_python().install(force=force)


def uninstall():
    _force_pure_python().uninstall()


def installed_version():
    from ..integrations import aiohttp as integration

    return integration.installed_version()


def cases(quick):
    from aiohttp._websocket import reader_py

    _force_pure_python()
    return dropin_aiohttp.cases(quick, reader_module=reader_py)


def finish():
    """Give aiohttp back the maskers it bound at import."""
    from aiohttp._websocket import reader_py, writer

    from ..integrations import aiohttp as integration

    integration.uninstall()
    for name, module in zip(_MODULES, (writer, reader_py)):
        if name in _built:
            module.websocket_mask = _built.pop(name)
