//! The Run a Job (`.sync`) integrations: `glue:startJobRun.sync`,
//! `athena:startQueryExecution.sync`, `ecs:runTask.sync`,
//! `batch:submitJob.sync` and `codebuild:startBuild.sync`. The Task submits
//! the job (its answer is what `TaskSubmitted` records), then the job is
//! described until it ends: its description is the Task's result, or the
//! cause of `States.TaskFailed`. A Task that is stopped or times out stops
//! its job.
//!
//! Everything here is pure: what to send, and what an answer means. The
//! caller makes the calls (`Client::submit_job`, `poll_job`, `stop_job`),
//! waits between polls, and keeps the submit output so that polling can go
//! on after a restart without submitting again.

use serde_json::{json, Map, Value};

use crate::services::{parse_resource, Kind, Target, SERVICES};
use crate::TaskError;

/// The jobs a `.sync` Task runs here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// `glue:startJobRun.sync`: a Glue job run (GetJobRun, BatchStopJobRun).
    Glue,
    /// `athena:startQueryExecution.sync`: a query (GetQueryExecution,
    /// StopQueryExecution).
    Athena,
    /// `ecs:runTask.sync`: an ECS task (DescribeTasks, StopTask).
    Ecs,
    /// `batch:submitJob.sync`: a Batch job (DescribeJobs, TerminateJob).
    Batch,
    /// `codebuild:startBuild.sync`: a build (BatchGetBuilds, StopBuild).
    CodeBuild,
}

/// A `.sync` Task resource: the job and its submit call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTarget {
    pub job: Job,
    pub submit: Target,
}

/// What a poll found.
#[derive(Debug, Clone, PartialEq)]
pub enum Poll {
    /// The job has not ended.
    Running,
    /// The job ended: the Task's result, or its error.
    Done(Result<Value, TaskError>),
    /// The describe call failed in a way worth trying again (no answer,
    /// throttling, a fault on the service's side): poll again later.
    Again(TaskError),
}

const SUBMITS: &[(&str, Job)] = &[
    ("glue:startJobRun", Job::Glue),
    ("athena:startQueryExecution", Job::Athena),
    ("ecs:runTask", Job::Ecs),
    ("batch:submitJob", Job::Batch),
    ("codebuild:startBuild", Job::CodeBuild),
];

/// The Run a Job integration `resource` names, when it is one of ours.
pub fn parse_job(resource: &str) -> Option<JobTarget> {
    let base = resource
        .strip_prefix("arn:aws:states:::")?
        .strip_suffix(".sync")?;
    let &(_, job) = SUBMITS.iter().find(|(r, _)| *r == base)?;
    let submit = parse_resource(&format!("arn:aws:states:::{base}"))?;
    Some(JobTarget { job, submit })
}

impl Job {
    fn service_name(self) -> &'static str {
        match self {
            Job::Glue => "glue",
            Job::Athena => "athena",
            Job::Ecs => "ecs",
            Job::Batch => "batch",
            Job::CodeBuild => "codebuild",
        }
    }

    /// The target of one of the job's own calls (describe, stop): named
    /// and answered as the optimized integration's calls are.
    fn call(self, action: &str) -> Option<Target> {
        let service = SERVICES
            .iter()
            .find(|s| s.sdk_resource == self.service_name())?;
        Some(Target {
            kind: Kind::Optimized,
            service,
            action: action.to_string(),
            wait_for_token: false,
        })
    }

    /// The members of the job's description that are timestamps.
    /// AWS is silent: the optimized integrations answer with the AWS SDK
    /// for Java 1.x's objects, whose dates Step Functions shows as epoch
    /// milliseconds; the services' wire sends epoch seconds (Batch sends
    /// milliseconds already).
    fn timestamps(self) -> &'static [&'static str] {
        match self {
            Job::Glue => &["StartedOn", "LastModifiedOn", "CompletedOn"],
            Job::Athena => &["SubmissionDateTime", "CompletionDateTime"],
            Job::Ecs => &[
                "CreatedAt",
                "StartedAt",
                "StoppedAt",
                "StoppingAt",
                "ExecutionStoppedAt",
                "PullStartedAt",
                "PullStoppedAt",
                "ConnectivityAt",
            ],
            Job::Batch => &[],
            Job::CodeBuild => &["StartTime", "EndTime"],
        }
    }
}

