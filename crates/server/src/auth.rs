//! Optional AWS Signature Version 4 verification (`stepwell serve
//! --sigv4-credentials FILE` or `--access-key ID:SECRET`; off by default).
//!
//! When access keys are configured, every request to the API (`POST /`), to
//! the console's stream (`POST /console/stream`) and to the Lambda Invoke
//! API (signed for service `lambda` instead, and refused as Lambda does:
//! HTTP 403, the name in `x-amzn-ErrorType`) must carry a valid
//! `Authorization: AWS4-HMAC-SHA256 ...` header for service `states`, signed
//! for the server's region (`--region`) by one of those keys, dated (with
//! `X-Amz-Date`) within 5 minutes of the server's clock. Refusals are HTTP 400
//! with AWS's exception names and wording:
//!
//! | what | `__type` |
//! |---|---|
//! | no `Authorization` header | `MissingAuthenticationTokenException` |
//! | a malformed one, or no `X-Amz-Date` | `IncompleteSignatureException` |
//! | an access key that is not configured, or a wrong session token | `UnrecognizedClientException` |
//! | another region or service, a date more than 5 minutes off, a signature that does not match | `InvalidSignatureException` |
//!
//! The signature is recomputed by AWS's own signer (`aws-sigv4`, from
//! smithy-rs) over the request as received: its method, path, query, the
//! headers the client listed in `SignedHeaders` and the SHA-256 of its body;
//! the two signatures are compared in constant time (`subtle`).
//! Presigned URLs (the signature in the query string) are not accepted.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::protocol::ApiError;
use crate::runtime::Runtime;

/// The signing name of AWS Step Functions.
pub const SERVICE: &str = "states";
/// How far `X-Amz-Date` may be from the server's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const AMZ_DATE: &[FormatItem<'static>] =
    format_description!("[year][month][day]T[hour][minute][second]Z");

/// One access key the server accepts.
#[derive(Clone)]
pub struct AccessKey {
    pub id: String,
    secret: String,
    /// When set, requests must carry this `X-Amz-Security-Token`.
    session_token: Option<String>,
}

impl AccessKey {
    pub fn new(
        id: impl Into<String>,
        secret: impl Into<String>,
        session_token: Option<String>,
    ) -> Result<AccessKey, String> {
        let (id, secret) = (id.into(), secret.into());
        if id.is_empty() || id.contains(['/', ',', ' ', '\t', '=']) {
            return Err(format!(
                "'{id}' is not an access key ID (non-empty, without '/', ',', '=' or spaces)"
            ));
        }
        if secret.is_empty() {
            return Err(format!("the access key {id} has an empty secret"));
        }
        Ok(AccessKey {
            id,
            secret,
            session_token: session_token.filter(|t| !t.is_empty()),
        })
    }

    /// `ACCESS_KEY_ID:SECRET_ACCESS_KEY` (the secret may itself hold `:`).
    pub fn parse(spec: &str) -> Result<AccessKey, String> {
        let Some((id, secret)) = spec.trim().split_once(':') else {
            return Err("an access key is given as ACCESS_KEY_ID:SECRET_ACCESS_KEY".into());
        };
        AccessKey::new(id, secret, None)
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("session_token", &self.session_token.is_some())
            .finish_non_exhaustive()
    }
}

/// The keys of an AWS shared credentials file (`~/.aws/credentials` format):
/// every `[profile]` with `aws_access_key_id` and `aws_secret_access_key`
/// (and, optionally, `aws_session_token`). Other settings are ignored.
pub fn parse_credentials_file(text: &str) -> Result<Vec<AccessKey>, String> {
    #[derive(Default)]
    struct Section {
        name: String,
        line: usize,
        id: Option<String>,
        secret: Option<String>,
        token: Option<String>,
    }
    let mut sections: Vec<Section> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            sections.push(Section {
                name: name.trim().to_string(),
                line: n + 1,
                ..Section::default()
            });
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!(
                "line {}: expected `name = value` or `[profile]`",
                n + 1
            ));
        };
        let Some(section) = sections.last_mut() else {
            return Err(format!("line {}: a setting before any [profile]", n + 1));
        };
        let value = Some(value.trim().to_string());
        match key.trim().to_ascii_lowercase().as_str() {
            "aws_access_key_id" => section.id = value,
            "aws_secret_access_key" => section.secret = value,
            "aws_session_token" | "aws_security_token" => section.token = value,
            _ => {}
        }
    }
    let mut keys = Vec::new();
    for s in sections {
        match (s.id, s.secret) {
            (Some(id), Some(secret)) => keys.push(
                AccessKey::new(id, secret, s.token)
                    .map_err(|e| format!("[{}] (line {}): {e}", s.name, s.line))?,
            ),
            (None, None) => {}
            _ => {
                return Err(format!(
                    "[{}] (line {}) needs both aws_access_key_id and aws_secret_access_key",
                    s.name, s.line
                ))
            }
        }
    }
    Ok(keys)
}

