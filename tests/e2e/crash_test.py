"""Crash test for `stepwell serve`.

Runs one set of executions twice, each on a fresh server and database:

* the reference: nothing interrupts the server;
* the crash run: while Wait timers, Retry back-offs, task timeouts and
  heartbeats are pending, callback tokens are outstanding, activity tasks are
  held by a worker and executions are still being started, the server is
  killed with SIGKILL and restarted on the same database; then the driver
  finishes the work (callbacks with tokens obtained before the crash, activity
  workers, timers firing).

With --nodes 2, the crash run has two servers sharing one database; starts,
callbacks and stops go to either node, and each crash kills one node with
SIGKILL, waits until the other has taken its executions over (its lease ran
out), then starts it again.

Every execution's history must equal the reference's, after normalising what
legitimately differs (timestamps, task tokens, dates inside nested results):
the same events in the same order with the same details, ids 1..n, each
previousEventId pointing at an earlier event. Prints the counts.

Usage: crash_test.py [--executions N] [--wait-scale F] [--nodes 2] [--keep]
"""

import argparse
import concurrent.futures as cf
import itertools
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))

from stepwell_harness import ROLE, Server, arn  # noqa: E402

ACTIVITY = "crash-work"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/crash"
WORKER = "crash-worker"
STOPPED = 5  # CrashWait executions stopped by StopExecution
LEASE = 1.0  # --node-lease of the nodes in a --nodes run


class Spread:
    """A boto3 client that sends each call to the next node in turn."""

    def __init__(self, clients):
        self.clients = clients
        self.turn = itertools.count()

    def __getattr__(self, name):
        return getattr(self.clients[next(self.turn) % len(self.clients)], name)


class Nodes:
    """Servers sharing one database, used like one Server by the driver."""

    def __init__(self, servers):
        self.servers = servers
        self.kills = 0

    def client(self, **kw):
        return Spread([s.client(**kw) for s in self.servers])

    def call(self, op, **body):
        return self.servers[0].call(op, **body)

    def health(self):
        hs = [s.health() for s in self.servers]
        return {"liveExecutions": sum(h["liveExecutions"] for h in hs),
                "parkedExecutions": sum(h["parkedExecutions"] for h in hs), "timers": sum(h["timers"] for h in hs)}

    def alive(self):
        return all(s.alive() for s in self.servers)

    def crash(self):
        """kill -9 one node; the other takes its executions over; start it again."""
        victim = self.servers[self.kills % len(self.servers)]
        self.kills += 1
        victim.kill9()
        down = time.time()
        others = [s for s in self.servers if s is not victim]
        deadline = time.time() + 10 * LEASE
        while time.time() < deadline and any(victim.name in s.health()["peers"] for s in others):
            time.sleep(0.05)
        time.sleep(LEASE / 2)  # a beat after the lease ran out: taken over
        victim.start()
        return time.time() - down

    def stop(self):
        for s in self.servers:
            s.stop()

    def log_tail(self):
        return "\n".join(f"[{s.name}]\n{s.log_tail()}" for s in self.servers)

MOCK_CONFIG = {
    "StateMachines": {"CrashRetry": {"TestCases": {"Flaky": {"Charge": "Flaky"}}}},
    "MockedResponses": {
        "Flaky": {
            "0-1": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "try again"}},
            "2": {"Return": {"StatusCode": 200, "Payload": {"ok": True}}},
        }
    },
}


def callback_task(next_state=None, **extra):
    t = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": QUEUE, "MessageBody": {"token.$": "$$.Task.Token", "n.$": "$.n"}},
        "ResultPath": "$.reply",
    }
    t.update(extra)
    if next_state:
        t["Next"] = next_state
    else:
        t["End"] = True
    return t


