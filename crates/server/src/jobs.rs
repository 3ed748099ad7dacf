//! Run a Job (`.sync`) Tasks of AWS services (`glue:startJobRun.sync`,
//! `ecs:runTask.sync`, …; the backend says which it runs): submit the job,
//! record `TaskSubmitted` with the submit call's answer, then describe the
//! job now and then until it ends, and feed its result. A Task that is
//! cancelled (stopped, timed out, its branch failed) stops its job.
//!
//! Durable: the job is known by what `TaskSubmitted` recorded. After a
//! restart or a take-over, `Runtime::load` hands that output back with the
//! re-issued `RunTask` ([`crate::dispatch::Recovered`]), and polling goes on
//! for the same job; only a Task with no `TaskSubmitted` yet submits (again:
//! a crash between the submit call and its commit can start a job twice,
//! except where the service takes an idempotency key, see [`job_key`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use stepwell_core::{Input, TaskId, TaskRequest};
use tokio::sync::Notify;

use crate::dispatch::{JobPoll, TaskBackend};
use crate::runtime::{lock, task_input, Runtime};

/// The first wait before describing a job, and the longest.
/// AWS is silent: how often Step Functions looks at a job. Here the wait
/// grows by half each time from 1 s to 20 s, scaled by `--wait-scale` as
/// timers are (not below 50 ms).
const FIRST_POLL: Duration = Duration::from_secs(1);
const LAST_POLL: Duration = Duration::from_secs(20);
const MIN_POLL: Duration = Duration::from_millis(50);

/// The jobs this node is polling, by execution and task.
#[derive(Default)]
pub struct Jobs {
    running: Mutex<HashMap<(String, TaskId), Arc<Handle>>>,
}

#[derive(Default)]
struct Handle {
    cancelled: AtomicBool,
    wake: Notify,
}

impl Jobs {
    /// The Task was cancelled: stop its job (if one runs here).
    pub(crate) fn cancel(&self, execution: &str, task: TaskId) {
        if let Some(h) = lock(&self.running).get(&(execution.to_string(), task)) {
            h.cancelled.store(true, Ordering::SeqCst);
            h.wake.notify_one();
        }
    }

    fn finish(&self, execution: &str, task: TaskId) {
        lock(&self.running).remove(&(execution.to_string(), task));
    }
}

/// A key unique to one Task attempt of one execution, the same after a
/// restart: the submit call's idempotency token where the service takes
/// one (Athena's ClientRequestToken, ECS's ClientToken, CodeBuild's
/// IdempotencyToken).
pub(crate) fn job_key(execution: &str, task: TaskId) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in execution.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("stepwell-{h:016x}-{task:016x}")
}

/// Run the job of `.sync` Task `req` of execution `arn`: submit it, unless
/// `submitted` (the recorded submission) says it already was.
pub(crate) fn start(
    rt: &Arc<Runtime>,
    arn: &str,
    req: TaskRequest,
    backend: Arc<dyn TaskBackend>,
    submitted: Option<Arc<Value>>,
) {
    let handle = Arc::new(Handle::default());
    {
        let mut running = lock(&rt.jobs.running);
        let key = (arn.to_string(), req.task);
        if running.contains_key(&key) {
            return; // already polled here (the execution was loaded again)
        }
        running.insert(key, handle.clone());
    }
    let rt = rt.clone();
    let arn = arn.to_string();
    tokio::spawn(async move {
        let task = req.task;
        run(&rt, &arn, req, backend, submitted, &handle).await;
        rt.jobs.finish(&arn, task);
    });
}

