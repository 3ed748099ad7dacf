//! Several servers (nodes) sharing one store.
//!
//! Each node holds a lease in the store ([`stepwell_store::Lease`]) and
//! renews it every quarter of its length; every execution row names the
//! node that drives it, and every commit a node makes is fenced by its
//! lease. A node whose lease runs out (it died, or lost the database) is
//! taken over by the first live node that notices: in one transaction the
//! store drops the lease, after the commits the node had under way, and
//! hands its running executions to the taker, which replays them exactly as
//! after a restart. The node that lost its lease finds out at its next
//! renewal or commit, drops everything live and stops.
//!
//! Any node answers any request. Reads come from the store. An input for a
//! running execution (StopExecution, SendTask*, UpdateMapRun) goes to the
//! node that drives it: the request is forwarded unchanged (its signature
//! still holds, the `Host` header included). GetActivityTask takes a task
//! from this node's queue or, every second while it waits, from the others'.
//! Named resources are cached in each node and reloaded when the store's
//! generation counter shows another node changed them; a node with peers
//! checks it before every request, so a state machine created on one node
//! can be started on another at once.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use stepwell_store::{Lease, NodeRow, Store, StoreError};

use crate::protocol::{ApiError, Req};
use crate::runtime::{now_ms, Runtime};

/// Marks a request one node forwarded to another (it is not forwarded again).
pub const FORWARDED: &str = "x-stepwell-forwarded";
/// Asks a peer for an activity task it has now, without waiting.
pub const POLL_ONCE: &str = "x-stepwell-poll-once";

/// Who this node is (`stepwell serve --node-id`, `--advertise-url`,
/// `--node-lease`).
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub id: String,
    /// Where the other nodes reach this one's API.
    pub url: String,
    /// How long a lease lasts without renewal (ms).
    pub lease_ms: i64,
}

impl Default for NodeConfig {
    fn default() -> NodeConfig {
        NodeConfig {
            id: "stepwell".into(),
            url: String::new(),
            lease_ms: 10_000,
        }
    }
}

/// This node's membership.
pub struct Cluster {
    pub lease: Lease,
    pub url: String,
    pub lease_ms: i64,
    /// The other nodes whose lease was current at the last renewal.
    peers: RwLock<Vec<NodeRow>>,
    /// The store's generation the registry was last loaded at.
    generation: AtomicI64,
    /// Set once this node lost its lease: it must stop.
    pub(crate) fenced: tokio::sync::watch::Sender<bool>,
}

impl Cluster {
    pub fn new(cfg: &NodeConfig, incarnation: String) -> Cluster {
        Cluster {
            lease: Lease {
                node: cfg.id.clone(),
                incarnation,
            },
            url: cfg.url.clone(),
            lease_ms: cfg.lease_ms.max(1),
            peers: RwLock::new(Vec::new()),
            generation: AtomicI64::new(i64::MIN),
            fenced: tokio::sync::watch::Sender::new(false),
        }
    }

    pub fn node(&self) -> &str {
        &self.lease.node
    }

    pub fn peers(&self) -> Vec<NodeRow> {
        self.peers.read().map(|p| p.clone()).unwrap_or_default()
    }

    /// How often the lease is renewed (and the peers looked up): a
    /// quarter of the lease.
    fn beat(&self) -> Duration {
        Duration::from_millis((self.lease_ms / 4).max(50) as u64)
    }

    pub(crate) fn has_peers(&self) -> bool {
        self.peers.read().map(|p| !p.is_empty()).unwrap_or(false)
    }

    fn peer(&self, node: &str) -> Option<NodeRow> {
        self.peers().into_iter().find(|p| p.node == node)
    }

    pub fn is_fenced(&self) -> bool {
        *self.fenced.borrow()
    }

    pub(crate) fn loaded_generation(&self, generation: i64) {
        self.generation.store(generation, Ordering::SeqCst);
    }

    /// The store generation this node's registry is at.
    pub(crate) fn generation(&self) -> i64 {
        self.generation.load(Ordering::SeqCst)
    }
}

/// The answer to a change of named resources that another node changed
/// first ([`Runtime::commit`]): `api` reloads the registry and answers the
/// request again; a client that still gets it sees `ServiceUnavailable`.
pub(crate) const STALE: &str = "ServiceUnavailable.RegistryChanged";

