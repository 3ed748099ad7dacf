//! `Input::Fail`: the driver fails a running execution, as AWS does at the
//! next state transition of an execution whose state machine was deleted;
//! `Execution::awaits` tells which inputs are such a transition.

mod common;

use serde_json::json;
use stepwell_core::{Command, EventKind, Execution, Input, Status};
use stepwell_engine::SplitMix;

#[test]
fn a_waiting_execution_fails_at_the_input_that_would_move_it() {
    let plan = common::parse(
        r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": true}}}"#,
    );
    let info = common::info("M", json!({"a": 1}));
    let mut exec = Execution::new(plan.clone(), info.clone());
    let mut entropy = SplitMix::new(1);
    let mut history = exec.decide(Input::Start, 0, &mut entropy).events;
    let timer = exec
        .pending()
        .iter()
        .find_map(|c| match c {
            Command::StartTimer { timer, .. } => Some(*timer),
            _ => None,
        })
        .expect("the Wait armed a timer");

    // Only the timer moves it on.
    assert!(exec.awaits(&Input::TimerFired { timer }));
    assert!(!exec.awaits(&Input::TimerFired { timer: timer + 1 }));
    assert!(!exec.awaits(&Input::TaskHeartbeat { task: 1 }));
    assert!(!exec.awaits(&Input::Start));
    let stop = Input::Stop {
        error: String::new(),
        cause: String::new(),
    };
    assert!(!exec.awaits(&stop));

    let fail = || Input::Fail {
        error: "States.Runtime".into(),
        cause: "State machine M has been deleted.".into(),
    };
    let d = exec.decide(fail(), 5, &mut entropy);
    assert_eq!(exec.status(), Status::Failed);
    assert!(matches!(
        &d.events.last().map(|e| &e.kind),
        Some(EventKind::ExecutionFailed { error, cause })
            if error == "States.Runtime" && cause == "State machine M has been deleted."
    ));
    assert!(d.commands.contains(&Command::CancelTimer { timer }));
    assert!(d.commands.contains(&Command::Finished));
    history.extend(d.events);

    // Once ended, nothing more happens; the history replays to the same state.
    let again = exec.decide(fail(), 6, &mut entropy);
    assert!(again.events.is_empty() && again.commands.is_empty());
    let mut replayed = Execution::new(plan, info);
    for e in &history {
        replayed.apply(e).expect("the history replays");
    }
    assert!(replayed == exec);
}

#[test]
fn a_stop_that_comes_before_the_start_starts_the_execution_first() {
    let plan = common::parse(
        r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": true}}}"#,
    );
    let info = common::info("M", json!({}));
    let mut exec = Execution::new(plan, info);
    let mut entropy = SplitMix::new(1);
    let stop = Input::Stop {
        error: "Early".into(),
        cause: "before the start".into(),
    };
    let d = exec.decide(stop, 0, &mut entropy);
    assert_eq!(exec.status(), Status::Aborted);
    let kinds: Vec<&EventKind> = d.events.iter().map(|e| &e.kind).collect();
    assert!(
        matches!(kinds.first(), Some(EventKind::ExecutionStarted { .. })),
        "{kinds:?}"
    );
    assert!(
        matches!(kinds.last(), Some(EventKind::ExecutionAborted { .. })),
        "{kinds:?}"
    );
    // The start that follows changes nothing.
    let late = exec.decide(Input::Start, 1, &mut entropy);
    assert!(late.events.is_empty());
}
