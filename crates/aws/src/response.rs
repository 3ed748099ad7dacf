//! A service's answer as the Task's result, or its error as AWS names it
//! for service integrations.

use serde_json::{Map, Value};

use crate::model::QueryShapes;
use crate::request::rename_keys;
use crate::services::{pascal, Kind, Protocol, Target};
use crate::TaskError;

/// What came back from the service.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// Names as received (HTTP/1 lower-cases them on the way).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn request_id(&self) -> Option<&str> {
        self.header("x-amzn-requestid")
            .or_else(|| self.header("x-amz-request-id"))
    }
}

/// The Task's result for `answer`, or `(error, cause)`.
pub fn task_result(target: &Target, answer: &Answer) -> Result<Value, TaskError> {
    if !(200..300).contains(&answer.status) {
        return Err(service_error(target, answer));
    }
    let (mut value, xml_request_id) = match target.service.protocol {
        Protocol::Json { .. } | Protocol::RestJson => {
            let text = String::from_utf8_lossy(&answer.body);
            let value = if text.trim().is_empty() {
                Value::Object(Map::new())
            } else {
                stepwell_core::parse_json(&text).map_err(|e| {
                    (
                        "States.TaskFailed".to_string(),
                        format!(
                            "The response of {} {} is not JSON: {e}",
                            target.service.sdk_name, target.action
                        ),
                    )
                })?
            };
            (value, None)
        }
        Protocol::Query { .. } => query_result(target, answer)?,
        Protocol::S3 => match crate::s3::result(target, answer) {
            Ok(v) => (v, None),
            Err(Some(e)) => return Err(e),
            // An error in a 200 answer.
            Err(None) => return Err(service_error(target, answer)),
        },
    };
    if target.kind == Kind::Optimized && target.action == "RunTask" && target.wait_for_token {
        // ecs:runTask.waitForTaskToken fails on a 200 with Failures, with
        // AmazonECS.Unknown (request/response returns them).
        // AWS is silent: the cause; here the failures, as JSON.
        if let Some(Value::Array(f)) = value.get("failures") {
            if !f.is_empty() {
                let failures = rename_keys(Value::Array(f.clone()), &pascal, &[]);
                return Err(("AmazonECS.Unknown".into(), failures.to_string()));
            }
        }
    }
    if target.service.camel_case {
        value = rename_keys(value, &pascal, target.service.string_maps);
    }
    if target.kind == Kind::Sdk
        && matches!(
            target.service.protocol,
            Protocol::Json { .. } | Protocol::RestJson
        )
    {
        value = sdk_dates(value, target.service.timestamps);
    }
    if target.kind == Kind::Optimized {
        value = java_property_order(value, result_maps(target.service.sdk_resource));
    }
    if target.kind == Kind::Optimized && target.action == "PutEvents" {
        // events:putEvents fails when any entry failed: the error
        // EventBridge.FailedEntry, the whole response as the cause.
        let failed = value.get("FailedEntryCount").and_then(Value::as_u64);
        if failed.is_some_and(|n| n > 0) {
            return Err(("EventBridge.FailedEntry".into(), value.to_string()));
        }
    }
    if target.kind == Kind::Optimized && target.service.sdk_resource != "eventbridge" {
        // The optimized integrations answer with the AWS SDK for Java 1.x
        // result object, which carries the HTTP metadata (events:putEvents
        // answers with Entries and FailedEntryCount only).
        if let Value::Object(map) = &mut value {
            let request_id = xml_request_id
                .or_else(|| answer.request_id().map(str::to_string))
                .unwrap_or_default();
            add_metadata(map, answer, &request_id, target.service.sdk_resource);
            map.sort_keys();
        }
    }
    Ok(value)
}

/// The members of the optimized integrations' results that are maps (keys
/// that are the user's, or names), by service: the AWS SDK for Java 1.x
/// keeps them in a `java.util.Map`, whose keys Step Functions does not
/// sort.
/// DIFFERENCE: known by name, not from the API's model; their keys stay in
/// the order the service sent them (the SDK's `HashMap` order is not
/// applied: AWS's recordings of DynamoDB items do not agree on one).
fn result_maps(service: &str) -> &'static [&'static str] {
    match service {
        "dynamodb" => &[
            "Item",
            "Attributes",
            "ItemCollectionKey",
            "LocalSecondaryIndexes",
            "GlobalSecondaryIndexes",
        ],
        "glue" => &["Arguments", "NonOverridableArguments"],
        "batch" => &["Parameters", "Tags", "Labels", "Annotations"],
        "codebuild" => &["StatusCounts"],
        _ => &[],
    }
}

/// The members of the objects in `value` in alphabetical order, as Step
/// Functions writes the AWS SDK for Java 1.x's result objects (Jackson,
/// properties sorted), but for the members named in `maps`, which are
/// left as they are. AWS's recordings (LocalStack's snapshots,
/// tests/aws/services/stepfunctions/v2/services): SNS
/// `test_fifo_message_attribute[input_params1-False]` `MessageId,
/// SdkHttpMetadata, SdkResponseMetadata, SequenceNumber`; SQS
/// `test_send_message_attributes` `MD5OfMessageAttributes,
/// MD5OfMessageBody, MessageId, …`; events `test_put_events_no_source`
/// `Entries, FailedEntryCount` (also in the cause); ECS
/// `test_run_task_sync` (nested objects too).
pub(crate) fn java_property_order(value: Value, maps: &[&str]) -> Value {
    match value {
        Value::Object(map) => {
            let mut map: Map<String, Value> = map
                .into_iter()
                .map(|(k, v)| {
                    let v = if maps.contains(&k.as_str()) {
                        v
                    } else {
                        java_property_order(v, maps)
                    };
                    (k, v)
                })
                .collect();
            map.sort_keys();
            Value::Object(map)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| java_property_order(v, maps))
                .collect(),
        ),
        other => other,
    }
}

/// Add `SdkHttpMetadata` and `SdkResponseMetadata` for `answer` (its
/// request id from its `x-amzn-RequestId` header), as the optimized
/// integrations' results carry them: also those the server answers
/// itself (the nested `states:startExecution`).
pub fn add_sdk_metadata(map: &mut Map<String, Value>, answer: &Answer) {
    let request_id = answer.request_id().unwrap_or_default().to_string();
    add_metadata(map, answer, &request_id, "sfn");
}

/// The AWS SDK for Java 1.x's text for a service's error, which Step
/// Functions gives as the cause of an optimized integration's error
/// (`service` is the SDK's name for it, `AWSStepFunctions`).
pub fn java_sdk_cause(
    message: &str,
    service: &str,
    status: u16,
    code: &str,
    request_id: &str,
) -> String {
    format!(
        "{message} (Service: {service}; Status Code: {status}; Error Code: {code}; Request ID: {request_id}; Proxy: null)"
    )
}

