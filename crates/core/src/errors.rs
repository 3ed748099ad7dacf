//! Runtime errors a state machine sees, and how Retry/Catch match them.

/// The `States.*` error names.
pub mod names {
    pub const ALL: &str = "States.ALL";
    pub const TIMEOUT: &str = "States.Timeout";
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    pub const TASK_FAILED: &str = "States.TaskFailed";
    pub const RUNTIME: &str = "States.Runtime";
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
    pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";
}

/// An error raised inside a state: a name Retry/Catch match on, and a cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateError {
    pub error: String,
    pub cause: String,
    /// A task's missed heartbeat: its error is `States.Timeout`, and
    /// `States.HeartbeatTimeout` matches it too.
    pub heartbeat: bool,
    /// The field whose expression failed (`Output/result`), for
    /// `EvaluationFailed`'s `location`.
    pub location: Option<String>,
}

impl StateError {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        StateError {
            error: error.into(),
            cause: cause.into(),
            heartbeat: false,
            location: None,
        }
    }

    /// The same error, raised by the expression of field `location`.
    pub fn at_field(mut self, location: impl ToString) -> Self {
        self.location = Some(location.to_string());
        self
    }

    /// Whether a retrier's or catcher's `ErrorEquals` matches it.
    pub fn matched_by(&self, error_equals: &[String]) -> bool {
        error_matches(error_equals, &self.error)
            || (self.heartbeat && error_equals.iter().any(|e| e == names::HEARTBEAT_TIMEOUT))
    }

    /// Whether Retry and Catch may handle it at all: a `States.Runtime`
    /// error always ends the execution, even with a catcher naming it.
    pub fn is_recoverable(&self) -> bool {
        self.error != names::RUNTIME
    }
}

/// Whether an `ErrorEquals` list matches `error`.
///
/// `States.ALL` matches everything recoverable; `States.TaskFailed` matches
/// every error except `States.Timeout` (AWS's rule).
pub fn error_matches(error_equals: &[String], error: &str) -> bool {
    error_equals.iter().any(|e| {
        e == error || e == names::ALL || (e == names::TASK_FAILED && error != names::TIMEOUT)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matching_table() {
        let cases: &[(&[&str], &str, bool)] = &[
            (&["States.ALL"], "Custom", true),
            (&["States.ALL"], "States.Timeout", true),
            (&["Custom"], "Custom", true),
            (&["Custom"], "Other", false),
            (&["States.TaskFailed"], "Custom", true),
            (&["States.TaskFailed"], "States.Timeout", false),
            (&["States.TaskFailed"], "States.HeartbeatTimeout", true),
            (&["States.Timeout"], "States.Timeout", true),
        ];
        for (eq, err, want) in cases {
            assert_eq!(error_matches(&list(eq), err), *want, "{eq:?} vs {err}");
        }
    }
}
