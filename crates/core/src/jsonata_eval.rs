//! JSONata in states: `$states`, `{% %}` templates, and AWS's error texts.

use std::cell::OnceCell;
use std::fmt;
use std::sync::Arc;

use serde_json::{Map as JsonMap, Value};
use stepwell_asl::{Expr, JsonataTemplate};
use stepwell_jsonata::{Bindings, Evaluated};
use stepwell_jsonpath::Variables;

use crate::context::Scope;
use crate::dataflow::{runtime_cause, At};
use crate::errors::{names, StateError};

/// `$states`, kept in its parts: the fast form reads `$states.input.…`
/// straight off the state's input, and the object itself (a copy of the
/// input) is built only when an expression needs it whole.
pub(crate) struct States<'a> {
    input: Arc<Value>,
    context: Option<Value>,
    result: Option<&'a Value>,
    error_output: Option<&'a Value>,
    whole: OnceCell<Value>,
}

impl<'a> States<'a> {
    pub(crate) fn new(
        input: Arc<Value>,
        context: Option<Value>,
        result: Option<&'a Value>,
        error_output: Option<&'a Value>,
    ) -> States<'a> {
        States {
            input,
            context,
            result,
            error_output,
            whole: OnceCell::new(),
        }
    }

    /// The member `field` of `$states`.
    fn member(&self, field: &str) -> Option<&Value> {
        match field {
            "input" => Some(&self.input),
            "context" => self.context.as_ref(),
            "result" => self.result,
            "errorOutput" => self.error_output,
            _ => None,
        }
    }

    /// The `$states` object.
    fn whole(&self) -> &Value {
        self.whole.get_or_init(|| {
            let mut m = JsonMap::new();
            for field in ["input", "context", "result", "errorOutput"] {
                if let Some(v) = self.member(field) {
                    m.insert(field.into(), v.clone());
                }
            }
            Value::Object(m)
        })
    }
}

struct StateBindings<'a, 'b> {
    states: &'a States<'b>,
    scope: &'a dyn Variables,
}

impl Bindings for StateBindings<'_, '_> {
    fn get(&self, name: &str) -> Option<&Value> {
        if name == "states" {
            Some(self.states.whole())
        } else {
            self.scope.get(name)
        }
    }

    fn member(&self, name: &str, field: &str) -> Option<Option<&Value>> {
        if name == "states" {
            Some(self.states.member(field))
        } else {
            match self.scope.get(name)? {
                Value::Object(map) => Some(map.get(field)),
                _ => None,
            }
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
    states: &States<'_>,
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
        .at_field(field)
    };
    match e
        .expression
        .evaluate_full(None, &b, rng, &stepwell_jsonata::Limits::default())
    {
        Ok(Evaluated::Value(v)) => Ok(Some(v)),
        Ok(Evaluated::Undefined) => Ok(None),
        Ok(Evaluated::Function) => Err(fail("returned an unsupported result type.")),
        Err(err) => Err(fail(&format!(
            "threw an error during evaluation{}",
            err.evaluation_cause()
        ))),
    }
}

/// Evaluate a template: literals stay, expressions are replaced by their values.
pub(crate) fn eval_template(
    t: &JsonataTemplate,
    states: &States<'_>,
    scope: &Scope<'_>,
    rng: &mut dyn stepwell_jsonata::Entropy,
    at: At<'_>,
    field: &str,
) -> Result<Value, StateError> {
    eval_template_at(t, states, scope, rng, at, FieldPath::Field(field))
}

fn eval_template_at(
    t: &JsonataTemplate,
    states: &States<'_>,
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
            )
            .at_field(field)),
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

#[cfg(test)]
mod tests {
    // A test: a broken fixture is a failure.
    #![allow(clippy::unwrap_used)]

    use serde_json::json;
    use stepwell_jsonata::{Entropy, Expression};

    use super::*;

    struct Zero;
    impl Entropy for Zero {
        fn next_u64(&mut self) -> u64 {
            0
        }
    }

    #[test]
    fn states_is_built_only_for_an_expression_that_needs_it_whole() {
        let input = Arc::new(json!({"a": {"b": [1, 2]}}));
        let result = json!({"r": 1});
        let vars = JsonMap::new();
        let cases = [
            ("$states.input.a.b[1]", Some(json!(2)), false),
            ("$states.result.r + 1", Some(json!(2)), false),
            ("$states.input.missing", None, false),
            ("$states.context.x", None, false),
            ("$keys($states)", Some(json!(["input", "result"])), true),
            (
                "$states.input.a.b[0] & $string($states.result)",
                Some(json!("1{\"r\":1}")),
                true,
            ),
        ];
        for (expr, expected, whole) in cases {
            let states = States::new(input.clone(), None, Some(&result), None);
            let bindings = StateBindings {
                states: &states,
                scope: &vars,
            };
            let got = Expression::compile(expr)
                .unwrap()
                .evaluate(None, &bindings, &mut Zero)
                .unwrap();
            assert_eq!(got, expected, "{expr}");
            assert_eq!(states.whole.get().is_some(), whole, "{expr}");
        }
    }
}
