"""Activities: create / describe / list / delete, GetActivityTask with worker
threads (two workers sharing the queue), SendTaskSuccess and SendTaskFailure."""

import json
import threading
import time

from stepwell_harness import arn, check_history_shape, expect_error, history, wait_done


def activity_machine(activity_arn, catch=False):
    task = {"Type": "Task", "Resource": activity_arn, "ResultPath": "$.work", "End": True}
    if catch:
        task["Catch"] = [{"ErrorEquals": ["Work.Failed"], "ResultPath": "$.err", "Next": "Failed"}]
        task.pop("End")
        task["Next"] = "Done"
        return {"StartAt": "Work", "States": {
            "Work": task, "Done": {"Type": "Pass", "End": True},
            "Failed": {"Type": "Pass", "End": True}}}
    return {"StartAt": "Work", "States": {"Work": task}}


def test_activity_crud_with_the_cli(cli, sfn, unique):
    name = unique("act-")
    created = cli("create-activity", "--name", name)
    a = created["activityArn"]
    assert a == arn("activity", name)
    d = cli("describe-activity", "--activity-arn", a)
    assert d["name"] == name and d["activityArn"] == a
    assert a in [x["activityArn"] for x in cli("list-activities")["activities"]]
    cli("delete-activity", "--activity-arn", a)
    expect_error("ActivityDoesNotExist", sfn.describe_activity, activityArn=a)


def test_two_workers_share_the_tasks(server, sfn, machine, unique):
    act = sfn.create_activity(name=unique("act-"))["activityArn"]
    sm = machine(activity_machine(act))
    n = 10
    done = {"w1": [], "w2": []}
    errors = []
    stop = threading.Event()
    # Both workers poll before the first task exists (a worker whose client
    # is still being made on a busy machine would see none of them).
    clients = {name: server.client(read_timeout=70) for name in done}
    ready = threading.Barrier(len(done) + 1)

    def worker(name):
        client = clients[name]
        ready.wait(30)
        try:
            while not stop.is_set():
                t = client.get_activity_task(activityArn=act, workerName=name)
                token = t.get("taskToken")
                if not token:
                    continue
                payload = json.loads(t["input"])
                time.sleep(0.05)  # some work, so the other worker gets a share
                client.send_task_success(taskToken=token,
                                         output=json.dumps({"by": name, "double": payload["n"] * 2}))
                done[name].append(payload["n"])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in done]
    for t in threads:
        t.start()
    ready.wait(30)
    time.sleep(0.2)  # both long polls are open
    executions = [sfn.start_execution(stateMachineArn=sm, name=unique("job-"),
                                      input=json.dumps({"n": i}))["executionArn"] for i in range(n)]
    try:
        results = [wait_done(sfn, ex, timeout=30) for ex in executions]
    finally:
        stop.set()
    assert not errors, errors
    assert sorted(done["w1"] + done["w2"]) == list(range(n)), done
    assert done["w1"] and done["w2"], f"one worker did all the work: {done}"
    for i, (ex, d) in enumerate(zip(executions, results)):
        assert d["status"] == "SUCCEEDED", d
        out = json.loads(d["output"])
        assert out["n"] == i and out["work"]["double"] == 2 * i
        events = history(sfn, ex)
        check_history_shape(events)
        types = [e["type"] for e in events]
        assert types == ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
                         "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"], types
        started = events[3]["activityStartedEventDetails"]
        assert started["workerName"] == out["work"]["by"]
    # the waiting workers end: a request with nothing to hand out must be answered;
    # stop them by giving each one more task to take
    for _ in threads:
        sfn.start_execution(stateMachineArn=sm, input='{"n": -1}')
    for t in threads:
        t.join(15)
    assert not any(t.is_alive() for t in threads)


def test_worker_failure_and_cli_worker(sfn, cli, machine, unique):
    act = sfn.create_activity(name=unique("act-"))["activityArn"]
    sm = machine(activity_machine(act, catch=True))
    ok = sfn.start_execution(stateMachineArn=sm, name=unique(), input='{"job": "ok"}')["executionArn"]
    t = cli("get-activity-task", "--activity-arn", act, "--worker-name", "cli-worker")
    assert json.loads(t["input"]) == {"job": "ok"}
    cli("send-task-success", "--task-token", t["taskToken"], "--task-output", '{"fine": 1}')
    assert json.loads(wait_done(sfn, ok)["output"])["work"] == {"fine": 1}

    bad = sfn.start_execution(stateMachineArn=sm, name=unique(), input='{"job": "bad"}')["executionArn"]
    t = sfn.get_activity_task(activityArn=act, workerName="w")
    sfn.send_task_failure(taskToken=t["taskToken"], error="Work.Failed", cause="nope")
    d = wait_done(sfn, bad)
    assert d["status"] == "SUCCEEDED"
    assert json.loads(d["output"])["err"] == {"Error": "Work.Failed", "Cause": "nope"}
    assert any(e["type"] == "ActivityFailed" for e in history(sfn, bad))


def test_get_activity_task_of_a_missing_activity(sfn):
    expect_error("ActivityDoesNotExist", sfn.get_activity_task, activityArn=arn("activity", "nope"))
    expect_error("InvalidArn", sfn.get_activity_task, activityArn="arn:nope")


def test_a_worker_that_gives_up_does_not_swallow_a_task(server, sfn, machine, unique):
    # A poll whose client went away must not be handed the next task.
    act = sfn.create_activity(name=unique("act-"))["activityArn"]
    sm = machine(activity_machine(act))
    impatient = server.client(read_timeout=1)
    from botocore.exceptions import ReadTimeoutError
    try:
        impatient.get_activity_task(activityArn=act, workerName="impatient")
    except ReadTimeoutError:
        pass
    ex = sfn.start_execution(stateMachineArn=sm, input='{"n": 1}')["executionArn"]
    t = server.client(read_timeout=70).get_activity_task(activityArn=act, workerName="patient")
    assert t.get("taskToken"), "the task went to the worker that had left"
    sfn.send_task_success(taskToken=t["taskToken"], output="{}")
    assert wait_done(sfn, ex)["status"] == "SUCCEEDED"
