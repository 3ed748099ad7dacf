//! Service limits that end an execution.

mod common;

use std::sync::Arc;

use serde_json::json;
use stepwell_core::{EventKind, Execution, ExecutionInfo, Outcome, Status};
use stepwell_engine::{run_to_completion, LocalOptions, MockRunner, SplitMix};

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

#[test]
fn express_executions_have_no_history_quota() {
    // 10,000 rounds of Choice + Pass: 40,006 events, over STANDARD's quota.
    let def = json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThan": 10000, "Next": "Inc"}], "Default": "Done"},
        "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Check"},
        "Done": {"Type": "Succeed"}
    }})
    .to_string();
    let standard = common::run(&def, json!({"i": 0}), json!({}), 1);
    assert_eq!(standard.status(), "FAILED");
    let plan = common::parse(&def);
    let info = ExecutionInfo {
        express: true,
        ..common::info("Machine", json!({"i": 0}))
    };
    let mut exec = Execution::new(plan, info);
    let history = run_to_completion(
        &mut exec,
        LocalOptions {
            runner: &mut MockRunner::new(None),
            clock: &common::ManualClock::new(common::T0),
            entropy: &mut SplitMix::new(1),
            wait_scale: 1.0,
            s3: None,
        },
    );
    assert_eq!(exec.status(), Status::Succeeded);
    assert_eq!(
        exec.outcome(),
        Some(&Outcome::Succeeded(Arc::new(json!({"i": 10000}))))
    );
    assert_eq!(
        history.iter().filter(|e| e.kind.is_visible()).count(),
        40_006
    );
}