/// The submit call's parameters: the Task's, with what Step Functions
/// adds. `key` is unique to the Task's attempt and the same after a
/// restart (Athena's idempotency token when the Task sets none, so a
/// submit repeated after a crash finds the same query).
pub fn submit_parameters(job: Job, parameters: &Value, key: &str) -> Value {
    let mut params = match parameters {
        Value::Object(m) => m.clone(),
        _ => return parameters.clone(),
    };
    match job {
        // AWS records `"StartedBy": "AWS Step Functions"` in the Task's
        // parameters of an ecs:runTask.sync.
        // DIFFERENCE: here it is added to the request only; the recorded
        // TaskScheduled shows the Task's own parameters (also for Batch's
        // variable below).
        Job::Ecs => {
            params.insert("StartedBy".into(), json!("AWS Step Functions"));
            idempotent(&mut params, "ClientToken", key);
        }
        // Batch jobs a .sync Task submits carry MANAGED_BY_AWS.
        Job::Batch => {
            let overrides = params
                .entry("ContainerOverrides")
                .or_insert_with(|| json!({}));
            if let Value::Object(o) = overrides {
                let env = o.entry("Environment").or_insert_with(|| json!([]));
                if let Value::Array(vars) = env {
                    vars.push(
                        json!({"Name": "MANAGED_BY_AWS", "Value": "STARTED_BY_STEP_FUNCTIONS"}),
                    );
                }
            }
        }
        // The AWS SDKs fill ClientRequestToken in when it is missing;
        // StartQueryExecution without one fails.
        Job::Athena => idempotent(&mut params, "ClientRequestToken", key),
        Job::CodeBuild => idempotent(&mut params, "IdempotencyToken", key),
        Job::Glue => {}
    }
    Value::Object(params)
}

/// The Task attempt's `key` as the submit call's idempotency token, unless
/// the Task gives its own: a submission sent again after a crash (before
/// `TaskSubmitted` was committed) then starts no second job.
/// AWS is silent: whether Step Functions sends one (ECS's ClientToken,
/// CodeBuild's IdempotencyToken).
fn idempotent(params: &mut Map<String, Value>, member: &str, key: &str) {
    if !params.contains_key(member) {
        params.insert(member.into(), json!(key));
    }
}

/// What `TaskSubmitted` records from the submit call's result, or the
/// Task's error when the submission itself failed.
pub fn submitted_output(
    job: Job,
    parameters: &Value,
    mut result: Value,
) -> Result<Value, TaskError> {
    match job {
        // The optimized Glue integration adds JobName (from the request)
        // to StartJobRun's answer, which has only JobRunId (the members
        // in order: `response::java_property_order`).
        Job::Glue => {
            if let (Value::Object(m), Some(name)) = (&mut result, parameters.get("JobName")) {
                m.insert("JobName".into(), name.clone());
                m.sort_keys();
            }
        }
        // RunTask can answer 200 with Failures: a .sync Task fails with
        // AmazonECS.Unknown.
        // AWS is silent: the cause; here the Failures, as JSON.
        Job::Ecs => {
            if let Some(Value::Array(f)) = result.get("Failures") {
                if !f.is_empty() {
                    return Err((
                        "AmazonECS.Unknown".into(),
                        Value::Array(f.clone()).to_string(),
                    ));
                }
            }
        }
        Job::Athena | Job::Batch | Job::CodeBuild => {}
    }
    Ok(millis(result, job.timestamps()))
}

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = v;
    for p in path {
        v = match p.parse::<usize>() {
            Ok(i) => v.get(i)?,
            Err(_) => v.get(*p)?,
        };
    }
    v.as_str()
}

