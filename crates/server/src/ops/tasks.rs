//! Callbacks: SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat.

use std::sync::Arc;

use serde_json::{json, Value};
use stepwell_core::{Input, TaskId};

use crate::protocol::{ApiError, Req};
use crate::runtime::{lock, Runtime};

/// The task a token belongs to, or AWS's error for a token that is not
/// (or no longer) waiting (its length, 1 to 2048, is the model's:
/// `ops::validate`).
fn task_of(rt: &Runtime, token: &str) -> Result<(String, TaskId), ApiError> {
    if !well_formed(token) {
        return Err(invalid_token());
    }
    if let Some(task) = lock(&rt.tokens).get(token).cloned() {
        return Ok(task);
    }
    // Its execution may be one this node has not loaded yet (after a
    // restart or a take-over): the client retries.
    let kind = crate::records::kind::TASK_TOKEN;
    if let Ok(Some(arn)) = rt.store.resource(kind, token) {
        if rt.is_reloading(&arn) {
            return Err(ApiError::unavailable(format!(
                "the execution {arn} is being loaded; retry"
            )));
        }
    }
    Err(timed_out())
}

/// Whether `token` could be one this server handed out: every task token
/// is the core's `uuid` (a version 4 UUID, lowercase, hyphenated). One
/// that is not cannot name a task that ended, so AWS's answer is
/// `InvalidToken` rather than `TaskTimedOut`.
fn well_formed(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            14 => c == b'4',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

/// AWS's answer to a token that is not a task token at all.
fn invalid_token() -> ApiError {
    ApiError::new("InvalidToken", "Invalid Token: 'Invalid token'")
}

/// `InvalidOutput` for task output that is not JSON, in Jackson's words
/// where they are known (AWS reads it with Jackson, as it reads execution
/// input: `ops::executions::invalid_input`).
fn invalid_output(output: &str, e: &serde_json::Error) -> ApiError {
    let why = stepwell_asl::jackson_error(output, e).map_or_else(|| e.to_string(), |j| j.message);
    ApiError::new("InvalidOutput", format!("Invalid Output: '{why}'"))
}

fn timed_out() -> ApiError {
    ApiError::new(
        "TaskTimedOut",
        "Task Timed Out: 'Provided task does not exist anymore'",
    )
}

async fn finish(rt: &Arc<Runtime>, token: &str, input: Input) -> Result<Value, ApiError> {
    let (arn, task) = task_of(rt, token)?;
    // A `.waitForTaskToken` task answered before its hand-over was reported
    // (a Lambda function that calls back before it returns): the submission
    // goes first. The core records it once, so a later report changes nothing.
    if pending(rt, token, &arn, task).await? {
        let output = Value::Object(Default::default());
        rt.feed(&arn, Input::TaskSubmitted { task, output }).await?;
    }
    rt.feed(&arn, input).await?;
    lock(&rt.tokens).remove(token);
    Ok(json!({}))
}

/// Whether `task` of the execution `arn` (the task `token` stands for)
/// records `TaskSubmitted` before its result. A task that ended (its
/// hand-over failed, its execution ended) answers `TaskTimedOut`, as AWS
/// answers for a task that no longer exists, and its token is forgotten.
async fn pending(
    rt: &Arc<Runtime>,
    token: &str,
    arn: &str,
    task: TaskId,
) -> Result<bool, ApiError> {
    let first = match rt.slot(arn)? {
        Some(slot) => {
            let live = slot.live.lock().await;
            let found = live.exec.pending_tasks().find(|r| r.task == task);
            found.map(|r| r.is_submitted_first())
        }
        None => None,
    };
    first.ok_or_else(|| {
        lock(&rt.tokens).remove(token);
        timed_out()
    })
}

pub async fn success(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let token = req.str("taskToken")?;
    // The token is checked first: AWS answers `InvalidToken` for an unknown
    // token even when the output is not JSON either (recorded).
    let (_, task) = task_of(rt, token)?;
    // At most 256 KiB in UTF-8: `ops::validate` checked it.
    let output = req.str("output")?;
    let output: Value =
        stepwell_core::parse_json(output).map_err(|e| invalid_output(output, &e))?;
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
    pending(rt, token, &arn, task).await?;
    rt.feed(&arn, Input::TaskHeartbeat { task }).await?;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use stepwell_core::EventKind;

    use super::*;
    use crate::testing::{call, create_machine, remove_db, runtime, start};

    /// An answer for a callback task that already ended (its hand-over
    /// failed, and with it the execution) is refused as AWS refuses it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_token_of_a_task_that_ended_is_timed_out() {
        let (rt, db) = runtime("tasks-ended", 1.0).await;
        let definition = json!({"StartAt": "Ask", "States": {"Ask": {
            "Type": "Task", "End": true,
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "absent", "Payload": {"token.$": "$$.Task.Token"}}}}});
        let sm = create_machine(&rt, "ask", &definition).await;
        let arn = start(&rt, &sm, "{}").await;
        let mut scheduled = None;
        for _ in 0..500 {
            scheduled = rt
                .store
                .events(&arn)
                .unwrap_or_default()
                .into_iter()
                .find_map(|e| match e.kind {
                    EventKind::TaskScheduled { token, .. } => token.map(|t| (e.seq, t)),
                    _ => None,
                });
            if scheduled.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let (task, token) = scheduled.expect("a callback task");
        // Its hand-over fails (as a Lambda function that does not exist).
        let failed = Input::TaskFailed {
            task,
            error: "Lambda.ResourceNotFoundException".into(),
            cause: "no such function".into(),
        };
        rt.feed(&arn, failed)
            .await
            .unwrap_or_else(|e| panic!("{}", e.message));
        let d = call(&rt, "DescribeExecution", json!({"executionArn": arn})).await;
        assert_eq!(d["status"], "FAILED");
        for (op, body) in [
            (
                "SendTaskSuccess",
                json!({"taskToken": token, "output": "{}"}),
            ),
            ("SendTaskFailure", json!({"taskToken": token})),
            ("SendTaskHeartbeat", json!({"taskToken": token})),
        ] {
            let Value::Object(m) = body else {
                unreachable!()
            };
            let answer = crate::ops::call(&rt, op, Req(m)).await;
            assert_eq!(answer.map_err(|e| e.kind), Err("TaskTimedOut"), "{op}");
        }
        rt.shutdown();
        remove_db(&db);
    }

    /// The token is checked before the output (recorded against AWS: an
    /// unknown token with output that is not JSON is `InvalidToken`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_token_is_checked_before_the_output() {
        let (rt, db) = runtime("tasks-token-first", 1.0).await;
        let send = |token: &str, output: &str| {
            let mut m = serde_json::Map::new();
            m.insert("taskToken".into(), json!(token));
            m.insert("output".into(), json!(output));
            crate::ops::call(&rt, "SendTaskSuccess", Req(m))
        };
        let answer = send("not a token", "{not json").await;
        assert_eq!(answer.map_err(|e| e.kind), Err("InvalidToken"));
        let spent = "0b0b9c2e-6a49-4c43-9d52-2d0e6c0b6a11";
        let answer = send(spent, "{not json").await;
        assert_eq!(answer.map_err(|e| e.kind), Err("TaskTimedOut"));
        rt.shutdown();
        remove_db(&db);
    }
}
