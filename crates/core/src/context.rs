//! The context object (`$$` / `$states.context`) and variable scopes.

use serde_json::{json, Value};
use stepwell_jsonpath::Variables;

use crate::event::FrameId;
use crate::execution::Execution;

/// Milliseconds since the epoch as AWS writes timestamps in the context
/// object: `2024-01-31T12:00:00.123Z`.
pub fn iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Extra context that only some evaluations see.
#[derive(Default, Clone, Copy)]
pub(crate) struct ContextExtra<'a> {
    pub token: Option<&'a str>,
    pub map_item: Option<(u32, &'a Value)>,
}

/// Build the context object for the current state of frame `f`.
pub(crate) fn context_object(exec: &Execution, f: FrameId, extra: ContextExtra<'_>) -> Value {
    let info = &exec.info;
    let fr = exec.frame(f);
    let state = exec.state_of(f);
    let mut ctx = json!({
        "Execution": execution_object(
            &info.id,
            &info.input,
            iso8601(exec.start_time),
            &info.name,
            &info.role_arn,
            (!(info.express && info.sync)).then_some(exec.redrive_count),
            info.express,
        ),
        "StateMachine": {
            "Id": info.state_machine_id,
            "Name": info.state_machine_name,
        },
        "State": {
            "Name": exec.context_state_name.unwrap_or(&state.name),
            "EnteredTime": iso8601(fr.entered_at),
        },
    });
    if let Some((child, map_run)) = exec.child_execution(f) {
        // A Map Run's child is an execution of its own. An EXPRESS one is
        // started again rather than redriven: no redrive count.
        let c = exec.frame(child);
        let express = exec.is_express_child(child);
        let (name, arn) = crate::map_run::child_arn_of(map_run, c.index, express);
        let machine = crate::map_run::machine_arn(map_run);
        ctx["Execution"] = execution_object(
            &arn,
            c.first_input.as_deref().unwrap_or(&Value::Null),
            iso8601(c.created_at),
            &name,
            &info.role_arn,
            (!express).then_some(c.redrives),
            express,
        );
        let machine_name = machine.split(":stateMachine:").nth(1).unwrap_or_default();
        ctx["StateMachine"] = json!({ "Id": machine, "Name": machine_name });
    }
    if let Some(obj) = ctx.as_object_mut() {
        // Only states that can retry carry a retry count.
        if !state.retriers().is_empty()
            || matches!(
                state.kind,
                stepwell_asl::StateKind::Task(_)
                    | stepwell_asl::StateKind::Parallel(_)
                    | stepwell_asl::StateKind::Map(_)
            )
        {
            if let Some(Value::Object(s)) = obj.get_mut("State") {
                s.insert("RetryCount".into(), json!(fr.retry_count));
            }
        }
        if let Some(token) = extra.token {
            obj.insert("Task".into(), json!({ "Token": token }));
        }
        if let Some((index, value)) = extra.map_item {
            obj.insert(
                "Map".into(),
                json!({ "Item": { "Index": index, "Value": value } }),
            );
        }
    }
    if let Some(over) = &exec.context_override {
        return given_context(over, extra);
    }
    ctx
}

/// `$$.Execution`, its keys in AWS's order, which `States.JsonToString($$)`
/// and hashes over it see. Recorded (`test_query_context_object_values`,
/// `test_query_runtime_memory` sync and async): a STANDARD execution's is
/// `Id, Input, StartTime, Name, RoleArn, RedriveCount`; an EXPRESS one's
/// `Id, Input, Name, RoleArn, StartTime`, then `RedriveCount` (0) unless
/// it was started with StartSyncExecution.
fn execution_object(
    id: &str,
    input: &Value,
    start_time: String,
    name: &str,
    role_arn: &str,
    redrive_count: Option<u32>,
    express: bool,
) -> Value {
    let mut e = serde_json::Map::with_capacity(6);
    e.insert("Id".into(), json!(id));
    e.insert("Input".into(), input.clone());
    if !express {
        e.insert("StartTime".into(), json!(start_time));
    }
    e.insert("Name".into(), json!(name));
    // No role (TestState without `roleArn`): AWS shows null.
    let role = (!role_arn.is_empty()).then_some(role_arn);
    e.insert("RoleArn".into(), json!(role));
    if express {
        e.insert("StartTime".into(), json!(start_time));
    }
    if let Some(count) = redrive_count {
        e.insert("RedriveCount".into(), json!(count));
    }
    Value::Object(e)
}

/// TestState's `context`: it replaces the context object whole, as AWS
/// answers (recorded: `{}` gives `$$` = `{}`; `{"Execution": {}, "State":
/// {}, "StateMachine": {}}` comes back as exactly that). The request may
/// not give `Map`, so a Map's item (for its ItemSelector) is added; a
/// `.waitForTaskToken` Task keeps the token it generated when the request
/// gives no `Task`.
/// DIFFERENCE: AWS's recordings show only a given `Task.Token` used; what
/// `$$.Task.Token` is without one is not recorded.
fn given_context(over: &Value, extra: ContextExtra<'_>) -> Value {
    let mut ctx = over.clone();
    if let Some(obj) = ctx.as_object_mut() {
        if let Some(token) = extra.token {
            obj.entry("Task")
                .or_insert_with(|| json!({ "Token": token }));
        }
        if let Some((index, value)) = extra.map_item {
            obj.insert(
                "Map".into(),
                json!({ "Item": { "Index": index, "Value": value } }),
            );
        }
    }
    ctx
}

/// The variables visible from a frame: its own, then those of the scopes
/// around it (the frames of the Parallel and Map states it runs in).
///
/// AWS ("Passing data between states with variables", Variable scope):
/// "Parallel branches and Map iterations can access variable values from
/// outer scopes, but they do not have access to variable values from other
/// concurrent branches or iterations." and "Exception: Distributed Map states
/// cannot currently reference variables in outer scopes." A sibling branch is
/// never on the parent chain, and the walk stops at a Distributed Map's
/// iteration.
pub(crate) struct Scope<'a> {
    pub exec: &'a Execution,
    pub frame: FrameId,
}

impl Scope<'_> {
    /// The frame whose variables come next after `f`'s own, if `f` sees any.
    fn outer(&self, f: FrameId) -> Option<FrameId> {
        let fr = self.exec.frame(f);
        if self.exec.plan.sees_outer_variables(fr.machine) {
            fr.parent
        } else {
            None
        }
    }

    /// Whether `name` is a variable of a scope around this frame (not of
    /// the frame itself).
    pub fn is_outer(&self, name: &str) -> bool {
        match self.outer(self.frame) {
            Some(p) => Scope {
                exec: self.exec,
                frame: p,
            }
            .get(name)
            .is_some(),
            None => false,
        }
    }
}

impl Variables for Scope<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        let mut f = Some(self.frame);
        while let Some(id) = f {
            if let Some(v) = self.exec.frame(id).vars.get(name) {
                return Some(v);
            }
            f = self.outer(id);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_timestamps() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
