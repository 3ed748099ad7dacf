//! Parse arbitrary text as an ASL definition (and lint it). When it parses, run it with
//! every task answered by a mock (no waiting: time jumps to each timer) for a
//! bounded number of inputs, then replay the history. Nothing may panic, and
//! the replay must reach the live state.
#![no_main]

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use stepwell_core::{Command, Execution, ExecutionInfo, Input, Status};
use stepwell_engine::SplitMix;

/// Inputs fed to `decide` before the run is stopped.
const MAX_INPUTS: usize = 300;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The API's reader (JSON only, syntax errors in Jackson's words) and
    // the warnings of ValidateStateMachineDefinition.
    let _ = stepwell_asl::parse_json_definition(text, Default::default());
    if let Ok(doc) = stepwell_asl::read_document(text) {
        let _ = stepwell_asl::warnings(&doc);
    }
    let _ = stepwell_asl::parse_definition_with(
        text,
        stepwell_asl::Options {
            express: true,
            ..Default::default()
        },
    );
    // Run what the server would run: a stored definition compiles despite
    // diagnostics when it is complete, so such models reach `decide` too.
    let stored = stepwell_asl::Options {
        stored: true,
        ..Default::default()
    };
    let Ok(plan) = stepwell_asl::parse_definition_with(text, stored) else { return };
    let plan = Arc::new(plan);
    let info = ExecutionInfo {
        id: "arn:aws:states:us-east-1:123456789012:execution:Fuzz:x".into(),
        name: "x".into(),
        state_machine_id: "arn:aws:states:us-east-1:123456789012:stateMachine:Fuzz".into(),
        state_machine_name: "Fuzz".into(),
        role_arn: "arn:aws:iam::123456789012:role/fuzz".into(),
        input: Arc::new(json!({"a": [1, 2, 3], "s": "x", "n": 2, "o": {"k": null}})),
        express: false,
        ..Default::default()
    };
    let mut exec = Execution::new(plan.clone(), info.clone());
    let mut entropy = SplitMix::new(data.len() as u64);
    let mut now = 1_700_000_000_000i64;
    let mut history = Vec::new();
    let mut queue = VecDeque::new();
    let mut timers = BTreeSet::new();
    let mut calls = 0u64;
    let mut feed = |exec: &mut Execution, input: Input, now: i64, history: &mut Vec<_>, queue: &mut VecDeque<_>| {
        let d = exec.decide(input, now, &mut entropy);
        history.extend(d.events);
        queue.extend(d.commands);
    };
    feed(&mut exec, Input::Start, now, &mut history, &mut queue);
    let mut inputs = 0;
    while exec.status() == Status::Running && inputs < MAX_INPUTS {
        inputs += 1;
        if let Some(cmd) = queue.pop_front() {
            match cmd {
                Command::RunTask(req) => {
                    calls += 1;
                    // Mostly echo the payload; every third call fails.
                    let input = if calls % 3 == 0 {
                        Input::TaskFailed {
                            task: req.task,
                            error: "Fuzz.Error".into(),
                            cause: "mocked".into(),
                        }
                    } else {
                        Input::TaskSucceeded {
                            task: req.task,
                            output: (*req.payload).clone(),
                        }
                    };
                    feed(&mut exec, input, now, &mut history, &mut queue);
                }
                Command::ReadItems(req) => {
                    // Items read: the parameters, twice; every third read fails.
                    calls += 1;
                    let result = if calls % 3 == 0 {
                        Err("mocked".to_string())
                    } else {
                        Ok(vec![(*req.parameters).clone(), (*req.parameters).clone()])
                    };
                    let input = Input::ItemsRead { read: req.read, result };
                    feed(&mut exec, input, now, &mut history, &mut queue);
                }
                Command::WriteResults(req) => {
                    // Every third write fails.
                    calls += 1;
                    let result = if calls % 3 == 0 { Err("mocked".to_string()) } else { Ok(()) };
                    let input = Input::ResultsWritten { write: req.write, result };
                    feed(&mut exec, input, now, &mut history, &mut queue);
                }
                Command::StartTimer { timer, fire_at, .. } => {
                    timers.insert((fire_at, timer));
                }
                Command::CancelTimer { timer } => timers.retain(|&(_, t)| t != timer),
                Command::CancelTask { .. } | Command::Finished => {}
            }
            continue;
        }
        let Some((fire_at, timer)) = timers.pop_first() else { break };
        // wait_scale 0: no waiting, but time still moves to the timer.
        now = now.max(fire_at);
        feed(&mut exec, Input::TimerFired { timer }, now, &mut history, &mut queue);
    }
    if exec.status() == Status::Running {
        // Stopped, or (an odd length) failed as when its state machine is
        // deleted.
        let (error, cause) = ("Fuzz.Stop".to_string(), "step budget spent".to_string());
        let end = if data.len() % 2 == 0 {
            Input::Stop { error, cause }
        } else {
            Input::Fail { error, cause }
        };
        feed(&mut exec, end, now, &mut history, &mut queue);
    }
    let replayed = Execution::replay(plan.clone(), info.clone(), &history);
    assert!(matches!(&replayed, Ok(r) if *r == exec), "replay diverged: {replayed:?}");
    if let Ok(r) = &replayed {
        assert!(r.pending().is_empty(), "a finished execution has pending effects");
    }
    let _ = stepwell_core::render_history(plan, &info, &history);
});
