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
use crate::ops::map_runs;
use crate::protocol::{ApiError, Req};
use crate::runtime::Runtime;

pub async fn stream(State(rt): State<Arc<Runtime>>, body: Bytes) -> Response {
    let arn = match Req::parse(&body).and_then(|r| r.str("executionArn").map(str::to_string)) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = snapshot(&rt, &arn).await {
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
    // A Map Run's child execution changes when its parent does. (One
    // the store cannot replay is read from the store, as an ended one.)
    let live = |rt: &Runtime| {
        rt.slot(&parent_arn(rt, arn)?)
            .ok()
            .flatten()
            .map(|s| s.progress.subscribe())
    };
    let mut watch = live(rt);
    let mut sent = 0;
    loop {
        let Snapshot {
            status,
            mut rendered,
            events,
        } = snapshot(rt, arn).await?;
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
        let msg = json!({"events": new, "status": status});
        if tx
            .send(Ok(Bytes::from(format!("data: {msg}\n\n"))))
            .await
            .is_err()
        {
            return Ok(()); // the client went away
        }
        if status != "RUNNING" {
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
                watch = live(rt);
            }
        }
    }
}

/// An execution's status and AWS-shaped history, each event with the core
/// event it renders (`events` is empty for a Map Run's child execution,
/// whose callback tokens the console does not offer).
struct Snapshot {
    status: String,
    rendered: Vec<Value>,
    events: Vec<stepwell_core::Event>,
}

async fn snapshot(rt: &Arc<Runtime>, arn: &str) -> Result<Snapshot, ApiError> {
    if let Some((stem, index)) = stepwell_core::map_run::parse_child_arn(arn) {
        let d = map_runs::describe_child(rt, arn, stem, index).await?;
        let rendered = map_runs::child_history(rt, arn, stem, index).await?;
        return Ok(Snapshot {
            status: d["status"].as_str().unwrap_or("RUNNING").to_string(),
            rendered,
            events: Vec::new(),
        });
    }
    let r = record(rt, arn).await?;
    let (rendered, events) = rendered_history(rt, &r).await?;
    Ok(Snapshot {
        status: r.status,
        rendered,
        events,
    })
}

/// The execution whose live state `arn`'s history comes from: itself, or
/// the parent of a Map Run's child execution.
fn parent_arn(rt: &Runtime, arn: &str) -> Option<String> {
    match stepwell_core::map_run::parse_child_arn(arn) {
        Some((stem, _)) => map_runs::parent_arn_of(rt, stem),
        None => Some(arn.to_string()),
    }
}
