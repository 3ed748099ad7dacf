//! Nested executions: `arn:aws:states:::states:startExecution` with no
//! suffix, `.sync`, `.sync:2` and `.waitForTaskToken`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};
use stepwell_core::{Input, TaskId, TaskRequest};

use crate::dispatch::{resource_pattern, TaskResult};
use crate::ops::executions::{record, redrive_status, shown_error, start, StartParams};
use crate::protocol::{timestamp, ApiError};
use crate::records::{ExecutionRecord, ParentLink};
use crate::runtime::{lock, now_ms, task_input, Runtime};

/// A child's name when the Task gives none: a UUID, as AWS names it, but
/// derived from the parent and the task, so starting it again after a
/// restart finds the same execution.
fn child_name(parent: &str, task: u64) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(parent.as_bytes())
        .chain_update(task.to_be_bytes())
        .finalize();
    let word = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&digest[i * 8..i * 8 + 8]);
        u64::from_be_bytes(b)
    };
    stepwell_core::uuid(&mut Words([word(0), word(1)].into_iter()))
}

/// Fixed words as the entropy a UUID is made of.
struct Words<I>(I);

impl<I: Iterator<Item = u64>> stepwell_core::Entropy for Words<I> {
    fn next_u64(&mut self) -> u64 {
        self.0.next().unwrap_or_default()
    }
}

/// The service-integration name of an API error: `StepFunctions.<Name>`
/// with AWS SDK exception naming.
fn integration_error(kind: &str) -> String {
    if kind.ends_with("Exception") {
        format!("StepFunctions.{kind}")
    } else {
        format!("StepFunctions.{kind}Exception")
    }
}

pub(crate) async fn start_child(rt: &Arc<Runtime>, parent: &str, req: &TaskRequest) {
    let result = start_child_result(rt, parent, req).await;
    if let Some(result) = result {
        rt.deliver(parent, task_input(req.task, result), "nested start result")
            .await;
    }
}