async fn run(
    rt: &Arc<Runtime>,
    arn: &str,
    req: TaskRequest,
    backend: Arc<dyn TaskBackend>,
    submitted: Option<Arc<Value>>,
    handle: &Handle,
) {
    let resource = req.resource.clone();
    let submitted = match submitted {
        Some(s) => s,
        None => {
            let key = job_key(arn, req.task);
            match backend.submit_job(&req, key).await {
                Ok(output) => {
                    let output = Arc::new(output);
                    let input = Input::TaskSubmitted {
                        task: req.task,
                        output: (*output).clone(),
                    };
                    rt.deliver(arn, input, "job submission").await;
                    output
                }
                Err(e) => {
                    rt.jobs.finish(arn, req.task);
                    feed(rt, arn, req.task, Err(e)).await;
                    return;
                }
            }
        }
    };
    let mut wait = FIRST_POLL;
    loop {
        if !handle.cancelled.load(Ordering::SeqCst) {
            let scaled = wait.mul_f64(rt.cfg.wait_scale.max(0.0)).max(MIN_POLL);
            tokio::select! {
                _ = tokio::time::sleep(scaled) => {}
                _ = handle.wake.notified() => {}
            }
        }
        if !rt.runs_here(arn) {
            // The execution ended (its Task's cancellation follows at
            // once) or another node drives it now.
            tokio::time::sleep(MIN_POLL).await;
            if !handle.cancelled.load(Ordering::SeqCst) {
                return;
            }
        }
        if handle.cancelled.load(Ordering::SeqCst) {
            // Best effort, as AWS: the Task's outcome is already recorded.
            match backend.stop_job(resource.clone(), submitted.clone()).await {
                Ok(true) => {
                    tracing::info!(execution = %arn, task = req.task, "stopped the job of a cancelled task")
                }
                Ok(false) => {}
                Err((error, cause)) => {
                    tracing::warn!(execution = %arn, task = req.task, %error, %cause, "could not stop the job of a cancelled task")
                }
            }
            return;
        }
        match backend.poll_job(resource.clone(), submitted.clone()).await {
            JobPoll::Running => {}
            JobPoll::Again((error, cause)) => {
                tracing::warn!(execution = %arn, task = req.task, %error, %cause, "could not describe a job; trying again")
            }
            JobPoll::Done(result) => {
                // Forget the job before feeding: if the feed fails and the
                // execution is loaded again, its poll starts afresh.
                rt.jobs.finish(arn, req.task);
                feed(rt, arn, req.task, result).await;
                return;
            }
        }
        wait = wait.mul_f64(1.5).min(LAST_POLL);
    }
}

