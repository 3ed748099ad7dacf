"""Execution logs (`--logs-dir`, the local CloudWatch Logs): a state
machine's loggingConfiguration decides which history events its executions
log, as JSON records in <dir>/<log group name>/<state machine name>.log."""

import json
import os
import time

import pytest

from stepwell_harness import wait_done

# Wait, Parallel, inline Map and Choice: an execution that waits (and is
# parked when the suite runs with --park-after 0) and renders every kind of
# event detail.
BUSY = {
    "StartAt": "Nap",
    "States": {
        "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Both"},
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "Result": "l", "End": True}}},
                {"StartAt": "Each", "States": {"Each": {
                    "Type": "Map", "ItemsPath": "$.items",
                    "ItemProcessor": {"StartAt": "Double", "States": {"Double": {
                        "Type": "Pass", "Parameters": {"twice.$": "States.MathAdd($, $)"}, "End": True}}},
                    "End": True}}},
            ],
            "ResultPath": "$.both",
            "Next": "Big",
        },
        "Big": {"Type": "Choice", "Choices": [{"Variable": "$.items[0]", "NumericGreaterThan": 100,
                                               "Next": "TooBig"}], "Default": "Done"},
        "TooBig": {"Type": "Fail", "Error": "Too.Big", "Cause": "the first item is over 100"},
        "Done": {"Type": "Succeed"},
    },
}

FAILS = {
    "StartAt": "Note",
    "States": {
        "Note": {"Type": "Pass", "Result": {"secret": "s3cr3t"}, "Next": "Stop"},
        "Stop": {"Type": "Fail", "Error": "Bad.Thing", "Cause": "it went wrong"},
    },
}


def logging_config(level, data, group):
    return {
        "level": level,
        "includeExecutionData": data,
        "destinations": [{"cloudWatchLogsLogGroup": {
            "logGroupArn": f"arn:aws:logs:us-east-1:123456789012:log-group:{group}:*"}}],
    }


def log_file(logs_dir, group, machine_arn):
    name = machine_arn.rsplit(":", 1)[-1]
    return os.path.join(logs_dir, *[p for p in group.split("/") if p], f"{name}.log")


def read_log(path, execution_arn, until=None, timeout=15):
    """The records of one execution, once the one of type `until` is there
    (logs are written a moment after the events are recorded)."""
    deadline = time.time() + timeout
    while True:
        records = []
        if os.path.exists(path):
            with open(path) as f:
                records = [json.loads(line) for line in f if line.strip()]
        records = [r for r in records if r["execution_arn"] == execution_arn]
        if until is None or any(r["type"] == until for r in records) or time.time() > deadline:
            return records
        time.sleep(0.1)


def as_record(event, execution_arn, redrive_count=0):
    """The log record AWS's CloudWatch Logs delivery makes of a HistoryEvent."""
    details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
    return {
        "id": str(event["id"]),
        "type": event["type"],
        "details": details,
        "previous_event_id": str(event["previousEventId"]),
        "event_timestamp": str(round(event["timestamp"].timestamp() * 1000)),
        "execution_arn": execution_arn,
        "redrive_count": str(redrive_count),
    }


def test_a_standard_execution_logs_its_history_at_level_all(sfn, machine, logs_dir, unique):
    group = f"/aws/vendedlogs/states/{unique()}"
    sm = machine(BUSY, loggingConfiguration=logging_config("ALL", True, group))
    ex = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"items": [1, 2, 3]}))["executionArn"]
    assert wait_done(sfn, ex)["status"] == "SUCCEEDED"
    events = sfn.get_execution_history(executionArn=ex, maxResults=1000)["events"]
    records = read_log(log_file(logs_dir, group, sm), ex, until="ExecutionSucceeded")
    # Every event of the history, in order, with the same details.
    assert records == [as_record(e, ex) for e in events]
    assert any(r["type"] == "MapIterationSucceeded" for r in records)


def test_an_express_execution_logs_what_get_execution_history_cannot_show(
        server, machine, logs_dir, unique):
    group = f"/aws/vendedlogs/states/{unique()}"
    sm = machine(BUSY, type="EXPRESS", loggingConfiguration=logging_config("ALL", True, group))
    sync = server.client(inject_host_prefix=False)
    r = sync.start_sync_execution(stateMachineArn=sm, input=json.dumps({"items": [500]}))
    assert r["status"] == "FAILED"
    records = read_log(log_file(logs_dir, group, sm), r["executionArn"], until="ExecutionFailed")
    types = [x["type"] for x in records]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionFailed", types
    assert "WaitStateEntered" in types and "FailStateEntered" in types
    assert [x["id"] for x in records] == [str(i) for i in range(1, len(records) + 1)]
    assert records[-1]["details"] == {"error": "Too.Big", "cause": "the first item is over 100"}
    assert json.loads(records[0]["details"]["input"]) == {"items": [500]}


