//! A `provided` runtime (an executable `bootstrap`) that reports what the
//! Runtime API sent it: the headers of `/next`, a `Content-Type` on every
//! answer, and the answer to an unknown request id.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

const PROJECT: &str = r#"
[functions.custom]
runtime = "provided.al2023"
handler = "my.handler"
code = "provided"

[functions.no_bootstrap]
runtime = "provided"
code = "python"
"#;

#[tokio::test]
async fn the_runtime_api_as_a_custom_runtime_sees_it() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let before = serde_json::to_value(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64,
    )
    .unwrap();
    let first = call(&lambda, "custom", json!({"n": 1})).await.unwrap();
    assert_eq!(first["handler"], "my.handler");
    assert_eq!(first["event"], json!({"n": 1}));
    assert_eq!(first["next_content_type"], "application/json");
    assert_eq!(first["arn"], format!("{ARN}custom"));
    assert!(first["trace"].as_str().unwrap().starts_with("Root=1-"));
    // Lambda's default timeout is 3 s.
    let deadline = first["deadline_ms"].as_u64().unwrap();
    let before = before.as_u64().unwrap();
    assert!(
        deadline >= before + 2900 && deadline <= before + 3000 + 5000,
        "{deadline} vs {before}"
    );
    assert_eq!(
        first["unknown_id"],
        json!({"status": 400, "content_type": "application/json"})
    );

    let second = call(&lambda, "custom", json!({"n": 2})).await.unwrap();
    assert_eq!(
        second["unknown_id"],
        json!({"status": 202, "content_type": "application/json"}),
        "the answer to a /response"
    );
    lambda.shutdown().await;
}

#[tokio::test]
async fn a_missing_bootstrap_is_an_invalid_entrypoint() {
    let lambda = start(PROJECT).await;
    let (error, cause) = call(&lambda, "no_bootstrap", json!({})).await.unwrap_err();
    assert_eq!(error, "Runtime.InvalidEntrypoint");
    let message = cause_json(&cause)["errorMessage"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("Couldn't find valid bootstrap(s): ["),
        "{message}"
    );
}
