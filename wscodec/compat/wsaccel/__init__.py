"""wsaccel's API with identical results, on wscodec's SIMD masking and UTF-8
validation.  Code written for wsaccel switches by changing one import::

    from wsaccel.utf8validator import Utf8Validator        # before
    from wscodec.compat.wsaccel import Utf8Validator       # after

The submodules ``utf8validator`` and ``xormask`` mirror wsaccel's, so
``from wscodec.compat.wsaccel.xormask import createXorMasker`` works too.
Differences: ``Utf8Validator.decode`` raises ValueError for a value outside
0-255 (wsaccel reads past its table there), and nothing here is picklable.
"""

from __future__ import annotations

from typing import Any

from .utf8validator import Utf8Validator
from .xormask import XorMaskerNull, XorMaskerSimple, createXorMasker

__all__ = ["Utf8Validator", "XorMaskerNull", "XorMaskerSimple", "createXorMasker", "patch_autobahn", "patch_ws4py"]


def patch_autobahn() -> bool:
    """What wsaccel's ``patch_autobahn`` meant to do, for today's autobahn:
    ``wscodec.integrations.autobahn.install()``."""
    from ...integrations import autobahn

    return autobahn.install()


def patch_ws4py() -> None:
    """wsaccel's ``patch_ws4py``, with wscodec's validator and masker."""
    from ws4py import framing, streaming

    streaming.Utf8Validator = Utf8Validator

    def mask(self: Any, data: bytes) -> bytes:
        if self.masking_key:
            return XorMaskerSimple(self.masking_key).process(data)
        return data

    framing.Frame.mask = mask
    framing.Frame.unmask = mask
