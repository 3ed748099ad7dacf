//! The services Task states can call here: how each is named, signed,
//! reached and spoken to.

use stepwell_asl::IntegrationPattern;

/// How a service's API is spoken on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// awsJson1_0 / awsJson1_1: `POST /`, `X-Amz-Target: <prefix>.<Action>`,
    /// a JSON body both ways.
    Json {
        version: &'static str,
        target_prefix: &'static str,
    },
    /// The query protocol: a form-encoded `Action=...&Version=...` body,
    /// an XML response.
    Query { version: &'static str },
    /// Amazon S3's REST protocol: the object's path, headers, a raw body
    /// (only the actions in `S3_ACTIONS`).
    S3,
    /// restJson1 as AWS Batch speaks it: `POST /v1/<action in lower case>`,
    /// a JSON body both ways.
    RestJson,
}

/// The S3 actions run here (`aws-sdk:s3:getObject` …).
pub const S3_ACTIONS: &[&str] = &[
    "getObject",
    "putObject",
    "deleteObject",
    "headObject",
    "copyObject",
    "listObjects",
    "listObjectsV2",
    "listBuckets",
];

/// One AWS service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// The name in `arn:aws:states:::aws-sdk:<name>:<action>`.
    pub sdk_resource: &'static str,
    /// The name in an optimized integration's resource
    /// (`arn:aws:states:::<name>:<action>`), when there is one here.
    pub optimized_resource: Option<&'static str>,
    /// SigV4's service name (the credential scope).
    pub signing_name: &'static str,
    /// `https://<endpoint_prefix>.<region>.amazonaws.com`.
    pub endpoint_prefix: &'static str,
    /// `AWS_ENDPOINT_URL_<env_suffix>` (the SDKs' service id, upper case,
    /// spaces as underscores).
    pub env_suffix: &'static str,
    pub protocol: Protocol,
    /// The service's name in aws-sdk error names and causes (the AWS SDK
    /// for Java 2.x client's name: `DynamoDb`, `Sfn`, …).
    pub sdk_name: &'static str,
    /// Optimized integrations: the error name prefix (`DynamoDB`) and the
    /// service's name in causes (`AmazonDynamoDBv2`; AWS SDK for Java 1.x).
    pub optimized_names: Option<(&'static str, &'static str)>,
    /// The wire's member names are camelCase (the state machine writes
    /// them, and gets them back, in PascalCase).
    pub camel_case: bool,
    /// AWS's common errors this service's API model lists as its own
    /// exceptions (the others are raised as its base exception); from the
    /// API models (botocore 1.43.11's `service-2.json`, the shapes marked
    /// `exception`).
    pub modeled_common: &'static [&'static str],
    /// Of a camelCase service: the members (wire names) that are maps of
    /// the user's keys, which keep their case both ways (Batch's
    /// `parameters` and `tags`).
    /// DIFFERENCE: known by name, not from the API's model.
    pub string_maps: &'static [&'static str],
    /// The members (PascalCase) that are timestamps in the API model's
    /// outputs, given back as ISO 8601 by aws-sdk Tasks (the `model` module).
    pub timestamps: &'static [&'static str],
}

const fn json(version: &'static str, target_prefix: &'static str) -> Protocol {
    Protocol::Json {
        version,
        target_prefix,
    }
}

