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


FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def put_bytes(s3_dir, bucket, key, content):
    path = os.path.join(s3_dir, bucket, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(content)


def fixture(name):
    # Written by crates/engine/tests/parquet.rs (fixtures/README.md).
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def echo_map(reader, **extra):
    m = {
        "Type": "Map",
        "ItemReader": reader,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}},
        "End": True,
    }
    m.update(extra)
    return {"StartAt": "Fan", "States": {"Fan": m}}


def test_a_distributed_map_over_a_parquet_object(sfn, machine, s3_dir, unique):
    bucket = unique("parquet-").lower()
    put_bytes(s3_dir, bucket, "data/sensors.parquet", fixture("sensors.parquet"))
    sm = machine(echo_map({
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "PARQUET"},
        "Parameters": {"Bucket": bucket, "Key": "data/sensors.parquet"},
    }))
    arn = sfn.start_execution(stateMachineArn=sm)["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == [
        {"sensor": "s-1", "reading": 21.5, "at": "2024-05-01T12:00:00.000Z"},
        {"sensor": "s-2", "reading": 19.0, "at": None},
        {"sensor": "s-3", "reading": -4.25, "at": "2024-05-01T12:01:00.000Z"}]
    events = history(sfn, arn)
    check_history_shape(events)
    map_run = events[3]["mapRunStartedEventDetails"]["mapRunArn"]
    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert (mr["status"], mr["itemCounts"]["total"]) == ("SUCCEEDED", 3)

    # A file that is not Parquet: the Map Run fails with States.ItemReaderFailed.
    put(s3_dir, bucket, "data/not.parquet", "id,name\n1,ana\n")
    sm = machine(echo_map({
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "PARQUET"},
        "Parameters": {"Bucket": bucket, "Key": "data/not.parquet"},
    }))
    d = wait_done(sfn, sfn.start_execution(stateMachineArn=sm)["executionArn"])
    assert (d["status"], d["error"]) == ("FAILED", "States.ItemReaderFailed"), d
    assert d["cause"].startswith(f"The Parquet object s3://{bucket}/data/not.parquet cannot be read: "), d


def test_a_distributed_map_over_an_athena_data_manifest(sfn, machine, s3_dir, unique):
    # What an Athena UNLOAD (FORMAT PARQUET) leaves: data files and a
    # manifest listing their S3 URIs, one a line.
    bucket = unique("athena-").lower()
    put_bytes(s3_dir, bucket, "unload/q1/part-0", fixture("athena-part-0.parquet"))
    put_bytes(s3_dir, bucket, "unload/q1/part-1", fixture("athena-part-0.parquet"))
    put(s3_dir, bucket, "results/q1-manifest.csv",
        f"s3://{bucket}/unload/q1/part-0\ns3://{bucket}/unload/q1/part-1\n")
    sm = machine(echo_map({
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "PARQUET", "ManifestType": "ATHENA_DATA", "MaxItems": 3},
        "Parameters": {"Bucket": bucket, "Key": "results/q1-manifest.csv"},
    }, ItemBatcher={"MaxItemsPerBatch": 2}))
    arn = sfn.start_execution(stateMachineArn=sm)["executionArn"]
    d = wait_done(sfn, arn)
    assert d["status"] == "SUCCEEDED", d
    assert json.loads(d["output"]) == [
        {"Items": [{"id": 7, "city": "Lisbon"}, {"id": 8, "city": "Oslo"}]},
        {"Items": [{"id": 7, "city": "Lisbon"}]}]
    map_run = history(sfn, arn)[3]["mapRunStartedEventDetails"]["mapRunArn"]
    mr = sfn.describe_map_run(mapRunArn=map_run)
    assert (mr["itemCounts"]["total"], mr["executionCounts"]["total"]) == (3, 2)
