//! `--lambda-endpoint`: invocations go to a Lambda Invoke API
//! (`POST /2015-03-31/functions/NAME/invocations`, e.g. SAM CLI's
//! `start-lambda` or LocalStack) instead of local processes, as AWS Step
//! Functions Local's `LAMBDA_ENDPOINT` does.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request};

use crate::client::{send, SendError};
use crate::{InvocationType, InvokeError, InvokeRequest, InvokeResponse};

/// The longest a function can run (15 minutes), plus a margin.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(15 * 60 + 30);
const MAX_PAYLOAD: usize = 6 * 1024 * 1024 + 1024;

#[derive(Debug)]
pub(crate) struct Forwarder {
    /// `http(s)://host:port` plus any path prefix, without a trailing slash.
    base: String,
    region: String,
    /// Another node of this cluster: its invocations are marked
    /// [`crate::SPILLED_HEADER`], so that node runs them itself.
    peer: bool,
    /// Signs the invocations (SigV4, service `lambda`) with this key.
    key: Option<InvokeKey>,
}

/// An access key the receiving API accepts: id, secret, session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeKey {
    pub id: String,
    pub secret: String,
    pub session_token: Option<String>,
}

/// What came of a forwarded invocation.
pub(crate) enum Forwarded {
    /// The endpoint answered (an error too is an answer), or the exchange
    /// broke after the request may have reached it.
    Answered(Result<InvokeResponse, InvokeError>),
    /// No connection could be made: the function did not run there.
    Unreachable(InvokeError),
}

impl Forwarder {
    pub(crate) fn new(endpoint: &str, region: &str) -> Result<Forwarder, String> {
        let base = endpoint.trim_end_matches('/').to_string();
        let uri: hyper::Uri = base
            .parse()
            .map_err(|e| format!("the Lambda endpoint `{endpoint}` is not a URL: {e}"))?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            _ => {
                return Err(format!(
                    "the Lambda endpoint `{endpoint}` must start with http:// or https://"
                ))
            }
        }
        if uri.host().is_none() {
            return Err(format!("the Lambda endpoint `{endpoint}` has no host"));
        }
        Ok(Forwarder {
            base,
            region: region.to_string(),
            peer: false,
            key: None,
        })
    }

    /// The Invoke API of another node sharing this node's store, which
    /// verifies signatures when `key` is given.
    pub(crate) fn peer(
        url: &str,
        region: &str,
        key: Option<InvokeKey>,
    ) -> Result<Forwarder, String> {
        let mut forwarder = Forwarder::new(url, region)?;
        forwarder.peer = true;
        forwarder.key = key;
        Ok(forwarder)
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    pub(crate) async fn invoke(
        &self,
        name: &str,
        request: &InvokeRequest,
    ) -> Result<InvokeResponse, InvokeError> {
        match self.try_invoke(name, request).await {
            Forwarded::Answered(answer) => answer,
            Forwarded::Unreachable(e) => Err(e),
        }
    }

    pub(crate) async fn try_invoke(&self, name: &str, request: &InvokeRequest) -> Forwarded {
        let mut url = format!(
            "{}/2015-03-31/functions/{}/invocations",
            self.base,
            crate::util::percent_encode(name)
        );
        if let Some(q) = &request.qualifier {
            url.push_str("?Qualifier=");
            url.push_str(&crate::util::percent_encode(q));
        }
        let invocation_type = match request.invocation_type {
            InvocationType::RequestResponse => "RequestResponse",
            InvocationType::Event => "Event",
            InvocationType::DryRun => "DryRun",
        };
        let date = time::OffsetDateTime::now_utc();
        let day = format!(
            "{:04}{:02}{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        );
        let log_type = if request.log_tail { "Tail" } else { "None" };
        let mut headers: Vec<(String, String)> = vec![
            ("content-type".into(), "application/json".into()),
            ("x-amz-invocation-type".into(), invocation_type.into()),
            ("x-amz-log-type".into(), log_type.into()),
        ];
        if self.peer {
            headers.push((crate::SPILLED_HEADER.into(), "1".into()));
        }
        if let Some(context) = &request.client_context {
            headers.push(("x-amz-client-context".into(), context.clone()));
        }
        match &self.key {
            Some(key) => match sign(key, &self.region, &url, &headers, &request.payload) {
                Ok(signed) => headers.extend(signed),
                Err(e) => return Forwarded::Unreachable(client_error(&e)),
            },
            // Unsigned, but shaped like SigV4 so emulators that read the
            // region and access key from it (LocalStack) can.
            None => headers.push((
                "authorization".into(),
                format!(
                    "AWS4-HMAC-SHA256 Credential=stepwell/{day}/{}/lambda/aws4_request, SignedHeaders=host, Signature=0",
                    self.region
                ),
            )),
        }
        let mut builder = Request::builder().method(Method::POST).uri(&url);
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        let http_request = match builder.body(Full::new(request.payload.clone())) {
            Ok(r) => r,
            Err(e) => {
                return Forwarded::Unreachable(client_error(&format!(
                    "Unable to build the request to {url}: {e}"
                )))
            }
        };
        let response = match send(http_request, INVOKE_TIMEOUT, MAX_PAYLOAD).await {
            Ok(response) => response,
            Err(SendError::TimedOut) => {
                return Forwarded::Answered(Err(client_error(&format!(
                    "Unable to execute HTTP request: Read timed out ({url})"
                ))))
            }
            Err(SendError::Unreachable(e)) => {
                return Forwarded::Unreachable(client_error(&format!(
                    "Unable to execute HTTP request: {e} ({url})"
                )))
            }
            Err(e) => {
                return Forwarded::Answered(Err(client_error(&format!(
                    "Unable to execute HTTP request: {e} ({url})"
                ))))
            }
        };
        Forwarded::Answered(answer(&response))
    }
}

/// The SigV4 headers (service `lambda`) of a POST of `body` to `url` with
/// `headers`.
fn sign(
    key: &InvokeKey,
    region: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Vec<(String, String)>, String> {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    let identity = aws_credential_types::Credentials::new(
        &key.id,
        &key.secret,
        key.session_token.clone(),
        None,
        "stepwell",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("lambda")
        .time(std::time::SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| format!("Unable to sign the request to {url}: {e}"))?
        .into();
    let signable = SignableRequest::new(
        "POST",
        url,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|e| format!("Unable to sign the request to {url}: {e}"))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| format!("Unable to sign the request to {url}: {e}"))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_string()))
        .collect())
}