/// Every service Stepwell can call.
pub const SERVICES: &[Service] = &[
    Service {
        sdk_resource: "dynamodb",
        optimized_resource: Some("dynamodb"),
        signing_name: "dynamodb",
        endpoint_prefix: "dynamodb",
        env_suffix: "DYNAMODB",
        protocol: json("1.0", "DynamoDB_20120810"),
        sdk_name: "DynamoDb",
        optimized_names: Some(("DynamoDB", "AmazonDynamoDBv2")),
        camel_case: false,
        modeled_common: &["ThrottlingException"],
        string_maps: &[],
        timestamps: crate::model::DYNAMODB,
    },
    Service {
        sdk_resource: "sqs",
        optimized_resource: Some("sqs"),
        signing_name: "sqs",
        endpoint_prefix: "sqs",
        env_suffix: "SQS",
        // SQS's JSON protocol (the query protocol's successor).
        protocol: json("1.0", "AmazonSQS"),
        sdk_name: "Sqs",
        optimized_names: Some(("SQS", "AmazonSQS")),
        camel_case: false,
        modeled_common: &[],
        string_maps: &[],
        timestamps: &[],
    },
    Service {
        sdk_resource: "sns",
        optimized_resource: Some("sns"),
        signing_name: "sns",
        endpoint_prefix: "sns",
        env_suffix: "SNS",
        protocol: Protocol::Query {
            version: "2010-03-31",
        },
        sdk_name: "Sns",
        optimized_names: Some(("SNS", "AmazonSNS")),
        camel_case: false,
        modeled_common: &["ValidationException"],
        string_maps: &[],
        timestamps: &[],
    },
    Service {
        sdk_resource: "eventbridge",
        optimized_resource: Some("events"),
        signing_name: "events",
        endpoint_prefix: "events",
        env_suffix: "EVENTBRIDGE",
        protocol: json("1.1", "AWSEvents"),
        sdk_name: "EventBridge",
        optimized_names: Some(("EventBridge", "AmazonEventBridge")),
        camel_case: false,
        modeled_common: &["AccessDeniedException", "ThrottlingException"],
        string_maps: &[],
        timestamps: crate::model::EVENTBRIDGE,
    },
    Service {
        sdk_resource: "s3",
        optimized_resource: None,
        signing_name: "s3",
        endpoint_prefix: "s3",
        env_suffix: "S3",
        protocol: Protocol::S3,
        sdk_name: "S3",
        optimized_names: None,
        camel_case: false,
        modeled_common: &[],
        string_maps: &[],
        timestamps: &[],
    },
    Service {
        sdk_resource: "sfn",
        optimized_resource: None,
        signing_name: "states",
        endpoint_prefix: "states",
        env_suffix: "SFN",
        protocol: json("1.0", "AWSStepFunctions"),
        sdk_name: "Sfn",
        optimized_names: None,
        camel_case: true,
        modeled_common: &["ValidationException"],
        string_maps: &[],
        timestamps: crate::model::SFN,
    },
    Service {
        sdk_resource: "secretsmanager",
        optimized_resource: None,
        signing_name: "secretsmanager",
        endpoint_prefix: "secretsmanager",
        env_suffix: "SECRETS_MANAGER",
        protocol: json("1.1", "secretsmanager"),
        sdk_name: "SecretsManager",
        optimized_names: None,
        camel_case: false,
        modeled_common: &[],
        string_maps: &[],
        timestamps: crate::model::SECRETSMANAGER,
    },
    Service {
        sdk_resource: "ssm",
        optimized_resource: None,
        signing_name: "ssm",
        endpoint_prefix: "ssm",
        env_suffix: "SSM",
        protocol: json("1.1", "AmazonSSM"),
        sdk_name: "Ssm",
        optimized_names: None,
        camel_case: false,
        modeled_common: &[
            "AccessDeniedException",
            "ThrottlingException",
            "ValidationException",
        ],
        string_maps: &[],
        timestamps: crate::model::SSM,
    },
    Service {
        sdk_resource: "kinesis",
        optimized_resource: None,
        signing_name: "kinesis",
        endpoint_prefix: "kinesis",
        env_suffix: "KINESIS",
        protocol: json("1.1", "Kinesis_20131202"),
        sdk_name: "Kinesis",
        optimized_names: None,
        camel_case: false,
        modeled_common: &["AccessDeniedException", "ValidationException"],
        string_maps: &[],
        timestamps: crate::model::KINESIS,
    },
    Service {
        sdk_resource: "kms",
        optimized_resource: None,
        signing_name: "kms",
        endpoint_prefix: "kms",
        env_suffix: "KMS",
        protocol: json("1.1", "TrentService"),
        sdk_name: "Kms",
        optimized_names: None,
        camel_case: false,
        modeled_common: &[],
        string_maps: &[],
        timestamps: crate::model::KMS,
    },
    Service {
        sdk_resource: "cloudwatchlogs",
        optimized_resource: None,
        signing_name: "logs",
        endpoint_prefix: "logs",
        env_suffix: "CLOUDWATCH_LOGS",
        protocol: json("1.1", "Logs_20140328"),
        sdk_name: "CloudWatchLogs",
        optimized_names: None,
        camel_case: true,
        modeled_common: &[
            "AccessDeniedException",
            "ThrottlingException",
            "UnrecognizedClientException",
            "ValidationException",
        ],
        string_maps: &["tags"],
        timestamps: &[],
    },
    Service {
        sdk_resource: "glue",
        optimized_resource: Some("glue"),
        signing_name: "glue",
        endpoint_prefix: "glue",
        env_suffix: "GLUE",
        protocol: json("1.1", "AWSGlue"),
        sdk_name: "Glue",
        optimized_names: Some(("Glue", "AWSGlue")),
        camel_case: false,
        modeled_common: &[
            "AccessDeniedException",
            "ThrottlingException",
            "ValidationException",
        ],
        string_maps: &[],
        timestamps: crate::model::GLUE,
    },
    Service {
        sdk_resource: "athena",
        optimized_resource: Some("athena"),
        signing_name: "athena",
        endpoint_prefix: "athena",
        env_suffix: "ATHENA",
        protocol: json("1.1", "AmazonAthena"),
        sdk_name: "Athena",
        optimized_names: Some(("Athena", "AmazonAthena")),
        camel_case: false,
        modeled_common: &[],
        string_maps: &[],
        timestamps: crate::model::ATHENA,
    },
    Service {
        sdk_resource: "ecs",
        optimized_resource: Some("ecs"),
        signing_name: "ecs",
        endpoint_prefix: "ecs",
        env_suffix: "ECS",
        protocol: json("1.1", "AmazonEC2ContainerServiceV20141113"),
        sdk_name: "Ecs",
        optimized_names: Some(("ECS", "AmazonECS")),
        camel_case: true,
        modeled_common: &["AccessDeniedException"],
        string_maps: &[],
        timestamps: crate::model::ECS,
    },
    Service {
        sdk_resource: "batch",
        optimized_resource: Some("batch"),
        signing_name: "batch",
        endpoint_prefix: "batch",
        env_suffix: "BATCH",
        protocol: Protocol::RestJson,
        sdk_name: "Batch",
        optimized_names: Some(("Batch", "AWSBatch")),
        camel_case: true,
        modeled_common: &[],
        string_maps: &["parameters", "tags", "labels", "annotations"],
        timestamps: &[],
    },
    Service {
        sdk_resource: "codebuild",
        optimized_resource: Some("codebuild"),
        signing_name: "codebuild",
        endpoint_prefix: "codebuild",
        env_suffix: "CODEBUILD",
        protocol: json("1.1", "CodeBuild_20161006"),
        sdk_name: "CodeBuild",
        optimized_names: Some(("CodeBuild", "AWSCodeBuild")),
        camel_case: true,
        modeled_common: &[],
        string_maps: &[],
        timestamps: crate::model::CODEBUILD,
    },
];

