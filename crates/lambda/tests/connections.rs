//! HTTP Tasks with EventBridge connections from the project file, against a
//! local API and a local OAuth token endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::Router;
use serde_json::{json, Value};
use stepwell_lambda::{Lambda, LambdaConfig, Project};

const HTTP: &str = "arn:aws:states:::http:invoke";

fn arn(name: &str) -> String {
    format!("arn:aws:events:us-east-1:123456789012:connection/{name}/81210c42-8af1-456b-9c4a-6ff02fc664ac")
}

/// The token endpoint's and the API's shared state.
#[derive(Default)]
struct Auth {
    /// Token requests: (authorization header, content type, body).
    token_requests: Vec<(String, String, String)>,
    /// The token the API accepts now.
    valid: String,
    /// `expires_in` the token endpoint answers with.
    expires_in: u64,
}

type Shared = Arc<Mutex<Auth>>;

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Echoes what it got, as JSON.
async fn echo(RawQuery(query): RawQuery, headers: HeaderMap, body: Bytes) -> Response {
    let mut seen = serde_json::Map::new();
    for (name, value) in &headers {
        seen.insert(
            name.as_str().to_string(),
            Value::String(value.to_str().unwrap_or_default().to_string()),
        );
    }
    (
        [("content-type", "application/json")],
        json!({
            "query": query.unwrap_or_default(),
            "headers": seen,
            "body": String::from_utf8_lossy(&body),
        })
        .to_string(),
    )
        .into_response()
}

async fn token(State(auth): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut auth = auth.lock().unwrap();
    auth.token_requests.push((
        header(&headers, "authorization"),
        header(&headers, "content-type"),
        String::from_utf8_lossy(&body).into_owned(),
    ));
    let n = auth.token_requests.len();
    auth.valid = format!("token-{n}");
    (
        [("content-type", "application/json")],
        json!({"access_token": auth.valid, "token_type": "bearer", "expires_in": auth.expires_in})
            .to_string(),
    )
        .into_response()
}

