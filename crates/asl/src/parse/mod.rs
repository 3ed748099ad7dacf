//! JSON value -> [`StateMachine`], collecting every diagnostic on the way.
//!
//! Here: the entry points, the `Parser`, the fields each state type accepts,
//! and the machine-level checks (`StartAt`, transitions, reachability). Each
//! state type's own fields are parsed in a submodule.

mod choice;
mod dataflow;
mod flow;
mod map;
mod task;

use std::collections::{HashMap, HashSet};

use serde_json::{Map as JsonMap, Value};

use crate::diag::{Code, Diagnostic};
use crate::model::*;

pub use dataflow::jsonata_expression;

/// What the definition is checked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// An EXPRESS state machine (no activities, `.sync` or callbacks).
    pub express: bool,
    /// A definition accepted before, perhaps under fewer rules (stored by
    /// an older Stepwell): it compiles despite diagnostics, as long as
    /// every state and every `StartAt` compiled. Rules added since then
    /// apply to new definitions, not to the executions already running.
    pub stored: bool,
}

/// Parse a definition already read as JSON, for a STANDARD state machine.
pub fn from_value(doc: &Value) -> Result<StateMachine, Vec<Diagnostic>> {
    from_value_with(doc, Options::default())
}

/// Parse a definition already read as JSON.
pub fn from_value_with(doc: &Value, options: Options) -> Result<StateMachine, Vec<Diagnostic>> {
    let mut p = Parser {
        options,
        ..Parser::default()
    };
    let Some(obj) = doc.as_object() else {
        return Err(vec![crate::not_an_object()]);
    };
    let query_language = match obj.get("QueryLanguage") {
        None => QueryLanguage::JsonPath,
        Some(v) => p.query_language(v, "/QueryLanguage"),
    };
    p.query_language = query_language;
    p.check_fields(
        obj,
        &[
            "StartAt",
            "States",
            "Comment",
            "TimeoutSeconds",
            "Version",
            "QueryLanguage",
        ],
        "/",
    );
    let timeout_seconds = obj.get("TimeoutSeconds").and_then(|v| {
        p.integer(
            v,
            dataflow::Bounds::int(1, Some(dataflow::MAX_SECONDS as u64)),
            "/TimeoutSeconds",
        )
    });
    let comment = obj
        .get("Comment")
        .and_then(Value::as_str)
        .map(str::to_owned);
    p.machine(obj, "", None, query_language);
    if p.diags.is_empty() || (options.stored && !p.incomplete) {
        Ok(StateMachine {
            machines: p.machines,
            comment,
            timeout_seconds,
            query_language,
        })
    } else {
        Err(p.diags)
    }
}

#[derive(Default)]
struct Parser {
    machines: Vec<Machine>,
    diags: Vec<Diagnostic>,
    options: Options,
    /// Every state name so far, in any branch or iteration: names are
    /// unique in the whole state machine.
    state_names: HashSet<String>,
    /// Every Map `Label` so far: they are unique in the state machine too.
    labels: HashSet<String>,
    /// The state machine's language, which its branches and iterations
    /// have too.
    query_language: QueryLanguage,
    /// Parsing a catcher's `Output` or `Assign`, the one place
    /// `$states.errorOutput` exists.
    in_catcher: bool,
    /// A machine lacks a state or its `StartAt`: no model can be made.
    incomplete: bool,
}

/// Fields every state type accepts.
/// AWS's longest state name, in characters.
const MAX_STATE_NAME_CHARS: usize = 80;

const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

fn allowed_fields(ty: &str) -> &'static [&'static str] {
    match ty {
        "Pass" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "Result",
            "Assign",
            "Output",
        ],
        "Task" => &[
            "Next",
            "End",
            "Resource",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Arguments",
            "Output",
            "Assign",
        ],
        "Choice" => &[
            "Choices",
            "Default",
            "InputPath",
            "OutputPath",
            "Assign",
            "Output",
        ],
        "Wait" => &[
            "Next",
            "End",
            "Seconds",
            "SecondsPath",
            "Timestamp",
            "TimestampPath",
            "InputPath",
            "OutputPath",
            "Assign",
            "Output",
        ],
        "Succeed" => &["InputPath", "OutputPath", "Output"],
        "Fail" => &["Error", "ErrorPath", "Cause", "CausePath"],
        "Parallel" => &[
            "Next",
            "End",
            "Branches",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
            "Arguments",
            "Output",
            "Assign",
        ],
        "Map" => &[
            "Next",
            "End",
            "Iterator",
            "ItemProcessor",
            "ItemsPath",
            "Items",
            "ItemSelector",
            "Parameters",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "ResultSelector",
            "Retry",
            "Catch",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "Label",
            "Arguments",
            "Output",
            "Assign",
        ],
        _ => &[],
    }
}

