//! Workflow variables as AWS documents them ("Passing data between states
//! with variables"): scopes of Parallel branches and Map iterations, what an
//! inner scope may assign, Distributed Map isolation, and the size limits.
//!
//! The scope cases are data (`variables/scope.json`): a definition, an
//! input, task answers and the expected end. The size cases are built here,
//! since they need values of exact sizes.

// A test: a broken fixture is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{run, End};
use serde_json::{json, Value};

fn expected(e: &Value) -> End {
    match e["status"].as_str() {
        Some("SUCCEEDED") => End::Succeeded(e["output"].clone()),
        Some("FAILED") => End::Failed {
            error: e["error"].as_str().unwrap().into(),
            cause: e["cause"].as_str().unwrap().into(),
        },
        other => panic!("unknown status {other:?}"),
    }
}

#[test]
fn scope_cases() {
    let text = include_str!("variables/scope.json");
    let cases: Vec<Value> = serde_json::from_str(text).unwrap();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let input = c.get("input").cloned().unwrap_or(json!({}));
        let tasks = c.get("tasks").cloned().unwrap_or(json!({}));
        let (got, _) = run(&c["definition"].to_string(), input, &tasks);
        let want = expected(&c["expect"]);
        if got != want {
            failures.push(format!("{name}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A JSONata expression whose value is a string of compact JSON size `bytes`.
fn string_of(bytes: usize) -> String {
    format!("{{% $pad('', {}, 'x') %}}", bytes - 2)
}

/// A JSONata machine of Pass states run in order, each with the given Assign.
fn passes(assigns: &[Value]) -> String {
    let mut states = serde_json::Map::new();
    for (i, a) in assigns.iter().enumerate() {
        let mut s = json!({"Type": "Pass", "Assign": a});
        if i + 1 < assigns.len() {
            s["Next"] = json!(format!("S{}", i + 1));
        } else {
            s["End"] = json!(true);
        }
        states.insert(format!("S{i}"), s);
    }
    json!({"QueryLanguage": "JSONata", "StartAt": "S0", "States": states}).to_string()
}

fn failure(end: &End) -> Option<(&str, &str)> {
    match end {
        End::Failed { error, cause } => Some((error, cause)),
        _ => None,
    }
}

const KIB_256: usize = 256 * 1024;

#[test]
fn a_single_variable_holds_at_most_256_kib() {
    let (ok, _) = run(
        &passes(&[json!({"v": string_of(KIB_256)})]),
        json!({}),
        &json!({}),
    );
    assert_eq!(ok, End::Succeeded(json!({})));

    let (over, _) = run(
        &passes(&[json!({"v": string_of(KIB_256 + 1)})]),
        json!({}),
        &json!({}),
    );
    assert_eq!(
        failure(&over),
        Some((
            "States.DataLimitExceeded",
            "The state/task 'S0' assigned the variable 'v' in the field 'Assign' a value of 262145 bytes, exceeding the maximum size of a single variable (262144 bytes)."
        ))
    );
}

#[test]
fn one_assign_holds_at_most_256_kib_in_all() {
    // AWS: "you could assign X and Y to 128KiB, but you could not assign both
    // X and Y to 256KiB in the same Assign field".
    let half = KIB_256 / 2;
    let (ok, _) = run(
        &passes(&[json!({"x": string_of(half), "y": string_of(half)})]),
        json!({}),
        &json!({}),
    );
    assert_eq!(ok, End::Succeeded(json!({})));

    let (over, _) = run(
        &passes(&[json!({"x": string_of(half), "y": string_of(half + 1)})]),
        json!({}),
        &json!({}),
    );
    assert_eq!(
        failure(&over),
        Some((
            "States.DataLimitExceeded",
            "The state/task 'S0' assigned variables of 262145 bytes in the field 'Assign', exceeding the maximum combined size of the variables of one Assign (262144 bytes)."
        ))
    );
}

#[test]
fn the_variables_in_scope_hold_at_most_10_mib() {
    // 40 variables of 256 KiB are exactly 10 MiB.
    let full: Vec<Value> = (0..40)
        .map(|i| json!({ format!("v{i}"): string_of(KIB_256) }))
        .collect();
    let (ok, _) = run(&passes(&full), json!({}), &json!({}));
    assert_eq!(ok, End::Succeeded(json!({})));

    // Replacing a variable counts its new size, not both.
    let mut replaced = full.clone();
    replaced.push(json!({"v0": string_of(KIB_256)}));
    replaced.push(json!({"v1": "{% 'small' %}"}));
    // 39 full ones, a small one (7 bytes) and this one: exactly 10 MiB.
    replaced.push(json!({"v41": string_of(KIB_256 - 7)}));
    let (ok, _) = run(&passes(&replaced), json!({}), &json!({}));
    assert_eq!(ok, End::Succeeded(json!({})));

    let mut over = full;
    over.push(json!({"one_more": 1}));
    let (over, _) = run(&passes(&over), json!({}), &json!({}));
    assert_eq!(
        failure(&over),
        Some((
            "States.DataLimitExceeded",
            "The state/task 'S40' assigned variables in the field 'Assign' that bring the execution's stored variables to 10485761 bytes, exceeding the maximum total size of stored variables (10485760 bytes)."
        ))
    );
}

#[test]
fn variables_of_finished_iterations_no_longer_count() {
    // 60 iterations of 256 KiB each: 15 MiB assigned in all, but each
    // iteration's variable goes out of scope when it ends.
    let def = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {"M": {
            "Type": "Map",
            "Items": "{% [1..60] %}",
            "MaxConcurrency": 1,
            "Output": "{% $count($states.result) %}",
            "End": true,
            "ItemProcessor": {"StartAt": "I", "States": {
                "I": {"Type": "Pass", "Assign": {"big": string_of(KIB_256)}, "Output": 0, "End": true}
            }}
        }}
    });
    let (end, _) = run(&def.to_string(), json!({}), &json!({}));
    assert_eq!(end, End::Succeeded(json!(60)));
}

#[test]
fn the_limits_apply_to_a_catcher_and_fail_the_state() {
    let def = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"e": string_of(KIB_256 + 1)}, "Next": "Done"}],
                "End": true
            },
            "Done": {"Type": "Succeed"}
        }
    });
    let (end, _) = run(
        &def.to_string(),
        json!({}),
        &json!({"T": [{"Throw": {"Error": "Boom", "Cause": "no"}}]}),
    );
    assert_eq!(
        failure(&end),
        Some((
            "States.DataLimitExceeded",
            "The state/task 'T' assigned the variable 'e' in the field 'Catch[0].Assign' a value of 262145 bytes, exceeding the maximum size of a single variable (262144 bytes)."
        ))
    );
}

