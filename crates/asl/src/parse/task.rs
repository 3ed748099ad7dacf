//! A Task state, and the `Retry` and `Catch` lists that Task, Parallel and
//! Map states share.

use serde_json::{Map as JsonMap, Value};

use super::dataflow::{Bounds, MAX_SECONDS};
use super::{Names, Parser};

/// A Task's `TimeoutSeconds` and `HeartbeatSeconds`.
const SECONDS: Bounds = Bounds::int(1, Some(MAX_SECONDS as u64));
/// A retrier's `MaxDelaySeconds`: less than a year and a day.
const MAX_DELAY_SECONDS: u64 = 31_622_400;
use crate::model::{Catcher, Credentials, Jitter, OptPath, QueryLanguage, Retrier, Task};
use crate::resources::check_resource;

impl Parser {
    pub(super) fn task(
        &mut self,
        obj: &JsonMap<String, Value>,
        loc: &str,
        names: &Names,
        ql: QueryLanguage,
    ) -> Option<Task> {
        let resource = match obj.get("Resource") {
            Some(Value::String(s)) => {
                if let Some(msg) = check_resource(s, self.options.express) {
                    self.schema(&format!("{loc}/Resource"), msg);
                }
                s.clone()
            }
            Some(_) => {
                self.schema(
                    &format!("{loc}/Resource"),
                    "The field 'Resource' must be a string".into(),
                );
                String::new()
            }
            None => {
                self.schema(loc, "These fields are required: [Resource]".into());
                String::new()
            }
        };
        if let Some(c) = obj.get("Credentials") {
            let ok = c
                .as_object()
                .is_some_and(|m| m.contains_key("RoleArn") || m.contains_key("RoleArn.$"));
            if !ok {
                self.schema(
                    &format!("{loc}/Credentials"),
                    "The field 'RoleArn' is required but was missing".into(),
                );
            }
        }
        Some(Task {
            resource,
            timeout_seconds: self.dynamic_u64(obj, "TimeoutSeconds", loc, ql, SECONDS),
            heartbeat_seconds: self.dynamic_u64(obj, "HeartbeatSeconds", loc, ql, SECONDS),
            credentials: obj.get("Credentials").and_then(|c| match ql {
                QueryLanguage::JsonPath => self
                    .template(c, "Credentials", loc)
                    .map(Credentials::JsonPath),
                QueryLanguage::Jsonata => Some(Credentials::Jsonata(
                    self.jsonata_template(c, &format!("{loc}/Credentials")),
                )),
            }),
            retry: self.retriers(obj, loc),
            catch: self.catchers(obj, loc, names, ql),
        })
    }