/// `None`: the answer comes later (the child ends, or a callback).
async fn start_child_result(
    rt: &Arc<Runtime>,
    parent: &str,
    req: &TaskRequest,
) -> Option<TaskResult> {
    let pattern = resource_pattern(&req.resource).to_string();
    let params = req.payload.as_object().cloned().unwrap_or_default();
    let Some(machine) = params.get("StateMachineArn").and_then(Value::as_str) else {
        return Some(Err((
            "StepFunctions.ValidationException".into(),
            "The field 'StateMachineArn' is required".into(),
        )));
    };
    let input = match params.get("Input") {
        None | Some(Value::Null) => "{}".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    let name = match params.get("Name").and_then(Value::as_str) {
        Some(n) => n.to_string(),
        None => child_name(parent, req.task),
    };
    // AWS's service makes the call as a client would: the model's
    // constraints hold (a name of 81 characters is a ValidationException).
    let mut request = Map::new();
    request.insert("stateMachineArn".into(), json!(machine));
    request.insert("name".into(), json!(name));
    request.insert("input".into(), json!(input));
    if let Err(e) = crate::ops::validate::check("StartExecution", &crate::protocol::Req(request)) {
        return Some(Err(start_error(rt, &e)));
    }
    let link = ParentLink {
        execution_arn: parent.to_string(),
        task: req.task,
        pattern: pattern.clone(),
    };
    let started = start(
        rt,
        StartParams {
            machine_arn: machine.to_string(),
            name: Some(name.clone()),
            input,
            trace_header: None,
            parent: Some(link.clone()),
            sync: false,
        },
    )
    .await;
    let record = match started {
        Ok((r, _)) => r,
        Err(e) if e.kind == "ExecutionAlreadyExists" => {
            // Started before a restart: pick up where it is.
            let arn = rt
                .cfg
                .arns
                .execution(machine.rsplit(':').next().unwrap_or_default(), &name);
            match record(rt, &arn).await.ok() {
                Some(r) if r.parent.as_ref() == Some(&link) => r,
                _ => return Some(Err(start_error(rt, &e))),
            }
        }
        Err(e) => return Some(Err(start_error(rt, &e))),
    };
    if !pattern.is_empty() {
        // Handed over: `.sync` waits for the child, `.waitForTaskToken` for
        // its callback. The core records this once, however often it comes.
        let submitted = Input::TaskSubmitted {
            task: req.task,
            output: start_output(rt, &record),
        };
        rt.deliver(parent, submitted, "nested submission").await;
    }
    if pattern.starts_with("sync") && record.status == "RUNNING" {
        // Known before the parent's Task may be cancelled, so that its
        // cancellation stops the child; and one cancelled meanwhile (its
        // `CancelTask` came before this child was known) stops it now.
        rt.children.add(parent, req.task, &record.arn);
        if !awaits(rt, parent, req.task).await {
            cancelled(rt, parent, req.task);
        } else if record.parent.as_ref() != Some(&link) {
            // AWS's idempotent start answered with an execution already
            // running (same name and input) that this Task did not start.
            watch_joined(rt, &link, &record.arn);
        }
    }
    match pattern.as_str() {
        "" => Some(Ok(start_output(rt, &record))),
        p if p.starts_with("sync") && record.status != "RUNNING" => {
            Some(sync_result(rt, &record, p == "sync:2"))
        }
        _ => None,
    }
}

/// The `.sync` children running for their parents' Tasks, by parent
/// execution and task, so that a Task that ends early (it times out, its
/// execution ends, a Parallel sibling fails) stops its child, as AWS does
/// (its `.sync` IAM policy grants `states:StopExecution` for this). In
/// memory: a restart starts the pending Tasks again, which finds their
/// children again. DIFFERENCE: a child whose parent's Task was cancelled
/// just before a crash, and not stopped yet, runs on.
#[derive(Default)]
pub(crate) struct Children(Mutex<HashMap<(String, TaskId), String>>);

impl Children {
    fn add(&self, parent: &str, task: TaskId, child: &str) {
        lock(&self.0).insert((parent.to_string(), task), child.to_string());
    }

    /// Forget the child of `parent`'s Task `task` (it ended): its ARN.
    pub(crate) fn take(&self, parent: &str, task: TaskId) -> Option<String> {
        lock(&self.0).remove(&(parent.to_string(), task))
    }
}

/// Whether `parent` still waits for its Task `task` (so a store that
/// cannot tell says it does).
async fn awaits(rt: &Arc<Runtime>, parent: &str, task: TaskId) -> bool {
    match rt.slot(parent) {
        Ok(Some(slot)) => {
            let live = slot.live.lock().await;
            let pending = live.exec.pending_tasks().any(|t| t.task == task);
            pending
        }
        Ok(None) => false,
        Err(_) => true,
    }
}

/// Answer the `.sync` Task `link` when `child`, an execution it joined
/// rather than started, ends. Nothing tells a Task of the end of a child
/// that does not name it as its parent, so the stored records are read
/// every second; the watch ends with the parent too.
fn watch_joined(rt: &Arc<Runtime>, link: &ParentLink, child: &str) {
    let (rt, link, child) = (rt.clone(), link.clone(), child.to_string());
    tokio::spawn(async move {
        let parent = &link.execution_arn;
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            match record(&rt, parent).await {
                Ok(p) if p.status == "RUNNING" => {}
                _ => return,
            }
            let Ok(ended) = record(&rt, &child).await else {
                return;
            };
            if ended.status == "RUNNING" {
                continue;
            }
            rt.children.take(parent, link.task);
            let result = sync_result(&rt, &ended, link.pattern == "sync:2");
            rt.deliver(parent, task_input(link.task, result), "joined child result")
                .await;
            return;
        }
    });
}

/// `parent`'s Task `task` was cancelled: stop its `.sync` child, if it
/// has one running, as StopExecution would, with no error and the cause
/// AWS gives (floci-io/floci AslExecutorNestedSyncTimeoutTest, measured on
/// AWS, for a Task that timed out, the parent's own timeout and a
/// StopExecution of the parent alike).
pub(crate) fn cancelled(rt: &Arc<Runtime>, parent: &str, task: TaskId) {
    let Some(child) = rt.children.take(parent, task) else {
        return;
    };
    let rt = rt.clone();
    let cause = format!(
        "The Task state in AWS Step Functions execution [{parent}] which was managing this resource was aborted"
    );
    tokio::spawn(async move {
        let input = Input::Stop {
            error: String::new(),
            cause,
        };
        rt.deliver(&child, input, "stop of a nested child").await;
    });
}

