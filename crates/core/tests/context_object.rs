//! `$$.Execution` as AWS gives it to each kind of execution.

// A test: a broken fixture is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use serde_json::{json, Value};
use stepwell_core::{EventKind, Execution, ExecutionInfo, Input};

struct Zero;
impl stepwell_core::Entropy for Zero {
    fn next_u64(&mut self) -> u64 {
        0
    }
}

/// The keys of `$$.Execution` in an execution described by `info`.
fn execution_keys(info: ExecutionInfo) -> Vec<String> {
    let def = json!({"StartAt": "P", "States": {"P": {
        "Type": "Pass", "Parameters": {"e.$": "$$.Execution"}, "End": true}}});
    let plan = Arc::new(stepwell_asl::parse_definition(&def.to_string()).unwrap());
    let mut exec = Execution::new(plan, info);
    let d = exec.decide(Input::Start, common::T0, &mut Zero);
    let output = d
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ExecutionSucceeded { output } => Some(output.clone()),
            _ => None,
        })
        .expect("the execution succeeds");
    let e: &Value = &output["e"];
    e.as_object().unwrap().keys().cloned().collect()
}

/// Recorded: `test_query_context_object_values` (STANDARD),
/// `test_query_runtime_memory` of `test_express_async` and
/// `test_express_sync` (EXPRESS started with StartExecution and with
/// StartSyncExecution).
#[test]
fn execution_keys_follow_the_kind_of_execution() {
    let standard = common::info(json!({}));
    assert_eq!(
        execution_keys(standard.clone()),
        [
            "Id",
            "Input",
            "StartTime",
            "Name",
            "RoleArn",
            "RedriveCount"
        ]
    );
    let express = ExecutionInfo {
        express: true,
        ..standard
    };
    assert_eq!(
        execution_keys(express.clone()),
        [
            "Id",
            "Input",
            "Name",
            "RoleArn",
            "StartTime",
            "RedriveCount"
        ]
    );
    let sync = ExecutionInfo {
        sync: true,
        ..express
    };
    assert_eq!(
        execution_keys(sync),
        ["Id", "Input", "Name", "RoleArn", "StartTime"]
    );
}
