//! A Distributed Map's `ResultWriter`: the child executions' results are
//! written to S3 (here a local directory, `<dir>/<bucket>/<key>`) and the
//! Map's result says where.
//!
//! AWS: <https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html>
//! (Resource `arn:aws:states:::s3:putObject`, Parameters/Arguments with
//! `Bucket` and `Prefix`, `WriterConfig`, the files under
//! `<Prefix>/<MapRunId>/`, the manifest, the Map's result, and
//! `States.ResultWriterFailed`). Every run here is also checked for the
//! replay property by `common::run_plan_s3`.

mod common;

use serde_json::{json, Value};
use stepwell_core::{Command, Execution, Input, Status};
use stepwell_engine::{LocalS3, SplitMix};

use common::{check_replay, info, parse, run_plan_s3, Run, T0};

/// A local S3 with the buckets `data` (holding `files`) and `out`.
fn s3_with(files: &[(&str, &str)]) -> (tempfile::TempDir, LocalS3) {
    common::local_s3(&["data", "out"], files)
}

/// A Distributed Map over `$.items` whose children fail on an item equal
/// to `"bad"` and otherwise return `{"v": item}`; `extra` adds fields to
/// the Map state.
fn writer_map(extra: Value) -> String {
    let processor = json!({
        "StartAt": "Check",
        "States": {
            "Check": {"Type": "Choice", "Choices": [
                {"Variable": "$", "StringEquals": "bad", "Next": "Boom"}
            ], "Default": "Wrap"},
            "Boom": {"Type": "Fail", "Error": "Item.Bad", "Cause": "a bad item"},
            "Wrap": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": true}
        }
    });
    let mut fields = json!({"ItemsPath": "$.items"});
    if let (Some(f), Some(x)) = (fields.as_object_mut(), extra.as_object()) {
        f.extend(x.clone());
    }
    common::distributed_map(processor, fields, false)
}

/// `definition` with the Map going on to a `Caught` Pass state.
fn caught(definition: String) -> String {
    let mut def: Value = serde_json::from_str(&definition).unwrap_or_else(|e| panic!("{e}"));
    if let Some(m) = def["States"]["Fan"].as_object_mut() {
        m.remove("End");
        m.insert("Next".into(), json!("Caught"));
    }
    def["States"]["Caught"] = json!({"Type": "Pass", "End": true});
    def.to_string()
}

fn to_s3(bucket: &str, prefix: &str) -> Value {
    json!({
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": bucket, "Prefix": prefix}
    })
}

fn run(definition: &str, input: Value, s3: Option<&LocalS3>) -> Run {
    run_plan_s3(parse(definition), "Machine", input, &json!({}), 7, s3)
}

fn types(run: &Run) -> Vec<String> {
    common::run_types(run)
}

fn read(s3: &LocalS3, bucket: &str, key: &str) -> String {
    std::fs::read_to_string(s3.root().join(bucket).join(key))
        .unwrap_or_else(|e| panic!("s3://{bucket}/{key}: {e}"))
}

fn read_json(s3: &LocalS3, bucket: &str, key: &str) -> Value {
    serde_json::from_str(&read(s3, bucket, key)).unwrap_or_else(|e| panic!("{key}: {e}"))
}

/// The Map Run's ARN and id from the Map's result, checking its shape.
fn details(output: &Value, bucket: &str, prefix: &str) -> (String, String) {
    let arn = output["MapRunArn"].as_str().unwrap_or_default().to_string();
    let id = arn.rsplit(':').next().unwrap_or_default().to_string();
    assert!(arn.contains(":mapRun:Machine/"), "{output}");
    let key = if prefix.is_empty() {
        format!("{id}/manifest.json")
    } else {
        format!("{prefix}/{id}/manifest.json")
    };
    assert_eq!(
        *output,
        json!({"MapRunArn": arn, "ResultWriterDetails": {"Bucket": bucket, "Key": key}})
    );
    (arn, id)
}

