"""The mechanism every drop-in shares: reversible attribute swaps, guarded
by the version range of the library that they were tested with.

An integration is a list of ``Swap(module, name, replacement)``: after
``install()``, ``module.name`` is ``replacement``; ``uninstall()`` puts the
original object back.  Nothing is copied or wrapped, so a library that
looks the name up at call time (a module global, a class attribute) picks
the replacement up at once, in every connection, old and new.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
import threading
import warnings
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import Any

__all__ = ["DropinVersionWarning", "Integration", "Swap", "source_digest", "version_in_range"]


class DropinVersionWarning(UserWarning):
    """The installed library is outside the version range that its
    integration was tested with; the integration left it untouched."""


class Swap:
    """Set ``module.name`` to ``replacement`` on install; ``name`` may be
    dotted (``"ABNF.mask"``: an attribute of a class in ``module``, taken
    from the class's own ``__dict__`` so that a ``staticmethod`` is put back
    as one).  ``replacement``
    may be a zero-argument callable flagged by ``lazy=True``: it is called
    once, at the first install, after ``module`` is imported (for a
    replacement that is built from the original, e.g. a subclass)."""

    __slots__ = ("module", "name", "replacement", "lazy")

    def __init__(self, module: str, name: str, replacement: Any, *, lazy: bool = False) -> None:
        self.module = module
        self.name = name
        self.replacement = replacement
        self.lazy = lazy

    def __repr__(self) -> str:
        return f"Swap({self.module}.{self.name})"


_ABSENT: Any = object()

# What install() did, one entry per swap: (swap, owner, name, original, replacement).
_Done = tuple[Swap, Any, str, Any, Any]


def _owner(module: str, dotted: str) -> tuple[Any, str]:
    """The object that holds the last part of ``dotted``, and that part."""
    owner: Any = importlib.import_module(module)
    *path, name = dotted.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name


def _current(owner: Any, name: str) -> Any:
    if isinstance(owner, type):
        return owner.__dict__.get(name, _ABSENT)
    return getattr(owner, name, _ABSENT)


_CLAUSE = re.compile(r"^\s*(>=|<|==)\s*([0-9]+(?:\.[0-9]+)*)\s*$")


def _release(version: str) -> tuple[int, ...]:
    """The leading release numbers of ``version`` ("1.3.2rc1" -> (1, 3, 2))."""
    match = re.match(r"\s*v?([0-9]+(?:\.[0-9]+)*)", version)
    if not match:
        raise ValueError(f"cannot read version {version!r}")
    return tuple(int(part) for part in match.group(1).split("."))


def _pad(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def version_in_range(version: str, specifier: str) -> bool:
    """Is ``version`` inside ``specifier``, a comma-separated list of
    ``>=X.Y``, ``<X.Y`` and ``==X.Y`` clauses on release numbers?

    A pre-release counts as its release (1.4.0rc1 is 1.4.0), so ``<1.4``
    excludes it: a range is meant to hold only what was tested.
    """
    have = _release(version)
    for clause in specifier.split(","):
        match = _CLAUSE.match(clause)
        if not match:
            raise ValueError(f"unsupported version clause {clause!r} in {specifier!r}")
        op, bound = match.group(1), tuple(int(p) for p in match.group(2).split("."))
        a, b = _pad(have, bound)
        if op == ">=" and not a >= b or op == "<" and not a < b or op == "==" and a != b:
            return False
    return True


def source_digest(*functions: Any) -> str | None:
    """sha256 of the source code of ``functions``, or None where Python
    cannot show it (a sourceless install): what a replacement that mirrors
    a library's function checks before it takes that function's place."""
    digest = hashlib.sha256()
    for function in functions:
        try:
            source = inspect.getsource(function)
        except (OSError, TypeError):
            return None
        digest.update(source.encode())
    return digest.hexdigest()


class Integration:
    """The install state of one library's drop-in.

    ``distribution`` is the name the library is installed under (what
    ``pip`` and ``importlib.metadata`` call it), ``tested`` the version
    range (see ``version_in_range``), ``swaps`` a callable returning the
    list of ``Swap`` (called at install time, so that importing the
    integration imports neither the library nor its replacements).
    """

    def __init__(self, distribution: str, tested: str, swaps: Callable[[], Iterable[Swap]]) -> None:
        self.distribution = distribution
        self.tested = tested
        self._swaps = swaps
        self._originals: list[_Done] | None = None  # [(swap, owner, name, original, replacement)]
        self._lock = threading.RLock()

    def installed_version(self) -> str:
        """The library's installed version; ImportError when it is absent."""
        try:
            return metadata.version(self.distribution)
        except metadata.PackageNotFoundError:
            raise ImportError(
                f"{self.distribution} is not installed, so its wscodec drop-in has nothing to speed up "
                f"(pip install {self.distribution!r})",
                name=self.distribution,
            ) from None

    def install(self, *, force: bool = False) -> bool:
        """Swap the library's functions for wscodec's; returns True when
        they are in place (also when they already were), False when the
        installed version is outside the tested range (a
        ``DropinVersionWarning`` says so and nothing is changed; ``force``
        installs anyway).  Raises ImportError if the library is absent."""
        with self._lock:
            if self._originals is not None:
                return True
            version = self.installed_version()
            if not version_in_range(version, self.tested):
                if not force:
                    warnings.warn(
                        f"wscodec drop-in for {self.distribution} was tested with {self.tested}, "
                        f"found {version}: not installed (install(force=True) to try it anyway)",
                        DropinVersionWarning,
                        stacklevel=2,
                    )
                    return False
            done: list[_Done] = []
            try:
                for swap in self._swaps():
                    owner, name = _owner(swap.module, swap.name)
                    original = _current(owner, name)
                    if original is _ABSENT:
                        raise AttributeError(f"{swap.module}.{swap.name} is gone: this version is not supported")
                    replacement = swap.replacement() if swap.lazy else swap.replacement
                    setattr(owner, name, replacement)
                    done.append((swap, owner, name, original, replacement))
            except BaseException:
                self._revert(done)
                raise
            self._originals = done
            return True

    def uninstall(self) -> None:
        """Put the library's own functions back; a no-op if not installed."""
        with self._lock:
            if self._originals is None:
                return
            done, self._originals = self._originals, None
            self._revert(done)

    @staticmethod
    def _revert(done: list[_Done]) -> None:
        for _swap, owner, name, original, replacement in reversed(done):
            # Someone who swapped the name again after us keeps theirs.
            if _current(owner, name) is replacement:
                setattr(owner, name, original)

    def is_installed(self) -> bool:
        """True while every swap of this integration is in place."""
        with self._lock:
            if self._originals is None:
                return False
            # A test suite that re-imports a module (importlib.reload, or
            # del sys.modules[...]) runs the library's own code again.
            return all(
                _current(owner, name) is r and _owner(swap.module, swap.name)[0] is owner
                for swap, owner, name, _, r in self._originals
            )

    def reinstall(self) -> bool:
        """Install again after a re-import of the library's modules undid
        the swaps (the originals are the re-imported module's)."""
        with self._lock:
            if self._originals is not None:
                done, self._originals = self._originals, None
                self._revert(done)
            return self.install(force=True)

    def original(self, module: str, name: str) -> Any:
        """The library's own object that ``install()`` replaced (for
        replacements that delegate the cases they do not handle)."""
        with self._lock:
            for swap, _, _, original, _ in self._originals or ():
                if swap.module == module and swap.name == name:
                    return original
        owner, last = _owner(module, name)
        return _current(owner, last)
