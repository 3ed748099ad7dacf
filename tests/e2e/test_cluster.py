"""Several `stepwell serve` nodes sharing one database: any node answers any
request, inputs reach the node that drives the execution, a node that dies is
taken over, and a node that lost its lease stops without committing.

The database: STEPWELL_E2E_CLUSTER_DB (scripts/test.sh gives a fresh
PostgreSQL database) or, when the suite runs on SQLite, a fresh SQLite file
both processes open."""

import json
import os
import signal
import threading
import time

import pytest

from stepwell_harness import ROLE, Server

LEASE = 1.0  # seconds: a dead node is taken over within about this long


def wait_for(what, check, timeout=20, every=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def database(tmp_path):
    url = os.environ.get("STEPWELL_E2E_CLUSTER_DB")
    if url:
        return url
    if os.environ.get("STEPWELL_E2E_DB"):
        pytest.skip("SKIPPED: the multi-node tests on PostgreSQL need STEPWELL_E2E_CLUSTER_DB "
                    "(a database of their own; scripts/test.sh creates one)")
    return str(tmp_path / "shared.db")


@pytest.fixture
def nodes(database, tmp_path):
    started = []

    def start(name):
        workdir = tmp_path / name
        workdir.mkdir(exist_ok=True)
        s = Server(db=database, workdir=str(workdir),
                   extra_args=["--node-id", name, "--node-lease", str(LEASE)])
        s.name = name
        s.start()
        started.append(s)
        return s

    a, b = start("node-a"), start("node-b")
    for s, other in ((a, "node-b"), (b, "node-a")):
        wait_for(f"{s.name} to see {other}", lambda: other in s.health().get("peers", []))
    yield a, b, start
    for s in started:
        if s.alive():
            s.proc.send_signal(signal.SIGCONT)
        s.stop()


def make_machine(sfn, name, definition):
    return sfn.create_state_machine(name=name, definition=json.dumps(definition),
                                    roleArn=ROLE)["stateMachineArn"]


CALLBACK = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "https://sqs/q", "MessageBody": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}


def wait_seconds(n):
    return {
        "StartAt": "Nap",
        "States": {
            "Nap": {"Type": "Wait", "Seconds": n, "Next": "Done"},
            "Done": {"Type": "Pass", "Result": {"woke": True}, "End": True},
        },
    }


def event_types(sfn, arn):
    return [e["type"] for e in sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]]


def token_of(sfn, arn):
    def find():
        for e in sfn.get_execution_history(executionArn=arn)["events"]:
            if e["type"] == "TaskScheduled":
                params = json.loads(e["taskScheduledEventDetails"]["parameters"])
                return params["MessageBody"]["token"]
        return None
    return wait_for("the task token", find)


def status(sfn, arn):
    return sfn.describe_execution(executionArn=arn)["status"]


def token_index(database):
    """How many callback tokens the shared store indexes (SQLite runs only)."""
    if "://" in database:
        return None
    import sqlite3
    with sqlite3.connect(database) as db:
        return db.execute("SELECT count(*) FROM resources WHERE kind = 'taskToken'").fetchone()[0]


def test_any_node_answers_and_inputs_reach_the_driving_node(nodes, unique, database):
    a, b, _ = nodes
    sa, sb = a.client(), b.client()
    # Created on A, started on B at once (B reloads what A changed).
    machine = make_machine(sa, unique("cluster-callback-"), CALLBACK)
    arn = sb.start_execution(stateMachineArn=machine, name=unique("cb-"), input="{}")["executionArn"]
    token = token_of(sa, arn)
    assert token_index(database) in (1, None)
    # The token reaches B's execution through A.
    sa.send_task_heartbeat(taskToken=token)
    sa.send_task_success(taskToken=token, output=json.dumps({"answered": "via A"}))
    wait_for("SUCCEEDED", lambda: status(sb, arn) == "SUCCEEDED")
    assert json.loads(sa.describe_execution(executionArn=arn)["output"]) == {"answered": "via A"}
    with pytest.raises(sa.exceptions.TaskTimedOut):
        sa.send_task_success(taskToken=token, output="{}")

    # StopExecution through A of an execution B drives.
    arn2 = sb.start_execution(stateMachineArn=machine, name=unique("cb-"), input="{}")["executionArn"]
    token_of(sa, arn2)
    sa.stop_execution(executionArn=arn2, error="Halt", cause="stopped through node A")
    d = sb.describe_execution(executionArn=arn2)
    assert (d["status"], d["error"], d["cause"]) == ("ABORTED", "Halt", "stopped through node A")
    # Ended executions leave no token behind in the store's index.
    assert token_index(database) in (0, None)

    # An update on B is what A describes next.
    sb.update_state_machine(stateMachineArn=machine, definition=json.dumps(wait_seconds(0)))
    assert json.loads(sa.describe_state_machine(stateMachineArn=machine)["definition"]) == wait_seconds(0)


