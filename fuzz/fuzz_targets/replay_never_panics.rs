//! Decode arbitrary bytes into a sequence of history events for one of a few
//! fixed definitions and apply them to a fresh execution. `apply`, `replay`,
//! `pending` and `render_history` must return errors for impossible
//! histories, never panic (STYLE.md habit 3: nondeterminism is an error).
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use stepwell_asl::StateMachine;
use stepwell_core::{Event, EventKind, Execution, ExecutionInfo, TaskFlavor, TimerPurpose};

const DEFINITIONS: &[&str] = &[
    // Task with Retry and Catch, then a Wait.
    r#"{"TimeoutSeconds": 60, "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "TimeoutSeconds": 5, "HeartbeatSeconds": 2,
              "Retry": [{"ErrorEquals": ["A"], "MaxAttempts": 2}, {"ErrorEquals": ["States.ALL"]}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "W"}], "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 3, "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "T"}], "Default": "F"},
        "F": {"Type": "Fail", "Error": "E"}}}"#,
    // Parallel with two branches, one nested Map.
    r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Wait", "Seconds": 1, "End": true}}},
        {"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "End": true,
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}}}}
    ]}}}"#,
    // Map with tolerated failures over an activity.
    r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCount": 1, "Next": "S",
        "ItemProcessor": {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:1:activity:a", "End": true}}}},
        "S": {"Type": "Succeed"}}}"#,
];

fn plans() -> &'static Vec<Arc<StateMachine>> {
    static PLANS: OnceLock<Vec<Arc<StateMachine>>> = OnceLock::new();
    PLANS.get_or_init(|| {
        DEFINITIONS
            .iter()
            .filter_map(|d| stepwell_asl::parse_definition(d).ok().map(Arc::new))
            .collect()
    })
}

/// Reads small numbers from the fuzzer's bytes; zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn below(&mut self, n: u8) -> u8 {
        self.byte() % n.max(1)
    }
    fn bool(&mut self) -> bool {
        self.byte() & 1 == 1
    }
    fn value(&mut self) -> Arc<Value> {
        Arc::new(match self.below(5) {
            0 => json!({}),
            1 => json!({"x": 1}),
            2 => json!([1, 2, 3]),
            3 => Value::Null,
            _ => json!("s"),
        })
    }
    fn text(&mut self) -> String {
        ["", "A", "States.ALL", "States.Timeout", "E"][self.below(5) as usize].to_owned()
    }
    /// A reference to a recent event (a task or timer id).
    fn recent(&mut self, seq: u64) -> u64 {
        seq.saturating_sub(u64::from(self.below(8)))
    }
}

