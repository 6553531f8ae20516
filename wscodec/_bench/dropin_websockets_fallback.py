"""websockets' own paths (see ``dropin_websockets``) on its pure-Python
fallback, the code it runs on PyPy or when its C extension was not built.

The only difference between the two builds is which ``apply_mask``
``websockets.frames`` bound at import; this module binds the fallback's for
its rows (and puts the C one back in ``finish``), so both builds are
measured in one process.  It stands in for the integration: ``install`` and
``uninstall`` are the drop-in's, over the fallback.
"""

from . import dropin_websockets

LIBRARY = "websockets (pure-Python fallback)"
INTEGRATION = __name__

_built = {}


def _force_fallback():
    import websockets.frames as frames
    from websockets.utils import apply_mask as fallback

    from ..integrations import websockets as integration

    if not integration.is_installed() and frames.apply_mask is not fallback:
        _built.setdefault("apply_mask", frames.apply_mask)
        frames.apply_mask = fallback
    return integration


def install(force=False):
    return _force_fallback().install(force=force)


def uninstall():
    _force_fallback().uninstall()


def installed_version():
    from ..integrations import websockets as integration

    return integration.installed_version()


def cases(quick):
    _force_fallback()
    return dropin_websockets.cases(quick)


def finish():
    """Give websockets back the ``apply_mask`` it bound at import."""
    import websockets.frames as frames

    from ..integrations import websockets as integration

    integration.uninstall()
    if "apply_mask" in _built:
        frames.apply_mask = _built.pop("apply_mask")
