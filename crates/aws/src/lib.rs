//! AWS service integrations for Task states: the request a Task with
//! `arn:aws:states:::dynamodb:putItem`, `sqs:sendMessage`, `sns:publish`,
//! `events:putEvents` or `aws-sdk:SERVICE:ACTION` makes, signed with SigV4,
//! sent to real AWS or to an emulator (LocalStack, DynamoDB Local, moto,
//! Stepwell itself), and its answer as AWS gives it to the state machine:
//! the result's shape, or the error's name and cause. The Run a Job
//! (`.sync`) integrations of Glue, Athena, ECS, Batch and CodeBuild are
//! [`parse_job`]'s: their submit, describe and stop calls, and what a
//! description means ([`poll_result`]); the caller polls.
//!
//! Endpoints and credentials follow the AWS SDKs' standard configuration:
//! `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then
//! `https://<prefix>.<region>.amazonaws.com`; credentials from the SDKs'
//! default provider chain (environment keys, the shared files' profile
//! with `credential_process`, SSO, assumed roles and web identity, the
//! ECS/EKS container endpoint, EC2's IMDSv2), temporary ones cached and
//! refreshed before they expire: see [`credentials`].
//!
//! The pure parts ([`parse_resource`], [`prepare`], [`with_caller`],
//! [`sign_request`], [`task_result`]) take everything as arguments; [`Client`] reads the
//! environment and sends with `stepwell_lambda::http` (the crate knows
//! nothing of the server).
//!
//! ```no_run
//! # async fn demo() {
//! let client = stepwell_aws::Client::from_env("us-east-1");
//! let resource = "arn:aws:states:::aws-sdk:sfn:listStateMachines";
//! assert!(stepwell_aws::Client::handles(resource));
//! // The execution the Task runs in (the optimized EventBridge
//! // integration names it in each entry's Resources).
//! let caller = stepwell_aws::Caller {
//!     execution_arn: "arn:aws:states:us-east-1:123456789012:execution:M:e",
//!     state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:M",
//! };
//! let result = client.run(resource, &serde_json::json!({}), caller).await;
//! # }
//! ```

pub mod credentials;
mod jobs;
mod model;
mod request;
mod response;
mod s3;
mod services;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::Full;
use serde_json::Value;

pub use credentials::{Credentials, CredentialsCache};
pub use jobs::{
    describe_call, is_transient, parse_job, poll_result, stop_call, submit_parameters,
    submitted_output, Job, JobTarget, Poll,
};
pub use request::{prepare, sign_request, with_caller, Caller, Prepared};
pub use response::{add_sdk_metadata, client_error, java_sdk_cause, task_result, Answer};
pub use services::{endpoint, parse_resource, Kind, Protocol, Service, Target, SERVICES};

/// `(error, cause)` as AWS names them.
pub type TaskError = (String, String);

/// How long one call may take (connect, send, read).
/// DIFFERENCE: AWS's own limit is not documented; the Task's
/// TimeoutSeconds still applies on top.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest response read (the Task's result is bounded again by the
/// interpreter's payload limit).
const MAX_RESPONSE: usize = 16 << 20;

/// Runs service-integration Tasks: reads the endpoint variables at each
/// call; the credential chain once, its credentials when they are needed
/// (shared by every call, see [`credentials`]).
#[derive(Debug, Clone)]
pub struct Client {
    region: String,
    credentials: Arc<CredentialsCache>,
}

impl Client {
    /// Credentials from the AWS SDKs' default chain for the process's
    /// environment (see [`credentials`]), calls to `region`.
    pub fn from_env(region: &str) -> Client {
        let env = |n: &str| std::env::var(n).ok();
        let resolved = credentials::resolve(&env, &|p| std::fs::read_to_string(p).ok());
        let sts = endpoint(&credentials::STS, region, env);
        Client {
            region: region.to_string(),
            credentials: Arc::new(CredentialsCache::new(resolved, region, &sts)),
        }
    }

