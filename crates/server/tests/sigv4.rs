//! SigV4 verification over a real socket: which routes it guards (the API
//! and the console's stream), which it leaves open (the console's page and
//! assets, /health), and that it is off unless keys are configured.
//! Requests are signed here with AWS's signer (`aws-sigv4`) at the current
//! time; `src/auth.rs` checks signatures made by botocore and the console.

// A test: a socket or file that fails is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use stepwell_server::auth::{AccessKey, Verifier};
use stepwell_server::{router, Arns, Config, Runtime};
use stepwell_store::{Durability, SqliteStore};

struct Reply {
    status: u16,
    body: String,
}

/// One HTTP/1.1 request on a fresh connection.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &str,
) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Reply {
        status,
        body: body.to_string(),
    }
}

/// The headers AWS's signer adds to a JSON 1.0 request at the current time.
fn signed(
    addr: &str,
    path: &str,
    target: Option<&str>,
    body: &str,
    key: (&str, &str),
    region: &str,
) -> Vec<(String, String)> {
    let mut headers = vec![
        ("host".to_string(), addr.to_string()),
        (
            "content-type".to_string(),
            "application/x-amz-json-1.0".to_string(),
        ),
    ];
    if let Some(t) = target {
        headers.push(("x-amz-target".into(), format!("AWSStepFunctions.{t}")));
    }
    let identity = Credentials::new(key.0, key.1, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("states")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let req = SignableRequest::new(
        "POST",
        path,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(req, &params).unwrap().into_parts();
    let mut out: Vec<(String, String)> = headers.into_iter().filter(|(k, _)| k != "host").collect();
    for (k, v) in instructions.headers() {
        out.push((k.to_string(), v.to_string()));
    }
    out
}

/// A server on a free loopback port with an empty database.
async fn start(sigv4: Option<Verifier>) -> (String, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let store = SqliteStore::open(dir.0.join("stepwell.db"), Durability::Normal).unwrap();
    let cfg = Config {
        arns: Arns {
            region: "us-east-1".into(),
            account: "123456789012".into(),
        },
        wait_scale: 1.0,
        mock_config: None,
        sigv4,
        s3: None,
        node: Default::default(),
        park_after_ms: 60_000,
    };
    let rt = Arc::new(Runtime::new(cfg, Arc::new(store)).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, router(rt)).await });
    (addr, dir)
}

mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let p =
                std::env::temp_dir().join(format!("stepwell-sigv4-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

const KEY: (&str, &str) = ("AKIDROUTES", "routes/secret+key");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guards_the_api_and_the_stream_only() {
    let v = Verifier::new(
        vec![AccessKey::new(KEY.0, KEY.1, None).unwrap()],
        "us-east-1",
    )
    .unwrap();
    let (addr, _dir) = start(Some(v)).await;
    tokio::task::spawn_blocking(move || {
        // Open: the console's page and assets, and /health.
        assert_eq!(request(&addr, "GET", "/", &[], "").status, 200);
        assert_eq!(
            request(&addr, "GET", "/console/assets/app.js", &[], "").status,
            200
        );
        assert_eq!(request(&addr, "GET", "/health", &[], "").status, 200);

        // Guarded: the API and the stream.
        let json = vec![(
            "X-Amz-Target".to_string(),
            "AWSStepFunctions.ListStateMachines".to_string(),
        )];
        let r = request(&addr, "POST", "/", &json, "{}");
        assert_eq!(r.status, 400);
        assert!(
            r.body.contains("\"MissingAuthenticationTokenException\""),
            "{}",
            r.body
        );
        let r = request(&addr, "POST", "/console/stream", &[], "{}");
        assert_eq!(r.status, 400);
        assert!(
            r.body.contains("\"MissingAuthenticationTokenException\""),
            "{}",
            r.body
        );

        // Signed by the configured key: served.
        let body = "{}";
        let h = signed(
            &addr,
            "/",
            Some("ListStateMachines"),
            body,
            KEY,
            "us-east-1",
        );
        let r = request(&addr, "POST", "/", &h, body);
        assert_eq!(
            (r.status, r.body.as_str()),
            (200, r#"{"stateMachines":[]}"#)
        );
        let body = r#"{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:None:x"}"#;
        let h = signed(&addr, "/console/stream", None, body, KEY, "us-east-1");
        let r = request(&addr, "POST", "/console/stream", &h, body);
        assert_eq!(r.status, 400);
        assert!(
            r.body.contains("ExecutionDoesNotExist"),
            "past the check: {}",
            r.body
        );

        // The signature covers the body.
        let h = signed(
            &addr,
            "/",
            Some("ListStateMachines"),
            "{}",
            KEY,
            "us-east-1",
        );
        let r = request(&addr, "POST", "/", &h, "{ }");
        assert!(
            r.body.contains("\"InvalidSignatureException\""),
            "{}",
            r.body
        );
        // Another key, another secret, another region.
        let h = signed(
            &addr,
            "/",
            Some("ListStateMachines"),
            "{}",
            ("AKIDOTHER", KEY.1),
            "us-east-1",
        );
        let r = request(&addr, "POST", "/", &h, "{}");
        assert!(
            r.body.contains("\"UnrecognizedClientException\""),
            "{}",
            r.body
        );
        let h = signed(
            &addr,
            "/",
            Some("ListStateMachines"),
            "{}",
            (KEY.0, "wrong"),
            "us-east-1",
        );
        let r = request(&addr, "POST", "/", &h, "{}");
        assert!(
            r.body.contains("\"InvalidSignatureException\""),
            "{}",
            r.body
        );
        let h = signed(
            &addr,
            "/",
            Some("ListStateMachines"),
            "{}",
            KEY,
            "eu-west-1",
        );
        let r = request(&addr, "POST", "/", &h, "{}");
        assert!(
            r.body.contains("scoped to a valid region, not 'eu-west-1'"),
            "{}",
            r.body
        );
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_by_default() {
    let (addr, _dir) = start(None).await;
    tokio::task::spawn_blocking(move || {
        let json = vec![(
            "X-Amz-Target".to_string(),
            "AWSStepFunctions.ListStateMachines".to_string(),
        )];
        let r = request(&addr, "POST", "/", &json, "{}");
        assert_eq!(
            (r.status, r.body.as_str()),
            (200, r#"{"stateMachines":[]}"#)
        );
        // A signature by a key nobody configured is not looked at.
        let h = signed(
            &addr,
            "/",
            Some("ListStateMachines"),
            "{}",
            KEY,
            "us-east-1",
        );
        assert_eq!(request(&addr, "POST", "/", &h, "{}").status, 200);
    })
    .await
    .unwrap();
}
