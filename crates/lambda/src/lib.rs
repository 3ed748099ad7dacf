//! Runs the user's Lambda functions locally for Step Functions Task states.
//!
//! Functions are declared in a project file ([`Project`]). [`Lambda`] starts
//! runtime processes on demand and talks to them over the Lambda Runtime API
//! (each process gets its own loopback listener, so an invocation reaches
//! exactly one process), keeps them warm, runs up to `concurrency` of them per
//! function, and replaces one that crashed or timed out. Python and Node
//! functions run under AWS's runtime interface clients when those are
//! installed (`awslambdaric`, `aws-lambda-ric`), otherwise under small
//! bootstraps of ours that speak the same API; `provided` functions run their
//! own `bootstrap` executable.
//!
//! [`Lambda::run_task`] is what the server calls for a Task whose resource is
//! a Lambda function (a function ARN, a bare declared name,
//! `arn:aws:states:::lambda:invoke[.waitForTaskToken]`) or an HTTP Task
//! (`arn:aws:states:::http:invoke`, see [`http_invoke`], with the project's
//! EventBridge [`connection`]s). Results and errors
//! have the shapes and names AWS gives them. With
//! [`LambdaConfig::lambda_endpoint`] set, invocations are forwarded to a
//! Lambda Invoke API instead. In a cluster, [`Lambda::set_peers`] names the
//! other nodes, which take invocations no process here is free for.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use stepwell_lambda::{Lambda, LambdaConfig, Project};
//! let project = Project::load("stepwell.toml")?;
//! let lambda = Lambda::start(Some(project), LambdaConfig::default()).await?;
//! let resource = "arn:aws:lambda:us-east-1:123456789012:function:greet";
//! assert!(lambda.handles(resource));
//! let result = lambda.run_task(resource, &serde_json::json!({"name": "Ada"})).await;
//! lambda.shutdown().await;
//! # Ok(()) }
//! ```

mod client;
pub mod connection;
mod forward;
pub use forward::InvokeKey;

/// The HTTP client (`http://` and `https://`) the Lambda forwarding and the
/// HTTP Task use (the server forwards requests between nodes with it too).
pub mod http {
    pub use crate::client::{send, HttpResponse, SendError};
}
mod http_task;
mod invoke;
mod pool;
pub mod project;
mod runtime_api;
pub mod sdk_metadata;
mod spill;
mod util;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

pub use connection::{Connection, Connections};
pub use http_task::{http_invoke, http_invoke_traced, HttpTaskTrace};
pub use project::{FunctionConfig, Project, ProjectError, Runtime, Trigger};

use invoke::Resource;
use pool::{FunctionPool, Launcher, LocalInvoke, OutcomeKind};

/// Marks an invocation another node of the cluster passed on because it
/// had no free process for the function: the receiving node runs it itself
/// (see [`Lambda::invoke_here`]).
pub const SPILLED_HEADER: &str = "x-stepwell-spilled";

const PYTHON_BOOTSTRAP: &str = include_str!("../bootstrap/python_bootstrap.py");
const NODE_BOOTSTRAP: &str = include_str!("../bootstrap/node_bootstrap.js");
pub(crate) const PYTHON_BOOTSTRAP_FILE: &str = "python_bootstrap.py";
pub(crate) const NODE_BOOTSTRAP_FILE: &str = "node_bootstrap.js";

/// Which runtime interface client Python and Node functions run under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuntimeClient {
    /// AWS's client when installed (`python3 -m awslambdaric`; an
    /// `aws-lambda-ric` in the code's `node_modules/.bin` or on PATH),
    /// otherwise Stepwell's bootstrap.
    #[default]
    Auto,
    /// Always Stepwell's bootstrap.
    Bootstrap,
    /// Always AWS's client; a function fails with `Runtime.InvalidEntrypoint`
    /// when it is missing.
    Ric,
}

impl RuntimeClient {
    /// Reads `STEPWELL_LAMBDA_RIC`: `1`/`true`/`always` forces AWS's clients,
    /// `0`/`false`/`never` forces Stepwell's bootstraps, anything else (or
    /// unset) is [`RuntimeClient::Auto`].
    pub fn from_env() -> RuntimeClient {
        match std::env::var("STEPWELL_LAMBDA_RIC").as_deref() {
            Ok("1" | "true" | "always") => RuntimeClient::Ric,
            Ok("0" | "false" | "never") => RuntimeClient::Bootstrap,
            _ => RuntimeClient::Auto,
        }
    }
}

