//! The credential chain against real local servers standing in for the
//! container endpoint, IMDS, STS and SSO, and a real `credential_process`
//! script.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use stepwell_aws::credentials::{resolve, CredentialsCache};
use stepwell_aws::{Client, Credentials};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request the fake server got.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: String,
}

type Handler = dyn Fn(&Request, usize) -> (u16, String) + Send + Sync;

/// An HTTP/1.1 server on a loopback port: answers each request with
/// `handler(request, its number from 0)`, keeps every request.
struct Fake {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Fake {
    async fn start(
        handler: impl Fn(&Request, usize) -> (u16, String) + Send + Sync + 'static,
    ) -> Fake {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => panic!("bind: {e}"),
        };
        let url = match listener.local_addr() {
            Ok(a) => format!("http://{a}"),
            Err(e) => panic!("{e}"),
        };
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let kept = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let handler = handler.clone();
                let kept = kept.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    let n = {
                        let mut all = kept.lock().unwrap_or_else(|e| e.into_inner());
                        all.push(request.clone());
                        all.len() - 1
                    };
                    let (status, body) = handler(&request, n);
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(body.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Fake { url, requests }
    }

    fn requests(&self) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

/// A scratch folder of this test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stepwell-aws-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("{}: {e}", dir.display());
    }
    dir
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    if let Err(e) = std::fs::write(path, text) {
        panic!("{}: {e}", path.display());
    }
}

/// The chain's cache for these variables (files read for real).
fn cache(vars: &[(&str, &str)], sts: &str) -> Arc<CredentialsCache> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let env = |n: &str| vars.get(n).cloned();
    let resolved = resolve(&env, &|p| std::fs::read_to_string(p).ok());
    Arc::new(CredentialsCache::new(resolved, "us-east-1", sts))
}

const T0: u64 = 1_893_456_000; // 2030-01-01T00:00:00Z

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(T0 + secs)
}

fn iso(secs: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp((T0 + secs) as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    match t.format(&time::format_description::well_known::Rfc3339) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn container_json(id: &str, expires: u64) -> String {
    format!(
        r#"{{"AccessKeyId":"{id}","SecretAccessKey":"s-{id}","Token":"t-{id}","Expiration":"{}"}}"#,
        iso(expires)
    )
}

fn sts_xml(action: &str, id: &str, expires: u64) -> String {
    format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result><Credentials><AccessKeyId>{id}</AccessKeyId><SecretAccessKey>s-{id}</SecretAccessKey><SessionToken>t-{id}</SessionToken><Expiration>{}</Expiration></Credentials></{action}Result></{action}Response>",
        iso(expires)
    )
}

async fn get(cache: &Arc<CredentialsCache>, now: SystemTime) -> Credentials {
    match cache.get(now).await {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

/// A cache whose only source is the container endpoint `fake` stands for.
fn container_cache(fake: &Fake) -> Arc<CredentialsCache> {
    let url = format!("{}/c", fake.url);
    cache(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url)], "")
}

/// What `n` Tasks asking `c` at the same time (at T0) get.
async fn at_once(c: &Arc<CredentialsCache>, n: usize) -> Vec<Result<Credentials, String>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get(at(0)).await })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        match t.await {
            Ok(answer) => answers.push(answer),
            Err(e) => panic!("{e}"),
        }
    }
    answers
}

