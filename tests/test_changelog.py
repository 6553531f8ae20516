"""CHANGELOG.md describes every release, and the release workflow's check
(.ci/release_notes.py) refuses a tag that it does not describe."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "release_notes.py"

if not SCRIPT.exists():
    pytest.skip("the repository's .ci folder is not beside the tests (an sdist)", allow_module_level=True)

_spec = importlib.util.spec_from_file_location("release_notes", SCRIPT)
release_notes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(release_notes)

CHANGELOG = """# Changelog

## 1.2.0 (unreleased)

- something new

## 1.1.0 (2026-11-02)

- the release

## 1.0.0 (2026-10-01)
"""


def test_the_current_version_has_an_entry():
    version = release_notes.package_version()
    import wscodec

    assert version == wscodec.__version__
    entries = release_notes.entries((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert version in entries
    assert entries[version][1], "the entry says nothing"
    # Newest first: no entry above the current version's is for an older one.
    assert list(entries)[0] == version


@pytest.mark.parametrize(("tag", "version", "refused"), [
    ("v1.1.0", "1.1.0", None),
    ("v1.1.0", "1.2.0", "is not v1.2.0"),
    ("1.1.0", "1.1.0", "is not v1.1.0"),
    ("v1.2.0", "1.2.0", "headed (unreleased)"),
    ("v1.0.0", "1.0.0", "says nothing"),
    ("v1.3.0", "1.3.0", "no entry"),
])
def test_a_tag_needs_a_dated_entry(tag, version, refused):
    why = release_notes.problem(tag, CHANGELOG, version)
    if refused is None:
        assert why is None
    else:
        assert why is not None and refused in why, why


def test_headings_and_text_are_read_whole():
    entries = release_notes.entries(CHANGELOG)
    assert list(entries) == ["1.2.0", "1.1.0", "1.0.0"]
    assert entries["1.1.0"] == ("2026-11-02", "- the release")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entries["1.0.0"][0])
