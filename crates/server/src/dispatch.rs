//! Carrying out the interpreter's commands: tasks (mocked, callbacks,
//! activities, nested executions, Lambda/HTTP backends) and timers.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use stepwell_core::{Command, Input, TaskFlavor, TaskId, TaskRequest};
use stepwell_engine::MockResponse;
use tokio::sync::Notify;

use crate::records::{ExecutionRecord, ParentLink};
use crate::runtime::{lock, mock_input, now_ms, task_input, Live, QueuedActivity, Runtime};

/// A task's result: the output, or `(error, cause)` as AWS names them.
pub type TaskResult = Result<Value, (String, String)>;

/// What describing a Run a Job (`.sync`) Task's job found.
pub use stepwell_aws::Poll as JobPoll;

type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What a restart found in the history of an execution it loads again.
#[derive(Default)]
pub(crate) struct Recovered {
    /// Activity tasks a worker already holds (not queued again).
    pub started: HashSet<TaskId>,
    /// What `TaskSubmitted` recorded, by task: a `.sync` job polls the job
    /// it names rather than submitting another.
    pub submitted: HashMap<TaskId, Arc<Value>>,
}

/// Something that runs tasks outside the server (Lambda functions, HTTP).
pub trait TaskBackend: Send + Sync {
    /// Whether this backend runs tasks with this resource.
    fn handles(&self, resource: &str) -> bool;
    /// Run `task` (its resource, with its effective parameters).
    fn run(&self, task: &TaskRequest) -> Boxed<TaskResult>;

    /// [`Self::run`], also reporting an HTTP Task's request and response
    /// (TestState at `inspectionLevel` TRACE; what an EventBridge connection
    /// added is redacted unless `reveal_secrets`). By default a backend
    /// reports none.
    fn run_traced(&self, task: &TaskRequest, reveal_secrets: bool) -> Boxed<TracedResult> {
        let _ = reveal_secrets;
        let run = self.run(task);
        Box::pin(async move { TracedResult::untraced(run.await) })
    }

    /// The other nodes' API URLs, whenever this node learns them (a
    /// backend may pass work it has no room for to them). By default
    /// ignored.
    fn set_peers(&self, urls: &[String]) {
        let _ = urls;
    }

    /// Whether this backend runs `resource` as a job (the Run a Job
    /// pattern, `.sync`): [`Self::submit_job`], then [`Self::poll_job`]
    /// until it ends, [`Self::stop_job`] when the Task is cancelled. By
    /// default a backend runs none.
    fn handles_job(&self, resource: &str) -> bool {
        let _ = resource;
        false
    }

    /// Submit the job: what `TaskSubmitted` records, or the Task's error.
    /// `key` is unique to the Task's attempt and the same after a restart.
    fn submit_job(&self, task: &TaskRequest, key: String) -> Boxed<TaskResult> {
        let _ = key;
        let resource = task.resource.clone();
        Box::pin(async move { Err(no_job_runner(&resource)) })
    }

    /// Describe the job `submitted` (the recorded submission) names.
    fn poll_job(&self, resource: String, submitted: Arc<Value>) -> Boxed<JobPoll> {
        let _ = submitted;
        Box::pin(async move { JobPoll::Done(Err(no_job_runner(&resource))) })
    }

    /// Stop that job (best effort): `Ok(false)` when there was nothing to
    /// stop it by.
    fn stop_job(
        &self,
        resource: String,
        submitted: Arc<Value>,
    ) -> Boxed<Result<bool, (String, String)>> {
        let _ = (resource, submitted);
        Box::pin(async move { Ok(false) })
    }
}

fn no_job_runner(resource: &str) -> (String, String) {
    (
        "States.Runtime".to_string(),
        format!("no backend runs the job of resource {resource}"),
    )
}

/// A task's result with the HTTP exchange behind it, when there was one:
/// `request` and `response` as TestState's `inspectionData` shows them.
pub struct TracedResult {
    pub result: TaskResult,
    pub request: Option<Value>,
    pub response: Option<Value>,
}

impl TracedResult {
    pub fn untraced(result: TaskResult) -> TracedResult {
        TracedResult {
            result,
            request: None,
            response: None,
        }
    }
}

