//! Step Functions' side of a Lambda call: which resource names a function,
//! the `lambda:invoke` parameters and result shape, and how an invocation's
//! outcome becomes a task result or a task error.
//!
//! Error mapping, as recorded against AWS (see the conformance cases
//! `task_lambda__raise_custom_exception` and
//! `task_service_lambda__raise_custom_exception`):
//! - a function error fails the task with the payload's `errorType` as the
//!   error; the cause is the payload itself: as the runtime wrote it for a
//!   bare function ARN, re-serialised compactly for `lambda:invoke`;
//! - a payload without `errorType` gives `Lambda.Unknown`;
//! - a failed Invoke call gives `Lambda.<ErrorCode>` with the AWS SDK's
//!   cause text `<message> (Service: AWSLambda; Status Code: …; Error Code: …;
//!   Request ID: …; Proxy: null)`.

use serde_json::{Map, Value};

use crate::{InvocationType, InvokeError, InvokeRequest, InvokeResponse};

/// A Task resource this crate runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resource {
    /// `arn:aws:states:::lambda:invoke`, optionally `.waitForTaskToken`.
    Invoke { wait_for_task_token: bool },
    /// A function ARN, or a bare function name.
    Function(FunctionRef),
    /// `arn:aws:states:::http:invoke`.
    Http,
}

/// A function named by name, partial ARN or ARN, with an optional qualifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FunctionRef {
    pub(crate) name: String,
    pub(crate) qualifier: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) account: Option<String>,
}

fn is_partition(text: &str) -> bool {
    text == "aws" || text.starts_with("aws-")
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn valid_qualifier(q: &str) -> bool {
    !q.is_empty()
        && q.len() <= 128
        && q.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'$'))
}

/// Parses a Task `Resource`. Bare names are only resources when `known`.
pub(crate) fn parse_resource(resource: &str, known: impl Fn(&str) -> bool) -> Option<Resource> {
    if let Some(rest) = resource.strip_prefix("arn:") {
        let (partition, rest) = rest.split_once(':')?;
        if !is_partition(partition) {
            return None;
        }
        match rest {
            "states:::lambda:invoke" => {
                return Some(Resource::Invoke {
                    wait_for_task_token: false,
                })
            }
            "states:::lambda:invoke.waitForTaskToken" => {
                return Some(Resource::Invoke {
                    wait_for_task_token: true,
                })
            }
            "states:::http:invoke" => return Some(Resource::Http),
            _ => {}
        }
        if rest.starts_with("lambda:") {
            return parse_function_ref(resource).map(Resource::Function);
        }
        return None;
    }
    if known(resource) {
        return Some(Resource::Function(FunctionRef {
            name: resource.to_string(),
            qualifier: None,
            region: None,
            account: None,
        }));
    }
    None
}

/// Parses Lambda's `FunctionName` forms: `NAME`, `NAME:QUALIFIER`,
/// `function:NAME[:QUALIFIER]`, `ACCOUNT:function:NAME[:QUALIFIER]` and the
/// full ARN.
pub(crate) fn parse_function_ref(text: &str) -> Option<FunctionRef> {
    let parts: Vec<&str> = text.split(':').collect();
    let (name, qualifier, region, account) = match parts.as_slice() {
        ["arn", partition, "lambda", region, account, "function", name]
            if is_partition(partition) =>
        {
            (*name, None, Some(*region), Some(*account))
        }
        ["arn", partition, "lambda", region, account, "function", name, qualifier]
            if is_partition(partition) =>
        {
            (*name, Some(*qualifier), Some(*region), Some(*account))
        }
        [account, "function", name] => (*name, None, None, Some(*account)),
        [account, "function", name, qualifier] => (*name, Some(*qualifier), None, Some(*account)),
        // AWS's pattern takes an optional `function:` before the name.
        ["function", name] => (*name, None, None, None),
        ["function", name, qualifier] => (*name, Some(*qualifier), None, None),
        [name] => (*name, None, None, None),
        [name, qualifier] => (*name, Some(*qualifier), None, None),
        _ => return None,
    };
    if !valid_name(name) || qualifier.is_some_and(|q| !valid_qualifier(q)) {
        return None;
    }
    Some(FunctionRef {
        name: name.to_string(),
        qualifier: qualifier.map(str::to_string),
        region: region.filter(|r| !r.is_empty()).map(str::to_string),
        account: account.filter(|a| !a.is_empty()).map(str::to_string),
    })
}

