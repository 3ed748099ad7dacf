//! What the unit tests that run a whole runtime share.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::Value;
use stepwell_core::Event;
use stepwell_store::{
    ExecutionQuery, ExecutionRow, Lease, NodeRow, Result, Store, StoreError, Write,
};

use crate::protocol::Req;
use crate::runtime::Runtime;

/// `stepwell serve`'s options for a runtime on the store `db` (no
/// listener, no backends, this node alone).
pub(crate) fn options(db: &str, wait_scale: f64) -> crate::ServeOptions {
    crate::ServeOptions {
        bind: std::net::IpAddr::from([127, 0, 0, 1]),
        port: 0,
        db: db.to_string(),
        durability: Default::default(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        wait_scale,
        mock_config: None,
        sigv4: None,
        lambda: Default::default(),
        s3_dir: None,
        aws_integrations: false,
        node: Default::default(),
        park_after_ms: 60_000,
        logs_dir: None,
    }
}

/// Call an API operation; its error fails the test.
pub(crate) async fn call(rt: &Arc<Runtime>, op: &str, body: Value) -> Value {
    let Value::Object(m) = body else {
        panic!("{op}: the request is not an object");
    };
    match crate::ops::call(rt, op, Req(m)).await {
        Ok(v) => v,
        Err(e) => panic!("{op}: {}", e.message),
    }
}

/// Polls `check` every 10 ms until it holds; after 5 s the test fails,
/// naming `what` it waited for.
pub(crate) async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Waits until `check` holds for the execution's stored history.
pub(crate) async fn until_events(rt: &Arc<Runtime>, arn: &str, check: impl Fn(&[Event]) -> bool) {
    until(arn, async || {
        check(&rt.store.events(arn).unwrap_or_default())
    })
    .await;
}

/// Waits until DescribeExecution gives the execution `status`.
pub(crate) async fn until_status(rt: &Arc<Runtime>, arn: &str, status: &str) {
    let body = serde_json::json!({ "executionArn": arn });
    let what = format!("{arn} to be {status}");
    until(&what, async || {
        call(rt, "DescribeExecution", body.clone()).await["status"] == status
    })
    .await;
}

/// A fresh SQLite file for one test's store, in a directory of its own
/// (`stepwell-<name>-<pid>` under the system's temporary directory).
pub(crate) fn temp_db(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("stepwell-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    dir.join("db.sqlite").to_string_lossy().into_owned()
}

/// Remove what [`temp_db`] made.
pub(crate) fn remove_db(db: &str) {
    if let Some(dir) = std::path::Path::new(db).parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// A runtime (no backends) on a fresh SQLite file: it and the file.
pub(crate) async fn runtime(name: &str, wait_scale: f64) -> (Arc<Runtime>, String) {
    let db = temp_db(name);
    match crate::start_runtime(&options(&db, wait_scale), None).await {
        Ok(rt) => (rt, db),
        Err(e) => panic!("{e}"),
    }
}

/// Create the state machine `name` of `definition`; its ARN.
pub(crate) async fn create_machine(rt: &Arc<Runtime>, name: &str, definition: &Value) -> String {
    let body = serde_json::json!({
        "name": name,
        "definition": definition.to_string(),
        "roleArn": "arn:aws:iam::123456789012:role/r",
    });
    let sm = call(rt, "CreateStateMachine", body).await;
    sm["stateMachineArn"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Start an execution of `machine` with `input` (JSON text); its ARN.
pub(crate) async fn start(rt: &Arc<Runtime>, machine: &str, input: &str) -> String {
    let body = serde_json::json!({"stateMachineArn": machine, "input": input});
    let ex = call(rt, "StartExecution", body).await;
    ex["executionArn"].as_str().unwrap_or_default().to_string()
}

/// A store that fails on demand: histories cannot be read while
/// `events_down`, execution records while `records_down`, and the next
/// `failing_appends` commits that append events fail (after `slow_ms`,
/// while `failing_now`). With `append_twice`, the next commit that
/// appends events is committed twice, as if another node had committed
/// the same decision first: the second one collides with it.
pub(crate) struct Flaky {
    pub inner: Arc<dyn Store>,
    pub events_down: AtomicBool,
    pub records_down: AtomicBool,
    pub failing_appends: AtomicUsize,
    pub slow_ms: u64,
    pub failing_now: AtomicBool,
    pub append_twice: AtomicBool,
}

impl Flaky {
    pub(crate) fn new(inner: Arc<dyn Store>) -> Flaky {
        Flaky {
            inner,
            events_down: AtomicBool::new(false),
            records_down: AtomicBool::new(false),
            failing_appends: AtomicUsize::new(0),
            slow_ms: 0,
            failing_now: AtomicBool::new(false),
            append_twice: AtomicBool::new(false),
        }
    }
}

fn down() -> StoreError {
    StoreError::Backend("the database is down".into())
}

impl Store for Flaky {
    fn commit(&self, writes: &[Write]) -> Result<()> {
        let appends = writes
            .iter()
            .any(|w| matches!(w, Write::AppendEvents { .. }));
        if appends
            && self
                .failing_appends
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            self.failing_now.store(true, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(self.slow_ms));
            self.failing_now.store(false, Ordering::SeqCst);
            return Err(down());
        }
        if appends && self.append_twice.swap(false, Ordering::SeqCst) {
            self.inner.commit(writes)?;
        }
        self.inner.commit(writes)
    }
    fn resources(&self, kind: &str) -> Result<Vec<(String, String)>> {
        self.inner.resources(kind)
    }
    fn resource(&self, kind: &str, key: &str) -> Result<Option<String>> {
        self.inner.resource(kind, key)
    }
    fn execution(&self, arn: &str) -> Result<Option<ExecutionRow>> {
        if self.records_down.load(Ordering::SeqCst) {
            return Err(down());
        }
        self.inner.execution(arn)
    }
    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRow>> {
        self.inner.executions(query)
    }
    fn running(&self, node: &str) -> Result<Vec<ExecutionRow>> {
        self.inner.running(node)
    }
    fn events(&self, arn: &str) -> Result<Vec<Event>> {
        if self.events_down.load(Ordering::SeqCst) {
            return Err(down());
        }
        self.inner.events(arn)
    }
    fn join(&self, lease: &Lease, url: &str, expires_ms: i64) -> Result<()> {
        self.inner.join(lease, url, expires_ms)
    }
    fn renew(&self, lease: &Lease, expires_ms: i64) -> Result<bool> {
        self.inner.renew(lease, expires_ms)
    }
    fn leave(&self, lease: &Lease) -> Result<()> {
        self.inner.leave(lease)
    }
    fn nodes(&self) -> Result<Vec<NodeRow>> {
        self.inner.nodes()
    }
    fn take_over(&self, lease: &Lease, now_ms: i64) -> Result<Vec<ExecutionRow>> {
        self.inner.take_over(lease, now_ms)
    }
    fn generation(&self) -> Result<i64> {
        self.inner.generation()
    }
}
