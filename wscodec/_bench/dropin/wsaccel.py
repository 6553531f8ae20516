"""``wscodec.compat.wsaccel`` against the wsaccel package it replaces: the
same calls, the stock contender is wsaccel's, the other one wscodec's."""

from .. import data
from ..timing import Call
from .cases import SIZES, Case

LIBRARY = "wsaccel"


class INTEGRATION:
    """Nothing to install: code switches by changing its import."""

    @staticmethod
    def installed_version():
        from importlib import metadata

        try:
            return metadata.version("wsaccel")
        except metadata.PackageNotFoundError:
            raise ImportError("wsaccel is not installed", name="wsaccel") from None

    @staticmethod
    def install(force=False):
        return True

    @staticmethod
    def uninstall():
        pass


def cases(quick):
    from wsaccel.utf8validator import Utf8Validator as TheirValidator
    from wsaccel.xormask import XorMaskerSimple as TheirMasker

    from ...compat.wsaccel import Utf8Validator, XorMaskerSimple

    out = []
    for corpus in ("ascii", "cjk"):
        for size in SIZES:
            text = data.utf8_corpus(corpus, size)

            def validate(cls, text=text):
                return cls().validate(text)

            out.append(Case(f"Utf8Validator().validate {corpus}", size, size,
                            lambda validate=validate: Call(validate, TheirValidator),
                            lambda validate=validate: validate(TheirValidator),
                            make_dropin=lambda validate=validate: Call(validate, Utf8Validator),
                            output_dropin=lambda validate=validate: validate(Utf8Validator)))
    for size in SIZES:
        payload = data.mask_data(size)

        def process(cls, payload=payload):
            return cls(data.MASK_KEY).process(payload)

        out.append(Case("XorMaskerSimple(key).process", size, size,
                        lambda process=process: Call(process, TheirMasker),
                        lambda process=process: process(TheirMasker),
                        make_dropin=lambda process=process: Call(process, XorMaskerSimple),
                        output_dropin=lambda process=process: process(XorMaskerSimple)))
    return out