fn event(b: &mut Bytes<'_>, seq: u64, last_id: &mut u64) -> Event {
    let seq = if b.byte() < 240 { seq } else { u64::from(b.byte()) };
    let frame = u32::from(b.below(8));
    let kind = match b.below(37) {
        0 => EventKind::ExecutionStarted {
            input: b.value(),
            role_arn: String::new(),
        },
        1 => EventKind::ExecutionSucceeded { output: b.value() },
        2 => EventKind::ExecutionFailed {
            error: b.text(),
            cause: b.text(),
        },
        3 => EventKind::ExecutionTimedOut {
            error: b.text(),
            cause: b.text(),
        },
        4 => EventKind::ExecutionAborted {
            error: b.text(),
            cause: b.text(),
        },
        5 | 6 => EventKind::StateEntered {
            state: u32::from(b.below(8)),
            input: b.value(),
        },
        7 | 8 => EventKind::StateExited {
            state: u32::from(b.below(8)),
            output: b.value(),
            next: b.bool().then(|| u32::from(b.below(8))),
            assigned: if b.bool() { vec![("v".into(), json!(1))] } else { Vec::new() },
        },
        9 => EventKind::TaskScheduled {
            flavor: [TaskFlavor::Lambda, TaskFlavor::Activity, TaskFlavor::Service][b.below(3) as usize],
            resource: "arn:aws:lambda:us-east-1:1:function:f".into(),
            parameters: b.value(),
            timeout: b.bool().then(|| u64::from(b.byte())),
            heartbeat: b.bool().then(|| u64::from(b.byte())),
            token: b.bool().then(|| "token".into()),
            role_arn: b.bool().then(|| "arn:aws:iam::1:role/r".into()),
        },
        10 => EventKind::TaskStarted {
            task: b.recent(seq),
            worker: None,
        },
        11 => EventKind::TaskSubmitted {
            task: b.recent(seq),
            output: b.value(),
        },
        12 => EventKind::TaskSucceeded {
            task: b.recent(seq),
            output: b.value(),
        },
        13 => EventKind::TaskFailed {
            task: b.recent(seq),
            error: b.text(),
            cause: b.text(),
        },
        14 => EventKind::TaskTimedOut {
            task: b.recent(seq),
            error: b.text(),
            cause: b.text(),
            heartbeat: b.bool(),
        },
        15 => EventKind::ParallelStarted { input: b.value() },
        16 => EventKind::ParallelSucceeded,
        17 => EventKind::ParallelFailed {
            error: b.text(),
            cause: b.text(),
            retried: b.bool(),
        },
        18 => {
            let n = b.below(5) as usize;
            EventKind::MapStarted {
                input: b.value(),
                items: Arc::new((0..n).map(|i| Arc::new(json!(i))).collect()),
                max_concurrency: u64::from(b.below(3)),
                tolerated_count: b.bool().then(|| u64::from(b.below(3))),
                tolerated_percentage: b.bool().then(|| f64::from(b.byte())),
                // Sometimes one size per item, sometimes a count that does
                // not match (which `apply` must refuse, not trust).
                batch_sizes: if b.bool() {
                    let m = if b.bool() { n } else { b.below(6) as usize };
                    (0..m).map(|_| u32::from(b.below(4))).collect()
                } else {
                    Vec::new()
                },
            }
        }
        19 => EventKind::MapIterationStarted {
            index: u32::from(b.below(6)),
        },
        20 => EventKind::MapIterationSucceeded {
            index: u32::from(b.below(6)),
        },
        21 => EventKind::MapIterationFailed {
            index: u32::from(b.below(6)),
            error: b.text(),
            cause: b.text(),
        },
        22 => EventKind::MapIterationAborted {
            index: u32::from(b.below(6)),
            stopped: b.bool().then(|| (b.text(), b.text())),
        },
        23 => EventKind::MapSucceeded,
        24 => EventKind::MapFailed {
            error: b.text(),
            cause: b.text(),
            retried: b.bool(),
        },
        25 => EventKind::StateAborted {
            state: u32::from(b.below(8)),
        },
        26 => EventKind::BranchSucceeded,
        27 => EventKind::BranchFailed {
            error: b.text(),
            cause: b.text(),
        },
        28 | 29 => {
            let purpose = match b.below(7) {
                0 => TimerPurpose::Wait,
                1 => TimerPurpose::Retry(u32::from(b.below(4))),
                2 => TimerPurpose::TaskTimeout(b.recent(seq)),
                3 => TimerPurpose::Heartbeat(b.recent(seq)),
                4 => TimerPurpose::ExpressLimit,
                _ => TimerPurpose::Execution,
            };
            EventKind::TimerStarted {
                purpose,
                fire_at: i64::from(b.byte()) * 1000,
            }
        }
        30 => EventKind::TimerFired { timer: b.recent(seq) },
        31 => EventKind::EvaluationFailed {
            state: u32::from(b.below(8)),
            error: b.text(),
            cause: b.text(),
            location: b.bool().then(|| b.text()),
        },
        32 => EventKind::ItemsRequested {
            resource: b.text(),
            parameters: b.value(),
            max_items: b.bool().then(|| u64::from(b.below(4))),
        },
        33 => {
            let n = b.below(5) as usize;
            EventKind::ItemsRead {
                items: Arc::new((0..n).map(|i| Arc::new(json!(i))).collect()),
                batch_sizes: if b.bool() {
                    let m = if b.bool() { n } else { b.below(6) as usize };
                    (0..m).map(|_| u32::from(b.below(4))).collect()
                } else {
                    Vec::new()
                },
            }
        }
        34 => EventKind::ResultsWriteRequested {
            bucket: b.text(),
            prefix: b.text(),
            failure: b.bool().then(|| (b.text(), b.text())),
        },
        35 => EventKind::ResultsWritten {
            error: b.bool().then(|| b.text()),
        },
        _ => EventKind::TaskHeartbeat { task: b.recent(seq) },
    };
    let id = if kind.is_visible() {
        *last_id += 1;
        *last_id
    } else {
        0
    };
    Event {
        seq,
        id,
        previous_id: id.saturating_sub(1),
        timestamp: i64::from(b.byte()),
        frame,
        kind,
    }
}

fuzz_target!(|data: &[u8]| {
    let plans = plans();
    let mut b = Bytes(data);
    let Some(plan) = plans.get(b.below(plans.len() as u8) as usize).cloned() else { return };
    let info = ExecutionInfo {
        id: "arn:aws:states:us-east-1:1:execution:Fuzz:x".into(),
        name: "x".into(),
        state_machine_id: "arn:aws:states:us-east-1:1:stateMachine:Fuzz".into(),
        state_machine_name: "Fuzz".into(),
        role_arn: "arn:aws:iam::1:role/fuzz".into(),
        input: Arc::new(json!({"x": 1})),
        express: b.bool(),
        ..Default::default()
    };
    // Histories usually start the execution and enter the first state.
    let mut events = Vec::new();
    let mut last_id = 0;
    if b.bool() {
        last_id = 2;
        events.push(Event {
            seq: 1,
            id: 1,
            previous_id: 0,
            timestamp: 0,
            frame: 0,
            kind: EventKind::ExecutionStarted {
                input: info.input.clone(),
                role_arn: String::new(),
            },
        });
        events.push(Event {
            seq: 2,
            id: 2,
            previous_id: 1,
            timestamp: 0,
            frame: 0,
            kind: EventKind::StateEntered {
                state: 0,
                input: info.input.clone(),
            },
        });
    }
    while !b.0.is_empty() && events.len() < 200 {
        let seq = events.len() as u64 + 1;
        events.push(event(&mut b, seq, &mut last_id));
    }
    // Apply one at a time, carrying on past errors: nothing may panic.
    let mut exec = Execution::new(plan.clone(), info.clone());
    for e in &events {
        let _ = exec.apply(e);
        let _ = exec.pending();
        let _ = exec.status();
    }
    // The same history through replay and the AWS renderer.
    if let Ok(r) = Execution::replay(plan.clone(), info.clone(), &events) {
        let _ = r.pending();
        let _ = r.outcome();
    }
    let _ = stepwell_core::render_history(plan, &info, &events);
});
