//! Where the calls' credentials come from: the AWS SDKs' default
//! credential provider chain, and a cache of temporary credentials shared
//! by every Task.
//!
//! The chain, in the order of the AWS SDK for Rust's default chain (the
//! first source that is configured is used; a source that is configured
//! but broken stops the chain with its error, as the SDKs' does):
//!
//! 1. the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//!    `AWS_SESSION_TOKEN`;
//! 2. the profile `AWS_PROFILE` (else `default`) of the shared files
//!    (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/`):
//!    its keys, `credential_process`, `sso_session` (the token `aws sso
//!    login` cached in `~/.aws/sso/cache`, then SSO's GetRoleCredentials),
//!    `web_identity_token_file` + `role_arn` (STS
//!    AssumeRoleWithWebIdentity), or `role_arn` with `source_profile` or
//!    `credential_source` (`Environment`, `EcsContainer`,
//!    `Ec2InstanceMetadata`), assumed with STS AssumeRole, chains of them
//!    included;
//! 3. web identity from the environment: `AWS_WEB_IDENTITY_TOKEN_FILE`,
//!    `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME` (EKS IRSA);
//! 4. the container endpoint: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`
//!    (at `http://169.254.170.2`) or `AWS_CONTAINER_CREDENTIALS_FULL_URI`
//!    (https, or a loopback, ECS or EKS Pod Identity address), with
//!    `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or
//!    `AWS_CONTAINER_AUTHORIZATION_TOKEN` as its `Authorization` (ECS task
//!    roles, EKS Pod Identity);
//! 5. the EC2 instance metadata service, IMDSv2 (a token `PUT`, then the
//!    instance role's credentials), unless `AWS_EC2_METADATA_DISABLED` is
//!    `true`; `AWS_EC2_METADATA_SERVICE_ENDPOINT` (or `_MODE=IPv6`) moves
//!    it.
//!
//! Why not the `aws-config` crate, which is the canonical implementation:
//! `aws-config` 1.13 without its default features still brings 48 crates
//! this workspace does not build (the generated STS, SSO and SSO-OIDC
//! clients, the smithy runtime, `url` with the ICU crates): 1 min 25 s of
//! a release build on this 2-core machine for those alone; and its
//! default HTTPS client is rustls on aws-lc-rs (cmake, which the
//! workspace avoids), so without it an adapter to our HTTP client would
//! be needed anyway. What
//! the chain needs is a few GETs, one query-protocol POST to STS signed
//! with the `aws-sigv4` we already use, a process and two file formats:
//! a few hundred lines, tested here against local servers.
//!
//! Temporary credentials are cached: used until 5 minutes before they
//! expire (or, for short-lived ones, half their life), then refreshed in
//! the background while the old ones still sign; only when none are valid
//! does a Task wait, and then for one fetch that every waiting Task
//! shares. A failed fetch is remembered for [`ERROR_MEMORY`], so a burst
//! of Tasks does not hammer a metadata endpoint that is down.

mod fetch;
pub mod profile;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

pub use fetch::{
    fetch, parse_container_json, parse_process_output, parse_sso_json, parse_sso_token,
    parse_sts_xml,
};
pub use profile::ProfileSet;

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

/// Credentials as a provider gave them: with their expiry, when they
/// have one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub credentials: Credentials,
    pub expires: Option<SystemTime>,
}

/// Where the first credentials of a chain come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// Keys as they are (the environment, a profile).
    Static {
        credentials: Credentials,
        origin: String,
    },
    /// A profile's `credential_process`, run with `sh -c`.
    Process { command: String, origin: String },
    /// STS AssumeRoleWithWebIdentity with the token in `token_file` (read
    /// at each fetch: Kubernetes rotates it).
    WebIdentity {
        token_file: PathBuf,
        role_arn: String,
        session_name: Option<String>,
        origin: String,
    },
    /// The ECS/EKS container endpoint.
    Container {
        url: String,
        token: Option<String>,
        token_file: Option<PathBuf>,
    },
    /// The EC2 instance metadata service (IMDSv2) at `endpoint`.
    Imds { endpoint: String },
    /// IAM Identity Center: the cached token, then GetRoleCredentials.
    Sso {
        token_file: PathBuf,
        region: String,
        account_id: String,
        role_name: String,
        origin: String,
        /// SSO's endpoint (`AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL`), or
        /// empty: `https://portal.sso.REGION.amazonaws.com`.
        endpoint: String,
    },
}

