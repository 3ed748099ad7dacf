"""Run one ../shared/conformance case through `stepwell run`, as the gate's
run.py does: its definition, input and (converted) mocks written to a
temporary directory. Shared by scripts/history-check.py and
scripts/key-order-check.py."""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "conformance")


def load_cases(only, keep):
    """The conformance cases `keep` accepts (by file name; `only` a part of
    it) and run.py's own MockConfigFile conversion, or None when
    ../shared/conformance is not there."""
    if not os.path.isdir(SHARED):
        return None
    sys.path.insert(0, SHARED)
    from run import mock_config  # the gate's own MockConfigFile conversion

    cases = []
    cases_dir = os.path.join(SHARED, "cases")
    for name in sorted(os.listdir(cases_dir)):
        if only and only not in name:
            continue
        with open(os.path.join(cases_dir, name)) as f:
            case = json.load(f)
        if keep(case):
            cases.append(case)
    return cases, mock_config


def run_case(binary, case, mock_config, flag, timeout=60):
    """The standard output of `stepwell run` on `case` with `flag`
    (`--history`, `--json`), or None when it did not finish in time."""
    with tempfile.TemporaryDirectory() as tmp:
        dfile = os.path.join(tmp, "definition.asl.json")
        ifile = os.path.join(tmp, "input.json")
        with open(dfile, "w") as f:
            json.dump(case["definition"], f)
        with open(ifile, "w") as f:
            json.dump(case.get("input", {}), f)
        cmd = [binary, "run", dfile, "--input", "@" + ifile, "--name", case["name"], flag]
        if case.get("mocks"):
            mfile = os.path.join(tmp, "mocks.json")
            with open(mfile, "w") as f:
                json.dump(mock_config(case), f)
            cmd += ["--mock-config", mfile, "--test-case", "Recorded"]
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout).stdout
        except subprocess.TimeoutExpired:
            return None
