//! AWS service integrations for Task states: the request a Task with
//! `arn:aws:states:::dynamodb:putItem`, `sqs:sendMessage`, `sns:publish`,
//! `events:putEvents` or `aws-sdk:SERVICE:ACTION` makes, signed with SigV4,
//! sent to real AWS or to an emulator (LocalStack, DynamoDB Local, moto,
//! Stepwell itself), and its answer as AWS gives it to the state machine:
//! the result's shape, or the error's name and cause.
//!
//! Endpoints and credentials follow the AWS SDKs' standard configuration:
//! `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then
//! `https://<prefix>.<region>.amazonaws.com`; `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, or the shared credentials
//! file's profile (`AWS_PROFILE`, `AWS_SHARED_CREDENTIALS_FILE`).
//!
//! The pure parts ([`parse_resource`], [`prepare`], [`sign_request`],
//! [`task_result`]) take everything as arguments; [`Client`] reads the
//! environment and sends with `stepwell_lambda::http` (the crate knows
//! nothing of the server).
//!
//! ```no_run
//! # async fn demo() {
//! let client = stepwell_aws::Client::from_env("us-east-1");
//! let resource = "arn:aws:states:::aws-sdk:sfn:listStateMachines";
//! assert!(stepwell_aws::Client::handles(resource));
//! let result = client.run(resource, &serde_json::json!({})).await;
//! # }
//! ```

mod request;
mod response;
mod services;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::Full;
use serde_json::Value;

pub use request::{prepare, sign_request, Prepared};
pub use response::{client_error, task_result, Answer};
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

/// AWS credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Where credentials come from: the environment's keys, else the shared
/// credentials file's profile. `env` reads a variable, `read` a file.
pub fn find_credentials(
    env: impl Fn(&str) -> Option<String>,
    read: impl Fn(&PathBuf) -> Option<String>,
) -> Option<(Credentials, String)> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if let (Some(id), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        let credentials = Credentials {
            access_key_id: id,
            secret_access_key: secret,
            session_token: var("AWS_SESSION_TOKEN"),
        };
        return Some((credentials, "the environment".into()));
    }
    let path = match var("AWS_SHARED_CREDENTIALS_FILE") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(var("HOME")?).join(".aws").join("credentials"),
    };
    let profile = var("AWS_PROFILE").unwrap_or_else(|| "default".into());
    let text = read(&path)?;
    let credentials = profile_credentials(&text, &profile)?;
    Some((
        credentials,
        format!("profile [{profile}] of {}", path.display()),
    ))
}

/// The keys of `[profile]` in a shared credentials file.
fn profile_credentials(text: &str, profile: &str) -> Option<Credentials> {
    let mut current = String::new();
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_string();
            continue;
        }
        if current != profile {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().to_string();
            match k.trim().to_ascii_lowercase().as_str() {
                "aws_access_key_id" => id = Some(v),
                "aws_secret_access_key" => secret = Some(v),
                "aws_session_token" => token = Some(v).filter(|t| !t.is_empty()),
                _ => {}
            }
        }
    }
    Some(Credentials {
        access_key_id: id?,
        secret_access_key: secret?,
        session_token: token,
    })
}

/// Runs service-integration Tasks: reads the endpoint variables at each
/// call, the credentials once.
#[derive(Debug, Clone)]
pub struct Client {
    region: String,
    credentials: Option<Credentials>,
    /// Where the credentials came from (for the log).
    pub credentials_source: Option<String>,
}

impl Client {
    /// Credentials from the process's environment (or shared file), calls
    /// to `region`.
    pub fn from_env(region: &str) -> Client {
        let found = find_credentials(
            |n| std::env::var(n).ok(),
            |p| std::fs::read_to_string(p).ok(),
        );
        let (credentials, credentials_source) = match found {
            Some((c, source)) => (Some(c), Some(source)),
            None => (None, None),
        };
        Client {
            region: region.to_string(),
            credentials,
            credentials_source,
        }
    }

    /// A client with these credentials (tests, embedding).
    pub fn new(region: &str, credentials: Option<Credentials>) -> Client {
        Client {
            region: region.to_string(),
            credentials,
            credentials_source: None,
        }
    }