/// JSONPath-only fields, refused in JSONata states.
const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "ResultPath",
    "Parameters",
    "ResultSelector",
    "ItemsPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
];
/// JSONata-only fields, refused in JSONPath states.
const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items"];

/// The state names a machine's transitions may target, with their ids.
type Names = HashMap<String, StateId>;

impl Parser {
    fn push(&mut self, code: Code, message: String, location: Option<String>) {
        self.diags.push(Diagnostic {
            code,
            message,
            location,
        });
    }

    fn schema(&mut self, loc: &str, message: String) {
        let loc = if loc.is_empty() { "/" } else { loc };
        self.push(Code::SchemaValidationFailed, message, Some(loc.to_owned()));
    }

    fn check_fields(&mut self, obj: &JsonMap<String, Value>, allowed: &[&str], loc: &str) {
        for key in obj.keys() {
            if !allowed.contains(&key.as_str()) {
                self.schema(loc, format!("Field '{key}' is not supported"));
            }
        }
    }

    /// [`Self::check_fields`]; whether every field was allowed.
    fn fields_allowed(
        &mut self,
        obj: &JsonMap<String, Value>,
        allowed: &[&str],
        loc: &str,
    ) -> bool {
        let before = self.diags.len();
        self.check_fields(obj, allowed, loc);
        self.diags.len() == before
    }

    /// A `QueryLanguage` field. As on AWS, only `JSONPath` exactly is
    /// JSONPath: any other value is reported and taken for JSONata.
    fn query_language(&mut self, v: &Value, loc: &str) -> QueryLanguage {
        match v {
            Value::String(s) if s == "JSONPath" => QueryLanguage::JsonPath,
            Value::String(s) if s == "JSONata" => QueryLanguage::Jsonata,
            Value::String(_) => {
                self.schema(
                    loc,
                    "Value should be one of the following: [JSONPath, JSONata]".into(),
                );
                QueryLanguage::Jsonata
            }
            _ => {
                self.schema(loc, "Expected value of type [STRING]".into());
                QueryLanguage::Jsonata
            }
        }
    }

    /// A field of the other query language than the state's, at the state.
    fn other_language_field(&mut self, loc: &str, field: &str, ql: QueryLanguage) {
        let (is, other) = match ql {
            QueryLanguage::JsonPath => ("JSONPath", "JSONata"),
            QueryLanguage::Jsonata => ("JSONata", "JSONPath"),
        };
        self.schema(
            loc,
            format!("The QueryLanguage is set to '{is}', but field '{field}' is only supported for the '{other}' QueryLanguage"),
        );
    }

