"""Callbacks: `.waitForTaskToken` with SendTaskSuccess / SendTaskFailure /
SendTaskHeartbeat, HeartbeatSeconds and TimeoutSeconds."""

import json
import time

from stepwell_harness import check_history_shape, expect_error, history, wait_done, wait_event

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"


def callback_machine(heartbeat=None, timeout=None, catch=None):
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {
            "QueueUrl": QUEUE,
            "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"},
        },
        "ResultPath": "$.reply",
        "Next": "Done",
    }
    if heartbeat:
        task["HeartbeatSeconds"] = heartbeat
    if timeout:
        task["TimeoutSeconds"] = timeout
    states = {"Ask": task, "Done": {"Type": "Pass", "End": True}}
    if catch:
        task["Catch"] = [{"ErrorEquals": catch, "ResultPath": "$.err", "Next": "Handled"}]
        states["Handled"] = {"Type": "Pass", "End": True}
    return {"StartAt": "Ask", "States": states}


def token_of(sfn, ex):
    """The token the task was given, read from its TaskScheduled parameters."""
    e = wait_event(sfn, ex, "TaskScheduled")
    d = e["taskScheduledEventDetails"]
    assert d["resourceType"] == "sqs" and d["resource"] == "sendMessage.waitForTaskToken", d
    params = json.loads(d["parameters"])
    assert params["QueueUrl"] == QUEUE
    return params["MessageBody"]["token"], params


def test_send_task_success_flows_into_the_output(sfn, cli, machine, unique):
    sm = machine(callback_machine())
    ex = sfn.start_execution(stateMachineArn=sm, name=unique(), input='{"order": 17}')["executionArn"]
    token, params = token_of(sfn, ex)
    assert params["MessageBody"]["order"] == 17
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"
    # output that is not JSON is refused, and the task keeps waiting
    expect_error("InvalidOutput", sfn.send_task_success, taskToken=token, output="{not json")
    cli("send-task-success", "--task-token", token, "--task-output", json.dumps({"approved": True}))
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED"
    assert json.loads(d["output"]) == {"order": 17, "reply": {"approved": True}}
    events = history(sfn, ex)
    check_history_shape(events)
    types = [e["type"] for e in events]
    assert types == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                     "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "PassStateEntered",
                     "PassStateExited", "ExecutionSucceeded"], types
    ok = [e for e in events if e["type"] == "TaskSucceeded"][0]["taskSucceededEventDetails"]
    assert json.loads(ok["output"]) == {"approved": True}
    # the token is spent
    expect_error("TaskTimedOut", sfn.send_task_success, taskToken=token, output="{}")
    # the token is checked before the output, as AWS does
    expect_error("TaskTimedOut", sfn.send_task_success, taskToken=token, output="{not json")


def test_send_task_failure_is_routed_by_catch(sfn, cli, machine, unique):
    sm = machine(callback_machine(catch=["Order.Rejected"]))
    ex = sfn.start_execution(stateMachineArn=sm, name=unique(), input='{"order": 3}')["executionArn"]
    token, _ = token_of(sfn, ex)
    cli("send-task-failure", "--task-token", token, "--error", "Order.Rejected", "--cause", "out of stock")
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED"
    assert json.loads(d["output"]) == {"order": 3, "err": {"Error": "Order.Rejected", "Cause": "out of stock"}}
    events = history(sfn, ex)
    failed = [e for e in events if e["type"] == "TaskFailed"][0]["taskFailedEventDetails"]
    assert failed["error"] == "Order.Rejected" and failed["cause"] == "out of stock"
    assert any(e["type"] == "PassStateEntered" and e["stateEnteredEventDetails"]["name"] == "Handled"
               for e in events)


