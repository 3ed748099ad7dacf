//! Fetching a provider's credentials: the process, the HTTP endpoints
//! (container, IMDS, SSO) and STS, and the parsers of what each answers.

use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::Full;
use serde_json::Value;

use super::{Base, Credentials, Fetched, Provider, RoleStep};
use crate::request::{form_encode, sign_request, Prepared};

/// The metadata endpoints answer at once or not at all (off EC2 the
/// address does not answer): short timeouts, as the SDKs' 1 s.
const IMDS_TIMEOUT: Duration = Duration::from_secs(2);
const CONTAINER_TIMEOUT: Duration = Duration::from_secs(5);
const STS_TIMEOUT: Duration = Duration::from_secs(10);
const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);
/// What the endpoints may answer (credentials are small).
const MAX_ANSWER: usize = 1 << 20;
/// IMDSv2's session token lifetime (the SDKs' 6 hours).
const IMDS_TOKEN_TTL: &str = "21600";
const STS_VERSION: &str = "2011-06-15";

/// The provider's credentials: its base's, then each role assumed with
/// the credentials before it. `now` stamps the STS signatures and
/// default session names.
pub async fn fetch(
    provider: &Provider,
    region: &str,
    sts_endpoint: &str,
    now: SystemTime,
) -> Result<Fetched, String> {
    let mut fetched = match &provider.base {
        Base::Static { credentials, .. } => Fetched {
            credentials: credentials.clone(),
            expires: None,
        },
        Base::Process { command, origin } => process(command)
            .await
            .map_err(|e| format!("the credential_process of {origin} failed: {e}"))?,
        Base::WebIdentity {
            token_file,
            role_arn,
            session_name,
            origin,
        } => web_identity(
            token_file,
            role_arn,
            session_name.as_deref(),
            region,
            sts_endpoint,
            now,
        )
        .await
        .map_err(|e| format!("web identity ({origin}): {e}"))?,
        Base::Container {
            url,
            token,
            token_file,
        } => container(url, token.as_deref(), token_file.as_deref())
            .await
            .map_err(|e| format!("the container credentials endpoint {url}: {e}"))?,
        Base::Imds { endpoint } => imds(endpoint).await.map_err(|e| {
            format!("the EC2 instance metadata service (IMDSv2) at {endpoint}: {e}")
        })?,
        Base::Sso {
            token_file,
            region: sso_region,
            account_id,
            role_name,
            origin,
            endpoint,
        } => sso(token_file, endpoint, sso_region, account_id, role_name, now)
            .await
            .map_err(|e| format!("IAM Identity Center ({origin}): {e}"))?,
    };
    for role in &provider.roles {
        let next = assume_role(&fetched.credentials, role, region, sts_endpoint, now)
            .await
            .map_err(|e| {
                format!(
                    "STS AssumeRole of {} (profile [{}]) at {sts_endpoint}: {e}",
                    role.role_arn, role.profile
                )
            })?;
        fetched = next;
    }
    Ok(fetched)
}

fn default_session_name(now: SystemTime) -> String {
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    format!("stepwell-{secs}")
}

fn expiry(text: &str, what: &str) -> Result<SystemTime, String> {
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .map(SystemTime::from)
        .map_err(|e| format!("{what} is not an ISO 8601 time: '{text}' ({e})"))
}

fn field<'a>(v: &'a Value, name: &str, what: &str) -> Result<&'a str, String> {
    match v.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(format!("{what}: {name} is not a non-empty string")),
        None => Err(format!("{what}: {name} is missing")),
    }
}

fn json(text: &str, what: &str) -> Result<Value, String> {
    let v: Value =
        serde_json::from_str(text.trim()).map_err(|e| format!("{what} is not JSON: {e}"))?;
    if !v.is_object() {
        return Err(format!("{what} is not a JSON object"));
    }
    Ok(v)
}

/// `credential_process`'s output: `{"Version": 1, "AccessKeyId": …,
/// "SecretAccessKey": …, "SessionToken": …, "Expiration": ISO 8601}`
/// (the last two optional).
pub fn parse_process_output(text: &str) -> Result<Fetched, String> {
    let what = "its output";
    let v = json(text, what)?;
    match v.get("Version") {
        Some(n) if n.as_u64() == Some(1) => {}
        Some(other) => return Err(format!("{what}: Version is {other}, not 1")),
        None => return Err(format!("{what}: Version is missing (it must be 1)")),
    }
    let token = match v.get("SessionToken") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()).filter(|s| !s.is_empty()),
        Some(_) => return Err(format!("{what}: SessionToken is not a string")),
    };
    let expires = match v.get("Expiration") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(expiry(s, "Expiration")?),
        Some(_) => return Err(format!("{what}: Expiration is not a string")),
    };
    Ok(Fetched {
        credentials: Credentials {
            access_key_id: field(&v, "AccessKeyId", what)?.to_string(),
            secret_access_key: field(&v, "SecretAccessKey", what)?.to_string(),
            session_token: token,
        },
        expires,
    })
}