/// The optimized integrations run here (request/response, and
/// `.waitForTaskToken` where AWS offers it).
pub const OPTIMIZED: &[(&str, &str)] = &[
    ("dynamodb", "getItem"),
    ("dynamodb", "putItem"),
    ("dynamodb", "deleteItem"),
    ("dynamodb", "updateItem"),
    ("sqs", "sendMessage"),
    ("sns", "publish"),
    ("events", "putEvents"),
    // The Run a Job (.sync) integrations' submit calls (see `jobs`), which
    // also run request/response.
    ("glue", "startJobRun"),
    ("athena", "startQueryExecution"),
    ("athena", "stopQueryExecution"),
    ("athena", "getQueryExecution"),
    ("athena", "getQueryResults"),
    ("ecs", "runTask"),
    ("batch", "submitJob"),
    ("codebuild", "startBuild"),
    ("codebuild", "stopBuild"),
    ("codebuild", "batchDeleteBuilds"),
    ("codebuild", "batchGetReports"),
];

/// Which kind of integration a resource names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `arn:aws:states:::dynamodb:putItem`
    Optimized,
    /// `arn:aws:states:::aws-sdk:dynamodb:putItem`
    Sdk,
}

/// A Task resource this crate runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    pub service: &'static Service,
    /// The API action as the wire names it (`PutItem`).
    pub action: String,
    /// `.waitForTaskToken`: the request is sent, the task's result comes
    /// later with SendTaskSuccess/SendTaskFailure.
    pub wait_for_token: bool,
}