/// `SdkHttpMetadata` and `SdkResponseMetadata`, as the optimized
/// integrations add them (the header maps' orders:
/// `stepwell_lambda::sdk_metadata`), for an answer of `service`.
fn add_metadata(map: &mut Map<String, Value>, answer: &Answer, request_id: &str, service: &str) {
    let headers: Vec<(String, String)> = answer
        .headers
        .iter()
        .map(|(k, v)| (header_name(service, k), v.clone()))
        .collect();
    let http = stepwell_lambda::sdk_metadata::http_metadata(&headers, answer.status);
    map.insert("SdkHttpMetadata".into(), Value::Object(http));
    let mut response = Map::new();
    response.insert("RequestId".into(), Value::String(request_id.to_string()));
    map.insert("SdkResponseMetadata".into(), Value::Object(response));
}

/// A response header's name as AWS's answers spell it, which the SDK keeps
/// (and which places it in `AllHttpHeaders`: the order hashes the name).
/// DIFFERENCE: HTTP/1 clients here see every name lower-cased, so the
/// spelling is AWS's for the usual headers (DynamoDB's `Server` and
/// `Connection`, recorded in `test_base_integrations`; SQS's, SNS's and
/// Step Functions' `connection`, recorded in `test_send_message`), and the
/// others keep the case they arrived in.
fn header_name(service: &str, name: &str) -> String {
    const KNOWN: &[&str] = &[
        "Content-Length",
        "Content-Type",
        "Date",
        "x-amzn-RequestId",
        "x-amz-crc32",
        "x-amz-request-id",
        "x-amz-id-2",
    ];
    const DYNAMODB: &[&str] = &["Server", "Connection"];
    let known = |list: &[&str]| {
        list.iter()
            .find(|k| k.eq_ignore_ascii_case(name))
            .map(|k| k.to_string())
    };
    known(KNOWN)
        .or_else(|| (service == "dynamodb").then(|| known(DYNAMODB)).flatten())
        .unwrap_or_else(|| name.to_string())
}

/// The AWS SDK for Java 2.x (behind aws-sdk integrations) reads a
/// timestamp member as an instant and Step Functions writes it back as
/// ISO 8601; the JSON wire sends epoch seconds. `members` are the
/// service's timestamp members ([`crate::model`]); a number past the year
/// 9999 is some other member's epoch milliseconds and stays a number.
fn sdk_dates(value: Value, members: &[&str]) -> Value {
    /// 9999-12-31T23:59:59Z.
    const LAST_SECOND: f64 = 253_402_300_799.0;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::Number(n) if members.contains(&k.as_str()) => {
                            match n
                                .as_f64()
                                .filter(|s| s.abs() <= LAST_SECOND)
                                .and_then(iso_instant)
                            {
                                Some(s) => Value::String(s),
                                None => Value::Number(n),
                            }
                        }
                        other => sdk_dates(other, members),
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| sdk_dates(v, members)).collect())
        }
        other => other,
    }
}

/// Epoch seconds -> `2024-05-01T12:00:00.123Z` (as Java's `Instant`
/// prints it: no fraction when it is zero).
pub(crate) fn iso_instant(seconds: f64) -> Option<String> {
    if !seconds.is_finite() {
        return None;
    }
    let millis = (seconds * 1000.0).round() as i64;
    let t = time::OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000)).ok()?;
    let ms = millis.rem_euclid(1000);
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    Some(if ms == 0 {
        format!("{base}Z")
    } else {
        format!("{base}.{ms:03}Z")
    })
}

/// A query-protocol answer: `<ActionResponse><ActionResult>…` as JSON,
/// and the request id from `<ResponseMetadata>`.
fn query_result(target: &Target, answer: &Answer) -> Result<(Value, Option<String>), TaskError> {
    let text = String::from_utf8_lossy(&answer.body);
    let doc = roxmltree::Document::parse(&text).map_err(|e| {
        (
            "States.TaskFailed".to_string(),
            format!(
                "The response of {} {} is not XML: {e}",
                target.service.sdk_name, target.action
            ),
        )
    })?;
    let root = doc.root_element();
    let result_name = format!("{}Result", target.action);
    let mut value = Value::Object(Map::new());
    let mut request_id = None;
    for child in root.children().filter(|n| n.is_element()) {
        let name = child.tag_name().name();
        if name == result_name {
            let shapes = crate::model::query_shapes(target.service.sdk_resource);
            value = xml_item(child, &shapes);
            if value == Value::String(String::new()) {
                value = Value::Object(Map::new());
            }
        } else if name == "ResponseMetadata" {
            request_id = child
                .children()
                .find(|n| n.tag_name().name() == "RequestId")
                .and_then(|n| n.text())
                .map(str::to_string);
        }
    }
    Ok((value, request_id))
}

/// A query-protocol element as the SDK's object: members in PascalCase
/// (the Task's result has them so, as in JSON services), lists and maps
/// as the API model types them (an empty one is `[]` or `{}`, not text),
/// and booleans and timestamps typed ([`crate::model::QueryShapes`]).
/// Elements the tables do not name: a list for `member` children, a map
/// for `entry` children of key/value, text for a leaf.
fn xml_value(node: roxmltree::Node<'_, '_>, shapes: &QueryShapes) -> Value {
    let name = pascal(node.tag_name().name());
    let children: Vec<_> = node.children().filter(|n| n.is_element()).collect();
    let named = |c: &roxmltree::Node<'_, '_>, n: &str| c.tag_name().name() == n;
    let is_list = shapes.lists.contains(&name.as_str());
    let is_map = shapes.maps.contains(&name.as_str());
    if is_map || (!children.is_empty() && children.iter().all(|c| named(c, "entry"))) {
        let mut map = Map::new();
        for entry in children {
            let mut key = None;
            let mut value = None;
            for part in entry.children().filter(|n| n.is_element()) {
                match part.tag_name().name() {
                    "key" | "Name" => key = part.text().map(str::to_string),
                    "value" | "Value" => {
                        value = Some(Value::String(part.text().unwrap_or_default().to_string()))
                    }
                    _ => {}
                }
            }
            if let Some(k) = key {
                map.insert(k, value.unwrap_or(Value::Null));
            }
        }
        return Value::Object(map);
    }
    if is_list || (!children.is_empty() && children.iter().all(|c| named(c, "member"))) {
        return Value::Array(children.into_iter().map(|c| xml_item(c, shapes)).collect());
    }
    if children.is_empty() {
        let text = node.text().unwrap_or_default();
        if shapes.booleans.contains(&name.as_str()) {
            match text.trim() {
                "true" => return Value::Bool(true),
                "false" => return Value::Bool(false),
                _ => {}
            }
        }
        if shapes.timestamps.contains(&name.as_str()) {
            if let Some(iso) = time::OffsetDateTime::parse(
                text.trim(),
                &time::format_description::well_known::Rfc3339,
            )
            .ok()
            .and_then(|t| iso_instant(t.unix_timestamp_nanos() as f64 / 1e9))
            {
                return Value::String(iso);
            }
        }
        return Value::String(text.to_string());
    }
    let mut map = Map::new();
    for c in children {
        map.insert(pascal(c.tag_name().name()), xml_value(c, shapes));
    }
    Value::Object(map)
}

/// One item of a list: a structure's members, or a leaf's text.
fn xml_item(node: roxmltree::Node<'_, '_>, shapes: &QueryShapes) -> Value {
    let children: Vec<_> = node.children().filter(|n| n.is_element()).collect();
    if children.is_empty() {
        return Value::String(node.text().unwrap_or_default().to_string());
    }
    let mut map = Map::new();
    for c in children {
        map.insert(pascal(c.tag_name().name()), xml_value(c, shapes));
    }
    Value::Object(map)
}

