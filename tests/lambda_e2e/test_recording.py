"""Pattern 1, the recording workflow (examples/lambda/recording): Wait until
$.start, a Node task adds isRecording: true, Wait until $.end, a second Node
task reads both. Driven with the AWS CLI; timestamps are real (scale 1)."""

import json

from harness import definition, details, entered, history, iso, ts, wait_done

EXAMPLE = "recording"


def test_the_tasks_run_after_each_timestamp(example_server, sfn, unique):
    server = example_server
    sm = server.cli("stepfunctions", "create-state-machine", "--name", unique("Recording-"),
                    "--definition", definition(EXAMPLE),
                    "--role-arn", "arn:aws:iam::123456789012:role/x")["stateMachineArn"]
    start, end = iso(1.2), iso(2.4)
    run = server.cli("stepfunctions", "start-execution", "--state-machine-arn", sm,
                     "--input", json.dumps({"camera": "front-door", "start": start, "end": end}))
    d = wait_done(sfn, run["executionArn"])
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    assert out["camera"] == "front-door"
    assert out["wasRecording"] is True and out["isRecording"] is False
    assert abs(out["scheduledSeconds"] - 1.2) < 0.01, out

    events = server.cli("stepfunctions", "get-execution-history",
                        "--execution-arn", run["executionArn"])["events"]
    assert entered(events) == ["WaitForStart", "StartRecording", "WaitForEnd", "StopRecording"]
    # The first task's result: its input plus isRecording (the Node handler).
    first = [details(e) for e in events if e["type"] == "LambdaFunctionSucceeded"][0]
    result = json.loads(first["output"])
    assert result["isRecording"] is True and result["start"] == start and result["end"] == end
    # Each task is scheduled only once its timestamp (to the second) has passed.
    scheduled = [e for e in events if e["type"] == "LambdaFunctionScheduled"]
    assert [details(e)["resource"].rsplit(":", 1)[1] for e in scheduled] == [
        "start-recording", "stop-recording"]
    boto_events = history(sfn, run["executionArn"])
    sched = [ts(e) for e in boto_events if e["type"] == "LambdaFunctionScheduled"]
    from datetime import datetime
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()  # noqa: E731
    # AWS waits to the second: a timestamp's milliseconds are truncated.
    whole = lambda s: float(int(parse(s)))  # noqa: E731
    assert sched[0] >= whole(start) - 0.002 and sched[0] < whole(start) + 1.0, (sched, start)
    assert sched[1] >= whole(end) - 0.002 and sched[1] < whole(end) + 1.0, (sched, end)


def test_timestamps_in_the_past_do_not_wait(sfn, unique):
    from harness import create_machine
    sm = create_machine(sfn, unique("RecordingPast-"), definition(EXAMPLE))
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps(
        {"camera": "yard", "start": "2020-01-01T00:00:00Z", "end": "2020-01-01T00:00:05Z"}))["executionArn"]
    d = wait_done(sfn, arn, timeout=10)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"])["scheduledSeconds"] == 5


def test_stop_without_start_fails_with_the_handlers_error_name(example_server):
    lam = example_server.client("lambda")
    r = lam.invoke(FunctionName="stop-recording", Payload=b'{"camera": "x"}')
    assert r["StatusCode"] == 200 and r["FunctionError"] == "Unhandled"
    assert r["ExecutedVersion"] == "$LATEST"
    payload = json.loads(r["Payload"].read())
    assert payload["errorType"] == "NotRecording", payload
