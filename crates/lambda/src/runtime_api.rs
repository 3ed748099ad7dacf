//! The Lambda Runtime API, served to one runtime process.
//!
//! Runtime clients (AWS's and ours) read `AWS_LAMBDA_RUNTIME_API` as a bare
//! `host:port` and build every URL from it, so a path prefix cannot tell two
//! processes apart. Each process therefore gets a listener of its own on an
//! ephemeral loopback port: whatever arrives on that port is that process,
//! and it is handed at most one invocation at a time. A listener costs a
//! socket and an accept task, far less than the process it serves.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::pool::{Current, Outcome, OutcomeKind, Slot};

/// Lambda's limit on a synchronous response payload.
pub(crate) const MAX_RESPONSE_BYTES: usize = 6_291_556;

pub(crate) fn router(slot: Arc<Slot>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{request_id}/response",
            post(response),
        )
        .route(
            "/2018-06-01/runtime/invocation/{request_id}/error",
            post(error),
        )
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .fallback(not_found)
        // The answers read their bodies themselves (`read_answer`): one
        // past Lambda's limit fails its invocation at once.
        .layer(DefaultBodyLimit::disable())
        .with_state(slot)
}

fn json(status: StatusCode, body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn accepted() -> Response {
    json(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
}

async fn not_found() -> Response {
    json(
        StatusCode::NOT_FOUND,
        r#"{"errorMessage":"Unknown Runtime API path","errorType":"NotFound"}"#,
    )
}

/// Long-polls for this process's next invocation.
async fn next(State(slot): State<Arc<Slot>>) -> Response {
    loop {
        let taken = {
            let mut state = slot.lock();
            if state.dead {
                return json(
                    StatusCode::GONE,
                    r#"{"errorMessage":"the runtime process is being stopped","errorType":"Runtime.Stopped"}"#,
                );
            }
            match state.pending.take() {
                Some(mut invocation) => {
                    let now = Instant::now();
                    // A retried init counts within the timeout.
                    let from = invocation.counted_from.unwrap_or(now);
                    if let Some(picked) = invocation.picked.take() {
                        let _ = picked.send(from);
                    }
                    let left = (from + invocation.timeout).saturating_duration_since(now);
                    let deadline_ms = crate::util::now_millis()
                        .saturating_add(u64::try_from(left.as_millis()).unwrap_or(u64::MAX));
                    let request_id = invocation.request_id.clone();
                    let head = NextHead {
                        request_id: request_id.clone(),
                        deadline_ms,
                        invoked_arn: invocation.invoked_arn.clone(),
                        trace_id: invocation.trace_id.clone(),
                        client_context: invocation.client_context.clone(),
                    };
                    let payload = invocation.payload.clone();
                    state.current = Some(Current {
                        request_id,
                        reply: invocation.reply,
                        picked_at: from,
                    });
                    Some((head, payload))
                }
                None => None,
            }
        };
        if let Some((head, payload)) = taken {
            return next_response(head, payload);
        }
        slot.work.notified().await;
    }
}

struct NextHead {
    request_id: String,
    deadline_ms: u64,
    invoked_arn: String,
    trace_id: String,
    client_context: Option<String>,
}

fn next_response(head: NextHead, payload: Bytes) -> Response {
    let mut response = Response::new(Body::from(payload));
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let mut put = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    put("lambda-runtime-aws-request-id", &head.request_id);
    put("lambda-runtime-deadline-ms", &head.deadline_ms.to_string());
    put("lambda-runtime-invoked-function-arn", &head.invoked_arn);
    put("lambda-runtime-trace-id", &head.trace_id);
    if let Some(context) = &head.client_context {
        put("lambda-runtime-client-context", context);
    }
    response
}

/// A runtime's answer, read up to Lambda's limit; `None` past it (only
/// that much is kept in memory, and `on_oversize` runs as soon as it is
/// known, before the rest is read and dropped, so the runtime's connection
/// stays usable).
async fn read_answer(body: Body, on_oversize: impl FnOnce()) -> Result<Option<Bytes>, Response> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut kept = bytes::BytesMut::new();
    let mut on_oversize = Some(on_oversize);
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(json(
                StatusCode::BAD_REQUEST,
                r#"{"errorMessage":"The request body could not be read","errorType":"InvalidRequestBody"}"#,
            ));
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if on_oversize.is_some() && kept.len() + data.len() > MAX_RESPONSE_BYTES {
            kept = bytes::BytesMut::new();
            if let Some(tell) = on_oversize.take() {
                tell();
            }
        }
        if on_oversize.is_some() {
            kept.extend_from_slice(&data);
        }
    }
    Ok(on_oversize.map(|_| kept.freeze()))
}

