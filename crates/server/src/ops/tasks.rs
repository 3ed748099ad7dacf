//! Callbacks: SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat.

use std::sync::Arc;

use serde_json::{json, Value};
use stepwell_core::{Input, TaskId, MAX_PAYLOAD_BYTES};

use crate::protocol::{ApiError, Req};
use crate::runtime::{lock, Runtime};

/// The task a token belongs to, or AWS's error for a token that is not
/// (or no longer) waiting (its length, 1 to 2048, is the model's:
/// `ops::validate`).
fn task_of(rt: &Runtime, token: &str) -> Result<(String, TaskId), ApiError> {
    lock(&rt.tokens).get(token).cloned().ok_or_else(|| {
        ApiError::new(
            "TaskTimedOut",
            "Task Timed Out: 'Provided task does not exist anymore'",
        )
    })
}

async fn finish(rt: &Arc<Runtime>, token: &str, input: Input) -> Result<Value, ApiError> {
    let (arn, task) = task_of(rt, token)?;
    // A `.waitForTaskToken` task answered before its hand-over was reported
    // (a Lambda function that calls back before it returns): the submission
    // goes first. The core records it once, so a later report changes nothing.
    if submitted_first(rt, &arn, task).await {
        let output = Value::Object(Default::default());
        rt.feed(&arn, Input::TaskSubmitted { task, output }).await?;
    }
    rt.feed(&arn, input).await?;
    lock(&rt.tokens).remove(token);
    Ok(json!({}))
}

/// Whether `task` of the live execution `arn` records `TaskSubmitted`
/// before its result.
async fn submitted_first(rt: &Arc<Runtime>, arn: &str, task: TaskId) -> bool {
    // An error here (a parked execution the store cannot replay) comes
    // back from the feed that follows.
    let Ok(Some(slot)) = rt.slot(arn) else {
        return false;
    };
    let live = slot.live.lock().await;
    let first = live
        .exec
        .pending_tasks()
        .any(|r| r.task == task && r.is_submitted_first());
    first
}

pub async fn success(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let token = req.str("taskToken")?;
    let output = req.str("output")?;
    // The payload quota in UTF-8 bytes (`ops::validate` counts characters).
    if output.len() > MAX_PAYLOAD_BYTES {
        return Err(ApiError::new(
            "ValidationException",
            format!("1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to {MAX_PAYLOAD_BYTES}"),
        ));
    }
    let output: Value = stepwell_core::parse_json(output)
        .map_err(|e| ApiError::new("InvalidOutput", format!("Invalid Output: '{e}'")))?;
    let (_, task) = task_of(rt, token)?;
    finish(rt, token, Input::TaskSucceeded { task, output }).await
}

pub async fn failure(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let token = req.str("taskToken")?;
    let (_, task) = task_of(rt, token)?;
    let input = Input::TaskFailed {
        task,
        error: req.opt_str("error")?.unwrap_or_default().to_string(),
        cause: req.opt_str("cause")?.unwrap_or_default().to_string(),
    };
    finish(rt, token, input).await
}

pub async fn heartbeat(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let token = req.str("taskToken")?;
    let (arn, task) = task_of(rt, token)?;
    rt.feed(&arn, Input::TaskHeartbeat { task }).await?;
    Ok(json!({}))
}
