//! JSONPath data flow: InputPath -> Parameters -> (work) -> ResultSelector ->
//! ResultPath -> OutputPath, in AWS's order.

use std::borrow::Cow;

use serde_json::{Map as JsonMap, Value};
use stepwell_asl::OptPath;
use stepwell_jsonpath::{set_in, Roots, Template};

use crate::errors::{names, StateError};

/// Turn a message from the path layer into the error the state raises.
pub(crate) trait Located {
    fn located(self, state: &str, entered_id: u64) -> StateError;
}

/// AWS's prefix for errors raised while a state evaluates its fields.
pub(crate) fn runtime_cause(state: &str, entered_id: u64, message: &str) -> String {
    format!(
        "An error occurred while executing the state '{state}' (entered at the event id #{entered_id}). {message}"
    )
}

macro_rules! located {
    ($($t:ty),*) => {$(
        impl Located for $t {
            fn located(self, state: &str, entered_id: u64) -> StateError {
                StateError::new(self.error_name(), runtime_cause(state, entered_id, &self.to_string()))
            }
        }
    )*};
}
located!(
    stepwell_jsonpath::SelectError,
    stepwell_jsonpath::SetError,
    stepwell_jsonpath::RenderError
);

/// Where errors are reported: the state's name and its entered event id.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub state: &'a str,
    pub entered_id: u64,
}

impl At<'_> {
    pub fn err<E: Located>(&self, e: E) -> StateError {
        e.located(self.state, self.entered_id)
    }
    pub fn runtime(&self, message: &str) -> StateError {
        StateError::new(
            names::RUNTIME,
            runtime_cause(self.state, self.entered_id, message),
        )
    }
}

/// The same environment with `$` pointing at `input`.
pub(crate) fn reroot<'b>(roots: &Roots<'b>, input: &'b Value) -> Roots<'b> {
    Roots {
        input,
        context: roots.context,
        variables: roots.variables,
    }
}

/// `InputPath`: default `$`; `null` gives `{}`.
pub(crate) fn input_path<'a>(
    p: &OptPath,
    roots: &Roots<'a>,
    at: At<'_>,
) -> Result<Cow<'a, Value>, StateError> {
    match p {
        OptPath::Default => Ok(Cow::Borrowed(roots.input)),
        OptPath::Null => Ok(Cow::Owned(Value::Object(JsonMap::new()))),
        OptPath::Path(p) => p.select(roots).map_err(|e| at.err(e)),
    }
}

/// `OutputPath`: default `$`; `null` gives `{}`.
pub(crate) fn output_path<'a>(
    p: &OptPath,
    value: Cow<'a, Value>,
    roots: &Roots<'_>,
    at: At<'_>,
) -> Result<Cow<'a, Value>, StateError> {
    match p {
        OptPath::Default => Ok(value),
        OptPath::Null => Ok(Cow::Owned(Value::Object(JsonMap::new()))),
        OptPath::Path(p) => p
            .select(&reroot(roots, &value))
            .map(|v| Cow::Owned(v.into_owned()))
            .map_err(|e| at.err(e)),
    }
}

/// `ResultPath`: where the result goes in the *raw* state input.
pub(crate) fn result_path<'a>(
    p: &OptPath,
    raw_input: &'a Value,
    result: Cow<'a, Value>,
    at: At<'_>,
) -> Result<Cow<'a, Value>, StateError> {
    match p {
        OptPath::Default => Ok(result),
        OptPath::Null => Ok(Cow::Borrowed(raw_input)),
        OptPath::Path(p) => set_in(p, raw_input, result.into_owned())
            .map(Cow::Owned)
            .map_err(|e| at.err(e)),
    }
}

/// A state's output: its raw input unchanged, which is then shared rather
/// than copied (a Pass, Wait, Choice or Succeed often passes on a large
/// document as it is), or a new value.
pub(crate) enum Output {
    Input,
    New(Value),
}

impl Output {
    /// `value`, which is the input itself when it borrows `input`.
    pub(crate) fn of(value: Cow<'_, Value>, input: &Value) -> Output {
        match value {
            Cow::Borrowed(v) if std::ptr::eq(v, input) => Output::Input,
            v => Output::New(v.into_owned()),
        }
    }
}

/// Render an optional template; without one the value passes through.
pub(crate) fn render<'a>(
    t: Option<&Template>,
    value: Cow<'a, Value>,
    roots: &Roots<'_>,
    entropy: &mut dyn stepwell_jsonpath::Entropy,
    at: At<'_>,
) -> Result<Cow<'a, Value>, StateError> {
    match t {
        None => Ok(value),
        Some(t) => t
            .render(&reroot(roots, &value), entropy)
            .map(Cow::Owned)
            .map_err(|e| at.err(e)),
    }
}
