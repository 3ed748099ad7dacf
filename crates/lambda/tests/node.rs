//! Real Node.js handler processes behind the Runtime API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

const PROJECT: &str = r#"
[functions.echo]
runtime = "nodejs20.x"
handler = "index.echo"
code = "node"

[functions.callback]
runtime = "nodejs20.x"
handler = "index.callback"
code = "node"

[functions.esm]
runtime = "nodejs22.x"
handler = "app.handler"
code = "node_esm"

[functions.esm_await]
runtime = "nodejs22.x"
handler = "app.handler"
code = "node_esm_tla"

[functions.fail]
runtime = "nodejs20.x"
handler = "index.fail"
code = "node"

[functions.throw_value]
runtime = "nodejs20.x"
handler = "index.throwValue"
code = "node"

[functions.leave]
runtime = "nodejs20.x"
handler = "index.leave"
code = "node"

[functions.hang]
runtime = "nodejs20.x"
handler = "index.hang"
code = "node"
timeout = 1

[functions.not_json]
runtime = "nodejs20.x"
handler = "index.notJson"
code = "node"

[functions.rejection]
runtime = "nodejs20.x"
handler = "index.rejectLater"
code = "node"

[functions.syntax]
runtime = "nodejs20.x"
handler = "index.handler"
code = "node_syntax"

[functions.no_handler]
runtime = "nodejs20.x"
handler = "index.nope"
code = "node"

[functions.no_module]
runtime = "nodejs20.x"
handler = "missing.handler"
code = "node"

[functions.pid]
runtime = "nodejs20.x"
handler = "index.pid"
code = "node"

[functions.nap]
runtime = "nodejs20.x"
handler = "index.nap"
code = "node"
concurrency = 2
"#;

#[tokio::test]
async fn async_callback_and_esm_handlers() {
    if !have("node") {
        return;
    }
    let lambda = start(PROJECT).await;
    let out = call(&lambda, "echo", json!({"order": 7})).await.unwrap();
    assert_eq!(out["event"], json!({"order": 7}));
    assert_eq!(out["functionName"], "echo");
    assert_eq!(out["arn"], format!("{ARN}echo"));
    assert_eq!(out["memory"], "128");
    assert_eq!(out["remainingOk"], true);
    assert_eq!(out["requestId"].as_str().unwrap().len(), 36);

    let out = call(&lambda, "callback", json!([1, 2])).await.unwrap();
    assert_eq!(out, json!({"tagged": true, "event": [1, 2]}));

    let out = call(&lambda, "esm", json!("x")).await.unwrap();
    assert_eq!(out, json!({"esm": true, "event": "x"}));

    // A .js ES module with a top-level await: Node 20.19+ and 22.12+
    // require() ES modules but refuse one that awaits at the top level.
    let out = call(&lambda, "esm_await", json!("y")).await.unwrap();
    assert_eq!(out, json!({"ready": true, "event": "y"}));
    lambda.shutdown().await;
}

#[tokio::test]
async fn a_thrown_error_names_the_state_error() {
    if !have("node") {
        return;
    }
    let lambda = start(PROJECT).await;
    let (error, cause) = call(&lambda, "fail", json!({})).await.unwrap_err();
    assert_eq!(error, "ValidationError");
    let payload = cause_json(&cause);
    assert_eq!(payload["errorType"], "ValidationError");
    assert_eq!(payload["errorMessage"], "order has no items");
    assert!(
        payload["trace"][0]
            .as_str()
            .unwrap()
            .starts_with("ValidationError: order has no items"),
        "{cause}"
    );
    lambda.shutdown().await;
}

#[tokio::test]
async fn a_thrown_value_that_is_no_error_is_reported_as_aws_runtime_does() {
    if !have("node") {
        return;
    }
    let lambda = start(PROJECT).await;
    for (what, error, message) in [
        ("object", "object", "[object Object]"),
        ("string", "string", "boom"),
    ] {
        let (got, cause) = call(&lambda, "throw_value", json!({"what": what}))
            .await
            .unwrap_err();
        assert_eq!(got, error, "{what}: {cause}");
        assert_eq!(cause_json(&cause)["errorMessage"], message, "{what}");
    }
    lambda.shutdown().await;
}