/// A role assumed with STS AssumeRole (a profile's `role_arn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleStep {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration_seconds: Option<u32>,
    /// The profile that names it.
    pub profile: String,
}

/// A source of credentials: its base, then the roles assumed in turn
/// (each with the credentials of the step before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub base: Base,
    pub roles: Vec<RoleStep>,
}

impl Provider {
    /// For the log and for messages: where the credentials come from.
    pub fn describe(&self) -> String {
        let base = match &self.base {
            Base::Static { origin, .. } => origin.clone(),
            Base::Process { command, origin } => {
                format!("credential_process of {origin} ({command})")
            }
            Base::WebIdentity {
                role_arn,
                token_file,
                origin,
                ..
            } => format!(
                "web identity of {origin}: STS AssumeRoleWithWebIdentity of {role_arn} with {}",
                token_file.display()
            ),
            Base::Container { url, .. } => format!("the container credentials endpoint {url}"),
            Base::Imds { endpoint } => {
                format!("the EC2 instance metadata service (IMDSv2) at {endpoint}")
            }
            Base::Sso {
                account_id,
                role_name,
                origin,
                ..
            } => format!("IAM Identity Center of {origin}: role {role_name} in {account_id}"),
        };
        self.roles.iter().fold(base, |text, role| {
            format!(
                "{text}, then STS AssumeRole of {} (profile [{}])",
                role.role_arn, role.profile
            )
        })
    }

    /// Keys that never change (no fetch needed).
    pub fn static_credentials(&self) -> Option<&Credentials> {
        match (&self.base, self.roles.is_empty()) {
            (Base::Static { credentials, .. }, true) => Some(credentials),
            _ => None,
        }
    }
}

/// The chain's answer for an environment: the provider to use, and what
/// was looked at before it (for the message when it fails).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub provider: Option<Provider>,
    pub tried: Vec<String>,
}

/// STS, as the credential chain calls it (AssumeRole,
/// AssumeRoleWithWebIdentity): its endpoint is found as any service's
/// (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, `sts.REGION.amazonaws.com`).
pub const STS: crate::Service = crate::Service {
    sdk_resource: "sts",
    optimized_resource: None,
    signing_name: "sts",
    endpoint_prefix: "sts",
    env_suffix: "STS",
    protocol: crate::Protocol::Query {
        version: "2011-06-15",
    },
    sdk_name: "Sts",
    optimized_names: None,
    camel_case: false,
    modeled_common: &[],
    string_maps: &[],
    timestamps: &[],
};

const IMDS_DEFAULT: &str = "http://169.254.169.254";
const IMDS_DEFAULT_IPV6: &str = "http://[fd00:ec2::254]";
const ECS_HOST: &str = "http://169.254.170.2";

