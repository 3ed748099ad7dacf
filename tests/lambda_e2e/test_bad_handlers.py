"""Handlers that cannot load, exit, hang past their timeout or return
something that is not JSON: each gives AWS's error in the execution history,
the process is replaced, and the server keeps serving."""

import json
import os

import pytest

from conftest import serve
from harness import create_machine, details, history, wait_done

HERE = os.path.dirname(__file__)

INVOKE = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName.$": "$.fn", "Payload": {"hello": "world"}},
            "End": True,
        }
    },
}

# function -> (error, start of errorMessage, end of errorMessage)
CASES = {
    "py-syntax": ("Runtime.UserCodeSyntaxError", "Syntax error in module 'broken': ", ""),
    "py-missing": ("Runtime.HandlerNotFound", "Handler 'no_such_function' missing on module 'app'", ""),
    "py-exit": ("Runtime.ExitError", "RequestId: ", " Error: Runtime exited with error: exit status 3"),
    "py-hang": ("Sandbox.Timedout", "", " Error: Task timed out after 1.00 seconds"),
    "py-not-json": ("Runtime.MarshalError",
                    "Unable to marshal response: Object of type set is not JSON serializable", ""),
    "node-syntax": ("Runtime.UserCodeSyntaxError", "SyntaxError: ", ""),
    "node-exit": ("Runtime.ExitError", "RequestId: ", " Error: Runtime exited with error: exit status 2"),
    "node-hang": ("Sandbox.Timedout", "", " Error: Task timed out after 1.00 seconds"),
}


@pytest.fixture(scope="module")
def server():
    yield from serve(os.path.join(HERE, "bad", "stepwell.toml"))


@pytest.fixture(scope="module")
def sfn(server):
    return server.client()


def check_failure(sfn, arn, function):
    error, start, end = CASES[function]
    d = wait_done(sfn, arn, timeout=30)
    assert d["status"] == "FAILED", (function, d)
    assert d["error"] == error, (function, d)
    events = history(sfn, arn)
    failed = [details(e) for e in events if e["type"] in ("TaskFailed", "LambdaFunctionFailed")]
    assert len(failed) == 1 and failed[0]["error"] == error, (function, failed)
    cause = json.loads(failed[0]["cause"])
    assert cause["errorType"] == error, (function, cause)
    assert cause["errorMessage"].startswith(start) and cause["errorMessage"].endswith(end), (
        function, cause)


def test_every_bad_handler_gives_awss_error_and_the_server_keeps_serving(server, sfn, unique):
    sm = create_machine(sfn, unique("Bad-"), json.dumps(INVOKE))
    # Twice each, all at once: the second round runs on replaced processes.
    runs = [(fn, sfn.start_execution(stateMachineArn=sm, input=json.dumps({"fn": fn}))["executionArn"])
            for _ in range(2) for fn in CASES]
    for fn, arn in runs:
        check_failure(sfn, arn, fn)

    # Still serving: a good function runs, the API answers.
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"fn": "ok"}))["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"])["Payload"]["got"] == {"hello": "world"}
    assert any(m["stateMachineArn"] == sm for m in sfn.list_state_machines()["stateMachines"])
    assert server.alive()


def test_a_function_arn_task_records_lambda_function_events(sfn, unique):
    definition = {
        "StartAt": "Call",
        "States": {"Call": {"Type": "Task", "End": True,
                            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:py-exit"}},
    }
    sm = create_machine(sfn, unique("BadArn-"), json.dumps(definition))
    arn = sfn.start_execution(stateMachineArn=sm)["executionArn"]
    check_failure(sfn, arn, "py-exit")
    types = [e["type"] for e in history(sfn, arn)]
    assert types[-3:] == ["LambdaFunctionStarted", "LambdaFunctionFailed", "ExecutionFailed"], types


def test_an_undeclared_function_is_resource_not_found(sfn, unique):
    sm = create_machine(sfn, unique("Missing-"), json.dumps(INVOKE))
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"fn": "nope"}))["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "FAILED" and d["error"] == "Lambda.ResourceNotFoundException", d
    assert "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope" in d["cause"]


def test_the_invoke_api_on_the_servers_port(server):
    lam = server.client("lambda")
    r = lam.invoke(FunctionName="ok", Payload=b'{"a": 1}')
    assert r["StatusCode"] == 200 and r["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in r
    assert json.loads(r["Payload"].read())["got"] == {"a": 1}
    # By ARN, with a qualifier, with the log tail.
    r = lam.invoke(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:ok",
                   Qualifier="$LATEST", LogType="Tail", Payload=b"{}")
    import base64
    assert "REPORT RequestId: " in base64.b64decode(r["LogResult"]).decode()
    r = lam.invoke(FunctionName="py-exit", Payload=b"{}")
    assert r["StatusCode"] == 200 and r["FunctionError"] == "Unhandled"
    assert json.loads(r["Payload"].read())["errorType"] == "Runtime.ExitError"
    assert lam.invoke(FunctionName="ok", InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    assert lam.invoke(FunctionName="ok", InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="nope", Payload=b"{}")
    # A handler calling a sibling through boto3's Lambda client.
    r = lam.invoke(FunctionName="caller", Payload=b"{}")
    out = json.loads(r["Payload"].read())
    assert "FunctionError" not in r, out
    assert out["status"] == 200 and out["version"] == "$LATEST"
    assert out["payload"]["got"] == {"from": "caller"}


def test_the_aws_cli_invokes_a_function(server, tmp_path):
    outfile = str(tmp_path / "out.json")
    # AWS CLI v1 sends --payload as it is (v2 would need
    # --cli-binary-format raw-in-base64-out).
    meta = server.cli("lambda", "invoke", "--function-name", "ok",
                      "--payload", '{"via": "cli"}', outfile)
    assert meta["StatusCode"] == 200 and meta["ExecutedVersion"] == "$LATEST", meta
    with open(outfile) as f:
        assert json.load(f)["got"] == {"via": "cli"}
