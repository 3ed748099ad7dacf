//! Runtime processes: started per function on demand, kept warm, reused, one
//! invocation at a time each, at most `concurrency` of them per function.
//!
//! A process is a [`Slot`]: its own Runtime API listener (see
//! `runtime_api`), the child process, and the invocation it is working on.
//! An invocation is handed to an idle slot (or a new one), then waits in two
//! phases: until the runtime takes it with `/next` (bounded by Lambda's
//! 10-second init limit, which covers a cold start), then for the response
//! (bounded by the function's timeout, counted from the take as Lambda does).
//! An init that overruns its 10 seconds is retried as Lambda does: on a new
//! process, within the function's timeout, which then counts from the
//! retry's start and covers the init and the handler.
//! A slot that timed out, exited or failed to initialise is killed and never
//! reused; the next invocation starts a fresh process.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::serve::ListenerExt;
use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, Notify, OwnedSemaphorePermit, Semaphore};

use crate::project::{FunctionConfig, Runtime};
use crate::{LambdaConfig, RuntimeClient};

/// Lambda gives a runtime this long to initialise before its first `/next`.
const INIT_LIMIT: Duration = Duration::from_secs(10);

/// Error types after which the process is not reused: the code failed to
/// load, or the runtime is about to exit. Replacing the process also means an
/// edited handler file is picked up on the next invocation.
const RETIRING_ERRORS: &[&str] = &[
    "Runtime.ImportModuleError",
    "Runtime.UserCodeSyntaxError",
    "Runtime.HandlerNotFound",
    "Runtime.MalformedHandlerName",
    "Runtime.UnhandledPromiseRejection",
    "Runtime.ExitError",
];

pub(crate) struct Invocation {
    pub(crate) request_id: String,
    pub(crate) payload: Bytes,
    pub(crate) invoked_arn: String,
    pub(crate) trace_id: String,
    pub(crate) client_context: Option<String>,
    pub(crate) timeout: Duration,
    /// Set when the init is retried within the invocation: its timeout
    /// runs from this instant (the retry's start), not from the take.
    pub(crate) counted_from: Option<Instant>,
    /// Told when the timeout starts to run (the take, or `counted_from`).
    pub(crate) picked: Option<oneshot::Sender<Instant>>,
    pub(crate) reply: oneshot::Sender<Outcome>,
}

/// The invocation a runtime has taken and not yet answered.
pub(crate) struct Current {
    pub(crate) request_id: String,
    pub(crate) reply: oneshot::Sender<Outcome>,
    pub(crate) picked_at: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutcomeKind {
    Response,
    /// A function error: the body is the error payload (`Unhandled`).
    Error,
}

#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) kind: OutcomeKind,
    pub(crate) body: Bytes,
    /// Time between the runtime taking the invocation and answering it.
    pub(crate) runtime_time: Option<Duration>,
}

#[derive(Default)]
pub(crate) struct SlotState {
    pub(crate) pending: Option<Invocation>,
    pub(crate) current: Option<Current>,
    pub(crate) dead: bool,
    /// Do not reuse (the runtime reported an init error).
    pub(crate) retire: bool,
}

pub(crate) struct Slot {
    state: Mutex<SlotState>,
    /// Wakes a `/next` long-poll.
    pub(crate) work: Notify,
    kill: Notify,
    pid: AtomicU32,
}

impl Slot {
    pub(crate) fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn kill(&self) {
        self.kill.notify_one();
    }

    fn exited(&self, how: &str) {
        let (pending, current) = {
            let mut state = self.lock();
            state.dead = true;
            (state.pending.take(), state.current.take())
        };
        self.work.notify_waiters();
        let fail = |request_id: &str, reply: oneshot::Sender<Outcome>| {
            let message = if how == "exit status 0" {
                format!("RequestId: {request_id} Error: Runtime exited without providing a reason")
            } else {
                format!("RequestId: {request_id} Error: Runtime exited with error: {how}")
            };
            let _ = reply.send(Outcome {
                kind: OutcomeKind::Error,
                body: error_payload("Runtime.ExitError", &message),
                runtime_time: None,
            });
        };
        if let Some(invocation) = pending {
            fail(&invocation.request_id, invocation.reply);
        }
        if let Some(current) = current {
            fail(&current.request_id, current.reply);
        }
    }
}

