//! Shared harness for the engine's integration tests: a manual clock, mock
//! configs built the way `shared/conformance/run.py` builds them, a driver for
//! tasks that never answer, and the replay property every run is checked
//! against (STYLE.md habit 3).

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::cell::Cell;
use std::sync::Arc;

use serde_json::{json, Map, Value};
use stepwell_asl::StateMachine;
use stepwell_core::{
    Command, Event, EventKind, Execution, ExecutionInfo, Input, Outcome, Status, TaskRequest,
    TimerPurpose,
};
use stepwell_engine::{
    run_to_completion, Clock, LocalOptions, MockCase, MockRunner, SplitMix, TaskOutcome,
};

/// 2023-11-14T22:13:20Z: every test execution starts here.
pub const T0: i64 = 1_700_000_000_000;

/// A clock that only moves when the driver sleeps: no real waiting.
#[derive(Debug)]
pub struct ManualClock(Cell<i64>);

impl ManualClock {
    pub fn new(start: i64) -> Self {
        ManualClock(Cell::new(start))
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.get()
    }
    fn sleep_ms(&self, ms: u64) {
        self.0.set(self.0.get().saturating_add(ms as i64));
    }
}

/// `run.py`'s `mock_config`: state name -> responses in invocation order,
/// as a MockConfigFile with test case "Recorded" for machine `name`.
pub fn mock_config(name: &str, mocks: &Value) -> Value {
    let mut responses = Map::new();
    let mut states = Map::new();
    if let Some(m) = mocks.as_object() {
        for (state, seq) in m {
            let key = format!("R{}", responses.len());
            let by_call: Map<String, Value> = seq
                .as_array()
                .map(|a| {
                    a.iter()
                        .enumerate()
                        .map(|(i, r)| (i.to_string(), r.clone()))
                        .collect()
                })
                .unwrap_or_default();
            responses.insert(key.clone(), Value::Object(by_call));
            states.insert(state.clone(), Value::String(key));
        }
    }
    json!({
        "StateMachines": { name: { "TestCases": { "Recorded": states } } },
        "MockedResponses": responses,
    })
}

pub fn info(machine: &str, input: Value) -> ExecutionInfo {
    ExecutionInfo {
        id: format!("arn:aws:states:us-east-1:123456789012:execution:{machine}:exec"),
        name: "exec".into(),
        state_machine_id: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{machine}"),
        state_machine_name: machine.into(),
        role_arn: "arn:aws:iam::123456789012:role/stepwell-test".into(),
        input: Arc::new(input),
        express: false,
        ..Default::default()
    }
}

/// One finished (or stuck) test run.
pub struct Run {
    pub plan: Arc<StateMachine>,
    pub info: ExecutionInfo,
    pub exec: Execution,
    pub history: Vec<Event>,
}

