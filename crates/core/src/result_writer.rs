//! A Distributed Map's `ResultWriter`: the child executions' results as
//! AWS exports them, worked out from the recorded state (pure).
//!
//! AWS ("ResultWriter (Map)",
//! <https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html>):
//! with `Resource` `arn:aws:states:::s3:putObject` and `Parameters` /
//! `Arguments` (`Bucket`, `Prefix`), Step Functions writes the child
//! executions grouped by status into `<Prefix>/<MapRunId>/SUCCEEDED_n.json`,
//! `FAILED_n.json` and `PENDING_n.json`, then `manifest.json`
//! (`DestinationBucket`, `MapRunArn`, `ResultFiles` with each file's `Key`
//! and `Size`), and the Map's result is
//! `{"MapRunArn": ..., "ResultWriterDetails": {"Bucket": ..., "Key": <manifest>}}`.
//! Each entry (Transformation `NONE`, the default when exporting) is the
//! child execution's description: `ExecutionArn`, `Input`, `InputDetails`,
//! `Name`, `Output`, `OutputDetails` (or `Error`, `Cause`), `RedriveCount`,
//! `RedriveStatus`, `RedriveStatusReason`, `StartDate`, `StateMachineArn`,
//! `Status`, `StopDate`. `COMPACT` keeps only the outputs, `FLATTEN` the
//! outputs with arrays flattened one level; a failed child's entry is
//! always the full one. `OutputType` `JSONL` writes one entry per line.
//!
//! Not documented by AWS, and chosen here (`DIFFERENCE:` where it may
//! differ):
//! * DIFFERENCE: a file of JSON Lines is named `<STATUS>_n.jsonl`.
//! * DIFFERENCE: every status gets one file (AWS splits files at 5 GB).
//! * DIFFERENCE: `PENDING_0.json` lists the child executions that were
//!   running when the Map Run failed (aborted, `Status` `ABORTED`); items
//!   never started are not listed.
//! * A `Prefix` ending in `/` gets no second `/`; without `Prefix` the
//!   files are under `<MapRunId>/`.
//! * A failed child's `RedriveStatusReason` is the one DescribeExecution
//!   gives a Map Run's child execution.

use std::sync::Arc;

use serde_json::{json, Map as JsonMap, Value};
use stepwell_asl::{ResultWriter, WriterOutputType, WriterTransformation};

use crate::context::iso8601;
use crate::execution::{Execution, Fan, Phase};
use crate::map_run;

/// The files of one Map Run's results and the Map's result: `(objects in
/// the order to write them, manifest last; the Map's result)`.
pub(crate) fn render(
    exec: &Execution,
    fan: &Fan,
    rw: &ResultWriter,
    bucket: &str,
    prefix: &str,
) -> (Vec<(String, Arc<String>)>, Value) {
    let run = fan.map_run.clone().unwrap_or_default();
    let run_id = run.rsplit(':').next().unwrap_or_default();
    let prefix = prefix.trim_end_matches('/');
    let dir = if prefix.is_empty() {
        run_id.to_string()
    } else {
        format!("{prefix}/{run_id}")
    };
    let mut groups: [(&str, Vec<Value>); 3] = [
        ("FAILED", vec![]),
        ("PENDING", vec![]),
        ("SUCCEEDED", vec![]),
    ];
    for &c in &fan.children {
        let entry = entry(exec, &run, c);
        let (group, value) = match &exec.frame(c).phase {
            Phase::Succeeded(out) => (2, transformed(rw.transformation, out, entry)),
            Phase::Failed(_) | Phase::Redrive(Some(_)) => (0, vec![entry]),
            _ => (1, vec![entry]),
        };
        groups[group].1.extend(value);
    }
    let ext = match rw.output_type {
        WriterOutputType::Json => "json",
        WriterOutputType::Jsonl => "jsonl",
    };
    let mut objects = Vec::new();
    let mut files = JsonMap::new();
    for (status, entries) in groups {
        let mut list = Vec::new();
        if !entries.is_empty() {
            let key = format!("{dir}/{status}_0.{ext}");
            let content = match rw.output_type {
                WriterOutputType::Json => Value::Array(entries).to_string(),
                WriterOutputType::Jsonl => {
                    let mut s = String::new();
                    for e in entries {
                        s.push_str(&e.to_string());
                        s.push('\n');
                    }
                    s
                }
            };
            list.push(json!({"Key": key, "Size": content.len()}));
            objects.push((key, Arc::new(content)));
        }
        files.insert(status.into(), Value::Array(list));
    }
    let manifest_key = format!("{dir}/manifest.json");
    let manifest = json!({
        "DestinationBucket": bucket,
        "MapRunArn": run,
        "ResultFiles": files,
    });
    objects.push((manifest_key.clone(), Arc::new(manifest.to_string())));
    let details = json!({
        "MapRunArn": run,
        "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key},
    });
    (objects, details)
}

