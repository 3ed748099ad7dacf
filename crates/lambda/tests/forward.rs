//! `--lambda-endpoint` forwarding against a small fake of the Lambda Invoke
//! API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use common::*;
use serde_json::json;
use stepwell_lambda::{Lambda, LambdaConfig, RuntimeClient};

#[derive(Default)]
struct Seen {
    calls: Vec<(String, Option<String>, String, String)>,
}

async fn invocations(
    State(seen): State<Arc<Mutex<Seen>>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    seen.lock().unwrap().calls.push((
        name.clone(),
        query,
        header("x-amz-invocation-type"),
        String::from_utf8_lossy(&body).into_owned(),
    ));
    match name.as_str() {
        "ok" => (
            [
                ("content-type", "application/json"),
                ("x-amz-executed-version", "7"),
                ("x-amzn-requestid", "req-ok"),
            ],
            body,
        )
            .into_response(),
        "boom" => (
            [
                ("content-type", "application/json"),
                ("x-amz-function-error", "Unhandled"),
                ("x-amzn-requestid", "req-boom"),
            ],
            r#"{"errorType":"Boom","errorMessage":"it broke"}"#,
        )
            .into_response(),
        "event" => StatusCode::ACCEPTED.into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            [
                ("content-type", "application/json"),
                ("x-amzn-errortype", "ResourceNotFoundException"),
                ("x-amzn-requestid", "req-404"),
            ],
            format!(r#"{{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:000000000000:function:{name}"}}"#),
        )
            .into_response(),
    }
}

async fn fake_lambda() -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let app = Router::new()
        .route(
            "/2015-03-31/functions/{name}/invocations",
            post(invocations),
        )
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), seen)
}

async fn forwarding(endpoint: &str) -> Lambda {
    let config = LambdaConfig {
        lambda_endpoint: Some(endpoint.to_string()),
        runtime_client: RuntimeClient::Bootstrap,
        ..LambdaConfig::default()
    };
    Lambda::start(None, config).await.unwrap()
}

#[tokio::test]
async fn invocations_are_forwarded_to_the_invoke_api() {
    let (endpoint, seen) = fake_lambda().await;
    let lambda = forwarding(&endpoint).await;
    assert!(lambda.handles(&format!("{ARN}anything")));

    // A bare function ARN: the result is the payload.
    let out = call(&lambda, "ok", json!({"a": 1})).await.unwrap();
    assert_eq!(out, json!({"a": 1}));

    // lambda:invoke with a qualifier.
    let out = lambda
        .run_task(
            INVOKE,
            &json!({"FunctionName": "ok:live", "Payload": {"b": 2}}),
        )
        .await
        .unwrap();
    assert_eq!(out["Payload"], json!({"b": 2}));
    assert_eq!(out["ExecutedVersion"], "7");
    assert_eq!(out["SdkResponseMetadata"]["RequestId"], "req-ok");

    // A function error: X-Amz-Function-Error.
    let (error, cause) = call(&lambda, "boom", json!({})).await.unwrap_err();
    assert_eq!(error, "Boom");
    assert_eq!(cause, r#"{"errorType":"Boom","errorMessage":"it broke"}"#);

    // A service error.
    let (error, cause) = lambda
        .run_task(INVOKE, &json!({"FunctionName": "gone"}))
        .await
        .unwrap_err();
    assert_eq!(error, "Lambda.ResourceNotFoundException");
    assert_eq!(
        cause,
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:gone (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: req-404; Proxy: null)"
    );

    // Event invocations.
    let out = lambda
        .run_task(
            INVOKE,
            &json!({"FunctionName": "event", "InvocationType": "Event"}),
        )
        .await
        .unwrap();
    assert_eq!(out["StatusCode"], 202);

    let calls = &seen.lock().unwrap().calls;
    assert_eq!(
        calls[0],
        (
            "ok".into(),
            None,
            "RequestResponse".into(),
            r#"{"a":1}"#.into()
        )
    );
    assert_eq!(calls[1].1.as_deref(), Some("Qualifier=live"));
    assert_eq!(calls[4].2, "Event");
    assert_eq!(calls[3].3, "{}", "no Payload sends an empty object");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_an_sdk_client_error() {
    // Bind and drop a listener to find a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let lambda = forwarding(&format!("http://127.0.0.1:{port}")).await;
    let (error, cause) = call(&lambda, "ok", json!({})).await.unwrap_err();
    assert_eq!(error, "Lambda.SdkClientException");
    assert!(
        cause.starts_with("Unable to execute HTTP request: "),
        "{cause}"
    );
}

#[tokio::test]
async fn only_http_and_https_endpoints_are_taken() {
    let with = |endpoint: &str| LambdaConfig {
        lambda_endpoint: Some(endpoint.into()),
        ..LambdaConfig::default()
    };
    // https is reached over TLS (tests/https.rs calls one).
    assert!(Lambda::start(None, with("https://lambda.example"))
        .await
        .is_ok());
    let e = Lambda::start(None, with("ftp://lambda.example"))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("must start with http:// or https://"), "{e}");
}
