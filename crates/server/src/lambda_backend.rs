//! The user's Lambda functions in `stepwell serve` (`stepwell-lambda`):
//! the [`TaskBackend`] that runs Task states on them, the Lambda Invoke API
//! on the server's own port (so a handler's `lambda.invoke` reaches its
//! sibling functions), and the project file's HTTP triggers.
//!
//! Dependency direction: `stepwell-server` uses `stepwell-lambda`; the Lambda
//! crate knows nothing of the server (it is told the server's URL, which its
//! handlers get as `AWS_ENDPOINT_URL`).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::Router;
use serde_json::{json, Map, Value};
use stepwell_lambda::{
    InvocationType, InvokeError, InvokeKey, InvokeRequest, Lambda, LambdaConfig, Project,
    RuntimeClient, Trigger, SPILLED_HEADER,
};

use crate::dispatch::{TaskBackend, TaskResult, TracedResult};
use crate::protocol::{ApiError, Req};
use crate::runtime::Runtime;
use stepwell_core::TaskRequest;

/// The HTTP Task's resource: run even without a project file.
const HTTP_TASK: &str = "arn:aws:states:::http:invoke";

/// The Lambda Invoke API accepts 6 MB payloads (plus JSON slack).
pub(crate) const MAX_INVOKE_BODY: usize = 6 * 1024 * 1024 + 1024;

/// Where functions come from: `--functions FILE` and `--lambda-endpoint URL`.
#[derive(Debug, Clone, Default)]
pub struct LambdaOptions {
    /// The project file (`stepwell.toml`).
    pub functions: Option<PathBuf>,
    /// Forward every invocation to this Lambda Invoke API.
    pub endpoint: Option<String>,
}

impl LambdaOptions {
    /// Whether Lambda functions run at all (otherwise only the HTTP Task).
    pub fn enabled(&self) -> bool {
        self.functions.is_some() || self.endpoint.is_some()
    }
}

/// Runs Task states on [`Lambda`]. Without a project file or endpoint only
/// the HTTP Task is taken, so a Lambda task keeps failing with the server's
/// "no local runner" error (or its mocked answer) as before.
pub struct LambdaBackend {
    lambda: Lambda,
    functions: bool,
}

impl LambdaBackend {
    pub fn new(lambda: Lambda, functions: bool) -> LambdaBackend {
        LambdaBackend { lambda, functions }
    }
}

impl TaskBackend for LambdaBackend {
    fn handles(&self, resource: &str) -> bool {
        if self.functions {
            self.lambda.handles(resource)
        } else {
            resource == HTTP_TASK
        }
    }

    /// An invocation the server's shutdown cut short (its process killed)
    /// never answers: nothing reaches the execution, which is still waiting
    /// for the Task when the server is back and runs it again (at least
    /// once, as after a crash), rather than failing on the kill.
    fn run(&self, task: &TaskRequest) -> Pin<Box<dyn Future<Output = TaskResult> + Send>> {
        let lambda = self.lambda.clone();
        let (resource, parameters) = (task.resource.clone(), task.payload.clone());
        Box::pin(async move {
            match lambda.try_run_task(&resource, &parameters).await {
                Ok(result) => result,
                Err(stepwell_lambda::Stopped) => std::future::pending().await,
            }
        })
    }

    /// The HTTP Task reports its request and response (TestState's TRACE).
    /// TestState's request is answered even while the server stops (its
    /// client waits for it, and so does the graceful shutdown).
    fn run_traced(
        &self,
        task: &TaskRequest,
        reveal_secrets: bool,
    ) -> Pin<Box<dyn Future<Output = TracedResult> + Send>> {
        if task.resource != HTTP_TASK {
            let lambda = self.lambda.clone();
            let (resource, parameters) = (task.resource.clone(), task.payload.clone());
            return Box::pin(async move {
                TracedResult::untraced(lambda.run_task(&resource, &parameters).await)
            });
        }
        let lambda = self.lambda.clone();
        let parameters = task.payload.clone();
        Box::pin(async move {
            let t = lambda
                .run_http_task_traced(&parameters, reveal_secrets)
                .await;
            TracedResult {
                result: t.result,
                request: t.request,
                response: t.response,
            }
        })
    }

    /// A function with no free process here may run on another node.
    fn set_peers(&self, urls: &[String]) {
        if self.functions {
            self.lambda.set_peers(urls);
        }
    }
}