/// Walks the chain for an environment (`env` reads a variable, `read` a
/// file): which provider the SDKs would use. An error is a source that is
/// configured but broken (a profile that names a missing one, …).
pub fn resolve(
    env: &dyn Fn(&str) -> Option<String>,
    read: &dyn Fn(&Path) -> Option<String>,
) -> Result<Resolved, String> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let mut tried = Vec::new();
    // 1. The environment.
    let env_keys = match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => Some(Credentials {
            access_key_id: id,
            secret_access_key: secret,
            session_token: var("AWS_SESSION_TOKEN"),
        }),
        _ => None,
    };
    if let Some(keys) = &env_keys {
        return Ok(Resolved {
            provider: Some(Provider {
                base: Base::Static {
                    credentials: keys.clone(),
                    origin: "the environment".into(),
                },
                roles: Vec::new(),
            }),
            tried,
        });
    }
    tried.push("the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set)".into());
    let container = container_base(&var);
    let imds_endpoint = |profile: Option<&profile::Profile>| {
        var("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            .or_else(|| profile.and_then(|p| p.get("ec2_metadata_service_endpoint").cloned()))
            .unwrap_or_else(|| {
                let mode = var("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").or_else(|| {
                    profile.and_then(|p| p.get("ec2_metadata_service_endpoint_mode").cloned())
                });
                if mode.is_some_and(|m| m.eq_ignore_ascii_case("ipv6")) {
                    IMDS_DEFAULT_IPV6.to_string()
                } else {
                    IMDS_DEFAULT.to_string()
                }
            })
    };
    // 2. The shared files' profile.
    let explicit = var("AWS_PROFILE");
    let name = explicit.clone().unwrap_or_else(|| "default".into());
    let home = var("HOME").map(PathBuf::from).unwrap_or_default();
    let set = ProfileSet::load(&|n| var(n), read);
    let mut profile_of_imds = None;
    match &set {
        Some(set) => {
            let imds = |p: &profile::Profile| Base::Imds {
                endpoint: imds_endpoint(Some(p)),
            };
            let cx = profile::Context {
                env_keys: env_keys.clone(),
                container: container.clone(),
                imds: &imds,
                sso_cache: home.join(".aws").join("sso").join("cache"),
                sso_endpoint: var("AWS_ENDPOINT_URL_SSO")
                    .or_else(|| var("AWS_ENDPOINT_URL"))
                    .unwrap_or_default(),
            };
            if let Some(provider) = profile::profile_provider(set, &name, explicit.is_some(), &cx)?
            {
                return Ok(Resolved {
                    provider: Some(provider),
                    tried,
                });
            }
            profile_of_imds = set.profiles.get(&name).cloned();
            tried.push(format!("profile [{name}] (not in {})", set_files(set)));
        }
        None => {
            if explicit.is_some() {
                return Err(format!(
                    "AWS_PROFILE names the profile [{name}], but neither the config file nor the credentials file can be read (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, ~/.aws/)"
                ));
            }
            tried.push("the shared config and credentials files (none can be read)".into());
        }
    }
    // 3. Web identity from the environment.
    match (var("AWS_WEB_IDENTITY_TOKEN_FILE"), var("AWS_ROLE_ARN")) {
        (Some(file), Some(role_arn)) => {
            return Ok(Resolved {
                provider: Some(Provider {
                    base: Base::WebIdentity {
                        token_file: PathBuf::from(file),
                        role_arn,
                        session_name: var("AWS_ROLE_SESSION_NAME"),
                        origin: "the environment (AWS_WEB_IDENTITY_TOKEN_FILE)".into(),
                    },
                    roles: Vec::new(),
                }),
                tried,
            })
        }
        (Some(_), None) => return Err(
            "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: web identity needs both"
                .into(),
        ),
        _ => tried.push("web identity (AWS_WEB_IDENTITY_TOKEN_FILE is not set)".into()),
    }
    // 4. The container endpoint.
    if let Some(container) = container {
        return Ok(Resolved {
            provider: Some(Provider {
                base: container,
                roles: Vec::new(),
            }),
            tried,
        });
    }
    tried.push(
        "the container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set)"
            .into(),
    );
    // 5. IMDS.
    if var("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        tried.push("the EC2 instance metadata service (AWS_EC2_METADATA_DISABLED is true)".into());
        return Ok(Resolved {
            provider: None,
            tried,
        });
    }
    Ok(Resolved {
        provider: Some(Provider {
            base: Base::Imds {
                endpoint: imds_endpoint(profile_of_imds.as_ref()),
            },
            roles: Vec::new(),
        }),
        tried,
    })
}

