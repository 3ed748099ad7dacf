"""SigV4 verification end to end: `stepwell serve --sigv4-credentials FILE
--access-key ID:SECRET` driven by the real AWS CLI and boto3 (botocore signs).
The right key works; a wrong secret, an unknown key, another region, a
missing signature, a skewed clock and a stray session token are refused with
AWS's exception names; the console's page and /health stay open; the server
listens on 127.0.0.1 only.

Self-contained (its own server and clients), so it runs alone too:
    target/e2e-venv/bin/python -m pytest tests/e2e/test_sigv4.py
"""

import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("STEPWELL_BIN", os.path.join(ROOT, "target", "release", "stepwell"))
REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/sigv4-e2e"
# One key from the credentials file, one from --access-key.
FILE_KEY = ("AKIDSIGV4FILE", "file/secret+Key0123456789")
FLAG_KEY = ("AKIDSIGV4FLAG", "flag/secret+Key9876543210")
HELLO = {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": "hi", "End": True}}}
MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details.")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Signed:
    def __init__(self, workdir):
        self.workdir = workdir
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(workdir, "server.log")
        creds = os.path.join(workdir, "credentials")
        with open(creds, "w") as f:
            f.write(f"# keys stepwell accepts\n[e2e]\naws_access_key_id = {FILE_KEY[0]}\n"
                    f"aws_secret_access_key = {FILE_KEY[1]}\nregion = {REGION}\n")
        env = dict(os.environ, STEPWELL_LOG="info")
        for k in ("STEPWELL_ACCESS_KEYS", "STEPWELL_SIGV4_CREDENTIALS", "SFN_MOCK_CONFIG"):
            env.pop(k, None)
        env["AWS_DEFAULT_REGION"] = REGION
        args = [BIN, "serve", "--port", str(self.port), "--db", os.path.join(workdir, "db.sqlite"),
                "--sigv4-credentials", creds, "--access-key", f"{FLAG_KEY[0]}:{FLAG_KEY[1]}"]
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stepwell serve exited {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.endpoint + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"stepwell serve did not answer:\n{self.log()}")

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def client(self, key, region=REGION, token=None, unsigned=False):
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        cfg = Config(region_name=region, retries={"max_attempts": 1, "mode": "standard"},
                     signature_version=UNSIGNED if unsigned else None)
        return boto3.session.Session(
            aws_access_key_id=key[0], aws_secret_access_key=key[1], aws_session_token=token,
            region_name=region,
        ).client("stepfunctions", endpoint_url=self.endpoint, config=cfg)

    def cli(self, key, *args, region=REGION):
        """Run the AWS CLI; returns (exit code, stdout, stderr)."""
        aws = os.path.join(os.path.dirname(sys.executable), "aws")
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key[0], AWS_SECRET_ACCESS_KEY=key[1],
                   AWS_DEFAULT_REGION=region, AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
        env.pop("AWS_PROFILE", None)
        env.pop("AWS_SESSION_TOKEN", None)
        p = subprocess.run([aws if os.path.exists(aws) else "aws", "stepfunctions", *args,
                            "--endpoint-url", self.endpoint, "--output", "json"],
                           capture_output=True, text=True, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def signed():
    with tempfile.TemporaryDirectory(prefix="stepwell-sigv4-e2e-") as d:
        s = Signed(d)
        try:
            yield s
        finally:
            alive = s.proc.poll() is None
            s.stop()
            assert alive, f"the server died:\n{s.log()}"


def refused(call):
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as e:
        call()
    err = e.value.response["Error"]
    return e.value.response["ResponseMetadata"]["HTTPStatusCode"], err["Code"], err["Message"]


def test_the_configured_keys_work_with_boto3_and_the_cli(signed):
    sfn = signed.client(FILE_KEY)
    arn = sfn.create_state_machine(name="SignedHello", definition=json.dumps(HELLO),
                                   roleArn=ROLE)["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    for _ in range(100):
        d = sfn.describe_execution(executionArn=ex)
        if d["status"] != "RUNNING":
            break
        time.sleep(0.05)
    assert d["status"] == "SUCCEEDED" and d["output"] == '"hi"'
    # The --access-key key, through the CLI.
    code, out, err = signed.cli(FLAG_KEY, "list-state-machines")
    assert code == 0, err
    assert [m["name"] for m in json.loads(out)["stateMachines"]] == ["SignedHello"]
    code, out, err = signed.cli(FLAG_KEY, "describe-execution", "--execution-arn", ex)
    assert code == 0 and json.loads(out)["status"] == "SUCCEEDED", err


def test_a_wrong_secret_is_an_invalid_signature(signed):
    status, code, message = refused(signed.client((FILE_KEY[0], "not-the-secret")).list_state_machines)
    assert (status, code, message) == (400, "InvalidSignatureException", MISMATCH)
    code, _, err = signed.cli((FLAG_KEY[0], FILE_KEY[1]), "list-state-machines")
    assert code != 0
    assert "An error occurred (InvalidSignatureException) when calling the ListStateMachines operation: " \
           "The request signature we calculated does not match" in err, err


def test_an_unknown_key_is_unrecognized(signed):
    status, code, message = refused(signed.client(("AKIDNOBODY", "x")).list_state_machines)
    assert (status, code, message) == (
        400, "UnrecognizedClientException", "The security token included in the request is invalid.")
    code, _, err = signed.cli(("AKIDNOBODY", "x"), "list-activities")
    assert code != 0
    assert "(UnrecognizedClientException) when calling the ListActivities operation: " \
           "The security token included in the request is invalid." in err, err


def test_a_session_token_the_server_does_not_know_is_unrecognized(signed):
    _, code, _ = refused(signed.client(FILE_KEY, token="IQoJb3JpZ2luX2VjEXAMPLE").list_state_machines)
    assert code == "UnrecognizedClientException"


def test_another_region_is_refused(signed):
    _, code, message = refused(signed.client(FILE_KEY, region="eu-west-1").list_state_machines)
    assert (code, message) == ("InvalidSignatureException",
                                "Credential should be scoped to a valid region, not 'eu-west-1'. ")


def test_no_signature_is_a_missing_token(signed):
    status, code, message = refused(signed.client(FILE_KEY, unsigned=True).list_state_machines)
    assert (status, code, message) == (400, "MissingAuthenticationTokenException",
                                       "Request is missing Authentication Token")
    # A malformed Authorization header.
    req = urllib.request.Request(signed.endpoint + "/", data=b"{}", method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "AWSStepFunctions.ListStateMachines",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDSIGV4FILE/20240102/us-east-1/states/aws4_request",
        "X-Amz-Date": "20240102T030405Z",
    })
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    body = json.loads(e.value.read())
    assert e.value.code == 400 and body["__type"] == "IncompleteSignatureException", body
    assert body["message"].startswith("Authorization header requires 'Signature' parameter."), body


def test_a_clock_more_than_five_minutes_off_is_refused(signed, monkeypatch):
    import botocore.auth

    skewed = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=7)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: skewed)
    _, code, message = refused(signed.client(FILE_KEY).list_state_machines)
    stamp = skewed.strftime("%Y%m%dT%H%M%SZ")
    assert code == "InvalidSignatureException"
    assert message.startswith(f"Signature expired: {stamp} is now earlier than "), message
    assert message.endswith(" - 5 min.)"), message
    # Within the window: accepted.
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda *a, **k: skewed + datetime.timedelta(minutes=3))
    signed.client(FILE_KEY).list_state_machines()


def test_the_console_page_and_health_stay_open(signed):
    with urllib.request.urlopen(signed.endpoint + "/", timeout=5) as r:
        assert r.status == 200 and "text/html" in r.headers["Content-Type"]
    with urllib.request.urlopen(signed.endpoint + "/health", timeout=5) as r:
        assert json.loads(r.read())["status"] == "ok"
    # ... but the console's stream is guarded like the API.
    req = urllib.request.Request(signed.endpoint + "/console/stream", method="POST",
                                 data=b'{"executionArn": "x"}',
                                 headers={"Content-Type": "application/x-amz-json-1.0"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=5)
    assert json.loads(e.value.read())["__type"] == "MissingAuthenticationTokenException"


def test_the_server_listens_on_loopback_only(signed):
    assert "SigV4 verification is on" in signed.log()
    try:
        with open("/proc/net/tcp") as f:
            rows = [line.split() for line in f.readlines()[1:]]
    except OSError:
        pytest.skip("no /proc/net/tcp")
    listening = [r[1] for r in rows if r[3] == "0A" and int(r[1].split(":")[1], 16) == signed.port]
    # 0100007F is 127.0.0.1 in /proc's little-endian hex.
    assert listening == ["0100007F:%04X" % signed.port], listening