/// The `errorType` of an error payload, if it is a JSON object naming one.
pub(crate) fn error_type(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Typed {
        #[serde(rename = "errorType")]
        error_type: Option<Value>,
    }
    let typed: Typed = serde_json::from_slice(body).ok()?;
    match typed.error_type? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// A function error as a Step Functions error and cause.
pub(crate) fn function_failure(payload: &[u8], compact_cause: bool) -> (String, String) {
    let text = String::from_utf8_lossy(payload);
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(map)) => match map.get("errorType") {
            Some(Value::String(error)) => {
                let cause = if compact_cause {
                    Value::Object(map.clone()).to_string()
                } else {
                    text.into_owned()
                };
                (error.clone(), cause)
            }
            _ => unknown(&text),
        },
        _ => unknown(&text),
    }
}

fn unknown(text: &str) -> (String, String) {
    (
        "Lambda.Unknown".to_string(),
        format!(
            "The cause could not be determined because Lambda did not return an error type. Returned payload: {text}"
        ),
    )
}

/// A response payload as a JSON value (a string when it is not JSON).
pub(crate) fn payload_value(payload: &[u8]) -> Value {
    if payload.is_empty() {
        return Value::String(String::new());
    }
    // Nested up to the engine's bound (deeper than serde_json's default 128).
    std::str::from_utf8(payload)
        .ok()
        .and_then(|text| stepwell_core::parse_json(text).ok())
        .unwrap_or_else(|| Value::String(String::from_utf8_lossy(payload).into_owned()))
}

/// The `lambda:invoke` parameters, checked.
pub(crate) struct InvokeParameters {
    pub(crate) function: FunctionRef,
    pub(crate) request: InvokeRequest,
}

pub(crate) fn invoke_parameters(parameters: &Value) -> Result<InvokeParameters, (String, String)> {
    let runtime = |message: String| ("States.Runtime".to_string(), message);
    let Value::Object(map) = parameters else {
        return Err(runtime(
            "The parameters of a lambda:invoke task must be an object with FunctionName".into(),
        ));
    };
    let name = match map.get("FunctionName") {
        Some(Value::String(s)) => s,
        Some(_) => {
            return Err(invalid_parameter(
                "1 validation error detected: Value at 'functionName' failed to satisfy constraint: Member must be a string",
            ))
        }
        None => {
            return Err(runtime(
                "The field 'FunctionName' is required by a lambda:invoke task".into(),
            ))
        }
    };
    let function = parse_function_ref(name).ok_or_else(|| {
        invalid_parameter(&format!(
            "1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
        ))
    })?;
    let payload = match map.get("Payload") {
        // A null Payload sends none, as an absent one: the function gets
        // `{}` (LocalStack's recording of AWS, `test_invoke`).
        None | Some(Value::Null) => bytes::Bytes::from_static(b"{}"),
        // A string is the payload's JSON text, sent as it is.
        Some(Value::String(text)) => {
            if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
                return Err((
                    "Lambda.InvalidRequestContentException".into(),
                    sdk_cause(
                        &format!(
                            "Could not parse request body into json: Could not parse payload into json: Unrecognized token '{text}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
                        ),
                        400,
                        "InvalidRequestContentException",
                        &crate::util::uuid_v4(),
                    ),
                ));
            }
            bytes::Bytes::from(text.clone())
        }
        Some(other) => bytes::Bytes::from(other.to_string()),
    };
    let qualifier = match map.get("Qualifier") {
        None | Some(Value::Null) => function.qualifier.clone(),
        Some(Value::String(q)) if valid_qualifier(q) => Some(q.clone()),
        Some(_) => {
            return Err(invalid_parameter(
                "1 validation error detected: Value at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)",
            ))
        }
    };
    let invocation_type = match map.get("InvocationType") {
        None | Some(Value::Null) => InvocationType::RequestResponse,
        Some(Value::String(t)) => match t.as_str() {
            "RequestResponse" => InvocationType::RequestResponse,
            "Event" => InvocationType::Event,
            "DryRun" => InvocationType::DryRun,
            _ => {
                return Err(invalid_parameter(&format!(
                    "1 validation error detected: Value '{t}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
                )))
            }
        },
        Some(_) => {
            return Err(invalid_parameter(
                "1 validation error detected: Value at 'invocationType' failed to satisfy constraint: Member must be a string",
            ))
        }
    };
    let log_tail = matches!(map.get("LogType"), Some(Value::String(t)) if t == "Tail");
    let client_context = match map.get("ClientContext") {
        Some(Value::String(c)) => Some(c.clone()),
        _ => None,
    };
    Ok(InvokeParameters {
        function,
        request: InvokeRequest {
            payload,
            qualifier,
            invocation_type,
            log_tail,
            client_context,
        },
    })
}