fn missing(job: Job, what: &str, submitted: &Value) -> TaskError {
    (
        "States.Runtime".into(),
        format!(
            "the recorded submission of the {} job has no {what}: {submitted}",
            job.service_name()
        ),
    )
}

/// The call that describes the job `submitted` (what `TaskSubmitted`
/// recorded): its target and parameters.
pub fn describe_call(job: Job, submitted: &Value) -> Result<(Target, Value), TaskError> {
    let need = |path: &[&str], what: &str| {
        text(submitted, path)
            .map(str::to_string)
            .ok_or_else(|| missing(job, what, submitted))
    };
    let (action, params) = match job {
        Job::Glue => (
            "GetJobRun",
            json!({"JobName": need(&["JobName"], "JobName")?, "RunId": need(&["JobRunId"], "JobRunId")?}),
        ),
        Job::Athena => (
            "GetQueryExecution",
            json!({"QueryExecutionId": need(&["QueryExecutionId"], "QueryExecutionId")?}),
        ),
        Job::Ecs => (
            "DescribeTasks",
            json!({
                "Cluster": need(&["Tasks", "0", "ClusterArn"], "Tasks[0].ClusterArn")?,
                "Tasks": [need(&["Tasks", "0", "TaskArn"], "Tasks[0].TaskArn")?],
            }),
        ),
        Job::Batch => (
            "DescribeJobs",
            json!({"Jobs": [need(&["JobId"], "JobId")?]}),
        ),
        Job::CodeBuild => (
            "BatchGetBuilds",
            json!({"Ids": [need(&["Build", "Id"], "Build.Id")?]}),
        ),
    };
    let target = job
        .call(action)
        .ok_or_else(|| missing(job, "service", submitted))?;
    Ok((target, params))
}

/// The call that stops the job `submitted`, when it can be named.
pub fn stop_call(job: Job, submitted: &Value) -> Option<(Target, Value)> {
    let t = |path: &[&str]| text(submitted, path).map(str::to_string);
    let (action, params) = match job {
        Job::Glue => (
            "BatchStopJobRun",
            json!({"JobName": t(&["JobName"])?, "JobRunIds": [t(&["JobRunId"])?]}),
        ),
        Job::Athena => (
            "StopQueryExecution",
            json!({"QueryExecutionId": t(&["QueryExecutionId"])?}),
        ),
        // AWS is silent: the reasons given when stopping.
        Job::Ecs => (
            "StopTask",
            json!({
                "Cluster": t(&["Tasks", "0", "ClusterArn"])?,
                "Task": t(&["Tasks", "0", "TaskArn"])?,
                "Reason": "Stopped by AWS Step Functions",
            }),
        ),
        Job::Batch => (
            "TerminateJob",
            json!({"JobId": t(&["JobId"])?, "Reason": "Terminated by AWS Step Functions"}),
        ),
        Job::CodeBuild => ("StopBuild", json!({"Id": t(&["Build", "Id"])?})),
    };
    Some((job.call(action)?, params))
}

