//! Which Task resources AWS recognises.

/// The optimized service integrations (`arn:aws:states:::SERVICE:ACTION`).
/// `aws-sdk:*` integrations are open-ended and not listed.
const OPTIMIZED: &[(&str, &[&str])] = &[
    ("lambda", &["invoke"]),
    ("sns", &["publish"]),
    ("sqs", &["sendMessage"]),
    (
        "dynamodb",
        &["getItem", "putItem", "deleteItem", "updateItem"],
    ),
    ("states", &["startExecution"]),
    ("events", &["putEvents"]),
    ("apigateway", &["invoke"]),
    ("http", &["invoke"]),
    ("ecs", &["runTask"]),
    ("batch", &["submitJob"]),
    ("glue", &["startJobRun"]),
    ("databrew", &["startJobRun"]),
    (
        "athena",
        &[
            "startQueryExecution",
            "stopQueryExecution",
            "getQueryExecution",
            "getQueryResults",
        ],
    ),
    (
        "codebuild",
        &[
            "startBuild",
            "stopBuild",
            "batchDeleteBuilds",
            "batchGetReports",
            "startBuildBatch",
            "stopBuildBatch",
            "retryBuild",
            "retryBuildBatch",
            "deleteBuildBatch",
        ],
    ),
    (
        "eks",
        &[
            "createCluster",
            "deleteCluster",
            "createFargateProfile",
            "deleteFargateProfile",
            "createNodegroup",
            "deleteNodegroup",
            "runJob",
            "call",
        ],
    ),
    (
        "elasticmapreduce",
        &[
            "createCluster",
            "terminateCluster",
            "addStep",
            "cancelStep",
            "setClusterTerminationProtection",
            "modifyInstanceFleetByName",
            "modifyInstanceGroupByName",
        ],
    ),
    (
        "emr-containers",
        &[
            "startJobRun",
            "createVirtualCluster",
            "deleteVirtualCluster",
        ],
    ),
    (
        "emr-serverless",
        &[
            "createApplication",
            "startApplication",
            "stopApplication",
            "deleteApplication",
            "startJobRun",
            "cancelJobRun",
        ],
    ),
    (
        "sagemaker",
        &[
            "createTrainingJob",
            "createTransformJob",
            "createEndpoint",
            "createEndpointConfig",
            "createModel",
            "createHyperParameterTuningJob",
            "createLabelingJob",
            "createProcessingJob",
            "updateEndpoint",
        ],
    ),
    ("mediaconvert", &["createJob"]),
    ("bedrock", &["invokeModel", "createModelCustomizationJob"]),
    ("evidently", &["evaluateFeature"]),
];

/// Why a Task resource is refused, or `None` when it is fine.
pub(crate) fn check_resource(resource: &str, express: bool) -> Option<String> {
    let is_activity = resource.starts_with("arn:") && resource.contains(":activity:");
    if express {
        if is_activity {
            return Some("Express state machine does not support Activity ARN".into());
        }
        if resource.ends_with(".sync") || resource.contains(".sync:") {
            return Some(
                "Express state machine does not support '.sync' service integration".into(),
            );
        }
        if resource.ends_with(".waitForTaskToken") {
            // AWS's message has two spaces before " at".
            return Some(
                "Express state machine does not support '.waitForTaskToken' service integration "
                    .into(),
            );
        }
    }
    let rest = resource.strip_prefix("arn:aws:states:::")?;
    let (service, action) = rest.split_once(':')?;
    if service == "aws-sdk" {
        return None;
    }
    let action = action.split('.').next().unwrap_or(action);
    let known = OPTIMIZED
        .iter()
        .any(|(s, actions)| *s == service && actions.contains(&action));
    (!known).then(|| {
        format!("The resource provided {resource} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.")
    })
}
