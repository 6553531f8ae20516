"""pytest plugin of ``wscodec.integrations._run``: keeps the drop-ins in
place for every test of a library's suite.  Some suites re-import the very
modules that a drop-in patches (to test an import-time fallback); the
re-imported module has the library's own functions again, so the drop-in is
installed again after such a test, and the tests that did it are listed at
the end of the run."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

# Set by _run before pytest starts: [(name, integration module)].
INTEGRATIONS: list[tuple[str, ModuleType]] = []
_reinstalled: dict[str, list[str]] = {}


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    for name, integration in INTEGRATIONS:
        if not integration.is_installed():
            integration._integration.reinstall()
            _reinstalled.setdefault(name, []).append(nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, nodeids in _reinstalled.items():
        terminalreporter.write_line(
            f"wscodec drop-in {name}: installed again after {len(nodeids)} test(s) that re-import its modules: "
            + ", ".join(nodeids)
        )
