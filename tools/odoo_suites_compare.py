"""Compares two logs of the same Odoo test suites: run without our addon, then with it.

    python odoo_suites_compare.py BASE_LOG ADDON_LOG

A test is named by its logger (the test's Python module) and Odoo's description of it
("TestClass.test_method", "Subtest ...", or "setUpClass (module.TestClass)" for a class
whose set-up failed). Regressions, which fail the run: a test that fails, errors or is
skipped only with the addon, and a test that ran without the addon but never ran with it
(its class's setUpClass failed, or the run stopped early). A test failing on both sides is
this machine's (no network, for instance): listed, not counted. Exits non-zero on a
regression, or when a log shows no test run at all or a CRITICAL error (a side that could
not run).
"""

import re
import sys

# "2025-01-01 12:00:00,123 4242 INFO dbname odoo.addons.crm.tests.test_x: message"
RECORD = re.compile(r"^\S+ \S+ \d+ (?P<level>[A-Z]+) \S+ (?P<logger>[\w.]+): (?P<msg>.*)")
STARTING = re.compile(r"Starting (.+) \.\.\.$")
BROKEN = re.compile(r"(FAIL|ERROR): (.+)")
SUBTEST = re.compile(r"Subtest (\S+) .*")  # its parameters may hold record ids, which differ
SKIPPED = re.compile(r"skipped (.+?) : ")
# "AssertionError: ...", "psycopg2.errors.NotNullViolation: ..." (not PostgreSQL's "DETAIL: ...")
EXCEPTION = re.compile(r"(?:[a-z_]\w*\.)*[A-Z][a-z]\w*: ")
TOTALS = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")


class Side:
    def __init__(self, path):
        self.ran, self.skipped = set(), set()
        self.broken = {}  # test -> the exception line of its traceback
        self.totals = None  # (failed, errors, run) from Odoo's closing line
        self.critical = []
        current = None  # the failing test whose traceback lines follow
        with open(path, encoding="utf-8", errors="replace") as log:
            for raw in log:
                line = raw.rstrip("\n")
                record = RECORD.match(line)
                if not record:
                    if current and EXCEPTION.match(line):
                        self.broken[current] = line  # the last one: the exception raised
                    continue
                current = None
                level, msg = record["level"], record["msg"].strip()
                logger = record["logger"]  # a test's messages are logged by its module
                if level == "CRITICAL":
                    self.critical.append(msg)
                elif match := TOTALS.search(msg):
                    self.totals = tuple(map(int, match.groups()))
                elif level == "INFO" and (match := STARTING.fullmatch(msg)):
                    self.ran.add(f"{logger}: {match[1]}")
                elif level == "INFO" and (match := SKIPPED.match(msg)):
                    self.skipped.add(f"{logger}: {match[1]}")
                elif level == "ERROR" and (match := BROKEN.fullmatch(msg)):
                    name = SUBTEST.sub(r"\1 (a subtest)", match[2])
                    current = f"{logger}: {match[1]}: {name}"
                    self.broken[current] = ""

    def problem(self):
        if self.critical:
            return f"CRITICAL in the log: {self.critical[0][:300]}"
        if not self.totals or not self.totals[2]:
            return "no test ran (no closing 'N failed, N error(s) of N tests' line)"
        return None

    def counts(self):
        failed, errors, run = self.totals or (0, 0, 0)
        return (
            f"{run} tests run ({len(self.ran)} named), {failed} failed, {errors} error(s), "
            f"{len(self.skipped)} skipped"
        )


def listing(title, names, details, limit=60):
    """Prints the names in the given order, each with its detail when it has one."""
    print(f"{title}: {len(names) or 'none'}")
    for name in names[:limit]:
        detail = details.get(name)
        print(f"  {name}" + (f"\n      -> {detail[:300]}" if detail else ""))
    if len(names) > limit:
        print(f"  ... and {len(names) - limit} more (see the logs)")


def main(base_path, addon_path):
    base, addon = Side(base_path), Side(addon_path)
    print("\n=== Odoo's own test suites, without and with partner_segmentation ===")
    print(f"without partner_segmentation: {base.counts()}")
    print(f"with partner_segmentation:    {addon.counts()}")
    problems = [
        f"{label}: {side.problem()}" for label, side in (("without", base), ("with", addon)) if side.problem()
    ]
    for problem in problems:
        print(f"COULD NOT RUN {problem}")

    both = sorted(addon.broken.keys() & base.broken.keys())
    regressions = (
        sorted(addon.broken.keys() - base.broken.keys())
        + [f"SKIPPED: {name}" for name in sorted(addon.skipped - base.skipped)]
        + [f"NEVER RAN: {name}" for name in sorted(base.ran - addon.ran)]
    )
    listing("Regressions (only with partner_segmentation)", regressions, addon.broken)
    listing("Failing on both sides (this machine, not the addon)", both, addon.broken)
    listing("Skipped on both sides", sorted(addon.skipped & base.skipped), {})
    listing(
        "Failing only without partner_segmentation", sorted(base.broken.keys() - addon.broken.keys()), base.broken
    )
    failed = bool(regressions or problems)
    print(
        f"{'FAILED' if failed else 'OK'}: {len(regressions)} regression(s) with "
        f"partner_segmentation, {len(both)} failure(s) on both sides"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