#[test]
fn a_wait_or_choice_assign_reads_the_effective_input() {
    // AWS, "Passing data between states with variables": "In Choice and
    // Wait state, `$` refers to the effective input, which is the value
    // after InputPath has been applied." The next state shows the variable.
    let show = json!({"Type": "Pass", "Parameters": {"v.$": "$v"}, "End": true});
    let wait = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 0, "InputPath": "$.in",
              "Assign": {"v.$": "$"}, "Next": "Show"},
        "Show": show
    }});
    let choice = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "InputPath": "$.in", "Assign": {"v.$": "$"},
              "Choices": [{"Variable": "$.x", "NumericEquals": 2, "Next": "Show"}],
              "Default": "Show"},
        "Show": show
    }});
    for def in [wait, choice] {
        let (end, _) = run(&def.to_string(), json!({"in": {"x": 1}}), &json!({}));
        assert_eq!(end, End::Succeeded(json!({"v": {"x": 1}})), "{def}");
    }
    // JSONata has no InputPath: `$states.input` is the state's input.
    let jsonata = json!({"QueryLanguage": "JSONata", "StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 0, "Assign": {"v": "{% $states.input %}"},
              "Next": "Show"},
        "Show": {"Type": "Pass", "Output": "{% $v %}", "End": true}
    }});
    let (end, _) = run(&jsonata.to_string(), json!({"in": {"x": 1}}), &json!({}));
    assert_eq!(end, End::Succeeded(json!({"in": {"x": 1}})));
}
