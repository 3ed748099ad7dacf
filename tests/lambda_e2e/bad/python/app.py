import json
import os
import sys
import time

import boto3


def ok(event, context):
    return {"ok": True, "pid": os.getpid(), "got": event}


def call_ok(event, context):
    r = boto3.client("lambda").invoke(FunctionName="ok", Payload=json.dumps({"from": "caller"}))
    return {"status": r["StatusCode"], "version": r["ExecutedVersion"],
            "payload": json.loads(r["Payload"].read())}


def leave(event, context):
    sys.exit(3)


def hang(event, context):
    time.sleep(60)
    return "too late"


def not_json(event, context):
    return {1, 2, 3}