fn set_files(set: &ProfileSet) -> String {
    format!(
        "{} or {}",
        set.config_path.display(),
        set.credentials_path.display()
    )
}

fn container_base(var: &dyn Fn(&str) -> Option<String>) -> Option<Base> {
    let url = match var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
        Some(relative) => {
            let slash = if relative.starts_with('/') { "" } else { "/" };
            format!("{ECS_HOST}{slash}{relative}")
        }
        None => var("AWS_CONTAINER_CREDENTIALS_FULL_URI")?,
    };
    Some(Base::Container {
        url,
        token: var("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
        token_file: var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").map(PathBuf::from),
    })
}

/// How long before their expiry credentials are replaced.
pub const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);
/// Credentials this close to their expiry are not used to sign.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(10);
/// How long credentials without an expiry (a `credential_process` that
/// gives none) are kept before the provider is asked again (the AWS SDK
/// for Rust's default).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// How long a failed fetch answers for the provider.
pub const ERROR_MEMORY: Duration = Duration::from_secs(5);

/// What cached credentials are good for at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// Still valid; time to fetch new ones in the background.
    Refresh,
    /// Not to be used.
    Expired,
}

/// Credentials fetched at `fetched` that expire at `expires`, at `now`.
pub fn freshness(fetched: SystemTime, expires: SystemTime, now: SystemTime) -> Freshness {
    let usable_until = expires.checked_sub(EXPIRY_MARGIN).unwrap_or(expires);
    if now >= usable_until {
        return Freshness::Expired;
    }
    let lifetime = expires.duration_since(fetched).unwrap_or_default();
    let early = expires.checked_sub(REFRESH_BEFORE).unwrap_or(fetched);
    let half = fetched + lifetime / 2;
    if now >= early.max(half) {
        Freshness::Refresh
    } else {
        Freshness::Fresh
    }
}

#[derive(Debug, Default)]
struct State {
    /// The credentials, when they were fetched, and when they expire.
    current: Option<(Credentials, SystemTime, SystemTime)>,
    /// The last fetch's error and when it happened.
    error: Option<(String, SystemTime)>,
}

/// The chain's credentials for every Task of a client: fetched when first
/// needed, refreshed before they expire, at most one fetch at a time.
pub struct CredentialsCache {
    resolved: Result<Resolved, String>,
    region: String,
    sts_endpoint: String,
    state: Mutex<State>,
    /// Held by the one fetch under way.
    fetching: Arc<tokio::sync::Mutex<()>>,
}

/// Only where the credentials come from: never a key or a token.
impl std::fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsCache")
            .field("source", &self.describe())
            .finish_non_exhaustive()
    }
}

impl CredentialsCache {
    /// A cache for what [`resolve`] found; STS calls (AssumeRole, web
    /// identity) go to `sts_endpoint` in `region`.
    pub fn new(resolved: Result<Resolved, String>, region: &str, sts_endpoint: &str) -> Self {
        CredentialsCache {
            resolved,
            region: region.to_string(),
            sts_endpoint: sts_endpoint.to_string(),
            state: Mutex::default(),
            fetching: Arc::default(),
        }
    }

    /// Keys given as they are (no fetch, no expiry).
    pub fn fixed(credentials: Option<Credentials>) -> Self {
        let provider = credentials.map(|credentials| Provider {
            base: Base::Static {
                credentials,
                origin: "the client's own keys".into(),
            },
            roles: Vec::new(),
        });
        CredentialsCache::new(
            Ok(Resolved {
                provider,
                tried: Vec::new(),
            }),
            "us-east-1",
            "",
        )
    }

