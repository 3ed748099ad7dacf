//! EventBridge connections for the HTTP Task, declared in the project file.
//!
//! A connection is a `[connections.NAME]` table whose fields are those of
//! EventBridge's `CreateConnection` (`AuthorizationType`, `AuthParameters`),
//! so the JSON given to `aws events create-connection` carries over:
//!
//! ```toml
//! [connections.Stripe]
//! AuthorizationType = "API_KEY"       # API_KEY | BASIC | OAUTH_CLIENT_CREDENTIALS
//! [connections.Stripe.AuthParameters.ApiKeyAuthParameters]
//! ApiKeyName = "Authorization"
//! ApiKeyValue = { env = "STRIPE_KEY" } # a secret: a string, or read from the environment
//! [[connections.Stripe.AuthParameters.InvocationHttpParameters.HeaderParameters]]
//! Key = "Stripe-Version"
//! Value = "2024-06-20"
//! ```
//!
//! An HTTP Task names one with `Authentication.ConnectionArn` or
//! `InvocationConfig.ConnectionArn`
//! (`arn:aws:events:REGION:ACCOUNT:connection/NAME/UUID`); only `NAME`
//! matters here.
//!
//! What a connection adds to a request, as EventBridge does:
//! * `API_KEY`: the header `ApiKeyName: ApiKeyValue`;
//! * `BASIC`: `Authorization: Basic base64(Username:Password)`;
//! * `OAUTH_CLIENT_CREDENTIALS`: `Authorization: Bearer TOKEN`, the token got
//!   from `AuthorizationEndpoint` with `HttpMethod`, the client's ID and
//!   secret as HTTP Basic credentials (RFC 6749 §2.3.1) and the
//!   `OAuthHttpParameters` (headers, query string, and body parameters sent
//!   form-encoded; `grant_type=client_credentials` is added when they have no
//!   `grant_type`). The token is kept and reused until 60 seconds before its
//!   `expires_in` runs out, and dropped when the API answers 401 or 407, so
//!   the next attempt (a `Retry`) fetches a new one. A token endpoint that
//!   fails fails the task with `Events.ConnectionResource.InvalidConnectionState`
//!   (EventBridge deauthorizes such a connection).
//! * `InvocationHttpParameters`: headers, query parameters and body
//!   parameters merged into the task's own (see `http_task`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request};
use serde::Deserialize;
use serde_json::Value;

use crate::client::send;

/// How long before its expiry a token is replaced.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
const TOKEN_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_TOKEN_RESPONSE: usize = 1024 * 1024;

/// One declared connection.
#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    pub name: String,
    pub auth: ConnectionAuth,
    /// `AuthParameters.InvocationHttpParameters`.
    pub invocation: HttpParameters,
}

/// `AuthorizationType` with its `AuthParameters`.
#[derive(Clone, PartialEq, Eq)]
pub enum ConnectionAuth {
    /// `API_KEY`: the header `name: value`.
    ApiKey { name: String, value: String },
    /// `BASIC`.
    Basic { username: String, password: String },
    /// `OAUTH_CLIENT_CREDENTIALS`.
    OAuth(OAuthParameters),
}

/// `AuthParameters.OAuthParameters`.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthParameters {
    /// `AuthorizationEndpoint`: the token URL.
    pub endpoint: String,
    /// `HttpMethod`: GET, POST or PUT.
    pub method: String,
    pub client_id: String,
    pub client_secret: String,
    /// `OAuthHttpParameters`: sent to the token endpoint.
    pub http: HttpParameters,
}

/// `ConnectionHttpParameters`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpParameters {
    pub headers: Vec<Parameter>,
    pub query: Vec<Parameter>,
    pub body: Vec<Parameter>,
}

/// A `{Key, Value, IsValueSecret}` of a connection.
#[derive(Clone, PartialEq, Eq)]
pub struct Parameter {
    pub key: String,
    pub value: String,
    pub secret: bool,
}

impl fmt::Debug for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = if self.secret { "<secret>" } else { &self.value };
        write!(f, "{}={value}", self.key)
    }
}

impl ConnectionAuth {
    /// The `AuthorizationType` name.
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectionAuth::ApiKey { .. } => "API_KEY",
            ConnectionAuth::Basic { .. } => "BASIC",
            ConnectionAuth::OAuth(_) => "OAUTH_CLIENT_CREDENTIALS",
        }
    }
}

