"""Reads an Odoo test-run log and prints one closing line: "N passed, N failed, N skipped".

Exits non-zero when a test failed, errored, was skipped (a browser tour without Chromium is
skipped by Odoo, and a skipped tour tested nothing), when no test ran, or when the log shows
an ERROR/CRITICAL line outside the tests (a broken install or data file).
"""

import re
import sys

TOTALS = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
SKIPPED = re.compile(r" INFO \S+ \S+: skipped (.*)")
BAD_LINE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")


def main(path):
    failed = errors = run = 0
    skipped, bad = [], []
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            if match := TOTALS.search(line):
                failed, errors, run = map(int, match.groups())
            elif match := SKIPPED.search(line):
                skipped.append(match.group(1).strip())
            elif BAD_LINE.match(line):
                bad.append(line.strip())
    for reason in skipped:
        print(f"SKIPPED (counts as a failure): {reason}")
    if bad and not (failed or errors):
        print(f"{len(bad)} ERROR line(s) in the log, first: {bad[0][:300]}")
    not_passed = failed + errors
    print(f"{run - not_passed - len(skipped)} passed, {not_passed} failed, {len(skipped)} skipped")
    return 1 if (not_passed or skipped or bad or not run) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