    /// A client with these credentials (tests, embedding).
    pub fn new(region: &str, credentials: Option<Credentials>) -> Client {
        Client::with_cache(region, CredentialsCache::fixed(credentials))
    }

    /// A client whose credentials come from `cache`.
    pub fn with_cache(region: &str, cache: CredentialsCache) -> Client {
        Client {
            region: region.to_string(),
            credentials: Arc::new(cache),
        }
    }

    /// Where the credentials come from (for the log), or why there are
    /// none.
    pub fn credentials_source(&self) -> Result<String, String> {
        self.credentials.describe()
    }

    /// Whether `resource` is an integration this crate runs.
    pub fn handles(resource: &str) -> bool {
        parse_resource(resource).is_some()
    }

    /// Where `service` is called (from the current environment).
    pub fn endpoint_of(&self, service: &Service) -> String {
        endpoint(service, &self.region, |n| std::env::var(n).ok())
    }

    /// Makes the call `resource` names with `parameters` for a Task of the
    /// `caller` execution: the Task's result, or `(error, cause)`.
    pub async fn run(
        &self,
        resource: &str,
        parameters: &Value,
        caller: Caller<'_>,
    ) -> Result<Value, TaskError> {
        let Some(target) = parse_resource(resource) else {
            return Err((
                "States.Runtime".into(),
                format!("{resource} is not a service integration Stepwell runs"),
            ));
        };
        let parameters = with_caller(&target, parameters, caller);
        self.call(&target, &parameters).await
    }

    /// Whether `resource` is a Run a Job (`.sync`) integration this crate
    /// runs ([`Self::submit_job`], [`Self::poll_job`], [`Self::stop_job`]).
    pub fn handles_job(resource: &str) -> bool {
        parse_job(resource).is_some()
    }

    /// Submits the job of the `.sync` Task `resource`: what `TaskSubmitted`
    /// records, or the Task's error. `key` is unique to the Task's attempt
    /// (and the same after a restart).
    pub async fn submit_job(
        &self,
        resource: &str,
        parameters: &Value,
        key: &str,
    ) -> Result<Value, TaskError> {
        let Some(job) = parse_job(resource) else {
            return Err((
                "States.Runtime".into(),
                format!("{resource} is not a .sync integration Stepwell runs"),
            ));
        };
        let params = submit_parameters(job.job, parameters, key);
        let result = self.call(&job.submit, &params).await?;
        submitted_output(job.job, &params, result)
    }

    /// Describes the job that `submitted` (the recorded submission) names.
    pub async fn poll_job(&self, resource: &str, submitted: &Value) -> Poll {
        let Some(job) = parse_job(resource) else {
            return Poll::Done(Err((
                "States.Runtime".into(),
                format!("{resource} is not a .sync integration Stepwell runs"),
            )));
        };
        let (target, params) = match describe_call(job.job, submitted) {
            Ok(call) => call,
            Err(e) => return Poll::Done(Err(e)),
        };
        match self.call(&target, &params).await {
            Ok(described) => poll_result(job.job, described),
            Err(e) if is_transient(&e) => Poll::Again(e),
            Err(e) => Poll::Done(Err(e)),
        }
    }

    /// Stops the job that `submitted` names (the Task was stopped or timed
    /// out). `Ok(false)`: there is nothing to name the job by.
    pub async fn stop_job(&self, resource: &str, submitted: &Value) -> Result<bool, TaskError> {
        let Some(job) = parse_job(resource) else {
            return Ok(false);
        };
        let Some((target, params)) = stop_call(job.job, submitted) else {
            return Ok(false);
        };
        self.call(&target, &params).await.map(|_| true)
    }

