"""The wheel matrix that `[tool.cibuildwheel]` in pyproject.toml builds.

Runs `cibuildwheel --print-build-identifiers` for each platform (it only
reads the configuration: no container, no compiler) and holds the result to
the intended matrix, exactly: a new cibuildwheel that adds or drops a build,
or an edit of pyproject.toml that does, fails here.

Skipped when cibuildwheel is not installed (an ordinary test venv), unless
WSCODEC_REQUIRE_CIBUILDWHEEL=1 (set by .ci/wheels.sh), which turns the skip
into a failure.  WSCODEC_CIBUILDWHEEL may name the executable.
"""

import os
import pathlib
import shutil
import subprocess

import pytest

PROJECT = pathlib.Path(__file__).resolve().parent.parent

PYTHONS = ["cp310", "cp311", "cp312", "cp313", "cp314", "cp314t", "cp315", "cp315t"]
PLATFORM_TAGS = {
    "linux": [
        "manylinux_x86_64",
        "manylinux_aarch64",
        "musllinux_x86_64",
        "musllinux_aarch64",
    ],
    "macos": ["macosx_x86_64", "macosx_arm64"],
    "windows": ["win_amd64", "win_arm64"],
}


def _cibuildwheel():
    exe = os.environ.get("WSCODEC_CIBUILDWHEEL") or shutil.which("cibuildwheel")
    if exe:
        return exe
    if os.environ.get("WSCODEC_REQUIRE_CIBUILDWHEEL", "") not in ("", "0"):
        pytest.fail(
            "WSCODEC_REQUIRE_CIBUILDWHEEL is set but cibuildwheel is not installed"
        )
    pytest.skip("cibuildwheel is not installed")


def _identifiers(platform):
    if not (PROJECT / "pyproject.toml").is_file():
        pytest.skip(
            "no pyproject.toml beside the tests (tests copied without the project)"
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIBW_")}
    proc = subprocess.run(
        [_cibuildwheel(), "--print-build-identifiers", "--platform", platform],
        check=False,
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


@pytest.mark.parametrize("platform", sorted(PLATFORM_TAGS))
def test_cibuildwheel_builds_exactly_the_intended_matrix(platform):
    expected = {f"{py}-{tag}" for py in PYTHONS for tag in PLATFORM_TAGS[platform]}
    got = _identifiers(platform)
    assert len(got) == len(set(got)), "duplicate identifiers"
    missing = sorted(expected - set(got))
    extra = sorted(set(got) - expected)
    assert not missing and not extra, f"missing {missing}, unexpected {extra}"


def test_matrix_includes_free_threaded_builds():
    # Free-threaded wheels are built by default in cibuildwheel 4 (no
    # `enable` needed); they need `freethreading_compatible` in setup.py.
    got = _identifiers("linux")
    assert "cp314t-manylinux_x86_64" in got
    assert "cp315t-musllinux_aarch64" in got
