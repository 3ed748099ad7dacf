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
    InvalidLabelName,
    DuplicateLabelName,
    /// Warnings: no `.$` on a field whose value looks like a path or an
    /// intrinsic function.
    NoDollar,
    /// A value that looks like a path in a field whose name does not end
    /// with `Path`.
    NoPath,
    /// A path in a Pass state's `Result`, which is never evaluated.
    PassResultIsStatic,
}

/// How bad a diagnostic is: an error refuses the definition, a warning
/// only points at something that is probably a mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
        }
    }
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
            Code::InvalidLabelName => "INVALID_LABEL_NAME",
            Code::DuplicateLabelName => "DUPLICATE_LABEL_NAME",
            Code::NoDollar => "NO_DOLLAR",
            Code::NoPath => "NO_PATH",
            Code::PassResultIsStatic => "PASS_RESULT_IS_STATIC",
        }
    }

    /// The warning codes AWS lists; every other code is an error.
    pub fn severity(self) -> Severity {
        match self {
            Code::NoDollar | Code::NoPath | Code::PassResultIsStatic => Severity::Warning,
            _ => Severity::Error,
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

/// ValidateStateMachineDefinition's answer for `diags` (errors and any
/// warnings): at most `max` diagnostics, `FAIL` when one is an error.
pub fn validation_response(diags: &[Diagnostic], max: usize) -> serde_json::Value {
    let list: Vec<serde_json::Value> = diags
        .iter()
        .take(max)
        .map(|d| {
            let mut o = serde_json::json!({
                "severity": d.code.severity().as_str(),
                "code": d.code.as_str(),
                "message": d.message,
            });
            if let Some(l) = &d.location {
                o["location"] = serde_json::json!(l);
            }
            o
        })
        .collect();
    let failed = diags.iter().any(|d| d.code.severity() == Severity::Error);
    serde_json::json!({
        "result": if failed { "FAIL" } else { "OK" },
        "diagnostics": list,
        "truncated": diags.len() > max,
    })
}
