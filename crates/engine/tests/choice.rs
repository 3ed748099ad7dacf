//! Choice rules, run through the engine: every comparison operator and its
//! `...Path` variant, the type tests, StringMatches, And/Or/Not, Default and
//! the States.Runtime error of a Choice with no match and no Default.

mod common;

use serde_json::{json, Value};

/// What a Choice does with one rule: take it, take the Default, or fail.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Yes,
    No,
    Fails(&'static str),
}
use Want::*;

/// A Choice with one rule going to `Yes`, Default `No`.
fn check(rule: Value, input: Value, want: Want) {
    let mut choice = rule.clone();
    choice["Next"] = json!("Yes");
    let def = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [choice], "Default": "No"},
        "Yes": {"Type": "Pass", "Result": "yes", "End": true},
        "No": {"Type": "Pass", "Result": "no", "End": true}
    }});
    let run = common::run(&def.to_string(), input.clone(), json!({}), 1);
    let got = match (run.output(), run.error()) {
        (Some(v), _) if v == json!("yes") => Yes,
        (Some(v), _) if v == json!("no") => No,
        (_, Some((e, _))) if e == "States.Runtime" => Fails("States.Runtime"),
        (o, e) => panic!("{rule} on {input}: unexpected result {o:?} {e:?}"),
    };
    assert_eq!(got, want, "{rule} on {input}");
}

