//! Which Task resources AWS recognises: each optimized integration
//! (`arn:aws:states:::SERVICE:ACTION`) with the integration patterns AWS
//! offers for it, and the patterns of the AWS SDK integrations
//! (`arn:aws:states:::aws-sdk:SERVICE:ACTION`).
//!
//! Source: the Step Functions Developer Guide, "Integrating optimized
//! services with Step Functions" (its table of patterns per service) and
//! each service's page ("Call Athena…", "Manage AWS CodeBuild builds…",
//! "Call Amazon EMR…", "Create and manage Amazon SageMaker AI jobs…",
//! "Invoke and customize Amazon Bedrock models…", …), which list the
//! actions and which of them take `.sync`. Where the table and a service's
//! page disagree (EKS's and Bedrock's callbacks: the table says Standard,
//! EKS's page says not supported) the resource is accepted, so that nothing
//! AWS may run is refused. `codebuild:retryBuild` and
//! `evidently:evaluateFeature`, on no current page, stay accepted as
//! request-response.

/// An integration pattern, chosen by the suffix of a Task's resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrationPattern {
    /// No suffix: call the API and go on with its answer.
    RequestResponse,
    /// `.sync`: run a job and wait for it to end.
    Sync,
    /// `.sync:2`: `states:startExecution` only, the child's output as JSON.
    Sync2,
    /// `.waitForTaskToken`: wait for SendTaskSuccess/SendTaskFailure.
    WaitForTaskToken,
}

impl IntegrationPattern {
    /// The pattern a resource's suffix (what follows the action's first
    /// `.`, if anything) names, or `None` for a suffix AWS has not.
    pub fn from_suffix(suffix: Option<&str>) -> Option<IntegrationPattern> {
        match suffix {
            None => Some(IntegrationPattern::RequestResponse),
            Some("sync") => Some(IntegrationPattern::Sync),
            Some("sync:2") => Some(IntegrationPattern::Sync2),
            Some("waitForTaskToken") => Some(IntegrationPattern::WaitForTaskToken),
            Some(_) => None,
        }
    }

    const fn bit(self) -> u8 {
        match self {
            IntegrationPattern::RequestResponse => RR,
            IntegrationPattern::Sync => SYNC,
            IntegrationPattern::Sync2 => SYNC2,
            IntegrationPattern::WaitForTaskToken => TOKEN,
        }
    }
}

const RR: u8 = 1;
const SYNC: u8 = 1 << 1;
const SYNC2: u8 = 1 << 2;
const TOKEN: u8 = 1 << 3;

/// The AWS SDK integrations: request-response and callbacks, no `.sync`.
const AWS_SDK: u8 = RR | TOKEN;

/// The optimized integrations: (service, action, the patterns AWS offers).
const OPTIMIZED: &[(&str, &str, u8)] = &[
    ("apigateway", "invoke", RR | TOKEN),
    ("athena", "startQueryExecution", RR | SYNC),
    ("athena", "stopQueryExecution", RR),
    ("athena", "getQueryExecution", RR),
    ("athena", "getQueryResults", RR),
    ("batch", "submitJob", RR | SYNC),
    ("bedrock", "invokeModel", RR | TOKEN),
    ("bedrock", "createModelCustomizationJob", RR | SYNC | TOKEN),
    ("codebuild", "startBuild", RR | SYNC),
    ("codebuild", "stopBuild", RR),
    ("codebuild", "batchDeleteBuilds", RR),
    ("codebuild", "batchGetReports", RR),
    ("codebuild", "startBuildBatch", RR | SYNC),
    ("codebuild", "stopBuildBatch", RR),
    ("codebuild", "retryBuild", RR),
    ("codebuild", "retryBuildBatch", RR | SYNC),
    ("codebuild", "deleteBuildBatch", RR),
    ("databrew", "startJobRun", RR | SYNC),
    ("dynamodb", "getItem", RR),
    ("dynamodb", "putItem", RR),
    ("dynamodb", "deleteItem", RR),
    ("dynamodb", "updateItem", RR),
    ("ecs", "runTask", RR | SYNC | TOKEN),
    ("eks", "createCluster", RR | SYNC | TOKEN),
    ("eks", "deleteCluster", RR | SYNC | TOKEN),
    ("eks", "createFargateProfile", RR | SYNC | TOKEN),
    ("eks", "deleteFargateProfile", RR | SYNC | TOKEN),
    ("eks", "createNodegroup", RR | SYNC | TOKEN),
    ("eks", "deleteNodegroup", RR | SYNC | TOKEN),
    ("eks", "runJob", RR | SYNC | TOKEN),
    ("eks", "call", RR | TOKEN),
    ("elasticmapreduce", "createCluster", RR | SYNC),
    ("elasticmapreduce", "terminateCluster", RR | SYNC),
    ("elasticmapreduce", "addStep", RR | SYNC),
    ("elasticmapreduce", "cancelStep", RR),
    ("elasticmapreduce", "setClusterTerminationProtection", RR),
    ("elasticmapreduce", "modifyInstanceFleetByName", RR),
    ("elasticmapreduce", "modifyInstanceGroupByName", RR),
    ("emr-containers", "startJobRun", RR | SYNC),
    ("emr-containers", "createVirtualCluster", RR),
    ("emr-containers", "deleteVirtualCluster", RR | SYNC),
    ("emr-serverless", "createApplication", RR | SYNC),
    ("emr-serverless", "startApplication", RR | SYNC),
    ("emr-serverless", "stopApplication", RR | SYNC),
    ("emr-serverless", "deleteApplication", RR | SYNC),
    ("emr-serverless", "startJobRun", RR | SYNC),
    ("emr-serverless", "cancelJobRun", RR | SYNC),
    ("events", "putEvents", RR | TOKEN),
    ("evidently", "evaluateFeature", RR),
    ("glue", "startJobRun", RR | SYNC),
    ("http", "invoke", RR),
    ("lambda", "invoke", RR | TOKEN),
    ("mediaconvert", "createJob", RR | SYNC),
    ("sagemaker", "createEndpoint", RR),
    ("sagemaker", "createEndpointConfig", RR),
    ("sagemaker", "createHyperParameterTuningJob", RR | SYNC),
    ("sagemaker", "createLabelingJob", RR | SYNC),
    ("sagemaker", "createModel", RR),
    ("sagemaker", "createProcessingJob", RR | SYNC),
    ("sagemaker", "createTrainingJob", RR | SYNC),
    ("sagemaker", "createTransformJob", RR | SYNC),
    ("sagemaker", "updateEndpoint", RR),
    ("sns", "publish", RR | TOKEN),
    ("sqs", "sendMessage", RR | TOKEN),
    ("states", "startExecution", RR | SYNC | SYNC2 | TOKEN),
];