/// Loads the project file and prepares the functions (none start until
/// first invoked). `server_url` is the server's own address, which the
/// handlers' AWS SDKs are pointed at. With SigV4 verification on,
/// `credentials` (id, secret, session token) is a key the server accepts:
/// the handlers get it unless the project sets their AWS_ACCESS_KEY_ID.
pub async fn start(
    options: &LambdaOptions,
    region: &str,
    account: &str,
    server_url: &str,
    credentials: Option<(&str, &str, Option<&str>)>,
) -> Result<Lambda, String> {
    let mut project = match &options.functions {
        Some(path) => Some(Project::load(path).map_err(|e| e.to_string())?),
        None => None,
    };
    if let Some(project) = &mut project {
        check_triggers(&project.triggers)
            .map_err(|e| format!("{}: {e}", project.path.display()))?;
        if let Some((id, secret, token)) = credentials {
            for f in project.functions.values_mut() {
                if !f.environment.contains_key("AWS_ACCESS_KEY_ID") {
                    let env = &mut f.environment;
                    env.insert("AWS_ACCESS_KEY_ID".into(), id.into());
                    env.insert("AWS_SECRET_ACCESS_KEY".into(), secret.into());
                    // Empty: the SDKs then send no X-Amz-Security-Token.
                    env.insert("AWS_SESSION_TOKEN".into(), token.unwrap_or("").into());
                }
            }
        }
    }
    let config = LambdaConfig {
        region: region.to_string(),
        account: account.to_string(),
        sfn_endpoint: server_url.to_string(),
        lambda_endpoint: options.endpoint.clone(),
        runtime_client: RuntimeClient::from_env(),
        peer_key: credentials.map(|(id, secret, token)| InvokeKey {
            id: id.into(),
            secret: secret.into(),
            session_token: token.map(str::to_string),
        }),
    };
    Lambda::start(project, config)
        .await
        .map_err(|e| e.to_string())
}

/// Paths the server itself serves; a trigger may not take them.
const RESERVED: &[&str] = &["/health", "/console", "/2015-03-31"];

/// Trigger paths are literal (`/orders/new`): segments of letters, digits
/// and `-._~`, none of the server's own paths, each path and method once.
fn check_triggers(triggers: &[Trigger]) -> Result<(), String> {
    let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (i, t) in triggers.iter().enumerate() {
        let path = t.path.trim_end_matches('/');
        let segments_ok = path.len() > 1
            && path[1..].split('/').all(|s| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
            });
        if !segments_ok {
            return Err(format!(
                "triggers[{i}].path: `{}` must be a literal path like /orders/new (letters, digits, -._~ between slashes; not /)",
                t.path
            ));
        }
        if RESERVED
            .iter()
            .any(|r| path == *r || path.starts_with(&format!("{r}/")))
        {
            return Err(format!(
                "triggers[{i}].path: `{}` is one of the server's own paths",
                t.path
            ));
        }
        if let Some(first) = seen.insert((path, t.method.as_str()), i) {
            return Err(format!(
                "triggers[{i}]: {} {} is already triggers[{first}]",
                t.method, t.path
            ));
        }
    }
    Ok(())
}

/// The Invoke API and the HTTP triggers, to merge into the server's router.
pub fn routes(lambda: Lambda, rt: Arc<Runtime>) -> Router {
    let mut by_path: BTreeMap<String, Vec<Trigger>> = BTreeMap::new();
    for t in lambda.triggers() {
        by_path
            .entry(t.path.trim_end_matches('/').to_string())
            .or_default()
            .push(t.clone());
    }
    // With SigV4 verification on, Invoke calls are signed too (service
    // `lambda`): the handlers' SDKs and the other nodes sign with a key
    // the server accepts.
    let signed =
        axum::middleware::from_fn_with_state(rt.clone(), crate::auth::require_lambda_signature);
    let mut router = Router::new()
        .route(
            "/2015-03-31/functions/{name}/invocations",
            post(invoke).with_state(lambda).route_layer(signed),
        )
        .layer(axum::extract::DefaultBodyLimit::max(MAX_INVOKE_BODY));
    for (path, triggers) in by_path {
        let state = TriggerState {
            rt: rt.clone(),
            triggers: Arc::new(triggers),
        };
        router = router.route(&path, any(trigger).with_state(state));
    }
    router
}

#[derive(Clone)]
struct TriggerState {
    rt: Arc<Runtime>,
    /// The triggers of one path.
    triggers: Arc<Vec<Trigger>>,
}

