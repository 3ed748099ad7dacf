//! JSONata in states: `$states`, `{% %}` templates, and AWS's error texts.

use std::fmt;

use serde_json::{Map as JsonMap, Value};
use stepwell_asl::{Expr, JsonataTemplate};
use stepwell_jsonata::{Bindings, Evaluated};
use stepwell_jsonpath::Variables;

use crate::context::Scope;
use crate::dataflow::{runtime_cause, At};
use crate::errors::{names, StateError};

/// The parts of `$states` available to an evaluation.
pub(crate) struct StatesVar<'a> {
    pub input: &'a Value,
    pub context: Option<Value>,
    pub result: Option<&'a Value>,
    pub error_output: Option<&'a Value>,
}

/// Build the `$states` object.
pub(crate) fn states_value(s: StatesVar<'_>) -> Value {
    let mut m = JsonMap::new();
    m.insert("input".into(), s.input.clone());
    if let Some(c) = s.context {
        m.insert("context".into(), c);
    }
    if let Some(r) = s.result {
        m.insert("result".into(), r.clone());
    }
    if let Some(e) = s.error_output {
        m.insert("errorOutput".into(), e.clone());
    }
    Value::Object(m)
}

struct StateBindings<'a> {
    states: &'a Value,
    scope: &'a Scope<'a>,
}

impl Bindings for StateBindings<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        if name == "states" {
            Some(self.states)
        } else {
            self.scope.get(name)
        }
    }
}

/// Where an expression sits in a state, for error messages (`Output/a/b[2]`).
/// Built up as a template is walked and formatted only when an error needs it.
#[derive(Clone, Copy)]
enum FieldPath<'a> {
    Field(&'a str),
    Key(&'a FieldPath<'a>, &'a str),
    Index(&'a FieldPath<'a>, usize),
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldPath::Field(name) => f.write_str(name),
            FieldPath::Key(parent, key) => write!(f, "{parent}/{key}"),
            FieldPath::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Evaluate one expression; `None` is JSONata's `undefined`.
pub(crate) fn eval_expr(
    e: &Expr,
    states: &Value,
    scope: &Scope<'_>,
    rng: &mut dyn stepwell_jsonata::Entropy,
    at: At<'_>,
    field: &dyn fmt::Display,
) -> Result<Option<Value>, StateError> {
    let b = StateBindings { states, scope };
    let fail = |what: &str| {
        StateError::new(
            names::QUERY_EVALUATION_ERROR,
            runtime_cause(
                at.state,
                at.entered_id,
                &format!(
                    "The JSONata expression '{}' specified for the field '{}' {what}",
                    e.source.trim(),
                    field,
                ),
            ),
        )
    };
    match e
        .expression
        .evaluate_full(None, &b, rng, &stepwell_jsonata::Limits::default())
    {
        Ok(Evaluated::Value(v)) => Ok(Some(v)),
        Ok(Evaluated::Undefined) => Ok(None),
        Ok(Evaluated::Function) => Err(fail("returned an unsupported result type.")),
        Err(err) => Err(fail(&format!(
            "threw an error during evaluation. {}",
            err.cause()
        ))),
    }
}

/// Evaluate a template: literals stay, expressions are replaced by their values.
pub(crate) fn eval_template(
    t: &JsonataTemplate,
    states: &Value,
    scope: &Scope<'_>,
    rng: &mut dyn stepwell_jsonata::Entropy,
    at: At<'_>,
    field: &str,
) -> Result<Value, StateError> {
    eval_template_at(t, states, scope, rng, at, FieldPath::Field(field))
}

fn eval_template_at(
    t: &JsonataTemplate,
    states: &Value,
    scope: &Scope<'_>,
    rng: &mut dyn stepwell_jsonata::Entropy,
    at: At<'_>,
    field: FieldPath<'_>,
) -> Result<Value, StateError> {
    match t {
        JsonataTemplate::Literal(v) => Ok(v.clone()),
        JsonataTemplate::Expr(e) => match eval_expr(e, states, scope, rng, at, &field)? {
            Some(v) => Ok(v),
            None => Err(StateError::new(
                names::QUERY_EVALUATION_ERROR,
                runtime_cause(
                    at.state,
                    at.entered_id,
                    &format!(
                        "The JSONata expression '{}' specified for the field '{}' returned nothing (undefined).",
                        e.source.trim(),
                        field
                    ),
                ),
            )),
        },
        JsonataTemplate::Object(fields) => {
            let mut m = JsonMap::with_capacity(fields.len());
            for (k, t) in fields {
                let path = FieldPath::Key(&field, k);
                m.insert(k.clone(), eval_template_at(t, states, scope, rng, at, path)?);
            }
            Ok(Value::Object(m))
        }
        JsonataTemplate::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, t)| eval_template_at(t, states, scope, rng, at, FieldPath::Index(&field, i)))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
    }
}

/// The JSON type name AWS uses in its messages.
pub(crate) fn type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "undefined",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => "integer",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}