def test_express_context_object_by_how_the_execution_started(server, sfn, machine, logs_dir, unique):
    # AWS's recordings (test_express_async / test_express_sync,
    # test_query_runtime_memory): an EXPRESS execution's $$.Execution is
    # Id, Input, Name, RoleArn, StartTime, and RedriveCount 0 only when it
    # was started with StartExecution.
    group = f"/aws/vendedlogs/states/{unique()}"
    query = {"StartAt": "Q", "States": {"Q": {
        "Type": "Pass", "Parameters": {"e.$": "$$.Execution"}, "End": True}}}
    sm = machine(query, type="EXPRESS", loggingConfiguration=logging_config("ALL", True, group))
    sync = server.client(inject_host_prefix=False)
    r = sync.start_sync_execution(stateMachineArn=sm, input="{}")
    assert list(json.loads(r["output"])["e"]) == ["Id", "Input", "Name", "RoleArn", "StartTime"]
    ex = sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
    records = read_log(log_file(logs_dir, group, sm), ex, until="ExecutionSucceeded")
    e = json.loads(records[-1]["details"]["output"])["e"]
    assert list(e) == ["Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount"]
    assert e["RedriveCount"] == 0 and e["Id"] == ex


@pytest.mark.parametrize("level,expected", [
    ("ERROR", ["FailStateEntered", "ExecutionFailed"]),
    ("FATAL", ["ExecutionFailed"]),
])
def test_error_and_fatal_log_only_failures(sfn, machine, logs_dir, unique, level, expected):
    group = f"errors/{unique()}"
    sm = machine(FAILS, loggingConfiguration=logging_config(level, True, group))
    ex = sfn.start_execution(stateMachineArn=sm)["executionArn"]
    assert wait_done(sfn, ex)["status"] == "FAILED"
    records = read_log(log_file(logs_dir, group, sm), ex, until="ExecutionFailed")
    assert [r["type"] for r in records] == expected
    assert records[-1]["details"] == {"error": "Bad.Thing", "cause": "it went wrong"}


def test_without_execution_data_inputs_and_outputs_are_left_out(sfn, machine, logs_dir, unique):
    group = f"nodata/{unique()}"
    sm = machine(FAILS, loggingConfiguration=logging_config("ALL", False, group))
    ex = sfn.start_execution(stateMachineArn=sm, input='{"card": "4111"}')["executionArn"]
    assert wait_done(sfn, ex)["status"] == "FAILED"
    records = read_log(log_file(logs_dir, group, sm), ex, until="ExecutionFailed")
    text = json.dumps(records)
    assert "4111" not in text and "s3cr3t" not in text, text
    # Recorded against AWS: no data and nothing describing it.
    assert [(r["type"], r["details"]) for r in records] == [
        ("ExecutionStarted", {"roleArn": started_role(records)}),
        ("PassStateEntered", {"name": "Note"}),
        ("PassStateExited", {"name": "Note"}),
        ("FailStateEntered", {"name": "Stop"}),
        ("ExecutionFailed", {"error": "Bad.Thing", "cause": "it went wrong"}),
    ], records


def started_role(records):
    return records[0]["details"].get("roleArn")


def test_a_redriven_execution_logs_its_redrive_count(sfn, machine, logs_dir, unique):
    group = f"redrive/{unique()}"
    sm = machine(FAILS, loggingConfiguration=logging_config("ALL", True, group))
    ex = sfn.start_execution(stateMachineArn=sm)["executionArn"]
    assert wait_done(sfn, ex)["status"] == "FAILED"
    path = log_file(logs_dir, group, sm)
    first = read_log(path, ex, until="ExecutionFailed")
    sfn.redrive_execution(executionArn=ex)
    deadline = time.time() + 15
    while True:
        records = read_log(path, ex)
        if sum(r["type"] == "ExecutionFailed" for r in records) == 2 or time.time() > deadline:
            break
        time.sleep(0.1)
    again = records[len(first):]
    assert [r["type"] for r in again] == ["ExecutionRedriven", "FailStateEntered", "ExecutionFailed"]
    assert {r["redrive_count"] for r in again} == {"1"}
    assert {r["redrive_count"] for r in first} == {"0"}
    events = sfn.get_execution_history(executionArn=ex)["events"]
    assert [r["id"] for r in records] == [str(e["id"]) for e in events]


def test_off_or_no_configuration_logs_nothing_and_updates_apply_to_new_executions(
        sfn, machine, logs_dir, unique):
    group = f"off/{unique()}"
    sm = machine(FAILS, loggingConfiguration=logging_config("OFF", True, group))
    ex = sfn.start_execution(stateMachineArn=sm)["executionArn"]
    assert wait_done(sfn, ex)["status"] == "FAILED"
    path = log_file(logs_dir, group, sm)
    sfn.update_state_machine(stateMachineArn=sm, loggingConfiguration=logging_config("FATAL", True, group))
    later = sfn.start_execution(stateMachineArn=sm)["executionArn"]
    assert wait_done(sfn, later)["status"] == "FAILED"
    assert [r["type"] for r in read_log(path, later, until="ExecutionFailed")] == ["ExecutionFailed"]
    with open(path) as f:
        assert all(json.loads(line)["execution_arn"] == later for line in f)