/// What the server tells the Lambda side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaConfig {
    /// `AWS_REGION` of the functions and the region in ARNs.
    pub region: String,
    /// The account in function ARNs.
    pub account: String,
    /// The Stepwell server URL (`http://127.0.0.1:8083`): the handlers'
    /// `AWS_ENDPOINT_URL`, so their AWS SDKs call Stepwell.
    pub sfn_endpoint: String,
    /// `--lambda-endpoint`: forward every invocation to this Lambda Invoke
    /// API instead of running local processes.
    pub lambda_endpoint: Option<String>,
    pub runtime_client: RuntimeClient,
    /// The key invocations passed to other nodes are signed with, when the
    /// nodes verify SigV4.
    pub peer_key: Option<InvokeKey>,
}

impl Default for LambdaConfig {
    fn default() -> Self {
        LambdaConfig {
            region: "us-east-1".into(),
            account: "123456789012".into(),
            sfn_endpoint: "http://127.0.0.1:8083".into(),
            lambda_endpoint: None,
            runtime_client: RuntimeClient::from_env(),
            peer_key: None,
        }
    }
}

/// Why [`Lambda::start`] failed.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot write the runtime bootstraps to {path}: {source}")]
    Bootstrap {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Endpoint(String),
}

/// How Lambda is asked to run a function (the Invoke API's `InvocationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvocationType {
    /// Run and wait for the result (status 200).
    #[default]
    RequestResponse,
    /// Queue the invocation and return at once (status 202, empty payload).
    Event,
    /// Only check that the function can be invoked (status 204).
    DryRun,
}

/// One call of the Lambda Invoke API.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvokeRequest {
    /// The event, as JSON text.
    pub payload: Bytes,
    /// A version or alias. DIFFERENCE: locally every qualifier runs the one
    /// code there is (`ExecutedVersion` `$LATEST`).
    pub qualifier: Option<String>,
    pub invocation_type: InvocationType,
    /// `LogType: Tail`: return the invocation's log lines (base64).
    pub log_tail: bool,
    /// `ClientContext` (base64 JSON), passed to the runtime as it is.
    pub client_context: Option<String>,
}

/// The answer of the Invoke API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeResponse {
    /// 200, or 202 for `Event`, 204 for `DryRun`.
    pub status_code: u16,
    /// The function's result, or its error payload.
    pub payload: Bytes,
    /// `X-Amz-Function-Error`: `Unhandled` when the payload is an error.
    pub function_error: Option<String>,
    pub executed_version: String,
    pub request_id: String,
    /// `X-Amz-Log-Result` (base64), with `LogType: Tail`.
    pub log_result: Option<String>,
    /// Time the runtime spent between taking the invocation and answering.
    pub duration: Option<Duration>,
    /// The runtime process that ran the invocation (local functions only).
    pub pid: Option<u32>,
}

/// An Invoke call that failed before the function ran (an AWS service error
/// such as `ResourceNotFoundException`, or a client-side failure).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct InvokeError {
    /// The AWS error code without the `Lambda.` prefix.
    pub code: String,
    pub message: String,
    /// The HTTP status Lambda answers with; 0 for a client-side failure
    /// (`SdkClientException`).
    pub status: u16,
    pub request_id: String,
}

/// The Lambda side of Stepwell. Cheap to clone; all clones share the
/// processes.
#[derive(Clone)]
pub struct Lambda {
    inner: Arc<Inner>,
}

struct Inner {
    config: LambdaConfig,
    project: Option<Project>,
    pools: HashMap<String, Arc<FunctionPool>>,
    forward: Option<forward::Forwarder>,
    bootstrap_dir: PathBuf,
    /// The project's connections, with their OAuth tokens.
    connections: Connections,
    /// The other nodes, which take invocations this node has no process for.
    peers: spill::Peers,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.bootstrap_dir);
    }
}

