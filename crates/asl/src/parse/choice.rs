//! A Choice state: its rules (JSONPath comparisons with And/Or/Not, or
//! JSONata conditions) and their targets.

use serde_json::{Map as JsonMap, Value};
use stepwell_jsonpath::Path;

use super::{jsonata_expression, Names, Parser};
use crate::model::{Choice, ChoiceBranch, Comparison, Operand, QueryLanguage, Rule};

impl Parser {
    pub(super) fn choice(
        &mut self,
        obj: &JsonMap<String, Value>,
        loc: &str,
        names: &Names,
        ql: QueryLanguage,
    ) -> Option<Choice> {
        let default = obj
            .get("Default")
            .and_then(|d| self.target(d, names, &format!("{loc}/Default")));
        let Some(list) = obj.get("Choices").and_then(Value::as_array) else {
            self.schema(loc, "These fields are required: [Choices]".into());
            return None;
        };
        if list.is_empty() {
            self.schema(
                &format!("{loc}/Choices"),
                "The field 'Choices' must not be empty".into(),
            );
        }
        let mut choices = Vec::new();
        for (i, c) in list.iter().enumerate() {
            let cloc = format!("{loc}/Choices[{i}]");
            let Some(c) = c.as_object() else {
                self.schema(&cloc, "A choice rule must be a JSON object".into());
                continue;
            };
            let next = match c.get("Next") {
                Some(n) => self.target(n, names, &format!("{cloc}/Next")),
                None => {
                    self.schema(&cloc, "These fields are required: [Next]".into());
                    None
                }
            };
            let rule = self.rule(c, &cloc, ql, true);
            let output = match ql {
                QueryLanguage::Jsonata => c
                    .get("Output")
                    .map(|v| self.jsonata_template(v, &format!("{cloc}/Output"))),
                QueryLanguage::JsonPath => None,
            };
            let assign = c.get("Assign").and_then(|v| self.assign(v, &cloc, ql));
            if let (Some(rule), Some(next)) = (rule, next) {
                choices.push(ChoiceBranch {
                    rule,
                    next,
                    output,
                    assign,
                });
            }
        }
        Some(Choice { choices, default })
    }

    fn rule(
        &mut self,
        c: &JsonMap<String, Value>,
        loc: &str,
        ql: QueryLanguage,
        top: bool,
    ) -> Option<Rule> {
        // What a rule may hold besides its condition (JSONata has no
        // nested rules; a JSONPath rule has no `Output`).
        let extra: &[&str] = match (ql, top) {
            (QueryLanguage::Jsonata, _) => &["Next", "Comment", "Assign", "Output", "Condition"],
            (QueryLanguage::JsonPath, true) => &["Next", "Comment", "Assign"],
            (QueryLanguage::JsonPath, false) => &["Comment"],
        };
        if ql == QueryLanguage::Jsonata {
            if !self.fields_allowed(c, extra, loc) {
                return None;
            }
            let Some(cond) = c.get("Condition") else {
                self.schema(loc, "These fields are required: [Condition]".into());
                return None;
            };
            let cloc = format!("{loc}/Condition");
            return match cond {
                Value::Bool(b) => Some(Rule::Condition(self.expr(&b.to_string(), &cloc)?)),
                Value::String(s) => match jsonata_expression(s) {
                    Some(src) => Some(Rule::Condition(self.expr(src, &cloc)?)),
                    None => {
                        self.schema(
                            &cloc,
                            "The field 'Condition' must be a JSONata expression".into(),
                        );
                        None
                    }
                },
                _ => {
                    self.schema(
                        &cloc,
                        "The field 'Condition' must be a JSONata expression".into(),
                    );
                    None
                }
            };
        }
        let nested = |p: &mut Self, v: &Value, l: String| -> Option<Rule> {
            match v.as_object() {
                Some(o) => p.rule(o, &l, ql, false),
                None => {
                    p.schema(&l, "A choice rule must be a JSON object".into());
                    None
                }
            }
        };
        // A rule is one of `Not`, `And`, `Or` or a comparison, alone.
        if let Some(key) = ["Not", "And", "Or"]
            .into_iter()
            .find(|k| c.contains_key(*k))
        {
            let allowed: Vec<&str> = std::iter::once(key).chain(extra.iter().copied()).collect();
            if !self.fields_allowed(c, &allowed, loc) {
                return None;
            }
        }
        if let Some(v) = c.get("Not") {
            return Some(Rule::Not(Box::new(nested(self, v, format!("{loc}/Not"))?)));
        }
        for (key, is_and) in [("And", true), ("Or", false)] {
            if let Some(v) = c.get(key) {
                let Some(list) = v.as_array().filter(|l| !l.is_empty()) else {
                    self.schema(
                        &format!("{loc}/{key}"),
                        format!("The field '{key}' must be a non-empty array"),
                    );
                    return None;
                };
                let rules: Option<Vec<Rule>> = list
                    .iter()
                    .enumerate()
                    .map(|(i, v)| nested(self, v, format!("{loc}/{key}[{i}]")))
                    .collect();
                let rules = rules?;
                return Some(if is_and {
                    Rule::And(rules)
                } else {
                    Rule::Or(rules)
                });
            }
        }
        let Some(var) = c.get("Variable") else {
            self.schema(loc, "These fields are required: [Variable]".into());
            return None;
        };
        let variable = self.path(var, "Variable", loc)?;
        let mut op = None;
        for (k, v) in c {
            if k == "Variable" || extra.contains(&k.as_str()) {
                continue;
            }
            match comparison(k, v) {
                Ok(Some(parsed)) if op.is_none() => op = Some(parsed),
                Ok(Some(_)) => {
                    self.schema(loc, "A choice rule must have exactly one comparison".into());
                    return None;
                }
                Ok(None) => {
                    self.schema(loc, format!("Field '{k}' is not supported"));
                    return None;
                }
                Err(msg) => {
                    self.schema(&format!("{loc}/{k}"), msg);
                    return None;
                }
            }
        }
        match op {
            Some(op) => Some(Rule::Compare { variable, op }),
            None => {
                self.schema(loc, "A choice rule must have a comparison operator".into());
                None
            }
        }
    }
}

