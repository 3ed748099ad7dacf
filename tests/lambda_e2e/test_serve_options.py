"""`--lambda-endpoint` / LAMBDA_ENDPOINT forwarding, ./stepwell.toml found by
default, bad project files refused at start, and runtime processes stopped
with the server."""

import json
import os
import subprocess
import time

from harness import BIN, Server, create_machine, definition, example, wait_done

HERE = os.path.dirname(__file__)
BAD = os.path.join(HERE, "bad")

CALL_OK = {
    "StartAt": "Call",
    "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {"FunctionName": "ok", "Payload.$": "$"}, "End": True}},
}


def test_forwarding_to_a_lambda_endpoint_and_the_default_project_file(unique):
    # The functions' server finds ./stepwell.toml in its working directory.
    functions = Server(cwd=BAD).start()
    # The orchestrating server runs no functions: it forwards to the first
    # one's Invoke API, configured the Step Functions Local way.
    forwarding = Server(env={"LAMBDA_ENDPOINT": functions.endpoint}).start()
    try:
        sfn = forwarding.client()
        sm = create_machine(sfn, unique("Forward-"), json.dumps(CALL_OK))
        arn = sfn.start_execution(stateMachineArn=sm, input='{"n": 7}')["executionArn"]
        d = wait_done(sfn, arn)
        assert d["status"] == "SUCCEEDED", (d, forwarding.log_tail())
        out = json.loads(d["output"])
        assert out["StatusCode"] == 200 and out["Payload"]["got"] == {"n": 7}, out
        assert functions.children(), "the function ran in the functions' server"
        assert not forwarding.children()
    finally:
        for s in (forwarding, functions):
            s.stop()
            s.cleanup()


def test_shutdown_stops_the_runtime_processes():
    s = Server(functions=example("recording", "stepwell.toml")).start()
    try:
        lam = s.client("lambda")
        for fn in ("start-recording", "stop-recording"):
            lam.invoke(FunctionName=fn, Payload=b'{"isRecording": true}')
        children = s.children()
        assert len(children) == 2, children
        assert s.stop() == 0, s.log_tail()
        time.sleep(0.2)
        alive = [p for p in children if os.path.exists(f"/proc/{p}")
                 and "zombie" not in open(f"/proc/{p}/status").read().lower()]
        assert not alive, f"runtime processes outlived the server: {alive}"
    finally:
        s.stop()
        s.cleanup()