impl Run {
    pub fn status(&self) -> &'static str {
        self.exec.status().as_str()
    }

    /// The output when the execution succeeded.
    pub fn output(&self) -> Option<Value> {
        match self.exec.outcome() {
            Some(Outcome::Succeeded(v)) => Some((**v).clone()),
            _ => None,
        }
    }

    /// `(error, cause)` when the execution did not succeed.
    pub fn error(&self) -> Option<(String, String)> {
        match self.exec.outcome() {
            Some(Outcome::Failed(e)) => Some((e.error.clone(), e.cause.clone())),
            _ => None,
        }
    }

    /// `(purpose, delay from the previous event in ms)` of every timer armed.
    pub fn timers(&self) -> Vec<(TimerPurpose, i64)> {
        self.history
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::TimerStarted { purpose, fire_at } => {
                    Some((purpose, fire_at - e.timestamp))
                }
                _ => None,
            })
            .collect()
    }

    /// Retry delays in ms, in order.
    pub fn retry_delays(&self) -> Vec<i64> {
        self.timers()
            .into_iter()
            .filter_map(|(p, d)| matches!(p, TimerPurpose::Retry(_)).then_some(d))
            .collect()
    }

    /// Index of the retrier behind each retry, in order.
    pub fn retriers_used(&self) -> Vec<u32> {
        self.timers()
            .into_iter()
            .filter_map(|(p, _)| match p {
                TimerPurpose::Retry(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    /// The parameters of every task scheduled, in order.
    pub fn task_payloads(&self) -> Vec<Value> {
        self.history
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::TaskScheduled { parameters, .. } => Some((**parameters).clone()),
                _ => None,
            })
            .collect()
    }
}

pub fn parse(definition: &str) -> Arc<StateMachine> {
    match stepwell_asl::parse_definition(definition) {
        Ok(sm) => Arc::new(sm),
        Err(d) => panic!("definition does not parse: {d:?}\n{definition}"),
    }
}

/// Run `definition` to its end with `run_to_completion`, tasks answered from
/// `mocks` (`{"State": [{"Return": ..} | {"Throw": ..}, ...]}`), a manual
/// clock and entropy seeded with `seed`; then check the replay property.
pub fn run(definition: &str, input: Value, mocks: Value, seed: u64) -> Run {
    run_plan(parse(definition), "Machine", input, &mocks, seed)
}

pub fn run_plan(
    plan: Arc<StateMachine>,
    machine: &str,
    input: Value,
    mocks: &Value,
    seed: u64,
) -> Run {
    run_plan_s3(plan, machine, input, mocks, seed, None)
}

/// [`run_plan`] with a local S3 for Distributed Maps' `ItemReader`s.
pub fn run_plan_s3(
    plan: Arc<StateMachine>,
    machine: &str,
    input: Value,
    mocks: &Value,
    seed: u64,
    s3: Option<&stepwell_engine::LocalS3>,
) -> Run {
    let config = mock_config(machine, mocks);
    let case =
        MockCase::from_config(&config, machine, "Recorded").unwrap_or_else(|e| panic!("{e}"));
    let info = info(machine, input);
    let mut exec = Execution::new(plan.clone(), info.clone());
    let mut runner = MockRunner::new(Some(case));
    let clock = ManualClock::new(T0);
    let mut entropy = SplitMix::new(seed);
    let history = run_to_completion(
        &mut exec,
        LocalOptions {
            runner: &mut runner,
            clock: &clock,
            entropy: &mut entropy,
            wait_scale: 1.0,
            s3,
        },
    );
    let run = Run {
        plan,
        info,
        exec,
        history,
    };
    check_replay(&run);
    run
}

/// A task runner that may leave a task unanswered (`None`).
pub type Answer<'a> = dyn FnMut(&TaskRequest) -> Option<TaskOutcome> + 'a;

/// Drive an execution by hand like `run_to_completion`, except that tasks
/// `answer` leaves unanswered stay outstanding; time jumps to the next timer
/// whenever nothing else can happen. Stops when the execution ends or when
/// nothing at all can move it.
pub fn run_with(definition: &str, input: Value, answer: &mut Answer<'_>) -> Run {
    run_info_with(definition, info("Machine", input), answer)
}

/// [`run_with`] of an execution described by `info` (an EXPRESS one, say).
pub fn run_info_with(definition: &str, info: ExecutionInfo, answer: &mut Answer<'_>) -> Run {
    let plan = parse(definition);
    let mut exec = Execution::new(plan.clone(), info.clone());
    let mut entropy = SplitMix::new(7);
    let mut now = T0;
    let mut history = Vec::new();
    let mut queue = std::collections::VecDeque::new();
    let mut timers = std::collections::BTreeSet::new();
    let d = exec.decide(Input::Start, now, &mut entropy);
    history.extend(d.events);
    queue.extend(d.commands);
    let mut steps = 0;
    while exec.status() == Status::Running {
        steps += 1;
        assert!(steps < 10_000, "the execution does not end");
        if let Some(cmd) = queue.pop_front() {
            let input = match cmd {
                Command::RunTask(req) => match answer(&req) {
                    Some(TaskOutcome::Succeeded(output)) => Input::TaskSucceeded {
                        task: req.task,
                        output,
                    },
                    Some(TaskOutcome::Failed { error, cause }) => Input::TaskFailed {
                        task: req.task,
                        error,
                        cause,
                    },
                    None => continue,
                },
                Command::StartTimer { timer, fire_at, .. } => {
                    timers.insert((fire_at, timer));
                    continue;
                }
                Command::CancelTimer { timer } => {
                    timers.retain(|&(_, t)| t != timer);
                    continue;
                }
                Command::CancelTask { .. }
                | Command::Finished
                | Command::ReadItems(_)
                | Command::WriteResults(_) => continue,
            };
            let d = exec.decide(input, now, &mut entropy);
            history.extend(d.events);
            queue.extend(d.commands);
            continue;
        }
        let Some((fire_at, timer)) = timers.pop_first() else {
            break;
        };
        now = now.max(fire_at);
        let d = exec.decide(Input::TimerFired { timer }, now, &mut entropy);
        history.extend(d.events);
        queue.extend(d.commands);
    }
    let run = Run {
        plan,
        info,
        exec,
        history,
    };
    check_replay(&run);
    run
}

/// The replay property: folding `apply` over the history reaches the live
/// state; every prefix replays without error (the state after k events is
/// reachable); a finished execution has nothing pending.
pub fn check_replay(run: &Run) {
    let replayed = match Execution::replay(run.plan.clone(), run.info.clone(), &run.history) {
        Ok(e) => e,
        Err(e) => panic!("replaying the live history failed: {e}"),
    };
    assert!(
        replayed == run.exec,
        "replay reached a different state than the live run"
    );
    // What a store writes and reads back is the same history.
    let stored = serde_json::to_string(&run.history)
        .unwrap_or_else(|e| panic!("serializing the history failed: {e}"));
    let restored: Vec<Event> = serde_json::from_str(&stored)
        .unwrap_or_else(|e| panic!("reading the history back failed: {e}"));
    assert!(
        restored == run.history,
        "the history does not survive a store round trip"
    );
    if replayed.status() != Status::Running {
        assert_eq!(
            replayed.pending(),
            Vec::new(),
            "a finished execution has pending effects"
        );
    }
    // `replay` is a fold of `apply` from `Execution::new`, so replaying the
    // prefix of length k is the same as applying events one at a time and
    // looking after k of them.
    let mut step = Execution::new(run.plan.clone(), run.info.clone());
    for (k, e) in run.history.iter().enumerate() {
        if let Err(err) = step.apply(e) {
            panic!("the prefix of {} events does not replay: {err}", k + 1);
        }
        let _ = step.pending();
    }
    assert!(step == replayed);
    // The AWS view of the history must render too.
    if let Err(e) = stepwell_core::render_history(run.plan.clone(), &run.info, &run.history) {
        panic!("render_history failed: {e}");
    }
}

// ----- Distributed Maps -----------------------------------------------------

/// A machine whose one state, `Fan`, is a Distributed Map running
/// `processor` (`StartAt` + `States`), with `fields` added to the Map state
/// (`ItemsPath`, `ItemReader`, `Label`...); `jsonata` makes it a JSONata
/// machine.
pub fn distributed_map(processor: Value, fields: Value, jsonata: bool) -> String {
    let mut item_processor = json!({
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    });
    if let (Some(p), Some(x)) = (item_processor.as_object_mut(), processor.as_object()) {
        p.extend(x.clone());
    }
    let mut map = json!({"Type": "Map", "ItemProcessor": item_processor, "End": true});
    if let (Some(m), Some(x)) = (map.as_object_mut(), fields.as_object()) {
        m.extend(x.clone());
    }
    let mut def = json!({"StartAt": "Fan", "States": {"Fan": map}});
    if jsonata {
        def["QueryLanguage"] = json!("JSONata");
    }
    def.to_string()
}

/// A processor whose one state passes its input on: a Map over it returns
/// what its child executions were given.
pub fn echo() -> Value {
    json!({"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}})
}

/// The event types of a history rendered in AWS's shape.
pub fn types(history: &[Value]) -> Vec<&str> {
    history
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default())
        .collect()
}

/// The event types of `run`'s history as AWS shows it.
pub fn run_types(run: &Run) -> Vec<String> {
    let events = stepwell_core::render_history(run.plan.clone(), &run.info, &run.history)
        .unwrap_or_else(|e| panic!("render: {e}"));
    types(&events).into_iter().map(str::to_string).collect()
}

/// A local S3 in a temporary directory with `buckets`, the first holding
/// `files` (key, content).
pub fn local_s3(
    buckets: &[&str],
    files: &[(&str, &str)],
) -> (tempfile::TempDir, stepwell_engine::LocalS3) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    for bucket in buckets {
        std::fs::create_dir_all(dir.path().join(bucket)).unwrap_or_else(|e| panic!("{e}"));
    }
    let first = buckets.first().copied().unwrap_or("data");
    for (key, content) in files {
        let path = dir.path().join(first).join(key);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&path, content).unwrap_or_else(|e| panic!("{e}"));
    }
    let s3 = stepwell_engine::LocalS3::new(dir.path());
    (dir, s3)
}