/// `(operator, literal right-hand side, value in the input, expected)`;
/// each row also runs as `<operator>Path` with the right-hand side in the input.
type Row = (&'static str, Value, Value, Want);

fn comparison_rows() -> Vec<Row> {
    vec![
        ("StringEquals", json!("abc"), json!("abc"), Yes),
        ("StringEquals", json!("abc"), json!("abd"), No),
        ("StringEquals", json!("1"), json!(1), No),
        ("StringEquals", json!(""), json!(""), Yes),
        ("StringLessThan", json!("b"), json!("a"), Yes),
        ("StringLessThan", json!("b"), json!("b"), No),
        ("StringLessThan", json!("b"), json!("ba"), No),
        ("StringLessThan", json!("B"), json!("a"), No),
        // Java's order, by UTF-16 units: U+1F600 (D83D DE00) is below U+FF5E.
        ("StringLessThan", json!("\u{FF5E}"), json!("\u{1F600}"), Yes),
        ("StringGreaterThan", json!("b"), json!("c"), Yes),
        ("StringGreaterThan", json!("b"), json!("b"), No),
        ("StringLessThanEquals", json!("b"), json!("b"), Yes),
        ("StringLessThanEquals", json!("b"), json!("c"), No),
        ("StringGreaterThanEquals", json!("b"), json!("b"), Yes),
        ("StringGreaterThanEquals", json!("b"), json!("a"), No),
        ("NumericEquals", json!(1), json!(1.0), Yes),
        ("NumericEquals", json!(1), json!(2), No),
        ("NumericEquals", json!(1), json!("1"), No),
        ("NumericEquals", json!(-0.5), json!(-0.5), Yes),
        ("NumericLessThan", json!(10), json!(9.99), Yes),
        ("NumericLessThan", json!(10), json!(10), No),
        ("NumericGreaterThan", json!(10), json!(11), Yes),
        ("NumericGreaterThan", json!(10), json!(10), No),
        ("NumericLessThanEquals", json!(10), json!(10), Yes),
        ("NumericLessThanEquals", json!(10), json!(10.5), No),
        ("NumericGreaterThanEquals", json!(10), json!(10), Yes),
        ("NumericGreaterThanEquals", json!(10), json!(-10), No),
        ("BooleanEquals", json!(true), json!(true), Yes),
        ("BooleanEquals", json!(false), json!(true), No),
        ("BooleanEquals", json!(true), json!("true"), No),
        (
            "TimestampEquals",
            json!("2024-01-01T00:00:00Z"),
            json!("2024-01-01T00:00:00Z"),
            Yes,
        ),
        (
            "TimestampEquals",
            json!("2024-01-01T00:00:00Z"),
            json!("2024-01-01T01:00:00+01:00"),
            Yes,
        ),
        (
            "TimestampEquals",
            json!("2024-01-01T00:00:00Z"),
            json!("2024-01-01T00:00:01Z"),
            No,
        ),
        (
            "TimestampEquals",
            json!("2024-01-01T00:00:00Z"),
            json!("yesterday"),
            No,
        ),
        (
            "TimestampLessThan",
            json!("2024-01-01T00:00:00Z"),
            json!("2023-12-31T23:59:59Z"),
            Yes,
        ),
        (
            "TimestampLessThan",
            json!("2024-01-01T00:00:00Z"),
            json!("2024-01-01T00:00:00Z"),
            No,
        ),
        (
            "TimestampGreaterThan",
            json!("2024-01-01T00:00:00Z"),
            json!("2024-01-01T00:00:00.001Z"),
            Yes,
        ),
        (
            "TimestampGreaterThan",
            json!("2024-01-01T00:00:00Z"),
            json!("2023-01-01T00:00:00Z"),
            No,
        ),
        (
            "TimestampLessThanEquals",
            json!("2024-01-01T00:00:00Z"),
            json!("2024-01-01T00:00:00Z"),
            Yes,
        ),
        (
            "TimestampLessThanEquals",
            json!("2024-01-01T00:00:00Z"),
            json!("2025-01-01T00:00:00Z"),
            No,
        ),
        (
            "TimestampGreaterThanEquals",
            json!("2024-01-01T00:00:00Z"),
            json!("2024-01-01T00:00:00Z"),
            Yes,
        ),
        (
            "TimestampGreaterThanEquals",
            json!("2024-01-01T00:00:00Z"),
            json!("2020-01-01T00:00:00Z"),
            No,
        ),
    ]
}

#[test]
fn comparisons_and_their_path_variants() {
    for (op, rhs, value, want) in comparison_rows() {
        // Literal operand.
        check(
            json!({"Variable": "$.v", op: rhs}),
            json!({"v": value}),
            want,
        );
        // The same comparison with the operand read from the input.
        let path_op = format!("{op}Path");
        check(
            json!({"Variable": "$.v", path_op: "$.rhs"}),
            json!({"v": value, "rhs": rhs}),
            want,
        );
    }
}

#[test]
fn path_operands_of_the_wrong_type_do_not_match() {
    let rows: Vec<(Value, Value, Want)> = vec![
        (
            json!({"Variable": "$.v", "StringEqualsPath": "$.rhs"}),
            json!({"v": "1", "rhs": 1}),
            No,
        ),
        (
            json!({"Variable": "$.v", "NumericEqualsPath": "$.rhs"}),
            json!({"v": 1, "rhs": "1"}),
            No,
        ),
        (
            json!({"Variable": "$.v", "BooleanEqualsPath": "$.rhs"}),
            json!({"v": true, "rhs": "true"}),
            No,
        ),
        (
            json!({"Variable": "$.v", "TimestampEqualsPath": "$.rhs"}),
            json!({"v": "2024-01-01T00:00:00Z", "rhs": 5}),
            No,
        ),
        // The right-hand side may come from the context object.
        (
            json!({"Variable": "$.v", "StringEqualsPath": "$$.State.Name"}),
            json!({"v": "C"}),
            Yes,
        ),
    ];
    for (rule, input, want) in rows {
        check(rule, input, want);
    }
}

#[test]
fn missing_paths() {
    let rows: Vec<(Value, Value, Want)> = vec![
        // IsPresent is the one test that may look at a missing field.
        (
            json!({"Variable": "$.missing", "IsPresent": false}),
            json!({}),
            Yes,
        ),
        (
            json!({"Variable": "$.missing", "IsPresent": true}),
            json!({}),
            No,
        ),
        (
            json!({"Variable": "$.v", "IsPresent": true}),
            json!({"v": null}),
            Yes,
        ),
        (
            json!({"Variable": "$.v[0]", "IsPresent": true}),
            json!({"v": []}),
            No,
        ),
        // Every other operator fails the execution on a missing Variable ...
        (
            json!({"Variable": "$.missing", "StringEquals": "x"}),
            json!({}),
            Fails("States.Runtime"),
        ),
        (
            json!({"Variable": "$.missing", "IsNull": true}),
            json!({}),
            Fails("States.Runtime"),
        ),
        // ... and on a missing `...Path` operand.
        (
            json!({"Variable": "$.v", "NumericEqualsPath": "$.missing"}),
            json!({"v": 1}),
            Fails("States.Runtime"),
        ),
    ];
    for (rule, input, want) in rows {
        check(rule, input, want);
    }
}

#[test]
fn type_tests() {
    let values = [
        json!(null),
        json!(1),
        json!(1.5),
        json!("s"),
        json!("2024-01-01T00:00:00Z"),
        json!(true),
        json!([1]),
        json!({"a": 1}),
    ];
    // For each test: which of `values` it holds for.
    let tests: [(&str, [bool; 8]); 5] = [
        (
            "IsNull",
            [true, false, false, false, false, false, false, false],
        ),
        (
            "IsNumeric",
            [false, true, true, false, false, false, false, false],
        ),
        (
            "IsString",
            [false, false, false, true, true, false, false, false],
        ),
        (
            "IsBoolean",
            [false, false, false, false, false, true, false, false],
        ),
        (
            "IsTimestamp",
            [false, false, false, false, true, false, false, false],
        ),
    ];
    for (op, holds) in tests {
        for (v, h) in values.iter().zip(holds) {
            let input = json!({ "v": v });
            check(
                json!({"Variable": "$.v", op: true}),
                input.clone(),
                if h { Yes } else { No },
            );
            check(
                json!({"Variable": "$.v", op: false}),
                input,
                if h { No } else { Yes },
            );
        }
    }
}

#[test]
fn string_matches() {
    let rows = [
        ("log-*.txt", "log-2024.txt", true),
        ("log-*.txt", "log-.txt", true),
        ("log-*.txt", "log-2024.txt.gz", false),
        ("*", "", true),
        ("*", "anything", true),
        ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "acb", false),
        ("exact", "exact", true),
        ("exact", "exactly", false),
        // `\*` is a literal star, `\\` a literal backslash.
        (r"a\*b", "a*b", true),
        (r"a\*b", "aXb", false),
        (r"a\\*", r"a\anything", true),
        (r"a\\b", r"a\b", true),
        ("*.\u{e9}t\u{e9}", "summer.\u{e9}t\u{e9}", true),
    ];
    for (pattern, s, want) in rows {
        check(
            json!({"Variable": "$.v", "StringMatches": pattern}),
            json!({ "v": s }),
            if want { Yes } else { No },
        );
    }
    // Only strings can match.
    check(
        json!({"Variable": "$.v", "StringMatches": "*"}),
        json!({"v": 1}),
        No,
    );
}

