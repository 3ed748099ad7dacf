"""MockConfigFile (`--mock-config`) with `stateMachineArn#TestCase`."""

import json

from stepwell_harness import history, wait_done

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
