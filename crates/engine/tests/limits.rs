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

/// What a child execution that reaches its own 25,000-event quota does to
/// its Map Run: it fails alone, as its event 25,000, and counts as one
/// failed child that can never be redriven (AWS, "Redriving Map Runs":
/// such children "are counted towards the tolerated failure threshold and
/// considered as failed").
#[test]
fn a_map_run_child_at_its_history_quota_fails_alone() {
    // Loop bodies: the quota falls in the middle of whatever they record
    // (a Wait's timer, a Parallel's branches).
    let bodies = [
        ("pass", json!({"Type": "Pass", "Next": "B"})),
        ("wait", json!({"Type": "Wait", "Seconds": 1, "Next": "B"})),
        (
            "parallel",
            json!({"Type": "Parallel", "Next": "B", "ResultPath": null, "Branches": [
                {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}},
                {"StartAt": "Y", "States": {"Y": {"Type": "Wait", "Seconds": 1, "End": true}}}
            ]}),
        ),
    ];
    // (ToleratedFailureCount, the parent's status)
    let tolerances = [(None, "FAILED"), (Some(1), "SUCCEEDED")];
    for (body_name, body) in &bodies {
        for (tolerance, parent_status) in tolerances {
            let name = format!("{body_name}, tolerating {tolerance:?}");
            let processor = json!({"StartAt": "B", "States": {
                "A": body,
                "B": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "E"}], "Default": "A"},
                "E": {"Type": "Succeed"}
            }});
            let mut fields = json!({"Label": "Fan"});
            if let Some(n) = tolerance {
                fields["ToleratedFailureCount"] = json!(n);
            }
            let def = common::distributed_map(processor, fields, false);
            let items = json!([{"stop": 0}, {}, {"stop": 2}]);
            let run = common::run(&def, items, json!({}), 1);
            assert_eq!(run.status(), parent_status, "{name}: {:?}", run.error());
            if tolerance.is_some() {
                assert_eq!(
                    run.output(),
                    Some(json!([{"stop": 0}, null, {"stop": 2}])),
                    "{name}"
                );
            }
            // The parent's own history stays short.
            let parent = stepwell_core::render_history(run.plan.clone(), &run.info, &run.history)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(parent.len() < 20, "{name}: {} parent events", parent.len());

            let runs = stepwell_core::map_run::map_runs(run.plan.clone(), &run.info, &run.history)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let mr = &runs[0];
            let spun = mr
                .children
                .iter()
                .find(|c| c.index == 1)
                .unwrap_or_else(|| panic!("{name}: no child 1"));
            assert_eq!(spun.status, "FAILED", "{name}");
            assert!(spun.not_redrivable, "{name}: {:?}", spun.error);
            assert_eq!(
                spun.error,
                Some((
                    "States.Runtime".into(),
                    "The execution reached the maximum number of history events (25000).".into()
                )),
                "{name}"
            );
            for c in mr.children.iter().filter(|c| c.index != 1) {
                assert_eq!((c.status, c.not_redrivable), ("SUCCEEDED", false), "{name}");
            }
            let counts = mr.counts();
            assert_eq!(
                (counts.failed, counts.failures_not_redrivable),
                (1, 1),
                "{name}"
            );

            // The child's own history: 25,000 events, the last its failure.
            let stem = stepwell_core::map_run::stem_of_map_run(&mr.arn).unwrap_or_default();
            let child = stepwell_core::render_child_history(
                run.plan.clone(),
                &run.info,
                &run.history,
                stem,
                1,
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(child.len(), 25_000, "{name}");
            for (i, e) in child.iter().enumerate() {
                assert_eq!(e["id"], json!(i + 1), "{name}: ids run on");
            }
            assert_eq!(child[24_999]["type"], "ExecutionFailed", "{name}");
            assert_eq!(
                child[24_999]["executionFailedEventDetails"]["error"], "States.Runtime",
                "{name}"
            );
        }
    }
}

#[test]
fn a_task_input_over_the_limit_once_parameters_built_it_fails_before_it_is_scheduled() {
    // The state's input (150,000 characters) is under 256 KiB; the payload
    // Parameters make of it (twice that) is not.
    let big = "x".repeat(150_000);
    let task = json!({"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
                      "Parameters": {"a.$": "$.big", "b.$": "$.big"}, "End": true});
    let def = json!({"StartAt": "T", "States": {"T": task}}).to_string();
    let run = common::run(&def, json!({ "big": big }), json!({}), 1);
    assert_eq!(
        run.error(),
        Some((
            "States.DataLimitExceeded".into(),
            "The state/task 'T' has an input with a size exceeding the maximum number of bytes service limit (262144 bytes).".into()
        ))
    );
    let scheduled = |e: &stepwell_core::Event| matches!(e.kind, EventKind::TaskScheduled { .. });
    assert!(!run.history.iter().any(scheduled));
    // A catcher takes it.
    let mut caught = task;
    caught["Catch"] =
        json!([{"ErrorEquals": ["States.DataLimitExceeded"], "ResultPath": null, "Next": "C"}]);
    let def =
        json!({"StartAt": "T", "States": {"T": caught, "C": {"Type": "Succeed"}}}).to_string();
    let run = common::run(&def, json!({ "big": "x".repeat(150_000) }), json!({}), 1);
    assert_eq!(run.status(), "SUCCEEDED");
}
