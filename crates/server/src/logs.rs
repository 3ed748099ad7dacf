//! Execution logs as Step Functions sends them to CloudWatch Logs, written
//! to a directory standing for it (`--logs-dir`).
//!
//! An execution whose state machine revision has a `loggingConfiguration`
//! with a level other than `OFF` logs the events of its history that the
//! level admits (AWS's "Log levels" table), each as one line of JSON in the
//! record's shape:
//! `{"id", "type", "details", "previous_event_id", "event_timestamp",
//! "execution_arn", "redrive_count"}` (numbers as strings, the timestamp in
//! milliseconds, `details` the history event's details object). With
//! `includeExecutionData: false` the details leave out the execution's
//! data (`input`, `output`, `parameters`, `assignedVariables`) and their
//! `…Details` (recorded against AWS). This is how
//! AWS keeps an EXPRESS execution's history, which GetExecutionHistory
//! does not serve.
//!
//! The log group `arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*` is the
//! directory `<dir>/NAME` (each `/` of the name a level); each state machine
//! writes `<state machine name>.log` there.
//!
//! As AWS's, the logs are best effort and never slow an execution: the
//! runtime hands each committed decision's events to one writer thread
//! (and drops them when it is far behind); the writer keeps its own replay
//! of each execution it logs, to describe each event as the history would
//! ([`HistoryRenderer`]). When the events it gets do not follow on from
//! what it has (it dropped some, the execution was parked or taken over
//! from another node), it replays the execution's stored history first;
//! an EXPRESS execution has none, and logs nothing more.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use stepwell_asl::StateMachine;
use stepwell_core::{Event, ExecutionInfo, HistoryRenderer};
use stepwell_store::Store;

/// How many decisions may wait for the writer before more are dropped.
const BACKLOG: usize = 16 * 1024;
/// An execution the writer has not heard of for this long is forgotten
/// (a later event replays it from the store).
const IDLE: Duration = Duration::from_secs(300);
/// At most this many log files are kept open.
const OPEN_FILES: usize = 256;

/// `loggingConfiguration.level`, when it is not `OFF`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    All,
    Error,
    Fatal,
}

impl Level {
    /// Whether a history event of type `ty` is logged at this level.
    fn admits(self, ty: &str) -> bool {
        let fatal = matches!(
            ty,
            "ExecutionAborted" | "ExecutionFailed" | "ExecutionTimedOut"
        );
        match self {
            Level::All => true,
            Level::Fatal => fatal,
            // AWS's table: every event of a failure, abort or time-out,
            // and FailStateEntered. (It lists no activity or Map Run
            // events; their failures are errors too.)
            Level::Error => {
                fatal
                    || ty == "FailStateEntered"
                    || ty.ends_with("Failed")
                    || ty.ends_with("TimedOut")
                    || ty.ends_with("Aborted")
            }
        }
    }
}

/// Where and what an execution logs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Destination {
    level: Level,
    /// `includeExecutionData`.
    data: bool,
    file: PathBuf,
}

impl Destination {
    /// Where executions of a revision with `config` (its
    /// `loggingConfiguration`) of state machine `machine` log under `dir`.
    /// `None`: they log nothing (no configuration, level `OFF`, or a log
    /// group name that is no path under `dir`).
    pub(crate) fn of(dir: &Path, config: &Value, machine: &str) -> Option<Destination> {
        let level = match config.get("level").and_then(Value::as_str)? {
            "ALL" => Level::All,
            "ERROR" => Level::Error,
            "FATAL" => Level::Fatal,
            _ => return None,
        };
        let arn = config
            .pointer("/destinations/0/cloudWatchLogsLogGroup/logGroupArn")
            .and_then(Value::as_str)?;
        let group = group_name(arn)?;
        let mut file = dir.to_path_buf();
        for part in group.split('/').filter(|p| !p.is_empty()) {
            if part == "." || part == ".." {
                return None;
            }
            file.push(part);
        }
        file.push(format!("{machine}.log"));
        Some(Destination {
            level,
            data: config
                .get("includeExecutionData")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            file,
        })
    }
}

/// The log group's name in its ARN
/// (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`).
fn group_name(arn: &str) -> Option<&str> {
    let (_, rest) = arn.split_once(":log-group:")?;
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    (!name.is_empty()).then_some(name)
}

/// One execution that logs: what the writer needs to describe its events.
#[derive(Debug)]
pub(crate) struct Target {
    pub dest: Destination,
    pub plan: Arc<StateMachine>,
    pub info: ExecutionInfo,
    /// Its history is in the store (STANDARD), so the writer can catch up.
    pub stored: bool,
}

