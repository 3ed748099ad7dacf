//! The HTTP request a service-integration Task makes, and its SigV4
//! signature.

use std::borrow::Cow;
use std::time::SystemTime;

use aws_credential_types::Credentials as SdkCredentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use serde_json::{Map, Value};

use crate::services::{camel, Kind, Protocol, Target};
use crate::{Credentials, TaskError};

/// A request ready to sign and send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub method: &'static str,
    pub url: String,
    /// Lower-case names; `host` first.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub(crate) fn invalid(target: &Target, message: String) -> TaskError {
    // DIFFERENCE: AWS checks Parameters against the API's model when the
    // state machine is created; here the service itself answers a bad
    // request, except for a Parameters value that is not an object.
    (
        "States.Runtime".to_string(),
        format!(
            "The Parameters of the {} {} call are not valid: {message}",
            target.service.sdk_name, target.action
        ),
    )
}

/// The request `target` makes with the Task's (evaluated) `parameters`, to
/// `endpoint` (a URL such as `http://localhost:4566`).
pub fn prepare(target: &Target, parameters: &Value, endpoint: &str) -> Result<Prepared, TaskError> {
    let params = match parameters {
        Value::Object(map) => map.clone(),
        Value::Null => Map::new(),
        other => {
            return Err(invalid(
                target,
                format!(
                    "expected a JSON object, got {}",
                    stepwell_core::json_kind(other)
                ),
            ))
        }
    };
    let params = if target.kind == Kind::Optimized {
        optimized_request(target, params)
    } else {
        params
    };
    let params = without_nulls(params);
    let uri: hyper::Uri = endpoint.parse().map_err(|e| {
        (
            "States.Runtime".to_string(),
            format!(
                "The endpoint of {} is not a URL: '{endpoint}' ({e}); check AWS_ENDPOINT_URL_{} and AWS_ENDPOINT_URL",
                target.service.sdk_name, target.service.env_suffix
            ),
        )
    })?;
    let Some(host) = uri.authority().map(|a| a.as_str().to_string()) else {
        return Err((
            "States.Runtime".to_string(),
            format!(
                "The endpoint of {} has no host: '{endpoint}'",
                target.service.sdk_name
            ),
        ));
    };
    let scheme = uri.scheme_str().unwrap_or("https");
    let path = uri.path().trim_end_matches('/');
    let mut url = format!("{scheme}://{host}{path}/");
    let mut method = "POST";
    let mut headers = vec![("host".to_string(), host)];
    let body = match target.service.protocol {
        Protocol::S3 => {
            let (m, object_path, extra, body) = crate::s3::request(target, &params)?;
            method = m;
            url.push_str(&object_path);
            headers.extend(extra);
            body
        }
        Protocol::Json {
            version,
            target_prefix,
        } => {
            let params = if target.service.camel_case {
                rename_keys(Value::Object(params), &camel, target.service.string_maps)
            } else {
                Value::Object(params)
            };
            headers.push((
                "content-type".into(),
                format!("application/x-amz-json-{version}"),
            ));
            headers.push((
                "x-amz-target".into(),
                format!("{target_prefix}.{}", target.action),
            ));
            params.to_string().into_bytes()
        }
        Protocol::RestJson => {
            let params = if target.service.camel_case {
                rename_keys(Value::Object(params), &camel, target.service.string_maps)
            } else {
                Value::Object(params)
            };
            url.push_str("v1/");
            url.push_str(&target.action.to_ascii_lowercase());
            headers.push(("content-type".into(), "application/json".into()));
            params.to_string().into_bytes()
        }
        Protocol::Query { version } => {
            headers.push((
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            ));
            let mut pairs = vec![
                ("Action".to_string(), target.action.clone()),
                ("Version".to_string(), version.to_string()),
            ];
            for (key, value) in &params {
                let wire = crate::model::query_input_name(target, key);
                flatten_query(&wire, &wire, value, &mut pairs);
            }
            form_encode(&pairs).into_bytes()
        }
    };
    Ok(Prepared {
        method,
        url,
        headers,
        body,
    })
}

