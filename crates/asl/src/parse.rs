//! JSON value -> [`StateMachine`], collecting every diagnostic on the way.

use std::collections::HashMap;

use serde_json::{Map as JsonMap, Value};
use stepwell_jsonata::Expression;
use stepwell_jsonpath::{Path, PathOrIntrinsic, Template};

use crate::diag::{Code, Diagnostic};
use crate::model::*;
use crate::resources::check_resource;
use crate::timestamp::is_rfc3339;
use crate::variables::check_variable_name;

/// What the definition is checked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// An EXPRESS state machine (no activities, `.sync` or callbacks).
    pub express: bool,
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
        p.schema("/", "The definition must be a JSON object".into());
        return Err(p.diags);
    };
    let query_language = match obj.get("QueryLanguage") {
        None => QueryLanguage::JsonPath,
        Some(v) => p.query_language(v, "/QueryLanguage"),
    };
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
    let timeout_seconds = obj
        .get("TimeoutSeconds")
        .and_then(|v| p.positive_int(v, "TimeoutSeconds", "/"));
    let comment = obj
        .get("Comment")
        .and_then(Value::as_str)
        .map(str::to_owned);
    p.machine(obj, "", None, query_language);
    if p.diags.is_empty() {
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
}

/// Fields every state type accepts.
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

    fn query_language(&mut self, v: &Value, loc: &str) -> QueryLanguage {
        match v.as_str() {
            Some("JSONPath") => QueryLanguage::JsonPath,
            Some("JSONata") => QueryLanguage::Jsonata,
            _ => {
                self.schema(
                    loc,
                    "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]"
                        .into(),
                );
                QueryLanguage::JsonPath
            }
        }
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
        if !obj.contains_key("StartAt") {
            missing.push("StartAt");
        }
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
        if !missing.is_empty() {
            self.schema(
                loc,
                format!("These fields are required: [{}]", missing.join(", ")),
            );
        }
        let Some(states_obj) = states_obj else {
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
        let mut states = Vec::with_capacity(states_obj.len());
        for (name, value) in states_obj {
            let sloc = format!("{loc}/States/{name}");
            let sid = states.len() as StateId;
            states.push(self.state(name, value, &sloc, &names, (id, sid), ql));
        }
        let start_at = match obj.get("StartAt") {
            Some(Value::String(s)) => match names.get(s) {
                Some(&sid) => sid,
                None => {
                    self.push(
                        Code::MissingTransitionTarget,
                        format!("Missing 'Next' target: {s}"),
                        Some(format!("{loc}/StartAt")),
                    );
                    0
                }
            },
            Some(_) => {
                self.schema(
                    &format!("{loc}/StartAt"),
                    "The field 'StartAt' must be a string".into(),
                );
                0
            }
            None => 0,
        };
        match states.into_iter().collect::<Option<Vec<State>>>() {
            Some(states) => {
                if !states.is_empty() {
                    self.check_graph(&states, start_at, loc);
                }
                self.machines[id as usize].states = states;
            }
            // A state that did not compile must never leave a machine
            // without states behind an `Ok`: every check that gives up is
            // meant to say why, and this catches one that forgot.
            None if self.diags.is_empty() => {
                self.schema(
                    &format!("{loc}/States"),
                    "A state could not be compiled".into(),
                );
            }
            None => {}
        }
        self.machines[id as usize].start_at = start_at;
        id
    }

    /// Terminal-state and reachability checks, as AWS orders them.
    fn check_graph(&mut self, states: &[State], start: StateId, loc: &str) {
        let has_terminal = states.iter().any(|s| {
            matches!(s.kind, StateKind::Succeed | StateKind::Fail(_))
                || s.transition == Transition::End
        });
        if !has_terminal {
            self.push(
                Code::MissingEndState,
                "Workflow has no terminal state".into(),
                None,
            );
            return;
        }
        let mut seen = vec![false; states.len()];
        let mut stack = vec![start];
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
        let ql = match obj.get("QueryLanguage") {
            Some(v) => self.query_language(v, &format!("{loc}/QueryLanguage")),
            None => inherited,
        };
        if inherited == QueryLanguage::Jsonata && ql == QueryLanguage::JsonPath {
            self.schema(
                &format!("{loc}/QueryLanguage"),
                "A JSONPath state cannot be used inside a JSONata state machine".into(),
            );
        }
        for key in obj.keys() {
            let k = key.as_str();
            if COMMON.contains(&k) {
                continue;
            }
            if !allowed.contains(&k) {
                self.schema(loc, format!("Field '{k}' is not supported"));
            } else if ql == QueryLanguage::Jsonata && JSONPATH_ONLY.contains(&k) {
                self.schema(
                    loc,
                    format!("The field '{k}' is not supported for the JSONata query language"),
                );
            } else if ql == QueryLanguage::JsonPath && JSONATA_ONLY.contains(&k) {
                self.schema(
                    loc,
                    format!("The field '{k}' is not supported for the JSONPath query language"),
                );
            }
        }

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
                        "Only one of the fields 'Next' and 'End' may be present".into(),
                    );
                    Transition::End
                }
                _ => {
                    self.schema(loc, "These fields are required: [Next or End]".into());
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

    fn io(&mut self, obj: &JsonMap<String, Value>, loc: &str, ql: QueryLanguage) -> Io {
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

    fn opt_path(&mut self, v: Option<&Value>, field: &str, loc: &str, reference: bool) -> OptPath {
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

    fn path(&mut self, v: &Value, field: &str, loc: &str) -> Option<Path> {
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

    fn template(&mut self, v: &Value, field: &str, loc: &str) -> Option<Template> {
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
    fn assign(&mut self, v: &Value, loc: &str, ql: QueryLanguage) -> Option<Assign> {
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

    fn jsonata_template(&mut self, v: &Value, loc: &str) -> JsonataTemplate {
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

    fn expr(&mut self, src: &str, loc: &str) -> Option<Expr> {
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

    fn positive_int(&mut self, v: &Value, field: &str, loc: &str) -> Option<u64> {
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
    fn dynamic_u64(
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

    fn dynamic_f64(
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

    fn task(
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

    fn retriers(&mut self, obj: &JsonMap<String, Value>, loc: &str) -> Vec<Retrier> {
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

    fn catchers(
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

    fn choice(
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
        let extra: &[&str] = if top {
            &["Next", "Comment", "Assign", "Output"]
        } else {
            &["Comment"]
        };
        if ql == QueryLanguage::Jsonata {
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

    fn wait(&mut self, obj: &JsonMap<String, Value>, loc: &str, ql: QueryLanguage) -> Option<Wait> {
        let present: Vec<&str> = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]
            .into_iter()
            .filter(|k| obj.contains_key(*k))
            .collect();
        if present.len() != 1 {
            self.schema(
                loc,
                "Exactly one of the fields 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath' must be present".into(),
            );
            return None;
        }
        if obj.contains_key("Seconds") || obj.contains_key("SecondsPath") {
            return self
                .dynamic_u64(obj, "Seconds", loc, ql, true)
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
                .path(v, "TimestampPath", loc)
                .map(|p| Wait::Timestamp(Dynamic::Path(p))),
            (None, None) => None,
        }
    }

    fn fail(&mut self, obj: &JsonMap<String, Value>, loc: &str, ql: QueryLanguage) -> Fail {
        let field = |p: &mut Self, name: &str| -> Option<FailField> {
            let path_name = format!("{name}Path");
            match (obj.get(name), obj.get(&path_name)) {
                (Some(_), Some(_)) => {
                    p.schema(
                        loc,
                        format!("Only one of the fields '{name}' and '{path_name}' may be present"),
                    );
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

    fn sub_machine(
        &mut self,
        v: &Value,
        loc: &str,
        me: (MachineId, StateId),
        ql: QueryLanguage,
    ) -> Option<MachineId> {
        match v.as_object() {
            Some(o) => {
                let ql = match o.get("QueryLanguage") {
                    Some(q) => self.query_language(q, &format!("{loc}/QueryLanguage")),
                    None => ql,
                };
                Some(self.machine(o, loc, Some(me), ql))
            }
            None => {
                self.schema(loc, "The field must be a JSON object".into());
                None
            }
        }
    }

    fn parallel(
        &mut self,
        obj: &JsonMap<String, Value>,
        loc: &str,
        names: &Names,
        me: (MachineId, StateId),
        ql: QueryLanguage,
    ) -> Option<Parallel> {
        let Some(list) = obj.get("Branches").and_then(Value::as_array) else {
            self.schema(loc, "These fields are required: [Branches]".into());
            return None;
        };
        let mut branches = Vec::new();
        for (i, b) in list.iter().enumerate() {
            branches.push(self.sub_machine(b, &format!("{loc}/Branches[{i}]"), me, ql)?);
        }
        Some(Parallel {
            branches,
            retry: self.retriers(obj, loc),
            catch: self.catchers(obj, loc, names, ql),
        })
    }

    fn map(
        &mut self,
        obj: &JsonMap<String, Value>,
        loc: &str,
        names: &Names,
        me: (MachineId, StateId),
        ql: QueryLanguage,
    ) -> Option<Map> {
        let (proc_value, proc_loc) = match (obj.get("ItemProcessor"), obj.get("Iterator")) {
            (Some(p), None) => (p, format!("{loc}/ItemProcessor")),
            (None, Some(p)) => (p, format!("{loc}/Iterator")),
            (Some(_), Some(_)) => {
                self.schema(
                    loc,
                    "Only one of the fields 'ItemProcessor' and 'Iterator' may be present".into(),
                );
                return None;
            }
            (None, None) => {
                self.schema(loc, "These fields are required: [ItemProcessor]".into());
                return None;
            }
        };
        let distributed = proc_value
            .pointer("/ProcessorConfig/Mode")
            .and_then(Value::as_str)
            == Some("DISTRIBUTED");
        let execution_type = match proc_value.pointer("/ProcessorConfig/ExecutionType") {
            None => ExecutionType::Standard,
            Some(Value::String(t)) if t == "STANDARD" => ExecutionType::Standard,
            Some(Value::String(t)) if t == "EXPRESS" => ExecutionType::Express,
            Some(other) => {
                self.schema(
                    &format!("{proc_loc}/ProcessorConfig/ExecutionType"),
                    format!("expected STANDARD or EXPRESS, found {other}"),
                );
                ExecutionType::Standard
            }
        };
        let processor = self.sub_machine(proc_value, &proc_loc, me, ql)?;
        let (item_selector, item_selector_jsonata) = match ql {
            QueryLanguage::JsonPath => {
                let sel = match (obj.get("ItemSelector"), obj.get("Parameters")) {
                    (Some(v), None) => self.template(v, "ItemSelector", loc),
                    (None, Some(v)) => self.template(v, "Parameters", loc),
                    (Some(_), Some(_)) => {
                        self.schema(
                            loc,
                            "Only one of the fields 'ItemSelector' and 'Parameters' may be present"
                                .into(),
                        );
                        None
                    }
                    (None, None) => None,
                };
                (sel, None)
            }
            QueryLanguage::Jsonata => (
                None,
                obj.get("ItemSelector")
                    .map(|v| self.jsonata_template(v, &format!("{loc}/ItemSelector"))),
            ),
        };
        let items_path = self.opt_path(obj.get("ItemsPath"), "ItemsPath", loc, false);
        let items = match ql {
            QueryLanguage::Jsonata => obj
                .get("Items")
                .map(|v| self.jsonata_template(v, &format!("{loc}/Items"))),
            QueryLanguage::JsonPath => None,
        };
        Some(Map {
            processor,
            distributed,
            execution_type,
            items_path,
            items,
            item_selector,
            item_selector_jsonata,
            max_concurrency: self.dynamic_u64(obj, "MaxConcurrency", loc, ql, true),
            tolerated_failure_count: self.dynamic_f64(obj, "ToleratedFailureCount", loc, ql),
            tolerated_failure_percentage: self.dynamic_f64(
                obj,
                "ToleratedFailurePercentage",
                loc,
                ql,
            ),
            item_reader: obj
                .get("ItemReader")
                .and_then(|v| self.item_reader(v, loc, ql, distributed)),
            item_batcher: obj
                .get("ItemBatcher")
                .and_then(|v| self.item_batcher(v, loc, ql, distributed)),
            result_writer: obj
                .get("ResultWriter")
                .and_then(|v| self.result_writer(v, loc, ql, distributed)),
            label: obj.get("Label").and_then(Value::as_str).map(str::to_owned),
            retry: self.retriers(obj, loc),
            catch: self.catchers(obj, loc, names, ql),
        })
    }
}

impl Parser {
    /// The object of `field`, a field only a Distributed Map has, and its
    /// location; `None` (with the diagnostic) when the Map is inline or the
    /// field is no object.
    fn distributed_field<'v>(
        &mut self,
        v: &'v Value,
        loc: &str,
        field: &str,
        distributed: bool,
    ) -> Option<(&'v JsonMap<String, Value>, String)> {
        let floc = format!("{loc}/{field}");
        if !distributed {
            self.schema(
                &floc,
                format!("The field '{field}' is only supported for a Map state whose ProcessorConfig Mode is DISTRIBUTED"),
            );
            return None;
        }
        let Some(obj) = v.as_object() else {
            self.schema(&floc, format!("The field '{field}' must be an object"));
            return None;
        };
        Some((obj, floc))
    }

    /// A Map's `ResultWriter` (at `loc`, the Map state's location).
    ///
    /// AWS ("ResultWriter (Map)"): `Resource` is
    /// `arn:aws:states:::s3:putObject`, `Parameters` (JSONPath) or
    /// `Arguments` (JSONata) give `Bucket` and `Prefix`; `WriterConfig`
    /// holds `Transformation` (NONE, COMPACT, FLATTEN) and `OutputType`
    /// (JSON, JSONL). The field cannot be empty: `WriterConfig`, or
    /// `Resource` with `Parameters`, or all three. AWS documents it for the
    /// Distributed Map only; an inline Map naming it is refused.
    fn result_writer(
        &mut self,
        v: &Value,
        loc: &str,
        ql: QueryLanguage,
        distributed: bool,
    ) -> Option<ResultWriter> {
        let (obj, wloc) = self.distributed_field(v, loc, "ResultWriter", distributed)?;
        let params_field = match ql {
            QueryLanguage::JsonPath => "Parameters",
            QueryLanguage::Jsonata => "Arguments",
        };
        for key in obj.keys() {
            match (key.as_str(), ql) {
                ("Resource" | "WriterConfig", _)
                | ("Parameters", QueryLanguage::JsonPath)
                | ("Arguments", QueryLanguage::Jsonata) => {}
                ("Parameters", QueryLanguage::Jsonata) | ("Arguments", QueryLanguage::JsonPath) => {
                    let lang = match ql {
                        QueryLanguage::Jsonata => "JSONata",
                        QueryLanguage::JsonPath => "JSONPath",
                    };
                    self.schema(
                        &wloc,
                        format!("The field '{key}' is not supported for the {lang} query language"),
                    );
                }
                _ => self.schema(&wloc, format!("Field '{key}' is not supported")),
            }
        }
        let export = obj.contains_key("Resource");
        match obj.get("Resource") {
            None => {}
            Some(Value::String(s)) if s == RESULT_WRITER_RESOURCE => {}
            Some(other) => self.schema(
                &format!("{wloc}/Resource"),
                format!(
                    "The ResultWriter resource {other} is not supported: expected {RESULT_WRITER_RESOURCE}"
                ),
            ),
        }
        let has_params = obj.contains_key(params_field);
        if export && !has_params {
            self.schema(
                &wloc,
                format!("These fields are required: [{params_field}] (with the field 'Resource')"),
            );
        } else if has_params && !export {
            self.schema(
                &wloc,
                format!("These fields are required: [Resource] (with the field '{params_field}')"),
            );
        } else if !export && !obj.contains_key("WriterConfig") {
            self.schema(
                &wloc,
                format!("The field 'ResultWriter' cannot be empty: it needs WriterConfig, or Resource and {params_field}, or all three"),
            );
        }
        let parameters = match ql {
            QueryLanguage::JsonPath => obj
                .get("Parameters")
                .and_then(|p| self.template(p, "Parameters", &wloc))
                .map(ReaderParameters::JsonPath),
            QueryLanguage::Jsonata => obj.get("Arguments").map(|a| {
                ReaderParameters::Jsonata(self.jsonata_template(a, &format!("{wloc}/Arguments")))
            }),
        };
        let cloc = format!("{wloc}/WriterConfig");
        let mut transformation = if export {
            WriterTransformation::None
        } else {
            WriterTransformation::Compact
        };
        let mut output_type = WriterOutputType::Json;
        match obj.get("WriterConfig") {
            None => {}
            Some(Value::Object(c)) => {
                for key in c.keys() {
                    if key != "Transformation" && key != "OutputType" {
                        self.schema(&cloc, format!("Field '{key}' is not supported"));
                    }
                }
                let mut one_of = |field: &str, allowed: &[&str]| -> Option<String> {
                    let v = c.get(field)?;
                    match v.as_str() {
                        Some(s) if allowed.contains(&s) => Some(s.to_owned()),
                        _ => {
                            self.schema(
                                &format!("{cloc}/{field}"),
                                format!(
                                    "The value for the field '{field}' must be one of [{}], found {v}",
                                    allowed.join(", ")
                                ),
                            );
                            None
                        }
                    }
                };
                if let Some(t) = one_of("Transformation", &["NONE", "COMPACT", "FLATTEN"]) {
                    transformation = match t.as_str() {
                        "NONE" => WriterTransformation::None,
                        "COMPACT" => WriterTransformation::Compact,
                        _ => WriterTransformation::Flatten,
                    };
                }
                if let Some(t) = one_of("OutputType", &["JSON", "JSONL"]) {
                    if t == "JSONL" {
                        output_type = WriterOutputType::Jsonl;
                    }
                }
                // DIFFERENCE: AWS's examples always give both fields
                // together; a missing one takes its default here.
            }
            Some(_) => self.schema(&cloc, "The field 'WriterConfig' must be an object".into()),
        }
        if output_type == WriterOutputType::Jsonl && !export {
            self.schema(
                &format!("{cloc}/OutputType"),
                "The OutputType JSONL is only supported when the results are exported (with Resource and Parameters)".into(),
            );
        }
        Some(ResultWriter {
            export,
            parameters,
            transformation,
            output_type,
        })
    }

    /// A Map's `ItemBatcher` (at `loc`, the Map state's location).
    ///
    /// AWS ("ItemBatcher (Map)", and the States Language spec): an object
    /// with `MaxItemsPerBatch` / `MaxItemsPerBatchPath` (JSONPath only),
    /// `MaxInputBytesPerBatch` / `MaxInputBytesPerBatchPath` (JSONPath only;
    /// "up to 256 KiB") and an optional `BatchInput` (a payload template in
    /// JSONPath, JSON with `{% %}` expressions in JSONata); at least one of
    /// the limits, never a field together with its `...Path` twin. Limits
    /// given directly are positive integers; JSONata may give them as
    /// expressions. AWS documents `ItemBatcher` among the Distributed Map's
    /// fields only; an inline Map that names it is refused rather than
    /// running one iteration per item, which would silently not batch.
    fn item_batcher(
        &mut self,
        v: &Value,
        loc: &str,
        ql: QueryLanguage,
        distributed: bool,
    ) -> Option<ItemBatcher> {
        let (obj, bloc) = self.distributed_field(v, loc, "ItemBatcher", distributed)?;
        const LIMITS: [&str; 4] = [
            "MaxItemsPerBatch",
            "MaxItemsPerBatchPath",
            "MaxInputBytesPerBatch",
            "MaxInputBytesPerBatchPath",
        ];
        for key in obj.keys() {
            let k = key.as_str();
            if k != "BatchInput" && !LIMITS.contains(&k) {
                self.schema(&bloc, format!("Field '{k}' is not supported"));
            } else if ql == QueryLanguage::Jsonata && k.ends_with("Path") {
                self.schema(
                    &bloc,
                    format!("The field '{k}' is not supported for the JSONata query language"),
                );
            }
        }
        if !LIMITS.iter().any(|k| obj.contains_key(*k)) {
            let names = match ql {
                QueryLanguage::JsonPath => LIMITS.join(", "),
                QueryLanguage::Jsonata => "MaxItemsPerBatch, MaxInputBytesPerBatch".into(),
            };
            self.schema(
                &bloc,
                format!("At least one of these fields is required: [{names}]"),
            );
        }
        let max_items = self.dynamic_u64(obj, "MaxItemsPerBatch", &bloc, ql, false);
        let max_bytes = self.dynamic_u64(obj, "MaxInputBytesPerBatch", &bloc, ql, false);
        if let Some(Dynamic::Value(n)) = max_bytes {
            if n > MAX_INPUT_BYTES_PER_BATCH {
                self.schema(
                    &format!("{bloc}/MaxInputBytesPerBatch"),
                    format!(
                        "The field 'MaxInputBytesPerBatch' must be at most {MAX_INPUT_BYTES_PER_BATCH} (256 KiB)"
                    ),
                );
            }
        }
        let batch_input = obj.get("BatchInput").and_then(|b| match ql {
            QueryLanguage::JsonPath => self
                .template(b, "BatchInput", &bloc)
                .map(BatchInput::JsonPath),
            QueryLanguage::Jsonata => Some(BatchInput::Jsonata(
                self.jsonata_template(b, &format!("{bloc}/BatchInput")),
            )),
        });
        Some(ItemBatcher {
            max_items,
            max_bytes,
            batch_input,
        })
    }
}

impl Parser {
    /// A Map's `ItemReader` (at `loc`, the Map state's location).
    ///
    /// AWS ("ItemReader (Map)"): `Resource` is the S3 API the reader calls
    /// (`s3:getObject` for one object, `s3:listObjectsV2` for a prefix);
    /// `Parameters` (JSONPath) or `Arguments` (JSONata) name the bucket and
    /// key or prefix; `ReaderConfig` holds `InputType` (CSV, JSON, JSONL,
    /// PARQUET, MANIFEST), the CSV options (`CSVHeaderLocation` FIRST_ROW or
    /// GIVEN with `CSVHeaders`, `CSVDelimiter`), `ItemsPointer`,
    /// `Transformation`, `ManifestType` and `MaxItems` / `MaxItemsPath`
    /// (at most 100,000,000). AWS documents `ItemReader` for the Distributed
    /// Map only: an inline Map naming it is refused, as with `ItemBatcher`,
    /// rather than silently iterating over its input.
    fn item_reader(
        &mut self,
        v: &Value,
        loc: &str,
        ql: QueryLanguage,
        distributed: bool,
    ) -> Option<ItemReader> {
        let (obj, rloc) = self.distributed_field(v, loc, "ItemReader", distributed)?;
        for key in obj.keys() {
            match (key.as_str(), ql) {
                ("Resource" | "ReaderConfig", _)
                | ("Parameters", QueryLanguage::JsonPath)
                | ("Arguments", QueryLanguage::Jsonata) => {}
                ("Parameters", QueryLanguage::Jsonata) | ("Arguments", QueryLanguage::JsonPath) => {
                    let lang = match ql {
                        QueryLanguage::Jsonata => "JSONata",
                        QueryLanguage::JsonPath => "JSONPath",
                    };
                    self.schema(
                        &rloc,
                        format!("The field '{key}' is not supported for the {lang} query language"),
                    );
                }
                _ => self.schema(&rloc, format!("Field '{key}' is not supported")),
            }
        }
        let resource = match obj.get("Resource") {
            None => {
                self.schema(&rloc, "These fields are required: [Resource]".into());
                None
            }
            Some(Value::String(s)) if s == ReaderResource::GetObject.arn() => {
                Some(ReaderResource::GetObject)
            }
            Some(Value::String(s)) if s == ReaderResource::ListObjectsV2.arn() => {
                Some(ReaderResource::ListObjectsV2)
            }
            Some(other) => {
                self.schema(
                    &format!("{rloc}/Resource"),
                    format!(
                        "The ItemReader resource {other} is not supported: expected {} or {}",
                        ReaderResource::GetObject.arn(),
                        ReaderResource::ListObjectsV2.arn()
                    ),
                );
                None
            }
        };
        let parameters = match ql {
            QueryLanguage::JsonPath => obj
                .get("Parameters")
                .and_then(|p| self.template(p, "Parameters", &rloc))
                .map(ReaderParameters::JsonPath),
            QueryLanguage::Jsonata => obj.get("Arguments").map(|a| {
                ReaderParameters::Jsonata(self.jsonata_template(a, &format!("{rloc}/Arguments")))
            }),
        };
        let empty = JsonMap::new();
        let cloc = format!("{rloc}/ReaderConfig");
        let config_obj = match obj.get("ReaderConfig") {
            None => &empty,
            Some(Value::Object(o)) => o,
            Some(_) => {
                self.schema(&cloc, "The field 'ReaderConfig' must be an object".into());
                &empty
            }
        };
        let (config, max_items) = self.reader_config(config_obj, &cloc, ql, resource);
        if resource == Some(ReaderResource::GetObject) && config.input_type.is_none() {
            if obj.get("ReaderConfig").is_none() {
                self.schema(
                    &rloc,
                    "These fields are required: [ReaderConfig] (with the resource arn:aws:states:::s3:getObject)".into(),
                );
            } else if !config_obj.contains_key("InputType") {
                self.schema(&cloc, "These fields are required: [InputType]".into());
            }
        }
        Some(ItemReader {
            resource: resource?,
            parameters,
            config,
            max_items,
        })
    }

    fn reader_config(
        &mut self,
        obj: &JsonMap<String, Value>,
        cloc: &str,
        ql: QueryLanguage,
        resource: Option<ReaderResource>,
    ) -> (ReaderConfig, Option<Dynamic<u64>>) {
        const FIELDS: [&str; 9] = [
            "InputType",
            "CSVHeaderLocation",
            "CSVHeaders",
            "CSVDelimiter",
            "MaxItems",
            "MaxItemsPath",
            "ItemsPointer",
            "Transformation",
            "ManifestType",
        ];
        for key in obj.keys() {
            let k = key.as_str();
            if !FIELDS.contains(&k) {
                self.schema(cloc, format!("Field '{k}' is not supported"));
            } else if k == "MaxItemsPath" && ql == QueryLanguage::Jsonata {
                self.schema(
                    cloc,
                    format!("The field '{k}' is not supported for the JSONata query language"),
                );
            }
        }
        let mut config = ReaderConfig::default();
        let one_of = |this: &mut Self, field: &str, allowed: &[&str]| -> Option<String> {
            let v = obj.get(field)?;
            match v.as_str() {
                Some(s) if allowed.contains(&s) => Some(s.to_owned()),
                _ => {
                    this.schema(
                        &format!("{cloc}/{field}"),
                        format!(
                            "The value for the field '{field}' must be one of [{}], found {v}",
                            allowed.join(", ")
                        ),
                    );
                    None
                }
            }
        };
        config.input_type = one_of(
            self,
            "InputType",
            &["CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"],
        )
        .map(|s| match s.as_str() {
            "CSV" => InputType::Csv,
            "JSON" => InputType::Json,
            "JSONL" => InputType::Jsonl,
            "PARQUET" => InputType::Parquet,
            _ => InputType::Manifest,
        });
        if let Some(l) = one_of(self, "CSVHeaderLocation", &["FIRST_ROW", "GIVEN"]) {
            if l == "GIVEN" {
                config.csv_header_location = CsvHeaderLocation::Given;
            }
        }
        if let Some(d) = one_of(
            self,
            "CSVDelimiter",
            &["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"],
        ) {
            config.csv_delimiter = match d.as_str() {
                "PIPE" => CsvDelimiter::Pipe,
                "SEMICOLON" => CsvDelimiter::Semicolon,
                "SPACE" => CsvDelimiter::Space,
                "TAB" => CsvDelimiter::Tab,
                _ => CsvDelimiter::Comma,
            };
        }
        let csv = matches!(
            config.input_type,
            Some(InputType::Csv | InputType::Manifest)
        );
        for field in ["CSVHeaderLocation", "CSVDelimiter", "CSVHeaders"] {
            if obj.contains_key(field) && !csv {
                self.schema(
                    &format!("{cloc}/{field}"),
                    format!("The field '{field}' is only supported with the InputType CSV"),
                );
            }
        }
        match (obj.get("CSVHeaders"), config.csv_header_location) {
            (Some(Value::Array(a)), CsvHeaderLocation::Given)
                if !a.is_empty() && a.iter().all(Value::is_string) =>
            {
                config.csv_headers = a
                    .iter()
                    .filter_map(|h| h.as_str().map(str::to_owned))
                    .collect();
            }
            (Some(_), CsvHeaderLocation::Given) => self.schema(
                &format!("{cloc}/CSVHeaders"),
                "The field 'CSVHeaders' must be a non-empty array of strings".into(),
            ),
            (None, CsvHeaderLocation::Given) => self.schema(
                cloc,
                "These fields are required: [CSVHeaders] (with CSVHeaderLocation GIVEN)".into(),
            ),
            (Some(_), CsvHeaderLocation::FirstRow) if csv => self.schema(
                &format!("{cloc}/CSVHeaders"),
                "The field 'CSVHeaders' is only supported with CSVHeaderLocation GIVEN".into(),
            ),
            _ => {}
        }
        if let Some(p) = obj.get("ItemsPointer") {
            match p.as_str() {
                Some(s) if s.is_empty() || s.starts_with('/') => {
                    config.items_pointer = Some(s.to_owned());
                }
                _ => self.schema(
                    &format!("{cloc}/ItemsPointer"),
                    "The value for the field 'ItemsPointer' must be a JSON Pointer (empty, or starting with '/')".into(),
                ),
            }
            if config.input_type != Some(InputType::Json) {
                self.schema(
                    &format!("{cloc}/ItemsPointer"),
                    "The field 'ItemsPointer' is only supported with the InputType JSON".into(),
                );
            }
        }
        if let Some(t) = one_of(self, "Transformation", &["NONE", "LOAD_AND_FLATTEN"]) {
            config.load_and_flatten = t == "LOAD_AND_FLATTEN";
            if config.load_and_flatten && resource != Some(ReaderResource::ListObjectsV2) {
                self.schema(
                    &format!("{cloc}/Transformation"),
                    "The Transformation LOAD_AND_FLATTEN is only supported with the resource arn:aws:states:::s3:listObjectsV2".into(),
                );
            }
            if config.load_and_flatten && config.input_type.is_none() {
                self.schema(
                    cloc,
                    "These fields are required: [InputType] (with the Transformation LOAD_AND_FLATTEN)".into(),
                );
            }
        }
        config.manifest_type = one_of(self, "ManifestType", &["S3_INVENTORY", "ATHENA_DATA"]);
        if config.manifest_type.is_some() && config.input_type != Some(InputType::Manifest) {
            self.schema(
                &format!("{cloc}/ManifestType"),
                "The field 'ManifestType' is only supported with the InputType MANIFEST".into(),
            );
        }
        if resource == Some(ReaderResource::ListObjectsV2)
            && config.input_type.is_some()
            && !config.load_and_flatten
        {
            self.schema(
                &format!("{cloc}/InputType"),
                "The field 'InputType' is only supported with the resource arn:aws:states:::s3:listObjectsV2 when the Transformation is LOAD_AND_FLATTEN".into(),
            );
        }
        let max_items = self.dynamic_u64(obj, "MaxItems", cloc, ql, false);
        if let Some(Dynamic::Value(n)) = max_items {
            if n > MAX_READER_ITEMS {
                self.schema(
                    &format!("{cloc}/MaxItems"),
                    format!("The field 'MaxItems' must be at most {MAX_READER_ITEMS}"),
                );
            }
        }
        (config, max_items)
    }
}

/// The expression inside a whole-string `{% ... %}`, or `None` for a plain string.
pub fn jsonata_expression(s: &str) -> Option<&str> {
    s.strip_prefix("{%")?.strip_suffix("%}")
}

fn mentions_context(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("$$") || s.contains("$states.context"),
        Value::Array(a) => a.iter().any(mentions_context),
        Value::Object(m) => m.values().any(mentions_context),
        _ => false,
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
        "TimestampEquals" => C::TimestampEquals(string(v)?),
        "TimestampLessThan" => C::TimestampLessThan(string(v)?),
        "TimestampGreaterThan" => C::TimestampGreaterThan(string(v)?),
        "TimestampLessThanEquals" => C::TimestampLessThanEquals(string(v)?),
        "TimestampGreaterThanEquals" => C::TimestampGreaterThanEquals(string(v)?),
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
