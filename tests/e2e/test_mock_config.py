"""MockConfigFile (`--mock-config`) with `stateMachineArn#TestCase`."""

import json
import time

from conftest import MOCK_CONFIG
from stepwell_harness import ACCOUNT, REGION, Server, history, wait_done

ORDER = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
            "ResultSelector": {"charged.$": "$.Payload.charged"},
            # 10 s, then 20 s: 1 s and 2 s at --wait-scale 0.1
            "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 10,
                       "BackoffRate": 2, "MaxAttempts": 3}],
            "End": True,
        }
    },
}


def test_test_cases_pick_the_mocked_responses(sfn, machine):
    sm = machine(ORDER, name="MockedOrder")

    happy = sfn.start_execution(stateMachineArn=sm + "#HappyPath", input='{"id": 1}')["executionArn"]
    d = wait_done(sfn, happy)
    assert d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"charged": 42}

    flaky = sfn.start_execution(stateMachineArn=sm + "#RetryPath", input='{"id": 2}')["executionArn"]
    d = wait_done(sfn, flaky, timeout=30)
    assert d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"charged": 7}
    events = history(sfn, flaky)
    assert [e["type"] for e in events if e["type"].startswith("Task")] == [
        "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed",
        "TaskScheduled", "TaskStarted", "TaskFailed",
        "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited"]
    scheduled = [e["timestamp"].timestamp() for e in events if e["type"] == "TaskScheduled"]
    assert scheduled[1] - scheduled[0] >= 0.9 and scheduled[2] - scheduled[1] >= 1.9, scheduled

    broken = sfn.start_execution(stateMachineArn=sm + "#FailPath", input='{"id": 3}')["executionArn"]
    d = wait_done(sfn, broken)
    assert d["status"] == "FAILED" and d["error"] == "PaymentDeclined" and d["cause"] == "card expired"


def test_without_a_test_case_the_task_has_no_runner(sfn, machine):
    sm = machine(ORDER, name="MockedOrder")  # creating it again is harmless
    d = wait_done(sfn, sfn.start_execution(stateMachineArn=sm)["executionArn"])
    assert d["status"] == "FAILED" and d["error"] == "States.Runtime", d
    assert "no local runner" in d["cause"]


def test_an_unknown_test_case_is_an_error(server, machine):
    sm = machine(ORDER, name="MockedOrder")
    status, out = server.raw("AWSStepFunctions.StartExecution", {"stateMachineArn": sm + "#NoSuchCase"})
    assert status == 400 and out["__type"] and "NoSuchCase" in out["message"], out


def test_a_malformed_response_is_an_error(server, machine):
    sm = machine(ORDER, name="MockedOrder")
    status, out = server.raw("AWSStepFunctions.StartExecution", {"stateMachineArn": sm + "#Malformed"})
    assert status == 400 and out["__type"].endswith("ValidationException"), out
    assert "a response must contain a single field, 'Return' or 'Throw'" in out["message"], out


def test_an_unmocked_state_of_a_test_case_says_so(sfn, machine):
    charge = {k: v for k, v in ORDER["States"]["Charge"].items() if k != "End"}
    shipping = {"StartAt": "Charge", "States": {
        "Charge": dict(charge, Next="Ship"),
        "Ship": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                 "Parameters": {"QueueUrl": "q", "MessageBody": "m"}, "End": True}}}
    sm = machine(shipping, name="MockedShipping")
    d = wait_done(sfn, sfn.start_execution(stateMachineArn=sm + "#ChargeOnly")["executionArn"])
    assert d["status"] == "FAILED" and d["cause"] == (
        "no local runner for state 'Ship': test case 'ChargeOnly' has no mock for it, "
        "and no backend runs resource arn:aws:states:::sqs:sendMessage"), d


def own_server(tmp_path, **kw):
    workdir = tmp_path / "server"
    workdir.mkdir()
    return Server(workdir=str(workdir), **kw).start()


def create_order(sfn, name="MockedOrder"):
    return sfn.create_state_machine(name=name, definition=json.dumps(ORDER),
                                    roleArn=f"arn:aws:iam::{ACCOUNT}:role/r")["stateMachineArn"]


def test_mock_config_file_json_in_the_working_directory_is_the_default(tmp_path):
    # Step Functions Local: "If you do not provide the environment variable
    # SFN_MOCK_CONFIG ... it will attempt to read a mock configuration file
    # named MockConfigFile.json in the directory from which you launched".
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "MockConfigFile.json").write_text(json.dumps(MOCK_CONFIG))
    s = own_server(tmp_path, wait_scale=0, cwd=str(cwd))
    try:
        sfn = s.client()
        sm = create_order(sfn)
        d = wait_done(sfn, sfn.start_execution(stateMachineArn=sm + "#HappyPath")["executionArn"])
        assert d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"charged": 42}, d
        assert "loaded the mock config ./MockConfigFile.json" in s.log_tail(200)
    finally:
        s.stop()


def test_a_test_case_without_a_mock_config_is_refused(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    s = own_server(tmp_path, wait_scale=0, cwd=str(cwd))
    try:
        sm = create_order(s.client())
        status, out = s.raw("AWSStepFunctions.StartExecution", {"stateMachineArn": sm + "#HappyPath"})
        assert status == 400 and out["__type"].endswith("ValidationException"), out
        assert "test case 'HappyPath' cannot be used" in out["message"], out
        assert s.client().list_executions(stateMachineArn=sm)["executions"] == []
    finally:
        s.stop()


def test_step_functions_local_account_and_wait_time_scale(tmp_path):
    # "Step Functions Local configuration options": AWS_ACCOUNT_ID and
    # WAIT_TIME_SCALE, the defaults of --account and --wait-scale.
    s = own_server(tmp_path, wait_scale=None,
                   env={"AWS_ACCOUNT_ID": "111122223333", "WAIT_TIME_SCALE": "0"})
    try:
        sfn = s.client()
        waits = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
        sm = sfn.create_state_machine(name="waits", definition=json.dumps(waits),
                                      roleArn="arn:aws:iam::111122223333:role/r")["stateMachineArn"]
        assert sm == f"arn:aws:states:{REGION}:111122223333:stateMachine:waits", sm
        started = time.time()
        d = wait_done(sfn, sfn.start_execution(stateMachineArn=sm)["executionArn"], timeout=20)
        assert d["status"] == "SUCCEEDED" and time.time() - started < 20, d
    finally:
        s.stop()
