"""websockets' own paths (see ``dropin.websockets``) on its pure-Python
fallback, the code it runs on PyPy or when its C extension was not built:
the two builds differ in which ``apply_mask`` ``websockets.frames`` bound
at import, so binding the fallback's measures both in one process."""

from . import websockets as installed
from .forced import ForcedBuild

LIBRARY = "websockets (pure-Python fallback)"


def _bindings():
    import websockets.frames as frames
    from websockets.utils import apply_mask

    return [(frames, "apply_mask", apply_mask)]


INTEGRATION = ForcedBuild("wscodec.integrations.websockets", _bindings)
finish = INTEGRATION.finish


def cases(quick):
    # The fallback is bound by INTEGRATION before every sample, not here:
    # collecting the cases must leave the installed build in place.
    return installed.cases(quick)
