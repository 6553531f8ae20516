"""What every drop-in test needs from ``install()``, whatever release of the
library the registry served: where the release is one the drop-in takes,
the swaps; where it is one the drop-in refuses (its replaced code changed),
proof that the refusal is clean, and the test skipped with the reason."""

import warnings

import pytest

from wscodec.integrations import DropinVersionWarning, _support


def targets(dropin):
    """The library's objects now at every name ``dropin`` would replace."""
    found = {}
    for swap in dropin._integration._swaps():
        owner, name = _support._owner(swap.module, swap.name)
        found[f"{swap.module}.{swap.name}"] = _support._current(owner, name)
    return found


def refusal(dropin):
    """Calls ``dropin.install()``; None when it installed, else the text of
    its ``DropinVersionWarning``, after checking that nothing was changed."""
    before = targets(dropin)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if dropin.install():
            return None
    said = [str(w.message) for w in caught if issubclass(w.category, DropinVersionWarning)]
    assert said, "install() returned False without a DropinVersionWarning"
    assert not dropin.is_installed()
    after = targets(dropin)
    assert after.keys() == before.keys()
    for name, original in before.items():
        assert after[name] is original, f"{name} was changed by a refused install()"
    return said[0]


def install_or_skip(dropin):
    """``dropin.install()`` for a test that needs the swaps in place."""
    why = refusal(dropin)
    if why is not None:
        pytest.skip(f"the drop-in refuses this release, cleanly: {why}")


def assert_refuses(dropin, *names):
    """``install()`` refuses with a warning that names one of ``names`` and
    leaves every name it would replace as it was."""
    version = dropin.installed_version()
    if not _support.version_in_range(version, dropin.SUPPORTED_VERSIONS):
        pytest.skip(f"{version} is refused by its number, before any check (outside {dropin.SUPPORTED_VERSIONS})")
    why = refusal(dropin)
    assert why is not None, "install() went ahead over a changed function"
    assert any(name in why for name in names), why