    /// Whether `resource` is an integration this crate runs.
    pub fn handles(resource: &str) -> bool {
        parse_resource(resource).is_some()
    }

    /// Where `service` is called (from the current environment).
    pub fn endpoint_of(&self, service: &Service) -> String {
        endpoint(service, &self.region, |n| std::env::var(n).ok())
    }

    /// Makes the call `resource` names with `parameters`: the Task's
    /// result, or `(error, cause)`.
    pub async fn run(&self, resource: &str, parameters: &Value) -> Result<Value, TaskError> {
        let Some(target) = parse_resource(resource) else {
            return Err((
                "States.Runtime".into(),
                format!("{resource} is not a service integration Stepwell runs"),
            ));
        };
        let url = self.endpoint_of(target.service);
        let mut prepared = prepare(&target, parameters, &url)?;
        let Some(credentials) = &self.credentials else {
            // DIFFERENCE: AWS calls with the state machine's role; with
            // no credentials here the call is not made.
            return Err((
                "States.TaskFailed".into(),
                format!(
                    "Unable to load AWS credentials for the {} {} call: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE and ~/.aws/credentials) before starting stepwell serve",
                    target.service.sdk_name, target.action
                ),
            ));
        };
        sign_request(
            &mut prepared,
            credentials,
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
            .map_err(|e| client_error(&target, &format!("{} ({e})", prepared.url)))?;
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
        task_result(&target, &answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials() {
        let file = "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\n# comment\n[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=s2\naws_session_token=t2\n[broken]\naws_access_key_id=X\n";
        // (variables, id, token, source contains) or no credentials
        type Vars<'a> = &'a [(&'a str, &'a str)];
        type Want<'a> = Option<(&'a str, Option<&'a str>, &'a str)>;
        let rows: &[(Vars<'_>, Want<'_>)] = &[
            (
                &[
                    ("AWS_ACCESS_KEY_ID", "AKIDENV"),
                    ("AWS_SECRET_ACCESS_KEY", "s"),
                    ("HOME", "/h"),
                ],
                Some(("AKIDENV", None, "environment")),
            ),
            (
                &[
                    ("AWS_ACCESS_KEY_ID", "AKIDENV"),
                    ("AWS_SECRET_ACCESS_KEY", "s"),
                    ("AWS_SESSION_TOKEN", "tok"),
                ],
                Some(("AKIDENV", Some("tok"), "environment")),
            ),
            (
                &[("HOME", "/h")],
                Some(("AKIDDEFAULT", None, "/h/.aws/credentials")),
            ),
            (
                &[("HOME", "/h"), ("AWS_PROFILE", "dev")],
                Some(("AKIDDEV", Some("t2"), "profile [dev]")),
            ),
            (
                &[
                    ("AWS_SHARED_CREDENTIALS_FILE", "/h/.aws/credentials"),
                    ("AWS_PROFILE", "dev"),
                ],
                Some(("AKIDDEV", Some("t2"), "profile [dev]")),
            ),
            (&[("HOME", "/h"), ("AWS_PROFILE", "broken")], None),
            (&[("HOME", "/h"), ("AWS_PROFILE", "missing")], None),
            (&[("HOME", "/elsewhere")], None),
            (&[("AWS_ACCESS_KEY_ID", "AKIDENV")], None),
        ];
        for (vars, want) in rows {
            let got = find_credentials(
                |n| {
                    vars.iter()
                        .find(|(k, _)| *k == n)
                        .map(|(_, v)| v.to_string())
                },
                |p| (p == &PathBuf::from("/h/.aws/credentials")).then(|| file.to_string()),
            );
            match (got, want) {
                (None, None) => {}
                (Some((c, source)), Some((id, token, src))) => {
                    assert_eq!(c.access_key_id, *id, "{vars:?}");
                    assert_eq!(c.session_token.as_deref(), *token, "{vars:?}");
                    assert!(source.contains(src), "{vars:?}: {source}");
                }
                (got, want) => panic!("{vars:?}: got {got:?}, want {want:?}"),
            }
        }
    }
}