struct Batch {
    target: Arc<Target>,
    events: Vec<Event>,
    redrive_count: u32,
}

/// The handle the runtime sends events through.
pub struct Logs {
    tx: mpsc::SyncSender<Batch>,
    dir: PathBuf,
}

impl Logs {
    /// Start the writer for `dir`; `store` gives it the histories it must
    /// catch up on.
    pub fn start(dir: PathBuf, store: Arc<dyn Store>) -> std::io::Result<Logs> {
        let (tx, rx) = mpsc::sync_channel(BACKLOG);
        let writer = Writer {
            store,
            sessions: HashMap::new(),
            files: HashMap::new(),
        };
        std::thread::Builder::new()
            .name("stepwell-logs".into())
            .spawn(move || writer.run(rx))?;
        Ok(Logs { tx, dir })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Log `events` (just recorded) of the execution `target` describes.
    pub(crate) fn send(&self, target: &Arc<Target>, events: &[Event], redrive_count: u32) {
        if events.is_empty() {
            return;
        }
        let batch = Batch {
            target: target.clone(),
            events: events.to_vec(),
            redrive_count,
        };
        if let Err(mpsc::TrySendError::Full(_)) = self.tx.try_send(batch) {
            tracing::debug!(execution = %target.info.id, "the log writer is behind: events dropped");
        }
    }
}

/// What the writer knows of one execution.
struct Session {
    renderer: HistoryRenderer<'static>,
    /// `seq` of the event it expects next.
    next: u64,
    used: Instant,
}

struct Writer {
    store: Arc<dyn Store>,
    sessions: HashMap<String, Session>,
    files: HashMap<PathBuf, File>,
}

impl Writer {
    fn run(mut self, rx: mpsc::Receiver<Batch>) {
        let mut swept = Instant::now();
        loop {
            match rx.recv_timeout(IDLE / 4) {
                Ok(batch) => self.log(batch),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
            if swept.elapsed() >= IDLE / 4 {
                self.sessions.retain(|_, s| s.used.elapsed() < IDLE);
                swept = Instant::now();
            }
        }
    }

    fn log(&mut self, batch: Batch) {
        let Batch {
            target,
            events,
            redrive_count,
        } = batch;
        let Some(first) = events.first().map(|e| e.seq) else {
            return;
        };
        let arn = &target.info.id;
        let session = match self.sessions.remove(arn) {
            Some(s) if s.next == first => Some(s),
            _ => self.resume(&target, first),
        };
        let Some(mut session) = session else {
            return;
        };
        let mut lines = String::new();
        let mut ended = false;
        for e in &events {
            match session.renderer.push(e) {
                Ok(Some(event)) => {
                    let ty = event.get("type").and_then(Value::as_str).unwrap_or("");
                    ended |= matches!(
                        ty,
                        "ExecutionSucceeded"
                            | "ExecutionFailed"
                            | "ExecutionAborted"
                            | "ExecutionTimedOut"
                    );
                    if target.dest.level.admits(ty) {
                        lines.push_str(&record(event, &target, redrive_count).to_string());
                        lines.push('\n');
                    }
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(execution = %arn, error = %err, "cannot log the execution's events");
                    return;
                }
            }
            session.next = e.seq + 1;
        }
        session.used = Instant::now();
        // An ended execution is forgotten (a redrive catches up again).
        if !ended {
            self.sessions.insert(arn.clone(), session);
        }
        if !lines.is_empty() {
            self.append(&target.dest.file, &lines);
        }
    }

    /// A session for an execution whose events so far the writer has not
    /// seen all of: its stored history up to `first`.
    fn resume(&self, target: &Target, first: u64) -> Option<Session> {
        let mut renderer = HistoryRenderer::new(target.plan.clone(), &target.info);
        let arn = &target.info.id;
        if first > 1 {
            if !target.stored {
                tracing::debug!(execution = %arn, "some of the execution's events were not logged; it logs no more (its history is not stored)");
                return None;
            }
            let events = match self.store.events(arn) {
                Ok(events) => events,
                Err(e) => {
                    tracing::warn!(execution = %arn, error = %e, "cannot read the history to log the execution's events");
                    return None;
                }
            };
            let before: Vec<&Event> = events.iter().take_while(|e| e.seq < first).collect();
            if before.last().map(|e| e.seq + 1) != Some(first) {
                tracing::warn!(execution = %arn, "the stored history does not reach the events to log");
                return None;
            }
            for e in before {
                if let Err(err) = renderer.push(e) {
                    tracing::warn!(execution = %arn, error = %err, "cannot log the execution's events");
                    return None;
                }
            }
        }
        Some(Session {
            renderer,
            next: first,
            used: Instant::now(),
        })
    }

    fn append(&mut self, path: &Path, lines: &str) {
        if !self.files.contains_key(path) {
            if self.files.len() >= OPEN_FILES {
                self.files.clear();
            }
            let opened = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| File::options().create(true).append(true).open(path));
            match opened {
                Ok(f) => {
                    self.files.insert(path.to_path_buf(), f);
                }
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "cannot open the log file");
                    return;
                }
            }
        }
        if let Some(f) = self.files.get_mut(path) {
            if let Err(e) = f.write_all(lines.as_bytes()) {
                tracing::warn!(file = %path.display(), error = %e, "cannot write the log file");
                self.files.remove(path);
            }
        }
    }
}

