"""Start the real `stepwell serve --functions FILE` with real runtime
processes, and talk to it with boto3, the AWS CLI and raw HTTP.

Each server gets a free port, a temporary database and its own TMPDIR (the
example handlers keep their little state files there). The handlers' Python
is the venv's (it has boto3, as Lambda's Python runtime does): a shim
directory on PATH maps every `python3.N` to it."""

import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("STEPWELL_BIN", os.path.join(ROOT, "target", "release", "stepwell"))
EXAMPLES = os.path.join(ROOT, "examples", "lambda")
REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/stepwell-lambda-e2e"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aws_env():
    """Dummy credentials and no user config for boto3 and the CLI."""
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="AKIDSTEPWELLLAMBDA",
        AWS_SECRET_ACCESS_KEY="stepwell-lambda-e2e",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_PAGER="",
        AWS_MAX_ATTEMPTS="1",
    )
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "LAMBDA_ENDPOINT"):
        env.pop(k, None)
    return env


os.environ.update({k: v for k, v in aws_env().items() if k.startswith("AWS_")})
for _k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_k, None)


def python_shims(directory):
    """`python3.8` … `python3.14` -> this interpreter (the venv's)."""
    os.makedirs(directory, exist_ok=True)
    for minor in range(8, 15):
        link = os.path.join(directory, f"python3.{minor}")
        if not os.path.exists(link):
            os.symlink(sys.executable, link)
    return directory


class Server:
    """One `stepwell serve` with a project file."""

    def __init__(self, functions=None, wait_scale=1.0, extra_args=(), env=None, cwd=None, db=None):
        self.workdir = tempfile.mkdtemp(prefix="stepwell-lambda-e2e-")
        # Several nodes share one database when given the same `db`.
        self.db = db or os.path.join(self.workdir, "stepwell.db")
        self.functions = functions
        self.wait_scale = wait_scale
        self.extra_args = list(extra_args)
        self.extra_env = env or {}
        self.cwd = cwd or self.workdir
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.workdir, "server.log")
        self.tmp = os.path.join(self.workdir, "tmp")
        os.makedirs(self.tmp)
        self.proc = None
        self._log = None

    def start(self, timeout=20):
        args = [BIN, "serve", "--port", str(self.port),
                "--db", self.db,
                "--wait-scale", str(self.wait_scale)]
        if self.functions:
            args += ["--functions", self.functions]
        args += self.extra_args
        env = dict(os.environ)
        env.pop("LAMBDA_ENDPOINT", None)
        env.pop("SFN_MOCK_CONFIG", None)
        env["STEPWELL_LOG"] = "info,stepwell_lambda=debug,stepwell_lambda::logs=info"
        env["TMPDIR"] = self.tmp
        shims = python_shims(os.path.join(self.workdir, "bin"))
        env["PATH"] = os.pathsep.join([shims, os.path.dirname(sys.executable), env.get("PATH", "")])
        env.update(self.extra_env)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=self.cwd, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stepwell serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.endpoint + "/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"stepwell serve did not answer within {timeout}s:\n{self.log_tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def children(self):
        """Pids of the server's child processes (the runtime processes)."""
        if not self.alive():
            return []
        children = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    # pid (comm) state ppid ...: comm may hold spaces.
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                children.append(int(entry))
        return children

    def stop(self, timeout=15):
        """SIGTERM, as a user's Ctrl-C; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log:
            self._log.close()
        return self.proc.returncode

    def cleanup(self):
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, lines=60):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def client(self, service="stepfunctions"):
        import boto3
        from botocore.config import Config
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            config=Config(retries={"max_attempts": 1}, read_timeout=60))

    def http(self, method, path, body=None, headers=None):
        """Raw HTTP: (status, headers, parsed JSON or text)."""
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        req = urllib.request.Request(self.endpoint + path, data=data, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, h, raw = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            status, h, raw = e.code, dict(e.headers), e.read()
        try:
            return status, h, json.loads(raw)
        except ValueError:
            return status, h, raw.decode(errors="replace")

    def cli(self, *args, check=True):
        """The AWS CLI against this server; parsed JSON output."""
        aws = shutil.which("aws", path=os.path.dirname(sys.executable)) or shutil.which("aws")
        if aws is None:
            raise RuntimeError("the AWS CLI is not installed (scripts/lambda-e2e.sh installs it)")
        out = subprocess.run([aws, "--endpoint-url", self.endpoint, "--output", "json", *args],
                             capture_output=True, text=True, env=aws_env(), timeout=60)
        if check and out.returncode != 0:
            raise RuntimeError(f"aws {' '.join(args)} failed ({out.returncode}):\n{out.stderr}")
        return json.loads(out.stdout) if out.stdout.strip() else {}


def example(name, *parts):
    return os.path.join(EXAMPLES, name, *parts)


def definition(name):
    with open(example(name, "statemachine.asl.json")) as f:
        return f.read()


def create_machine(sfn, name, definition_text, type="STANDARD"):
    return sfn.create_state_machine(name=name, definition=definition_text, roleArn=ROLE,
                                    type=type)["stateMachineArn"]


def wait_done(sfn, execution_arn, timeout=30):
    deadline = time.time() + timeout
    while True:
        d = sfn.describe_execution(executionArn=execution_arn)
        if d["status"] != "RUNNING":
            return d
        if time.time() > deadline:
            raise AssertionError(f"{execution_arn} still RUNNING after {timeout}s")
        time.sleep(0.05)


def history(sfn, execution_arn):
    events, token = [], None
    while True:
        kw = {"executionArn": execution_arn, "maxResults": 1000}
        if token:
            kw["nextToken"] = token
        r = sfn.get_execution_history(**kw)
        events += r["events"]
        token = r.get("nextToken")
        if not token:
            return events


def details(event):
    """The event's `...EventDetails` dict (or {})."""
    for k, v in event.items():
        if k.endswith("EventDetails"):
            return v
    return {}


def entered(events):
    """Names of the states entered, in order."""
    return [details(e)["name"] for e in events if e["type"].endswith("StateEntered")]


def iso(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ts(event):
    return event["timestamp"].timestamp()
