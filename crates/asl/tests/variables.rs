//! Assign fields are checked when the definition is read: an object whose
//! keys are valid variable names (AWS, "Passing data between states with
//! variables": Unicode ID_Start then ID_Continue characters, at most 80, not
//! the reserved `states`), each variable once.
//!
//! What AWS checks only at run time (an inner scope assigning an outer
//! variable, sizes, undefined references) must not be refused here.

// A test: a broken fixture is a failure.
#![allow(clippy::unwrap_used)]

use serde_json::{json, Value};
use stepwell_asl::{from_value, Code};

/// A machine whose only state `S` is `state` (a Pass unless a Type is given).
fn machine(ql: &str, state: Value) -> Value {
    let mut s = state;
    if s.get("Type").is_none() {
        s["Type"] = json!("Pass");
    }
    s["End"] = json!(true);
    json!({"QueryLanguage": ql, "StartAt": "S", "States": {"S": s}})
}

/// Expected diagnostics: `(location, message)`.
type Diags = Vec<(&'static str, String)>;

/// `(what, definition, expected diagnostics)`.
fn cases() -> Vec<(&'static str, Value, Diags)> {
    let name_rule = |n: &str| {
        format!("The variable name '{n}' is not valid: it must start with a Unicode ID_Start character and continue with Unicode ID_Continue characters")
    };
    let long = "v".repeat(81);
    let ok = "v".repeat(80);
    vec![
        (
            "plain names, both languages",
            json!({"StartAt": "S", "States": {
                "S": {"Type": "Pass", "Assign": {"x": 1, "y.$": "$.a", "Ünïcode_1": 2, ok.clone(): 3}, "Next": "J"},
                "J": {"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {"x": "{% $x %}", "変数": 1}, "End": true}
            }}),
            vec![],
        ),
        (
            "a hyphen",
            machine("JSONPath", json!({"Assign": {"my-var": 1}})),
            vec![("/States/S/Assign", name_rule("my-var"))],
        ),
        (
            "a leading underscore (not ID_Start)",
            machine("JSONata", json!({"Assign": {"_x": 1}})),
            vec![("/States/S/Assign", name_rule("_x"))],
        ),
        (
            "a leading digit",
            machine("JSONata", json!({"Assign": {"1x": 1}})),
            vec![("/States/S/Assign", name_rule("1x"))],
        ),
        (
            "part of a variable (AWS: you cannot \"Assign\":{\"x.y\":42})",
            machine("JSONata", json!({"Assign": {"x.y": 42, "x[2]": 42}})),
            vec![
                ("/States/S/Assign", name_rule("x.y")),
                ("/States/S/Assign", name_rule("x[2]")),
            ],
        ),
        (
            "a JSONPath key's .$ is not part of the name, but only once",
            machine("JSONPath", json!({"Assign": {"x.y.$": "$.a", "z.$.$": "$.b"}})),
            vec![
                ("/States/S/Assign", name_rule("x.y")),
                ("/States/S/Assign", name_rule("z.$")),
            ],
        ),
        (
            "a JSONata key keeps its .$",
            machine("JSONata", json!({"Assign": {"x.$": "{% 1 %}"}})),
            vec![("/States/S/Assign", name_rule("x.$"))],
        ),
        (
            "a dollar sign",
            machine("JSONata", json!({"Assign": {"$x": 1}})),
            vec![("/States/S/Assign", name_rule("$x"))],
        ),
        (
            "81 characters",
            machine("JSONata", json!({"Assign": {long.clone(): 1}})),
            vec![(
                "/States/S/Assign",
                format!("The variable name '{long}' is not valid: a variable name must have 1 to 80 characters"),
            )],
        ),
        (
            "the empty name",
            machine("JSONPath", json!({"Assign": {"": 1}})),
            vec![(
                "/States/S/Assign",
                "The variable name '' is not valid: a variable name must have 1 to 80 characters".into(),
            )],
        ),
        (
            "the reserved name states",
            machine("JSONata", json!({"Assign": {"states": 1}})),
            vec![(
                "/States/S/Assign",
                "The variable name 'states' is reserved and cannot be assigned".into(),
            )],
        ),
        (
            "the reserved name through a JSONPath key",
            machine("JSONPath", json!({"Assign": {"states.$": "$"}})),
            vec![(
                "/States/S/Assign",
                "The variable name 'states' is reserved and cannot be assigned".into(),
            )],
        ),
        (
            "one variable twice",
            machine("JSONPath", json!({"Assign": {"x": 1, "x.$": "$.a"}})),
            vec![(
                "/States/S/Assign",
                "The variable 'x' is assigned more than once".into(),
            )],
        ),
        (
            "a JSONata Assign that is not an object",
            machine("JSONata", json!({"Assign": "{% {'x': 1} %}"})),
            vec![("/States/S/Assign", "The field 'Assign' must be an object".into())],
        ),
        (
            "a JSONPath Assign that is not an object",
            machine("JSONPath", json!({"Assign": [1]})),
            vec![("/States/S/Assign", "The field 'Assign' must be an object".into())],
        ),
        (
            "in a Choice rule and in a catcher",
            json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{"Condition": true, "Assign": {"a b": 1}, "Next": "T"}], "Default": "T"},
                "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"states": 1}, "Next": "D"}], "End": true},
                "D": {"Type": "Succeed"}
            }}),
            vec![
                ("/States/C/Choices[0]/Assign", name_rule("a b")),
                (
                    "/States/T/Catch[0]/Assign",
                    "The variable name 'states' is reserved and cannot be assigned".into(),
                ),
            ],
        ),
        (
            "inside a branch, with the branch's location",
            json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"x-1": 1}, "End": true}}}
            ]}}}),
            vec![("/States/P/Branches[0]/States/B/Assign", name_rule("x-1"))],
        ),
        (
            "an inner scope assigning an outer variable is left to run time",
            json!({"StartAt": "S", "States": {
                "S": {"Type": "Pass", "Assign": {"x": 1}, "Next": "P"},
                "P": {"Type": "Parallel", "End": true, "Branches": [
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"x": 2}, "End": true}}}
                ]}
            }}),
            vec![],
        ),
        (
            "references to variables nothing assigns are left to run time",
            json!({"StartAt": "S", "States": {
                "S": {"Type": "Pass", "Parameters": {"a.$": "$nowhere"}, "Next": "J"},
                "J": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $nowhere %}", "End": true}
            }}),
            vec![],
        ),
    ]
}

