"""RedriveExecution: a failed execution runs again from the state that failed."""

import json

import pytest
from botocore.exceptions import ClientError

from stepwell_harness import history, wait_done

FLOW = {
    "StartAt": "Prep",
    "States": {
        "Prep": {"Type": "Pass", "Result": 1, "ResultPath": "$.prep", "Next": "Work"},
        "Work": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "work", "Payload.$": "$"},
            "ResultPath": "$.work",
            "End": True,
        },
    },
}


def test_a_failed_execution_is_redriven_from_the_failed_state(sfn, machine):
    sm = machine(FLOW, name="Redriven")
    arn = sfn.start_execution(stateMachineArn=sm + "#FailOnce", input='{"order": 7}')["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "FAILED" and d["error"] == "Boom", d
    assert d["redriveStatus"] == "REDRIVABLE" and d["redriveCount"] == 0

    sfn.redrive_execution(executionArn=arn)
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"order": 7, "prep": 1, "work": {"done": True}}
    assert d["redriveCount"] == 1 and "redriveDate" in d
    assert d["redriveStatus"] == "NOT_REDRIVABLE"
    assert d["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"

    events = history(sfn, arn)
    types = [e["type"] for e in events]
    # Prep ran once; Work ran again after the ExecutionRedriven event.
    assert types.count("PassStateEntered") == 1
    i = types.index("ExecutionRedriven")
    assert types[i - 1] == "ExecutionFailed"
    assert events[i]["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert types[i + 1:] == ["TaskStateEntered", "TaskScheduled", "TaskStarted",
                             "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))

    with pytest.raises(ClientError) as err:
        sfn.redrive_execution(executionArn=arn)
    assert err.value.response["Error"]["Code"] == "ExecutionNotRedrivable"


def test_a_redrive_sent_again_with_its_client_token_gets_the_same_answer(sfn, machine):
    sm = machine(FLOW, name="Redriven")
    arn = sfn.start_execution(stateMachineArn=sm + "#FailOnce", input="{}")["executionArn"]
    assert wait_done(sfn, arn)["status"] == "FAILED"
    first = sfn.redrive_execution(executionArn=arn, clientToken="retry-me")
    # An SDK retry of the same request (the execution may be running or done).
    again = sfn.redrive_execution(executionArn=arn, clientToken="retry-me")
    assert again["redriveDate"] == first["redriveDate"]
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED" and d["redriveCount"] == 1
    assert sfn.redrive_execution(executionArn=arn, clientToken="retry-me")["redriveDate"] == first["redriveDate"]
    # Another token is another request.
    with pytest.raises(ClientError) as err:
        sfn.redrive_execution(executionArn=arn, clientToken="a-new-one")
    assert err.value.response["Error"]["Code"] == "ExecutionNotRedrivable"
