//! The AWS JSON 1.0 protocol: requests are `POST /` with
//! `X-Amz-Target: AWSStepFunctions.<Operation>` and a JSON body; errors are
//! HTTP 400 with `{"__type": "<namespace>#<ExceptionName>", "message":
//! "..."}` (see [`ApiError::wire_type`]; the SDKs keep what follows `#`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// An API error: AWS's exception name and message.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub kind: &'static str,
    pub message: String,
    pub status: StatusCode,
    /// `resourceName`, which the model gives `TooManyTags`.
    pub resource_name: Option<String>,
}

impl ApiError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            kind,
            message: message.into(),
            status: StatusCode::BAD_REQUEST,
            resource_name: None,
        }
    }

    /// `InvalidArn` for an ARN no operation can use. AWS says why only
    /// when the string does not start with `arn:` (recorded against AWS
    /// for DescribeStateMachine, ListExecutions, DescribeExecution,
    /// GetExecutionHistory, DescribeActivity and GetActivityTask).
    pub fn invalid_arn(arn: &str) -> ApiError {
        let message = if arn.starts_with("arn:") {
            format!("Invalid Arn: '{arn}'")
        } else {
            format!("Invalid Arn: 'Invalid ARN prefix: {arn}'")
        };
        ApiError::new("InvalidArn", message)
    }

    /// `ServiceUnavailable` (HTTP 503): the client retries (SDKs do).
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError {
            kind: "ServiceUnavailable",
            message: message.into(),
            status: StatusCode::SERVICE_UNAVAILABLE,
            resource_name: None,
        }
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError {
            kind: "InternalServerError",
            message: message.into(),
            status: StatusCode::INTERNAL_SERVER_ERROR,
            resource_name: None,
        }
    }

    /// The error's `__type`: AWS's namespace, then `#` and the name
    /// (AWS, recorded by a suite run against AWS:
    /// `com.amazonaws.swf.service.v2.model#ActivityDoesNotExist`,
    /// `…#InvalidToken`, and `com.amazon.coral.validate#ValidationException`
    /// for a broken member constraint). Step Functions' own exceptions
    /// (the API model's) are in the service's namespace; a
    /// `ValidationException` worded as the constraint validator words it
    /// ("N validation error(s) detected: …") in the validator's.
    /// DIFFERENCE: the namespace of the protocol's errors
    /// (`SerializationException`, `UnknownOperationException`, the SigV4
    /// refusals) and of our own (`ServiceUnavailable`,
    /// `InternalServerError`) is not recorded for Step Functions (other
    /// services answer `com.amazon.coral.service#…` or the bare name), so
    /// they are bare.
    pub fn wire_type(&self) -> std::borrow::Cow<'static, str> {
        const SERVICE: &str = "com.amazonaws.swf.service.v2.model#";
        const VALIDATOR: &str = "com.amazon.coral.validate#";
        let constraint = self
            .message
            .split_once(" validation error")
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if self.kind == "ValidationException" && constraint {
            format!("{VALIDATOR}{}", self.kind).into()
        } else if MODEL_EXCEPTIONS.contains(&self.kind) {
            format!("{SERVICE}{}", self.kind).into()
        } else {
            self.kind.into()
        }
    }

    /// The error's JSON body.
    pub fn body(&self) -> Value {
        let mut body = serde_json::json!({"__type": self.wire_type(), "message": self.message});
        if let Some(name) = &self.resource_name {
            body["resourceName"] = Value::String(name.clone());
        }
        body
    }
}

