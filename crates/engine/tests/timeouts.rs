//! Timeouts: a task that never answers, with the clock jumping to the next
//! timer; task TimeoutSeconds and HeartbeatSeconds, and the execution's
//! TimeoutSeconds.

mod common;

use serde_json::{json, Value};
use stepwell_core::{EventKind, Execution, Input, Status};
use stepwell_engine::{SplitMix, TaskOutcome};

const FN: &str = "arn:aws:lambda:us-east-1:111111111111:function:f";

struct Case {
    name: &'static str,
    definition: Value,
    input: Value,
    /// Answers to successive task calls; calls past the end never answer.
    answers: Vec<TaskOutcome>,
    status: &'static str,
    error: Option<&'static str>,
    /// When (ms after the start) the execution ended.
    ended_at: i64,
    /// When (ms after the start) each task timed out, and with what error.
    timed_out: &'static [(i64, &'static str)],
}

fn check(c: Case) {
    let mut answers = c.answers.into_iter();
    let run = common::run_with(&c.definition.to_string(), c.input.clone(), &mut |_| {
        answers.next()
    });
    assert_eq!(
        run.status(),
        c.status,
        "{}: status ({:?})",
        c.name,
        run.error()
    );
    assert_eq!(
        run.error().map(|e| e.0),
        c.error.map(str::to_owned),
        "{}: error",
        c.name
    );
    let end = run.history.last().map(|e| e.timestamp - common::T0);
    assert_eq!(end, Some(c.ended_at), "{}: end time", c.name);
    let timed_out: Vec<(i64, String)> = run
        .history
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TaskTimedOut { error, .. } => {
                Some((e.timestamp - common::T0, error.clone()))
            }
            _ => None,
        })
        .collect();
    let want: Vec<(i64, String)> = c
        .timed_out
        .iter()
        .map(|(t, e)| (*t, (*e).to_owned()))
        .collect();
    assert_eq!(timed_out, want, "{}: task timeouts", c.name);
}

fn task(fields: Value) -> Value {
    let mut t = json!({"Type": "Task", "Resource": FN, "End": true});
    for (k, v) in fields.as_object().into_iter().flatten() {
        t[k] = v.clone();
    }
    t
}

fn one_task(fields: Value) -> Value {
    json!({"StartAt": "T", "States": {"T": task(fields)}})
}

