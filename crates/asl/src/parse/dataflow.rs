//! The fields every state shares or reuses: InputPath/OutputPath/ResultPath,
//! Parameters and ResultSelector templates, `Assign`, JSONata templates and
//! expressions, and the integer/number fields that may be given dynamically.

use serde_json::{Map as JsonMap, Value};
use stepwell_jsonata::Expression;
use stepwell_jsonpath::{Path, Template};

use super::Parser;
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
                Some(p) if reference && !p.is_reference() => {
                    self.schema(
                        loc,
                        format!("The value for the field '{field}' must be a valid Reference Path"),
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
            Ok(expression) => Some(Expr {
                source: src.trim().to_owned(),
                expression,
            }),
            Err(e) => {
                self.schema(
                    loc,
                    format!("The JSONata expression '{src}' is not valid: {e}"),
                );
                None
            }
        }
    }

    pub(super) fn positive_int(&mut self, v: &Value, field: &str, loc: &str) -> Option<u64> {
        match v.as_u64() {
            Some(n) if n > 0 => Some(n),
            _ => {
                self.schema(
                    loc,
                    format!("The field '{field}' must be a positive integer"),
                );
                None
            }
        }
    }

    /// A field that takes an integer, its `...Path` twin, or (JSONata) an expression.
    pub(super) fn dynamic_u64(
        &mut self,
        obj: &JsonMap<String, Value>,
        field: &str,
        loc: &str,
        ql: QueryLanguage,
        allow_zero: bool,
    ) -> Option<Dynamic<u64>> {
        let path_field = format!("{field}Path");
        match (obj.get(field), obj.get(&path_field)) {
            (Some(_), Some(_)) => {
                self.schema(
                    loc,
                    format!("Only one of the fields '{field}' and '{path_field}' may be present"),
                );
                None
            }
            // A string that is not `{% ... %}` falls through to the type error.
            (Some(Value::String(s)), None)
                if ql == QueryLanguage::Jsonata && jsonata_expression(s).is_some() =>
            {
                let src = jsonata_expression(s)?;
                self.expr(src, &format!("{loc}/{field}")).map(Dynamic::Expr)
            }
            (Some(v), None) => match v.as_u64() {
                Some(n) if n > 0 || allow_zero => Some(Dynamic::Value(n)),
                _ => {
                    self.schema(
                        &format!("{loc}/{field}"),
                        format!("The field '{field}' must be a positive integer"),
                    );
                    None
                }
            },
            (None, Some(v)) => self.path(v, &path_field, loc).map(Dynamic::Path),
            (None, None) => None,
        }
    }

    pub(super) fn dynamic_f64(
        &mut self,
        obj: &JsonMap<String, Value>,
        field: &str,
        loc: &str,
        ql: QueryLanguage,
    ) -> Option<Dynamic<f64>> {
        let path_field = format!("{field}Path");
        match (obj.get(field), obj.get(&path_field)) {
            (Some(Value::String(s)), None)
                if ql == QueryLanguage::Jsonata && jsonata_expression(s).is_some() =>
            {
                let src = jsonata_expression(s)?;
                self.expr(src, &format!("{loc}/{field}")).map(Dynamic::Expr)
            }
            (Some(v), None) => match v.as_f64() {
                Some(n) if n >= 0.0 => Some(Dynamic::Value(n)),
                _ => {
                    self.schema(
                        &format!("{loc}/{field}"),
                        format!("The field '{field}' must be a non-negative number"),
                    );
                    None
                }
            },
            (None, Some(v)) => self.path(v, &path_field, loc).map(Dynamic::Path),
            (Some(_), Some(_)) => {
                self.schema(
                    loc,
                    format!("Only one of the fields '{field}' and '{path_field}' may be present"),
                );
                None
            }
            (None, None) => None,
        }
    }
}

/// The expression inside a whole-string `{% ... %}`, or `None` for a plain string.
pub fn jsonata_expression(s: &str) -> Option<&str> {
    s.strip_prefix("{%")?.strip_suffix("%}")
}
