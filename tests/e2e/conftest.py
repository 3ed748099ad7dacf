"""Fixtures: one real `stepwell serve` for the whole session (temp database,
`--wait-scale 0.1`, a MockConfigFile), boto3 clients and the AWS CLI."""

import itertools
import json
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from stepwell_harness import ROLE, Server, run_cli  # noqa: E402

WAIT_SCALE = 0.1

# Step Functions Local's MockConfigFile format; used with `stateMachineArn#Case`.
MOCK_CONFIG = {
    "StateMachines": {
        "MockedOrder": {
            "TestCases": {
                "HappyPath": {"Charge": "ChargeOk"},
                "RetryPath": {"Charge": "ChargeFlaky"},
                "FailPath": {"Charge": "ChargeBroken"},
                "Malformed": {"Charge": "ReturnAndThrow"},
            }
        },
        "Redriven": {"TestCases": {"FailOnce": {"Work": "FailThenOk"}}},
        "MockedShipping": {"TestCases": {"ChargeOnly": {"Charge": "ChargeOk"}}},
    },
    "MockedResponses": {
        "ChargeOk": {"0": {"Return": {"StatusCode": 200, "Payload": {"charged": 42}}}},
        "ChargeFlaky": {
            "0-1": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "flaky"}},
            "2": {"Return": {"StatusCode": 200, "Payload": {"charged": 7}}},
        },
        "ChargeBroken": {"0": {"Throw": {"Error": "PaymentDeclined", "Cause": "card expired"}}},
        # AWS: "A response must contain a single field named Return or Throw".
        "ReturnAndThrow": {"0": {"Return": {"StatusCode": 200},
                                 "Throw": {"Error": "E", "Cause": "C"}}},
        "FailThenOk": {
            "0": {"Throw": {"Error": "Boom", "Cause": "first attempt"}},
            "1": {"Return": {"done": True}},
        },
    },
}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    # STEPWELL_E2E_DB: run the suite on another store (scripts/test.sh runs
    # it again on a real PostgreSQL server); an SQLite file by default.
    workdir = tmp_path_factory.mktemp("server")
    # The local S3 Distributed Maps' ItemReaders read (<dir>/<bucket>/<key>).
    s3_dir = workdir / "s3"
    s3_dir.mkdir()
    # The local CloudWatch Logs executions log to (<dir>/<log group>/...).
    logs_dir = workdir / "logs"
    s = Server(wait_scale=WAIT_SCALE, mock_config=MOCK_CONFIG, db=os.environ.get("STEPWELL_E2E_DB"),
               workdir=str(workdir),
               extra_args=["--s3-dir", str(s3_dir), "--logs-dir", str(logs_dir)])
    s.s3_dir = str(s3_dir)
    s.logs_dir = str(logs_dir)
    s.start()
    yield s
    alive = s.alive()
    s.stop()
    assert alive, f"the server {s.exit_description()} during the tests:\n{s.log_tail()}"


@pytest.fixture(autouse=True)
def server_survives(request):
    """After each test that used the shared server: it must still be running."""
    yield
    if "server" in request.fixturenames:
        s = request.getfixturevalue("server")
        assert s.alive(), f"the server {s.exit_description()} during this test:\n{s.log_tail()}"


@pytest.fixture(scope="session")
def s3_dir(server):
    """The shared server's local S3 directory: write <dir>/<bucket>/<key>."""
    return server.s3_dir


@pytest.fixture(scope="session")
def logs_dir(server):
    """The shared server's local CloudWatch Logs directory."""
    return server.logs_dir


@pytest.fixture(scope="session")
def sfn(server):
    return server.client()


@pytest.fixture(scope="session")
def cli(server):
    def run(*args, **kw):
        return run_cli(server.endpoint, *args, **kw)
    return run


_names = itertools.count(1)


@pytest.fixture
def unique(request):
    """A name unique in the session, readable in the server log."""
    base = re.sub(r"[^A-Za-z0-9-]+", "-", request.node.name.replace("test_", ""))[:40].strip("-")

    def make(prefix=""):
        return f"{prefix}{base}-{next(_names)}"
    return make


@pytest.fixture
def machine(sfn, unique):
    """Create a state machine: machine(definition, type="STANDARD", name=None) -> ARN."""
    def create(definition, type="STANDARD", name=None, **kw):
        if not isinstance(definition, str):
            definition = json.dumps(definition)
        r = sfn.create_state_machine(name=name or unique("sm-"), definition=definition,
                                     roleArn=ROLE, type=type, **kw)
        return r["stateMachineArn"]
    return create
