//! Map Runs: DescribeMapRun, ListMapRuns, UpdateMapRun, and the child
//! executions of a Distributed Map (DescribeExecution, GetExecutionHistory,
//! ListExecutions with `mapRunArn`, StopExecution and RedriveExecution).
//!
//! A Map Run lives in its parent execution's history (see
//! `stepwell_core::map_run`): everything here is read from that history.
//! The store indexes each Map Run by the stem of its id (written with the
//! `MapRunStarted` event that starts it), which is also the start of every
//! child execution's name, so a Map Run or child ARN leads to its parent.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use stepwell_core::map_run::{self, Child, Counts, MapRun};
use stepwell_core::{Event, EventKind, Input};
use stepwell_store::Write;

use crate::ops::executions::{execution_does_not_exist, record};
use crate::protocol::{timestamp, ApiError, Req};
use crate::records::ExecutionRecord;
use crate::runtime::Runtime;

const KIND: &str = "mapRun";

/// The index entries for the Map Runs that `events` start.
pub fn index_writes(execution_arn: &str, events: &[Event]) -> Vec<Write> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MapRunStarted { arn } => Some(Write::PutResource {
                kind: KIND,
                key: map_run::stem_of_map_run(arn)?.to_string(),
                body: json!({"executionArn": execution_arn, "mapRunArn": arn}).to_string(),
            }),
            _ => None,
        })
        .collect()
}

fn not_found(arn: &str) -> ApiError {
    ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
}

/// The ARN of the parent execution of the Map Run with this stem (a
/// blocking store read).
pub fn parent_arn_of(rt: &Runtime, stem: &str) -> Option<String> {
    let body = rt.store.resource(KIND, stem).ok()??;
    let entry: Value = serde_json::from_str(&body).ok()?;
    entry["executionArn"].as_str().map(str::to_string)
}

/// The parent execution of the Map Run with this stem, and the Map Run's ARN.
async fn parent_of(
    rt: &Arc<Runtime>,
    stem: &str,
) -> Result<Option<(ExecutionRecord, String)>, ApiError> {
    let store = rt.store.clone();
    let key = stem.to_string();
    let body = tokio::task::spawn_blocking(move || store.resource(KIND, &key))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let Some(body) = body else {
        return Ok(None);
    };
    let entry: Value = serde_json::from_str(&body)
        .map_err(|e| ApiError::internal(format!("Map Run {stem}: unreadable index entry: {e}")))?;
    let (Some(execution), Some(map_run)) =
        (entry["executionArn"].as_str(), entry["mapRunArn"].as_str())
    else {
        return Err(ApiError::internal(format!(
            "Map Run {stem}: incomplete index entry"
        )));
    };
    Ok(Some((record(rt, execution).await?, map_run.to_string())))
}

/// The Map Runs recorded in an execution's history.
async fn runs_of(rt: &Arc<Runtime>, r: &ExecutionRecord) -> Result<Vec<MapRun>, ApiError> {
    let events = events_of(rt, r).await?;
    let plan = rt.plan(&r.revision_id, r.express)?;
    map_run::map_runs(plan, &rt.execution_info(r), &events)
        .map_err(|e| ApiError::internal(format!("{}: {e}", r.arn)))
}

async fn events_of(rt: &Arc<Runtime>, r: &ExecutionRecord) -> Result<Vec<Event>, ApiError> {
    let store = rt.store.clone();
    let arn = r.arn.clone();
    Ok(tokio::task::spawn_blocking(move || store.events(&arn))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??)
}

/// A Map Run by its ARN, with its parent execution.
async fn find(rt: &Arc<Runtime>, arn: &str) -> Result<(ExecutionRecord, MapRun), ApiError> {
    let stem = map_run::stem_of_map_run(arn).ok_or_else(|| ApiError::invalid_arn(arn))?;
    let (parent, _) = parent_of(rt, stem).await?.ok_or_else(|| not_found(arn))?;
    let run = runs_of(rt, &parent)
        .await?
        .into_iter()
        .find(|m| m.arn == arn)
        .ok_or_else(|| not_found(arn))?;
    Ok((parent, run))
}