#[tokio::test]
async fn the_container_endpoint_with_a_token_file() {
    let fake = Fake::start(|_, _| (200, container_json("ASIACONTAINER", 3600))).await;
    let dir = scratch("container");
    let token_file = dir.join("token");
    write(&token_file, "Bearer eks-pod-token\n");
    let url = format!("{}/v1/credentials", fake.url);
    let c = cache(
        &[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                token_file.to_str().unwrap_or(""),
            ),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                "ignored: the file wins",
            ),
        ],
        "",
    );
    let got = get(&c, at(0)).await;
    assert_eq!(got.access_key_id, "ASIACONTAINER");
    assert_eq!(got.session_token.as_deref(), Some("t-ASIACONTAINER"));
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/v1/credentials");
    assert_eq!(
        requests[0].headers.get("authorization").map(String::as_str),
        Some("Bearer eks-pod-token")
    );

    // Plain http elsewhere than loopback/ECS/EKS is refused before any
    // request is sent.
    let c = cache(
        &[(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://10.1.2.3/creds",
        )],
        "",
    );
    match c.get(at(0)).await {
        Err(e) => assert!(e.contains("plain http to 10.1.2.3 is not allowed"), "{e}"),
        Ok(c) => panic!("{c:?}"),
    }
    // An error the endpoint answers.
    let failing = Fake::start(|_, _| (500, r#"{"code":"Oops","message":"no"}"#.into())).await;
    let c = cache(
        &[(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            &format!("{}/c", failing.url),
        )],
        "",
    );
    match c.get(at(0)).await {
        Err(e) => {
            assert!(e.contains("the container credentials endpoint"), "{e}");
            assert!(e.contains("HTTP 500"), "{e}");
            // What the chain looked at first.
            assert!(e.contains("AWS_ACCESS_KEY_ID"), "{e}");
        }
        Ok(c) => panic!("{c:?}"),
    }
}

#[tokio::test]
async fn imds_v2_token_then_the_role() {
    let fake = Fake::start(|r, _| match (r.method.as_str(), r.path.as_str()) {
        ("PUT", "/latest/api/token") => {
            if r.headers.get("x-aws-ec2-metadata-token-ttl-seconds").map(String::as_str)
                == Some("21600")
            {
                (200, "IMDS-TOKEN".into())
            } else {
                (400, String::new())
            }
        }
        (_, _) if r.headers.get("x-aws-ec2-metadata-token").map(String::as_str) != Some("IMDS-TOKEN") => {
            (401, String::new())
        }
        ("GET", "/latest/meta-data/iam/security-credentials/") => (200, "web-server-role\n".into()),
        ("GET", "/latest/meta-data/iam/security-credentials/web-server-role") => (
            200,
            format!(
                r#"{{"Code":"Success","LastUpdated":"{}","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS","SecretAccessKey":"s","Token":"t","Expiration":"{}"}}"#,
                iso(0),
                iso(21600)
            ),
        ),
        _ => (404, String::new()),
    })
    .await;
    let c = cache(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &fake.url)], "");
    let got = get(&c, at(0)).await;
    assert_eq!(got.access_key_id, "ASIAIMDS");
    let paths: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        paths,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/iam/security-credentials/",
            "GET /latest/meta-data/iam/security-credentials/web-server-role"
        ]
    );
    let described = c.describe().unwrap_or_default();
    assert!(
        described.starts_with(&format!(
            "the EC2 instance metadata service (IMDSv2) at {} (nothing else is configured: not the environment",
            fake.url
        )),
        "{described}"
    );
}

