//! The shared config and credentials files (`~/.aws/config`,
//! `~/.aws/credentials`) and what a profile in them says about where its
//! credentials come from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Base, Credentials, Provider, RoleStep};

/// The keys of one profile (lower-case names), the credentials file's
/// over the config file's.
pub type Profile = BTreeMap<String, String>;

/// Both files' profiles and `[sso-session NAME]` sections.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProfileSet {
    pub profiles: BTreeMap<String, Profile>,
    pub sso_sessions: BTreeMap<String, Profile>,
    /// Where they were read from (for messages).
    pub config_path: PathBuf,
    pub credentials_path: PathBuf,
}

/// One file's sections: `(kind, name, keys)`, kind `""` for a plain
/// `[name]`, else `profile` or `sso-session`.
fn sections(text: &str) -> Vec<(String, String, Profile)> {
    let mut out: Vec<(String, String, Profile)> = Vec::new();
    for raw in text.lines() {
        let indented = raw.starts_with([' ', '\t']);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            // `[profile dev]  # a comment`
            let Some((header, _)) = rest.split_once(']') else {
                continue;
            };
            let header = header.trim();
            let (kind, name) = match header.split_once(char::is_whitespace) {
                Some((kind @ ("profile" | "sso-session"), name)) => (kind, name.trim()),
                _ => ("", header),
            };
            out.push((kind.to_string(), name.to_string(), Profile::new()));
            continue;
        }
        // An indented line continues a sub-section (`s3 =\n  x = y`):
        // nothing the credentials need.
        if indented {
            continue;
        }
        let Some((_, _, keys)) = out.last_mut() else {
            continue;
        };
        if let Some((k, v)) = line.split_once('=') {
            keys.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    out
}

impl ProfileSet {
    /// Both files as the SDKs read them: in the config file a profile is
    /// `[profile NAME]` (or `[default]`), in the credentials file `[NAME]`;
    /// the credentials file's keys win.
    pub fn parse(config: &str, credentials: &str) -> ProfileSet {
        let mut set = ProfileSet::default();
        for (kind, name, keys) in sections(config) {
            let target = match kind.as_str() {
                "profile" => set.profiles.entry(name).or_default(),
                "" if name == "default" => set.profiles.entry(name).or_default(),
                "sso-session" => set.sso_sessions.entry(name).or_default(),
                // `[dev]` in the config file is not a profile (the SDKs
                // ignore it too).
                _ => continue,
            };
            target.extend(keys);
        }
        for (kind, name, keys) in sections(credentials) {
            if !kind.is_empty() {
                continue;
            }
            set.profiles.entry(name).or_default().extend(keys);
        }
        set
    }

    /// Both files of the environment: `AWS_CONFIG_FILE` (else
    /// `~/.aws/config`) and `AWS_SHARED_CREDENTIALS_FILE` (else
    /// `~/.aws/credentials`); `None` when neither can be read.
    pub fn load(
        env: &dyn Fn(&str) -> Option<String>,
        read: &dyn Fn(&Path) -> Option<String>,
    ) -> Option<ProfileSet> {
        let home = env("HOME").map(PathBuf::from);
        let path = |var: &str, default: &str| -> Option<PathBuf> {
            match env(var) {
                Some(p) => Some(PathBuf::from(p)),
                None => home.as_ref().map(|h| h.join(".aws").join(default)),
            }
        };
        let config_path = path("AWS_CONFIG_FILE", "config");
        let credentials_path = path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
        let config = config_path.as_deref().and_then(read);
        let credentials = credentials_path.as_deref().and_then(read);
        if config.is_none() && credentials.is_none() {
            return None;
        }
        let mut set = ProfileSet::parse(
            config.as_deref().unwrap_or_default(),
            credentials.as_deref().unwrap_or_default(),
        );
        set.config_path = config_path.unwrap_or_default();
        set.credentials_path = credentials_path.unwrap_or_default();
        Some(set)
    }

    fn files(&self) -> String {
        format!(
            "{} or {}",
            self.config_path.display(),
            self.credentials_path.display()
        )
    }
}

/// The static keys of a profile, when it has both.
fn static_keys(profile: &Profile) -> Option<Credentials> {
    let get = |k: &str| profile.get(k).filter(|v| !v.is_empty()).cloned();
    Some(Credentials {
        access_key_id: get("aws_access_key_id")?,
        secret_access_key: get("aws_secret_access_key")?,
        session_token: get("aws_session_token"),
    })
}

/// What the SDKs need besides a profile to build its provider: the
/// environment's keys (`credential_source = Environment`), the container
/// and IMDS providers as the environment configures them, the SSO cache's
/// folder.
pub struct Context<'a> {
    pub env_keys: Option<Credentials>,
    pub container: Option<Base>,
    pub imds: &'a dyn Fn(&Profile) -> Base,
    pub sso_cache: PathBuf,
    /// SSO's endpoint when the environment moves it, else empty.
    pub sso_endpoint: String,
}

