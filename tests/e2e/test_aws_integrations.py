"""AWS service integrations (`stepwell serve --aws-integrations`): Task
states whose dynamodb/sqs/sns/events, aws-sdk and S3 calls really run, against
moto in server mode (from PyPI, pinned in scripts/e2e-venv.sh) and against
this Stepwell server itself (`aws-sdk:sfn:*`, AWS_ENDPOINT_URL_SFN)."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from stepwell_harness import REGION, ROLE, Server, aws_env, free_port, history, wait_done, wait_event


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    """moto's server on a free loopback port: DynamoDB, SQS, SNS, EventBridge, S3."""
    exe = shutil.which("moto_server")
    if exe is None:
        pytest.skip("moto_server is not installed (scripts/e2e-venv.sh installs it)")
    port = free_port()
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=log,
                            stderr=subprocess.STDOUT, env=aws_env(), start_new_session=True)
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"moto_server exited with {proc.returncode}: {log_path.read_text()}")
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
            break
        except OSError:
            if time.time() > deadline:
                proc.kill()
                raise RuntimeError(f"moto_server did not answer within 30 s: {log_path.read_text()}")
            time.sleep(0.1)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_with(server, env, drop):
    """Start `server` with `env` and none of this process's variables
    whose names start with `drop`."""
    with pytest.MonkeyPatch.context() as mp:
        for k in [k for k in os.environ if k.startswith(drop)]:
            mp.delenv(k)
        for k, v in env.items():
            mp.setenv(k, v)
        server.start()


@pytest.fixture(scope="module")
def aws_server(moto, tmp_path_factory):
    """A Stepwell server with --aws-integrations: every service at moto,
    Step Functions at itself."""
    s = Server(wait_scale=0.1, workdir=str(tmp_path_factory.mktemp("aws-server")),
               extra_args=["--aws-integrations"])
    env = aws_env()
    # KMS at a port nothing listens on: a call that gets no answer.
    env.update(AWS_ENDPOINT_URL=moto, AWS_ENDPOINT_URL_SFN=s.endpoint,
               AWS_ENDPOINT_URL_KMS=f"http://127.0.0.1:{free_port()}", STEPWELL_LOG="info")
    start_with(s, env, drop="AWS_ENDPOINT_URL")
    yield s
    alive = s.alive()
    s.stop()
    assert alive, f"the server {s.exit_description()} during the tests:\n{s.log_tail()}"


@pytest.fixture(scope="module")
def sfn(aws_server):
    return aws_server.client()


@pytest.fixture(scope="module")
def boto(moto):
    """boto3 clients of moto's services."""
    import boto3
    session = boto3.session.Session(aws_access_key_id="AKIDSTEPWELLE2E",
                                    aws_secret_access_key="stepwell-e2e-secret", region_name=REGION)
    return lambda service: session.client(service, endpoint_url=moto)


_count = iter(range(1, 10**6))


def run(sfn, definition, input=None, wait=True):
    name = f"aws-{next(_count)}-{int(time.time() * 1000) % 100000}"
    sm = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=sm, name=name, input=json.dumps(input or {}))["executionArn"]
    if not wait:
        return sm, ex
    d = wait_done(sfn, ex)
    return sm, ex, d


def task(resource, parameters, **more):
    return {"Type": "Task", "Resource": f"arn:aws:states:::{resource}", "Parameters": parameters, **more}