def definitions():
    act = arn("activity", ACTIVITY)
    return {
        # Wait timers
        "CrashWait": {"StartAt": "Before", "States": {
            "Before": {"Type": "Pass", "Parameters": {"n.$": "$.n", "wait.$": "$.wait"}, "Next": "Sleep"},
            "Sleep": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "After"},
            "After": {"Type": "Pass", "Result": "woke", "ResultPath": "$.state", "End": True}}},
        # Retry back-off on a mocked task that fails twice
        "CrashRetry": {"StartAt": "Charge", "States": {
            "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                       "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
                       "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 20,
                                  "BackoffRate": 2, "MaxAttempts": 3}],
                       "ResultSelector": {"ok.$": "$.Payload.ok"}, "End": True}}},
        # Task timeouts (retried once) and heartbeat timeouts, caught
        "CrashTimeout": {"StartAt": "Ask", "States": {
            "Ask": callback_task("Done", TimeoutSeconds=30,
                                 Retry=[{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 10,
                                         "MaxAttempts": 1}],
                                 Catch=[{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.err",
                                         "Next": "Done"}]),
            "Done": {"Type": "Pass", "End": True}}},
        "CrashHeartbeat": {"StartAt": "Ask", "States": {
            "Ask": callback_task("Done", HeartbeatSeconds=40, TimeoutSeconds=3000,
                                 Catch=[{"ErrorEquals": ["States.HeartbeatTimeout"], "ResultPath": "$.err",
                                         "Next": "Done"}]),
            "Done": {"Type": "Pass", "End": True}}},
        # Callbacks, then a Wait
        "CrashCallback": {"StartAt": "Ask", "States": {
            "Ask": callback_task("Rest"),
            "Rest": {"Type": "Wait", "Seconds": 20, "Next": "Done"},
            "Done": {"Type": "Pass", "End": True}}},
        # Activities
        "CrashActivity": {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": act, "ResultPath": "$.work", "Next": "Done"},
            "Done": {"Type": "Pass", "End": True}}},
        # A Map whose iterations wait one after the other
        "CrashMap": {"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
                     "ItemProcessor": {"StartAt": "Nap", "States": {
                         "Nap": {"Type": "Wait", "SecondsPath": "$.s", "Next": "Mark"},
                         "Mark": {"Type": "Pass", "Parameters": {"slept.$": "$.s"}, "End": True}}},
                     "End": True}}},
        # A Distributed Map (a Map Run): its iterations wait one after the other
        "CrashFan": {"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
                     "ItemProcessor": {
                         "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                         "StartAt": "Nap", "States": {
                             "Nap": {"Type": "Wait", "SecondsPath": "$.s", "Next": "Mark"},
                             "Mark": {"Type": "Pass", "Parameters": {"slept.$": "$.s"}, "End": True}}},
                     "End": True}}},
        # A nested execution (.sync:2) of CrashWait
        "CrashNested": {"StartAt": "Child", "States": {
            "Child": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                      "Parameters": {"StateMachineArn": arn("stateMachine", "CrashWait"),
                                     "Input": {"n.$": "$.n", "wait.$": "$.wait"}},
                      "ResultSelector": {"child.$": "$.Output"}, "End": True}}},
    }


def plan(total):
    """(machine, name, input, test case) for every execution, deterministic."""
    shares = [("CrashWait", 0.20), ("CrashRetry", 0.13), ("CrashTimeout", 0.07), ("CrashHeartbeat", 0.04),
              ("CrashCallback", 0.20), ("CrashActivity", 0.17), ("CrashMap", 0.06), ("CrashFan", 0.03),
              ("CrashNested", 0.05)]
    counts = {m: max(2, int(total * s)) for m, s in shares}
    counts["CrashWait"] += max(0, total - sum(counts.values()))
    out = []
    for m, c in counts.items():
        for i in range(c):
            inp = {"n": i}
            if m in ("CrashWait", "CrashNested"):
                inp["wait"] = 20 + (i * 7) % 80  # 1 to 5 s at --wait-scale 0.05
            if m == "CrashWait" and i < STOPPED:
                inp["wait"] = 100000  # stopped by the driver while it waits
            if m in ("CrashMap", "CrashFan"):
                inp["items"] = [{"s": 10 + (i + k) % 20} for k in range(3)]
            out.append((m, f"{m.lower()}-{i:04d}", inp, "Flaky" if m == "CrashRetry" else None))
    return out


