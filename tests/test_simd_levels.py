"""Every SIMD level this CPU can run passes the masking and UTF-8 suites.

The wheel picks the best level at import; a user on an older CPU gets a lower
one, so each lower level is forced here (WSCODEC_SIMD) and tested in a
subprocess, exactly as such a user would import it.
"""

import os
import subprocess
import sys

import pytest

from conftest import PURE_LANE

pytestmark = pytest.mark.skipif(PURE_LANE, reason="pure lane: no SIMD levels")

ALL_LEVELS = ["avx512", "avx2", "ssse3", "sse2", "neon", "scalar"]
HERE = os.path.dirname(os.path.abspath(__file__))


def supported_levels():
    import wscodec._native as native

    best = native.SIMD
    levels = []
    try:
        for level in ALL_LEVELS:
            try:
                native._set_simd(level)
            except ValueError:
                continue
            levels.append(level)
    finally:
        native._set_simd(best)
    return levels


def test_scalar_is_always_available():
    assert "scalar" in supported_levels()


def test_unknown_level_is_rejected():
    import wscodec._native as native

    before = native.SIMD
    with pytest.raises(ValueError):
        native._set_simd("avx9000")
    assert native._ext._simd_name() == before


@pytest.mark.parametrize("level", ALL_LEVELS)
def test_forced_level_passes_masking_and_utf8_suites(level, tmp_path):
    if level not in supported_levels():
        pytest.skip(f"this CPU cannot run {level}")
    import wscodec

    package_parent = os.path.dirname(os.path.dirname(wscodec.__file__))
    env = dict(os.environ, WSCODEC_SIMD=level, PYTHONPATH=package_parent)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-k", "native",
         os.path.join(HERE, "test_masking.py"), os.path.join(HERE, "test_utf8.py"),
         os.path.join(HERE, "test_backend.py")],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout


def test_env_var_level_is_reported():
    wanted = os.environ.get("WSCODEC_SIMD")
    if not wanted:
        pytest.skip("WSCODEC_SIMD not set")
    import wscodec

    assert wscodec.SIMD == wanted
