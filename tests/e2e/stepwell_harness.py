"""Start the real `stepwell serve` and talk to it: the AWS CLI, boto3 and raw
HTTP. Shared by the end-to-end tests (conftest.py) and the crash test
(crash_test.py). Needs only the standard library, plus boto3 for `client`."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("STEPWELL_BIN", os.path.join(ROOT, "target", "release", "stepwell"))
REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/stepwell-e2e"


def arn(kind, *parts):
    return ":".join([f"arn:aws:states:{REGION}:{ACCOUNT}:{kind}", *parts])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aws_env():
    """Credentials and config for the CLI and boto3 that touch nothing of
    the user's (no ~/.aws, dummy keys: the server does not check them)."""
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="AKIDSTEPWELLE2E",
        AWS_SECRET_ACCESS_KEY="stepwell-e2e-secret",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_PAGER="",
        AWS_MAX_ATTEMPTS="1",
        AWS_RETRY_MODE="standard",
    )
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    return env


class Server:
    """One `stepwell serve` process on a free port with its own database."""

    def __init__(self, db=None, wait_scale=1.0, mock_config=None, workdir=None, port=None,
                 extra_args=(), env=None, cwd=None):
        self.workdir = workdir or tempfile.mkdtemp(prefix="stepwell-e2e-")
        # More environment variables, and the directory it starts in.
        self.env = dict(env or {})
        self.cwd = cwd
        # More `stepwell serve` options (e.g. ["--s3-dir", DIR]).
        self.extra_args = list(extra_args)
        # STEPWELL_E2E_PARK_AFTER: park quiet executions this soon (seconds;
        # scripts/test.sh runs the suite once with 0, so every input of the
        # tests may find its execution parked).
        park = os.environ.get("STEPWELL_E2E_PARK_AFTER")
        if park is not None and "--park-after" not in self.extra_args:
            self.extra_args += ["--park-after", park]
        self.db = db or os.path.join(self.workdir, "stepwell.db")
        self.wait_scale = wait_scale
        self.mock_path = None
        if mock_config is not None:
            self.mock_path = os.path.join(self.workdir, "mock-config.json")
            with open(self.mock_path, "w") as f:
                json.dump(mock_config, f)
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log_path = os.path.join(self.workdir, "server.log")
        self.starts = 0

    def start(self, timeout=20):
        args = [BIN, "serve", "--port", str(self.port), "--db", self.db]
        if self.wait_scale is not None:
            args += ["--wait-scale", str(self.wait_scale)]
        if self.mock_path:
            args += ["--mock-config", self.mock_path]
        args += self.extra_args
        env = dict(os.environ)
        env.setdefault("STEPWELL_LOG", "info")
        # Step Functions Local's variables, which serve honours: only
        # those a test gives.
        for name in ("SFN_MOCK_CONFIG", "AWS_ACCOUNT_ID", "WAIT_TIME_SCALE"):
            env.pop(name, None)
        env.update(self.env)
        self.starts += 1
        log = open(self.log_path, "a")
        log.write(f"==== start #{self.starts}: {' '.join(args)}\n")
        log.flush()
        # Its own session: signals meant for the test's process group
        # (a terminal's Ctrl-C) do not reach it; stop() and kill9() do.
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env,
                                     cwd=self.cwd, start_new_session=True)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stepwell serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            if self.healthy():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"stepwell serve did not answer /health within {timeout}s:\n{self.log_tail()}")

    def health(self):
        with urllib.request.urlopen(self.endpoint + "/health", timeout=5) as r:
            return json.loads(r.read())

    def healthy(self):
        try:
            return self.health().get("status") == "ok"
        except (OSError, ValueError):
            return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def exit_description(self):
        code = self.proc.poll() if self.proc else None
        if code is None:
            return "still running"
        if code < 0:
            return f"killed by signal {-code} ({signal.Signals(-code).name})"
        return f"exited with status {code}"

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def log_tail(self, n=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"

    # --- clients -----------------------------------------------------------

    def client(self, read_timeout=70, inject_host_prefix=True, max_pool=10, parameter_validation=True):
        """A boto3 client; `parameter_validation=False` sends what boto3
        would refuse itself (a value under a minimum), so the server answers."""
        import boto3
        from botocore.config import Config

        cfg = Config(
            region_name=REGION,
            retries={"max_attempts": 1, "mode": "standard"},
            read_timeout=read_timeout,
            connect_timeout=5,
            inject_host_prefix=inject_host_prefix,
            max_pool_connections=max_pool,
            parameter_validation=parameter_validation,
        )
        return boto3.session.Session(
            aws_access_key_id="AKIDSTEPWELLE2E",
            aws_secret_access_key="stepwell-e2e-secret",
            region_name=REGION,
        ).client("stepfunctions", endpoint_url=self.endpoint, config=cfg)

    def raw(self, target, body, headers=None, timeout=10):
        """POST a raw body; returns (HTTP status, parsed JSON or text)."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        h = {"Content-Type": "application/x-amz-json-1.0"}
        if target is not None:
            h["X-Amz-Target"] = target
        h.update(headers or {})
        req = urllib.request.Request(self.endpoint + "/", data=body, headers=h, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def call(self, op, **body):
        """One API call over raw HTTP; raises ApiError on an error answer."""
        status, out = self.raw(f"AWSStepFunctions.{op}", body)
        if status != 200:
            raise ApiError(status, out)
        return out


class ApiError(Exception):
    def __init__(self, status, body):
        self.status = status
        self.body = body
        kind = body.get("__type") if isinstance(body, dict) else None
        # AWS's `namespace#Name`: the name, as the SDKs read it.
        self.kind = kind.rsplit("#", 1)[-1] if isinstance(kind, str) else kind
        super().__init__(f"HTTP {status}: {body}")


class CliError(Exception):
    def __init__(self, returncode, stderr):
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"aws exited {returncode}: {stderr.strip()}")


def aws_cli_path():
    here = os.path.dirname(sys.executable)
    cand = os.path.join(here, "aws")
    return cand if os.path.exists(cand) else "aws"


def run_cli(endpoint, *args, env_extra=None, timeout=60):
    """`aws stepfunctions ARGS --endpoint-url ENDPOINT` -> parsed JSON (or
    None for an empty answer); CliError on failure."""
    env = aws_env()
    env.update(env_extra or {})
    cmd = [aws_cli_path(), "stepfunctions", *args, "--endpoint-url", endpoint, "--output", "json"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if p.returncode != 0:
        raise CliError(p.returncode, p.stderr)
    out = p.stdout.strip()
    return json.loads(out) if out else None


def check_history_shape(events):
    """Ids 1..n in order, each previousEventId pointing at an earlier event."""
    ids = [e["id"] for e in events]
    assert ids == list(range(1, len(events) + 1)), f"event ids are not 1..n: {ids}"
    for e in events:
        prev = e.get("previousEventId", 0)
        assert 0 <= prev < e["id"], f"event {e['id']} has previousEventId {prev}"


# --- boto3 helpers for the tests ---------------------------------------------

def wait_done(sfn, execution_arn, timeout=30, statuses=("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")):
    deadline = time.time() + timeout
    while True:
        d = sfn.describe_execution(executionArn=execution_arn)
        if d["status"] in statuses:
            return d
        if time.time() > deadline:
            raise AssertionError(f"{execution_arn} still {d['status']} after {timeout}s")
        time.sleep(0.05)


def history(sfn, execution_arn, **kw):
    events, token = [], None
    while True:
        args = dict(executionArn=execution_arn, maxResults=1000, **kw)
        if token:
            args["nextToken"] = token
        r = sfn.get_execution_history(**args)
        events += r["events"]
        token = r.get("nextToken")
        if not token:
            return events


def wait_event(sfn, execution_arn, event_type, timeout=20):
    """The first event of a type, polling the history until it appears."""
    deadline = time.time() + timeout
    while True:
        for e in history(sfn, execution_arn):
            if e["type"] == event_type:
                return e
        if time.time() > deadline:
            raise AssertionError(f"no {event_type} in {execution_arn} after {timeout}s")
        time.sleep(0.05)


def expect_error(kind, fn, *args, status=400, **kw):
    """Call a boto3 method expecting an AWS error of this kind (and HTTP
    status); returns its message."""
    from botocore.exceptions import ClientError
    try:
        fn(*args, **kw)
    except ClientError as e:
        err = e.response["Error"]
        assert err["Code"] == kind, f"expected {kind}, got {err}"
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == status
        assert err.get("Message"), "the error has no message"
        return err["Message"]
    raise AssertionError(f"expected {kind}, the call succeeded")