/// Run a store call off the async workers.
async fn blocking<T: Send + 'static>(
    store: &Arc<dyn Store>,
    f: impl FnOnce(&dyn Store) -> stepwell_store::Result<T> + Send + 'static,
) -> stepwell_store::Result<T> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&*store))
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))?
}

/// Renew the lease every quarter of it, until the node stops or loses it.
/// A task of its own: nothing else a node does (loading a dead node's
/// executions, reloading the registry) may delay it past the lease.
pub async fn renew(rt: Arc<Runtime>) {
    let mut stopping = rt.stopping.subscribe();
    while next_beat(&rt, &mut stopping).await {
        let lease = rt.cluster.lease.clone();
        let expires = now_ms() + rt.cluster.lease_ms;
        match blocking(&rt.store, move |s| s.renew(&lease, expires)).await {
            Ok(true) => {}
            Ok(false) => rt.lost_lease(),
            Err(e) => tracing::warn!(error = %e, "node lease renewal failed"),
        }
    }
}

/// Wait for the next beat (a quarter of the lease); false once the node
/// stops or has lost its lease.
async fn next_beat(rt: &Runtime, stopping: &mut tokio::sync::watch::Receiver<bool>) -> bool {
    if rt.cluster.is_fenced() {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(rt.cluster.beat()) => !rt.cluster.is_fenced(),
        _ = stopping.wait_for(|s| *s) => false,
    }
}

/// Learn the peers, take over nodes whose lease ran out, reload the
/// registry when another node changed it and finish deleting state
/// machines whose executions have ended; every quarter of the lease,
/// until the node stops or loses its lease.
pub async fn run(rt: Arc<Runtime>) {
    let mut stopping = rt.stopping.subscribe();
    while next_beat(&rt, &mut stopping).await {
        if let Err(e) = beat_once(&rt).await {
            tracing::warn!(error = %e.message, "node beat failed");
        }
    }
}

async fn beat_once(rt: &Arc<Runtime>) -> Result<(), ApiError> {
    refresh_peers(rt).await?;
    // The registry first: a taken-over execution may be of a state
    // machine its node created just before it stopped.
    sync_registry(rt, true).await?;
    take_over(rt).await?;
    crate::ops::state_machines::finish_deletions(rt).await
}

/// A node that joins others waits a beat and a half before it serves: by
/// then each of them has renewed its lease and seen this node among its
/// peers, so it checks the registry's generation before every request and
/// sees at once what this node creates or changes. (A node that knows no
/// peers skips that check; without the wait, a state machine changed or
/// deleted here could look unchanged there until its next beat. One
/// created here is found anyway: [`missed_new_resource`].)
pub async fn announce(rt: &Arc<Runtime>) {
    if rt.cluster.has_peers() {
        tokio::time::sleep(rt.cluster.beat() * 3 / 2).await;
    }
}

/// Learn the other nodes whose lease is current from the store.
pub async fn refresh_peers(rt: &Arc<Runtime>) -> Result<(), ApiError> {
    let nodes = blocking(&rt.store, |s| s.nodes()).await?;
    let now = now_ms();
    let me = rt.cluster.node().to_string();
    let peers: Vec<NodeRow> = nodes
        .into_iter()
        .filter(|n| n.node != me && n.expires_ms >= now)
        .collect();
    if let Some(backend) = &rt.lambda {
        let urls: Vec<String> = peers.iter().map(|p| p.url.clone()).collect();
        backend.set_peers(&urls);
    }
    if let Ok(mut p) = rt.cluster.peers.write() {
        *p = peers;
    }
    Ok(())
}

/// Take over the running executions of nodes whose lease ran out (and of
/// none at all), and make them live here.
pub async fn take_over(rt: &Arc<Runtime>) -> Result<usize, ApiError> {
    let lease = rt.cluster.lease.clone();
    let now = now_ms();
    let rows = match blocking(&rt.store, move |s| s.take_over(&lease, now)).await {
        Err(StoreError::Fenced(_)) => {
            rt.lost_lease();
            return Ok(0);
        }
        r => r?,
    };
    let n = rows.len();
    if n > 0 {
        tracing::info!(
            executions = n,
            "took over the executions of nodes that stopped"
        );
    }
    let rt = rt.clone();
    tokio::task::spawn_blocking(move || rt.adopt(rows))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(n)
}

