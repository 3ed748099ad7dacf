"""A Distributed Map's ItemReader against the server's local S3 directory
(`stepwell serve --s3-dir DIR`: DIR/<bucket>/<key> is an object).

AWS: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html"""

import json
import os

from stepwell_harness import check_history_shape, history, wait_done


def put(s3_dir, bucket, key, content):
    path = os.path.join(s3_dir, bucket, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(content)


def reader_map(reader, **extra):
    m = {
        "Type": "Map",
        "ItemReader": reader,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Score",
            "States": {"Score": {"Type": "Pass",
                                 "Parameters": {"user.$": "$.user", "rating.$": "States.StringToJson($.rating)"},
                                 "End": True}},
        },
        "Label": "Ratings",
        "End": True,
    }
    m.update(extra)
    return {"StartAt": "Fan", "States": {"Fan": m}}


def csv_reader(bucket, key):
    return {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
        "Parameters": {"Bucket.$": "$.bucket", "Key": key},
    }


def test_a_distributed_map_over_a_csv_object_in_the_local_s3(sfn, machine, s3_dir, unique):
    bucket = unique("ratings-").lower()
    put(s3_dir, bucket, "csv/ratings.csv", "user,rating\nana,4\nbo,5\ncy,3\n")
    sm = machine(reader_map(csv_reader(bucket, "csv/ratings.csv")))
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"bucket": bucket}))["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == [
        {"user": "ana", "rating": 4}, {"user": "bo", "rating": 5}, {"user": "cy", "rating": 3}]

    events = history(sfn, arn)
    check_history_shape(events)
    assert [e["type"] for e in events] == [
        "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted",
        "MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    map_run = events[3]["mapRunStartedEventDetails"]["mapRunArn"]
    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert mr["status"] == "SUCCEEDED"
    for counts in (mr["itemCounts"], mr["executionCounts"]):
        assert (counts["total"], counts["succeeded"], counts["failed"], counts["pending"]) == (3, 3, 0, 0)
    children = sfn.list_executions(mapRunArn=map_run)["executions"]
    assert len(children) == 3
    inputs = sorted(json.loads(sfn.describe_execution(executionArn=c["executionArn"])["input"])["user"]
                    for c in children)
    assert inputs == ["ana", "bo", "cy"]


def test_items_from_list_objects_v2_batched(sfn, machine, s3_dir, unique):
    bucket = unique("listing-").lower()
    for name in ("b.txt", "a.txt", "c.txt"):
        put(s3_dir, bucket, f"in/{name}", name)
    put(s3_dir, bucket, "out/skip.txt", "")
    definition = {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map",
        "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2",
                       "Parameters": {"Bucket": bucket, "Prefix": "in/"}},
        "ItemSelector": {"key.$": "$$.Map.Item.Value.Key", "size.$": "$$.Map.Item.Value.Size"},
        "ItemBatcher": {"MaxItemsPerBatch": 2},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}},
        "End": True}}}
    arn = sfn.start_execution(stateMachineArn=machine(definition))["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == [
        {"Items": [{"key": "in/a.txt", "size": 5}, {"key": "in/b.txt", "size": 5}]},
        {"Items": [{"key": "in/c.txt", "size": 5}]}]
    map_run = history(sfn, arn)[3]["mapRunStartedEventDetails"]["mapRunArn"]
    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert (mr["itemCounts"]["total"], mr["executionCounts"]["total"]) == (3, 2)


def test_a_missing_object_fails_the_map_run_with_item_reader_failed(sfn, machine, s3_dir, unique):
    bucket = unique("empty-").lower()
    os.makedirs(os.path.join(s3_dir, bucket), exist_ok=True)
    sm = machine(reader_map(csv_reader(bucket, "nope.csv")))
    arn = sfn.start_execution(stateMachineArn=sm, input=json.dumps({"bucket": bucket}))["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "FAILED", d
    assert d["error"] == "States.ItemReaderFailed"
    assert "NoSuchKey" in d["cause"]
    events = history(sfn, arn)
    check_history_shape(events)
    assert [e["type"] for e in events] == [
        "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted",
        "MapRunFailed", "MapStateFailed", "ExecutionFailed"]
    assert events[4]["mapRunFailedEventDetails"]["error"] == "States.ItemReaderFailed"
    map_run = events[3]["mapRunStartedEventDetails"]["mapRunArn"]
    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert mr["status"] == "FAILED"
    assert mr["itemCounts"]["total"] == 0
