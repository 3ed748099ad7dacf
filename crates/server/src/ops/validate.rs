//! AWS's request validation: every member constraint of the Step Functions
//! API model (required members, string lengths, numeric ranges, enum
//! values, patterns, list lengths, the members of nested structures and
//! lists), for all operations, as one table, checked by [`check`] before an
//! operation runs, so a request that breaks a constraint never reaches a
//! lookup.
//!
//! The table follows AWS's published API model, member for member and in
//! its order; `constraints_match_the_aws_model` (below) reads the model from
//! `../shared/reference` beside the repository when it is there and fails
//! on any difference.
//!
//! The message is AWS's ("Coral") wording: `N validation error(s)
//! detected: ` then, joined by `; `, one `Value 'V' at 'FIELD' failed to
//! satisfy constraint: Member must ...` per failure, in the model's member
//! order. A sensitive member (`input`, `definition`, `taskToken`, …) shows
//! no value (`Value at 'input' …`), a missing required one reads `Value
//! null at …`. A structure's member is `parent.child`, a list element's
//! member `list.1.member.child` (1-based), as AWS writes
//! `routingConfiguration.1.member.weight`. A list of strings is checked as
//! a whole: `Value '[a, b]' at 'tagKeys' failed to satisfy constraint:
//! Member must satisfy constraint: [every constraint of its elements]`.
//!
//! A member of the wrong JSON type is a `SerializationException`, as the
//! handlers' own accessors answer; what AWS checks after this layer (name
//! characters: `InvalidName`, ARNs: `InvalidArn`, payload bytes, JSON
//! text) stays with the handlers.

use std::fmt;

use serde_json::{Map, Value};

use crate::protocol::{ApiError, Req};

/// A member's type and constraints: one shape of the model.
#[derive(Debug)]
pub enum Shape {
    /// A string of `min..=max` characters; `sensitive` keeps its value out
    /// of messages.
    Str {
        min: usize,
        max: Option<usize>,
        pattern: Option<Pattern>,
        sensitive: bool,
    },
    /// A string from a fixed set, in the order AWS prints it.
    Enum(&'static [&'static str]),
    /// An integer or a long.
    Int {
        min: Option<i64>,
        max: Option<i64>,
    },
    /// A float.
    Float {
        min: f64,
        max: f64,
    },
    Bool,
    /// A list of `min..=max` items.
    List {
        min: usize,
        max: Option<usize>,
        item: &'static Shape,
    },
    /// A structure; `name` is the model's, which a list's value shows.
    Struct {
        name: &'static str,
        members: &'static [Member],
    },
}

/// One member of an operation's input or of a structure.
#[derive(Debug)]
pub struct Member {
    pub name: &'static str,
    pub required: bool,
    pub shape: &'static Shape,
}

/// The model's few patterns (Java regular expressions), as functions: the
/// `regex` crates have no lookahead, which one of them needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pattern {
    /// `\p{ASCII}*` (TraceHeader).
    Ascii,
    /// `[!-~]+`: printable ASCII, no space (ClientToken).
    Printable,
    /// `^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`: letters, digits, `_-.`,
    /// not digits only (an alias name).
    CharacterRestrictedName,
}

impl Pattern {
    /// The model's text of the pattern, which AWS's message quotes.
    pub fn regex(self) -> &'static str {
        match self {
            Pattern::Ascii => r"\p{ASCII}*",
            Pattern::Printable => "[!-~]+",
            Pattern::CharacterRestrictedName => r"^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$",
        }
    }

    /// Whether the whole of `s` matches (Java's `String.matches`).
    pub fn matches(self, s: &str) -> bool {
        match self {
            Pattern::Ascii => s.is_ascii(),
            Pattern::Printable => !s.is_empty() && s.bytes().all(|b| (b'!'..=b'~').contains(&b)),
            Pattern::CharacterRestrictedName => {
                let allowed = |b: u8| b.is_ascii_alphanumeric() || b"_-.".contains(&b);
                s.bytes().all(allowed) && s.bytes().any(|b| allowed(b) && !b.is_ascii_digit())
            }
        }
    }
}

