"""Every test that takes the ``backend`` fixture runs against both backends.

The native backend must be importable unless the pure lane was asked for
(WSCODEC_NO_EXTENSIONS=1) or the interpreter is not CPython (the build skips
the extension there: PyPy users get the pure backend): a silent fallback
would make the whole suite test the pure twin twice.
"""

import importlib
import os
import platform
import tempfile

import pytest

CPYTHON = platform.python_implementation() == "CPython"
PURE_LANE = os.environ.get("WSCODEC_NO_EXTENSIONS", "") not in ("", "0") or not CPYTHON
BACKEND_NAMES = ["pure"] if PURE_LANE else ["native", "pure"]


def load_backend(name):
    return importlib.import_module(f"wscodec._{name}")


@pytest.fixture(params=BACKEND_NAMES, scope="session")
def backend(request):
    return load_backend(request.param)


@pytest.fixture(scope="session")
def pure():
    return load_backend("pure")


@pytest.fixture(scope="session")
def native():
    if PURE_LANE:
        pytest.skip("pure lane: WSCODEC_NO_EXTENSIONS is set, or no native backend on this interpreter")
    return load_backend("native")


def need_tracemalloc():
    """tracemalloc, for a test that measures what CPython's allocator holds.
    PyPy has no tracemalloc (nor sys.getsizeof, sys.getrefcount): its GC
    moves objects and has no per-object sizes, so such a test skips there."""
    try:
        import tracemalloc
    except ImportError:
        pytest.skip("no tracemalloc on this interpreter: the Python heap is not measured")
    return tracemalloc


def subprocess_env(**overrides):
    """Environment for a child Python that must import the same wscodec as
    this suite (the installed wheel in CI, the source tree in development).

    Run the child with ``cwd=NEUTRAL_CWD``: started from the repository root,
    ``python -m`` would import the unbuilt source folder instead.
    """
    import wscodec

    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(wscodec.__file__))
    env.update(overrides)
    return env


NEUTRAL_CWD = tempfile.gettempdir()
