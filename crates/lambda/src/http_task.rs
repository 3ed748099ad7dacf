//! The HTTP Task, `arn:aws:states:::http:invoke`.
//!
//! Parameters: `ApiEndpoint` (`http://` or `https://`), `Method`, `Headers`,
//! `QueryParameters`, `RequestBody`, `Transform` (`RequestBodyEncoding`
//! `NONE` | `URL_ENCODED`, `RequestEncodingOptions.ArrayFormat` `BRACKETS` |
//! `COMMAS` | `INDICES` | `REPEAT`), and the EventBridge connection in
//! `InvocationConfig.ConnectionArn` or `Authentication.ConnectionArn`. The
//! result is `{Headers, ResponseBody, StatusCode, StatusText}`; a status
//! outside 2xx fails the task with `States.Http.StatusCode.<code>`, no
//! response at all (a refused connection, a TLS handshake that fails, a
//! timeout) with `States.Http.Socket`, and a header Step Functions refuses or
//! a binary response with `States.Runtime`.
//!
//! The connection (declared in the project file, see [`crate::connection`])
//! is merged in as AWS documents it: its header and query-string parameters
//! are added to the task's and win on a clash (header names compared without
//! case); its body parameters are added to a JSON-object `RequestBody` (or
//! make one when there is none) and win on a clash, before the body is
//! serialised (as JSON, or form-encoded with `URL_ENCODED`, whose
//! content type follows); a string (or any non-object) `RequestBody` with
//! connection body parameters fails the task with `States.Runtime`. Its
//! authorization header goes before its header parameters (see below). An
//! unknown connection fails the task with
//! `Events.ConnectionResource.ResourceNotFound`.
//!
//! DIFFERENCE: with no connection declared in the project at all, the
//! connection a task names is not looked up and the request goes out without
//! one (so definitions that name real AWS connections still run against local
//! services without credentials). AWS's validation requires
//! `Authentication` or `InvocationConfig`; stepwell-asl does not check HTTP
//! Task parameters, so a task without either runs without a connection.
//! DIFFERENCE: the cause of `ResourceNotFound` is ours (AWS's is not
//! documented).
//!
//! The request's headers, in this order (the order TestState's TRACE lists
//! them in): the task's `Headers`, the connection's authorization header,
//! the connection's header parameters, then the two Step Functions sets
//! itself, `User-Agent: Amazon|StepFunctions|HttpInvoke|REGION` and
//! `Range: bytes=0-262144` ("Step Functions sets the User-Agent, Range, and
//! Host headers", AWS's "Call HTTPS APIs in Step Functions workflows",
//! <https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html>,
//! HTTP Task fields, `Headers`), which replace a task's or connection's
//! header of the same name: a request carries one of each. A
//! `Content-Length` in the task's or connection's headers is dropped (the
//! client frames the body). The body's `Content-Type` is added last and is
//! not listed in the trace (AWS's TRACE recordings list neither it nor
//! `Content-Length`): `application/json; charset=UTF-8` for a JSON
//! `RequestBody` (the request that page's "Merging" section shows),
//! `text/plain; charset=utf-8` for a string, `application/x-www-form-urlencoded`
//! with `URL_ENCODED`, unless the task's or the connection's headers name a
//! `Content-Type` (any case), which is sent instead.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request};
use serde_json::{json, Map, Value};

use crate::client::{send, SendError};
use crate::connection::{ConnectionAuth, Connections, Entry};

/// Step Functions gives an HTTP Task's request 60 seconds.
const HTTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// Responses past this size cannot be a state's result anyway.
const MAX_RESPONSE: usize = 10 * 1024 * 1024;

/// Headers an HTTP Task may not set (AWS fails the task with `States.Runtime`).
const FORBIDDEN_HEADERS: &[&str] = &[
    "a-im",
    "accept-charset",
    "accept-datetime",
    "accept-encoding",
    "authorization",
    "cache-control",
    "connection",
    "content-encoding",
    "content-md5",
    "date",
    "expect",
    "forwarded",
    "from",
    "host",
    "http2-settings",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "origin",
    "pragma",
    "proxy-authorization",
    "referer",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "warning",
];
const FORBIDDEN_PREFIXES: &[&str] = &["x-forwarded-", "x-amz-", "x-amzn-"];

