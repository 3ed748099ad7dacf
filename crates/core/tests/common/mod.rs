//! A small driver for the core's integration tests: runs a definition to its
//! end with scripted task answers, fires timers in order, and checks that a
//! replay of the history reaches the same state (STYLE.md habit 3).

// A test: a broken fixture is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;
use stepwell_core::{Command, Entropy, Event, Execution, ExecutionInfo, Input, Outcome};

/// 2023-11-14T22:13:20Z.
pub const T0: i64 = 1_700_000_000_000;

struct Counter(u64);
impl Entropy for Counter {
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        self.0
    }
}

pub fn info(input: Value) -> ExecutionInfo {
    ExecutionInfo {
        id: "arn:aws:states:us-east-1:123456789012:execution:Machine:exec".into(),
        name: "exec".into(),
        state_machine_id: "arn:aws:states:us-east-1:123456789012:stateMachine:Machine".into(),
        state_machine_name: "Machine".into(),
        role_arn: "arn:aws:iam::123456789012:role/test".into(),
        input: Arc::new(input),
        express: false,
        ..Default::default()
    }
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    Succeeded(Value),
    Failed { error: String, cause: String },
    Running,
}

/// Run `definition` with `input`; Task states answer from `tasks`
/// (`{"State": [{"Return": v} | {"Throw": {"Error": e, "Cause": c}}, ...]}`,
/// in invocation order). Panics when the definition does not parse or the
/// replay of the history differs from the live state.
pub fn run(definition: &str, input: Value, tasks: &Value) -> (End, Vec<Event>) {
    let plan = match stepwell_asl::parse_definition(definition) {
        Ok(sm) => Arc::new(sm),
        Err(d) => panic!("definition does not parse: {d:?}"),
    };
    let info = info(input);
    let mut exec = Execution::new(plan.clone(), info.clone());
    let mut entropy = Counter(7);
    let mut calls: HashMap<String, usize> = HashMap::new();
    let mut inputs = VecDeque::from([Input::Start]);
    let mut timers: BTreeMap<(i64, u64), ()> = BTreeMap::new();
    let mut now = T0;
    let mut history = Vec::new();
    for _ in 0..100_000 {
        let input = match inputs.pop_front() {
            Some(i) => i,
            None => match timers.pop_first() {
                Some(((at, timer), ())) => {
                    now = now.max(at);
                    Input::TimerFired { timer }
                }
                None => break,
            },
        };
        let d = exec.decide(input, now, &mut entropy);
        history.extend(d.events);
        for c in d.commands {
            match c {
                Command::RunTask(req) => {
                    let n = calls.entry(req.state_name.clone()).or_default();
                    let answer = tasks
                        .get(&req.state_name)
                        .and_then(|a| a.get(*n))
                        .unwrap_or_else(|| panic!("no answer {n} for task {}", req.state_name));
                    *n += 1;
                    inputs.push_back(match answer.get("Throw") {
                        Some(t) => Input::TaskFailed {
                            task: req.task,
                            error: t["Error"].as_str().unwrap_or_default().into(),
                            cause: t["Cause"].as_str().unwrap_or_default().into(),
                        },
                        None => Input::TaskSucceeded {
                            task: req.task,
                            output: answer["Return"].clone(),
                        },
                    });
                }
                Command::StartTimer { timer, fire_at, .. } => {
                    timers.insert((fire_at, timer), ());
                }
                Command::CancelTimer { timer } => timers.retain(|(_, t), ()| *t != timer),
                // No S3 here: a read fails the Map Run.
                Command::ReadItems(req) => inputs.push_back(Input::ItemsRead {
                    read: req.read,
                    result: Err("no S3 in these tests".into()),
                }),
                Command::WriteResults(req) => inputs.push_back(Input::ResultsWritten {
                    write: req.write,
                    result: Err("no S3 in these tests".into()),
                }),
                Command::CancelTask { .. } | Command::Finished => {}
            }
        }
    }
    let replayed = Execution::replay(plan, info, &history)
        .unwrap_or_else(|e| panic!("the history does not replay: {e}"));
    assert!(replayed == exec, "the replay reached another state");
    let end = match exec.outcome() {
        Some(Outcome::Succeeded(v)) => End::Succeeded((**v).clone()),
        Some(Outcome::Failed(e)) => End::Failed {
            error: e.error.clone(),
            cause: e.cause.clone(),
        },
        None => End::Running,
    };
    (end, history)
}
