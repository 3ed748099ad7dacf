//! Wait, Fail and Parallel states, and the sub-machines (Parallel branches,
//! a Map's ItemProcessor) they nest.

use serde_json::{Map as JsonMap, Value};
use stepwell_jsonpath::PathOrIntrinsic;

use super::dataflow::{Bounds, MAX_SECONDS};
use super::{jsonata_expression, Names, Parser};
use crate::model::{Dynamic, Fail, FailField, MachineId, Parallel, QueryLanguage, StateId, Wait};
use crate::timestamp::is_rfc3339;

impl Parser {
    pub(super) fn wait(
        &mut self,
        obj: &JsonMap<String, Value>,
        loc: &str,
        ql: QueryLanguage,
    ) -> Option<Wait> {
        let present: Vec<&str> = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]
            .into_iter()
            .filter(|k| obj.contains_key(*k))
            .collect();
        match present.as_slice() {
            [_] => {}
            [] => {
                self.schema(
                    loc,
                    "This object should have only one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]".into(),
                );
                return None;
            }
            [first, ..] => {
                self.only_one(
                    &format!("{loc}/{first}"),
                    &["SecondsPath", "Seconds", "TimestampPath", "Timestamp"],
                );
                return None;
            }
        }
        if obj.contains_key("Seconds") || obj.contains_key("SecondsPath") {
            return self
                .dynamic_u64(
                    obj,
                    "Seconds",
                    loc,
                    ql,
                    Bounds::int(0, Some(MAX_SECONDS as u64)),
                )
                .map(Wait::Seconds);
        }
        let tloc = format!("{loc}/Timestamp");
        match (obj.get("Timestamp"), obj.get("TimestampPath")) {
            (Some(Value::String(s)), _) => {
                if ql == QueryLanguage::Jsonata {
                    if let Some(src) = jsonata_expression(s) {
                        return self
                            .expr(src, &tloc)
                            .map(|e| Wait::Timestamp(Dynamic::Expr(e)));
                    }
                }
                if is_rfc3339(s) {
                    Some(Wait::Timestamp(Dynamic::Value(s.clone())))
                } else {
                    self.schema(&tloc, "String does not match RFC3339 timestamp".into());
                    None
                }
            }
            (Some(_), _) => {
                self.schema(&tloc, "String does not match RFC3339 timestamp".into());
                None
            }
            (None, Some(v)) => self
                .reference_path(v, &format!("{loc}/TimestampPath"))
                .map(|p| Wait::Timestamp(Dynamic::Path(p))),
            (None, None) => None,
        }
    }

    pub(super) fn fail(
        &mut self,
        obj: &JsonMap<String, Value>,
        loc: &str,
        ql: QueryLanguage,
    ) -> Fail {
        let field = |p: &mut Self, name: &str| -> Option<FailField> {
            let path_name = format!("{name}Path");
            match (obj.get(name), obj.get(&path_name)) {
                (Some(_), Some(_)) => {
                    p.only_one(&format!("{loc}/{name}"), &[name, &path_name]);
                    None
                }
                (Some(Value::String(s)), None) => {
                    if ql == QueryLanguage::Jsonata {
                        if let Some(src) = jsonata_expression(s) {
                            return p.expr(src, &format!("{loc}/{name}")).map(FailField::Expr);
                        }
                    }
                    Some(FailField::Value(s.clone()))
                }
                (Some(_), None) => {
                    p.schema(
                        &format!("{loc}/{name}"),
                        format!("The field '{name}' must be a string"),
                    );
                    None
                }
                (None, Some(v)) => match v.as_str().map(PathOrIntrinsic::parse) {
                    Some(Ok(x)) => Some(FailField::Path(x)),
                    _ => {
                        p.schema(
                            loc,
                            format!("The value for the field '{path_name}' must be a valid JSONPath or a valid intrinsic function call"),
                        );
                        None
                    }
                },
                (None, None) => None,
            }
        };
        Fail {
            error: field(self, "Error"),
            cause: field(self, "Cause"),
        }
    }

    pub(super) fn sub_machine(
        &mut self,
        v: &Value,
        loc: &str,
        me: (MachineId, StateId),
    ) -> Option<MachineId> {
        match v.as_object() {
            Some(o) => {
                // A Map's processor also says how it runs. A branch or a
                // processor has no language of its own: its states have
                // the state machine's (not the Parallel's or Map's).
                let fields: &[&str] =
                    if loc.ends_with("/ItemProcessor") || loc.ends_with("/Iterator") {
                        &["StartAt", "States", "Comment", "ProcessorConfig"]
                    } else {
                        &["StartAt", "States", "Comment"]
                    };
                self.check_fields(o, fields, loc);
                Some(self.machine(o, loc, Some(me), self.query_language))
            }
            None => {
                self.schema(loc, "The field must be a JSON object".into());
                None
            }
        }
    }

    pub(super) fn parallel(
        &mut self,
        obj: &JsonMap<String, Value>,
        loc: &str,
        names: &Names,
        me: (MachineId, StateId),
        ql: QueryLanguage,
    ) -> Option<Parallel> {
        let list = match obj.get("Branches") {
            Some(Value::Array(list)) => list,
            Some(_) => {
                self.schema(
                    &format!("{loc}/Branches"),
                    "The field 'Branches' must be an array".into(),
                );
                return None;
            }
            None => {
                self.schema(loc, "These fields are required: [Branches]".into());
                return None;
            }
        };
        let mut branches = Vec::new();
        for (i, b) in list.iter().enumerate() {
            branches.push(self.sub_machine(b, &format!("{loc}/Branches[{i}]"), me)?);
        }
        Some(Parallel {
            branches,
            retry: self.retriers(obj, loc),
            catch: self.catchers(obj, loc, names, ql),
        })
    }
}
