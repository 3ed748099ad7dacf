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

fn pass(next: Option<&str>) -> Value {
    match next {
        Some(n) => json!({"Type": "Pass", "Next": n}),
        None => json!({"Type": "Pass", "End": true}),
    }
}

/// LocalStack's recording of `test_map_state` (AWS, MaxConcurrency 1): an
/// iteration that ends with event E is followed by its
/// `MapIterationSucceeded` and the next `MapIterationStarted`, both after E;
/// the Map's end follows the last `MapIterationSucceeded`, and
/// `MapStateExited` skips `MapStateSucceeded`.
#[test]
fn a_map_with_max_concurrency_one_chains_each_iteration_from_the_last() {
    let run = run(
        json!({"StartAt": "M", "States": {"M": {
            "Type": "Map", "MaxConcurrency": 1,
            "ItemProcessor": {"StartAt": "I", "States": {"I": pass(None)}},
            "Next": "After"}, "After": pass(None)}}),
        json!([1, 2]),
    );
    assert_eq!(
        chain(&run),
        [
            "ExecutionStarted(1←0)",
            "MapStateEntered(2←0)",
            "MapStateStarted(3←2)",
            "MapIterationStarted(4←3)",
            "PassStateEntered(5←4)",
            "PassStateExited(6←5)",
            "MapIterationSucceeded(7←6)",
            "MapIterationStarted(8←6)",
            "PassStateEntered(9←8)",
            "PassStateExited(10←9)",
            "MapIterationSucceeded(11←10)",
            "MapStateSucceeded(12←11)",
            "MapStateExited(13←11)",
            "PassStateEntered(14←13)",
            "PassStateExited(15←14)",
            "ExecutionSucceeded(16←15)"
        ]
    );
}

/// floci's AslExecutorBranchHistoryEventsTest (lower confidence): without
/// a MaxConcurrency every iteration starts from `MapStateStarted`.
#[test]
fn a_map_without_max_concurrency_starts_every_iteration_from_map_state_started() {
    let run = run(
        json!({"StartAt": "M", "States": {"M": {
            "Type": "Map",
            "ItemProcessor": {"StartAt": "I", "States": {"I": pass(None)}},
            "End": true}}}),
        json!([1, 2]),
    );
    let started: Vec<String> = chain(&run)
        .into_iter()
        .filter(|e| e.starts_with("MapIterationStarted"))
        .collect();
    assert_eq!(
        started,
        ["MapIterationStarted(4←3)", "MapIterationStarted(8←3)"]
    );
}

/// LocalStack's recordings of `test_map_state_catch` and
/// `test_map_state_retry`: `MapStateFailed`, and a retry's
/// `MapStateStarted`, follow the failing iteration's last state event,
/// not its `MapIterationFailed`.
#[test]
fn a_failed_map_follows_the_failing_iterations_last_state_event() {
    let fail = json!({"Type": "Fail", "Error": "E", "Cause": "c"});
    let run = run(
        json!({"StartAt": "M", "States": {"M": {
            "Type": "Map",
            "ItemProcessor": {"StartAt": "F", "States": {"F": fail}},
            "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1, "IntervalSeconds": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            "End": true}, "Caught": pass(None)}}),
        json!([1]),
    );
    assert_eq!(
        chain(&run),
        [
            "ExecutionStarted(1←0)",
            "MapStateEntered(2←0)",
            "MapStateStarted(3←2)",
            "MapIterationStarted(4←3)",
            "FailStateEntered(5←4)",
            "MapIterationFailed(6←5)",
            "MapStateStarted(7←5)",
            "MapIterationStarted(8←7)",
            "FailStateEntered(9←8)",
            "MapIterationFailed(10←9)",
            "MapStateFailed(11←9)",
            "MapStateExited(12←11)",
            "PassStateEntered(13←12)",
            "PassStateExited(14←13)",
            "ExecutionSucceeded(15←14)"
        ]
    );
}

/// An empty Map (LocalStack's recordings): its success follows
/// `MapStateStarted`, and so does its exit.
#[test]
fn an_empty_map_ends_after_map_state_started() {
    let run = run(
        json!({"StartAt": "M", "States": {"M": {
            "Type": "Map",
            "ItemProcessor": {"StartAt": "I", "States": {"I": pass(None)}},
            "End": true}}}),
        json!([]),
    );
    assert_eq!(
        chain(&run),
        [
            "ExecutionStarted(1←0)",
            "MapStateEntered(2←0)",
            "MapStateStarted(3←2)",
            "MapStateSucceeded(4←3)",
            "MapStateExited(5←3)",
            "ExecutionSucceeded(6←5)"
        ]
    );
}

/// A Distributed Map (LocalStack's recordings): `MapRunSucceeded` and
/// `MapStateSucceeded` do not move the chain, `MapStateSucceeded` follows
/// `MapRunSucceeded`, and the exit follows `MapRunStarted`.
#[test]
fn a_distributed_map_exits_after_map_run_started() {
    let def = common::distributed_map(common::echo(), json!({}), false);
    let run = common::run(&def, json!([1]), json!({}), 1);
    assert_eq!(
        chain(&run),
        [
            "ExecutionStarted(1←0)",
            "MapStateEntered(2←0)",
            "MapStateStarted(3←2)",
            "MapRunStarted(4←3)",
            "MapRunSucceeded(5←4)",
            "MapStateSucceeded(6←5)",
            "MapStateExited(7←4)",
            "ExecutionSucceeded(8←7)"
        ]
    );
}

/// floci's AslExecutorBranchHistoryEventsTest (shapes read off AWS): a
/// branch's Fail state ends the Parallel, whose failure follows it.
#[test]
fn a_parallel_fails_after_its_failing_branchs_last_event() {
    let fail = json!({"Type": "Fail", "Error": "MyError", "Cause": "my cause"});
    let run = run(
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel",
            "Branches": [{"StartAt": "Boom", "States": {"Boom": fail}}],
            "End": true}}}),
        json!({}),
    );
    assert_eq!(
        chain(&run),
        [
            "ExecutionStarted(1←0)",
            "ParallelStateEntered(2←0)",
            "ParallelStateStarted(3←2)",
            "FailStateEntered(4←3)",
            "ParallelStateFailed(5←4)",
            "ExecutionFailed(6←5)"
        ]
    );
}