/// What the optimized integrations do to the parameters before calling:
/// a message body or an event's Detail given as JSON is sent as its text
/// (a null one is no member: [`without_nulls`]).
fn optimized_request(target: &Target, mut params: Map<String, Value>) -> Map<String, Value> {
    let stringify = |v: &mut Value| {
        if !matches!(v, Value::String(_) | Value::Null) {
            *v = Value::String(v.to_string());
        }
    };
    match (target.service.sdk_resource, target.action.as_str()) {
        ("sqs", "SendMessage") => {
            if let Some(v) = params.get_mut("MessageBody") {
                stringify(v);
            }
        }
        ("sns", "Publish") => {
            if let Some(v) = params.get_mut("Message") {
                stringify(v);
            }
        }
        // The execution's ARNs in Resources: `with_caller`.
        ("eventbridge", "PutEvents") => {
            if let Some(Value::Array(entries)) = params.get_mut("Entries") {
                for entry in entries.iter_mut() {
                    if let Some(v) = entry.get_mut("Detail") {
                        stringify(v);
                    }
                }
            }
        }
        _ => {}
    }
    params
}

/// The parameters without their null members, at every depth but inside
/// the user's documents ([`DOCUMENT_MEMBERS`]; a message body or Detail
/// is text by now): the AWS SDKs for Java, which the state machine's
/// parameters go through, send no member that is null, so the service
/// answers for a missing one as it does (LocalStack's recording of AWS,
/// tests/aws/services/stepfunctions/v2/error_handling/
/// test_task_service_sqs.snapshot.json, `test_send_message_empty_body`:
/// `"MessageBody": null` fails with SQS's own `MissingParameter`).
fn without_nulls(params: Map<String, Value>) -> Map<String, Value> {
    fn clean(value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(without_nulls(map)),
            Value::Array(items) => Value::Array(items.into_iter().map(clean).collect()),
            other => other,
        }
    }
    params
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let v = if DOCUMENT_MEMBERS.contains(&k.as_str()) {
                v
            } else {
                clean(v)
            };
            (k, v)
        })
        .collect()
}

/// The execution a Task runs in and its state machine, by their ARNs.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub execution_arn: &'a str,
    pub state_machine_arn: &'a str,
}

/// What AWS adds to a Task's parameters for the execution that calls: the
/// optimized EventBridge integration appends the state machine's ARN, then
/// the execution's, to each entry's `Resources` (the AWS SDK integration
/// adds nothing). An entry whose `Resources` is not a list is left for
/// EventBridge to refuse. LocalStack's recording of AWS,
/// tests/aws/services/stepfunctions/v2/services/
/// test_events_task_service.snapshot.json, `test_put_events_base`: the
/// delivered events' `resources` are `[…the entry's own, stateMachine,
/// execution]`.
pub fn with_caller<'p>(
    target: &Target,
    parameters: &'p Value,
    caller: Caller<'_>,
) -> Cow<'p, Value> {
    let optimized_events = target.kind == Kind::Optimized
        && target.service.sdk_resource == "eventbridge"
        && target.action == "PutEvents";
    if !optimized_events {
        return Cow::Borrowed(parameters);
    }
    let mut parameters = parameters.clone();
    if let Some(Value::Array(entries)) = parameters.get_mut("Entries") {
        for entry in entries.iter_mut().filter_map(Value::as_object_mut) {
            let resources = entry
                .entry("Resources")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = resources {
                list.push(Value::String(caller.state_machine_arn.to_string()));
                list.push(Value::String(caller.execution_arn.to_string()));
            }
        }
    }
    Cow::Owned(parameters)
}

/// Members whose value is the user's own document (an execution's input,
/// a definition): its keys are data, never renamed.
const DOCUMENT_MEMBERS: &[&str] = &[
    "Input",
    "Output",
    "Definition",
    "input",
    "output",
    "definition",
];

/// Every object key renamed by `f`, at every depth (not inside the user's
/// documents, nor in the keys of `maps`: members that are string maps,
/// whose keys are the user's, named on the wire).
pub(crate) fn rename_keys(value: Value, f: &dyn Fn(&str) -> String, maps: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let wire = camel(&k);
                    let v = if DOCUMENT_MEMBERS.contains(&k.as_str())
                        || (v.is_object() && maps.contains(&wire.as_str()))
                    {
                        v
                    } else {
                        rename_keys(v, f, maps)
                    };
                    (f(&k), v)
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| rename_keys(v, f, maps)).collect())
        }
        other => other,
    }
}