const fn req(name: &'static str, shape: &'static Shape) -> Member {
    Member {
        name,
        required: true,
        shape,
    }
}

const fn opt(name: &'static str, shape: &'static Shape) -> Member {
    Member {
        name,
        required: false,
        shape,
    }
}

const fn string(min: usize, max: usize) -> Shape {
    Shape::Str {
        min,
        max: Some(max),
        pattern: None,
        sensitive: false,
    }
}

const fn sensitive(min: usize, max: usize) -> Shape {
    Shape::Str {
        min,
        max: Some(max),
        pattern: None,
        sensitive: true,
    }
}

const fn at_least(min: i64) -> Shape {
    Shape::Int {
        min: Some(min),
        max: None,
    }
}

const fn between(min: i64, max: i64) -> Shape {
    Shape::Int {
        min: Some(min),
        max: Some(max),
    }
}

// The model's shapes, under its names.
static ARN: Shape = string(1, 256);
static LONG_ARN: Shape = string(1, 2000);
static NAME: Shape = string(1, 80);
static CHARACTER_RESTRICTED_NAME: Shape = Shape::Str {
    min: 1,
    max: Some(80),
    pattern: Some(Pattern::CharacterRestrictedName),
    sensitive: false,
};
static DEFINITION: Shape = sensitive(1, 1_048_576);
static SENSITIVE_DATA: Shape = sensitive(0, 262_144);
static SENSITIVE_ERROR: Shape = sensitive(0, 256);
static SENSITIVE_CAUSE: Shape = sensitive(0, 32_768);
static TASK_TOKEN: Shape = sensitive(1, 2048);
static DESCRIPTION: Shape = sensitive(0, 256);
static TEST_STATE_STATE_NAME: Shape = sensitive(1, 80);
static TRACE_HEADER: Shape = Shape::Str {
    min: 0,
    max: Some(256),
    pattern: Some(Pattern::Ascii),
    sensitive: false,
};
static CLIENT_TOKEN: Shape = Shape::Str {
    min: 1,
    max: Some(64),
    pattern: Some(Pattern::Printable),
    sensitive: false,
};
static REVISION_ID: Shape = Shape::Str {
    min: 0,
    max: None,
    pattern: None,
    sensitive: false,
};
static PAGE_TOKEN: Shape = string(1, 1024);
static LIST_EXECUTIONS_PAGE_TOKEN: Shape = string(1, 3096);
static PAGE_SIZE: Shape = between(0, 1000);
static VALIDATION_MAX_RESULTS: Shape = between(0, 100);
static NON_NEGATIVE: Shape = at_least(0);
static BOOL: Shape = Shape::Bool;

static STATE_MACHINE_TYPE: Shape = Shape::Enum(&["STANDARD", "EXPRESS"]);
static INCLUDED_DATA: Shape = Shape::Enum(&["ALL_DATA", "METADATA_ONLY"]);
// AWS prints this set in its own order, not the model's (the order AWS
// answered with, kept since this server's first ListExecutions).
static EXECUTION_STATUS: Shape = Shape::Enum(&[
    "SUCCEEDED",
    "TIMED_OUT",
    "PENDING_REDRIVE",
    "ABORTED",
    "FAILED",
    "RUNNING",
]);
static REDRIVE_FILTER: Shape = Shape::Enum(&["REDRIVEN", "NOT_REDRIVEN"]);
static INSPECTION_LEVEL: Shape = Shape::Enum(&["INFO", "DEBUG", "TRACE"]);
static SEVERITY: Shape = Shape::Enum(&["ERROR", "WARNING"]);
static LOG_LEVEL: Shape = Shape::Enum(&["ALL", "ERROR", "FATAL", "OFF"]);
static ENCRYPTION_TYPE: Shape = Shape::Enum(&["AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY"]);
static VALIDATION_MODE: Shape = Shape::Enum(&["STRICT", "PRESENT", "NONE"]);

