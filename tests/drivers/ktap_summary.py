#!/usr/bin/env python3
"""Count the results of KTAP/TAP documents: ktap_summary.py FILE...

A leaf result (one with no subtests) counts once: passed, failed or skipped.
A parent whose subtests all passed counts nothing more; a parent that failed
without a failing subtest (a crash, a timeout, a non-zero exit) counts as one
failure. A document whose top-level plan promises more results than it has
counts the missing ones as failures. Prints each failure, then the closing
line "N passed, N failed, N skipped", and exits 1 if anything failed.
"""
import re
import sys

RESULT = re.compile(r"^(\s*)(ok|not ok) (\d+)\s*(?:- )?([^#]*?)\s*(#\s*(\w+)(.*))?$")
PLAN = re.compile(r"^(\s*)1\.\.(\d+)")


def summarize(path, lines, counts, failures):
    # Stack of (indent, name, saw_child_failure, saw_child) for open levels.
    pending = {}  # indent -> [children seen, child failed]
    top_plan = None
    top_results = 0
    for line in lines:
        line = line.rstrip("\n")
        m = PLAN.match(line)
        if m and top_plan is None and m.group(1) == "":
            top_plan = int(m.group(2))
            continue
        m = RESULT.match(line)
        if not m:
            continue
        indent = len(m.group(1).expandtabs())
        passed = m.group(2) == "ok"
        name = m.group(4).strip()
        directive = (m.group(6) or "").upper()
        if indent == 0:
            top_results += 1
        deeper = [k for k in pending if k > indent]
        children = any(pending[k][0] for k in deeper)
        child_failed = any(pending[k][1] for k in deeper)
        for k in deeper:
            del pending[k]
        level = pending.setdefault(indent, [False, False])
        level[0] = True
        if children:
            if not passed and not child_failed and directive != "SKIP":
                counts["failed"] += 1
                failures.append(f"{path}: {name} (failed outside its subtests)")
            level[1] = level[1] or not passed
            continue
        if directive == "SKIP":
            counts["skipped"] += 1
        elif passed:
            counts["passed"] += 1
        else:
            counts["failed"] += 1
            failures.append(f"{path}: {name}")
            level[1] = True
    if top_plan is None:
        counts["failed"] += 1
        failures.append(f"{path}: no KTAP plan (the run did not start or its output is lost)")
    elif top_results < top_plan:
        missing = top_plan - top_results
        counts["failed"] += missing
        failures.append(f"{path}: {missing} of {top_plan} results missing")


def main():
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    failures = []
    for path in sys.argv[1:]:
        try:
            with open(path, errors="replace") as f:
                summarize(path, f.readlines(), counts, failures)
        except OSError as e:
            counts["failed"] += 1
            failures.append(f"{path}: {e}")
    for f in failures:
        print(f"FAILED: {f}")
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