fn counts_json(c: Counts) -> Value {
    json!({
        "pending": c.pending,
        "running": c.running,
        "succeeded": c.succeeded,
        "failed": c.failed,
        "timedOut": 0,
        "aborted": c.aborted,
        "total": c.total,
        // With a ResultWriter that exports: what it wrote; without one,
        // the children's results that succeeded.
        "resultsWritten": c.results_written.unwrap_or(c.succeeded),
        // STANDARD children whose history reached its 25,000-event quota
        // (AWS: "Execution history event limit exceeded").
        // DIFFERENCE: AWS also counts those past their 14-day redrive
        // period; executions here keep theirs.
        "failuresNotRedrivable": c.failures_not_redrivable,
        // A redriven Map Run's unsuccessful children not rerun yet.
        "pendingRedrive": c.pending_redrive,
    })
}

pub async fn describe(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("mapRunArn")?;
    let (parent, run) = find(rt, arn).await?;
    let items = counts_json(run.item_counts());
    let executions = counts_json(run.counts());
    let mut o = Map::new();
    o.insert("mapRunArn".into(), json!(run.arn));
    o.insert("executionArn".into(), json!(run.execution_arn(&parent.arn)));
    o.insert("status".into(), json!(run.status));
    o.insert("startDate".into(), timestamp(run.start));
    if let Some(stop) = run.stop {
        o.insert("stopDate".into(), timestamp(stop));
    }
    o.insert("maxConcurrency".into(), json!(run.max_concurrency));
    o.insert(
        "toleratedFailurePercentage".into(),
        json!(run.tolerated_percentage),
    );
    o.insert("toleratedFailureCount".into(), json!(run.tolerated_count));
    o.insert("itemCounts".into(), items);
    o.insert("executionCounts".into(), executions);
    o.insert("redriveCount".into(), json!(run.redrive_count));
    if let Some(date) = run.redrive_date {
        o.insert("redriveDate".into(), timestamp(date));
    }
    Ok(Value::Object(o))
}

/// ListMapRuns: the Map Runs an execution (or a Map Run's child
/// execution) started itself, not those of its children.
pub async fn list(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("executionArn")?;
    let (r, started_by) = match map_run::parse_child_arn(arn) {
        Some((stem, index)) => {
            let (parent, run, _) = child(rt, arn, stem, index).await?;
            (parent, Some((run.arn, index)))
        }
        None => (record(rt, arn).await?, None),
    };
    // (Map Runs are only ever added after the others: their places are
    // their keys.)
    let items: Vec<(String, Value)> = runs_of(rt, &r)
        .await?
        .iter()
        .filter(|m| m.started_by == started_by)
        .enumerate()
        .map(|(i, m)| {
            let mut o = Map::new();
            o.insert("executionArn".into(), json!(arn));
            o.insert("mapRunArn".into(), json!(m.arn));
            o.insert(
                "stateMachineArn".into(),
                json!(map_run::machine_arn(&m.arn)),
            );
            o.insert("startDate".into(), timestamp(m.start));
            if let Some(stop) = m.stop {
                o.insert("stopDate".into(), timestamp(stop));
            }
            (format!("{i:010}"), Value::Object(o))
        })
        .collect();
    let (page, next) = super::page(items, &req)?;
    let mut out = json!({ "mapRuns": page });
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(out)
}

/// UpdateMapRun: new settings for a running Map Run. The interpreter
/// records them, so they survive a restart; a Map Run that has ended keeps
/// its settings.
pub async fn update(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("mapRunArn")?;
    let max_concurrency = req.opt_i64("maxConcurrency")?;
    let tolerated_count = req.opt_i64("toleratedFailureCount")?;
    let tolerated_percentage = req.opt_f64("toleratedFailurePercentage")?;
    if max_concurrency.is_none() && tolerated_count.is_none() && tolerated_percentage.is_none() {
        return Err(ApiError::new(
            "ValidationException",
            "at least one of the parameters maxConcurrency, toleratedFailurePercentage or toleratedFailureCount must be provided",
        ));
    }
    // The ranges are the model's (`ops::validate`): counts are never
    // negative here.
    let max_concurrency = max_concurrency.and_then(|n| u64::try_from(n).ok());
    let tolerated_count = tolerated_count.and_then(|n| u64::try_from(n).ok());
    let (parent, run) = find(rt, arn).await?;
    if run.status == "RUNNING" {
        let input = Input::UpdateMapRun {
            arn: run.arn,
            max_concurrency,
            tolerated_count,
            tolerated_percentage,
        };
        rt.feed(&parent.arn, input).await?;
    }
    Ok(json!({}))
}

