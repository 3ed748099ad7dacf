"""Nested executions: `states:startExecution.sync:2`, `.sync`, and a failing child."""

import json

from stepwell_harness import history, wait_done

CHILD = {
    "StartAt": "Nap",
    "States": {
        "Nap": {"Type": "Wait", "Seconds": 2, "Next": "Double"},
        "Double": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.x, $.x)"}, "End": True},
    },
}
FAILING_CHILD = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Child.Broke", "Cause": "bad"}}}


def parent(resource, child_arn, catch=False):
    task = {
        "Type": "Task",
        "Resource": resource,
        "Parameters": {"StateMachineArn": child_arn, "Input": {"x.$": "$.x"}},
        "ResultPath": "$.child",
        "End": True,
    }
    if catch:
        task["Catch"] = [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.err", "Next": "Caught"}]
        task.pop("End")
        task["Next"] = "Caught"
        return {"StartAt": "Call", "States": {"Call": task, "Caught": {"Type": "Pass", "End": True}}}
    return {"StartAt": "Call", "States": {"Call": task}}


def test_sync2_returns_the_child_output_as_json(sfn, machine, unique):
    child = machine(CHILD)
    p = machine(parent("arn:aws:states:::states:startExecution.sync:2", child))
    ex = sfn.start_execution(stateMachineArn=p, name=unique(), input='{"x": 21}')["executionArn"]
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])["child"]
    assert out["Status"] == "SUCCEEDED"
    assert out["Output"] == {"doubled": 42}
    assert out["Input"] == {"x": 21}
    child_ex = out["ExecutionArn"]
    assert child_ex.startswith(child.replace(":stateMachine:", ":execution:") + ":")
    c = sfn.describe_execution(executionArn=child_ex)
    assert c["status"] == "SUCCEEDED" and json.loads(c["output"]) == {"doubled": 42}
    listed = sfn.list_executions(stateMachineArn=child)["executions"]
    assert child_ex in [e["executionArn"] for e in listed]
    events = history(sfn, ex)
    types = [e["type"] for e in events]
    # As AWS records a .sync task: submitted (what StartExecution answered), then its result.
    assert types == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                     "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"], types
    submitted = json.loads(events[4]["taskSubmittedEventDetails"]["output"])
    assert submitted["ExecutionArn"] == child_ex and "StartDate" in submitted


def test_sync_returns_the_child_output_as_text(sfn, machine, unique):
    child = machine(CHILD)
    p = machine(parent("arn:aws:states:::states:startExecution.sync", child))
    ex = sfn.start_execution(stateMachineArn=p, name=unique(), input='{"x": 5}')["executionArn"]
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])["child"]
    assert isinstance(out["Output"], str) and json.loads(out["Output"]) == {"doubled": 10}


def test_a_failing_child_fails_the_task(sfn, machine, unique):
    child = machine(FAILING_CHILD)
    p = machine(parent("arn:aws:states:::states:startExecution.sync:2", child, catch=True))
    ex = sfn.start_execution(stateMachineArn=p, name=unique(), input='{"x": 1}')["executionArn"]
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED", d
    err = json.loads(d["output"])["err"]
    assert err["Error"] == "States.TaskFailed"
    cause = json.loads(err["Cause"])
    assert cause["Status"] == "FAILED" and cause["Error"] == "Child.Broke"


def test_fire_and_forget_start(sfn, machine, unique):
    child = machine(CHILD)
    p = machine(parent("arn:aws:states:::states:startExecution", child))
    ex = sfn.start_execution(stateMachineArn=p, name=unique(), input='{"x": 2}')["executionArn"]
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED"
    child_ex = json.loads(d["output"])["child"]["ExecutionArn"]
    assert wait_done(sfn, child_ex)["status"] == "SUCCEEDED"
