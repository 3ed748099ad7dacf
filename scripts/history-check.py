#!/usr/bin/env python3
"""Compare the event types of Stepwell's histories with the ones AWS recorded.

The conformance gate (../shared/conformance/run.py) checks status, output,
error and cause; each case also holds `history_types`, the `type` of every
event AWS recorded, which the README calls "a further optional check". This
script runs every case that has them through `stepwell run --history` (with
the case's mocks, converted by run.py's own `mock_config`) and reports how
many histories have exactly AWS's event types in AWS's order.

Where the recording tool re-sorted the events inside Parallel states
(`history_parallel_sections_sorted`), the recorded types are not AWS's
history but what LocalStack's snapshot transformer
`SfnNoneRecursiveParallelTransformer` (tests/aws/services/stepfunctions/
conftest.py) made of it, so the same transformation is applied to
Stepwell's types first (`parallel_sections_sorted`). It walks the events
with an index over the list it edits: a `ParallelStateStarted` opens a
section (its start is the next index), events in a section are collected,
and any of `ParallelState{Succeeded,Aborted,Exited,Failed}` writes the
sorted section back over `events[start:i]` and closes it. It never
forgets the section, so a `ParallelStateExited` right after a
`ParallelStateSucceeded` (or `ParallelStateFailed`) writes it again over a
slice one longer, which deletes the Succeeded (Failed) event, and the walk
then skips the event after the Exited; that is why those recordings show
no `ParallelStateSucceeded`. The sections are sorted by the events' whole
JSON, which the types alone do not give: each sorted section is compared
as a multiset, the rest in order.

With --expect-mismatches FILE (one case name per line, `#` comments), it is
a gate like run.py's: it fails when a case outside the list differs from AWS
(a regression) or a listed case now matches (take it off the list).

Needs ../shared (the conformance cases); says so and exits 0 without it.

Usage: scripts/history-check.py --bin target/release/stepwell [--only SUBSTR]
                                [--show N] [--jobs N] [--expect-mismatches FILE]
"""
import argparse
import collections
import concurrent.futures as cf
import json
import os
import sys

from case_runner import load_cases, run_case

def history_types(binary, case, mock_config):
    """The event types of Stepwell's history of `case` (None when it did not run)."""
    out = run_case(binary, case, mock_config, "--history")
    try:
        doc, _ = json.JSONDecoder().raw_decode((out or "").lstrip())
        return [e["type"] for e in doc["events"]]
    except (ValueError, KeyError, TypeError):
        return None


PARALLEL_ENDS = {"ParallelStateSucceeded", "ParallelStateAborted", "ParallelStateExited",
                 "ParallelStateFailed"}


def parallel_sections_sorted(types):
    """`types` as SfnNoneRecursiveParallelTransformer leaves a history's
    events (quirks included), and the sorted sections as {start: length}."""
    events = list(types)
    sections = {}
    start_idx, sublist, in_sublist = None, [], False
    for i, t in enumerate(events):  # over the list it edits, as LocalStack does
        if t in PARALLEL_ENDS:
            events[start_idx:i] = sorted(sublist)
            sections[start_idx or 0] = len(sublist)
            in_sublist = False
        elif t == "ParallelStateStarted":
            in_sublist, sublist, start_idx = True, [], i + 1
        elif in_sublist:
            sublist.append(t)
    return events, sections


def same_sorted(got, want):
    """Whether Stepwell's types `got`, transformed as the recording was,
    match the recorded `want`."""
    events, sections = parallel_sections_sorted(got)
    if len(events) != len(want):
        return False
    inside = set()
    for start, n in sections.items():
        if collections.Counter(events[start:start + n]) != collections.Counter(want[start:start + n]):
            return False
        inside.update(range(start, start + n))
    return all(events[i] == want[i] for i in range(len(events)) if i not in inside)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--only")
    ap.add_argument("--show", type=int, default=0, help="print the first N differences")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--expect-mismatches")
    a = ap.parse_args()
    loaded = load_cases(a.only, lambda case: case.get("history_types") and case["expected"].get("status") != "INVALID_DEFINITION")
    if loaded is None:
        print("history-check: SKIPPED, ../shared/conformance is not there")
        return 0
    cases, mock_config = loaded

    def check(case):
        got = history_types(a.bin, case, mock_config)
        want = case["history_types"]
        if got is None:
            return case, False, None
        if case.get("history_parallel_sections_sorted"):
            return case, same_sorted(got, want), got
        return case, got == want, got

    with cf.ThreadPoolExecutor(a.jobs) as ex:
        results = list(ex.map(check, cases))
    same = sum(ok for _, ok, _ in results)
    shown = 0
    for case, ok, got in results:
        if not ok and shown < a.show:
            shown += 1
            print("DIFF %s\n  aws:      %s\n  stepwell: %s" % (case["name"], case["history_types"], got))
    print("history types: %d of %d cases match AWS's" % (same, len(results)))
    if not a.expect_mismatches:
        return 0
    with open(a.expect_mismatches) as f:
        known = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    regressed = [c["name"] for c, ok, _ in results if not ok and c["name"] not in known]
    fixed = [c["name"] for c, ok, _ in results if ok and c["name"] in known]
    for name in regressed:
        print("HISTORY DIFFERS (not in %s): %s" % (a.expect_mismatches, name))
    for name in fixed:
        print("HISTORY NOW MATCHES (remove from %s): %s" % (a.expect_mismatches, name))
    return 1 if regressed or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