def test_stop_execution_of_a_map_run_child_reaches_its_parents_node(nodes, unique):
    a, b, _ = nodes
    sa, sb = a.client(), b.client()
    fan = {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 1, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Work", "States": {"Work": {"Type": "Wait", "Seconds": 600, "End": True}}},
    }}}
    machine = make_machine(sa, unique("cluster-fan-"), fan)
    arn = sb.start_execution(stateMachineArn=machine, name=unique("fan-"),
                             input=json.dumps({"items": [1]}))["executionArn"]

    def child():
        runs = sa.list_map_runs(executionArn=arn)["mapRuns"]
        children = runs and sa.list_executions(mapRunArn=runs[0]["mapRunArn"])["executions"]
        return children[0]["executionArn"] if children else None
    # Its parent runs on B; the child is stopped through A.
    child_arn = wait_for("the child execution", child)
    sa.stop_execution(executionArn=child_arn, error="Halt", cause="through node A")
    d = sb.describe_execution(executionArn=child_arn)
    assert (d["status"], d["error"], d["cause"]) == ("ABORTED", "Halt", "through node A"), d
    wait_for("SUCCEEDED", lambda: status(sb, arn) == "SUCCEEDED")


def test_an_activity_task_reaches_a_worker_polling_another_node(nodes, unique):
    a, b, _ = nodes
    sa, sb = a.client(), b.client()
    activity = sa.create_activity(name=unique("cluster-work-"))["activityArn"]
    machine = make_machine(sa, unique("cluster-activity-"), {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": activity, "End": True}},
    })
    # The activity and the execution are A's; the worker asks B at once.
    arn = sa.start_execution(stateMachineArn=machine, input=json.dumps({"job": 7}))["executionArn"]
    task = sb.get_activity_task(activityArn=activity, workerName="worker-on-b")
    assert json.loads(task["input"]) == {"job": 7}
    sb.send_task_success(taskToken=task["taskToken"], output=json.dumps({"done": 7}))
    wait_for("SUCCEEDED", lambda: status(sa, arn) == "SUCCEEDED")
    started = [e for e in sa.get_execution_history(executionArn=arn)["events"]
               if e["type"] == "ActivityStarted"]
    assert [e["activityStartedEventDetails"]["workerName"] for e in started] == ["worker-on-b"]


def test_the_same_name_started_on_two_nodes_at_once_is_one_execution(nodes, unique):
    a, b, _ = nodes
    machine = make_machine(a.client(), unique("cluster-names-"), CALLBACK)
    name = unique("only-one-")
    clients = [a.client(), b.client()]
    answers, errors = [], []

    def start(i):
        try:
            answers.append(clients[i % 2].start_execution(
                stateMachineArn=machine, name=name, input='{"same": true}'))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len({(r["executionArn"], r["startDate"]) for r in answers}) == 1
    listed = clients[1].list_executions(stateMachineArn=machine)["executions"]
    assert [e["name"] for e in listed] == [name]
    with pytest.raises(clients[1].exceptions.ExecutionAlreadyExists):
        clients[1].start_execution(stateMachineArn=machine, name=name, input='{"same": false}')


def waiting_on(b, sa, name, seconds):
    """An execution node B drives, in a Wait of `seconds`; its ARN."""
    machine = make_machine(sa, name, wait_seconds(seconds))
    arn = b.client().start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    wait_for("the wait to start", lambda: "WaitStateEntered" in event_types(sa, arn))
    return arn