/// One parameter in the query protocol's flat form: structures as
/// `Name.Member`, lists as `Name.member.N`, and the maps SNS takes as
/// `Name.entry.N.Name`/`.Value` (MessageAttributes) or `.key`/`.value`.
fn flatten_query(name: &str, prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Bool(_) | Value::Number(_) => out.push((prefix.to_string(), value.to_string())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten_query(name, &format!("{prefix}.member.{}", i + 1), item, out);
            }
        }
        Value::Object(map) => {
            // DIFFERENCE: without the API's model a map and a structure
            // look alike; the maps SNS's actions take are known by name.
            let map_keys = match name {
                "MessageAttributes" => Some(("Name", "Value")),
                "Attributes" | "attributes" => Some(("key", "value")),
                _ => None,
            };
            match map_keys {
                Some((k, v)) if prefix == name => {
                    for (i, (key, item)) in map.iter().enumerate() {
                        let entry = format!("{prefix}.entry.{}", i + 1);
                        out.push((format!("{entry}.{k}"), key.clone()));
                        flatten_query("", &format!("{entry}.{v}"), item, out);
                    }
                }
                _ => {
                    for (key, item) in map {
                        flatten_query(key, &format!("{prefix}.{key}"), item, out);
                    }
                }
            }
        }
    }
}

/// `application/x-www-form-urlencoded` with RFC 3986 escaping (what SigV4
/// and AWS's query services expect).
pub(crate) fn form_encode(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        escape(k, &mut out);
        out.push('=');
        escape(v, &mut out);
    }
    out
}

