"""The errors both backends raise when their objects are used the wrong way
from Python: written once so the two can never drift apart."""

from __future__ import annotations

from typing import NoReturn

__all__ = ["in_use", "not_initialised", "not_picklable", "InitGuard"]


def not_initialised(obj: object) -> RuntimeError:
    return RuntimeError(f"{type(obj).__name__}.__init__ was not called")


def in_use(obj: object) -> RuntimeError:
    # A second thread, or a callback of the first (an inflater), entered the
    # same decoder while a feed() was still running.
    return RuntimeError(
        f"{type(obj).__name__} is in use: another thread or a callback is inside its feed(); "
        "a decoder belongs to one thread at a time"
    )


def not_picklable(obj: object) -> TypeError:
    # These objects hold the state of one direction of one live connection
    # (a half-received message, an inflater's window): a copy is never what
    # the caller meant.
    return TypeError(f"cannot pickle or copy {type(obj).__name__!r} object")


class InitGuard:
    """Mixin for the pure backend's __slots__ classes: reading a field that
    __init__ never set (an object made by ``cls.__new__(cls)``, or a subclass
    whose __init__ skips ours) raises the RuntimeError the native backend
    raises, instead of an AttributeError naming an internal field.  Costs
    nothing on the normal path: __getattr__ runs only after a failed lookup.
    Also refuses pickling and copying, as the native classes do."""

    __slots__ = ()

    def __getattr__(self, name: str) -> NoReturn:
        for cls in type(self).__mro__:
            if name in cls.__dict__.get("__slots__", ()):
                raise not_initialised(self)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise not_picklable(self)
