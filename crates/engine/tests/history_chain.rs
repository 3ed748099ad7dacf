//! `previousEventId`: which event each event of a history follows, as AWS
//! records it (GetExecutionHistory). Each test names where AWS's shape was
//! read.

mod common;

use serde_json::{json, Value};

/// The history as `Type(id←previousEventId)`, one per AWS event.
fn chain(run: &common::Run) -> Vec<String> {
    let events = stepwell_core::render_history(run.plan.clone(), &run.info, &run.history)
        .unwrap_or_else(|e| panic!("render: {e}"));
    events.iter().map(show).collect()
}

fn show(e: &Value) -> String {
    format!(
        "{}({}←{})",
        e["type"].as_str().unwrap_or_default(),
        e["id"],
        e["previousEventId"]
    )
}

fn run(definition: Value, input: Value) -> common::Run {
    common::run(&definition.to_string(), input, json!({}), 1)
}

/// AWS's API reference (GetExecutionHistory's example) and every
/// LocalStack recording: the first state follows event 0, not
/// `ExecutionStarted`.
#[test]
fn the_first_state_follows_event_zero() {
    let run = run(
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}),
        json!({}),
    );
    assert_eq!(
        chain(&run),
        [
            "ExecutionStarted(1←0)",
            "PassStateEntered(2←0)",
            "PassStateExited(3←2)",
            "ExecutionSucceeded(4←3)"
        ]
    );
}
