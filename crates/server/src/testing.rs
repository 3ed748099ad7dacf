//! What the unit tests that run a whole runtime share.

use std::sync::Arc;

use serde_json::Value;

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