def test_uncaught_task_failure_fails_the_execution(sfn, machine, unique):
    sm = machine(callback_machine())
    ex = sfn.start_execution(stateMachineArn=sm, name=unique(), input='{"order": 4}')["executionArn"]
    token, _ = token_of(sfn, ex)
    sfn.send_task_failure(taskToken=token, error="Boom", cause="it broke")
    d = wait_done(sfn, ex)
    assert d["status"] == "FAILED" and d["error"] == "Boom" and d["cause"] == "it broke"
    assert history(sfn, ex)[-1]["type"] == "ExecutionFailed"


def test_heartbeat_timeout(sfn, machine, unique):
    # HeartbeatSeconds 5 is 0.5 s at --wait-scale 0.1
    sm = machine(callback_machine(heartbeat=5, timeout=3000))
    ex = sfn.start_execution(stateMachineArn=sm, name=unique(), input='{"order": 5}')["executionArn"]
    token, _ = token_of(sfn, ex)
    d = wait_done(sfn, ex, timeout=20)
    # AWS records a missed heartbeat as States.Timeout (its recorded histories).
    assert d["status"] == "FAILED" and d["error"] == "States.Timeout", d
    timed_out = [e for e in history(sfn, ex) if e["type"] == "TaskTimedOut"]
    assert timed_out and timed_out[0]["taskTimedOutEventDetails"]["error"] == "States.Timeout"
    expect_error("TaskTimedOut", sfn.send_task_success, taskToken=token, output="{}")


def test_heartbeats_keep_the_task_alive(sfn, cli, machine, unique):
    # HeartbeatSeconds 40 is 4 s: heartbeats every 0.25 s for 6 s keep it
    # going (the window leaves the AWS CLI time to start on a busy machine)
    sm = machine(callback_machine(heartbeat=40))
    ex = sfn.start_execution(stateMachineArn=sm, name=unique(), input='{"order": 6}')["executionArn"]
    token, _ = token_of(sfn, ex)
    end = time.time() + 6
    while time.time() < end:
        sfn.send_task_heartbeat(taskToken=token)
        time.sleep(0.25)
    cli("send-task-heartbeat", "--task-token", token)
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"
    sfn.send_task_success(taskToken=token, output='"fine"')
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED" and json.loads(d["output"])["reply"] == "fine"


def test_task_timeout(sfn, machine, unique):
    sm = machine(callback_machine(timeout=5, catch=["States.Timeout"]))
    ex = sfn.start_execution(stateMachineArn=sm, name=unique(), input='{"order": 8}')["executionArn"]
    d = wait_done(sfn, ex, timeout=20)
    assert d["status"] == "SUCCEEDED"
    assert json.loads(d["output"])["err"]["Error"] == "States.Timeout"
    assert any(e["type"] == "TaskTimedOut" for e in history(sfn, ex))


def test_unknown_tokens_are_refused(sfn):
    # A token that is not a task token at all is AWS's InvalidToken.
    for op, extra in [(sfn.send_task_success, {"output": "{}"}), (sfn.send_task_failure, {}),
                      (sfn.send_task_heartbeat, {})]:
        msg = expect_error("InvalidToken", op, taskToken="no-such-token", **extra)
        assert msg == "Invalid Token: 'Invalid token'"
    # DIFFERENCE: a well-formed token (ours are UUIDs) that names no waiting
    # task is taken for one whose task ended: TaskTimedOut, as for a real
    # token of a closed task (AWS's tokens carry what it needs to tell them
    # apart; a made-up one there is InvalidToken).
    well_formed = "0f8e5a4c-3b1d-4c2e-9a7f-6d5e4c3b2a19"
    expect_error("TaskTimedOut", sfn.send_task_success, taskToken=well_formed, output="{}")
    expect_error("TaskTimedOut", sfn.send_task_heartbeat, taskToken=well_formed)
    # The model's length limit is checked before the token is looked up.
    msg = expect_error("ValidationException", sfn.send_task_failure, taskToken="x" * 2049)
    assert msg == ("1 validation error detected: Value at 'taskToken' failed to satisfy constraint: "
                   "Member must have length less than or equal to 2048")
