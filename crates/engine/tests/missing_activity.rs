//! A Task whose activity does not exist (never created, or deleted before
//! the Task runs): the driver says so (`set_missing_activities`) and AWS's
//! history follows: `TaskStateEntered`, then `ExecutionFailed` with
//! `States.Runtime`, no `ActivityScheduled`, whatever the Task's Retry and
//! Catch (localstack/localstack
//! tests/aws/services/stepfunctions/v2/activities/test_activities.snapshot.json,
//! `test_activity_task_on_deleted`).

mod common;

use serde_json::{json, Value};
use stepwell_core::{Command, Execution, Input, Status};
use stepwell_engine::SplitMix;

const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:work";

/// Start `definition` with `missing` reported missing: the rendered
/// history as `Type(id←previousEventId)`, the `ExecutionFailed` details,
/// and whether a task was asked for.
fn run(definition: Value, missing: &[&str]) -> (Vec<String>, Value, bool) {
    let plan = common::parse(&definition.to_string());
    let info = common::info("M", json!({"a": 1}));
    let mut exec = Execution::new(plan.clone(), info.clone());
    assert_eq!(exec.activity_resources(), [ACTIVITY]);
    exec.set_missing_activities(missing.iter().map(|s| s.to_string()).collect());
    let mut entropy = SplitMix::new(1);
    let d = exec.decide(Input::Start, 0, &mut entropy);
    let ran = d.commands.iter().any(|c| matches!(c, Command::RunTask(_)));
    // The history replays to the same state without the driver's knowledge.
    let replayed = Execution::replay(plan.clone(), info.clone(), &d.events)
        .unwrap_or_else(|e| panic!("replay: {e}"));
    assert!(replayed == exec);
    let events = stepwell_core::render_history(plan, &info, &d.events)
        .unwrap_or_else(|e| panic!("render: {e}"));
    let chain = events
        .iter()
        .map(|e| {
            format!(
                "{}({}←{})",
                e["type"].as_str().unwrap_or_default(),
                e["id"],
                e["previousEventId"]
            )
        })
        .collect();
    let failed = events
        .iter()
        .find(|e| e["type"] == "ExecutionFailed")
        .map(|e| e["executionFailedEventDetails"].clone())
        .unwrap_or(Value::Null);
    if failed.is_null() {
        assert_eq!(exec.status(), Status::Running);
    } else {
        assert_eq!(exec.status(), Status::Failed);
    }
    (chain, failed, ran)
}

fn cause(state: &str, entered: u64) -> String {
    format!("An error occurred while executing the state '{state}' (entered at the event id #{entered}). The activity {ACTIVITY} does not exist.")
}

#[test]
fn a_missing_activity_fails_the_execution_before_anything_is_scheduled() {
    // Retry and Catch, even on States.ALL, do not take it.
    let definition = json!({"StartAt": "ActivityTask", "States": {
        "ActivityTask": {"Type": "Task", "Resource": ACTIVITY, "End": true,
            "Retry": [{"ErrorEquals": ["States.ALL"]}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
        "Caught": {"Type": "Pass", "End": true}}});
    let (chain, failed, ran) = run(definition.clone(), &[ACTIVITY]);
    assert_eq!(
        chain,
        [
            "ExecutionStarted(1←0)",
            "TaskStateEntered(2←0)",
            "ExecutionFailed(3←2)"
        ]
    );
    assert_eq!(
        failed,
        json!({"error": "States.Runtime", "cause": cause("ActivityTask", 2)})
    );
    assert!(!ran, "nothing is queued for a worker");

    // An activity that exists is scheduled as ever.
    let (chain, failed, ran) = run(definition, &[]);
    assert_eq!(
        chain,
        [
            "ExecutionStarted(1←0)",
            "TaskStateEntered(2←0)",
            "ActivityScheduled(3←2)"
        ]
    );
    assert!(failed.is_null() && ran);
}

#[test]
fn in_a_parallel_branch_it_fails_the_execution_after_the_branch_s_state() {
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
        "Branches": [{"StartAt": "ActivityTask", "States": {
            "ActivityTask": {"Type": "Task", "Resource": ACTIVITY, "End": true}}}]}}});
    let (chain, failed, _) = run(definition, &[ACTIVITY]);
    assert_eq!(
        chain,
        [
            "ExecutionStarted(1←0)",
            "ParallelStateEntered(2←0)",
            "ParallelStateStarted(3←2)",
            "TaskStateEntered(4←3)",
            "ExecutionFailed(5←4)"
        ]
    );
    assert_eq!(failed["cause"], cause("ActivityTask", 4));
}
