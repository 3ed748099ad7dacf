"""Executions: start (and AWS's idempotency rule), describe, history, list, stop."""

import json
import time

from stepwell_harness import (arn, check_history_shape, expect_error, history, wait_done,
                              wait_event)

# Wait 10 s (1 s at --wait-scale 0.1), then a Pass.
WAITER = {
    "StartAt": "Hello",
    "States": {
        "Hello": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('hi {}', $.who)"},
                  "ResultPath": "$.out", "Next": "Nap"},
        "Nap": {"Type": "Wait", "Seconds": 10, "Next": "Done"},
        "Done": {"Type": "Pass", "End": True},
    },
}

# Waits for `$.seconds` (scaled by 0.1).
SLEEPER = {
    "StartAt": "Sleep",
    "States": {"Sleep": {"Type": "Wait", "SecondsPath": "$.seconds", "End": True}},
}


def test_start_describe_and_history_with_the_cli(cli, machine, unique, sfn):
    sm = machine(WAITER)
    name = unique("ex-")
    started = cli("start-execution", "--state-machine-arn", sm, "--name", name,
                  "--input", json.dumps({"who": "ada"}))
    ex = started["executionArn"]
    assert ex == arn("execution", sm.rsplit(":", 1)[1], name)
    assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"  # in its Wait

    wait_done(sfn, ex)
    d = cli("describe-execution", "--execution-arn", ex)
    assert d["status"] == "SUCCEEDED" and d["name"] == name and d["stateMachineArn"] == sm
    assert json.loads(d["input"]) == {"who": "ada"}
    assert json.loads(d["output"]) == {"who": "ada", "out": {"greeting": "hi ada"}}
    assert d["stopDate"] >= d["startDate"]

    events = cli("get-execution-history", "--execution-arn", ex)["events"]
    check_history_shape(events)
    assert [e["type"] for e in events] == [
        "ExecutionStarted", "PassStateEntered", "PassStateExited", "WaitStateEntered",
        "WaitStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded",
    ]
    assert json.loads(events[0]["executionStartedEventDetails"]["input"]) == {"who": "ada"}
    assert events[3]["stateEnteredEventDetails"]["name"] == "Nap"
    # the Wait took its (scaled) time
    assert events[4]["timestamp"] - events[3]["timestamp"] >= 0.9


def test_start_is_idempotent_for_the_same_name_and_input(sfn, machine, unique):
    sm = machine(SLEEPER)
    name = unique("idem-")
    inp = json.dumps({"seconds": 600})
    a = sfn.start_execution(stateMachineArn=sm, name=name, input=inp)
    b = sfn.start_execution(stateMachineArn=sm, name=name, input=inp)
    assert a["executionArn"] == b["executionArn"]
    assert a["startDate"] == b["startDate"]
    msg = expect_error("ExecutionAlreadyExists", sfn.start_execution,
                       stateMachineArn=sm, name=name, input=json.dumps({"seconds": 601}))
    assert a["executionArn"] in msg
    sfn.stop_execution(executionArn=a["executionArn"])
    wait_done(sfn, a["executionArn"])
    # once closed, even the same input is refused
    expect_error("ExecutionAlreadyExists", sfn.start_execution,
                 stateMachineArn=sm, name=name, input=inp)


def test_every_answer_carries_a_request_id(sfn, machine):
    """AWS gives each answer its own x-amzn-RequestId, refusals too."""
    from botocore.exceptions import ClientError
    sm = machine(SLEEPER)
    ids = [sfn.describe_state_machine(stateMachineArn=sm)["ResponseMetadata"]["RequestId"],
           sfn.list_state_machines()["ResponseMetadata"]["RequestId"]]
    try:
        sfn.describe_execution(executionArn=sm.replace(":stateMachine:", ":execution:") + ":absent")
        raise AssertionError("an absent execution was described")
    except ClientError as e:
        ids.append(e.response["ResponseMetadata"]["RequestId"])
    assert all(len(i) == 36 for i in ids), ids
    assert len(set(ids)) == 3, ids


