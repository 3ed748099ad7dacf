"""Pattern 4, the JSONata registration flow (examples/lambda/registration):
lambda:invoke with Payload {% $states.input %}, Assign of
$states.result.Payload.statusCode, Choice on {% $statusCode = 200 %}, Fail
with Error/Cause, Retry with JitterStrategy FULL. Also the project's HTTP
trigger (POST /register)."""

import json

from harness import create_machine, definition, details, entered, history, ts, wait_done

EXAMPLE = "registration"
MACHINE = "Registration"


def machine(sfn):
    try:
        return create_machine(sfn, MACHINE, definition(EXAMPLE))
    except sfn.exceptions.StateMachineAlreadyExists:
        return f"arn:aws:states:us-east-1:123456789012:stateMachine:{MACHINE}"


def run(sfn, payload):
    arn = sfn.start_execution(stateMachineArn=machine(sfn), input=json.dumps(payload))["executionArn"]
    return arn, wait_done(sfn, arn)


def test_a_new_user_is_welcomed_and_a_second_registration_fails(sfn, unique):
    email = f"{unique('ana-')}@example.com"
    arn, d = run(sfn, {"name": "Ana", "email": email})
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    assert out["greeting"] == "Welcome, Ana!" and out["userId"].startswith("u-"), out
    events = history(sfn, arn)
    assert entered(events) == ["RegisterUser", "Registered?", "Welcome"]
    # The lambda:invoke integration's result shape.
    result = json.loads([details(e) for e in events if e["type"] == "TaskSucceeded"][0]["output"])
    assert result["StatusCode"] == 200 and result["ExecutedVersion"] == "$LATEST"
    assert result["Payload"] == {"statusCode": 200, "body": {"userId": out["userId"]}}
    assert "FunctionError" not in result
    # The Payload was the state's input ({% $states.input %}).
    scheduled = [details(e) for e in events if e["type"] == "TaskScheduled"][0]
    assert json.loads(scheduled["parameters"]) == {
        "FunctionName": "register-user", "Payload": {"name": "Ana", "email": email}}

    arn, d = run(sfn, {"name": "Ana", "email": email})
    assert d["status"] == "FAILED", d
    assert d["error"] == "RegistrationFailed"
    assert d["cause"] == f"register-user answered 409: {email} is already registered"
    assert entered(history(sfn, arn)) == ["RegisterUser", "Registered?", "RegistrationFailed"]

    arn, d = run(sfn, {"name": "Bo", "email": "not-an-address"})
    assert d["status"] == "FAILED" and d["cause"] == (
        "register-user answered 400: not an email address: 'not-an-address'"), d


def test_a_busy_service_is_retried_with_full_jitter(sfn, unique):
    email = f"{unique('bo-')}@example.com"
    arn, d = run(sfn, {"name": "Bo", "email": email, "busyTimes": 2})
    assert d["status"] == "SUCCEEDED", d
    events = history(sfn, arn)
    task = [e for e in events if e["type"] in ("TaskScheduled", "TaskFailed", "TaskSucceeded")]
    assert [e["type"] for e in task] == ["TaskScheduled", "TaskFailed", "TaskScheduled",
                                         "TaskFailed", "TaskScheduled", "TaskSucceeded"]
    for f in (details(e) for e in task if e["type"] == "TaskFailed"):
        assert f["error"] == "RegistrationServiceBusy"
        assert json.loads(f["cause"])["errorType"] == "RegistrationServiceBusy"
    # FULL jitter: each wait is drawn from [0, IntervalSeconds * BackoffRate^n].
    gaps = [ts(task[2]) - ts(task[1]), ts(task[4]) - ts(task[3])]
    assert 0 <= gaps[0] <= 1.0 + 0.3 and 0 <= gaps[1] <= 2.0 + 0.3, gaps


def test_the_http_trigger_starts_an_execution_with_the_body(example_server, sfn, unique):
    machine(sfn)
    email = f"{unique('cy-')}@example.com"
    status, headers, body = example_server.http(
        "POST", "/register", {"name": "Cy", "email": email},
        headers={"Content-Type": "application/json"})
    assert status == 200, body
    assert set(body) == {"executionArn", "startDate"}, body
    assert body["executionArn"].startswith(
        "arn:aws:states:us-east-1:123456789012:execution:Registration:")
    d = wait_done(sfn, body["executionArn"])
    assert d["status"] == "SUCCEEDED" and json.loads(d["output"])["greeting"] == "Welcome, Cy!", d
    assert json.loads(d["input"]) == {"name": "Cy", "email": email}

    status, _, body = example_server.http("POST", "/register", b"{not json")
    assert status == 400 and body["__type"].split("#")[-1] == "InvalidExecutionInput", body
    status, headers, _ = example_server.http("GET", "/register")
    assert status == 405 and headers.get("allow") == "POST"
    status, _, _ = example_server.http("POST", "/no-such-trigger", b"{}")
    assert status == 404
