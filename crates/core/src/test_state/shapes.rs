//! `mock.fieldValidationMode`: a mocked Task result checked against the
//! response shape of the API its integration calls.
//!
//! AWS validates a mock against the service's API model, with the members
//! named as Step Functions writes them (first letter upper case): `STRICT`
//! wants every required member present and every present member of the
//! right type, `PRESENT` only the latter, `NONE` nothing. Members the model
//! does not know are accepted. The wording of the errors is AWS's (as
//! recorded): `Mock result schema validation error: ...`.
//!
//! The shapes here are those of the integrations Stepwell runs itself:
//! `lambda:invoke` (Lambda's `Invoke` response), `states:startExecution`
//! (`StartExecution`) and its `.sync` / `.sync:2` forms (`DescribeExecution`),
//! `http:invoke`, and the optimized DynamoDB item, SQS `sendMessage`, SNS
//! `publish` and EventBridge `putEvents` integrations.
//! DIFFERENCE: any other integration's mock is accepted unvalidated (AWS
//! validates every AWS SDK integration against its service's model, which
//! Stepwell does not carry). A Lambda function ARN, an activity and a
//! `.waitForTaskToken` task return what their worker sends: no shape.
//! DIFFERENCE: `http:invoke` has no API model; its shape is the one AWS
//! documents for the HTTP Task's result (`StatusCode`, `StatusText`,
//! `Headers`, `ResponseBody`), none of them required.
//! A timestamp must be a string (AWS, recorded:
//! test_field_validation_mode `wrong_timestamp_type_number`,
//! `StartDate: 1764103483` is "must be a string").

use serde_json::Value;

use super::FieldValidation;