#[tokio::test]
async fn imds_that_does_not_answer_is_a_clear_error_soon() {
    // A port nothing listens on.
    let port = match std::net::TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l.local_addr().map(|a| a.port()).unwrap_or(1),
        Err(e) => panic!("{e}"),
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    let c = cache(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)], "");
    let started = std::time::Instant::now();
    match c.get(at(0)).await {
        Err(e) => {
            assert!(e.contains("EC2 instance metadata service"), "{e}");
            assert!(e.contains("not on EC2?"), "{e}");
            assert!(e.contains("the container endpoint"), "{e}");
        }
        Ok(c) => panic!("{c:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn assume_role_from_a_source_profile_signs_with_its_keys() {
    let sts = Fake::start(|r, _| {
        if r.body.contains("Action=AssumeRole&") {
            (200, sts_xml("AssumeRole", "ASIAROLE", 3600))
        } else {
            (400, "<ErrorResponse><Error><Code>InvalidAction</Code><Message>?</Message></Error></ErrorResponse>".into())
        }
    })
    .await;
    let dir = scratch("assume");
    let config = dir.join("config");
    write(
        &config,
        "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\nexternal_id = ext-1\n[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n",
    );
    let c = cache(
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap_or("")),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
            ("AWS_PROFILE", "deploy"),
        ],
        &sts.url,
    );
    let got = get(&c, at(0)).await;
    assert_eq!(got.access_key_id, "ASIAROLE");
    assert_eq!(got.session_token.as_deref(), Some("t-ASIAROLE"));
    let requests = sts.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/"));
    assert!(
        r.body.starts_with("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdeploy&RoleSessionName=stepwell-1893456000&ExternalId=ext-1"),
        "{}",
        r.body
    );
    let auth = r.headers.get("authorization").cloned().unwrap_or_default();
    assert!(
        auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDBASE/20300101/us-east-1/sts/aws4_request"
        ),
        "{auth}"
    );

    // STS refusing is the task's error, with STS's code.
    let refusing = Fake::start(|_, _| {
        (403, "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>".into())
    })
    .await;
    let c = cache(
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap_or("")),
            ("AWS_PROFILE", "deploy"),
        ],
        &refusing.url,
    );
    match c.get(at(0)).await {
        Err(e) => {
            assert!(
                e.contains(
                    "STS AssumeRole of arn:aws:iam::123456789012:role/deploy (profile [deploy])"
                ),
                "{e}"
            );
            assert!(
                e.contains("HTTP 403: AccessDenied: User is not authorized"),
                "{e}"
            );
        }
        Ok(c) => panic!("{c:?}"),
    }
}

#[tokio::test]
async fn web_identity_from_the_environment_is_unsigned() {
    let sts =
        Fake::start(|_, _| (200, sts_xml("AssumeRoleWithWebIdentity", "ASIAWEB", 3600))).await;
    let dir = scratch("web");
    let token = dir.join("token");
    write(&token, "eyJhbGciOi.jwt.token\n");
    let c = cache(
        &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap_or("")),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa"),
            ("AWS_ROLE_SESSION_NAME", "pod-1"),
        ],
        &sts.url,
    );
    let got = get(&c, at(0)).await;
    assert_eq!(got.access_key_id, "ASIAWEB");
    let r = &sts.requests()[0];
    assert_eq!(
        r.body,
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Firsa&RoleSessionName=pod-1&WebIdentityToken=eyJhbGciOi.jwt.token"
    );
    assert!(!r.headers.contains_key("authorization"));
}

#[tokio::test]
async fn credential_process_scripts() {
    let dir = scratch("process");
    let ok = dir.join("creds.sh");
    write(
        &ok,
        &format!(
            "#!/bin/sh\necho '{{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"p-secret\", \"SessionToken\": \"p-token\", \"Expiration\": \"{}\"}}'\n",
            iso(3600)
        ),
    );
    let bad = dir.join("bad.sh");
    write(&bad, "#!/bin/sh\necho 'no SSO session' >&2\nexit 3\n");
    let config = dir.join("config");
    write(
        &config,
        &format!(
            "[default]\ncredential_process = sh {}\n[profile broken]\ncredential_process = sh {}\n[profile missing]\ncredential_process = /nonexistent/helper --flag\n",
            ok.display(),
            bad.display()
        ),
    );
    let vars = |profile: Option<&'static str>| {
        let mut v = vec![
            ("AWS_CONFIG_FILE".to_string(), config.display().to_string()),
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_string(),
                "/nonexistent".to_string(),
            ),
        ];
        if let Some(p) = profile {
            v.push(("AWS_PROFILE".to_string(), p.to_string()));
        }
        v
    };
    let of = |v: &[(String, String)]| {
        let refs: Vec<(&str, &str)> = v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        cache(&refs, "")
    };
    let c = of(&vars(None));
    let got = get(&c, at(0)).await;
    assert_eq!(got.access_key_id, "AKIDPROCESS");
    assert_eq!(got.session_token.as_deref(), Some("p-token"));
    match of(&vars(Some("broken"))).get(at(0)).await {
        Err(e) => {
            assert!(
                e.contains("credential_process of profile [broken] failed"),
                "{e}"
            );
            assert!(e.contains("no SSO session"), "{e}");
        }
        Ok(c) => panic!("{c:?}"),
    }
    match of(&vars(Some("missing"))).get(at(0)).await {
        Err(e) => assert!(e.contains("exited with"), "{e}"),
        Ok(c) => panic!("{c:?}"),
    }
}