/// A child execution by its ARN: its parent, its Map Run and itself.
async fn child(
    rt: &Arc<Runtime>,
    arn: &str,
    stem: &str,
    index: u32,
) -> Result<(ExecutionRecord, MapRun, Child), ApiError> {
    let (parent, map_run_arn) = parent_of(rt, stem)
        .await?
        .ok_or_else(|| execution_does_not_exist(arn))?;
    let run = runs_of(rt, &parent)
        .await?
        .into_iter()
        .find(|m| m.arn == map_run_arn)
        .ok_or_else(|| execution_does_not_exist(arn))?;
    let child = run
        .children
        .iter()
        .find(|c| c.index == index)
        .cloned()
        .ok_or_else(|| execution_does_not_exist(arn))?;
    Ok((parent, run, child))
}

/// A child execution by its ARN, for the operations AWS refuses for an
/// EXPRESS child's ARN (RedriveExecution, StopExecution).
async fn standard_child(
    rt: &Arc<Runtime>,
    arn: &str,
    stem: &str,
    index: u32,
) -> Result<(ExecutionRecord, MapRun, Child), ApiError> {
    match express_not_supported(arn) {
        Some(e) => Err(e),
        None => child(rt, arn, stem, index).await,
    }
}

/// DescribeExecution of a child execution.
pub async fn describe_child(
    rt: &Arc<Runtime>,
    arn: &str,
    stem: &str,
    index: u32,
) -> Result<Value, ApiError> {
    let (parent, run, child) = child(rt, arn, stem, index).await?;
    let (name, _) = run.child_arn(index);
    let mut o = Map::new();
    o.insert("executionArn".into(), json!(arn));
    o.insert(
        "stateMachineArn".into(),
        json!(map_run::machine_arn(&run.arn)),
    );
    o.insert("name".into(), json!(name));
    o.insert("status".into(), json!(child.status));
    o.insert("startDate".into(), timestamp(child.start));
    if let Some(stop) = child.stop {
        o.insert("stopDate".into(), timestamp(stop));
    }
    let input = child
        .input
        .as_ref()
        .map(|v| v.to_string())
        .unwrap_or("null".into());
    o.insert("input".into(), json!(input));
    o.insert("inputDetails".into(), json!({"included": true}));
    if let Some(out) = &child.output {
        o.insert("output".into(), json!(out.to_string()));
        o.insert("outputDetails".into(), json!({"included": true}));
    }
    if let Some((error, cause)) = &child.error {
        o.insert("error".into(), json!(error));
        o.insert("cause".into(), json!(cause));
    }
    o.insert("mapRunArn".into(), json!(run.arn));
    o.insert("redriveCount".into(), json!(child.redrive_count));
    if let Some(date) = child.redrive_date {
        o.insert("redriveDate".into(), timestamp(date));
    }
    // AWS: for a Map Run's child, whether the Map Run can redrive it, which
    // it does when its parent is redriven: the model's REDRIVABLE_BY_MAP_RUN
    // (RedriveExecution of the child itself is refused: `redrive_child`).
    match redrive_refusal(&parent, &run, &child) {
        None => {
            o.insert("redriveStatus".into(), json!("REDRIVABLE_BY_MAP_RUN"));
        }
        Some(reason) => {
            o.insert("redriveStatus".into(), json!("NOT_REDRIVABLE"));
            o.insert("redriveStatusReason".into(), json!(reason));
        }
    }
    Ok(Value::Object(o))
}

/// Why the Map Run cannot redrive `child` now; `None` when it can.
fn redrive_refusal(parent: &ExecutionRecord, run: &MapRun, child: &Child) -> Option<String> {
    if run.express {
        express_child_redrive_refusal(child.status)
    } else if child.not_redrivable {
        Some("Execution history event limit exceeded".into())
    } else {
        child_redrive_refusal(&parent.status, child.status)
    }
}

/// AWS: "To redrive a workflow that includes a Distributed Map state whose
/// Map Run failed, you must redrive the parent workflow" (RedriveExecution).
/// DIFFERENCE: AWS does not give the message it refuses a child with; here
/// the reason DescribeExecution gives, or, for one its Map Run can redrive,
/// the one the ResultWriter's files give.
const CHILD_NOT_REDRIVABLE: &str =
    "Execution is a child execution of a Map Run and cannot be redriven on its own.";