#[test]
fn task_and_execution_timeouts() {
    let ok = || TaskOutcome::Succeeded(json!({"done": true}));
    let cases = vec![
        Case {
            name: "TimeoutSeconds on a silent task",
            definition: one_task(json!({"TimeoutSeconds": 10})),
            input: json!({}),
            answers: vec![],
            status: "FAILED",
            error: Some("States.Timeout"),
            ended_at: 10_000,
            timed_out: &[(10_000, "States.Timeout")],
        },
        Case {
            name: "HeartbeatSeconds fires before TimeoutSeconds",
            definition: one_task(json!({"TimeoutSeconds": 10, "HeartbeatSeconds": 3})),
            input: json!({}),
            answers: vec![],
            status: "FAILED",
            // AWS records a missed heartbeat as States.Timeout.
            error: Some("States.Timeout"),
            ended_at: 3_000,
            timed_out: &[(3_000, "States.Timeout")],
        },
        Case {
            name: "TimeoutSecondsPath and HeartbeatSecondsPath",
            definition: one_task(
                json!({"TimeoutSecondsPath": "$.t", "HeartbeatSecondsPath": "$.h"}),
            ),
            input: json!({"t": 4, "h": 7}),
            answers: vec![],
            status: "FAILED",
            error: Some("States.Timeout"),
            ended_at: 4_000,
            timed_out: &[(4_000, "States.Timeout")],
        },
        Case {
            name: "an answer in time cancels the timers",
            definition: one_task(json!({"TimeoutSeconds": 10, "HeartbeatSeconds": 3})),
            input: json!({}),
            answers: vec![ok()],
            status: "SUCCEEDED",
            error: None,
            ended_at: 0,
            timed_out: &[],
        },
        Case {
            name: "a timeout is retried, then times out again",
            definition: one_task(json!({
                "TimeoutSeconds": 10,
                "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 1}]
            })),
            input: json!({}),
            answers: vec![],
            status: "FAILED",
            error: Some("States.Timeout"),
            ended_at: 21_000,
            timed_out: &[(10_000, "States.Timeout"), (21_000, "States.Timeout")],
        },
        Case {
            name: "a heartbeat timeout is caught",
            definition: json!({"StartAt": "T", "States": {
                "T": task(json!({"HeartbeatSeconds": 2, "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "H"}]})),
                "H": {"Type": "Pass", "End": true}
            }}),
            input: json!({}),
            answers: vec![],
            status: "SUCCEEDED",
            error: None,
            ended_at: 2_000,
            timed_out: &[(2_000, "States.Timeout")],
        },
        Case {
            name: "States.Timeout catches a heartbeat timeout, States.TaskFailed does not",
            definition: json!({"StartAt": "T", "States": {
                "T": task(json!({"HeartbeatSeconds": 2, "Catch": [
                    {"ErrorEquals": ["States.TaskFailed"], "Next": "Failed"},
                    {"ErrorEquals": ["States.Timeout"], "Next": "H"}
                ]})),
                "Failed": {"Type": "Fail", "Error": "Wrong"},
                "H": {"Type": "Pass", "End": true}
            }}),
            input: json!({}),
            answers: vec![],
            status: "SUCCEEDED",
            error: None,
            ended_at: 2_000,
            timed_out: &[(2_000, "States.Timeout")],
        },
        Case {
            name: "States.TaskFailed catches neither a timeout nor a missed heartbeat",
            definition: json!({"StartAt": "T", "States": {
                "T": task(json!({
                    "TimeoutSeconds": 5,
                    "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 5}]
                })),
            }}),
            input: json!({}),
            answers: vec![],
            status: "FAILED",
            error: Some("States.Timeout"),
            ended_at: 5_000,
            timed_out: &[(5_000, "States.Timeout")],
        },
        Case {
            name: "the execution's TimeoutSeconds ends a long Wait",
            definition: json!({"TimeoutSeconds": 5, "StartAt": "W", "States": {
                "W": {"Type": "Wait", "Seconds": 100, "End": true}
            }}),
            input: json!({}),
            answers: vec![],
            status: "TIMED_OUT",
            error: Some("States.Timeout"),
            ended_at: 5_000,
            timed_out: &[],
        },
        Case {
            name: "the execution's TimeoutSeconds ends a silent task with no timeout",
            definition: json!({"TimeoutSeconds": 7, "StartAt": "T", "States": {"T": task(json!({}))}}),
            input: json!({}),
            answers: vec![],
            status: "TIMED_OUT",
            error: Some("States.Timeout"),
            ended_at: 7_000,
            timed_out: &[],
        },
        Case {
            name: "the execution's TimeoutSeconds wins over a later task timeout",
            definition: json!({"TimeoutSeconds": 7, "StartAt": "T", "States": {"T": task(json!({"TimeoutSeconds": 60}))}}),
            input: json!({}),
            answers: vec![],
            status: "TIMED_OUT",
            error: Some("States.Timeout"),
            ended_at: 7_000,
            timed_out: &[],
        },
        Case {
            name: "a caught task timeout inside the execution's time succeeds",
            definition: json!({"TimeoutSeconds": 30, "StartAt": "T", "States": {
                "T": task(json!({"TimeoutSeconds": 3, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "W"}]})),
                "W": {"Type": "Wait", "Seconds": 4, "End": true}
            }}),
            input: json!({}),
            answers: vec![],
            status: "SUCCEEDED",
            error: None,
            ended_at: 7_000,
            timed_out: &[(3_000, "States.Timeout")],
        },
        Case {
            name: "a task timeout inside a Parallel branch",
            definition: json!({"StartAt": "P", "States": {"P": {
                "Type": "Parallel", "End": true,
                "Branches": [
                    {"StartAt": "T", "States": {"T": task(json!({"TimeoutSeconds": 2}))}},
                    {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 50, "End": true}}}
                ]
            }}}),
            input: json!({}),
            answers: vec![],
            status: "FAILED",
            error: Some("States.Timeout"),
            ended_at: 2_000,
            timed_out: &[(2_000, "States.Timeout")],
        },
    ];
    for c in cases {
        check(c);
    }
}

