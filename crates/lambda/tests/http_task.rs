//! The HTTP Task against a small local server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, get, post};
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
            "/headers",
            any(|headers: HeaderMap, body: Bytes| async move {
                // Every header as received, repeated ones included.
                let pairs: Vec<(String, String)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
                    .collect();
                ([("content-type", "application/json")], json!({"headers": pairs, "body": String::from_utf8_lossy(&body)}).to_string())
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
    assert_eq!(
        out["ResponseBody"],
        r#"application/json; charset=UTF-8|{"a":[1,2]}"#
    );

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

/// The headers the server got: each name (lower case) with all its values.
async fn received(base: &str, extra: Value) -> (Vec<(String, Vec<String>)>, String) {
    let mut params = json!({"ApiEndpoint": format!("{base}/headers"), "Method": "POST"});
    for (k, v) in extra.as_object().unwrap() {
        params[k] = v.clone();
    }
    let out = http_invoke(&params).await.unwrap();
    let mut seen: Vec<(String, Vec<String>)> = Vec::new();
    for pair in out["ResponseBody"]["headers"].as_array().unwrap() {
        let (name, value) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        match seen.iter_mut().find(|(n, _)| n == name) {
            Some((_, values)) => values.push(value.to_string()),
            None => seen.push((name.to_string(), vec![value.to_string()])),
        }
    }
    let body = out["ResponseBody"]["body"].as_str().unwrap().to_string();
    (seen, body)
}

/// AWS's request: one `User-Agent` (AWS's) and `Range: bytes=0-262144`
/// always, a JSON body as `application/json; charset=UTF-8` unless the task
/// names a Content-Type, and the body framed by the client whatever
/// `Content-Length` the task gives.
#[tokio::test]
async fn requests_carry_aws_headers_once() {
    let base = server().await;
    let agent = "Amazon|StepFunctions|HttpInvoke|us-east-1";
    let json = "application/json; charset=UTF-8";
    // (task fields, content type sent, body sent)
    let cases = [
        (json!({"Method": "GET"}), None, ""),
        (json!({"RequestBody": {"a": 1}}), Some(json), r#"{"a":1}"#),
        (json!({"RequestBody": [1, "x"]}), Some(json), r#"[1,"x"]"#),
        (json!({"RequestBody": 5}), Some(json), "5"),
        (json!({"RequestBody": true}), Some(json), "true"),
        (
            json!({"RequestBody": "plain"}),
            Some("text/plain; charset=utf-8"),
            "plain",
        ),
        (
            json!({"RequestBody": {"a": 1}, "Headers": {"content-TYPE": "application/vnd.api+json"}}),
            Some("application/vnd.api+json"),
            r#"{"a":1}"#,
        ),
        (
            json!({"RequestBody": {"a": 1}, "Headers": {"Content-Length": "999", "User-Agent": "mine", "Range": "bytes=0-1", "X-Kept": "k"}}),
            Some(json),
            r#"{"a":1}"#,
        ),
        (
            json!({"Method": "PUT", "RequestBody": {"a": 1}, "Headers": {"content-length": "0"}}),
            Some(json),
            r#"{"a":1}"#,
        ),
    ];
    for (extra, content_type, want_body) in cases {
        let (seen, body) = received(&base, extra.clone()).await;
        let get = |name: &str| {
            seen.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert_eq!(get("user-agent"), [agent], "{extra}");
        assert_eq!(get("range"), ["bytes=0-262144"], "{extra}");
        assert_eq!(
            get("content-type"),
            content_type
                .map(String::from)
                .into_iter()
                .collect::<Vec<_>>(),
            "{extra}"
        );
        assert_eq!(body, want_body, "{extra}");
        if !want_body.is_empty() {
            assert_eq!(
                get("content-length"),
                [want_body.len().to_string()],
                "{extra}"
            );
        }
        if extra["Headers"].get("X-Kept").is_some() {
            assert_eq!(get("x-kept"), ["k"], "{extra}");
        }
    }
}
