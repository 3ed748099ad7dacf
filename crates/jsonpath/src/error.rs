//! Error types. Runtime errors carry AWS error names and AWS cause texts.

use std::fmt;

/// A path or intrinsic call that does not parse. `Display` says what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    text: String,
    position: usize,
    message: String,
}

impl PathError {
    pub(crate) fn new(text: &str, position: usize, message: impl Into<String>) -> PathError {
        PathError {
            text: text.to_string(),
            position,
            message: message.into(),
        }
    }

    /// The text that failed to parse.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Byte offset in [`PathError::text`] where the problem was found.
    pub fn position(&self) -> usize {
        self.position
    }

    /// The problem, without the text.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid path or intrinsic '{}': {} at position {}",
            self.text, self.message, self.position
        )
    }
}

impl std::error::Error for PathError {}

/// A definite path that selected nothing (AWS: `States.Runtime`).
///
/// `Display` is AWS's cause text, e.g.
/// `Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectError {
    pub(crate) path: String,
    pub(crate) detail: String,
}

impl SelectError {
    /// The AWS error name: `States.Runtime`.
    pub fn error_name(&self) -> &'static str {
        "States.Runtime"
    }

    /// The path text as written in the definition.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Jayway's part of the message (`No results for path: $['x']`).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Invalid path '{}' : {}", self.path, self.detail)
    }
}

impl std::error::Error for SelectError {}

/// `ResultPath` could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetError {
    /// Writing through a value that is not an object, or to an array index that does not
    /// exist (AWS: `States.ResultPathMatchFailure`).
    Mismatch {
        /// The path text.
        path: String,
        /// Compact JSON of the value the path was applied to.
        input: String,
    },
    /// The path is not a reference path on `$` (a definition error the validator should
    /// have caught; reported as `States.Runtime`).
    NotReference {
        /// The path text.
        path: String,
    },
}

impl SetError {
    /// The AWS error name.
    pub fn error_name(&self) -> &'static str {
        match self {
            SetError::Mismatch { .. } => "States.ResultPathMatchFailure",
            SetError::NotReference { .. } => "States.Runtime",
        }
    }
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::Mismatch { path, input } => {
                write!(f, "Unable to apply ReferencePath {path} to input {input}")
            }
            SetError::NotReference { path } => {
                write!(f, "The path '{path}' is not a valid reference path")
            }
        }
    }
}

impl std::error::Error for SetError {}

/// A template or intrinsic failed at run time (AWS: `States.Runtime`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// A definite path found nothing.
    PathNotFound {
        /// The path text.
        path: String,
        /// The field (`value.$`, `ErrorPath`…), when known; see [`RenderError::with_field`].
        field: Option<String>,
        /// Compact JSON of the state input (AWS prints the state input even for `$$` paths).
        input: String,
    },
    /// An intrinsic function failed.
    Intrinsic {
        /// The failing call, rendered (`States.MathAdd($.a, 1)`).
        call: String,
        /// What went wrong (`Invalid arguments in States.MathAdd`).
        detail: String,
    },
}

impl RenderError {
    /// The AWS error name: `States.Runtime` (AWS reports intrinsic failures this way too).
    pub fn error_name(&self) -> &'static str {
        "States.Runtime"
    }

    /// Names the field a [`RenderError::PathNotFound`] belongs to, if not named yet.
    /// Templates name their own fields; callers of [`crate::PathOrIntrinsic::eval`] use
    /// this to name theirs (`ErrorPath`, `CausePath`…).
    #[must_use]
    pub fn with_field(self, name: &str) -> RenderError {
        match self {
            RenderError::PathNotFound {
                path,
                field: None,
                input,
            } => RenderError::PathNotFound {
                path,
                field: Some(name.to_string()),
                input,
            },
            other => other,
        }
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::PathNotFound { path, field: Some(field), input } => write!(
                f,
                "The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{input}'"
            ),
            RenderError::PathNotFound { path, field: None, input } => {
                write!(f, "The JSONPath '{path}' could not be found in the input '{input}'")
            }
            RenderError::Intrinsic { call, detail } => write!(
                f,
                "There was an error while evaluating the intrinsic function: {call}. {detail}"
            ),
        }
    }
}

impl std::error::Error for RenderError {}

/// A problem in a payload template found at compile time.
///
/// `Display` is AWS's validation text:
/// `The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub(crate) pointer: String,
    pub(crate) field: String,
    pub(crate) detail: String,
}

impl TemplateError {
    /// The key as written, including `.$` (`parsed.$`).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// JSON Pointer of the field inside the template (`/a/0/parsed.$`).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// The underlying parse problem (for diagnostics beyond AWS's text).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "The value for the field '{}' must be a valid JSONPath or a valid intrinsic function call",
            self.field
        )
    }
}

impl std::error::Error for TemplateError {}
