"""Two nodes sharing one database spread one execution's Lambda invocations:
when every process of a function is busy on the node that drives the
execution, invocations go in turn to the other node's Invoke API (marked so
that node runs them itself), and a peer that is gone leaves them here."""

import json
import os
import time

import pytest

from harness import Server, create_machine, wait_done

# One process at most per node, each invocation busy for a while: a Map of
# eight items cannot finish on one node's process alone in the time the two
# nodes' processes take, and every invocation says which node ran it.
PROJECT = """
[functions.work]
runtime = "python3.12"
handler = "work.handler"
code = "."
concurrency = 1
timeout = 30
"""
HANDLER = """
import os, time

def handler(event, context):
    time.sleep(event.get("sleep", 0.4))
    return {"item": event["item"], "node": os.getppid()}
"""

FAN_OUT = {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"item.$": "$$.Map.Item.Value", "sleep.$": "$.sleep"},
            "ItemProcessor": {
                "StartAt": "Work",
                "States": {"Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                    "Parameters": {"FunctionName": "work", "Payload.$": "$"},
                                    "OutputPath": "$.Payload", "End": True}},
            },
            "End": True,
        }
    },
}


def wait_for(what, check, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start_two_nodes(tmp_path, extra_args=()):
    code = tmp_path / "project"
    code.mkdir()
    (code / "stepwell.toml").write_text(PROJECT)
    (code / "work.py").write_text(HANDLER)
    db = str(tmp_path / "shared.db")
    started = []
    for name in ("node-a", "node-b"):
        s = Server(functions=str(code / "stepwell.toml"), db=db,
                   extra_args=["--node-id", name, "--node-lease", "5", *extra_args])
        started.append(s.start())
    for s in started:
        wait_for("the nodes to see each other",
                 lambda s=s: s.http("GET", "/health")[2].get("peers"))
    return started


@pytest.fixture
def two_nodes(tmp_path):
    started = start_two_nodes(tmp_path)
    yield started
    for s in started:
        s.stop()
        s.cleanup()


def test_a_busy_node_passes_invocations_to_its_peer(two_nodes, unique):
    fan_out_over_both(*two_nodes, unique)


def test_with_sigv4_on_the_nodes_sign_what_they_pass_on(tmp_path, unique):
    """Each node's Invoke API verifies signatures: what one node passes on
    is signed with a key the other accepts."""
    key = os.environ["AWS_ACCESS_KEY_ID"] + ":" + os.environ["AWS_SECRET_ACCESS_KEY"]
    started = start_two_nodes(tmp_path, ["--access-key", key])
    try:
        fan_out_over_both(*started, unique)
    finally:
        for s in started:
            s.stop()
            s.cleanup()


def fan_out_over_both(a, b, unique):
    sfn = a.client()
    sm = create_machine(sfn, unique("Spill-"), json.dumps(FAN_OUT))
    items = list(range(8))
    arn = sfn.start_execution(stateMachineArn=sm,
                              input=json.dumps({"items": items, "sleep": 0.4}))["executionArn"]
    d = wait_done(sfn, arn, timeout=60)
    assert d["status"] == "SUCCEEDED", (d, a.log_tail())
    out = json.loads(d["output"])
    assert [r["item"] for r in out] == items, out
    ran_on = [r["node"] for r in out]
    assert set(ran_on) == {a.proc.pid, b.proc.pid}, (ran_on, a.proc.pid, b.proc.pid)
    print("invocations on A:", ran_on.count(a.proc.pid), "on B:", ran_on.count(b.proc.pid))
    # The execution stays on node A: node B only ran invocations.
    history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    succeeded = [e for e in history if e["type"] == "TaskSucceeded"]
    assert len(succeeded) == len(items)


def test_a_peer_that_is_gone_leaves_the_invocations_here(two_nodes, unique):
    a, b = two_nodes
    # Node B dies; until its lease runs out node A still counts it as a
    # peer, and finds nothing listening there.
    b.proc.kill()
    b.proc.wait()
    sfn = a.client()
    sm = create_machine(sfn, unique("Alone-"), json.dumps(FAN_OUT))
    arn = sfn.start_execution(stateMachineArn=sm,
                              input=json.dumps({"items": [1, 2, 3, 4], "sleep": 0.1}))["executionArn"]
    d = wait_done(sfn, arn, timeout=60)
    assert d["status"] == "SUCCEEDED", (d, a.log_tail())
    assert {r["node"] for r in json.loads(d["output"])} == {a.proc.pid}
    # B's lease (5 s) had not run out: A tried it and ran the work itself.
    assert "the peer cannot be reached" in a.log_tail(400), a.log_tail()


def test_a_peer_that_stops_mid_invocation_hands_it_back(two_nodes, unique):
    a, b = two_nodes
    sfn = a.client()
    sm = create_machine(sfn, unique("Handback-"), json.dumps(FAN_OUT))
    arn = sfn.start_execution(stateMachineArn=sm,
                              input=json.dumps({"items": [1, 2, 3, 4], "sleep": 1.5}))["executionArn"]
    # Wait until B is running one of them, then stop B (SIGTERM kills its
    # runtime processes): A runs what B had again, and nothing fails.
    wait_for("node B to run an invocation", lambda: b.children(), timeout=20)
    time.sleep(0.3)
    assert b.stop() == 0, b.log_tail()
    d = wait_done(sfn, arn, timeout=60)
    assert d["status"] == "SUCCEEDED", (d, a.log_tail())
    assert {r["node"] for r in json.loads(d["output"])} == {a.proc.pid}
    history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    assert not [e for e in history if e["type"] == "TaskFailed"], history
