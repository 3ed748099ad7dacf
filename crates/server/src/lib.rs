//! `stepwell serve`: the Step Functions API over HTTP (AWS JSON 1.0), with
//! durable executions on a [`stepwell_store::Store`].
//!
//! * `protocol`: the wire format and AWS-shaped errors.
//! * `ops`: one function per API operation.
//! * `runtime`: live executions driven by the pure interpreter; every event
//!   is committed before its effects are carried out or shown.
//! * `dispatch`, `nested`, `timers`: carrying out the interpreter's commands.
//! * `park`: quiet executions leave memory until their next input.
//! * `stream`: the console's live history stream.
//! * `auth`: optional SigV4 verification of the API and the stream.
//! * `lambda_backend`: the user's Lambda functions (`stepwell-lambda`) as a
//!   task backend, the Lambda Invoke API and the project's HTTP triggers.

#![forbid(unsafe_code)]

mod arn;
pub mod auth;
pub mod aws_backend;
pub mod cluster;
mod dispatch;
mod jobs;
pub mod lambda_backend;
mod logs;
mod nested;
pub mod ops;
mod park;
mod protocol;
mod quotas;
mod records;
mod reload;
mod runtime;
mod stream;
#[cfg(test)]
mod testing;
mod timers;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use stepwell_store::Durability;

pub use arn::{Arns, MachineRef};
pub use dispatch::{Backends, JobPoll, TaskBackend, TaskResult};
pub use lambda_backend::LambdaOptions;
pub use protocol::ApiError;
pub use runtime::{Config, Runtime};

/// How `stepwell serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: std::net::IpAddr,
    pub port: u16,
    /// An SQLite file path or a `postgres://` URL.
    pub db: String,
    pub durability: Durability,
    pub region: String,
    pub account: String,
    pub wait_scale: f64,
    pub mock_config: Option<Value>,
    /// SigV4 verification (`--sigv4-credentials`, `--access-key`); None: off.
    pub sigv4: Option<auth::Verifier>,
    /// `--functions` and `--lambda-endpoint`.
    pub lambda: LambdaOptions,
    /// `--s3-dir`: the directory standing for S3 (`<dir>/<bucket>/<key>`).
    pub s3_dir: Option<std::path::PathBuf>,
    /// `--aws-integrations`: Tasks with AWS service integrations call
    /// the endpoints the AWS SDKs' variables name (`aws_backend`).
    pub aws_integrations: bool,
    /// `--node-id`, `--advertise-url`, `--node-lease`: this node among
    /// several sharing the database (an empty URL: this server's own).
    pub node: cluster::NodeConfig,
    /// `--park-after`: how long (ms) a running execution has nothing to
    /// do before it leaves memory until its next input (`park`).
    pub park_after_ms: i64,
    /// `--logs-dir`: the directory standing for CloudWatch Logs, where
    /// executions log as their `loggingConfiguration` says (`logs`).
    pub logs_dir: Option<std::path::PathBuf>,
}

/// Requests larger than this are refused before parsing (a definition may
/// be 1 MiB, escaped inside JSON).
const MAX_BODY: usize = 4 * 1024 * 1024;

