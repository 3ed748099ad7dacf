//! The details of history events (GetExecutionHistory's `…EventDetails`),
//! as AWS records them. Each test names the LocalStack recording of AWS it
//! was read from.

mod common;

use serde_json::{json, Value};

/// The rendered history of `run`.
fn history(run: &common::Run) -> Vec<Value> {
    stepwell_core::render_history(run.plan.clone(), &run.info, &run.history)
        .unwrap_or_else(|e| panic!("render: {e}"))
}

/// The details of every event of type `ty`.
fn details(run: &common::Run, ty: &str, key: &str) -> Vec<Value> {
    history(run)
        .into_iter()
        .filter(|e| e["type"] == ty)
        .map(|e| e[key].clone())
        .collect()
}

/// `activities/test_activities.snapshot.json`,
/// `test_activity_task_no_worker_name`: a worker that gives no name leaves
/// `activityStartedEventDetails` empty.
#[test]
fn an_activity_started_without_a_worker_name_has_empty_details() {
    let run = common::run(
        &json!({"StartAt": "ActivityTask", "States": {"ActivityTask": {
            "Type": "Task",
            "Resource": "arn:aws:states:us-east-1:123456789012:activity:act",
            "End": true}}})
        .to_string(),
        json!({"Value1": "Hello"}),
        json!({"ActivityTask": [{"Return": {"Value1": "Hello"}}]}),
        1,
    );
    assert_eq!(
        details(&run, "ActivityStarted", "activityStartedEventDetails"),
        [json!({})]
    );
}