/// Parse one comparison operator; `Ok(None)` when `key` is no operator.
fn comparison(key: &str, v: &Value) -> Result<Option<Comparison>, String> {
    use Comparison as C;
    let (base, is_path) = match key.strip_suffix("Path") {
        Some(b) if b != "String" && b != "Numeric" => (b, true),
        _ => (key, false),
    };
    let string = |v: &Value| -> Result<Operand<String>, String> {
        if is_path {
            return path_operand(key, v);
        }
        v.as_str()
            .map(|s| Operand::Value(s.to_owned()))
            .ok_or_else(|| format!("The field '{key}' must be a string"))
    };
    let number = |v: &Value| -> Result<Operand<f64>, String> {
        if is_path {
            return path_operand(key, v);
        }
        v.as_f64()
            .map(Operand::Value)
            .ok_or_else(|| format!("The field '{key}' must be a number"))
    };
    // As a Wait's `Timestamp`: a value that is no RFC 3339 timestamp could
    // never match.
    let timestamp = |v: &Value| -> Result<Operand<String>, String> {
        match string(v)? {
            Operand::Value(s) if !crate::is_rfc3339(&s) => {
                Err("String does not match RFC3339 timestamp".to_string())
            }
            operand => Ok(operand),
        }
    };
    let flag = |v: &Value| -> Result<bool, String> {
        v.as_bool()
            .ok_or_else(|| format!("The field '{key}' must be a boolean"))
    };
    Ok(Some(match base {
        "StringEquals" => C::StringEquals(string(v)?),
        "StringLessThan" => C::StringLessThan(string(v)?),
        "StringGreaterThan" => C::StringGreaterThan(string(v)?),
        "StringLessThanEquals" => C::StringLessThanEquals(string(v)?),
        "StringGreaterThanEquals" => C::StringGreaterThanEquals(string(v)?),
        "StringMatches" if !is_path => C::StringMatches(
            v.as_str()
                .ok_or_else(|| format!("The field '{key}' must be a string"))?
                .to_owned(),
        ),
        "NumericEquals" => C::NumericEquals(number(v)?),
        "NumericLessThan" => C::NumericLessThan(number(v)?),
        "NumericGreaterThan" => C::NumericGreaterThan(number(v)?),
        "NumericLessThanEquals" => C::NumericLessThanEquals(number(v)?),
        "NumericGreaterThanEquals" => C::NumericGreaterThanEquals(number(v)?),
        "BooleanEquals" => C::BooleanEquals(if is_path {
            path_operand(key, v)?
        } else {
            Operand::Value(flag(v)?)
        }),
        "TimestampEquals" => C::TimestampEquals(timestamp(v)?),
        "TimestampLessThan" => C::TimestampLessThan(timestamp(v)?),
        "TimestampGreaterThan" => C::TimestampGreaterThan(timestamp(v)?),
        "TimestampLessThanEquals" => C::TimestampLessThanEquals(timestamp(v)?),
        "TimestampGreaterThanEquals" => C::TimestampGreaterThanEquals(timestamp(v)?),
        "IsNull" if !is_path => C::IsNull(flag(v)?),
        "IsPresent" if !is_path => C::IsPresent(flag(v)?),
        "IsNumeric" if !is_path => C::IsNumeric(flag(v)?),
        "IsString" if !is_path => C::IsString(flag(v)?),
        "IsBoolean" if !is_path => C::IsBoolean(flag(v)?),
        "IsTimestamp" if !is_path => C::IsTimestamp(flag(v)?),
        _ => return Ok(None),
    }))
}

fn path_operand<T>(key: &str, v: &Value) -> Result<Operand<T>, String> {
    v.as_str()
        .and_then(|s| Path::parse(s).ok())
        .map(Operand::Path)
        .ok_or_else(|| format!("The value for the field '{key}' must be a valid JSONPath"))
}
