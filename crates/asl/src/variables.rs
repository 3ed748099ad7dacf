//! Workflow variable names: the keys of an `Assign` field.
//!
//! AWS, "Passing data between states with variables"
//! (docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html):
//!
//! * "Variable names follow the rules for Unicode Identifiers as described in
//!   Unicode® Standard Annex #31. The first character of a variable name must
//!   be a Unicode ID_Start character, and the second and subsequent characters
//!   must be Unicode ID_Continue characters. The maximum length of a variable
//!   name is 80."
//! * "Step Functions defines a single reserved variable called `$states`."
//! * "You cannot assign a value to a part of a variable. For example, you can
//!   `"Assign":{"x":42}`, but you cannot `"Assign":{"x.y":42}` or
//!   `"Assign":{"x[2]":42}`." (`.` and `[` are not ID_Continue characters, so
//!   the name rule already refuses them.)
//!
//! AWS does not document the wording of these validation errors; the
//! messages below are ours, in the style of its other schema messages.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// The longest variable name, in characters.
pub const MAX_VARIABLE_NAME_CHARS: usize = 80;

/// The variable name Step Functions keeps for itself (`$states`).
pub const RESERVED_VARIABLE: &str = "states";

/// Why `name` cannot be a variable name, or `Ok` when it can.
pub fn check_variable_name(name: &str) -> Result<(), String> {
    if name == RESERVED_VARIABLE {
        return Err(format!(
            "The variable name '{name}' is reserved and cannot be assigned"
        ));
    }
    let count = name.chars().count();
    if count == 0 || count > MAX_VARIABLE_NAME_CHARS {
        return Err(format!(
            "The variable name '{name}' is not valid: a variable name must have 1 to {MAX_VARIABLE_NAME_CHARS} characters"
        ));
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(is_id_start);
    if !first_ok || !chars.all(is_id_continue) {
        return Err(format!(
            "The variable name '{name}' is not valid: it must start with a Unicode ID_Start character and continue with Unicode ID_Continue characters"
        ));
    }
    Ok(())
}

/// The workflow variables each state reads, by state name (every state of
/// the machine, those of Parallel branches and Map processors included;
/// states that read none are left out): DescribeStateMachine's
/// `variableReferences`.
///
/// A JSONata state reads a variable through a `{% %}` expression (its
/// free variables but `$states`); a JSONPath state through a JSONPath value
/// (a `.$` key, a `...Path` field or a Choice rule's `Variable`) that
/// starts with `$name`, or an intrinsic function argument `$name` (a
/// `{% %}` string there is plain text, as it runs). A nested machine's
/// fields belong to its own states, which have the state machine's query
/// language unless they set their own. AWS is silent on the order of the
/// names; they are sorted here.
pub fn variable_references(document: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let jsonata = is_jsonata(document, false);
    machine_references(document, jsonata, &mut out);
    out
}

/// Whether `object`'s `QueryLanguage` says JSONata (`inherited` without one).
fn is_jsonata(object: &Value, inherited: bool) -> bool {
    match object.get("QueryLanguage").and_then(Value::as_str) {
        Some(ql) => ql != "JSONPath",
        None => inherited,
    }
}

fn machine_references(machine: &Value, jsonata: bool, out: &mut BTreeMap<String, Vec<String>>) {
    let Some(states) = machine.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in states {
        let mut names = BTreeSet::new();
        let state_jsonata = is_jsonata(state, jsonata);
        if let Some(fields) = state.as_object() {
            for (key, value) in fields {
                match key.as_str() {
                    "Branches" => {
                        for branch in value.as_array().into_iter().flatten() {
                            machine_references(branch, jsonata, out);
                        }
                    }
                    "ItemProcessor" | "Iterator" => machine_references(value, jsonata, out),
                    _ => value_references(key, value, state_jsonata, &mut names),
                }
            }
        }
        if !names.is_empty() {
            out.entry(name.clone()).or_default().extend(names);
        }
    }
}

/// The variables `value` (under `key`) of a state in JSONata (or
/// JSONPath) reads, anywhere inside it.
fn value_references(key: &str, value: &Value, jsonata: bool, names: &mut BTreeSet<String>) {
    match value {
        Value::String(s) if jsonata => {
            if let Some(expression) = crate::jsonata_expression(s) {
                if let Ok(e) = stepwell_jsonata::Expression::compile(expression.trim()) {
                    names.extend(
                        e.free_variables()
                            .into_iter()
                            .filter(|n| n != RESERVED_VARIABLE),
                    );
                }
            }
        }
        Value::String(s) if key.ends_with(".$") || key.ends_with("Path") || key == "Variable" => {
            path_references(s, names);
        }
        Value::Array(items) => {
            for item in items {
                value_references(key, item, jsonata, names);
            }
        }
        Value::Object(fields) => {
            for (k, v) in fields {
                value_references(k, v, jsonata, names);
            }
        }
        _ => {}
    }
}

/// `$name...` as a whole path, or every `$name` argument of an intrinsic
/// function (outside its quoted strings).
fn path_references(text: &str, names: &mut BTreeSet<String>) {
    let mut chars = text.char_indices().peekable();
    let mut quoted = false;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quoted => {
                chars.next();
            }
            '\'' => quoted = !quoted,
            '$' if !quoted => {
                let rest = &text[i + 1..];
                let mut ident = rest.chars();
                if ident.next().is_some_and(is_id_start) {
                    let end = rest
                        .char_indices()
                        .skip(1)
                        .find(|&(_, c)| !is_id_continue(c))
                        .map_or(rest.len(), |(j, _)| j);
                    names.insert(rest[..end].to_string());
                }
            }
            _ => {}
        }
    }
}