async fn protected(State(auth): State<Shared>, headers: HeaderMap) -> Response {
    let want = format!("Bearer {}", auth.lock().unwrap().valid);
    if header(&headers, "authorization") == want {
        ([("content-type", "application/json")], r#"{"ok":true}"#).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "bad token").into_response()
    }
}

async fn server(auth: Shared) -> String {
    let app = Router::new()
        .route("/echo", any(echo))
        .route("/token", post(token))
        .route("/protected", any(protected))
        .with_state(auth);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

async fn lambda(toml: &str) -> Lambda {
    let project = Project::parse(toml, "stepwell.toml", std::path::Path::new(".")).unwrap();
    Lambda::start(Some(project), LambdaConfig::default())
        .await
        .unwrap()
}

fn project(base: &str) -> String {
    format!(
        r#"
        [connections.Keyed]
        AuthorizationType = "API_KEY"
        [connections.Keyed.AuthParameters.ApiKeyAuthParameters]
        ApiKeyName = "x-api-key"
        ApiKeyValue = {{ env = "STEPWELL_TEST_CONNECTION_KEY" }}
        [[connections.Keyed.AuthParameters.InvocationHttpParameters.HeaderParameters]]
        Key = "Header-Param"
        Value = "connection_header_param"
        [[connections.Keyed.AuthParameters.InvocationHttpParameters.QueryStringParameters]]
        Key = "QueryParam"
        Value = "connection_query_param"
        [[connections.Keyed.AuthParameters.InvocationHttpParameters.BodyParameters]]
        Key = "BodyParam"
        Value = "connection_body_param"
        IsValueSecret = true

        [connections.Typed]
        AuthorizationType = "API_KEY"
        [connections.Typed.AuthParameters.ApiKeyAuthParameters]
        ApiKeyName = "x-api-key"
        ApiKeyValue = "typed_key"
        [[connections.Typed.AuthParameters.InvocationHttpParameters.HeaderParameters]]
        Key = "content-type"
        Value = "application/vnd.connection+json"
        [[connections.Typed.AuthParameters.InvocationHttpParameters.HeaderParameters]]
        Key = "Content-Length"
        Value = "1"

        [connections.Basic]
        AuthorizationType = "BASIC"
        AuthParameters = {{ BasicAuthParameters = {{ Username = "ada", Password = "lovelace" }} }}

        [connections.OAuth]
        AuthorizationType = "OAUTH_CLIENT_CREDENTIALS"
        [connections.OAuth.AuthParameters.OAuthParameters]
        AuthorizationEndpoint = "{base}/token"
        HttpMethod = "POST"
        ClientParameters = {{ ClientID = "client", ClientSecret = "shh" }}
        [[connections.OAuth.AuthParameters.OAuthParameters.OAuthHttpParameters.BodyParameters]]
        Key = "audience"
        Value = "orders"
        "#
    )
}

#[tokio::test]
async fn api_key_connection_merges_like_aws() {
    std::env::set_var("STEPWELL_TEST_CONNECTION_KEY", "key_value");
    let auth = Shared::default();
    let base = server(auth).await;
    let lambda = lambda(&project(&base)).await;

    // AWS's own example: the connection's values win on every clash.
    let params = json!({
        "Authentication": {"ConnectionArn": arn("Keyed")},
        "ApiEndpoint": format!("{base}/echo"),
        "Method": "POST",
        "Headers": {"Request-Id": "my_request_id", "header-param": "state_machine_header_param"},
        "RequestBody": {"Job": "Software Engineer", "Company": "AnyCompany", "BodyParam": "state_machine_body_param"},
        "QueryParameters": {"QueryParam": "state_machine_query_param", "page": 2},
    });
    let out = lambda.run_task(HTTP, &params).await.unwrap();
    let seen = &out["ResponseBody"];
    assert_eq!(seen["headers"]["x-api-key"], "key_value");
    assert_eq!(seen["headers"]["header-param"], "connection_header_param");
    assert_eq!(seen["headers"]["request-id"], "my_request_id");
    // As the request AWS's page shows for this example.
    assert_eq!(
        seen["headers"]["content-type"],
        "application/json; charset=UTF-8"
    );
    assert_eq!(seen["headers"]["range"], "bytes=0-262144");
    assert_eq!(seen["query"], "page=2&QueryParam=connection_query_param");
    let body: Value = serde_json::from_str(seen["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"Job": "Software Engineer", "Company": "AnyCompany", "BodyParam": "connection_body_param"})
    );
    assert_eq!(
        serde_json::to_string(&body).unwrap(),
        r#"{"Job":"Software Engineer","Company":"AnyCompany","BodyParam":"connection_body_param"}"#
    );

    // InvocationConfig names a connection too; no RequestBody: the body
    // parameters make one; URL_ENCODED encodes the merged body.
    let out = lambda
        .run_task(
            HTTP,
            &json!({
                "InvocationConfig": {"ConnectionArn": arn("Keyed")},
                "ApiEndpoint": format!("{base}/echo"),
                "Method": "PUT",
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        out["ResponseBody"]["body"],
        r#"{"BodyParam":"connection_body_param"}"#
    );
    let out = lambda
        .run_task(
            HTTP,
            &json!({
                "Authentication": {"ConnectionArn": arn("Keyed")},
                "ApiEndpoint": format!("{base}/echo"),
                "Method": "POST",
                "RequestBody": {"tags": ["a", "b"]},
                "Transform": {"RequestBodyEncoding": "URL_ENCODED"},
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        out["ResponseBody"]["body"],
        "tags%5B0%5D=a&tags%5B1%5D=b&BodyParam=connection_body_param"
    );
    assert_eq!(
        out["ResponseBody"]["headers"]["content-type"],
        "application/x-www-form-urlencoded"
    );

    // A string body cannot take body parameters.
    let (error, cause) = lambda
        .run_task(
            HTTP,
            &json!({
                "Authentication": {"ConnectionArn": arn("Keyed")},
                "ApiEndpoint": format!("{base}/echo"),
                "Method": "POST",
                "RequestBody": "plain text",
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(error, "States.Runtime", "{cause}");

    // An unknown connection, and an Authorization header in the task.
    let (error, cause) = lambda
        .run_task(
            HTTP,
            &json!({"Authentication": {"ConnectionArn": arn("Nope")}, "ApiEndpoint": format!("{base}/echo"), "Method": "GET"}),
        )
        .await
        .unwrap_err();
    assert_eq!(error, "Events.ConnectionResource.ResourceNotFound");
    assert!(cause.contains("'Nope'"), "{cause}");
    let (error, _) = lambda
        .run_task(
            HTTP,
            &json!({"ApiEndpoint": format!("{base}/echo"), "Method": "GET", "Headers": {"Authorization": "Bearer mine"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(error, "States.Runtime");

    // The connection's Content-Type wins over the task's and over the JSON
    // default; its Content-Length does not replace the real one.
    for headers in [json!({}), json!({"Content-Type": "text/x-task"})] {
        let out = lambda
            .run_task(
                HTTP,
                &json!({
                    "Authentication": {"ConnectionArn": arn("Typed")},
                    "ApiEndpoint": format!("{base}/echo"),
                    "Method": "POST",
                    "Headers": headers,
                    "RequestBody": {"a": 1},
                }),
            )
            .await
            .unwrap();
        let seen = &out["ResponseBody"]["headers"];
        assert_eq!(
            seen["content-type"], "application/vnd.connection+json",
            "{headers}"
        );
        assert_eq!(seen["content-length"], "7", "{headers}");
        assert_eq!(out["ResponseBody"]["body"], r#"{"a":1}"#);
    }

    // BASIC.
    let out = lambda
        .run_task(
            HTTP,
            &json!({"Authentication": {"ConnectionArn": arn("Basic")}, "ApiEndpoint": format!("{base}/echo"), "Method": "GET"}),
        )
        .await
        .unwrap();
    assert_eq!(
        out["ResponseBody"]["headers"]["authorization"],
        "Basic YWRhOmxvdmVsYWNl"
    );
    lambda.shutdown().await;
}

#[tokio::test]
async fn oauth_tokens_are_fetched_once_and_refreshed_after_a_401() {
    std::env::set_var("STEPWELL_TEST_CONNECTION_KEY", "key_value");
    let auth = Shared::default();
    auth.lock().unwrap().expires_in = 3600;
    let base = server(Arc::clone(&auth)).await;
    let lambda = lambda(&project(&base)).await;
    let call = || {
        json!({
            "Authentication": {"ConnectionArn": arn("OAuth")},
            "ApiEndpoint": format!("{base}/protected"),
            "Method": "GET",
        })
    };

    let out = lambda.run_task(HTTP, &call()).await.unwrap();
    assert_eq!(out["ResponseBody"], json!({"ok": true}));
    lambda.run_task(HTTP, &call()).await.unwrap();
    {
        let auth = auth.lock().unwrap();
        assert_eq!(auth.token_requests.len(), 1, "the token is reused");
        let (authorization, content_type, body) = &auth.token_requests[0];
        assert_eq!(authorization, "Basic Y2xpZW50OnNoaA=="); // client:shh
        assert_eq!(content_type, "application/x-www-form-urlencoded");
        assert_eq!(body, "grant_type=client_credentials&audience=orders");
    }

    // The API stops accepting the token: the task fails with the 401, and
    // the next attempt (a Retry) gets a new token.
    auth.lock().unwrap().valid = "revoked".into();
    let (error, _) = lambda.run_task(HTTP, &call()).await.unwrap_err();
    assert_eq!(error, "States.Http.StatusCode.401");
    assert_eq!(auth.lock().unwrap().token_requests.len(), 1);
    let out = lambda.run_task(HTTP, &call()).await.unwrap();
    assert_eq!(out["ResponseBody"], json!({"ok": true}));
    assert_eq!(auth.lock().unwrap().token_requests.len(), 2);

    // A token that expires within a minute is replaced before it is used.
    auth.lock().unwrap().expires_in = 30;
    lambda.run_task(HTTP, &call()).await.unwrap(); // token-2 is still fresh
    assert_eq!(auth.lock().unwrap().token_requests.len(), 2);
    auth.lock().unwrap().valid = "revoked".into();
    let _ = lambda.run_task(HTTP, &call()).await; // 401: token-2 dropped
    lambda.run_task(HTTP, &call()).await.unwrap(); // token-3, expires in 30 s
    lambda.run_task(HTTP, &call()).await.unwrap(); // token-4
    assert_eq!(auth.lock().unwrap().token_requests.len(), 4);
    lambda.shutdown().await;
}

#[tokio::test]
async fn a_failing_token_endpoint_is_an_invalid_connection_state() {
    let base = server(Shared::default()).await;
    let toml = format!(
        r#"
        [connections.Broken]
        AuthorizationType = "OAUTH_CLIENT_CREDENTIALS"
        AuthParameters = {{ OAuthParameters = {{ AuthorizationEndpoint = "{base}/nowhere", HttpMethod = "POST", ClientParameters = {{ ClientID = "c", ClientSecret = "s" }} }} }}
        "#
    );
    let lambda = lambda(&toml).await;
    let (error, cause) = lambda
        .run_task(
            HTTP,
            &json!({"Authentication": {"ConnectionArn": arn("Broken")}, "ApiEndpoint": format!("{base}/echo"), "Method": "GET"}),
        )
        .await
        .unwrap_err();
    assert_eq!(error, "Events.ConnectionResource.InvalidConnectionState");
    assert!(cause.contains("404"), "{cause}");
}

#[tokio::test]
async fn without_declared_connections_the_task_runs_without_one() {
    let base = server(Shared::default()).await;
    let lambda = lambda("").await;
    let out = lambda
        .run_task(
            HTTP,
            &json!({"Authentication": {"ConnectionArn": arn("Anything")}, "ApiEndpoint": format!("{base}/echo"), "Method": "GET"}),
        )
        .await
        .unwrap();
    assert_eq!(out["StatusCode"], 200);
    assert!(out["ResponseBody"]["headers"]
        .get("authorization")
        .is_none());
}

#[tokio::test]
async fn traces_redact_what_the_connection_adds() {
    std::env::set_var("STEPWELL_TEST_CONNECTION_KEY", "key_value");
    let base = server(Shared::default()).await;
    let lambda = lambda(&project(&base)).await;
    let params = json!({
        "Authentication": {"ConnectionArn": arn("Keyed")},
        "ApiEndpoint": format!("{base}/echo"),
        "Method": "POST",
        "Headers": {"Request-Id": "r1"},
        "QueryParameters": {"page": "2"},
        "RequestBody": {"Job": "x"},
    });

    let hidden = lambda.run_http_task_traced(&params, false).await;
    assert_eq!(hidden.result.as_ref().unwrap()["StatusCode"], 200);
    let request = hidden.request.unwrap();
    assert_eq!(request["protocol"], "http");
    assert_eq!(request["method"], "POST");
    assert_eq!(
        request["url"],
        format!("{base}/echo?page=2&QueryParam=<redacted>")
    );
    // The task's headers, the connection's authorization, its header
    // parameters, then AWS's User-Agent and Range; no Content-Type or
    // Content-Length (the client's framing), as AWS's TRACE shows them.
    assert_eq!(
        request["headers"],
        "[Request-Id: r1, x-api-key: <redacted>, Header-Param: <redacted>, \
         User-Agent: Amazon|StepFunctions|HttpInvoke|us-east-1, Range: bytes=0-262144]"
    );
    assert_eq!(request["body"], r#"{"Job":"x","BodyParam":"<redacted>"}"#);
    let response = hidden.response.unwrap();
    assert_eq!(response["statusCode"], "200");
    assert_eq!(response["statusMessage"], "OK");
    assert!(response["headers"]
        .as_str()
        .unwrap()
        .contains("content-type: application/json"));
    // The server saw the real values.
    assert!(response["body"].as_str().unwrap().contains("key_value"));

    let shown = lambda.run_http_task_traced(&params, true).await;
    let request = shown.request.unwrap();
    assert_eq!(
        request["url"],
        format!("{base}/echo?page=2&QueryParam=connection_query_param")
    );
    assert_eq!(
        request["headers"],
        "[Request-Id: r1, x-api-key: key_value, Header-Param: connection_header_param, \
         User-Agent: Amazon|StepFunctions|HttpInvoke|us-east-1, Range: bytes=0-262144]"
    );

    // A task header the connection replaces is listed once, where the
    // connection's are; a task's User-Agent, Range and Content-Length are not
    // listed (AWS's are, last), a task's Content-Type is.
    let mut clash = params.clone();
    clash["Headers"] = json!({
        "header-param": "mine", "User-Agent": "me", "Content-Length": "3",
        "Content-Type": "application/x-task", "Range": "bytes=0-1", "Request-Id": "r2",
    });
    let traced = lambda.run_http_task_traced(&clash, false).await;
    assert_eq!(
        traced.request.unwrap()["headers"],
        "[Content-Type: application/x-task, Request-Id: r2, x-api-key: <redacted>, \
         Header-Param: <redacted>, User-Agent: Amazon|StepFunctions|HttpInvoke|us-east-1, \
         Range: bytes=0-262144]"
    );
    assert_eq!(
        request["body"],
        r#"{"Job":"x","BodyParam":"connection_body_param"}"#
    );

    // Form-encoded, the marker stays readable.
    let mut form = params.clone();
    form["Transform"] = json!({"RequestBodyEncoding": "URL_ENCODED"});
    let traced = lambda.run_http_task_traced(&form, false).await;
    assert_eq!(
        traced.request.unwrap()["body"],
        "Job=x&BodyParam=<redacted>"
    );

    // A failure before any request: no inspection data.
    let bad = lambda
        .run_http_task_traced(&json!({"ApiEndpoint": "http://x", "Method": "BREW"}), false)
        .await;
    assert_eq!(bad.result.unwrap_err().0, "States.Runtime");
    assert!(bad.request.is_none() && bad.response.is_none());
}