#[test]
fn heartbeats_push_the_heartbeat_timeout_back() {
    let def = one_task(json!({"HeartbeatSeconds": 3, "TimeoutSeconds": 60})).to_string();
    let plan = common::parse(&def);
    let info = common::info("Machine", json!({}));
    let mut exec = Execution::new(plan.clone(), info.clone());
    let mut entropy = SplitMix::new(3);
    let mut history = Vec::new();
    let t0 = common::T0;
    let d = exec.decide(Input::Start, t0, &mut entropy);
    history.extend(d.events);
    let task = exec.pending_tasks().next().map(|r| r.task).unwrap();
    // Heartbeats at +2s and +4s: each re-arms the 3-second heartbeat timer.
    for at in [2_000, 4_000] {
        let d = exec.decide(Input::TaskHeartbeat { task }, t0 + at, &mut entropy);
        history.extend(d.events);
    }
    let heartbeat_fire_at: Vec<i64> = history
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::TimerStarted {
                purpose: stepwell_core::TimerPurpose::Heartbeat(_),
                fire_at,
            } => Some(fire_at - t0),
            _ => None,
        })
        .collect();
    assert_eq!(heartbeat_fire_at, [3_000, 5_000, 7_000]);
    // Only the latest heartbeat timer and the task timeout are armed.
    let mut armed: Vec<i64> = exec
        .pending()
        .into_iter()
        .filter_map(|c| match c {
            stepwell_core::Command::StartTimer { fire_at, .. } => Some(fire_at - t0),
            _ => None,
        })
        .collect();
    armed.sort();
    assert_eq!(armed, [7_000, 60_000]);
    // It fires at +7s.
    let timer = history
        .iter()
        .rev()
        .find(|e| matches!(e.kind, EventKind::TimerStarted { .. }))
        .map(|e| e.seq)
        .unwrap();
    let d = exec.decide(Input::TimerFired { timer }, t0 + 7_000, &mut entropy);
    history.extend(d.events);
    assert_eq!(exec.status(), Status::Failed);
    let replayed = Execution::replay(plan, info, &history).unwrap();
    assert!(replayed == exec);
    assert!(replayed.pending().is_empty());
}

#[test]
fn a_stale_timer_or_answer_is_ignored() {
    // Answers and timers for a task that already ended change nothing.
    let def = one_task(json!({"TimeoutSeconds": 5})).to_string();
    let plan = common::parse(&def);
    let info = common::info("Machine", json!({}));
    let mut exec = Execution::new(plan, info);
    let mut entropy = SplitMix::new(3);
    let t0 = common::T0;
    exec.decide(Input::Start, t0, &mut entropy);
    let task = exec.pending_tasks().next().map(|r| r.task).unwrap();
    let timer = exec
        .pending()
        .into_iter()
        .find_map(|c| match c {
            stepwell_core::Command::StartTimer { timer, .. } => Some(timer),
            _ => None,
        })
        .unwrap();
    let d = exec.decide(
        Input::TaskSucceeded {
            task,
            output: json!(1),
        },
        t0 + 1,
        &mut entropy,
    );
    assert!(d
        .commands
        .contains(&stepwell_core::Command::CancelTimer { timer }));
    assert_eq!(exec.status(), Status::Succeeded);
    let before = exec.clone();
    for input in [
        Input::TimerFired { timer },
        Input::TaskFailed {
            task,
            error: "E".into(),
            cause: String::new(),
        },
        Input::TaskHeartbeat { task },
        Input::TimerFired { timer: 999 },
        Input::Start,
    ] {
        let d = exec.decide(input, t0 + 10_000, &mut entropy);
        assert!(d.events.is_empty(), "{:?}", d.events);
    }
    assert!(exec == before);
}

#[test]
fn an_express_execution_times_out_after_five_minutes() {
    let mut info = common::info("Machine", json!({}));
    info.express = true;
    for (definition, ended_at) in [
        (
            json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}}),
            300_000,
        ),
        (
            json!({"TimeoutSeconds": 900, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}}),
            300_000,
        ),
        (
            json!({"TimeoutSeconds": 60, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}}),
            60_000,
        ),
    ] {
        let run = common::run_info_with(&definition.to_string(), info.clone(), &mut |_| None);
        assert_eq!(run.status(), "TIMED_OUT", "{definition}");
        assert_eq!(run.error().map(|e| e.0), Some("States.Timeout".to_string()));
        let end = run.history.last().map(|e| e.timestamp - common::T0);
        assert_eq!(end, Some(ended_at), "{definition}");
    }
    // A STANDARD execution waits as long as it is told.
    let wait =
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}});
    let run = common::run_with(&wait.to_string(), json!({}), &mut |_| None);
    assert_eq!(run.status(), "SUCCEEDED");
}

#[test]
fn a_wait_until_a_timestamp_ignores_its_milliseconds() {
    // T0 is a whole second; AWS truncates the timestamp's milliseconds.
    let until = stepwell_core::iso8601(common::T0 + 2_950);
    let wait = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "TimestampPath": "$.until", "End": true}}});
    let run = common::run_with(&wait.to_string(), json!({"until": until}), &mut |_| None);
    assert_eq!(run.status(), "SUCCEEDED");
    let end = run.history.last().map(|e| e.timestamp - common::T0);
    assert_eq!(end, Some(2_000), "{until}");
}

