use serde_json::json;

use super::*;

/// The answer to `op` with `body`: Ok, or the error's type and message.
fn answer(op: &str, body: Value) -> Result<(), (&'static str, String)> {
    let Value::Object(m) = body else {
        panic!("not an object");
    };
    check(op, &Req(m)).map_err(|e| (e.kind, e.message))
}

fn refused(op: &str, body: Value) -> String {
    match answer(op, body) {
        Err(("ValidationException", m)) => m,
        other => panic!("{op}: {other:?}"),
    }
}

const ARN_: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:M";

#[test]
fn valid_requests_and_unknown_operations_pass() {
    let ok = [
        (
            "StartExecution",
            json!({"stateMachineArn": ARN_, "name": "n", "input": "{}", "traceHeader": ""}),
        ),
        (
            "ListExecutions",
            json!({"stateMachineArn": ARN_, "statusFilter": "RUNNING", "maxResults": 0}),
        ),
        (
            "TagResource",
            json!({"resourceArn": ARN_, "tags": [{"key": "k", "value": ""}]}),
        ),
        (
            "CreateStateMachineAlias",
            json!({"name": "live-1", "routingConfiguration": [
            {"stateMachineVersionArn": "a", "weight": 50}, {"stateMachineVersionArn": "b", "weight": 50}]}),
        ),
        (
            "UpdateMapRun",
            json!({"mapRunArn": "m", "toleratedFailurePercentage": 100}),
        ),
        (
            "RedriveExecution",
            json!({"executionArn": "e", "clientToken": "a-b!~"}),
        ),
        (
            "DescribeExecution",
            json!({"executionArn": "e", "includedData": null}),
        ),
        ("MakeCoffee", json!({"anything": 1})),
    ];
    for (op, body) in ok {
        assert_eq!(answer(op, body.clone()), Ok(()), "{op} {body}");
    }
}