/// Checks requests against the configured access keys.
#[derive(Clone)]
pub struct Verifier {
    keys: Arc<HashMap<String, AccessKey>>,
    region: String,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        ids.sort_unstable();
        f.debug_struct("Verifier")
            .field("region", &self.region)
            .field("access_keys", &ids)
            .finish()
    }
}

/// The parts of an `Authorization` header.
struct Authorization<'a> {
    key_id: &'a str,
    scope_date: &'a str,
    region: &'a str,
    service: &'a str,
    terminator: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn incomplete(message: impl Into<String>) -> ApiError {
    ApiError::new("IncompleteSignatureException", message)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidSignatureException", message)
}

fn unrecognized() -> ApiError {
    ApiError::new(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
}

fn mismatch() -> ApiError {
    invalid(
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. \
         Consult the service documentation for details.",
    )
}

fn amz_date(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .format(AMZ_DATE)
        .unwrap_or_else(|_| "?".into())
}

/// `20240102T030405Z` (exactly that form) as a time.
fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let shape = s.len() == 16
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 => b == b'T',
            15 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    let t = PrimitiveDateTime::parse(s, AMZ_DATE).ok()?.assume_utc();
    Some(SystemTime::from(t))
}

fn parse_authorization(header: &str, has_date: bool) -> Result<Authorization<'_>, ApiError> {
    let (algorithm, rest) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if algorithm != ALGORITHM {
        return Err(incomplete(format!(
            "Unsupported Authorization algorithm '{algorithm}': only {ALGORITHM} (AWS Signature Version 4) is accepted. Authorization={header}"
        )));
    }
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for pair in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(incomplete(format!(
                "'{pair}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'."
            )));
        };
        match k.trim() {
            "Credential" => credential = Some(v.trim()),
            "SignedHeaders" => signed = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => {}
        }
    }
    let mut missing = String::new();
    for (name, value) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed),
    ] {
        if value.unwrap_or_default().is_empty() {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    if !has_date {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    if !missing.is_empty() {
        return Err(incomplete(format!("{missing}Authorization={header}")));
    }
    let (credential, signed, signature) = (
        credential.unwrap_or_default(),
        signed.unwrap_or_default(),
        signature.unwrap_or_default(),
    );
    let parts: Vec<&str> = credential.split('/').collect();
    let [key_id, scope_date, region, service, terminator] = parts[..] else {
        return Err(incomplete(format!(
            "Credential '{credential}' is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\". Authorization={header}"
        )));
    };
    Ok(Authorization {
        key_id,
        scope_date,
        region,
        service,
        terminator,
        signed_headers: signed.split(';').map(str::trim).collect(),
        signature,
    })
}

impl Verifier {
    /// A verifier for requests signed for `region`. Refuses an empty key
    /// list (verification would refuse everything) and one access key ID
    /// given twice with different secrets.
    pub fn new(keys: Vec<AccessKey>, region: impl Into<String>) -> Result<Verifier, String> {
        if keys.is_empty() {
            return Err("SigV4 verification needs at least one access key".into());
        }
        let mut map: HashMap<String, AccessKey> = HashMap::new();
        for k in keys {
            if let Some(old) = map.get(&k.id) {
                if old.secret != k.secret || old.session_token != k.session_token {
                    return Err(format!(
                        "the access key {} is configured twice with different secrets",
                        k.id
                    ));
                }
            }
            map.insert(k.id.clone(), k);
        }
        Ok(Verifier {
            keys: Arc::new(map),
            region: region.into(),
        })
    }

    /// The region requests must be signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The configured access key IDs, sorted.
    pub fn key_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }

    /// The key the server's own Lambda handlers sign with (the first by ID:
    /// id, secret, session token), so their SDK calls back to the API pass.
    pub(crate) fn handler_key(&self) -> Option<(&str, &str, Option<&str>)> {
        let id = *self.key_ids().first()?;
        let key = self.keys.get(id)?;
        Some((&key.id, &key.secret, key.session_token.as_deref()))
    }

    /// Check one request to the Step Functions API as received (`uri`:
    /// its path and query). Returns the access key ID that signed it.
    pub fn verify(
        &self,
        method: &str,
        uri: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<&str, ApiError> {
        self.verify_for(SERVICE, method, uri, headers, body, now)
    }

    /// [`Self::verify`] for a request signed for `service`.
    pub fn verify_for(
        &self,
        service: &str,
        method: &str,
        uri: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<&str, ApiError> {
        let Some(header) = headers.get("authorization") else {
            return Err(ApiError::new(
                "MissingAuthenticationTokenException",
                "Request is missing Authentication Token",
            ));
        };
        let header = header
            .to_str()
            .map_err(|_| incomplete("The Authorization header is not valid ASCII."))?;
        let date_header = headers.get("x-amz-date");
        let auth = parse_authorization(
            header,
            date_header.is_some() || headers.contains_key("date"),
        )?;
        let Some(date_header) = date_header else {
            return Err(incomplete(
                "Stepwell verifies requests dated with the X-Amz-Date header (every AWS SDK sends it); this request has only a Date header.",
            ));
        };
        let date_text = date_header.to_str().unwrap_or_default();
        let Some(signed_at) = parse_amz_date(date_text) else {
            return Err(incomplete(format!(
                "Date must be in ISO-8601 'basic format'. Got '{date_text}'. See http://en.wikipedia.org/wiki/ISO_8601"
            )));
        };

        let Some(key) = self.keys.get(auth.key_id) else {
            return Err(unrecognized());
        };
        let token = headers
            .get("x-amz-security-token")
            .map(|t| t.as_bytes())
            .unwrap_or_default();
        let expected_token = key.session_token.as_deref().unwrap_or_default().as_bytes();
        if !bool::from(token.ct_eq(expected_token)) {
            return Err(unrecognized());
        }

        if auth.terminator != "aws4_request" {
            return Err(invalid(format!(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
                auth.terminator
            )));
        }
        if auth.service != service {
            return Err(invalid(format!(
                "Credential should be scoped to correct service: '{service}'. "
            )));
        }
        if auth.region != self.region {
            return Err(invalid(format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                auth.region
            )));
        }
        if auth.scope_date != &date_text[..8] {
            return Err(invalid(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{date_text}'.",
                auth.scope_date,
                &date_text[..8]
            )));
        }
        for required in ["host", "x-amz-date"] {
            if !auth.signed_headers.contains(&required) {
                let shown = if required == "host" {
                    "Host"
                } else {
                    "X-Amz-Date"
                };
                return Err(invalid(format!(
                    "'{shown}' must be a 'SignedHeader' in the AWS Authorization."
                )));
            }
        }

        if let Ok(ahead) = signed_at.duration_since(now) {
            if ahead > MAX_SKEW {
                return Err(invalid(format!(
                    "Signature not yet current: {date_text} is still later than {} ({} + 5 min.)",
                    amz_date(now + MAX_SKEW),
                    amz_date(now)
                )));
            }
        } else if now.duration_since(signed_at).unwrap_or_default() > MAX_SKEW {
            return Err(invalid(format!(
                "Signature expired: {date_text} is now earlier than {} ({} - 5 min.)",
                amz_date(now - MAX_SKEW),
                amz_date(now)
            )));
        }

        let ours = self.signature(key, &auth, signed_at, method, uri, headers, body)?;
        if bool::from(ours.as_bytes().ct_eq(auth.signature.as_bytes())) {
            Ok(key.id.as_str())
        } else {
            Err(mismatch())
        }
    }

    /// AWS's signer over the request as received: only the headers the
    /// client signed (the signer adds `host` and `x-amz-date`, which must be
    /// among them) and the body's hash.
    #[allow(clippy::too_many_arguments)]
    fn signature(
        &self,
        key: &AccessKey,
        auth: &Authorization<'_>,
        signed_at: SystemTime,
        method: &str,
        uri: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<String, ApiError> {
        // The signer would take the host from the URI (and panic without
        // one): a request that signed `host` must have sent it.
        if !headers.contains_key("host") {
            return Err(mismatch());
        }
        let mut signed: Vec<(&str, &str)> = Vec::new();
        for name in &auth.signed_headers {
            for value in headers.get_all(*name) {
                let value = value.to_str().map_err(|_| mismatch())?;
                signed.push((name, value));
            }
        }
        let request =
            SignableRequest::new(method, uri, signed.into_iter(), SignableBody::Bytes(body))
                .map_err(|_| mismatch())?;
        let mut settings = SigningSettings::default();
        // Sign exactly what the client listed (user-agent included if it did).
        settings.excluded_headers = Some(Vec::new());
        let identity = Credentials::new(&key.id, &key.secret, None, None, "stepwell").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(auth.region)
            .name(auth.service)
            .time(signed_at)
            .settings(settings)
            .build()
            .map_err(|e| ApiError::internal(format!("SigV4: {e}")))?
            .into();
        let out = sign(request, &params).map_err(|_| mismatch())?;
        // The signer's own list must be the client's, or the signatures
        // cannot agree; say so plainly in the log.
        let (instructions, signature) = out.into_parts();
        if let Some((_, value)) = instructions
            .headers()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        {
            let client: String = auth.signed_headers.join(";");
            if !value.contains(&format!("SignedHeaders={client},")) {
                tracing::debug!(client_signed = %client, recomputed = %value, "SigV4 signed header lists differ");
            }
        }
        Ok(signature)
    }
}

/// Axum middleware for the routes that need a signature: passes a request
/// through when verification is off or its signature is good.
pub(crate) async fn require_signature(
    State(rt): State<Arc<Runtime>>,
    req: Request,
    next: Next,
) -> Response {
    match checked(&rt, req, SERVICE, crate::MAX_BODY).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// [`require_signature`] for the Lambda Invoke API (service `lambda`),
/// refusing as Lambda does (`x-amzn-ErrorType`).
pub(crate) async fn require_lambda_signature(
    State(rt): State<Arc<Runtime>>,
    req: Request,
    next: Next,
) -> Response {
    match checked(&rt, req, "lambda", crate::lambda_backend::MAX_INVOKE_BODY).await {
        Ok(req) => next.run(req).await,
        Err(e) => crate::lambda_backend::invoke_error(stepwell_lambda::InvokeError {
            code: e.kind.to_string(),
            message: e.message,
            // Lambda refuses a request it cannot authenticate with 403.
            status: match e.status {
                StatusCode::PAYLOAD_TOO_LARGE => 413,
                _ => 403,
            },
            request_id: String::new(),
        }),
    }
}

/// The request again when verification is off or its signature (for
/// `service`; a body of at most `limit` bytes) is good.
async fn checked(
    rt: &Runtime,
    req: Request,
    service: &str,
    limit: usize,
) -> Result<Request, ApiError> {
    let Some(verifier) = rt.cfg.sigv4.as_ref() else {
        return Ok(req);
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            return Err(ApiError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                ..ApiError::new(
                    "ValidationException",
                    format!("The request body is larger than {limit} bytes."),
                )
            })
        }
    };
    let uri = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let checked = verifier.verify_for(
        service,
        parts.method.as_str(),
        uri,
        &parts.headers,
        &bytes,
        SystemTime::now(),
    );
    match checked {
        Ok(key) => {
            tracing::trace!(access_key = key, "SigV4 signature verified");
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        Err(e) => {
            tracing::info!(kind = e.kind, error = %e.message, path = parts.uri.path(), "request refused (SigV4)");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    //! The signed requests below were produced by independent signers with
    //! a fixed clock (2024-01-02T03:04:05Z): botocore 1.43.11's `SigV4Auth`
    //! (what the AWS CLI and boto3 send) and the console's own
    //! `assets/sigv4.js` (WebCrypto, run under Node).
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use axum::http::{HeaderName, HeaderValue};

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const UA: &str = "aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux";

    /// 2024-01-02T03:04:05Z, when every vector was signed.
    fn signed_at() -> SystemTime {
        parse_amz_date("20240102T030405Z").unwrap()
    }

    struct Req {
        uri: &'static str,
        headers: HeaderMap,
        body: String,
    }

    fn req(uri: &'static str, host: &str, pairs: &[(&str, &str)], body: &str) -> Req {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_str(host).unwrap());
        for (k, v) in pairs {
            headers.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        Req {
            uri,
            headers,
            body: body.to_string(),
        }
    }

    impl Req {
        fn set(mut self, name: &'static str, value: &str) -> Req {
            self.headers
                .insert(name, HeaderValue::from_str(value).unwrap());
            self
        }
        fn without(mut self, name: &'static str) -> Req {
            self.headers.remove(name);
            self
        }
        fn auth(&self) -> String {
            self.headers["authorization"].to_str().unwrap().to_string()
        }
    }

    /// botocore: ListStateMachines with `{}` to 127.0.0.1:8083.
    fn list_state_machines() -> Req {
        req(
            "/",
            "127.0.0.1:8083",
            &[
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", "AWSStepFunctions.ListStateMachines"),
                ("User-Agent", UA),
                ("X-Amz-Date", "20240102T030405Z"),
                ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/states/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=60d721ed4f7ec430dd78a64a6085dae20be2b1d8b697396fde2a2d742fcd7764"),
                ("Content-Length", "2"),
            ],
            "{}",
        )
    }

    /// botocore: StartExecution to localhost:8083.
    fn start_execution() -> Req {
        req(
            "/",
            "localhost:8083",
            &[
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", "AWSStepFunctions.StartExecution"),
                ("User-Agent", UA),
                ("X-Amz-Date", "20240102T030405Z"),
                ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/states/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=fd9755f368aa590d8c184096595e140c80663d250395eaf95834b09ae93ed572"),
            ],
            r#"{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Hello", "input": "{\"a\":  1}"}"#,
        )
    }

    /// botocore with temporary credentials (a signed X-Amz-Security-Token).
    fn with_session_token() -> Req {
        req(
            "/",
            "127.0.0.1:8083",
            &[
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", "AWSStepFunctions.ListActivities"),
                ("User-Agent", UA),
                ("X-Amz-Date", "20240102T030405Z"),
                ("X-Amz-Security-Token", "IQoJb3JpZ2luX2VjEXAMPLETOKEN=="),
                ("Authorization", "AWS4-HMAC-SHA256 Credential=ASIATEMPORARY/20240102/us-east-1/states/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=d87ba7bfe12dd5751ab4116dd4129972969a6ba1c9707eab71bcbc92a3914e60"),
            ],
            "{}",
        )
    }

    /// botocore, signed for eu-west-1.
    fn eu_west_1() -> Req {
        req(
            "/",
            "127.0.0.1:8083",
            &[
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", "AWSStepFunctions.ListStateMachines"),
                ("User-Agent", UA),
                ("X-Amz-Date", "20240102T030405Z"),
                ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/eu-west-1/states/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0a19ea8328ee0072bce9a5a71bc08dcc1d5de3a09292a4cac3fe63fed238b7fe"),
            ],
            "{}",
        )
    }

    /// botocore: a query string and a signed header with runs of spaces.
    fn query_and_spaces() -> Req {
        req(
            "/?foo=b%20r&a=1",
            "127.0.0.1:8083",
            &[
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", "AWSStepFunctions.ListStateMachines"),
                ("User-Agent", UA),
                ("X-Custom", "  two   spaces  "),
                ("X-Amz-Date", "20240102T030405Z"),
                ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/states/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target;x-custom, Signature=cffb07624b74c7b7529749f3269e94e83f779e919fad412f26aa70ecad866845"),
            ],
            "{}",
        )
    }

    /// The console's sigv4.js: the execution stream.
    fn console_stream() -> Req {
        req(
            "/console/stream",
            "127.0.0.1:8083",
            &[
                ("Content-Type", "application/x-amz-json-1.0"),
                ("Accept", "text/event-stream"),
                ("X-Amz-Date", "20240102T030405Z"),
                ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDCONSOLE/20240102/us-east-1/states/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date, Signature=6d929c6ba06120d29dae2bd6754a20dc3bf2b035fb1137017042e2f40b54fe82"),
            ],
            r#"{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:Demo:run-1"}"#,
        )
    }

    fn verifier(region: &str) -> Verifier {
        Verifier::new(
            vec![
                AccessKey::new("AKIDEXAMPLE", SECRET, None).unwrap(),
                AccessKey::new(
                    "ASIATEMPORARY",
                    "temporary/secret+key",
                    Some("IQoJb3JpZ2luX2VjEXAMPLETOKEN==".into()),
                )
                .unwrap(),
                AccessKey::parse("AKIDCONSOLE:console/secret+key").unwrap(),
            ],
            region,
        )
        .unwrap()
    }

    fn check_at(v: &Verifier, r: &Req, now: SystemTime) -> Result<String, ApiError> {
        v.verify("POST", r.uri, &r.headers, r.body.as_bytes(), now)
            .map(str::to_string)
    }

    fn check(r: &Req) -> Result<String, ApiError> {
        check_at(&verifier("us-east-1"), r, signed_at())
    }

    fn refused(r: &Req) -> (&'static str, String) {
        let e = check(r).expect_err("the request should be refused");
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        (e.kind, e.message)
    }

    #[test]
    fn accepts_what_independent_signers_signed() {
        assert_eq!(check(&list_state_machines()).unwrap(), "AKIDEXAMPLE");
        assert_eq!(check(&start_execution()).unwrap(), "AKIDEXAMPLE");
        assert_eq!(check(&with_session_token()).unwrap(), "ASIATEMPORARY");
        assert_eq!(check(&query_and_spaces()).unwrap(), "AKIDEXAMPLE");
        assert_eq!(check(&console_stream()).unwrap(), "AKIDCONSOLE");
        let eu = verifier("eu-west-1");
        assert_eq!(
            check_at(&eu, &eu_west_1(), signed_at()).unwrap(),
            "AKIDEXAMPLE"
        );
    }

    #[test]
    fn unsigned_headers_may_change() {
        // botocore does not sign User-Agent or Content-Length.
        let r = list_state_machines()
            .set("user-agent", "a proxy")
            .set("content-length", "2")
            .set("x-forwarded-for", "10.0.0.1");
        assert!(check(&r).is_ok());
    }

    #[test]
    fn anything_signed_that_changes_is_refused() {
        let expected = (
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. \
             Consult the service documentation for details."
                .to_string(),
        );
        let mut body = start_execution();
        body.body = body.body.replace("Hello", "Hellp");
        assert_eq!(refused(&body), expected);
        let target =
            list_state_machines().set("x-amz-target", "AWSStepFunctions.DeleteStateMachine");
        assert_eq!(refused(&target), expected);
        let host = list_state_machines().set("host", "127.0.0.1:8084");
        assert_eq!(refused(&host), expected);
        let mut path = console_stream();
        path.uri = "/";
        assert_eq!(refused(&path), expected);
        let mut query = query_and_spaces();
        query.uri = "/?foo=b%20r&a=2";
        assert_eq!(refused(&query), expected);
        // A different signature of the right length.
        let sig = list_state_machines()
            .auth()
            .replace("Signature=60d7", "Signature=60d8");
        let other = list_state_machines().set("authorization", &sig);
        assert_eq!(refused(&other), expected);
        // A method the client did not sign.
        let r = list_state_machines();
        let e = verifier("us-east-1")
            .verify("PUT", r.uri, &r.headers, r.body.as_bytes(), signed_at())
            .unwrap_err();
        assert_eq!((e.kind, e.message), expected);
    }

    #[test]
    fn a_wrong_secret_is_an_invalid_signature() {
        let v = Verifier::new(
            vec![AccessKey::parse("AKIDEXAMPLE:not-the-secret").unwrap()],
            "us-east-1",
        )
        .unwrap();
        let e = check_at(&v, &list_state_machines(), signed_at()).unwrap_err();
        assert_eq!(e.kind, "InvalidSignatureException");
        assert!(e.message.starts_with("The request signature we calculated"));
    }

    #[test]
    fn an_unknown_key_is_unrecognized() {
        let v = Verifier::new(vec![AccessKey::parse("AKIDOTHER:x").unwrap()], "us-east-1").unwrap();
        let e = check_at(&v, &list_state_machines(), signed_at()).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (
                "UnrecognizedClientException",
                "The security token included in the request is invalid."
            )
        );
    }

    #[test]
    fn session_tokens_must_match_the_configured_one() {
        let wrong = with_session_token().set("x-amz-security-token", "IQoJb3JpZ2luX2VjOTHER==");
        assert_eq!(refused(&wrong).0, "UnrecognizedClientException");
        let missing = with_session_token().without("x-amz-security-token");
        assert_eq!(refused(&missing).0, "UnrecognizedClientException");
        // A token sent with a long-term key that has none.
        let extra = list_state_machines().set("x-amz-security-token", "IQoJ");
        assert_eq!(refused(&extra).0, "UnrecognizedClientException");
    }

    #[test]
    fn a_missing_authorization_header() {
        let r = list_state_machines().without("authorization");
        assert_eq!(
            refused(&r),
            (
                "MissingAuthenticationTokenException",
                "Request is missing Authentication Token".into()
            )
        );
    }

    #[test]
    fn malformed_authorization_headers_are_incomplete() {
        let r = list_state_machines().set(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/states/aws4_request",
        );
        assert_eq!(
            refused(&r),
            (
                "IncompleteSignatureException",
                "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/states/aws4_request".into()
            )
        );
        let r = list_state_machines().set(
            "authorization",
            "AWS4-HMAC-SHA256 Credential AKIDEXAMPLE, SignedHeaders=host, Signature=00",
        );
        let (kind, message) = refused(&r);
        assert_eq!(kind, "IncompleteSignatureException");
        assert!(message.starts_with("'Credential AKIDEXAMPLE' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential AKIDEXAMPLE,"), "{message}");
        let r = list_state_machines().set("authorization", "Bearer abc");
        assert_eq!(refused(&r).0, "IncompleteSignatureException");
        let r = list_state_machines().set(
            "authorization",
            &list_state_machines()
                .auth()
                .replace("AKIDEXAMPLE/20240102/", "AKIDEXAMPLE/"),
        );
        assert_eq!(refused(&r).0, "IncompleteSignatureException");
        let r = list_state_machines().without("x-amz-date");
        let (kind, message) = refused(&r);
        assert_eq!(kind, "IncompleteSignatureException");
        assert!(message.starts_with("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256"), "{message}");
        let r = list_state_machines().set("x-amz-date", "2024-01-02T03:04:05Z");
        assert_eq!(
            refused(&r),
            (
                "IncompleteSignatureException",
                "Date must be in ISO-8601 'basic format'. Got '2024-01-02T03:04:05Z'. See http://en.wikipedia.org/wiki/ISO_8601".into()
            )
        );
    }

    #[test]
    fn the_scope_must_be_this_service_and_region() {
        let e = check_at(&verifier("us-west-2"), &list_state_machines(), signed_at()).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (
                "InvalidSignatureException",
                "Credential should be scoped to a valid region, not 'us-east-1'. "
            )
        );
        let lambda = list_state_machines().auth().replace("/states/", "/lambda/");
        let r = list_state_machines().set("authorization", &lambda);
        assert_eq!(
            refused(&r),
            (
                "InvalidSignatureException",
                "Credential should be scoped to correct service: 'states'. ".into()
            )
        );
        let day = list_state_machines()
            .auth()
            .replace("/20240102/", "/20240101/");
        let r = list_state_machines().set("authorization", &day);
        assert_eq!(
            refused(&r),
            (
                "InvalidSignatureException",
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240101' != '20240102', from '20240102T030405Z'.".into()
            )
        );
        let unsigned_host = list_state_machines()
            .auth()
            .replace("content-type;host;", "content-type;");
        let r = list_state_machines().set("authorization", &unsigned_host);
        assert_eq!(
            refused(&r),
            (
                "InvalidSignatureException",
                "'Host' must be a 'SignedHeader' in the AWS Authorization.".into()
            )
        );
    }

    #[test]
    fn the_clock_may_be_five_minutes_off() {
        let v = verifier("us-east-1");
        let r = list_state_machines();
        let t = signed_at();
        assert!(check_at(&v, &r, t + MAX_SKEW).is_ok());
        assert!(check_at(&v, &r, t - MAX_SKEW).is_ok());
        let e = check_at(&v, &r, t + MAX_SKEW + Duration::from_secs(1)).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (
                "InvalidSignatureException",
                "Signature expired: 20240102T030405Z is now earlier than 20240102T030406Z (20240102T030906Z - 5 min.)"
            )
        );
        let e = check_at(&v, &r, t - MAX_SKEW - Duration::from_secs(60)).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (
                "InvalidSignatureException",
                "Signature not yet current: 20240102T030405Z is still later than 20240102T030305Z (20240102T025805Z + 5 min.)"
            )
        );
    }

    #[test]
    fn non_ascii_header_values_are_refused_not_panicked_on() {
        let mut r = list_state_machines();
        r.headers.insert(
            "x-amz-target",
            HeaderValue::from_bytes(b"AWSStepFunctions.\xff").unwrap(),
        );
        assert_eq!(refused(&r).0, "InvalidSignatureException");
        let mut r = list_state_machines();
        r.headers.insert(
            "authorization",
            HeaderValue::from_bytes(b"AWS4\xff").unwrap(),
        );
        assert_eq!(refused(&r).0, "IncompleteSignatureException");
    }

    #[test]
    fn odd_requests_are_refused_not_panicked_on() {
        let no_host = list_state_machines().without("host");
        assert_eq!(refused(&no_host).0, "InvalidSignatureException");
        for signed in [
            "content-type;host;x-amz-date;bad header",
            "host;;x-amz-date",
            "HOST;X-Amz-Date;X-Amz-Target",
        ] {
            let header = list_state_machines()
                .auth()
                .replace("content-type;host;x-amz-date;x-amz-target", signed);
            let r = list_state_machines().set("authorization", &header);
            assert_eq!(refused(&r).0, "InvalidSignatureException", "{signed}");
        }
        for uri in ["/?a&b=&=c&%zz", "/?%", "/?a=%ff%fe", "//..//x/./?q=1#frag"] {
            let mut r = list_state_machines();
            r.uri = uri;
            assert_eq!(refused(&r).0, "InvalidSignatureException", "{uri}");
        }
        let r = list_state_machines().set("x-amz-date", "99999999T999999Z");
        assert_eq!(refused(&r).0, "IncompleteSignatureException");
        let r = list_state_machines().set(
            "authorization",
            "AWS4-HMAC-SHA256 ,,, =, Credential=/////, SignedHeaders=, Signature=",
        );
        assert_eq!(refused(&r).0, "IncompleteSignatureException");
    }

    #[test]
    fn access_keys_on_the_command_line() {
        let k = AccessKey::parse("AKID:se:cret/+=").unwrap();
        assert_eq!((k.id.as_str(), k.secret.as_str()), ("AKID", "se:cret/+="));
        assert!(AccessKey::parse("AKID").is_err());
        assert!(AccessKey::parse("AKID:").is_err());
        assert!(AccessKey::parse(":secret").is_err());
        assert!(AccessKey::parse("AK/ID:secret").is_err());
        // Debug output never shows a secret.
        assert!(!format!("{k:?}").contains("cret"));
        let v = Verifier::new(vec![k.clone(), k], "us-east-1").unwrap();
        assert!(!format!("{v:?}").contains("cret"));
        assert_eq!(v.key_ids(), ["AKID"]);
        assert!(Verifier::new(Vec::new(), "us-east-1").is_err());
        assert!(Verifier::new(
            vec![
                AccessKey::parse("AKID:one").unwrap(),
                AccessKey::parse("AKID:two").unwrap()
            ],
            "us-east-1"
        )
        .is_err());
    }

    #[test]
    fn shared_credentials_files() {
        let text = "\
# comments and other settings are ignored
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = default/secret
region = eu-west-1

; a profile with temporary credentials
[profile temp]
aws_access_key_id=ASIATEMP
aws_secret_access_key=temp/secret
aws_session_token = IQoJ==

[sso-only]
sso_session = corp
";
        let keys = parse_credentials_file(text).unwrap();
        let got: Vec<(&str, &str, Option<&str>)> = keys
            .iter()
            .map(|k| (k.id.as_str(), k.secret.as_str(), k.session_token.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("AKIDDEFAULT", "default/secret", None),
                ("ASIATEMP", "temp/secret", Some("IQoJ=="))
            ]
        );
        assert!(parse_credentials_file("[a]\naws_access_key_id = X\n")
            .unwrap_err()
            .contains("[a] (line 1) needs both"));
        assert!(parse_credentials_file("aws_access_key_id = X\n").is_err());
        assert!(parse_credentials_file("[a]\njunk\n").is_err());
        assert!(parse_credentials_file("# nothing\n").unwrap().is_empty());
    }
}
