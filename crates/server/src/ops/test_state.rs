//! TestState: run one state on its own, as AWS's TestState API does.
//!
//! The logic is the core's (`stepwell_core::test_state`): `prepare` checks
//! the request and runs the state up to its task, `finish` feeds the task's
//! outcome and tells the result. This file does the only IO: it runs a
//! Task without a mock on the local Lambda/HTTP backend, exactly once, within
//! AWS's five-minute limit, and writes AWS's wire shape.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use stepwell_core::test_state::{
    self, Configuration, FieldValidation, Inspection, Mock, Refusal, TaskOutcome, TestResult,
};
use stepwell_core::{ExecutionInfo, ReadRequest, TaskRequest};
use stepwell_engine::s3::LocalS3;
use stepwell_engine::SplitMix;

use crate::protocol::{ApiError, Req};
use crate::runtime::{now_ms, Runtime};

/// AWS: "The TestState API can run for up to five minutes. If the execution
/// of a state exceeds this duration, it fails with the States.Timeout error."
const TEST_STATE_LIMIT: Duration = Duration::from_secs(300);

/// The HTTP request and response of an HTTP Task, for `inspectionLevel`
/// TRACE (`inspectionData.request` / `.response`, AWS's
/// `InspectionDataRequest` / `InspectionDataResponse`: objects of strings).
#[derive(Debug, Clone, Default)]
pub struct HttpExchange {
    pub request: Option<Value>,
    pub response: Option<Value>,
}

/// What running the tested Task on the backend gave.
struct TaskCall {
    outcome: TaskOutcome,
    /// The HTTP Task's exchange (the Lambda crate's `run_http_task_traced`).
    http: Option<HttpExchange>,
}

fn refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::Validation(m) => ApiError::new("ValidationException", m),
        Refusal::Definition(m) => ApiError::new("InvalidDefinition", m),
        Refusal::Input(m) => ApiError::new(
            "InvalidExecutionInput",
            format!("Invalid State Machine Execution Input: '{m}'"),
        ),
    }
}

