//! Service limits that end an execution.

mod common;

use serde_json::json;
use stepwell_core::EventKind;

#[test]
fn a_loop_that_never_waits_stops_at_the_history_quota() {
    // Pass -> Choice -> Pass ... never blocks; before the quota existed
    // `decide` never returned on it.
    let def = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "E"}], "Default": "A"},
        "E": {"Type": "Succeed"}
    }})
    .to_string();
    let run = common::run(&def, json!({}), json!({}), 1);
    assert_eq!(run.status(), "FAILED");
    assert_eq!(
        run.error(),
        Some((
            "States.Runtime".into(),
            "The execution reached the maximum number of history events (25000).".into()
        ))
    );
    let visible: Vec<_> = run.history.iter().filter(|e| e.kind.is_visible()).collect();
    assert_eq!(visible.len(), 25_000);
    assert!(matches!(
        visible[24_999].kind,
        EventKind::ExecutionFailed { .. }
    ));
    assert_eq!(visible[24_999].id, 25_000);
}

#[test]
fn a_loop_with_a_task_stops_at_the_history_quota() {
    // The quota can fall in the middle of scheduling a task (and its timer):
    // here event 25,000 would be a TaskScheduled (7 + 9k).
    let def = json!({"StartAt": "P1", "States": {
        "P1": {"Type": "Pass", "Next": "P2"},
        "P2": {"Type": "Pass", "Next": "T"},
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
              "TimeoutSeconds": 5, "Next": "P1",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "E"}]},
        "E": {"Type": "Succeed"}
    }})
    .to_string();
    let responses: Vec<_> = (0..9000).map(|i| json!({"Return": i})).collect();
    let run = common::run(&def, json!({}), json!({ "T": responses }), 1);
    assert_eq!(run.status(), "FAILED");
    assert_eq!(
        run.history.iter().filter(|e| e.kind.is_visible()).count(),
        25_000
    );
    assert!(matches!(
        run.history.last().map(|e| &e.kind),
        Some(EventKind::ExecutionFailed { .. })
    ));
    let before_last = run.history.iter().rev().nth(1).map(|e| &e.kind);
    assert!(
        matches!(before_last, Some(EventKind::StateEntered { .. })),
        "{before_last:?}"
    );
}
