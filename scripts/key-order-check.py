#!/usr/bin/env python3
"""Compare the key order of Stepwell's outputs with the order AWS recorded.

The conformance gate (../shared/conformance/run.py) compares outputs as JSON
values, where `{"a":1,"b":2}` equals `{"b":2,"a":1}`. AWS's outputs have an
order of their own (a payload template's `.$` fields come out in a Java
`HashMap`'s order, for one), which users see in every history and output
text. This script runs each case AWS recorded as SUCCEEDED through
`stepwell run --json` (with the case's mocks, converted by run.py's own
`mock_config`) and, for every object whose keys are the same as AWS's,
checks they come in AWS's order.

It is a gate: it fails when a case differs in order, unless it is listed in
--expect-mismatches FILE (one case name per line, `#` comments), and when a
listed case now matches (take it off the list). Every case matches today, so
CI gives no list.

Needs ../shared (the conformance cases); says so and exits 0 without it.

Usage: scripts/key-order-check.py --bin target/release/stepwell [--only SUBSTR]
                                  [--jobs N] [--expect-mismatches FILE]
"""
import argparse
import concurrent.futures as cf
import json
import os
import sys

from case_runner import load_cases, run_case

def output_of(binary, case, mock_config):
    """Stepwell's output of `case` (None when it did not succeed)."""
    out = run_case(binary, case, mock_config, "--json")
    try:
        result = json.loads((out or "").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return result.get("output") if result.get("status") == "SUCCEEDED" else None


def order_differences(got, want, at="$"):
    """Where an object of `got` has AWS's keys in another order than `want`'s."""
    out = []
    if isinstance(got, dict) and isinstance(want, dict):
        if list(got) != list(want) and sorted(got) == sorted(want):
            out.append((at, list(got), list(want)))
        for k in want:
            if k in got:
                out += order_differences(got[k], want[k], "%s.%s" % (at, k))
    elif isinstance(got, list) and isinstance(want, list):
        for i, (g, w) in enumerate(zip(got, want)):
            out += order_differences(g, w, "%s[%d]" % (at, i))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--only")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--expect-mismatches")
    a = ap.parse_args()
    loaded = load_cases(a.only, lambda case: case["expected"].get("status") == "SUCCEEDED")
    if loaded is None:
        print("key-order-check: SKIPPED, ../shared/conformance is not there")
        return 0
    cases, mock_config = loaded

    def check(case):
        got = output_of(a.bin, case, mock_config)
        if got is None:
            return case, None
        return case, order_differences(got, case["expected"].get("output"))

    with cf.ThreadPoolExecutor(a.jobs) as ex:
        results = [(c, d) for c, d in ex.map(check, cases) if d is not None]
    same = sum(not d for _, d in results)
    print("output key order: %d of %d succeeded cases match AWS's" % (same, len(results)))
    known = set()
    if a.expect_mismatches:
        with open(a.expect_mismatches) as f:
            known = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    regressed = [(c["name"], d) for c, d in results if d and c["name"] not in known]
    fixed = [c["name"] for c, d in results if not d and c["name"] in known]
    for name, diffs in regressed:
        at, got, want = diffs[0]
        print("KEY ORDER DIFFERS: %s at %s\n  aws:      %s\n  stepwell: %s" % (name, at, want, got))
    for name in fixed:
        print("KEY ORDER NOW MATCHES (remove from %s): %s" % (a.expect_mismatches, name))
    return 1 if regressed or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
