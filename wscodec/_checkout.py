"""Why the native backend did not import, in words a user can act on.

The usual cause is not a broken build but the wrong ``wscodec``: Python
puts the current directory first on ``sys.path``, so ``python -m wscodec``
or ``import wscodec`` run from the root of a source checkout picks up the
source folder, which has the ``.pyx`` files but no compiled extension,
instead of the package installed in the environment.
"""

import os


def source_checkout_without_extension() -> bool:
    """True when ``wscodec/_native`` is a source folder with no compiled
    module in it (an installed wheel ships no ``.pyx``)."""
    native = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_native")
    try:
        names = os.listdir(native)
    except OSError:
        return False
    has_source = any(n.endswith(".pyx") for n in names)
    has_binary = any(n.startswith("_ext.") and n.endswith((".so", ".pyd")) for n in names)
    return has_source and not has_binary


def explain(exc: BaseException) -> str:
    """The message for an ImportError ``exc`` raised by ``wscodec._native``."""
    if not source_checkout_without_extension():
        return f"the native extension failed to import: {exc}"
    package = os.path.dirname(os.path.abspath(__file__))
    return (
        f"{package} is a source checkout with no compiled native extension, so "
        "only the pure-Python backend can run from it. Python found this folder "
        "first on sys.path (`python -m` and `python -c` put the current directory "
        "there). To use the installed wscodec, run from another directory or with "
        "`python -I` (e.g. `.venv/bin/python -I -m wscodec bench`); to build the "
        "extension into this folder, `pip install Cython 'setuptools>=77'` and "
        "`python setup.py build_ext --inplace`."
    )


class NotBuilt(ImportError):
    """The native backend is absent: the message says why and what to do."""