def test_aws_sdk_sfn_calls_this_server(sfn):
    definition = {
        "StartAt": "List",
        "States": {
            "List": task("aws-sdk:sfn:listStateMachines", {}, ResultPath="$.list", Next="Describe"),
            "Describe": task("aws-sdk:sfn:describeExecution", {"ExecutionArn.$": "$$.Execution.Id"},
                             ResultPath="$.me", Next="Missing"),
            "Missing": task("aws-sdk:sfn:describeExecution",
                            {"ExecutionArn.$": "States.Format('{}-missing', $$.Execution.Id)"},
                            Catch=[{"ErrorEquals": ["Sfn.ExecutionDoesNotExistException"],
                                    "ResultPath": "$.missing", "Next": "Done"}],
                            End=True),
            "Done": {"Type": "Pass", "End": True},
        },
    }
    sm, ex, d = run(sfn, definition, {"k": 1})
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    # PascalCase member names, ISO 8601 dates (the aws-sdk integration's shape).
    names = [m["Name"] for m in out["list"]["StateMachines"]]
    assert sm.split(":")[-1] in names
    mine = [m for m in out["list"]["StateMachines"] if m["StateMachineArn"] == sm][0]
    assert mine["Type"] == "STANDARD" and mine["CreationDate"].endswith("Z"), mine
    assert out["me"]["ExecutionArn"] == ex and out["me"]["Status"] == "RUNNING", out["me"]
    assert json.loads(out["me"]["Input"]) == {"k": 1}
    assert out["missing"]["Error"] == "Sfn.ExecutionDoesNotExistException", out["missing"]
    assert "(Service: Sfn, Status Code: 400, Request ID: " in out["missing"]["Cause"], out["missing"]
    assert out["missing"]["Cause"].endswith(") (SDK Attempt Count: 1)"), out["missing"]
    events = history(sfn, ex)
    scheduled = [e["taskScheduledEventDetails"] for e in events if e["type"] == "TaskScheduled"]
    assert scheduled[0]["resourceType"] == "aws-sdk:sfn" and scheduled[0]["resource"] == "listStateMachines"