    /// Makes one call: the answer as the Task gets it, or `(error, cause)`.
    pub async fn call(&self, target: &Target, parameters: &Value) -> Result<Value, TaskError> {
        let url = self.endpoint_of(target.service);
        let mut prepared = prepare(target, parameters, &url)?;
        let credentials = match self.credentials.get(SystemTime::now()).await {
            Ok(c) => c,
            // DIFFERENCE: AWS calls with the state machine's role; with
            // no credentials here the call is not made.
            Err(e) => {
                return Err((
                    "States.TaskFailed".into(),
                    format!(
                        "Unable to load AWS credentials for the {} {} call: {e}",
                        target.service.sdk_name, target.action
                    ),
                ))
            }
        };
        sign_request(
            &mut prepared,
            &credentials,
            &self.region,
            target.service.signing_name,
            SystemTime::now(),
        )
        .map_err(|e| ("States.Runtime".to_string(), e))?;
        let mut builder = hyper::Request::builder()
            .method(prepared.method)
            .uri(&prepared.url);
        for (k, v) in &prepared.headers {
            builder = builder.header(k, v);
        }
        let request = builder
            .body(Full::new(Bytes::from(prepared.body)))
            .map_err(|e| {
                (
                    "States.Runtime".to_string(),
                    format!("cannot build the request to {}: {e}", prepared.url),
                )
            })?;
        let response = stepwell_lambda::http::send(request, CALL_TIMEOUT, MAX_RESPONSE)
            .await
            .map_err(|e| client_error(target, &unsent_message(&prepared.url, &e)))?;
        let answer = Answer {
            status: response.status.as_u16(),
            headers: response
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: response.body.to_vec(),
        };
        task_result(target, &answer)
    }
}

/// Why a call to `url` got no answer, as the AWS SDK for Java words it
/// after "Unable to execute HTTP request: ": a host name that does not
/// resolve is Java's `UnknownHostException` (`host: <the resolver's
/// words>`, LocalStack's recording of AWS,
/// tests/aws/services/stepfunctions/v2/error_handling/
/// test_task_service_sqs.snapshot.json, `test_send_message_no_such_queue`:
/// `no-such-queue-73e08fde: Name or service not known`); other failures
/// name the URL and our client's words.
/// DIFFERENCE: AWS sends `sqs:sendMessage` to the host of its `QueueUrl`;
/// here every call goes to the service's endpoint (so that calls meant for
/// an emulator never reach AWS), which is the host an unknown name is.
fn unsent_message(url: &str, error: &stepwell_lambda::http::SendError) -> String {
    let host = url
        .parse::<hyper::Uri>()
        .ok()
        .and_then(|u| u.host().map(str::to_string));
    match (error.unknown_host_reason(), host) {
        (Some(reason), Some(host)) => format!("{host}: {reason}"),
        _ => format!("{url} ({error})"),
    }
}

#[cfg(test)]
mod tests {
    use stepwell_lambda::http::SendError;

    use super::*;

    #[test]
    fn an_unknown_host_is_named_as_java_names_it() {
        let dns = SendError::Unreachable(
            "client error (Connect): dns error: failed to lookup address information: Name or service not known".into(),
        );
        assert_eq!(
            unsent_message("http://no-such-queue-73e08fde:4566/", &dns),
            "no-such-queue-73e08fde: Name or service not known"
        );
        let target = services::test_target("arn:aws:states:::sqs:sendMessage");
        assert_eq!(
            client_error(
                &target,
                &unsent_message("http://no-such-queue-73e08fde/", &dns)
            ),
            (
                "SQS.SdkClientException".to_string(),
                "Unable to execute HTTP request: no-such-queue-73e08fde: Name or service not known"
                    .to_string()
            )
        );
        let refused = SendError::Unreachable(
            "client error (Connect): tcp connect error: Connection refused (os error 111)".into(),
        );
        assert_eq!(
            unsent_message("http://127.0.0.1:9/", &refused),
            "http://127.0.0.1:9/ (client error (Connect): tcp connect error: Connection refused (os error 111))"
        );
    }
}