/// `{"errorType":…,"errorMessage":…}`, the shape Lambda gives the errors it
/// makes itself (timeouts, exits).
pub(crate) fn error_payload(error_type: &str, message: &str) -> Bytes {
    let mut map = serde_json::Map::new();
    map.insert("errorType".into(), error_type.into());
    map.insert("errorMessage".into(), message.into());
    Bytes::from(serde_json::Value::Object(map).to_string())
}

/// What one local invocation produced.
pub(crate) struct LocalOutcome {
    pub(crate) outcome: Outcome,
    pub(crate) pid: Option<u32>,
}

pub(crate) struct LocalInvoke {
    pub(crate) request_id: String,
    pub(crate) payload: Bytes,
    pub(crate) invoked_arn: String,
    pub(crate) client_context: Option<String>,
}

/// Why an invocation has no outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Every process is busy and the function throttles instead of waiting.
    Throttled,
    /// [`FunctionPool::shutdown`] began: the invocation was refused, or cut
    /// short when its process was killed. Nothing the function did is
    /// known, so nobody may take this for its answer.
    Stopping,
}

/// How a function's processes are started.
#[derive(Debug, Clone)]
struct Launch {
    program: PathBuf,
    args: Vec<OsString>,
    client: &'static str,
}

/// Shared by every function: configuration and the directory holding our
/// bootstraps.
pub(crate) struct Launcher {
    pub(crate) config: LambdaConfig,
    pub(crate) bootstrap_dir: PathBuf,
}

pub(crate) struct FunctionPool {
    pub(crate) config: FunctionConfig,
    launcher: Arc<Launcher>,
    launch: tokio::sync::OnceCell<Result<Launch, String>>,
    idle: Mutex<Vec<Arc<Slot>>>,
    live: Mutex<HashMap<u64, Arc<Slot>>>,
    permits: Arc<Semaphore>,
    next_slot: AtomicU64,
}

impl FunctionPool {
    pub(crate) fn new(config: FunctionConfig, launcher: Arc<Launcher>) -> FunctionPool {
        let permits = Arc::new(Semaphore::new(config.concurrency as usize));
        FunctionPool {
            config,
            launcher,
            launch: tokio::sync::OnceCell::new(),
            idle: Mutex::new(Vec::new()),
            live: Mutex::new(HashMap::new()),
            permits,
            next_slot: AtomicU64::new(1),
        }
    }

    /// Runs one invocation on a warm process, or on a new one: with the
    /// concurrency `permit` the caller holds ([`Self::try_permit`]), else
    /// once one is free.
    ///
    /// Once it has its permit the invocation runs on a task of its own, so
    /// a caller that stops waiting (a TestState client that hangs up, a
    /// Task timed out by `stepwell run`) cannot leave its process busy: the
    /// function's timeout still kills it, or it goes back to the idle list.
    pub(crate) async fn invoke(
        self: &Arc<Self>,
        request: LocalInvoke,
        permit: Option<OwnedSemaphorePermit>,
    ) -> Result<LocalOutcome, Refused> {
        let permit = match permit {
            Some(permit) => permit,
            None => self.permit().await?,
        };
        let pool = Arc::clone(self);
        let request_id = request.request_id.clone();
        match tokio::spawn(pool.run(request, permit)).await {
            Ok(done) => done,
            Err(_) if self.is_stopping() => Err(Refused::Stopping),
            // Only a bug of ours can get here (the task panicked).
            Err(e) => Ok(LocalOutcome {
                outcome: Outcome {
                    kind: OutcomeKind::Error,
                    body: error_payload(
                        "Runtime.ExitError",
                        &format!("RequestId: {request_id} Error: the invocation stopped: {e}"),
                    ),
                    runtime_time: None,
                },
                pid: None,
            }),
        }
    }