static TAG_KEY: Shape = string(1, 128);
static TAG_LIST: Shape = Shape::List {
    min: 0,
    max: None,
    item: &Shape::Struct {
        name: "Tag",
        members: &[opt("key", &TAG_KEY), opt("value", &string(0, 256))],
    },
};
static TAG_KEY_LIST: Shape = Shape::List {
    min: 0,
    max: None,
    item: &TAG_KEY,
};
static ENCRYPTION_CONFIGURATION: Shape = Shape::Struct {
    name: "EncryptionConfiguration",
    members: &[
        opt("kmsKeyId", &string(1, 2048)),
        opt("kmsDataKeyReusePeriodSeconds", &between(60, 900)),
        req("type", &ENCRYPTION_TYPE),
    ],
};
static LOGGING_CONFIGURATION: Shape = Shape::Struct {
    name: "LoggingConfiguration",
    members: &[
        opt("level", &LOG_LEVEL),
        opt("includeExecutionData", &BOOL),
        opt(
            "destinations",
            &Shape::List {
                min: 0,
                max: None,
                item: &Shape::Struct {
                    name: "LogDestination",
                    members: &[opt(
                        "cloudWatchLogsLogGroup",
                        &Shape::Struct {
                            name: "CloudWatchLogsLogGroup",
                            members: &[opt("logGroupArn", &ARN)],
                        },
                    )],
                },
            },
        ),
    ],
};
static TRACING_CONFIGURATION: Shape = Shape::Struct {
    name: "TracingConfiguration",
    members: &[opt("enabled", &BOOL)],
};
static ROUTING_CONFIGURATION: Shape = Shape::List {
    min: 1,
    max: Some(2),
    item: &Shape::Struct {
        name: "RoutingConfigurationListItem",
        members: &[
            req("stateMachineVersionArn", &ARN),
            req("weight", &between(0, 100)),
        ],
    },
};
static MOCK_INPUT: Shape = Shape::Struct {
    name: "MockInput",
    members: &[
        opt("result", &SENSITIVE_DATA),
        opt(
            "errorOutput",
            &Shape::Struct {
                name: "MockErrorOutput",
                members: &[
                    opt("error", &SENSITIVE_ERROR),
                    opt("cause", &SENSITIVE_CAUSE),
                ],
            },
        ),
        opt("fieldValidationMode", &VALIDATION_MODE),
    ],
};
static TEST_STATE_CONFIGURATION: Shape = Shape::Struct {
    name: "TestStateConfiguration",
    members: &[
        opt("retrierRetryCount", &NON_NEGATIVE),
        opt("errorCausedByState", &TEST_STATE_STATE_NAME),
        opt("mapIterationFailureCount", &NON_NEGATIVE),
        opt("mapItemReaderData", &SENSITIVE_DATA),
    ],
};

