//! The HTTP Task against a small local server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use stepwell_lambda::http_invoke;

async fn server() -> String {
    let app = Router::new()
        .route(
            "/items",
            get(|RawQuery(q): RawQuery, headers: HeaderMap| async move {
                let agent = headers
                    .get("user-agent")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                (
                    [("content-type", "application/json"), ("x-trace", "a")],
                    json!({"query": q, "agent": agent, "token": headers.get("x-token").and_then(|v| v.to_str().ok())}).to_string(),
                )
            }),
        )
        .route(
            "/echo",
            post(|headers: HeaderMap, body: Bytes| async move {
                let ct = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                ([("content-type", "text/plain")], format!("{ct}|{}", String::from_utf8_lossy(&body)))
            }),
        )
        .route(
            "/missing",
            get(|| async { (StatusCode::NOT_FOUND, [("content-type", "application/json")], r#"{"message":"no such item"}"#).into_response() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

#[tokio::test]
async fn get_with_query_and_headers() {
    let base = server().await;
    let out = http_invoke(&json!({
        "ApiEndpoint": format!("{base}/items"),
        "Method": "GET",
        "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/x/y"},
        "Headers": {"X-Token": "t"},
        "QueryParameters": {"page": 2, "tag": ["a", "b c"]},
    }))
    .await
    .unwrap();
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["StatusText"], "OK");
    assert_eq!(out["ResponseBody"]["query"], "page=2&tag=a&tag=b%20c");
    assert_eq!(out["ResponseBody"]["token"], "t");
    assert!(out["ResponseBody"]["agent"]
        .as_str()
        .unwrap()
        .starts_with("Amazon|StepFunctions|HttpInvoke|"));
    assert_eq!(out["Headers"]["x-trace"], json!(["a"]));
    let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["Headers", "ResponseBody", "StatusCode", "StatusText"]
    );
}

#[tokio::test]
async fn bodies_json_and_url_encoded() {
    let base = server().await;
    let out = http_invoke(&json!({
        "ApiEndpoint": format!("{base}/echo"),
        "Method": "POST",
        "RequestBody": {"a": [1, 2]},
    }))
    .await
    .unwrap();
    assert_eq!(out["ResponseBody"], r#"application/json|{"a":[1,2]}"#);

    let out = http_invoke(&json!({
        "ApiEndpoint": format!("{base}/echo"),
        "Method": "POST",
        "RequestBody": {"a": [1, 2], "b": "x y"},
        "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}},
    }))
    .await
    .unwrap();
    assert_eq!(
        out["ResponseBody"],
        "application/x-www-form-urlencoded|a%5B%5D=1&a%5B%5D=2&b=x%20y"
    );
}

#[tokio::test]
async fn failures_are_named_like_aws() {
    let base = server().await;
    let (error, cause) =
        http_invoke(&json!({"ApiEndpoint": format!("{base}/missing"), "Method": "GET"}))
            .await
            .unwrap_err();
    assert_eq!(error, "States.Http.StatusCode.404");
    let cause: Value = serde_json::from_str(&cause).unwrap();
    assert_eq!(cause["StatusCode"], 404);
    assert_eq!(cause["ResponseBody"]["message"], "no such item");

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (error, _) =
        http_invoke(&json!({"ApiEndpoint": format!("http://127.0.0.1:{port}/"), "Method": "GET"}))
            .await
            .unwrap_err();
    assert_eq!(error, "States.Http.Socket");
}