/// Where `name`'s credentials come from: `Ok(None)` when the profile is
/// not there and `explicit` is false (the default profile: the chain goes
/// on), an error when it is misconfigured (the chain stops, as the SDKs'
/// does).
pub fn profile_provider(
    set: &ProfileSet,
    name: &str,
    explicit: bool,
    cx: &Context<'_>,
) -> Result<Option<Provider>, String> {
    let mut visited: Vec<String> = Vec::new();
    let mut roles: Vec<RoleStep> = Vec::new();
    let mut current = name.to_string();
    let base = loop {
        if visited.contains(&current) {
            return Err(format!(
                "the profiles form a loop of source_profile: {} -> {current}",
                visited.join(" -> ")
            ));
        }
        let Some(profile) = set.profiles.get(&current) else {
            if visited.is_empty() && !explicit {
                return Ok(None);
            }
            return Err(format!("no profile [{current}] in {}", set.files()));
        };
        visited.push(current.clone());
        let here = format!("profile [{current}]");
        // A source profile's own keys end the chain (before its role).
        if visited.len() > 1 {
            if let Some(keys) = static_keys(profile) {
                break Base::Static {
                    credentials: keys,
                    origin: here,
                };
            }
        }
        let get = |k: &str| profile.get(k).filter(|v| !v.is_empty()).cloned();
        if let Some(role_arn) = get("role_arn") {
            if let Some(token_file) = get("web_identity_token_file") {
                break Base::WebIdentity {
                    token_file: PathBuf::from(token_file),
                    role_arn,
                    session_name: get("role_session_name"),
                    origin: here,
                };
            }
            let duration_seconds = match get("duration_seconds") {
                Some(d) => Some(d.parse::<u32>().map_err(|_| {
                    format!("{here}: duration_seconds is not a number of seconds: '{d}'")
                })?),
                None => None,
            };
            roles.push(RoleStep {
                role_arn,
                session_name: get("role_session_name"),
                external_id: get("external_id"),
                duration_seconds,
                profile: current.clone(),
            });
            match (get("source_profile"), get("credential_source")) {
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "{here} has both source_profile and credential_source; it may have one"
                    ))
                }
                (None, None) => {
                    return Err(format!(
                        "{here} has a role_arn but neither source_profile nor credential_source"
                    ))
                }
                (Some(source), None) => {
                    if source == current {
                        // A profile may name itself: its own keys assume
                        // its role.
                        match static_keys(profile) {
                            Some(keys) => {
                                break Base::Static {
                                    credentials: keys,
                                    origin: here,
                                }
                            }
                            None => {
                                return Err(format!(
                                    "{here} is its own source_profile but has no aws_access_key_id/aws_secret_access_key"
                                ))
                            }
                        }
                    }
                    current = source;
                    continue;
                }
                (None, Some(source)) => {
                    break match source.as_str() {
                        "Environment" => match &cx.env_keys {
                            Some(keys) => Base::Static {
                                credentials: keys.clone(),
                                origin: "the environment (credential_source = Environment)".into(),
                            },
                            None => {
                                return Err(format!(
                                    "{here} has credential_source = Environment, but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set"
                                ))
                            }
                        },
                        "EcsContainer" => match &cx.container {
                            Some(container) => container.clone(),
                            None => {
                                return Err(format!(
                                    "{here} has credential_source = EcsContainer, but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set"
                                ))
                            }
                        },
                        "Ec2InstanceMetadata" => (cx.imds)(profile),
                        other => {
                            return Err(format!(
                                "{here}: credential_source '{other}' is not one of Environment, Ec2InstanceMetadata, EcsContainer"
                            ))
                        }
                    };
                }
            }
        }
        if get("web_identity_token_file").is_some() {
            return Err(format!(
                "{here} has a web_identity_token_file but no role_arn"
            ));
        }
        if let Some(sso) = sso_base(set, profile, &here, cx)? {
            break sso;
        }
        if let Some(command) = get("credential_process") {
            break Base::Process {
                command,
                origin: here,
            };
        }
        match static_keys(profile) {
            Some(keys) => {
                break Base::Static {
                    credentials: keys,
                    origin: format!("{here} of {}", set.files()),
                }
            }
            None => {
                return Err(format!(
                    "{here} has no credentials (aws_access_key_id and aws_secret_access_key, credential_process, role_arn, sso_session or web_identity_token_file)"
                ))
            }
        }
    };
    roles.reverse();
    Ok(Some(Provider { base, roles }))
}