/// RedriveExecution of a child execution: `ExecutionNotRedrivable`.
pub async fn redrive_child(
    rt: &Arc<Runtime>,
    arn: &str,
    stem: &str,
    index: u32,
) -> Result<Value, ApiError> {
    // RedriveExecution "is not supported by EXPRESS state machines".
    let (parent, run, child) = standard_child(rt, arn, stem, index).await?;
    let reason = redrive_refusal(&parent, &run, &child).unwrap_or(CHILD_NOT_REDRIVABLE.into());
    Err(ApiError::new("ExecutionNotRedrivable", reason))
}

/// StopExecution of a child execution: one that runs stops (ABORTED, with
/// the request's error and cause; the core's `Input::StopChild`), as AWS
/// counts children "stopped by the user" (`MapRunExecutionCounts`); the
/// answer is its stop date, as for any execution.
pub async fn stop_child(
    rt: &Arc<Runtime>,
    req: &Req,
    arn: &str,
    stem: &str,
    index: u32,
) -> Result<Value, ApiError> {
    // StopExecution "is not supported by EXPRESS state machines".
    let (parent, run, found) = standard_child(rt, arn, stem, index).await?;
    if found.status == "RUNNING" && parent.status == "RUNNING" {
        let input = Input::StopChild {
            map_run: run.arn,
            index,
            error: req.opt_str("error")?.unwrap_or_default().to_string(),
            cause: req.opt_str("cause")?.unwrap_or_default().to_string(),
        };
        rt.feed(&parent.arn, input).await?;
    }
    let (_, _, found) = child(rt, arn, stem, index).await?;
    let stop = found.stop.unwrap_or_else(crate::runtime::now_ms);
    Ok(json!({"stopDate": timestamp(stop)}))
}

/// Why a Map Run cannot redrive a child execution in status `child` now,
/// its parent being in status `parent`; `None` when it can.
fn child_redrive_refusal(parent: &str, child: &str) -> Option<String> {
    match child {
        "SUCCEEDED" | "RUNNING" => Some(format!("Execution is {child} and cannot be redriven")),
        // Already waiting for the Map Run's redrive.
        "PENDING_REDRIVE" => Some("Execution is RUNNING and cannot be redriven".into()),
        _ if matches!(parent, "FAILED" | "TIMED_OUT" | "ABORTED") => None,
        // DIFFERENCE: AWS does not say what it answers while the parent
        // cannot be redriven (it still runs, or it succeeded past a
        // failure it tolerates); the child cannot be redriven either
        // ("Redriving Map Runs"), and the reason names the parent's
        // status (a parent waiting for its redrive is still RUNNING).
        _ => {
            let parent = if parent == "PENDING_REDRIVE" {
                "RUNNING"
            } else {
                parent
            };
            Some(format!("Execution is a child execution of a Map Run whose parent execution is {parent} and cannot be redriven"))
        }
    }
}

/// Why a Map Run cannot rerun an EXPRESS child execution in status
/// `child`; `None` when it can. AWS: "Unsuccessful executions can always be
/// redriven" ("Redriving Map Runs"); the reason "is only returned if the
/// child workflows are not redrivable. This happens when the child workflow
/// executions have completed successfully" (DescribeExecution).
fn express_child_redrive_refusal(child: &str) -> Option<String> {
    match child {
        "SUCCEEDED" => Some("Execution is SUCCEEDED and cannot be redriven".into()),
        // DIFFERENCE: AWS names only the successful ones; a child still
        // running (or waiting to run again) cannot be started again either.
        "RUNNING" | "PENDING_REDRIVE" => Some("Execution is RUNNING and cannot be redriven".into()),
        _ => None,
    }
}

/// An EXPRESS child execution's ARN where AWS does not take one
/// (GetExecutionHistory, DescribeStateMachineForExecution: "not supported
/// by EXPRESS state machines"): the error an EXPRESS execution's ARN gets.
pub fn express_not_supported(arn: &str) -> Option<ApiError> {
    let (_, rest) = arn.split_once(":express:")?;
    rest.contains('/').then(|| {
        ApiError::new(
            "InvalidArn",
            "Invalid Arn: 'Resource type not valid in this context: express'",
        )
    })
}