/// An Invoke API answer as the response or the service error it is.
fn answer(response: &crate::client::HttpResponse) -> Result<InvokeResponse, InvokeError> {
    let header = |name: &str| {
        response
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let request_id = header("x-amzn-requestid").unwrap_or_else(crate::util::uuid_v4);
    let status = response.status.as_u16();
    if response.status.is_success() {
        return Ok(InvokeResponse {
            status_code: status,
            payload: response.body.clone(),
            function_error: header("x-amz-function-error"),
            executed_version: header("x-amz-executed-version")
                .unwrap_or_else(|| "$LATEST".to_string()),
            request_id,
            log_result: header("x-amz-log-result"),
            duration: None,
            pid: None,
        });
    }
    let (code, message) = service_error(header("x-amzn-errortype"), &response.body, status);
    Err(InvokeError {
        code,
        message,
        status,
        request_id,
    })
}

fn client_error(message: &str) -> InvokeError {
    InvokeError {
        code: "SdkClientException".into(),
        message: message.to_string(),
        status: 0,
        request_id: String::new(),
    }
}

/// The error code and message of a failed Invoke call: the code from
/// `X-Amzn-ErrorType` (`Code:detail`) or the body's `__type`/`Type`, the
/// message from the body's `message`/`Message`.
fn service_error(error_type: Option<String>, body: &Bytes, status: u16) -> (String, String) {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |names: &[&str]| {
        names.iter().find_map(|n| {
            parsed
                .as_ref()
                .and_then(|p| p.get(*n))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        })
    };
    let code = error_type
        .map(|t| t.split(':').next().unwrap_or_default().to_string())
        .filter(|t| !t.is_empty())
        .or_else(|| field(&["__type", "code", "Code"]))
        .map(|t| t.rsplit('#').next().unwrap_or_default().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| match status {
            404 => "ResourceNotFoundException".into(),
            429 => "TooManyRequestsException".into(),
            400..=499 => "AWSLambdaException".into(),
            _ => "ServiceException".into(),
        });
    let message = field(&["message", "Message", "errorMessage"])
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    (code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_http_or_https() {
        assert!(Forwarder::new("http://127.0.0.1:3001", "us-east-1").is_ok());
        assert!(Forwarder::new("https://example.com", "us-east-1").is_ok());
        assert!(Forwarder::new("ftp://example.com", "us-east-1").is_err());
        assert!(Forwarder::new("localhost:3001", "us-east-1").is_err());
    }

    #[test]
    fn service_errors_read_the_type_header_then_the_body() {
        let body = Bytes::from_static(br#"{"Type":"User","Message":"Function not found: x"}"#);
        assert_eq!(
            service_error(
                Some("ResourceNotFoundException:http://internal".into()),
                &body,
                404
            ),
            (
                "ResourceNotFoundException".into(),
                "Function not found: x".into()
            )
        );
        let body = Bytes::from_static(
            br#"{"__type":"com.amazon#TooManyRequestsException","message":"Rate Exceeded."}"#,
        );
        assert_eq!(
            service_error(None, &body, 429),
            ("TooManyRequestsException".into(), "Rate Exceeded.".into())
        );
        assert_eq!(
            service_error(None, &Bytes::from_static(b"oops"), 500),
            ("ServiceException".into(), "oops".into())
        );
    }
}
