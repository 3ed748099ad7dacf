//! `https://` endpoints: a local TLS server whose certificate the test makes
//! (rcgen), trusted through `SSL_CERT_FILE`; an untrusted one fails the HTTP
//! Task with `States.Http.Socket`. One test function: the trusted roots are
//! read once per process, when the first request goes out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use stepwell_lambda::{http_invoke, InvokeRequest, Lambda, LambdaConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A TLS server that answers every request with a JSON echo of its request
/// line and body, then closes the connection.
async fn tls_server(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> u16 {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return; // the client refused our certificate
                };
                let mut data = Vec::new();
                let mut buf = [0u8; 4096];
                let head_end = loop {
                    let n = tls.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while data.len() < head_end + length {
                    let n = tls.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                let body = String::from_utf8_lossy(&data[head_end..]).into_owned();
                let line = head.lines().next().unwrap_or_default().to_string();
                let answer = json!({"line": line, "body": body}).to_string();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn key_der(key: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))
}

#[tokio::test]
async fn https_endpoints_with_a_local_ca() {
    // A CA of our own, and a certificate it signs for localhost/127.0.0.1.
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "Stepwell test CA");
    let ca = ca.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server_cert =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&server_key, &ca, &ca_key)
            .unwrap();
    // A self-signed certificate nobody trusts.
    let rogue_key = KeyPair::generate().unwrap();
    let rogue_cert = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&rogue_key)
        .unwrap();

    let dir = std::env::temp_dir().join(format!("stepwell-https-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("ca.pem");
    std::fs::write(&bundle, ca.pem()).unwrap();
    // Before the first request: the client reads its roots then.
    std::env::set_var("SSL_CERT_FILE", &bundle);

    let trusted = tls_server(server_cert.der().clone(), key_der(&server_key)).await;
    let untrusted = tls_server(rogue_cert.der().clone(), key_der(&rogue_key)).await;

    for host in ["localhost", "127.0.0.1"] {
        let out = http_invoke(&json!({
            "ApiEndpoint": format!("https://{host}:{trusted}/v1/customers"),
            "Method": "POST",
            "QueryParameters": {"limit": 3},
            "RequestBody": {"name": "Ada"},
        }))
        .await
        .unwrap_or_else(|e| panic!("{host}: {e:?}"));
        assert_eq!(out["StatusCode"], 200);
        assert_eq!(
            out["ResponseBody"]["line"],
            "POST /v1/customers?limit=3 HTTP/1.1"
        );
        assert_eq!(out["ResponseBody"]["body"], r#"{"name":"Ada"}"#);
    }

    // An untrusted certificate, and a name the certificate does not cover:
    // no response, as AWS reports it.
    for url in [
        format!("https://localhost:{untrusted}/"),
        format!("https://127.0.0.1:{untrusted}/"),
    ] {
        let (error, cause) = http_invoke(&json!({"ApiEndpoint": url, "Method": "GET"}))
            .await
            .unwrap_err();
        assert_eq!(error, "States.Http.Socket", "{cause}");
        assert!(
            cause.to_ascii_lowercase().contains("certificate"),
            "{cause}"
        );
    }

    // --lambda-endpoint over https.
    let lambda = Lambda::start(
        None,
        LambdaConfig {
            lambda_endpoint: Some(format!("https://localhost:{trusted}")),
            ..LambdaConfig::default()
        },
    )
    .await
    .unwrap();
    let response = lambda
        .invoke(
            "greet",
            InvokeRequest {
                payload: r#"{"who":"Ada"}"#.into(),
                ..InvokeRequest::default()
            },
        )
        .await
        .unwrap();
    let echoed: serde_json::Value = serde_json::from_slice(&response.payload).unwrap();
    assert_eq!(
        echoed["line"],
        "POST /2015-03-31/functions/greet/invocations HTTP/1.1"
    );
    assert_eq!(echoed["body"], r#"{"who":"Ada"}"#);
    let _ = std::fs::remove_dir_all(&dir);
}