/// Every operation's input members, in the model's order.
pub static OPERATIONS: &[(&str, &[Member])] = &[
    (
        "CreateActivity",
        &[
            req("name", &NAME),
            opt("tags", &TAG_LIST),
            opt("encryptionConfiguration", &ENCRYPTION_CONFIGURATION),
        ],
    ),
    (
        "CreateStateMachine",
        &[
            req("name", &NAME),
            req("definition", &DEFINITION),
            req("roleArn", &ARN),
            opt("type", &STATE_MACHINE_TYPE),
            opt("loggingConfiguration", &LOGGING_CONFIGURATION),
            opt("tags", &TAG_LIST),
            opt("tracingConfiguration", &TRACING_CONFIGURATION),
            opt("publish", &BOOL),
            opt("versionDescription", &DESCRIPTION),
            opt("encryptionConfiguration", &ENCRYPTION_CONFIGURATION),
        ],
    ),
    (
        "CreateStateMachineAlias",
        &[
            opt("description", &DESCRIPTION),
            req("name", &CHARACTER_RESTRICTED_NAME),
            req("routingConfiguration", &ROUTING_CONFIGURATION),
        ],
    ),
    ("DeleteActivity", &[req("activityArn", &ARN)]),
    ("DeleteStateMachine", &[req("stateMachineArn", &ARN)]),
    (
        "DeleteStateMachineAlias",
        &[req("stateMachineAliasArn", &ARN)],
    ),
    (
        "DeleteStateMachineVersion",
        &[req("stateMachineVersionArn", &LONG_ARN)],
    ),
    ("DescribeActivity", &[req("activityArn", &ARN)]),
    (
        "DescribeExecution",
        &[
            req("executionArn", &ARN),
            opt("includedData", &INCLUDED_DATA),
        ],
    ),
    ("DescribeMapRun", &[req("mapRunArn", &LONG_ARN)]),
    (
        "DescribeStateMachine",
        &[
            req("stateMachineArn", &ARN),
            opt("includedData", &INCLUDED_DATA),
        ],
    ),
    (
        "DescribeStateMachineAlias",
        &[req("stateMachineAliasArn", &ARN)],
    ),
    (
        "DescribeStateMachineForExecution",
        &[
            req("executionArn", &ARN),
            opt("includedData", &INCLUDED_DATA),
        ],
    ),
    (
        "GetActivityTask",
        &[req("activityArn", &ARN), opt("workerName", &NAME)],
    ),
    (
        "GetExecutionHistory",
        &[
            req("executionArn", &ARN),
            opt("maxResults", &PAGE_SIZE),
            opt("reverseOrder", &BOOL),
            opt("nextToken", &PAGE_TOKEN),
            opt("includeExecutionData", &BOOL),
        ],
    ),
    (
        "ListActivities",
        &[opt("maxResults", &PAGE_SIZE), opt("nextToken", &PAGE_TOKEN)],
    ),
    (
        "ListExecutions",
        &[
            opt("stateMachineArn", &ARN),
            opt("statusFilter", &EXECUTION_STATUS),
            opt("maxResults", &PAGE_SIZE),
            opt("nextToken", &LIST_EXECUTIONS_PAGE_TOKEN),
            opt("mapRunArn", &LONG_ARN),
            opt("redriveFilter", &REDRIVE_FILTER),
        ],
    ),
    (
        "ListMapRuns",
        &[
            req("executionArn", &ARN),
            opt("maxResults", &PAGE_SIZE),
            opt("nextToken", &PAGE_TOKEN),
        ],
    ),
    (
        "ListStateMachineAliases",
        &[
            req("stateMachineArn", &ARN),
            opt("nextToken", &PAGE_TOKEN),
            opt("maxResults", &PAGE_SIZE),
        ],
    ),
    (
        "ListStateMachineVersions",
        &[
            req("stateMachineArn", &ARN),
            opt("nextToken", &PAGE_TOKEN),
            opt("maxResults", &PAGE_SIZE),
        ],
    ),
    (
        "ListStateMachines",
        &[opt("maxResults", &PAGE_SIZE), opt("nextToken", &PAGE_TOKEN)],
    ),
    ("ListTagsForResource", &[req("resourceArn", &ARN)]),
    (
        "PublishStateMachineVersion",
        &[
            req("stateMachineArn", &ARN),
            opt("revisionId", &REVISION_ID),
            opt("description", &DESCRIPTION),
        ],
    ),
    (
        "RedriveExecution",
        &[req("executionArn", &ARN), opt("clientToken", &CLIENT_TOKEN)],
    ),
    (
        "SendTaskFailure",
        &[
            req("taskToken", &TASK_TOKEN),
            opt("error", &SENSITIVE_ERROR),
            opt("cause", &SENSITIVE_CAUSE),
        ],
    ),
    ("SendTaskHeartbeat", &[req("taskToken", &TASK_TOKEN)]),
    (
        "SendTaskSuccess",
        &[
            req("taskToken", &TASK_TOKEN),
            req("output", &SENSITIVE_DATA),
        ],
    ),
    (
        "StartExecution",
        &[
            req("stateMachineArn", &ARN),
            opt("name", &NAME),
            opt("input", &SENSITIVE_DATA),
            opt("traceHeader", &TRACE_HEADER),
        ],
    ),
    (
        "StartSyncExecution",
        &[
            req("stateMachineArn", &ARN),
            opt("name", &NAME),
            opt("input", &SENSITIVE_DATA),
            opt("traceHeader", &TRACE_HEADER),
            opt("includedData", &INCLUDED_DATA),
        ],
    ),
    (
        "StopExecution",
        &[
            req("executionArn", &ARN),
            opt("error", &SENSITIVE_ERROR),
            opt("cause", &SENSITIVE_CAUSE),
        ],
    ),
    (
        "TagResource",
        &[req("resourceArn", &ARN), req("tags", &TAG_LIST)],
    ),
    (
        "TestState",
        &[
            req("definition", &DEFINITION),
            opt("roleArn", &ARN),
            opt("input", &SENSITIVE_DATA),
            opt("inspectionLevel", &INSPECTION_LEVEL),
            opt("revealSecrets", &BOOL),
            opt("variables", &SENSITIVE_DATA),
            opt("stateName", &TEST_STATE_STATE_NAME),
            opt("mock", &MOCK_INPUT),
            opt("context", &SENSITIVE_DATA),
            opt("stateConfiguration", &TEST_STATE_CONFIGURATION),
        ],
    ),
    (
        "UntagResource",
        &[req("resourceArn", &ARN), req("tagKeys", &TAG_KEY_LIST)],
    ),
    (
        "UpdateMapRun",
        &[
            req("mapRunArn", &LONG_ARN),
            opt("maxConcurrency", &NON_NEGATIVE),
            opt(
                "toleratedFailurePercentage",
                &Shape::Float {
                    min: 0.0,
                    max: 100.0,
                },
            ),
            opt("toleratedFailureCount", &NON_NEGATIVE),
        ],
    ),
    (
        "UpdateStateMachine",
        &[
            req("stateMachineArn", &ARN),
            opt("definition", &DEFINITION),
            opt("roleArn", &ARN),
            opt("loggingConfiguration", &LOGGING_CONFIGURATION),
            opt("tracingConfiguration", &TRACING_CONFIGURATION),
            opt("publish", &BOOL),
            opt("versionDescription", &DESCRIPTION),
            opt("encryptionConfiguration", &ENCRYPTION_CONFIGURATION),
        ],
    ),
    (
        "UpdateStateMachineAlias",
        &[
            req("stateMachineAliasArn", &ARN),
            opt("description", &DESCRIPTION),
            opt("routingConfiguration", &ROUTING_CONFIGURATION),
        ],
    ),
    (
        "ValidateStateMachineDefinition",
        &[
            req("definition", &DEFINITION),
            opt("type", &STATE_MACHINE_TYPE),
            opt("severity", &SEVERITY),
            opt("maxResults", &VALIDATION_MAX_RESULTS),
        ],
    ),
];