/// floci's test: a retried Parallel starts again after the failing
/// branch's last event.
#[test]
fn a_retried_parallel_starts_again_after_its_failing_branch() {
    let fail = json!({"Type": "Fail", "Error": "MyError", "Cause": "my cause"});
    let run = run(
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel",
            "Branches": [{"StartAt": "Boom", "States": {"Boom": fail}}],
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}],
            "End": true}}}),
        json!({}),
    );
    assert_eq!(
        chain(&run),
        [
            "ExecutionStarted(1←0)",
            "ParallelStateEntered(2←0)",
            "ParallelStateStarted(3←2)",
            "FailStateEntered(4←3)",
            "ParallelStateStarted(5←4)",
            "FailStateEntered(6←5)",
            "ParallelStateFailed(7←6)",
            "ExecutionFailed(8←7)"
        ]
    );
}

/// floci's test: a mocked Task fails in a branch and the Parallel catches
/// it; `TaskStateAborted` does not move the chain.
#[test]
fn a_caught_parallel_failure_skips_task_state_aborted() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel",
        "Branches": [{"StartAt": "Send", "States": {"Send": {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/000000000000/q", "MessageBody": "hi"},
            "End": true}}}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
        "End": true}, "Handled": pass(None)}});
    let run = common::run(
        &def.to_string(),
        json!({}),
        json!({"Send": [{"Throw": {"Error": "MyError", "Cause": "boom"}}]}),
        1,
    );
    assert_eq!(
        chain(&run),
        [
            "ExecutionStarted(1←0)",
            "ParallelStateEntered(2←0)",
            "ParallelStateStarted(3←2)",
            "TaskStateEntered(4←3)",
            "TaskScheduled(5←4)",
            "TaskStarted(6←5)",
            "TaskFailed(7←6)",
            "TaskStateAborted(8←7)",
            "ParallelStateFailed(9←7)",
            "ParallelStateExited(10←9)",
            "PassStateEntered(11←10)",
            "PassStateExited(12←11)",
            "ExecutionSucceeded(13←12)"
        ]
    );
}

/// LocalStack's recording of `test_parallel_state` (AWS, before its
/// snapshot tool deleted the event: see scripts/history-check.py): a
/// Parallel whose branches all succeed records `ParallelStateSucceeded`;
/// it and `ParallelStateExited` both follow the last branch event.
#[test]
fn a_parallel_that_succeeds_records_parallel_state_succeeded() {
    let run = run(
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel",
            "Branches": [
                {"StartAt": "A", "States": {"A": pass(None)}},
                {"StartAt": "B", "States": {"B": pass(None)}}],
            "End": true}}}),
        json!({}),
    );
    assert_eq!(
        chain(&run),
        [
            "ExecutionStarted(1←0)",
            "ParallelStateEntered(2←0)",
            "ParallelStateStarted(3←2)",
            "PassStateEntered(4←3)",
            "PassStateExited(5←4)",
            "PassStateEntered(6←3)",
            "PassStateExited(7←6)",
            "ParallelStateSucceeded(8←7)",
            "ParallelStateExited(9←7)",
            "ExecutionSucceeded(10←9)"
        ]
    );
}