impl std::fmt::Debug for Lambda {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lambda")
            .field("config", &self.inner.config)
            .field("functions", &self.inner.pools.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Lambda {
    /// Prepares the functions of `project` (none are started until first
    /// invoked) or, with `lambda_endpoint`, the forwarding client.
    pub async fn start(
        project: Option<Project>,
        config: LambdaConfig,
    ) -> Result<Lambda, StartError> {
        let forward = match &config.lambda_endpoint {
            Some(endpoint) => Some(
                forward::Forwarder::new(endpoint, &config.region).map_err(StartError::Endpoint)?,
            ),
            None => None,
        };
        let bootstrap_dir = std::env::temp_dir().join(format!(
            "stepwell-lambda-{}-{:08x}",
            std::process::id(),
            util::random_u64() as u32
        ));
        let write = |file: &str, text: &str| {
            std::fs::create_dir_all(&bootstrap_dir)
                .and_then(|()| std::fs::write(bootstrap_dir.join(file), text))
                .map_err(|source| StartError::Bootstrap {
                    path: bootstrap_dir.display().to_string(),
                    source,
                })
        };
        write(PYTHON_BOOTSTRAP_FILE, PYTHON_BOOTSTRAP)?;
        write(NODE_BOOTSTRAP_FILE, NODE_BOOTSTRAP)?;

        let launcher = Arc::new(Launcher {
            config: config.clone(),
            bootstrap_dir: bootstrap_dir.clone(),
        });
        let pools = project
            .iter()
            .flat_map(|p| p.functions.values())
            .map(|f| {
                (
                    f.name.clone(),
                    Arc::new(FunctionPool::new(f.clone(), Arc::clone(&launcher))),
                )
            })
            .collect();
        let connections =
            Connections::new(project.iter().flat_map(|p| p.connections.values().cloned()));
        Ok(Lambda {
            inner: Arc::new(Inner {
                config,
                project,
                pools,
                forward,
                bootstrap_dir,
                connections,
                peers: spill::Peers::default(),
            }),
        })
    }

    /// The configuration this was started with.
    pub fn config(&self) -> &LambdaConfig {
        &self.inner.config
    }

    /// The declared functions, in name order.
    pub fn functions(&self) -> impl Iterator<Item = &FunctionConfig> {
        self.inner.project.iter().flat_map(|p| p.functions.values())
    }

    /// The project's HTTP triggers (the server wires them).
    pub fn triggers(&self) -> &[Trigger] {
        self.inner
            .project
            .as_ref()
            .map(|p| p.triggers.as_slice())
            .unwrap_or(&[])
    }

    /// The project's EventBridge connections (for HTTP Tasks).
    pub fn connections(&self) -> &Connections {
        &self.inner.connections
    }

    /// Runs an HTTP Task (`arn:aws:states:::http:invoke`) with its effective
    /// parameters, the project's connections and the configured region, and
    /// reports the request and response for TestState's
    /// `inspectionLevel: TRACE` (see [`http_invoke_traced`]): TestState calls
    /// `lambda.run_http_task_traced(&parameters, reveal_secrets).await` and
    /// puts `trace.request`/`trace.response` in `inspectionData`.
    pub async fn run_http_task_traced(
        &self,
        parameters: &Value,
        reveal_secrets: bool,
    ) -> HttpTaskTrace {
        http_invoke_traced(
            parameters,
            &self.inner.connections,
            &self.inner.config.region,
            reveal_secrets,
        )
        .await
    }

    /// Whether [`Lambda::run_task`] runs this Task resource: any Lambda
    /// function ARN (an undeclared one fails like AWS, with
    /// `Lambda.ResourceNotFoundException`), a declared function's bare name,
    /// `lambda:invoke[.waitForTaskToken]` and `http:invoke`.
    pub fn handles(&self, resource: &str) -> bool {
        invoke::parse_resource(resource, |name| self.inner.pools.contains_key(name)).is_some()
    }

    /// Runs a Task state's resource with its effective parameters (for a bare
    /// function ARN: the state's effective input). `Ok` is the task result;
    /// `Err((error, cause))` the task failure exactly as AWS names it.
    ///
    /// For `lambda:invoke.waitForTaskToken` the function is invoked as for
    /// `lambda:invoke`; the caller ignores an `Ok` result and waits for the
    /// callback, and fails the task on `Err`.
    ///
    /// An invocation that [`Lambda::shutdown`] refused or cut short fails
    /// with `Lambda.TooManyRequestsException`, as the Invoke API answers
    /// then; a caller that must not take that for the function's answer
    /// (an execution's Task, re-run after a restart) uses
    /// [`Lambda::try_run_task`].
    pub async fn run_task(
        &self,
        resource: &str,
        parameters: &Value,
    ) -> Result<Value, (String, String)> {
        self.try_run_task(resource, parameters)
            .await
            .unwrap_or_else(|Stopped| Err(throttled(util::uuid_v4()).to_task_error()))
    }

    /// [`Lambda::run_task`], but an invocation that [`Lambda::shutdown`]
    /// refused or cut short (its process killed under it) is
    /// `Err(Stopped)`: there is no answer of the function's, and the Task
    /// is to run again once the server is back (at least once, as after a
    /// crash).
    pub async fn try_run_task(
        &self,
        resource: &str,
        parameters: &Value,
    ) -> Result<Result<Value, (String, String)>, Stopped> {
        let parsed = invoke::parse_resource(resource, |name| self.inner.pools.contains_key(name));
        Ok(match parsed {
            Some(Resource::Http) => {
                http_task::run(
                    parameters,
                    &self.inner.connections,
                    &self.inner.config.region,
                    None,
                )
                .await
                .result
            }
            Some(Resource::Invoke { .. }) => match invoke::invoke_parameters(parameters) {
                Err(e) => Err(e),
                Ok(call) => match self
                    .invoke_ref(&call.function, call.request, Caller::Local)
                    .await?
                {
                    Err(e) => Err(e.to_task_error()),
                    Ok(response) if response.function_error.is_some() => {
                        Err(invoke::function_failure(&response.payload, true))
                    }
                    Ok(response) => Ok(invoke::integration_result(&response)),
                },
            },
            Some(Resource::Function(function)) => {
                let request = InvokeRequest {
                    payload: Bytes::from(parameters.to_string()),
                    ..InvokeRequest::default()
                };
                match self.invoke_ref(&function, request, Caller::Local).await? {
                    Err(e) => Err(e.to_task_error()),
                    Ok(response) if response.function_error.is_some() => {
                        Err(invoke::function_failure(&response.payload, false))
                    }
                    Ok(response) => Ok(invoke::payload_value(&response.payload)),
                }
            }
            None => Err((
                "States.Runtime".into(),
                format!("The resource '{resource}' is not a Lambda function or an HTTP Task"),
            )),
        })
    }

    /// The Lambda Invoke API: runs `function` (a name, partial ARN or ARN,
    /// optionally with a qualifier). For the server's
    /// `POST /2015-03-31/functions/{name}/invocations`.
    pub async fn invoke(
        &self,
        function: &str,
        request: InvokeRequest,
    ) -> Result<InvokeResponse, InvokeError> {
        self.invoke_named(function, request, Caller::Local).await
    }

    /// [`Lambda::invoke`] on this node's processes only: for an invocation
    /// another node passed on ([`SPILLED_HEADER`]).
    pub async fn invoke_here(
        &self,
        function: &str,
        request: InvokeRequest,
    ) -> Result<InvokeResponse, InvokeError> {
        self.invoke_named(function, request, Caller::Peer).await
    }

    /// The other nodes sharing this node's store (their API URLs): an
    /// invocation that finds every process of its function busy here may
    /// run there (see the `spill` module). The server calls this whenever
    /// it learns the nodes.
    pub fn set_peers(&self, urls: &[String]) {
        if self.inner.forward.is_none() {
            let config = &self.inner.config;
            self.inner
                .peers
                .set(urls, &config.region, config.peer_key.as_ref());
        }
    }

    async fn invoke_named(
        &self,
        function: &str,
        request: InvokeRequest,
        caller: Caller,
    ) -> Result<InvokeResponse, InvokeError> {
        match invoke::parse_function_ref(function) {
            Some(function) => {
                // Stopping: the process was killed or never started; a node
                // that passed the invocation on runs it again.
                self.invoke_ref(&function, request, caller)
                    .await
                    .unwrap_or_else(|Stopped| Err(throttled(util::uuid_v4())))
            }
            None => Err(InvokeError {
                code: "InvalidParameterValueException".into(),
                message: format!(
                    "1 validation error detected: Value '{function}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern"
                ),
                status: 400,
                request_id: util::uuid_v4(),
            }),
        }
    }

    /// Runs `function` here or, for a [`Caller::Local`] invocation that
    /// finds none of its processes here free, perhaps on another node.
    /// `Err(Stopped)`: refused or cut short by [`Lambda::shutdown`].
    async fn invoke_ref(
        &self,
        function: &invoke::FunctionRef,
        mut request: InvokeRequest,
        caller: Caller,
    ) -> Result<Result<InvokeResponse, InvokeError>, Stopped> {
        match (&request.qualifier, &function.qualifier) {
            (None, _) => request.qualifier = function.qualifier.clone(),
            (Some(asked), Some(named)) if asked != named => {
                return Ok(Err(InvokeError {
                    code: "InvalidParameterValueException".into(),
                    message: "The derived qualifier from the function name does not match the specified qualifier.".into(),
                    status: 400,
                    request_id: util::uuid_v4(),
                }))
            }
            _ => {}
        }
        if let Some(forward) = &self.inner.forward {
            return Ok(forward.invoke(&function.name, &request).await);
        }
        let config = &self.inner.config;
        let region = function.region.as_deref().unwrap_or(&config.region);
        let account = function.account.as_deref().unwrap_or(&config.account);
        let arn = format!(
            "arn:aws:lambda:{region}:{account}:function:{}",
            function.name
        );
        let request_id = util::uuid_v4();
        let Some(pool) = self.inner.pools.get(&function.name) else {
            return Ok(Err(InvokeError {
                code: "ResourceNotFoundException".into(),
                message: format!(
                    "Function not found: {arn}:{}",
                    request.qualifier.as_deref().unwrap_or("$LATEST")
                ),
                status: 404,
                request_id,
            }));
        };
        // No free process here: perhaps another node has one.
        let sync = request.invocation_type == InvocationType::RequestResponse;
        let permit = if caller == Caller::Local && sync {
            let permit = pool.try_permit();
            if permit.is_none() {
                if let Some(answer) = self.inner.peers.run(&function.name, &request).await {
                    return Ok(answer);
                }
            }
            permit
        } else {
            None
        };
        let invoked_arn = match &request.qualifier {
            Some(q) => format!("{arn}:{q}"),
            None => arn,
        };
        let empty = |status_code| InvokeResponse {
            status_code,
            payload: Bytes::new(),
            function_error: None,
            executed_version: "$LATEST".into(),
            request_id: request_id.clone(),
            log_result: None,
            duration: None,
            pid: None,
        };
        let local = LocalInvoke {
            request_id: request_id.clone(),
            payload: request.payload,
            invoked_arn,
            client_context: request.client_context,
        };
        match request.invocation_type {
            InvocationType::DryRun => Ok(Ok(empty(204))),
            InvocationType::Event => {
                let pool = Arc::clone(pool);
                tokio::spawn(async move {
                    let _ = pool.invoke(local, None).await;
                });
                Ok(Ok(empty(202)))
            }
            InvocationType::RequestResponse => {
                let done = match pool.invoke(local, permit).await {
                    Ok(done) => done,
                    Err(pool::Refused::Stopping) => return Err(Stopped),
                    Err(pool::Refused::Throttled) => return Ok(Err(throttled(request_id))),
                };
                let outcome = done.outcome;
                let log_result = request.log_tail.then(|| {
                    use base64::Engine;
                    let text =
                        report_lines(&request_id, outcome.runtime_time, pool.config.memory_mb);
                    base64::engine::general_purpose::STANDARD.encode(text)
                });
                tracing::debug!(
                    target: "stepwell_lambda::logs",
                    function = %pool.config.name,
                    "END RequestId: {request_id}"
                );
                Ok(Ok(InvokeResponse {
                    status_code: 200,
                    function_error: (outcome.kind == OutcomeKind::Error)
                        .then(|| "Unhandled".to_string()),
                    payload: outcome.body,
                    executed_version: "$LATEST".into(),
                    request_id,
                    log_result,
                    duration: outcome.runtime_time,
                    pid: done.pid,
                }))
            }
        }
    }

    /// Runtime processes currently running for `function` (busy or warm).
    pub fn process_count(&self, function: &str) -> usize {
        self.inner
            .pools
            .get(function)
            .map_or(0, |pool| pool.process_count())
    }

    /// Stops every runtime process and removes the bootstraps. Invocations
    /// under way or asked for from now on have no answer
    /// ([`Lambda::try_run_task`]'s `Stopped`; the Invoke API and
    /// [`Lambda::run_task`] say `TooManyRequestsException`).
    pub async fn shutdown(&self) {
        for pool in self.inner.pools.values() {
            pool.shutdown().await;
        }
        let _ = std::fs::remove_dir_all(&self.inner.bootstrap_dir);
    }
}

/// Lambda's answer when a function is at its concurrency and throttles (and
/// ours while stopping).
fn throttled(request_id: String) -> InvokeError {
    InvokeError {
        code: "TooManyRequestsException".into(),
        message: "Rate Exceeded.".into(),
        status: 429,
        request_id,
    }
}

/// An invocation [`Lambda::shutdown`] refused or cut short: the function's
/// answer is unknown (see [`Lambda::try_run_task`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

/// Who asked for an invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    /// A Task or a client of this node: it may run on another node.
    Local,
    /// Another node passed it on ([`SPILLED_HEADER`]): it runs here.
    Peer,
}

/// The START/END/REPORT lines Lambda logs around an invocation.
fn report_lines(request_id: &str, duration: Option<Duration>, memory_mb: u32) -> String {
    let ms = duration.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    format!(
        "START RequestId: {request_id} Version: $LATEST\nEND RequestId: {request_id}\nREPORT RequestId: {request_id}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {memory_mb} MB\tMax Memory Used: {memory_mb} MB\t\n",
        ms.ceil() as u64
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server shares one `Lambda` between tasks and spawns its futures.
    #[test]
    fn lambda_is_shareable_and_its_futures_are_send() {
        fn shareable<T: Send + Sync + Clone + 'static>() {}
        fn send<F: std::future::Future + Send>(_: F) {}
        shareable::<Lambda>();
        let lambda: Option<Lambda> = None;
        if let Some(lambda) = lambda {
            send(async move {
                let _ = lambda.run_task("x", &Value::Null).await;
                let _ = lambda.invoke("x", InvokeRequest::default()).await;
                lambda.shutdown().await;
            });
        }
        send(http_invoke(&Value::Null));
        let none = Connections::default();
        send(http_invoke_traced(&Value::Null, &none, "us-east-1", false));
    }

    #[test]
    fn a_qualifier_contradicting_the_names_is_refused() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let lambda = rt
            .block_on(Lambda::start(None, LambdaConfig::default()))
            .unwrap_or_else(|e| panic!("{e}"));
        let request = |q: &str| InvokeRequest {
            qualifier: Some(q.into()),
            ..InvokeRequest::default()
        };
        let Err(e) = rt.block_on(lambda.invoke("greet:live", request("prod"))) else {
            panic!("accepted");
        };
        assert_eq!(
            (e.code.as_str(), e.status, e.message.as_str()),
            (
                "InvalidParameterValueException",
                400,
                "The derived qualifier from the function name does not match the specified qualifier."
            )
        );
        // The same one twice is fine (then the function is not found here).
        let Err(e) = rt.block_on(lambda.invoke("function:greet:live", request("live"))) else {
            panic!("found");
        };
        assert_eq!(e.code, "ResourceNotFoundException");
        assert!(e.message.ends_with(":function:greet:live"), "{}", e.message);
    }

    #[test]
    fn report_lines_look_like_lambda() {
        let text = report_lines("rid", Some(Duration::from_micros(1500)), 128);
        assert!(text.starts_with("START RequestId: rid Version: $LATEST\nEND RequestId: rid\nREPORT RequestId: rid\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB"), "{text}");
    }
}