#[test]
fn the_express_limit_is_wall_clock_time_that_wait_scale_does_not_shorten() {
    use stepwell_engine::{run_to_completion, LocalOptions, MockRunner};
    let wait = |s: u64| json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": s, "End": true}}});
    let mut info = common::info("Machine", json!({}));
    info.express = true;
    // (wait, scale): status, and when it ended on the clock.
    for (seconds, scale, status, ended_at) in [
        (600, 1.0, Status::TimedOut, 300_000),
        (600, 0.01, Status::Succeeded, 6_000),
        (100, 0.0, Status::Succeeded, 0),
    ] {
        let plan = common::parse(&wait(seconds).to_string());
        let mut exec = Execution::new(plan, info.clone());
        let clock = common::ManualClock::new(common::T0);
        let mut runner = MockRunner::new(None);
        let history = run_to_completion(
            &mut exec,
            LocalOptions {
                runner: &mut runner,
                clock: &clock,
                entropy: &mut SplitMix::new(3),
                wait_scale: scale,
                s3: None,
            },
        );
        assert_eq!(exec.status(), status, "Wait {seconds} s at scale {scale}");
        let end = history.last().map(|e| e.timestamp - common::T0);
        assert_eq!(end, Some(ended_at), "Wait {seconds} s at scale {scale}");
    }
}

#[test]
fn jsonata_numbers_out_of_range_say_what_the_field_takes() {
    // A number of the right type but out of range is not an "unexpected
    // result type" ("Expected 'integer', but was 'integer'"): the cause says
    // which values the field takes. AWS's wording for these is not
    // recorded, except the ToleratedFailure* ones (recorded for their
    // ...Path twins: base_scenarios__map_state_tolerated_failure_*_path__*).
    let task = |field: &str, value: &str| {
        json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {
            "Type": "Task", "Resource": FN, field: value, "End": true}}})
    };
    let wait = |value: &str| {
        json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {
            "Type": "Wait", "Seconds": value, "End": true}}})
    };
    let map = |field: &str, value: &str| {
        json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {
            "Type": "Map", "Items": [1], field: value, "End": true,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}})
    };
    let invalid = |source: &str, field: &str, expected: &str, value: &str| {
        (
            "States.QueryEvaluationError",
            format!("The JSONata expression '{source}' specified for the field '{field}' returned an invalid value. Expected {expected}, but was: {value}"),
        )
    };
    let cases = [
        (
            task("TimeoutSeconds", "{% -5 %}"),
            invalid("-5", "TimeoutSeconds", "a positive integer", "-5"),
        ),
        (
            task("TimeoutSeconds", "{% 0 %}"),
            invalid("0", "TimeoutSeconds", "a positive integer", "0"),
        ),
        (
            task("HeartbeatSeconds", "{% -1 %}"),
            invalid("-1", "HeartbeatSeconds", "a positive integer", "-1"),
        ),
        (
            wait("{% -5 %}"),
            invalid("-5", "Seconds", "a non-negative integer", "-5"),
        ),
        (
            map("MaxConcurrency", "{% -1 %}"),
            invalid("-1", "MaxConcurrency", "a non-negative integer", "-1"),
        ),
        (
            map("ToleratedFailureCount", "{% -1 %}"),
            (
                "States.Runtime",
                "ToleratedFailureCount cannot be negative.".to_string(),
            ),
        ),
        (
            map("ToleratedFailurePercentage", "{% 100.5 %}"),
            (
                "States.Runtime",
                "ToleratedFailurePercentage must be between 0 and 100.".to_string(),
            ),
        ),
        (
            map("ToleratedFailurePercentage", "{% -1 %}"),
            (
                "States.Runtime",
                "ToleratedFailurePercentage must be between 0 and 100.".to_string(),
            ),
        ),
        // A value of another type still names the type.
        (
            task("TimeoutSeconds", "{% 1.5 %}"),
            (
                "States.QueryEvaluationError",
                "The JSONata expression '1.5' specified for the field 'TimeoutSeconds' returned an unexpected result type. Expected 'integer', but was 'number' for value: 1.5".to_string(),
            ),
        ),
        (
            wait("{% 'x' %}"),
            (
                "States.QueryEvaluationError",
                "The JSONata expression ''x'' specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was 'string' for value: \"x\"".to_string(),
            ),
        ),
    ];
    let prefix = "An error occurred while executing the state 'S' (entered at the event id #2). ";
    for (def, (error, cause)) in cases {
        let run = common::run(&def.to_string(), json!({}), json!({}), 1);
        assert_eq!(
            run.error(),
            Some((error.to_string(), format!("{prefix}{cause}"))),
            "{def}"
        );
    }
}
