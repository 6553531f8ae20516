"""Compare the pass sets of two runs of one test suite (without and with a
drop-in installed): JUnit XML from pytest, or a verbose unittest log.

Exits 1 when the sets differ (after the documented exclusions) or when the
run without the drop-in passed fewer tests than expected (a suite that
silently stopped collecting must not pass as "identical").
"""

import argparse
import re
import sys
import xml.etree.ElementTree as ET

_UNITTEST_NAME = re.compile(r"^(\w+) \(([\w.]+)\)")
_UNITTEST_OUTCOME = re.compile(r"\.\.\. (ok|FAIL|ERROR|skipped|expected failure|unexpected success)")


def junit_outcomes(path):
    outcomes = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        tags = {child.tag for child in case}
        if "failure" in tags or "error" in tags:
            outcomes[test_id] = "failed"
        elif "skipped" in tags:
            outcomes[test_id] = "skipped"
        else:
            outcomes[test_id] = "passed"
    return outcomes


def unittest_outcomes(path):
    outcomes = {}
    pending = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            name = _UNITTEST_NAME.match(line)
            if name:
                test = name.group(2)
                # 3.11+ prints module.Class.method, older module.Class.
                pending = test if test.endswith("." + name.group(1)) else f"{test}.{name.group(1)}"
            result = _UNITTEST_OUTCOME.search(line)
            if pending and result:
                word = result.group(1)
                outcomes[pending] = {"ok": "passed", "skipped": "skipped"}.get(word, "failed")
                pending = None
    return outcomes


def outcomes(path):
    import os

    if not os.path.exists(path):
        sys.exit(f"{path}: no results (the run did not start; see the .log next to it)")
    return junit_outcomes(path) if path.endswith(".xml") else unittest_outcomes(path)


def read_exclusions(path):
    """``test id  # reason`` per line; the reason is required."""
    ids = set()
    if not path:
        return ids
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            test, sep, reason = line.partition("#")
            if not sep or not reason.strip():
                sys.exit(f"{path}:{n}: an exclusion needs a reason after '#'")
            ids.add(test.strip())
    return ids


def summary(results):
    counts = {}
    for outcome in results.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    return ", ".join(f"{counts.get(k, 0)} {k}" for k in ("passed", "skipped", "failed"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plain")
    parser.add_argument("dropin")
    parser.add_argument("--min-passed", type=int, default=1)
    parser.add_argument("--exclude", help="file of test ids left out of the comparison, each with a reason")
    parser.add_argument("--differing", help="write the ids of the tests whose outcome differs to this file")
    args = parser.parse_args(argv)
    plain, dropin = outcomes(args.plain), outcomes(args.dropin)
    excluded = read_exclusions(args.exclude)
    print(f"without install(): {summary(plain)}")
    print(f"with install():    {summary(dropin)}")
    passed = lambda results: {t for t, o in results.items() if o == "passed" and t not in excluded}  # noqa: E731
    only_plain, only_dropin = passed(plain) - passed(dropin), passed(dropin) - passed(plain)
    status = 0
    for test in sorted(only_plain):
        print(f"  passes only without install(): {test}  ({dropin.get(test, 'not run')} with it)")
        status = 1
    for test in sorted(only_dropin):
        print(f"  passes only with install(): {test}  ({plain.get(test, 'not run')} without it)")
        status = 1
    if args.differing:
        with open(args.differing, "w", encoding="utf-8") as f:
            f.writelines(f"{test}\n" for test in sorted(only_plain | only_dropin))
    unused = excluded - set(plain) - set(dropin)
    if unused:
        print(f"  exclusions that match no test (stale list?): {', '.join(sorted(unused))}")
        status = 1
    if len(passed(plain)) < args.min_passed:
        print(f"  only {len(passed(plain))} tests passed without install(), expected at least {args.min_passed}")
        status = 1
    print("identical pass sets" if status == 0 else "pass sets DIFFER or the run is incomplete")
    return status


if __name__ == "__main__":
    sys.exit(main())