/// Reload the named resources if another node changed them; true if it
/// did. Cheap when this node has no peers and `always` is false (nothing
/// to check).
pub async fn sync_registry(rt: &Arc<Runtime>, always: bool) -> Result<bool, ApiError> {
    if !always && !rt.cluster.has_peers() {
        return Ok(false);
    }
    let generation = blocking(&rt.store, |s| s.generation()).await?;
    if generation == rt.cluster.generation.load(Ordering::SeqCst) {
        return Ok(false);
    }
    let _admin = rt.admin.lock().await;
    let rt2 = rt.clone();
    tokio::task::spawn_blocking(move || rt2.load_registry())
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    rt.cluster.loaded_generation(generation);
    Ok(true)
}

/// Whether an answer that a named resource does not exist came from a
/// stale registry: a node that knows no peers skips the generation check
/// before each request, so a node that joined since its last beat may
/// have created the resource. Then the registry is reloaded (true: ask
/// again). This makes "created on one node, used on another" hold without
/// timing; [`announce`] bounds the rest (changes and deletions).
pub async fn missed_new_resource(rt: &Arc<Runtime>, answer: &ApiError) -> Result<bool, ApiError> {
    let missing = matches!(
        answer.kind,
        "StateMachineDoesNotExist" | "ActivityDoesNotExist" | "ResourceNotFound"
    );
    if !missing || rt.cluster.has_peers() {
        return Ok(false);
    }
    sync_registry(rt, true).await
}

/// The execution an operation's input goes to, if it is one that changes
/// a running execution.
async fn target(rt: &Arc<Runtime>, op: &str, req: &Req) -> Result<Option<String>, ApiError> {
    let arn = match op {
        "StopExecution" => {
            let Some(arn) = req.opt_str("executionArn")? else {
                return Ok(None);
            };
            // A Map Run's child execution runs in its parent, on its node.
            match stepwell_core::map_run::parse_child_arn(arn) {
                Some((stem, _)) => {
                    let (rt2, stem) = (rt.clone(), stem.to_string());
                    tokio::task::spawn_blocking(move || {
                        crate::ops::map_runs::parent_arn_of(&rt2, &stem)
                    })
                    .await
                    .map_err(|e| ApiError::internal(e.to_string()))?
                }
                None => Some(arn.to_string()),
            }
        }
        "SendTaskSuccess" | "SendTaskFailure" | "SendTaskHeartbeat" => {
            let Some(token) = req.opt_str("taskToken")?.map(str::to_string) else {
                return Ok(None);
            };
            if rt.knows_token(&token) {
                return Ok(None);
            }
            blocking(&rt.store, move |s| {
                s.resource(crate::records::kind::TASK_TOKEN, &token)
            })
            .await?
        }
        "UpdateMapRun" => {
            let Some(stem) = req
                .opt_str("mapRunArn")?
                .and_then(stepwell_core::map_run::stem_of_map_run)
                .map(str::to_string)
            else {
                return Ok(None);
            };
            let rt2 = rt.clone();
            tokio::task::spawn_blocking(move || crate::ops::map_runs::parent_arn_of(&rt2, &stem))
                .await
                .map_err(|e| ApiError::internal(e.to_string()))?
        }
        _ => None,
    };
    Ok(arn.filter(|a| !rt.runs_here(a)))
}

/// Where to send a request for a running execution another node drives:
/// `None` to handle it here (not running, driven here, or just taken over).
pub async fn route(rt: &Arc<Runtime>, op: &str, req: &Req) -> Result<Option<String>, ApiError> {
    let Some(arn) = target(rt, op, req).await? else {
        return Ok(None);
    };
    for _ in 0..3 {
        let key = arn.clone();
        let Some(row) = blocking(&rt.store, move |s| s.execution(&key)).await? else {
            return Ok(None);
        };
        if row.status != "RUNNING" {
            return Ok(None);
        }
        if row.node == rt.cluster.node() {
            // Taken over (or started) here but not loaded yet: the client
            // retries ([`Runtime::adopt`]).
            return Err(ApiError::unavailable(format!(
                "{arn} is being loaded; retry"
            )));
        }
        let current = |rt: &Runtime| {
            rt.cluster
                .peer(&row.node)
                .filter(|p| p.expires_ms >= now_ms())
        };
        if current(rt).is_none() {
            // A node that joined (or renewed) since this one last looked.
            refresh_peers(rt).await?;
        }
        if let Some(peer) = current(rt) {
            return Ok(Some(peer.url));
        }
        // Its node is gone: take its executions over, then look again.
        take_over(rt).await?;
    }
    Err(ApiError::unavailable(format!(
        "the node that runs {arn} is not reachable; retry"
    )))
}

