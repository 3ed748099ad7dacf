//! A Distributed Map's `ItemReader`: the items come from a dataset in S3
//! (here a local directory, `<dir>/<bucket>/<key>`), not from the input.
//!
//! AWS: <https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html>
//! (the `s3:getObject` reader with `InputType` CSV / JSON / JSONL /
//! MANIFEST, the CSV header and delimiter options, `MaxItems`, the
//! `s3:listObjectsV2` reader and the shape of its items) and
//! <https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html>
//! (ItemReader, then ItemSelector, then ItemBatcher). Every run here is
//! also checked for the replay property by `common::run_plan_s3`.

mod common;

use serde_json::{json, Value};
use stepwell_core::map_run;
use stepwell_core::{Command, Execution, Input, Status};
use stepwell_engine::{LocalS3, SplitMix};

use common::{check_replay, info, parse, run_plan_s3, Run, T0};

/// A local S3 with one bucket, `data`, holding `files` (key, content).
fn s3_with(files: &[(&str, &str)]) -> (tempfile::TempDir, LocalS3) {
    common::local_s3(&["data"], files)
}

/// A Distributed Map reading with `reader`, whose child executions return
/// their input (so the Map's output is the items); `extra` adds fields to
/// the Map state, `jsonata` makes it a JSONata state.
fn reader_map(reader: Value, extra: Value, jsonata: bool) -> String {
    let mut fields = json!({"ItemReader": reader});
    if let (Some(f), Some(x)) = (fields.as_object_mut(), extra.as_object()) {
        f.extend(x.clone());
    }
    common::distributed_map(common::echo(), fields, jsonata)
}

fn get_object(key: &str, config: Value) -> Value {
    json!({
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": config,
        "Parameters": {"Bucket": "data", "Key": key}
    })
}

fn run(definition: &str, input: Value, s3: &LocalS3) -> Run {
    run_plan_s3(parse(definition), "Machine", input, &json!({}), 7, Some(s3))
}

fn types(run: &Run) -> Vec<String> {
    common::run_types(run)
}

const CSV: &str = "id,name,score\n1,ana,3.5\n2,\"bo, jr\",4\n3,cy,\n";