/// A trigger: StartExecution with the request body as input (`{}` when
/// empty), answered like API Gateway's StartExecution integration.
async fn trigger(State(s): State<TriggerState>, method: Method, body: Bytes) -> Response {
    let Some(t) = s
        .triggers
        .iter()
        .find(|t| t.method == method.as_str())
        .or_else(|| s.triggers.iter().find(|t| t.method == "ANY"))
    else {
        let allowed: Vec<&str> = s.triggers.iter().map(|t| t.method.as_str()).collect();
        let mut r = (
            StatusCode::METHOD_NOT_ALLOWED,
            axum::Json(json!({"message": "Method Not Allowed"})),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
            r.headers_mut().insert("allow", v);
        }
        return r;
    };
    let machine = if t.state_machine.starts_with("arn:") {
        t.state_machine.clone()
    } else {
        s.rt.cfg.arns.state_machine(&t.state_machine)
    };
    let input = match std::str::from_utf8(&body) {
        Ok(text) if text.trim().is_empty() => "{}".to_string(),
        Ok(text) => text.to_string(),
        Err(_) => {
            return ApiError::new(
                "InvalidExecutionInput",
                "Invalid State Machine Execution Input: the request body is not UTF-8",
            )
            .into_response()
        }
    };
    let mut req = Map::new();
    req.insert("stateMachineArn".into(), Value::String(machine));
    req.insert("input".into(), Value::String(input));
    match crate::ops::executions::start_execution(&s.rt, Req(req)).await {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /2015-03-31/functions/{name}/invocations`: Lambda's Invoke API.
async fn invoke(
    State(lambda): State<Lambda>,
    Path(name): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let invocation_type = match header("x-amz-invocation-type") {
        None | Some("RequestResponse") => InvocationType::RequestResponse,
        Some("Event") => InvocationType::Event,
        Some("DryRun") => InvocationType::DryRun,
        Some(other) => {
            return invoke_error(InvokeError {
                code: "InvalidParameterValueException".into(),
                message: format!(
                    "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
                ),
                status: 400,
                request_id: String::new(),
            })
        }
    };
    let request = InvokeRequest {
        payload: body,
        qualifier: query.get("Qualifier").cloned(),
        invocation_type,
        log_tail: header("x-amz-log-type") == Some("Tail"),
        client_context: header("x-amz-client-context").map(str::to_string),
    };
    let spilled = headers.contains_key(SPILLED_HEADER);
    // On a task of its own: a caller that hangs up does not cut the
    // invocation short (its process finishes it and is reused).
    let run = tokio::spawn(async move {
        if spilled {
            lambda.invoke_here(&name, request).await
        } else {
            lambda.invoke(&name, request).await
        }
    });
    let answer = run.await.unwrap_or_else(|e| {
        Err(InvokeError {
            code: "ServiceException".into(),
            message: format!("The invocation stopped: {e}"),
            status: 500,
            request_id: String::new(),
        })
    });
    match answer {
        Ok(r) => {
            let status = StatusCode::from_u16(r.status_code).unwrap_or(StatusCode::OK);
            let mut response = (status, Body::from(r.payload)).into_response();
            let h = response.headers_mut();
            h.insert("content-type", HeaderValue::from_static("application/json"));
            let mut put = |name: &'static str, value: &str| {
                if let Ok(v) = HeaderValue::from_str(value) {
                    h.insert(name, v);
                }
            };
            put("x-amzn-requestid", &r.request_id);
            put("x-amz-executed-version", &r.executed_version);
            if let Some(e) = &r.function_error {
                put("x-amz-function-error", e);
            }
            if let Some(log) = &r.log_result {
                put("x-amz-log-result", log);
            }
            response
        }
        Err(e) => invoke_error(e),
    }
}

/// An Invoke API error as Lambda sends it: the code in `x-amzn-ErrorType`,
/// `{"Type": "User"|"Service", "message": ...}` in the body.
pub(crate) fn invoke_error(e: InvokeError) -> Response {
    // 0: a client-side failure while forwarding (`--lambda-endpoint`).
    let status = match e.status {
        0 => StatusCode::BAD_GATEWAY,
        s => StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    };
    let kind = if status.is_client_error() {
        "User"
    } else {
        "Service"
    };
    let body = json!({"Type": kind, "message": e.message}).to_string();
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(&e.code) {
        h.insert("x-amzn-errortype", v);
    }
    if !e.request_id.is_empty() {
        if let Ok(v) = HeaderValue::from_str(&e.request_id) {
            h.insert("x-amzn-requestid", v);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(path: &str, method: &str) -> Trigger {
        Trigger {
            path: path.into(),
            method: method.into(),
            state_machine: "M".into(),
        }
    }

    #[test]
    fn trigger_paths_are_literal_and_not_the_servers() {
        assert!(check_triggers(&[t("/orders", "POST"), t("/orders/new-1", "ANY")]).is_ok());
        assert!(check_triggers(&[t("/orders", "POST"), t("/orders", "GET")]).is_ok());
        for bad in [
            "/",
            "/a/{id}",
            "/a//b",
            "/a/*rest",
            "/:id",
            "/health",
            "/console/x",
            "/2015-03-31/functions",
        ] {
            assert!(check_triggers(&[t(bad, "POST")]).is_err(), "{bad}");
        }
        let dup = check_triggers(&[t("/a", "POST"), t("/a/", "POST")]).unwrap_err();
        assert!(dup.contains("already triggers[0]"), "{dup}");
    }

    #[test]
    fn without_functions_only_the_http_task_is_taken() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let lambda = rt
            .block_on(Lambda::start(None, LambdaConfig::default()))
            .unwrap();
        let http_only = LambdaBackend::new(lambda.clone(), false);
        assert!(http_only.handles(HTTP_TASK));
        assert!(!http_only.handles("arn:aws:states:::lambda:invoke"));
        let full = LambdaBackend::new(lambda, true);
        assert!(full.handles("arn:aws:states:::lambda:invoke"));
        assert!(full.handles("arn:aws:lambda:us-east-1:123456789012:function:f"));
    }
}