    /// The objects of an optional array field (`Retry`, `Catch`), each with
    /// its location; anything else is reported.
    fn object_list<'v>(
        &mut self,
        obj: &'v JsonMap<String, Value>,
        field: &str,
        what: &str,
        loc: &str,
    ) -> Vec<(String, &'v JsonMap<String, Value>)> {
        let Some(v) = obj.get(field) else {
            return Vec::new();
        };
        let Some(list) = v.as_array() else {
            self.schema(
                &format!("{loc}/{field}"),
                format!("The field '{field}' must be an array"),
            );
            return Vec::new();
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let item_loc = format!("{loc}/{field}[{i}]");
            match item.as_object() {
                Some(o) => out.push((item_loc, o)),
                None => self.schema(&item_loc, format!("A {what} must be a JSON object")),
            }
        }
        out
    }

    pub(super) fn retriers(&mut self, obj: &JsonMap<String, Value>, loc: &str) -> Vec<Retrier> {
        let mut out = Vec::new();
        let list = self.object_list(obj, "Retry", "retrier", loc);
        let count = list.len();
        for (i, (rloc, r)) in list.into_iter().enumerate() {
            self.check_fields(
                r,
                &[
                    "ErrorEquals",
                    "IntervalSeconds",
                    "MaxAttempts",
                    "BackoffRate",
                    "MaxDelaySeconds",
                    "JitterStrategy",
                    "Comment",
                ],
                &rloc,
            );
            let error_equals = self.error_equals(r, &rloc);
            let field = |name: &str| format!("{rloc}/{name}");
            let interval_seconds = match r.get("IntervalSeconds") {
                None => 1,
                Some(v) => self
                    .integer(
                        v,
                        Bounds::int(1, Some(MAX_SECONDS as u64)),
                        &field("IntervalSeconds"),
                    )
                    .unwrap_or(1),
            };
            let max_attempts = match r.get("MaxAttempts") {
                None => 3,
                Some(v) => self
                    .integer(
                        v,
                        Bounds::int(0, Some(MAX_SECONDS as u64)),
                        &field("MaxAttempts"),
                    )
                    .unwrap_or(3),
            };
            let backoff_rate = match r.get("BackoffRate") {
                None => 2.0,
                Some(v) => self
                    .number(v, Bounds::float(1.0, None), &field("BackoffRate"))
                    .unwrap_or(2.0),
            };
            let max_delay_seconds = r.get("MaxDelaySeconds").and_then(|v| {
                self.integer(
                    v,
                    Bounds::int(1, Some(MAX_DELAY_SECONDS)),
                    &field("MaxDelaySeconds"),
                )
            });
            let jitter = match r.get("JitterStrategy") {
                None => Jitter::None,
                Some(Value::String(j)) if j == "NONE" => Jitter::None,
                Some(Value::String(j)) if j == "FULL" => Jitter::Full,
                Some(_) => {
                    self.schema(
                        &field("JitterStrategy"),
                        "Value should be one of the following: [FULL, NONE]".into(),
                    );
                    Jitter::None
                }
            };
            self.states_all_last(&error_equals, &rloc, i + 1 == count);
            out.push(Retrier {
                error_equals,
                interval_seconds,
                max_attempts,
                backoff_rate,
                max_delay_seconds,
                jitter,
            });
        }
        out
    }

    /// `States.ALL` matches every error, so the ASL has it alone in the
    /// last retrier or catcher (one after it could never match).
    fn states_all_last(&mut self, error_equals: &[String], loc: &str, last: bool) {
        if let Some(i) = error_equals.iter().position(|e| e == "States.ALL") {
            if error_equals.len() > 1 || !last {
                self.schema(
                    &format!("{loc}/ErrorEquals[{i}]"),
                    "States.ALL must appear alone and at end of list".into(),
                );
            }
        }
    }

    fn error_equals(&mut self, r: &JsonMap<String, Value>, loc: &str) -> Vec<String> {
        match r.get("ErrorEquals").and_then(Value::as_array) {
            Some(list) if !list.is_empty() => {
                let names: Vec<String> = list
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                if names.len() != list.len() {
                    self.schema(loc, "The field 'ErrorEquals' must contain strings".into());
                }
                names
            }
            _ => {
                self.schema(loc, "These fields are required: [ErrorEquals]".into());
                Vec::new()
            }
        }
    }

    pub(super) fn catchers(
        &mut self,
        obj: &JsonMap<String, Value>,
        loc: &str,
        names: &Names,
        ql: QueryLanguage,
    ) -> Vec<Catcher> {
        let mut out = Vec::new();
        let list = self.object_list(obj, "Catch", "catcher", loc);
        let count = list.len();
        for (i, (cloc, c)) in list.into_iter().enumerate() {
            self.check_fields(
                c,
                &[
                    "ErrorEquals",
                    "Next",
                    "ResultPath",
                    "Output",
                    "Assign",
                    "Comment",
                ],
                &cloc,
            );
            let error_equals = self.error_equals(c, &cloc);
            self.states_all_last(&error_equals, &cloc, i + 1 == count);
            let next = match c.get("Next") {
                Some(n) => self.target(n, names, &format!("{cloc}/Next")),
                None => {
                    self.schema(&cloc, "These fields are required: [Next]".into());
                    None
                }
            };
            // A catcher's fields of the other language are refused, as a
            // state's are (ignored, they would change its output).
            let other = match ql {
                QueryLanguage::Jsonata => "ResultPath",
                QueryLanguage::JsonPath => "Output",
            };
            if c.contains_key(other) {
                self.other_language_field(&cloc, other, ql);
            }
            // `$states.errorOutput` exists here only.
            self.in_catcher = true;
            let (result_path, output) = if ql == QueryLanguage::Jsonata {
                (
                    OptPath::Default,
                    c.get("Output")
                        .map(|v| self.jsonata_template(v, &format!("{cloc}/Output"))),
                )
            } else {
                (
                    self.opt_path(c.get("ResultPath"), "ResultPath", &cloc, true),
                    None,
                )
            };
            let assign = c.get("Assign").and_then(|v| self.assign(v, &cloc, ql));
            self.in_catcher = false;
            if let Some(next) = next {
                out.push(Catcher {
                    error_equals,
                    next,
                    result_path,
                    output,
                    assign,
                });
            }
        }
        out
    }
}