/// Answers the invocation `request_id` with `body`, or with Lambda's
/// `Function.ResponseSizeTooLarge` when the body was past the limit
/// (`None`).
fn finish(slot: &Slot, request_id: &str, kind: OutcomeKind, body: Option<Bytes>) -> Response {
    let current = {
        let mut state = slot.lock();
        match &state.current {
            Some(current) if current.request_id == request_id => state.current.take(),
            _ => None,
        }
    };
    let Some(current) = current else {
        return json(
            StatusCode::BAD_REQUEST,
            r#"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#,
        );
    };
    let (kind, body, status) = match body {
        Some(body) => (kind, body, StatusCode::ACCEPTED),
        None => (
            OutcomeKind::Error,
            Bytes::from_static(
                br#"{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}"#,
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    };
    let _ = current.reply.send(Outcome {
        kind,
        body,
        runtime_time: Some(current.picked_at.elapsed()),
    });
    if status == StatusCode::ACCEPTED {
        accepted()
    } else {
        json(
            status,
            r#"{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}"#,
        )
    }
}

async fn response(
    State(slot): State<Arc<Slot>>,
    Path(request_id): Path<String>,
    body: Body,
) -> Response {
    answer(&slot, &request_id, OutcomeKind::Response, None, body).await
}

async fn error(
    State(slot): State<Arc<Slot>>,
    Path(request_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    answer(&slot, &request_id, OutcomeKind::Error, Some(&headers), body).await
}

/// Reads an answer and finishes the invocation with it; one past the
/// limit finishes it at once.
async fn answer(
    slot: &Slot,
    request_id: &str,
    kind: OutcomeKind,
    error_headers: Option<&HeaderMap>,
    body: Body,
) -> Response {
    let mut refused = None;
    let read = read_answer(body, || {
        refused = Some(finish(slot, request_id, kind, None))
    })
    .await;
    match (read, refused) {
        (Err(unreadable), _) => unreadable,
        (Ok(_), Some(refused)) => refused,
        (Ok(body), None) => {
            let body = body.map(|b| match error_headers {
                Some(headers) => error_body(headers, b),
                None => b,
            });
            finish(slot, request_id, kind, body)
        }
    }
}

/// The runtime failed before it could take an invocation. The invocation
/// waiting for this process (there is always one: processes start on demand)
/// fails with the reported error, and the process is not reused.
async fn init_error(State(slot): State<Arc<Slot>>, headers: HeaderMap, body: Body) -> Response {
    let body = match read_answer(body, || {}).await {
        Ok(body) => error_body(&headers, body.unwrap_or_default()),
        Err(refused) => return refused,
    };
    let waiting = {
        let mut state = slot.lock();
        state.retire = true;
        match state.pending.take() {
            Some(invocation) => Some(invocation.reply),
            None => state.current.take().map(|c| c.reply),
        }
    };
    if let Some(reply) = waiting {
        let _ = reply.send(Outcome {
            kind: OutcomeKind::Error,
            body,
            runtime_time: None,
        });
    }
    accepted()
}

/// An error report with no body still names its type in a header; make it a
/// payload of the usual shape.
fn error_body(headers: &HeaderMap, body: Bytes) -> Bytes {
    if !body.is_empty() {
        return body;
    }
    let error_type = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Unknown");
    let payload = serde_json::json!({"errorMessage": "", "errorType": error_type});
    Bytes::from(payload.to_string())
}
