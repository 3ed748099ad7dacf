"""Pattern 3, order processing (examples/lambda/order-processing): Retry with
IntervalSeconds 1, BackoffRate 2, MaxAttempts 3 on a Python function that
fails twice with PaymentProcessingError then succeeds; Catch on
ValidationError. The retry timing is read from the history (at
--wait-scale 0.5 the intervals are 0.5 s and 1 s)."""

import json

from harness import create_machine, definition, details, entered, history, ts, wait_done

EXAMPLE = "order-processing"
WAIT_SCALE = 0.5


def test_two_payment_failures_are_retried_with_back_off(sfn, unique):
    sm = create_machine(sfn, unique("Orders-"), definition(EXAMPLE))
    order = unique("o-")
    arn = sfn.start_execution(stateMachineArn=sm,
                              input=json.dumps({"orderId": order, "amount": 42.5}))["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"orderId": order, "status": "confirmed",
                                       "receipt": f"r-{order}", "attempts": 3}
    events = history(sfn, arn)
    lam = [e for e in events if e["type"].startswith("LambdaFunction")]
    assert [e["type"] for e in lam] == [
        "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed",
        "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed",
        "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded"]
    failures = [details(e) for e in lam if e["type"] == "LambdaFunctionFailed"]
    for n, f in enumerate(failures, 1):
        assert f["error"] == "PaymentProcessingError"
        cause = json.loads(f["cause"])
        assert cause["errorType"] == "PaymentProcessingError"
        assert cause["errorMessage"] == f"payment gateway timed out (attempt {n})"
    # Back-off: IntervalSeconds 1, then 1 * BackoffRate 2, times the scale.
    failed_at = [ts(e) for e in lam if e["type"] == "LambdaFunctionFailed"]
    scheduled_at = [ts(e) for e in lam if e["type"] == "LambdaFunctionScheduled"]
    gaps = [scheduled_at[1] - failed_at[0], scheduled_at[2] - failed_at[1]]
    assert 1.0 * WAIT_SCALE - 0.05 <= gaps[0] <= 1.0 * WAIT_SCALE + 0.5, gaps
    assert 2.0 * WAIT_SCALE - 0.05 <= gaps[1] <= 2.0 * WAIT_SCALE + 0.5, gaps
    assert gaps[1] > gaps[0] * 1.5, gaps


def test_a_validation_error_is_caught_and_not_retried(sfn, unique):
    sm = create_machine(sfn, unique("OrdersInvalid-"), definition(EXAMPLE))
    arn = sfn.start_execution(stateMachineArn=sm,
                              input=json.dumps({"orderId": unique("o-"), "amount": -3}))["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "FAILED" and d["error"] == "ValidationError", d
    cause = json.loads(d["cause"])
    assert cause == {**cause, "errorType": "ValidationError",
                     "errorMessage": "amount must be a positive number, got -3"}
    events = history(sfn, arn)
    assert entered(events) == ["ProcessPayment", "RejectOrder"]
    assert sum(e["type"] == "LambdaFunctionScheduled" for e in events) == 1


def test_orders_in_parallel_keep_their_own_counts(sfn, unique):
    sm = create_machine(sfn, unique("OrdersParallel-"), definition(EXAMPLE))
    orders = [unique("o-") for _ in range(4)]
    arns = [sfn.start_execution(stateMachineArn=sm, input=json.dumps({"orderId": o, "amount": 1}))
            ["executionArn"] for o in orders]
    for o, arn in zip(orders, arns):
        d = wait_done(sfn, arn)
        assert d["status"] == "SUCCEEDED", d
        assert json.loads(d["output"])["attempts"] == 3