#[test]
fn one_failure_quotes_the_value_and_the_bound() {
    let name = "x".repeat(81);
    assert_eq!(
        refused("StartExecution", json!({"stateMachineArn": ARN_, "name": name})),
        format!("1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80")
    );
    assert_eq!(
        refused("CreateActivity", json!({"name": ""})),
        "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
    assert_eq!(
        refused("GetExecutionHistory", json!({"executionArn": "e", "maxResults": 2000})),
        "1 validation error detected: Value '2000' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"
    );
    assert_eq!(
        refused("ListActivities", json!({"maxResults": -1})),
        "1 validation error detected: Value '-1' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0"
    );
    assert_eq!(
        refused("UpdateMapRun", json!({"mapRunArn": "m", "toleratedFailurePercentage": 150})),
        "1 validation error detected: Value '150.0' at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value less than or equal to 100"
    );
    assert_eq!(
        refused("DescribeExecution", json!({})),
        "1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn several_failures_are_counted_and_joined_in_member_order() {
    let trace = "t".repeat(300);
    assert_eq!(
        refused("StartExecution", json!({"traceHeader": trace, "name": "n".repeat(81)})),
        format!(
            "3 validation errors detected: \
             Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null; \
             Value '{}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80; \
             Value '{trace}' at 'traceHeader' failed to satisfy constraint: Member must have length less than or equal to 256",
            "n".repeat(81)
        )
    );
    // One value, two constraints: length first, then the pattern.
    assert_eq!(
        refused("RedriveExecution", json!({"executionArn": "e", "clientToken": ""})),
        "2 validation errors detected: \
         Value '' at 'clientToken' failed to satisfy constraint: Member must have length greater than or equal to 1; \
         Value '' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [!-~]+"
    );
}

#[test]
fn sensitive_members_show_no_value() {
    assert_eq!(
        refused("SendTaskFailure", json!({"taskToken": "t", "error": "e".repeat(257)})),
        "1 validation error detected: Value at 'error' failed to satisfy constraint: Member must have length less than or equal to 256"
    );
    assert_eq!(
        refused("TestState", json!({"definition": "{}", "stateConfiguration": {"errorCausedByState": ""}})),
        "1 validation error detected: Value at 'stateConfiguration.errorCausedByState' failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
    assert_eq!(
        refused("SendTaskSuccess", json!({"taskToken": ""})),
        "2 validation errors detected: \
         Value at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1; \
         Value at 'output' failed to satisfy constraint: Member must not be null"
    );
}

/// A missing sensitive member shows no value either (AWS, recorded by a
/// suite run against AWS: SendTaskSuccess without `output`); a missing
/// member that is not sensitive reads `Value null`.
#[test]
fn missing_sensitive_members_show_no_null() {
    let cases = [
        (
            "SendTaskSuccess",
            json!({"taskToken": "t"}),
            "Value at 'output'",
        ),
        ("SendTaskHeartbeat", json!({}), "Value at 'taskToken'"),
        ("SendTaskFailure", json!({}), "Value at 'taskToken'"),
        (
            "CreateStateMachine",
            json!({"name": "n", "roleArn": "r"}),
            "Value at 'definition'",
        ),
        (
            "ValidateStateMachineDefinition",
            json!({}),
            "Value at 'definition'",
        ),
        ("TestState", json!({}), "Value at 'definition'"),
        (
            "DescribeExecution",
            json!({}),
            "Value null at 'executionArn'",
        ),
    ];
    for (op, body, value) in cases {
        assert_eq!(
            refused(op, body),
            format!("1 validation error detected: {value} failed to satisfy constraint: Member must not be null"),
            "{op}"
        );
    }
}

/// The payload members are measured in UTF-8 bytes, in AWS's words
/// (as users measured StartExecution's `input`).
#[test]
fn payloads_are_measured_in_utf8_bytes() {
    const OVER: &str = "failed to satisfy constraint: Member must have size less than or equal to 262144 bytes in UTF-8 encoding";
    // 100,000 characters, 300,000 bytes.
    let wide = format!("\"{}\"", "\u{20ac}".repeat(100_000));
    assert!(wide.chars().count() < 262_144 && wide.len() > 262_144);
    let at_limit = format!("\"{}\"", "x".repeat(262_142));
    let cases = [
        (
            "StartExecution",
            json!({"stateMachineArn": ARN_, "input": wide}),
            "input",
        ),
        (
            "StartSyncExecution",
            json!({"stateMachineArn": ARN_, "input": wide}),
            "input",
        ),
        (
            "SendTaskSuccess",
            json!({"taskToken": "t", "output": wide}),
            "output",
        ),
        (
            "TestState",
            json!({"definition": "{}", "input": wide}),
            "input",
        ),
        (
            "TestState",
            json!({"definition": "{}", "variables": wide}),
            "variables",
        ),
        (
            "TestState",
            json!({"definition": "{}", "context": wide}),
            "context",
        ),
        (
            "TestState",
            json!({"definition": "{}", "mock": {"result": wide}}),
            "mock.result",
        ),
        (
            "TestState",
            json!({"definition": "{}", "stateConfiguration": {"mapItemReaderData": wide}}),
            "stateConfiguration.mapItemReaderData",
        ),
    ];
    for (op, body, field) in cases {
        assert_eq!(
            refused(op, body),
            format!("1 validation error detected: Value at '{field}' {OVER}"),
            "{op} {field}"
        );
    }
    assert_eq!(
        answer(
            "StartExecution",
            json!({"stateMachineArn": ARN_, "input": at_limit})
        ),
        Ok(())
    );
    // Other lengths stay in characters.
    assert_eq!(
        answer(
            "StartExecution",
            json!({"stateMachineArn": ARN_, "name": "\u{20ac}".repeat(80)})
        ),
        Ok(())
    );
}

#[test]
fn enums_and_patterns() {
    assert_eq!(
        refused("ListExecutions", json!({"statusFilter": "BOGUS"})),
        "1 validation error detected: Value 'BOGUS' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]"
    );
    assert_eq!(
        refused("TestState", json!({"definition": "{}", "mock": {"fieldValidationMode": "LOOSE"}})),
        "1 validation error detected: Value 'LOOSE' at 'mock.fieldValidationMode' failed to satisfy constraint: Member must satisfy enum value set: [STRICT, PRESENT, NONE]"
    );
    // AWS's own answers (CreateStateMachineAlias, recorded).
    for name in ["123", "INVALID ALIAS", "!INVALID", "ALIAS@"] {
        assert_eq!(
            refused("CreateStateMachineAlias", json!({"name": name, "routingConfiguration": [{"stateMachineVersionArn": "a", "weight": 100}]})),
            format!("1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$")
        );
    }
    assert_eq!(
        refused("StartExecution", json!({"stateMachineArn": ARN_, "traceHeader": "café"})),
        "1 validation error detected: Value 'café' at 'traceHeader' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{ASCII}*"
    );
    assert!(Pattern::CharacterRestrictedName.matches("1.5"));
    assert!(!Pattern::CharacterRestrictedName.matches(""));
    assert!(!Pattern::CharacterRestrictedName.matches("é"));
    assert!(!Pattern::Printable.matches("a b"));
}

#[test]
fn list_items_and_lists() {
    let key = "k".repeat(200);
    assert_eq!(
        refused("TagResource", json!({"resourceArn": ARN_, "tags": [{"key": "ok", "value": "v"}, {"key": key, "value": "v"}]})),
        format!("1 validation error detected: Value '{key}' at 'tags.2.member.key' failed to satisfy constraint: Member must have length less than or equal to 128")
    );
    // AWS's own answers (CreateStateMachineAlias, recorded).
    assert_eq!(
        refused("CreateStateMachineAlias", json!({"name": "a", "routingConfiguration": [{"stateMachineVersionArn": "v1", "weight": 101}]})),
        "1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100"
    );
    assert_eq!(
        refused("UpdateStateMachineAlias", json!({"stateMachineAliasArn": "a", "routingConfiguration": [
            {"stateMachineVersionArn": "v1", "weight": 50}, {"stateMachineVersionArn": "v2", "weight": 30},
            {"stateMachineVersionArn": "v3", "weight": 20}]})),
        "1 validation error detected: Value '[RoutingConfigurationListItem(stateMachineVersionArn=v1, weight=50), RoutingConfigurationListItem(stateMachineVersionArn=v2, weight=30), RoutingConfigurationListItem(stateMachineVersionArn=v3, weight=20)]' at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2"
    );
    assert_eq!(
        refused("CreateStateMachineAlias", json!({"name": "a", "routingConfiguration": [{"weight": 100}]})),
        "1 validation error detected: Value null at 'routingConfiguration.1.member.stateMachineVersionArn' failed to satisfy constraint: Member must not be null"
    );
    assert_eq!(
        refused("UntagResource", json!({"resourceArn": ARN_, "tagKeys": ["a", key]})),
        format!("1 validation error detected: Value '[a, {key}]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must not be null]")
    );
    assert_eq!(
        refused("CreateStateMachine", json!({"name": "m", "definition": "{}", "roleArn": "r",
            "loggingConfiguration": {"level": "ALL", "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": ""}}]},
            "encryptionConfiguration": {"kmsDataKeyReusePeriodSeconds": 30}})),
        "3 validation errors detected: \
         Value '' at 'loggingConfiguration.destinations.1.member.cloudWatchLogsLogGroup.logGroupArn' failed to satisfy constraint: Member must have length greater than or equal to 1; \
         Value '30' at 'encryptionConfiguration.kmsDataKeyReusePeriodSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60; \
         Value null at 'encryptionConfiguration.type' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn a_member_of_the_wrong_type_is_a_serialization_error() {
    let cases = [
        (
            "GetExecutionHistory",
            json!({"executionArn": "e", "maxResults": "10"}),
            "Expected an integer for field 'maxResults'",
        ),
        (
            "DescribeExecution",
            json!({"executionArn": 12}),
            "Expected a string for field 'executionArn'",
        ),
        (
            "TagResource",
            json!({"resourceArn": "r", "tags": [{"key": 1}]}),
            "Expected a string for field 'tags.1.member.key'",
        ),
        (
            "TestState",
            json!({"definition": "{}", "mock": "x"}),
            "Expected a structure for field 'mock'",
        ),
        (
            "GetExecutionHistory",
            json!({"executionArn": "e", "reverseOrder": "yes"}),
            "Expected a boolean for field 'reverseOrder'",
        ),
    ];
    for (op, body, message) in cases {
        assert_eq!(
            answer(op, body),
            Err(("SerializationException", message.to_string())),
            "{op}"
        );
    }
}

/// The table against AWS's API model (botocore's JSON), when the
/// shared reference material is beside the repository.
#[test]
fn constraints_match_the_aws_model() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/stepfunctions-service-2.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "skipping: ../shared/reference not found ({})",
            path.display()
        );
        return;
    };
    let model: Value = serde_json::from_str(&text).unwrap();
    let mut problems = Vec::new();
    let ops = model["operations"].as_object().unwrap();
    let names: Vec<&str> = OPERATIONS.iter().map(|(n, _)| *n).collect();
    let model_names: Vec<&str> = ops.keys().map(String::as_str).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    let mut model_sorted = model_names.clone();
    model_sorted.sort_unstable();
    assert_eq!(sorted, model_sorted, "the operations differ");
    for (op, members) in OPERATIONS {
        let input = ops[*op]["input"]["shape"].as_str().unwrap();
        compare_members(&model, input, members, op, &mut problems);
    }
    assert!(
        problems.is_empty(),
        "the table differs from the model:\n{}",
        problems.join("\n")
    );
}