/// Secrets stay out of logs and panics.
impl fmt::Debug for ConnectionAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionAuth::ApiKey { name, .. } => f
                .debug_struct("ApiKey")
                .field("name", name)
                .finish_non_exhaustive(),
            ConnectionAuth::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .finish_non_exhaustive(),
            ConnectionAuth::OAuth(o) => f
                .debug_struct("OAuth")
                .field("endpoint", &o.endpoint)
                .field("method", &o.method)
                .field("client_id", &o.client_id)
                .field("http", &o.http)
                .finish_non_exhaustive(),
        }
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("name", &self.name)
            .field("auth", &self.auth)
            .field("invocation", &self.invocation)
            .finish()
    }
}

// ---------------------------------------------------------------------------
// The project file.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConnection {
    #[serde(rename = "AuthorizationType")]
    authorization_type: String,
    #[serde(rename = "AuthParameters")]
    auth_parameters: RawAuthParameters,
    /// Accepted so a CreateConnection input carries over; unused.
    #[serde(rename = "Description", default)]
    _description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthParameters {
    #[serde(rename = "ApiKeyAuthParameters")]
    api_key: Option<RawApiKey>,
    #[serde(rename = "BasicAuthParameters")]
    basic: Option<RawBasic>,
    #[serde(rename = "OAuthParameters")]
    oauth: Option<RawOAuth>,
    #[serde(rename = "InvocationHttpParameters")]
    invocation: Option<RawHttpParameters>,
    /// Private APIs (a VPC Lattice resource): no meaning locally.
    #[serde(rename = "ConnectivityParameters")]
    _connectivity: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApiKey {
    #[serde(rename = "ApiKeyName")]
    name: String,
    #[serde(rename = "ApiKeyValue")]
    value: toml::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBasic {
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Password")]
    password: toml::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOAuth {
    #[serde(rename = "AuthorizationEndpoint")]
    endpoint: String,
    #[serde(rename = "HttpMethod")]
    method: String,
    #[serde(rename = "ClientParameters")]
    client: RawClient,
    #[serde(rename = "OAuthHttpParameters")]
    http: Option<RawHttpParameters>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClient {
    #[serde(rename = "ClientID")]
    id: String,
    #[serde(rename = "ClientSecret")]
    secret: toml::Value,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHttpParameters {
    #[serde(rename = "HeaderParameters", default)]
    headers: Vec<RawParameter>,
    #[serde(rename = "QueryStringParameters", default)]
    query: Vec<RawParameter>,
    #[serde(rename = "BodyParameters", default)]
    body: Vec<RawParameter>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Value")]
    value: toml::Value,
    #[serde(rename = "IsValueSecret", default)]
    secret: Option<bool>,
}

/// Reads a value that may be secret: a string, or `{ env = "NAME" }` (the
/// environment variable's value, read when the project is loaded).
fn secret_value(value: toml::Value, field: &str) -> Result<String, (String, String)> {
    match value {
        toml::Value::String(s) => Ok(s),
        toml::Value::Table(table) => {
            let mut keys = table.keys();
            match (
                keys.next().map(String::as_str),
                keys.next(),
                table.get("env"),
            ) {
                (Some("env"), None, Some(toml::Value::String(name))) => std::env::var(name)
                    .map_err(|_| {
                        (
                            field.to_string(),
                            format!("the environment variable `{name}` is not set"),
                        )
                    }),
                _ => Err((
                    field.to_string(),
                    "expected a string or { env = \"NAME\" }".into(),
                )),
            }
        }
        other => Err((
            field.to_string(),
            format!(
                "expected a string or {{ env = \"NAME\" }}, found {}",
                other.type_str()
            ),
        )),
    }
}

fn header_name_ok(name: &str) -> bool {
    !name.is_empty() && hyper::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
}

fn parameters(
    raw: Option<RawHttpParameters>,
    at: &str,
) -> Result<HttpParameters, (String, String)> {
    let raw = raw.unwrap_or_default();
    let convert = |list: Vec<RawParameter>,
                   kind: &str,
                   header: bool|
     -> Result<Vec<Parameter>, (String, String)> {
        list.into_iter()
            .enumerate()
            .map(|(i, p)| {
                let field = format!("{at}.{kind}[{i}]");
                if p.key.is_empty() || (header && !header_name_ok(&p.key)) {
                    return Err((
                        format!("{field}.Key"),
                        format!("`{}` is not a valid key", p.key),
                    ));
                }
                let value = secret_value(p.value, &format!("{field}.Value"))?;
                if header && hyper::header::HeaderValue::from_str(&value).is_err() {
                    return Err((format!("{field}.Value"), "not a valid header value".into()));
                }
                Ok(Parameter {
                    key: p.key,
                    value,
                    secret: p.secret.unwrap_or(false),
                })
            })
            .collect()
    };
    Ok(HttpParameters {
        headers: convert(raw.headers, "HeaderParameters", true)?,
        query: convert(raw.query, "QueryStringParameters", false)?,
        body: convert(raw.body, "BodyParameters", false)?,
    })
}

/// Checks one `[connections.NAME]` table. `Err((field, message))`, the field
/// relative to `connections.NAME`.
pub(crate) fn parse(name: &str, raw: RawConnection) -> Result<Connection, (String, String)> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err((
            String::new(),
            "a connection name has 1 to 64 letters, digits, dots, hyphens or underscores".into(),
        ));
    }
    let params = raw.auth_parameters;
    let kind = raw.authorization_type.as_str();
    let present = [
        ("ApiKeyAuthParameters", params.api_key.is_some(), "API_KEY"),
        ("BasicAuthParameters", params.basic.is_some(), "BASIC"),
        (
            "OAuthParameters",
            params.oauth.is_some(),
            "OAUTH_CLIENT_CREDENTIALS",
        ),
    ];
    if !present.iter().any(|(_, _, k)| *k == kind) {
        return Err((
            "AuthorizationType".into(),
            format!("`{kind}` is not API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS"),
        ));
    }
    for (field, is_there, for_kind) in present {
        if is_there != (for_kind == kind) {
            let message = if is_there {
                format!("not used with AuthorizationType {kind}")
            } else {
                format!("required with AuthorizationType {kind}")
            };
            return Err((format!("AuthParameters.{field}"), message));
        }
    }
    let auth = if let Some(key) = params.api_key {
        if !header_name_ok(&key.name) {
            return Err((
                "AuthParameters.ApiKeyAuthParameters.ApiKeyName".into(),
                format!("`{}` is not a valid header name", key.name),
            ));
        }
        let value = secret_value(key.value, "AuthParameters.ApiKeyAuthParameters.ApiKeyValue")?;
        if hyper::header::HeaderValue::from_str(&value).is_err() {
            return Err((
                "AuthParameters.ApiKeyAuthParameters.ApiKeyValue".into(),
                "not a valid header value".into(),
            ));
        }
        ConnectionAuth::ApiKey {
            name: key.name,
            value,
        }
    } else if let Some(basic) = params.basic {
        ConnectionAuth::Basic {
            username: basic.username,
            password: secret_value(
                basic.password,
                "AuthParameters.BasicAuthParameters.Password",
            )?,
        }
    } else if let Some(oauth) = params.oauth {
        let at = "AuthParameters.OAuthParameters";
        if !(oauth.endpoint.starts_with("https://") || oauth.endpoint.starts_with("http://"))
            || oauth.endpoint.parse::<hyper::Uri>().is_err()
        {
            return Err((
                format!("{at}.AuthorizationEndpoint"),
                format!("`{}` is not an http(s) URL", oauth.endpoint),
            ));
        }
        let method = oauth.method.to_ascii_uppercase();
        if !matches!(method.as_str(), "GET" | "POST" | "PUT") {
            return Err((
                format!("{at}.HttpMethod"),
                format!("`{}` is not GET, POST or PUT", oauth.method),
            ));
        }
        ConnectionAuth::OAuth(OAuthParameters {
            endpoint: oauth.endpoint,
            method,
            client_id: oauth.client.id,
            client_secret: secret_value(
                oauth.client.secret,
                &format!("{at}.ClientParameters.ClientSecret"),
            )?,
            http: parameters(oauth.http, &format!("{at}.OAuthHttpParameters"))?,
        })
    } else {
        // Unreachable: the checks above found the matching parameters.
        return Err(("AuthParameters".into(), "missing".into()));
    };
    Ok(Connection {
        name: name.to_string(),
        auth,
        invocation: parameters(params.invocation, "AuthParameters.InvocationHttpParameters")?,
    })
}

// ---------------------------------------------------------------------------
// At run time.

/// The declared connections and their OAuth tokens; shared by every HTTP
/// Task of a [`crate::Lambda`].
#[derive(Default)]
pub struct Connections {
    by_name: BTreeMap<String, Arc<Entry>>,
}

pub(crate) struct Entry {
    pub(crate) config: Connection,
    /// The current OAuth token; the lock also makes concurrent tasks wait
    /// for one token request instead of each sending its own.
    token: tokio::sync::Mutex<Option<Token>>,
}

struct Token {
    /// `Bearer TOKEN`.
    authorization: String,
    expires: Option<Instant>,
}

impl fmt::Debug for Connections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.by_name.keys()).finish()
    }
}

