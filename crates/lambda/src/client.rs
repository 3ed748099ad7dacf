//! A small HTTP/1.1 client over hyper-util, for `http://` and `https://`
//! URLs. TLS is rustls on the `ring` provider; the trusted roots are
//! Mozilla's (webpki-roots) plus the PEM bundle named by `SSL_CERT_FILE` or,
//! without it, the system's bundle (`/etc/ssl/certs/ca-certificates.crt` and
//! the like), so a local CA (mkcert, a self-signed certificate) can be
//! trusted. The roots are read once, when the first request is sent.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{HeaderMap, Request, StatusCode};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Where Linux distributions (and macOS) keep the system's CA bundle.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

fn client() -> &'static HttpClient {
    static CLIENT: OnceLock<HttpClient> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.enforce_http(false);
        connector.set_connect_timeout(Some(Duration::from_secs(10)));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config())
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        Client::builder(TokioExecutor::new()).build(https)
    })
}

/// The TLS settings of every outgoing request: TLS 1.2 and 1.3 on `ring`,
/// verified against [`root_store`].
#[allow(clippy::expect_used)]
fn tls_config() -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        // ring implements every default version and cipher suite.
        .expect("the ring provider supports rustls' default protocol versions")
        .with_root_certificates(root_store())
        .with_no_client_auth()
}

/// Mozilla's roots plus `SSL_CERT_FILE` (a PEM bundle), or the system's
/// bundle when that is unset. A file that cannot be read is logged and
/// skipped.
fn root_store() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let user = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty());
    let files: Vec<std::path::PathBuf> = match &user {
        Some(path) => vec![path.into()],
        None => SYSTEM_BUNDLES
            .iter()
            .map(std::path::PathBuf::from)
            .filter(|p| p.is_file())
            .take(1)
            .collect(),
    };
    for file in files {
        let certs: Result<Vec<CertificateDer<'static>>, _> =
            CertificateDer::pem_file_iter(&file).and_then(|iter| iter.collect());
        match certs {
            Ok(certs) => {
                let (added, ignored) = roots.add_parsable_certificates(certs);
                tracing::debug!(file = %file.display(), added, ignored, "trusted CA certificates loaded");
                if added == 0 && user.is_some() {
                    tracing::warn!(file = %file.display(), "SSL_CERT_FILE holds no usable PEM certificate");
                }
            }
            Err(e) => {
                if user.is_some() {
                    tracing::warn!(file = %file.display(), error = %e, "cannot read SSL_CERT_FILE; only Mozilla's roots are trusted");
                }
            }
        }
    }
    roots
}

pub struct HttpResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why a request got no response.
pub enum SendError {
    /// No connection could be made (refused, no route, a TLS handshake that
    /// failed: an untrusted certificate, a wrong host name): nothing of the
    /// request was sent.
    Unreachable(String),
    /// The connection broke after the request may have been sent (a reset,
    /// a closed connection), …
    Connect(String),
    TimedOut,
    BodyTooLarge,
}

impl SendError {
    /// When the URL's host name could not be resolved: the resolver's
    /// words (`Name or service not known`), which Java's
    /// `UnknownHostException` gives after the host name.
    pub fn unknown_host_reason(&self) -> Option<&str> {
        const DNS: &str = "dns error: ";
        const LOOKUP: &str = "failed to lookup address information: ";
        let SendError::Unreachable(message) = self else {
            return None;
        };
        let reason = &message[message.find(DNS)? + DNS.len()..];
        Some(reason.strip_prefix(LOOKUP).unwrap_or(reason))
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Unreachable(message) | SendError::Connect(message) => f.write_str(message),
            SendError::TimedOut => f.write_str("the request timed out"),
            SendError::BodyTooLarge => f.write_str("the response body is too large"),
        }
    }
}

/// Sends a request (`http://` or `https://`) and reads the whole response
/// body (at most `max_body` bytes), all within `timeout`.
pub async fn send(
    request: Request<Full<Bytes>>,
    timeout: Duration,
    max_body: usize,
) -> Result<HttpResponse, SendError> {
    let exchange = async {
        let response = client().request(request).await.map_err(|e| {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                let text = inner.to_string();
                if !message.ends_with(&text) {
                    message.push_str(": ");
                    message.push_str(&text);
                }
                source = inner.source();
            }
            if e.is_connect() {
                SendError::Unreachable(message)
            } else {
                SendError::Connect(message)
            }
        })?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, max_body)
            .collect()
            .await
            .map_err(|e| {
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    SendError::BodyTooLarge
                } else {
                    SendError::Connect(e.to_string())
                }
            })?
            .to_bytes();
        Ok(HttpResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Err(SendError::TimedOut))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host name no resolver knows: the resolver's words are found in
    /// the error (`Name or service not known` with glibc).
    #[tokio::test]
    async fn an_unknown_host_is_named_by_the_resolver() {
        let request = Request::builder()
            .uri("http://stepwell-no-such-host.invalid/")
            .body(Full::new(Bytes::new()));
        let Ok(request) = request else {
            panic!("a request");
        };
        match send(request, Duration::from_secs(30), 1024).await {
            Ok(r) => panic!("answered {}", r.status),
            Err(e) => {
                let reason = e.unknown_host_reason();
                assert!(
                    reason.is_some_and(|r| !r.is_empty() && !r.contains("dns error")),
                    "{e}"
                );
            }
        }
        let refused = SendError::Unreachable(
            "client error (Connect): tcp connect error: Connection refused (os error 111)".into(),
        );
        assert_eq!(refused.unknown_host_reason(), None);
    }
}