/// Check a request of `op` against the table: `Ok` when every constraint
/// holds (an operation not in the table has none), else AWS's
/// `ValidationException` naming every failure, or a
/// `SerializationException` for a member of the wrong type. Allocates
/// nothing unless it fails.
pub fn check(op: &str, req: &Req) -> Result<(), ApiError> {
    let Some((_, members)) = OPERATIONS.iter().find(|(name, _)| *name == op) else {
        return Ok(());
    };
    let mut failures = Vec::new();
    check_members(members, &req.0, Path::Root, &mut failures)?;
    match failures.len() {
        0 => Ok(()),
        1 => Err(ApiError::new(
            "ValidationException",
            format!("1 validation error detected: {}", failures.join("; ")),
        )),
        n => Err(ApiError::new(
            "ValidationException",
            format!("{n} validation errors detected: {}", failures.join("; ")),
        )),
    }
}

/// Where a member sits in the request, written out only for a message.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Member(&'a Path<'a>, &'static str),
    /// A list's item, 0-based here, 1-based in messages.
    Item(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Member(Path::Root, name) => f.write_str(name),
            Path::Member(parent, name) => write!(f, "{parent}.{name}"),
            Path::Item(parent, i) => write!(f, "{parent}.{}.member", i + 1),
        }
    }
}

fn check_members(
    members: &[Member],
    object: &Map<String, Value>,
    path: Path<'_>,
    failures: &mut Vec<String>,
) -> Result<(), ApiError> {
    for m in members {
        let here = Path::Member(&path, m.name);
        match object.get(m.name) {
            None | Some(Value::Null) if m.required => failures.push(format!(
                "Value null at '{here}' failed to satisfy constraint: Member must not be null"
            )),
            None | Some(Value::Null) => {}
            Some(v) => check_value(m.shape, v, here, failures)?,
        }
    }
    Ok(())
}

