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