/// A forwarded request for a running execution that is not live here
/// (another node took it over since the sender looked): the sender's
/// client retries, and the sender routes it afresh.
pub async fn moved(rt: &Arc<Runtime>, op: &str, req: &Req) -> Result<(), ApiError> {
    let Some(arn) = target(rt, op, req).await? else {
        return Ok(());
    };
    let key = arn.clone();
    match blocking(&rt.store, move |s| s.execution(&key)).await? {
        Some(row) if row.status == "RUNNING" => Err(ApiError::unavailable(format!(
            "{arn} is no longer run by node '{}'; retry",
            rt.cluster.node()
        ))),
        _ => Ok(()),
    }
}

/// Headers a forwarded request keeps (the SigV4 signature covers some).
const KEPT: &[&str] = &[
    "content-type",
    "x-amz-target",
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "host",
];

/// An input for an execution another node drives: send the request on
/// to that node and relay its answer, or `None` to handle it here. A node
/// that cannot be reached may have just left (SIGTERM gives its lease up):
/// then the nodes are looked up again and the request routed once more, so
/// this node takes the execution over (or finds its new node) instead of
/// answering `ServiceUnavailable` until its next beat.
pub async fn forward(
    rt: &Arc<Runtime>,
    op: &str,
    req: &Req,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Option<Response>, ApiError> {
    let mut tried = None;
    loop {
        let Some(url) = route(rt, op, req).await? else {
            return Ok(None);
        };
        match send(rt, &url, headers, body.clone(), false).await {
            Ok(answer) => {
                let mut response = (answer.status, answer.body).into_response();
                for (name, value) in &answer.headers {
                    if name == "content-type" || name.as_str().starts_with("x-amzn") {
                        response.headers_mut().insert(name.clone(), value.clone());
                    }
                }
                return Ok(Some(response));
            }
            Err(message) if tried.as_deref() != Some(url.as_str()) => {
                refresh_peers(rt).await?;
                if rt.cluster.peers().iter().any(|p| p.url == url) {
                    // It is still there: the client retries.
                    return Err(ApiError::unavailable(message));
                }
                tried = Some(url);
            }
            Err(message) => return Err(ApiError::unavailable(message)),
        }
    }
}

/// Ask the node at `url` for an activity task it has waiting now
/// (GetActivityTask as the worker sent it to this node).
pub async fn poll_peer(
    rt: &Runtime,
    url: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Option<serde_json::Value> {
    let answer = send(rt, url, headers, body.clone(), true).await.ok()?;
    if !answer.status.is_success() {
        return None;
    }
    let task: serde_json::Value = serde_json::from_slice(&answer.body).ok()?;
    task.get("taskToken").is_some().then_some(task)
}

async fn send(
    rt: &Runtime,
    url: &str,
    headers: &HeaderMap,
    body: Bytes,
    poll_once: bool,
) -> Result<stepwell_lambda::http::HttpResponse, String> {
    let mut request = axum::http::Request::post(format!("{}/", url.trim_end_matches('/')));
    for name in KEPT {
        if let Some(v) = headers.get(*name) {
            request = request.header(*name, v);
        }
    }
    request = request.header(FORWARDED, rt.cluster.node());
    if poll_once {
        request = request.header(POLL_ONCE, "1");
    }
    let request = request
        .body(http_body_util::Full::new(body))
        .map_err(|e| e.to_string())?;
    // Forwarded operations answer at once (none of them long-polls).
    stepwell_lambda::http::send(request, Duration::from_secs(30), 8 << 20)
        .await
        .map_err(|e| format!("forwarding to {url} failed: {e}"))
}