def test_dynamodb_put_get_and_a_caught_conditional_check(sfn, boto):
    ddb = boto("dynamodb")
    table = f"orders-{int(time.time() * 1000)}"
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    put = {"TableName": table, "Item": {"id": {"S.$": "$.id"}, "total": {"N": "42"}},
           "ConditionExpression": "attribute_not_exists(id)"}
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": task("dynamodb:putItem", put, ResultPath="$.put", Next="Get"),
            "Get": task("dynamodb:getItem", {"TableName": table, "Key": {"id": {"S.$": "$.id"}}},
                        ResultSelector={"total.$": "$.Item.total.N", "status.$": "$.SdkHttpMetadata.HttpStatusCode"},
                        ResultPath="$.got", Next="PutAgain"),
            "PutAgain": task("dynamodb:putItem", put, ResultPath="$.again", Next="Unreachable",
                             Catch=[{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                                     "ResultPath": "$.conflict", "Next": "SdkPut"}]),
            "Unreachable": {"Type": "Fail", "Error": "Unreachable"},
            "SdkPut": task("aws-sdk:dynamodb:putItem", put, ResultPath="$.sdk", Next="Unreachable",
                           Catch=[{"ErrorEquals": ["DynamoDb.ConditionalCheckFailedException"],
                                   "ResultPath": "$.sdkConflict", "Next": "Done"}]),
            "Done": {"Type": "Pass", "End": True},
        },
    }
    _, ex, d = run(sfn, definition, {"id": "o-1"})
    assert d["status"] == "SUCCEEDED", (d, history(sfn, ex)[-4:])
    out = json.loads(d["output"])
    assert out["got"] == {"total": "42", "status": 200}
    assert out["put"]["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert "RequestId" in out["put"]["SdkResponseMetadata"]
    assert out["conflict"]["Error"] == "DynamoDB.ConditionalCheckFailedException"
    assert "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException;" in out["conflict"]["Cause"]
    assert out["sdkConflict"]["Error"] == "DynamoDb.ConditionalCheckFailedException"
    assert "(Service: DynamoDb, Status Code: 400, Request ID: " in out["sdkConflict"]["Cause"]
    item = ddb.get_item(TableName=table, Key={"id": {"S": "o-1"}})["Item"]
    assert item == {"id": {"S": "o-1"}, "total": {"N": "42"}}


def test_sqs_send_message_and_an_unknown_queue(sfn, boto):
    sqs = boto("sqs")
    queue = sqs.create_queue(QueueName=f"q-{int(time.time() * 1000)}")["QueueUrl"]
    definition = {
        "StartAt": "Send",
        "States": {
            "Send": task("sqs:sendMessage", {"QueueUrl": queue, "MessageBody": {"order.$": "$.order"}},
                         ResultPath="$.sent", Next="Lost"),
            "Lost": task("sqs:sendMessage", {"QueueUrl": queue + "-gone", "MessageBody": "x"},
                         Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.lost", "Next": "Empty"}],
                         Next="Empty"),
            # A null MessageBody is not sent (LocalStack's recording of AWS,
            # test_task_service_sqs `test_send_message_empty_body`).
            "Empty": task("sqs:sendMessage", {"QueueUrl": queue, "MessageBody.$": "$.nothing"},
                          Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.empty", "Next": "Done"}],
                          End=True),
            "Done": {"Type": "Pass", "End": True},
        },
    }
    _, _, d = run(sfn, definition, {"order": 7, "nothing": None})
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    # Alphabetical, as AWS's results are (test_sqs_task_service `test_send_message`).
    assert list(out["sent"]) == ["MD5OfMessageBody", "MessageId", "SdkHttpMetadata", "SdkResponseMetadata"], out
    # The service's own refusal (SQS: MissingParameter, "The request must
    # contain the parameter MessageBody."; moto fails with a 500), not a
    # message whose body is the text null.
    assert out["empty"]["Error"] == "SQS.AmazonSQSException", out["empty"]
    assert "(Service: AmazonSQS; Status Code: " in out["empty"]["Cause"], out["empty"]
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert [json.loads(m["Body"]) for m in got] == [{"order": 7}]
    assert got[0]["MessageId"] == out["sent"]["MessageId"]
    assert out["lost"]["Error"] == "SQS.QueueDoesNotExistException", out["lost"]
    assert "(Service: AmazonSQS; Status Code: 400;" in out["lost"]["Cause"]


def test_sqs_wait_for_task_token_is_answered_by_send_task_success(sfn, boto):
    sqs = boto("sqs")
    queue = sqs.create_queue(QueueName=f"cb-{int(time.time() * 1000)}")["QueueUrl"]
    definition = {
        "StartAt": "Ask",
        "States": {
            "Ask": task("sqs:sendMessage.waitForTaskToken",
                        {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token"}},
                        ResultPath="$.reply", End=True),
        },
    }
    _, ex = run(sfn, definition, {}, wait=False)
    wait_event(sfn, ex, "TaskSubmitted")
    msgs = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5)["Messages"]
    token = json.loads(msgs[0]["Body"])["token"]
    sfn.send_task_success(taskToken=token, output=json.dumps({"ok": True}))
    d = wait_done(sfn, ex)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == {"reply": {"ok": True}}


def test_sns_publish_reaches_a_subscribed_queue(sfn, boto):
    sns, sqs = boto("sns"), boto("sqs")
    stamp = int(time.time() * 1000)
    topic = sns.create_topic(Name=f"t-{stamp}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"sub-{stamp}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    definition = {
        "StartAt": "Publish",
        "States": {
            "Publish": task("sns:publish", {"TopicArn": topic, "Message": {"hello.$": "$.who"},
                                            "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "greeting"}}},
                            ResultPath="$.published", Next="SdkPublish"),
            "SdkPublish": task("aws-sdk:sns:publish", {"TopicArn": topic, "Message": "plain"},
                               ResultPath="$.sdk", Next="Missing"),
            "Missing": task("sns:publish", {"TopicArn": topic + "-gone", "Message": "x"},
                            Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.missing", "Next": "Done"}],
                            End=True),
            "Done": {"Type": "Pass", "End": True},
        },
    }
    _, _, d = run(sfn, definition, {"who": "world & more"})
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    assert out["published"]["MessageId"] and out["published"]["SdkResponseMetadata"]["RequestId"]
    assert set(out["sdk"]) == {"MessageId"}, out["sdk"]
    assert out["missing"]["Error"] == "SNS.NotFoundException", out["missing"]
    bodies = []
    deadline = time.time() + 10
    while len(bodies) < 2 and time.time() < deadline:
        bodies += [m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                                            WaitTimeSeconds=1).get("Messages", [])]
    assert sorted(bodies) == sorted([json.dumps({"hello": "world & more"}, separators=(",", ":")), "plain"]), bodies


def test_events_put_events_and_a_failed_entry(sfn, boto):
    events, sqs = boto("events"), boto("sqs")
    stamp = int(time.time() * 1000)
    queue = sqs.create_queue(QueueName=f"events-{stamp}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source = f"stepwell.e2e.{stamp}"
    events.put_rule(Name=f"r-{stamp}", EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=f"r-{stamp}", Targets=[{"Id": "q", "Arn": queue_arn}])
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": task("events:putEvents", {"Entries": [
                {"Source": source, "DetailType": "order", "Detail": {"id.$": "$.id"}},
            ]}, ResultPath="$.put", Next="SdkPut"),
            "SdkPut": task("aws-sdk:eventbridge:putEvents", {"Entries": [
                {"Source": source, "DetailType": "sdk", "Detail": "{}"},
            ]}, ResultPath="$.sdk", Next="NoSource"),
            "NoSource": task("events:putEvents", {"Entries": [{"DetailType": "order", "Detail": "{}"}]},
                             Catch=[{"ErrorEquals": ["EventBridge.FailedEntry"], "ResultPath": "$.failed",
                                     "Next": "Done"}],
                             End=True),
            "Done": {"Type": "Pass", "End": True},
        },
    }
    sm, ex, d = run(sfn, definition, {"id": 3})
    assert d["status"] == "SUCCEEDED", d
    # What the rule delivered: the optimized integration names the state
    # machine, then the execution, in Resources (LocalStack's recording of
    # AWS, test_events_task_service `test_put_events_base`); the AWS SDK one
    # names neither.
    delivered = {}
    deadline = time.time() + 10
    while len(delivered) < 2 and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                     WaitTimeSeconds=1).get("Messages", []):
            event = json.loads(m["Body"])
            delivered[event["detail-type"]] = event
    assert delivered["order"]["detail"] == {"id": 3}, delivered
    assert delivered["order"]["resources"] == [sm, ex], delivered["order"]
    assert delivered["sdk"]["resources"] == [], delivered["sdk"]
    out = json.loads(d["output"])
    # Entries and FailedEntryCount only (no SdkHttpMetadata for EventBridge),
    # in alphabetical order as AWS's are.
    assert list(out["put"]) == ["Entries", "FailedEntryCount"], out["put"]
    assert out["put"]["FailedEntryCount"] == 0 and out["put"]["Entries"][0]["EventId"], out
    # A failed entry fails the task; the cause is the response.
    cause = json.loads(out["failed"]["Cause"])
    assert cause["FailedEntryCount"] == 1 and cause["Entries"][0]["ErrorCode"], cause
    assert list(cause) == ["Entries", "FailedEntryCount"], cause


