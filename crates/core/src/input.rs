//! What comes into the interpreter ([`Input`]) and what it asks the world to
//! do ([`Command`]).

use std::sync::Arc;

use serde_json::Value;

use stepwell_asl::{ReaderConfig, ReaderResource};

use crate::errors::names;
use crate::event::{ReadId, TaskFlavor, TaskId, TimerId, WriteId};

/// Facts about an execution known when it starts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExecutionInfo {
    /// The execution ARN.
    pub id: String,
    pub name: String,
    pub state_machine_id: String,
    pub state_machine_name: String,
    /// The execution role; empty when there is none (a TestState request
    /// without `roleArn`), which `$$.Execution.RoleArn` shows as null.
    pub role_arn: String,
    pub input: Arc<Value>,
    /// An EXPRESS execution.
    pub express: bool,
    /// An EXPRESS execution its caller waits for (StartSyncExecution, or
    /// `stepwell run`): its context object has no `RedriveCount`.
    pub sync: bool,
    /// The version it was started through, directly or by an alias.
    pub version_arn: Option<String>,
    /// The alias it was started through.
    pub alias_arn: Option<String>,
}

/// Something that happened outside the interpreter.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Start the execution.
    Start,
    /// A task's worker picked it up (activities); other tasks start at once.
    TaskStarted {
        task: TaskId,
        worker: Option<String>,
    },
    TaskSucceeded {
        task: TaskId,
        output: Value,
    },
    TaskFailed {
        task: TaskId,
        error: String,
        cause: String,
    },
    TaskHeartbeat {
        task: TaskId,
    },
    /// A `.sync` or `.waitForTaskToken` task was handed over (`output`: what
    /// the call that submitted it answered); its result comes later.
    TaskSubmitted {
        task: TaskId,
        output: Value,
    },
    /// A task runner saw the task time out (a mocked `States.Timeout` or
    /// `States.HeartbeatTimeout`): recorded as `TaskTimedOut` (and
    /// `LambdaFunctionTimedOut`, `ActivityTimedOut`), like the core's own
    /// timeouts.
    TaskTimedOut {
        task: TaskId,
        error: String,
        cause: String,
    },
    TimerFired {
        timer: TimerId,
    },
    /// StopExecution.
    Stop {
        error: String,
        cause: String,
    },
    /// The driver fails the execution (`ExecutionFailed`): AWS does so to
    /// a running execution whose state machine was deleted, at its next
    /// state transition (an input it [`awaits`](crate::Execution::awaits)).
    Fail {
        error: String,
        cause: String,
    },
    /// RedriveExecution: run a FAILED, TIMED_OUT or ABORTED execution again
    /// from the top-level state it stopped in (a Parallel or Map state runs
    /// again whole).
    Redrive,
    /// The driver read a Distributed Map's items (`Command::ReadItems`):
    /// the items, or why they could not be read (the cause of the
    /// Map Run's `States.ItemReaderFailed`).
    ItemsRead {
        read: ReadId,
        result: Result<Vec<Value>, String>,
    },
    /// The driver wrote a Distributed Map's results
    /// (`Command::WriteResults`), or could not (`Err`: the cause of the
    /// Map Run's `States.ResultWriterFailed`).
    ResultsWritten {
        write: WriteId,
        result: Result<(), String>,
    },
    /// StopExecution of a Map Run's child execution: child `index` of the
    /// Map Run `map_run` stops (ABORTED, with this error and cause) if it
    /// runs.
    StopChild {
        map_run: String,
        index: u32,
        error: String,
        cause: String,
    },
    /// UpdateMapRun: new settings for the running Map Run `arn` (a field
    /// left out keeps its value).
    UpdateMapRun {
        arn: String,
        max_concurrency: Option<u64>,
        tolerated_count: Option<u64>,
        tolerated_percentage: Option<f64>,
    },
}

impl Input {
    /// A mocked task failure: `States.Timeout` and `States.HeartbeatTimeout`
    /// are timeouts (what AWS recorded for them in the runs the mocks come
    /// from), any other error a failure.
    pub fn mocked_failure(task: TaskId, error: String, cause: String) -> Input {
        if error == names::TIMEOUT || error == names::HEARTBEAT_TIMEOUT {
            Input::TaskTimedOut { task, error, cause }
        } else {
            Input::TaskFailed { task, error, cause }
        }
    }
}

/// An effect the interpreter asks for. Ids are derived from the events that
/// caused them, so carrying a command out twice is harmless.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    RunTask(TaskRequest),
    CancelTask {
        task: TaskId,
    },
    StartTimer {
        timer: TimerId,
        fire_at: i64,
        /// Whether a driver's time scale (`--wait-scale`) applies to it:
        /// to every timer but an EXPRESS execution's five-minute limit.
        scaled: bool,
    },
    CancelTimer {
        timer: TimerId,
    },
    /// Read a Distributed Map's items (its `ItemReader`); the answer comes
    /// back as `Input::ItemsRead`.
    ReadItems(ReadRequest),
    /// Write a Distributed Map's results (its `ResultWriter`); the answer
    /// comes back as `Input::ResultsWritten`.
    WriteResults(WriteRequest),
    /// The execution ended; the status and result are in the last event.
    Finished,
}

/// Everything a reader needs to read one Distributed Map's items.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadRequest {
    pub read: ReadId,
    /// The Map state's name.
    pub state_name: String,
    pub resource: ReaderResource,
    /// `Parameters` / `Arguments` evaluated (`Bucket`, `Key`, `Prefix`...).
    pub parameters: Arc<Value>,
    pub config: ReaderConfig,
    /// `MaxItems` evaluated: read no more than this many items.
    pub max_items: Option<u64>,
}

/// Everything a writer needs to write one Map Run's results: the objects,
/// already rendered, in the order to write them (the manifest last).
#[derive(Debug, Clone, PartialEq)]
pub struct WriteRequest {
    pub write: WriteId,
    /// The Map state's name.
    pub state_name: String,
    pub bucket: String,
    /// `(key, content)` of each object.
    pub objects: Vec<(String, Arc<String>)>,
}

/// Everything a task runner needs to run one task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRequest {
    pub task: TaskId,
    pub flavor: TaskFlavor,
    /// The Task state's name (mocks are keyed by it).
    pub state_name: String,
    pub resource: String,
    pub payload: Arc<Value>,
    pub token: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub heartbeat_seconds: Option<u64>,
    /// The execution the task runs in, as `$$.Execution.Id` names it (in a
    /// Distributed Map, the Map Run's child execution), and its state
    /// machine (`$$.StateMachine.Id`). AWS names them in some calls: an
    /// EventBridge entry's `Resources`.
    pub execution_arn: String,
    pub state_machine_arn: String,
}

impl TaskRequest {
    /// Whether the task runs in two steps, as AWS records them: it is
    /// submitted (`TaskSubmitted`), then its result comes (a `.sync` job ends,
    /// a `.waitForTaskToken` callback arrives).
    pub fn is_submitted_first(&self) -> bool {
        self.resource.starts_with("arn:aws:states:::")
            && (self.resource.ends_with(".sync")
                || self.resource.ends_with(".sync:2")
                || self.resource.ends_with(".waitForTaskToken"))
    }
}