/// One failure in AWS's words; `value` is None for a sensitive member.
fn failure(value: Option<&str>, path: Path<'_>, constraint: impl fmt::Display) -> String {
    match value {
        Some(v) => format!("Value '{v}' at '{path}' failed to satisfy constraint: {constraint}"),
        None => format!("Value at '{path}' failed to satisfy constraint: {constraint}"),
    }
}

fn wrong_type(path: Path<'_>, what: &str) -> ApiError {
    Req::wrong_type(&path.to_string(), what)
}

/// One constraint of a string, written as AWS writes it.
#[derive(Clone, Copy)]
enum Rule {
    MaxLength(usize),
    MinLength(usize),
    Matches(Pattern),
}

impl Rule {
    /// A string shape's constraints, in the order AWS lists them in its
    /// "Member must satisfy constraint: [...]" answers.
    // AWS is silent on the order of several failures of one value (its
    // answers of other services show both orders); this is the same order.
    fn of(min: usize, max: Option<usize>, pattern: Option<Pattern>) -> impl Iterator<Item = Rule> {
        let min = (min > 0).then_some(Rule::MinLength(min));
        max.map(Rule::MaxLength)
            .into_iter()
            .chain(min)
            .chain(pattern.map(Rule::Matches))
    }

    fn holds(self, s: &str) -> bool {
        // A string has at most as many characters as bytes and at least a
        // quarter as many, so most strings need no count.
        // AWS is silent on whether it counts code points or UTF-16 units;
        // these are code points.
        match self {
            Rule::MaxLength(max) => s.len() <= max || s.chars().count() <= max,
            Rule::MinLength(min) => s.len() / 4 >= min || s.chars().count() >= min,
            Rule::Matches(p) => p.matches(s),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::MaxLength(n) => write!(f, "Member must have length less than or equal to {n}"),
            Rule::MinLength(n) => write!(f, "Member must have length greater than or equal to {n}"),
            Rule::Matches(p) => write!(
                f,
                "Member must satisfy regular expression pattern: {}",
                p.regex()
            ),
        }
    }
}

fn check_value(
    shape: &Shape,
    v: &Value,
    path: Path<'_>,
    failures: &mut Vec<String>,
) -> Result<(), ApiError> {
    match shape {
        Shape::Str {
            min,
            max,
            pattern,
            sensitive,
        } => {
            let s = v.as_str().ok_or_else(|| wrong_type(path, "a string"))?;
            let shown = (!sensitive).then_some(s);
            for rule in Rule::of(*min, *max, *pattern).filter(|r| !r.holds(s)) {
                failures.push(failure(shown, path, rule));
            }
        }
        Shape::Enum(values) => {
            let s = v.as_str().ok_or_else(|| wrong_type(path, "a string"))?;
            if !values.contains(&s) {
                let set = values.join(", ");
                let c = format!("Member must satisfy enum value set: [{set}]");
                failures.push(failure(Some(s), path, c));
            }
        }
        Shape::Int { min, max } => {
            let n = v.as_i64().ok_or_else(|| wrong_type(path, "an integer"))?;
            if let Some(max) = max.filter(|&max| n > max) {
                let c = format!("Member must have value less than or equal to {max}");
                failures.push(failure(Some(&n.to_string()), path, c));
            }
            if let Some(min) = min.filter(|&min| n < min) {
                let c = format!("Member must have value greater than or equal to {min}");
                failures.push(failure(Some(&n.to_string()), path, c));
            }
        }
        Shape::Float { min, max } => {
            let x = v.as_f64().ok_or_else(|| wrong_type(path, "a number"))?;
            if x > *max {
                let c = format!("Member must have value less than or equal to {max}");
                failures.push(failure(Some(&java_float(x)), path, c));
            }
            if x < *min {
                let c = format!("Member must have value greater than or equal to {min}");
                failures.push(failure(Some(&java_float(x)), path, c));
            }
        }
        Shape::Bool => {
            if !v.is_boolean() {
                return Err(wrong_type(path, "a boolean"));
            }
        }
        Shape::List { min, max, item } => {
            let items = v.as_array().ok_or_else(|| wrong_type(path, "a list"))?;
            if let Some(max) = max.filter(|&max| items.len() > max) {
                let c = format!("Member must have length less than or equal to {max}");
                failures.push(failure(Some(&java_text(v, shape)), path, c));
            }
            if items.len() < *min {
                let c = format!("Member must have length greater than or equal to {min}");
                failures.push(failure(Some(&java_text(v, shape)), path, c));
            }
            check_items(items, item, v, shape, path, failures)?;
        }
        Shape::Struct { members, .. } => {
            let object = v
                .as_object()
                .ok_or_else(|| wrong_type(path, "a structure"))?;
            check_members(members, object, path, failures)?;
        }
    }
    Ok(())
}