    /// The body of [`Self::invoke`], holding the permit.
    async fn run(
        self: Arc<Self>,
        request: LocalInvoke,
        permit: OwnedSemaphorePermit,
    ) -> Result<LocalOutcome, Refused> {
        let timeout = Duration::from_secs(u64::from(self.config.timeout_seconds));
        let request_id = request.request_id.clone();

        let (reply_tx, reply_rx) = oneshot::channel();
        let (picked_tx, mut picked_rx) = oneshot::channel();
        let mut invocation = Invocation {
            request_id: request.request_id,
            payload: request.payload,
            invoked_arn: request.invoked_arn,
            trace_id: crate::util::trace_id(),
            client_context: request.client_context,
            timeout,
            counted_from: None,
            picked: Some(picked_tx),
            reply: reply_tx,
        };
        let timed_out = || Outcome {
            kind: OutcomeKind::Error,
            body: error_payload(
                "Sandbox.Timedout",
                &format!(
                    "RequestId: {request_id} Error: Task timed out after {:.2} seconds",
                    timeout.as_secs_f64()
                ),
            ),
            runtime_time: Some(timeout),
        };

        // Lambda's Init phase has 10 seconds. One that overruns them is
        // retried at the invocation (on a fresh process, the code loaded
        // again) within the function's timeout, which then counts the
        // init too.
        let mut retry_started: Option<Instant> = None;
        let (slot, picked_at) = loop {
            let slot = match self.place(invocation).await {
                Ok(slot) => slot,
                Err(message) => {
                    let message = format!("RequestId: {request_id} Error: {message}");
                    return self.finish(
                        None,
                        permit,
                        Outcome {
                            kind: OutcomeKind::Error,
                            body: error_payload("Runtime.InvalidEntrypoint", &message),
                            runtime_time: None,
                        },
                    );
                }
            };
            if retry_started.is_none() {
                invocation_started(&self.config.name, &request_id);
            }
            let taken = match retry_started {
                None => tokio::time::timeout(INIT_LIMIT, &mut picked_rx).await,
                Some(from) => {
                    let deadline = tokio::time::Instant::from_std(from + timeout);
                    tokio::time::timeout_at(deadline, &mut picked_rx).await
                }
            };
            match taken {
                Ok(Ok(at)) => break (slot, Some(at)),
                // Answered without being taken: an init error or an exit.
                Ok(Err(_)) => break (slot, None),
                Err(_) => {
                    let back = slot.lock().pending.take();
                    slot.kill();
                    match back {
                        Some(mut again) if retry_started.is_none() => {
                            tracing::debug!(target: "stepwell_lambda", function = %self.config.name, "the init took over 10 s: retried within the invocation");
                            let now = Instant::now();
                            again.counted_from = Some(now);
                            retry_started = Some(now);
                            invocation = again;
                        }
                        Some(_) => return self.finish(Some(&slot), permit, timed_out()),
                        // Taken (or answered) just now: as if in time.
                        None => break (slot, (&mut picked_rx).await.ok()),
                    }
                }
            }
        };
        let reply = match picked_at {
            Some(at) => {
                let deadline = tokio::time::Instant::from_std(at + timeout);
                tokio::time::timeout_at(deadline, reply_rx).await
            }
            None => Ok(reply_rx.await),
        };
        let outcome = match reply {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Outcome {
                // The reply was dropped without an answer: only possible if
                // the slot's state was torn down under us.
                kind: OutcomeKind::Error,
                body: error_payload(
                    "Runtime.ExitError",
                    &format!(
                        "RequestId: {request_id} Error: Runtime exited without providing a reason"
                    ),
                ),
                runtime_time: None,
            },
            Err(_) => {
                slot.kill();
                timed_out()
            }
        };
        self.finish(Some(&slot), permit, outcome)
    }

    /// Hands the invocation to a live process: a warm one, else a new one.
    /// A slot can die between leaving the idle list and being assigned;
    /// then the next one is tried.
    async fn place(self: &Arc<Self>, invocation: Invocation) -> Result<Arc<Slot>, String> {
        loop {
            let slot = match self.take_idle() {
                Some(slot) => slot,
                None => self.spawn().await?,
            };
            {
                let mut state = slot.lock();
                if state.dead {
                    continue;
                }
                state.pending = Some(invocation);
            }
            slot.work.notify_one();
            return Ok(slot);
        }
    }

    /// A free place among the processes this function may run, if there
    /// is one now.
    pub(crate) fn try_permit(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().try_acquire_owned().ok()
    }

    async fn permit(&self) -> Result<OwnedSemaphorePermit, Refused> {
        let permit = if self.config.throttle {
            self.permits.clone().try_acquire_owned().ok()
        } else {
            self.permits.clone().acquire_owned().await.ok()
        };
        match permit {
            Some(permit) => Ok(permit),
            None if self.is_stopping() => Err(Refused::Stopping),
            None => Err(Refused::Throttled),
        }
    }