#[test]
fn assign_fields() {
    let mut failures = Vec::new();
    for (what, def, want) in cases() {
        let got: Vec<(String, String)> = match from_value(&def) {
            Ok(_) => Vec::new(),
            Err(diags) => diags
                .into_iter()
                .map(|d| {
                    assert_eq!(d.code, Code::SchemaValidationFailed, "{what}: {d}");
                    (d.location.unwrap_or_default(), d.message)
                })
                .collect(),
        };
        let want: Vec<(String, String)> =
            want.into_iter().map(|(l, m)| (l.to_owned(), m)).collect();
        if got != want {
            failures.push(format!("{what}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn jsonata_sources_are_quoted_trimmed() {
    let def = machine("JSONata", json!({"Output": "{%   $x  %}"}));
    let sm = from_value(&def).unwrap();
    let st = &sm.top().states[0];
    let Some(stepwell_asl::JsonataTemplate::Expr(e)) = &st.io.output else {
        panic!("Output is not an expression");
    };
    assert_eq!(e.source, "$x");
}

#[test]
fn distributed_map_processors_do_not_see_outer_variables() {
    let map = |mode: &str| {
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "ItemProcessor": {
            "ProcessorConfig": {"Mode": mode, "ExecutionType": "STANDARD"},
            "StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}
            ]}}
        }}}})
    };
    let inline = from_value(&map("INLINE")).unwrap();
    let distributed = from_value(&map("DISTRIBUTED")).unwrap();
    // Machines: 0 top level, 1 the Map's processor, 2 the Parallel's branch.
    assert!(!inline.sees_outer_variables(0));
    assert!(inline.sees_outer_variables(1));
    assert!(inline.sees_outer_variables(2));
    assert!(!distributed.sees_outer_variables(0));
    assert!(!distributed.sees_outer_variables(1));
    assert!(distributed.sees_outer_variables(2));
    assert!(!distributed.sees_outer_variables(99));
}