    /// Parse one `StartAt` + `States` block at `loc` (the location of the
    /// object holding them; "" for the top level).
    fn machine(
        &mut self,
        obj: &JsonMap<String, Value>,
        loc: &str,
        parent: Option<(MachineId, StateId)>,
        ql: QueryLanguage,
    ) -> MachineId {
        let id = self.machines.len() as MachineId;
        self.machines.push(Machine {
            start_at: 0,
            states: Vec::new(),
            parent,
        });
        let mut missing = Vec::new();
        let states_obj = match obj.get("States") {
            Some(Value::Object(m)) => Some(m),
            Some(_) => {
                self.schema(
                    &format!("{loc}/States"),
                    "The field 'States' must be an object".into(),
                );
                None
            }
            None => {
                missing.push("States");
                None
            }
        };
        if !obj.contains_key("StartAt") {
            missing.push("StartAt");
        }
        // Without a `StartAt` naming a state (right or wrong), AWS says
        // only that: it does not call every state unreachable.
        let start_named = matches!(obj.get("StartAt"), Some(Value::String(_)));
        if !missing.is_empty() {
            self.schema(
                loc,
                format!("These fields are required: [{}]", missing.join(", ")),
            );
        }
        let Some(states_obj) = states_obj else {
            self.incomplete = true;
            return id;
        };
        if states_obj.is_empty() {
            self.schema(
                &format!("{loc}/States"),
                "The field 'States' must not be empty".into(),
            );
        }
        let names: Names = states_obj
            .keys()
            .enumerate()
            .map(|(i, k)| (k.clone(), i as StateId))
            .collect();
        // Before the states' own diagnostics, as AWS orders them.
        let start_at = match obj.get("StartAt") {
            Some(Value::String(s)) => match names.get(s) {
                Some(&sid) => Some(sid),
                None => {
                    self.push(
                        Code::MissingTransitionTarget,
                        format!("Missing 'Next' target: {s}"),
                        Some(format!("{loc}/StartAt")),
                    );
                    None
                }
            },
            Some(_) => {
                self.schema(
                    &format!("{loc}/StartAt"),
                    "The field 'StartAt' must be a string".into(),
                );
                None
            }
            None => None,
        };
        // What the definition says ends it: a transition to no state does
        // not (AWS reports both the target and the missing end).
        let has_terminal = states_obj.values().any(|v| {
            matches!(
                v.get("Type").and_then(Value::as_str),
                Some("Succeed" | "Fail")
            ) || v.get("End") == Some(&Value::Bool(true))
        });
        let mut states = Vec::with_capacity(states_obj.len());
        for (name, value) in states_obj {
            let sloc = format!("{loc}/States/{name}");
            if !self.state_names.insert(name.clone()) {
                self.push(
                    Code::DuplicateStateName,
                    format!("Duplicate State name: {name}"),
                    Some(sloc.clone()),
                );
            }
            if name.chars().count() > MAX_STATE_NAME_CHARS {
                self.push(
                    Code::InvalidStateName,
                    format!(
                        "Invalid State name: State '{name}' exceeds the \
                         {MAX_STATE_NAME_CHARS}-character limit allowed by the service"
                    ),
                    Some(sloc.clone()),
                );
            }
            let sid = states.len() as StateId;
            states.push(self.state(name, value, &sloc, &names, (id, sid), ql));
        }
        match states.into_iter().collect::<Option<Vec<State>>>() {
            Some(states) => {
                if !states.is_empty() {
                    // AWS asks only the whole workflow for an end: an
                    // iteration or branch that never ends runs until the
                    // execution times out.
                    if parent.is_none() && !has_terminal {
                        self.push(
                            Code::MissingEndState,
                            "Workflow has no terminal state".into(),
                            None,
                        );
                    } else if start_named {
                        self.check_reachable(&states, start_at, loc);
                    }
                }
                self.machines[id as usize].states = states;
            }
            // A state that did not compile must never leave a machine
            // without states behind an `Ok`: every check that gives up is
            // meant to say why, and this catches one that forgot.
            None if self.diags.is_empty() => {
                self.incomplete = true;
                self.schema(
                    &format!("{loc}/States"),
                    "A state could not be compiled".into(),
                );
            }
            None => self.incomplete = true,
        }
        self.incomplete |= start_at.is_none();
        self.machines[id as usize].start_at = start_at.unwrap_or(0);
        id
    }

    /// Every state must be reachable from `start` (none is, without one).
    fn check_reachable(&mut self, states: &[State], start: Option<StateId>, loc: &str) {
        let mut seen = vec![false; states.len()];
        let mut stack: Vec<StateId> = start.into_iter().collect();
        while let Some(s) = stack.pop() {
            let Some(flag) = seen.get_mut(s as usize) else {
                continue;
            };
            if std::mem::replace(flag, true) {
                continue;
            }
            let st = &states[s as usize];
            if let Transition::Next(n) = st.transition {
                stack.push(n);
            }
            if let StateKind::Choice(c) = &st.kind {
                stack.extend(c.choices.iter().map(|b| b.next));
                stack.extend(c.default);
            }
            stack.extend(st.catchers().iter().map(|c| c.next));
        }
        for (st, seen) in states.iter().zip(seen) {
            if !seen {
                self.push(
                    Code::MissingTransitionTarget,
                    format!("State \"{}\" is not reachable.", st.name),
                    Some(format!("{loc}/States/{}", st.name)),
                );
            }
        }
    }

    fn target(&mut self, v: &Value, names: &Names, loc: &str) -> Option<StateId> {
        let Some(s) = v.as_str() else {
            self.schema(loc, "The field 'Next' must be a string".into());
            return None;
        };
        match names.get(s) {
            Some(&id) => Some(id),
            None => {
                self.push(
                    Code::MissingTransitionTarget,
                    format!("Missing 'Next' target: {s}"),
                    Some(loc.to_owned()),
                );
                None
            }
        }
    }