/// A list's items: a structure's members each under `list.N.member`; a
/// list of strings as a whole, naming all the constraints of its items.
fn check_items(
    items: &[Value],
    item: &Shape,
    list: &Value,
    list_shape: &Shape,
    path: Path<'_>,
    failures: &mut Vec<String>,
) -> Result<(), ApiError> {
    let Shape::Str {
        min,
        max,
        pattern,
        sensitive,
    } = item
    else {
        for (i, v) in items.iter().enumerate() {
            let here = Path::Item(&path, i);
            match v {
                // AWS is silent on a null item of a list of structures.
                Value::Null => failures.push(format!(
                    "Value null at '{here}' failed to satisfy constraint: Member must not be null"
                )),
                v => check_value(item, v, here, failures)?,
            }
        }
        return Ok(());
    };
    let mut broken = false;
    for (i, v) in items.iter().enumerate() {
        match v {
            Value::Null => broken = true,
            v => {
                let s = v
                    .as_str()
                    .ok_or_else(|| wrong_type(Path::Item(&path, i), "a string"))?;
                broken |= Rule::of(*min, *max, *pattern).any(|r| !r.holds(s));
            }
        }
    }
    if broken {
        // AWS is silent on whether one message covers every bad item (as
        // here) or each has its own.
        let all: Vec<String> = Rule::of(*min, *max, *pattern)
            .map(|r| r.to_string())
            .chain(["Member must not be null".to_string()])
            .collect();
        let c = format!("Member must satisfy constraint: [{}]", all.join(", "));
        let text = java_text(list, list_shape);
        failures.push(failure((!sensitive).then_some(&text), path, c));
    }
    Ok(())
}

/// A value as AWS's messages show it: Java's `toString` of the request
/// object (`[a, b]` for a list, `Name(member=value, …)` for a structure).
fn java_text(v: &Value, shape: &Shape) -> String {
    match (v, shape) {
        (Value::String(s), _) => s.clone(),
        (Value::Number(n), Shape::Float { .. }) => java_float(n.as_f64().unwrap_or_default()),
        (Value::Array(items), Shape::List { item, .. }) => {
            let items: Vec<String> = items.iter().map(|v| java_text(v, item)).collect();
            format!("[{}]", items.join(", "))
        }
        (Value::Object(o), Shape::Struct { name, members }) => {
            let fields: Vec<String> = members
                .iter()
                .map(|m| {
                    let text = o
                        .get(m.name)
                        .map_or("null".into(), |v| java_text(v, m.shape));
                    format!("{}={text}", m.name)
                })
                .collect();
            format!("{name}({})", fields.join(", "))
        }
        (v, _) => v.to_string(),
    }
}

/// A float as Java prints it: `150.0`, `100.5`.
// AWS is silent here (no message with a float is on record); Java's
// `Float.toString` always shows a decimal point.
fn java_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e7 {
        format!("{x:.1}")
    } else {
        x.to_string()
    }
}

#[cfg(test)]
mod tests {
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
             Value null at 'output' failed to satisfy constraint: Member must not be null"
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

    fn compare_shape(
        model: &Value,
        name: &str,
        shape: &Shape,
        at: &str,
        problems: &mut Vec<String>,
    ) {
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
            } => {
                if ty != "string" || s.get("enum").is_some() {
                    differ(format!("a {ty}, not a string"));
                }
                if int("min").unwrap_or(0) as usize != *min
                    || int("max").map(|m| m as usize) != *max
                {
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
}