/// The container endpoint's and IMDS's answer: `{"AccessKeyId",
/// "SecretAccessKey", "Token", "Expiration"}`; IMDS adds `"Code":
/// "Success"` (another code is an error, with its `Message`).
pub fn parse_container_json(text: &str) -> Result<Fetched, String> {
    let what = "the answer";
    let v = json(text, what)?;
    if let Some(code) = v.get("Code").and_then(Value::as_str) {
        if code != "Success" {
            let message = v.get("Message").and_then(Value::as_str).unwrap_or_default();
            return Err(format!("{what} is the error {code}: {message}"));
        }
    }
    let expires = match v.get("Expiration").and_then(Value::as_str) {
        Some(s) => Some(expiry(s, "Expiration")?),
        None => None,
    };
    Ok(Fetched {
        credentials: Credentials {
            access_key_id: field(&v, "AccessKeyId", what)?.to_string(),
            secret_access_key: field(&v, "SecretAccessKey", what)?.to_string(),
            session_token: v
                .get("Token")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        },
        expires,
    })
}

/// STS's AssumeRole / AssumeRoleWithWebIdentity answer:
/// `<…Result><Credentials><AccessKeyId/><SecretAccessKey/><SessionToken/>
/// <Expiration/></Credentials>`.
pub fn parse_sts_xml(text: &str) -> Result<Fetched, String> {
    let doc =
        roxmltree::Document::parse(text).map_err(|e| format!("the answer is not XML: {e}"))?;
    let Some(credentials) = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "Credentials")
    else {
        return Err("the answer has no Credentials".into());
    };
    let get = |name: &str| {
        credentials
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| format!("the answer's Credentials have no {name}"))
    };
    Ok(Fetched {
        credentials: Credentials {
            access_key_id: get("AccessKeyId")?,
            secret_access_key: get("SecretAccessKey")?,
            session_token: Some(get("SessionToken")?),
        },
        expires: Some(expiry(&get("Expiration")?, "Expiration")?),
    })
}

/// An STS error answer's code and message.
pub(super) fn sts_error(text: &str) -> String {
    let Ok(doc) = roxmltree::Document::parse(text) else {
        return text.trim().chars().take(300).collect();
    };
    let get = |name: &str| {
        doc.descendants()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(|n| n.text())
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    format!("{}: {}", get("Code"), get("Message"))
}

/// SSO's GetRoleCredentials answer: `{"roleCredentials": {"accessKeyId",
/// "secretAccessKey", "sessionToken", "expiration": epoch milliseconds}}`.
pub fn parse_sso_json(text: &str) -> Result<Fetched, String> {
    let what = "the answer";
    let v = json(text, what)?;
    let Some(c) = v.get("roleCredentials") else {
        return Err(format!("{what} has no roleCredentials"));
    };
    let expires = c
        .get("expiration")
        .and_then(Value::as_u64)
        .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms));
    Ok(Fetched {
        credentials: Credentials {
            access_key_id: field(c, "accessKeyId", what)?.to_string(),
            secret_access_key: field(c, "secretAccessKey", what)?.to_string(),
            session_token: c
                .get("sessionToken")
                .and_then(Value::as_str)
                .map(str::to_string),
        },
        expires,
    })
}

/// The access token `aws sso login` cached: `{"accessToken",
/// "expiresAt"}`, unless it has expired at `now`.
pub fn parse_sso_token(text: &str, now: SystemTime) -> Result<String, String> {
    let what = "the cached SSO token";
    let v = json(text, what)?;
    let token = field(&v, "accessToken", what)?.to_string();
    let expires = expiry(field(&v, "expiresAt", what)?, "expiresAt")?;
    if expires <= now {
        return Err(format!("{what} has expired: run `aws sso login` again"));
    }
    Ok(token)
}