def test_history_order_pages_and_data(sfn, cli, machine, unique):
    sm = machine(WAITER)
    ex = sfn.start_execution(stateMachineArn=sm, name=unique(), input='{"who": "bo"}')["executionArn"]
    wait_done(sfn, ex)
    full = history(sfn, ex)
    assert len(full) == 8

    rev = sfn.get_execution_history(executionArn=ex, reverseOrder=True)["events"]
    assert [e["id"] for e in rev] == [e["id"] for e in reversed(full)]

    # pages of 3 via nextToken, forwards and backwards
    for reverse in (False, True):
        seen, token, pages = [], None, 0
        while True:
            kw = dict(executionArn=ex, maxResults=3, reverseOrder=reverse)
            if token:
                kw["nextToken"] = token
            r = sfn.get_execution_history(**kw)
            assert len(r["events"]) <= 3
            seen += r["events"]
            pages += 1
            token = r.get("nextToken")
            if not token:
                break
        assert pages == 3
        assert seen == (list(reversed(full)) if reverse else full)

    # the CLI follows the tokens itself with --page-size
    via_cli = cli("get-execution-history", "--execution-arn", ex, "--page-size", "2")["events"]
    assert [e["id"] for e in via_cli] == [e["id"] for e in full]

    bare = sfn.get_execution_history(executionArn=ex, includeExecutionData=False)["events"]
    assert [e["type"] for e in bare] == [e["type"] for e in full]
    for e in bare:
        for key, details in e.items():
            if key.endswith("EventDetails"):
                assert not {"input", "output", "parameters"} & set(details), e
    assert bare[1]["stateEnteredEventDetails"]["name"] == "Hello"

    expect_error("InvalidToken", sfn.get_execution_history, executionArn=ex, nextToken="!!not-a-token!!")


def test_newest_first_pages_of_a_running_execution_neither_repeat_nor_skip(sfn, machine, unique):
    # Wait 3 s is 0.3 s at --wait-scale 0.1: events arrive between the pages.
    sm = machine({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 3, "Next": "B"},
        "B": {"Type": "Pass", "End": True}}})
    ex = sfn.start_execution(stateMachineArn=sm, name=unique())["executionArn"]
    first = sfn.get_execution_history(executionArn=ex, reverseOrder=True, maxResults=2)
    assert "nextToken" in first, first
    wait_done(sfn, ex)
    ids, token = [e["id"] for e in first["events"]], first["nextToken"]
    while token:
        r = sfn.get_execution_history(executionArn=ex, reverseOrder=True, maxResults=2, nextToken=token)
        ids += [e["id"] for e in r["events"]]
        token = r.get("nextToken")
    # From the newest event of the first page down to the first event.
    assert ids == list(range(ids[0], 0, -1)), ids


def test_list_executions_with_status_filter_and_paging(sfn, cli, machine, unique):
    sm = machine(SLEEPER)
    quick = [sfn.start_execution(stateMachineArn=sm, name=unique("q-"), input='{"seconds": 0}')["executionArn"]
             for _ in range(3)]
    slow = [sfn.start_execution(stateMachineArn=sm, name=unique("s-"), input='{"seconds": 900}')["executionArn"]
            for _ in range(2)]
    for ex in quick:
        wait_done(sfn, ex)

    def listed(**kw):
        out, token = [], None
        while True:
            args = dict(stateMachineArn=sm, maxResults=2, **kw)
            if token:
                args["nextToken"] = token
            r = sfn.list_executions(**args)
            assert len(r["executions"]) <= 2
            out += r["executions"]
            token = r.get("nextToken")
            if not token:
                return out

    everything = listed()
    assert sorted(e["executionArn"] for e in everything) == sorted(quick + slow)
    starts = [e["startDate"] for e in everything]
    assert starts == sorted(starts, reverse=True), "newest first"
    assert sorted(e["executionArn"] for e in listed(statusFilter="RUNNING")) == sorted(slow)
    assert sorted(e["executionArn"] for e in listed(statusFilter="SUCCEEDED")) == sorted(quick)
    assert listed(statusFilter="FAILED") == []

    running = cli("list-executions", "--state-machine-arn", sm, "--status-filter", "RUNNING")["executions"]
    assert sorted(e["executionArn"] for e in running) == sorted(slow)
    assert all(e["status"] == "RUNNING" and "stopDate" not in e for e in running)
    for ex in slow:
        sfn.stop_execution(executionArn=ex)


def test_stop_execution(sfn, cli, machine, unique):
    sm = machine(SLEEPER)
    ex = sfn.start_execution(stateMachineArn=sm, name=unique(), input='{"seconds": 900}')["executionArn"]
    wait_event(sfn, ex, "WaitStateEntered")
    r = cli("stop-execution", "--execution-arn", ex, "--error", "Operator.Stop", "--cause", "enough")
    assert isinstance(r["stopDate"], (int, float))
    d = sfn.describe_execution(executionArn=ex)
    assert d["status"] == "ABORTED"
    assert d.get("error") == "Operator.Stop" and d.get("cause") == "enough"
    events = history(sfn, ex)
    check_history_shape(events)
    last = events[-1]
    assert last["type"] == "ExecutionAborted"
    assert last["executionAbortedEventDetails"] == {"error": "Operator.Stop", "cause": "enough"}
    # the Wait's timer no longer does anything; stopping again is harmless
    time.sleep(0.2)
    sfn.stop_execution(executionArn=ex)
    assert history(sfn, ex) == events
    assert sfn.describe_execution(executionArn=ex)["status"] == "ABORTED"