/// A response shape.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// Any JSON value (a document, or a payload Step Functions parses).
    Any,
    String,
    Enum(&'static [&'static str]),
    Integer,
    /// A double (any JSON number).
    Number,
    Timestamp,
    Object,
    /// Members: name, shape, required.
    Struct(&'static [(&'static str, Shape, bool)]),
    List(&'static Shape),
    /// An object whose every value has the shape.
    Map(&'static Shape),
}

const LAMBDA_INVOKE: Shape = Shape::Struct(&[
    ("StatusCode", Shape::Integer, false),
    ("FunctionError", Shape::String, false),
    ("LogResult", Shape::String, false),
    ("Payload", Shape::Any, false),
    ("ExecutedVersion", Shape::String, false),
]);

const START_EXECUTION: Shape = Shape::Struct(&[
    ("ExecutionArn", Shape::String, true),
    ("StartDate", Shape::Timestamp, true),
]);

const EXECUTION_STATUS: &[&str] = &[
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "TIMED_OUT",
    "ABORTED",
    "PENDING_REDRIVE",
];

const REDRIVE_STATUS: &[&str] = &["REDRIVABLE", "NOT_REDRIVABLE", "REDRIVABLE_BY_MAP_RUN"];

/// `DescribeExecution`; `Input` and `Output` are JSON with `.sync:2`,
/// strings with `.sync`, so either is accepted.
const DESCRIBE_EXECUTION: Shape = Shape::Struct(&[
    ("ExecutionArn", Shape::String, true),
    ("StateMachineArn", Shape::String, true),
    ("Name", Shape::String, false),
    ("Status", Shape::Enum(EXECUTION_STATUS), true),
    ("StartDate", Shape::Timestamp, true),
    ("StopDate", Shape::Timestamp, false),
    ("Input", Shape::Any, false),
    ("InputDetails", Shape::Object, false),
    ("Output", Shape::Any, false),
    ("OutputDetails", Shape::Object, false),
    ("TraceHeader", Shape::String, false),
    ("MapRunArn", Shape::String, false),
    ("Error", Shape::String, false),
    ("Cause", Shape::String, false),
    ("StateMachineVersionArn", Shape::String, false),
    ("StateMachineAliasArn", Shape::String, false),
    ("RedriveCount", Shape::Integer, false),
    ("RedriveDate", Shape::Timestamp, false),
    ("RedriveStatus", Shape::Enum(REDRIVE_STATUS), false),
    ("RedriveStatusReason", Shape::String, false),
]);

/// DynamoDB's `Capacity` (the API model, 2012-08-10).
const DYNAMODB_CAPACITY: Shape = Shape::Struct(&[
    ("ReadCapacityUnits", Shape::Number, false),
    ("WriteCapacityUnits", Shape::Number, false),
    ("CapacityUnits", Shape::Number, false),
]);

/// DynamoDB's `ConsumedCapacity` (the API model, 2012-08-10).
const DYNAMODB_CONSUMED_CAPACITY: Shape = Shape::Struct(&[
    ("TableName", Shape::String, false),
    ("CapacityUnits", Shape::Number, false),
    ("ReadCapacityUnits", Shape::Number, false),
    ("WriteCapacityUnits", Shape::Number, false),
    ("Table", DYNAMODB_CAPACITY, false),
    (
        "LocalSecondaryIndexes",
        Shape::Map(&DYNAMODB_CAPACITY),
        false,
    ),
    (
        "GlobalSecondaryIndexes",
        Shape::Map(&DYNAMODB_CAPACITY),
        false,
    ),
]);

/// DynamoDB's `ItemCollectionMetrics` (the API model, 2012-08-10); an
/// `AttributeValue` is an object.
const DYNAMODB_ITEM_COLLECTION_METRICS: Shape = Shape::Struct(&[
    ("ItemCollectionKey", Shape::Map(&Shape::Object), false),
    ("SizeEstimateRangeGB", Shape::List(&Shape::Number), false),
]);

/// DynamoDB's `GetItem`, `PutItem`, `DeleteItem` and `UpdateItem` outputs
/// (none requires a member); an attribute map's values (`AttributeValue`)
/// are objects.
const DYNAMODB_ITEM: Shape = Shape::Struct(&[
    ("Item", Shape::Map(&Shape::Object), false),
    ("Attributes", Shape::Map(&Shape::Object), false),
    ("ConsumedCapacity", DYNAMODB_CONSUMED_CAPACITY, false),
    (
        "ItemCollectionMetrics",
        DYNAMODB_ITEM_COLLECTION_METRICS,
        false,
    ),
]);

/// SQS `SendMessage`.
const SQS_SEND_MESSAGE: Shape = Shape::Struct(&[
    ("MD5OfMessageBody", Shape::String, false),
    ("MD5OfMessageAttributes", Shape::String, false),
    ("MD5OfMessageSystemAttributes", Shape::String, false),
    ("MessageId", Shape::String, false),
    ("SequenceNumber", Shape::String, false),
]);

/// SNS `Publish`.
const SNS_PUBLISH: Shape = Shape::Struct(&[
    ("MessageId", Shape::String, false),
    ("SequenceNumber", Shape::String, false),
]);

/// EventBridge `PutEvents`.
const EVENTS_PUT_EVENTS: Shape = Shape::Struct(&[
    ("FailedEntryCount", Shape::Integer, false),
    (
        "Entries",
        Shape::List(&Shape::Struct(&[
            ("EventId", Shape::String, false),
            ("ErrorCode", Shape::String, false),
            ("ErrorMessage", Shape::String, false),
        ])),
        false,
    ),
]);

const HTTP_INVOKE: Shape = Shape::Struct(&[
    ("StatusCode", Shape::Integer, false),
    ("StatusText", Shape::String, false),
    ("Headers", Shape::Object, false),
    ("ResponseBody", Shape::Any, false),
]);

/// The response shape of a Task's resource, when Stepwell knows it.
pub(crate) fn shape_of(resource: &str) -> Option<Shape> {
    let service = resource.strip_prefix("arn:aws:states:::")?;
    match service {
        "lambda:invoke" => Some(LAMBDA_INVOKE),
        "states:startExecution" => Some(START_EXECUTION),
        "states:startExecution.sync" | "states:startExecution.sync:2" => Some(DESCRIBE_EXECUTION),
        "http:invoke" => Some(HTTP_INVOKE),
        "dynamodb:getItem" | "dynamodb:putItem" | "dynamodb:deleteItem" | "dynamodb:updateItem" => {
            Some(DYNAMODB_ITEM)
        }
        "sqs:sendMessage" => Some(SQS_SEND_MESSAGE),
        "sns:publish" => Some(SNS_PUBLISH),
        "events:putEvents" => Some(EVENTS_PUT_EVENTS),
        _ => None,
    }
}

/// Check a mocked result of a Task with `resource`.
pub fn validate(resource: &str, result: &Value, mode: FieldValidation) -> Result<(), String> {
    if mode == FieldValidation::None {
        return Ok(());
    }
    match shape_of(resource) {
        Some(shape) => check(shape, result, None, mode),
        None => Ok(()),
    }
}

fn check(
    shape: Shape,
    v: &Value,
    field: Option<&str>,
    mode: FieldValidation,
) -> Result<(), String> {
    let field = field.unwrap_or_default();
    let wrong = |expected: &str| {
        Err(format!(
            "Mock result schema validation error: Field '{field}' must be {expected}"
        ))
    };
    match shape {
        Shape::Any => Ok(()),
        Shape::String => match v {
            Value::String(_) => Ok(()),
            _ => wrong("a string"),
        },
        Shape::Enum(values) => match v {
            Value::String(s) if values.contains(&s.as_str()) => Ok(()),
            Value::String(_) => Err(format!(
                "Mock result schema validation error: Field '{field}' is not an expected value"
            )),
            _ => wrong("a string"),
        },
        Shape::Integer => match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(()),
            _ => wrong("a number"),
        },
        Shape::Number => match v {
            Value::Number(_) => Ok(()),
            _ => wrong("a number"),
        },
        Shape::Timestamp => match v {
            Value::String(_) => Ok(()),
            _ => wrong("a string"),
        },
        Shape::Object => match v {
            Value::Object(_) => Ok(()),
            _ => wrong("an object"),
        },
        // A map's values are named by the map's member, as a list's
        // items are (AWS's wording for them is not recorded).
        Shape::Map(value) => match v {
            Value::Object(o) => o
                .values()
                .try_for_each(|x| check(*value, x, Some(field), mode)),
            _ => wrong("an object"),
        },
        Shape::List(item) => match v {
            Value::Array(items) => items
                .iter()
                .try_for_each(|i| check(*item, i, Some(field), mode)),
            _ => wrong("an array"),
        },
        Shape::Struct(members) => {
            let Value::Object(o) = v else {
                return Err(
                    "Mock result schema validation error: the mocked result must be a JSON object"
                        .into(),
                );
            };
            if mode == FieldValidation::Strict {
                if let Some((name, _, _)) = members
                    .iter()
                    .find(|(name, _, required)| *required && !o.contains_key(*name))
                {
                    return Err(format!(
                        "Mock result schema validation error: Required field '{name}' is missing"
                    ));
                }
            }
            for (name, value) in o {
                if let Some((_, shape, _)) = members.iter().find(|(n, _, _)| n == name) {
                    check(*shape, value, Some(name), mode)?;
                }
            }
            Ok(())
        }
    }
}