/// The Task's error for StartExecution's refusal `e`: the integration's
/// name for it, and the AWS SDK for Java's text as the cause
/// (localstack/localstack tests/aws/services/stepfunctions/v2/
/// error_handling, `test_start_execution_no_such_arn`: "State Machine Does
/// Not Exist: '…' (Service: AWSStepFunctions; Status Code: 400; Error
/// Code: StateMachineDoesNotExist; Request ID: …; Proxy: null)").
fn start_error(rt: &Runtime, e: &ApiError) -> (String, String) {
    let cause = stepwell_aws::java_sdk_cause(
        &e.message,
        "AWSStepFunctions",
        e.status.as_u16(),
        e.kind,
        &rt.uuid(),
    );
    (integration_error(e.kind), cause)
}

/// What StartExecution answered, as the AWS SDK for Java gives it to the
/// Task: the result of a Task that only starts a child, and what a
/// `.sync` or `.waitForTaskToken` one submitted, with the HTTP metadata
/// of the call, as other optimized integrations' results (localstack/
/// localstack tests/aws/services/stepfunctions/v2/services,
/// `test_start_execution`; callback, `test_start_execution_sync`).
pub(crate) fn start_output(rt: &Runtime, r: &ExecutionRecord) -> Value {
    // The body StartExecution answers, whose length the metadata gives.
    let body = json!({"executionArn": r.arn, "startDate": timestamp(r.start_ms)}).to_string();
    let answer = stepwell_aws::Answer {
        status: 200,
        headers: vec![
            ("x-amzn-RequestId".into(), rt.uuid()),
            ("connection".into(), "keep-alive".into()),
            ("Content-Length".into(), body.len().to_string()),
            ("Date".into(), http_date(now_ms())),
            ("Content-Type".into(), "application/x-amz-json-1.0".into()),
        ],
        body: body.into_bytes(),
    };
    let mut o = Map::new();
    o.insert("ExecutionArn".into(), json!(r.arn));
    stepwell_aws::add_sdk_metadata(&mut o, &answer);
    o.insert("StartDate".into(), json!(r.start_ms));
    Value::Object(o)
}