/// The `Range` Step Functions sends: it reads at most 256 KiB of an answer.
const RANGE: &str = "bytes=0-262144";
/// A JSON `RequestBody`'s content type, as AWS sends it.
const JSON_CONTENT_TYPE: &str = "application/json; charset=UTF-8";

fn runtime_error(message: String) -> (String, String) {
    ("States.Runtime".to_string(), message)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ArrayFormat {
    Brackets,
    Commas,
    Indices,
    Repeat,
}

/// What an HTTP Task did, for TestState's `inspectionLevel: TRACE`.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpTaskTrace {
    /// The task's result, or its failure `(error, cause)`, as
    /// [`crate::Lambda::run_task`] gives them.
    pub result: Result<Value, (String, String)>,
    /// `inspectionData.request` (`InspectionDataRequest`): an object of
    /// strings `{protocol, method, url, headers, body}`; `None` when the task
    /// failed before a request was made (a refused header, an unknown
    /// connection, …).
    pub request: Option<Value>,
    /// `inspectionData.response` (`InspectionDataResponse`): an object of
    /// strings `{protocol, statusCode, statusMessage, headers, body}`; `None`
    /// when no response arrived.
    pub response: Option<Value>,
}

/// Runs an HTTP Task with its (already evaluated) parameters, without any
/// declared connection (the task's `Authentication` is not resolved). The
/// request's `User-Agent` names region `us-east-1`; [`crate::Lambda::run_task`]
/// uses the configured region and the project's connections.
pub async fn http_invoke(parameters: &Value) -> Result<Value, (String, String)> {
    static NONE: std::sync::OnceLock<Connections> = std::sync::OnceLock::new();
    let connections = NONE.get_or_init(Connections::default);
    run(parameters, connections, "us-east-1", None).await.result
}

/// Runs an HTTP Task and also reports the request it sent and the response
/// it got, in the shapes of TestState's `inspectionData.request` and
/// `inspectionData.response`. What the connection added (its auth header,
/// its header, query-string and body parameters) shows as `<redacted>`
/// unless `reveal_secrets` (TestState's `revealSecrets`) is true.
///
/// TestState with `inspectionLevel: TRACE` on an `arn:aws:states:::http:invoke`
/// state calls this (or [`crate::Lambda::run_http_task_traced`], which passes
/// the server's connections and region) with the state's effective
/// parameters, then puts `result` where the state's result goes and
/// `request`/`response` under `inspectionData`.
pub async fn http_invoke_traced(
    parameters: &Value,
    connections: &Connections,
    region: &str,
    reveal_secrets: bool,
) -> HttpTaskTrace {
    let outcome = run(parameters, connections, region, Some(reveal_secrets)).await;
    HttpTaskTrace {
        result: outcome.result,
        request: outcome.request,
        response: outcome.response,
    }
}

pub(crate) struct Outcome {
    pub(crate) result: Result<Value, Failure>,
    pub(crate) request: Option<Value>,
    pub(crate) response: Option<Value>,
}

type Failure = (String, String);

/// What a connection's values show as in a trace without `revealSecrets`.
const REDACTED: &str = "<redacted>";

/// One request header; `connection` when the connection put it there.
struct Header {
    name: String,
    value: String,
    connection: bool,
}

/// Sets a header, replacing any of the same name (any case).
fn set_header(headers: &mut Vec<Header>, name: &str, value: String, connection: bool) {
    headers.retain(|h| !h.name.eq_ignore_ascii_case(name));
    headers.push(Header {
        name: name.to_string(),
        value,
        connection,
    });
}

/// The `ConnectionArn` of `InvocationConfig` or `Authentication`.
fn connection_arn(params: &Map<String, Value>) -> Result<Option<&str>, Failure> {
    for field in ["InvocationConfig", "Authentication"] {
        match params.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Object(config)) => match config.get("ConnectionArn") {
                Some(Value::String(arn)) => return Ok(Some(arn)),
                _ => {
                    return Err(runtime_error(format!(
                        "The field '{field}.ConnectionArn' must be a string"
                    )))
                }
            },
            Some(_) => {
                return Err(runtime_error(format!(
                    "The field '{field}' must be an object with a ConnectionArn"
                )))
            }
        }
    }
    Ok(None)
}

