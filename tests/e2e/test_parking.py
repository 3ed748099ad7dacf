"""Parking (`--park-after`): an execution with nothing to do leaves memory,
and whatever it waits for (a timer, a callback, an activity worker, a stop
request, a retry) brings it back from the store, with the outcome and the
history it would have had without parking."""

import json
import time

import pytest

from stepwell_harness import ROLE, Server, expect_error, history, wait_done, wait_event

MOCKS = {
    "StateMachines": {"Flaky": {"TestCases": {"TwoFailures": {"Charge": "FailTwice"}}}},
    "MockedResponses": {
        "FailTwice": {
            "0-1": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "flaky"}},
            "2": {"Return": {"StatusCode": 200, "Payload": {"charged": 7}}},
        }
    },
}


@pytest.fixture(scope="module")
def parking(tmp_path_factory):
    # Park after 0.2 s of quiet (checked every 50 ms); real-time waits.
    s = Server(wait_scale=1.0, mock_config=MOCKS, workdir=str(tmp_path_factory.mktemp("parking")),
               extra_args=["--park-after", "0.2"]).start()
    yield s
    s.stop()


@pytest.fixture
def sfn(parking):
    return parking.client()


def create(sfn, name, definition):
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"]


def wait_parked(server, parked=1, timeout=10):
    """Until `parked` executions are parked and none is live."""
    deadline = time.time() + timeout
    while True:
        h = server.health()
        if h["parkedExecutions"] == parked and h["liveExecutions"] == 0:
            return
        if time.time() > deadline:
            raise AssertionError(f"not parked after {timeout}s: {h}")
        time.sleep(0.02)


def types(sfn, ex):
    return [e["type"] for e in history(sfn, ex)]


def test_a_parked_wait_fires_from_the_store(parking, sfn):
    sm = create(sfn, "park-wait", {
        "QueryLanguage": "JSONata",
        "StartAt": "Remember",
        "States": {
            "Remember": {"Type": "Pass", "Assign": {"seen": "{% $states.input.n %}"}, "Next": "Sleep"},
            "Sleep": {"Type": "Wait", "Seconds": 2, "Next": "Answer"},
            "Answer": {"Type": "Pass", "Output": {"n": "{% $seen * 2 %}"}, "End": True},
        },
    })
    ex = sfn.start_execution(stateMachineArn=sm, name="w1", input='{"n": 21}')["executionArn"]
    wait_parked(parking)
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"
    d = wait_done(sfn, ex, timeout=10)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"n": 42}
    assert types(sfn, ex) == [
        "ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered",
        "WaitStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    assert parking.health()["parkedExecutions"] == 0


def test_a_callback_heartbeat_and_answer_reach_a_parked_execution(parking, sfn):
    sm = create(sfn, "park-callback", {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                               "MessageBody": {"token.$": "$$.Task.Token"}},
                "HeartbeatSeconds": 30,
                "ResultPath": "$.reply",
                "End": True,
            }
        },
    })
    ex = sfn.start_execution(stateMachineArn=sm, name="c1", input='{"order": 5}')["executionArn"]
    scheduled = wait_event(sfn, ex, "TaskScheduled")["taskScheduledEventDetails"]
    token = json.loads(scheduled["parameters"])["MessageBody"]["token"]
    wait_parked(parking)
    sfn.send_task_heartbeat(taskToken=token)
    wait_parked(parking)
    sfn.send_task_success(taskToken=token, output='{"ok": true}')
    d = wait_done(sfn, ex, timeout=10)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"order": 5, "reply": {"ok": True}}
    # The token is spent: as AWS, a second answer is refused.
    expect_error("TaskTimedOut", sfn.send_task_success, taskToken=token, output="{}")


def test_an_activity_worker_takes_and_answers_a_parked_task(parking, sfn):
    act = sfn.create_activity(name="park-act")["activityArn"]
    sm = create(sfn, "park-activity", {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": act, "ResultPath": "$.work", "End": True}},
    })
    ex = sfn.start_execution(stateMachineArn=sm, name="a1", input='{"job": 1}')["executionArn"]
    wait_event(sfn, ex, "ActivityScheduled")
    wait_parked(parking)
    t = sfn.get_activity_task(activityArn=act, workerName="parker")
    assert json.loads(t["input"]) == {"job": 1}
    wait_parked(parking)
    sfn.send_task_success(taskToken=t["taskToken"], output='"done"')
    d = wait_done(sfn, ex, timeout=10)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"job": 1, "work": "done"}
    assert types(sfn, ex) == [
        "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
        "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"]


def test_stop_redrive_and_a_repeated_start_of_a_parked_execution(parking, sfn):
    sm = create(sfn, "park-stop", {
        "StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 300, "End": True}}})
    ex = sfn.start_execution(stateMachineArn=sm, name="s1", input='{"a": 1}')["executionArn"]
    wait_parked(parking)
    # The same start again is the same execution (AWS's idempotency rule).
    again = sfn.start_execution(stateMachineArn=sm, name="s1", input='{"a": 1}')
    assert again["executionArn"] == ex
    wait_parked(parking)
    msg = expect_error("ExecutionNotRedrivable", sfn.redrive_execution, executionArn=ex)
    assert "RUNNING" in msg
    sfn.stop_execution(executionArn=ex, error="Halt", cause="parked")
    d = wait_done(sfn, ex, timeout=10)
    assert d["status"] == "ABORTED", d
    assert types(sfn, ex)[-1] == "ExecutionAborted"
    assert parking.health()["parkedExecutions"] == 0


def test_a_mocked_retry_keeps_its_place_across_parking(parking, sfn):
    # Parked between attempts: the replay counts the two mocked failures
    # as spent, so the third attempt gets the third answer.
    sm = create(sfn, "Flaky", {
        "StartAt": "Charge",
        "States": {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "charge"},
                "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1,
                           "BackoffRate": 1, "MaxAttempts": 3}],
                "OutputPath": "$.Payload",
                "End": True,
            }
        },
    })
    ex = sfn.start_execution(stateMachineArn=sm + "#TwoFailures", name="m1")["executionArn"]
    wait_parked(parking)
    d = wait_done(sfn, ex, timeout=15)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"charged": 7}
    assert types(sfn, ex).count("TaskFailed") == 2


def test_parallel_and_map_waits_rejoin_after_parking(parking, sfn):
    # State names are unique in the whole state machine.
    branch = lambda secs, tag: {  # noqa: E731
        "StartAt": "W" + tag, "States": {
            "W" + tag: {"Type": "Wait", "Seconds": secs, "Next": "P" + tag},
            "P" + tag: {"Type": "Pass", "Result": tag, "End": True}}}
    sm = create(sfn, "park-fan", {
        "StartAt": "Both",
        "States": {
            "Both": {"Type": "Parallel", "Branches": [branch(1, "a"), branch(2, "b")],
                     "ResultPath": "$.par", "Next": "Each"},
            "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
                     "ItemProcessor": {"StartAt": "W", "States": {
                         "W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
                         "P": {"Type": "Pass", "End": True}}},
                     "ResultPath": "$.map", "End": True},
        },
    })
    ex = sfn.start_execution(stateMachineArn=sm, name="f1", input='{"items": [1, 2, 3]}')["executionArn"]
    wait_parked(parking)
    d = wait_done(sfn, ex, timeout=20)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"items": [1, 2, 3], "par": ["a", "b"], "map": [1, 2, 3]}
