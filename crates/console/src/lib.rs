//! Stepwell's web console: one page, embedded in the binary.
//!
//! [`router`] serves `GET /` (the page) and `GET /console/assets/{path}` (its
//! scripts, styles and the vendored dagre). The files live in `assets/` and
//! are compiled in with `include_bytes!`: no build step, no network, nothing
//! to install. The server merges this router with its own, so the console
//! lives wherever the API binds (`POST /` stays the API; only `GET /` is the
//! page).
//!
//! ```
//! let app: axum::Router = stepwell_console::router();
//! # let _ = app;
//! ```
//!
//! # What the page does
//!
//! Plain JavaScript modules (no framework, no bundler): a list of state
//! machines; per state machine its graph, definition, versions and aliases,
//! executions (status filter, newest first, paging) and a form to start
//! one; per execution AWS's three views of it, updating live: the graph
//! coloured by each state's outcome (succeeded, failed, caught, running,
//! aborted, not reached; inside a Map, in the iteration picked, or in all),
//! the table of every state entered (Map iterations and Parallel branches
//! nested, filtered by status, the columns picked kept) and the event
//! history; beside the first two the chosen step's input, parameters, a
//! Task's own result, output, the variables its `Assign` set, error and
//! cause, attempts and timing (a Map's iterations picked by item index);
//! the definition it ran, and for a task waiting on a token the token with
//! buttons to send success or failure, and to stop or redrive the
//! execution (failure, stop and redrive ask first). Graphs are laid out in the
//! browser with dagre (vendored with its licence in `assets/vendor/`), one
//! scope at a time so Parallel branches and Map processors nest, and drawn as
//! SVG by our own code.
//!
//! # Only the public API
//!
//! The page talks to the server through the Step Functions API alone
//! (`POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>`), plus one
//! read-only stream of an execution's history events
//! (`POST /console/stream`, served by the server). So the console can change
//! nothing a client of the API could not, and every change goes through the
//! API's own validation. This router serves static files only and holds no
//! state.
//!
//! # Authentication
//!
//! When the server verifies AWS Signature Version 4, the page and its assets
//! are still served unsigned (they hold no data), but every API call and the
//! stream would be refused. On such a refusal
//! (`MissingAuthenticationToken`, `InvalidSignatureException`,
//! `UnrecognizedClientException`, an HTTP 401/403, …) the page asks for an
//! access key id, secret access key, optional session token and region. It
//! keeps them in `sessionStorage` (gone when the tab closes; never sent
//! anywhere) and signs every request with SigV4 for service `states`, using
//! WebCrypto (HMAC-SHA256, SHA-256) in `assets/sigv4.js`: the signed headers
//! are `content-type`, `host`, `x-amz-date`, `x-amz-target` (API calls) and
//! `x-amz-security-token` (with a session token). Without verification the
//! page sends requests unsigned and never asks.

#![forbid(unsafe_code)]

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The console's routes: `GET /` and `GET /console/assets/{*path}`.
///
/// Generic over the server's state so it merges into any router.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/console/assets/{*path}", get(asset))
}

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// Path under `/console/assets/`.
    pub path: &'static str,
    /// The `Content-Type` it is served with.
    pub content_type: &'static str,
    /// The file's bytes.
    pub body: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";

macro_rules! asset {
    ($path:literal, $ty:expr) => {
        Asset {
            path: $path,
            content_type: $ty,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $path)),
        }
    };
}

/// Every file under `assets/` (a test checks none is missing).
pub const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("definition.js", JS),
    asset!("dom.js", JS),
    asset!("graph.js", JS),
    asset!("history.js", JS),
    asset!("sigv4.js", JS),
    asset!("table.js", JS),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("vendor/dagre.min.js", JS),
    asset!("vendor/LICENSE", "text/plain; charset=utf-8"),
    asset!("vendor/LICENSE-graphlib", "text/plain; charset=utf-8"),
    asset!("vendor/README.md", "text/markdown; charset=utf-8"),
];

/// The page may load only its own files and talk only to its own origin.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Look up an embedded file by its path under `/console/assets/`.
pub fn find_asset(path: &str) -> Option<&'static Asset> {
    ASSETS
        .iter()
        .find(|a| a.path == path && a.path != "index.html")
}

async fn index(headers: HeaderMap) -> Response {
    match ASSETS.iter().find(|a| a.path == "index.html") {
        Some(a) => serve(a, &headers),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    match find_asset(&path) {
        Some(a) => serve(a, &headers),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "no such console asset\n",
        )
            .into_response(),
    }
}

/// Serve a file with a content-derived ETag; the browser revalidates every
/// time (`no-cache`), so a new binary never leaves a stale script behind.
fn serve(a: &Asset, request: &HeaderMap) -> Response {
    let etag = format!("\"{:016x}\"", fnv1a(a.body));
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        a.body.into_response()
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(a.content_type),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if a.path == "index.html" {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    res
}

/// 64-bit FNV-1a: a stable, dependency-free fingerprint for ETags.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