/// `ms` (since the epoch) as an HTTP date: `Tue, 23 Jan 2024 10:00:00 GMT`.
fn http_date(ms: i64) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// What a `.sync` Task gets when its child ends: the child's
/// DescribeExecution, as the AWS SDK for Java gives it (keys in
/// alphabetical order, dates in epoch milliseconds; `.sync:2`: Input and
/// Output as JSON rather than text). A child that did not succeed fails
/// the Task with `States.TaskFailed` and this as the cause, its Input as
/// text under `.sync:2` too, its error and cause only when
/// DescribeExecution shows them (floci-io/floci
/// AslExecutorNestedSyncFailureTest and AslExecutorNestedTest, measured on
/// AWS; localstack/localstack tests/aws/services/stepfunctions/v2/
/// callback, `test_start_execution_sync_delegate_timeout`).
pub(crate) fn sync_result(rt: &Runtime, r: &ExecutionRecord, v2: bool) -> TaskResult {
    let succeeded = r.status == "SUCCEEDED";
    let data = |text: &str| -> Value {
        if v2 && succeeded {
            stepwell_core::parse_json(text).unwrap_or(Value::String(text.to_string()))
        } else {
            Value::String(text.to_string())
        }
    };
    let mut o = Map::new();
    if !succeeded {
        let (error, cause) = shown_error(r);
        if let Some(c) = cause {
            o.insert("Cause".into(), json!(c));
        }
        if let Some(e) = error {
            o.insert("Error".into(), json!(e));
        }
    }
    o.insert("ExecutionArn".into(), json!(r.arn));
    o.insert("Input".into(), data(&r.input));
    o.insert("InputDetails".into(), json!({"Included": true}));
    o.insert("Name".into(), json!(r.name));
    if let Some(out) = &r.output {
        o.insert("Output".into(), data(out));
        o.insert("OutputDetails".into(), json!({"Included": true}));
    }
    o.insert("RedriveCount".into(), json!(r.redrive_count));
    if let Some(ms) = r.redrive_ms {
        o.insert("RedriveDate".into(), json!(ms));
    }
    let (status, reason) = redrive_status(rt, r);
    o.insert("RedriveStatus".into(), json!(status));
    if let Some(reason) = reason {
        o.insert("RedriveStatusReason".into(), json!(reason));
    }
    o.insert("StartDate".into(), json!(r.start_ms));
    if let Some(a) = &r.alias_arn {
        o.insert("StateMachineAliasArn".into(), json!(a));
    }
    o.insert("StateMachineArn".into(), json!(r.machine_arn));
    if let Some(v) = &r.version_arn {
        o.insert("StateMachineVersionArn".into(), json!(v));
    }
    o.insert("Status".into(), json!(r.status));
    if let Some(stop) = r.stop_ms {
        o.insert("StopDate".into(), json!(stop));
    }
    if succeeded {
        Ok(Value::Object(o))
    } else {
        Err(("States.TaskFailed".into(), Value::Object(o).to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{remove_db, runtime};

    /// A child execution that ended `status` with `error` and `cause`.
    fn child(status: &str, error: Option<&str>, cause: Option<&str>) -> ExecutionRecord {
        let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:child";
        ExecutionRecord {
            input: "{\"k\":1}".into(),
            start_ms: crate::runtime::now_ms() - 100,
            stop_ms: Some(crate::runtime::now_ms()),
            output: (status == "SUCCEEDED").then(|| "{\"ok\":true}".into()),
            error: error.map(str::to_string),
            cause: cause.map(str::to_string),
            ..ExecutionRecord::for_test(machine, "run-1", status)
        }
    }

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// floci-io/floci AslExecutorNestedSyncFailureTest (measured on AWS):
    /// the cause is the child's DescribeExecution in alphabetical order,
    /// its Error and Cause only when it has them (none for TIMED_OUT), its
    /// redrive status what DescribeExecution says, its Input text in both
    /// modes; a success (AslExecutorNestedTest) carries the reason it is
    /// not redrivable.
    #[tokio::test]
    async fn a_sync_child_s_description_is_aws_s() {
        let (rt, db) = runtime("nested-sync-result", 1.0).await;
        let tail = [
            "ExecutionArn",
            "Input",
            "InputDetails",
            "Name",
            "RedriveCount",
            "RedriveStatus",
            "StartDate",
            "StateMachineArn",
            "Status",
            "StopDate",
        ];
        // (status, error, cause, the keys before ExecutionArn)
        type Row<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [&'a str]);
        let rows: [Row<'_>; 5] = [
            (
                "FAILED",
                Some("Boom"),
                Some("custom cause"),
                &["Cause", "Error"],
            ),
            ("FAILED", Some("Boom"), None, &["Error"]),
            ("FAILED", Some("States.Timeout"), None, &["Error"]),
            ("TIMED_OUT", Some("States.Timeout"), Some(""), &[]),
            (
                "ABORTED",
                Some("ManualStop"),
                Some("stopped"),
                &["Cause", "Error"],
            ),
        ];
        for (status, error, cause, first) in rows {
            for v2 in [false, true] {
                let got = sync_result(&rt, &child(status, error, cause), v2);
                let Err((name, text)) = got else {
                    panic!("{status}: {got:?}");
                };
                assert_eq!(name, "States.TaskFailed");
                let c: Value = serde_json::from_str(&text).unwrap_or_default();
                let want: Vec<&str> = first.iter().chain(tail.iter()).copied().collect();
                assert_eq!(keys(&c), want, "{status} {error:?} {cause:?}");
                assert_eq!(c["Input"], "{\"k\":1}", "{status} v2={v2}");
                assert_eq!(c["RedriveStatus"], "REDRIVABLE", "{status}");
                assert_eq!(c["Status"], status);
                if let (Some(e), true) = (error, first.contains(&"Error")) {
                    assert_eq!(c["Error"], e);
                }
            }
        }
        let mut aliased = child("FAILED", Some("Boom"), None);
        aliased.alias_arn = Some(format!("{}:live", aliased.machine_arn));
        aliased.version_arn = Some(format!("{}:1", aliased.machine_arn));
        let Err((_, text)) = sync_result(&rt, &aliased, true) else {
            panic!("a failed child fails the Task");
        };
        let c: Value = serde_json::from_str(&text).unwrap_or_default();
        let k = keys(&c);
        let at = |key: &str| k.iter().position(|x| *x == key);
        assert!(at("StartDate") < at("StateMachineAliasArn"), "{k:?}");
        assert!(at("StateMachineAliasArn") < at("StateMachineArn"), "{k:?}");
        assert!(
            at("StateMachineArn") < at("StateMachineVersionArn"),
            "{k:?}"
        );
        assert!(at("StateMachineVersionArn") < at("Status"), "{k:?}");

        for v2 in [false, true] {
            let Ok(out) = sync_result(&rt, &child("SUCCEEDED", None, None), v2) else {
                panic!("a child that succeeded is the Task's result");
            };
            assert_eq!(
                keys(&out),
                [
                    "ExecutionArn",
                    "Input",
                    "InputDetails",
                    "Name",
                    "Output",
                    "OutputDetails",
                    "RedriveCount",
                    "RedriveStatus",
                    "RedriveStatusReason",
                    "StartDate",
                    "StateMachineArn",
                    "Status",
                    "StopDate"
                ]
            );
            assert_eq!(out["RedriveStatus"], "NOT_REDRIVABLE");
            assert_eq!(
                out["RedriveStatusReason"],
                "Execution is SUCCEEDED and cannot be redriven"
            );
            let (input, output) = if v2 {
                (json!({"k": 1}), json!({"ok": true}))
            } else {
                (json!("{\"k\":1}"), json!("{\"ok\":true}"))
            };
            assert_eq!((&out["Input"], &out["Output"]), (&input, &output));
        }
        rt.shutdown();
        remove_db(&db);
    }

    /// What StartExecution answered carries the call's HTTP metadata, as
    /// AWS's recordings show it (localstack/localstack
    /// tests/aws/services/stepfunctions/v2/services, `test_start_execution`).
    #[tokio::test]
    async fn a_start_s_answer_carries_the_sdk_metadata() {
        let (rt, db) = runtime("nested-start-output", 1.0).await;
        let r = child("RUNNING", None, None);
        let out = start_output(&rt, &r);
        assert_eq!(
            keys(&out),
            [
                "ExecutionArn",
                "SdkHttpMetadata",
                "SdkResponseMetadata",
                "StartDate"
            ]
        );
        let http = &out["SdkHttpMetadata"];
        assert_eq!(
            keys(&http["AllHttpHeaders"]),
            [
                "x-amzn-RequestId",
                "connection",
                "Content-Length",
                "Date",
                "Content-Type"
            ]
        );
        assert_eq!(http["HttpStatusCode"], 200);
        assert_eq!(
            http["HttpHeaders"]["Content-Type"],
            "application/x-amz-json-1.0"
        );
        let id = &out["SdkResponseMetadata"]["RequestId"];
        assert!(id.as_str().is_some_and(|s| s.len() == 36), "{out}");
        assert_eq!(&http["HttpHeaders"]["x-amzn-RequestId"], id);
        let body = json!({"executionArn": r.arn, "startDate": timestamp(r.start_ms)});
        assert_eq!(
            http["HttpHeaders"]["Content-Length"],
            body.to_string().len().to_string()
        );
        assert!(http["HttpHeaders"]["Date"]
            .as_str()
            .is_some_and(|d| d.ends_with(" GMT")));
        assert_eq!(out["StartDate"], r.start_ms);
        rt.shutdown();
        remove_db(&db);
    }

    /// StartExecution's refusal is the cause as the AWS SDK for Java words
    /// it (localstack/localstack tests/aws/services/stepfunctions/v2/
    /// error_handling, `test_start_execution_no_such_arn`).
    #[tokio::test]
    async fn a_refused_start_is_the_java_sdk_s_error() {
        let (rt, db) = runtime("nested-start-error", 1.0).await;
        let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:nope";
        let e = crate::ops::executions::machine_does_not_exist(arn);
        let (error, cause) = start_error(&rt, &e);
        assert_eq!(error, "StepFunctions.StateMachineDoesNotExistException");
        let prefix = format!("State Machine Does Not Exist: '{arn}' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: ");
        assert!(
            cause.starts_with(&prefix) && cause.ends_with("; Proxy: null)"),
            "{cause}"
        );
        rt.shutdown();
        remove_db(&db);
    }

    /// The token of a `.sync` Task that hands `$$.Task.Token` on answers
    /// the Task (SendTaskHeartbeat, SendTaskSuccess), as AWS's
    /// SendTaskSuccess documents for "Task states using the job run
    /// pattern" (localstack/localstack callback, `test_sync_with_task_token`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sync_task_s_token_answers_it() {
        use crate::testing::{call, create_machine, start, until_events, until_status};
        use stepwell_core::EventKind;

        let (rt, db) = runtime("nested-sync-token", 1.0).await;
        let waits = json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 100000, "End": true}}});
        let child = create_machine(&rt, "child", &waits).await;
        let parent = json!({"StartAt": "Call", "States": {"Call": {
            "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "HeartbeatSeconds": 600,
            "Parameters": {"StateMachineArn": child, "Input": {"token.$": "$$.Task.Token"}},
            "End": true}}});
        let parent = create_machine(&rt, "parent", &parent).await;
        let arn = start(&rt, &parent, "{}").await;
        let submitted = |events: &[stepwell_core::Event]| {
            events
                .iter()
                .any(|e| matches!(e.kind, EventKind::TaskSubmitted { .. }))
        };
        until_events(&rt, &arn, submitted).await;
        let token = rt
            .store
            .events(&arn)
            .unwrap_or_default()
            .iter()
            .find_map(|e| match &e.kind {
                EventKind::TaskScheduled { token, .. } => token.clone(),
                _ => None,
            })
            .unwrap_or_default();
        call(&rt, "SendTaskHeartbeat", json!({"taskToken": token})).await;
        call(
            &rt,
            "SendTaskSuccess",
            json!({"taskToken": token, "output": "{\"early\": true}"}),
        )
        .await;
        until_status(&rt, &arn, "SUCCEEDED").await;
        let d = call(&rt, "DescribeExecution", json!({"executionArn": arn})).await;
        assert_eq!(d["output"], "{\"early\":true}");
        rt.shutdown();
        remove_db(&db);
    }

    /// A `.sync` Task that ends early stops its child, as StopExecution
    /// would, with no error and AWS's cause (floci-io/floci
    /// AslExecutorNestedSyncTimeoutTest, measured on AWS): when the Task
    /// times out, when its execution is stopped, when a Parallel sibling
    /// fails.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sync_task_that_ends_early_stops_its_child() {
        use crate::testing::{call, create_machine, start, until, until_status};

        let (rt, db) = runtime("nested-sync-stop", 0.01).await;
        let waits = json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 100000, "End": true}}});
        let call_child = |child: &str, timeout: Option<u64>| {
            let mut task = json!({"Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync",
                "Parameters": {"StateMachineArn": child}, "End": true});
            if let Some(t) = timeout {
                task["TimeoutSeconds"] = json!(t);
            }
            task
        };
        for case in ["timeout", "stop", "sibling"] {
            let child = create_machine(&rt, &format!("child-{case}"), &waits).await;
            let parent = match case {
                "timeout" => {
                    json!({"StartAt": "Call", "States": {"Call": call_child(&child, Some(2))}})
                }
                "stop" => json!({"StartAt": "Call", "States": {"Call": call_child(&child, None)}}),
                _ => json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
                    "Branches": [
                        {"StartAt": "Call", "States": {"Call": call_child(&child, None)}},
                        {"StartAt": "Nap", "States": {
                            "Nap": {"Type": "Wait", "Seconds": 100, "Next": "Boom"},
                            "Boom": {"Type": "Fail", "Error": "Boom"}}}]}}}),
            };
            let parent = create_machine(&rt, &format!("parent-{case}"), &parent).await;
            let arn = start(&rt, &parent, "{}").await;
            let listed = json!({"stateMachineArn": child});
            let mut children = Vec::new();
            until("the child to start", async || {
                let l = call(&rt, "ListExecutions", listed.clone()).await;
                children = l["executions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["executionArn"].as_str().map(str::to_string))
                    .collect();
                !children.is_empty()
            })
            .await;
            if case == "stop" {
                call(&rt, "StopExecution", json!({"executionArn": arn})).await;
            }
            let child_ex = &children[0];
            until_status(&rt, child_ex, "ABORTED").await;
            let d = call(&rt, "DescribeExecution", json!({"executionArn": child_ex})).await;
            let cause = format!("The Task state in AWS Step Functions execution [{arn}] which was managing this resource was aborted");
            assert!(d.get("error").is_none(), "{case}: {d}");
            assert_eq!(d["cause"], cause, "{case}");
            let h = call(
                &rt,
                "GetExecutionHistory",
                json!({"executionArn": child_ex, "reverseOrder": true, "maxResults": 1}),
            )
            .await;
            assert_eq!(h["events"][0]["type"], "ExecutionAborted", "{case}");
            assert_eq!(
                h["events"][0]["executionAbortedEventDetails"],
                json!({"cause": cause}),
                "{case}"
            );
            let want = if case == "stop" { "ABORTED" } else { "FAILED" };
            until_status(&rt, &arn, want).await;
        }
        rt.shutdown();
        remove_db(&db);
    }

    /// A `.sync` Task whose StartExecution names an execution already
    /// running with the same input joins it (AWS's idempotent start) and
    /// ends when it ends, though it did not start it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_sync_task_that_joins_a_running_execution_ends_with_it() {
        use crate::testing::{call, create_machine, start, until_status};

        let (rt, db) = runtime("nested-join", 0.1).await;
        let naps = json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "SecondsPath": "$.s", "End": true}}});
        let child = create_machine(&rt, "child", &naps).await;
        let input = json!({"s": 10}).to_string();
        let started = call(
            &rt,
            "StartExecution",
            json!({"stateMachineArn": child, "name": "shared", "input": input}),
        )
        .await;
        let parent = json!({"StartAt": "Call", "States": {"Call": {
            "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {"StateMachineArn": child, "Name": "shared", "Input": {"s": 10}},
            "End": true}}});
        let parent = create_machine(&rt, "parent", &parent).await;
        let arn = start(&rt, &parent, "{}").await;
        until_status(&rt, &arn, "SUCCEEDED").await;
        let d = call(&rt, "DescribeExecution", json!({"executionArn": arn})).await;
        let out: Value =
            serde_json::from_str(d["output"].as_str().unwrap_or_default()).unwrap_or_default();
        assert_eq!(out["ExecutionArn"], started["executionArn"], "{out}");
        assert_eq!(out["Status"], "SUCCEEDED", "{out}");
        rt.shutdown();
        remove_db(&db);
    }

    /// An unnamed child is named by a UUID, as AWS names it; the same
    /// parent and task give the same one (a restart finds its child).
    #[test]
    fn an_unnamed_child_s_name_is_a_uuid() {
        let parent = "arn:aws:states:us-east-1:123456789012:execution:p:run";
        let name = child_name(parent, 7);
        let b = name.as_bytes();
        assert_eq!(b.len(), 36, "{name}");
        for (i, c) in name.chars().enumerate() {
            match i {
                8 | 13 | 18 | 23 => assert_eq!(c, '-', "{name}"),
                14 => assert_eq!(c, '4', "{name}"),
                _ => assert!(c.is_ascii_hexdigit() && !c.is_ascii_uppercase(), "{name}"),
            }
        }
        assert_eq!(name, child_name(parent, 7));
        assert_ne!(name, child_name(parent, 8));
        assert_ne!(name, child_name("arn:other", 7));
    }

    /// The child's StartExecution is checked against the model as a
    /// client's is: a name of 81 characters fails the Task with
    /// StepFunctions.ValidationException.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_child_s_start_request_is_validated_as_a_client_s() {
        use crate::testing::{call, create_machine, start, until_status};

        let (rt, db) = runtime("nested-validated", 1.0).await;
        let done = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
        let child = create_machine(&rt, "child", &done).await;
        let parent = json!({"StartAt": "Call", "States": {"Call": {
            "Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
            "Parameters": {"StateMachineArn": child, "Name": "n".repeat(81)},
            "End": true}}});
        let parent = create_machine(&rt, "parent", &parent).await;
        let arn = start(&rt, &parent, "{}").await;
        until_status(&rt, &arn, "FAILED").await;
        let d = call(&rt, "DescribeExecution", json!({"executionArn": arn})).await;
        assert_eq!(d["error"], "StepFunctions.ValidationException", "{d}");
        let cause = d["cause"].as_str().unwrap_or_default();
        assert!(
            cause.starts_with("1 validation error detected: ")
                && cause.contains("Member must have length less than or equal to 80")
                && cause.contains("(Service: AWSStepFunctions; Status Code: 400; Error Code: ValidationException;"),
            "{cause}"
        );
        rt.shutdown();
        remove_db(&db);
    }
}
