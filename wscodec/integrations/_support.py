"""The mechanism every drop-in shares: reversible attribute swaps, each
guarded by a check of the very object it replaces.

An integration is a list of ``Swap(module, name, replacement, check=...)``:
after ``install()``, ``module.name`` is ``replacement``; ``uninstall()``
puts the original object back.  Nothing is copied or wrapped, so a library
that looks the name up at call time (a module global, a class attribute)
picks the replacement up at once, in every connection, old and new.

Before anything is swapped, every swap's ``check`` looks at the library's
object as it is installed: a replacement that mirrors code statement for
statement checks the source digest of what it mirrors (``mirrors``), any
other checks the signature and a few calls against its own results
(``behaves_like``).  A release whose replaced code did not change passes
whatever its number; a patch release that changed it is refused.  The
version number only bounds the major releases an integration has seen.
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

__all__ = [
    "Check", "DropinVersionWarning", "Integration", "Swap", "behaves_like", "mirrors", "source_digest",
    "version_in_range",
]


class DropinVersionWarning(UserWarning):
    """The installed library is not one the integration can take part of:
    a replaced name is gone or its code or behaviour changed, or it is a
    major release the integration has never seen.  The warning says which;
    the integration left the library untouched."""


# check(original, replacement) -> None when the replacement can take the
# original's place, else what differs, as the end of a sentence.
Check = Callable[[Any, Any], "str | None"]


class Swap:
    """Set ``module.name`` to ``replacement`` on install; ``name`` may be
    dotted (``"ABNF.mask"``: an attribute of a class in ``module``, taken
    from the class's own ``__dict__`` so that a ``staticmethod`` is put back
    as one).  ``replacement``
    may be a zero-argument callable flagged by ``lazy=True``: it is called
    once, at the first install, after ``module`` is imported (for a
    replacement that is built from the original, e.g. a subclass).
    ``check`` is called with the library's object and the replacement (for
    a lazy one, the factory) before anything is swapped."""

    __slots__ = ("module", "name", "replacement", "lazy", "check")

    def __init__(self, module: str, name: str, replacement: Any, *, check: Check, lazy: bool = False) -> None:
        self.module = module
        self.name = name
        self.replacement = replacement
        self.check = check
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


def mirrors(is_mirrored: Callable[[], bool]) -> Check:
    """The check of a replacement that mirrors the library's code: passes
    while ``is_mirrored()`` (a source digest among the known ones) holds."""

    def check(original: Any, replacement: Any) -> str | None:
        if is_mirrored():
            return None
        return "is not the code its replacement mirrors (its source digest is not one of the known ones)"

    return check


def _parameters(function: Any) -> list[tuple[str, Any, bool]] | None:
    """Name, kind and "has a default" of each parameter; None where Python
    cannot read a signature (a C function without one)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    return [(p.name, p.kind, p.default is not p.empty) for p in signature.parameters.values()]


def _outcome(run: Callable[[Any, tuple[Any, ...]], Any], subject: Any, args: tuple[Any, ...]) -> str:
    """What ``run(subject, args)`` gives, as text: its repr (so that bytes
    and bytearray, True and 1 differ), or the type of what it raises."""
    try:
        return repr(run(subject, args))
    except Exception as exc:  # noqa: BLE001 - the type is what is compared
        return f"raises {type(exc).__name__}"


def _call(function: Any, args: tuple[Any, ...]) -> Any:
    return function(*args)


def behaves_like(*calls: tuple[Any, ...], run: Callable[[Any, tuple[Any, ...]], Any] = _call) -> Check:
    """The check of a replacement that keeps the original's contract: the
    same parameters (where the original's signature can be read) and, for
    each argument tuple of ``calls``, the same result from ``run(original,
    args)`` as from ``run(replacement, args)``, or the same exception type.
    ``run`` defaults to calling the object with the arguments; a class's
    check drives an instance through its methods."""

    def check(original: Any, replacement: Any) -> str | None:
        theirs = _parameters(original)
        if theirs is not None and theirs != _parameters(replacement):
            return f"has other parameters than its replacement ({inspect.signature(original)})"
        for args in calls:
            got, want = _outcome(run, original, args), _outcome(run, replacement, args)
            if got != want:
                return f"gives {got[:80]} for {args!r:.80} where its replacement gives {want[:80]}"
        return None

    return check


class Integration:
    """The install state of one library's drop-in.

    ``distribution`` is the name the library is installed under (what
    ``pip`` and ``importlib.metadata`` call it), ``supported`` the releases
    it may install over (see ``version_in_range``: from the oldest release
    whose suite was run, below the next major one), ``swaps`` a callable
    returning the list of ``Swap`` (called at install time, so that
    importing the integration imports neither the library nor its
    replacements).
    """

    def __init__(self, distribution: str, supported: str, swaps: Callable[[], Iterable[Swap]]) -> None:
        self.distribution = distribution
        self.supported = supported
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
        installed release is outside ``supported`` or a swap's check finds
        that the object it would replace changed (a ``DropinVersionWarning``
        says which, and nothing is changed; ``force`` installs anyway).
        Raises ImportError if the library is absent."""
        with self._lock:
            if self._originals is not None:
                return True
            version = self.installed_version()
            if not force and not version_in_range(version, self.supported):
                return self._refuse(version, f"it supports {self.supported}")
            planned: list[tuple[Swap, Any, str, Any]] = []
            for swap in self._swaps():
                owner, name = _owner(swap.module, swap.name)
                original = _current(owner, name)
                if original is _ABSENT:
                    problem: str | None = "is gone"
                    if force:
                        raise AttributeError(f"{swap.module}.{swap.name} is gone: nothing to replace")
                else:
                    problem = None if force else swap.check(original, swap.replacement)
                if problem is not None:
                    return self._refuse(version, f"{swap.module}.{swap.name} {problem}")
                planned.append((swap, owner, name, original))
            done: list[_Done] = []
            try:
                for swap, owner, name, original in planned:
                    replacement = swap.replacement() if swap.lazy else swap.replacement
                    setattr(owner, name, replacement)
                    done.append((swap, owner, name, original, replacement))
            except BaseException:
                self._revert(done)
                raise
            self._originals = done
            return True

    def _refuse(self, version: str, why: str) -> bool:
        warnings.warn(
            f"wscodec drop-in for {self.distribution} {version} not installed: {why}; "
            f"{self.distribution} is left as it is (install(force=True) to install anyway)",
            DropinVersionWarning,
            stacklevel=3,
        )
        return False

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

    def exports(self) -> tuple[Callable[..., bool], Callable[[], None], Callable[[], bool], Callable[[], str]]:
        """``install, uninstall, is_installed, installed_version``: the four
        functions every integration module exports, bound to this one."""
        return self.install, self.uninstall, self.is_installed, self.installed_version

    def original(self, module: str, name: str) -> Any:
        """The library's own object that ``install()`` replaced (for
        replacements that delegate the cases they do not handle)."""
        with self._lock:
            for swap, _, _, original, _ in self._originals or ():
                if swap.module == module and swap.name == name:
                    return original
        owner, last = _owner(module, name)
        return _current(owner, last)