def test_a_stop_without_error_or_cause_shows_neither(sfn, machine, unique):
    # AWS leaves out what StopExecution was not given, rather than "".
    sm = machine(SLEEPER)
    ex = sfn.start_execution(stateMachineArn=sm, name=unique(), input='{"seconds": 900}')["executionArn"]
    wait_event(sfn, ex, "WaitStateEntered")
    sfn.stop_execution(executionArn=ex)
    d = sfn.describe_execution(executionArn=ex)
    assert d["status"] == "ABORTED"
    assert "error" not in d and "cause" not in d, d
    last = history(sfn, ex)[-1]
    assert last["type"] == "ExecutionAborted"
    assert last["executionAbortedEventDetails"] == {}


def test_start_is_idempotent_while_the_execution_is_busy(sfn, machine, unique):
    # A 2,000-item Map keeps the new execution busy (its first step runs and
    # commits thousands of events) while the same start arrives again.
    busy = {"StartAt": "Each", "States": {
        "Each": {"Type": "Map", "ItemsPath": "$.items",
                 "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                 "ResultPath": None, "Next": "Nap"},
        "Nap": {"Type": "Wait", "Seconds": 6000, "End": True}}}
    sm = machine(busy)
    inp = json.dumps({"items": list(range(2000))})
    for _ in range(3):
        name = unique("busy-")
        a = sfn.start_execution(stateMachineArn=sm, name=name, input=inp)
        b = sfn.start_execution(stateMachineArn=sm, name=name, input=inp)
        assert a["executionArn"] == b["executionArn"]
        sfn.stop_execution(executionArn=a["executionArn"])


def test_concurrent_identical_starts_get_the_same_execution(sfn, machine, unique):
    # An SDK retry can overtake the original request: every copy of the
    # start must answer with the same execution.
    import concurrent.futures as cf
    sm = machine(SLEEPER)
    inp = json.dumps({"seconds": 6000})
    for _ in range(10):
        name = unique("twin-")
        with cf.ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: sfn.start_execution(stateMachineArn=sm, name=name, input=inp)
                                    ["executionArn"], range(4)))
        assert len(set(answers)) == 1, answers
        sfn.stop_execution(executionArn=answers[0])


def nesting_machine(levels, wait=False):
    """Wraps `$.v` in one more object per loop pass, `levels` times (JSONPath),
    optionally waiting 1 s (scaled) at the end so the data sits in a RUNNING
    execution's history."""
    end = {"Type": "Wait", "Seconds": 10, "Next": "Done"} if wait else {"Type": "Pass", "Next": "Done"}
    return {
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Parameters": {"n": 0, "v": 1}, "Next": "Wrap"},
            "Wrap": {"Type": "Pass", "Next": "More",
                     "Parameters": {"n.$": "States.MathAdd($.n, 1)", "v": {"w.$": "$.v"}}},
            "More": {"Type": "Choice", "Default": "End",
                     "Choices": [{"Variable": "$.n", "NumericLessThan": levels, "Next": "Wrap"}]},
            "End": end,
            "Done": {"Type": "Pass", "Parameters": {"n.$": "$.n", "tail.$": "States.JsonToString($.v)"},
                     "End": True},
        },
    }


def test_data_nested_up_to_1000_levels(sfn, machine):
    # serde_json alone stops at 128 levels; Stepwell takes data nested up to
    # 1,000 levels everywhere: inputs, state data, and the stored history.
    deep = "[" * 1000 + "]" * 1000
    sm = machine(nesting_machine(990, wait=True))
    ex = sfn.start_execution(stateMachineArn=sm, input=deep)["executionArn"]
    d = wait_done(sfn, ex, timeout=60)
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    assert out["n"] == 990 and out["tail"] == '{"w":' * 990 + "1" + "}" * 990
    events = history(sfn, ex)
    assert events[0]["executionStartedEventDetails"]["input"] == deep

    msg = expect_error("InvalidExecutionInput", sfn.start_execution,
                       stateMachineArn=sm, input="[" + deep + "]")
    assert "nested deeper than 1000 levels" in msg

    # One level too many fails the state that built it, with States.Runtime.
    ex = sfn.start_execution(stateMachineArn=machine(nesting_machine(1000)))["executionArn"]
    d = wait_done(sfn, ex, timeout=60)
    assert d["status"] == "FAILED" and d["error"] == "States.Runtime", d
    assert "'Wrap' returned a result nested deeper than 1000 levels" in d["cause"]