/// What the describe call's result says of the job.
pub fn poll_result(job: Job, described: Value) -> Poll {
    let mut described = described;
    if let Value::Object(m) = &mut described {
        m.remove("SdkHttpMetadata");
        m.remove("SdkResponseMetadata");
    }
    let described = millis(described, job.timestamps());
    let failed = |v: Value| Poll::Done(Err(("States.TaskFailed".into(), v.to_string())));
    match job {
        Job::Glue => {
            let Some(run) = described.get("JobRun").filter(|r| r.is_object()).cloned() else {
                return Poll::Done(Err(unexpected(job, &described)));
            };
            let state = run.get("JobRunState").and_then(Value::as_str).unwrap_or("");
            match state.to_string().as_str() {
                "SUCCEEDED" => Poll::Done(Ok(run)),
                // AWS is silent: a run stopped outside the workflow fails
                // the Task as one that failed, timed out or erred does.
                "FAILED" | "TIMEOUT" | "ERROR" | "STOPPED" => failed(run),
                _ => Poll::Running,
            }
        }
        // The result is GetQueryExecution's answer ({"QueryExecution": …}).
        Job::Athena => {
            let state = text(&described, &["QueryExecution", "Status", "State"]).unwrap_or("");
            match state {
                "SUCCEEDED" => Poll::Done(Ok(described)),
                "FAILED" | "CANCELLED" => failed(described),
                "" => Poll::Done(Err(unexpected(job, &described))),
                _ => Poll::Running,
            }
        }
        // The result is the described task.
        Job::Ecs => {
            let Some(task) = described.get("Tasks").and_then(|t| t.get(0)).cloned() else {
                // A task ECS no longer knows (Failures: MISSING).
                return failed(described);
            };
            if task.get("LastStatus").and_then(Value::as_str) != Some("STOPPED") {
                return Poll::Running;
            }
            if ecs_task_succeeded(&task) {
                Poll::Done(Ok(task))
            } else {
                failed(task)
            }
        }
        // The result is the described job.
        Job::Batch => {
            let Some(j) = described.get("Jobs").and_then(|j| j.get(0)).cloned() else {
                return failed(described);
            };
            match j.get("Status").and_then(Value::as_str) {
                Some("SUCCEEDED") => Poll::Done(Ok(j)),
                Some("FAILED") => failed(j),
                _ => Poll::Running,
            }
        }
        // The result is {"Build": the described build}, StartBuild's shape.
        Job::CodeBuild => {
            let Some(build) = described.get("Builds").and_then(|b| b.get(0)).cloned() else {
                return failed(described);
            };
            let status = build
                .get("BuildStatus")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let out = json!({ "Build": build });
            match status.as_str() {
                "SUCCEEDED" => Poll::Done(Ok(out)),
                "IN_PROGRESS" | "" => Poll::Running,
                _ => failed(out),
            }
        }
    }
}