fn compare_members(
    model: &Value,
    shape: &str,
    members: &[Member],
    at: &str,
    problems: &mut Vec<String>,
) {
    let s = &model["shapes"][shape];
    let listed: Vec<&str> = s["members"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let ours: Vec<&str> = members.iter().map(|m| m.name).collect();
    if listed != ours {
        problems.push(format!("{at}: members {ours:?}, the model's {listed:?}"));
        return;
    }
    let required: Vec<&str> = s["required"]
        .as_array()
        .map_or(Vec::new(), |r| r.iter().filter_map(Value::as_str).collect());
    for m in members {
        let here = format!("{at}.{}", m.name);
        if m.required != required.contains(&m.name) {
            problems.push(format!("{here}: required {}", m.required));
        }
        let target = s["members"][m.name]["shape"].as_str().unwrap();
        compare_shape(model, target, m.shape, &here, problems);
    }
}

fn compare_shape(model: &Value, name: &str, shape: &Shape, at: &str, problems: &mut Vec<String>) {
    let s = &model["shapes"][name];
    let ty = s["type"].as_str().unwrap();
    let int = |k: &str| s[k].as_f64().map(|x| x as i64);
    let mut differ = |what: String| problems.push(format!("{at} ({name}): {what}"));
    match shape {
        Shape::Str {
            min,
            max,
            pattern,
            sensitive,
            ..
        } => {
            if ty != "string" || s.get("enum").is_some() {
                differ(format!("a {ty}, not a string"));
            }
            if int("min").unwrap_or(0) as usize != *min || int("max").map(|m| m as usize) != *max {
                differ(format!("length {min}..{max:?}"));
            }
            if s["pattern"].as_str() != pattern.map(Pattern::regex) {
                differ(format!("pattern {pattern:?}"));
            }
            if s["sensitive"].as_bool().unwrap_or(false) != *sensitive {
                differ(format!("sensitive {sensitive}"));
            }
        }
        Shape::Enum(values) => {
            let listed: Vec<&str> = s["enum"]
                .as_array()
                .map_or(Vec::new(), |e| e.iter().filter_map(Value::as_str).collect());
            // AWS prints ExecutionStatus in an order of its own.
            let same = if name == "ExecutionStatus" {
                let (mut a, mut b) = (listed.clone(), values.to_vec());
                a.sort_unstable();
                b.sort_unstable();
                a == b
            } else {
                listed == *values
            };
            if ty != "string" || !same {
                differ(format!("enum {values:?}, the model's {listed:?}"));
            }
        }
        Shape::Int { min, max } => {
            if !matches!(ty, "integer" | "long") || int("min") != *min || int("max") != *max {
                differ(format!(
                    "{ty} {:?}..{:?}, ours {min:?}..{max:?}",
                    int("min"),
                    int("max")
                ));
            }
        }
        Shape::Float { min, max } => {
            if !matches!(ty, "float" | "double")
                || s["min"].as_f64() != Some(*min)
                || s["max"].as_f64() != Some(*max)
            {
                differ(format!("{ty}, ours {min}..{max}"));
            }
        }
        Shape::Bool => {
            if ty != "boolean" {
                differ(format!("a {ty}, not a boolean"));
            }
        }
        Shape::List { min, max, item } => {
            if ty != "list"
                || int("min").unwrap_or(0) as usize != *min
                || int("max").map(|m| m as usize) != *max
            {
                differ(format!("a {ty}, ours a list of {min}..{max:?}"));
                return;
            }
            let target = s["member"]["shape"].as_str().unwrap();
            compare_shape(model, target, item, &format!("{at}.member"), problems);
        }
        Shape::Struct {
            name: ours,
            members,
        } => {
            if ty != "structure" || *ours != name {
                differ(format!("a {ty}, ours the structure {ours}"));
                return;
            }
            compare_members(model, name, members, at, problems);
        }
    }
}