#[test]
fn results_are_exported_and_the_map_returns_where_they_went() {
    let (_dir, s3) = s3_with(&[]);
    let r = run(
        &writer_map(json!({"ResultWriter": to_s3("out", "jobs")})),
        json!({"items": [1, 2, 3]}),
        Some(&s3),
    );
    assert_eq!(r.exec.status(), Status::Succeeded, "{:?}", r.error());
    let output = r.output().unwrap_or_default();
    let (arn, id) = details(&output, "out", "jobs");
    // The visible history is what AWS records: no event for the write.
    let t = types(&r);
    assert_eq!(
        t,
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
    let succeeded_key = format!("jobs/{id}/SUCCEEDED_0.json");
    let succeeded = read(&s3, "out", &succeeded_key);
    let manifest = read_json(&s3, "out", &format!("jobs/{id}/manifest.json"));
    assert_eq!(
        manifest,
        json!({
            "DestinationBucket": "out",
            "MapRunArn": arn,
            "ResultFiles": {
                "FAILED": [],
                "PENDING": [],
                "SUCCEEDED": [{"Key": succeeded_key, "Size": succeeded.len()}]
            }
        })
    );
    let entries: Value = serde_json::from_str(&succeeded).unwrap_or_else(|e| panic!("{e}"));
    let entries = entries.as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 3);
    for (i, e) in entries.iter().enumerate() {
        let (name, child) = stepwell_core::map_run::child_arn(&arn, i as u32);
        assert_eq!(e["ExecutionArn"], json!(child));
        assert_eq!(e["Name"], json!(name));
        assert_eq!(e["Input"], json!((i + 1).to_string()));
        assert_eq!(e["InputDetails"], json!({"Included": true}));
        assert_eq!(e["Output"], json!(format!("{{\"v\":{}}}", i + 1)));
        assert_eq!(e["OutputDetails"], json!({"Included": true}));
        assert_eq!(e["Status"], json!("SUCCEEDED"));
        assert_eq!(e["RedriveCount"], json!(0));
        assert_eq!(e["RedriveStatus"], json!("NOT_REDRIVABLE"));
        assert_eq!(
            e["StateMachineArn"],
            json!(stepwell_core::map_run::machine_arn(&arn))
        );
        for date in ["StartDate", "StopDate"] {
            let d = e[date].as_str().unwrap_or_default();
            assert!(stepwell_asl::parse_rfc3339(d).is_some(), "{date}: {e}");
        }
    }
    // DescribeMapRun's resultsWritten counts what was written.
    let runs = stepwell_core::map_run::map_runs(r.plan.clone(), &r.info, &r.history)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(runs[0].counts().results_written, Some(3));
    assert_eq!(runs[0].item_counts().results_written, Some(3));
    // No ResultWriter: the results themselves, as before.
    let r = run(&writer_map(json!({})), json!({"items": [1, 2]}), Some(&s3));
    assert_eq!(r.output(), Some(json!([{"v": 1}, {"v": 2}])));
}

#[test]
fn a_failed_map_run_writes_its_results_too_and_catch_takes_the_error() {
    let (_dir, s3) = s3_with(&[]);
    // One at a time: 1 succeeds, "bad" fails the Map Run, 3 never starts.
    let def = caught(writer_map(json!({
        "ResultWriter": to_s3("out", ""),
        "MaxConcurrency": 1,
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]
    })));
    let r = run(&def, json!({"items": [1, "bad", 3]}), Some(&s3));
    assert_eq!(r.exec.status(), Status::Succeeded, "{:?}", r.error());
    let output = r.output().unwrap_or_default();
    assert_eq!(
        output["error"]["Error"],
        json!("States.ExceedToleratedFailureThreshold"),
        "{output}"
    );
    let t = types(&r);
    assert!(
        t.windows(2)
            .any(|w| w == ["MapRunFailed", "MapStateFailed"]),
        "{t:?}"
    );
    // The files are under <MapRunId>/ (no Prefix).
    let root = s3.root().join("out");
    let ids: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|d| d.ok().map(|d| d.file_name().to_string_lossy().to_string()))
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let id = &ids[0];
    let manifest = read_json(&s3, "out", &format!("{id}/manifest.json"));
    let files = &manifest["ResultFiles"];
    assert_eq!(files["SUCCEEDED"].as_array().map(Vec::len), Some(1));
    assert_eq!(files["FAILED"].as_array().map(Vec::len), Some(1));
    assert_eq!(files["PENDING"], json!([]));
    let failed = read_json(&s3, "out", &format!("{id}/FAILED_0.json"));
    assert_eq!(failed[0]["Status"], json!("FAILED"));
    assert_eq!(failed[0]["Error"], json!("Item.Bad"));
    assert_eq!(failed[0]["Cause"], json!("a bad item"));
    assert_eq!(failed[0]["Input"], json!("\"bad\""));
    assert!(failed[0].get("Output").is_none(), "{failed}");
    // Tolerated, the failure is written and the Map Run succeeds.
    let (_dir, s3) = s3_with(&[]);
    let r = run(
        &writer_map(json!({"ResultWriter": to_s3("out", "p/"), "ToleratedFailureCount": 1})),
        json!({"items": [1, "bad", 3]}),
        Some(&s3),
    );
    let output = r.output().unwrap_or_default();
    let (_, id) = details(&output, "out", "p");
    let failed = read_json(&s3, "out", &format!("p/{id}/FAILED_0.json"));
    let succeeded = read_json(&s3, "out", &format!("p/{id}/SUCCEEDED_0.json"));
    assert_eq!(failed.as_array().map(Vec::len), Some(1));
    assert_eq!(succeeded.as_array().map(Vec::len), Some(2));
}

