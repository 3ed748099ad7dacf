//! Our history as the `HistoryEvent`s AWS records (GetExecutionHistory).
//!
//! Internal events are left out; AWS ids are already on the events.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Map as JsonMap, Value};
use stepwell_asl::StateMachine;

use crate::event::{Event, EventKind, TaskFlavor};
use crate::execution::{Execution, Phase, ReplayError};
use crate::input::ExecutionInfo;
use crate::map_run::{Target, Walker};

/// Render a history in AWS's shape, one JSON object per visible event.
/// A Distributed Map's iterations are left out: they are the Map Run's
/// child executions ([`render_child_history`]).
pub fn render_history(
    plan: Arc<StateMachine>,
    info: &ExecutionInfo,
    events: &[Event],
) -> Result<Vec<Value>, ReplayError> {
    Ok(render(plan, info, events, Target::Execution)?
        .into_iter()
        .map(|(v, _)| v)
        .collect())
}

/// [`render_history`], each event with the index in `events` of the event
/// it renders.
pub fn render_history_from(
    plan: Arc<StateMachine>,
    info: &ExecutionInfo,
    events: &[Event],
) -> Result<Vec<(Value, usize)>, ReplayError> {
    render(plan, info, events, Target::Execution)
}

/// Render the history of child execution `index` of the Map Run whose id
/// starts with `stem` (see [`crate::map_run`]): its `MapIterationStarted`
/// is its `ExecutionStarted`, and so on. Empty when there is no such child.
pub fn render_child_history(
    plan: Arc<StateMachine>,
    info: &ExecutionInfo,
    events: &[Event],
    stem: &str,
    index: u32,
) -> Result<Vec<Value>, ReplayError> {
    let mut out: Vec<Value> = render(plan, info, events, Target::Child { stem, index })?
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    // The child's input is its first state's.
    let input = out
        .iter()
        .find_map(|e| e.pointer("/stateEnteredEventDetails/input").cloned())
        .unwrap_or_else(|| Value::String("null".into()));
    if let Some(d) = out
        .first_mut()
        .and_then(|e| e.get_mut("executionStartedEventDetails"))
    {
        d["input"] = input;
    }
    Ok(out)
}

fn render(
    plan: Arc<StateMachine>,
    info: &ExecutionInfo,
    events: &[Event],
    target: Target<'_>,
) -> Result<Vec<(Value, usize)>, ReplayError> {
    let mut renderer = HistoryRenderer::of(plan, info, target);
    let mut out = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        if let Some(v) = renderer.push(e)? {
            out.push((v, i));
        }
    }
    Ok(out)
}

/// Renders a history in AWS's shape one event at a time, as it is
/// recorded: what [`render_history`] gives for the whole history, event
/// by event (Stepwell's CloudWatch-style execution logs). It keeps its own
/// replay of the execution, since an event is described by the state the
/// execution was in just after it.
#[derive(Debug)]
pub struct HistoryRenderer<'a> {
    walker: Walker<'a>,
    /// Each Task's flavour and resource, by its `TaskScheduled`.
    tasks: HashMap<u64, (TaskFlavor, String)>,
}

impl HistoryRenderer<'static> {
    /// A renderer of the execution's own history (as [`render_history`]).
    pub fn new(plan: Arc<StateMachine>, info: &ExecutionInfo) -> Self {
        HistoryRenderer::of(plan, info, Target::Execution)
    }
}

impl<'a> HistoryRenderer<'a> {
    fn of(plan: Arc<StateMachine>, info: &ExecutionInfo, target: Target<'a>) -> Self {
        HistoryRenderer {
            walker: Walker::new(plan, info, target),
            tasks: HashMap::new(),
        }
    }

    /// Take the history's next event; the `HistoryEvent` it is, if it is
    /// one the history shows.
    pub fn push(&mut self, e: &Event) -> Result<Option<Value>, ReplayError> {
        if !self.walker.step(e)? {
            return Ok(None);
        }
        if let EventKind::TaskScheduled {
            flavor, resource, ..
        } = &e.kind
        {
            self.tasks.insert(e.seq, (*flavor, resource.clone()));
        }
        // An event recorded as internal has no id: older versions recorded
        // `ParallelStateSucceeded` so, and AWS's history shows none for them.
        if !e.kind.is_visible() || e.id == 0 {
            return Ok(None);
        }
        let exec = self.walker.exec();
        let (ty, details) = match self.walker.target() {
            Target::Child { .. } => child_boundary(exec, e, &exec.info.role_arn)
                .unwrap_or_else(|| describe(exec, e, &self.tasks)),
            Target::Execution => describe(exec, e, &self.tasks),
        };
        let mut obj = JsonMap::new();
        obj.insert("timestamp".into(), json!(e.timestamp as f64 / 1000.0));
        obj.insert("type".into(), Value::String(ty));
        obj.insert("id".into(), json!(e.id));
        obj.insert("previousEventId".into(), json!(e.previous_id));
        if let Some((key, d)) = details {
            obj.insert(key.into(), d);
        }
        Ok(Some(Value::Object(obj)))
    }
}

