//! Retry timing with an injected clock: a mocked task fails N times and the
//! `TimerStarted { purpose: Retry(_), fire_at }` events are checked.

mod common;

use serde_json::{json, Value};

const FN: &str = "arn:aws:lambda:us-east-1:111111111111:function:f";

/// A Task `T` with `retry` (and `catch`, if any, going to the Pass `Caught`).
fn definition(retry: Value, catch: Option<Value>) -> String {
    let mut t = json!({"Type": "Task", "Resource": FN, "Retry": retry, "End": true});
    let mut states = json!({});
    if let Some(c) = catch {
        t["Catch"] = c;
        states["Caught"] = json!({"Type": "Pass", "End": true});
    }
    states["T"] = t;
    json!({"StartAt": "T", "States": states}).to_string()
}

fn throw(error: &str) -> Value {
    json!({"Throw": {"Error": error, "Cause": format!("cause of {error}")}})
}

struct Case {
    name: &'static str,
    retry: Value,
    catch: Option<Value>,
    /// Errors thrown by the task, one per call; then it returns `{"ok": true}`.
    throws: &'static [&'static str],
    delays_ms: &'static [i64],
    retriers: Option<&'static [u32]>,
    status: &'static str,
    /// Error of a failed execution, or the output of a successful one.
    result: Value,
}

fn check(c: &Case) {
    let mut responses: Vec<Value> = c.throws.iter().map(|e| throw(e)).collect();
    responses.push(json!({"Return": {"ok": true}}));
    let run = common::run(
        &definition(c.retry.clone(), c.catch.clone()),
        json!({"in": 1}),
        json!({ "T": responses }),
        1,
    );
    assert_eq!(run.retry_delays(), c.delays_ms, "{}: retry delays", c.name);
    if let Some(r) = c.retriers {
        assert_eq!(run.retriers_used(), r, "{}: retriers used", c.name);
    }
    assert_eq!(run.status(), c.status, "{}: status", c.name);
    match run.status() {
        "SUCCEEDED" => assert_eq!(run.output(), Some(c.result.clone()), "{}: output", c.name),
        _ => assert_eq!(
            run.error().map(|e| json!(e.0)),
            Some(c.result.clone()),
            "{}: error",
            c.name
        ),
    }
    // The clock only moved by the retry delays.
    let elapsed = run.history.last().map(|e| e.timestamp - common::T0);
    assert_eq!(
        elapsed,
        Some(c.delays_ms.iter().sum()),
        "{}: elapsed time",
        c.name
    );
}