    fn state(
        &mut self,
        name: &str,
        value: &Value,
        loc: &str,
        names: &Names,
        me: (MachineId, StateId),
        inherited: QueryLanguage,
    ) -> Option<State> {
        let Some(obj) = value.as_object() else {
            self.schema(loc, "A state must be a JSON object".into());
            return None;
        };
        let Some(ty) = obj.get("Type").and_then(Value::as_str) else {
            self.schema(loc, "These fields are required: [Type]".into());
            return None;
        };
        let allowed = allowed_fields(ty);
        if allowed.is_empty() {
            self.schema(
                &format!("{loc}/Type"),
                "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]".into(),
            );
            return None;
        }
        // The state's language: its own, else its machine's. A JSONata
        // machine's states are all JSONata; one that says JSONPath is
        // refused, and only that is said about it (AWS).
        let declared = obj.get("QueryLanguage");
        let ql = match declared {
            Some(Value::String(s)) if s == "JSONPath" && inherited == QueryLanguage::Jsonata => {
                self.schema(
                    loc,
                    "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine".into(),
                );
                None
            }
            // Reported below, after the fields.
            Some(v) => Some(match v.as_str() {
                Some("JSONPath") => QueryLanguage::JsonPath,
                _ => QueryLanguage::Jsonata,
            }),
            None => Some(inherited),
        };
        for key in obj.keys() {
            let k = key.as_str();
            if COMMON.contains(&k) {
                continue;
            }
            if !allowed.contains(&k) {
                self.schema(loc, format!("Field '{k}' is not supported"));
            } else if ql == Some(QueryLanguage::Jsonata) && JSONPATH_ONLY.contains(&k) {
                self.other_language_field(loc, k, QueryLanguage::Jsonata);
            } else if ql == Some(QueryLanguage::JsonPath) && JSONATA_ONLY.contains(&k) {
                self.other_language_field(loc, k, QueryLanguage::JsonPath);
            }
        }
        let ql = match (declared, ql) {
            (Some(v), Some(_)) => self.query_language(v, &format!("{loc}/QueryLanguage")),
            (_, ql) => ql.unwrap_or(QueryLanguage::Jsonata),
        };

        let terminal = matches!(ty, "Choice" | "Succeed" | "Fail");
        let transition = if terminal {
            Transition::End
        } else {
            match (obj.get("Next"), obj.get("End")) {
                (Some(n), None) => self
                    .target(n, names, &format!("{loc}/Next"))
                    .map_or(Transition::End, Transition::Next),
                (None, Some(Value::Bool(true))) => Transition::End,
                (Some(_), Some(_)) => {
                    self.schema(
                        loc,
                        "There should only be one of the following fields: [Next, End]".into(),
                    );
                    Transition::End
                }
                _ => {
                    self.schema(
                        loc,
                        "This object should have only one of the following fields: [Next, End]"
                            .into(),
                    );
                    Transition::End
                }
            }
        };

        let io = self.io(obj, loc, ql);
        let assign = obj.get("Assign").and_then(|v| self.assign(v, loc, ql));
        let kind = match ty {
            "Pass" => StateKind::Pass(Pass {
                result: obj.get("Result").cloned(),
            }),
            "Task" => StateKind::Task(Box::new(self.task(obj, loc, names, ql)?)),
            "Choice" => StateKind::Choice(self.choice(obj, loc, names, ql)?),
            "Wait" => StateKind::Wait(self.wait(obj, loc, ql)?),
            "Succeed" => StateKind::Succeed,
            "Fail" => StateKind::Fail(self.fail(obj, loc, ql)),
            "Parallel" => StateKind::Parallel(Box::new(self.parallel(obj, loc, names, me, ql)?)),
            "Map" => StateKind::Map(Box::new(self.map(obj, loc, names, me, ql)?)),
            _ => return None,
        };
        Some(State {
            name: name.to_owned(),
            comment: obj
                .get("Comment")
                .and_then(Value::as_str)
                .map(str::to_owned),
            query_language: ql,
            transition,
            io,
            assign,
            kind,
            uses_context: mentions_context(value),
        })
    }
}

/// Whether `$states` is used other than as `$states.input`, `.result` or
/// `.errorOutput`: `$states.context`, or `$states` whole (which holds the
/// context too), or any way this does not know.
fn states_context(s: &str) -> bool {
    s.match_indices("$states").any(|(i, m)| {
        let rest = &s[i + m.len()..];
        ![".input", ".result", ".errorOutput"]
            .iter()
            .any(|field| rest.starts_with(field))
    })
}

fn mentions_context(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("$$") || states_context(s),
        Value::Array(a) => a.iter().any(mentions_context),
        Value::Object(m) => m.values().any(mentions_context),
        _ => false,
    }
}
