//! RedriveExecution: a failed execution runs again from the top-level state
//! that failed; the redriven history replays to the same state.

mod common;

use serde_json::json;
use stepwell_core::{Command, EventKind, Execution, Input, Status};
use stepwell_engine::SplitMix;

#[test]
fn a_failed_execution_redrives_from_the_failed_state_and_replays() {
    let def = json!({
        "StartAt": "Prep",
        "States": {
            "Prep": {"Type": "Pass", "Result": 1, "ResultPath": "$.prep", "Next": "Work"},
            "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
                     "Parameters": {"n.$": "$$.Execution.RedriveCount"}, "End": true}
        }
    })
    .to_string();
    let run = common::run(
        &def,
        json!({"x": 1}),
        json!({"Work": [{"Throw": {"Error": "Boom", "Cause": "first"}}]}),
        7,
    );
    assert_eq!(run.status(), "FAILED");
    let (plan, info, mut exec, mut history) = (run.plan, run.info, run.exec, run.history);
    let mut entropy = SplitMix::new(1);

    // Redriving a running or succeeded execution does nothing; a failed one
    // records ExecutionRedriven and enters Work again with its old input.
    let d = exec.decide(Input::Redrive, 1_000_000, &mut entropy);
    assert!(matches!(
        d.events[0].kind,
        EventKind::ExecutionRedriven { redrive_count: 1 }
    ));
    assert_eq!(exec.status(), Status::Running);
    assert_eq!(exec.redrive_count(), 1);
    let task = d
        .commands
        .iter()
        .find_map(|c| match c {
            Command::RunTask(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the task runs again");
    assert_eq!(*task.payload, json!({"n": 1}));
    history.extend(d.events);
    let d = exec.decide(
        Input::TaskSucceeded {
            task: task.task,
            output: json!({"ok": true}),
        },
        1_000_010,
        &mut entropy,
    );
    history.extend(d.events);
    assert_eq!(exec.status(), Status::Succeeded);
    assert!(exec
        .decide(Input::Redrive, 1_000_020, &mut entropy)
        .events
        .is_empty());

    let entered: Vec<bool> = history
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StateEntered { input, .. } => Some(input.get("prep").is_some()),
            _ => None,
        })
        .collect();
    assert_eq!(
        entered,
        [false, true, true],
        "Prep once, Work twice (with Prep's result)"
    );
    let replayed = Execution::replay(plan, info, &history).expect("the redriven history replays");
    assert!(replayed == exec);
    assert!(replayed.pending().is_empty());
}