type Described = (String, Option<(&'static str, Value)>);

/// A child execution's start and end, which the parent records as its
/// iteration's start and end.
fn child_boundary(exec: &Execution, e: &Event, role_arn: &str) -> Option<Described> {
    Some(match &e.kind {
        EventKind::MapIterationStarted { .. } => (
            "ExecutionStarted".into(),
            Some((
                "executionStartedEventDetails",
                json!({ "input": "null", "inputDetails": truncated(), "roleArn": role_arn }),
            )),
        ),
        EventKind::MapIterationSucceeded { .. } => {
            let output = match &exec.frame(e.frame).phase {
                Phase::Succeeded(output) => data(output),
                _ => "null".into(),
            };
            (
                "ExecutionSucceeded".into(),
                Some((
                    "executionSucceededEventDetails",
                    json!({ "output": output, "outputDetails": truncated() }),
                )),
            )
        }
        EventKind::MapIterationFailed { error, cause, .. } => (
            "ExecutionFailed".into(),
            Some(("executionFailedEventDetails", error_cause(error, cause))),
        ),
        EventKind::MapIterationAborted { stopped, .. } => (
            "ExecutionAborted".into(),
            stopped
                .as_ref()
                .map(|(error, cause)| ("executionAbortedEventDetails", error_cause(error, cause))),
        ),
        EventKind::MapIterationRedriven { .. } => (
            "ExecutionRedriven".into(),
            Some((
                "executionRedrivenEventDetails",
                json!({ "redriveCount": exec.frame(e.frame).redrives }),
            )),
        ),
        _ => return None,
    })
}

fn data(v: &Value) -> String {
    v.to_string()
}

fn truncated() -> Value {
    json!({ "truncated": false })
}

/// An integration's `resourceType` and `resource`, as AWS records them:
/// the service, then the rest with its version suffix
/// (`arn:aws:states:::states:startExecution.sync:2` -> ("states",
/// "startExecution.sync:2"), `lambda:invoke.waitForTaskToken` -> ("lambda",
/// "invoke.waitForTaskToken")); an AWS SDK integration's service is
/// `aws-sdk:SERVICE` (`aws-sdk:s3:getObject` -> ("aws-sdk:s3", "getObject")).
fn resource_parts(resource: &str) -> (String, String) {
    let rest = resource
        .strip_prefix("arn:aws:states:::")
        .or_else(|| resource.splitn(6, ':').nth(5))
        .unwrap_or(resource);
    let service_end = match rest.strip_prefix("aws-sdk:") {
        Some(sdk) => sdk.find(':').map(|i| i + "aws-sdk:".len()),
        None => rest.find(':'),
    };
    match service_end {
        Some(i) => (rest[..i].to_owned(), rest[i + 1..].to_owned()),
        None => (rest.to_owned(), String::new()),
    }
}

fn describe(exec: &Execution, e: &Event, tasks: &HashMap<u64, (TaskFlavor, String)>) -> Described {
    let plan = exec.plan();
    let frame = exec.frame(e.frame);
    let state_type = |state: u32| {
        plan.machine(frame.machine)
            .states
            .get(state as usize)
            .map(|s| (s.kind.type_name(), s.name.clone()))
            .unwrap_or(("Pass", String::new()))
    };
    let map_name = |child_is_event_frame: bool| -> String {
        let f = if child_is_event_frame {
            frame.parent.unwrap_or(e.frame)
        } else {
            e.frame
        };
        exec.state_of(f).name.clone()
    };
    let task = |id: &u64| {
        tasks
            .get(id)
            .cloned()
            .unwrap_or((TaskFlavor::Service, String::new()))
    };
    match &e.kind {
        EventKind::ExecutionStarted { input, role_arn } => {
            let mut details =
                json!({ "input": data(input), "inputDetails": truncated(), "roleArn": role_arn });
            let info = exec.info();
            for (key, arn) in [
                ("stateMachineAliasArn", &info.alias_arn),
                ("stateMachineVersionArn", &info.version_arn),
            ] {
                if let Some(arn) = arn {
                    details[key] = json!(arn);
                }
            }
            (
                "ExecutionStarted".into(),
                Some(("executionStartedEventDetails", details)),
            )
        }
        EventKind::ExecutionSucceeded { output } => (
            "ExecutionSucceeded".into(),
            Some((
                "executionSucceededEventDetails",
                json!({ "output": data(output), "outputDetails": truncated() }),
            )),
        ),
        EventKind::ExecutionFailed { error, cause } => (
            "ExecutionFailed".into(),
            Some(("executionFailedEventDetails", error_cause(error, cause))),
        ),
        EventKind::ExecutionTimedOut { error, cause } => (
            "ExecutionTimedOut".into(),
            Some(("executionTimedOutEventDetails", error_cause(error, cause))),
        ),
        EventKind::ExecutionAborted { error, cause } => (
            "ExecutionAborted".into(),
            Some(("executionAbortedEventDetails", error_cause(error, cause))),
        ),
        EventKind::ExecutionRedriven { redrive_count } => (
            "ExecutionRedriven".into(),
            Some((
                "executionRedrivenEventDetails",
                json!({ "redriveCount": redrive_count }),
            )),
        ),
        EventKind::StateEntered { state, input } => {
            let (ty, name) = state_type(*state);
            (
                format!("{ty}StateEntered"),
                Some((
                    "stateEnteredEventDetails",
                    json!({ "name": name, "input": data(input), "inputDetails": truncated() }),
                )),
            )
        }
        EventKind::StateExited {
            state,
            output,
            assigned,
            ..
        } => {
            let (ty, name) = state_type(*state);
            let mut d =
                json!({ "name": name, "output": data(output), "outputDetails": truncated() });
            if !assigned.is_empty() {
                let vars: JsonMap<String, Value> = assigned
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(data(v))))
                    .collect();
                d["assignedVariables"] = Value::Object(vars);
                d["assignedVariablesDetails"] = truncated();
            }
            (
                format!("{ty}StateExited"),
                Some(("stateExitedEventDetails", d)),
            )
        }
        EventKind::EvaluationFailed {
            state,
            error,
            cause,
            location,
        } => {
            let mut d = error_cause(error, cause);
            if let Some(location) = location {
                d["location"] = json!(location);
            }
            d["state"] = json!(state_type(*state).1);
            (
                "EvaluationFailed".into(),
                Some(("evaluationFailedEventDetails", d)),
            )
        }
        EventKind::StateAborted { state } => {
            (format!("{}StateAborted", state_type(*state).0), None)
        }
        EventKind::TaskScheduled {
            flavor,
            resource,
            parameters,
            timeout,
            heartbeat,
            role_arn,
            ..
        } => {
            let mut d = match flavor {
                TaskFlavor::Lambda | TaskFlavor::Activity => {
                    json!({ "resource": resource, "input": data(parameters), "inputDetails": truncated() })
                }
                TaskFlavor::Service => {
                    let (rt, r) = resource_parts(resource);
                    json!({ "resourceType": rt, "resource": r, "region": "us-east-1", "parameters": data(parameters) })
                }
            };
            if let Some(t) = timeout {
                d["timeoutInSeconds"] = json!(t);
            }
            if let (Some(h), TaskFlavor::Activity | TaskFlavor::Service) = (heartbeat, flavor) {
                d["heartbeatInSeconds"] = json!(h);
            }
            // LocalStack's recordings of AWS (credentials,
            // `test_cross_account_lambda_task`,
            // `test_cross_account_service_lambda_invoke`); activities have none.
            if let (Some(role), TaskFlavor::Lambda | TaskFlavor::Service) = (role_arn, flavor) {
                d["taskCredentials"] = json!({ "roleArn": role });
            }
            match flavor {
                TaskFlavor::Lambda => (
                    "LambdaFunctionScheduled".into(),
                    Some(("lambdaFunctionScheduledEventDetails", d)),
                ),
                TaskFlavor::Activity => (
                    "ActivityScheduled".into(),
                    Some(("activityScheduledEventDetails", d)),
                ),
                TaskFlavor::Service => (
                    "TaskScheduled".into(),
                    Some(("taskScheduledEventDetails", d)),
                ),
            }
        }
        EventKind::TaskStarted { task: id, worker } => match task(id) {
            (TaskFlavor::Lambda, _) => ("LambdaFunctionStarted".into(), None),
            // A worker that gave no name has none in the details: `{}`.
            (TaskFlavor::Activity, _) => {
                let mut d = JsonMap::new();
                if let Some(name) = worker.as_ref().filter(|w| !w.is_empty()) {
                    d.insert("workerName".into(), json!(name));
                }
                (
                    "ActivityStarted".into(),
                    Some(("activityStartedEventDetails", Value::Object(d))),
                )
            }
            (TaskFlavor::Service, r) => {
                let (rt, r) = resource_parts(&r);
                (
                    "TaskStarted".into(),
                    Some((
                        "taskStartedEventDetails",
                        json!({ "resourceType": rt, "resource": r }),
                    )),
                )
            }
        },
        EventKind::TaskSubmitted { task: id, output } => {
            let (rt, r) = resource_parts(&task(id).1);
            (
                "TaskSubmitted".into(),
                Some((
                    "taskSubmittedEventDetails",
                    json!({ "resourceType": rt, "resource": r, "output": data(output), "outputDetails": truncated() }),
                )),
            )
        }
        EventKind::TaskSucceeded { task: id, output } => match task(id) {
            (TaskFlavor::Lambda, _) => (
                "LambdaFunctionSucceeded".into(),
                Some((
                    "lambdaFunctionSucceededEventDetails",
                    json!({ "output": data(output), "outputDetails": truncated() }),
                )),
            ),
            (TaskFlavor::Activity, _) => (
                "ActivitySucceeded".into(),
                Some((
                    "activitySucceededEventDetails",
                    json!({ "output": data(output), "outputDetails": truncated() }),
                )),
            ),
            (TaskFlavor::Service, r) => {
                let (rt, r) = resource_parts(&r);
                (
                    "TaskSucceeded".into(),
                    Some((
                        "taskSucceededEventDetails",
                        json!({ "resourceType": rt, "resource": r, "output": data(output), "outputDetails": truncated() }),
                    )),
                )
            }
        },
        EventKind::TaskFailed {
            task: id,
            error,
            cause,
        }
        | EventKind::TaskTimedOut {
            task: id,
            error,
            cause,
            ..
        } => {
            let timed_out = matches!(e.kind, EventKind::TaskTimedOut { .. });
            let suffix = if timed_out { "TimedOut" } else { "Failed" };
            match task(id) {
                (TaskFlavor::Lambda, _) => (
                    format!("LambdaFunction{suffix}"),
                    Some((
                        if timed_out {
                            "lambdaFunctionTimedOutEventDetails"
                        } else {
                            "lambdaFunctionFailedEventDetails"
                        },
                        error_cause(error, cause),
                    )),
                ),
                (TaskFlavor::Activity, _) => (
                    format!("Activity{suffix}"),
                    Some((
                        if timed_out {
                            "activityTimedOutEventDetails"
                        } else {
                            "activityFailedEventDetails"
                        },
                        error_cause(error, cause),
                    )),
                ),
                (TaskFlavor::Service, r) => {
                    let (rt, r) = resource_parts(&r);
                    let mut d = error_cause(error, cause);
                    d["resourceType"] = json!(rt);
                    d["resource"] = json!(r);
                    (
                        format!("Task{suffix}"),
                        Some((
                            if timed_out {
                                "taskTimedOutEventDetails"
                            } else {
                                "taskFailedEventDetails"
                            },
                            d,
                        )),
                    )
                }
            }
        }
        EventKind::ParallelStarted { .. } => ("ParallelStateStarted".into(), None),
        EventKind::ParallelFailed { .. } => ("ParallelStateFailed".into(), None),
        EventKind::MapStarted {
            items, batch_sizes, ..
        } => {
            // The length of the items array, batched or not.
            let length = if batch_sizes.is_empty() {
                items.len() as u64
            } else {
                batch_sizes.iter().map(|&n| u64::from(n)).sum()
            };
            (
                "MapStateStarted".into(),
                Some(("mapStateStartedEventDetails", json!({ "length": length }))),
            )
        }
        EventKind::MapIterationStarted { index } => (
            "MapIterationStarted".into(),
            Some((
                "mapIterationStartedEventDetails",
                json!({ "name": map_name(false), "index": index }),
            )),
        ),
        EventKind::MapIterationSucceeded { index } => (
            "MapIterationSucceeded".into(),
            Some((
                "mapIterationSucceededEventDetails",
                json!({ "name": map_name(true), "index": index }),
            )),
        ),
        EventKind::MapIterationFailed { index, .. } => (
            "MapIterationFailed".into(),
            Some((
                "mapIterationFailedEventDetails",
                json!({ "name": map_name(true), "index": index }),
            )),
        ),
        // An inline Map's iteration that a redrive reruns starts again.
        EventKind::MapIterationRedriven { index } => (
            "MapIterationStarted".into(),
            Some((
                "mapIterationStartedEventDetails",
                json!({ "name": map_name(true), "index": index }),
            )),
        ),
        EventKind::FanRedriven => match &exec.phase_fan_total(e.frame) {
            Some(length) => (
                "MapStateStarted".into(),
                Some(("mapStateStartedEventDetails", json!({ "length": length }))),
            ),
            None => ("ParallelStateStarted".into(), None),
        },
        EventKind::MapRunRedriven { arn, redrive_count } => (
            "MapRunRedriven".into(),
            Some((
                "mapRunRedrivenEventDetails",
                json!({ "mapRunArn": arn, "redriveCount": redrive_count }),
            )),
        ),
        EventKind::MapIterationAborted { index, .. } => (
            "MapIterationAborted".into(),
            Some((
                "mapIterationAbortedEventDetails",
                json!({ "name": map_name(true), "index": index }),
            )),
        ),
        EventKind::MapRunStarted { arn } => (
            "MapRunStarted".into(),
            Some(("mapRunStartedEventDetails", json!({ "mapRunArn": arn }))),
        ),
        EventKind::MapRunSucceeded => ("MapRunSucceeded".into(), None),
        EventKind::MapRunFailed { error, cause } => (
            "MapRunFailed".into(),
            Some(("mapRunFailedEventDetails", error_cause(error, cause))),
        ),
        EventKind::MapSucceeded => ("MapStateSucceeded".into(), None),
        EventKind::ParallelSucceeded => ("ParallelStateSucceeded".into(), None),
        EventKind::MapFailed { .. } => ("MapStateFailed".into(), None),
        EventKind::BranchSucceeded
        | EventKind::BranchFailed { .. }
        | EventKind::TimerStarted { .. }
        | EventKind::TimerFired { .. }
        | EventKind::TaskHeartbeat { .. }
        | EventKind::MapRunUpdated { .. }
        | EventKind::ItemsRequested { .. }
        | EventKind::ItemsRead { .. }
        | EventKind::ResultsWriteRequested { .. }
        | EventKind::ResultsWritten { .. } => (String::new(), None),
    }
}