def test_a_killed_node_is_taken_over_and_its_execution_ends_once(nodes, unique):
    a, b, _ = nodes
    sa = a.client()
    arn = waiting_on(b, sa, unique("cluster-failover-"), 3)
    b.kill9()
    wait_for("SUCCEEDED on A", lambda: status(sa, arn) == "SUCCEEDED", timeout=20)
    assert event_types(sa, arn) == [
        "ExecutionStarted", "WaitStateEntered", "WaitStateExited",
        "PassStateEntered", "PassStateExited", "ExecutionSucceeded",
    ]
    assert "node-b" not in a.health()["peers"]


def test_a_paused_node_loses_its_lease_and_stops_without_committing(nodes, unique):
    a, b, start = nodes
    sa = a.client()
    arn = waiting_on(b, sa, unique("cluster-fenced-"), 2)
    # B stops answering (a long pause, a partition): A takes over.
    b.proc.send_signal(signal.SIGSTOP)
    wait_for("SUCCEEDED on A", lambda: status(sa, arn) == "SUCCEEDED", timeout=20)
    # B wakes up with its timer due and its lease gone: it must not commit.
    b.proc.send_signal(signal.SIGCONT)
    code = b.proc.wait(20)
    assert code != 0, b.log_tail()
    assert "lost its lease" in b.log_tail(), b.log_tail()
    assert event_types(sa, arn).count("ExecutionSucceeded") == 1
    assert event_types(sa, arn)[-1] == "ExecutionSucceeded"
    # Restarted under its name, B joins again and works.
    b2 = start("node-b")
    wait_for("A to see B again", lambda: "node-b" in a.health()["peers"])
    machine2 = make_machine(b2.client(), unique("cluster-after-"), wait_seconds(0))
    arn2 = b2.client().start_execution(stateMachineArn=machine2, input="{}")["executionArn"]
    wait_for("SUCCEEDED", lambda: status(sa, arn2) == "SUCCEEDED")


def test_a_node_that_stops_cleanly_hands_its_executions_over_at_once(nodes, unique):
    a, b, _ = nodes
    sa, sb = a.client(), b.client()
    machine = make_machine(sa, unique("cluster-handover-"), CALLBACK)
    arn = sb.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    token = token_of(sa, arn)
    b.stop()
    # No lease to wait for: A takes it over when the token arrives.
    sa.send_task_success(taskToken=token, output='{"after": "handover"}')
    wait_for("SUCCEEDED", lambda: status(sa, arn) == "SUCCEEDED")
    assert json.loads(sa.describe_execution(executionArn=arn)["output"]) == {"after": "handover"}


def test_what_a_node_creates_before_the_others_know_it_is_found_on_them(database, tmp_path, unique):
    # A beats every 15 s (a quarter of its 60 s lease), so for the whole test
    # it does not know B has joined and skips the registry check before each
    # request. B's own beat is short: it serves after 0.375 s.
    started = []
    try:
        for name, lease in (("node-old", 60), ("node-new", 1)):
            workdir = tmp_path / name
            workdir.mkdir()
            s = Server(db=database, workdir=str(workdir),
                       extra_args=["--node-id", name, "--node-lease", str(lease)])
            s.start()
            started.append(s)
        a, b = started
        assert a.health()["peers"] == []
        sa, sb = a.client(), b.client()
        machine = sb.create_state_machine(name=unique("joined-"), definition=json.dumps(wait_seconds(0)),
                                          roleArn=ROLE, tags=[{"key": "made-on", "value": "node-new"}])
        arn = sa.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
        wait_for("SUCCEEDED", lambda: status(sa, arn) == "SUCCEEDED")
        activity = sb.create_activity(name=unique("joined-work-"))["activityArn"]
        assert sa.describe_activity(activityArn=activity)["activityArn"] == activity
        assert sa.list_tags_for_resource(resourceArn=machine["stateMachineArn"])["tags"] == [
            {"key": "made-on", "value": "node-new"}]
        # Still inside A's first beat: A found them without learning of B.
        assert a.health()["peers"] == []
        with pytest.raises(sa.exceptions.StateMachineDoesNotExist):
            sa.describe_state_machine(stateMachineArn=machine["stateMachineArn"] + "-never-made")
    finally:
        for s in started:
            s.stop()