/// The Map's result with a `ResultWriter` that only formats
/// (`WriterConfig` without `Resource`): the children's results, by index.
pub(crate) fn formatted(exec: &Execution, fan: &Fan, rw: &ResultWriter) -> Value {
    let run = fan.map_run.clone().unwrap_or_default();
    let mut out = Vec::new();
    for &c in &fan.children {
        match &exec.frame(c).phase {
            Phase::Succeeded(o) => {
                out.extend(transformed(rw.transformation, o, entry(exec, &run, c)))
            }
            _ => out.push(entry(exec, &run, c)),
        }
    }
    Value::Array(out)
}

/// A succeeded child's result under `t`: its entry, its output, or the
/// output's elements.
fn transformed(t: WriterTransformation, output: &Arc<Value>, entry: Value) -> Vec<Value> {
    match (t, output.as_ref()) {
        (WriterTransformation::None, _) => vec![entry],
        (WriterTransformation::Flatten, Value::Array(a)) => a.clone(),
        _ => vec![(**output).clone()],
    }
}

/// Child frame `c`'s entry (Transformation `NONE`).
fn entry(exec: &Execution, run: &str, c: crate::event::FrameId) -> Value {
    let fr = exec.frame(c);
    let (name, arn) = map_run::child_arn_of(run, fr.index, exec.is_express_child(c));
    let input = fr
        .first_input
        .as_ref()
        .map(|v| v.to_string())
        .unwrap_or_else(|| "null".into());
    let mut o = JsonMap::new();
    o.insert("ExecutionArn".into(), json!(arn));
    o.insert("Input".into(), json!(input));
    o.insert("InputDetails".into(), json!({"Included": true}));
    o.insert("Name".into(), json!(name));
    let status = match &fr.phase {
        Phase::Succeeded(out) => {
            o.insert("Output".into(), json!(out.to_string()));
            o.insert("OutputDetails".into(), json!({"Included": true}));
            "SUCCEEDED"
        }
        // A child still waiting for a redrive when the Map Run ends stays
        // as it ended before.
        Phase::Failed(err) | Phase::Redrive(Some(err)) => {
            o.insert("Error".into(), json!(err.error));
            o.insert("Cause".into(), json!(err.cause));
            "FAILED"
        }
        Phase::Aborted | Phase::Redrive(None) => "ABORTED",
        _ => "RUNNING",
    };
    o.insert("RedriveCount".into(), json!(fr.redrives));
    o.insert("RedriveStatus".into(), json!("NOT_REDRIVABLE"));
    let reason = if status == "SUCCEEDED" {
        "Execution is SUCCEEDED and cannot be redriven".to_string()
    } else {
        "Execution is a child execution of a Map Run and cannot be redriven on its own.".into()
    };
    o.insert("RedriveStatusReason".into(), json!(reason));
    o.insert("StartDate".into(), json!(iso8601(fr.created_at)));
    o.insert("StateMachineArn".into(), json!(map_run::machine_arn(run)));
    o.insert("Status".into(), json!(status));
    if status != "RUNNING" {
        o.insert("StopDate".into(), json!(iso8601(fr.ended_at)));
    }
    Value::Object(o)
}
