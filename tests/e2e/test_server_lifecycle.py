"""The server process: graceful shutdown with a worker's long poll open, and a
restart on the same database that keeps resources and running executions."""

import json
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
