//! The warnings of `ValidateStateMachineDefinition` (`severity: WARNING`):
//! things a definition may say that are valid but are probably not what
//! its author meant. AWS lists three, all about JSONPath states:
//!
//! - `NO_DOLLAR`: "No `.$` on a field that appears to be a JSONPath or
//!   Intrinsic Function" (in a payload template or an `Assign`);
//! - `NO_PATH`: "Field value looks like a path, but field name does not
//!   end with 'Path'" (a Choice rule's comparison, a Fail's `Error` or
//!   `Cause`);
//! - `PASS_RESULT_IS_STATIC`: "Attempt to use a path in the result of a
//!   pass state".
//!
//! The codes and what they mean are AWS's; the messages are ours (AWS
//! says not to rely on its wording). A definition with errors gets its
//! warnings too, read from the JSON as far as it goes.

use serde_json::{Map as JsonMap, Value};

use crate::diag::{Code, Diagnostic};

/// The warnings of the definition `doc` (a JSON object; anything else has
/// none), in document order.
pub fn warnings(doc: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(obj) = doc.as_object() {
        machine(obj, "", jsonpath(obj, true), &mut out);
    }
    out
}

/// Whether an object with this `QueryLanguage` field is JSONPath, given
/// its parent's (`inherited`).
fn jsonpath(obj: &JsonMap<String, Value>, inherited: bool) -> bool {
    match obj.get("QueryLanguage").and_then(Value::as_str) {
        Some("JSONPath") => true,
        Some(_) => false,
        None => inherited,
    }
}

fn machine(obj: &JsonMap<String, Value>, loc: &str, is_jsonpath: bool, out: &mut Vec<Diagnostic>) {
    let Some(states) = obj.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in states {
        let Some(state) = state.as_object() else {
            continue;
        };
        let sloc = format!("{loc}/States/{name}");
        let own = jsonpath(state, is_jsonpath);
        if own {
            jsonpath_state(state, &sloc, out);
        }
        // Branches and iterations inherit the state's language.
        if let Some(branches) = state.get("Branches").and_then(Value::as_array) {
            for (i, b) in branches.iter().enumerate() {
                if let Some(b) = b.as_object() {
                    machine(b, &format!("{sloc}/Branches[{i}]"), own, out);
                }
            }
        }
        for field in ["ItemProcessor", "Iterator"] {
            if let Some(p) = state.get(field).and_then(Value::as_object) {
                machine(p, &format!("{sloc}/{field}"), own, out);
            }
        }
    }
}