    /// Where the credentials come from, or why there are none.
    pub fn describe(&self) -> Result<String, String> {
        match &self.resolved {
            Ok(Resolved {
                provider: Some(p),
                tried,
            }) => Ok(match (&p.base, p.roles.is_empty()) {
                // The last resort: say that nothing else was found.
                (Base::Imds { .. }, true) if !tried.is_empty() => format!(
                    "{} (nothing else is configured: not {})",
                    p.describe(),
                    tried.join("; not ")
                ),
                _ => p.describe(),
            }),
            Ok(Resolved {
                provider: None,
                tried,
            }) => Err(format!("no AWS credentials: tried {}", tried.join("; "))),
            Err(e) => Err(e.clone()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the state half-written: every
        // write is one assignment.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Credentials to sign with at `now`, or why there are none (what was
    /// tried and what failed).
    pub async fn get(self: &Arc<Self>, now: SystemTime) -> Result<Credentials, String> {
        let provider = match &self.resolved {
            Ok(Resolved {
                provider: Some(p), ..
            }) => p,
            Ok(_) | Err(_) => {
                return Err(self.describe().err().unwrap_or_default());
            }
        };
        if let Some(keys) = provider.static_credentials() {
            return Ok(keys.clone());
        }
        if let Some(found) = self.cached(now) {
            return found;
        }
        // None valid: wait for the one fetch (ours or one under way).
        let _guard = self.fetching.lock().await;
        if let Some(found) = self.cached(now) {
            return found;
        }
        self.fetch_and_store(provider, now).await
    }

    /// Valid cached credentials (starting a background refresh when they
    /// are due for one), a recent error, or `None`: fetch.
    fn cached(self: &Arc<Self>, now: SystemTime) -> Option<Result<Credentials, String>> {
        let state = self.lock();
        if let Some((credentials, fetched, expires)) = &state.current {
            match freshness(*fetched, *expires, now) {
                Freshness::Fresh => return Some(Ok(credentials.clone())),
                Freshness::Refresh => {
                    let credentials = credentials.clone();
                    // After a failed refresh, the next try waits a little.
                    let failed_lately = state.error.as_ref().is_some_and(|(_, at)| {
                        now.duration_since(*at).is_ok_and(|d| d < ERROR_MEMORY)
                    });
                    drop(state);
                    if !failed_lately {
                        self.refresh_in_background(now);
                    }
                    return Some(Ok(credentials));
                }
                Freshness::Expired => {}
            }
        }
        if let Some((error, at)) = &state.error {
            if now.duration_since(*at).is_ok_and(|d| d < ERROR_MEMORY) {
                return Some(Err(error.clone()));
            }
        }
        None
    }

    fn refresh_in_background(self: &Arc<Self>, now: SystemTime) {
        let Ok(guard) = self.fetching.clone().try_lock_owned() else {
            return; // one is under way
        };
        let cache = self.clone();
        tokio::spawn(async move {
            let _guard = guard;
            let provider = match &cache.resolved {
                Ok(Resolved {
                    provider: Some(p), ..
                }) => p,
                _ => return,
            };
            // A failure here keeps the old credentials (still valid).
            let _ = cache.fetch_and_store(provider, now).await;
        });
    }

    async fn fetch_and_store(
        &self,
        provider: &Provider,
        now: SystemTime,
    ) -> Result<Credentials, String> {
        let result = fetch(provider, &self.region, &self.sts_endpoint, now).await;
        let mut state = self.lock();
        match result {
            Ok(fetched) => {
                let expires = fetched.expires.unwrap_or(now + DEFAULT_LIFETIME);
                state.current = Some((fetched.credentials.clone(), now, expires));
                state.error = None;
                Ok(fetched.credentials)
            }
            Err(e) => {
                // Only the failure is remembered: credentials still valid
                // (a background refresh that failed) keep signing.
                let message = match &self.resolved {
                    Ok(r) if !r.tried.is_empty() => format!(
                        "{e} (the credential chain tried {} first)",
                        r.tried.join("; ")
                    ),
                    _ => e,
                };
                state.error = Some((message.clone(), now));
                Err(message)
            }
        }
    }
}

#[cfg(test)]
mod tests;