/// Tasks waiting for activity workers, per activity ARN.
#[derive(Default)]
pub struct ActivityQueues {
    queues: Mutex<Queues>,
    pub(crate) arrived: Notify,
    /// GetActivityTask requests waiting here, per activity.
    pollers: Mutex<HashMap<String, usize>>,
}

/// One GetActivityTask request counted as waiting on its activity, until
/// it is dropped.
pub struct Polling<'a> {
    queues: &'a ActivityQueues,
    activity: String,
}

impl Drop for Polling<'_> {
    fn drop(&mut self) {
        let mut pollers = lock(&self.queues.pollers);
        if let Some(n) = pollers.get_mut(&self.activity) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                pollers.remove(&self.activity);
            }
        }
    }
}

/// The tasks waiting for a worker, per activity, each once.
#[derive(Default)]
struct Queues {
    by_activity: HashMap<String, VecDeque<QueuedActivity>>,
    /// (execution, task) of every queued task: an execution loaded again
    /// re-arms its tasks, and one already queued is not queued twice.
    queued: HashSet<(String, TaskId)>,
}

impl ActivityQueues {
    fn push(&self, activity: &str, item: QueuedActivity) {
        self.enqueue(activity, item, false);
    }

    /// Put a task taken with [`ActivityQueues::pop`] back at the front.
    pub fn push_front(&self, activity: &str, item: QueuedActivity) {
        self.enqueue(activity, item, true);
    }

    fn enqueue(&self, activity: &str, item: QueuedActivity, front: bool) {
        {
            let mut q = lock(&self.queues);
            if !q.queued.insert((item.execution.clone(), item.task)) {
                return;
            }
            let queue = q.by_activity.entry(activity.to_string()).or_default();
            if front {
                queue.push_front(item);
            } else {
                queue.push_back(item);
            }
        }
        self.arrived.notify_waiters();
    }

    pub fn pop(&self, activity: &str) -> Option<QueuedActivity> {
        let mut q = lock(&self.queues);
        let item = q.by_activity.get_mut(activity)?.pop_front()?;
        q.queued.remove(&(item.execution.clone(), item.task));
        Some(item)
    }

    /// Count one more request waiting on `activity`, unless `limit` are
    /// waiting already (then None).
    pub fn poll(&self, activity: &str, limit: usize) -> Option<Polling<'_>> {
        let mut pollers = lock(&self.pollers);
        let n = pollers.entry(activity.to_string()).or_default();
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(Polling {
            queues: self,
            activity: activity.to_string(),
        })
    }
}

/// What an execution's test case (MockConfigFile) answers for the tasks
/// of one decision.
#[derive(Debug, Default)]
pub(crate) struct Mocked {
    /// The answers, by task.
    answers: HashMap<TaskId, MockResponse>,
    /// The test case the execution was started with (`stateMachineArn#TestCase`).
    case: Option<String>,
}

/// Mocked answers (MockConfigFile) for the tasks among `commands`, taken
/// in order under the execution's lock so invocation counts are exact.
pub(crate) fn mock_answers(live: &mut Live, commands: &[Command]) -> Mocked {
    let Some(mocks) = live.mocks.as_mut() else {
        return Mocked::default();
    };
    let mut answers = HashMap::new();
    for c in commands {
        if let Command::RunTask(req) = c {
            if let Some(answer) = mocks.answer(&req.state_name, &req.resource) {
                answers.insert(req.task, answer);
            }
        }
    }
    Mocked {
        answers,
        case: Some(mocks.name().to_string()),
    }
}

fn spawn_input(rt: &Arc<Runtime>, arn: &str, input: Input) {
    spawn_inputs(rt, arn, vec![input]);
}

/// Feed `inputs` to execution `arn` in order, from a task of their own.
fn spawn_inputs(rt: &Arc<Runtime>, arn: &str, inputs: Vec<Input>) {
    let rt = rt.clone();
    let arn = arn.to_string();
    tokio::spawn(async move {
        for input in inputs {
            if !rt.deliver(&arn, input, "task input").await {
                return;
            }
        }
    });
}

/// When a timer falls due, given `--wait-scale`.
fn due(rt: &Runtime, fire_at: i64) -> i64 {
    let now = now_ms();
    let wait = (fire_at - now).max(0) as f64 * rt.cfg.wait_scale;
    now + wait as i64
}

