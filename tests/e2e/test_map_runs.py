"""Distributed Maps as Map Runs: DescribeMapRun, ListMapRuns, UpdateMapRun,
and the child executions (DescribeExecution, GetExecutionHistory,
ListExecutions with mapRunArn, DescribeStateMachineForExecution,
StopExecution and RedriveExecution)."""

import json
import time

from stepwell_harness import check_history_shape, expect_error, history, wait_done, wait_event


def distributed(states, **extra):
    m = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Work",
            "States": states,
        },
        "End": True,
    }
    m.update(extra)
    return {"StartAt": "Fan", "States": {"Fan": m}}


DOUBLER = distributed(
    {"Work": {"Type": "Pass", "Parameters": {"twice.$": "States.MathAdd($.n, $.n)"}, "End": True}},
    Label="Doubler",
)


def test_a_distributed_map_is_a_map_run_with_child_executions(sfn, machine):
    sm = machine(DOUBLER)
    name = sm.rsplit(":", 1)[1]
    arn = sfn.start_execution(stateMachineArn=sm,
                              input=json.dumps({"items": [{"n": 1}, {"n": 2}, {"n": 3}]}))["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == [{"twice": 2}, {"twice": 4}, {"twice": 6}]

    events = history(sfn, arn)
    check_history_shape(events)
    assert [e["type"] for e in events] == [
        "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted",
        "MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    map_run = events[3]["mapRunStartedEventDetails"]["mapRunArn"]
    assert map_run.startswith(f"arn:aws:states:us-east-1:123456789012:mapRun:{name}/Doubler:")

    runs = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    assert [r["mapRunArn"] for r in runs] == [map_run]
    assert runs[0]["executionArn"] == arn
    assert runs[0]["stateMachineArn"] == f"{sm}/Doubler"
    assert "stopDate" in runs[0]

    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert mr["status"] == "SUCCEEDED" and mr["executionArn"] == arn
    for counts in (mr["itemCounts"], mr["executionCounts"]):
        assert (counts["total"], counts["succeeded"], counts["pending"], counts["failed"]) == (3, 3, 0, 0)

    children = sfn.list_executions(mapRunArn=map_run)["executions"]
    assert len(children) == 3
    assert {c["status"] for c in children} == {"SUCCEEDED"}
    assert all(c["mapRunArn"] == map_run and c["stateMachineArn"] == f"{sm}/Doubler" for c in children)
    page = sfn.list_executions(mapRunArn=map_run, maxResults=2)
    assert len(page["executions"]) == 2 and page["nextToken"]

    outputs = []
    for c in children:
        child = sfn.describe_execution(executionArn=c["executionArn"])
        assert child["status"] == "SUCCEEDED" and child["mapRunArn"] == map_run
        assert child["name"] == c["name"]
        n = json.loads(child["input"])["n"]
        assert json.loads(child["output"]) == {"twice": 2 * n}
        outputs.append(json.loads(child["output"]))
        h = history(sfn, c["executionArn"])
        check_history_shape(h)
        assert [e["type"] for e in h] == [
            "ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
        assert json.loads(h[0]["executionStartedEventDetails"]["input"]) == {"n": n}
        sm_for = sfn.describe_state_machine_for_execution(executionArn=c["executionArn"])
        assert sm_for["mapRunArn"] == map_run and sm_for["label"] == "Doubler"
        assert sm_for["stateMachineArn"] == f"{sm}/Doubler"
        # The child's own state machine: the Map's ItemProcessor.
        assert sm_for["name"] == f"{name}/Doubler"
        assert json.loads(sm_for["definition"]) == DOUBLER["States"]["Fan"]["ItemProcessor"]
        parent_sm = sfn.describe_state_machine_for_execution(executionArn=arn)
        assert sm_for["roleArn"] == parent_sm["roleArn"]
        assert sm_for.get("revisionId") == parent_sm.get("revisionId")
    assert sorted(o["twice"] for o in outputs) == [2, 4, 6]


def test_a_child_in_a_nested_jsonata_map_describes_its_own_item_processor(sfn, machine):
    # The processor sits in a Parallel branch; the top-level QueryLanguage,
    # which its states use, comes with it.
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Work",
        "States": {"Work": {"Type": "Pass", "End": True}},
    }
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Both",
        "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Idle", "States": {"Idle": {"Type": "Pass", "End": True}}},
            {"StartAt": "Fan", "States": {"Fan": {
                "Type": "Map", "Label": "Inner", "Items": "{% [1, 2] %}",
                "ItemProcessor": processor, "End": True}}},
        ]}},
    }
    sm = machine(definition)
    arn = sfn.start_execution(stateMachineArn=sm, input="{}")["executionArn"]
    assert wait_done(sfn, arn)["status"] == "SUCCEEDED"
    [run] = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    children = sfn.list_executions(mapRunArn=run["mapRunArn"])["executions"]
    assert len(children) == 2
    sm_for = sfn.describe_state_machine_for_execution(executionArn=children[0]["executionArn"])
    assert json.loads(sm_for["definition"]) == dict(processor, QueryLanguage="JSONata")
    assert (sm_for["label"], sm_for["mapRunArn"]) == ("Inner", run["mapRunArn"])
    assert sm_for["stateMachineArn"] == f"{sm}/Inner"


