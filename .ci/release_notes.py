"""Refuse to release a tag that CHANGELOG.md does not describe.

    python .ci/release_notes.py v1.2.3

passes when the tag is ``v`` + the package's ``__version__`` and
CHANGELOG.md has an entry headed ``## 1.2.3 (YYYY-MM-DD)`` with at least
one line of text under it; it prints that entry (the release's notes).
Anything else exits 1 with what is missing.  Standard library only: it
runs before anything is installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_HEADING = re.compile(r"^## (\S+)(?: \((.*)\))?\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def entries(changelog: str) -> dict[str, tuple[str | None, str]]:
    """Version -> (what its heading says in parentheses, the text under it)."""
    found: dict[str, tuple[str | None, str]] = {}
    version: str | None = None
    note: str | None = None
    lines: list[str] = []
    for line in changelog.splitlines() + ["## end"]:
        heading = _HEADING.match(line)
        if heading:
            if version is not None:
                found[version] = (note, "\n".join(lines).strip())
            version, note, lines = heading.group(1), heading.group(2), []
        elif version is not None:
            lines.append(line)
    found.pop("end", None)
    return found


def package_version(root: Path = ROOT) -> str:
    source = (root / "wscodec" / "_version.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', source, re.M)
    if not match:
        raise SystemExit("wscodec/_version.py has no __version__")
    return match.group(1)


def problem(tag: str, changelog: str, version: str) -> str | None:
    """None when ``tag`` may be released, else why not."""
    if tag != f"v{version}":
        return f"the tag {tag} is not v{version}, the version in wscodec/_version.py"
    entry = entries(changelog).get(version)
    if entry is None:
        return f"CHANGELOG.md has no entry '## {version} (YYYY-MM-DD)'"
    when, text = entry
    if when is None or not _DATE.match(when):
        return f"CHANGELOG.md's entry for {version} is headed ({when or 'no date'}), not with its release date"
    if not text:
        return f"CHANGELOG.md's entry for {version} says nothing"
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    tag = argv[0]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    version = package_version()
    why = problem(tag, changelog, version)
    if why is not None:
        print(f"not releasing {tag}: {why}", file=sys.stderr)
        return 1
    print(entries(changelog)[version][1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
