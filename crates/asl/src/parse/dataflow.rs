//! The fields every state shares or reuses: InputPath/OutputPath/ResultPath,
//! Parameters and ResultSelector templates, `Assign`, JSONata templates and
//! expressions, and the integer/number fields that may be given dynamically.

use serde_json::{Map as JsonMap, Value};
use stepwell_jsonata::{Expression, UnsupportedReference};
use stepwell_jsonpath::{Path, Root, Template};

use super::Parser;
use crate::diag::Code;
use crate::model::{Assign, Dynamic, Expr, Io, JsonataTemplate, OptPath, QueryLanguage};
use crate::variables::check_variable_name;

impl Parser {
    pub(super) fn io(&mut self, obj: &JsonMap<String, Value>, loc: &str, ql: QueryLanguage) -> Io {
        let mut io = Io::default();
        if ql == QueryLanguage::Jsonata {
            io.arguments = obj
                .get("Arguments")
                .map(|v| self.jsonata_template(v, &format!("{loc}/Arguments")));
            io.output = obj
                .get("Output")
                .map(|v| self.jsonata_template(v, &format!("{loc}/Output")));
            return io;
        }
        io.input_path = self.opt_path(obj.get("InputPath"), "InputPath", loc, false);
        io.output_path = self.opt_path(obj.get("OutputPath"), "OutputPath", loc, false);
        io.result_path = self.opt_path(obj.get("ResultPath"), "ResultPath", loc, true);
        // Map's legacy `Parameters` is its item selector, not a state-level template.
        if obj.get("Type").and_then(Value::as_str) != Some("Map") {
            io.parameters = obj
                .get("Parameters")
                .and_then(|v| self.template(v, "Parameters", loc));
        }
        io.result_selector = obj
            .get("ResultSelector")
            .and_then(|v| self.template(v, "ResultSelector", loc));
        io
    }

    pub(super) fn opt_path(
        &mut self,
        v: Option<&Value>,
        field: &str,
        loc: &str,
        reference: bool,
    ) -> OptPath {
        match v {
            None => OptPath::Default,
            Some(Value::Null) => OptPath::Null,
            Some(v) => match self.path(v, field, loc) {
                // A ResultPath writes into the state's input: AWS takes
                // variables "anywhere a path is accepted, with the
                // exception of ResultPath" ("Using variables in JSONPath
                // states"), and the context object is read-only. AWS's
                // message for a variable is not recorded; the context
                // object's is used for both.
                Some(p) if reference && (!p.is_reference() || *p.root() != Root::Input) => {
                    self.schema(
                        &format!("{loc}/{field}"),
                        "Value is not a Reference Path".into(),
                    );
                    OptPath::Default
                }
                Some(p) => OptPath::Path(p),
                None => OptPath::Default,
            },
        }
    }

    pub(super) fn path(&mut self, v: &Value, field: &str, loc: &str) -> Option<Path> {
        let parsed = v.as_str().map(Path::parse);
        match parsed {
            Some(Ok(p)) => Some(p),
            _ => {
                self.schema(
                    loc,
                    format!("The value for the field '{field}' must be a valid JSONPath"),
                );
                None
            }
        }
    }

    pub(super) fn template(&mut self, v: &Value, field: &str, loc: &str) -> Option<Template> {
        match Template::compile(v) {
            Ok(t) => Some(t),
            Err(errs) => {
                let loc = format!("{loc}/{field}");
                for e in errs {
                    self.schema(&loc, e.to_string());
                }
                None
            }
        }
    }

    /// An `Assign` field (of a state, a Choice rule or a catcher at `loc`).
    ///
    /// AWS: "The `Assign` field takes a JSON object. Each top-level field
    /// names a variable to assign." In JSONPath a key ending in `.$` names the
    /// variable without that suffix.
    pub(super) fn assign(&mut self, v: &Value, loc: &str, ql: QueryLanguage) -> Option<Assign> {
        let aloc = format!("{loc}/Assign");
        let Some(fields) = v.as_object() else {
            self.schema(&aloc, "The field 'Assign' must be an object".into());
            return None;
        };
        let mut seen: Vec<&str> = Vec::with_capacity(fields.len());
        for key in fields.keys() {
            let name = match ql {
                QueryLanguage::JsonPath => key.strip_suffix(".$").unwrap_or(key),
                QueryLanguage::Jsonata => key.as_str(),
            };
            if let Err(msg) = check_variable_name(name) {
                self.schema(&aloc, msg);
            } else if seen.contains(&name) {
                // `{"x": 1, "x.$": "$.a"}`: two values for one variable.
                // AWS is silent; a silent "last one wins" would hide the
                // mistake, so it is refused.
                self.schema(
                    &aloc,
                    format!("The variable '{name}' is assigned more than once"),
                );
            }
            seen.push(name);
        }
        match ql {
            QueryLanguage::Jsonata => Some(Assign::Jsonata(self.jsonata_template(v, &aloc))),
            QueryLanguage::JsonPath => self.template(v, "Assign", loc).map(Assign::JsonPath),
        }
    }