def test_a_child_at_its_history_quota_fails_alone(sfn, machine):
    # Item {} spins (Choice <-> Pass) until its own history holds 25,000
    # events; its Map Run tolerates that one failure.
    sm = machine(distributed({
        "Work": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}],
                 "Default": "Spin"},
        "Spin": {"Type": "Pass", "Next": "Work"},
        "Done": {"Type": "Succeed"},
    }, Label="Spinner", ToleratedFailureCount=1))
    arn = sfn.start_execution(stateMachineArn=sm,
                              input=json.dumps({"items": [{"stop": 1}, {}]}))["executionArn"]
    d = wait_done(sfn, arn, timeout=120)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == [{"stop": 1}, None]
    map_run = sfn.list_map_runs(executionArn=arn)["mapRuns"][0]["mapRunArn"]
    c = sfn.describe_map_run(mapRunArn=map_run)["executionCounts"]
    assert (c["succeeded"], c["failed"], c["failuresNotRedrivable"]) == (1, 1, 1), c
    [spun] = sfn.list_executions(mapRunArn=map_run, statusFilter="FAILED")["executions"]
    child = sfn.describe_execution(executionArn=spun["executionArn"])
    assert (child["error"], child["cause"]) == (
        "States.Runtime", "The execution reached the maximum number of history events (25000).")
    assert child["redriveStatus"] == "NOT_REDRIVABLE"
    assert child["redriveStatusReason"] == "Execution history event limit exceeded"
    events = sfn.get_execution_history(executionArn=spun["executionArn"], reverseOrder=True,
                                       maxResults=1)["events"]
    assert (events[0]["id"], events[0]["type"]) == (25000, "ExecutionFailed")


def test_express_children_have_express_arns_and_no_history(sfn, machine):
    definition = distributed({"Work": {"Type": "Pass", "End": True}}, Label="Quick")
    definition["States"]["Fan"]["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] = "EXPRESS"
    sm = machine(definition)
    name = sm.rsplit(":", 1)[1]
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"items": [1, 2]}))["executionArn"]
    assert wait_done(sfn, arn)["status"] == "SUCCEEDED"
    map_run = sfn.list_map_runs(executionArn=arn)["mapRuns"][0]["mapRunArn"]
    children = sfn.list_executions(mapRunArn=map_run)["executions"]
    assert len(children) == 2
    for c in children:
        assert c["executionArn"].startswith(f"arn:aws:states:us-east-1:123456789012:express:{name}/Quick:")
        d = sfn.describe_execution(executionArn=c["executionArn"])
        assert d["status"] == "SUCCEEDED" and d["mapRunArn"] == map_run
        assert d["redriveStatus"] == "NOT_REDRIVABLE", d
        expect_error("InvalidArn", sfn.get_execution_history, executionArn=c["executionArn"])
        expect_error("InvalidArn", sfn.describe_state_machine_for_execution,
                     executionArn=c["executionArn"])


def test_update_map_run_lets_a_running_map_run_go_faster(sfn, machine):
    # One item at a time, each waiting 20 s (2 s at the e2e wait scale of 0.1).
    sm = machine(distributed({"Work": {"Type": "Wait", "Seconds": 20, "End": True}},
                             MaxConcurrency=1))
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"items": [1, 2, 3]}))["executionArn"]
    started = wait_event(sfn, arn, "MapRunStarted")
    map_run = started["mapRunStartedEventDetails"]["mapRunArn"]
    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert mr["status"] == "RUNNING" and mr["maxConcurrency"] == 1
    assert (mr["itemCounts"]["running"], mr["itemCounts"]["pending"]) == (1, 2)

    sfn.update_map_run(mapRunArn=map_run, maxConcurrency=0, toleratedFailureCount=1)
    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert mr["maxConcurrency"] == 0 and mr["toleratedFailureCount"] == 1
    assert (mr["itemCounts"]["running"], mr["itemCounts"]["pending"]) == (3, 0)
    t0 = time.time()
    assert wait_done(sfn, arn)["status"] == "SUCCEEDED"
    assert time.time() - t0 < 3.5, "the three items ran one after another"
    assert sfn.describe_map_run(mapRunArn=map_run)["status"] == "SUCCEEDED"


