//! Validation diagnostics, in the codes and wording of AWS's
//! `ValidateStateMachineDefinition`.

use std::fmt;

/// The diagnostic codes AWS uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    SchemaValidationFailed,
    MissingTransitionTarget,
    MissingEndState,
    InvalidJsonDescription,
    DuplicateStateName,
    InvalidStateName,
    InvalidJsonataExpression,
    UnsupportedJsonataExpression,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::SchemaValidationFailed => "SCHEMA_VALIDATION_FAILED",
            Code::MissingTransitionTarget => "MISSING_TRANSITION_TARGET",
            Code::MissingEndState => "MISSING_END_STATE",
            Code::InvalidJsonDescription => "INVALID_JSON_DESCRIPTION",
            Code::DuplicateStateName => "DUPLICATE_STATE_NAME",
            Code::InvalidStateName => "INVALID_STATE_NAME",
            Code::InvalidJsonataExpression => "INVALID_JSONATA_EXPRESSION",
            Code::UnsupportedJsonataExpression => "UNSUPPORTED_JSONATA_EXPRESSION",
        }
    }
}

/// One problem in a definition, with its location as AWS writes it
/// (`/States/Foo/Next`, `/States/C/Choices[0]/Next`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    /// `None` for diagnostics about the whole workflow (AWS gives no location).
    pub location: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if let Some(loc) = &self.location {
            write!(f, " at {loc}")?;
        }
        Ok(())
    }
}

/// All diagnostics of a definition rendered as AWS's `InvalidDefinition`
/// message: `Invalid State Machine Definition: 'D1, D2'`.
/// A diagnostic without a location ends `at null` there, as on AWS.
pub fn invalid_definition_message(diags: &[Diagnostic]) -> String {
    let parts: Vec<String> = diags
        .iter()
        .map(|d| match &d.location {
            Some(_) => d.to_string(),
            None => format!("{d} at null"),
        })
        .collect();
    format!("Invalid State Machine Definition: '{}'", parts.join(", "))
}