def test_an_endpoint_that_does_not_answer(sfn):
    definition = {"StartAt": "Keys", "States": {"Keys": task("aws-sdk:kms:listKeys", {}, End=True)}}
    _, _, d = run(sfn, definition)
    assert d["status"] == "FAILED", d
    assert d["error"] == "Kms.SdkClientException", d
    assert d["cause"].startswith("Unable to execute HTTP request: "), d


def test_without_the_flag_nothing_is_called(sfn, tmp_path):
    """The shared default server (no --aws-integrations) keeps failing such
    a Task with the server's own error: checked on a fresh one here."""
    s = Server(wait_scale=0.1, workdir=str(tmp_path))
    s.start()
    try:
        plain = s.client()
        definition = {"StartAt": "List", "States": {"List": task("aws-sdk:sfn:listStateMachines", {}, End=True)}}
        _, _, d = run(plain, definition)
        assert d["status"] == "FAILED" and d["error"] == "States.Runtime", d
        assert "no backend runs it" in d["cause"]
    finally:
        s.stop()


def test_test_state_runs_the_integration_too(aws_server, boto):
    """TestState shares the server's backends: the call is really made."""
    # TestState's endpoint has a `sync-` host prefix that 127.0.0.1 lacks.
    sfn = aws_server.client(inject_host_prefix=False)
    sqs = boto("sqs")
    queue = sqs.create_queue(QueueName=f"ts-{int(time.time() * 1000)}")["QueueUrl"]
    state = task("sqs:sendMessage", {"QueueUrl": queue, "MessageBody.$": "$.text"}, End=True)
    r = sfn.test_state(definition=json.dumps(state), roleArn=ROLE, input=json.dumps({"text": "hi"}))
    assert r["status"] == "SUCCEEDED", r
    assert json.loads(r["output"])["MessageId"]
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in got] == ["hi"]