async fn process(command: &str) -> Result<Fetched, String> {
    let mut cmd = if cfg!(windows) {
        let mut c = tokio::process::Command::new("cmd.exe");
        c.arg("/C").arg(command);
        c
    } else {
        let mut c = tokio::process::Command::new("sh");
        c.arg("-c").arg(command);
        c
    };
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let output = tokio::time::timeout(PROCESS_TIMEOUT, cmd.output())
        .await
        .map_err(|_| format!("it did not finish within {} s", PROCESS_TIMEOUT.as_secs()))?
        .map_err(|e| format!("it cannot be started: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr: String = stderr.trim().chars().take(500).collect();
        return Err(format!("it exited with {}: {stderr}", output.status));
    }
    parse_process_output(&String::from_utf8_lossy(&output.stdout))
}

/// One HTTP exchange: the status and the body as text.
async fn http(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    timeout: Duration,
) -> Result<(u16, String), String> {
    let mut builder = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let request = builder
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("cannot build the request to {url}: {e}"))?;
    let response = stepwell_lambda::http::send(request, timeout, MAX_ANSWER)
        .await
        .map_err(|e| format!("{method} {url}: {e}"))?;
    Ok((
        response.status.as_u16(),
        String::from_utf8_lossy(&response.body).into_owned(),
    ))
}

fn excerpt(text: &str) -> String {
    text.trim().chars().take(300).collect()
}

/// Whether the container endpoint may be called over plain HTTP: the
/// SDKs allow loopback, ECS's 169.254.170.2 and EKS Pod Identity's
/// 169.254.170.23 / fd00:ec2::23.
fn allowed_container_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.octets() == [169, 254, 170, 2]
                || v4.octets() == [169, 254, 170, 23]
        }
        IpAddr::V6(v6) => v6.is_loopback() || v6.segments() == [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23],
    }
}

async fn check_container_url(url: &str) -> Result<(), String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("it is not a URL ({e})"))?;
    match uri.scheme_str() {
        Some("https") => return Ok(()),
        Some("http") => {}
        _ => return Err("it is neither http:// nor https://".into()),
    }
    let host = uri.host().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return if allowed_container_ip(ip) {
            Ok(())
        } else {
            Err(format!("plain http to {ip} is not allowed: only https, loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23"))
        };
    }
    let port = uri.port_u16().unwrap_or(80);
    let addresses: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    if addresses.is_empty() || !addresses.iter().all(|a| allowed_container_ip(a.ip())) {
        return Err(format!(
            "plain http to {host} is not allowed: it must resolve only to loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23 addresses"
        ));
    }
    Ok(())
}

async fn container(
    url: &str,
    token: Option<&str>,
    token_file: Option<&Path>,
) -> Result<Fetched, String> {
    check_container_url(url).await?;
    // The file (re-read each time: EKS rotates it) before the variable.
    let authorization = match token_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| {
                    format!(
                        "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {}: {e}",
                        path.display()
                    )
                })?
                .trim()
                .to_string(),
        ),
        None => token.map(str::to_string),
    };
    if authorization
        .as_deref()
        .is_some_and(|t| t.contains(['\r', '\n']))
    {
        return Err("the authorization token holds a line break".into());
    }
    let mut headers = vec![("accept", "application/json")];
    if let Some(t) = authorization.as_deref() {
        headers.push(("authorization", t));
    }
    let (status, body) = http("GET", url, &headers, Vec::new(), CONTAINER_TIMEOUT).await?;
    if status != 200 {
        return Err(format!("HTTP {status}: {}", excerpt(&body)));
    }
    parse_container_json(&body)
}

