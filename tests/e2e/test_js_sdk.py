"""The AWS SDK for JavaScript v3 against the server: the checks in
js_sdk_check.mjs, with @aws-sdk/client-sfn (pinned, from npm, installed into
target/js-sdk). botocore (the CLI and boto3) and the JavaScript SDK share no
code: its serializers, error parsing and paginators are checked here."""

import json
import os
import shutil
import subprocess

import pytest

JS_SDK_VERSION = "3.1162.0"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODULES = os.path.join(ROOT, "target", "js-sdk")


def installed_version():
    try:
        with open(os.path.join(MODULES, "node_modules", "@aws-sdk", "client-sfn", "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture(scope="session")
def js_sdk():
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("SKIPPED: the JavaScript SDK check needs node and npm on PATH")
    if installed_version() != JS_SDK_VERSION:
        os.makedirs(MODULES, exist_ok=True)
        package = os.path.join(MODULES, "package.json")
        if not os.path.exists(package):
            with open(package, "w") as f:
                f.write('{"private": true}\n')
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent",
                        f"@aws-sdk/client-sfn@{JS_SDK_VERSION}"], cwd=MODULES, check=True, timeout=300)
    return MODULES


def test_the_javascript_sdk_v3(server, js_sdk, unique):
    script = os.path.join(os.path.dirname(__file__), "js_sdk_check.mjs")
    run = subprocess.run(["node", script, server.endpoint, js_sdk, unique("js")],
                         capture_output=True, text=True, timeout=120)
    print(run.stdout)
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
    assert "js-sdk: 6 passed" in run.stdout