/// IAM Identity Center: `sso_session` (its `[sso-session NAME]` gives
/// `sso_start_url` and `sso_region`) or the legacy `sso_start_url` in the
/// profile, with `sso_account_id` and `sso_role_name`.
fn sso_base(
    set: &ProfileSet,
    profile: &Profile,
    here: &str,
    cx: &Context<'_>,
) -> Result<Option<Base>, String> {
    let get = |k: &str| profile.get(k).filter(|v| !v.is_empty()).cloned();
    let (session, start_url, region) = match get("sso_session") {
        Some(session) => {
            let Some(section) = set.sso_sessions.get(&session) else {
                return Err(format!(
                    "{here} names sso_session '{session}', but there is no [sso-session {session}] in {}",
                    set.config_path.display()
                ));
            };
            let field = |k: &str| section.get(k).filter(|v| !v.is_empty()).cloned();
            (
                Some(session.clone()),
                field("sso_start_url"),
                field("sso_region"),
            )
        }
        None => match get("sso_start_url") {
            Some(url) => (None, Some(url), get("sso_region")),
            None => return Ok(None),
        },
    };
    let need = |v: Option<String>, k: &str| v.ok_or_else(|| format!("{here}: {k} is missing"));
    let start_url = need(start_url, "sso_start_url")?;
    let region = need(region, "sso_region")?;
    let account_id = need(get("sso_account_id"), "sso_account_id")?;
    let role_name = need(get("sso_role_name"), "sso_role_name")?;
    // The token's file: the SHA-1 of the session's name (or, legacy, of
    // the start URL) in hex.
    let key = session.as_deref().unwrap_or(&start_url);
    let token_file = cx.sso_cache.join(format!("{}.json", sha1_hex(key)));
    Ok(Some(Base::Sso {
        token_file,
        region,
        account_id,
        role_name,
        origin: here.to_string(),
        endpoint: cx.sso_endpoint.clone(),
    }))
}

fn sha1_hex(text: &str) -> String {
    use sha1::{Digest, Sha1};
    Sha1::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_both_files() {
        let config = "\
# comment
[default]
region = us-east-1
aws_access_key_id = FROMCONFIG
[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = default
s3 =
  max_concurrent_requests = 10
[ignored]
aws_access_key_id = NOPE
[sso-session corp]  ; trailing
sso_region = eu-west-1
sso_start_url = https://corp.awsapps.com/start
";
        let credentials = "[default]\naws_access_key_id=AKID\naws_secret_access_key = SECRET\n[ci]\naws_access_key_id=CI\n";
        let set = ProfileSet::parse(config, credentials);
        let default = &set.profiles["default"];
        assert_eq!(default["aws_access_key_id"], "AKID");
        assert_eq!(default["aws_secret_access_key"], "SECRET");
        assert_eq!(default["region"], "us-east-1");
        assert_eq!(set.profiles["dev"]["source_profile"], "default");
        assert!(!set.profiles["dev"].contains_key("max_concurrent_requests"));
        assert!(!set.profiles.contains_key("ignored"));
        assert_eq!(set.profiles["ci"]["aws_access_key_id"], "CI");
        assert_eq!(set.sso_sessions["corp"]["sso_region"], "eu-west-1");
    }

    #[test]
    fn sso_cache_file_names() {
        // `printf %s NAME | sha1sum`: the file the AWS CLI's `sso login` writes.
        assert_eq!(
            sha1_hex("my-sso"),
            "0ad374308c5a4e22f723adf10145eafad7c4031c"
        );
        assert_eq!(
            sha1_hex("https://d-abc123.awsapps.com/start"),
            "40a89917e3175433e361b710a9d43528d7f1890a"
        );
    }
}
