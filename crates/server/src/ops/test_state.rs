//! TestState: run one state on its own, as AWS's TestState API does.
//!
//! The state is wrapped into a small machine: a Pass state that assigns
//! the request's `variables` (when given), the state itself, and a Succeed
//! stub for every state it may go to; the stub that is entered names
//! `nextState`, its input is the state's `output`. As on AWS, a Task needs a
//! `mock` (or a local backend that runs its resource), and a state is not
//! retried: an error a retrier matches gives `RETRIABLE`, one a catcher
//! takes gives `CAUGHT_ERROR` and the catcher's `nextState`.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use stepwell_core::{error_matches, EventKind, Execution, ExecutionInfo, Outcome, TaskRequest};
use stepwell_engine::{
    run_to_completion, LocalOptions, SplitMix, SystemClock, TaskOutcome, TaskRunner,
};

use crate::dispatch::TaskBackend;
use crate::protocol::{ApiError, Req};
use crate::runtime::Runtime;

/// The stub states a test machine needs: every transition target.
fn targets(state: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |v: Option<&Value>| {
        if let Some(Value::String(s)) = v {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
    };
    add(state.get("Next"));
    add(state.get("Default"));
    for key in ["Choices", "Catch"] {
        for item in state
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add(item.get("Next"));
        }
    }
    out
}

/// Answers the tested Task: the request's mock, else a local backend.
struct Runner {
    mock: Option<Value>,
    backend: Option<Arc<dyn TaskBackend>>,
    handle: tokio::runtime::Handle,
}

impl TaskRunner for Runner {
    fn run(&mut self, req: &TaskRequest) -> TaskOutcome {
        if let Some(mock) = &self.mock {
            if let Some(result) = mock.get("result").and_then(Value::as_str) {
                return match serde_json::from_str(result) {
                    Ok(v) => TaskOutcome::Succeeded(v),
                    Err(e) => TaskOutcome::Failed {
                        error: "States.Runtime".into(),
                        cause: format!("the mock result is not JSON: {e}"),
                    },
                };
            }
            if let Some(err) = mock.get("errorOutput") {
                return TaskOutcome::Failed {
                    error: err
                        .get("error")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .into(),
                    cause: err
                        .get("cause")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .into(),
                };
            }
        }
        if let Some(b) = self.backend.clone().filter(|b| b.handles(&req.resource)) {
            let fut = b.run(req.resource.clone(), req.payload.clone());
            return match self.handle.block_on(fut) {
                Ok(v) => TaskOutcome::Succeeded(v),
                Err((error, cause)) => TaskOutcome::Failed { error, cause },
            };
        }
        TaskOutcome::Failed {
            error: "States.Runtime".into(),
            cause: format!(
                "TestState cannot call {} here: give a 'mock' (result or errorOutput)",
                req.resource
            ),
        }
    }
}

struct Run {
    status: &'static str,
    output: Option<Value>,
    error: Option<(String, String)>,
    next: Option<String>,
    inspection: Map<String, Value>,
}

fn run_machine(
    machine: &Value,
    input: Value,
    runner: &mut Runner,
    tested: &str,
) -> Result<Run, ApiError> {
    let plan = stepwell_asl::from_value(machine).map_err(|d| {
        ApiError::new(
            "InvalidDefinition",
            stepwell_asl::invalid_definition_message(&d),
        )
    })?;
    let plan = Arc::new(plan);
    let info = ExecutionInfo {
        id: "arn:aws:states:us-east-1:123456789012:execution:TestState:test".into(),
        name: "test".into(),
        state_machine_id: "arn:aws:states:us-east-1:123456789012:stateMachine:TestState".into(),
        state_machine_name: "TestState".into(),
        role_arn: String::new(),
        input: Arc::new(input),
        express: false,
    };
    let mut exec = Execution::new(plan.clone(), info);
    let mut entropy = SplitMix::from_time();
    let history = run_to_completion(
        &mut exec,
        LocalOptions {
            runner,
            clock: &SystemClock,
            entropy: &mut entropy,
            wait_scale: 0.0,
            s3: None,
        },
    );
    let mut inspection = Map::new();
    let mut entered = Vec::new();
    for e in &history {
        match &e.kind {
            EventKind::StateEntered { state, input } => {
                let name = plan.top().state(*state).name.clone();
                if name == tested {
                    inspection.insert("input".into(), json!(input.to_string()));
                }
                entered.push(name);
            }
            EventKind::TaskScheduled { parameters, .. } => {
                inspection.insert("afterParameters".into(), json!(parameters.to_string()));
            }
            EventKind::TaskSucceeded { output, .. } => {
                inspection.insert("result".into(), json!(output.to_string()));
            }
            _ => {}
        }
    }
    let pos = entered.iter().position(|n| n == tested);
    let next = pos.and_then(|p| entered.get(p + 1)).cloned();
    Ok(match exec.outcome() {
        Some(Outcome::Succeeded(v)) => Run {
            status: "SUCCEEDED",
            output: Some((**v).clone()),
            error: None,
            next,
            inspection,
        },
        Some(Outcome::Failed(e)) => Run {
            status: "FAILED",
            output: None,
            error: Some((e.error.clone(), e.cause.clone())),
            next: None,
            inspection,
        },
        None => Run {
            status: "FAILED",
            output: None,
            error: Some(("States.Runtime".into(), "the state did not finish".into())),
            next: None,
            inspection,
        },
    })
}