/// An event's `error` and `cause`; an empty one is one nobody gave (a
/// StopExecution or SendTaskFailure without it, a Fail state without
/// `Error`), which AWS leaves out rather than showing as `""`.
fn error_cause(error: &str, cause: &str) -> Value {
    let mut d = JsonMap::new();
    if !error.is_empty() {
        d.insert("error".into(), json!(error));
    }
    if !cause.is_empty() {
        d.insert("cause".into(), json!(cause));
    }
    Value::Object(d)
}

#[cfg(test)]
mod tests {
    use super::resource_parts;

    /// LocalStack's recordings of AWS: `test_start_execution_sync2`
    /// (callback), `test_sqs_wait_for_task_token` (callback), and the
    /// `aws-sdk` integrations (services).
    #[test]
    fn an_integration_is_its_service_then_the_rest() {
        let cases = [
            (
                "arn:aws:states:::states:startExecution.sync:2",
                "states",
                "startExecution.sync:2",
            ),
            (
                "arn:aws:states:::states:startExecution.sync",
                "states",
                "startExecution.sync",
            ),
            (
                "arn:aws:states:::states:startExecution",
                "states",
                "startExecution",
            ),
            (
                "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "sqs",
                "sendMessage.waitForTaskToken",
            ),
            ("arn:aws:states:::lambda:invoke", "lambda", "invoke"),
            (
                "arn:aws:states:::aws-sdk:s3:getObject",
                "aws-sdk:s3",
                "getObject",
            ),
            (
                "arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken",
                "aws-sdk:dynamodb",
                "putItem.waitForTaskToken",
            ),
            ("arn:aws:states:::http:invoke", "http", "invoke"),
            ("arn:aws:states:::nothing", "nothing", ""),
        ];
        for (resource, ty, name) in cases {
            assert_eq!(
                resource_parts(resource),
                (ty.to_owned(), name.to_owned()),
                "{resource}"
            );
        }
    }
}
