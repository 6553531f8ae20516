"""Guards against a silent fallback to the pure backend, and checks that both
backends export the whole contract of docs/api.md."""

import importlib
import os
import subprocess
import sys

import pytest

import wscodec
from conftest import BACKEND_EXPORTS, PURE_LANE


def test_selected_backend_is_the_expected_one():
    if PURE_LANE:
        assert wscodec.BACKEND == "pure"
        assert wscodec.SIMD == "none"
    else:
        # Native must be in use whenever the extension should be there: an
        # ImportError swallowed by wscodec/__init__.py would fail here.
        importlib.import_module("wscodec._native")
        assert wscodec.BACKEND == "native"
        assert wscodec.SIMD in {"avx512", "avx2", "ssse3", "sse2", "neon", "scalar"}


def test_native_backend_is_one_compiled_module():
    # One module links the C core once: one SIMD dispatch state, which
    # WSCODEC_SIMD and _set_simd force for every path.
    if PURE_LANE:
        pytest.skip("pure lane")
    import wscodec._native as native
    from wscodec._native import _ext

    assert _ext.__file__.endswith((".so", ".pyd")), _ext.__file__
    folder = os.path.dirname(_ext.__file__)
    compiled = [name for name in os.listdir(folder) if name.endswith((".so", ".pyd"))]
    assert compiled == [os.path.basename(_ext.__file__)], compiled
    # encode_frame_parts is the pure function on both: a few header bytes.
    shared = {"Opcode", "CloseCode", "ProtocolError", "PerMessageDeflate", "accept_key", "BACKEND", "SIMD",
              "encode_frame_parts"}
    for name in set(BACKEND_EXPORTS) - shared:
        assert getattr(native, name) is getattr(_ext, name), name


def test_both_backends_export_the_contract(backend):
    missing = [name for name in BACKEND_EXPORTS if not hasattr(backend, name)]
    assert not missing
    assert backend.BACKEND in {"native", "pure"}


def test_top_level_reexports_the_selected_backend():
    backend = importlib.import_module(f"wscodec._{wscodec.BACKEND}")
    for name in BACKEND_EXPORTS:
        assert getattr(wscodec, name) is getattr(backend, name), name


def test_shared_types_are_one_class(backend):
    # `except wscodec.ProtocolError` must catch errors from either backend.
    assert backend.ProtocolError is wscodec.ProtocolError
    assert backend.Opcode is wscodec.Opcode
    assert backend.CloseCode is wscodec.CloseCode


def test_env_var_forces_pure_backend(tmp_path):
    # Import the same wscodec this suite imports, installed or not.
    package_parent = os.path.dirname(os.path.dirname(wscodec.__file__))
    env = dict(os.environ, WSCODEC_NO_EXTENSIONS="1", PYTHONPATH=package_parent)
    out = subprocess.run(
        [sys.executable, "-c", "import wscodec; print(wscodec.BACKEND, wscodec.SIMD)"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    assert out.stdout.split() == ["pure", "none"]


# A child whose native extension cannot be imported (as on a machine where
# it was not built): sys.modules[name] = None makes its import fail.
_BROKEN_NATIVE = (
    "import sys; sys.modules['wscodec._native._ext'] = None\n"
    "try:\n"
    "    import wscodec\n"
    "except ImportError:\n"
    "    print('ImportError')\n"
    "else:\n"
    "    print(wscodec.BACKEND)\n"
)


@pytest.mark.parametrize("require, no_extensions, expected", [
    ("", "", "pure"),  # a missing extension falls back to the pure backend
    ("1", "", "ImportError"),  # unless the native one is required
    ("1", "1", "pure"),  # and WSCODEC_NO_EXTENSIONS still wins
])
def test_required_extension_that_fails_to_import(tmp_path, require, no_extensions, expected):
    package_parent = os.path.dirname(os.path.dirname(wscodec.__file__))
    env = dict(os.environ, WSCODEC_REQUIRE_EXTENSIONS=require, WSCODEC_NO_EXTENSIONS=no_extensions,
               PYTHONPATH=package_parent)
    out = subprocess.run([sys.executable, "-c", _BROKEN_NATIVE], env=env, cwd=tmp_path,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected


def test_package_is_the_installed_one_when_testing_a_wheel():
    # .ci/run sets WSCODEC_EXPECT_INSTALLED=1: the suite must then import the
    # installed package, not the source folder that sits next to the tests.
    if os.environ.get("WSCODEC_EXPECT_INSTALLED") != "1":
        pytest.skip("only checked when testing an installed wheel")
    assert "site-packages" in wscodec.__file__, wscodec.__file__


def test_native_fields_are_member_descriptors():
    # Member descriptors (what __slots__ gives) are what CPython's attribute
    # cache specialises: reading msg.data stays as fast as a slot.
    if PURE_LANE:
        pytest.skip("pure lane")
    from wscodec._native import _ext

    for cls, names in ((_ext.Frame, ("opcode", "payload", "fin", "rsv1", "rsv2", "rsv3")),
                       (_ext.Message, ("opcode", "data", "close_code", "close_reason"))):
        for name in names:
            assert type(cls.__dict__[name]).__name__ == "member_descriptor", (cls, name)
    frame = _ext.Frame(2, b"ab", fin=False, rsv1=True)
    assert (frame.opcode, frame.payload, frame.fin, frame.rsv1, frame.rsv2, frame.rsv3) == (2, b"ab", False, True,
                                                                                            False, False)
    message = _ext.Message(8, b"\x03\xe8", 1000, "")
    assert (message.opcode, message.data, message.close_code, message.close_reason) == (8, b"\x03\xe8", 1000, "")


@pytest.mark.parametrize("name", ["native", "pure"])
def test_init_after_a_deleted_field_does_not_crash(name, tmp_path):
    # A deleted field is a NULL slot; __init__ must store over it safely.
    if name == "native" and PURE_LANE:
        pytest.skip("pure lane")
    package_parent = os.path.dirname(os.path.dirname(wscodec.__file__))
    code = (
        f"import wscodec._{name} as b\n"
        "f = b.Frame(1, b'x'); del f.payload; f.__init__(2, b'y'); assert f.payload == b'y'\n"
        "m = b.Message(1, 'x'); del m.data; m.__init__(2, b'y'); assert m.data == b'y'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=package_parent),
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