/// The request's `mock`; its members' types, lengths and
/// `fieldValidationMode` are the model's (`ops::validate`). The model
/// says `errorOutput.error` "is required if `mock.errorOutput` is
/// specified" without marking it required, so it is checked here, in the
/// validator's words for a missing sensitive member.
/// DIFFERENCE: AWS's wording for a missing `error` is not recorded.
fn mock_of(req: &Req) -> Result<Option<Mock>, ApiError> {
    let Some(m) = req.get("mock") else {
        return Ok(None);
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let error_output = match m.get("errorOutput").filter(|e| e.is_object()) {
        None => None,
        Some(e) => {
            let error = text(e.get("error")).ok_or_else(|| {
                ApiError::new(
                    "ValidationException",
                    "1 validation error detected: Value at 'mock.errorOutput.error' failed to satisfy constraint: Member must not be null",
                )
            })?;
            Some((error, text(e.get("cause")).unwrap_or_default()))
        }
    };
    let field_validation = match m.get("fieldValidationMode").and_then(Value::as_str) {
        Some("PRESENT") => FieldValidation::Present,
        Some("NONE") => FieldValidation::None,
        _ => FieldValidation::Strict,
    };
    Ok(Some(Mock {
        result: text(m.get("result")),
        error_output,
        field_validation,
    }))
}

/// The request's `stateConfiguration`; its members' types and ranges are
/// the model's (`ops::validate`).
fn configuration_of(req: &Req) -> Configuration {
    let Some(c) = req.get("stateConfiguration") else {
        return Configuration::default();
    };
    let count = |field: &str| c.get(field).and_then(Value::as_u64);
    let text = |field: &str| c.get(field).and_then(Value::as_str).map(str::to_string);
    Configuration {
        retrier_retry_count: count("retrierRetryCount")
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        error_caused_by_state: text("errorCausedByState"),
        map_iteration_failure_count: count("mapIterationFailureCount"),
        map_item_reader_data: text("mapItemReaderData"),
    }
}

pub async fn test_state(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    // As CreateStateMachine checks its role, before the definition.
    if let Some(role) = req.opt_str("roleArn")? {
        super::state_machines::check_role(role)?;
    }
    let definition: Value = stepwell_core::parse_json(req.str("definition")?).map_err(|e| {
        ApiError::new(
            "InvalidDefinition",
            format!("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {e}'"),
        )
    })?;
    // INFO, DEBUG or TRACE (the model's enum, `ops::validate`).
    let level = req
        .opt_str("inspectionLevel")?
        .unwrap_or("INFO")
        .to_string();
    let request = test_state::Request {
        definition,
        state_name: req.opt_str("stateName")?.map(str::to_string),
        input: req.opt_str("input")?.map(str::to_string),
        variables: req.opt_str("variables")?.map(str::to_string),
        context: req.opt_str("context")?.map(str::to_string),
        mock: mock_of(&req)?,
        configuration: configuration_of(&req),
        role_arn: req.opt_str("roleArn")?.map(str::to_string),
        reveal_secrets: req.opt_bool("revealSecrets")?.unwrap_or(false),
    };
    let mut entropy = SplitMix::from_time();
    let id = stepwell_core::uuid(&mut entropy);
    let machine = "TestStateMachine";
    let info = ExecutionInfo {
        id: rt.cfg.arns.test_state_execution(machine, &id),
        name: id.clone(),
        state_machine_id: rt.cfg.arns.state_machine(machine),
        state_machine_name: machine.into(),
        // `prepare` puts the request's role (or none) here.
        role_arn: String::new(),
        input: Arc::new(Value::Null),
        express: true,
        // TestState answers at once, as StartSyncExecution does: no
        // `$$.Execution.RedriveCount`.
        sync: true,
        ..Default::default()
    };
    let mut prepared =
        test_state::prepare(&request, info, now_ms(), &mut entropy).map_err(refusal)?;
    if let (Some(read), Some(data)) = (
        prepared.read_request().cloned(),
        request.configuration.map_item_reader_data.clone(),
    ) {
        let items = tokio::task::spawn_blocking(move || read_reader_data(&read, &data))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        prepared
            .items_read(items, now_ms(), &mut entropy)
            .map_err(refusal)?;
    }
    let call = match prepared.backend_task() {
        Some(task) => Some(run_task(rt, task.clone(), request.reveal_secrets).await),
        None => None,
    };
    let (outcome, http) = match call {
        Some(c) => (Some(c.outcome), c.http),
        None => (None, None),
    };
    let result = test_state::finish(prepared, outcome, now_ms(), &mut entropy).map_err(refusal)?;
    Ok(render(&result, &level, http))
}

/// `mapItemReaderData` read as the Map's ItemReader reads its object (with
/// its `ReaderConfig`: JSON, JSONL, CSV, manifests...): put where the read
/// looks (its `Bucket` and `Key`, or `Prefix`) in a scratch local S3, then
/// read by the same code as an execution's reads.
fn read_reader_data(read: &ReadRequest, data: &str) -> Result<Vec<Value>, String> {
    let field = |k: &str| read.parameters.get(k).and_then(Value::as_str);
    let bucket = field("Bucket").unwrap_or("test-state");
    let key = match (field("Key"), field("Prefix")) {
        (Some(k), _) => k.to_string(),
        (None, Some(p)) => format!("{p}items"),
        (None, None) => "items".to_string(),
    };
    let mut bits = SplitMix::from_time();
    let dir = std::env::temp_dir().join(format!(
        "stepwell-test-state-{}",
        stepwell_core::uuid(&mut bits)
    ));
    // A bucket name LocalS3 refuses is left to its read to report.
    if !bucket.is_empty() && !bucket.contains(['/', '\\']) && !bucket.starts_with('.') {
        std::fs::create_dir_all(dir.join(bucket))
            .map_err(|e| format!("Cannot make a scratch local S3 for TestState: {e}"))?;
    }
    let s3 = LocalS3::new(&dir);
    let items = s3
        .put_object(bucket, &key, data.as_bytes())
        .and_then(|()| stepwell_engine::s3::read_items(Some(&s3), read));
    // A scratch directory left behind is harmless; nothing to report.
    let _ = std::fs::remove_dir_all(&dir);
    items
}

/// Run the tested Task on the local backend, once, within the limit.
/// `reveal_secrets`: whether the HTTP exchange shown at TRACE may keep what
/// an EventBridge connection added (AWS's `revealSecrets`).
async fn run_task(rt: &Arc<Runtime>, task: TaskRequest, reveal_secrets: bool) -> TaskCall {
    let Some(backend) = rt.lambda.clone().filter(|b| b.handles(&task.resource)) else {
        return TaskCall {
            outcome: TaskOutcome::Failed {
                error: "States.Runtime".into(),
                cause: format!(
                    "Stepwell cannot call {} from TestState: give a mock (result or errorOutput), or serve a project whose functions run it",
                    task.resource
                ),
            },
            http: None,
        };
    };
    let run = backend.run_traced(&task, reveal_secrets);
    // The Task's own TimeoutSeconds times it out as in an execution (no
    // cause); AWS's limit on the whole test comes first when shorter.
    let own = task.timeout_seconds.map(Duration::from_secs);
    let limit = own.map_or(TEST_STATE_LIMIT, |t| t.min(TEST_STATE_LIMIT));
    let mut http = None;
    let outcome = match tokio::time::timeout(limit, run).await {
        Ok(traced) => {
            if traced.request.is_some() || traced.response.is_some() {
                http = Some(HttpExchange {
                    request: traced.request,
                    response: traced.response,
                });
            }
            match traced.result {
                Ok(v) => TaskOutcome::Succeeded(v),
                Err((error, cause)) => TaskOutcome::Failed { error, cause },
            }
        }
        Err(_) if own.is_some_and(|t| t <= TEST_STATE_LIMIT) => TaskOutcome::Failed {
            error: "States.Timeout".into(),
            cause: String::new(),
        },
        // DIFFERENCE: AWS documents the error, not its cause; ours says why.
        Err(_) => TaskOutcome::Failed {
            error: "States.Timeout".into(),
            cause: "The TestState run exceeded the maximum duration of 5 minutes.".into(),
        },
    };
    TaskCall { outcome, http }
}

/// AWS's TestStateOutput.
fn render(r: &TestResult, level: &str, http: Option<HttpExchange>) -> Value {
    let mut out = Map::new();
    if let Some(o) = &r.output {
        out.insert("output".into(), json!(o.to_string()));
    }
    if let Some(e) = &r.error {
        out.insert("error".into(), json!(e.error));
        out.insert("cause".into(), json!(e.cause));
    }
    if let Some(n) = &r.next_state {
        out.insert("nextState".into(), json!(n));
    }
    out.insert("status".into(), json!(r.status.as_str()));
    if level != "INFO" {
        let mut data = inspection(&r.inspection);
        if level == "TRACE" {
            if let Some(h) = http {
                if let Some(request) = h.request {
                    data.insert("request".into(), request);
                }
                if let Some(response) = h.response {
                    data.insert("response".into(), response);
                }
            }
        }
        out.insert("inspectionData".into(), Value::Object(data));
    }
    Value::Object(out)
}

fn inspection(i: &Inspection) -> Map<String, Value> {
    let mut data = Map::new();
    for (k, v) in &i.values {
        data.insert((*k).into(), json!(v.to_string()));
    }
    let mut details = Map::new();
    if let Some(n) = i.catch_index {
        details.insert("catchIndex".into(), json!(n));
    }
    if let Some(n) = i.retry_index {
        details.insert("retryIndex".into(), json!(n));
    }
    if let Some(n) = i.retry_backoff_seconds {
        details.insert("retryBackoffIntervalSeconds".into(), json!(n));
    }
    if !details.is_empty() {
        data.insert("errorDetails".into(), Value::Object(details));
    }
    if let Some(n) = i.max_concurrency {
        data.insert("maxConcurrency".into(), json!(n));
    }
    if let Some(n) = i.tolerated_failure_count {
        data.insert("toleratedFailureCount".into(), json!(n));
    }
    if let Some(n) = i.tolerated_failure_percentage {
        data.insert("toleratedFailurePercentage".into(), json!(n));
    }
    data
}