#[test]
fn retry_timing() {
    let ok = json!({"ok": true});
    let cases = [
        Case {
            name: "defaults: 1s, rate 2, 3 attempts",
            retry: json!([{"ErrorEquals": ["E"]}]),
            catch: None,
            throws: &["E", "E", "E"],
            delays_ms: &[1000, 2000, 4000],
            retriers: None,
            status: "SUCCEEDED",
            result: ok.clone(),
        },
        Case {
            name: "IntervalSeconds and BackoffRate",
            retry: json!([{"ErrorEquals": ["E"], "IntervalSeconds": 3, "BackoffRate": 1.5, "MaxAttempts": 4}]),
            catch: None,
            throws: &["E", "E", "E", "E"],
            delays_ms: &[3000, 4500, 6750, 10125],
            retriers: None,
            status: "SUCCEEDED",
            result: ok.clone(),
        },
        Case {
            name: "BackoffRate 1 keeps the interval",
            retry: json!([{"ErrorEquals": ["E"], "IntervalSeconds": 2, "BackoffRate": 1}]),
            catch: None,
            throws: &["E", "E"],
            delays_ms: &[2000, 2000],
            retriers: None,
            status: "SUCCEEDED",
            result: ok.clone(),
        },
        Case {
            name: "MaxAttempts exhausted fails the execution",
            retry: json!([{"ErrorEquals": ["E"], "IntervalSeconds": 1, "MaxAttempts": 2}]),
            catch: None,
            throws: &["E", "E", "E"],
            delays_ms: &[1000, 2000],
            retriers: None,
            status: "FAILED",
            result: json!("E"),
        },
        Case {
            name: "MaxAttempts 0 never retries",
            retry: json!([{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "MaxAttempts": 0}]),
            catch: None,
            throws: &["E"],
            delays_ms: &[],
            retriers: None,
            status: "FAILED",
            result: json!("E"),
        },
        Case {
            name: "MaxDelaySeconds caps the back-off",
            retry: json!([{"ErrorEquals": ["E"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 5, "MaxDelaySeconds": 10}]),
            catch: None,
            throws: &["E", "E", "E", "E"],
            delays_ms: &[2000, 6000, 10000, 10000],
            retriers: None,
            status: "SUCCEEDED",
            result: ok.clone(),
        },
        Case {
            name: "a retrier that does not match is skipped",
            retry: json!([{"ErrorEquals": ["Other"], "IntervalSeconds": 9}, {"ErrorEquals": ["E"], "IntervalSeconds": 1}]),
            catch: None,
            throws: &["E"],
            delays_ms: &[1000],
            retriers: Some(&[1]),
            status: "SUCCEEDED",
            result: ok.clone(),
        },
        Case {
            name: "retriers keep separate attempt counts, the first match wins",
            retry: json!([
                {"ErrorEquals": ["A"], "IntervalSeconds": 1, "MaxAttempts": 3},
                {"ErrorEquals": ["B", "A"], "IntervalSeconds": 10, "MaxAttempts": 3}
            ]),
            catch: None,
            throws: &["A", "B", "A", "B"],
            delays_ms: &[1000, 10000, 2000, 20000],
            retriers: Some(&[0, 1, 0, 1]),
            status: "SUCCEEDED",
            result: ok.clone(),
        },
        Case {
            name: "an exhausted first match does not fall through to a later retrier",
            retry: json!([
                {"ErrorEquals": ["E"], "IntervalSeconds": 1, "MaxAttempts": 1},
                {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 5, "MaxAttempts": 5}
            ]),
            catch: None,
            throws: &["E", "E"],
            delays_ms: &[1000],
            retriers: Some(&[0]),
            status: "FAILED",
            result: json!("E"),
        },
        Case {
            name: "States.ALL matches any error",
            retry: json!([{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1}]),
            catch: None,
            throws: &["Custom", "States.TaskFailed", "States.Timeout"],
            delays_ms: &[1000, 2000, 4000],
            retriers: None,
            status: "SUCCEEDED",
            result: ok.clone(),
        },
        Case {
            name: "States.TaskFailed does not match States.Timeout",
            retry: json!([{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1}]),
            catch: None,
            throws: &["Custom", "States.Timeout"],
            delays_ms: &[1000],
            retriers: None,
            status: "FAILED",
            result: json!("States.Timeout"),
        },
        Case {
            name: "States.Runtime is never retried, not even by States.ALL",
            retry: json!([{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1}]),
            catch: Some(json!([{"ErrorEquals": ["States.ALL"], "Next": "Caught"}])),
            throws: &["States.Runtime"],
            delays_ms: &[],
            retriers: None,
            status: "FAILED",
            result: json!("States.Runtime"),
        },
        Case {
            name: "exhausted retries fall through to Catch",
            retry: json!([{"ErrorEquals": ["E"], "IntervalSeconds": 1, "MaxAttempts": 2}]),
            catch: Some(json!([{"ErrorEquals": ["E"], "ResultPath": "$.err", "Next": "Caught"}])),
            throws: &["E", "E", "E"],
            delays_ms: &[1000, 2000],
            retriers: None,
            status: "SUCCEEDED",
            result: json!({"in": 1, "err": {"Error": "E", "Cause": "cause of E"}}),
        },
        Case {
            name: "an error no retrier names goes straight to Catch",
            retry: json!([{"ErrorEquals": ["Other"], "IntervalSeconds": 1}]),
            catch: Some(json!([{"ErrorEquals": ["States.ALL"], "Next": "Caught"}])),
            throws: &["E"],
            delays_ms: &[],
            retriers: None,
            status: "SUCCEEDED",
            result: json!({"Error": "E", "Cause": "cause of E"}),
        },
    ];
    for c in &cases {
        check(c);
    }
}

#[test]
fn full_jitter_stays_within_the_delay() {
    let def = definition(
        json!([{"ErrorEquals": ["E"], "IntervalSeconds": 2, "BackoffRate": 2, "MaxAttempts": 4, "MaxDelaySeconds": 10, "JitterStrategy": "FULL"}]),
        None,
    );
    let ceilings = [2000, 4000, 8000, 10000];
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..200 {
        let mocks = json!({"T": [throw("E"), throw("E"), throw("E"), throw("E"), {"Return": 1}]});
        let run = common::run(&def, json!({}), mocks, seed);
        let delays = run.retry_delays();
        assert_eq!(delays.len(), 4, "seed {seed}");
        for (d, max) in delays.iter().zip(ceilings) {
            assert!(
                (0..=max).contains(d),
                "seed {seed}: delay {d} not in [0, {max}]"
            );
            seen.insert(*d);
        }
        assert_eq!(run.status(), "SUCCEEDED");
    }
    // The delays really are drawn from the entropy, not fixed.
    assert!(
        seen.len() > 100,
        "only {} distinct jittered delays",
        seen.len()
    );
}

#[test]
fn jitter_none_ignores_entropy() {
    let def = definition(
        json!([{"ErrorEquals": ["E"], "IntervalSeconds": 2, "JitterStrategy": "NONE"}]),
        None,
    );
    for seed in 0..20 {
        let run = common::run(
            &def,
            json!({}),
            json!({"T": [throw("E"), throw("E"), {"Return": 1}]}),
            seed,
        );
        assert_eq!(run.retry_delays(), [2000, 4000], "seed {seed}");
    }
}

#[test]
fn retry_count_in_the_context_object() {
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": FN,
        "Parameters": {"n.$": "$$.State.RetryCount"},
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3}],
        "End": true
    }}})
    .to_string();
    let run = common::run(
        &def,
        json!({}),
        json!({"T": [throw("E"), throw("E"), {"Return": 1}]}),
        1,
    );
    assert_eq!(
        run.task_payloads(),
        [json!({"n": 0}), json!({"n": 1}), json!({"n": 2})]
    );
    assert_eq!(run.status(), "SUCCEEDED");
}