/// The AWS-shaped history of a child execution.
pub async fn child_history(
    rt: &Arc<Runtime>,
    arn: &str,
    stem: &str,
    index: u32,
) -> Result<Vec<Value>, ApiError> {
    // EXPRESS children keep no history AWS serves.
    if let Some(e) = express_not_supported(arn) {
        return Err(e);
    }
    let (parent, _) = parent_of(rt, stem)
        .await?
        .ok_or_else(|| execution_does_not_exist(arn))?;
    let events = events_of(rt, &parent).await?;
    let plan = rt.plan(&parent.revision_id, parent.express)?;
    let info = rt.execution_info(&parent);
    let h = stepwell_core::render_child_history(plan, &info, &events, stem, index)
        .map_err(|e| ApiError::internal(format!("{}: {e}", parent.arn)))?;
    if h.is_empty() {
        return Err(execution_does_not_exist(arn));
    }
    Ok(h)
}

/// ListExecutions with `mapRunArn`: the Map Run's child executions, the
/// newest first.
pub async fn list_children(rt: &Arc<Runtime>, req: &Req, arn: &str) -> Result<Value, ApiError> {
    let status = req.opt_str("statusFilter")?;
    // REDRIVEN or NOT_REDRIVEN (the model's enum, `ops::validate`).
    let redriven = req.opt_str("redriveFilter")?.map(|f| f == "REDRIVEN");
    let (_, run) = find(rt, arn).await?;
    let machine = map_run::machine_arn(&run.arn);
    // Newest (highest index) first: a child started between pages comes
    // before the token's, not into the next page.
    let items: Vec<(String, Value)> = run
        .children
        .iter()
        .rev()
        .filter(|c| status.is_none_or(|s| s == c.status))
        .filter(|c| redriven.is_none_or(|r| r == (c.redrive_count > 0)))
        .map(|c| {
            let (name, child_arn) = run.child_arn(c.index);
            let mut o = Map::new();
            o.insert("executionArn".into(), json!(child_arn));
            o.insert("stateMachineArn".into(), json!(machine));
            o.insert("name".into(), json!(name));
            o.insert("status".into(), json!(c.status));
            o.insert("startDate".into(), timestamp(c.start));
            if let Some(stop) = c.stop {
                o.insert("stopDate".into(), timestamp(stop));
            }
            o.insert("mapRunArn".into(), json!(run.arn));
            o.insert("itemCount".into(), json!(c.items));
            o.insert("redriveCount".into(), json!(c.redrive_count));
            if let Some(date) = c.redrive_date {
                o.insert("redriveDate".into(), timestamp(date));
            }
            (super::descending_key(c.index), Value::Object(o))
        })
        .collect();
    let (page, next) = super::page(items, req)?;
    let mut out = json!({ "executions": page });
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(out)
}

/// DescribeStateMachineForExecution of a child execution: its parent's
/// record and its Map Run.
pub async fn machine_of_child(
    rt: &Arc<Runtime>,
    arn: &str,
    stem: &str,
    index: u32,
) -> Result<(ExecutionRecord, MapRun), ApiError> {
    if let Some(e) = express_not_supported(arn) {
        return Err(e);
    }
    let (parent, run, _) = child(rt, arn, stem, index).await?;
    Ok((parent, run))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failed child of a Map Run is redriven with its parent, so while
    /// the parent cannot be redriven the reason names the parent's real
    /// status, not RUNNING once it has ended.
    #[test]
    fn a_failed_childs_reason_names_its_parents_status() {
        let reason = |parent: &str| child_redrive_refusal(parent, "FAILED");
        for (parent, shown) in [
            ("RUNNING", "RUNNING"),
            ("PENDING_REDRIVE", "RUNNING"),
            ("SUCCEEDED", "SUCCEEDED"),
        ] {
            assert_eq!(
                reason(parent).as_deref(),
                Some(
                    format!(
                        "Execution is a child execution of a Map Run whose parent execution is {shown} and cannot be redriven"
                    )
                    .as_str()
                ),
                "{parent}"
            );
        }
        for parent in ["FAILED", "TIMED_OUT", "ABORTED"] {
            assert_eq!(reason(parent), None, "{parent}");
        }
    }
}
