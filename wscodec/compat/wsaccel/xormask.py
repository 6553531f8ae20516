"""wsaccel.xormask: streaming maskers that return ``bytes``.

The classes live in ``wscodec._xormask``, which the autobahn drop-in
shares.
"""

from ..._xormask import XorMaskerNull, XorMaskerSimple, createXorMasker

__all__ = ["XorMaskerNull", "XorMaskerSimple", "createXorMasker"]
