use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::*;

const CONFIG: &str = "\
[default]
region = us-east-1
[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = base
role_session_name = me
external_id = ext
duration_seconds = 1800
[profile base]
aws_access_key_id = AKIDBASE
aws_secret_access_key = base-secret
role_arn = arn:aws:iam::123456789012:role/ignored
source_profile = other
[profile chained]
role_arn = arn:aws:iam::123456789012:role/outer
source_profile = dev
[profile proc]
credential_process = /usr/bin/get-creds --json
[profile web]
role_arn = arn:aws:iam::123456789012:role/web
web_identity_token_file = /var/token
[profile from-env]
role_arn = arn:aws:iam::123456789012:role/e
credential_source = Environment
[profile from-ecs]
role_arn = arn:aws:iam::123456789012:role/c
credential_source = EcsContainer
[profile from-ec2]
role_arn = arn:aws:iam::123456789012:role/i
credential_source = Ec2InstanceMetadata
ec2_metadata_service_endpoint = http://127.0.0.1:9999
[profile self]
role_arn = arn:aws:iam::123456789012:role/s
source_profile = self
[profile self-nokeys]
role_arn = arn:aws:iam::123456789012:role/s
source_profile = self-nokeys
[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/a
source_profile = loop-b
[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/b
source_profile = loop-a
[profile both]
role_arn = arn:aws:iam::123456789012:role/x
source_profile = base
credential_source = Environment
[profile neither]
role_arn = arn:aws:iam::123456789012:role/x
[profile bad-source]
role_arn = arn:aws:iam::123456789012:role/x
credential_source = Somewhere
[profile empty]
region = eu-west-1
[profile sso]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly
[profile sso-legacy]
sso_start_url = https://d-abc123.awsapps.com/start
sso_region = us-west-2
sso_account_id = 111122223333
sso_role_name = ReadOnly
[profile sso-missing]
sso_session = nowhere
sso_account_id = 1
sso_role_name = r
[sso-session corp]
sso_region = eu-west-1
sso_start_url = https://corp.awsapps.com/start
";

const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = default-secret
[self]
aws_access_key_id = AKIDSELF
aws_secret_access_key = self-secret
[tokened]
aws_access_key_id = AKIDT
aws_secret_access_key = t-secret
aws_session_token = tok
";

/// The chain for these variables over the two files above (at /h/.aws/).
fn chain(vars: &[(&str, &str)], files: bool) -> Result<Resolved, String> {
    let env = |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let read = |p: &Path| {
        if !files {
            return None;
        }
        if p == Path::new("/h/.aws/config") {
            Some(CONFIG.to_string())
        } else if p == Path::new("/h/.aws/credentials") {
            Some(CREDENTIALS.to_string())
        } else {
            None
        }
    };
    resolve(&env, &read)
}

fn keys(id: &str, secret: &str, token: Option<&str>) -> Credentials {
    Credentials {
        access_key_id: id.into(),
        secret_access_key: secret.into(),
        session_token: token.map(str::to_string),
    }
}

fn role(arn: &str, profile: &str) -> RoleStep {
    RoleStep {
        role_arn: arn.into(),
        session_name: None,
        external_id: None,
        duration_seconds: None,
        profile: profile.into(),
    }
}

#[test]
fn the_chain_picks_the_first_configured_source() {
    let home = ("HOME", "/h");
    let imds = |endpoint: &str| Provider {
        base: Base::Imds {
            endpoint: endpoint.into(),
        },
        roles: vec![],
    };
    let dev_role = RoleStep {
        role_arn: "arn:aws:iam::123456789012:role/dev".into(),
        session_name: Some("me".into()),
        external_id: Some("ext".into()),
        duration_seconds: Some(1800),
        profile: "dev".into(),
    };
    let base_keys = Base::Static {
        credentials: keys("AKIDBASE", "base-secret", None),
        origin: "profile [base]".into(),
    };
    // (variables, files present, the provider)
    type Row<'a> = (Vec<(&'a str, &'a str)>, bool, Provider);
    let rows: Vec<Row<'_>> = vec![
        (
            vec![
                ("AWS_ACCESS_KEY_ID", "AKIDENV"),
                ("AWS_SECRET_ACCESS_KEY", "s"),
                ("AWS_SESSION_TOKEN", "t"),
                ("AWS_PROFILE", "dev"),
                home,
            ],
            true,
            Provider {
                base: Base::Static {
                    credentials: keys("AKIDENV", "s", Some("t")),
                    origin: "the environment".into(),
                },
                roles: vec![],
            },
        ),
        (
            vec![home],
            true,
            Provider {
                base: Base::Static {
                    credentials: keys("AKIDDEFAULT", "default-secret", None),
                    origin: "profile [default] of /h/.aws/config or /h/.aws/credentials".into(),
                },
                roles: vec![],
            },
        ),
        (
            vec![home, ("AWS_PROFILE", "dev")],
            true,
            Provider {
                base: base_keys.clone(),
                roles: vec![dev_role.clone()],
            },
        ),
        (
            // Roles are assumed innermost first.
            vec![home, ("AWS_PROFILE", "chained")],
            true,
            Provider {
                base: base_keys.clone(),
                roles: vec![
                    dev_role.clone(),
                    role("arn:aws:iam::123456789012:role/outer", "chained"),
                ],
            },
        ),
        (
            vec![home, ("AWS_PROFILE", "proc")],
            true,
            Provider {
                base: Base::Process {
                    command: "/usr/bin/get-creds --json".into(),
                    origin: "profile [proc]".into(),
                },
                roles: vec![],
            },
        ),
        (
            vec![home, ("AWS_PROFILE", "web")],
            true,
            Provider {
                base: Base::WebIdentity {
                    token_file: PathBuf::from("/var/token"),
                    role_arn: "arn:aws:iam::123456789012:role/web".into(),
                    session_name: None,
                    origin: "profile [web]".into(),
                },
                roles: vec![],
            },
        ),
        (
            vec![home, ("AWS_PROFILE", "self")],
            true,
            Provider {
                base: Base::Static {
                    credentials: keys("AKIDSELF", "self-secret", None),
                    origin: "profile [self]".into(),
                },
                roles: vec![role("arn:aws:iam::123456789012:role/s", "self")],
            },
        ),
        (
            vec![
                home,
                ("AWS_PROFILE", "from-ecs"),
                ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic x"),
            ],
            true,
            Provider {
                base: Base::Container {
                    url: "http://169.254.170.2/v2/creds".into(),
                    token: Some("Basic x".into()),
                    token_file: None,
                },
                roles: vec![role("arn:aws:iam::123456789012:role/c", "from-ecs")],
            },
        ),
        (
            vec![home, ("AWS_PROFILE", "from-ec2")],
            true,
            Provider {
                base: Base::Imds {
                    endpoint: "http://127.0.0.1:9999".into(),
                },
                roles: vec![role("arn:aws:iam::123456789012:role/i", "from-ec2")],
            },
        ),
        (
            vec![home, ("AWS_PROFILE", "tokened")],
            true,
            Provider {
                base: Base::Static {
                    credentials: keys("AKIDT", "t-secret", Some("tok")),
                    origin: "profile [tokened] of /h/.aws/config or /h/.aws/credentials".into(),
                },
                roles: vec![],
            },
        ),
        (
            vec![home, ("AWS_PROFILE", "sso")],
            true,
            Provider {
                base: Base::Sso {
                    token_file: PathBuf::from(
                        "/h/.aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
                    ),
                    region: "eu-west-1".into(),
                    account_id: "111122223333".into(),
                    role_name: "ReadOnly".into(),
                    origin: "profile [sso]".into(),
                    endpoint: String::new(),
                },
                roles: vec![],
            },
        ),
        (
            vec![
                home,
                ("AWS_PROFILE", "sso-legacy"),
                ("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:1"),
            ],
            true,
            Provider {
                base: Base::Sso {
                    token_file: PathBuf::from(
                        "/h/.aws/sso/cache/40a89917e3175433e361b710a9d43528d7f1890a.json",
                    ),
                    region: "us-west-2".into(),
                    account_id: "111122223333".into(),
                    role_name: "ReadOnly".into(),
                    origin: "profile [sso-legacy]".into(),
                    endpoint: "http://127.0.0.1:1".into(),
                },
                roles: vec![],
            },
        ),
        (
            // No files: web identity from the environment.
            vec![
                home,
                ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"),
                ("AWS_ROLE_ARN", "arn:aws:iam::1:role/irsa"),
                ("AWS_ROLE_SESSION_NAME", "pod"),
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c"),
            ],
            false,
            Provider {
                base: Base::WebIdentity {
                    token_file: PathBuf::from("/t"),
                    role_arn: "arn:aws:iam::1:role/irsa".into(),
                    session_name: Some("pod".into()),
                    origin: "the environment (AWS_WEB_IDENTITY_TOKEN_FILE)".into(),
                },
                roles: vec![],
            },
        ),
        (
            // The default profile missing: the chain goes on.
            vec![
                ("HOME", "/elsewhere"),
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c"),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/tok"),
            ],
            true,
            Provider {
                base: Base::Container {
                    url: "http://127.0.0.1:1/c".into(),
                    token: None,
                    token_file: Some(PathBuf::from("/tok")),
                },
                roles: vec![],
            },
        ),
        (
            // The relative URI wins over the full one.
            vec![
                ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/x"),
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c"),
            ],
            false,
            Provider {
                base: Base::Container {
                    url: "http://169.254.170.2/v2/x".into(),
                    token: None,
                    token_file: None,
                },
                roles: vec![],
            },
        ),
        (vec![], false, imds("http://169.254.169.254")),
        (
            vec![("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")],
            false,
            imds("http://[fd00:ec2::254]"),
        ),
        (
            vec![("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:8111")],
            false,
            imds("http://127.0.0.1:8111"),
        ),
    ];
    for (vars, files, want) in rows {
        match chain(&vars, files) {
            Ok(Resolved {
                provider: Some(got),
                ..
            }) => assert_eq!(got, want, "{vars:?}"),
            other => panic!("{vars:?}: {other:?}"),
        }
    }
}

#[test]
fn the_sso_session_file_name_is_the_sha1_of_the_session() {
    // The row above names the file by the session "corp".
    let Ok(Resolved {
        provider: Some(p), ..
    }) = chain(&[("HOME", "/h"), ("AWS_PROFILE", "sso")], true)
    else {
        panic!("no provider");
    };
    let Base::Sso { token_file, .. } = p.base else {
        panic!("not sso");
    };
    // `printf %s corp | sha1sum`
    assert_eq!(
        token_file,
        PathBuf::from("/h/.aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json")
    );
}

#[test]
fn misconfigured_sources_stop_the_chain() {
    // (variables, the error contains)
    let rows: &[(&[(&str, &str)], &str)] = &[
        (&[("AWS_PROFILE", "missing")], "no profile [missing]"),
        (&[("AWS_PROFILE", "loop-a")], "loop of source_profile"),
        (
            &[("AWS_PROFILE", "both")],
            "both source_profile and credential_source",
        ),
        (
            &[("AWS_PROFILE", "neither")],
            "neither source_profile nor credential_source",
        ),
        (
            &[("AWS_PROFILE", "bad-source")],
            "'Somewhere' is not one of",
        ),
        (
            &[("AWS_PROFILE", "from-env")],
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set",
        ),
        (
            &[("AWS_PROFILE", "from-ecs")],
            "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        ),
        (
            &[("AWS_PROFILE", "self-nokeys")],
            "is its own source_profile",
        ),
        (
            &[("AWS_PROFILE", "empty")],
            "profile [empty] has no credentials",
        ),
        (
            &[("AWS_PROFILE", "sso-missing")],
            "no [sso-session nowhere]",
        ),
        (
            &[("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"), ("HOME", "/nowhere")],
            "AWS_ROLE_ARN is not",
        ),
    ];
    for (vars, want) in rows {
        let mut vars = vars.to_vec();
        if !vars.iter().any(|(k, _)| *k == "HOME") {
            vars.push(("HOME", "/h"));
        }
        match chain(&vars, true) {
            Err(e) => assert!(e.contains(want), "{vars:?}: {e}"),
            Ok(r) => panic!("{vars:?}: {r:?}"),
        }
    }
    // AWS_PROFILE without any file.
    match chain(&[("AWS_PROFILE", "dev")], false) {
        Err(e) => assert!(e.contains("AWS_PROFILE names the profile [dev]"), "{e}"),
        Ok(r) => panic!("{r:?}"),
    }
}

#[test]
fn with_imds_disabled_nothing_is_found_and_the_message_says_what_was_tried() {
    let Ok(resolved) = chain(&[("AWS_EC2_METADATA_DISABLED", "TRUE")], false) else {
        panic!("an error");
    };
    assert_eq!(resolved.provider, None);
    let cache = CredentialsCache::new(Ok(resolved), "us-east-1", "");
    let Err(message) = cache.describe() else {
        panic!("described");
    };
    for part in [
        "AWS_ACCESS_KEY_ID",
        "shared config and credentials files",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_EC2_METADATA_DISABLED",
    ] {
        assert!(message.contains(part), "{message}");
    }
}

#[test]
fn process_output() {
    // (output, Ok((id, token, expiry seconds)) or Err(contains))
    type Want<'a> = Result<(&'a str, Option<&'a str>, Option<u64>), &'a str>;
    let rows: &[(&str, Want<'_>)] = &[
        (
            r#"{"Version": 1, "AccessKeyId": "AKIDP", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2024-05-01T12:00:00Z"}"#,
            Ok(("AKIDP", Some("t"), Some(1_714_564_800))),
        ),
        (
            "\n{\"Version\":1,\"AccessKeyId\":\"AKIDP\",\"SecretAccessKey\":\"s\"}\n",
            Ok(("AKIDP", None, None)),
        ),
        (
            r#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "2024-05-01T12:00:00.5+02:00"}"#,
            Ok(("A", None, Some(1_714_557_600))),
        ),
        (
            r#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "s"}"#,
            Err("Version is 2, not 1"),
        ),
        (
            r#"{"AccessKeyId": "A", "SecretAccessKey": "s"}"#,
            Err("Version is missing"),
        ),
        (
            r#"{"Version": 1, "SecretAccessKey": "s"}"#,
            Err("AccessKeyId is missing"),
        ),
        (
            r#"{"Version": 1, "AccessKeyId": "", "SecretAccessKey": "s"}"#,
            Err("AccessKeyId is not a non-empty string"),
        ),
        (
            r#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "tomorrow"}"#,
            Err("not an ISO 8601 time"),
        ),
        ("AKID=x", Err("is not JSON")),
        ("[1]", Err("not a JSON object")),
    ];
    for (text, want) in rows {
        let got = parse_process_output(text).map(|f| {
            (
                f.credentials.access_key_id,
                f.credentials.session_token,
                f.expires.map(|t| {
                    t.duration_since(SystemTime::UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_secs()
                }),
            )
        });
        match (got, want) {
            (Ok((id, token, exp)), Ok((wid, wtoken, wexp))) => {
                assert_eq!(
                    (id.as_str(), token.as_deref(), exp),
                    (*wid, *wtoken, *wexp),
                    "{text}"
                )
            }
            (Err(e), Err(part)) => assert!(e.contains(part), "{text}: {e}"),
            (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn container_and_imds_answers() {
    type Want<'a> = Result<(&'a str, Option<&'a str>), &'a str>;
    let rows: &[(&str, Want<'_>)] = &[
        (
            r#"{"AccessKeyId":"ASIAC","SecretAccessKey":"s","Token":"t","Expiration":"2024-05-01T12:00:00Z","RoleArn":"arn:r"}"#,
            Ok(("ASIAC", Some("t"))),
        ),
        (
            r#"{"Code":"Success","LastUpdated":"2024-05-01T06:00:00Z","Type":"AWS-HMAC","AccessKeyId":"ASIAI","SecretAccessKey":"s","Token":"t","Expiration":"2024-05-01T12:00:00Z"}"#,
            Ok(("ASIAI", Some("t"))),
        ),
        (
            r#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role"}"#,
            Err("AssumeRoleUnauthorizedAccess: EC2 cannot assume the role"),
        ),
        (
            r#"{"code":"x","message":"y"}"#,
            Err("AccessKeyId is missing"),
        ),
        ("<html>", Err("is not JSON")),
    ];
    for (text, want) in rows {
        let got = parse_container_json(text)
            .map(|f| (f.credentials.access_key_id, f.credentials.session_token));
        match (got, want) {
            (Ok((id, token)), Ok((wid, wtoken))) => {
                assert_eq!((id.as_str(), token.as_deref()), (*wid, *wtoken))
            }
            (Err(e), Err(part)) => assert!(e.contains(part), "{text}: {e}"),
            (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn sts_answers() {
    let ok = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>x</SourceIdentity>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/dev/me</Arn><AssumedRoleId>ARO:me</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIASTS</AccessKeyId>
      <SecretAccessKey>sts-secret</SecretAccessKey>
      <SessionToken>sts-token</SessionToken>
      <Expiration>2024-05-01T12:00:00.359Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;
    match parse_sts_xml(ok) {
        Ok(f) => {
            assert_eq!(
                f.credentials,
                keys("ASIASTS", "sts-secret", Some("sts-token"))
            );
            assert_eq!(
                f.expires,
                Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1_714_564_800_359))
            );
        }
        Err(e) => panic!("{e}"),
    }
    let rows = [
        ("<AssumeRoleResponse/>", "no Credentials"),
        (
            "<R><Credentials><AccessKeyId>A</AccessKeyId></Credentials></R>",
            "no SecretAccessKey",
        ),
        ("not xml", "not XML"),
    ];
    for (text, part) in rows {
        match parse_sts_xml(text) {
            Err(e) => assert!(e.contains(part), "{text}: {e}"),
            Ok(f) => panic!("{text}: {f:?}"),
        }
    }
    assert_eq!(
        fetch::sts_error(
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error></ErrorResponse>"
        ),
        "AccessDenied: not authorized to perform sts:AssumeRole"
    );
}

#[test]
fn sso_answers() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_714_564_800);
    match parse_sso_json(
        r#"{"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"s","sessionToken":"t","expiration":1714568400000}}"#,
    ) {
        Ok(f) => {
            assert_eq!(f.credentials, keys("ASIASSO", "s", Some("t")));
            assert_eq!(f.expires, Some(now + Duration::from_secs(3600)));
        }
        Err(e) => panic!("{e}"),
    }
    assert!(parse_sso_json("{}").is_err());
    let token = r#"{"accessToken":"tok","expiresAt":"2024-05-01T13:00:00Z","region":"eu-west-1","startUrl":"https://corp.awsapps.com/start"}"#;
    assert_eq!(fetch::parse_sso_token(token, now), Ok("tok".to_string()));
    let later = now + Duration::from_secs(7200);
    match fetch::parse_sso_token(token, later) {
        Err(e) => assert!(e.contains("aws sso login"), "{e}"),
        Ok(t) => panic!("{t}"),
    }
}

#[test]
fn when_credentials_are_refreshed() {
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    let min = |m: u64| Duration::from_secs(m * 60);
    let sec = Duration::from_secs;
    // (lifetime, time since the fetch, freshness)
    let rows = [
        (min(60), min(0), Freshness::Fresh),
        (min(60), min(54), Freshness::Fresh),
        (min(60), min(55), Freshness::Refresh),
        (min(60), min(59), Freshness::Refresh),
        (min(60), min(60) - sec(11), Freshness::Refresh),
        (min(60), min(60) - sec(10), Freshness::Expired),
        (min(60), min(61), Freshness::Expired),
        // Short-lived credentials: refreshed after half their life, not
        // at once.
        (min(4), min(1), Freshness::Fresh),
        (min(4), min(2), Freshness::Refresh),
        (sec(15), sec(0), Freshness::Fresh),
        (sec(15), sec(5), Freshness::Expired),
        // Already expired when fetched.
        (sec(0), sec(0), Freshness::Expired),
    ];
    for (lifetime, after, want) in rows {
        assert_eq!(
            freshness(t0, t0 + lifetime, t0 + after),
            want,
            "{lifetime:?} {after:?}"
        );
    }
    // A clock that went back: still fresh.
    assert_eq!(freshness(t0, t0 + min(60), t0 - min(1)), Freshness::Fresh);
}

#[test]
fn described_providers() {
    let p = Provider {
        base: Base::Process {
            command: "get".into(),
            origin: "profile [p]".into(),
        },
        roles: vec![role("arn:r", "q")],
    };
    assert_eq!(
        p.describe(),
        "credential_process of profile [p] (get), then STS AssumeRole of arn:r (profile [q])"
    );
}