async fn feed(rt: &Arc<Runtime>, arn: &str, task: TaskId, result: Result<Value, (String, String)>) {
    rt.deliver(arn, task_input(task, result), "job result")
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::AtomicUsize;

    use serde_json::json;
    use stepwell_core::EventKind;

    use crate::dispatch::TaskResult;
    use crate::testing::{create_machine, remove_db, temp_db, until_events};

    type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

    /// A job service: counts submissions and stops, answers Running until
    /// `done`.
    #[derive(Default)]
    struct FakeJobs {
        submits: AtomicUsize,
        polls: AtomicUsize,
        stops: AtomicUsize,
        done: AtomicBool,
    }

    struct Backend(Arc<FakeJobs>);

    impl TaskBackend for Backend {
        fn handles(&self, _resource: &str) -> bool {
            false
        }

        fn run(&self, _task: &TaskRequest) -> Boxed<TaskResult> {
            Box::pin(async { Err(("States.Runtime".into(), "not a job".into())) })
        }

        fn handles_job(&self, resource: &str) -> bool {
            resource.ends_with(".sync") && !resource.contains("states:startExecution")
        }

        fn submit_job(&self, task: &TaskRequest, key: String) -> Boxed<TaskResult> {
            let n = self.0.submits.fetch_add(1, Ordering::SeqCst) + 1;
            let parameters = task.payload.clone();
            Box::pin(async move { Ok(json!({"JobId": n, "Key": key, "Asked": *parameters})) })
        }

        fn poll_job(&self, _r: String, submitted: Arc<Value>) -> Boxed<JobPoll> {
            self.0.polls.fetch_add(1, Ordering::SeqCst);
            let done = self.0.done.load(Ordering::SeqCst);
            Box::pin(async move {
                if done {
                    JobPoll::Done(Ok(json!({"Described": *submitted, "Status": "SUCCEEDED"})))
                } else {
                    JobPoll::Running
                }
            })
        }

        fn stop_job(&self, _r: String, _s: Arc<Value>) -> Boxed<Result<bool, (String, String)>> {
            self.0.stops.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Ok(true) })
        }
    }

    async fn server(db: &str, jobs: &Arc<FakeJobs>) -> Arc<Runtime> {
        let opts = crate::testing::options(db, 0.05);
        let backend: Arc<dyn TaskBackend> = Arc::new(Backend(jobs.clone()));
        match crate::start_runtime(&opts, Some(backend)).await {
            Ok(rt) => rt,
            Err(e) => panic!("{e}"),
        }
    }

    async fn start(rt: &Arc<Runtime>, task: Value) -> String {
        let definition = json!({"StartAt": "Job", "States": {"Job": task}});
        let sm = create_machine(rt, &format!("jobs-{}", rt.uuid()), &definition).await;
        crate::testing::start(rt, &sm, "{}").await
    }

    fn count(events: &[stepwell_core::Event], f: impl Fn(&EventKind) -> bool) -> usize {
        events.iter().filter(|e| f(&e.kind)).count()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_restart_polls_the_recorded_job_and_never_submits_again() {
        let db = temp_db("jobs-restart");
        let jobs = Arc::new(FakeJobs::default());
        let rt = server(&db, &jobs).await;
        let task = json!({"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync",
                          "Parameters": {"JobName": "etl"}, "End": true});
        let arn = start(&rt, task).await;
        until_events(&rt, &arn, |ev| {
            count(ev, |k| matches!(k, EventKind::TaskSubmitted { .. })) == 1
        })
        .await;
        // The node goes away (its live executions with it) and comes back
        // over the same database.
        rt.lost_lease();
        let polls = jobs.polls.load(Ordering::SeqCst);
        let rt = server(&db, &jobs).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            jobs.polls.load(Ordering::SeqCst) > polls,
            "the job is polled again"
        );
        jobs.done.store(true, Ordering::SeqCst);
        until_events(&rt, &arn, |ev| {
            count(ev, |k| matches!(k, EventKind::ExecutionSucceeded { .. })) == 1
        })
        .await;
        assert_eq!(jobs.submits.load(Ordering::SeqCst), 1);
        let events = rt.store.events(&arn).unwrap_or_default();
        assert_eq!(
            count(&events, |k| matches!(k, EventKind::TaskSubmitted { .. })),
            1
        );
        // The result is the description of the job the submission named.
        let out = events.iter().find_map(|e| match &e.kind {
            EventKind::TaskSucceeded { output, .. } => Some(output.clone()),
            _ => None,
        });
        let Some(out) = out else {
            panic!("no TaskSucceeded");
        };
        assert_eq!(out["Described"]["JobId"], json!(1));
        assert_eq!(out["Described"]["Asked"], json!({"JobName": "etl"}));
        let task = events
            .iter()
            .find(|e| matches!(e.kind, EventKind::TaskScheduled { .. }))
            .map(|e| e.seq);
        let key = task.map(|t| job_key(&arn, t));
        assert_eq!(out["Described"]["Key"].as_str(), key.as_deref());
        rt.shutdown();
        remove_db(&db);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_task_that_times_out_stops_its_job() {
        let db = temp_db("jobs-timeout");
        let jobs = Arc::new(FakeJobs::default());
        let rt = server(&db, &jobs).await;
        // TimeoutSeconds 2, scaled by 0.05: 100 ms.
        let task = json!({"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync",
                          "Parameters": {}, "TimeoutSeconds": 2, "End": true});
        let arn = start(&rt, task).await;
        until_events(&rt, &arn, |ev| {
            count(ev, |k| matches!(k, EventKind::TaskTimedOut { .. })) == 1
        })
        .await;
        for _ in 0..200 {
            if jobs.stops.load(Ordering::SeqCst) == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(jobs.stops.load(Ordering::SeqCst), 1);
        assert_eq!(jobs.submits.load(Ordering::SeqCst), 1);
        rt.shutdown();
        remove_db(&db);
    }

    #[test]
    fn job_keys_are_stable_and_distinct() {
        let a = "arn:aws:states:us-east-1:123456789012:execution:m:e1";
        let b = "arn:aws:states:us-east-1:123456789012:execution:m:e2";
        assert_eq!(job_key(a, 7), job_key(a, 7));
        assert_ne!(job_key(a, 7), job_key(a, 8));
        assert_ne!(job_key(a, 7), job_key(b, 7));
        // Athena's ClientRequestToken: 32 to 128 characters; ECS's
        // ClientToken: at most 64.
        assert!((32..=64).contains(&job_key(a, u64::MAX).len()));
    }
}