pub async fn test_state(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let definition: Value = serde_json::from_str(req.str("definition")?).map_err(|e| {
        ApiError::new(
            "InvalidDefinition",
            format!("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {e}'"),
        )
    })?;
    let input: Value =
        serde_json::from_str(req.opt_str("input")?.unwrap_or("{}")).map_err(|e| {
            ApiError::new(
                "InvalidExecutionInput",
                format!("Invalid State Machine Execution Input: '{e}'"),
            )
        })?;
    let level = req.opt_str("inspectionLevel")?.unwrap_or("INFO");
    // A whole machine with `stateName`, or one state.
    let (name, state, query_language) = match req.opt_str("stateName")? {
        Some(n) => {
            let state = definition
                .get("States")
                .and_then(|s| s.get(n))
                .and_then(Value::as_object)
                .cloned()
                .ok_or_else(|| {
                    ApiError::new(
                        "ValidationException",
                        format!("State '{n}' is not in the definition"),
                    )
                })?;
            (
                n.to_string(),
                state,
                definition.get("QueryLanguage").cloned(),
            )
        }
        None => {
            let state = definition.as_object().cloned().ok_or_else(|| {
                ApiError::new("InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: the definition must be one state object'")
            })?;
            ("TestState".to_string(), state, None)
        }
    };
    let retry = state.get("Retry").cloned();
    let build = |keep_catch: bool| -> Value {
        let mut st = state.clone();
        st.remove("Retry");
        if !keep_catch {
            st.remove("Catch");
        }
        let mut states = Map::new();
        let mut start = name.clone();
        if let Some(vars) = req.opt_str("variables").ok().flatten() {
            if let Ok(Value::Object(v)) = serde_json::from_str::<Value>(vars) {
                states.insert(
                    "__Variables".into(),
                    json!({"Type": "Pass", "Assign": v, "Next": name}),
                );
                start = "__Variables".into();
            }
        }
        for t in targets(&st) {
            if t != name {
                states.insert(t, json!({"Type": "Succeed"}));
            }
        }
        states.insert(name.clone(), Value::Object(st));
        let mut m = json!({"StartAt": start, "States": states});
        if let Some(q) = &query_language {
            m["QueryLanguage"] = q.clone();
        }
        m
    };
    let (bare_machine, catch_machine) = (build(false), build(true));
    let has_catch = state.contains_key("Catch");
    let mock = req.get("mock").cloned();
    let backend = rt.lambda.clone();
    let handle = tokio::runtime::Handle::current();
    let tested = name.clone();
    let input2 = input.clone();
    let result = tokio::task::spawn_blocking(move || -> Result<Run, ApiError> {
        let mut runner = Runner {
            mock,
            backend,
            handle,
        };
        let bare = run_machine(&bare_machine, input2.clone(), &mut runner, &tested)?;
        let Some((error, cause)) = bare.error.clone() else {
            return Ok(bare);
        };
        // No retries in TestState: a matching retrier makes it RETRIABLE.
        let retriable = retry
            .iter()
            .flat_map(|r| r.as_array().into_iter().flatten())
            .any(|r| {
                let equals: Vec<String> = r
                    .get("ErrorEquals")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let attempts = r.get("MaxAttempts").and_then(Value::as_u64).unwrap_or(3);
                attempts > 0 && error != "States.Runtime" && error_matches(&equals, &error)
            });
        if retriable {
            return Ok(Run {
                status: "RETRIABLE",
                ..bare
            });
        }
        if has_catch {
            let caught = run_machine(&catch_machine, input2, &mut runner, &tested)?;
            if caught.error.is_none() {
                return Ok(Run {
                    status: "CAUGHT_ERROR",
                    error: Some((error, cause)),
                    ..caught
                });
            }
            return Ok(caught);
        }
        Ok(bare)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    let mut out = Map::new();
    if let Some(o) = &result.output {
        out.insert("output".into(), json!(o.to_string()));
    }
    if let Some((e, c)) = &result.error {
        out.insert("error".into(), json!(e));
        out.insert("cause".into(), json!(c));
    }
    if let Some(n) = &result.next {
        out.insert("nextState".into(), json!(n));
    }
    out.insert("status".into(), json!(result.status));
    if level != "INFO" {
        out.insert("inspectionData".into(), Value::Object(result.inspection));
    }
    Ok(Value::Object(out))
}
