//! Distributed Maps as Map Runs: the parent's history shows `MapRunStarted`
//! and `MapRunSucceeded`/`MapRunFailed` instead of the iterations, and each
//! iteration is a child execution with a history of its own.

mod common;

use serde_json::{json, Value};
use stepwell_core::map_run::{self, MapRun};
use stepwell_core::{render_child_history, render_history, Command, Input, Status};
use stepwell_engine::SplitMix;

/// A Distributed Map over `$.items` running `processor_states` from `Work`.
fn distributed(processor_states: Value, extra: Value) -> String {
    let mut fields = json!({"ItemsPath": "$.items"});
    if let (Some(f), Some(x)) = (fields.as_object_mut(), extra.as_object()) {
        f.extend(x.clone());
    }
    let processor = json!({"StartAt": "Work", "States": processor_states});
    common::distributed_map(processor, fields, false)
}

use common::types;

/// Ids run 1, 2, 3... and every event follows an earlier one.
fn check_ids(history: &[Value]) {
    for (i, e) in history.iter().enumerate() {
        assert_eq!(e["id"], json!(i + 1), "{e}");
        let prev = e["previousEventId"].as_u64().unwrap_or(u64::MAX);
        assert!(prev <= i as u64, "{e}");
    }
}

fn only_run(runs: &[MapRun]) -> &MapRun {
    assert_eq!(runs.len(), 1, "{runs:?}");
    &runs[0]
}

#[test]
fn a_distributed_map_records_a_map_run_and_each_item_a_child_history() {
    let def = distributed(
        json!({"Work": {"Type": "Pass", "Parameters": {"twice.$": "States.MathAdd($.n, $.n)"}, "End": true}}),
        json!({"Label": "Doubler"}),
    );
    let run = common::run(
        &def,
        json!({"items": [{"n": 1}, {"n": 2}, {"n": 3}]}),
        json!({}),
        3,
    );
    assert_eq!(
        run.output(),
        Some(json!([{"twice": 2}, {"twice": 4}, {"twice": 6}]))
    );

    let parent = render_history(run.plan.clone(), &run.info, &run.history).unwrap();
    assert_eq!(
        types(&parent),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
    check_ids(&parent);

    let runs = map_run::map_runs(run.plan.clone(), &run.info, &run.history).unwrap();
    let mr = only_run(&runs);
    assert_eq!(
        parent[3]["mapRunStartedEventDetails"]["mapRunArn"],
        json!(mr.arn)
    );
    assert!(mr
        .arn
        .starts_with("arn:aws:states:us-east-1:123456789012:mapRun:Machine/Doubler:"));
    assert_eq!(mr.status, "SUCCEEDED");
    let counts = mr.counts();
    assert_eq!((counts.total, counts.succeeded, counts.pending), (3, 3, 0));

    let stem = map_run::stem_of_map_run(&mr.arn).unwrap();
    for child in &mr.children {
        let (_, arn) = map_run::child_arn(&mr.arn, child.index);
        assert_eq!(map_run::parse_child_arn(&arn), Some((stem, child.index)));
        let n = child.index + 1;
        assert_eq!(child.input.as_deref(), Some(&json!({ "n": n })));
        assert_eq!(child.output.as_deref(), Some(&json!({ "twice": 2 * n })));
        let h = render_child_history(run.plan.clone(), &run.info, &run.history, stem, child.index)
            .unwrap();
        assert_eq!(
            types(&h),
            [
                "ExecutionStarted",
                "PassStateEntered",
                "PassStateExited",
                "ExecutionSucceeded"
            ]
        );
        check_ids(&h);
        assert_eq!(
            h[0]["executionStartedEventDetails"]["input"],
            json!(json!({ "n": n }).to_string())
        );
        assert_eq!(
            h[3]["executionSucceededEventDetails"]["output"],
            json!(json!({ "twice": 2 * n }).to_string())
        );
    }
    let none = render_child_history(run.plan.clone(), &run.info, &run.history, stem, 9).unwrap();
    assert!(none.is_empty());
}

#[test]
fn a_failing_child_fails_the_map_run_and_the_map_state() {
    let def = distributed(
        json!({"Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f", "End": true}}),
        json!({"MaxConcurrency": 1}),
    );
    let run = common::run(
        &def,
        json!({"items": [1, 2, 3]}),
        json!({"Work": [{"Return": 1}, {"Throw": {"Error": "Boom", "Cause": "item 2"}}]}),
        5,
    );
    assert_eq!(run.status(), "FAILED");
    let parent = render_history(run.plan.clone(), &run.info, &run.history).unwrap();
    assert_eq!(
        types(&parent),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunFailed",
            "MapStateFailed",
            "ExecutionFailed"
        ]
    );
    check_ids(&parent);
    let runs = map_run::map_runs(run.plan.clone(), &run.info, &run.history).unwrap();
    let mr = only_run(&runs);
    assert_eq!(mr.status, "FAILED");
    let c = mr.counts();
    assert_eq!((c.succeeded, c.failed, c.pending, c.total), (1, 1, 1, 3));
    assert_eq!(
        mr.children[1].error,
        Some(("Boom".to_string(), "item 2".to_string()))
    );
    let stem = map_run::stem_of_map_run(&mr.arn).unwrap();
    let h = render_child_history(run.plan.clone(), &run.info, &run.history, stem, 1).unwrap();
    assert_eq!(
        types(&h),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionFailed",
            "ExecutionFailed"
        ]
    );
    check_ids(&h);
}