/// floci-io/floci issue 2868 quotes AWS's history (two branches): a
/// States.Runtime error in a branch ends the execution at once, after the
/// failing state's entry; no `ParallelStateFailed`. floci's tests give the
/// same for a Task in a branch (no `TaskStateAborted`) and for a Map
/// iteration (no `MapIterationFailed`, no `MapStateFailed`).
#[test]
fn a_runtime_error_in_a_branch_or_iteration_ends_the_execution_at_once() {
    let bad = json!({"Type": "Pass", "Parameters": {"m.$": "$.nope"}, "End": true});
    let wait = json!({"Type": "Wait", "Seconds": 1, "End": true});
    let parallel = run(
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "Fast", "States": {"Fast": bad}},
            {"StartAt": "Slow", "States": {"Slow": wait}}]}}}),
        json!({"x": "a"}),
    );
    assert_eq!(parallel.status(), "FAILED");
    assert_eq!(
        chain(&parallel),
        [
            "ExecutionStarted(1←0)",
            "ParallelStateEntered(2←0)",
            "ParallelStateStarted(3←2)",
            "PassStateEntered(4←3)",
            "ExecutionFailed(5←4)"
        ]
    );
    let task = json!({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                      "Parameters": {"QueueUrl.$": "$.nope", "MessageBody": "m"}, "End": true});
    let in_branch = run(
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
            "Branches": [{"StartAt": "Send", "States": {"Send": task}}]}}}),
        json!({}),
    );
    assert_eq!(
        chain(&in_branch)[3..],
        ["TaskStateEntered(4←3)", "ExecutionFailed(5←4)"]
    );
    let map = run(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "End": true,
            "ItemProcessor": {"StartAt": "Fast", "States": {"Fast": bad}}}}}),
        json!([1, 2]),
    );
    assert_eq!(
        chain(&map)[3..],
        [
            "MapIterationStarted(4←3)",
            "PassStateEntered(5←4)",
            "ExecutionFailed(6←5)"
        ]
    );
    assert!(
        matches!(map.error(), Some((e, c)) if e == "States.Runtime"
            && c.starts_with("An error occurred while executing the state 'Fast' (entered at the event id #5).")),
        "{:?}",
        map.error()
    );
}

/// LocalStack's recording of AWS's `test_stop_execution`: a stop comes
/// from outside the run, so `ExecutionAborted` follows event 0.
#[test]
fn a_stopped_execution_is_aborted_after_event_zero() {
    use stepwell_core::{Execution, Input};
    use stepwell_engine::SplitMix;
    let plan = common::parse(
        r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": true}}}"#,
    );
    let info = common::info("M", json!({}));
    let mut exec = Execution::new(plan.clone(), info.clone());
    let mut entropy = SplitMix::new(1);
    let mut history = exec.decide(Input::Start, 0, &mut entropy).events;
    let stop = Input::Stop {
        error: String::new(),
        cause: String::new(),
    };
    history.extend(exec.decide(stop, 1, &mut entropy).events);
    let events = stepwell_core::render_history(plan, &info, &history)
        .unwrap_or_else(|e| panic!("render: {e}"));
    let shown: Vec<String> = events.iter().map(show).collect();
    assert_eq!(
        shown,
        [
            "ExecutionStarted(1←0)",
            "WaitStateEntered(2←0)",
            "ExecutionAborted(3←0)"
        ]
    );
}

/// LocalStack's recording of AWS's `test_service_lambda_map_timeout`
/// (timeouts): four iterations each run a Task that times out. The first
/// timeout fails its iteration (`MapIterationFailed`), the others are
/// aborted (`MapIterationAborted`), and each iteration's Task is recorded
/// as aborted right after its iteration's end; all of these, and
/// `MapStateFailed`, follow the failing iteration's `TaskTimedOut`.
#[test]
fn a_map_failed_by_a_task_records_each_iterations_task_as_aborted() {
    let task = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName.$": "$.FunctionName", "Payload.$": "$.Payload"},
        "TimeoutSeconds": 5, "End": true});
    let item = json!({"FunctionName": "f", "Payload": null});
    let run = common::run_with(
        &json!({"StartAt": "MapWait", "States": {"MapWait": {
            "Type": "Map", "ItemsPath": "$.Inputs",
            "ItemProcessor": {"StartAt": "LambdaInvoke", "States": {"LambdaInvoke": task}},
            "End": true}}})
        .to_string(),
        json!({"Inputs": [item, item, item, item]}),
        &mut |_| None,
    );
    assert_eq!(run.status(), "FAILED");
    assert_eq!(
        chain(&run)[19..],
        [
            // Iteration 0's `TaskStarted` (AWS starts the four side by
            // side, and its other timeouts land before the Map fails).
            "TaskTimedOut(20←7)",
            "MapIterationFailed(21←20)",
            "TaskStateAborted(22←20)",
            "MapIterationAborted(23←20)",
            "TaskStateAborted(24←20)",
            "MapIterationAborted(25←20)",
            "TaskStateAborted(26←20)",
            "MapIterationAborted(27←20)",
            "TaskStateAborted(28←20)",
            "MapStateFailed(29←20)",
            "ExecutionFailed(30←29)"
        ]
    );
}
