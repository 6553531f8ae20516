"""setup.py's decision to build the extension: CPython only, and the
environment switches of docs/api.md.  PyPy and other interpreters get the
pure backend without a compile attempt (the extension uses CPython
internals)."""

import importlib.util
import pathlib
import sys

import pytest

SETUP = pathlib.Path(__file__).resolve().parent.parent / "setup.py"


@pytest.fixture(scope="module")
def setup_module():
    if not SETUP.is_file():
        pytest.skip("setup.py is not beside the tests")
    spec = importlib.util.spec_from_file_location("wscodec_setup", SETUP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # setup() itself only runs as __main__
    return module


@pytest.fixture(scope="module")
def build_plan(setup_module):
    return setup_module.build_plan


@pytest.mark.parametrize("implementation", ["pypy", "graalpy", "ironpython"])
def test_other_interpreters_get_the_pure_backend(build_plan, implementation):
    assert build_plan(implementation, {}) == (False, False)
    assert build_plan(implementation, {"WSCODEC_NO_EXTENSIONS": "1"}) == (False, False)


def test_cpython_builds_the_extension(build_plan):
    assert build_plan("cpython", {}) == (True, False)
    assert build_plan("cpython", {"WSCODEC_NO_EXTENSIONS": "0"}) == (True, False)
    assert build_plan("cpython", {"WSCODEC_NO_EXTENSIONS": "1"}) == (False, False)
    assert build_plan("cpython", {"WSCODEC_REQUIRE_EXTENSIONS": "1"}) == (True, True)
    assert build_plan("cpython", {"CIBUILDWHEEL": "1"}) == (True, True)


@pytest.mark.parametrize("implementation, environ", [
    ("cpython", {"WSCODEC_NO_EXTENSIONS": "1", "WSCODEC_REQUIRE_EXTENSIONS": "1"}),
    ("pypy", {"WSCODEC_REQUIRE_EXTENSIONS": "1"}),
    ("pypy", {"CIBUILDWHEEL": "1"}),
])
def test_contradictions_stop_the_build(build_plan, implementation, environ):
    with pytest.raises(SystemExit) as info:
        build_plan(implementation, environ)
    assert info.value.code and isinstance(info.value.code, str)



def test_release_builds_drop_asserts_debug_interpreters_keep_them(setup_module, monkeypatch):
    # A debug interpreter (Py_DEBUG, sys.gettotalrefcount) is for finding
    # bugs: NDEBUG there would switch off the checks in CPython's inline
    # header functions that the extension calls.
    monkeypatch.delattr(sys, "gettotalrefcount", raising=False)
    assert ("NDEBUG", None) in setup_module._define_macros()
    monkeypatch.setattr(sys, "gettotalrefcount", lambda: 0, raising=False)
    assert ("NDEBUG", None) not in setup_module._define_macros()