fn invalid_parameter(message: &str) -> (String, String) {
    (
        "Lambda.InvalidParameterValueException".into(),
        sdk_cause(
            message,
            400,
            "InvalidParameterValueException",
            &crate::util::uuid_v4(),
        ),
    )
}

/// The AWS SDK for Java's text for a service error, which Step Functions
/// uses as the cause.
pub(crate) fn sdk_cause(message: &str, status: u16, code: &str, request_id: &str) -> String {
    format!(
        "{message} (Service: AWSLambda; Status Code: {status}; Error Code: {code}; Request ID: {request_id}; Proxy: null)"
    )
}

impl InvokeError {
    /// The Step Functions error and cause for this failed Invoke call.
    pub fn to_task_error(&self) -> (String, String) {
        let error = format!("Lambda.{}", self.code);
        if self.status == 0 {
            // A client-side failure: the SDK gives no service details.
            return (error, self.message.clone());
        }
        (
            error,
            sdk_cause(&self.message, self.status, &self.code, &self.request_id),
        )
    }
}

/// The `lambda:invoke` result: the Invoke response as the AWS SDK for Java
/// reports it (key order as recorded against AWS).
pub(crate) fn integration_result(response: &InvokeResponse) -> Value {
    let length = response.payload.len().to_string();
    // Lambda's response headers, in the order Lambda sends them (the
    // metadata's orders: `crate::sdk_metadata`).
    let mut headers: Vec<(String, String)> = vec![
        ("Date".into(), crate::util::http_date()),
        ("Content-Type".into(), "application/json".into()),
        ("Content-Length".into(), length),
        ("Connection".into(), "keep-alive".into()),
        ("x-amzn-RequestId".into(), response.request_id.clone()),
        ("x-amzn-Remapped-Content-Length".into(), "0".into()),
    ];
    if response.status_code == 200 {
        headers.push((
            "X-Amz-Executed-Version".into(),
            response.executed_version.clone(),
        ));
    }
    if let Some(log) = &response.log_result {
        headers.push(("X-Amz-Log-Result".into(), log.clone()));
    }
    headers.push(("X-Amzn-Trace-Id".into(), crate::util::trace_id()));
    let metadata = crate::sdk_metadata::http_metadata(&headers, response.status_code);

    let mut result = Map::new();
    if response.status_code == 200 {
        result.insert(
            "ExecutedVersion".into(),
            response.executed_version.clone().into(),
        );
    }
    if let Some(log) = &response.log_result {
        result.insert("LogResult".into(), log.clone().into());
    }
    result.insert("Payload".into(), payload_value(&response.payload));
    result.insert("SdkHttpMetadata".into(), Value::Object(metadata));
    result.insert(
        "SdkResponseMetadata".into(),
        serde_json::json!({"RequestId": response.request_id}),
    );
    result.insert("StatusCode".into(), response.status_code.into());
    Value::Object(result)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn payloads_nest_as_deep_as_the_engine_allows() {
        let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        // Deeper than serde_json's default bound of 128, within the engine's 1000.
        let v = payload_value(deep(500).as_bytes());
        assert!(v.is_array(), "{v}");
        // Past the engine's bound, or not JSON: the text itself.
        assert!(payload_value(deep(1001).as_bytes()).is_string());
        assert_eq!(payload_value(b"not json"), Value::String("not json".into()));
        assert_eq!(payload_value(b""), Value::String(String::new()));
    }

    fn known(name: &str) -> bool {
        name == "greet"
    }

    #[test]
    fn resources() {
        let f = |name: &str, q: Option<&str>| {
            Some(Resource::Function(FunctionRef {
                name: name.into(),
                qualifier: q.map(Into::into),
                region: Some("us-east-1".into()),
                account: Some("111111111111".into()),
            }))
        };
        let cases = [
            (
                "arn:aws:states:::lambda:invoke",
                Some(Resource::Invoke {
                    wait_for_task_token: false,
                }),
            ),
            (
                "arn:aws:states:::lambda:invoke.waitForTaskToken",
                Some(Resource::Invoke {
                    wait_for_task_token: true,
                }),
            ),
            (
                "arn:aws-cn:states:::lambda:invoke",
                Some(Resource::Invoke {
                    wait_for_task_token: false,
                }),
            ),
            ("arn:aws:states:::http:invoke", Some(Resource::Http)),
            (
                "arn:aws:lambda:us-east-1:111111111111:function:greet",
                f("greet", None),
            ),
            (
                "arn:aws:lambda:us-east-1:111111111111:function:greet:live",
                f("greet", Some("live")),
            ),
            (
                "arn:aws:lambda:us-east-1:111111111111:function:greet:$LATEST",
                f("greet", Some("$LATEST")),
            ),
            (
                "greet",
                Some(Resource::Function(FunctionRef {
                    name: "greet".into(),
                    qualifier: None,
                    region: None,
                    account: None,
                })),
            ),
            ("other", None),
            ("arn:aws:states:::sqs:sendMessage", None),
            ("arn:aws:states:::lambda:invoke.sync", None),
            ("arn:aws:lambda:us-east-1:111111111111:layer:x", None),
        ];
        for (resource, want) in cases {
            assert_eq!(parse_resource(resource, known), want, "{resource}");
        }
    }

    #[test]
    fn function_names() {
        let r = parse_function_ref("111111111111:function:greet:7").unwrap();
        assert_eq!(
            (r.name.as_str(), r.qualifier.as_deref()),
            ("greet", Some("7"))
        );
        let r = parse_function_ref("greet:live").unwrap();
        assert_eq!(
            (r.name.as_str(), r.qualifier.as_deref()),
            ("greet", Some("live"))
        );
        assert!(parse_function_ref("bad name").is_none());
        assert!(parse_function_ref("a:b:c:d:e").is_none());
        // AWS's optional `function:` prefix.
        let r = parse_function_ref("function:greet").unwrap();
        assert_eq!((r.name.as_str(), r.qualifier.as_deref()), ("greet", None));
        let r = parse_function_ref("function:greet:live").unwrap();
        assert_eq!(
            (r.name.as_str(), r.qualifier.as_deref()),
            ("greet", Some("live"))
        );
    }

    #[test]
    fn function_failures_map_like_aws() {
        let python = br#"{"errorMessage": "", "errorType": "CustomException", "requestId": "r", "stackTrace": []}"#;
        assert_eq!(
            function_failure(python, false),
            (
                "CustomException".into(),
                String::from_utf8_lossy(python).into_owned()
            )
        );
        assert_eq!(
            function_failure(python, true),
            (
                "CustomException".into(),
                r#"{"errorMessage":"","errorType":"CustomException","requestId":"r","stackTrace":[]}"#.into()
            )
        );
        let untyped = br#"{"errorMessage":"boom"}"#;
        assert_eq!(
            function_failure(untyped, true),
            (
                "Lambda.Unknown".into(),
                r#"The cause could not be determined because Lambda did not return an error type. Returned payload: {"errorMessage":"boom"}"#.into()
            )
        );
    }

    #[test]
    fn invoke_parameters_follow_lambda() {
        let p = invoke_parameters(&serde_json::json!({"FunctionName": "greet", "Payload": "true"}))
            .unwrap();
        assert_eq!(&p.request.payload[..], b"true");
        let p = invoke_parameters(&serde_json::json!({"FunctionName": "greet"})).unwrap();
        assert_eq!(&p.request.payload[..], b"{}");
        let p = invoke_parameters(&serde_json::json!({"FunctionName": "greet", "Payload": null}))
            .unwrap();
        assert_eq!(&p.request.payload[..], b"{}");
        let p =
            invoke_parameters(&serde_json::json!({"FunctionName": "greet", "Payload": {"a": [1]}}))
                .unwrap();
        assert_eq!(&p.request.payload[..], br#"{"a":[1]}"#);
        let (error, cause) =
            invoke_parameters(&serde_json::json!({"FunctionName": "greet", "Payload": "nope"}))
                .err()
                .unwrap();
        assert_eq!(error, "Lambda.InvalidRequestContentException");
        assert!(cause.contains("Unrecognized token 'nope'"), "{cause}");
        let (error, _) = invoke_parameters(&serde_json::json!({"FunctionName": "bad name!"}))
            .err()
            .unwrap();
        assert_eq!(error, "Lambda.InvalidParameterValueException");
    }

    #[test]
    fn the_integration_result_has_the_recorded_shape() {
        let response = InvokeResponse {
            status_code: 200,
            payload: bytes::Bytes::from_static(br#"{"body":"string body"}"#),
            function_error: None,
            executed_version: "$LATEST".into(),
            request_id: "rid".into(),
            log_result: None,
            duration: None,
            pid: None,
        };
        let v = integration_result(&response);
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "ExecutedVersion",
                "Payload",
                "SdkHttpMetadata",
                "SdkResponseMetadata",
                "StatusCode"
            ]
        );
        assert_eq!(v["Payload"], serde_json::json!({"body": "string body"}));
        assert_eq!(v["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"], "22");
        assert_eq!(
            v["SdkHttpMetadata"]["AllHttpHeaders"]["Content-Length"],
            serde_json::json!(["22"])
        );
        assert_eq!(v["SdkResponseMetadata"]["RequestId"], "rid");
        assert_eq!(v["StatusCode"], 200);
    }

    /// LocalStack's recording of AWS, `test_invoke_unsupported_param`
    /// (`LogType: Tail`): `AllHttpHeaders` has the log before the version;
    /// `HttpHeaders` is in alphabetical order.
    #[test]
    fn a_tail_log_comes_first_in_all_http_headers() {
        let response = InvokeResponse {
            status_code: 200,
            payload: bytes::Bytes::from_static(b"{}"),
            function_error: None,
            executed_version: "$LATEST".into(),
            request_id: "rid".into(),
            log_result: Some("bG9n".into()),
            duration: None,
            pid: None,
        };
        let v = integration_result(&response);
        let keys = |headers: &str| -> Vec<String> {
            v["SdkHttpMetadata"][headers]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(
            keys("AllHttpHeaders"),
            [
                "X-Amz-Log-Result",
                "X-Amz-Executed-Version",
                "x-amzn-Remapped-Content-Length",
                "Connection",
                "x-amzn-RequestId",
                "Content-Length",
                "Date",
                "X-Amzn-Trace-Id",
                "Content-Type"
            ]
        );
        assert_eq!(
            keys("HttpHeaders")[4..6],
            ["X-Amz-Executed-Version", "X-Amz-Log-Result"]
        );
    }
}