#[test]
fn each_input_type_gives_its_items() {
    let (_dir, s3) = s3_with(&[
        ("list.json", r#"[{"a": 1}, 2, "three", [4]]"#),
        (
            "doc.json",
            r#"{"meta": {"n": 2}, "data": {"items": [{"x": 1}, {"x": 2}]}}"#,
        ),
        ("lines.jsonl", "{\"a\": 1}\n\n{\"a\": 2}\r\n[3]\n"),
        ("table.csv", CSV),
        ("plain.csv", "1,ana\n2,bo\n"),
        ("pipe.csv", "a|b\nx|y,z\n"),
        ("semi.csv", "a;b\n1;2\n"),
        ("space.csv", "a b\n1 2\n"),
        ("tab.tsv", "a\tb\n1\t2\n"),
        ("bom.csv", "\u{feff}k\nv\n"),
    ]);
    let rows = json!([
        {"id": "1", "name": "ana", "score": "3.5"},
        {"id": "2", "name": "bo, jr", "score": "4"},
        {"id": "3", "name": "cy", "score": ""}
    ]);
    let cases = [
        (
            "a JSON array",
            get_object("list.json", json!({"InputType": "JSON"})),
            json!([{"a": 1}, 2, "three", [4]]),
        ),
        (
            "ItemsPointer selects the array inside a JSON object",
            get_object(
                "doc.json",
                json!({"InputType": "JSON", "ItemsPointer": "/data/items"}),
            ),
            json!([{"x": 1}, {"x": 2}]),
        ),
        (
            "JSON Lines, blank lines and CRLF skipped",
            get_object("lines.jsonl", json!({"InputType": "JSONL"})),
            json!([{"a": 1}, {"a": 2}, [3]]),
        ),
        (
            "CSV with the header in the first row: every value a string",
            get_object(
                "table.csv",
                json!({"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}),
            ),
            rows.clone(),
        ),
        (
            "CSVHeaderLocation defaults to FIRST_ROW",
            get_object("table.csv", json!({"InputType": "CSV"})),
            rows,
        ),
        (
            "CSV with GIVEN headers: the first row is data",
            get_object(
                "plain.csv",
                json!({"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["id", "name"]}),
            ),
            json!([{"id": "1", "name": "ana"}, {"id": "2", "name": "bo"}]),
        ),
        (
            "PIPE",
            get_object(
                "pipe.csv",
                json!({"InputType": "CSV", "CSVDelimiter": "PIPE"}),
            ),
            json!([{"a": "x", "b": "y,z"}]),
        ),
        (
            "SEMICOLON",
            get_object(
                "semi.csv",
                json!({"InputType": "CSV", "CSVDelimiter": "SEMICOLON"}),
            ),
            json!([{"a": "1", "b": "2"}]),
        ),
        (
            "SPACE",
            get_object(
                "space.csv",
                json!({"InputType": "CSV", "CSVDelimiter": "SPACE"}),
            ),
            json!([{"a": "1", "b": "2"}]),
        ),
        (
            "TAB",
            get_object(
                "tab.tsv",
                json!({"InputType": "CSV", "CSVDelimiter": "TAB"}),
            ),
            json!([{"a": "1", "b": "2"}]),
        ),
        (
            "a UTF-8 byte order mark is not part of the first header",
            get_object("bom.csv", json!({"InputType": "CSV"})),
            json!([{"k": "v"}]),
        ),
    ];
    for (case, reader, expected) in cases {
        let r = run(
            &reader_map(reader, json!({}), false),
            json!({"ignored": true}),
            &s3,
        );
        assert_eq!(r.status(), "SUCCEEDED", "{case}: {:?}", r.error());
        assert_eq!(r.output(), Some(expected), "{case}");
    }
}

#[test]
fn history_is_the_one_aws_records_and_map_run_counts_the_items() {
    let (_dir, s3) = s3_with(&[("table.csv", CSV)]);
    let r = run(
        &reader_map(
            get_object("table.csv", json!({"InputType": "CSV"})),
            json!({}),
            false,
        ),
        json!({}),
        &s3,
    );
    assert_eq!(
        types(&r),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
    let runs =
        map_run::map_runs(r.plan.clone(), &r.info, &r.history).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].total, 3);
    assert_eq!(runs[0].total_items, 3);
    assert_eq!(runs[0].status, "SUCCEEDED");
}

#[test]
fn max_items_reads_only_the_first_items() {
    let (_dir, s3) = s3_with(&[("table.csv", CSV), ("list.json", "[1, 2, 3, 4, 5]")]);
    let cases = [
        (
            "MaxItems",
            reader_map(
                get_object("list.json", json!({"InputType": "JSON", "MaxItems": 2})),
                json!({}),
                false,
            ),
            json!({}),
            json!([1, 2]),
        ),
        (
            "MaxItemsPath, from the state input",
            reader_map(
                get_object(
                    "table.csv",
                    json!({"InputType": "CSV", "MaxItemsPath": "$.limit"}),
                ),
                json!({}),
                false,
            ),
            json!({"limit": 1}),
            json!([{"id": "1", "name": "ana", "score": "3.5"}]),
        ),
        (
            "more than there are",
            reader_map(
                get_object("list.json", json!({"InputType": "JSON", "MaxItems": 50})),
                json!({}),
                false,
            ),
            json!({}),
            json!([1, 2, 3, 4, 5]),
        ),
        (
            "JSONata: Arguments and MaxItems are expressions",
            reader_map(
                json!({
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $states.input.limit + 1 %}"},
                    "Arguments": {"Bucket": "{% $states.input.bucket %}", "Key": "list.json"}
                }),
                json!({}),
                true,
            ),
            json!({"bucket": "data", "limit": 2}),
            json!([1, 2, 3]),
        ),
    ];
    for (case, def, input, expected) in cases {
        let r = run(&def, input, &s3);
        assert_eq!(r.status(), "SUCCEEDED", "{case}: {:?}", r.error());
        assert_eq!(r.output(), Some(expected), "{case}");
    }
}

/// The four-row CSV of LocalStack's `test_map_item_reader_csv_max_items*`.
const FOUR_ROWS: &str = "Col1,Col2\nValue1,Value2\nValue3,Value4\nValue5,Value6\nValue7,Value8\n";

/// The history AWS recorded, as (type, previousEventId, error, cause).
fn shape(r: &Run) -> Vec<(String, i64, String, String)> {
    let events = stepwell_core::render_history(r.plan.clone(), &r.info, &r.history)
        .unwrap_or_else(|e| panic!("render: {e}"));
    events
        .iter()
        .map(|e| {
            let details = e
                .as_object()
                .and_then(|o| o.iter().find(|(k, _)| k.ends_with("EventDetails")))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let text = |k: &str| details[k].as_str().unwrap_or_default().to_string();
            (
                e["type"].as_str().unwrap_or_default().to_string(),
                e["previousEventId"].as_i64().unwrap_or(-1),
                text("error"),
                text("cause"),
            )
        })
        .collect()
}

/// `MaxItemsPath` as AWS recorded it (LocalStack's
/// `test_base_scenarios.py::test_map_item_reader_csv_max_items_paths[...]`,
/// CSV with the header in the first row and four rows).
#[test]
fn max_items_path_values_as_aws_recorded_them() {
    let (_dir, s3) = s3_with(&[("file.csv", FOUR_ROWS)]);
    let def = reader_map(
        get_object(
            "file.csv",
            json!({"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItemsPath": "$.MaxItems"}),
        ),
        json!({}),
        false,
    );
    let all = json!([
        {"Col1": "Value1", "Col2": "Value2"},
        {"Col1": "Value3", "Col2": "Value4"},
        {"Col1": "Value5", "Col2": "Value6"},
        {"Col1": "Value7", "Col2": "Value8"}
    ]);
    // A literal MaxItems of 0 is taken and reads every row
    // (`test_map_item_reader_csv_max_items[0]`).
    let literal = reader_map(
        get_object(
            "file.csv",
            json!({"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItems": 0}),
        ),
        json!({}),
        false,
    );
    let r = run(&literal, json!({}), &s3);
    assert_eq!(r.output(), Some(all.clone()), "{:?}", r.error());
    // [0], [100000000], [100000001]: every row; [2]: two.
    for (n, expected) in [
        (json!(0), all.clone()),
        (json!(2), json!([all[0], all[1]])),
        (json!(100_000_000), all.clone()),
        (json!(100_000_001), all.clone()),
    ] {
        let r = run(&def, json!({"MaxItems": n}), &s3);
        assert_eq!(r.status(), "SUCCEEDED", "{n}: {:?}", r.error());
        assert_eq!(r.output(), Some(expected), "{n}");
    }
    let own = |t: &str, prev: i64| (t.to_string(), prev, String::new(), String::new());
    let failed = |t: &str, prev: i64, error: &str, cause: &str| {
        (t.to_string(), prev, error.to_string(), cause.to_string())
    };
    // [-1]: the Map Run starts and fails with States.ItemReaderFailed.
    let r = run(&def, json!({"MaxItems": -1}), &s3);
    let cause = "field MaxItems must be positive";
    assert_eq!(
        shape(&r),
        [
            own("ExecutionStarted", 0),
            own("MapStateEntered", 0),
            own("MapStateStarted", 2),
            own("MapRunStarted", 3),
            failed("MapRunFailed", 4, "States.ItemReaderFailed", cause),
            own("MapStateFailed", 5),
            failed("ExecutionFailed", 6, "States.ItemReaderFailed", cause),
        ]
    );
    // [1.5]: the execution fails after MapStateStarted, no Map Run.
    let r = run(&def, json!({"MaxItems": 1.5}), &s3);
    let cause = "An error occurred while executing the state 'Fan' (entered at the event id #2). The MaxItemsPath field refers to value \"1.5\" which is not a valid integer: $.MaxItems";
    assert_eq!(
        shape(&r),
        [
            own("ExecutionStarted", 0),
            own("MapStateEntered", 0),
            own("MapStateStarted", 2),
            failed("ExecutionFailed", 3, "States.Runtime", cause),
        ]
    );
    // A Catch handles the Map Run's failure like a read's.
    let caught = reader_map(
        get_object(
            "file.csv",
            json!({"InputType": "CSV", "MaxItemsPath": "$.MaxItems"}),
        ),
        json!({"Catch": [{"ErrorEquals": ["States.ItemReaderFailed"], "ResultPath": "$.error", "Next": "Handled"}]}),
        false,
    );
    let mut v: Value = serde_json::from_str(&caught).unwrap_or_default();
    if let Some(fan) = v["States"]["Fan"].as_object_mut() {
        fan.remove("End");
        fan.insert("Next".into(), json!("Handled"));
    }
    v["States"]["Handled"] = json!({"Type": "Pass", "End": true});
    let r = run(&v.to_string(), json!({"MaxItems": -3}), &s3);
    assert_eq!(r.status(), "SUCCEEDED", "{:?}", r.error());
    assert_eq!(
        r.output().map(|o| o["error"].clone()),
        Some(
            json!({"Error": "States.ItemReaderFailed", "Cause": "field MaxItems must be positive"})
        )
    );
}

/// A JSONata `MaxItems` means what the JSONPath value means (no recording
/// of its own; see `stepwell_core`'s reader docs).
#[test]
fn jsonata_max_items_follows_the_same_rules() {
    let (_dir, s3) = s3_with(&[("list.json", "[1, 2, 3, 4]")]);
    let def = reader_map(
        json!({
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $states.input.n %}"},
            "Arguments": {"Bucket": "data", "Key": "list.json"}
        }),
        json!({}),
        true,
    );
    for (n, expected) in [
        (json!(0), json!([1, 2, 3, 4])),
        (json!(3), json!([1, 2, 3])),
        (json!(100_000_001), json!([1, 2, 3, 4])),
    ] {
        let r = run(&def, json!({"n": n}), &s3);
        assert_eq!(r.output(), Some(expected), "{n}: {:?}", r.error());
    }
    let r = run(&def, json!({"n": -1}), &s3);
    assert_eq!(
        r.error(),
        Some((
            "States.ItemReaderFailed".into(),
            "field MaxItems must be positive".into()
        ))
    );
    assert!(types(&r).contains(&"MapRunFailed".to_string()));
    // Not an integer: the state fails before it starts, as JSONata fields do.
    let r = run(&def, json!({"n": 1.5}), &s3);
    let (error, cause) = r.error().unwrap_or_default();
    assert_eq!(error, "States.QueryEvaluationError");
    assert!(cause.contains("Expected 'integer'"), "{cause}");
    assert!(!types(&r).contains(&"MapStateStarted".to_string()));
}

#[test]
fn list_objects_v2_lists_the_objects_under_the_prefix_in_key_order() {
    let (_dir, s3) = s3_with(&[
        ("logs/b.txt", "hello"),
        ("logs/a/deep.txt", ""),
        ("logs-other.txt", "x"),
        ("other/c.txt", "c"),
    ]);
    let reader = json!({
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket": "data", "Prefix": "logs/"}
    });
    let r = run(&reader_map(reader, json!({}), false), json!({}), &s3);
    assert_eq!(r.status(), "SUCCEEDED", "{:?}", r.error());
    let out = r.output().unwrap_or_default();
    let items = out.as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{out}");
    assert_eq!(items[0]["Key"], "logs/a/deep.txt");
    assert_eq!(items[0]["Etag"], "\"d41d8cd98f00b204e9800998ecf8427e\"");
    assert_eq!(items[0]["Size"], 0);
    assert_eq!(items[1]["Key"], "logs/b.txt");
    assert_eq!(items[1]["Etag"], "\"5d41402abc4b2a76b9719d911017c592\"");
    assert_eq!(items[1]["Size"], 5);
    assert_eq!(items[1]["StorageClass"], "STANDARD");
    assert!(items[1]["LastModified"]
        .as_u64()
        .is_some_and(|t| t > 1_600_000_000));

    // Without a prefix: the whole bucket; with LOAD_AND_FLATTEN: the items
    // of every object listed, read by InputType.
    let (_dir2, s3) = s3_with(&[("p/1.jsonl", "1\n2\n"), ("p/2.jsonl", "3\n"), ("q.txt", "")]);
    let all =
        json!({"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "data"}});
    let r = run(
        &reader_map(
            all,
            json!({"ItemSelector": {"k.$": "$$.Map.Item.Value.Key"}}),
            false,
        ),
        json!({}),
        &s3,
    );
    assert_eq!(
        r.output(),
        Some(json!([{"k": "p/1.jsonl"}, {"k": "p/2.jsonl"}, {"k": "q.txt"}]))
    );
    let flatten = json!({
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "ReaderConfig": {"InputType": "JSONL", "Transformation": "LOAD_AND_FLATTEN", "MaxItems": 3},
        "Parameters": {"Bucket": "data", "Prefix": "p/"}
    });
    let r = run(&reader_map(flatten, json!({}), false), json!({}), &s3);
    assert_eq!(r.output(), Some(json!([1, 2, 3])), "{:?}", r.error());
}

fn gzip(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap_or_default();
    gz.finish().unwrap_or_default()
}

#[test]
fn manifest_reads_the_inventory_files_it_lists() {
    // S3 Inventory writes its data files as gzip-compressed CSV; a plain
    // one is read too.
    let manifest = json!({
        "sourceBucket": "src",
        "destinationBucket": "arn:aws:s3:::data",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size",
        "files": [{"key": "inv/data/1.csv.gz", "size": 10}, {"key": "inv/data/2.csv", "size": 10}]
    });
    let (_dir, s3) = s3_with(&[
        ("inv/manifest.json", &manifest.to_string()),
        ("inv/data/2.csv", "\"src\",\"b.txt\",\"4\"\n"),
    ]);
    let compressed = gzip("\"src\",\"a.txt\",\"3\"\n\"src\",\"a2.txt\",\"5\"\n");
    assert!(s3
        .put_object("data", "inv/data/1.csv.gz", &compressed)
        .is_ok());
    let reader = get_object("inv/manifest.json", json!({"InputType": "MANIFEST"}));
    let r = run(&reader_map(reader, json!({}), false), json!({}), &s3);
    assert_eq!(
        r.output(),
        Some(json!([
            {"Bucket": "src", "Key": "a.txt", "Size": "3"},
            {"Bucket": "src", "Key": "a2.txt", "Size": "5"},
            {"Bucket": "src", "Key": "b.txt", "Size": "4"}
        ])),
        "{:?}",
        r.error()
    );

    // A data file that starts like gzip but is not: the Map Run fails.
    let mut broken = compressed.clone();
    broken.truncate(12);
    assert!(s3.put_object("data", "inv/data/1.csv.gz", &broken).is_ok());
    let reader = get_object("inv/manifest.json", json!({"InputType": "MANIFEST"}));
    let r = run(&reader_map(reader, json!({}), false), json!({}), &s3);
    assert_eq!(r.status(), "FAILED");
    let (error, cause) = r.error().unwrap_or_default();
    assert_eq!(error, "States.ItemReaderFailed");
    assert!(cause.contains("is not valid gzip"), "{cause}");
}

#[test]
fn items_read_then_selected_then_batched() {
    let (_dir, s3) = s3_with(&[("table.csv", CSV)]);
    let def = reader_map(
        get_object("table.csv", json!({"InputType": "CSV"})),
        json!({
            "ItemSelector": {"who.$": "$$.Map.Item.Value.name", "at.$": "$$.Map.Item.Index", "run.$": "$.run"},
            "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"run.$": "$.run"}}
        }),
        false,
    );
    let r = run(&def, json!({"run": "r1"}), &s3);
    assert_eq!(r.status(), "SUCCEEDED", "{:?}", r.error());
    assert_eq!(
        r.output(),
        Some(json!([
            {"BatchInput": {"run": "r1"}, "Items": [{"who": "ana", "at": 0, "run": "r1"}, {"who": "bo, jr", "at": 1, "run": "r1"}]},
            {"BatchInput": {"run": "r1"}, "Items": [{"who": "cy", "at": 2, "run": "r1"}]}
        ]))
    );
    let runs =
        map_run::map_runs(r.plan.clone(), &r.info, &r.history).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((runs[0].total, runs[0].total_items), (2, 3));
}

#[test]
fn a_failed_read_fails_the_map_run_with_item_reader_failed() {
    let (_dir, s3) = s3_with(&[
        ("bad.json", "{\"not\": \"an array\"}"),
        ("dup.csv", "a,a\n1,2\n"),
        ("given.csv", "Value1,Value2,Value3\n"),
        ("list.parquet", "PAR1"),
    ]);
    // The Map catches States.ItemReaderFailed and goes on to `Handled`.
    let caught = |key: &str, config: Value| {
        let def = reader_map(
            get_object(key, config),
            json!({"Catch": [{"ErrorEquals": ["States.ItemReaderFailed"], "ResultPath": "$.error", "Next": "Handled"}]}),
            false,
        );
        let mut v: Value = serde_json::from_str(&def).unwrap_or_default();
        if let Some(fan) = v["States"]["Fan"].as_object_mut() {
            fan.remove("End");
            fan.insert("Next".into(), json!("Handled"));
        }
        v["States"]["Handled"] = json!({"Type": "Pass", "End": true});
        v.to_string()
    };
    // (key, ReaderConfig, the cause: all of it, or what it contains)
    let cases = [
        (
            "missing.json",
            json!({"InputType": "JSON"}),
            Err("NoSuchKey"),
        ),
        // AWS's causes, recorded (LocalStack's
        // `test_map_item_reader_json_no_json_list_object` and
        // `test_map_item_reader_csv_headers_decl_duplicate_headers`).
        (
            "bad.json",
            json!({"InputType": "JSON"}),
            Ok("Attempting to map over non-iterable node."),
        ),
        (
            "dup.csv",
            json!({"InputType": "CSV"}),
            Ok("CSV headers cannot contain duplicates."),
        ),
        (
            "given.csv",
            json!({"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["H1", "H1", "H3"]}),
            Ok("CSV headers cannot contain duplicates."),
        ),
        (
            "list.parquet",
            json!({"InputType": "PARQUET"}),
            Err("is not a Parquet file"),
        ),
    ];
    for (key, config, expected) in cases {
        let r = run(&caught(key, config), json!({"keep": 1}), &s3);
        assert_eq!(r.status(), "SUCCEEDED", "{key}: {:?}", r.error());
        let out = r.output().unwrap_or_default();
        assert_eq!(out["keep"], 1);
        assert_eq!(out["error"]["Error"], "States.ItemReaderFailed", "{key}");
        let cause = out["error"]["Cause"].as_str().unwrap_or_default();
        match expected {
            Ok(whole) => assert_eq!(cause, whole, "{key}"),
            Err(part) => assert!(cause.contains(part), "{key}: {cause}"),
        }
        assert_eq!(
            types(&r),
            [
                "ExecutionStarted",
                "MapStateEntered",
                "MapStateStarted",
                "MapRunStarted",
                "MapRunFailed",
                "MapStateFailed",
                "MapStateExited",
                "PassStateEntered",
                "PassStateExited",
                "ExecutionSucceeded"
            ],
            "{key}"
        );
    }
    // Uncaught, a missing bucket fails the execution.
    let reader = json!({
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "nope", "Key": "k"}
    });
    let r = run(&reader_map(reader, json!({}), false), json!({}), &s3);
    let (error, cause) = r.error().unwrap_or_default();
    assert_eq!(error, "States.ItemReaderFailed");
    assert!(cause.contains("NoSuchBucket"), "{cause}");
    // Without a local S3 the read fails, saying how to give one.
    let plan = parse(&reader_map(
        get_object("bad.json", json!({"InputType": "JSON"})),
        json!({}),
        false,
    ));
    let r = common::run_plan_s3(plan, "Machine", json!({}), &json!({}), 7, None);
    let (error, cause) = r.error().unwrap_or_default();
    assert_eq!(error, "States.ItemReaderFailed");
    assert!(cause.contains("--s3-dir"), "{cause}");
}

#[test]
fn a_pending_read_is_issued_again_after_a_restart() {
    let (_dir, s3) = s3_with(&[("list.json", "[1, 2]")]);
    let plan = parse(&reader_map(
        get_object("list.json", json!({"InputType": "JSON"})),
        json!({}),
        false,
    ));
    let info = info("Machine", json!({}));
    let mut exec = Execution::new(plan.clone(), info.clone());
    let mut entropy = SplitMix::new(3);
    let d = exec.decide(Input::Start, T0, &mut entropy);
    let reads: Vec<_> = d
        .commands
        .iter()
        .filter_map(|c| match c {
            Command::ReadItems(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(reads.len(), 1, "{:?}", d.commands);
    assert_eq!(
        *reads[0].parameters,
        json!({"Bucket": "data", "Key": "list.json"})
    );
    let history = d.events;
    // The process dies here; the stored history is replayed.
    let mut again =
        Execution::replay(plan.clone(), info.clone(), &history).unwrap_or_else(|e| panic!("{e}"));
    assert!(again == exec);
    assert_eq!(again.pending(), vec![Command::ReadItems(reads[0].clone())]);
    // The re-issued read answers; a late answer to the first one is ignored.
    let result = stepwell_engine::s3::read_items(Some(&s3), &reads[0]);
    let mut history = history;
    for _ in 0..2 {
        let d = again.decide(
            Input::ItemsRead {
                read: reads[0].read,
                result: result.clone(),
            },
            T0 + 5,
            &mut entropy,
        );
        history.extend(d.events);
    }
    assert_eq!(again.status(), Status::Succeeded);
    let r = Run {
        plan,
        info,
        exec: again,
        history,
    };
    assert_eq!(r.output(), Some(json!([1, 2])));
    check_replay(&r);
}

#[test]
fn a_stopped_execution_reads_nothing_more() {
    let plan = parse(&reader_map(
        get_object("list.json", json!({"InputType": "JSON"})),
        json!({}),
        false,
    ));
    let info = info("Machine", json!({}));
    let mut exec = Execution::new(plan.clone(), info.clone());
    let mut entropy = SplitMix::new(3);
    let mut history = exec.decide(Input::Start, T0, &mut entropy).events;
    let read = match exec.pending().as_slice() {
        [Command::ReadItems(r)] => r.read,
        other => panic!("expected one read pending, found {other:?}"),
    };
    let stop = Input::Stop {
        error: "Stopped".into(),
        cause: String::new(),
    };
    history.extend(exec.decide(stop, T0 + 1, &mut entropy).events);
    assert_eq!(exec.pending(), Vec::new());
    let late = Input::ItemsRead {
        read,
        result: Ok(vec![json!(1)]),
    };
    let d = exec.decide(late, T0 + 2, &mut entropy);
    assert!(d.events.is_empty() && d.commands.is_empty(), "{d:?}");
    assert_eq!(exec.status(), Status::Aborted);
    check_replay(&Run {
        plan,
        info,
        exec,
        history,
    });
}

#[test]
fn old_histories_without_reader_events_still_decode() {
    // A MapStarted stored before ItemReader existed has no new fields.
    let stored = json!({"t": "MapStarted", "input": {}, "items": [1], "max_concurrency": 0,
        "tolerated_count": null, "tolerated_percentage": null});
    let kind: Result<stepwell_core::EventKind, _> = serde_json::from_value(stored);
    assert!(kind.is_ok(), "{kind:?}");
    let read = json!({"t": "ItemsRead", "items": [1, 2]});
    let kind: Result<stepwell_core::EventKind, _> = serde_json::from_value(read);
    assert!(
        matches!(kind, Ok(stepwell_core::EventKind::ItemsRead { ref batch_sizes, .. }) if batch_sizes.is_empty())
    );
}

#[test]
fn item_reader_fields_are_validated() {
    const AT: &str = "/States/Fan/ItemReader";
    let inline = |reader: Value| {
        json!({"StartAt": "Fan", "States": {"Fan": {
            "Type": "Map", "ItemReader": reader, "End": true,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}
        }}})
        .to_string()
    };
    let csv = |config: Value| get_object("k", config);
    // (case, definition, expected (location, start of the message))
    let cases = [
        (
            "an inline Map",
            inline(csv(json!({"InputType": "CSV"}))),
            (AT.to_string(), "The field 'ItemReader' is only supported for a Map state whose ProcessorConfig Mode is DISTRIBUTED"),
        ),
        (
            "no Resource",
            reader_map(json!({"Parameters": {"Bucket": "b"}}), json!({}), false),
            (AT.into(), "These fields are required: [Resource]"),
        ),
        (
            "another resource",
            reader_map(json!({"Resource": "arn:aws:states:::s3:putObject"}), json!({}), false),
            (format!("{AT}/Resource"), "The ItemReader resource \"arn:aws:states:::s3:putObject\" is not supported"),
        ),
        (
            "getObject without a ReaderConfig",
            reader_map(json!({"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b", "Key": "k"}}), json!({}), false),
            (AT.into(), "These fields are required: [ReaderConfig]"),
        ),
        (
            "getObject without an InputType",
            reader_map(csv(json!({"MaxItems": 1})), json!({}), false),
            (format!("{AT}/ReaderConfig"), "These fields are required: [InputType]"),
        ),
        (
            "an unknown InputType",
            reader_map(csv(json!({"InputType": "XML"})), json!({}), false),
            (format!("{AT}/ReaderConfig/InputType"), "The value for the field 'InputType' must be one of [CSV, JSON, JSONL, PARQUET, MANIFEST]"),
        ),
        (
            "GIVEN without CSVHeaders",
            reader_map(csv(json!({"InputType": "CSV", "CSVHeaderLocation": "GIVEN"})), json!({}), false),
            (format!("{AT}/ReaderConfig"), "These fields are required: [CSVHeaders]"),
        ),
        (
            "an unknown CSVDelimiter",
            reader_map(csv(json!({"InputType": "CSV", "CSVDelimiter": "COLON"})), json!({}), false),
            (format!("{AT}/ReaderConfig/CSVDelimiter"), "The value for the field 'CSVDelimiter' must be one of [COMMA, PIPE, SEMICOLON, SPACE, TAB]"),
        ),
        (
            "MaxItems below 0",
            reader_map(csv(json!({"InputType": "JSON", "MaxItems": -1})), json!({}), false),
            (format!("{AT}/ReaderConfig/MaxItems"), "Minimum value is 0"),
        ),
        (
            "MaxItems over AWS's limit",
            reader_map(csv(json!({"InputType": "JSON", "MaxItems": 100_000_001})), json!({}), false),
            (format!("{AT}/ReaderConfig/MaxItems"), "Maximum value is 100000000"),
        ),
        (
            "Parameters in a JSONata state",
            reader_map(csv(json!({"InputType": "JSON"})), json!({}), true),
            (AT.into(), "The QueryLanguage is set to 'JSONata', but field 'Parameters' is only supported for the 'JSONPath' QueryLanguage"),
        ),
        (
            "an unknown field",
            reader_map(json!({"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "b"}, "Bucket": "b"}), json!({}), false),
            (AT.into(), "Field 'Bucket' is not supported"),
        ),
    ];
    for (case, text, (loc, message)) in cases {
        let diags = match stepwell_asl::parse_definition(&text) {
            Ok(_) => panic!("{case}: accepted\n{text}"),
            Err(d) => d,
        };
        assert_eq!(diags.len(), 1, "{case}: {diags:?}");
        assert_eq!(diags[0].code.as_str(), "SCHEMA_VALIDATION_FAILED", "{case}");
        assert_eq!(
            diags[0].location.as_deref(),
            Some(loc.as_str()),
            "{case}: {diags:?}"
        );
        assert!(diags[0].message.starts_with(message), "{case}: {diags:?}");
    }
    // And what AWS documents.
    for reader in [
        csv(
            json!({"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a"], "CSVDelimiter": "TAB"}),
        ),
        csv(json!({"InputType": "JSON", "ItemsPointer": "/a/0", "MaxItemsPath": "$.n"})),
        csv(json!({"InputType": "MANIFEST", "ManifestType": "S3_INVENTORY"})),
        json!({"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "b", "Prefix": "p/"}}),
        json!({"Resource": "arn:aws:states:::s3:listObjectsV2", "ReaderConfig": {"InputType": "JSONL", "Transformation": "LOAD_AND_FLATTEN"}, "Parameters": {"Bucket": "b"}}),
    ] {
        let text = reader_map(reader.clone(), json!({}), false);
        assert!(stepwell_asl::parse_definition(&text).is_ok(), "{reader}");
    }
}
