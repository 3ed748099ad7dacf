"""Pattern 2, the callback pattern (examples/lambda/callback): a
lambda:invoke.waitForTaskToken task hands $$.Task.Token to a Python handler
that answers with boto3's send_task_success / send_task_failure."""

import json

from harness import create_machine, definition, details, entered, history, wait_done

EXAMPLE = "callback"


def start(sfn, sm, order):
    return sfn.start_execution(stateMachineArn=sm, input=json.dumps(order))["executionArn"]


def test_callbacks_from_the_handler_route_each_outcome(sfn, unique):
    sm = create_machine(sfn, unique("Callback-"), definition(EXAMPLE))
    ok = start(sfn, sm, {"orderId": "o-1", "items": [{"sku": "book", "quantity": 1, "stock": 3}]})
    failed = start(sfn, sm, {"orderId": "o-2", "items": [{"sku": "lamp", "quantity": 2, "stock": 1}]})
    broken = start(sfn, sm, {"orderId": "o-3"})  # no items: the handler raises KeyError

    # send_task_success: the callback's output is the task's result.
    d = wait_done(sfn, ok)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"orderId": "o-1", "status": "processed",
                                       "trackingNumber": "TRK-o-1"}
    events = history(sfn, ok)
    types = [e["type"] for e in events]
    # Handed over once, before the callback's result (the handler answers
    # before it returns, so what the submission answered is not known yet: {}).
    assert types.count("TaskSubmitted") == 1, types
    assert types.index("TaskStarted") < types.index("TaskSubmitted") < types.index("TaskSucceeded")
    succeeded = [details(e) for e in events if e["type"] == "TaskSucceeded"]
    assert json.loads(succeeded[0]["output"]) == {"trackingNumber": "TRK-o-1", "items": 1}

    # send_task_failure(error="ProcessingFailed"): the first Catch.
    d = wait_done(sfn, failed)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"orderId": "o-2", "status": "rejected",
                                       "reason": "out of stock: lamp"}
    events = history(sfn, failed)
    assert entered(events) == ["ProcessOrder", "NotifyCustomer"]
    f = [details(e) for e in events if e["type"] == "TaskFailed"][0]
    assert f["error"] == "ProcessingFailed" and f["cause"] == "out of stock: lamp"

    # The handler itself fails before answering: the invocation's error
    # fails the task, caught by States.TaskFailed -> a different route.
    d = wait_done(sfn, broken)
    assert d["status"] == "FAILED" and d["error"] == "OrderProcessingBroken", d
    cause = json.loads(d["cause"])
    assert cause["errorType"] == "KeyError" and cause["errorMessage"] == "'items'", cause
    events = history(sfn, broken)
    assert entered(events) == ["ProcessOrder", "EscalateToSupport"]
    f = [details(e) for e in events if e["type"] == "TaskFailed"][0]
    assert f["error"] == "KeyError", f
    assert "TaskSubmitted" not in [e["type"] for e in events], "the hand-over itself failed"


def test_a_token_is_answered_once(sfn, unique, example_server):
    """The handler's token is spent: answering again is TaskTimedOut, as on AWS."""
    sm = create_machine(sfn, unique("CallbackOnce-"), definition(EXAMPLE))
    arn = start(sfn, sm, {"orderId": "o-4", "items": []})
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    token = None
    for e in history(sfn, arn):
        p = details(e).get("parameters")
        if e["type"] == "TaskScheduled" and p:
            token = json.loads(p)["Payload"]["taskToken"]
    assert token
    try:
        sfn.send_task_success(taskToken=token, output="{}")
        raise AssertionError("a spent token was accepted")
    except sfn.exceptions.TaskTimedOut:
        pass