def test_s3_put_get_delete_object(sfn, boto):
    s3 = boto("s3")
    bucket = f"bucket-{int(time.time() * 1000)}"
    s3.create_bucket(Bucket=bucket)
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": task("aws-sdk:s3:putObject", {"Bucket": bucket, "Key": "orders/o 1.json",
                                                 "Body": {"id.$": "$.id"}, "ContentType": "application/json",
                                                 "Metadata": {"Owner": "ana"}},
                        ResultPath="$.put", Next="Get"),
            "Get": task("aws-sdk:s3:getObject", {"Bucket": bucket, "Key": "orders/o 1.json"},
                        ResultPath="$.got", Next="Delete"),
            "Delete": task("aws-sdk:s3:deleteObject", {"Bucket": bucket, "Key": "orders/o 1.json"},
                           ResultPath="$.deleted", Next="Missing"),
            "Missing": task("aws-sdk:s3:getObject", {"Bucket": bucket, "Key": "orders/o 1.json"},
                            Catch=[{"ErrorEquals": ["S3.NoSuchKeyException"], "ResultPath": "$.missing",
                                    "Next": "Done"}],
                            End=True),
            "Done": {"Type": "Pass", "End": True},
        },
    }
    _, _, d = run(sfn, definition, {"id": 9})
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    assert out["put"]["ETag"], out["put"]
    got = out["got"]
    assert json.loads(got["Body"]) == {"id": 9}, got
    assert got["ContentType"] == "application/json" and got["ContentLength"] == len(got["Body"])
    assert got["Metadata"] == {"owner": "ana"} and got["LastModified"].endswith("Z"), got
    assert out["missing"]["Error"] == "S3.NoSuchKeyException", out["missing"]
    assert "(Service: S3, Status Code: 404, Request ID: " in out["missing"]["Cause"], out["missing"]
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_s3_list_head_copy_and_list_buckets(sfn, boto):
    s3 = boto("s3")
    bucket = f"listing-{int(time.time() * 1000)}"
    s3.create_bucket(Bucket=bucket)
    for key in ["logs/2024/a.txt", "logs/2024/b.txt", "logs/2025/c.txt", "logs/top.txt", "other/x.txt"]:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    definition = {
        "StartAt": "Folders",
        "States": {
            "Folders": task("aws-sdk:s3:listObjectsV2", {"Bucket": bucket, "Prefix": "logs/", "Delimiter": "/"},
                            ResultPath="$.folders", Next="Page1"),
            "Page1": task("aws-sdk:s3:listObjectsV2", {"Bucket": bucket, "Prefix": "logs/", "MaxKeys": 2},
                          ResultPath="$.page1", Next="Page2"),
            "Page2": task("aws-sdk:s3:listObjectsV2", {"Bucket": bucket, "Prefix": "logs/", "MaxKeys": 2,
                                                       "ContinuationToken.$": "$.page1.NextContinuationToken"},
                          ResultPath="$.page2", Next="After"),
            "After": task("aws-sdk:s3:listObjectsV2", {"Bucket": bucket, "StartAfter": "logs/top.txt"},
                          ResultPath="$.after", Next="Head"),
            "Head": task("aws-sdk:s3:headObject", {"Bucket": bucket, "Key": "logs/top.txt"},
                         ResultPath="$.head", Next="Copy"),
            "Copy": task("aws-sdk:s3:copyObject", {"Bucket": bucket, "Key": "copies/top copy.txt",
                                                   "CopySource": f"{bucket}/logs/top.txt"},
                         ResultPath="$.copy", Next="Buckets"),
            "Buckets": task("aws-sdk:s3:listBuckets", {}, ResultPath="$.buckets", Next="HeadMissing"),
            "HeadMissing": task("aws-sdk:s3:headObject", {"Bucket": bucket, "Key": "nothing/here"},
                                Catch=[{"ErrorEquals": ["S3.NoSuchKeyException"], "ResultPath": "$.missing",
                                        "Next": "NoBucket"}],
                                End=True),
            "NoBucket": task("aws-sdk:s3:listObjectsV2", {"Bucket": bucket + "-gone"},
                             Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.noBucket", "Next": "Done"}],
                             End=True),
            "Done": {"Type": "Pass", "End": True},
        },
    }
    _, ex, d = run(sfn, definition, {})
    assert d["status"] == "SUCCEEDED", (d, history(sfn, ex)[-4:])
    out = json.loads(d["output"])
    folders = out["folders"]
    # PascalCase members, numbers as numbers, booleans as booleans.
    assert folders["Name"] == bucket and folders["Prefix"] == "logs/" and folders["Delimiter"] == "/", folders
    assert folders["KeyCount"] == 3 and folders["IsTruncated"] is False and folders["MaxKeys"] == 1000, folders
    assert [c["Key"] for c in folders["Contents"]] == ["logs/top.txt"], folders
    top = folders["Contents"][0]
    assert top["Size"] == len("logs/top.txt") and top["ETag"].startswith('"'), top
    assert top["LastModified"].endswith("Z") and top["StorageClass"] == "STANDARD", top
    assert folders["CommonPrefixes"] == [{"Prefix": "logs/2024/"}, {"Prefix": "logs/2025/"}], folders
    # The same listing boto3 gets.
    theirs = s3.list_objects_v2(Bucket=bucket, Prefix="logs/", Delimiter="/")
    assert [c["Key"] for c in theirs["Contents"]] == [c["Key"] for c in folders["Contents"]]
    assert theirs["KeyCount"] == folders["KeyCount"]
    page1, page2 = out["page1"], out["page2"]
    assert page1["IsTruncated"] is True and page1["KeyCount"] == 2 and page1["NextContinuationToken"], page1
    assert page2["IsTruncated"] is False and page2["KeyCount"] == 2, page2
    assert "NextContinuationToken" not in page2, page2
    keys = [c["Key"] for c in page1["Contents"] + page2["Contents"]]
    assert keys == ["logs/2024/a.txt", "logs/2024/b.txt", "logs/2025/c.txt", "logs/top.txt"], keys
    assert [c["Key"] for c in out["after"]["Contents"]] == ["other/x.txt"], out["after"]
    head = out["head"]
    assert head["ContentLength"] == len("logs/top.txt") and head["ETag"] == top["ETag"], head
    assert head["LastModified"].endswith("Z") and "Body" not in head, head
    assert out["copy"]["CopyObjectResult"]["ETag"] == top["ETag"], out["copy"]
    assert s3.get_object(Bucket=bucket, Key="copies/top copy.txt")["Body"].read() == b"logs/top.txt"
    names = [b["Name"] for b in out["buckets"]["Buckets"]]
    assert bucket in names and all(b["CreationDate"].endswith("Z") for b in out["buckets"]["Buckets"]), out["buckets"]
    assert out["missing"]["Error"] == "S3.NoSuchKeyException", out["missing"]
    assert "(Service: S3, Status Code: 404, Request ID: " in out["missing"]["Cause"], out["missing"]
    assert out["noBucket"]["Error"] == "S3.NoSuchBucketException", out["noBucket"]