async fn api(State(rt): State<Arc<Runtime>>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(op) = target.strip_prefix("AWSStepFunctions.") else {
        return ApiError::new(
            "UnknownOperationException",
            format!("Unknown operation: '{target}' (the X-Amz-Target header must name AWSStepFunctions.<Operation>)"),
        )
        .into_response();
    };
    let req = match protocol::Req::parse(&body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    // AWS checks the model's constraints before anything else.
    if let Err(e) = ops::validate::check(op, &req) {
        tracing::debug!(op, kind = e.kind, error = %e.message, "request refused");
        return e.into_response();
    }
    if !headers.contains_key(cluster::FORWARDED) {
        // An input for an execution another node drives goes there.
        match cluster::forward(&rt, op, &req, &headers, &body).await {
            Ok(Some(answer)) => return answer,
            Ok(None) => {}
            Err(e) => return e.into_response(),
        }
    } else if let Err(e) = cluster::moved(&rt, op, &req).await {
        return e.into_response();
    }
    // Named resources another node changed are seen at once.
    if let Err(e) = cluster::sync_registry(&rt, false).await {
        return e.into_response();
    }
    let mut answer = respond(&rt, op, req, &headers, &body).await;
    // Another node changed a named resource first: answered again on the
    // registry as it is now (a few times at most).
    for _ in 0..3 {
        if !matches!(&answer, Err(e) if e.kind == cluster::STALE) {
            break;
        }
        answer = match cluster::sync_registry(&rt, true).await {
            Ok(_) => match protocol::Req::parse(&body) {
                Ok(req) => respond(&rt, op, req, &headers, &body).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
    }
    if let Err(e) = &mut answer {
        if e.kind == cluster::STALE {
            e.kind = "ServiceUnavailable";
        }
    }
    if let Err(e) = &answer {
        match cluster::missed_new_resource(&rt, e).await {
            // Asked again, on the registry as it is now.
            Ok(true) => {
                answer = match protocol::Req::parse(&body) {
                    Ok(req) => respond(&rt, op, req, &headers, &body).await,
                    Err(e) => Err(e),
                }
            }
            Ok(false) => {}
            Err(e) => answer = Err(e),
        }
    }
    match answer {
        Ok(v) => protocol::ok(v),
        Err(e) => {
            if e.status.is_server_error() {
                tracing::error!(op, error = %e.message, "request failed");
            } else {
                tracing::debug!(op, kind = e.kind, error = %e.message, "request refused");
            }
            e.into_response()
        }
    }
}

async fn respond(
    rt: &Arc<Runtime>,
    op: &str,
    req: protocol::Req,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Value, ApiError> {
    match op {
        // Another node asks for a task waiting here now.
        "GetActivityTask" if headers.contains_key(cluster::POLL_ONCE) => {
            ops::activities::take_now(rt, &req).await
        }
        "GetActivityTask" => ops::activities::get_task(rt, req, Some((headers, body))).await,
        // Run to its end even if the client leaves: hyper drops a request's
        // future when its connection closes, and one dropped half-way could
        // have committed events whose effects it never carried out.
        // (GetActivityTask's long poll may be dropped: it hands a task out
        // in a task of its own.)
        _ => {
            let (rt, task_op) = (rt.clone(), op.to_string());
            tokio::spawn(async move { ops::call(&rt, &task_op, req).await })
                .await
                .unwrap_or_else(|e| Err(ApiError::internal(format!("{op}: {e}"))))
        }
    }
}

async fn health(State(rt): State<Arc<Runtime>>) -> Response {
    let peers: Vec<String> = rt.cluster.peers().into_iter().map(|p| p.node).collect();
    axum::Json(json!({
        "status": if rt.cluster.is_fenced() { "stopping" } else { "ok" },
        "node": rt.cluster.node(),
        "peers": peers,
        "liveExecutions": rt.live_count(),
        "parkedExecutions": rt.parked_count(),
        "timers": rt.timers.len(),
    }))
    .into_response()
}

/// AWS gives every API answer, refusals included, an `x-amzn-RequestId`
/// (the SDKs show it as `ResponseMetadata.RequestId`). An answer another
/// node gave keeps its own.
async fn request_id(
    State(rt): State<Arc<Runtime>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    if !response.headers().contains_key(REQUEST_ID) {
        if let Ok(id) = axum::http::HeaderValue::from_str(&rt.uuid()) {
            response.headers_mut().insert(REQUEST_ID, id);
        }
    }
    response
}

const REQUEST_ID: &str = "x-amzn-requestid";

/// The HTTP routes of a runtime (the API, health, the console stream).
pub fn router(rt: Arc<Runtime>) -> Router {
    // SigV4 (when configured) guards the API and the stream, not the
    // console's page and assets nor /health.
    let signed = axum::middleware::from_fn_with_state(rt.clone(), auth::require_signature);
    let request_id = axum::middleware::from_fn_with_state(rt.clone(), request_id);
    Router::new()
        .route(
            "/",
            post(api)
                .route_layer(signed.clone())
                .route_layer(request_id),
        )
        .route("/health", get(health))
        .route("/console/stream", post(stream::stream).route_layer(signed))
        .merge(stepwell_console::router())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(rt)
}

/// A database location fit for logs: a URL's password is left out.
fn redacted(db: &str) -> String {
    match (db.split_once("://"), db.rfind('@')) {
        (Some((scheme, rest)), Some(at)) if rest.contains(':') => {
            let userinfo = &db[scheme.len() + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:***{}", &db[at..]),
                None => db.to_string(),
            }
        }
        _ => db.to_string(),
    }
}

/// Open the store, join the nodes sharing it, recover running executions
/// (this node's, and those no live node drives) and start the timer
/// service and the lease renewal.
pub async fn start_runtime(
    opts: &ServeOptions,
    lambda: Option<Arc<dyn TaskBackend>>,
) -> Result<Arc<Runtime>, String> {
    let store = stepwell_store::open(&opts.db, opts.durability)
        .map_err(|e| format!("cannot open the database {}: {e}", redacted(&opts.db)))?;
    start_runtime_on(opts, store, lambda).await
}

/// [`start_runtime`] on a store already open.
pub(crate) async fn start_runtime_on(
    opts: &ServeOptions,
    store: Arc<dyn stepwell_store::Store>,
    lambda: Option<Arc<dyn TaskBackend>>,
) -> Result<Arc<Runtime>, String> {
    let cfg = Config {
        arns: Arns {
            region: opts.region.clone(),
            account: opts.account.clone(),
        },
        wait_scale: opts.wait_scale,
        mock_config: opts.mock_config.clone(),
        sigv4: opts.sigv4.clone(),
        s3: opts
            .s3_dir
            .as_ref()
            .map(|d| Arc::new(stepwell_engine::LocalS3::new(d))),
        node: opts.node.clone(),
        park_after_ms: opts.park_after_ms,
    };
    if let Some(v) = &cfg.sigv4 {
        tracing::info!(region = v.region(), access_keys = ?v.key_ids(), "SigV4 verification is on (POST / and /console/stream)");
    }
    let mut rt = Runtime::new(cfg, store).map_err(|e| e.to_string())?;
    rt.lambda = lambda;
    if let Some(dir) = &opts.logs_dir {
        rt.logs = Some(
            logs::Logs::start(dir.clone(), rt.store.clone())
                .map_err(|e| format!("cannot start the log writer: {e}"))?,
        );
    }
    let generation = rt.store.generation().map_err(|e| e.to_string())?;
    rt.load_registry().map_err(|e| e.message)?;
    rt.cluster.loaded_generation(generation);
    let rt = Arc::new(rt);
    // Renewed from now on: recovering many executions takes a while.
    tokio::spawn(cluster::renew(rt.clone()));
    tokio::spawn(timers::run(rt.clone()));
    tokio::spawn(park::run(rt.clone()));
    let n = rt.recover().map_err(|e| e.message)?;
    cluster::refresh_peers(&rt).await.map_err(|e| e.message)?;
    let taken = cluster::take_over(&rt).await.map_err(|e| e.message)?;
    if n + taken > 0 {
        tracing::info!(executions = n + taken, "recovered running executions");
    }
    tokio::spawn(cluster::run(rt.clone()));
    cluster::announce(&rt).await;
    Ok(rt)
}

/// Run the server until Ctrl-C or SIGTERM.
pub async fn serve(opts: ServeOptions, extra: Option<Router>) -> Result<(), String> {
    let addr = SocketAddr::new(opts.bind, opts.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    // The handlers' AWS SDKs call the server back at its own address.
    let own = listener.local_addr().unwrap_or(addr);
    let host = match own.ip() {
        ip if ip.is_unspecified() => std::net::IpAddr::from([127, 0, 0, 1]),
        ip => ip,
    };
    let url = format!("http://{}", SocketAddr::new(host, own.port()));
    let mut opts = opts;
    if opts.node.url.is_empty() {
        opts.node.url = url.clone();
    }
    let handler_key = opts.sigv4.as_ref().and_then(auth::Verifier::handler_key);
    let lambda =
        lambda_backend::start(&opts.lambda, &opts.region, &opts.account, &url, handler_key).await?;
    let backend = lambda_backend::LambdaBackend::new(lambda.clone(), opts.lambda.enabled());
    // Lambda functions and the HTTP Task first, then AWS integrations.
    let mut backends: Vec<Arc<dyn TaskBackend>> = vec![Arc::new(backend)];
    if opts.aws_integrations {
        backends.push(Arc::new(aws_backend::AwsBackend::from_env(&opts.region)));
    }
    let rt = start_runtime(&opts, Some(Arc::new(Backends(backends)))).await?;
    let mut app = router(rt.clone());
    let rt_stopping = rt.clone();
    if opts.lambda.enabled() {
        let functions = lambda.functions().count();
        let triggers = lambda.triggers().len();
        tracing::info!(functions, triggers, endpoint = ?opts.lambda.endpoint, "Lambda functions and the Invoke API are on");
        app = app.merge(lambda_backend::routes(lambda.clone(), rt));
    }
    if let Some(extra) = extra {
        app = app.merge(extra);
    }
    tracing::info!(addr = %own, db = %redacted(&opts.db), node = %opts.node.id, "stepwell is serving the Step Functions API");
    let stopping = lambda.clone();
    let rt_end = rt_stopping.clone();
    let mut fenced = rt_stopping.cluster.fenced.subscribe();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = shutdown_signal() => {}
                _ = fenced.wait_for(|f| *f) => {}
            }
            // Waiting GetActivityTask polls answer now, not in 60 s.
            rt_stopping.shutdown();
            // Runtime processes first; the invocations they cut short have
            // no answer (the Tasks run again after a restart).
            stopping.shutdown().await;
        })
        .await
        .map_err(|e| e.to_string())?;
    lambda.shutdown().await;
    if rt_end.cluster.is_fenced() {
        return Err(format!(
            "node '{}' lost its lease: another node runs its executions now",
            rt_end.cluster.node()
        ));
    }
    // A clean stop hands this node's executions to the others at once.
    let (store, lease) = (rt_end.store.clone(), rt_end.cluster.lease.clone());
    match tokio::task::spawn_blocking(move || store.leave(&lease)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "could not give up the node's lease"),
        Err(e) => tracing::warn!(error = %e, "could not give up the node's lease"),
    }
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_whose_client_left_still_runs_to_its_end() {
        let (rt, db) = testing::runtime("client-left", 0.0).await;
        let pass = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
        let sm = testing::create_machine(&rt, "m", &pass).await;
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amz-target",
            axum::http::HeaderValue::from_static("AWSStepFunctions.StartExecution"),
        );
        // Polled until its execution is committed, then dropped, as hyper
        // drops it when the connection closes. A request that commits and
        // answers within one poll cannot be dropped in between: then again,
        // under another name.
        let mut dropped = None;
        for attempt in 0..20 {
            let name = format!("left-{attempt}");
            let body = json!({"stateMachineArn": sm, "name": name}).to_string();
            let arn = format!("{}:{name}", sm.replace(":stateMachine:", ":execution:"));
            let mut request = Box::pin(api(State(rt.clone()), headers.clone(), Bytes::from(body)));
            let mut answered = false;
            while !answered && rt.store.execution(&arn).ok().flatten().is_none() {
                answered = std::future::poll_fn(|cx| {
                    std::task::Poll::Ready(
                        std::future::Future::poll(request.as_mut(), cx).is_ready(),
                    )
                })
                .await;
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            if !answered {
                drop(request);
                dropped = Some(arn);
                break;
            }
        }
        let Some(arn) = dropped else {
            panic!("every request answered before it could be dropped");
        };
        testing::until_status(&rt, &arn, "SUCCEEDED").await;
        rt.shutdown();
        testing::remove_db(&db);
    }

    /// Two nodes on one store: a change of named resources committed by a
    /// node whose registry has not seen another node's change fails
    /// (`cluster::STALE`, which `api` answers again on the registry
    /// reloaded) instead of overwriting it unseen.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_change_another_node_made_first_is_seen_not_overwritten() {
        let db = testing::temp_db("two-nodes");
        let node = |id: &str| {
            let mut o = testing::options(&db, 1.0);
            o.node.id = id.into();
            o
        };
        let a = start_runtime(&node("a"), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let b = start_runtime(&node("b"), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let pass = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
        let sm = testing::create_machine(&a, "m", &pass).await;
        let put = |body: &str| {
            vec![stepwell_store::Write::PutResource {
                kind: records::kind::STATE_MACHINE,
                key: sm.clone(),
                body: body.into(),
            }]
        };
        // B's registry is from before A's change.
        let behind = b.commit(put("{}")).await;
        assert_eq!(behind.map_err(|e| e.kind), Err(cluster::STALE));
        let kept = a.store.resource(records::kind::STATE_MACHINE, &sm);
        assert!(matches!(&kept, Ok(Some(body)) if body != "{}"), "{kept:?}");
        // Reloaded, it may change it; and its own change keeps it current.
        cluster::sync_registry(&b, true)
            .await
            .unwrap_or_else(|e| panic!("{}", e.message));
        let current = b.commit(put("{}")).await;
        assert!(current.is_ok(), "{:?}", current.map_err(|e| e.message));
        assert!(b.commit(put("{}")).await.is_ok());
        a.shutdown();
        b.shutdown();
        testing::remove_db(&db);
    }

    #[test]
    fn database_passwords_stay_out_of_logs() {
        assert_eq!(
            redacted("postgres://app:s3cret@db:5432/sfn"),
            "postgres://app:***@db:5432/sfn"
        );
        assert_eq!(redacted("postgres://app@db/sfn"), "postgres://app@db/sfn");
        assert_eq!(redacted("postgres://db/sfn"), "postgres://db/sfn");
        assert_eq!(redacted("stepwell.db"), "stepwell.db");
    }
}