/// Whether a stopped ECS task ran to a good end: every container exited
/// with 0 and the task stopped because its essential container exited.
/// AWS: a non-zero exit of an essential container, or a container that
/// never started, is States.TaskFailed.
/// AWS is silent: the exact rule; a task stopped for another reason
/// (`UserInitiated`, `TaskFailedToStart`, …) fails here too.
fn ecs_task_succeeded(task: &Value) -> bool {
    let code_ok = match task.get("StopCode").and_then(Value::as_str) {
        None => true,
        Some(code) => code == "EssentialContainerExited",
    };
    let containers = task
        .get("Containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let exits: Vec<Option<i64>> = containers
        .iter()
        .map(|c| c.get("ExitCode").and_then(Value::as_i64))
        .collect();
    code_ok
        && exits.iter().any(Option::is_some)
        && exits.iter().all(|e| matches!(e, None | Some(0)))
}

/// AWS is silent: a description without the job's state fails the Task
/// (as an answer that is not JSON does), rather than polling forever.
fn unexpected(job: Job, described: &Value) -> TaskError {
    (
        "States.TaskFailed".into(),
        format!(
            "the {} job's description has an unexpected shape: {described}",
            job.service_name()
        ),
    )
}

/// Whether a failed describe call is worth trying again: no answer, a
/// throttle, a service-side fault.
/// AWS is silent: how Step Functions treats a poll that fails.
pub fn is_transient(error: &TaskError) -> bool {
    const AGAIN: &[&str] = &[
        "SdkClientException",
        "ThrottlingException",
        "TooManyRequestsException",
        "InternalServerException",
        "InternalServiceException",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ServerException",
    ];
    let last = error.0.rsplit('.').next().unwrap_or(&error.0);
    AGAIN.contains(&last)
}

/// Numbers under the members named in `keys` (epoch seconds) as epoch
/// milliseconds, at every depth.
fn millis(value: Value, keys: &[&str]) -> Value {
    if keys.is_empty() {
        return value;
    }
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::Number(n) if keys.contains(&k.as_str()) => match n.as_f64() {
                            Some(s) if s.is_finite() => json!((s * 1000.0).round() as i64),
                            _ => Value::Number(n),
                        },
                        other => millis(other, keys),
                    };
                    (k, v)
                })
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| millis(v, keys)).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources() {
        // (resource, job and submit action, or None)
        let rows: &[(&str, Option<(Job, &str)>)] = &[
            (
                "arn:aws:states:::glue:startJobRun.sync",
                Some((Job::Glue, "StartJobRun")),
            ),
            (
                "arn:aws:states:::athena:startQueryExecution.sync",
                Some((Job::Athena, "StartQueryExecution")),
            ),
            (
                "arn:aws:states:::ecs:runTask.sync",
                Some((Job::Ecs, "RunTask")),
            ),
            (
                "arn:aws:states:::batch:submitJob.sync",
                Some((Job::Batch, "SubmitJob")),
            ),
            (
                "arn:aws:states:::codebuild:startBuild.sync",
                Some((Job::CodeBuild, "StartBuild")),
            ),
            ("arn:aws:states:::glue:startJobRun", None),
            ("arn:aws:states:::glue:startJobRun.sync:2", None),
            ("arn:aws:states:::glue:startJobRun.waitForTaskToken", None),
            ("arn:aws:states:::athena:getQueryResults.sync", None),
            ("arn:aws:states:::states:startExecution.sync", None),
            ("arn:aws:states:::aws-sdk:glue:startJobRun.sync", None),
        ];
        for (resource, want) in rows {
            let got = parse_job(resource).map(|j| (j.job, j.submit.action));
            let want = want.map(|(j, a)| (j, a.to_string()));
            assert_eq!(got, want, "{resource}");
        }
    }

    #[test]
    fn submit_parameters_add_what_aws_adds() {
        // (job, Task parameters, parameters sent)
        let rows = [
            (
                Job::Ecs,
                json!({"Cluster": "c", "TaskDefinition": "td"}),
                json!({"Cluster": "c", "TaskDefinition": "td", "StartedBy": "AWS Step Functions",
                       "ClientToken": "key-0123456789abcdef0123456789abcdef"}),
            ),
            (
                Job::CodeBuild,
                json!({"ProjectName": "p", "IdempotencyToken": "mine"}),
                json!({"ProjectName": "p", "IdempotencyToken": "mine"}),
            ),
            (
                Job::CodeBuild,
                json!({"ProjectName": "p"}),
                json!({"ProjectName": "p", "IdempotencyToken": "key-0123456789abcdef0123456789abcdef"}),
            ),
            (
                Job::Batch,
                json!({"JobName": "j"}),
                json!({"JobName": "j", "ContainerOverrides": {"Environment": [
                    {"Name": "MANAGED_BY_AWS", "Value": "STARTED_BY_STEP_FUNCTIONS"}]}}),
            ),
            (
                Job::Batch,
                json!({"ContainerOverrides": {"Environment": [{"Name": "A", "Value": "1"}]}}),
                json!({"ContainerOverrides": {"Environment": [{"Name": "A", "Value": "1"},
                    {"Name": "MANAGED_BY_AWS", "Value": "STARTED_BY_STEP_FUNCTIONS"}]}}),
            ),
            (
                Job::Athena,
                json!({"QueryString": "SELECT 1"}),
                json!({"QueryString": "SELECT 1", "ClientRequestToken": "key-0123456789abcdef0123456789abcdef"}),
            ),
            (
                Job::Athena,
                json!({"QueryString": "SELECT 1", "ClientRequestToken": "mine"}),
                json!({"QueryString": "SELECT 1", "ClientRequestToken": "mine"}),
            ),
            (Job::Glue, json!({"JobName": "j"}), json!({"JobName": "j"})),
            (Job::Glue, json!("not an object"), json!("not an object")),
        ];
        for (job, params, want) in rows {
            let got = submit_parameters(job, &params, "key-0123456789abcdef0123456789abcdef");
            assert_eq!(got, want, "{job:?} {params}");
        }
    }

    /// The JobName the optimized Glue integration adds takes its place
    /// among the result's members, which are in alphabetical order.
    #[test]
    fn glue_s_job_name_in_order() {
        let got = submitted_output(
            Job::Glue,
            &json!({"JobName": "etl"}),
            json!({"JobRunId": "jr_1", "SdkHttpMetadata": {}, "SdkResponseMetadata": {}}),
        );
        let keys: Vec<String> = match got {
            Ok(Value::Object(m)) => m.keys().cloned().collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            keys,
            [
                "JobName",
                "JobRunId",
                "SdkHttpMetadata",
                "SdkResponseMetadata"
            ]
        );
    }

    #[test]
    fn submitted_outputs() {
        // (job, parameters, submit result, TaskSubmitted output or error name)
        let rows: Vec<(Job, Value, Value, Result<Value, &str>)> = vec![
            (
                Job::Glue,
                json!({"JobName": "etl"}),
                json!({"JobRunId": "jr_1", "SdkHttpMetadata": {}}),
                Ok(json!({"JobRunId": "jr_1", "JobName": "etl", "SdkHttpMetadata": {}})),
            ),
            (
                Job::Ecs,
                json!({}),
                json!({"Failures": [], "Tasks": [{"TaskArn": "t", "CreatedAt": 1700000000.5}]}),
                Ok(
                    json!({"Failures": [], "Tasks": [{"TaskArn": "t", "CreatedAt": 1700000000500_i64}]}),
                ),
            ),
            (
                Job::Ecs,
                json!({}),
                json!({"Failures": [{"Reason": "MISSING"}], "Tasks": []}),
                Err("AmazonECS.Unknown"),
            ),
            (
                Job::Athena,
                json!({}),
                json!({"QueryExecutionId": "q"}),
                Ok(json!({"QueryExecutionId": "q"})),
            ),
        ];
        for (job, params, result, want) in rows {
            let got = submitted_output(job, &params, result.clone());
            match (got, want) {
                (Ok(g), Ok(w)) => assert_eq!(g, w, "{job:?} {result}"),
                (Err((name, _)), Err(w)) => assert_eq!(name, w, "{job:?} {result}"),
                (g, w) => panic!("{job:?} {result}: got {g:?}, want {w:?}"),
            }
        }
    }

    #[test]
    fn describe_and_stop_calls() {
        // (job, submitted, describe action and parameters, stop action and parameters)
        let rows = [
            (
                Job::Glue,
                json!({"JobName": "etl", "JobRunId": "jr_1"}),
                ("GetJobRun", json!({"JobName": "etl", "RunId": "jr_1"})),
                (
                    "BatchStopJobRun",
                    json!({"JobName": "etl", "JobRunIds": ["jr_1"]}),
                ),
            ),
            (
                Job::Athena,
                json!({"QueryExecutionId": "q1"}),
                ("GetQueryExecution", json!({"QueryExecutionId": "q1"})),
                ("StopQueryExecution", json!({"QueryExecutionId": "q1"})),
            ),
            (
                Job::Ecs,
                json!({"Tasks": [{"ClusterArn": "arn:c", "TaskArn": "arn:t"}]}),
                (
                    "DescribeTasks",
                    json!({"Cluster": "arn:c", "Tasks": ["arn:t"]}),
                ),
                (
                    "StopTask",
                    json!({"Cluster": "arn:c", "Task": "arn:t", "Reason": "Stopped by AWS Step Functions"}),
                ),
            ),
            (
                Job::Batch,
                json!({"JobId": "j1", "JobName": "n"}),
                ("DescribeJobs", json!({"Jobs": ["j1"]})),
                (
                    "TerminateJob",
                    json!({"JobId": "j1", "Reason": "Terminated by AWS Step Functions"}),
                ),
            ),
            (
                Job::CodeBuild,
                json!({"Build": {"Id": "p:1"}}),
                ("BatchGetBuilds", json!({"Ids": ["p:1"]})),
                ("StopBuild", json!({"Id": "p:1"})),
            ),
        ];
        for (job, submitted, (d_action, d_params), (s_action, s_params)) in rows {
            let got = describe_call(job, &submitted).map(|(t, p)| (t.action, p));
            assert_eq!(got, Ok((d_action.to_string(), d_params)), "{job:?}");
            let got = stop_call(job, &submitted).map(|(t, p)| (t.action, p));
            assert_eq!(got, Some((s_action.to_string(), s_params)), "{job:?}");
            // A submission without the ids: a States.Runtime error, no stop.
            let got = describe_call(job, &json!({}));
            assert!(
                matches!(&got, Err((e, _)) if e == "States.Runtime"),
                "{job:?}: {got:?}"
            );
            assert_eq!(stop_call(job, &json!({})), None, "{job:?}");
        }
    }

    /// What a poll makes of a description: Running, Ok(result) or
    /// Err(error name).
    #[derive(Debug, PartialEq)]
    enum Want {
        Running,
        Ok(Value),
        Failed,
        /// States.TaskFailed, the cause naming the unexpected shape.
        Unexpected,
    }

    #[test]
    fn polls() {
        let ecs = |status: &str, stop: Option<&str>, exits: &[Option<i64>]| {
            let containers: Vec<Value> = exits
                .iter()
                .map(|e| match e {
                    Some(code) => json!({"Name": "c", "ExitCode": code}),
                    None => json!({"Name": "c"}),
                })
                .collect();
            let mut task = json!({"TaskArn": "t", "LastStatus": status, "Containers": containers});
            if let Some(code) = stop {
                task["StopCode"] = json!(code);
            }
            task
        };
        let stopped = ecs("STOPPED", Some("EssentialContainerExited"), &[Some(0)]);
        let rows: Vec<(Job, Value, Want)> = vec![
            (
                Job::Glue,
                json!({"JobRun": {"Id": "jr", "JobName": "j", "JobRunState": "RUNNING"}, "SdkHttpMetadata": {}}),
                Want::Running,
            ),
            (
                Job::Glue,
                json!({"JobRun": {"Id": "jr", "JobName": "j", "JobRunState": "SUCCEEDED", "StartedOn": 1700000000.25}, "SdkHttpMetadata": {}, "SdkResponseMetadata": {}}),
                Want::Ok(
                    json!({"Id": "jr", "JobName": "j", "JobRunState": "SUCCEEDED", "StartedOn": 1700000000250_i64}),
                ),
            ),
            (
                Job::Glue,
                json!({"JobRun": {"JobRunState": "FAILED", "ErrorMessage": "boom"}}),
                Want::Failed,
            ),
            (
                Job::Glue,
                json!({"JobRun": {"JobRunState": "STOPPED"}}),
                Want::Failed,
            ),
            (
                Job::Glue,
                json!({"JobRun": {"JobRunState": "TIMEOUT"}}),
                Want::Failed,
            ),
            (
                Job::Glue,
                json!({"JobRun": {"JobRunState": "STOPPING"}}),
                Want::Running,
            ),
            (Job::Glue, json!({"nothing": 1}), Want::Unexpected),
            (Job::Glue, json!({"JobRun": "SUCCEEDED"}), Want::Unexpected),
            (Job::Athena, json!({"QueryExecution": {}}), Want::Unexpected),
            (
                Job::Athena,
                json!({"QueryExecution": {"Status": {"State": "QUEUED"}}}),
                Want::Running,
            ),
            (
                Job::Athena,
                json!({"QueryExecution": {"QueryExecutionId": "q", "Status": {"State": "SUCCEEDED", "SubmissionDateTime": 1.5}}, "SdkHttpMetadata": {}}),
                Want::Ok(
                    json!({"QueryExecution": {"QueryExecutionId": "q", "Status": {"State": "SUCCEEDED", "SubmissionDateTime": 1500}}}),
                ),
            ),
            (
                Job::Athena,
                json!({"QueryExecution": {"Status": {"State": "FAILED"}}}),
                Want::Failed,
            ),
            (
                Job::Athena,
                json!({"QueryExecution": {"Status": {"State": "CANCELLED"}}}),
                Want::Failed,
            ),
            (
                Job::Ecs,
                json!({"Tasks": [ecs("RUNNING", None, &[None])], "Failures": []}),
                Want::Running,
            ),
            (
                Job::Ecs,
                json!({"Tasks": [stopped.clone()], "Failures": []}),
                Want::Ok(stopped),
            ),
            (
                Job::Ecs,
                json!({"Tasks": [ecs("STOPPED", Some("EssentialContainerExited"), &[Some(1)])]}),
                Want::Failed,
            ),
            (
                Job::Ecs,
                json!({"Tasks": [ecs("STOPPED", Some("TaskFailedToStart"), &[None])]}),
                Want::Failed,
            ),
            (
                Job::Ecs,
                json!({"Tasks": [ecs("STOPPED", Some("UserInitiated"), &[Some(143)])]}),
                Want::Failed,
            ),
            (
                Job::Ecs,
                json!({"Tasks": [ecs("STOPPED", None, &[None])]}),
                Want::Failed,
            ),
            (
                Job::Ecs,
                json!({"Tasks": [], "Failures": [{"Arn": "t", "Reason": "MISSING"}]}),
                Want::Failed,
            ),
            (
                Job::Batch,
                json!({"Jobs": [{"JobId": "j", "Status": "RUNNABLE"}]}),
                Want::Running,
            ),
            (
                Job::Batch,
                json!({"Jobs": [{"JobId": "j", "Status": "SUCCEEDED", "CreatedAt": 1700000000000_i64}]}),
                Want::Ok(
                    json!({"JobId": "j", "Status": "SUCCEEDED", "CreatedAt": 1700000000000_i64}),
                ),
            ),
            (
                Job::Batch,
                json!({"Jobs": [{"JobId": "j", "Status": "FAILED"}]}),
                Want::Failed,
            ),
            (Job::Batch, json!({"Jobs": []}), Want::Failed),
            (
                Job::CodeBuild,
                json!({"Builds": [{"Id": "p:1", "BuildStatus": "IN_PROGRESS"}]}),
                Want::Running,
            ),
            (
                Job::CodeBuild,
                json!({"Builds": [{"Id": "p:1", "BuildStatus": "SUCCEEDED", "StartTime": 2}]}),
                Want::Ok(
                    json!({"Build": {"Id": "p:1", "BuildStatus": "SUCCEEDED", "StartTime": 2000}}),
                ),
            ),
            (
                Job::CodeBuild,
                json!({"Builds": [{"Id": "p:1", "BuildStatus": "STOPPED"}]}),
                Want::Failed,
            ),
            (
                Job::CodeBuild,
                json!({"Builds": [{"Id": "p:1", "BuildStatus": "FAULT"}]}),
                Want::Failed,
            ),
        ];
        for (job, described, want) in rows {
            let got = match poll_result(job, described.clone()) {
                Poll::Running => Want::Running,
                Poll::Done(Ok(v)) => Want::Ok(v),
                Poll::Done(Err((name, cause))) if cause.contains("unexpected shape") => {
                    assert_eq!(name, "States.TaskFailed", "{job:?} {described}");
                    Want::Unexpected
                }
                Poll::Done(Err((name, cause))) => {
                    assert_eq!(name, "States.TaskFailed", "{job:?} {described}");
                    // The cause is the description, as JSON.
                    assert!(
                        stepwell_core::parse_json(&cause).is_ok(),
                        "{job:?} {described}: {cause}"
                    );
                    Want::Failed
                }
                Poll::Again(e) => panic!("{job:?} {described}: again {e:?}"),
            };
            assert_eq!(got, want, "{job:?} {described}");
        }
    }

    #[test]
    fn transient_errors() {
        let rows = [
            ("Glue.SdkClientException", true),
            ("ECS.ThrottlingException", true),
            ("Athena.InternalServerException", true),
            ("Glue.EntityNotFoundException", false),
            ("States.Runtime", false),
            ("AmazonECS.Unknown", false),
        ];
        for (name, want) in rows {
            assert_eq!(
                is_transient(&(name.to_string(), String::new())),
                want,
                "{name}"
            );
        }
    }
}