/// The exceptions of Step Functions' API model (`"exception": true`).
const MODEL_EXCEPTIONS: &[&str] = &[
    "ActivityAlreadyExists",
    "ActivityDoesNotExist",
    "ActivityLimitExceeded",
    "ActivityWorkerLimitExceeded",
    "ConflictException",
    "ExecutionAlreadyExists",
    "ExecutionDoesNotExist",
    "ExecutionLimitExceeded",
    "ExecutionNotRedrivable",
    "InvalidArn",
    "InvalidDefinition",
    "InvalidEncryptionConfiguration",
    "InvalidExecutionInput",
    "InvalidLoggingConfiguration",
    "InvalidName",
    "InvalidOutput",
    "InvalidToken",
    "InvalidTracingConfiguration",
    "KmsAccessDeniedException",
    "KmsInvalidStateException",
    "KmsThrottlingException",
    "MissingRequiredParameter",
    "ResourceNotFound",
    "ServiceQuotaExceededException",
    "StateMachineAlreadyExists",
    "StateMachineDeleting",
    "StateMachineDoesNotExist",
    "StateMachineLimitExceeded",
    "StateMachineTypeNotSupported",
    "TaskDoesNotExist",
    "TaskTimedOut",
    "TooManyTags",
    "ValidationException",
];

impl From<stepwell_store::StoreError> for ApiError {
    fn from(e: stepwell_store::StoreError) -> ApiError {
        tracing::error!(error = %e, "store failure");
        ApiError::internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, self.body().to_string()).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        r.headers_mut().insert(
            "x-amzn-ErrorType",
            HeaderValue::from_str(self.kind).unwrap_or(HeaderValue::from_static("UnknownError")),
        );
        r
    }
}

/// A successful answer.
pub fn ok(body: Value) -> Response {
    let mut r = (StatusCode::OK, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    r
}

/// A request body with typed accessors whose errors are AWS's.
pub struct Req(pub Map<String, Value>);

impl Req {
    pub fn parse(body: &[u8]) -> Result<Req, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Req(Map::new()));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Ok(Req(m)),
            Ok(_) => Err(ApiError::new(
                "SerializationException",
                "Start of structure or map found where not expected.",
            )),
            Err(e) => Err(ApiError::new(
                "SerializationException",
                format!("Malformed request body: {e}"),
            )),
        }
    }

    pub(crate) fn wrong_type(field: &str, what: &str) -> ApiError {
        ApiError::new(
            "SerializationException",
            format!("Expected {what} for field '{field}'"),
        )
    }

    pub fn opt_str(&self, field: &str) -> Result<Option<&str>, ApiError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Self::wrong_type(field, "a string")),
        }
    }

    pub fn str(&self, field: &str) -> Result<&str, ApiError> {
        self.opt_str(field)?.ok_or_else(|| {
            ApiError::new(
                "ValidationException",
                format!("1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"),
            )
        })
    }

    pub fn opt_bool(&self, field: &str) -> Result<Option<bool>, ApiError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Self::wrong_type(field, "a boolean")),
        }
    }

    pub fn opt_i64(&self, field: &str) -> Result<Option<i64>, ApiError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| Self::wrong_type(field, "an integer")),
        }
    }

    pub fn opt_f64(&self, field: &str) -> Result<Option<f64>, ApiError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| Self::wrong_type(field, "a number")),
        }
    }

    pub fn get(&self, field: &str) -> Option<&Value> {
        self.0.get(field).filter(|v| !v.is_null())
    }

    /// `maxResults`: 0 or absent means the default (100); its range
    /// (0 to 1000) is the model's, checked by `ops::validate`.
    pub fn max_results(&self) -> Result<usize, ApiError> {
        Ok(match self.opt_i64("maxResults")? {
            Some(n) if n > 0 => usize::try_from(n).unwrap_or(100),
            _ => 100,
        })
    }
}

/// Epoch milliseconds as AWS's JSON timestamp (seconds, fractional).
pub fn timestamp(ms: i64) -> Value {
    serde_json::json!(ms as f64 / 1000.0)
}

/// Pagination tokens: opaque to clients, a cursor inside. As AWS's, a
/// token expires after 24 hours and serves only the request that got it
/// (the same operation's other members: a history's token does not page
/// another execution's); otherwise `InvalidToken`.
pub mod token {
    use base64::Engine;
    use sha2::{Digest, Sha256};

    use super::{ApiError, Req};

    /// How long a token serves (the API reference's "expires after 24 hours").
    pub const LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

