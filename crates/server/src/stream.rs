//! `POST /console/stream {"executionArn": ...}`: an execution's history as
//! server-sent events for the console. The first message carries every event
//! so far, later ones only the new events; the stream ends with the
//! execution. Each message: `data: {"events": [...], "status": "..."}`.
//!
//! Callback tasks carry a non-AWS field, `stepwellTaskToken`, so the console
//! can answer them (through SendTaskSuccess/Failure, like any client).

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use stepwell_core::{EventKind, TaskFlavor};
use tokio::sync::mpsc;

use crate::ops::executions::{record, rendered_history};
use crate::protocol::{ApiError, Req};
use crate::runtime::Runtime;

pub async fn stream(State(rt): State<Arc<Runtime>>, body: Bytes) -> Response {
    let arn = match Req::parse(&body).and_then(|r| r.str("executionArn").map(str::to_string)) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = record(&rt, &arn).await {
        return e.into_response();
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::convert::Infallible>>(16);
    tokio::spawn(async move {
        if let Err(e) = pump(&rt, &arn, &tx).await {
            let msg = json!({"error": {"__type": e.kind, "message": e.message}});
            let _ = tx.send(Ok(Bytes::from(format!("data: {msg}\n\n")))).await;
        }
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn pump(
    rt: &Arc<Runtime>,
    arn: &str,
    tx: &mpsc::Sender<Result<Bytes, std::convert::Infallible>>,
) -> Result<(), ApiError> {
    let mut watch = rt.slot(arn).map(|s| s.progress.subscribe());
    let mut sent = 0;
    loop {
        let r = record(rt, arn).await?;
        let (mut rendered, events) = rendered_history(rt, &r).await?;
        for (out, e) in rendered.iter_mut().zip(&events) {
            if let EventKind::TaskScheduled {
                flavor,
                resource,
                token: Some(token),
                ..
            } = &e.kind
            {
                if *flavor == TaskFlavor::Activity || resource.ends_with(".waitForTaskToken") {
                    out["stepwellTaskToken"] = json!(token);
                }
            }
        }
        let new: Vec<Value> = rendered.get(sent..).unwrap_or_default().to_vec();
        sent = rendered.len();
        let msg = json!({"events": new, "status": r.status});
        if tx
            .send(Ok(Bytes::from(format!("data: {msg}\n\n"))))
            .await
            .is_err()
        {
            return Ok(()); // the client went away
        }
        if r.status != "RUNNING" {
            return Ok(());
        }
        match watch.as_mut() {
            Some(w) => {
                if w.changed().await.is_err() {
                    watch = None;
                }
            }
            None => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                watch = rt.slot(arn).map(|s| s.progress.subscribe());
            }
        }
    }
}