/// The service's error code and message.
struct ErrorInfo {
    code: Option<String>,
    /// The code the AWS SDK for Java 1.x shows in a cause ("Error Code:"),
    /// e.g. SQS's legacy `AWS.SimpleQueueService.NonExistentQueue`.
    legacy_code: Option<String>,
    message: String,
    request_id: Option<String>,
}

fn error_info(target: &Target, answer: &Answer) -> ErrorInfo {
    let text = String::from_utf8_lossy(&answer.body);
    match target.service.protocol {
        Protocol::Json { .. } | Protocol::RestJson => {
            let body = stepwell_core::parse_json(&text).unwrap_or(Value::Null);
            let field = |names: &[&str]| {
                names
                    .iter()
                    .find_map(|n| body.get(*n).and_then(Value::as_str))
                    .map(str::to_string)
            };
            // `x-amzn-ErrorType: Code:http://...`, `__type: namespace#Code`.
            let code = answer
                .header("x-amzn-errortype")
                .map(|h| h.split(':').next().unwrap_or(h).to_string())
                .or_else(|| field(&["__type", "code"]))
                .map(|c| c.rsplit('#').next().unwrap_or(&c).to_string())
                .filter(|c| !c.is_empty());
            let legacy_code = answer
                .header("x-amzn-query-error")
                .map(|h| h.split(';').next().unwrap_or(h).to_string())
                .filter(|c| !c.is_empty());
            let message = field(&["message", "Message", "errorMessage"]).unwrap_or_else(|| {
                if body.is_null() {
                    text.trim().chars().take(512).collect()
                } else {
                    String::new()
                }
            });
            ErrorInfo {
                code,
                legacy_code,
                message,
                request_id: answer.request_id().map(str::to_string),
            }
        }
        Protocol::Query { .. } | Protocol::S3 => {
            let mut info = ErrorInfo {
                code: None,
                legacy_code: None,
                message: String::new(),
                request_id: answer.request_id().map(str::to_string),
            };
            match roxmltree::Document::parse(&text) {
                Ok(doc) => {
                    for n in doc.descendants().filter(|n| n.is_element()) {
                        let value = n.text().map(|t| t.trim().to_string());
                        match n.tag_name().name() {
                            "Code" => info.code = value,
                            "Message" => info.message = value.unwrap_or_default(),
                            "RequestId" => info.request_id = value.or(info.request_id),
                            _ => {}
                        }
                    }
                }
                Err(_) => info.message = text.trim().chars().take(512).collect(),
            }
            info
        }
    }
}

/// AWS's common errors, which no service's API model lists: the SDKs
/// raise them as the service's base exception (`DynamoDb.DynamoDbException`,
/// `SQS.AmazonSQSException`: AWS records e.g. a missing parameter so).
const COMMON_ERRORS: &[&str] = &[
    "AccessDeniedException",
    "IncompleteSignature",
    "InternalFailure",
    "InvalidAction",
    "InvalidClientTokenId",
    "InvalidParameterCombination",
    "InvalidParameterValue",
    "InvalidQueryParameter",
    "InvalidSignatureException",
    "MalformedQueryString",
    "MissingAction",
    "MissingAuthenticationToken",
    "MissingParameter",
    "NotAuthorized",
    "OptInRequired",
    "RequestExpired",
    "SerializationException",
    "ServiceUnavailable",
    "ThrottlingException",
    "UnknownOperationException",
    "UnrecognizedClientException",
    "ValidationError",
    "ValidationException",
];

/// Error codes whose exception is not named after them (the API model's
/// `error.code` of the exception's shape): (service, code, exception).
const RENAMED_ERRORS: &[(&str, &str, &str)] = &[(
    "sns",
    "ParameterValueInvalid",
    "InvalidParameterValueException",
)];

/// The exception a service's error code is raised as: `None` for a common
/// error the service does not model (its base exception then);
/// `ConditionalCheckFailedException` stays, `QueueDoesNotExist` and
/// `NotFound` get the suffix (AWS: include the Exception suffix even where
/// the service's own error name has none).
fn exception_name(code: &str, service: &crate::Service) -> Option<String> {
    let last = code.rsplit('.').next().unwrap_or(code);
    if COMMON_ERRORS.contains(&last) && !service.modeled_common.contains(&last) {
        return None;
    }
    if let Some((_, _, exception)) = RENAMED_ERRORS
        .iter()
        .find(|(s, c, _)| *s == service.sdk_resource && *c == last)
    {
        return Some(exception.to_string());
    }
    let name = pascal(last);
    Some(if name.ends_with("Exception") {
        name
    } else {
        format!("{name}Exception")
    })
}

/// The error of a call that got no answer (no connection, a timeout):
/// AWS records the Java SDK's `SdkClientException`.
pub fn client_error(target: &Target, message: &str) -> TaskError {
    let prefix = match (target.kind, target.service.optimized_names) {
        (Kind::Optimized, Some((prefix, _))) => prefix,
        _ => target.service.sdk_name,
    };
    (
        format!("{prefix}.SdkClientException"),
        format!("Unable to execute HTTP request: {message}"),
    )
}

fn service_error(target: &Target, answer: &Answer) -> TaskError {
    let info = error_info(target, answer);
    let service = target.service;
    let request_id = info.request_id.unwrap_or_default();
    match (target.kind, service.optimized_names) {
        (Kind::Optimized, Some((prefix, v1_name))) => {
            // The AWS SDK for Java 1.x's names and cause.
            let fallback = format!("{}Exception", v1_name.trim_end_matches("v2"));
            let name = info
                .code
                .as_deref()
                .and_then(|c| exception_name(c, service))
                .unwrap_or(fallback);
            let code = info
                .legacy_code
                .or(info.code)
                .unwrap_or_else(|| "null".into());
            (
                format!("{prefix}.{name}"),
                java_sdk_cause(&info.message, v1_name, answer.status, &code, &request_id),
            )
        }
        _ if service.protocol == Protocol::S3 => {
            let sdk = service.sdk_name;
            // A HEAD answer has no body to name the error: the SDK raises
            // HeadObject's 404 as NoSuchKey.
            let code = info.code.clone().or_else(|| {
                (target.action == "HeadObject" && answer.status == 404)
                    .then(|| "NoSuchKey".to_string())
            });
            let name = code
                .as_deref()
                .and_then(|c| exception_name(c, service))
                .unwrap_or_else(|| format!("{sdk}Exception"));
            let extended = answer.header("x-amz-id-2").unwrap_or_default();
            // A HEAD-like answer has no body: the SDK shows a null message.
            let message = if info.message.is_empty() {
                "null".to_string()
            } else {
                info.message
            };
            (
                format!("{sdk}.{name}"),
                format!(
                    "{message} (Service: {sdk}, Status Code: {}, Request ID: {request_id}, Extended Request ID: {extended}){ATTEMPTS}",
                    answer.status
                ),
            )
        }
        _ => {
            // The AWS SDK for Java 2.x's client name and cause.
            let sdk = service.sdk_name;
            let fallback = format!("{sdk}Exception");
            let name = info
                .code
                .as_deref()
                .and_then(|c| exception_name(c, service))
                .unwrap_or(fallback);
            (
                format!("{sdk}.{name}"),
                format!(
                    "{} (Service: {sdk}, Status Code: {}, Request ID: {request_id}){ATTEMPTS}",
                    info.message, answer.status
                ),
            )
        }
    }
}

