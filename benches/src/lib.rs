//! Workloads for Stepwell's criterion benchmarks (`cargo bench -p stepwell-benches`).
//!
//! The benchmarks live in `benches/hot_paths.rs`; this library builds what they
//! run, so the same definitions can be checked by ordinary tests:
//!
//! ```
//! let plan = stepwell_benches::plan(&stepwell_benches::pass_chain(3));
//! let mut exec = stepwell_benches::execution(plan, serde_json::json!({"last": {"step": 0}, "meta": {"name": "x"}}));
//! let history = stepwell_benches::run(&mut exec);
//! assert_eq!(exec.status(), stepwell_core::Status::Succeeded);
//! assert!(!history.is_empty());
//! ```
//!
//! End-to-end timings of the shared workloads are `stepwell bench`'s job.

#![forbid(unsafe_code)]

use std::sync::Arc;

use serde_json::{json, Map, Value};
use stepwell_asl::StateMachine;
use stepwell_core::{Event, Execution, ExecutionInfo};
use stepwell_engine::{run_to_completion, LocalOptions, MockRunner, SplitMix, SystemClock};

/// `n` Pass states in a line, each like `pass-chain-1000`'s: a `Parameters`
/// object with two paths and a constant, written back with `ResultPath`.
pub fn pass_chain(n: usize) -> Value {
    let mut states = Map::new();
    for i in 1..=n {
        let mut st = json!({
            "Type": "Pass",
            "Parameters": {"prev.$": "$.last.step", "name.$": "$.meta.name", "step": i},
            "ResultPath": "$.last",
        });
        if i == n {
            st["End"] = json!(true);
        } else {
            st["Next"] = json!(format!("S{}", i + 1));
        }
        states.insert(format!("S{i}"), st);
    }
    json!({"StartAt": "S1", "States": states})
}

/// A counter loop like `choice-loop`: Choice on `$.i < $.limit`, a Pass
/// that increments `$.i` with `States.MathAdd`, then Succeed.
pub fn choice_loop() -> Value {
    json!({
        "StartAt": "Check",
        "States": {
            "Check": {"Type": "Choice", "Choices": [
                {"Variable": "$.i", "NumericLessThanPath": "$.limit", "Next": "Increment"}
            ], "Default": "Done"},
            "Increment": {"Type": "Pass", "Parameters": {
                "i.$": "States.MathAdd($.i, 1)", "limit.$": "$.limit"
            }, "Next": "Check"},
            "Done": {"Type": "Succeed"}
        }
    })
}

/// One Choice state with a mix of rules (the last one matches), then Succeed.
pub fn choice_rules() -> Value {
    json!({
        "StartAt": "Pick",
        "States": {
            "Pick": {"Type": "Choice", "Choices": [
                {"Variable": "$.order.total", "NumericGreaterThan": 1000, "Next": "Done"},
                {"And": [
                    {"Variable": "$.order.country", "StringEquals": "FR"},
                    {"Variable": "$.order.express", "BooleanEquals": true}
                ], "Next": "Done"},
                {"Or": [
                    {"Variable": "$.order.code", "StringMatches": "X*-99"},
                    {"Not": {"Variable": "$.order.items[0].sku", "IsPresent": true}}
                ], "Next": "Done"},
                {"Variable": "$.order.total", "NumericLessThanEqualsPath": "$.limits.max", "Next": "Done"}
            ], "Default": "Done"},
            "Done": {"Type": "Succeed"}
        }
    })
}

/// The input `choice_rules` is benchmarked with.
pub fn choice_input() -> Value {
    json!({
        "order": {"total": 250, "country": "DE", "express": false, "code": "A1-42",
                  "items": [{"sku": "k1"}, {"sku": "k2"}]},
        "limits": {"max": 500}
    })
}

/// A valid definition, compiled.
pub fn plan(definition: &Value) -> Arc<StateMachine> {
    match stepwell_asl::parse_definition(&definition.to_string()) {
        Ok(p) => Arc::new(p),
        Err(d) => panic!("benchmark definition is invalid: {d:?}"),
    }
}

/// A fresh EXPRESS execution (no 25,000-event quota) of `plan` on `input`.
pub fn execution(plan: Arc<StateMachine>, input: Value) -> Execution {
    Execution::new(plan, info(input))
}

/// The execution identity every benchmark uses.
pub fn info(input: Value) -> ExecutionInfo {
    const ARN: &str = "arn:aws:states:us-east-1:123456789012";
    ExecutionInfo {
        id: format!("{ARN}:execution:Bench:bench"),
        name: "bench".into(),
        state_machine_id: format!("{ARN}:stateMachine:Bench"),
        state_machine_name: "Bench".into(),
        role_arn: "arn:aws:iam::123456789012:role/stepwell-bench".into(),
        input: Arc::new(input),
        express: true,
        ..Default::default()
    }
}

/// Run an execution to its end in memory, without waiting; returns its history.
pub fn run(exec: &mut Execution) -> Vec<Event> {
    run_to_completion(
        exec,
        LocalOptions {
            runner: &mut MockRunner::new(None),
            clock: &SystemClock,
            entropy: &mut SplitMix::new(42),
            wait_scale: 0.0,
            s3: None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use stepwell_core::{EventKind, Outcome, Status};

    #[test]
    fn workloads_give_their_results() {
        let mut exec = execution(
            plan(&pass_chain(10)),
            json!({"meta": {"name": "b"}, "last": {"step": 0}}),
        );
        run(&mut exec);
        assert_eq!(
            exec.outcome(),
            Some(&Outcome::Succeeded(Arc::new(
                json!({"meta": {"name": "b"}, "last": {"prev": 9, "name": "b", "step": 10}})
            )))
        );

        let mut exec = execution(plan(&choice_loop()), json!({"i": 0, "limit": 7000}));
        let history = run(&mut exec);
        assert_eq!(exec.status(), Status::Succeeded);
        // Over STANDARD's quota: what the replay benchmark replays.
        assert!(history.len() > 25_000, "{}", history.len());
        let entered = history
            .iter()
            .filter(|e| matches!(e.kind, EventKind::StateEntered { .. }))
            .count();
        assert_eq!(entered, 14_002);

        let mut exec = execution(plan(&choice_rules()), choice_input());
        run(&mut exec);
        assert_eq!(exec.status(), Status::Succeeded);
    }
}