#[test]
fn attempts_reset_when_the_state_is_entered_again() {
    // T fails once (retried), succeeds, loops back through a Choice, and on
    // its second visit starts counting attempts and RetryCount from zero.
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": FN,
              "Parameters": {"n.$": "$$.State.RetryCount"},
              "Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 1, "MaxAttempts": 1}],
              "ResultPath": "$.r",
              "Next": "Again"},
        "Again": {"Type": "Choice", "Choices": [{"Variable": "$.done", "IsPresent": false, "Next": "Mark"}], "Default": "End"},
        "Mark": {"Type": "Pass", "Result": true, "ResultPath": "$.done", "Next": "T"},
        "End": {"Type": "Succeed"}
    }})
    .to_string();
    let mocks = json!({"T": [throw("E"), {"Return": {}}, throw("E"), {"Return": {"last": true}}]});
    let run = common::run(&def, json!({}), mocks, 1);
    assert_eq!(run.retry_delays(), [1000, 1000]);
    assert_eq!(
        run.task_payloads(),
        [
            json!({"n": 0}),
            json!({"n": 1}),
            json!({"n": 0}),
            json!({"n": 1})
        ]
    );
    assert_eq!(
        run.output(),
        Some(json!({"done": true, "r": {"last": true}}))
    );
}