/// The log record of one rendered history event.
fn record(event: Value, target: &Target, redrive_count: u32) -> Value {
    let Value::Object(event) = event else {
        return Value::Null;
    };
    let number = |key: &str| {
        event
            .get(key)
            .map(|v| Value::String(v.to_string()))
            .unwrap_or_else(|| Value::String("0".into()))
    };
    let ms = event
        .get("timestamp")
        .and_then(Value::as_f64)
        .map_or(0, |s| (s * 1000.0).round() as i64);
    let mut details = event
        .iter()
        .find(|(k, _)| k.ends_with("EventDetails"))
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| Value::Object(Map::new()));
    if !target.dest.data {
        if let Value::Object(d) = &mut details {
            // The data and what describes it (recorded: `{"name": …}`
            // only, no `inputDetails`).
            for key in [
                "input",
                "inputDetails",
                "output",
                "outputDetails",
                "parameters",
                "assignedVariables",
                "assignedVariablesDetails",
            ] {
                d.shift_remove(key);
            }
        }
    }
    let mut out = Map::new();
    out.insert("id".into(), number("id"));
    out.insert(
        "type".into(),
        event.get("type").cloned().unwrap_or(Value::Null),
    );
    out.insert("details".into(), details);
    out.insert("previous_event_id".into(), number("previousEventId"));
    out.insert("event_timestamp".into(), Value::String(ms.to_string()));
    out.insert(
        "execution_arn".into(),
        Value::String(target.info.id.clone()),
    );
    out.insert(
        "redrive_count".into(),
        Value::String(redrive_count.to_string()),
    );
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(level: &str, data: bool, group: &str) -> Value {
        json!({
            "level": level,
            "includeExecutionData": data,
            "destinations": [{"cloudWatchLogsLogGroup": {
                "logGroupArn": format!("arn:aws:logs:us-east-1:123456789012:log-group:{group}:*")
            }}]
        })
    }

    #[test]
    fn a_log_group_is_a_directory_and_a_state_machine_a_file_in_it() {
        let dir = Path::new("/logs");
        let d = Destination::of(
            dir,
            &config("ALL", true, "/aws/vendedlogs/states/orders"),
            "m",
        )
        .expect("logged");
        assert_eq!(
            d.file,
            Path::new("/logs/aws/vendedlogs/states/orders/m.log")
        );
        assert!(d.data);
        for off in [
            config("OFF", true, "g"),
            json!({"level": "ALL"}),
            json!({}),
            config("ALL", true, "a/../../etc"),
            config("ALL", true, "."),
        ] {
            assert_eq!(Destination::of(dir, &off, "m"), None, "{off}");
        }
    }

    #[test]
    fn levels_admit_what_aws_table_says() {
        for ty in ["ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"] {
            assert!(Level::Fatal.admits(ty) && Level::Error.admits(ty), "{ty}");
        }
        for ty in [
            "FailStateEntered",
            "TaskFailed",
            "TaskTimedOut",
            "TaskStateAborted",
            "LambdaFunctionScheduleFailed",
            "MapIterationFailed",
            "ParallelStateFailed",
            "WaitStateAborted",
            "TaskSubmitFailed",
        ] {
            assert!(Level::Error.admits(ty) && !Level::Fatal.admits(ty), "{ty}");
        }
        for ty in [
            "ExecutionStarted",
            "TaskSucceeded",
            "PassStateExited",
            "MapStateStarted",
        ] {
            assert!(Level::All.admits(ty) && !Level::Error.admits(ty), "{ty}");
        }
    }
}
