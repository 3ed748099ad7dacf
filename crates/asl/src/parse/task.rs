//! A Task state, and the `Retry` and `Catch` lists that Task, Parallel and
//! Map states share.

use serde_json::{Map as JsonMap, Value};

use super::{Names, Parser};
use crate::model::{Catcher, Jitter, OptPath, QueryLanguage, Retrier, Task};
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
            timeout_seconds: self.dynamic_u64(obj, "TimeoutSeconds", loc, ql, false),
            heartbeat_seconds: self.dynamic_u64(obj, "HeartbeatSeconds", loc, ql, false),
            credentials: obj.get("Credentials").cloned(),
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
        for (rloc, r) in self.object_list(obj, "Retry", "retrier", loc) {
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
            let interval_seconds = match r.get("IntervalSeconds") {
                None => 1,
                Some(v) => self.positive_int(v, "IntervalSeconds", &rloc).unwrap_or(1),
            };
            let max_attempts = match r.get("MaxAttempts") {
                None => 3,
                Some(v) => v.as_u64().unwrap_or_else(|| {
                    self.schema(
                        &rloc,
                        "The field 'MaxAttempts' must be a non-negative integer".into(),
                    );
                    3
                }),
            };
            let backoff_rate = match r.get("BackoffRate") {
                None => 2.0,
                Some(v) => match v.as_f64() {
                    Some(b) if b >= 1.0 => b,
                    _ => {
                        self.schema(
                            &rloc,
                            "The field 'BackoffRate' must be a number greater than or equal to 1.0"
                                .into(),
                        );
                        2.0
                    }
                },
            };
            let max_delay_seconds = r
                .get("MaxDelaySeconds")
                .and_then(|v| self.positive_int(v, "MaxDelaySeconds", &rloc));
            let jitter = match r.get("JitterStrategy").and_then(Value::as_str) {
                None | Some("NONE") => Jitter::None,
                Some("FULL") => Jitter::Full,
                Some(_) => {
                    self.schema(
                        &rloc,
                        "The field 'JitterStrategy' should have one of these values: [FULL, NONE]"
                            .into(),
                    );
                    Jitter::None
                }
            };
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
                if names.iter().any(|n| n == "States.ALL") && names.len() > 1 {
                    self.schema(
                        loc,
                        "'States.ALL' must appear alone in 'ErrorEquals'".into(),
                    );
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
        for (cloc, c) in self.object_list(obj, "Catch", "catcher", loc) {
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
            let next = match c.get("Next") {
                Some(n) => self.target(n, names, &format!("{cloc}/Next")),
                None => {
                    self.schema(&cloc, "These fields are required: [Next]".into());
                    None
                }
            };
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
