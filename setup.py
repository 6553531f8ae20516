"""Build the native backend (Cython over the C core in src/).

The extension is optional for users: without a compiler they still get a
working pure-Python install, with a warning.  Builds that are meant to be
native (CI, cibuildwheel) set WSCODEC_REQUIRE_EXTENSIONS=1 (cibuildwheel's
own CIBUILDWHEEL=1 counts too) and then any build failure is fatal.
WSCODEC_NO_EXTENSIONS=1 skips the extension and builds the pure wheel.
On PyPy and every other interpreter that is not CPython the extension is
not attempted: it uses CPython internals, and the pure backend is what
those interpreters are fast at.

Everything that needs setuptools runs under ``__main__`` (pip and
``python setup.py`` both run it so), so tests can import build_plan alone.
"""

import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Every Cython directive of the module, in one place.
COMPILER_DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "initializedcheck": False,
    "cdivision": True,
    "embedsignature": True,
    # Signatures as __text_signature__, which inspect and stubtest read.
    "embedsignature.format": "clinic",
    "freethreading_compatible": True,
    # Plain builtin functions and methods, which the interpreter calls more
    # cheaply than Cython function objects (~7% of a small masked frame).
    "binding": False,
}


def _flag(environ, name):
    return environ.get(name, "") not in ("", "0")


def build_plan(implementation, environ):
    """Whether to build the extension and whether a failure is fatal:
    ``(build, required)``.  Exits with a message for contradictory asks."""
    no_extensions = _flag(environ, "WSCODEC_NO_EXTENSIONS")
    required = _flag(environ, "WSCODEC_REQUIRE_EXTENSIONS") or _flag(environ, "CIBUILDWHEEL")
    if no_extensions and required:
        sys.exit("WSCODEC_NO_EXTENSIONS and WSCODEC_REQUIRE_EXTENSIONS contradict each other")
    if implementation != "cpython":
        if required:
            sys.exit(f"the native backend needs CPython; {implementation} gets the pure backend")
        return False, False
    return not no_extensions, required


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


def _extensions():
    from Cython.Build import cythonize
    from setuptools import Extension

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
    return cythonize([ext], compiler_directives=COMPILER_DIRECTIVES)


def _optional_build_ext(required):
    from setuptools.command.build_ext import build_ext

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
            if required:
                raise
            banner = "*" * 72
            sys.stderr.write(
                f"\n{banner}\nWARNING: wscodec's native backend could not be built ({exc}).\n"
                "Installing the pure-Python backend: same API, much slower.\n"
                f"{banner}\n\n"
            )

    return OptionalBuildExt


def main():
    from setuptools import setup

    build, required = build_plan(sys.implementation.name, os.environ)
    if build:
        setup(ext_modules=_extensions(), cmdclass={"build_ext": _optional_build_ext(required)})
    else:
        setup(ext_modules=[])


if __name__ == "__main__":
    main()