pub(crate) fn escape(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Signs `request` with SigV4 for `signing_name` in `region` at `time`:
/// adds `x-amz-date`, `authorization` and (with a session token)
/// `x-amz-security-token`.
pub fn sign_request(
    request: &mut Prepared,
    credentials: &Credentials,
    region: &str,
    signing_name: &str,
    time: SystemTime,
) -> Result<(), String> {
    let mut settings = SigningSettings::default();
    if signing_name == "s3" {
        // S3 wants the payload's hash in x-amz-content-sha256 and its
        // paths signed as sent.
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    let identity = SdkCredentials::new(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        credentials.session_token.clone(),
        None,
        "stepwell",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(signing_name)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| format!("cannot sign the request: {e}"))?
        .into();
    let signable = SignableRequest::new(
        request.method,
        &request.url,
        request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(&request.body),
    )
    .map_err(|e| format!("cannot sign the request: {e}"))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| format!("cannot sign the request: {e}"))?
        .into_parts();
    let added: Vec<(String, String)> = instructions
        .headers()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    request.headers.extend(added);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::services::test_target as target;

    fn header<'a>(p: &'a Prepared, name: &str) -> Option<&'a str> {
        p.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn eventbridge_entries_name_the_calling_execution() {
        let caller = Caller {
            execution_arn: "arn:aws:states:us-east-1:123456789012:execution:M:e",
            state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:M",
        };
        let params = json!({"Entries": [
            {"Source": "s", "Detail": {"a": 1}},
            {"Source": "s", "Resources": ["arn:aws:s3:::b"]},
            {"Source": "s", "Resources": "not a list"},
        ]});
        let with = with_caller(
            &target("arn:aws:states:::events:putEvents"),
            &params,
            caller,
        );
        assert_eq!(
            with["Entries"][0]["Resources"],
            json!([caller.state_machine_arn, caller.execution_arn])
        );
        assert_eq!(
            with["Entries"][1]["Resources"],
            json!([
                "arn:aws:s3:::b",
                caller.state_machine_arn,
                caller.execution_arn
            ])
        );
        assert_eq!(with["Entries"][2]["Resources"], json!("not a list"));
        assert_eq!(with["Entries"][0]["Detail"], json!({"a": 1}));
        // The AWS SDK integration and the others send what the Task gave.
        for resource in [
            "arn:aws:states:::aws-sdk:eventbridge:putEvents",
            "arn:aws:states:::events:putEvents.waitForTaskToken",
            "arn:aws:states:::sqs:sendMessage",
        ] {
            let with = with_caller(&target(resource), &params, caller);
            let sent_as_given = matches!(with, Cow::Borrowed(_));
            assert_eq!(
                sent_as_given,
                !resource.contains("events:putEvents"),
                "{resource}"
            );
        }
    }

    /// A null member is not sent (the Java SDKs send no null member), so
    /// the service answers for it: LocalStack's recording of AWS,
    /// error_handling/test_task_service_sqs.snapshot.json,
    /// `test_send_message_empty_body` (SQS's `MissingParameter` for
    /// `"MessageBody": null`). Nulls inside the user's documents stay.
    #[test]
    fn null_members_are_not_sent() {
        // (resource, parameters, body)
        let rows = [
            (
                "arn:aws:states:::sqs:sendMessage",
                json!({"QueueUrl": "q", "MessageBody": null}),
                r#"{"QueueUrl":"q"}"#,
            ),
            (
                "arn:aws:states:::sqs:sendMessage",
                json!({"QueueUrl": "q", "MessageBody": {"a": null}, "DelaySeconds": null}),
                r#"{"QueueUrl":"q","MessageBody":"{\"a\":null}"}"#,
            ),
            (
                "arn:aws:states:::sns:publish",
                json!({"TopicArn": "t", "Message": null, "Subject": null}),
                "Action=Publish&Version=2010-03-31&TopicArn=t",
            ),
            (
                "arn:aws:states:::events:putEvents",
                json!({"Entries": [{"Source": "s", "Detail": null, "Resources": ["r"]}]}),
                r#"{"Entries":[{"Source":"s","Resources":["r"]}]}"#,
            ),
            (
                "arn:aws:states:::dynamodb:putItem",
                json!({"TableName": "t", "Item": null}),
                r#"{"TableName":"t"}"#,
            ),
            (
                "arn:aws:states:::dynamodb:updateItem",
                json!({"TableName": "t", "Key": {"id": {"S": "1"}},
                       "ExpressionAttributeValues": {":v": {"S": "x"}, ":w": null}}),
                r#"{"TableName":"t","Key":{"id":{"S":"1"}},"ExpressionAttributeValues":{":v":{"S":"x"}}}"#,
            ),
            (
                "arn:aws:states:::aws-sdk:sfn:startExecution",
                json!({"StateMachineArn": "arn:m", "Name": null, "Input": {"k": null}}),
                r#"{"stateMachineArn":"arn:m","input":{"k":null}}"#,
            ),
        ];
        for (resource, params, body) in rows {
            match prepare(&target(resource), &params, "http://h") {
                Ok(p) => assert_eq!(String::from_utf8_lossy(&p.body), body, "{resource}"),
                Err(e) => panic!("{resource}: {e:?}"),
            }
        }
    }

    #[test]
    fn requests() {
        // (resource, parameters, endpoint, url, x-amz-target, content-type, body)
        type Row<'a> = (
            &'a str,
            Value,
            &'a str,
            &'a str,
            Option<&'a str>,
            &'a str,
            &'a str,
        );
        let rows: &[Row<'_>] = &[
            (
                "arn:aws:states:::dynamodb:putItem",
                json!({"TableName": "t", "Item": {"id": {"S": "1"}}}),
                "http://localhost:8000",
                "http://localhost:8000/",
                Some("DynamoDB_20120810.PutItem"),
                "application/x-amz-json-1.0",
                r#"{"TableName":"t","Item":{"id":{"S":"1"}}}"#,
            ),
            (
                "arn:aws:states:::sqs:sendMessage",
                json!({"QueueUrl": "q", "MessageBody": {"a": 1}}),
                "http://127.0.0.1:5000/",
                "http://127.0.0.1:5000/",
                Some("AmazonSQS.SendMessage"),
                "application/x-amz-json-1.0",
                r#"{"QueueUrl":"q","MessageBody":"{\"a\":1}"}"#,
            ),
            (
                // aws-sdk sends what it is given.
                "arn:aws:states:::aws-sdk:sqs:sendMessage",
                json!({"QueueUrl": "q", "MessageBody": "m"}),
                "http://h",
                "http://h/",
                Some("AmazonSQS.SendMessage"),
                "application/x-amz-json-1.0",
                r#"{"QueueUrl":"q","MessageBody":"m"}"#,
            ),
            (
                "arn:aws:states:::events:putEvents",
                json!({"Entries": [{"Detail": {"k": "v"}, "DetailType": "t", "Source": "s"}]}),
                "http://h:1/base",
                "http://h:1/base/",
                Some("AWSEvents.PutEvents"),
                "application/x-amz-json-1.1",
                r#"{"Entries":[{"Detail":"{\"k\":\"v\"}","DetailType":"t","Source":"s"}]}"#,
            ),
            (
                // Glue: awsJson1_1, PascalCase on the wire.
                "arn:aws:states:::glue:startJobRun",
                json!({"JobName": "etl", "Arguments": {"--day": "1"}}),
                "http://h",
                "http://h/",
                Some("AWSGlue.StartJobRun"),
                "application/x-amz-json-1.1",
                r#"{"JobName":"etl","Arguments":{"--day":"1"}}"#,
            ),
            (
                // ECS: camelCase on the wire.
                "arn:aws:states:::ecs:runTask",
                json!({"Cluster": "c", "Overrides": {"ContainerOverrides": [{"Name": "app"}]}}),
                "http://h",
                "http://h/",
                Some("AmazonEC2ContainerServiceV20141113.RunTask"),
                "application/x-amz-json-1.1",
                r#"{"cluster":"c","overrides":{"containerOverrides":[{"name":"app"}]}}"#,
            ),
            (
                // Batch: restJson1, POST /v1/<action>.
                "arn:aws:states:::batch:submitJob",
                json!({"JobName": "j", "JobQueue": "q", "JobDefinition": "d",
                       "Parameters": {"InputFile": "s3://b/k"}, "Tags": {"Team": "Data"}}),
                "http://h:9/",
                "http://h:9/v1/submitjob",
                None,
                "application/json",
                r#"{"jobName":"j","jobQueue":"q","jobDefinition":"d","parameters":{"InputFile":"s3://b/k"},"tags":{"Team":"Data"}}"#,
            ),
            (
                "arn:aws:states:::codebuild:startBuild",
                json!({"ProjectName": "p"}),
                "http://h",
                "http://h/",
                Some("CodeBuild_20161006.StartBuild"),
                "application/x-amz-json-1.1",
                r#"{"projectName":"p"}"#,
            ),
            (
                // Step Functions' wire names are camelCase.
                "arn:aws:states:::aws-sdk:sfn:describeExecution",
                json!({"ExecutionArn": "arn:x"}),
                "http://127.0.0.1:8083",
                "http://127.0.0.1:8083/",
                Some("AWSStepFunctions.DescribeExecution"),
                "application/x-amz-json-1.0",
                r#"{"executionArn":"arn:x"}"#,
            ),
            (
                // An execution's input is the user's: its keys stay.
                "arn:aws:states:::aws-sdk:sfn:startExecution",
                json!({"StateMachineArn": "arn:m", "Input": {"OrderId": 1}, "Tags": [{"Key": "k"}]}),
                "http://h",
                "http://h/",
                Some("AWSStepFunctions.StartExecution"),
                "application/x-amz-json-1.0",
                r#"{"stateMachineArn":"arn:m","input":{"OrderId":1},"tags":[{"key":"k"}]}"#,
            ),
            (
                "arn:aws:states:::aws-sdk:sfn:listStateMachines",
                Value::Null,
                "https://states.us-east-1.amazonaws.com",
                "https://states.us-east-1.amazonaws.com/",
                Some("AWSStepFunctions.ListStateMachines"),
                "application/x-amz-json-1.0",
                "{}",
            ),
            (
                "arn:aws:states:::sns:publish",
                json!({
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
                    "Message": {"hello": "wörld & more"},
                    "MessageAttributes": {"color": {"DataType": "String", "StringValue": "red"}}
                }),
                "http://h",
                "http://h/",
                None,
                "application/x-www-form-urlencoded; charset=utf-8",
                "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At&Message=%7B%22hello%22%3A%22w%C3%B6rld%20%26%20more%22%7D&MessageAttributes.entry.1.Name=color&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=red",
            ),
            (
                "arn:aws:states:::aws-sdk:sns:tagResource",
                json!({"ResourceArn": "r", "Tags": [{"Key": "k", "Value": "v"}]}),
                "http://h",
                "http://h/",
                None,
                "application/x-www-form-urlencoded; charset=utf-8",
                "Action=TagResource&Version=2010-03-31&ResourceArn=r&Tags.member.1.Key=k&Tags.member.1.Value=v",
            ),
            (
                // SNS's few camelCase members, written PascalCase by the
                // state machine.
                "arn:aws:states:::aws-sdk:sns:checkIfPhoneNumberIsOptedOut",
                json!({"PhoneNumber": "+15550100"}),
                "http://h",
                "http://h/",
                None,
                "application/x-www-form-urlencoded; charset=utf-8",
                "Action=CheckIfPhoneNumberIsOptedOut&Version=2010-03-31&phoneNumber=%2B15550100",
            ),
            (
                "arn:aws:states:::aws-sdk:sns:setSMSAttributes",
                json!({"Attributes": {"DefaultSMSType": "Transactional"}}),
                "http://h",
                "http://h/",
                None,
                "application/x-www-form-urlencoded; charset=utf-8",
                "Action=SetSMSAttributes&Version=2010-03-31&attributes.entry.1.key=DefaultSMSType&attributes.entry.1.value=Transactional",
            ),
            (
                "arn:aws:states:::aws-sdk:s3:putObject",
                json!({"Bucket": "b", "Key": "dir/a b.json", "Body": {"k": 1}, "ContentType": "application/json"}),
                "http://h:9000",
                "http://h:9000/b/dir/a%20b.json",
                None,
                "application/json",
                r#"{"k":1}"#,
            ),
        ];
        for (resource, params, endpoint, url, amz_target, content_type, body) in rows {
            let p = match prepare(&target(resource), params, endpoint) {
                Ok(p) => p,
                Err(e) => panic!("{resource}: {e:?}"),
            };
            assert_eq!(&p.url, url, "{resource}");
            assert_eq!(header(&p, "x-amz-target"), *amz_target, "{resource}");
            assert_eq!(
                header(&p, "content-type"),
                Some(*content_type),
                "{resource}"
            );
            assert_eq!(String::from_utf8_lossy(&p.body), *body, "{resource}");
        }
    }

    #[test]
    fn bad_requests() {
        // (resource, parameters, endpoint, error, cause contains)
        type Row<'a> = (&'a str, Value, &'a str, &'a str, &'a str);
        let rows: &[Row<'_>] = &[
            (
                "arn:aws:states:::dynamodb:getItem",
                json!([1]),
                "http://h",
                "States.Runtime",
                "expected a JSON object, got an array",
            ),
            (
                "arn:aws:states:::dynamodb:getItem",
                json!({}),
                "not a url",
                "States.Runtime",
                "AWS_ENDPOINT_URL_DYNAMODB",
            ),
            (
                "arn:aws:states:::dynamodb:getItem",
                json!({}),
                "/path/only",
                "States.Runtime",
                "has no host",
            ),
            (
                "arn:aws:states:::aws-sdk:s3:getObject",
                json!({"Bucket": "b"}),
                "http://h",
                "States.Runtime",
                "Key is required",
            ),
            (
                "arn:aws:states:::aws-sdk:s3:getObject",
                json!({"Bucket": "b", "Key": 3}),
                "http://h",
                "States.Runtime",
                "Key must be a string, got a number",
            ),
        ];
        for (resource, params, endpoint, error, cause) in rows {
            match prepare(&target(resource), params, endpoint) {
                Ok(p) => panic!("{resource} {params}: prepared {p:?}"),
                Err((e, c)) => {
                    assert_eq!(&e, error, "{resource}");
                    assert!(c.contains(cause), "{resource}: {c}");
                }
            }
        }
    }

    #[test]
    fn signing() {
        let mut p = match prepare(
            &target("arn:aws:states:::aws-sdk:sfn:listStateMachines"),
            &json!({}),
            "http://127.0.0.1:8083",
        ) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        };
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160); // 2015-08-30T12:36:00Z
        let creds = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: Some("token".into()),
        };
        if let Err(e) = sign_request(&mut p, &creds, "us-east-1", "states", time) {
            panic!("{e}");
        }
        assert_eq!(header(&p, "x-amz-date"), Some("20150830T123600Z"));
        assert_eq!(header(&p, "x-amz-security-token"), Some("token"));
        let auth = header(&p, "authorization").unwrap_or_default();
        assert!(
            auth.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/states/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature="
            ),
            "{auth}"
        );
        // The same request signed twice at the same time: the same signature.
        let mut again = p.clone();
        again.headers.retain(|(k, _)| {
            !matches!(
                k.as_str(),
                "authorization" | "x-amz-date" | "x-amz-security-token"
            )
        });
        if let Err(e) = sign_request(&mut again, &creds, "us-east-1", "states", time) {
            panic!("{e}");
        }
        assert_eq!(header(&again, "authorization"), Some(auth));
    }
}
