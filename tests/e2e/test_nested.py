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
    # What StartExecution answered, with the call's HTTP metadata, as AWS records it.
    assert list(submitted) == ["ExecutionArn", "SdkHttpMetadata", "SdkResponseMetadata", "StartDate"], submitted
    assert submitted["SdkHttpMetadata"]["HttpStatusCode"] == 200
    # The child's description: alphabetical, and not redrivable since it succeeded.
    assert out["RedriveStatus"] == "NOT_REDRIVABLE", out
    assert out["RedriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    assert list(out) == sorted(out), list(out)


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
    # The child's DescribeExecution as AWS gives it (floci-io/floci,
    # AslExecutorNestedSyncFailureTest, measured on AWS): alphabetical, Cause
    # and Error first, the Input as text even under .sync:2, redrivable.
    assert list(cause)[:3] == ["Cause", "Error", "ExecutionArn"], list(cause)
    assert list(cause) == sorted(cause), list(cause)
    assert cause["Cause"] == "bad" and cause["Input"] == '{"x":1}', cause
    assert cause["RedriveStatus"] == "REDRIVABLE", cause
    child_ex = cause["ExecutionArn"]
    assert sfn.describe_execution(executionArn=child_ex)["redriveStatus"] == "REDRIVABLE"


def test_a_state_machine_that_does_not_exist_is_the_java_sdk_s_error(sfn, machine, unique):
    child = machine(CHILD)
    missing = child + "-nope"
    p = machine(parent("arn:aws:states:::states:startExecution", missing))
    ex = sfn.start_execution(stateMachineArn=p, name=unique(), input='{"x": 1}')["executionArn"]
    d = wait_done(sfn, ex)
    assert d["status"] == "FAILED", d
    # As AWS records it (localstack, error_handling test_start_execution_no_such_arn).
    assert d["error"] == "StepFunctions.StateMachineDoesNotExistException", d
    prefix = (f"State Machine Does Not Exist: '{missing}' (Service: AWSStepFunctions; Status Code: 400; "
              "Error Code: StateMachineDoesNotExist; Request ID: ")
    assert d["cause"].startswith(prefix) and d["cause"].endswith("; Proxy: null)"), d["cause"]


def test_fire_and_forget_start(sfn, machine, unique):
    child = machine(CHILD)
    p = machine(parent("arn:aws:states:::states:startExecution", child))
    ex = sfn.start_execution(stateMachineArn=p, name=unique(), input='{"x": 2}')["executionArn"]
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED"
    child_ex = json.loads(d["output"])["child"]["ExecutionArn"]
    assert wait_done(sfn, child_ex)["status"] == "SUCCEEDED"