    pub(super) fn jsonata_template(&mut self, v: &Value, loc: &str) -> JsonataTemplate {
        match v {
            Value::String(s) => match jsonata_expression(s) {
                Some(src) => match self.expr(src, loc) {
                    Some(e) => JsonataTemplate::Expr(Box::new(e)),
                    None => JsonataTemplate::Literal(Value::Null),
                },
                None => JsonataTemplate::Literal(v.clone()),
            },
            Value::Object(m) => {
                let fields: Vec<(String, JsonataTemplate)> = m
                    .iter()
                    .map(|(k, v)| (k.clone(), self.jsonata_template(v, &format!("{loc}/{k}"))))
                    .collect();
                if fields
                    .iter()
                    .all(|(_, t)| matches!(t, JsonataTemplate::Literal(_)))
                {
                    JsonataTemplate::Literal(v.clone())
                } else {
                    JsonataTemplate::Object(fields)
                }
            }
            Value::Array(a) => {
                let items: Vec<JsonataTemplate> = a
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.jsonata_template(v, &format!("{loc}[{i}]")))
                    .collect();
                if items
                    .iter()
                    .all(|t| matches!(t, JsonataTemplate::Literal(_)))
                {
                    JsonataTemplate::Literal(v.clone())
                } else {
                    JsonataTemplate::Array(items)
                }
            }
            _ => JsonataTemplate::Literal(v.clone()),
        }
    }

    pub(super) fn expr(&mut self, src: &str, loc: &str) -> Option<Expr> {
        match Expression::compile(src) {
            Ok(expression) => {
                self.unsupported_references(&expression, loc);
                Some(Expr {
                    source: src.trim().to_owned(),
                    expression,
                })
            }
            // AWS gives the parser's message, without its code.
            Err(e) => {
                self.push(
                    Code::InvalidJsonataExpression,
                    e.message,
                    Some(loc.to_owned()),
                );
                None
            }
        }
    }

    /// AWS refuses an expression that reads what Step Functions does not
    /// have (see [`Expression::unsupported_references`]), once for each
    /// distinct reference, in the order written (measured: `aaa + bbb` gets
    /// two diagnostics), at the field holding it.
    fn unsupported_references(&mut self, expression: &Expression, loc: &str) {
        for r in expression.unsupported_references() {
            let message = match r {
                UnsupportedReference::TopLevel(name) => {
                    format!("Reference to '{name}' at the top level is not supported.")
                }
                UnsupportedReference::Root => "Reference to '$$' is not supported.".to_owned(),
                UnsupportedReference::StatesErrorOutput if self.in_catcher => continue,
                UnsupportedReference::StatesErrorOutput => {
                    "Field '$states.errorOutput' does not exist.".to_owned()
                }
            };
            self.push(
                Code::UnsupportedJsonataExpression,
                message,
                Some(loc.to_owned()),
            );
        }
    }

    /// A number field's literal value, within the bounds AWS's schema
    /// gives it (its messages: "Minimum value is 0", "Expected value of
    /// type Integer"), reported at `floc`, the field's location.
    pub(super) fn number(&mut self, v: &Value, bounds: Bounds, floc: &str) -> Option<f64> {
        match bounds.check(v) {
            Ok(n) => Some(n),
            Err(message) => {
                self.schema(floc, message);
                None
            }
        }
    }

    /// [`Self::number`] for an integer field.
    pub(super) fn integer(&mut self, v: &Value, bounds: Bounds, floc: &str) -> Option<u64> {
        // The bounds keep it a non-negative integer below 2^53.
        self.number(v, bounds, floc).map(|n| n as u64)
    }

    /// A field that takes an integer, its `...Path` twin, or (JSONata) an expression.
    pub(super) fn dynamic_u64(
        &mut self,
        obj: &JsonMap<String, Value>,
        field: &str,
        loc: &str,
        ql: QueryLanguage,
        bounds: Bounds,
    ) -> Option<Dynamic<u64>> {
        self.dynamic_f64(obj, field, loc, ql, bounds)
            .map(|d| match d {
                Dynamic::Value(n) => Dynamic::Value(n as u64),
                Dynamic::Path(p) => Dynamic::Path(p),
                Dynamic::Expr(e) => Dynamic::Expr(e),
            })
    }

    /// A field that takes a number, its `...Path` twin (a Reference Path),
    /// or (JSONata) an expression.
    pub(super) fn dynamic_f64(
        &mut self,
        obj: &JsonMap<String, Value>,
        field: &str,
        loc: &str,
        ql: QueryLanguage,
        bounds: Bounds,
    ) -> Option<Dynamic<f64>> {
        let path_field = format!("{field}Path");
        let floc = format!("{loc}/{field}");
        match (obj.get(field), obj.get(&path_field)) {
            (Some(_), Some(_)) => {
                self.only_one(&floc, &[field, &path_field]);
                None
            }
            // A string that is not `{% ... %}` falls through to the type error.
            (Some(Value::String(s)), None)
                if ql == QueryLanguage::Jsonata && jsonata_expression(s).is_some() =>
            {
                let src = jsonata_expression(s)?;
                self.expr(src, &floc).map(Dynamic::Expr)
            }
            (Some(v), None) => self.number(v, bounds, &floc).map(Dynamic::Value),
            (None, Some(v)) => self
                .reference_path(v, &format!("{loc}/{path_field}"))
                .map(Dynamic::Path),
            (None, None) => None,
        }
    }

    /// A `...Path` field that must be a Reference Path (a single node of
    /// the input or of a variable).
    pub(super) fn reference_path(&mut self, v: &Value, floc: &str) -> Option<Path> {
        match v.as_str().map(Path::parse) {
            Some(Ok(p)) if p.is_reference() && *p.root() != Root::Context => Some(p),
            _ => {
                self.schema(floc, "Value is not a Reference Path".into());
                None
            }
        }
    }

    /// AWS's diagnostic for fields of which at most one may be given, at the
    /// first one's location.
    pub(super) fn only_one(&mut self, floc: &str, fields: &[&str]) {
        self.schema(
            floc,
            format!(
                "There should only be one of the following fields: [{}]",
                fields.join(", ")
            ),
        );
    }
}

