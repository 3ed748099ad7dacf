//! The Amazon States Language: definitions parsed into a typed, compiled model.
//!
//! [`parse_definition`] reads a definition (JSON or YAML), checks it the way
//! AWS's `ValidateStateMachineDefinition` does and returns either the compiled
//! [`StateMachine`] or *every* [`Diagnostic`] found, each with the location
//! AWS would report (`/States/Foo/Next`).
//!
//! ```
//! let sm = stepwell_asl::parse_definition(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#).unwrap();
//! assert_eq!(sm.top().states[0].name, "A");
//! ```
//!
//! This crate is pure: no IO, no clock, no randomness.

#![forbid(unsafe_code)]

mod diag;
mod duplicates;
mod jackson;
mod lint;
mod model;
mod parse;
mod resources;
mod timestamp;
mod variables;

pub use diag::{invalid_definition_message, validation_response, Code, Diagnostic, Severity};
pub use jackson::{jackson_error, JacksonError};
pub use lint::warnings;
pub use model::*;
pub use parse::{from_value, from_value_with, jsonata_expression, Options};
pub use resources::{integration_supports, IntegrationPattern};
pub use timestamp::{is_rfc3339, parse_rfc3339};
pub use variables::{
    check_variable_name, variable_references, MAX_VARIABLE_NAME_CHARS, RESERVED_VARIABLE,
};

use serde_json::Value;

/// Parse definition text (JSON, or YAML when the text is not JSON) for a
/// STANDARD state machine.
pub fn parse_definition(text: &str) -> Result<StateMachine, Vec<Diagnostic>> {
    parse_definition_with(text, Options::default())
}

/// Parse definition text with explicit [`Options`].
pub fn parse_definition_with(
    text: &str,
    options: Options,
) -> Result<StateMachine, Vec<Diagnostic>> {
    let parsed = from_value_with(&read_document(text)?, options);
    if options.stored {
        // A name given twice was read as its last state, as before.
        return parsed;
    }
    with_repeated_names(text, parsed)
}

/// Parse definition text that must be JSON (the API takes no YAML), for a
/// state machine of the kind [`Options`] says.
pub fn parse_json_definition(
    text: &str,
    options: Options,
) -> Result<StateMachine, Vec<Diagnostic>> {
    // Blank text reads as no value at all on AWS (recorded: a definition
    // of one space).
    if text.trim().is_empty() {
        return Err(vec![not_an_object()]);
    }
    let doc = serde_json::from_str::<Value>(text).map_err(|e| vec![syntax_error(text, &e)])?;
    with_repeated_names(text, from_value_with(&doc, options))
}

/// The diagnostic for definition text that is not JSON: Jackson's words
/// and location where they are certain (recorded against AWS), else
/// serde_json's.
fn syntax_error(text: &str, e: &serde_json::Error) -> Diagnostic {
    match jackson_error(text, e) {
        Some(j) => {
            let location = j.location(text);
            Diagnostic {
                code: Code::InvalidJsonDescription,
                message: format!("{}\n at {location}", j.message),
                location: Some(location),
            }
        }
        None => Diagnostic {
            code: Code::InvalidJsonDescription,
            message: e.to_string(),
            location: None,
        },
    }
}

/// A definition that is JSON but not an object (AWS's words, recorded for
/// blank text; it gives no location).
pub(crate) fn not_an_object() -> Diagnostic {
    Diagnostic {
        code: Code::SchemaValidationFailed,
        message: "Definition must be a valid JSON object".into(),
        location: None,
    }
}

/// `parsed`, unless a `States` object of `text` names a state twice,
/// which reading it as a value forgets ([`duplicates`]): then only that is
/// said, as the rest was found in a definition without the first of them.
fn with_repeated_names(
    text: &str,
    parsed: Result<StateMachine, Vec<Diagnostic>>,
) -> Result<StateMachine, Vec<Diagnostic>> {
    let repeated: Vec<Diagnostic> = duplicates::repeated_state_names(text)
        .into_iter()
        .map(|(name, states)| Diagnostic {
            code: Code::DuplicateStateName,
            message: format!("Duplicate State name: {name}"),
            location: Some(format!("{states}/{name}")),
        })
        .collect();
    if repeated.is_empty() {
        parsed
    } else {
        Err(repeated)
    }
}

/// Read definition text into a JSON value (JSON first, then YAML). Text
/// that is neither JSON nor a YAML mapping gets JSON's syntax error.
pub fn read_document(text: &str) -> Result<Value, Vec<Diagnostic>> {
    if text.trim().is_empty() {
        return Err(vec![not_an_object()]);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(v),
        Err(json_err) => {
            let looks_like_json = text.trim_start().starts_with(['{', '[']);
            if !looks_like_json {
                if let Ok(v @ Value::Object(_)) = serde_yaml_ng::from_str::<Value>(text) {
                    return Ok(v);
                }
            }
            Err(vec![syntax_error(text, &json_err)])
        }
    }
}
