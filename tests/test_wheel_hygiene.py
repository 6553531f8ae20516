"""What an installed wscodec must carry: the typing marker and the stub, the
compiled modules (native lane), no build leftovers, one version string, and,
on a free-threaded interpreter, an extension that keeps the GIL off."""

import importlib.metadata
import os
import pathlib
import subprocess
import sys
import sysconfig

import pytest

import wscodec
from conftest import BACKEND_EXPORTS, PURE_LANE

PACKAGE = pathlib.Path(wscodec.__file__).resolve().parent
INSTALLED = os.environ.get("WSCODEC_EXPECT_INSTALLED") == "1"


def test_typing_marker_and_stubs_are_present():
    assert (PACKAGE / "py.typed").is_file()
    assert (PACKAGE / "_native" / "_ext.pyi").is_file()


def test_stub_names_every_name_of_the_extension():
    # Type checkers read wscodec/__init__.py, which types the API through the
    # annotated pure twin; the extension's own stub must cover what it exports
    # (stubtest compares the two in .ci/run).
    stub = (PACKAGE / "_native" / "_ext.pyi").read_text(encoding="utf-8")
    # encode_frame_parts is the pure function on both backends.
    shared = {"Opcode", "CloseCode", "ProtocolError", "PerMessageDeflate", "accept_key", "BACKEND", "SIMD",
              "encode_frame_parts"}
    missing = [
        name for name in BACKEND_EXPORTS
        if name not in shared and f"def {name}(" not in stub and f"class {name}:" not in stub
    ]
    assert not missing, f"wscodec/_native/_ext.pyi lacks {missing}"


def test_installed_package_has_no_build_leftovers():
    if not INSTALLED:
        pytest.skip("only checked on an installed wheel (WSCODEC_EXPECT_INSTALLED=1)")
    # The .pxd files of the C-level API for Cython code ship on purpose.
    public_pxd = {"api.pxd", os.path.join("_native", "_ext.pxd")}
    leftovers = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*")
        if p.suffix in {".c", ".h", ".pyx", ".pxi", ".pxd", ".o", ".obj", ".html"}
        and str(p.relative_to(PACKAGE)) not in public_pxd
    )
    assert not leftovers, leftovers


def test_installed_wheel_matches_the_lane():
    if not INSTALLED:
        pytest.skip("only checked on an installed wheel (WSCODEC_EXPECT_INSTALLED=1)")
    compiled = sorted(
        p.name for p in (PACKAGE / "_native").iterdir() if p.suffix in {".so", ".pyd"}
    )
    dist = importlib.metadata.distribution("wscodec")
    wheel_meta = dist.read_text("WHEEL") or ""
    tags = [
        line.split(":", 1)[1].strip()
        for line in wheel_meta.splitlines()
        if line.startswith("Tag:")
    ]
    assert tags, wheel_meta
    if PURE_LANE and not compiled:
        # The pure wheel: no extension, a universal tag.
        assert tags == ["py3-none-any"], tags
        return
    assert len(compiled) == 1, compiled
    assert all(not tag.startswith("py3-none") for tag in tags), tags


def test_version_comes_from_one_place():
    from wscodec import _version

    assert wscodec.__version__ == _version.__version__
    if INSTALLED:
        assert importlib.metadata.version("wscodec") == wscodec.__version__


@pytest.mark.skipif(not sysconfig.get_config_var("Py_GIL_DISABLED"), reason="GIL build")
def test_free_threaded_build_keeps_the_gil_off():
    # An extension without Py_mod_gil support makes CPython re-enable the
    # GIL at import (with a RuntimeWarning): the free-threaded wheel would
    # then be a GIL wheel in disguise.
    if PURE_LANE:
        pytest.skip("pure lane")
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('error')\n"
        "import wscodec._native._ext, wscodec\n"
        "assert wscodec.BACKEND == 'native', wscodec.BACKEND\n"
        "sys.exit(1 if sys._is_gil_enabled() else 0)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, f"GIL re-enabled on import: {proc.stderr}"


def test_installed_package_has_every_subpackage_of_the_source():
    # A subpackage that packaging misses is missing from every wheel, and
    # only an installed test notices.
    source = pathlib.Path(__file__).resolve().parent.parent / "wscodec"
    if not INSTALLED or not source.is_dir():
        pytest.skip("needs an installed wheel and the source tree beside the tests")
    wanted = sorted(
        str(p.parent.relative_to(source)) for p in source.rglob("__init__.py")
    )
    missing = [sub for sub in wanted if not (PACKAGE / sub / "__init__.py").is_file()]
    assert not missing, f"subpackages missing from the installed package: {missing}"
