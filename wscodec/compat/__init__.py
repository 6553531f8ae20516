"""Replacements for other packages' APIs, backed by wscodec.

- ``wscodec.compat.wsaccel``: the ``wsaccel`` accelerator's API
  (``Utf8Validator``, ``XorMaskerNull``, ``XorMaskerSimple``,
  ``createXorMasker``) with identical results.
"""