#[test]
fn writer_config_transforms_and_formats_the_results() {
    let (_dir, s3) = s3_with(&[]);
    // Each child returns an array: [item, item].
    let def = |config: Value, export: bool| {
        let mut rw = if export { to_s3("out", "t") } else { json!({}) };
        rw["WriterConfig"] = config;
        let mut v: Value = serde_json::from_str(&writer_map(json!({"ResultWriter": rw})))
            .unwrap_or_else(|e| panic!("{e}"));
        v["States"]["Fan"]["ItemProcessor"]["States"]["Wrap"] = json!({
            "Type": "Pass", "Parameters": {"a.$": "States.Array($, $)"}, "OutputPath": "$.a", "End": true
        });
        v.to_string()
    };
    // COMPACT as JSON Lines: one output per line.
    let r = run(
        &def(
            json!({"Transformation": "COMPACT", "OutputType": "JSONL"}),
            true,
        ),
        json!({"items": [1, 2]}),
        Some(&s3),
    );
    let (_, id) = details(&r.output().unwrap_or_default(), "out", "t");
    assert_eq!(
        read(&s3, "out", &format!("t/{id}/SUCCEEDED_0.jsonl")),
        "[1,1]\n[2,2]\n"
    );
    // FLATTEN: the outputs' elements.
    let r = run(
        &def(
            json!({"Transformation": "FLATTEN", "OutputType": "JSON"}),
            true,
        ),
        json!({"items": [1, 2]}),
        Some(&s3),
    );
    let (_, id) = details(&r.output().unwrap_or_default(), "out", "t");
    assert_eq!(
        read_json(&s3, "out", &format!("t/{id}/SUCCEEDED_0.json")),
        json!([1, 1, 2, 2])
    );
    // Only WriterConfig: nothing is exported, the Map's result is formatted.
    let r = run(
        &def(
            json!({"Transformation": "FLATTEN", "OutputType": "JSON"}),
            false,
        ),
        json!({"items": [1, 2]}),
        None,
    );
    assert_eq!(r.output(), Some(json!([1, 1, 2, 2])));
    let r = run(
        &def(
            json!({"Transformation": "NONE", "OutputType": "JSON"}),
            false,
        ),
        json!({"items": [1]}),
        None,
    );
    let out = r.output().unwrap_or_default();
    assert_eq!(out[0]["Status"], json!("SUCCEEDED"), "{out}");
    assert_eq!(out[0]["Output"], json!("[1,1]"), "{out}");
}

#[test]
fn with_item_reader_and_item_batcher_one_entry_per_child_execution() {
    let (_dir, s3) = s3_with(&[("list.json", "[1, 2, 3, 4, 5]")]);
    let mut def: Value = serde_json::from_str(&writer_map(json!({
        "ResultWriter": to_s3("out", "b"),
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket": "data", "Key": "list.json"}
        },
        "ItemBatcher": {"MaxItemsPerBatch": 2}
    })))
    .unwrap_or_else(|e| panic!("{e}"));
    def["States"]["Fan"]
        .as_object_mut()
        .map(|m| m.remove("ItemsPath"));
    let r = run(&def.to_string(), json!({}), Some(&s3));
    assert_eq!(r.exec.status(), Status::Succeeded, "{:?}", r.error());
    let (_, id) = details(&r.output().unwrap_or_default(), "out", "b");
    let entries = read_json(&s3, "out", &format!("b/{id}/SUCCEEDED_0.json"));
    let inputs: Vec<Value> = entries
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| serde_json::from_str(e["Input"].as_str().unwrap_or("null")).unwrap_or_default())
        .collect();
    assert_eq!(
        inputs,
        [
            json!({"Items": [1, 2]}),
            json!({"Items": [3, 4]}),
            json!({"Items": [5]})
        ]
    );
}