/// Unicode `ID_Start`. `unicode-ident` has `XID_Start` (ID_Start closed
/// under NFKC); the two differ only in these code points, which are ID_Start
/// but not XID_Start (DerivedCoreProperties.txt; checked against
/// `\p{ID_Start}` and `\p{XID_Start}` of Node's Unicode 17 tables).
const ID_START_NOT_XID: &[u32] = &[
    0x037A, 0x0E33, 0x0EB3, 0x309B, 0x309C, 0xFC5E, 0xFC5F, 0xFC60, 0xFC61, 0xFC62, 0xFC63, 0xFDFA,
    0xFDFB, 0xFE70, 0xFE72, 0xFE74, 0xFE76, 0xFE78, 0xFE7A, 0xFE7C, 0xFE7E, 0xFF9E, 0xFF9F,
];

/// The code points that are ID_Continue but not XID_Continue (as above).
const ID_CONTINUE_NOT_XID: &[u32] = &[
    0x037A, 0x309B, 0x309C, 0xFC5E, 0xFC5F, 0xFC60, 0xFC61, 0xFC62, 0xFC63, 0xFDFA, 0xFDFB, 0xFE70,
    0xFE72, 0xFE74, 0xFE76, 0xFE78, 0xFE7A, 0xFE7C, 0xFE7E,
];

fn is_id_start(c: char) -> bool {
    unicode_ident::is_xid_start(c) || ID_START_NOT_XID.contains(&u32::from(c))
}

fn is_id_continue(c: char) -> bool {
    unicode_ident::is_xid_continue(c) || ID_CONTINUE_NOT_XID.contains(&u32::from(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names() {
        let long_ok = "a".repeat(80);
        let too_long = "a".repeat(81);
        let cjk_80 = "変".repeat(80);
        // (name, accepted)
        let cases: &[(&str, bool)] = &[
            ("x", true),
            ("productName", true),
            ("var_constant_1", true),
            ("x1", true),
            ("Ärger", true),
            ("変数", true),
            ("ﾞ", true), // U+FF9E: ID_Start, not XID_Start
            ("a\u{0301}", true),
            ("a\u{037A}", true),
            (&long_ok, true),
            (&cjk_80, true),
            ("", false),
            (&too_long, false),
            ("states", false),
            ("_x", false), // '_' is ID_Continue but not ID_Start
            ("1x", false),
            ("x-y", false),
            ("x.y", false),
            ("x[2]", false),
            ("$x", false),
            ("x.$", false),
            ("a b", false),
            ("😀", false),
            ("x\u{200D}", true), // ZWJ: ID_Continue since Unicode 15.1
            ("x\u{00A0}", false),
        ];
        for (name, ok) in cases {
            assert_eq!(
                check_variable_name(name).is_ok(),
                *ok,
                "{name:?}: {:?}",
                check_variable_name(name)
            );
        }
        // `States` is not the reserved name: names are case-sensitive.
        assert!(check_variable_name("States").is_ok());
    }

    #[test]
    fn id_exceptions_really_are_missing_from_xid() {
        for &cp in ID_START_NOT_XID {
            let c = char::from_u32(cp).unwrap();
            assert!(!unicode_ident::is_xid_start(c), "{cp:04X}");
        }
        for &cp in ID_CONTINUE_NOT_XID {
            let c = char::from_u32(cp).unwrap();
            assert!(!unicode_ident::is_xid_continue(c), "{cp:04X}");
        }
    }

    #[test]
    fn variable_references_by_state() {
        let doc = serde_json::json!({
            "StartAt": "Plain",
            "States": {
                "Plain": {"Type": "Pass", "Result": {"x.$": "$.a"}, "Next": "Path"},
                "Path": {
                    "Type": "Pass",
                    "Parameters": {
                        "total.$": "$price.net",
                        "text.$": "States.Format('{} $notme {}', $first, $$.Execution.Id, $second)",
                        "deep": {"list": [{"v.$": "$inList"}]}
                    },
                    "Assign": {"copy.$": "$orig", "text": "{% $literal %}"},
                    "Next": "Pick"
                },
                "Pick": {
                    "Type": "Choice",
                    "Choices": [
                        {"And": [{"Variable": "$flag", "BooleanEquals": true},
                                 {"Variable": "$.n", "NumericGreaterThanPath": "$limit"}],
                         "Next": "Fan"}
                    ],
                    "Default": "Fan"
                },
                "Fan": {
                    "Type": "Map",
                    "QueryLanguage": "JSONata",
                    "Items": "{% $states.input.items %}",
                    "ItemProcessor": {
                        "StartAt": "Inner",
                        "States": {"Inner": {"Type": "Pass", "QueryLanguage": "JSONata",
                                             "Output": "{% $rate * $sum($states.input) %}", "End": true}}
                    },
                    "Assign": {"seen": "{% ($n := 1; $n + $total) %}"},
                    "End": true
                }
            }
        });
        let refs = variable_references(&doc);
        let want: BTreeMap<String, Vec<String>> = [
            ("Path", vec!["first", "inList", "orig", "price", "second"]),
            ("Pick", vec!["flag", "limit"]),
            ("Fan", vec!["total"]),
            ("Inner", vec!["rate"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
        .collect();
        assert_eq!(refs, want);
    }
}