/// The integration a Task resource names, when it is one of ours; `.sync`
/// patterns and unknown services or actions are not.
pub fn parse_resource(resource: &str) -> Option<Target> {
    let rest = resource.strip_prefix("arn:aws:states:::")?;
    let (rest, wait_for_token) = match rest.split_once('.') {
        None => (rest, false),
        Some((r, "waitForTaskToken")) => (r, true),
        Some(_) => return None,
    };
    let (kind, service, action) = match rest.strip_prefix("aws-sdk:") {
        Some(sdk) => {
            let (name, action) = sdk.split_once(':')?;
            let service = SERVICES.iter().find(|s| s.sdk_resource == name)?;
            if service.protocol == Protocol::S3 && !S3_ACTIONS.contains(&action) {
                return None;
            }
            (Kind::Sdk, service, action)
        }
        None => {
            let (name, action) = rest.split_once(':')?;
            if !OPTIMIZED.contains(&(name, action)) {
                return None;
            }
            // Callbacks only where AWS offers them (`stepwell_asl`'s table
            // of integrations, which validation refuses the others by).
            if wait_for_token
                && !stepwell_asl::integration_supports(
                    name,
                    action,
                    IntegrationPattern::WaitForTaskToken,
                )
            {
                return None;
            }
            let service = SERVICES
                .iter()
                .find(|s| s.optimized_resource == Some(name))?;
            (Kind::Optimized, service, action)
        }
    };
    if action.is_empty() || !action.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some(Target {
        kind,
        service,
        action: pascal(action),
        wait_for_token,
    })
}