#[tokio::test]
async fn sso_with_the_cached_token() {
    let sso = Fake::start(|r, _| {
        if r.headers.get("x-amz-sso_bearer_token").map(String::as_str) == Some("sso-access-token") {
            (200, format!(r#"{{"roleCredentials":{{"accessKeyId":"ASIASSO","secretAccessKey":"s","sessionToken":"t","expiration":{}}}}}"#, (T0 + 3600) * 1000))
        } else {
            (401, r#"{"message":"Session token not found or invalid"}"#.into())
        }
    })
    .await;
    let home = scratch("sso");
    write(
        &home.join(".aws/config"),
        "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Read Only\n[sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://corp.awsapps.com/start\n",
    );
    // `printf %s corp | sha1sum`
    write(
        &home.join(".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
        &format!(
            r#"{{"accessToken":"sso-access-token","expiresAt":"{}","region":"eu-west-1"}}"#,
            iso(7200)
        ),
    );
    let c = cache(
        &[
            ("HOME", home.to_str().unwrap_or("")),
            ("AWS_PROFILE", "dev"),
            ("AWS_ENDPOINT_URL_SSO", &sso.url),
        ],
        "",
    );
    let got = get(&c, at(0)).await;
    assert_eq!(got.access_key_id, "ASIASSO");
    assert_eq!(
        sso.requests()[0].path,
        "/federation/credentials?role_name=Read%20Only&account_id=111122223333"
    );
    // Once the token has expired: log in again.
    let c = cache(
        &[
            ("HOME", home.to_str().unwrap_or("")),
            ("AWS_PROFILE", "dev"),
            ("AWS_ENDPOINT_URL_SSO", &sso.url),
        ],
        "",
    );
    match c.get(at(7200)).await {
        Err(e) => assert!(e.contains("aws sso login"), "{e}"),
        Ok(c) => panic!("{c:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_fetch_for_many_tasks_and_a_refresh_before_expiry() {
    // The n-th answer: key ASIA<n>, valid for n+1 hours from T0.
    let fake = Fake::start(|_, n| {
        (
            200,
            container_json(&format!("ASIA{n}"), 3600 * (n as u64 + 1)),
        )
    })
    .await;
    let c = container_cache(&fake);
    // 20 Tasks at once with nothing cached: one request.
    for answer in at_once(&c, 20).await {
        match answer {
            Ok(creds) => assert_eq!(creds.access_key_id, "ASIA0"),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(fake.requests().len(), 1);
    // Still fresh: no request.
    assert_eq!(get(&c, at(50 * 60)).await.access_key_id, "ASIA0");
    assert_eq!(fake.requests().len(), 1);
    // 5 minutes before the expiry: the old ones sign at once, new ones
    // come in the background.
    assert_eq!(get(&c, at(56 * 60)).await.access_key_id, "ASIA0");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if get(&c, at(56 * 60)).await.access_key_id == "ASIA1" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no background refresh"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(fake.requests().len(), 2);
    // Past every expiry: the Task waits for new ones.
    assert_eq!(get(&c, at(3 * 3600)).await.access_key_id, "ASIA2");
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_fetch_answers_for_a_few_seconds() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let fake = Fake::start(move |_, _| {
        counted.fetch_add(1, Ordering::SeqCst);
        (503, "down".into())
    })
    .await;
    let c = container_cache(&fake);
    for answer in at_once(&c, 10).await {
        match answer {
            Err(e) => assert!(e.contains("HTTP 503: down"), "{e}"),
            Ok(creds) => panic!("{creds:?}"),
        }
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(c.get(at(3)).await.is_err());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(c.get(at(6)).await.is_err());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_task_signs_with_the_session_token() {
    let sqs =
        Fake::start(|_, _| (200, r#"{"MessageId":"m-1","MD5OfMessageBody":"x"}"#.into())).await;
    let container = Fake::start(|_, _| (200, container_json("ASIATASK", 3600))).await;
    let c = CredentialsCache::new(
        resolve(
            &|n: &str| {
                (n == "AWS_CONTAINER_CREDENTIALS_FULL_URI").then(|| format!("{}/c", container.url))
            },
            &|_: &Path| None,
        ),
        "eu-west-1",
        "",
    );
    let client = Client::with_cache("eu-west-1", c);
    // The only test of this binary that reads an endpoint variable.
    std::env::set_var("AWS_ENDPOINT_URL_SQS", &sqs.url);
    let result = client
        .run(
            "arn:aws:states:::aws-sdk:sqs:sendMessage",
            &serde_json::json!({"QueueUrl": "q", "MessageBody": "hi"}),
            stepwell_aws::Caller {
                execution_arn: "arn:aws:states:eu-west-1:123456789012:execution:M:e",
                state_machine_arn: "arn:aws:states:eu-west-1:123456789012:stateMachine:M",
            },
        )
        .await;
    assert_eq!(
        result,
        Ok(serde_json::json!({"MessageId": "m-1", "MD5OfMessageBody": "x"}))
    );
    let r = &sqs.requests()[0];
    assert_eq!(
        r.headers.get("x-amz-security-token").map(String::as_str),
        Some("t-ASIATASK")
    );
    let auth = r.headers.get("authorization").cloned().unwrap_or_default();
    assert!(auth.contains("Credential=ASIATASK/"), "{auth}");
    assert!(auth.contains("x-amz-security-token"), "{auth}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_keeps_the_valid_credentials() {
    // The first answer is good for an hour; every later one fails.
    let fake = Fake::start(|_, n| {
        if n == 0 {
            (200, container_json("ASIAFIRST", 3600))
        } else {
            (500, "down".into())
        }
    })
    .await;
    let c = container_cache(&fake);
    assert_eq!(get(&c, at(0)).await.access_key_id, "ASIAFIRST");
    // Refresh time: the background fetch fails, the old keys still sign.
    assert_eq!(get(&c, at(56 * 60)).await.access_key_id, "ASIAFIRST");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while fake.requests().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no background refresh"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Right after the failure: no new attempt.
    assert_eq!(get(&c, at(56 * 60 + 2)).await.access_key_id, "ASIAFIRST");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(fake.requests().len(), 2);
    // A little later: another try, the old keys still.
    assert_eq!(get(&c, at(56 * 60 + 10)).await.access_key_id, "ASIAFIRST");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while fake.requests().len() < 3 {
        assert!(std::time::Instant::now() < deadline, "no second refresh");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Expired: the Task fails with the endpoint's error.
    match c.get(at(2 * 3600)).await {
        Err(e) => assert!(e.contains("HTTP 500: down"), "{e}"),
        Ok(k) => panic!("{k:?}"),
    }
}

#[tokio::test]
async fn a_role_assumed_with_credential_process_keys() {
    let sts = Fake::start(|_, _| (200, sts_xml("AssumeRole", "ASIACHAINED", 3600))).await;
    let dir = scratch("process-role");
    let script = dir.join("creds.sh");
    write(
        &script,
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDSOURCE\", \"SecretAccessKey\": \"s\"}'\n",
    );
    let config = dir.join("config");
    write(
        &config,
        &format!(
            "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = helper\nrole_session_name = app-session\n[profile helper]\ncredential_process = sh {}\n",
            script.display()
        ),
    );
    let c = cache(
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap_or("")),
            ("AWS_PROFILE", "app"),
        ],
        &sts.url,
    );
    assert_eq!(get(&c, at(0)).await.access_key_id, "ASIACHAINED");
    let r = &sts.requests()[0];
    let auth = r.headers.get("authorization").cloned().unwrap_or_default();
    assert!(auth.contains("Credential=AKIDSOURCE/"), "{auth}");
    assert!(r.body.contains("RoleSessionName=app-session"), "{}", r.body);
    assert_eq!(
        c.describe(),
        Ok(format!(
            "credential_process of profile [helper] (sh {}), then STS AssumeRole of arn:aws:iam::123456789012:role/app (profile [app])",
            script.display()
        ))
    );
}
