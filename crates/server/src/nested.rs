//! Nested executions: `arn:aws:states:::states:startExecution` with no
//! suffix, `.sync`, `.sync:2` and `.waitForTaskToken`.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use stepwell_core::{Input, TaskRequest};

use crate::dispatch::{resource_pattern, TaskResult};
use crate::ops::executions::{start, StartParams};
use crate::records::{ExecutionRecord, ParentLink};
use crate::runtime::{task_input, Runtime};

/// A child's name when the Task gives none: derived from the parent and the
/// task, so starting it again after a restart finds the same execution.
fn child_name(parent: &str, task: u64) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parent.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}-{task}")
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
            let existing = rt
                .store
                .execution(
                    &rt.cfg
                        .arns
                        .execution(machine.rsplit(':').next().unwrap_or_default(), &name),
                )
                .ok()
                .flatten()
                .and_then(|row| serde_json::from_str::<ExecutionRecord>(&row.body).ok());
            match existing {
                Some(r) if r.parent.as_ref() == Some(&link) => r,
                _ => return Some(Err((integration_error(e.kind), e.message))),
            }
        }
        Err(e) => return Some(Err((integration_error(e.kind), e.message))),
    };
    if !pattern.is_empty() {
        // Handed over: `.sync` waits for the child, `.waitForTaskToken` for
        // its callback. The core records this once, however often it comes.
        let submitted = Input::TaskSubmitted {
            task: req.task,
            output: start_output(&record),
        };
        rt.deliver(parent, submitted, "nested submission").await;
    }
    match pattern.as_str() {
        "" => Some(Ok(start_output(&record))),
        p if p.starts_with("sync") && record.status != "RUNNING" => {
            Some(sync_result(&record, p == "sync:2"))
        }
        _ => None,
    }
}

/// What StartExecution answered: the result of a Task that only starts a
/// child, and what a `.sync` or `.waitForTaskToken` one submitted.
pub(crate) fn start_output(r: &ExecutionRecord) -> Value {
    json!({
        "ExecutionArn": r.arn,
        "StartDate": r.start_ms,
    })
}

/// What a `.sync` Task gets when its child ends: DescribeExecution's shape
/// (`.sync:2`: Input and Output as JSON rather than text).
pub(crate) fn sync_result(r: &ExecutionRecord, v2: bool) -> TaskResult {
    let data = |text: &Option<String>| -> Value {
        match text {
            Some(t) if v2 => stepwell_core::parse_json(t).unwrap_or(Value::String(t.clone())),
            Some(t) => Value::String(t.clone()),
            None => Value::Null,
        }
    };
    let mut o = Map::new();
    o.insert("ExecutionArn".into(), json!(r.arn));
    o.insert("Input".into(), data(&Some(r.input.clone())));
    o.insert("InputDetails".into(), json!({"Included": true}));
    o.insert("Name".into(), json!(r.name));
    if r.output.is_some() {
        o.insert("Output".into(), data(&r.output));
        o.insert("OutputDetails".into(), json!({"Included": true}));
    }
    o.insert("RedriveCount".into(), json!(0));
    o.insert("RedriveStatus".into(), json!("NOT_REDRIVABLE"));
    o.insert("StartDate".into(), json!(r.start_ms));
    o.insert("StateMachineArn".into(), json!(r.machine_arn));
    o.insert("Status".into(), json!(r.status));
    if let Some(stop) = r.stop_ms {
        o.insert("StopDate".into(), json!(stop));
    }
    if r.status == "SUCCEEDED" {
        return Ok(Value::Object(o));
    }
    if let Some(e) = &r.error {
        o.insert("Error".into(), json!(e));
    }
    if let Some(c) = &r.cause {
        o.insert("Cause".into(), json!(c));
    }
    Err(("States.TaskFailed".into(), Value::Object(o).to_string()))
}