class Driver:
    def __init__(self, server, crash, total, log, extra_kills=0):
        self.server = server
        self.crash = crash
        self.plan = plan(total)
        self.log = log
        self.sfn = server.client(read_timeout=70, max_pool=16)
        self.machines = {}
        self.arns = {}  # name -> execution ARN
        self.late_errors = []
        self.start_retries = 0  # StartExecution calls sent again after a crash
        self.crashes = []
        self.extra_kills = extra_kills

    def crash_point(self, outstanding):
        """In the crash run: kill -9 the server now and restart it on the same database."""
        if not self.crash:
            return
        h = self.server.health()
        if isinstance(self.server, Nodes):
            up = self.server.crash()
        else:
            self.server.kill9()
            down = time.time()
            self.server.start()
            up = time.time() - down
        h2 = self.server.health()
        # Running here: in memory, or parked (only in the store until their next input).
        def running(h):
            return h["liveExecutions"] + h["parkedExecutions"]
        self.crashes.append(dict(live_before=running(h), timers_before=h["timers"],
                                 live_after=running(h2), timers_after=h2["timers"], downtime=up))
        self.say(f"kill -9 #{len(self.crashes)} with {running(h)} running executions "
                 f"({h['parkedExecutions']} parked), {h['timers']} timers pending, {outstanding}; back in "
                 f"{up:.2f}s with {running(h2)} running executions ({h2['parkedExecutions']} parked) and "
                 f"{h2['timers']} timers")

    def say(self, msg):
        self.log(f"[{'crash' if self.crash else 'reference'}] {msg}")

    # --- steps ---------------------------------------------------------------

    def setup(self):
        self.sfn.create_activity(name=ACTIVITY)
        for name, d in definitions().items():
            r = self.sfn.create_state_machine(name=name, definition=json.dumps(d), roleArn=ROLE)
            self.machines[name] = r["stateMachineArn"]

    def start_one(self, item, client=None):
        machine, name, inp, case = item
        target = self.machines[machine] + (f"#{case}" if case else "")
        r = (client or self.sfn).start_execution(stateMachineArn=target, name=name, input=json.dumps(inp))
        return name, r["executionArn"]

    def start_all(self, items):
        with cf.ThreadPoolExecutor(8) as pool:
            for name, ex in pool.map(self.start_one, items):
                self.arns[name] = ex

    def late_starter(self, items, threads=4):
        """Keeps starting executions across the crash from a few threads: a
        start that got no answer is sent again (same name and input: AWS's
        idempotent retry gives the same execution)."""
        queue = list(items)
        lock = threading.Lock()
        done = [0]

        def run():
            while True:
                with lock:
                    if not queue:
                        return
                    item = queue.pop(0)
                deadline = time.time() + 60
                while True:
                    try:
                        name, ex = self.start_one(item, self.late_client)
                        self.arns[name] = ex
                        break
                    except Exception as e:  # noqa: BLE001 - connection refused/reset while down
                        code = getattr(e, "response", {}).get("Error", {}).get("Code")
                        if code or time.time() > deadline:
                            self.late_errors.append(f"{item[1]}: {e}")
                            break
                        with lock:
                            self.start_retries += 1
                        time.sleep(0.02)
                with lock:
                    done[0] += 1
                    if done[0] == 8:
                        self.late_going.set()
                time.sleep(0.01)

        workers = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    def history(self, ex):
        events, token = [], None
        while True:
            kw = dict(executionArn=ex, maxResults=1000)
            if token:
                kw["nextToken"] = token
            r = self.server.call("GetExecutionHistory", **kw)  # raw JSON: timestamps as sent
            events += r["events"]
            token = r.get("nextToken")
            if not token:
                return events

    def token(self, ex, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for e in self.history(ex):
                if e["type"] == "TaskScheduled":
                    params = json.loads(e["taskScheduledEventDetails"]["parameters"])
                    return params["MessageBody"]["token"]
            time.sleep(0.02)
        raise AssertionError(f"{ex}: no TaskScheduled after {timeout}s")

    def answer(self, name, token):
        """Callback answers: odd ones fail (the execution fails), even ones succeed."""
        if int(name.rsplit("-", 1)[1]) % 2:
            self.sfn.send_task_failure(taskToken=token, error="Callback.Rejected", cause=f"no to {name}")
        else:
            self.sfn.send_task_success(taskToken=token, output=json.dumps({"answer": name}))

    def names(self, machine):
        return [n for m, n, _, _ in self.plan if m == machine]

    def run(self):
        t0 = time.time()
        self.setup()
        late = [p for p in self.plan if p[0] == "CrashWait"][STOPPED:][-40:]
        early = [p for p in self.plan if p not in late]
        self.start_all(early)
        self.say(f"started {len(early)} executions in {time.time() - t0:.1f}s")

        # callbacks: every token now; half answered before the crash
        callbacks = self.names("CrashCallback")
        tokens = {n: self.token(self.arns[n]) for n in callbacks}
        for n in callbacks[: len(callbacks) // 2]:
            self.answer(n, tokens.pop(n))
        # activities: a worker takes half the tasks and holds them
        activity_arn = arn("activity", ACTIVITY)
        held = []
        want = len(self.names("CrashActivity")) // 2
        while len(held) < want:
            t = self.sfn.get_activity_task(activityArn=activity_arn, workerName=WORKER)
            if t.get("taskToken"):
                held.append(t)

        self.late_client = self.server.client(read_timeout=10, max_pool=8)
        self.late_going = threading.Event()
        starter = threading.Thread(target=self.late_starter, args=(late,), daemon=True)
        starter.start()
        self.late_going.wait(20)
        # crash 1: timers pending, tokens outstanding, tasks held, starts in flight
        self.crash_point(f"{len(tokens)} callback tokens and {len(held)} activity tasks outstanding")

        # half the remaining callbacks (tokens from before the crash) and the held tasks
        pending = list(tokens)
        for n in pending[: len(pending) // 2]:
            self.answer(n, tokens.pop(n))
        # stop the executions that wait for ever
        for n in self.names("CrashWait")[:STOPPED]:
            self.sfn.stop_execution(executionArn=self.arns[n], error="Crash.Test", cause="stopped")
        for t in held:
            self.sfn.send_task_success(taskToken=t["taskToken"],
                                       output=json.dumps({"done": json.loads(t["input"])["n"]}))
        starter.join(90)
        if self.crash:
            self.say(f"{len(late)} executions started across the first crash ({self.start_retries} starts sent again)")
        time.sleep(0.3)
        # crash 2: the Waits after those callbacks, retries, timeouts and heartbeats are running
        self.crash_point(f"{len(tokens)} callback tokens outstanding")

        for n, tok in tokens.items():
            self.answer(n, tok)
        rest = len(self.names("CrashActivity")) - len(held)
        while rest:
            t = self.sfn.get_activity_task(activityArn=activity_arn, workerName=WORKER)
            if t.get("taskToken"):
                self.sfn.send_task_success(taskToken=t["taskToken"],
                                           output=json.dumps({"done": json.loads(t["input"])["n"]}))
                rest -= 1
        starter.join(90)
        if self.late_errors:
            raise AssertionError(f"late starts failed: {self.late_errors[:5]}")
        # more kills while the remaining timers fire (Waits, back-offs, timeouts, heartbeats, the Map)
        for _ in range(self.extra_kills):
            time.sleep(0.3)
            self.crash_point("timers firing")

        # wait for every execution (and the nested children) to end
        deadline = time.time() + 120
        while True:
            running = sum(len(self.server.call("ListExecutions", stateMachineArn=m, statusFilter="RUNNING",
                                               maxResults=1000)["executions"])
                          for m in self.machines.values())
            if not running:
                break
            if time.time() > deadline:
                raise AssertionError(f"{running} executions still running after 120s")
            time.sleep(0.1)

        results = {}
        for m in self.machines.values():
            token = None
            while True:
                kw = dict(stateMachineArn=m, maxResults=1000)
                if token:
                    kw["nextToken"] = token
                r = self.server.call("ListExecutions", **kw)
                for e in r["executions"]:
                    results[e["executionArn"]] = {"status": e["status"], "events": self.history(e["executionArn"])}
                token = r.get("nextToken")
                if not token:
                    break
        self.say(f"{len(results)} executions finished, {time.time() - t0:.1f}s in all")
        return results, self.crashes


# --- comparing histories -------------------------------------------------------

VOLATILE = {"timestamp"}
VOLATILE_IN_DATA = {"token": "<token>", "StartDate": "<date>", "StopDate": "<date>",
                    "mapRunArn": "<map run>",
                    # A call's HTTP answer: its request id and date are its own.
                    "SdkHttpMetadata": "<http>", "SdkResponseMetadata": "<http>"}


def scrub(value):
    """Replace what legitimately differs between two runs inside a value."""
    if isinstance(value, dict):
        return {k: (VOLATILE_IN_DATA[k] if k in VOLATILE_IN_DATA else scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return {"<json>": scrub(json.loads(value))}
        except ValueError:
            return value
    return value


def normalise(event):
    return scrub({k: v for k, v in event.items() if k not in VOLATILE})


def check_shape(ex, events):
    problems = []
    ids = [e.get("id") for e in events]
    if ids != list(range(1, len(events) + 1)):
        problems.append(f"{ex}: ids are not 1..n: {ids}")
    for e in events:
        if not 0 <= e.get("previousEventId", 0) < e.get("id", 0):
            problems.append(f"{ex}: event {e.get('id')} has previousEventId {e.get('previousEventId')}")
    if events and not events[-1]["type"].startswith("Execution"):
        problems.append(f"{ex}: the last event is {events[-1]['type']}")
    return problems


def compare(reference, crashed):
    problems = []
    if set(reference) != set(crashed):
        problems.append(f"different executions: only in the reference {sorted(set(reference) - set(crashed))[:5]}, "
                        f"only after the crash {sorted(set(crashed) - set(reference))[:5]}")
    events = 0
    for ex in sorted(set(reference) & set(crashed)):
        a, b = reference[ex], crashed[ex]
        problems += check_shape(ex, a["events"]) + check_shape(ex, b["events"])
        if a["status"] != b["status"]:
            problems.append(f"{ex}: status {a['status']} in the reference, {b['status']} after the crash")
        na, nb = [normalise(e) for e in a["events"]], [normalise(e) for e in b["events"]]
        if na != nb:
            first = next((i for i, (x, y) in enumerate(zip(na, nb)) if x != y), min(len(na), len(nb)))
            problems.append(
                f"{ex}: histories differ at event {first + 1} ({len(na)} events in the reference, {len(nb)} "
                f"after the crash):\n    reference: {json.dumps(na[first] if first < len(na) else None)[:600]}"
                f"\n    crashed:   {json.dumps(nb[first] if first < len(nb) else None)[:600]}")
        events += len(nb)
    return problems, events


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--executions", type=int, default=300)
    ap.add_argument("--wait-scale", type=float, default=0.05)
    ap.add_argument("--extra-kills", type=int, default=3,
                    help="kills after the two scripted ones, 0.3 s apart, while timers fire")
    ap.add_argument("--keep", action="store_true", help="keep the databases and logs")
    ap.add_argument("--nodes", type=int, default=1,
                    help="servers sharing the crash run's database (each crash kills one)")
    ap.add_argument("--crash-db", help="the store of the run that is killed (e.g. a postgres:// URL; "
                                        "default: an SQLite file, like the reference run's)")
    args = ap.parse_args()
    t0 = time.time()
    log = lambda m: print(m, flush=True)  # noqa: E731
    runs = {}
    servers = []
    try:
        for crash in (False, True):
            if crash and args.nodes > 1:
                first = Server(wait_scale=args.wait_scale, mock_config=MOCK_CONFIG, db=args.crash_db)
                group = [first] + [Server(wait_scale=args.wait_scale, mock_config=MOCK_CONFIG, db=first.db)
                                   for _ in range(args.nodes - 1)]
                for i, s in enumerate(group):
                    s.name = f"crash-node-{i}"
                    s.extra_args += ["--node-id", s.name, "--node-lease", str(LEASE)]
                    servers.append(s)
                    s.start()
                server = Nodes(group)
            else:
                server = Server(wait_scale=args.wait_scale, mock_config=MOCK_CONFIG,
                                db=args.crash_db if crash else None)
                servers.append(server)
                server.start()
            runs[crash] = Driver(server, crash, args.executions, log, args.extra_kills).run()
            if not server.alive():
                raise AssertionError(f"the server died:\n{server.log_tail()}")
            server.stop()
    except BaseException:
        for s in servers:
            print(f"--- server log ({s.workdir}) ---\n{s.log_tail()}", file=sys.stderr)
        raise
    finally:
        for s in servers:
            s.stop()
    (reference, _), (crashed, info) = runs[False], runs[True]
    problems, events = compare(reference, crashed)
    statuses = {}
    for r in crashed.values():
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    if args.nodes > 1:
        print(f"crash test: the crash run had {args.nodes} nodes sharing one database")
    print(f"crash test: {len(crashed)} executions ({len(reference)} in the reference run), "
          f"{events} events compared, statuses {statuses}")
    after = "running on the nodes after the take-over" if args.nodes > 1 else "executions recovered"
    for i, c in enumerate(info, 1):
        print(f"crash test: kill -9 #{i} with {c['live_before']} running executions and {c['timers_before']} timers "
              f"pending; {c['live_after']} {after}")
    print(f"crash test: {time.time() - t0:.1f}s in all")
    if not args.keep:
        import shutil
        for s in servers:
            shutil.rmtree(s.workdir, ignore_errors=True)
    if problems:
        for p in problems[:20]:
            print("MISMATCH " + p)
        print(f"crash test: {len(problems)} problems")
        print("crash-test: 0 passed, 1 failed")
        return 1
    print("crash-test: 1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
