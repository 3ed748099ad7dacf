//! Short, readable summaries of Choice rules: `$.x > 10`,
//! `$.kind == "a" and not ($.n < 0)`, or a JSONata `Condition` as written.

use serde_json::Value;

/// The comparison operators, with the symbol shown for them. A `…Path`
/// variant compares with another path, shown bare instead of as a literal.
const COMPARISONS: &[(&str, &str)] = &[
    ("StringEquals", "=="),
    ("StringLessThan", "<"),
    ("StringGreaterThan", ">"),
    ("StringLessThanEquals", "<="),
    ("StringGreaterThanEquals", ">="),
    ("StringMatches", "matches"),
    ("NumericEquals", "=="),
    ("NumericLessThan", "<"),
    ("NumericGreaterThan", ">"),
    ("NumericLessThanEquals", "<="),
    ("NumericGreaterThanEquals", ">="),
    ("BooleanEquals", "=="),
    ("TimestampEquals", "=="),
    ("TimestampLessThan", "<"),
    ("TimestampGreaterThan", ">"),
    ("TimestampLessThanEquals", "<="),
    ("TimestampGreaterThanEquals", ">="),
];

/// The type tests, with the words shown when they are true and false.
const TESTS: &[(&str, &str, &str)] = &[
    ("IsNull", "is null", "is not null"),
    ("IsPresent", "is present", "is absent"),
    ("IsNumeric", "is numeric", "is not numeric"),
    ("IsString", "is a string", "is not a string"),
    ("IsBoolean", "is a boolean", "is not a boolean"),
    ("IsTimestamp", "is a timestamp", "is not a timestamp"),
];

/// Summarize one Choice rule (a top-level rule or a nested one).
pub fn summarize(rule: &Value) -> String {
    if let Some(cond) = rule.get("Condition") {
        return match cond {
            Value::String(s) => strip_jsonata(s).to_owned(),
            other => other.to_string(),
        };
    }
    if let Some(list) = rule.get("And") {
        return join(list, " and ");
    }
    if let Some(list) = rule.get("Or") {
        return join(list, " or ");
    }
    if let Some(inner) = rule.get("Not") {
        return format!("not {}", grouped(inner));
    }
    let variable = match rule.get("Variable") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "?".into(),
    };
    for (op, symbol) in COMPARISONS {
        if let Some(v) = rule.get(*op) {
            return format!("{variable} {symbol} {}", literal(v));
        }
        if let Some(v) = rule.get(format!("{op}Path").as_str()) {
            let path = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            return format!("{variable} {symbol} {path}");
        }
    }
    for (test, yes, no) in TESTS {
        if let Some(v) = rule.get(*test) {
            let words = match v {
                Value::Bool(false) => no,
                _ => yes,
            };
            return format!("{variable} {words}");
        }
    }
    format!("{variable} ?")
}

/// `{% expr %}` -> `expr`; anything else as written.
fn strip_jsonata(s: &str) -> &str {
    let t = s.trim();
    match t.strip_prefix("{%").and_then(|r| r.strip_suffix("%}")) {
        Some(inner) => inner.trim(),
        None => t,
    }
}

fn join(list: &Value, sep: &str) -> String {
    match list.as_array() {
        Some(rules) if !rules.is_empty() => rules.iter().map(grouped).collect::<Vec<_>>().join(sep),
        _ => "?".into(),
    }
}

/// A nested rule, in parentheses when it combines others.
fn grouped(rule: &Value) -> String {
    let s = summarize(rule);
    let compound = ["And", "Or"].iter().any(|k| rule.get(*k).is_some());
    if compound {
        format!("({s})")
    } else {
        s
    }
}

fn literal(v: &Value) -> String {
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_read_like_expressions() {
        let cases = [
            (
                json!({"Variable": "$.x", "NumericGreaterThan": 10}),
                "$.x > 10",
            ),
            (
                json!({"Variable": "$.x", "NumericLessThanEqualsPath": "$.limit"}),
                "$.x <= $.limit",
            ),
            (
                json!({"Variable": "$.kind", "StringEquals": "book"}),
                "$.kind == \"book\"",
            ),
            (
                json!({"Variable": "$.name", "StringMatches": "log-*"}),
                "$.name matches \"log-*\"",
            ),
            (
                json!({"Variable": "$.ok", "BooleanEquals": true}),
                "$.ok == true",
            ),
            (
                json!({"Variable": "$.at", "TimestampLessThan": "2024-01-01T00:00:00Z"}),
                "$.at < \"2024-01-01T00:00:00Z\"",
            ),
            (
                json!({"Variable": "$.a", "IsNull": false}),
                "$.a is not null",
            ),
            (
                json!({"Variable": "$.a", "IsPresent": true}),
                "$.a is present",
            ),
            (
                json!({"Variable": "$.a", "IsPresent": false}),
                "$.a is absent",
            ),
            (
                json!({"Variable": "$.a", "IsTimestamp": true}),
                "$.a is a timestamp",
            ),
            (
                json!({"And": [
                    {"Variable": "$.d", "StringEquals": "domestic"},
                    {"Variable": "$.w", "NumericLessThanEquals": 2}
                ]}),
                "$.d == \"domestic\" and $.w <= 2",
            ),
            (
                json!({"Or": [
                    {"Not": {"Variable": "$.a", "NumericEquals": 1}},
                    {"And": [{"Variable": "$.b", "IsString": true}, {"Variable": "$.c", "IsBoolean": true}]}
                ]}),
                "not $.a == 1 or ($.b is a string and $.c is a boolean)",
            ),
            (
                json!({"Not": {"Or": [{"Variable": "$.a", "IsNumeric": true}, {"Variable": "$.b", "IsNumeric": false}]}}),
                "not ($.a is numeric or $.b is not numeric)",
            ),
            (
                json!({"Condition": "{% $states.input.n > 3 %}"}),
                "$states.input.n > 3",
            ),
            (json!({"Condition": true}), "true"),
            (json!({"Variable": "$.x"}), "$.x ?"),
            (json!({"And": []}), "?"),
            (json!(5), "? ?"),
        ];
        for (rule, want) in cases {
            assert_eq!(summarize(&rule), want, "{rule}");
        }
    }
}
