"""Run a module as ``__main__`` with drop-ins installed first::

    python -m wscodec.integrations._run wsproto,tornado -m pytest tests -q
    python -m wscodec.integrations._run none -m pytest tests -q

"none" runs it untouched, so that both runs of a library's test suite go
through the same launcher.  Exits with status 3 when a drop-in did not
install (a library it refused must not pass as a patched run).
"""

from __future__ import annotations

import importlib
import runpy
import sys


def main(argv: list[str]) -> int | str | None:
    if len(argv) < 3 or argv[1] != "-m":
        sys.stderr.write(__doc__)
        return 2
    names = [] if argv[0] == "none" else [n for n in argv[0].split(",") if n]
    integrations = [importlib.import_module(f"wscodec.integrations.{name}") for name in names]
    for name, integration in zip(names, integrations):
        if not integration.install():
            sys.stderr.write(f"wscodec drop-in {name}: not installed, see the warning above\n")
            return 3
        sys.stderr.write(f"wscodec drop-in {name} installed over {integration.installed_version()}\n")
    module = argv[2]
    sys.argv = [module] + argv[3:]
    code: int | str | None = 0
    try:
        if module == "pytest" and integrations:
            # A plugin object, not "-p name": pytest would warn that the
            # already imported module cannot be assertion-rewritten.
            import pytest

            from . import _pytest_plugin

            _pytest_plugin.INTEGRATIONS[:] = list(zip(names, integrations))
            code = pytest.main(argv[3:], plugins=[_pytest_plugin])
        else:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
    lost = [name for name, i in zip(names, integrations) if not i.is_installed()]
    if lost:
        sys.stderr.write(f"wscodec drop-in {', '.join(lost)}: swapped back during the run\n")
        return 4
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