#[test]
fn a_write_that_fails_is_result_writer_failed() {
    let (_dir, s3) = s3_with(&[]);
    // No such bucket.
    let r = run(
        &writer_map(json!({"ResultWriter": to_s3("missing", "x")})),
        json!({"items": [1]}),
        Some(&s3),
    );
    let (error, cause) = r.error().unwrap_or_default();
    assert_eq!(error, "States.ResultWriterFailed");
    assert!(cause.contains("NoSuchBucket"), "{cause}");
    let t = types(&r);
    assert!(
        t.windows(2)
            .any(|w| w == ["MapRunFailed", "MapStateFailed"]),
        "{t:?}"
    );
    // No local S3: the cause says how to configure one.
    let r = run(
        &writer_map(json!({"ResultWriter": to_s3("out", "x")})),
        json!({"items": [1]}),
        None,
    );
    let (error, cause) = r.error().unwrap_or_default();
    assert_eq!(error, "States.ResultWriterFailed");
    assert!(cause.contains("--s3-dir"), "{cause}");
    // A Bucket that is not a string.
    let rw = json!({
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket.$": "$.n"}
    });
    let r = run(
        &writer_map(json!({"ResultWriter": rw})),
        json!({"items": [1], "n": 5}),
        Some(&s3),
    );
    let (error, cause) = r.error().unwrap_or_default();
    assert_eq!(error, "States.ResultWriterFailed");
    assert!(cause.contains("'Bucket'"), "{cause}");
    // Caught and retried like any Map error.
    let def = caught(writer_map(json!({
        "ResultWriter": to_s3("missing", "x"),
        "Retry": [{"ErrorEquals": ["States.ResultWriterFailed"], "MaxAttempts": 1, "IntervalSeconds": 1}],
        "Catch": [{"ErrorEquals": ["States.ResultWriterFailed"], "Next": "Caught"}]
    })));
    let r = run(&def, json!({"items": [1]}), Some(&s3));
    assert_eq!(r.exec.status(), Status::Succeeded);
    assert_eq!(
        r.output().unwrap_or_default()["Error"],
        json!("States.ResultWriterFailed")
    );
    let runs = types(&r).iter().filter(|t| *t == "MapRunStarted").count();
    assert_eq!(runs, 2);
}

#[test]
fn jsonata_arguments_name_the_bucket_and_prefix() {
    let (_dir, s3) = s3_with(&[]);
    let def = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Fan",
        "States": {"Fan": {
            "Type": "Map",
            "Items": "{% $states.input.items %}",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}
            },
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Arguments": {"Bucket": "{% $states.input.bucket %}", "Prefix": "{% 'j/' & $states.input.run %}"}
            },
            "End": true
        }}
    });
    let r = run(
        &def.to_string(),
        json!({"items": ["a"], "bucket": "out", "run": "r1"}),
        Some(&s3),
    );
    assert_eq!(r.exec.status(), Status::Succeeded, "{:?}", r.error());
    let (_, id) = details(&r.output().unwrap_or_default(), "out", "j/r1");
    let entries = read_json(&s3, "out", &format!("j/r1/{id}/SUCCEEDED_0.json"));
    assert_eq!(entries[0]["Output"], json!("\"a\""));
}

