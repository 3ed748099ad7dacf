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
mod model;
mod parse;
mod resources;
mod timestamp;
mod variables;

pub use diag::{invalid_definition_message, Code, Diagnostic};
pub use model::*;
pub use parse::{from_value, from_value_with, jsonata_expression, Options};
pub use timestamp::{is_rfc3339, parse_rfc3339};
pub use variables::{
    check_variable_name, variable_references, MAX_VARIABLE_NAME_CHARS, RESERVED_VARIABLE,
};

use serde_json::Value;

/// Parse definition text (JSON, or YAML when the text is not JSON) for a
/// STANDARD state machine.
pub fn parse_definition(text: &str) -> Result<StateMachine, Vec<Diagnostic>> {
    from_value(&read_document(text)?)
}

/// Parse definition text with explicit [`Options`].
pub fn parse_definition_with(
    text: &str,
    options: Options,
) -> Result<StateMachine, Vec<Diagnostic>> {
    from_value_with(&read_document(text)?, options)
}

/// Read definition text into a JSON value (JSON first, then YAML).
pub fn read_document(text: &str) -> Result<Value, Vec<Diagnostic>> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(v),
        Err(json_err) => {
            let looks_like_json = text.trim_start().starts_with(['{', '[']);
            if !looks_like_json {
                if let Ok(v) = serde_yaml_ng::from_str::<Value>(text) {
                    return Ok(v);
                }
            }
            Err(vec![Diagnostic {
                code: Code::InvalidJsonDescription,
                message: json_err.to_string(),
                location: None,
            }])
        }
    }
}