pub(crate) async fn run(
    parameters: &Value,
    connections: &Connections,
    region: &str,
    trace: Option<bool>,
) -> Outcome {
    let failed = |failure: Failure| Outcome {
        result: Err(failure),
        request: None,
        response: None,
    };
    let built = match build(parameters, connections, region).await {
        Ok(built) => built,
        Err(failure) => return failed(failure),
    };
    let reveal = trace.unwrap_or(true);
    let request_trace = trace.map(|_| built.inspection(reveal));
    let Built {
        endpoint,
        connection,
        authorization,
        request,
        ..
    } = built;
    let with_request = |failure: Failure| Outcome {
        result: Err(failure),
        request: request_trace.clone(),
        response: None,
    };
    let response = match send(request, HTTP_TIMEOUT, MAX_RESPONSE).await {
        Ok(response) => response,
        Err(SendError::TimedOut) => {
            return with_request((
                "States.Http.Socket".to_string(),
                format!("The HTTP request to '{endpoint}' timed out after 60 seconds"),
            ))
        }
        Err(other) => {
            return with_request((
                "States.Http.Socket".to_string(),
                format!("The HTTP request to '{endpoint}' failed: {other}"),
            ))
        }
    };
    let status = response.status;
    if matches!(status.as_u16(), 401 | 407) {
        if let (Some(entry), Some(authorization)) = (&connection, &authorization) {
            entry.rejected(authorization).await;
        }
    }

    let mut headers = Map::new();
    for name in response.headers.keys() {
        let values: Vec<Value> = response
            .headers
            .get_all(name)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        headers.insert(name.as_str().to_string(), Value::Array(values));
    }
    let content_type = response
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let text = String::from_utf8_lossy(&response.body).into_owned();
    let response_trace = trace.map(|_| {
        let protocol = if endpoint.starts_with("https:") { "https" } else { "http" };
        json!({
            "protocol": protocol,
            "statusCode": status.as_u16().to_string(),
            "statusMessage": status.canonical_reason().unwrap_or_default(),
            "headers": header_text(response.headers.iter().map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))),
            "body": text,
        })
    });
    let done = |result| Outcome {
        result,
        request: request_trace.clone(),
        response: response_trace.clone(),
    };
    // Step Functions reads the response as text and refuses binary media.
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if media == "application/octet-stream"
        || ["image/", "video/", "audio/"]
            .iter()
            .any(|p| media.starts_with(p))
        || std::str::from_utf8(&response.body).is_err()
    {
        return done(Err(runtime_error(format!(
            "The HTTP response from '{endpoint}' is not text (content-type '{content_type}'); an HTTP Task cannot return binary data"
        ))));
    }
    let body = if content_type.contains("json") {
        stepwell_core::parse_json(&text).unwrap_or(Value::String(text))
    } else {
        Value::String(text)
    };
    let mut result = Map::new();
    result.insert("Headers".into(), Value::Object(headers));
    result.insert("ResponseBody".into(), body);
    result.insert("StatusCode".into(), status.as_u16().into());
    result.insert(
        "StatusText".into(),
        status.canonical_reason().unwrap_or_default().into(),
    );
    let result = Value::Object(result);
    if !status.is_success() {
        // The cause carries the whole response so a Catch can inspect it.
        return done(Err((
            format!("States.Http.StatusCode.{}", status.as_u16()),
            result.to_string(),
        )));
    }
    done(Ok(result))
}

/// `[Name: value, Name: value]`, as TestState shows headers.
fn header_text(headers: impl Iterator<Item = (String, String)>) -> String {
    let parts: Vec<String> = headers.map(|(n, v)| format!("{n}: {v}")).collect();
    format!("[{}]", parts.join(", "))
}

/// A request ready to send, and what a trace shows of it.
struct Built {
    endpoint: String,
    connection: Option<Arc<Entry>>,
    /// The `Authorization` an OAuth connection added (to drop it on a 401).
    authorization: Option<String>,
    request: Request<Full<Bytes>>,
    method: Method,
    url: String,
    shown_url: String,
    /// The request's headers but the body's `Content-Type` (the client's
    /// framing), in the order they are sent and traced.
    headers: Vec<Header>,
    body_text: String,
    shown_body: String,
}

