//! A small HTTP/1.1 client over hyper-util (plain HTTP only: this crate is
//! built without TLS to keep the dependency tree lean).

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{HeaderMap, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn client() -> &'static HttpClient {
    static CLIENT: OnceLock<HttpClient> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.enforce_http(true);
        connector.set_connect_timeout(Some(Duration::from_secs(10)));
        Client::builder(TokioExecutor::new()).build(connector)
    })
}

pub struct HttpResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why a request got no response.
pub enum SendError {
    /// No connection, a reset, a refused TLS URL, …
    Connect(String),
    TimedOut,
    BodyTooLarge,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Connect(message) => f.write_str(message),
            SendError::TimedOut => f.write_str("the request timed out"),
            SendError::BodyTooLarge => f.write_str("the response body is too large"),
        }
    }
}

/// Sends a request and reads the whole response body (at most `max_body`
/// bytes), all within `timeout`.
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
                message.push_str(": ");
                message.push_str(&inner.to_string());
                source = inner.source();
            }
            SendError::Connect(message)
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
