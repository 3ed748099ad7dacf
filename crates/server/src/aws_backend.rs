//! AWS service integrations in `stepwell serve` (`stepwell-aws`): the
//! [`TaskBackend`] that sends a Task's `dynamodb:*`, `sqs:sendMessage`,
//! `sns:publish`, `events:putEvents` or `aws-sdk:SERVICE:ACTION` call to
//! the endpoint the AWS SDKs' standard variables name (an emulator, this
//! server itself, or AWS). On only with `--aws-integrations`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

use crate::dispatch::{TaskBackend, TaskResult};

/// Runs service-integration Tasks with [`stepwell_aws::Client`].
pub struct AwsBackend {
    client: Arc<stepwell_aws::Client>,
}

impl AwsBackend {
    /// Credentials from the environment (or the shared credentials file),
    /// calls in `region`.
    pub fn from_env(region: &str) -> AwsBackend {
        let client = stepwell_aws::Client::from_env(region);
        match &client.credentials_source {
            Some(source) => {
                tracing::info!(credentials = %source, "AWS service integrations are on")
            }
            None => tracing::warn!(
                "AWS service integrations are on, but no AWS credentials were found (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE): their Tasks will fail"
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

    fn run(
        &self,
        resource: String,
        parameters: Arc<Value>,
    ) -> Pin<Box<dyn Future<Output = TaskResult> + Send>> {
        let client = self.client.clone();
        Box::pin(async move { client.run(&resource, &parameters).await })
    }
}
