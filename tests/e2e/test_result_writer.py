"""A Distributed Map's ResultWriter against the server's local S3 directory
(`stepwell serve --s3-dir DIR`: DIR/<bucket>/<key> is an object).

AWS: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html"""

import json
import os

from stepwell_harness import check_history_shape, history, wait_done


def read(s3_dir, bucket, key):
    with open(os.path.join(s3_dir, bucket, key)) as f:
        return f.read()


def writer_map(result_writer, **extra):
    m = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Check",
            "States": {
                "Check": {"Type": "Choice",
                          "Choices": [{"Variable": "$", "StringEquals": "bad", "Next": "Boom"}],
                          "Default": "Double"},
                "Boom": {"Type": "Fail", "Error": "Item.Bad", "Cause": "a bad item"},
                "Double": {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": True},
            },
        },
        "ResultWriter": result_writer,
        "Label": "Export",
        "End": True,
    }
    m.update(extra)
    return {"StartAt": "Fan", "States": {"Fan": m}}


def to_s3(bucket, prefix):
    return {"Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket.$": "$.bucket", "Prefix": prefix}}


def test_results_are_written_to_the_local_s3(sfn, machine, s3_dir, unique):
    bucket = unique("results-").lower()
    os.makedirs(os.path.join(s3_dir, bucket))
    sm = machine(writer_map(to_s3(bucket, "jobs"), ToleratedFailureCount=1))
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps(
        {"bucket": bucket, "items": ["a", "bad", "c"]}))["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    out = json.loads(d["output"])
    map_run = out["MapRunArn"]
    run_id = map_run.rsplit(":", 1)[1]
    assert out == {"MapRunArn": map_run, "ResultWriterDetails": {
        "Bucket": bucket, "Key": f"jobs/{run_id}/manifest.json"}}

    events = history(sfn, arn)
    check_history_shape(events)
    assert [e["type"] for e in events] == [
        "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted",
        "MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    assert events[3]["mapRunStartedEventDetails"]["mapRunArn"] == map_run

    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert mr["status"] == "SUCCEEDED"
    assert mr["executionCounts"]["resultsWritten"] == 3
    assert mr["itemCounts"]["resultsWritten"] == 3

    manifest = json.loads(read(s3_dir, bucket, f"jobs/{run_id}/manifest.json"))
    assert manifest["DestinationBucket"] == bucket
    assert manifest["MapRunArn"] == map_run
    files = manifest["ResultFiles"]
    assert files["PENDING"] == []
    for status, n in (("SUCCEEDED", 2), ("FAILED", 1)):
        [f] = files[status]
        assert f["Key"] == f"jobs/{run_id}/{status}_0.json"
        content = read(s3_dir, bucket, f["Key"])
        assert f["Size"] == len(content.encode())
        entries = json.loads(content)
        assert len(entries) == n
        for e in entries:
            assert e["Status"] == status
            # Each entry describes a child execution DescribeExecution knows.
            child = sfn.describe_execution(executionArn=e["ExecutionArn"])
            assert child["status"] == status
            assert child["mapRunArn"] == map_run
            assert json.loads(e["Input"]) == json.loads(child["input"])
    failed = json.loads(read(s3_dir, bucket, files["FAILED"][0]["Key"]))
    assert (failed[0]["Error"], failed[0]["Cause"]) == ("Item.Bad", "a bad item")
    succeeded = json.loads(read(s3_dir, bucket, files["SUCCEEDED"][0]["Key"]))
    assert sorted(json.loads(e["Output"])["n"] for e in succeeded) == ["a", "c"]


def test_a_missing_bucket_is_result_writer_failed(sfn, machine, s3_dir, unique):
    bucket = unique("nobucket-").lower()
    sm = machine(writer_map(to_s3(bucket, "x")))
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps(
        {"bucket": bucket, "items": [1]}))["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "FAILED", d
    assert d["error"] == "States.ResultWriterFailed"
    assert "NoSuchBucket" in d["cause"]
    types = [e["type"] for e in history(sfn, arn)]
    assert types[-3:] == ["MapRunFailed", "MapStateFailed", "ExecutionFailed"]