    fn take_idle(&self) -> Option<Arc<Slot>> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(slot) = idle.pop() {
            if !slot.lock().dead {
                return Some(slot);
            }
        }
        None
    }

    /// Returns the slot to the idle list (or kills it), then frees the
    /// concurrency permit, in that order so a waiter finds the warm slot.
    /// Once [`Self::shutdown`] began, the outcome is not the function's
    /// (its process was killed, or may be any moment): there is none.
    fn finish(
        &self,
        slot: Option<&Arc<Slot>>,
        permit: OwnedSemaphorePermit,
        outcome: Outcome,
    ) -> Result<LocalOutcome, Refused> {
        let pid = slot
            .map(|s| s.pid.load(Ordering::Relaxed))
            .filter(|p| *p != 0);
        if let Some(slot) = slot {
            let retire = {
                let state = slot.lock();
                state.dead
                    || state.retire
                    || (outcome.kind == OutcomeKind::Error
                        && crate::invoke::error_type(&outcome.body).is_some_and(|t| {
                            RETIRING_ERRORS.contains(&t.as_str()) || t == "Sandbox.Timedout"
                        }))
            };
            if retire || self.is_stopping() {
                slot.kill();
            } else {
                self.idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(Arc::clone(slot));
            }
        }
        drop(permit);
        if self.is_stopping() {
            return Err(Refused::Stopping);
        }
        Ok(LocalOutcome { outcome, pid })
    }

    async fn launch(&self) -> Result<Launch, String> {
        self.launch
            .get_or_init(|| resolve_launch(&self.config, &self.launcher))
            .await
            .clone()
    }

    /// Starts a runtime process with its own Runtime API listener.
    async fn spawn(self: &Arc<Self>) -> Result<Arc<Slot>, String> {
        let launch = self.launch().await?;
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| format!("cannot listen for the Runtime API: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("cannot listen for the Runtime API: {e}"))?
            .port();
        let slot = Arc::new(Slot {
            state: Mutex::new(SlotState::default()),
            work: Notify::new(),
            kill: Notify::new(),
            pid: AtomicU32::new(0),
        });
        let router = crate::runtime_api::router(Arc::clone(&slot));
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });

        let mut command = Command::new(&launch.program);
        command
            .args(&launch.args)
            .current_dir(&self.config.code_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // A group of its own, so that a kill reaches what the handler
        // started too (as Lambda ends the whole environment).
        #[cfg(unix)]
        command.process_group(0);
        for (key, _) in std::env::vars_os() {
            let inherited_aws = key.to_str().is_some_and(|k| {
                k.starts_with("AWS_")
                    || k.starts_with("LAMBDA_")
                    || k == "_HANDLER"
                    || k == "_X_AMZN_TRACE_ID"
            });
            if inherited_aws {
                command.env_remove(&key);
            }
        }
        for (key, value) in self.environment(port, launch.client) {
            command.env(key, value);
        }
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                server.abort();
                return Err(format!(
                    "cannot start the runtime `{}`: {e}",
                    launch.program.display()
                ));
            }
        };
        let pid = child.id().unwrap_or(0);
        slot.pid.store(pid, Ordering::Relaxed);
        let name = self.config.name.clone();
        if let Some(out) = child.stdout.take() {
            tokio::spawn(forward_output(out, name.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(forward_output(err, name.clone()));
        }
        let id = self.next_slot.fetch_add(1, Ordering::Relaxed);
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, Arc::clone(&slot));
        if self.is_stopping() {
            // Started as the shutdown collected the processes to kill.
            slot.kill();
        }
        tracing::debug!(target: "stepwell_lambda", function = %name, pid, port, client = launch.client, "runtime process started");
        let pool = Arc::downgrade(self);
        let watched = Arc::clone(&slot);
        tokio::spawn(async move {
            let status = watch(&mut child, &watched).await;
            let how = describe_exit(status);
            tracing::debug!(target: "stepwell_lambda", function = %name, pid, "runtime process ended: {how}");
            watched.exited(&how);
            server.abort();
            if let Some(pool) = pool.upgrade() {
                pool.live
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&id);
            }
        });
        Ok(slot)
    }

    fn environment(&self, port: u16, client: &str) -> Vec<(String, String)> {
        let f = &self.config;
        let cfg = &self.launcher.config;
        let stream = format!(
            "{}/[$LATEST]{:016x}{:016x}",
            crate::util::log_stream_date(),
            crate::util::random_u64(),
            crate::util::random_u64()
        );
        let lambda_endpoint = cfg
            .lambda_endpoint
            .clone()
            .unwrap_or_else(|| cfg.sfn_endpoint.clone());
        let mut env: Vec<(String, String)> = vec![
            ("AWS_LAMBDA_FUNCTION_NAME".into(), f.name.clone()),
            ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
            (
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(),
                f.memory_mb.to_string(),
            ),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME".into(),
                format!("/aws/lambda/{}", f.name),
            ),
            ("AWS_LAMBDA_LOG_STREAM_NAME".into(), stream),
            ("AWS_LAMBDA_INITIALIZATION_TYPE".into(), "on-demand".into()),
            ("AWS_REGION".into(), cfg.region.clone()),
            ("AWS_DEFAULT_REGION".into(), cfg.region.clone()),
            (
                "AWS_EXECUTION_ENV".into(),
                format!("AWS_Lambda_{}", f.runtime.name()),
            ),
            ("LAMBDA_TASK_ROOT".into(), f.code_dir.display().to_string()),
            (
                "LAMBDA_RUNTIME_DIR".into(),
                self.launcher.bootstrap_dir.display().to_string(),
            ),
            ("_HANDLER".into(), f.handler.clone()),
            ("AWS_LAMBDA_RUNTIME_API".into(), format!("127.0.0.1:{port}")),
            ("TZ".into(), ":UTC".into()),
            // AWS SDKs in the handler reach Stepwell, never a real account.
            ("AWS_ENDPOINT_URL".into(), cfg.sfn_endpoint.clone()),
            ("AWS_ENDPOINT_URL_SFN".into(), cfg.sfn_endpoint.clone()),
            ("AWS_ENDPOINT_URL_LAMBDA".into(), lambda_endpoint),
            ("AWS_ACCESS_KEY_ID".into(), "stepwell".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "stepwell".into()),
            ("AWS_SESSION_TOKEN".into(), "stepwell".into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ];
        if matches!(f.runtime, Runtime::Python { .. }) {
            env.push(("PYTHONUNBUFFERED".into(), "1".into()));
        }
        if client == "bootstrap" {
            env.push(("STEPWELL_RUNTIME_CLIENT".into(), "bootstrap".into()));
        }
        env.extend(f.environment.iter().map(|(k, v)| (k.clone(), v.clone())));
        env
    }

    /// Kills every process of this function and waits (briefly) for them.
    pub(crate) async fn shutdown(&self) {
        let slots: Vec<Arc<Slot>> = self
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.permits.close();
        for slot in &slots {
            slot.kill();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline
            && !self
                .live
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_empty()
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Whether [`Self::shutdown`] began.
    pub(crate) fn is_stopping(&self) -> bool {
        self.permits.is_closed()
    }

    /// Processes currently running (busy or idle).
    pub(crate) fn process_count(&self) -> usize {
        self.live.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Drop for FunctionPool {
    /// Dropping the last handle stops the processes even without `shutdown`.
    fn drop(&mut self) {
        for slot in self.live.lock().unwrap_or_else(|p| p.into_inner()).values() {
            slot.kill();
        }
    }
}

/// Waits for the process to end, killing it when the slot asks; either
/// way what is left of its process group (the handler's children) is
/// killed after it.
async fn watch(child: &mut Child, slot: &Slot) -> std::io::Result<ExitStatus> {
    let pid = child.id();
    let status = tokio::select! {
        status = child.wait() => status,
        () = slot.kill.notified() => {
            if let Some(pid) = pid {
                kill_group(pid);
            }
            let _ = child.start_kill();
            child.wait().await
        }
    };
    if let Some(pid) = pid {
        kill_group(pid);
    }
    status
}

/// SIGKILL to the process group `pid` leads (best effort).
fn kill_group(pid: u32) {
    #[cfg(unix)]
    if let Some(group) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// Words as Lambda reports them (Go's `ProcessState` text).
fn describe_exit(status: std::io::Result<ExitStatus>) -> String {
    let status = match status {
        Ok(status) => status,
        Err(e) => return format!("wait failed: {e}"),
    };
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                1 => "hangup".to_string(),
                2 => "interrupt".to_string(),
                6 => "aborted".to_string(),
                9 => "killed".to_string(),
                11 => "segmentation fault".to_string(),
                15 => "terminated".to_string(),
                other => other.to_string(),
            };
            return format!("signal: {name}");
        }
    }
    "exit status unknown".to_string()
}

/// Logs a runtime's output line by line until it closes; bytes that are
/// not UTF-8 are replaced (U+FFFD), never a reason to stop reading, which
/// would leave the handler's next writes failing (EPIPE).
async fn forward_output(stream: impl AsyncRead + Unpin, function: String) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end_matches(['\n', '\r']);
                tracing::info!(target: "stepwell_lambda::logs", function = %function, "{text}");
            }
        }
    }
}