impl Built {
    fn inspection(&self, reveal: bool) -> Value {
        let protocol = if self.url.starts_with("https:") {
            "https"
        } else {
            "http"
        };
        let headers = self.headers.iter().map(|h| {
            let value = if h.connection && !reveal {
                REDACTED.to_string()
            } else {
                h.value.clone()
            };
            (h.name.clone(), value)
        });
        json!({
            "protocol": protocol,
            "method": self.method.as_str(),
            "url": if reveal { &self.url } else { &self.shown_url },
            "headers": header_text(headers),
            "body": if reveal { &self.body_text } else { &self.shown_body },
        })
    }
}

async fn build(
    parameters: &Value,
    connections: &Connections,
    region: &str,
) -> Result<Built, Failure> {
    let Value::Object(params) = parameters else {
        return Err(runtime_error(
            "The parameters of an http:invoke task must be an object".into(),
        ));
    };
    let endpoint =
        match params.get("ApiEndpoint") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(runtime_error(
                "The field 'ApiEndpoint' is required by an http:invoke task and must be a string"
                    .into(),
            )),
        };
    let method = match params.get("Method") {
        Some(Value::String(m)) => match m.to_ascii_uppercase().as_str() {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "DELETE" => Method::DELETE,
            "PATCH" => Method::PATCH,
            "OPTIONS" => Method::OPTIONS,
            "HEAD" => Method::HEAD,
            _ => {
                return Err(runtime_error(format!(
                    "The HTTP method '{m}' is not supported; use GET, POST, PUT, DELETE, PATCH, OPTIONS or HEAD"
                )))
            }
        },
        _ => {
            return Err(runtime_error(
                "The field 'Method' is required by an http:invoke task and must be a string".into(),
            ))
        }
    };

    let transform = params.get("Transform");
    let url_encoded = transform
        .and_then(|t| t.get("RequestBodyEncoding"))
        .and_then(Value::as_str)
        .is_some_and(|e| e == "URL_ENCODED");
    let array_format = match transform
        .and_then(|t| t.get("RequestEncodingOptions"))
        .and_then(|o| o.get("ArrayFormat"))
        .and_then(Value::as_str)
    {
        None | Some("INDICES") => ArrayFormat::Indices,
        Some("BRACKETS") => ArrayFormat::Brackets,
        Some("COMMAS") => ArrayFormat::Commas,
        Some("REPEAT") => ArrayFormat::Repeat,
        Some(other) => {
            return Err(runtime_error(format!(
            "The ArrayFormat '{other}' is not supported; use BRACKETS, COMMAS, INDICES or REPEAT"
        )))
        }
    };

    // The task's own headers, checked against the ones AWS refuses.
    let mut headers: Vec<Header> = Vec::new();
    if let Some(task_headers) = params.get("Headers") {
        let Value::Object(task_headers) = task_headers else {
            return Err(runtime_error(
                "The field 'Headers' must be an object".into(),
            ));
        };
        for (name, value) in task_headers {
            let lower = name.to_ascii_lowercase();
            if FORBIDDEN_HEADERS.contains(&lower.as_str())
                || FORBIDDEN_PREFIXES.iter().any(|p| lower.starts_with(p))
            {
                return Err(runtime_error(format!(
                    "The header '{name}' is not allowed in an HTTP Task"
                )));
            }
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            headers.push(Header {
                name: name.clone(),
                value,
                connection: false,
            });
        }
    }

    // The task's query parameters: (key, value, from the connection).
    let mut query: Vec<(String, String, bool)> = Vec::new();
    if let Some(task_query) = params.get("QueryParameters") {
        let Value::Object(task_query) = task_query else {
            return Err(runtime_error(
                "The field 'QueryParameters' must be an object".into(),
            ));
        };
        let mut pairs = Vec::new();
        for (key, value) in task_query {
            flatten(key, value, ArrayFormat::Repeat, &mut pairs);
        }
        query.extend(pairs.into_iter().map(|(k, v)| (k, v, false)));
    }

    // The body before merging.
    let mut body = match params.get("RequestBody") {
        None | Some(Value::Null) => None,
        Some(other) => Some(other.clone()),
    };
    // Keys of the body that the connection set.
    let mut connection_keys: Vec<String> = Vec::new();

    // The connection: its parameters win over the task's on a clash.
    let connection = match connection_arn(params)? {
        Some(arn) => connections.resolve(arn)?,
        None => None,
    };
    let mut authorization = None;
    if let Some(entry) = &connection {
        let config = &entry.config;
        for p in &config.invocation.query {
            query.retain(|(k, _, from_connection)| *from_connection || *k != p.key);
            query.push((p.key.clone(), p.value.clone(), true));
        }
        if !config.invocation.body.is_empty() {
            let mut merged = match body.take() {
                None => Map::new(),
                Some(Value::Object(map)) => map,
                Some(_) => {
                    return Err(runtime_error(format!(
                        "The RequestBody cannot be merged with the body parameters of the connection '{}': only a JSON object can be",
                        config.name
                    )))
                }
            };
            for p in &config.invocation.body {
                merged.insert(p.key.clone(), Value::String(p.value.clone()));
                connection_keys.push(p.key.clone());
            }
            body = Some(Value::Object(merged));
        }
        // The authorization header, then the header parameters (a later
        // one replacing an earlier of the same name, never the
        // authorization), all after the task's, which they replace.
        let (name, value) = entry.auth_header().await?;
        if matches!(config.auth, ConnectionAuth::OAuth(_)) {
            authorization = Some(value.clone());
        }
        let mut added = vec![Header {
            name,
            value,
            connection: true,
        }];
        for p in &config.invocation.headers {
            if !added[0].name.eq_ignore_ascii_case(&p.key) {
                set_header(&mut added, &p.key, p.value.clone(), true);
            }
        }
        headers.retain(|h| !added.iter().any(|a| a.name.eq_ignore_ascii_case(&h.name)));
        headers.extend(added);
    }
    // The client frames the body itself; Step Functions' own headers last.
    headers.retain(|h| !h.name.eq_ignore_ascii_case("content-length"));
    set_header(
        &mut headers,
        "User-Agent",
        format!("Amazon|StepFunctions|HttpInvoke|{region}"),
        false,
    );
    set_header(&mut headers, "Range", RANGE.to_string(), false);

    let mut url = endpoint.clone();
    let mut shown_url = endpoint.clone();
    if !query.is_empty() {
        let separator = if url.contains('?') { '&' } else { '?' };
        let pairs: Vec<(String, String)> = query
            .iter()
            .map(|(k, v, _)| (k.clone(), v.clone()))
            .collect();
        url.push(separator);
        url.push_str(&encode_pairs(&pairs));
        let shown: Vec<String> = query
            .iter()
            .map(|(k, v, from_connection)| {
                let value = if *from_connection {
                    REDACTED.to_string()
                } else {
                    crate::util::percent_encode(v)
                };
                format!("{}={value}", crate::util::percent_encode(k))
            })
            .collect();
        shown_url.push(separator);
        shown_url.push_str(&shown.join("&"));
    }

    let content_type_set = headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("content-type"));
    let shown_value = body.as_ref().map(|b| match b {
        Value::Object(map) if !connection_keys.is_empty() => {
            let mut map = map.clone();
            for key in &connection_keys {
                map.insert(key.clone(), Value::String(REDACTED.into()));
            }
            Value::Object(map)
        }
        other => other.clone(),
    });
    let serialize = |value: &Value| -> Result<(String, &'static str), Failure> {
        match value {
            Value::Object(fields) if url_encoded => {
                let mut pairs = Vec::new();
                for (key, value) in fields {
                    flatten(key, value, array_format, &mut pairs);
                }
                Ok((encode_pairs(&pairs), "application/x-www-form-urlencoded"))
            }
            _ if url_encoded => Err(runtime_error(
                "A URL_ENCODED RequestBody must be a JSON object".into(),
            )),
            Value::String(text) => Ok((text.clone(), "text/plain; charset=utf-8")),
            other => Ok((other.to_string(), JSON_CONTENT_TYPE)),
        }
    };
    let mut content_type = None;
    let (body_text, shown_body) = match (&body, &shown_value) {
        (Some(value), Some(shown)) => {
            let (text, body_type) = serialize(value)?;
            if !content_type_set {
                content_type = Some(body_type);
            }
            // Form encoding escaped the marker; a reader wants it plain.
            let shown = serialize(shown)?.0.replace("%3Credacted%3E", REDACTED);
            (text, shown)
        }
        _ => (String::new(), String::new()),
    };

    let mut builder = Request::builder().method(method.clone()).uri(&url);
    for h in &headers {
        builder = builder.header(h.name.as_str(), h.value.as_str());
    }
    if let Some(content_type) = content_type {
        builder = builder.header("Content-Type", content_type);
    }
    let request = builder
        .body(Full::new(Bytes::from(body_text.clone())))
        .map_err(|e| {
            runtime_error(format!(
                "The HTTP request to '{endpoint}' is not valid: {e}"
            ))
        })?;
    Ok(Built {
        endpoint,
        connection,
        authorization,
        request,
        method,
        url,
        shown_url,
        headers,
        body_text,
        shown_body,
    })
}

