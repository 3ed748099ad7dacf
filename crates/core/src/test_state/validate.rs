//! AWS's checks of a TestState request against the state it tests: the
//! `ValidationException` and `InvalidDefinition` answers (AWS's wording
//! where it is known).

use serde_json::Value;
use stepwell_asl::{StateKind, StateMachine};

use super::{parse_field, shapes, Refusal, Request};

/// AWS's checks of a request against the state it tests.
pub(super) fn check(
    req: &Request,
    plan: &StateMachine,
    st: &stepwell_asl::State,
) -> Result<(), Refusal> {
    let v = |m: &str| Err(Refusal::Validation(m.to_string()));
    let type_name = st.kind.type_name();
    let fan = matches!(st.kind, StateKind::Map(_) | StateKind::Parallel(_));
    let Some(mock) = &req.mock else {
        if fan {
            return Err(Refusal::Definition(
                "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]".into(),
            ));
        }
        if req.context.is_some() {
            // DIFFERENCE: our wording (AWS: "This field may only be
            // specified if a mock is specified in the same request").
            return v("The context may only be specified when a mock is specified.");
        }
        if let StateKind::Task(t) = &st.kind {
            let r = t.resource.as_str();
            if r.contains(":activity:")
                || r.ends_with(".sync")
                || r.contains(".sync:")
                || r.ends_with(".waitForTaskToken")
            {
                // DIFFERENCE: our wording; AWS supports these only mocked.
                return v("TestState supports Activity tasks and the .sync and .waitForTaskToken service integration patterns only when a mock is specified.");
            }
            if req.role_arn.as_deref().is_none_or(str::is_empty) {
                return v("RoleArn must be specified when testing a Task state");
            }
        }
        return check_configuration(req, plan, st);
    };
    if !matches!(st.kind, StateKind::Task(_)) && !fan {
        return Err(Refusal::Validation(format!(
            "State type '{type_name}' is not supported when a mock is specified"
        )));
    }
    if req.reveal_secrets {
        return v("TestState does not support RevealSecrets when a mock is specified.");
    }
    if mock.result.is_some() && mock.error_output.is_some() {
        return v(
            "A test mock should have only one of the following fields: [result, errorOutput].",
        );
    }
    if let Some(text) = &mock.result {
        let result = parse_field(text, "mock result")
            .map_err(|_| Refusal::Validation("Mocked result must be valid JSON".into()))?;
        match &st.kind {
            StateKind::Map(m) => {
                if m.result_writer.is_some() && !result.is_object() {
                    return v("Mocked result must be a JSON object.");
                }
                if m.result_writer.is_none() && !result.is_array() {
                    return v("Mocked result must be an array.");
                }
            }
            StateKind::Parallel(p) => match &result {
                Value::Array(a) if a.len() == p.branches.len() => {}
                Value::Array(_) => {
                    return v("Mocked result must contain the same number of items as number of Parallel branches.")
                }
                _ => return v("Mocked result must be an array."),
            },
            StateKind::Task(t) => {
                shapes::validate(&t.resource, &result, mock.field_validation)
                    .map_err(Refusal::Validation)?;
            }
            _ => {}
        }
    }
    check_configuration(req, plan, st)
}

/// `stateConfiguration` fields that do not apply to the tested state.
/// DIFFERENCE: AWS's wording for these is not documented; ours names the
/// field and what it needs.
fn check_configuration(
    req: &Request,
    plan: &StateMachine,
    st: &stepwell_asl::State,
) -> Result<(), Refusal> {
    let c = &req.configuration;
    let v = |m: String| Err(Refusal::Validation(m));
    let is_map = matches!(st.kind, StateKind::Map(_));
    let fan = is_map || matches!(st.kind, StateKind::Parallel(_));
    if c.retrier_retry_count.is_some() && st.retriers().is_empty() {
        return v(format!(
            "stateConfiguration.retrierRetryCount applies only to a state with a Retry field; state '{}' has none.",
            st.name
        ));
    }
    if let Some(inner) = &c.error_caused_by_state {
        let errored = req.mock.as_ref().is_some_and(|m| m.error_output.is_some());
        if !fan || !errored {
            return v("stateConfiguration.errorCausedByState applies only to a Map or Parallel state with a mocked errorOutput.".into());
        }
        if !contains_state(plan, inner) {
            return v(format!(
                "stateConfiguration.errorCausedByState names '{inner}', which is not a state inside the Map or Parallel state '{}'.",
                st.name
            ));
        }
    }
    if c.map_iteration_failure_count.is_some() && !is_map {
        return v(
            "stateConfiguration.mapIterationFailureCount applies only to a Map state.".into(),
        );
    }
    if c.map_item_reader_data.is_some() {
        let reads = matches!(&st.kind, StateKind::Map(m) if m.item_reader.is_some());
        if !reads {
            return v("stateConfiguration.mapItemReaderData applies only to a Map state with an ItemReader.".into());
        }
    }
    if let StateKind::Map(m) = &st.kind {
        if m.item_reader.is_some() && c.map_item_reader_data.is_none() {
            return v("TestState needs stateConfiguration.mapItemReaderData to test a Map state with an ItemReader.".into());
        }
    }
    Ok(())
}

