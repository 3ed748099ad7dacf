//! The HTTP Task, `arn:aws:states:::http:invoke`.
//!
//! Parameters: `ApiEndpoint`, `Method`, `Headers`, `QueryParameters`,
//! `RequestBody`, `Transform` (`RequestBodyEncoding` `NONE` | `URL_ENCODED`,
//! `RequestEncodingOptions.ArrayFormat` `BRACKETS` | `COMMAS` | `INDICES` |
//! `REPEAT`). The result is `{Headers, ResponseBody, StatusCode, StatusText}`;
//! a status outside 2xx fails the task with `States.Http.StatusCode.<code>`,
//! no response at all with `States.Http.Socket`, and a header Step Functions
//! refuses with `States.Runtime`.
//!
//! DIFFERENCE: `Authentication`/`InvocationConfig` (an EventBridge
//! connection) is accepted and ignored: local services need no credentials
//! from AWS. Only `http://` endpoints can be reached (this build has no TLS).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request};
use serde_json::{Map, Value};

use crate::client::{send, SendError};

/// Step Functions gives an HTTP Task's request 60 seconds.
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);
/// Responses past this size cannot be a state's result anyway.
const MAX_RESPONSE: usize = 10 * 1024 * 1024;

/// Headers an HTTP Task may not set (AWS fails the task with `States.Runtime`).
const FORBIDDEN_HEADERS: &[&str] = &[
    "a-im",
    "accept-charset",
    "accept-datetime",
    "accept-encoding",
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

/// Runs an HTTP Task with its (already evaluated) parameters. The request's
/// `User-Agent` names region `us-east-1`; [`crate::Lambda::run_task`] uses
/// the configured region.
pub async fn http_invoke(parameters: &Value) -> Result<Value, (String, String)> {
    http_invoke_in(parameters, "us-east-1").await
}

pub(crate) async fn http_invoke_in(
    parameters: &Value,
    region: &str,
) -> Result<Value, (String, String)> {
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

    let mut url = endpoint.clone();
    if let Some(query) = params.get("QueryParameters") {
        let Value::Object(query) = query else {
            return Err(runtime_error(
                "The field 'QueryParameters' must be an object".into(),
            ));
        };
        let mut pairs = Vec::new();
        for (key, value) in query {
            flatten(key, value, ArrayFormat::Repeat, &mut pairs);
        }
        if !pairs.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&encode_pairs(&pairs));
        }
    }

    let mut builder = Request::builder().method(method).uri(&url).header(
        "user-agent",
        format!("Amazon|StepFunctions|HttpInvoke|{region}"),
    );
    let mut content_type_set = false;
    if let Some(headers) = params.get("Headers") {
        let Value::Object(headers) = headers else {
            return Err(runtime_error(
                "The field 'Headers' must be an object".into(),
            ));
        };
        for (name, value) in headers {
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
            content_type_set |= lower == "content-type";
            builder = builder.header(name.as_str(), value);
        }
    }

    let body = match params.get("RequestBody") {
        None | Some(Value::Null) => Bytes::new(),
        Some(body) if url_encoded => {
            let Value::Object(fields) = body else {
                return Err(runtime_error(
                    "A URL_ENCODED RequestBody must be a JSON object".into(),
                ));
            };
            if !content_type_set {
                builder = builder.header("content-type", "application/x-www-form-urlencoded");
            }
            let mut pairs = Vec::new();
            for (key, value) in fields {
                flatten(key, value, array_format, &mut pairs);
            }
            Bytes::from(encode_pairs(&pairs))
        }
        Some(Value::String(text)) => {
            if !content_type_set {
                builder = builder.header("content-type", "text/plain; charset=utf-8");
            }
            Bytes::from(text.clone())
        }
        Some(other) => {
            if !content_type_set {
                builder = builder.header("content-type", "application/json");
            }
            Bytes::from(other.to_string())
        }
    };

    let request = builder.body(Full::new(body)).map_err(|e| {
        runtime_error(format!(
            "The HTTP request to '{endpoint}' is not valid: {e}"
        ))
    })?;
    if url.starts_with("https://") {
        return Err((
            "States.Http.Socket".into(),
            format!("Cannot connect to '{endpoint}': this build of Stepwell has no TLS and reaches http:// endpoints only"),
        ));
    }
    let response = send(request, HTTP_TIMEOUT, MAX_RESPONSE)
        .await
        .map_err(|e| match e {
            SendError::TimedOut => (
                "States.Http.Socket".to_string(),
                format!("The HTTP request to '{endpoint}' timed out after 60 seconds"),
            ),
            other => (
                "States.Http.Socket".to_string(),
                format!("The HTTP request to '{endpoint}' failed: {other}"),
            ),
        })?;

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
    let is_json = response
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().contains("json"));
    let text = String::from_utf8_lossy(&response.body).into_owned();
    let body = if is_json {
        stepwell_core::parse_json(&text).unwrap_or(Value::String(text))
    } else {
        Value::String(text)
    };
    let status = response.status;
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
        return Err((
            format!("States.Http.StatusCode.{}", status.as_u16()),
            result.to_string(),
        ));
    }
    Ok(result)
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

fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::util::percent_encode(k),
                crate::util::percent_encode(v)
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
                serde_json::json!({"ApiEndpoint": "https://example.com", "Method": "GET"}),
                "States.Http.Socket",
            ),
        ];
        for (params, want) in cases {
            let got = http_invoke(&params).await.err().map(|(e, _)| e);
            assert_eq!(got.as_deref(), Some(want), "{params}");
        }
    }
}
