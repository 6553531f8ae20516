"""Every test that takes the ``backend`` fixture runs against both backends.

The native backend must be importable unless the pure lane was asked for
(WSCODEC_NO_EXTENSIONS=1) or the interpreter is not CPython (the build skips
the extension there: PyPy users get the pure backend): a silent fallback
would make the whole suite test the pure twin twice.
"""

import importlib
import os
import platform
import sys
import sysconfig
import tempfile
import threading

import pytest

CPYTHON = platform.python_implementation() == "CPython"
PURE_LANE = os.environ.get("WSCODEC_NO_EXTENSIONS", "") not in ("", "0") or not CPYTHON
BACKEND_NAMES = ["pure"] if PURE_LANE else ["native", "pure"]


# On a free-threaded build, an extension module that does not declare
# free-threading support makes CPython turn the GIL back on for the rest of
# the process, with only a warning: every thread test after it would then
# prove nothing.  PYTHON_GIL=1 (or -X gil=1) is that too, on purpose.
FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_enabled():
    return FREE_THREADED and sys._is_gil_enabled()


GIL_TURNED_ON = []  # where the GIL was first seen on, outside any test


def pytest_sessionstart(session):
    if FREE_THREADED:
        import wscodec

        for name in BACKEND_NAMES:
            load_backend(name)
        if gil_enabled():
            GIL_TURNED_ON.append(f"by importing wscodec ({wscodec.BACKEND})")


def pytest_collection_finish(session):
    # Collection imports every test module, and so the peers they import.
    if gil_enabled() and not GIL_TURNED_ON:
        GIL_TURNED_ON.append("while collecting the test modules (an import at module level)")


@pytest.fixture(autouse=True, scope="session")
def _gil_off_after_importing_wscodec():
    assert not GIL_TURNED_ON, f"the GIL was turned on {GIL_TURNED_ON[0]}"
    yield


@pytest.fixture(autouse=True, scope="module")
def _gil_stays_off(request, _gil_off_after_importing_wscodec):
    # Checked on both sides: a module that starts with the GIL on would
    # otherwise take the blame for the one before it.
    assert not gil_enabled(), f"the GIL was on before {request.module.__name__} started"
    yield
    assert not gil_enabled(), f"the GIL is on after {request.module.__name__}: something it imported turned it on"


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


def readline_within(stream, timeout):
    """The next line of a child's pipe, or "" if none came within ``timeout`` seconds."""
    result = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return result[0] if result else ""