/// Carry out `commands` of execution `arn`. `started` lists activity tasks
/// a worker already holds (after a restart they are not queued again).
pub(crate) fn carry_out(
    rt: &Arc<Runtime>,
    arn: &str,
    commands: Vec<Command>,
    mocked: Mocked,
    recovered: &Recovered,
) {
    let Mocked { mut answers, case } = mocked;
    for c in commands {
        match c {
            Command::RunTask(req) => {
                if let Some(answer) = answers.remove(&req.task) {
                    let mut inputs = Vec::with_capacity(3);
                    if req.flavor == TaskFlavor::Activity && !recovered.started.contains(&req.task)
                    {
                        // A mocked activity stands for a worker that took
                        // the task at once (as under `stepwell run`).
                        inputs.push(Input::TaskStarted {
                            task: req.task,
                            worker: None,
                        });
                    }
                    if req.is_submitted_first() {
                        // A mock stands for the whole job; what submitting
                        // it answered is not mocked.
                        inputs.push(Input::TaskSubmitted {
                            task: req.task,
                            output: Value::Object(Default::default()),
                        });
                    }
                    inputs.push(mock_input(req.task, answer));
                    spawn_inputs(rt, arn, inputs);
                } else {
                    run_task(rt, arn, req, recovered, case.as_deref());
                }
            }
            Command::CancelTask { task } => {
                lock(&rt.tokens).retain(|_, (a, t)| !(a == arn && *t == task));
                rt.jobs.cancel(arn, task);
                crate::nested::cancelled(rt, arn, task);
            }
            Command::StartTimer {
                timer,
                fire_at,
                scaled,
            } => {
                let due = if scaled { due(rt, fire_at) } else { fire_at };
                rt.timers.add(due, arn, timer)
            }
            Command::ReadItems(req) => read_items(rt, arn, req),
            Command::WriteResults(req) => write_results(rt, arn, req),
            // A cancelled timer that fires is ignored by the interpreter.
            Command::CancelTimer { .. } | Command::Finished => {}
        }
    }
}

/// Read a Distributed Map's items from the local S3, off the async
/// runtime (file IO blocks), then feed them to the execution.
fn read_items(rt: &Arc<Runtime>, arn: &str, req: stepwell_core::ReadRequest) {
    let rt = rt.clone();
    let arn = arn.to_string();
    tokio::spawn(async move {
        let s3 = rt.cfg.s3.clone();
        let read = req.read;
        let result = tokio::task::spawn_blocking(move || {
            stepwell_engine::s3::read_items(s3.as_deref(), &req)
        })
        .await
        .unwrap_or_else(|e| Err(format!("The read of the items stopped: {e}")));
        rt.deliver(&arn, Input::ItemsRead { read, result }, "items input")
            .await;
    });
}

/// Write a Distributed Map's results to the local S3, off the async
/// runtime (file IO blocks), then tell the execution.
fn write_results(rt: &Arc<Runtime>, arn: &str, req: stepwell_core::WriteRequest) {
    let rt = rt.clone();
    let arn = arn.to_string();
    tokio::spawn(async move {
        let s3 = rt.cfg.s3.clone();
        let write = req.write;
        let result = tokio::task::spawn_blocking(move || {
            stepwell_engine::s3::write_results(s3.as_deref(), &req)
        })
        .await
        .unwrap_or_else(|e| Err(format!("The write of the results stopped: {e}")));
        let input = Input::ResultsWritten { write, result };
        rt.deliver(&arn, input, "results input").await;
    });
}

/// `arn:aws:states:::states:startExecution.sync:2` -> `sync:2`.
pub(crate) fn resource_pattern(resource: &str) -> &str {
    let rest = resource
        .strip_prefix("arn:aws:states:::")
        .unwrap_or(resource);
    match rest.split_once('.') {
        Some((_, p)) => p,
        None => "",
    }
}

/// Whether a task waits for its token to come back (SendTask*).
fn is_callback(req: &TaskRequest) -> bool {
    req.flavor == TaskFlavor::Activity || req.resource.ends_with(".waitForTaskToken")
}

/// Let SendTask* find the tasks `commands` run by their tokens. Called
/// before the events that hand the tokens out are committed: a client
/// that reads a token from the history may answer at once.
pub(crate) fn register_tokens(rt: &Runtime, arn: &str, commands: &[Command]) {
    for c in commands {
        if let Command::RunTask(req) = c {
            register_token(rt, arn, req);
        }
    }
}