def test_a_bad_project_file_is_refused_at_start(tmp_path):
    bad = tmp_path / "stepwell.toml"
    bad.write_text('[functions.f]\nruntime = "cobol"\nhandler = "a.b"\n')
    out = subprocess.run([BIN, "serve", "--port", "0", "--db", str(tmp_path / "db"),
                          "--functions", str(bad)], capture_output=True, text=True, timeout=20)
    assert out.returncode != 0
    assert "functions.f.runtime: unsupported runtime `cobol`" in out.stderr, out.stderr
    out = subprocess.run([BIN, "serve", "--port", "0", "--db", str(tmp_path / "db"),
                          "--functions", str(tmp_path / "missing.toml")],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 2 and "no such file" in out.stderr, out.stderr
    clash = tmp_path / "clash.toml"
    clash.write_text('[[triggers]]\npath = "/health"\nmethod = "GET"\nstate_machine = "M"\n')
    out = subprocess.run([BIN, "serve", "--port", "0", "--db", str(tmp_path / "db"),
                          "--functions", str(clash)], capture_output=True, text=True, timeout=20)
    assert out.returncode != 0 and "one of the server's own paths" in out.stderr, out.stderr


def test_with_sigv4_on_the_handlers_sign_with_an_accepted_key(unique):
    """--access-key: the callback handler's boto3 call back to the API must
    be signed; the server hands its handlers a key it accepts."""
    key = os.environ["AWS_ACCESS_KEY_ID"] + ":" + os.environ["AWS_SECRET_ACCESS_KEY"]
    s = Server(functions=example("callback", "stepwell.toml"),
               extra_args=["--access-key", key]).start()
    try:
        sfn = s.client()
        sm = create_machine(sfn, unique("Signed-"), definition("callback"))
        arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps(
            {"orderId": "o-9", "items": [{"sku": "pen", "quantity": 1, "stock": 1}]}))["executionArn"]
        d = wait_done(sfn, arn)
        assert d["status"] == "SUCCEEDED", (d, s.log_tail())
        assert json.loads(d["output"])["trackingNumber"] == "TRK-o-9"
        import boto3
        stranger = boto3.client("stepfunctions", endpoint_url=s.endpoint, region_name="us-east-1",
                                aws_access_key_id="AKIDSTRANGER", aws_secret_access_key="x")
        try:
            stranger.list_state_machines()
            raise AssertionError("an unknown key was accepted")
        except stranger.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "UnrecognizedClientException", e.response
        # The Lambda Invoke API is guarded too (service `lambda`, refused
        # as Lambda does): the accepted key invokes, others are refused.
        lam = s.client("lambda")
        answer = lam.invoke(FunctionName="process-order", Payload=b"{}")
        assert answer["StatusCode"] == 200, answer
        status, headers, body = s.http("POST", "/2015-03-31/functions/process-order/invocations", b"{}")
        assert status == 403, (status, body)
        error_type = {k.lower(): v for k, v in headers.items()}.get("x-amzn-errortype", "")
        assert error_type.startswith("MissingAuthenticationTokenException"), headers
        stranger = boto3.client("lambda", endpoint_url=s.endpoint, region_name="us-east-1",
                                aws_access_key_id="AKIDSTRANGER", aws_secret_access_key="x")
        try:
            stranger.invoke(FunctionName="process-order", Payload=b"{}")
            raise AssertionError("an unknown key was accepted by the Invoke API")
        except stranger.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "UnrecognizedClientException", e.response
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
    finally:
        s.stop()
        s.cleanup()


SLOW_ONCE = '''
import os
import time


def handler(event, context):
    marker = event["marker"]
    if not os.path.exists(marker):
        open(marker, "w").close()
        time.sleep(30)
        return {"first": True}
    return {"again": True}
'''

CAUGHT = {
    "StartAt": "Call",
    "States": {
        "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Parameters": {"FunctionName": "slow-once", "Payload.$": "$"},
                 "OutputPath": "$.Payload",
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": True},
        "Caught": {"Type": "Fail", "Error": "Caught"},
    },
}


def test_a_stop_mid_invocation_leaves_the_task_to_run_again_after_a_restart(tmp_path, unique):
    # The runtime process killed by the stop is not the function failing:
    # the Task stays pending and runs again when the server is back.
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(SLOW_ONCE)
    project = tmp_path / "stepwell.toml"
    project.write_text('[functions.slow-once]\nruntime = "python3.12"\n'
                       'handler = "app.handler"\ncode = "code"\ntimeout = 60\n')
    db = str(tmp_path / "stepwell.db")
    marker = tmp_path / "ran"
    first = Server(functions=str(project), db=db).start()
    try:
        sfn = first.client()
        sm = create_machine(sfn, unique("Restart-"), json.dumps(CAUGHT))
        arn = sfn.start_execution(stateMachineArn=sm,
                                  input=json.dumps({"marker": str(marker)}))["executionArn"]
        deadline = time.time() + 20
        while not marker.exists():
            assert time.time() < deadline, first.log_tail()
            time.sleep(0.05)
        assert first.stop() == 0, first.log_tail()
    finally:
        first.stop()
    second = Server(functions=str(project), db=db).start()
    try:
        sfn = second.client()
        d = wait_done(sfn, arn, timeout=30)
        assert d["status"] == "SUCCEEDED", (d, second.log_tail())
        assert json.loads(d["output"]) == {"again": True}
        types = [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]
        assert "TaskFailed" not in types, types
    finally:
        second.stop()
        first.cleanup()
        second.cleanup()
