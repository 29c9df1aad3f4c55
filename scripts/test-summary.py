#!/usr/bin/env python3
"""Prints one closing line for all test runners: 'tests: N passed, N failed'.

usage: test-summary.py LOG...   (swift test, node --test and pytest output)
"""
import re
import sys

passed = failed = 0
for path in sys.argv[1:]:
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        continue
    # Swift Testing: "Test run with 48 tests in 11 suites passed" / "... failed ... with N issues"
    for m in re.finditer(r"Test run with (\d+) tests? .*?(passed|failed)", text):
        if m.group(2) == "passed":
            passed += int(m.group(1))
        else:
            failed += 1
    # node --test: "# pass 12" / "# fail 0"
    for m in re.finditer(r"^# (pass|fail) (\d+)$", text, re.M):
        if m.group(1) == "pass":
            passed += int(m.group(2))
        else:
            failed += int(m.group(2))
    # pytest: "5 passed, 1 failed in 3.2s"
    for m in re.finditer(r"^=*\s*(?:(\d+) failed, )?(\d+) passed(?:, (\d+) failed)?", text, re.M):
        passed += int(m.group(2))
        failed += int(m.group(1) or 0) + int(m.group(3) or 0)
print(f"tests: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