/// [`register_tokens`] for one task: a callback's or an activity's token,
/// and a `.sync` Task's, which answers it too when the Task hands
/// `$$.Task.Token` on (AWS's SendTaskSuccess: "used by activities and
/// optionally Task states using the job run pattern"; localstack callback
/// test_sync_with_task_token).
fn register_token(rt: &Runtime, arn: &str, req: &TaskRequest) {
    if is_callback(req) || req.is_submitted_first() {
        if let Some(token) = &req.token {
            lock(&rt.tokens).insert(token.clone(), (arn.to_string(), req.task));
        }
    }
}

/// Run a task no mock answers; `case` is the execution's test case, if
/// it was started with one.
fn run_task(
    rt: &Arc<Runtime>,
    arn: &str,
    req: TaskRequest,
    recovered: &Recovered,
    case: Option<&str>,
) {
    let resource = req.resource.clone();
    let callback = is_callback(&req);
    // Again for a task re-issued after a restart or a reload.
    register_token(rt, arn, &req);
    // A callback handed over before a restart (or a reload) waits for its
    // token's answer: sending the message again would deliver it twice.
    if callback && recovered.submitted.contains_key(&req.task) {
        return;
    }
    if req.flavor == TaskFlavor::Activity {
        if recovered.started.contains(&req.task) {
            return; // a worker holds it; its answer comes with the token
        }
        let Some(token) = req.token.clone() else {
            return;
        };
        rt.activities.push(
            &resource,
            QueuedActivity {
                execution: arn.to_string(),
                task: req.task,
                token,
                input: req.payload.to_string(),
            },
        );
        return;
    }
    let base = resource
        .strip_prefix("arn:aws:states:::")
        .map(|r| r.split('.').next().unwrap_or(r));
    if base == Some("states:startExecution") {
        let rt = rt.clone();
        let arn = arn.to_string();
        tokio::spawn(async move { crate::nested::start_child(&rt, &arn, &req).await });
        return;
    }
    if let Some(backend) = rt.lambda.clone().filter(|b| b.handles_job(&resource)) {
        let submitted = recovered.submitted.get(&req.task).cloned();
        crate::jobs::start(rt, arn, req, backend, submitted);
        return;
    }
    if let Some(backend) = rt.lambda.clone().filter(|b| b.handles(&resource)) {
        let rt = rt.clone();
        let arn = arn.to_string();
        tokio::spawn(async move {
            let result = backend.run(&req).await;
            // A callback task waits for its token; only a failure to hand
            // it over ends it here.
            if callback {
                if let Ok(output) = result {
                    let input = Input::TaskSubmitted {
                        task: req.task,
                        output,
                    };
                    rt.deliver(&arn, input, "task submission").await;
                    return;
                }
            }
            rt.deliver(&arn, task_input(req.task, result), "task input")
                .await;
        });
        return;
    }
    if callback {
        // e.g. sqs:sendMessage.waitForTaskToken with nothing behind it: the
        // message is "sent"; wait for SendTaskSuccess.
        if req.is_submitted_first() {
            let output = Value::Object(Default::default());
            spawn_input(
                rt,
                arn,
                Input::TaskSubmitted {
                    task: req.task,
                    output,
                },
            );
        }
        return;
    }
    let cause = match case {
        Some(case) => stepwell_engine::mock::unmocked_cause(&req.state_name, &resource, case),
        None => format!(
            "no local runner for state '{}': resource {} has no mocked response (start the execution with stateMachineArn#TestCase and SFN_MOCK_CONFIG) and no backend runs it",
            req.state_name, resource
        ),
    };
    spawn_input(
        rt,
        arn,
        task_input(req.task, Err(("States.Runtime".into(), cause))),
    );
}

/// An execution ended: answer a `.sync` parent.
pub(crate) fn on_finished(rt: &Arc<Runtime>, record: &ExecutionRecord) {
    let Some(ParentLink {
        execution_arn,
        task,
        pattern,
    }) = &record.parent
    else {
        return;
    };
    if !pattern.starts_with("sync") {
        return;
    }
    rt.children.take(execution_arn, *task);
    let v2 = pattern == "sync:2";
    let result = crate::nested::sync_result(rt, record, v2);
    // The child may end before its start was reported: the submission goes
    // first (recorded once), so the parent's history always has it.
    let submitted = Input::TaskSubmitted {
        task: *task,
        output: crate::nested::start_output(rt, record),
    };
    spawn_inputs(
        rt,
        execution_arn,
        vec![submitted, task_input(*task, result)],
    );
}

