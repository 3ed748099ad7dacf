"""RedriveExecution of a parent whose Distributed Map failed: only the Map
Run's unsuccessful child executions run again (AWS, "Redriving Map Runs"),
and DescribeMapRun, DescribeExecution and ListExecutions show the redrive."""

import json

from stepwell_harness import check_history_shape, expect_error, history, wait_done

# Item 2's child execution fails in Risky until it is redriven once: its
# Parameters read the child's own $$.Execution.RedriveCount.
FLAKY = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "Label": "Flaky",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Check",
                "States": {
                    "Check": {
                        "Type": "Choice",
                        "Choices": [{"Variable": "$.n", "NumericEquals": 2, "Next": "Risky"}],
                        "Default": "Done",
                    },
                    "Risky": {
                        "Type": "Pass",
                        "Parameters": {
                            "parsed.$": "States.StringToJson(States.ArrayGetItem("
                                        "States.Array('not json', '{}'), $$.Execution.RedriveCount))"
                        },
                        "ResultPath": "$.parsed",
                        "End": True,
                    },
                    "Done": {"Type": "Pass", "End": True},
                },
            },
            "End": True,
        }
    },
}


def test_redriving_the_parent_redrives_only_the_failed_children_of_the_map_run(sfn, machine):
    sm = machine(FLAKY)
    arn = sfn.start_execution(stateMachineArn=sm,
                              input=json.dumps({"items": [{"n": 1}, {"n": 2}, {"n": 3}]}))["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "FAILED", d
    map_run = sfn.list_map_runs(executionArn=arn)["mapRuns"][0]["mapRunArn"]
    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert mr["status"] == "FAILED" and mr["redriveCount"] == 0 and "redriveDate" not in mr
    c = mr["executionCounts"]
    # The Map Run failed at its first failure: item 3 never started.
    assert (c["succeeded"], c["failed"], c["pending"], c["total"]) == (1, 1, 1, 3), c
    assert (c["pendingRedrive"], c["failuresNotRedrivable"]) == (0, 0)
    children = {e["name"][-1]: e for e in sfn.list_executions(mapRunArn=map_run)["executions"]}
    failed = children["1"]["executionArn"]
    child = sfn.describe_execution(executionArn=failed)
    # The Map Run can redrive it (the model's REDRIVABLE_BY_MAP_RUN), but
    # only through its parent: RedriveExecution refuses the child itself.
    assert child["status"] == "FAILED" and child["redriveStatus"] == "REDRIVABLE_BY_MAP_RUN", child
    expect_error("ExecutionNotRedrivable", sfn.redrive_execution, executionArn=failed)

    sfn.redrive_execution(executionArn=arn)
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == [{"n": 1}, {"n": 2, "parsed": {"parsed": {}}}, {"n": 3}]

    # The same Map Run, redriven once.
    assert [r["mapRunArn"] for r in sfn.list_map_runs(executionArn=arn)["mapRuns"]] == [map_run]
    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert mr["status"] == "SUCCEEDED" and mr["redriveCount"] == 1 and "redriveDate" in mr, mr
    for counts in (mr["executionCounts"], mr["itemCounts"]):
        assert (counts["succeeded"], counts["failed"], counts["pendingRedrive"], counts["total"]) == (3, 0, 0, 3)

    events = history(sfn, arn)
    check_history_shape(events)
    types = [e["type"] for e in events]
    i = types.index("ExecutionRedriven")
    assert types[i:] == ["ExecutionRedriven", "MapStateEntered", "MapStateStarted", "MapRunRedriven",
                         "MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    assert events[i + 3]["mapRunRedrivenEventDetails"] == {"mapRunArn": map_run, "redriveCount": 1}

    # Only the failed child was redriven, from its failed state; the first
    # never ran again, the third ran for the first time.
    child = sfn.describe_execution(executionArn=failed)
    assert child["status"] == "SUCCEEDED" and child["redriveCount"] == 1 and "redriveDate" in child, child
    child_events = history(sfn, failed)
    check_history_shape(child_events)
    child_types = [e["type"] for e in child_events]
    j = child_types.index("ExecutionRedriven")
    assert child_types[j - 1] == "ExecutionFailed" and child_types.count("ChoiceStateEntered") == 1, child_types
    assert child_types[j:] == ["ExecutionRedriven", "PassStateEntered", "PassStateExited",
                               "ExecutionSucceeded"], child_types
    assert child_events[j]["executionRedrivenEventDetails"] == {"redriveCount": 1}
    redriven = sfn.list_executions(mapRunArn=map_run, redriveFilter="REDRIVEN")["executions"]
    assert [e["executionArn"] for e in redriven] == [failed]
    assert redriven[0]["redriveCount"] == 1
    not_redriven = sfn.list_executions(mapRunArn=map_run, redriveFilter="NOT_REDRIVEN")["executions"]
    assert len(not_redriven) == 2


def test_an_express_child_starts_again_from_its_first_state(sfn, machine):
    # Item 2's EXPRESS child fails every time: a redrive of the parent runs
    # it again from its first state, as a new run under the same ARN.
    definition = json.loads(json.dumps(FLAKY))
    fan = definition["States"]["Fan"]
    fan["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] = "EXPRESS"
    fan["ItemProcessor"]["States"]["Risky"] = {"Type": "Fail", "Error": "Bad", "Cause": "always"}
    sm = machine(definition)
    arn = sfn.start_execution(stateMachineArn=sm,
                              input=json.dumps({"items": [{"n": 1}, {"n": 2}]}))["executionArn"]
    assert wait_done(sfn, arn)["status"] == "FAILED"
    map_run = sfn.list_map_runs(executionArn=arn)["mapRuns"][0]["mapRunArn"]
    [failed] = sfn.list_executions(mapRunArn=map_run, statusFilter="FAILED")["executions"]
    assert ":express:" in failed["executionArn"]
    before = sfn.describe_execution(executionArn=failed["executionArn"])
    assert before["redriveStatus"] == "REDRIVABLE_BY_MAP_RUN", before
    # RedriveExecution is not supported by EXPRESS executions.
    expect_error("InvalidArn", sfn.redrive_execution, executionArn=failed["executionArn"])

    sfn.redrive_execution(executionArn=arn)
    assert wait_done(sfn, arn)["status"] == "FAILED"
    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert mr["redriveCount"] == 1
    c = mr["executionCounts"]
    assert (c["succeeded"], c["failed"], c["failuresNotRedrivable"]) == (1, 1, 0), c
    after = sfn.describe_execution(executionArn=failed["executionArn"])
    # A new run: it started again, and is no redrive of the old one.
    assert after["startDate"] > before["startDate"], (before, after)
    assert after["redriveCount"] == 0 and "redriveDate" not in after, after
    assert (after["error"], after["cause"]) == ("Bad", "always")
    assert sfn.list_executions(mapRunArn=map_run, redriveFilter="REDRIVEN")["executions"] == []
