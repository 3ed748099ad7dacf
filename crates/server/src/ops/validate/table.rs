//! The table: every operation's input members and their shapes, in the
//! model's order, named after the model's shapes.

use super::{Member, Pattern, Shape};

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
        bytes: false,
    }
}

const fn sensitive(min: usize, max: usize) -> Shape {
    Shape::Str {
        min,
        max: Some(max),
        pattern: None,
        sensitive: true,
        bytes: false,
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
    bytes: false,
};
static DEFINITION: Shape = sensitive(1, 1_048_576);
/// The payload quota, in UTF-8 bytes: AWS answers "Member must have size
/// less than or equal to 262144 bytes in UTF-8 encoding" (as users
/// measured it for StartExecution's `input`; the model gives the length).
static SENSITIVE_DATA: Shape = Shape::Str {
    min: 0,
    max: Some(262_144),
    pattern: None,
    sensitive: true,
    bytes: true,
};
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
    bytes: false,
};
static CLIENT_TOKEN: Shape = Shape::Str {
    min: 1,
    max: Some(64),
    pattern: Some(Pattern::Printable),
    sensitive: false,
    bytes: false,
};
static REVISION_ID: Shape = Shape::Str {
    min: 0,
    max: None,
    pattern: None,
    sensitive: false,
    bytes: false,
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
