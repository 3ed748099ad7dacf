//! A handler's AWS SDK reaches Stepwell: boto3 with the environment the
//! runtime process gets (endpoint URL, region, dummy credentials) calls a
//! fake Step Functions endpoint standing in for the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use common::*;
use serde_json::{json, Value};
use stepwell_lambda::{Lambda, LambdaConfig, Project};

type Calls = Arc<Mutex<Vec<(String, Value, String)>>>;

async fn fake_sfn() -> (String, Calls) {
    let calls: Calls = Arc::default();
    let app = Router::new()
        .route(
            "/",
            post(
                |State(calls): State<Calls>, headers: HeaderMap, body: Bytes| async move {
                    let header = |n: &str| {
                        headers
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    calls.lock().unwrap().push((
                        header("x-amz-target"),
                        body,
                        header("authorization"),
                    ));
                    ([("content-type", "application/x-amz-json-1.0")], "{}")
                },
            ),
        )
        .with_state(Arc::clone(&calls));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), calls)
}

#[tokio::test]
async fn boto3_in_a_handler_calls_stepwell() {
    if !have("python3") {
        return;
    }
    let has_boto3 = std::process::Command::new("python3")
        .args(["-c", "import boto3"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_boto3 {
        eprintln!("SKIPPED: boto3 is not installed for python3");
        return;
    }
    let (endpoint, calls) = fake_sfn().await;
    let project = Project::parse(
        "[functions.callback]\nruntime = \"python3\"\nhandler = \"app.callback\"\ncode = \"python\"\ntimeout = 30\n",
        "test.toml",
        &fixtures(),
    )
    .unwrap();
    let config = LambdaConfig {
        sfn_endpoint: endpoint,
        region: "eu-west-1".into(),
        runtime_client: client(),
        ..LambdaConfig::default()
    };
    let lambda = Lambda::start(Some(project), config).await.unwrap();
    let resource = "arn:aws:states:::lambda:invoke.waitForTaskToken";
    let out = lambda
        .run_task(
            resource,
            &json!({"FunctionName": "callback", "Payload": {"token": "tok-1"}}),
        )
        .await
        .unwrap();
    assert_eq!(out["Payload"], "sent");
    lambda
        .run_task(
            resource,
            &json!({"FunctionName": "callback", "Payload": {"token": "tok-2", "fail": true}}),
        )
        .await
        .unwrap();
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0].0, "AWSStepFunctions.SendTaskSuccess");
    assert_eq!(
        calls[0].1,
        json!({"taskToken": "tok-1", "output": "{\"done\": true}"})
    );
    assert_eq!(calls[1].0, "AWSStepFunctions.SendTaskFailure");
    assert_eq!(calls[1].1["error"], "ProcessingFailed");
    assert!(
        calls[0].2.contains("Credential=stepwell/"),
        "{}",
        calls[0].2
    );
    assert!(
        calls[0].2.contains("/eu-west-1/states/aws4_request"),
        "{}",
        calls[0].2
    );
    lambda.shutdown().await;
}
