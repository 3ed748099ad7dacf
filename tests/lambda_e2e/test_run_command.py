"""`stepwell run --functions`: one execution in the terminal, its Task states
run by the project's real Python handlers (examples/lambda/order-processing:
two PaymentProcessingError failures retried, then success), no server."""

import json
import os
import subprocess
import sys

from harness import BIN, aws_env, example, python_shims


def run(tmp_path, *args):
    env = aws_env()
    shims = python_shims(str(tmp_path / "bin"))
    env["PATH"] = os.pathsep.join([shims, os.path.dirname(sys.executable), env.get("PATH", "")])
    env["TMPDIR"] = str(tmp_path)
    env.pop("STEPWELL_FUNCTIONS", None)
    p = subprocess.run([BIN, "run", *args], capture_output=True, text=True, env=env,
                       cwd=str(tmp_path), timeout=120)
    lines = p.stdout.strip().splitlines()
    return p, lines


def test_run_retries_a_real_handler_then_succeeds(tmp_path):
    p, lines = run(tmp_path, example("order-processing", "statemachine.asl.json"),
                   "--functions", example("order-processing", "stepwell.toml"),
                   "--input", json.dumps({"orderId": "o-run", "amount": 42.5}),
                   "--wait-scale", "0.1", "--history", "--json")
    assert p.returncode == 0, p.stderr[-2000:]
    result = json.loads(lines[-1])
    assert result["status"] == "SUCCEEDED", result
    assert result["output"] == {"orderId": "o-run", "status": "confirmed",
                                "receipt": "r-o-run", "attempts": 3}
    events = json.loads("\n".join(lines[:-1]))["events"]
    lam = [e["type"] for e in events if e["type"].startswith("LambdaFunction")]
    assert lam == ["LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed"] * 2 + [
        "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded"], lam
    # The runtime processes ended with the command.
    left = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout
    assert left.strip() == "", left


def test_run_without_functions_names_the_missing_runner(tmp_path):
    p, lines = run(tmp_path, example("order-processing", "statemachine.asl.json"),
                   "--input", json.dumps({"orderId": "o-none", "amount": 1}), "--json")
    assert p.returncode == 1
    result = json.loads(lines[-1])
    assert result["status"] == "FAILED" and result["error"] == "States.Runtime", result
    assert "no mocked response" in result["cause"], result


def test_run_refuses_a_missing_project_file(tmp_path):
    p, _ = run(tmp_path, example("order-processing", "statemachine.asl.json"),
               "--functions", str(tmp_path / "nope.toml"))
    assert p.returncode == 2
    assert "nope.toml: no such file" in p.stderr, p.stderr


def test_run_times_a_task_out_at_its_timeout_seconds(tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text("import time\n\ndef slow(event, context):\n    time.sleep(30)\n")
    (tmp_path / "stepwell.toml").write_text(
        '[functions.slow]\nruntime = "python3.12"\nhandler = "app.slow"\ncode = "code"\ntimeout = 60\n')
    machine = {"StartAt": "Slow", "States": {"Slow": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow",
        "TimeoutSeconds": 1, "End": True}}}
    (tmp_path / "slow.asl.json").write_text(json.dumps(machine))
    p, lines = run(tmp_path, str(tmp_path / "slow.asl.json"), "--history", "--json")
    assert p.returncode == 1, p.stderr[-2000:]
    result = json.loads(lines[-1])
    assert result["status"] == "FAILED" and result["error"] == "States.Timeout", result
    types = [e["type"] for e in json.loads("\n".join(lines[:-1]))["events"]]
    assert types[-2:] == ["LambdaFunctionTimedOut", "ExecutionFailed"], types