/// Several backends in the one slot: a task goes to the first that
/// handles its resource (mocks still come before any of them).
pub struct Backends(pub Vec<Arc<dyn TaskBackend>>);

impl TaskBackend for Backends {
    fn handles(&self, resource: &str) -> bool {
        self.0.iter().any(|b| b.handles(resource))
    }

    fn run(&self, task: &TaskRequest) -> Boxed<TaskResult> {
        match self.0.iter().find(|b| b.handles(&task.resource)) {
            Some(backend) => backend.run(task),
            None => {
                let resource = task.resource.clone();
                Box::pin(async move {
                    Err((
                        "States.Runtime".to_string(),
                        format!("no backend runs resource {resource}"),
                    ))
                })
            }
        }
    }

    fn run_traced(&self, task: &TaskRequest, reveal_secrets: bool) -> Boxed<TracedResult> {
        match self.0.iter().find(|b| b.handles(&task.resource)) {
            Some(backend) => backend.run_traced(task, reveal_secrets),
            None => {
                let run = self.run(task);
                Box::pin(async move { TracedResult::untraced(run.await) })
            }
        }
    }

    fn set_peers(&self, urls: &[String]) {
        for backend in &self.0 {
            backend.set_peers(urls);
        }
    }

    fn handles_job(&self, resource: &str) -> bool {
        self.0.iter().any(|b| b.handles_job(resource))
    }

    fn submit_job(&self, task: &TaskRequest, key: String) -> Boxed<TaskResult> {
        match self.0.iter().find(|b| b.handles_job(&task.resource)) {
            Some(backend) => backend.submit_job(task, key),
            None => {
                let resource = task.resource.clone();
                Box::pin(async move { Err(no_job_runner(&resource)) })
            }
        }
    }

    fn poll_job(&self, resource: String, submitted: Arc<Value>) -> Boxed<JobPoll> {
        match self.0.iter().find(|b| b.handles_job(&resource)) {
            Some(backend) => backend.poll_job(resource, submitted),
            None => Box::pin(async move { JobPoll::Done(Err(no_job_runner(&resource))) }),
        }
    }

    fn stop_job(
        &self,
        resource: String,
        submitted: Arc<Value>,
    ) -> Boxed<Result<bool, (String, String)>> {
        match self.0.iter().find(|b| b.handles_job(&resource)) {
            Some(backend) => backend.stop_job(resource, submitted),
            None => Box::pin(async move { Ok(false) }),
        }
    }
}