/// A task failure: `(error, cause)`.
type Failure = (String, String);

impl Connections {
    pub fn new(connections: impl IntoIterator<Item = Connection>) -> Connections {
        Connections {
            by_name: connections
                .into_iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        Arc::new(Entry {
                            config: c,
                            token: tokio::sync::Mutex::new(None),
                        }),
                    )
                })
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The connection an HTTP Task names. With no connection declared at
    /// all, every ARN resolves to none (the task runs without one, as before
    /// connections existed); otherwise an unknown one fails the task with
    /// `Events.ConnectionResource.ResourceNotFound`.
    pub(crate) fn resolve(&self, arn: &str) -> Result<Option<Arc<Entry>>, Failure> {
        if self.by_name.is_empty() {
            tracing::debug!(
                arn,
                "no connection is declared; the HTTP Task runs without one"
            );
            return Ok(None);
        }
        let name = connection_name(arn);
        match name.and_then(|n| self.by_name.get(n)) {
            Some(entry) => Ok(Some(Arc::clone(entry))),
            None => Err((
                "Events.ConnectionResource.ResourceNotFound".into(),
                match name {
                    Some(name) => format!(
                        "Connection '{name}' does not exist. (Stepwell: declare it as [connections.{name}] in the project file.)"
                    ),
                    None => format!(
                        "'{arn}' is not a connection ARN (arn:aws:events:REGION:ACCOUNT:connection/NAME/UUID)."
                    ),
                },
            )),
        }
    }
}

