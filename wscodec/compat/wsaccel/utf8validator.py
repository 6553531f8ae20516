"""wsaccel.utf8validator: Hoehrmann's incremental UTF-8 validator.

The class lives in ``wscodec._hoehrmann``, which the autobahn drop-in
shares.
"""

from ..._hoehrmann import Utf8Validator

__all__ = ["Utf8Validator"]