def test_stop_execution_of_a_child_aborts_it(sfn, machine):
    # AWS counts the children "stopped by the user" as aborted
    # (MapRunExecutionCounts); one tolerated failure lets the others finish.
    sm = machine(distributed({"Work": {"Type": "Wait", "Seconds": 20, "End": True}},
                             ToleratedFailureCount=1))
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"items": [1, 2]}))["executionArn"]
    map_run = wait_event(sfn, arn, "MapRunStarted")["mapRunStartedEventDetails"]["mapRunArn"]
    for _ in range(100):
        children = sfn.list_executions(mapRunArn=map_run)["executions"]
        if len(children) == 2:
            break
        time.sleep(0.05)
    child = sorted(c["executionArn"] for c in children)[0]
    stopped = sfn.stop_execution(executionArn=child, error="Halt", cause="by hand")
    d = sfn.describe_execution(executionArn=child)
    assert (d["status"], d["error"], d["cause"]) == ("ABORTED", "Halt", "by hand"), d
    assert d["stopDate"] == stopped["stopDate"]
    # Stopping it again answers the same date.
    assert sfn.stop_execution(executionArn=child)["stopDate"] == stopped["stopDate"]
    last = history(sfn, child)[-1]
    assert last["type"] == "ExecutionAborted"
    assert last["executionAbortedEventDetails"] == {"error": "Halt", "cause": "by hand"}
    assert wait_done(sfn, arn)["status"] == "SUCCEEDED"
    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert (mr["executionCounts"]["aborted"], mr["executionCounts"]["succeeded"]) == (1, 1), mr
    # It can be redriven only through its parent (which succeeded).
    expect_error("ExecutionNotRedrivable", sfn.redrive_execution, executionArn=child)


def test_a_failing_child_fails_the_map_run(sfn, machine):
    sm = machine(distributed({"Work": {"Type": "Fail", "Error": "Bad", "Cause": "item"}}))
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"items": [1]}))["executionArn"]
    assert wait_done(sfn, arn)["status"] == "FAILED"
    types = [e["type"] for e in history(sfn, arn)]
    assert types[-3:] == ["MapRunFailed", "MapStateFailed", "ExecutionFailed"]
    map_run = sfn.list_map_runs(executionArn=arn)["mapRuns"][0]["mapRunArn"]
    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert mr["status"] == "FAILED" and mr["itemCounts"]["failed"] == 1
    [child] = sfn.list_executions(mapRunArn=map_run, statusFilter="FAILED")["executions"]
    d = sfn.describe_execution(executionArn=child["executionArn"])
    assert (d["status"], d["error"], d["cause"]) == ("FAILED", "Bad", "item")
    assert [e["type"] for e in history(sfn, child["executionArn"])] == [
        "ExecutionStarted", "FailStateEntered", "ExecutionFailed"]


def test_map_run_errors(sfn, machine):
    expect_error("InvalidArn", sfn.describe_map_run, mapRunArn="not-a-map-run")
    ghost = "arn:aws:states:us-east-1:123456789012:mapRun:nope/Label:0a1b2c3d-4e5f-4a6b-8c7d-0123456789ab"
    expect_error("ResourceNotFound", sfn.describe_map_run, mapRunArn=ghost)
    expect_error("ResourceNotFound", sfn.update_map_run, mapRunArn=ghost, maxConcurrency=2)
    expect_error("ValidationException", sfn.update_map_run, mapRunArn=ghost)
    child = "arn:aws:states:us-east-1:123456789012:execution:nope/Label:0a1b2c3d-4e5f-4a6b-8c7d-000000000001"
    expect_error("ExecutionDoesNotExist", sfn.describe_execution, executionArn=child)
    expect_error("ExecutionDoesNotExist", sfn.get_execution_history, executionArn=child)
    missing = "arn:aws:states:us-east-1:123456789012:execution:nope:run"
    expect_error("ExecutionDoesNotExist", sfn.list_map_runs, executionArn=missing)


def test_a_map_run_inside_a_child_execution_belongs_to_that_child(sfn, machine):
    # State names are unique in the whole state machine.
    inner = distributed({"InnerWork": {"Type": "Pass", "End": True}}, Label="Inner")["States"]["Fan"]
    inner["ItemsPath"] = "$.inner"
    inner["ItemProcessor"]["StartAt"] = "InnerWork"
    sm = machine(distributed({"Work": inner}, Label="Outer"))
    arn = sfn.start_execution(stateMachineArn=sm,
                              input=json.dumps({"items": [{"inner": [1, 2]}]}))["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED" and json.loads(d["output"]) == [[1, 2]], d
    [outer] = sfn.list_map_runs(executionArn=arn)["mapRuns"]
    assert "/Outer:" in outer["mapRunArn"]
    [child] = sfn.list_executions(mapRunArn=outer["mapRunArn"])["executions"]
    [nested] = sfn.list_map_runs(executionArn=child["executionArn"])["mapRuns"]
    assert "/Inner:" in nested["mapRunArn"] and nested["executionArn"] == child["executionArn"]
    mr = sfn.describe_map_run(mapRunArn=nested["mapRunArn"])
    assert mr["executionArn"] == child["executionArn"] and mr["itemCounts"]["succeeded"] == 2
    types = [e["type"] for e in history(sfn, child["executionArn"])]
    assert types == ["ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted",
                     "MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    grandchildren = sfn.list_executions(mapRunArn=nested["mapRunArn"])["executions"]
    assert len(grandchildren) == 2
    for g in grandchildren:
        assert [e["type"] for e in history(sfn, g["executionArn"])] == [
            "ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