fn invocation_started(function: &str, request_id: &str) {
    tracing::debug!(target: "stepwell_lambda::logs", function = %function, "START RequestId: {request_id} Version: $LATEST");
}

/// Works out the program that runs a function's processes.
async fn resolve_launch(f: &FunctionConfig, launcher: &Launcher) -> Result<Launch, String> {
    let client = launcher.config.runtime_client;
    let bootstrap = |file: &str| launcher.bootstrap_dir.join(file).into_os_string();
    match &f.runtime {
        Runtime::Python { name } => {
            // The exact version when it runs (a pyenv shim may exist for a
            // version that is not installed), else any python3.
            let mut python = None;
            for candidate in [name.as_str(), "python3"] {
                if let Some(path) = which(candidate) {
                    if runs_quietly(&path, &["-c", "import sys"]).await {
                        python = Some(path);
                        break;
                    }
                }
            }
            let python = python
                .ok_or_else(|| format!("cannot find a working `{name}` or `python3` on PATH"))?;
            let use_ric = match client {
                RuntimeClient::Bootstrap => false,
                RuntimeClient::Ric | RuntimeClient::Auto => {
                    let available = runs_quietly(&python, &["-c", "import awslambdaric"]).await;
                    if client == RuntimeClient::Ric && !available {
                        return Err(format!(
                            "the runtime interface client `awslambdaric` is not importable by {}",
                            python.display()
                        ));
                    }
                    available
                }
            };
            if use_ric {
                Ok(Launch {
                    program: python,
                    args: vec!["-m".into(), "awslambdaric".into(), f.handler.clone().into()],
                    client: "ric",
                })
            } else {
                Ok(Launch {
                    program: python,
                    args: vec![bootstrap(crate::PYTHON_BOOTSTRAP_FILE)],
                    client: "bootstrap",
                })
            }
        }
        Runtime::Node { .. } => {
            let ric = match client {
                RuntimeClient::Bootstrap => None,
                RuntimeClient::Ric | RuntimeClient::Auto => {
                    let local = f.code_dir.join("node_modules/.bin/aws-lambda-ric");
                    let found = if local.is_file() {
                        Some(local)
                    } else {
                        which("aws-lambda-ric")
                    };
                    if client == RuntimeClient::Ric && found.is_none() {
                        return Err(
                            "the runtime interface client `aws-lambda-ric` is not installed".into(),
                        );
                    }
                    found
                }
            };
            if let Some(ric) = ric {
                return Ok(Launch {
                    program: ric,
                    args: vec![f.handler.clone().into()],
                    client: "ric",
                });
            }
            let node = which("node").ok_or_else(|| "cannot find `node` on PATH".to_string())?;
            Ok(Launch {
                program: node,
                args: vec![bootstrap(crate::NODE_BOOTSTRAP_FILE)],
                client: "bootstrap",
            })
        }
        Runtime::Provided { .. } => {
            let program = f.code_dir.join("bootstrap");
            if !is_executable(&program) {
                return Err(format!(
                    "Couldn't find valid bootstrap(s): [{}]",
                    program.display()
                ));
            }
            Ok(Launch {
                program,
                args: Vec::new(),
                client: "provided",
            })
        }
    }
}

async fn runs_quietly(program: &Path, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success())
}

/// Looks a program up on PATH (or takes a path with a separator as it is).
fn which(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return is_executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_descriptions_match_lambda() {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                describe_exit(Ok(ExitStatus::from_raw(1 << 8))),
                "exit status 1"
            );
            assert_eq!(describe_exit(Ok(ExitStatus::from_raw(9))), "signal: killed");
        }
    }

    #[test]
    fn error_payloads_put_the_type_first() {
        assert_eq!(
            error_payload("Sandbox.Timedout", "RequestId: x Error: Task timed out after 1.00 seconds"),
            Bytes::from_static(
                br#"{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: x Error: Task timed out after 1.00 seconds"}"#
            )
        );
    }
}