async fn imds(endpoint: &str) -> Result<Fetched, String> {
    let base = endpoint.trim_end_matches('/');
    let (status, token) = http(
        "PUT",
        &format!("{base}/latest/api/token"),
        &[("x-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL)],
        Vec::new(),
        IMDS_TIMEOUT,
    )
    .await
    .map_err(|e| format!("no answer to the token request ({e}): not on EC2?"))?;
    if status != 200 {
        return Err(format!(
            "the token request answered HTTP {status}: {}",
            excerpt(&token)
        ));
    }
    let token = token.trim().to_string();
    let auth = [("x-aws-ec2-metadata-token", token.as_str())];
    let roles_url = format!("{base}/latest/meta-data/iam/security-credentials/");
    let (status, roles) = http("GET", &roles_url, &auth, Vec::new(), IMDS_TIMEOUT).await?;
    if status == 404 {
        return Err("the instance has no IAM role (instance profile)".into());
    }
    if status != 200 {
        return Err(format!(
            "{roles_url} answered HTTP {status}: {}",
            excerpt(&roles)
        ));
    }
    let Some(role) = roles.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return Err("the instance has no IAM role (instance profile)".into());
    };
    let url = format!("{roles_url}{role}");
    let (status, body) = http("GET", &url, &auth, Vec::new(), IMDS_TIMEOUT).await?;
    if status != 200 {
        return Err(format!("{url} answered HTTP {status}: {}", excerpt(&body)));
    }
    parse_container_json(&body)
}

async fn sso(
    token_file: &Path,
    endpoint: &str,
    region: &str,
    account_id: &str,
    role_name: &str,
    now: SystemTime,
) -> Result<Fetched, String> {
    let text = std::fs::read_to_string(token_file).map_err(|e| {
        format!(
            "cannot read the cached SSO token {} ({e}): run `aws sso login`",
            token_file.display()
        )
    })?;
    let token = parse_sso_token(&text, now)?;
    let endpoint = if endpoint.is_empty() {
        format!("https://portal.sso.{region}.amazonaws.com")
    } else {
        endpoint.trim_end_matches('/').to_string()
    };
    let mut query = String::new();
    query.push_str("role_name=");
    crate::request::escape(role_name, &mut query);
    query.push_str("&account_id=");
    crate::request::escape(account_id, &mut query);
    let url = format!("{endpoint}/federation/credentials?{query}");
    let (status, body) = http(
        "GET",
        &url,
        &[("x-amz-sso_bearer_token", token.as_str())],
        Vec::new(),
        STS_TIMEOUT,
    )
    .await?;
    if status != 200 {
        return Err(format!(
            "GetRoleCredentials answered HTTP {status}: {}",
            excerpt(&body)
        ));
    }
    parse_sso_json(&body)
}

/// A query-protocol call to STS, signed with `signer` (AssumeRole) or not
/// (AssumeRoleWithWebIdentity).
async fn sts_call(
    params: Vec<(String, String)>,
    signer: Option<&Credentials>,
    region: &str,
    endpoint: &str,
    now: SystemTime,
) -> Result<Fetched, String> {
    let uri: hyper::Uri = endpoint
        .parse()
        .map_err(|e| format!("the STS endpoint is not a URL: '{endpoint}' ({e})"))?;
    let Some(host) = uri.authority().map(|a| a.as_str().to_string()) else {
        return Err(format!("the STS endpoint has no host: '{endpoint}'"));
    };
    let scheme = uri.scheme_str().unwrap_or("https");
    let path = uri.path().trim_end_matches('/');
    let mut request = Prepared {
        method: "POST",
        url: format!("{scheme}://{host}{path}/"),
        headers: vec![
            ("host".into(), host),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            ),
        ],
        body: form_encode(&params).into_bytes(),
    };
    if let Some(credentials) = signer {
        sign_request(&mut request, credentials, region, "sts", now)?;
    }
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .filter(|(k, _)| k != "host")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, body) = http(
        "POST",
        &request.url,
        &headers,
        request.body.clone(),
        STS_TIMEOUT,
    )
    .await?;
    if status != 200 {
        return Err(format!("HTTP {status}: {}", sts_error(&body)));
    }
    parse_sts_xml(&body)
}

async fn assume_role(
    credentials: &Credentials,
    role: &RoleStep,
    region: &str,
    endpoint: &str,
    now: SystemTime,
) -> Result<Fetched, String> {
    let mut params = vec![
        ("Action".to_string(), "AssumeRole".to_string()),
        ("Version".to_string(), STS_VERSION.to_string()),
        ("RoleArn".to_string(), role.role_arn.clone()),
        (
            "RoleSessionName".to_string(),
            role.session_name
                .clone()
                .unwrap_or_else(|| default_session_name(now)),
        ),
    ];
    if let Some(id) = &role.external_id {
        params.push(("ExternalId".into(), id.clone()));
    }
    if let Some(d) = role.duration_seconds {
        params.push(("DurationSeconds".into(), d.to_string()));
    }
    sts_call(params, Some(credentials), region, endpoint, now).await
}

async fn web_identity(
    token_file: &Path,
    role_arn: &str,
    session_name: Option<&str>,
    region: &str,
    endpoint: &str,
    now: SystemTime,
) -> Result<Fetched, String> {
    let token = std::fs::read_to_string(token_file)
        .map_err(|e| format!("cannot read the token file {}: {e}", token_file.display()))?;
    let params = vec![
        (
            "Action".to_string(),
            "AssumeRoleWithWebIdentity".to_string(),
        ),
        ("Version".to_string(), STS_VERSION.to_string()),
        ("RoleArn".to_string(), role_arn.to_string()),
        (
            "RoleSessionName".to_string(),
            session_name
                .map(str::to_string)
                .unwrap_or_else(|| default_session_name(now)),
        ),
        ("WebIdentityToken".to_string(), token.trim().to_string()),
    ];
    sts_call(params, None, region, endpoint, now)
        .await
        .map_err(|e| format!("STS AssumeRoleWithWebIdentity of {role_arn} at {endpoint}: {e}"))
}
