"""The streaming UTF-8 check of a text message across its frames (twin:
_native/text_check.pxi).

Its state is a Utf8Validator the decoder holds as ``_text_state``: every
piece of a text message goes through it as it arrives, so invalid text
fails at the first bad byte, whatever the fragmentation.
"""

from __future__ import annotations

from .._rules import protocol_error
from .utf8 import Utf8Validator


def _start_text(t: Utf8Validator) -> None:
    """A text message begins."""
    t.reset()


def _feed_text(t: Utf8Validator, chunk: bytes | bytearray | memoryview) -> bool:
    """Validate the next bytes of a text message."""
    return t.feed(chunk)


def _finish_text(t: Utf8Validator) -> None:
    """The text message ended: its last character must be complete."""
    if not t.finish():
        raise protocol_error("text_ends_mid_character")
