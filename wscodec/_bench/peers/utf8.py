"""UTF-8 validation rows: is this whole buffer valid UTF-8?"""

import codecs

from .. import data as _data
from ..timing import Call
from .contender import check, lineup, need, wsclient_engine

NAMES = ("native", "pure", "bytes.decode", "codecs", "wsaccel", "websocket-client")


def utf8_validate(backends, corpus, size):
    """Is this whole buffer valid UTF-8?  Peers that decode pay for the
    ``str`` they build: that is what validating costs a user without wscodec."""
    text = _data.utf8_corpus(corpus, size)
    valid = _data.expected_valid(corpus)

    def ours(mod):
        check(mod.validate_utf8(text) is valid, "wrong verdict")
        return Call(mod.validate_utf8, text), None

    def _decoder(decode, *extra):
        def checked(d):
            try:
                decode(d, *extra)
            except UnicodeDecodeError:
                return False
            return True

        check(checked(text) is valid, "wrong verdict")
        # Invalid input raises: the handler is part of the price there.
        return Call(decode, text, *extra) if valid else Call(checked, text)

    def bytes_decode():
        return _decoder(bytes.decode), "bytes.decode('utf-8')"

    def codecs_incremental():
        dec = codecs.getincrementaldecoder("utf-8")()
        return _decoder(dec.decode, True), "codecs incremental decoder, final=True"

    def wsaccel():
        need("wsaccel")
        from wsaccel.utf8validator import Utf8Validator

        def validate(d, v=Utf8Validator()):  # noqa: B008 - one validator, bound once for speed
            v.reset()
            return v.validate(d)[0]

        check(validate(text) is valid, "wrong verdict")
        if valid:
            # A validator that ends on a character boundary is back in its
            # start state, so the bare method is the honest cheapest call.
            return Call(Utf8Validator().validate, text), "Utf8Validator.validate"
        return Call(validate, text), "Utf8Validator reset+validate"

    def websocket_client():
        need("websocket")
        from websocket._utils import validate_utf8

        check(bool(validate_utf8(text)) is valid, "wrong verdict")
        return Call(validate_utf8, text), f"websocket._utils.validate_utf8 ({wsclient_engine()})"

    return lineup(backends, NAMES, ours, {"bytes.decode": bytes_decode, "codecs": codecs_incremental,
                                          "wsaccel": wsaccel, "websocket-client": websocket_client})