/// Flattens a value into form pairs the way `qs` does: objects as
/// `key[sub]`, arrays per `format`.
fn flatten(key: &str, value: &Value, format: ArrayFormat, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => out.push((key.to_string(), String::new())),
        Value::String(s) => out.push((key.to_string(), s.clone())),
        Value::Bool(_) | Value::Number(_) => out.push((key.to_string(), value.to_string())),
        Value::Object(map) => {
            for (sub, v) in map {
                flatten(&format!("{key}[{sub}]"), v, format, out);
            }
        }
        Value::Array(items) => match format {
            ArrayFormat::Commas => {
                let joined = items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                out.push((key.to_string(), joined));
            }
            ArrayFormat::Brackets => {
                for v in items {
                    flatten(&format!("{key}[]"), v, format, out);
                }
            }
            ArrayFormat::Indices => {
                for (i, v) in items.iter().enumerate() {
                    flatten(&format!("{key}[{i}]"), v, format, out);
                }
            }
            ArrayFormat::Repeat => {
                for v in items {
                    flatten(key, v, format, out);
                }
            }
        },
    }
}

/// `k=v&k=v`, each percent-encoded (a query string or a form body).
pub(crate) fn encode_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::util::percent_encode(k.as_ref()),
                crate::util::percent_encode(v.as_ref())
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(value: Value, format: ArrayFormat) -> String {
        let mut pairs = Vec::new();
        if let Value::Object(map) = &value {
            for (k, v) in map {
                flatten(k, v, format, &mut pairs);
            }
        }
        encode_pairs(&pairs)
    }

    #[test]
    fn array_formats() {
        let v = serde_json::json!({"array": ["a", "b"], "n": 1});
        assert_eq!(
            form(v.clone(), ArrayFormat::Indices),
            "array%5B0%5D=a&array%5B1%5D=b&n=1"
        );
        assert_eq!(
            form(v.clone(), ArrayFormat::Brackets),
            "array%5B%5D=a&array%5B%5D=b&n=1"
        );
        assert_eq!(form(v.clone(), ArrayFormat::Repeat), "array=a&array=b&n=1");
        assert_eq!(form(v, ArrayFormat::Commas), "array=a%2Cb&n=1");
        let nested = serde_json::json!({"user": {"name": "A B"}});
        assert_eq!(form(nested, ArrayFormat::Indices), "user%5Bname%5D=A%20B");
    }

    #[tokio::test]
    async fn refused_parameters() {
        let cases = [
            (serde_json::json!({"Method": "GET"}), "States.Runtime"),
            (
                serde_json::json!({"ApiEndpoint": "http://x", "Method": "BREW"}),
                "States.Runtime",
            ),
            (
                serde_json::json!({"ApiEndpoint": "http://x", "Method": "GET", "Headers": {"Host": "y"}}),
                "States.Runtime",
            ),
            (
                serde_json::json!({"ApiEndpoint": "http://x", "Method": "GET", "Headers": {"X-Amz-Date": "y"}}),
                "States.Runtime",
            ),
            (
                serde_json::json!({"ApiEndpoint": "http://x", "Method": "GET", "Headers": {"authorization": "Bearer t"}}),
                "States.Runtime",
            ),
            (
                serde_json::json!({"ApiEndpoint": "http://x", "Method": "GET", "Authentication": "c"}),
                "States.Runtime",
            ),
        ];
        for (params, want) in cases {
            let got = http_invoke(&params).await.err().map(|(e, _)| e);
            assert_eq!(got.as_deref(), Some(want), "{params}");
        }
    }
}