/// Whether a state named `name` is nested in the machine (below the top).
fn contains_state(plan: &StateMachine, name: &str) -> bool {
    plan.machines
        .iter()
        .skip(1)
        .any(|m| m.states.iter().any(|s| s.name == name))
}

/// The kind of value a field of a given context object must hold.
#[derive(Clone, Copy)]
enum Kind {
    Any,
    String,
    Integer,
}

/// The fields a given context object may have, by section.
const CONTEXT_FIELDS: [(&str, &[(&str, Kind)]); 4] = [
    (
        "Execution",
        &[
            ("Id", Kind::String),
            ("Input", Kind::Any),
            ("Name", Kind::String),
            ("RoleArn", Kind::String),
            ("StartTime", Kind::String),
            ("RedriveCount", Kind::Integer),
        ],
    ),
    (
        "State",
        &[
            ("EnteredTime", Kind::String),
            ("Name", Kind::String),
            ("RetryCount", Kind::Integer),
        ],
    ),
    (
        "StateMachine",
        &[("Id", Kind::String), ("Name", Kind::String)],
    ),
    ("Task", &[("Token", Kind::String)]),
];

/// AWS's checks of the request's `context` (a JSON object) against the
/// context object's shape and the tested state. Recorded wording: an
/// unknown field, `Map`, `Execution.Id` not a string, and `Task` for a
/// state that has no task token or job.
/// DIFFERENCE: the wording for a section that is not an object and for a
/// count that is not an integer is ours, made like the recorded ones.
pub(super) fn check_context(ctx: &Value, st: &stepwell_asl::State) -> Result<(), Refusal> {
    let refuse = |m: String| {
        Err(Refusal::Validation(format!(
            "Invalid Context object provided: {m}"
        )))
    };
    let Value::Object(sections) = ctx else {
        return refuse("the context object must be a JSON object".into());
    };
    for (section, value) in sections {
        if section == "Map" {
            return refuse("'Map' field is not supported when mocking a Context object".into());
        }
        let Some((_, fields)) = CONTEXT_FIELDS.iter().find(|(s, _)| s == section) else {
            return refuse(format!("Field '{section}' is not allowed"));
        };
        let Value::Object(members) = value else {
            return refuse(format!("{section} must be an object"));
        };
        for (name, v) in members {
            let Some((_, kind)) = fields.iter().find(|(f, _)| f == name) else {
                return refuse(format!("Field '{name}' is not allowed"));
            };
            match kind {
                Kind::String if !v.is_string() => {
                    return refuse(format!("{section}.{name} must be a string"))
                }
                Kind::Integer if !(v.is_u64() || v.is_i64()) => {
                    return refuse(format!("{section}.{name} must be an integer"))
                }
                _ => {}
            }
        }
    }
    if sections.contains_key("Task") && !has_task_token_or_job(st) {
        return refuse("Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern".into());
    }
    Ok(())
}

/// A Task state with the `.sync` or `.waitForTaskToken` pattern.
fn has_task_token_or_job(st: &stepwell_asl::State) -> bool {
    match &st.kind {
        StateKind::Task(t) => {
            let r = t.resource.as_str();
            r.ends_with(".sync") || r.contains(".sync:") || r.ends_with(".waitForTaskToken")
        }
        _ => false,
    }
}
