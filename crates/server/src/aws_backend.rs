//! AWS service integrations in `stepwell serve` (`stepwell-aws`): the
//! [`TaskBackend`] that sends a Task's `dynamodb:*`, `sqs:sendMessage`,
//! `sns:publish`, `events:putEvents` or `aws-sdk:SERVICE:ACTION` call to
//! the endpoint the AWS SDKs' standard variables name (an emulator, this
//! server itself, or AWS), and runs the jobs of `.sync` Tasks (Glue,
//! Athena, ECS, Batch, CodeBuild; see `jobs`). On only with
//! `--aws-integrations`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

use stepwell_aws::Caller;
use stepwell_core::TaskRequest;

use crate::dispatch::{JobPoll, TaskBackend, TaskResult};

type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Runs service-integration Tasks with [`stepwell_aws::Client`].
pub struct AwsBackend {
    client: Arc<stepwell_aws::Client>,
}

impl AwsBackend {
    /// Credentials from the AWS SDKs' default chain (environment, shared
    /// files, container endpoint, IMDS), calls in `region`.
    pub fn from_env(region: &str) -> AwsBackend {
        let client = stepwell_aws::Client::from_env(region);
        match client.credentials_source() {
            Ok(source) => {
                tracing::info!(credentials = %source, "AWS service integrations are on")
            }
            Err(why) => tracing::warn!(
                "AWS service integrations are on, but they have no credentials ({why}): their Tasks will fail"
            ),
        }
        for service in stepwell_aws::SERVICES {
            tracing::debug!(service = service.sdk_resource, endpoint = %client.endpoint_of(service), "AWS endpoint");
        }
        AwsBackend {
            client: Arc::new(client),
        }
    }
}

impl TaskBackend for AwsBackend {
    fn handles(&self, resource: &str) -> bool {
        stepwell_aws::Client::handles(resource)
    }

    fn run(&self, task: &TaskRequest) -> Boxed<TaskResult> {
        let client = self.client.clone();
        let task = task.clone();
        Box::pin(async move {
            let caller = Caller {
                execution_arn: &task.execution_arn,
                state_machine_arn: &task.state_machine_arn,
            };
            client.run(&task.resource, &task.payload, caller).await
        })
    }

    fn handles_job(&self, resource: &str) -> bool {
        stepwell_aws::Client::handles_job(resource)
    }

    fn submit_job(&self, task: &TaskRequest, key: String) -> Boxed<TaskResult> {
        let client = self.client.clone();
        let (resource, parameters) = (task.resource.clone(), task.payload.clone());
        Box::pin(async move { client.submit_job(&resource, &parameters, &key).await })
    }

    fn poll_job(&self, resource: String, submitted: Arc<Value>) -> Boxed<JobPoll> {
        let client = self.client.clone();
        Box::pin(async move { client.poll_job(&resource, &submitted).await })
    }

    fn stop_job(
        &self,
        resource: String,
        submitted: Arc<Value>,
    ) -> Boxed<Result<bool, (String, String)>> {
        let client = self.client.clone();
        Box::pin(async move { client.stop_job(&resource, &submitted).await })
    }
}