/// `NAME` of `arn:PARTITION:events:REGION:ACCOUNT:connection/NAME[/UUID]`.
pub(crate) fn connection_name(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (arn_word, _partition, service, _region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if arn_word != "arn" || service != "events" {
        return None;
    }
    let name = resource.strip_prefix("connection/")?.split('/').next()?;
    (!name.is_empty()).then_some(name)
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

impl Entry {
    /// The header the connection's authorization adds (fetching an OAuth
    /// token when there is none, or it is about to expire).
    pub(crate) async fn auth_header(&self) -> Result<(String, String), Failure> {
        match &self.config.auth {
            ConnectionAuth::ApiKey { name, value } => Ok((name.clone(), value.clone())),
            ConnectionAuth::Basic { username, password } => {
                Ok(("Authorization".into(), basic(username, password)))
            }
            ConnectionAuth::OAuth(oauth) => {
                let mut token = self.token.lock().await;
                let fresh = token.as_ref().is_some_and(|t| {
                    t.expires.is_none_or(|at| {
                        at.saturating_duration_since(Instant::now()) > REFRESH_MARGIN
                    })
                });
                if !fresh {
                    *token = Some(self.fetch_token(oauth).await?);
                }
                let authorization = token
                    .as_ref()
                    .map(|t| t.authorization.clone())
                    .unwrap_or_default();
                Ok(("Authorization".into(), authorization))
            }
        }
    }

    /// After a 401 or 407: the token is dropped (if it is still the one the
    /// request carried), so the next request fetches a new one.
    pub(crate) async fn rejected(&self, authorization: &str) {
        if matches!(self.config.auth, ConnectionAuth::OAuth(_)) {
            let mut token = self.token.lock().await;
            if token
                .as_ref()
                .is_some_and(|t| t.authorization == authorization)
            {
                tracing::debug!(connection = %self.config.name, "the API refused the OAuth token; it is dropped");
                *token = None;
            }
        }
    }

    async fn fetch_token(&self, oauth: &OAuthParameters) -> Result<Token, Failure> {
        let name = &self.config.name;
        let deauthorized = |why: String| {
            (
                "Events.ConnectionResource.InvalidConnectionState".to_string(),
                format!("The connection '{name}' could not be authorized: {why}"),
            )
        };
        let http = &oauth.http;
        let mut form: Vec<(&str, &str)> = http
            .body
            .iter()
            .map(|p| (p.key.as_str(), p.value.as_str()))
            .collect();
        let mut query: Vec<(&str, &str)> = http
            .query
            .iter()
            .map(|p| (p.key.as_str(), p.value.as_str()))
            .collect();
        let has_grant = form.iter().chain(&query).any(|(k, _)| *k == "grant_type");
        if !has_grant {
            form.insert(0, ("grant_type", "client_credentials"));
        }
        // A GET has no body: its parameters go in the query string.
        if oauth.method == "GET" {
            query.append(&mut form);
        }
        let mut url = oauth.endpoint.clone();
        if !query.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&crate::http_task::encode_pairs(&query));
        }
        let method = Method::from_bytes(oauth.method.as_bytes()).unwrap_or(Method::POST);
        let mut builder = Request::builder()
            .method(method)
            .uri(&url)
            .header("accept", "application/json")
            .header(
                "authorization",
                basic(&oauth.client_id, &oauth.client_secret),
            );
        let body = if form.is_empty() {
            Bytes::new()
        } else {
            builder = builder.header("content-type", "application/x-www-form-urlencoded");
            Bytes::from(crate::http_task::encode_pairs(&form))
        };
        for p in &http.headers {
            builder = builder.header(p.key.as_str(), p.value.as_str());
        }
        let request = builder
            .body(Full::new(body))
            .map_err(|e| deauthorized(format!("the token request is not valid: {e}")))?;
        let response = send(request, TOKEN_TIMEOUT, MAX_TOKEN_RESPONSE)
            .await
            .map_err(|e| {
                deauthorized(format!(
                    "the authorization endpoint '{}' gave no answer: {e}",
                    oauth.endpoint
                ))
            })?;
        let text = String::from_utf8_lossy(&response.body);
        if !response.status.is_success() {
            let snippet: String = text.chars().take(200).collect();
            return Err(deauthorized(format!(
                "the authorization endpoint '{}' answered {}: {snippet}",
                oauth.endpoint, response.status
            )));
        }
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let Some(access_token) = answer.get("access_token").and_then(Value::as_str) else {
            return Err(deauthorized(format!(
                "the authorization endpoint '{}' answered without an access_token",
                oauth.endpoint
            )));
        };
        let kind = match answer.get("token_type").and_then(Value::as_str) {
            None => "Bearer",
            Some(t) if t.eq_ignore_ascii_case("bearer") => "Bearer",
            Some(t) => t,
        };
        let expires_in = match answer.get("expires_in") {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        let expires = expires_in
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Instant::now() + Duration::from_secs_f64(s.min(1.0e9)));
        tracing::debug!(connection = %name, expires_in, "fetched an OAuth token");
        Ok(Token {
            authorization: format!("{kind} {access_token}"),
            expires,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn connection_names_come_from_arns() {
        let cases = [
            (
                "arn:aws:events:us-east-1:123456789012:connection/Stripe/81210c42-8af1-456b-9c4a-6ff02fc664ac",
                Some("Stripe"),
            ),
            ("arn:aws:events:us-east-1:123456789012:connection/a.b-c_d", Some("a.b-c_d")),
            ("arn:aws-cn:events:cn-north-1:1:connection/x/y", Some("x")),
            ("arn:aws:events:us-east-1:1:api-destination/x/y", None),
            ("arn:aws:lambda:us-east-1:1:connection/x/y", None),
            ("Stripe", None),
            ("arn:aws:events:us-east-1:1:connection//y", None),
        ];
        for (arn, want) in cases {
            assert_eq!(connection_name(arn), want, "{arn}");
        }
    }

    #[test]
    fn secret_values() {
        std::env::set_var("STEPWELL_TEST_SECRET_VALUE", "s3cret");
        let table: toml::Value =
            toml::from_str("v = { env = \"STEPWELL_TEST_SECRET_VALUE\" }").unwrap();
        assert_eq!(secret_value(table["v"].clone(), "f").unwrap(), "s3cret");
        let missing: toml::Value =
            toml::from_str("v = { env = \"STEPWELL_NO_SUCH_VARIABLE\" }").unwrap();
        assert_eq!(
            secret_value(missing["v"].clone(), "f").unwrap_err().1,
            "the environment variable `STEPWELL_NO_SUCH_VARIABLE` is not set"
        );
        let other: toml::Value = toml::from_str("v = { file = \"x\" }").unwrap();
        assert!(secret_value(other["v"].clone(), "f").is_err());
        assert!(secret_value(toml::Value::Integer(3), "f").is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Connection {
            name: "c".into(),
            auth: ConnectionAuth::Basic {
                username: "u".into(),
                password: "hunter2".into(),
            },
            invocation: HttpParameters {
                headers: vec![Parameter {
                    key: "k".into(),
                    value: "also-secret".into(),
                    secret: true,
                }],
                ..HttpParameters::default()
            },
        };
        let text = format!("{c:?}");
        assert!(
            !text.contains("hunter2") && !text.contains("also-secret"),
            "{text}"
        );
    }
}