#[test]
fn a_pending_write_is_issued_again_after_a_restart() {
    let (_dir, s3) = s3_with(&[]);
    let plan = parse(&writer_map(json!({"ResultWriter": to_s3("out", "r")})));
    let info = info("Machine", json!({"items": [1, 2]}));
    let mut exec = Execution::new(plan.clone(), info.clone());
    let mut entropy = SplitMix::new(3);
    let d = exec.decide(Input::Start, T0, &mut entropy);
    let writes: Vec<_> = d
        .commands
        .iter()
        .filter_map(|c| match c {
            Command::WriteResults(w) => Some(w.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(writes.len(), 1, "{:?}", d.commands);
    assert_eq!(writes[0].bucket, "out");
    assert_eq!(
        writes[0].objects.len(),
        2,
        "SUCCEEDED_0.json, manifest.json"
    );
    let history = d.events;
    // The process dies here; the stored history is replayed.
    let mut again =
        Execution::replay(plan.clone(), info.clone(), &history).unwrap_or_else(|e| panic!("{e}"));
    assert!(again == exec);
    assert_eq!(
        again.pending(),
        vec![Command::WriteResults(writes[0].clone())]
    );
    // The re-issued write answers; a late answer to the first is ignored.
    let result = stepwell_engine::s3::write_results(Some(&s3), &writes[0]);
    assert_eq!(result, Ok(()));
    let mut history = history;
    for _ in 0..2 {
        let d = again.decide(
            Input::ResultsWritten {
                write: writes[0].write,
                result: result.clone(),
            },
            T0 + 5,
            &mut entropy,
        );
        history.extend(d.events);
    }
    assert_eq!(again.status(), Status::Succeeded);
    assert_eq!(again.pending(), Vec::new());
    let r = Run {
        plan,
        info,
        exec: again,
        history,
    };
    let (_, id) = details(&r.output().unwrap_or_default(), "out", "r");
    assert!(s3
        .root()
        .join(format!("out/r/{id}/manifest.json"))
        .is_file());
    check_replay(&r);
    // Stopped while the write is pending: nothing is left to write.
    let mut exec = Execution::new(r.plan.clone(), r.info.clone());
    exec.decide(Input::Start, T0, &mut entropy);
    assert_eq!(exec.pending().len(), 1);
    let stop = Input::Stop {
        error: "Stopped".into(),
        cause: String::new(),
    };
    exec.decide(stop, T0 + 1, &mut entropy);
    assert_eq!(exec.pending(), Vec::new());
}

#[test]
fn result_writer_fields_are_validated() {
    const AT: &str = "/States/Fan/ResultWriter";
    let inline = json!({"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "ResultWriter": to_s3("b", "p"), "End": true,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}
    }}})
    .to_string();
    let rw = |v: Value| writer_map(json!({"ResultWriter": v}));
    let cases = [
        ("an inline Map", inline, (AT.to_string(), "The field 'ResultWriter' is only supported for a Map state whose ProcessorConfig Mode is DISTRIBUTED")),
        ("empty", rw(json!({})), (AT.into(), "The field 'ResultWriter' cannot be empty")),
        ("no Parameters", rw(json!({"Resource": "arn:aws:states:::s3:putObject"})), (AT.into(), "These fields are required: [Parameters]")),
        ("no Resource", rw(json!({"Parameters": {"Bucket": "b"}})), (AT.into(), "These fields are required: [Resource]")),
        ("another resource", rw(json!({"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b"}})), (format!("{AT}/Resource"), "The ResultWriter resource \"arn:aws:states:::s3:getObject\" is not supported")),
        ("an unknown Transformation", rw(json!({"WriterConfig": {"Transformation": "SQUASH"}})), (format!("{AT}/WriterConfig/Transformation"), "The value for the field 'Transformation' must be one of [NONE, COMPACT, FLATTEN]")),
        ("an unknown OutputType", rw(json!({"WriterConfig": {"OutputType": "CSV"}})), (format!("{AT}/WriterConfig/OutputType"), "The value for the field 'OutputType' must be one of [JSON, JSONL]")),
        ("JSONL not exported", rw(json!({"WriterConfig": {"OutputType": "JSONL"}})), (format!("{AT}/WriterConfig/OutputType"), "The OutputType JSONL is only supported when the results are exported")),
        ("an unknown field", rw(json!({"WriterConfig": {}, "Bucket": "b"})), (AT.into(), "Field 'Bucket' is not supported")),
        ("the reader's config field", rw(json!({"WriterConfig": {}, "ReaderConfig": {}})), (AT.into(), "Field 'ReaderConfig' is not supported")),
        ("Arguments in a JSONPath state", rw(json!({"WriterConfig": {}, "Arguments": {"Bucket": "b"}})), (AT.into(), "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported for the 'JSONata' QueryLanguage")),
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
    for ok in [
        to_s3("b", "p"),
        json!({"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}}),
        json!({"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b"}, "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"}}),
    ] {
        assert!(
            stepwell_asl::parse_definition(&rw(ok.clone())).is_ok(),
            "{ok}"
        );
    }
}