/// What the AWS SDK for Java 2.x appends to an error's cause: how many
/// attempts it made. AWS's recordings from 2025 on show it
/// (`(SDK Attempt Count: 1)`: the SDK's own retries are not modelled, so
/// one attempt); the 2023 ones, made with an older SDK, do not.
const ATTEMPTS: &str = " (SDK Attempt Count: 1)";

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::services::{test_answer as answer, test_target as target};

    #[test]
    fn errors() {
        // (resource, status, headers, body, error, cause)
        type Headers<'a> = &'a [(&'a str, &'a str)];
        type Row<'a> = (&'a str, u16, Headers<'a>, &'a str, &'a str, &'a str);
        let rows: &[Row<'_>] = &[
            (
                "arn:aws:states:::glue:startJobRun",
                400,
                &[("x-amzn-requestid", "G1")],
                r#"{"__type":"EntityNotFoundException","Message":"Job nope not found"}"#,
                "Glue.EntityNotFoundException",
                "Job nope not found (Service: AWSGlue; Status Code: 400; Error Code: EntityNotFoundException; Request ID: G1; Proxy: null)",
            ),
            (
                // restJson1's x-amzn-ErrorType header.
                "arn:aws:states:::batch:submitJob",
                400,
                &[("x-amzn-requestid", "B1"), ("x-amzn-ErrorType", "ClientException")],
                r#"{"message":"Job queue q does not exist"}"#,
                "Batch.ClientException",
                "Job queue q does not exist (Service: AWSBatch; Status Code: 400; Error Code: ClientException; Request ID: B1; Proxy: null)",
            ),
            (
                "arn:aws:states:::dynamodb:putItem",
                400,
                &[("x-amzn-requestid", "R1")],
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#,
                "DynamoDB.ConditionalCheckFailedException",
                "The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: R1; Proxy: null)",
            ),
            (
                "arn:aws:states:::aws-sdk:dynamodb:putItem",
                400,
                &[("x-amzn-requestid", "R1")],
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#,
                "DynamoDb.ConditionalCheckFailedException",
                "The conditional request failed (Service: DynamoDb, Status Code: 400, Request ID: R1) (SDK Attempt Count: 1)",
            ),
            (
                "arn:aws:states:::sqs:sendMessage",
                400,
                &[
                    ("x-amzn-requestid", "R2"),
                    ("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"),
                ],
                r#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#,
                "SQS.QueueDoesNotExistException",
                "The specified queue does not exist. (Service: AmazonSQS; Status Code: 400; Error Code: AWS.SimpleQueueService.NonExistentQueue; Request ID: R2; Proxy: null)",
            ),
            (
                "arn:aws:states:::aws-sdk:sfn:describeExecution",
                400,
                &[("x-amzn-requestid", "R3")],
                r#"{"__type":"ExecutionDoesNotExist","message":"Execution Does Not Exist: 'arn:x'"}"#,
                "Sfn.ExecutionDoesNotExistException",
                "Execution Does Not Exist: 'arn:x' (Service: Sfn, Status Code: 400, Request ID: R3) (SDK Attempt Count: 1)",
            ),
            (
                "arn:aws:states:::aws-sdk:sfn:describeExecution",
                400,
                &[("x-amzn-ErrorType", "ValidationException:http://internal.amazon.com/")],
                r#"{"Message":"bad"}"#,
                "Sfn.ValidationException",
                "bad (Service: Sfn, Status Code: 400, Request ID: ) (SDK Attempt Count: 1)",
            ),
            (
                "arn:aws:states:::sns:publish",
                404,
                &[],
                "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>R4</RequestId></ErrorResponse>",
                "SNS.NotFoundException",
                "Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: R4; Proxy: null)",
            ),
            (
                "arn:aws:states:::aws-sdk:sns:publish",
                400,
                &[],
                "<ErrorResponse><Error><Code>InvalidParameter</Code><Message>Invalid parameter: TopicArn</Message></Error><RequestId>R5</RequestId></ErrorResponse>",
                "Sns.InvalidParameterException",
                "Invalid parameter: TopicArn (Service: Sns, Status Code: 400, Request ID: R5) (SDK Attempt Count: 1)",
            ),
            (
                // ECS's model lists AccessDeniedException: its own name.
                "arn:aws:states:::aws-sdk:ecs:describeTasks",
                400,
                &[("x-amzn-requestid", "E1")],
                r#"{"__type":"AccessDeniedException","message":"User is not authorized"}"#,
                "Ecs.AccessDeniedException",
                "User is not authorized (Service: Ecs, Status Code: 400, Request ID: E1) (SDK Attempt Count: 1)",
            ),
            (
                "arn:aws:states:::aws-sdk:glue:getJobRun",
                400,
                &[],
                r#"{"__type":"AccessDeniedException","Message":"denied"}"#,
                "Glue.AccessDeniedException",
                "denied (Service: Glue, Status Code: 400, Request ID: ) (SDK Attempt Count: 1)",
            ),
            (
                "arn:aws:states:::glue:startJobRun",
                400,
                &[],
                r#"{"__type":"ThrottlingException","Message":"slow down"}"#,
                "Glue.ThrottlingException",
                "slow down (Service: AWSGlue; Status Code: 400; Error Code: ThrottlingException; Request ID: ; Proxy: null)",
            ),
            (
                "arn:aws:states:::aws-sdk:dynamodb:query",
                400,
                &[],
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Throughput exceeds the current capacity"}"#,
                "DynamoDb.ThrottlingException",
                "Throughput exceeds the current capacity (Service: DynamoDb, Status Code: 400, Request ID: ) (SDK Attempt Count: 1)",
            ),
            (
                // Batch's model does not: the base exception.
                "arn:aws:states:::aws-sdk:batch:describeJobs",
                403,
                &[("x-amzn-ErrorType", "AccessDeniedException")],
                r#"{"message":"denied"}"#,
                "Batch.BatchException",
                "denied (Service: Batch, Status Code: 403, Request ID: ) (SDK Attempt Count: 1)",
            ),
            (
                // SNS's code for InvalidParameterValueException.
                "arn:aws:states:::aws-sdk:sns:publish",
                400,
                &[],
                "<ErrorResponse><Error><Code>ParameterValueInvalid</Code><Message>bad value</Message></Error><RequestId>R8</RequestId></ErrorResponse>",
                "Sns.InvalidParameterValueException",
                "bad value (Service: Sns, Status Code: 400, Request ID: R8) (SDK Attempt Count: 1)",
            ),
            (
                // Common errors no API model lists: the base exception.
                "arn:aws:states:::sqs:sendMessage",
                400,
                &[("x-amzn-query-error", "MissingParameter;Sender")],
                r#"{"__type":"com.amazonaws.sqs#MissingParameter","message":"The request must contain the parameter MessageBody."}"#,
                "SQS.AmazonSQSException",
                "The request must contain the parameter MessageBody. (Service: AmazonSQS; Status Code: 400; Error Code: MissingParameter; Request ID: ; Proxy: null)",
            ),
            (
                "arn:aws:states:::aws-sdk:dynamodb:putItem",
                400,
                &[("x-amzn-requestid", "R6")],
                r#"{"__type":"com.amazon.coral.validate#ValidationException","message":"1 validation error detected"}"#,
                "DynamoDb.DynamoDbException",
                "1 validation error detected (Service: DynamoDb, Status Code: 400, Request ID: R6) (SDK Attempt Count: 1)",
            ),
            (
                "arn:aws:states:::aws-sdk:secretsmanager:createSecret",
                400,
                &[],
                r#"{"__type":"ValidationException","Message":"Invalid name."}"#,
                "SecretsManager.SecretsManagerException",
                "Invalid name. (Service: SecretsManager, Status Code: 400, Request ID: ) (SDK Attempt Count: 1)",
            ),
            (
                // Step Functions models ValidationException.
                "arn:aws:states:::aws-sdk:sfn:startExecution",
                400,
                &[],
                r#"{"__type":"ValidationException","message":"bad"}"#,
                "Sfn.ValidationException",
                "bad (Service: Sfn, Status Code: 400, Request ID: ) (SDK Attempt Count: 1)",
            ),
            (
                "arn:aws:states:::dynamodb:getItem",
                500,
                &[],
                "<html>Internal Server Error</html>",
                "DynamoDB.AmazonDynamoDBException",
                "<html>Internal Server Error</html> (Service: AmazonDynamoDBv2; Status Code: 500; Error Code: null; Request ID: ; Proxy: null)",
            ),
            (
                "arn:aws:states:::events:putEvents",
                200,
                &[],
                r#"{"FailedEntryCount":1,"Entries":[{"EventId":"e-1"},{"ErrorCode":"InvalidArgument","ErrorMessage":"Source is a required argument."}]}"#,
                "EventBridge.FailedEntry",
                r#"{"Entries":[{"EventId":"e-1"},{"ErrorCode":"InvalidArgument","ErrorMessage":"Source is a required argument."}],"FailedEntryCount":1}"#,
            ),
            (
                "arn:aws:states:::aws-sdk:eventbridge:putEvents",
                502,
                &[],
                "",
                "EventBridge.EventBridgeException",
                " (Service: EventBridge, Status Code: 502, Request ID: ) (SDK Attempt Count: 1)",
            ),
        ];
        for (resource, status, headers, body, error, cause) in rows {
            match task_result(&target(resource), &answer(*status, headers, body)) {
                Ok(v) => panic!("{resource}: succeeded with {v}"),
                Err((e, c)) => {
                    assert_eq!((e.as_str(), c.as_str()), (*error, *cause), "{resource}")
                }
            }
        }
    }

    #[test]
    fn ecs_failures_fail_a_callback_but_not_a_request() {
        let answer = Answer {
            status: 200,
            headers: vec![],
            body: br#"{"tasks":[],"failures":[{"arn":"a","reason":"RESOURCE:MEMORY"}]}"#.to_vec(),
        };
        // (resource, error name, or None for a result)
        let rows = [
            ("arn:aws:states:::ecs:runTask", None),
            (
                "arn:aws:states:::ecs:runTask.waitForTaskToken",
                Some("AmazonECS.Unknown"),
            ),
            (
                "arn:aws:states:::aws-sdk:ecs:runTask.waitForTaskToken",
                None,
            ),
        ];
        for (resource, want) in rows {
            let got = task_result(&target(resource), &answer);
            match (got, want) {
                (Ok(v), None) => assert_eq!(v["Failures"][0]["Reason"], "RESOURCE:MEMORY"),
                (Err((name, cause)), Some(w)) => {
                    assert_eq!(name, w, "{resource}");
                    assert!(cause.contains("\"Reason\":\"RESOURCE:MEMORY\""), "{cause}");
                }
                (got, want) => panic!("{resource}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn results() {
        let meta = |rid: &str| {
            json!({
                "SdkHttpMetadata": {
                    "AllHttpHeaders": {"x-amzn-RequestId": [rid]},
                    "HttpHeaders": {"x-amzn-RequestId": rid},
                    "HttpStatusCode": 200
                },
                "SdkResponseMetadata": {"RequestId": rid}
            })
        };
        let with_meta = |mut v: Value, rid: &str| {
            if let (Value::Object(m), Value::Object(extra)) = (&mut v, meta(rid)) {
                m.extend(extra);
            }
            v
        };
        // (resource, headers, body, result)
        type Row<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, Value);
        let rows: Vec<Row<'_>> = vec![
            (
                // The optimized ECS integration: PascalCase, the HTTP
                // metadata, dates as the wire sends them (no ISO 8601).
                "arn:aws:states:::ecs:runTask",
                vec![("x-amzn-requestid", "R2")],
                r#"{"tasks":[{"taskArn":"t","createdAt":1700000000.5}],"failures":[]}"#,
                with_meta(
                    json!({"Tasks": [{"TaskArn": "t", "CreatedAt": 1700000000.5}], "Failures": []}),
                    "R2",
                ),
            ),
            (
                // Batch (restJson1).
                "arn:aws:states:::batch:submitJob",
                vec![("x-amzn-requestid", "R3")],
                r#"{"jobArn":"a","jobId":"j","jobName":"n","tags":{"team":"data"}}"#,
                with_meta(
                    json!({"JobArn": "a", "JobId": "j", "JobName": "n", "Tags": {"team": "data"}}),
                    "R3",
                ),
            ),
            (
                "arn:aws:states:::dynamodb:getItem",
                vec![("x-amzn-requestid", "R1")],
                r#"{"Item":{"id":{"S":"1"}}}"#,
                with_meta(json!({"Item": {"id": {"S": "1"}}}), "R1"),
            ),
            (
                "arn:aws:states:::aws-sdk:dynamodb:getItem",
                vec![("x-amzn-requestid", "R1")],
                r#"{"Item":{"id":{"S":"1"}}}"#,
                json!({"Item": {"id": {"S": "1"}}}),
            ),
            (
                "arn:aws:states:::sqs:sendMessage",
                vec![("x-amzn-requestid", "R2")],
                r#"{"MD5OfMessageBody":"abc","MessageId":"m-1"}"#,
                with_meta(json!({"MD5OfMessageBody": "abc", "MessageId": "m-1"}), "R2"),
            ),
            (
                "arn:aws:states:::dynamodb:putItem",
                vec![("x-amzn-requestid", "R3")],
                "{}",
                with_meta(json!({}), "R3"),
            ),
            (
                "arn:aws:states:::events:putEvents",
                vec![("x-amzn-requestid", "R4")],
                r#"{"FailedEntryCount":0,"Entries":[{"EventId":"e-1"}]}"#,
                json!({"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]}),
            ),
            (
                "arn:aws:states:::aws-sdk:sfn:startExecution",
                vec![],
                r#"{"executionArn":"arn:e","startDate":1714564800.123}"#,
                json!({"ExecutionArn": "arn:e", "StartDate": "2024-05-01T12:00:00.123Z"}),
            ),
            (
                "arn:aws:states:::aws-sdk:sfn:listStateMachines",
                vec![],
                r#"{"stateMachines":[{"name":"a","type":"STANDARD","creationDate":1714564800}]}"#,
                json!({"StateMachines": [{"Name": "a", "Type": "STANDARD", "CreationDate": "2024-05-01T12:00:00Z"}]}),
            ),
            (
                "arn:aws:states:::sns:publish",
                vec![],
                "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult><MessageId>m-2</MessageId></PublishResult><ResponseMetadata><RequestId>R5</RequestId></ResponseMetadata></PublishResponse>",
                json!({
                    "MessageId": "m-2",
                    "SdkHttpMetadata": {"AllHttpHeaders": {}, "HttpHeaders": {}, "HttpStatusCode": 200},
                    "SdkResponseMetadata": {"RequestId": "R5"}
                }),
            ),
            (
                "arn:aws:states:::aws-sdk:sns:listTopics",
                vec![],
                "<ListTopicsResponse><ListTopicsResult><Topics><member><TopicArn>t1</TopicArn></member><member><TopicArn>t2</TopicArn></member></Topics></ListTopicsResult></ListTopicsResponse>",
                json!({"Topics": [{"TopicArn": "t1"}, {"TopicArn": "t2"}]}),
            ),
            (
                "arn:aws:states:::aws-sdk:sns:getTopicAttributes",
                vec![],
                "<GetTopicAttributesResponse><GetTopicAttributesResult><Attributes><entry><key>Owner</key><value>1</value></entry></Attributes></GetTopicAttributesResult></GetTopicAttributesResponse>",
                json!({"Attributes": {"Owner": "1"}}),
            ),
            (
                "arn:aws:states:::aws-sdk:sns:deleteTopic",
                vec![],
                "<DeleteTopicResponse><ResponseMetadata><RequestId>R6</RequestId></ResponseMetadata></DeleteTopicResponse>",
                json!({}),
            ),
        ];
        for (resource, headers, body, want) in rows {
            match task_result(&target(resource), &answer(200, &headers, body)) {
                Ok(v) => assert_eq!(v, want, "{resource}"),
                Err(e) => panic!("{resource}: {e:?}"),
            }
        }
    }

    type Headers<'a> = &'a [(&'a str, &'a str)];

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The optimized integrations' results have their members in
    /// alphabetical order (the AWS SDK for Java 1.x's objects, as Step
    /// Functions writes them), maps of the user's keys excepted; LocalStack's
    /// recordings of AWS, tests/aws/services/stepfunctions/v2/services.
    #[test]
    fn optimized_results_in_alphabetical_order() {
        // (resource, headers, body, the result's members, in order)
        type Row<'a> = (&'a str, Headers<'a>, &'a str, &'a [&'a str]);
        let rows: &[Row<'_>] = &[
            (
                // test_sns_task_service `test_fifo_message_attribute[input_params1-False]`.
                "arn:aws:states:::sns:publish",
                &[("x-amzn-requestid", "R")],
                "<PublishResponse><PublishResult><SequenceNumber>1</SequenceNumber><MessageId>m</MessageId></PublishResult><ResponseMetadata><RequestId>R</RequestId></ResponseMetadata></PublishResponse>",
                &["MessageId", "SdkHttpMetadata", "SdkResponseMetadata", "SequenceNumber"],
            ),
            (
                // test_sqs_task_service `test_send_message_attributes`.
                "arn:aws:states:::sqs:sendMessage",
                &[("x-amzn-requestid", "R")],
                r#"{"MessageId":"m","MD5OfMessageBody":"b","MD5OfMessageAttributes":"a"}"#,
                &[
                    "MD5OfMessageAttributes",
                    "MD5OfMessageBody",
                    "MessageId",
                    "SdkHttpMetadata",
                    "SdkResponseMetadata",
                ],
            ),
            (
                // test_events_task_service `test_put_events_base`.
                "arn:aws:states:::events:putEvents",
                &[],
                r#"{"FailedEntryCount":0,"Entries":[{"EventId":"e"}]}"#,
                &["Entries", "FailedEntryCount"],
            ),
            (
                // test_dynamodb_task_service `test_base_integrations[DYNAMODB_PUT_GET_ITEM]`.
                "arn:aws:states:::dynamodb:getItem",
                &[("x-amzn-requestid", "R")],
                r#"{"Item":{"id":{"S":"1"},"data":{"S":"d"}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5}}"#,
                &["ConsumedCapacity", "Item", "SdkHttpMetadata", "SdkResponseMetadata"],
            ),
            (
                // The AWS SDK integrations keep the service's order.
                "arn:aws:states:::aws-sdk:sqs:sendMessage",
                &[],
                r#"{"MessageId":"m","MD5OfMessageBody":"b"}"#,
                &["MessageId", "MD5OfMessageBody"],
            ),
        ];
        for (resource, headers, body, want) in rows {
            match task_result(&target(resource), &answer(200, headers, body)) {
                Ok(v) => assert_eq!(keys(&v), *want, "{resource}"),
                Err(e) => panic!("{resource}: {e:?}"),
            }
        }
        // Nested objects too (test_ecs_task_service `test_run_task_sync`);
        // not a DynamoDB item's attributes.
        let got = task_result(
            &target("arn:aws:states:::dynamodb:getItem"),
            &answer(
                200,
                &[],
                r#"{"Item":{"id":{"S":"1"},"data":{"S":"d"}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5}}"#,
            ),
        );
        let Ok(got) = got else {
            panic!("{got:?}");
        };
        assert_eq!(keys(&got["Item"]), ["id", "data"]);
        assert_eq!(
            keys(&got["ConsumedCapacity"]),
            ["CapacityUnits", "TableName"]
        );
        let got = task_result(
            &target("arn:aws:states:::ecs:runTask"),
            &answer(
                200,
                &[],
                r#"{"tasks":[{"taskArn":"t","clusterArn":"c","attachments":[]}],"failures":[]}"#,
            ),
        );
        let Ok(got) = got else {
            panic!("{got:?}");
        };
        assert_eq!(
            keys(&got["Tasks"][0]),
            ["Attachments", "ClusterArn", "TaskArn"]
        );
        // The cause of a failed entry too (`test_put_events_no_source`).
        let got = task_result(
            &target("arn:aws:states:::events:putEvents"),
            &answer(
                200,
                &[],
                r#"{"FailedEntryCount":1,"Entries":[{"EventId":"e"},{"ErrorMessage":"Source is a required argument.","ErrorCode":"InvalidArgument"}]}"#,
            ),
        );
        assert_eq!(
            got,
            Err((
                "EventBridge.FailedEntry".to_string(),
                r#"{"Entries":[{"EventId":"e"},{"ErrorCode":"InvalidArgument","ErrorMessage":"Source is a required argument."}],"FailedEntryCount":1}"#.to_string()
            ))
        );
    }

    /// `SdkHttpMetadata`'s header maps: AWS's spelling of the names, in the
    /// AWS SDK for Java 1.x's orders (`stepwell_lambda::sdk_metadata`), as
    /// recorded: SQS `test_send_message`, DynamoDB
    /// `test_base_integrations[DYNAMODB_PUT_GET_ITEM]`.
    #[test]
    fn http_metadata_as_recorded() {
        // (resource, headers as received, AllHttpHeaders, HttpHeaders)
        type Row<'a> = (&'a str, Headers<'a>, &'a [&'a str], &'a [&'a str]);
        let rows: &[Row<'_>] = &[
            (
                "arn:aws:states:::sqs:sendMessage",
                &[
                    ("x-amzn-requestid", "R"),
                    ("date", "D"),
                    ("content-type", "application/x-amz-json-1.0"),
                    ("content-length", "106"),
                    ("connection", "keep-alive"),
                ],
                &[
                    "x-amzn-RequestId",
                    "connection",
                    "Content-Length",
                    "Date",
                    "Content-Type",
                ],
                &[
                    "connection",
                    "Content-Length",
                    "Content-Type",
                    "Date",
                    "x-amzn-RequestId",
                ],
            ),
            (
                "arn:aws:states:::dynamodb:putItem",
                &[
                    ("server", "Server"),
                    ("date", "D"),
                    ("content-type", "application/x-amz-json-1.0"),
                    ("content-length", "2"),
                    ("connection", "keep-alive"),
                    ("x-amzn-requestid", "R"),
                    ("x-amz-crc32", "2745614147"),
                ],
                &[
                    "Server",
                    "Connection",
                    "x-amzn-RequestId",
                    "x-amz-crc32",
                    "Content-Length",
                    "Date",
                    "Content-Type",
                ],
                &[
                    "Connection",
                    "Content-Length",
                    "Content-Type",
                    "Date",
                    "Server",
                    "x-amz-crc32",
                    "x-amzn-RequestId",
                ],
            ),
        ];
        for (resource, headers, all, single) in rows {
            let got = task_result(&target(resource), &answer(200, headers, "{}"));
            let Ok(got) = got else {
                panic!("{resource}: {got:?}");
            };
            let http = &got["SdkHttpMetadata"];
            assert_eq!(keys(&http["AllHttpHeaders"]), *all, "{resource}");
            assert_eq!(keys(&http["HttpHeaders"]), *single, "{resource}");
            assert_eq!(http["HttpStatusCode"], 200);
            assert_eq!(got["SdkResponseMetadata"]["RequestId"], "R");
        }
    }

    #[test]
    fn sns_results_are_typed_as_the_model() {
        let wrap = |action: &str, inner: &str| {
            format!(
                "<{action}Response xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><{action}Result>{inner}</{action}Result><ResponseMetadata><RequestId>R</RequestId></ResponseMetadata></{action}Response>"
            )
        };
        // (action, the result's XML, result)
        let rows = [
            ("ListTopics", "<Topics/>", json!({"Topics": []})),
            (
                "ListTopics",
                "<Topics><member><TopicArn>t1</TopicArn></member></Topics><NextToken>n</NextToken>",
                json!({"Topics": [{"TopicArn": "t1"}], "NextToken": "n"}),
            ),
            ("GetTopicAttributes", "<Attributes/>", json!({"Attributes": {}})),
            (
                "GetTopicAttributes",
                "<Attributes><entry><key>SubscriptionsConfirmed</key><value>0</value></entry></Attributes>",
                json!({"Attributes": {"SubscriptionsConfirmed": "0"}}),
            ),
            (
                "ListSubscriptionsByTopic",
                "<Subscriptions></Subscriptions>",
                json!({"Subscriptions": []}),
            ),
            (
                "CheckIfPhoneNumberIsOptedOut",
                "<isOptedOut>false</isOptedOut>",
                json!({"IsOptedOut": false}),
            ),
            (
                "ListPhoneNumbersOptedOut",
                "<phoneNumbers><member>+15550100</member></phoneNumbers><nextToken>n</nextToken>",
                json!({"PhoneNumbers": ["+15550100"], "NextToken": "n"}),
            ),
            (
                "PublishBatch",
                "<Successful><member><Id>1</Id><MessageId>m</MessageId></member></Successful><Failed><member><Id>2</Id><Code>InvalidParameter</Code><SenderFault>true</SenderFault></member></Failed>",
                json!({"Successful": [{"Id": "1", "MessageId": "m"}],
                    "Failed": [{"Id": "2", "Code": "InvalidParameter", "SenderFault": true}]}),
            ),
            (
                "GetSMSSandboxAccountStatus",
                "<IsInSandbox>true</IsInSandbox>",
                json!({"IsInSandbox": true}),
            ),
            (
                "ListOriginationNumbers",
                "<PhoneNumbers><member><PhoneNumber>+1</PhoneNumber><CreatedAt>2024-05-01T12:00:00.000Z</CreatedAt><NumberCapabilities><member>SMS</member></NumberCapabilities></member></PhoneNumbers>",
                json!({"PhoneNumbers": [{"PhoneNumber": "+1", "CreatedAt": "2024-05-01T12:00:00Z", "NumberCapabilities": ["SMS"]}]}),
            ),
            ("ListTagsForResource", "<Tags/>", json!({"Tags": []})),
        ];
        for (action, inner, want) in rows {
            let mut chars = action.chars();
            let lower = chars
                .next()
                .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str());
            let resource = format!("arn:aws:states:::aws-sdk:sns:{}", lower.unwrap_or_default());
            let body = wrap(action, inner);
            match task_result(&target(&resource), &answer(200, &[], &body)) {
                Ok(v) => assert_eq!(v, want, "{action}"),
                Err(e) => panic!("{action}: {e:?}"),
            }
        }
    }

    #[test]
    fn sdk_timestamps_follow_the_model() {
        // (resource, body, result): the members the API model types as
        // timestamps are ISO 8601, whatever their name; numbers that are
        // not stay numbers.
        let rows = [
            (
                "arn:aws:states:::aws-sdk:dynamodb:describeTable",
                r#"{"Table":{"TableName":"t","CreationDateTime":1714564800.5,"ItemCount":3,"ProvisionedThroughput":{"LastIncreaseDateTime":1714564800,"ReadCapacityUnits":5}}}"#,
                json!({"Table": {"TableName": "t", "CreationDateTime": "2024-05-01T12:00:00.500Z", "ItemCount": 3,
                    "ProvisionedThroughput": {"LastIncreaseDateTime": "2024-05-01T12:00:00Z", "ReadCapacityUnits": 5}}}),
            ),
            (
                "arn:aws:states:::aws-sdk:ecs:describeTasks",
                r#"{"tasks":[{"taskArn":"t","createdAt":1714564800.123,"stoppedAt":1714564801,"containers":[{"exitCode":0}]}],"failures":[]}"#,
                json!({"Tasks": [{"TaskArn": "t", "CreatedAt": "2024-05-01T12:00:00.123Z", "StoppedAt": "2024-05-01T12:00:01Z",
                    "Containers": [{"ExitCode": 0}]}], "Failures": []}),
            ),
            (
                "arn:aws:states:::aws-sdk:glue:getJobRun",
                r#"{"JobRun":{"Id":"jr","StartedOn":1714564800,"ExecutionTime":12,"Attempt":0}}"#,
                json!({"JobRun": {"Id": "jr", "StartedOn": "2024-05-01T12:00:00Z", "ExecutionTime": 12, "Attempt": 0}}),
            ),
            (
                // Glue's Statement.StartedOn is a long of epoch milliseconds.
                "arn:aws:states:::aws-sdk:glue:getStatement",
                r#"{"Statement":{"Id":1,"StartedOn":1714564800000}}"#,
                json!({"Statement": {"Id": 1, "StartedOn": 1714564800000u64}}),
            ),
            (
                "arn:aws:states:::aws-sdk:codebuild:batchGetBuilds",
                r#"{"builds":[{"id":"b","startTime":1714564800,"buildNumber":7}]}"#,
                json!({"Builds": [{"Id": "b", "StartTime": "2024-05-01T12:00:00Z", "BuildNumber": 7}]}),
            ),
            (
                "arn:aws:states:::aws-sdk:eventbridge:describeRule",
                r#"{"Name":"r","CreatedBy":"1"}"#,
                json!({"Name": "r", "CreatedBy": "1"}),
            ),
            (
                "arn:aws:states:::aws-sdk:secretsmanager:describeSecret",
                r#"{"Name":"s","CreatedDate":1714564800,"LastChangedDate":1714564800.25}"#,
                json!({"Name": "s", "CreatedDate": "2024-05-01T12:00:00Z", "LastChangedDate": "2024-05-01T12:00:00.250Z"}),
            ),
            (
                // CloudWatch Logs' times are longs of epoch milliseconds.
                "arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups",
                r#"{"logGroups":[{"logGroupName":"g","creationTime":1714564800000}]}"#,
                json!({"LogGroups": [{"LogGroupName": "g", "CreationTime": 1714564800000u64}]}),
            ),
            (
                // Batch's too.
                "arn:aws:states:::aws-sdk:batch:describeJobs",
                r#"{"jobs":[{"jobId":"j","createdAt":1714564800000}]}"#,
                json!({"Jobs": [{"JobId": "j", "CreatedAt": 1714564800000u64}]}),
            ),
            (
                // A DynamoDB item's attributes are the user's.
                "arn:aws:states:::aws-sdk:dynamodb:getItem",
                r#"{"Item":{"StartTime":{"N":"1714564800"}}}"#,
                json!({"Item": {"StartTime": {"N": "1714564800"}}}),
            ),
        ];
        for (resource, body, want) in rows {
            match task_result(&target(resource), &answer(200, &[], body)) {
                Ok(v) => assert_eq!(v, want, "{resource}"),
                Err(e) => panic!("{resource}: {e:?}"),
            }
        }
    }

    #[test]
    fn s3() {
        let get = answer(
            200,
            &[
                ("content-type", "text/plain"),
                ("etag", "\"abc\""),
                ("last-modified", "Wed, 01 May 2024 12:00:00 GMT"),
                ("x-amz-meta-owner", "ana"),
                ("accept-ranges", "bytes"),
            ],
            "hello",
        );
        let got = task_result(&target("arn:aws:states:::aws-sdk:s3:getObject"), &get);
        assert_eq!(
            got,
            Ok(json!({
                "AcceptRanges": "bytes",
                "ContentType": "text/plain",
                "ETag": "\"abc\"",
                "Body": "hello",
                "ContentLength": 5,
                "LastModified": "2024-05-01T12:00:00Z",
                "Metadata": {"owner": "ana"}
            }))
        );
        let put = answer(200, &[("etag", "\"abc\""), ("content-length", "0")], "");
        let got = task_result(&target("arn:aws:states:::aws-sdk:s3:putObject"), &put);
        assert_eq!(got, Ok(json!({"ETag": "\"abc\""})));
        let missing = answer(
            404,
            &[("x-amz-request-id", "R7"), ("x-amz-id-2", "X7")],
            "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>k</Key></Error>",
        );
        let got = task_result(&target("arn:aws:states:::aws-sdk:s3:getObject"), &missing);
        assert_eq!(
            got,
            Err((
                "S3.NoSuchKeyException".to_string(),
                "The specified key does not exist. (Service: S3, Status Code: 404, Request ID: R7, Extended Request ID: X7) (SDK Attempt Count: 1)".to_string()
            ))
        );
    }

    #[test]
    fn hostile_answers_give_a_result_or_an_error() {
        let deep_json = "[".repeat(100_000);
        let deep_xml = "<a>".repeat(100_000);
        let laughs = concat!(
            "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">",
            "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">",
            "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">",
            "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>",
            "<PublishResponse><PublishResult><MessageId>&d;&d;&d;</MessageId></PublishResult></PublishResponse>"
        );
        let bodies: Vec<Vec<u8>> = vec![
            vec![0xff, 0xfe, b'{', 0x80],
            deep_json.into_bytes(),
            deep_xml.into_bytes(),
            laughs.as_bytes().to_vec(),
            br#"{"startDate":1e308,"stopDate":-1e308,"creationDate":"x"}"#.to_vec(),
            br##"{"__type":"#","message":7}"##.to_vec(),
            br#"{"FailedEntryCount":-1}"#.to_vec(),
            b"<ErrorResponse><Error><Code></Code></Error></ErrorResponse>".to_vec(),
            Vec::new(),
        ];
        let resources = [
            "arn:aws:states:::aws-sdk:sfn:describeExecution",
            "arn:aws:states:::events:putEvents",
            "arn:aws:states:::sns:publish",
            "arn:aws:states:::dynamodb:getItem",
            "arn:aws:states:::aws-sdk:s3:getObject",
            "arn:aws:states:::aws-sdk:s3:listObjectsV2",
            "arn:aws:states:::aws-sdk:s3:headObject",
        ];
        for resource in resources {
            for status in [200, 400, 503] {
                for body in &bodies {
                    let a = Answer {
                        status,
                        headers: vec![("x-amzn-ErrorType".into(), ":::".into())],
                        body: body.clone(),
                    };
                    // Only that it answers; what it answers is checked above.
                    let _ = task_result(&target(resource), &a);
                }
            }
        }
    }

    #[test]
    fn client_errors() {
        let rows = [
            ("arn:aws:states:::sqs:sendMessage", "SQS.SdkClientException"),
            (
                "arn:aws:states:::aws-sdk:sqs:sendMessage",
                "Sqs.SdkClientException",
            ),
            (
                "arn:aws:states:::aws-sdk:sfn:listStateMachines",
                "Sfn.SdkClientException",
            ),
        ];
        for (resource, error) in rows {
            let (e, c) = client_error(&target(resource), "connection refused");
            assert_eq!(e, error);
            assert_eq!(c, "Unable to execute HTTP request: connection refused");
        }
    }

    #[test]
    fn unreadable_results() {
        let rows = [
            (
                "arn:aws:states:::aws-sdk:sfn:listStateMachines",
                "{oops",
                "is not JSON",
            ),
            ("arn:aws:states:::sns:publish", "<a>", "is not XML"),
        ];
        for (resource, body, cause) in rows {
            match task_result(&target(resource), &answer(200, &[], body)) {
                Ok(v) => panic!("{resource}: {v}"),
                Err((e, c)) => {
                    assert_eq!(e, "States.TaskFailed");
                    assert!(c.contains(cause), "{c}");
                }
            }
        }
    }
}