/// Tests: a task of `resource` with no parameters.
#[cfg(test)]
pub(crate) fn test_task(resource: &str) -> TaskRequest {
    TaskRequest {
        task: 1,
        flavor: stepwell_core::TaskFlavor::Service,
        state_name: "Task".into(),
        resource: resource.into(),
        payload: Arc::new(Value::Null),
        token: None,
        timeout_seconds: None,
        heartbeat_seconds: None,
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:M:e".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:M".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_polls_are_counted_per_activity_until_dropped() {
        let queues = ActivityQueues::default();
        let first = queues.poll("a", 2);
        let second = queues.poll("a", 2);
        assert!(first.is_some() && second.is_some());
        assert!(queues.poll("a", 2).is_none(), "a third poll is refused");
        assert!(
            queues.poll("b", 2).is_some(),
            "another activity has its own"
        );
        drop(first);
        let third = queues.poll("a", 2);
        assert!(third.is_some(), "an answered poll frees its place");
        drop((second, third));
        assert!(lock(&queues.pollers).is_empty());
    }

    #[test]
    fn a_task_is_queued_once_and_can_be_put_back_first() {
        let queues = ActivityQueues::default();
        let item = |execution: &str, task: u64| QueuedActivity {
            execution: execution.into(),
            task,
            token: format!("{execution}/{task}"),
            input: "{}".into(),
        };
        queues.push("a", item("x", 1));
        queues.push("a", item("x", 2));
        // An execution loaded again re-arms a task still queued.
        queues.push("a", item("x", 1));
        let first = queues.pop("a").expect("queued");
        assert_eq!(first.task, 1);
        queues.push_front("a", first);
        let order: Vec<u64> = std::iter::from_fn(|| queues.pop("a"))
            .map(|i| i.task)
            .collect();
        assert_eq!(order, [1, 2]);
        // Taken, it may be queued again (its execution was loaded again).
        queues.push("a", item("x", 1));
        assert_eq!(queues.pop("a").map(|i| i.task), Some(1));
    }

    /// Sends "messages" (a callback's hand-over) and counts them.
    struct Messages(Arc<std::sync::atomic::AtomicUsize>);

    impl TaskBackend for Messages {
        fn handles(&self, resource: &str) -> bool {
            resource.ends_with(".waitForTaskToken")
        }

        fn run(&self, _task: &TaskRequest) -> Boxed<TaskResult> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async { Ok(serde_json::json!({"MessageId": "m"})) })
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_callback_handed_over_before_a_restart_is_not_sent_again() {
        use std::sync::atomic::Ordering;

        use stepwell_core::EventKind;

        use crate::testing::{
            call, create_machine, options, remove_db, start, temp_db, until, until_status,
        };

        let db = temp_db("callback-restart");
        let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let server = || async {
            let backend: Arc<dyn TaskBackend> = Arc::new(Messages(sent.clone()));
            match crate::start_runtime(&options(&db, 1.0), Some(backend)).await {
                Ok(rt) => rt,
                Err(e) => panic!("{e}"),
            }
        };
        let submitted = |rt: &Arc<Runtime>, arn: &str| {
            rt.store
                .events(arn)
                .unwrap_or_default()
                .iter()
                .filter(|e| matches!(e.kind, EventKind::TaskSubmitted { .. }))
                .count()
        };
        let rt = server().await;
        let definition = serde_json::json!({"StartAt": "Ask", "States": {"Ask": {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
            "End": true}}});
        let sm = create_machine(&rt, "callback-restart", &definition).await;
        let arn = start(&rt, &sm, "{}").await;
        until("the task to be handed over", async || {
            submitted(&rt, &arn) == 1
        })
        .await;
        // The node goes away and comes back over the same database.
        rt.lost_lease();
        let rt = server().await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(sent.load(Ordering::SeqCst), 1, "the message was sent again");
        // Its token still answers the task.
        let token = lock(&rt.tokens).keys().next().cloned();
        let Some(token) = token else {
            panic!("the token is not armed again");
        };
        call(
            &rt,
            "SendTaskSuccess",
            serde_json::json!({"taskToken": token, "output": "{\"ok\": true}"}),
        )
        .await;
        until_status(&rt, &arn, "SUCCEEDED").await;
        assert_eq!(submitted(&rt, &arn), 1);
        rt.shutdown();
        remove_db(&db);
    }

    /// Takes resources starting with `prefix`; answers its own name.
    struct Named(&'static str, &'static str);

    impl TaskBackend for Named {
        fn handles(&self, resource: &str) -> bool {
            resource.starts_with(self.1)
        }

        fn run(&self, _task: &TaskRequest) -> Boxed<TaskResult> {
            let name = self.0;
            Box::pin(async move { Ok(Value::String(name.into())) })
        }
    }

    #[tokio::test]
    async fn backends_ask_in_order() {
        let backends = Backends(vec![
            Arc::new(Named("lambda", "arn:aws:states:::lambda:")),
            Arc::new(Named("aws", "arn:aws:states:::")),
        ]);
        // (resource, the backend that runs it, or None)
        let rows = [
            ("arn:aws:states:::lambda:invoke", Some("lambda")),
            ("arn:aws:states:::dynamodb:putItem", Some("aws")),
            ("arn:aws:lambda:us-east-1:123456789012:function:f", None),
        ];
        for (resource, want) in rows {
            assert_eq!(backends.handles(resource), want.is_some(), "{resource}");
            let got = backends.run(&test_task(resource)).await;
            match want {
                Some(name) => assert_eq!(got, Ok(Value::String(name.into())), "{resource}"),
                None => assert!(
                    matches!(&got, Err((e, c)) if e == "States.Runtime" && c.contains(resource)),
                    "{resource}: {got:?}"
                ),
            }
        }
    }
}
