#!/usr/bin/env python3
"""Prints one closing line for all test runners: 'tests: N passed, N failed'.

usage: test-summary.py LOG...   (swift test, node --test and pytest output)

Every failing test counts (a Swift run with three failing tests is 3 failed, not 1), pytest's
errors count as failures, and a log whose runner printed no summary (it crashed, or never ran)
counts as one failure named on its own line.
"""
import re
import sys

passed = failed = 0
for path in sys.argv[1:]:
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        print(f"{path}: no log (the runner did not run)")
        failed += 1
        continue
    found = False
    # Swift Testing: "✔ Test run with 48 tests in 11 suites passed" / "✘ Test run with 48 tests ... failed";
    # each failing test has its own "✘ Test name() failed" line.
    for m in re.finditer(r"Test run with (\d+) tests? .*?(passed|failed)", text):
        found = True
        failing = len(set(re.findall(r"^✘ Test (?!run with)(.+?) failed after", text, re.M)))
        failing = max(failing, 1) if m.group(2) == "failed" else 0
        passed += int(m.group(1)) - failing
        failed += failing
    # node --test: "# pass 12" / "# fail 0"
    for m in re.finditer(r"^# (pass|fail) (\d+)$", text, re.M):
        found = True
        if m.group(1) == "pass":
            passed += int(m.group(2))
        else:
            failed += int(m.group(2))
    # pytest's last line: "5 passed, 1 failed, 2 errors in 3.2s" (any order, any subset)
    for line in re.findall(r"^=*\s*((?:\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?)(?:, )?)+) in [\d.]+s", text, re.M):
        found = True
        for count, kind in re.findall(r"(\d+) (passed|failed|errors?|xpassed)", line):
            if kind == "passed":
                passed += int(count)
            else:
                failed += int(count)
    if not found:
        print(f"{path}: no summary from the runner (it stopped before the end)")
        failed += 1
print(f"tests: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