#[tokio::test]
async fn code_that_cannot_load_gives_the_runtime_errors() {
    if !have("node") {
        return;
    }
    let lambda = start(PROJECT).await;
    let cases = [
        ("syntax", "Runtime.UserCodeSyntaxError", "SyntaxError: "),
        (
            "no_handler",
            "Runtime.HandlerNotFound",
            "index.nope is undefined or not exported",
        ),
        (
            "no_module",
            "Runtime.ImportModuleError",
            "Error: Cannot find module",
        ),
    ];
    for (function, want_error, want_message) in cases {
        for _ in 0..2 {
            let (error, cause) = call(&lambda, function, json!({})).await.unwrap_err();
            assert_eq!(error, want_error, "{function}: {cause}");
            let message = cause_json(&cause)["errorMessage"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(message.starts_with(want_message), "{function}: {message}");
        }
    }
    assert!(call(&lambda, "pid", json!({})).await.is_ok());
    lambda.shutdown().await;
}

#[tokio::test]
async fn an_exiting_handler_is_an_exit_error_and_its_process_is_replaced() {
    if !have("node") {
        return;
    }
    let lambda = start(PROJECT).await;
    let first = call(&lambda, "leave", json!({})).await.unwrap();
    let (error, cause) = call(&lambda, "leave", json!({"exit": true}))
        .await
        .unwrap_err();
    assert_eq!(error, "Runtime.ExitError");
    let message = cause_json(&cause)["errorMessage"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.ends_with(" Error: Runtime exited with error: exit status 2"),
        "{message}"
    );
    let again = call(&lambda, "leave", json!({})).await.unwrap();
    assert_ne!(first, again);
    lambda.shutdown().await;
}

#[tokio::test]
async fn a_handler_past_its_timeout_is_killed() {
    if !have("node") {
        return;
    }
    let lambda = start(PROJECT).await;
    let first = call(&lambda, "hang", json!({})).await.unwrap();
    let started = Instant::now();
    let (error, cause) = call(&lambda, "hang", json!({"hang": true}))
        .await
        .unwrap_err();
    assert_eq!(error, "Sandbox.Timedout");
    assert!(
        cause.contains("Task timed out after 1.00 seconds"),
        "{cause}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let again = call(&lambda, "hang", json!({})).await.unwrap();
    assert_ne!(first, again);
    lambda.shutdown().await;
}

#[tokio::test]
async fn results_that_are_not_json_and_stray_rejections() {
    if !have("node") {
        return;
    }
    let lambda = start(PROJECT).await;
    let (error, cause) = call(&lambda, "not_json", json!({})).await.unwrap_err();
    assert_eq!(error, "Error");
    assert_eq!(
        cause_json(&cause)["errorMessage"],
        "Unable to stringify response body"
    );

    let (error, cause) = call(&lambda, "rejection", json!({})).await.unwrap_err();
    assert_eq!(error, "Runtime.UnhandledPromiseRejection", "{cause}");
    assert_eq!(
        cause_json(&cause)["errorMessage"],
        "Error: nobody catches this"
    );
    assert!(call(&lambda, "pid", json!({})).await.is_ok());
    lambda.shutdown().await;
}

#[tokio::test]
async fn warm_reuse_and_concurrency() {
    if !have("node") {
        return;
    }
    let lambda = start(PROJECT).await;
    let a = call(&lambda, "pid", json!({})).await.unwrap();
    let b = call(&lambda, "pid", json!({})).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(lambda.process_count("pid"), 1);

    let runs: Vec<_> = (0..4)
        .map(|_| {
            let lambda = lambda.clone();
            tokio::spawn(async move { call(&lambda, "nap", json!({"ms": 200})).await.unwrap() })
        })
        .collect();
    let mut pids = std::collections::BTreeSet::new();
    for run in runs {
        pids.insert(run.await.unwrap().to_string());
    }
    assert_eq!(
        pids.len(),
        2,
        "two processes served four invocations: {pids:?}"
    );
    assert_eq!(lambda.process_count("nap"), 2);
    lambda.shutdown().await;
}