/// Whether AWS offers `pattern` for the optimized integration
/// `service:action` (`arn:aws:states:::SERVICE:ACTION`), or, with
/// `service` `aws-sdk`, for any AWS SDK integration (`action` is then
/// `SDKSERVICE:ACTION`, not checked here).
pub fn integration_supports(service: &str, action: &str, pattern: IntegrationPattern) -> bool {
    let patterns = if service == "aws-sdk" {
        Some(AWS_SDK)
    } else {
        OPTIMIZED
            .iter()
            .find(|(s, a, _)| *s == service && *a == action)
            .map(|(_, _, p)| *p)
    };
    patterns.is_some_and(|p| p & pattern.bit() != 0)
}

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
    let known = rest.split_once(':').is_some_and(|(service, action)| {
        let (action, suffix) = match action.split_once('.') {
            Some((action, suffix)) => (action, Some(suffix)),
            None => (action, None),
        };
        // An AWS SDK integration names a service and an action.
        let named = service != "aws-sdk"
            || action
                .split_once(':')
                .is_some_and(|(s, a)| !s.is_empty() && !a.is_empty());
        named
            && IntegrationPattern::from_suffix(suffix)
                .is_some_and(|pattern| integration_supports(service, action, pattern))
    });
    (!known).then(|| {
        format!("The resource provided {resource} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_RECOGNIZED: &str = "not recognized";
    const EXPRESS_SYNC: &str = "Express state machine does not support '.sync'";
    const EXPRESS_TOKEN: &str = "Express state machine does not support '.waitForTaskToken'";

    #[test]
    fn resources_and_their_patterns() {
        // Each row: the resource after `arn:aws:states:::` (`=`: the whole
        // resource), then None when accepted, else a part of the message.
        let standard: &[(&str, Option<&str>)] = &[
            // Request-response, callbacks and jobs AWS offers.
            ("lambda:invoke", None),
            ("lambda:invoke.waitForTaskToken", None),
            ("sqs:sendMessage.waitForTaskToken", None),
            ("sns:publish.waitForTaskToken", None),
            ("events:putEvents.waitForTaskToken", None),
            ("apigateway:invoke.waitForTaskToken", None),
            ("ecs:runTask", None),
            ("ecs:runTask.sync", None),
            ("ecs:runTask.waitForTaskToken", None),
            ("batch:submitJob.sync", None),
            ("glue:startJobRun.sync", None),
            ("athena:startQueryExecution.sync", None),
            ("codebuild:startBuild.sync", None),
            ("codebuild:retryBuildBatch.sync", None),
            ("elasticmapreduce:addStep.sync", None),
            ("eks:runJob.sync", None),
            ("sagemaker:createTrainingJob.sync", None),
            ("bedrock:createModelCustomizationJob.sync", None),
            ("states:startExecution", None),
            ("states:startExecution.sync", None),
            ("states:startExecution.sync:2", None),
            ("states:startExecution.waitForTaskToken", None),
            ("http:invoke", None),
            ("dynamodb:getItem", None),
            ("aws-sdk:s3:listBuckets", None),
            ("aws-sdk:s3:listBuckets.waitForTaskToken", None),
            // Not ARNs of an integration: checked elsewhere, if at all.
            ("=arn:aws:lambda:us-east-1:123456789012:function:f", None),
            ("=arn:aws:states:us-east-1:123456789012:activity:a", None),
            // Patterns AWS does not offer for the integration.
            ("lambda:invoke.sync", Some(NOT_RECOGNIZED)),
            ("lambda:invoke.sync:2", Some(NOT_RECOGNIZED)),
            ("dynamodb:getItem.waitForTaskToken", Some(NOT_RECOGNIZED)),
            ("dynamodb:putItem.sync", Some(NOT_RECOGNIZED)),
            ("aws-sdk:s3:listBuckets.sync", Some(NOT_RECOGNIZED)),
            ("aws-sdk:sfn:startExecution.sync:2", Some(NOT_RECOGNIZED)),
            ("http:invoke.sync", Some(NOT_RECOGNIZED)),
            ("http:invoke.waitForTaskToken", Some(NOT_RECOGNIZED)),
            ("batch:submitJob.waitForTaskToken", Some(NOT_RECOGNIZED)),
            ("glue:startJobRun.waitForTaskToken", Some(NOT_RECOGNIZED)),
            ("glue:startJobRun.sync:2", Some(NOT_RECOGNIZED)),
            ("athena:getQueryResults.sync", Some(NOT_RECOGNIZED)),
            (
                "athena:startQueryExecution.waitForTaskToken",
                Some(NOT_RECOGNIZED),
            ),
            ("codebuild:stopBuild.sync", Some(NOT_RECOGNIZED)),
            ("sagemaker:createModel.sync", Some(NOT_RECOGNIZED)),
            ("eks:call.sync", Some(NOT_RECOGNIZED)),
            ("sqs:sendMessage.sync", Some(NOT_RECOGNIZED)),
            ("events:putEvents.sync", Some(NOT_RECOGNIZED)),
            // Suffixes that are no pattern.
            ("lambda:invoke.foo", Some(NOT_RECOGNIZED)),
            ("lambda:invoke.", Some(NOT_RECOGNIZED)),
            ("states:startExecution.sync:3", Some(NOT_RECOGNIZED)),
            ("states:startExecution.sync.sync", Some(NOT_RECOGNIZED)),
            ("sqs:sendMessage.WaitForTaskToken", Some(NOT_RECOGNIZED)),
            // Unknown services and actions.
            ("dynamodb:query", Some(NOT_RECOGNIZED)),
            ("lambda:Invoke", Some(NOT_RECOGNIZED)),
            ("nope:invoke", Some(NOT_RECOGNIZED)),
            ("nothing", Some(NOT_RECOGNIZED)),
            ("aws-sdk:s3", Some(NOT_RECOGNIZED)),
            ("aws-sdk:s3:", Some(NOT_RECOGNIZED)),
        ];
        // EXPRESS: no jobs, no callbacks, whatever the integration.
        let express: &[(&str, Option<&str>)] = &[
            ("lambda:invoke", None),
            ("aws-sdk:s3:listBuckets", None),
            ("states:startExecution.sync", Some(EXPRESS_SYNC)),
            ("states:startExecution.sync:2", Some(EXPRESS_SYNC)),
            ("lambda:invoke.sync", Some(EXPRESS_SYNC)),
            ("sqs:sendMessage.waitForTaskToken", Some(EXPRESS_TOKEN)),
            ("lambda:invoke.foo", Some(NOT_RECOGNIZED)),
        ];
        let rows = standard
            .iter()
            .map(|row| (false, row))
            .chain(express.iter().map(|row| (true, row)));
        for (express, (resource, want)) in rows {
            let resource = match resource.strip_prefix('=') {
                Some(whole) => whole.to_string(),
                None => format!("arn:aws:states:::{resource}"),
            };
            let got = check_resource(&resource, express);
            match (want, &got) {
                (None, None) => {}
                (Some(part), Some(message)) if message.contains(part) => {}
                _ => panic!("{resource} (express: {express}): want {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn the_refusal_names_the_resource_in_aws_words() {
        let got = check_resource("arn:aws:states:::lambda:invoke.sync", false);
        assert_eq!(
            got.as_deref(),
            Some(
                "The resource provided arn:aws:states:::lambda:invoke.sync is not recognized. \
                 The value is not a valid resource ARN, or the resource is not available in \
                 this region."
            )
        );
    }

    #[test]
    fn every_optimized_integration_offers_request_response() {
        for (service, action, _) in OPTIMIZED {
            assert!(
                integration_supports(service, action, IntegrationPattern::RequestResponse),
                "{service}:{action}"
            );
        }
        // `.sync:2` is `states:startExecution`'s alone.
        let sync2: Vec<_> = OPTIMIZED
            .iter()
            .filter(|(s, a, _)| integration_supports(s, a, IntegrationPattern::Sync2))
            .map(|(s, a, _)| format!("{s}:{a}"))
            .collect();
        assert_eq!(sync2, ["states:startExecution"]);
    }
}