#[test]
fn and_or_not() {
    let gt = |n: i64| json!({"Variable": "$.n", "NumericGreaterThan": n});
    let rows: Vec<(Value, i64, Want)> = vec![
        (json!({"And": [gt(1), gt(2)]}), 3, Yes),
        (json!({"And": [gt(1), gt(5)]}), 3, No),
        (json!({"Or": [gt(5), gt(2)]}), 3, Yes),
        (json!({"Or": [gt(5), gt(6)]}), 3, No),
        (json!({"Not": gt(5)}), 3, Yes),
        (json!({"Not": gt(1)}), 3, No),
        (json!({"Not": {"Not": gt(1)}}), 3, Yes),
        (
            json!({"And": [{"Or": [gt(9), {"Not": gt(9)}]}, {"Not": {"And": [gt(1), gt(9)]}}]}),
            3,
            Yes,
        ),
        // And stops at the first false rule, Or at the first true one: the
        // missing field after them is never looked at.
        (
            json!({"And": [gt(5), {"Variable": "$.missing", "IsNull": true}]}),
            3,
            No,
        ),
        (
            json!({"Or": [gt(1), {"Variable": "$.missing", "IsNull": true}]}),
            3,
            Yes,
        ),
    ];
    for (rule, n, want) in rows {
        check(rule, json!({ "n": n }), want);
    }
}

#[test]
fn default_order_and_no_match() {
    // The first matching choice wins.
    let def = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
            {"Variable": "$.n", "NumericGreaterThan": 0, "Next": "Small"},
            {"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}
        ]},
        "Big": {"Type": "Pass", "Result": "big", "End": true},
        "Small": {"Type": "Pass", "Result": "small", "End": true}
    }})
    .to_string();
    let rows: [(i64, Result<&str, &str>); 3] = [
        (11, Ok("big")),
        (7, Ok("small")),
        (-1, Err("States.Runtime")),
    ];
    for (n, want) in rows {
        let run = common::run(&def, json!({ "n": n }), json!({}), 1);
        match want {
            Ok(out) => assert_eq!(run.output(), Some(json!(out)), "n = {n}"),
            Err(e) => {
                assert_eq!(run.status(), "FAILED");
                assert_eq!(run.error().map(|e| e.0), Some(e.to_owned()), "n = {n}");
            }
        }
    }
    // It is States.Runtime, which no Catch takes, even around a branch.
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [{"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "IsNull": true, "Next": "X"}]},
            "X": {"Type": "Succeed"}
        }}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
        "Caught": {"Type": "Pass", "End": true}
    }})
    .to_string();
    let run = common::run(&def, json!({"n": 1}), json!({}), 1);
    assert_eq!(run.status(), "FAILED");
    assert_eq!(
        run.error(),
        Some((
            "States.Runtime".into(),
            "An error occurred while executing the state 'C' (entered at the event id #4). Failed to transition out of the state. The state does not point to a next state.".into()
        ))
    );
}

#[test]
fn input_and_output_paths_of_a_choice() {
    // Rules see the effective input (after InputPath); OutputPath shapes what
    // the next state gets.
    let def = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "InputPath": "$.inner", "OutputPath": "$.keep",
              "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Out"}], "Default": "Out"},
        "Out": {"Type": "Pass", "End": true}
    }})
    .to_string();
    let run = common::run(
        &def,
        json!({"inner": {"n": 1, "keep": "k"}, "n": 2}),
        json!({}),
        1,
    );
    assert_eq!(run.output(), Some(json!("k")));
}