fn jsonpath_state(state: &JsonMap<String, Value>, loc: &str, out: &mut Vec<Diagnostic>) {
    for field in ["Parameters", "ResultSelector", "ItemSelector", "Assign"] {
        if let Some(v) = state.get(field) {
            no_dollar(v, &format!("{loc}/{field}"), out);
        }
    }
    for field in ["ItemReader", "ResultWriter"] {
        if let Some(v) = state.get(field).and_then(|v| v.get("Parameters")) {
            no_dollar(v, &format!("{loc}/{field}/Parameters"), out);
        }
    }
    if let Some(catchers) = state.get("Catch").and_then(Value::as_array) {
        for (i, c) in catchers.iter().enumerate() {
            if let Some(v) = c.get("Assign") {
                no_dollar(v, &format!("{loc}/Catch[{i}]/Assign"), out);
            }
        }
    }
    match state.get("Type").and_then(Value::as_str) {
        Some("Pass") => {
            if let Some(result) = state.get("Result") {
                if uses_a_path(result) {
                    out.push(Diagnostic {
                        code: Code::PassResultIsStatic,
                        message: "The field 'Result' is used as it is: a path in it is never \
                                  evaluated (did you mean 'Parameters'?)"
                            .into(),
                        location: Some(format!("{loc}/Result")),
                    });
                }
            }
        }
        Some("Fail") => {
            for field in ["Error", "Cause"] {
                if let Some(v) = state.get(field).and_then(Value::as_str) {
                    if looks_like_path(v) {
                        no_path(field, &format!("{loc}/{field}"), out);
                    }
                }
            }
        }
        Some("Choice") => {
            if let Some(rules) = state.get("Choices").and_then(Value::as_array) {
                for (i, r) in rules.iter().enumerate() {
                    choice_rule(r, &format!("{loc}/Choices[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// A Choice rule (and the rules it nests): a comparison whose value looks
/// like a path compares with that text, not with what it points to.
fn choice_rule(rule: &Value, loc: &str, out: &mut Vec<Diagnostic>) {
    let Some(rule) = rule.as_object() else {
        return;
    };
    for (key, v) in rule {
        match (key.as_str(), v) {
            ("Not", v) => choice_rule(v, &format!("{loc}/Not"), out),
            ("And" | "Or", Value::Array(rules)) => {
                for (i, r) in rules.iter().enumerate() {
                    choice_rule(r, &format!("{loc}/{key}[{i}]"), out);
                }
            }
            (k, Value::String(s)) if COMPARISONS.contains(&k) && looks_like_path(s) => {
                no_path(k, &format!("{loc}/{k}"), out);
            }
            _ => {}
        }
    }
}

/// The comparison operators with a `…Path` twin.
const COMPARISONS: &[&str] = &[
    "StringEquals",
    "StringLessThan",
    "StringGreaterThan",
    "StringLessThanEquals",
    "StringGreaterThanEquals",
    "StringMatches",
    "TimestampEquals",
    "TimestampLessThan",
    "TimestampGreaterThan",
    "TimestampLessThanEquals",
    "TimestampGreaterThanEquals",
];

fn no_path(field: &str, loc: &str, out: &mut Vec<Diagnostic>) {
    out.push(Diagnostic {
        code: Code::NoPath,
        message: format!(
            "The value of the field '{field}' looks like a path, but it is used as text: \
             a path goes in '{field}Path'"
        ),
        location: Some(loc.to_owned()),
    });
}

/// Every field of a payload template (or `Assign`) at `loc` whose name
/// lacks `.$` but whose value looks like a path or an intrinsic function.
fn no_dollar(v: &Value, loc: &str, out: &mut Vec<Diagnostic>) {
    match v {
        Value::Object(fields) => {
            for (key, v) in fields {
                let floc = format!("{loc}/{key}");
                match v {
                    Value::String(s) if !key.ends_with(".$") && looks_dynamic(s) => {
                        out.push(Diagnostic {
                            code: Code::NoDollar,
                            message: format!(
                                "The value of the field '{key}' looks like a JSONPath or an \
                                 intrinsic function, but it is used as text: a field whose \
                                 value is evaluated ends with '.$'"
                            ),
                            location: Some(floc),
                        });
                    }
                    _ => no_dollar(v, &floc, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                no_dollar(item, &format!("{loc}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// A path into the input or the context object: `$`, `$.a`, `$[0]`,
/// `$$`, `$$.Execution.Id`. (A variable, `$name`, looks like text too
/// often to be warned about.)
fn looks_like_path(s: &str) -> bool {
    let rest = s.strip_prefix("$$").or_else(|| s.strip_prefix('$'));
    rest.is_some_and(|r| r.is_empty() || r.starts_with('.') || r.starts_with('['))
}

/// A path, or an intrinsic function call (`States.Format(...)`).
fn looks_dynamic(s: &str) -> bool {
    looks_like_path(s) || (s.starts_with("States.") && s.ends_with(')') && s.contains('('))
}

/// Whether a Pass state's `Result` holds a path: a `.$` field or a value
/// that looks like one.
fn uses_a_path(v: &Value) -> bool {
    match v {
        Value::String(s) => looks_dynamic(s),
        Value::Array(items) => items.iter().any(uses_a_path),
        Value::Object(fields) => fields
            .iter()
            .any(|(k, v)| k.ends_with(".$") || uses_a_path(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn found(doc: Value) -> Vec<(&'static str, String)> {
        warnings(&doc)
            .into_iter()
            .map(|d| (d.code.as_str(), d.location.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn each_warning_is_found_where_it_is() {
        let doc = json!({
            "StartAt": "P",
            "States": {
                "P": {"Type": "Pass", "Result": {"id.$": "$.id"}, "Next": "T"},
                "T": {
                    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {
                        "FunctionName": "f",
                        "Payload": {"id": "$.id", "ok.$": "$.ok", "when": "$$.State.EnteredTime",
                                    "list": [{"s": "States.Format('{}', $.a)"}]},
                        "price": "$5", "text": "costs $"
                    },
                    "Assign": {"v": "$.x", "w.$": "$.y"},
                    "Next": "C"
                },
                "C": {"Type": "Choice", "Choices": [
                    {"Variable": "$.a", "StringEquals": "$.b", "Next": "F"},
                    {"Not": {"Variable": "$.a", "StringEqualsPath": "$.b"}, "Next": "F"},
                    {"And": [{"Variable": "$.a", "NumericEquals": 1},
                             {"Variable": "$.t", "TimestampLessThan": "$$.State.EnteredTime"}], "Next": "F"}
                ], "Default": "F"},
                "F": {"Type": "Fail", "Error": "$.error", "Cause": "plain"}
            }
        });
        assert_eq!(
            found(doc),
            [
                ("PASS_RESULT_IS_STATIC", "/States/P/Result".to_string()),
                ("NO_DOLLAR", "/States/T/Parameters/Payload/id".into()),
                ("NO_DOLLAR", "/States/T/Parameters/Payload/when".into()),
                ("NO_DOLLAR", "/States/T/Parameters/Payload/list[0]/s".into()),
                ("NO_DOLLAR", "/States/T/Assign/v".into()),
                ("NO_PATH", "/States/C/Choices[0]/StringEquals".into()),
                (
                    "NO_PATH",
                    "/States/C/Choices[2]/And[1]/TimestampLessThan".into()
                ),
                ("NO_PATH", "/States/F/Error".into()),
            ]
        );
    }

    #[test]
    fn jsonata_states_and_their_branches_have_none() {
        let pass =
            json!({"Type": "Pass", "Output": {"a": "$.a"}, "Assign": {"v": "$.x"}, "End": true});
        let doc = json!({
            "QueryLanguage": "JSONata", "StartAt": "M",
            "States": {
                "M": {"Type": "Map", "ItemProcessor": {"StartAt": "A", "States": {"A": pass}}, "Next": "J"},
                "J": {"Type": "Pass", "QueryLanguage": "JSONPath", "Parameters": {"a": "$.a"}, "End": true}
            }
        });
        assert_eq!(
            found(doc),
            [("NO_DOLLAR", "/States/J/Parameters/a".to_string())]
        );
        let nested = json!({
            "StartAt": "B",
            "States": {"B": {"Type": "Parallel", "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"a": "$"}, "End": true}}}
            ], "End": true}}
        });
        assert_eq!(
            found(nested),
            [(
                "NO_DOLLAR",
                "/States/B/Branches[0]/States/A/Parameters/a".to_string()
            )]
        );
        assert!(warnings(&json!([1])).is_empty());
    }
}