class _Recorder:
    """A local HTTP endpoint that stands in for a service (records each
    request's headers, answers SQS's JSON) and for the container
    credentials endpoint (GET /creds)."""

    def __init__(self, creds):
        import http.server
        import threading

        recorder = self
        self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/x-amz-json-1.0")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                recorder.requests.append(("GET", self.path, {k.lower(): v for k, v in self.headers.items()}))
                self._answer(200, creds)

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                recorder.requests.append(("POST", self.path, {k.lower(): v for k, v in self.headers.items()}))
                self._answer(200, {"MessageId": "m-recorded", "MD5OfMessageBody": "x"})

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("source", ["credential_process", "container"])
def test_tasks_sign_with_credentials_from_the_chain(moto, source, tmp_path):
    """No keys in the environment: the server's Tasks sign with what a
    credential_process script (or the container endpoint) gives."""
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    key_id = "AKIDFROMPROCESS" if source == "credential_process" else "ASIAFROMCONTAINER"
    recorder = _Recorder({"AccessKeyId": key_id, "SecretAccessKey": "s", "Token": "container-token",
                          "Expiration": expires})
    env = aws_env()
    for k in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] + [k for k in env if k.startswith("AWS_ENDPOINT_URL")]:
        env.pop(k, None)
    env.update(AWS_ENDPOINT_URL=moto, AWS_ENDPOINT_URL_SQS=recorder.url, AWS_EC2_METADATA_DISABLED="true",
               STEPWELL_LOG="info")
    if source == "credential_process":
        script = tmp_path / "creds.py"
        script.write_text("import json\nprint(json.dumps({'Version': 1, 'AccessKeyId': 'AKIDFROMPROCESS', "
                          "'SecretAccessKey': 'process-secret', 'SessionToken': 'process-token', "
                          f"'Expiration': '{expires}'}}))\n")
        config = tmp_path / "config"
        config.write_text(f"[profile tasks]\ncredential_process = {sys.executable} {script}\n")
        env.update(AWS_CONFIG_FILE=str(config), AWS_PROFILE="tasks")
        token = "process-token"
    else:
        env.update(AWS_CONTAINER_CREDENTIALS_FULL_URI=f"{recorder.url}/creds",
                   AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer e2e")
        token = "container-token"
    (tmp_path / "server").mkdir()
    s = Server(wait_scale=0.1, workdir=str(tmp_path / "server"), extra_args=["--aws-integrations"])
    try:
        start_with(s, env, drop="AWS_")
        sfn = s.client()
        definition = {
            "StartAt": "Send",
            "States": {
                "Send": task("aws-sdk:sqs:sendMessage", {"QueueUrl": "q", "MessageBody": "hi"},
                             ResultPath="$.sent", Next="Buckets"),
                "Buckets": task("aws-sdk:s3:listBuckets", {}, ResultPath="$.buckets", End=True),
            },
        }
        _, ex, d = run(sfn, definition, {})
        assert d["status"] == "SUCCEEDED", (d, history(sfn, ex)[-3:], s.log_tail())
        out = json.loads(d["output"])
        assert out["sent"]["MessageId"] == "m-recorded", out
        assert isinstance(out["buckets"]["Buckets"], list), out
        sent = [r for r in recorder.requests if r[0] == "POST"]
        assert len(sent) == 1, recorder.requests
        auth = sent[0][2]["authorization"]
        assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={key_id}/"), auth
        assert sent[0][2]["x-amz-security-token"] == token
        if source == "container":
            fetched = [r for r in recorder.requests if r[0] == "GET"]
            # Two Tasks, one fetch.
            assert len(fetched) == 1 and fetched[0][1] == "/creds", recorder.requests
            assert fetched[0][2].get("authorization") == "Bearer e2e", fetched
        log = open(s.log_path, errors="replace").read()
        assert ("credential_process of profile [tasks]" if source == "credential_process"
                else "the container credentials endpoint") in log, log[-2000:]
    finally:
        s.stop()
        recorder.close()