    /// What a token is bound to: the request's members but the paging ones.
    fn scope(req: &Req) -> String {
        let mut members: Vec<(&String, &serde_json::Value)> = req
            .0
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "nextToken" | "maxResults"))
            .collect();
        members.sort_by(|a, b| a.0.cmp(b.0));
        let text = serde_json::to_string(&members).unwrap_or_default();
        let digest = Sha256::digest(text.as_bytes());
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// A token for the page after `cursor`, issued at `now_ms`.
    pub fn encode(req: &Req, cursor: &str, now_ms: i64) -> String {
        let text = format!("{now_ms}.{}.{cursor}", scope(req));
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text.as_bytes())
    }

    /// The cursor in `token`, if it was issued for this request and has not
    /// expired at `now_ms`.
    pub fn decode(req: &Req, token: &str, now_ms: i64) -> Result<String, ApiError> {
        let invalid = || ApiError::new("InvalidToken", format!("Invalid Token: '{token}'"));
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(invalid)?;
        let mut parts = text.splitn(3, '.');
        let (Some(issued), Some(bound), Some(cursor)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let issued: i64 = issued.parse().map_err(|_| invalid())?;
        if bound != scope(req) || now_ms.saturating_sub(issued) > LIFETIME_MS {
            return Err(invalid());
        }
        Ok(cursor.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(body: Value) -> Req {
        match body {
            Value::Object(m) => Req(m),
            _ => Req(Map::new()),
        }
    }

    #[test]
    fn a_token_serves_only_its_own_request_for_a_day() {
        let a = req(serde_json::json!({"executionArn": "arn:a", "maxResults": 1}));
        let now = 1_800_000_000_000;
        let t = token::encode(&a, "7", now);
        // The same request, another page size, later that day: served.
        let again =
            req(serde_json::json!({"executionArn": "arn:a", "maxResults": 5, "nextToken": t}));
        assert_eq!(
            token::decode(&again, &t, now + token::LIFETIME_MS).ok(),
            Some("7".into())
        );
        // Another execution's history, or the order reversed: refused.
        for other in [
            serde_json::json!({"executionArn": "arn:b"}),
            serde_json::json!({"executionArn": "arn:a", "reverseOrder": true}),
        ] {
            let refused = token::decode(&req(other), &t, now).err().map(|e| e.kind);
            assert_eq!(refused, Some("InvalidToken"));
        }
        // A day and a second later: expired.
        let expired = token::decode(&a, &t, now + token::LIFETIME_MS + 1_000).err();
        assert_eq!(expired.map(|e| e.kind), Some("InvalidToken"));
        // Not a token at all.
        assert!(token::decode(&a, "%%%", now).is_err());
        assert!(token::decode(&a, "MTIz", now).is_err());
    }

    /// AWS's `__type`s, as a suite run against AWS recorded them; the
    /// SDKs keep what follows `#`.
    #[test]
    fn error_types_carry_awss_namespaces() {
        let ty = |kind, message: &str| ApiError::new(kind, message).body()["__type"].clone();
        assert_eq!(
            ty("ActivityDoesNotExist", "Activity Does Not Exist: 'a'"),
            "com.amazonaws.swf.service.v2.model#ActivityDoesNotExist"
        );
        assert_eq!(
            ty("InvalidToken", "Invalid Token: 'Invalid token'"),
            "com.amazonaws.swf.service.v2.model#InvalidToken"
        );
        assert_eq!(
            ty("ValidationException", "1 validation error detected: Value at 'output' failed to satisfy constraint: Member must not be null"),
            "com.amazon.coral.validate#ValidationException"
        );
        assert_eq!(
            ty("ValidationException", "12 validation errors detected: …"),
            "com.amazon.coral.validate#ValidationException"
        );
        // Thrown by the service, not by the constraint validator.
        assert_eq!(
            ty("ValidationException", "State not found in definition"),
            "com.amazonaws.swf.service.v2.model#ValidationException"
        );
        // Not recorded for Step Functions: bare.
        for kind in [
            "SerializationException",
            "UnknownOperationException",
            "InvalidSignatureException",
            "ServiceUnavailable",
        ] {
            assert_eq!(ty(kind, "m"), kind);
        }
        assert_eq!(
            ApiError::internal("m").body()["__type"],
            "InternalServerError"
        );
    }
}