#[test]
fn update_map_run_changes_the_concurrency_of_a_running_map_run() {
    let def = distributed(
        json!({"Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}),
        json!({"MaxConcurrency": 1}),
    );
    let plan = common::parse(&def);
    let info = common::info("Machine", json!({"items": [1, 2, 3]}));
    let mut exec = stepwell_core::Execution::new(plan.clone(), info.clone());
    let mut entropy = SplitMix::new(1);
    let tasks = |d: &stepwell_core::Decision| {
        d.commands
            .iter()
            .filter(|c| matches!(c, Command::RunTask(_)))
            .count()
    };
    let d = exec.decide(Input::Start, common::T0, &mut entropy);
    assert_eq!(tasks(&d), 1);
    let mut history = d.events;
    let arn = map_run::map_runs(plan.clone(), &info, &history).unwrap()[0]
        .arn
        .clone();

    // An unknown Map Run changes nothing.
    let d = exec.decide(
        Input::UpdateMapRun {
            arn: format!("{arn}x"),
            max_concurrency: Some(0),
            tolerated_count: None,
            tolerated_percentage: None,
        },
        common::T0 + 1,
        &mut entropy,
    );
    assert!(d.events.is_empty() && d.commands.is_empty());

    let d = exec.decide(
        Input::UpdateMapRun {
            arn: arn.clone(),
            max_concurrency: Some(0),
            tolerated_count: Some(2),
            tolerated_percentage: None,
        },
        common::T0 + 2,
        &mut entropy,
    );
    assert_eq!(tasks(&d), 2, "the other two items start at once");
    history.extend(d.events);
    assert_eq!(exec.status(), Status::Running);
    let runs = map_run::map_runs(plan.clone(), &info, &history).unwrap();
    let mr = only_run(&runs);
    assert_eq!((mr.max_concurrency, mr.tolerated_count), (0, 2));
    assert_eq!(mr.counts().running, 3);
    // The updates replay.
    let replayed = stepwell_core::Execution::replay(plan, info, &history).unwrap();
    assert_eq!(replayed, exec);
}

#[test]
fn a_child_execution_sees_itself_in_the_context_object() {
    let def = distributed(
        json!({"Work": {"Type": "Pass", "Parameters": {
            "id.$": "$$.Execution.Id",
            "name.$": "$$.Execution.Name",
            "input.$": "$$.Execution.Input",
            "machine.$": "$$.StateMachine.Id",
            "machineName.$": "$$.StateMachine.Name"
        }, "End": true}}),
        json!({"Label": "Ctx", "ItemSelector": {"item.$": "$$.Map.Item.Value", "parent.$": "$$.Execution.Id"}}),
    );
    let run = common::run(&def, json!({"items": ["a", "b"]}), json!({}), 11);
    let runs = map_run::map_runs(run.plan.clone(), &run.info, &run.history).unwrap();
    let mr = only_run(&runs);
    let Some(Value::Array(out)) = run.output() else {
        panic!("no output: {:?}", run.error());
    };
    for (i, o) in out.iter().enumerate() {
        let (name, arn) = map_run::child_arn(&mr.arn, i as u32);
        let item = ["a", "b"][i];
        assert_eq!(
            o,
            &json!({
                "id": arn,
                "name": name,
                "input": {"item": item, "parent": run.info.id},
                "machine": "arn:aws:states:us-east-1:123456789012:stateMachine:Machine/Ctx",
                "machineName": "Machine/Ctx"
            })
        );
    }
}

/// StopExecution of a child execution: it ends ABORTED, its history with
/// AWS's `ExecutionAborted` (the request's error and cause), and counts
/// against the Map Run's tolerated failures (AWS counts the children
/// "stopped by the user" as aborted: `MapRunExecutionCounts`).
#[test]
fn a_stopped_child_execution_is_aborted_and_counts_as_failed() {
    let run_with = |tolerance: Value| {
        let def = distributed(
            json!({"Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}),
            tolerance,
        );
        let plan = common::parse(&def);
        let info = common::info("Machine", json!({"items": [1, 2, 3]}));
        let mut exec = stepwell_core::Execution::new(plan.clone(), info.clone());
        let mut entropy = SplitMix::new(1);
        let d = exec.decide(Input::Start, common::T0, &mut entropy);
        let tasks: Vec<_> = d
            .commands
            .iter()
            .filter_map(|c| match c {
                Command::RunTask(t) => Some(t.task),
                _ => None,
            })
            .collect();
        assert_eq!(tasks.len(), 3);
        let mut history = d.events;
        let arn = map_run::map_runs(plan.clone(), &info, &history).unwrap()[0]
            .arn
            .clone();
        let stop = |exec: &mut stepwell_core::Execution, map_run: &str, index, at| {
            exec.decide(
                Input::StopChild {
                    map_run: map_run.to_string(),
                    index,
                    error: "Halt".into(),
                    cause: "by hand".into(),
                },
                at,
                &mut SplitMix::new(2),
            )
        };
        // An unknown Map Run or child changes nothing.
        for (map_run, index) in [(format!("{arn}x"), 1), (arn.clone(), 7)] {
            let d = stop(&mut exec, &map_run, index, common::T0 + 1);
            assert!(d.events.is_empty() && d.commands.is_empty());
        }
        let d = stop(&mut exec, &arn, 1, common::T0 + 2);
        assert!(
            d.commands.contains(&Command::CancelTask { task: tasks[1] }),
            "{:?}",
            d.commands
        );
        history.extend(d.events);
        // Stopped again: nothing more.
        let d = stop(&mut exec, &arn, 1, common::T0 + 3);
        assert!(d.events.is_empty());
        for (i, &task) in tasks.iter().enumerate().filter(|(i, _)| *i != 1) {
            let d = exec.decide(
                Input::TaskSucceeded {
                    task,
                    output: json!(i),
                },
                common::T0 + 4,
                &mut entropy,
            );
            history.extend(d.events);
        }
        let replayed =
            stepwell_core::Execution::replay(plan.clone(), info.clone(), &history).unwrap();
        assert_eq!(replayed, exec);
        let child = render_child_history(
            plan.clone(),
            &info,
            &history,
            map_run::stem_of_map_run(&arn).unwrap(),
            1,
        )
        .unwrap();
        let last = child.last().cloned().unwrap_or_default();
        assert_eq!(last["type"], "ExecutionAborted");
        // A stop comes from outside the run, as the execution's own does.
        assert_eq!(last["previousEventId"], 0);
        assert_eq!(
            last["executionAbortedEventDetails"],
            json!({"error": "Halt", "cause": "by hand"})
        );
        let runs = map_run::map_runs(plan.clone(), &info, &history).unwrap();
        let mr = only_run(&runs);
        let c = &mr.children[1];
        assert_eq!(
            (c.status, c.error.clone()),
            ("ABORTED", Some(("Halt".to_string(), "by hand".to_string())))
        );
        (exec, mr.status, mr.counts().aborted)
    };
    // Tolerated: the others finish and the Map succeeds.
    let (exec, status, aborted) = run_with(json!({"ToleratedFailureCount": 1}));
    assert_eq!(
        (exec.status(), status, aborted),
        (Status::Succeeded, "SUCCEEDED", 1)
    );
    // Not tolerated: the Map Run fails at once with the stop's error.
    let (exec, status, _) = run_with(json!({}));
    assert_eq!((exec.status(), status), (Status::Failed, "FAILED"));
}
