"""Build the native backend (Cython over the C core in src/).

The extension is optional for users: without a compiler they still get a
working pure-Python install, with a warning.  Builds that are meant to be
native (CI, cibuildwheel) set WSCODEC_REQUIRE_EXTENSIONS=1 (cibuildwheel's
own CIBUILDWHEEL=1 counts too) and then any build failure is fatal.
WSCODEC_NO_EXTENSIONS=1 skips the extension and builds the pure wheel.
"""

import glob
import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))


def _flag(name):
    return os.environ.get(name, "") not in ("", "0")


NO_EXTENSIONS = _flag("WSCODEC_NO_EXTENSIONS")
REQUIRE_EXTENSIONS = _flag("WSCODEC_REQUIRE_EXTENSIONS") or _flag("CIBUILDWHEEL")
if NO_EXTENSIONS and REQUIRE_EXTENSIONS:
    sys.exit("WSCODEC_NO_EXTENSIONS and WSCODEC_REQUIRE_EXTENSIONS contradict each other")


def _core_sources():
    # Relative paths: setuptools rejects absolute ones in sdists.
    return sorted(os.path.relpath(p, HERE) for p in glob.glob(os.path.join(HERE, "src", "*.c")))


def _compile_args():
    if sys.platform == "win32":
        return ["/O2"]
    # Release flags only; never -march: ISA-specific code is selected at run
    # time, so one wheel runs on every CPU of its platform.
    return ["-O3", "-g0", "-std=c99", "-fno-strict-aliasing"]


def _define_macros():
    # A debug interpreter (Py_DEBUG) is there to find bugs: keep assert() on
    # against it, so that CPython's inline header functions check their
    # arguments in our code too.
    if hasattr(sys, "gettotalrefcount"):
        return []
    return [("NDEBUG", None)]


# Every Cython directive of the module, in one place.
COMPILER_DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "initializedcheck": False,
    "cdivision": True,
    "embedsignature": True,
    "freethreading_compatible": True,
    # Plain builtin functions and methods, which the interpreter calls more
    # cheaply than Cython function objects (~7% of a small masked frame).
    "binding": False,
}


def _extensions():
    # One module: the C core is linked once, so there is one SIMD dispatch
    # state.  _ext.pyx includes the .pxi rooms beside it.
    native = "wscodec/_native"
    ext = Extension(
        "wscodec._native._ext",
        [f"{native}/_ext.pyx", *_core_sources()],
        include_dirs=["src", native],
        depends=sorted(glob.glob(os.path.join(native, "*.pxi")) + glob.glob(os.path.join(native, "*.h"))
                       + glob.glob(os.path.join("src", "*.h"))),
        extra_compile_args=_compile_args(),
        define_macros=_define_macros(),
    )
    from Cython.Build import cythonize

    return cythonize([ext], compiler_directives=COMPILER_DIRECTIVES)


class OptionalBuildExt(build_ext):
    """Turn a failed compile into a warning unless a native build was asked for."""

    def run(self):
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any build failure means "no compiler"
            self._give_up(exc)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            self._give_up(exc)

    def _give_up(self, exc):
        if REQUIRE_EXTENSIONS:
            raise
        banner = "*" * 72
        sys.stderr.write(
            f"\n{banner}\nWARNING: wscodec's native backend could not be built ({exc}).\n"
            "Installing the pure-Python backend: same API, much slower.\n"
            f"{banner}\n\n"
        )


if NO_EXTENSIONS:
    setup(ext_modules=[])
else:
    setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
