"""The server process: graceful shutdown with a worker's long poll open, and a
restart on the same database that keeps resources and running executions."""

import json
import re
import signal
import threading
import time

from stepwell_harness import ROLE, Server, wait_done


def test_sigterm_with_a_poll_open_then_restart(tmp_path):
    s = Server(wait_scale=0.1, workdir=str(tmp_path)).start()
    try:
        sfn = s.client()
        act = sfn.create_activity(name="poll-me")["activityArn"]
        wait = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 20, "End": True}}})
        sm = sfn.create_state_machine(name="survivor", definition=wait, roleArn=ROLE)["stateMachineArn"]
        ex = sfn.start_execution(stateMachineArn=sm, name="across-restart")["executionArn"]

        answer, errors = {}, []
        worker = s.client()

        def poll():
            try:
                answer.update(worker.get_activity_task(activityArn=act, workerName="w"))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        time.sleep(0.5)  # the poll is open and waiting
        t0 = time.time()
        s.proc.send_signal(signal.SIGTERM)
        code = s.proc.wait(30)
        took = time.time() - t0
        poller.join(5)
        assert code == 0, s.log_tail()
        assert took < 5, f"a graceful shutdown with a poll open took {took:.1f}s"
        assert not errors, f"the open poll was not answered: {errors}"
        assert "taskToken" not in answer or not answer["taskToken"], answer

        s.start()  # same database
        sfn = s.client()
        assert sfn.describe_activity(activityArn=act)["name"] == "poll-me"
        assert sfn.describe_execution(executionArn=ex)["status"] == "RUNNING"
        d = wait_done(sfn, ex, timeout=20)
        assert d["status"] == "SUCCEEDED"
        types = [e["type"] for e in sfn.get_execution_history(executionArn=ex)["events"]]
        assert types == ["ExecutionStarted", "WaitStateEntered", "WaitStateExited", "ExecutionSucceeded"]
    finally:
        s.stop()


def test_a_scaled_wait_keeps_its_time_across_a_restart(tmp_path):
    # --wait-scale 0.02: Wait 100 s fires 2 s after it started, also when
    # the server was killed and restarted meanwhile (not 2 s after the restart).
    s = Server(wait_scale=0.02, workdir=str(tmp_path)).start()
    try:
        sfn = s.client()
        wait = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}}})
        sm = sfn.create_state_machine(name="scaled", definition=wait, roleArn=ROLE)["stateMachineArn"]
        ex = sfn.start_execution(stateMachineArn=sm)["executionArn"]
        time.sleep(1.5)
        s.kill9()
        s.start()
        sfn = s.client()
        wait_done(sfn, ex, timeout=20)
        events = sfn.get_execution_history(executionArn=ex)["events"]
        entered, exited = events[1]["timestamp"], events[2]["timestamp"]
        waited = (exited - entered).total_seconds()
        assert 1.9 <= waited < 2.7, f"the Wait took {waited:.2f}s"
    finally:
        s.stop()


def plain_log(server):
    """The server's log without its terminal colours."""
    return re.sub(r"\x1b\[[0-9;]*m", "", server.log_tail())


def test_an_async_express_execution_runs_again_after_a_crash(tmp_path):
    """AWS runs Express workflows at least once: one a client started with
    StartExecution that was cut off by kill -9 runs again from its start
    after the restart; one that ended is not run again."""
    s = Server(wait_scale=0.1, workdir=str(tmp_path)).start()
    try:
        sfn = s.client()
        pas = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
        target = sfn.create_state_machine(name="marks", definition=pas, roleArn=ROLE)["stateMachineArn"]

        def express(wait_seconds):
            # Waits, then leaves a mark: a STANDARD execution whose name
            # starts with the input's `mark` (one new mark per run).
            return json.dumps({"StartAt": "W", "States": {
                "W": {"Type": "Wait", "Seconds": wait_seconds, "Next": "Mark"},
                "Mark": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
                         "Parameters": {"StateMachineArn": target,
                                        "Name.$": "States.Format('{}-{}', $.mark, States.UUID())"},
                         "End": True}}})

        slow = sfn.create_state_machine(name="slow-express", definition=express(30), roleArn=ROLE,
                                        type="EXPRESS")["stateMachineArn"]
        quick = sfn.create_state_machine(name="quick-express", definition=express(0), roleArn=ROLE,
                                         type="EXPRESS")["stateMachineArn"]

        def marks(want):
            deadline = time.time() + 15
            while True:
                got = sorted(e["name"].split("-")[0]
                             for e in sfn.list_executions(stateMachineArn=target)["executions"])
                if got == want or time.time() > deadline:
                    return got
                time.sleep(0.1)

        sfn.start_execution(stateMachineArn=quick, input=json.dumps({"mark": "quick"}))
        assert marks(["quick"]) == ["quick"]
        sfn.start_execution(stateMachineArn=slow, input=json.dumps({"mark": "slow"}))
        time.sleep(0.5)  # waiting (3 s with --wait-scale 0.1)
        s.kill9()
        s.start()  # same database
        sfn = s.client()
        assert marks(["quick", "slow"]) == ["quick", "slow"], s.log_tail()
        assert "recovered running executions executions=1" in plain_log(s), s.log_tail()

        # Both ended, and their records with them: nothing runs again.
        s.kill9()
        s.start()
        sfn = s.client()
        log = plain_log(s)
        assert "recovered running executions" not in log[log.rindex("==== start"):], log
        assert marks(["quick", "slow"]) == ["quick", "slow"]
    finally:
        s.stop()