/// `putItem` -> `PutItem`.
pub fn pascal(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// `StateMachineArn` -> `stateMachineArn`.
pub fn camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Step Functions Local's endpoint variables ("Step Functions Local
/// configuration options"), by the `env_suffix` of the service each
/// names. (`LAMBDA_ENDPOINT` is `stepwell-lambda`'s; SageMaker is not run
/// here.)
pub const SFN_LOCAL_ENDPOINTS: &[(&str, &str)] = &[
    ("DYNAMODB", "DYNAMODB_ENDPOINT"),
    ("SQS", "SQS_ENDPOINT"),
    ("SNS", "SNS_ENDPOINT"),
    ("GLUE", "GLUE_ENDPOINT"),
    ("ECS", "ECS_ENDPOINT"),
    ("BATCH", "BATCH_ENDPOINT"),
    ("SFN", "STEP_FUNCTIONS_ENDPOINT"),
];

/// Where `service` is reached: `AWS_ENDPOINT_URL_<SERVICE>`, then Step
/// Functions Local's variable for it (`SFN_LOCAL_ENDPOINTS`: one
/// service's setting before the one for all), then `AWS_ENDPOINT_URL`,
/// then AWS itself in `region` (`env` reads a variable).
pub fn endpoint(service: &Service, region: &str, env: impl Fn(&str) -> Option<String>) -> String {
    let set = |name: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    if let Some(url) = set(&format!("AWS_ENDPOINT_URL_{}", service.env_suffix)) {
        return url;
    }
    let sfn_local = SFN_LOCAL_ENDPOINTS
        .iter()
        .find(|(suffix, _)| *suffix == service.env_suffix);
    if let Some(url) = sfn_local.and_then(|(_, name)| set(name)) {
        return url;
    }
    if let Some(url) = set("AWS_ENDPOINT_URL") {
        return url;
    }
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://{}.{region}.{suffix}", service.endpoint_prefix)
}

/// Tests: the target of a resource that must be one of ours.
#[cfg(test)]
pub(crate) fn test_target(resource: &str) -> Target {
    match parse_resource(resource) {
        Some(t) => t,
        None => panic!("not a resource of ours: {resource}"),
    }
}

/// Tests: a service's answer.
#[cfg(test)]
pub(crate) fn test_answer(status: u16, headers: &[(&str, &str)], body: &str) -> crate::Answer {
    crate::Answer {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources() {
        // (resource, Some((kind, service, action, wait)) or None)
        type Want<'a> = Option<(Kind, &'a str, &'a str, bool)>;
        let rows: &[(&str, Want<'_>)] = &[
            (
                "arn:aws:states:::dynamodb:putItem",
                Some((Kind::Optimized, "dynamodb", "PutItem", false)),
            ),
            (
                "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                Some((Kind::Optimized, "sqs", "SendMessage", true)),
            ),
            (
                "arn:aws:states:::events:putEvents",
                Some((Kind::Optimized, "eventbridge", "PutEvents", false)),
            ),
            (
                "arn:aws:states:::aws-sdk:sfn:listStateMachines",
                Some((Kind::Sdk, "sfn", "ListStateMachines", false)),
            ),
            (
                "arn:aws:states:::aws-sdk:eventbridge:putEvents",
                Some((Kind::Sdk, "eventbridge", "PutEvents", false)),
            ),
            (
                "arn:aws:states:::aws-sdk:sns:publish.waitForTaskToken",
                Some((Kind::Sdk, "sns", "Publish", true)),
            ),
            (
                "arn:aws:states:::aws-sdk:s3:getObject",
                Some((Kind::Sdk, "s3", "GetObject", false)),
            ),
            (
                "arn:aws:states:::aws-sdk:s3:listObjectsV2",
                Some((Kind::Sdk, "s3", "ListObjectsV2", false)),
            ),
            ("arn:aws:states:::aws-sdk:s3:createBucket", None),
            (
                "arn:aws:states:::glue:startJobRun",
                Some((Kind::Optimized, "glue", "StartJobRun", false)),
            ),
            (
                "arn:aws:states:::athena:getQueryResults",
                Some((Kind::Optimized, "athena", "GetQueryResults", false)),
            ),
            (
                "arn:aws:states:::ecs:runTask.waitForTaskToken",
                Some((Kind::Optimized, "ecs", "RunTask", true)),
            ),
            // AWS Batch has no callbacks ("Integrating optimized services").
            ("arn:aws:states:::batch:submitJob.waitForTaskToken", None),
            (
                "arn:aws:states:::aws-sdk:codebuild:listProjects",
                Some((Kind::Sdk, "codebuild", "ListProjects", false)),
            ),
            ("arn:aws:states:::glue:startJobRun.waitForTaskToken", None),
            (
                "arn:aws:states:::athena:startQueryExecution.waitForTaskToken",
                None,
            ),
            ("arn:aws:states:::glue:startJobRun.sync", None),
            ("arn:aws:states:::ecs:describeTasks", None),
            ("arn:aws:states:::dynamodb:putItem.waitForTaskToken", None),
            ("arn:aws:states:::dynamodb:scan", None),
            ("arn:aws:states:::aws-sdk:ec2:describeInstances", None),
            ("arn:aws:states:::aws-sdk:sfn:startExecution.sync", None),
            ("arn:aws:states:::aws-sdk:sfn:", None),
            ("arn:aws:states:::aws-sdk:sfn:list/x", None),
            ("arn:aws:states:::lambda:invoke", None),
            ("arn:aws:states:::http:invoke", None),
            ("arn:aws:lambda:us-east-1:123456789012:function:f", None),
        ];
        for (resource, want) in rows {
            let got = parse_resource(resource)
                .map(|t| (t.kind, t.service.sdk_resource, t.action, t.wait_for_token));
            let want = want.map(|(k, s, a, w)| (k, s, a.to_string(), w));
            assert_eq!(got, want, "{resource}");
        }
    }

    #[test]
    fn endpoints() {
        let dynamodb = &SERVICES[0];
        let sfn = SERVICES.iter().find(|s| s.sdk_resource == "sfn");
        let Some(sfn) = sfn else {
            panic!("no sfn");
        };
        // (service, region, variables, endpoint)
        type Vars<'a> = &'a [(&'a str, &'a str)];
        let rows: &[(&Service, &str, Vars<'_>, &str)] = &[
            (
                dynamodb,
                "eu-west-1",
                &[],
                "https://dynamodb.eu-west-1.amazonaws.com",
            ),
            (
                sfn,
                "us-east-2",
                &[],
                "https://states.us-east-2.amazonaws.com",
            ),
            (
                sfn,
                "cn-north-1",
                &[],
                "https://states.cn-north-1.amazonaws.com.cn",
            ),
            (
                dynamodb,
                "us-east-1",
                &[("AWS_ENDPOINT_URL", "http://localhost:4566")],
                "http://localhost:4566",
            ),
            (
                dynamodb,
                "us-east-1",
                &[
                    ("AWS_ENDPOINT_URL", "http://localhost:4566"),
                    ("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000"),
                ],
                "http://localhost:8000",
            ),
            (
                sfn,
                "us-east-1",
                &[
                    ("AWS_ENDPOINT_URL", " "),
                    ("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000"),
                ],
                "https://states.us-east-1.amazonaws.com",
            ),
            // Step Functions Local's variables: after the SDKs' one for
            // the service, before the one for all.
            (
                dynamodb,
                "us-east-1",
                &[
                    ("AWS_ENDPOINT_URL", "http://localhost:4566"),
                    ("DYNAMODB_ENDPOINT", "http://localhost:8000"),
                ],
                "http://localhost:8000",
            ),
            (
                dynamodb,
                "us-east-1",
                &[
                    ("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8001"),
                    ("DYNAMODB_ENDPOINT", "http://localhost:8000"),
                ],
                "http://localhost:8001",
            ),
            (
                sfn,
                "us-east-1",
                &[("STEP_FUNCTIONS_ENDPOINT", "http://localhost:8083")],
                "http://localhost:8083",
            ),
            (
                sfn,
                "us-east-1",
                &[("DYNAMODB_ENDPOINT", "http://localhost:8000")],
                "https://states.us-east-1.amazonaws.com",
            ),
        ];
        for (service, region, vars, want) in rows {
            let got = endpoint(service, region, |name| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            });
            assert_eq!(&got, want, "{} {vars:?}", service.sdk_resource);
        }
    }

    /// Every Step Functions Local variable names a service run here.
    #[test]
    fn sfn_local_endpoints_name_services() {
        for (suffix, name) in SFN_LOCAL_ENDPOINTS {
            assert!(
                SERVICES.iter().any(|s| s.env_suffix == *suffix),
                "{name}: no service {suffix}"
            );
        }
        for service in ["sqs", "sns", "glue", "ecs", "batch"] {
            let Some(s) = SERVICES.iter().find(|s| s.sdk_resource == service) else {
                panic!("no {service}");
            };
            let want = format!("{}_ENDPOINT", s.env_suffix);
            let got = endpoint(s, "us-east-1", |n| (n == want).then(|| "http://x".into()));
            assert_eq!(got, "http://x", "{service}");
        }
    }
}