/// The values a number field takes, as AWS's schema bounds them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    pub min: f64,
    pub max: Option<f64>,
    pub integer: bool,
}

/// AWS's largest value for most second and count fields.
pub(super) const MAX_SECONDS: f64 = 99_999_999.0;

impl Bounds {
    /// An integer from `min` to `max`.
    pub const fn int(min: u64, max: Option<u64>) -> Bounds {
        Bounds {
            min: min as f64,
            max: match max {
                Some(m) => Some(m as f64),
                None => None,
            },
            integer: true,
        }
    }

    /// Any number from `min` to `max`.
    pub const fn float(min: f64, max: Option<f64>) -> Bounds {
        Bounds {
            min,
            max,
            integer: false,
        }
    }

    fn check(&self, v: &Value) -> Result<f64, String> {
        // An integer field takes 10, not 10.0 nor "10".
        let n = match (self.integer, v) {
            (true, Value::Number(n)) if n.is_u64() || n.is_i64() => n.as_f64(),
            (false, Value::Number(n)) => n.as_f64(),
            _ => None,
        };
        let Some(n) = n else {
            let ty = if self.integer { "Integer" } else { "Number" };
            return Err(format!("Expected value of type {ty}"));
        };
        if n < self.min {
            return Err(format!("Minimum value is {}", self.show(self.min)));
        }
        match self.max {
            Some(max) if n > max => Err(format!("Maximum value is {}", self.show(max))),
            _ => Ok(n),
        }
    }

    /// A bound as AWS writes it: `0` for an integer field, `0.0` otherwise.
    fn show(&self, n: f64) -> String {
        if self.integer {
            format!("{n:.0}")
        } else {
            format!("{n:?}")
        }
    }
}

/// The expression inside a whole-string `{% ... %}`, or `None` for a plain string.
pub fn jsonata_expression(s: &str) -> Option<&str> {
    s.strip_prefix("{%")?.strip_suffix("%}")
}
