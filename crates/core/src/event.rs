//! The history vocabulary: every event the interpreter records.
//!
//! Most kinds are AWS history events. A few are *internal* (timers,
//! branch completion): they are stored so a replay reaches exactly the same
//! state, but they get no AWS event id and are left out of the history AWS
//! clients see. Some AWS kinds carry extra internal fields for the same reason
//! (the items a Map iterates over, the state a transition goes to).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stepwell_asl::StateId;

/// Index of a frame: the top-level run, a Parallel branch or a Map iteration.
pub type FrameId = u32;
/// Identifies a scheduled task: the `seq` of its scheduling event.
pub type TaskId = u64;
/// Identifies a timer: the `seq` of the event that started it.
pub type TimerId = u64;
/// Identifies a Distributed Map's read of its items: the `seq` of its
/// `ItemsRequested` event.
pub type ReadId = u64;
/// Identifies a Distributed Map's write of its results: the `seq` of its
/// `ResultsWriteRequested` event.
pub type WriteId = u64;

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the full history, internal events included (1-based).
    pub seq: u64,
    /// The AWS event id; 0 for internal events.
    pub id: u64,
    /// The AWS id of the event that led to this one (0 for the first).
    pub previous_id: u64,
    /// Milliseconds since the Unix epoch, supplied by the caller of `decide`.
    pub timestamp: i64,
    /// The frame the event belongs to.
    pub frame: FrameId,
    pub kind: EventKind,
}

/// What kind of integration a Task state calls; decides the event names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskFlavor {
    /// A bare Lambda function ARN: `LambdaFunction*` events.
    Lambda,
    /// An activity ARN: `Activity*` events.
    Activity,
    /// Any `arn:aws:states:::` integration: `Task*` events.
    Service,
}

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimerPurpose {
    /// A Wait state.
    Wait,
    /// The back-off before retrying the current state, counted against
    /// the retrier with this index.
    Retry(u32),
    /// A task's `TimeoutSeconds`.
    TaskTimeout(TaskId),
    /// A task's `HeartbeatSeconds`.
    Heartbeat(TaskId),
    /// The execution's `TimeoutSeconds`.
    Execution,
    /// AWS's five-minute limit of an EXPRESS execution: wall-clock time,
    /// which a driver's time scale does not shorten
    /// (`Command::StartTimer::scaled`).
    ExpressLimit,
}

/// Serialized (for stores) as `{"t": "<Kind>", ...fields}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum EventKind {
    ExecutionStarted {
        input: Arc<Value>,
        role_arn: String,
    },
    ExecutionSucceeded {
        output: Arc<Value>,
    },
    ExecutionFailed {
        error: String,
        cause: String,
    },
    ExecutionTimedOut {
        error: String,
        cause: String,
    },
    ExecutionAborted {
        error: String,
        cause: String,
    },
    /// RedriveExecution: the execution runs again from the state that ended it.
    ExecutionRedriven {
        redrive_count: u32,
    },
    /// `<Type>StateEntered`.
    StateEntered {
        state: StateId,
        input: Arc<Value>,
    },
    /// `<Type>StateExited`; `next` (internal) is where control goes, `None`
    /// when the frame ends.
    StateExited {
        state: StateId,
        output: Arc<Value>,
        next: Option<StateId>,
        assigned: Vec<(String, Value)>,
    },
    /// `TaskScheduled` / `LambdaFunctionScheduled` / `ActivityScheduled`.
    TaskScheduled {
        flavor: TaskFlavor,
        resource: String,
        parameters: Arc<Value>,
        timeout: Option<u64>,
        heartbeat: Option<u64>,
        /// The callback token (internal), when the pattern uses one.
        token: Option<String>,
        /// The role the Task runs as: its `Credentials`' `RoleArn`,
        /// evaluated (`taskCredentials`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role_arn: Option<String>,
    },
    TaskStarted {
        task: TaskId,
        worker: Option<String>,
    },
    /// `TaskSubmitted`: a `.sync` / `.waitForTaskToken` task was handed over.
    TaskSubmitted {
        task: TaskId,
        output: Arc<Value>,
    },
    TaskSucceeded {
        task: TaskId,
        output: Arc<Value>,
    },
    TaskFailed {
        task: TaskId,
        error: String,
        cause: String,
    },
    TaskTimedOut {
        task: TaskId,
        error: String,
        cause: String,
        /// Internal: its heartbeat timed out (its error is AWS's
        /// `States.Timeout`, which `States.HeartbeatTimeout` also matches).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        heartbeat: bool,
    },
    /// `ParallelStateStarted`; `input` (internal) is what every branch starts with.
    ParallelStarted {
        input: Arc<Value>,
    },
    /// `ParallelStateSucceeded`: every branch succeeded. (Older versions
    /// recorded it as internal, without an id; such events stay hidden.
    /// Recordings made with LocalStack's snapshot tool lost it: see
    /// scripts/history-check.py.)
    ParallelSucceeded,
    ParallelFailed {
        error: String,
        cause: String,
        /// Internal: a retrier takes the error. AWS then records no
        /// `<Type>StateFailed`, only the next `<Type>StateStarted`.
        #[serde(default)]
        retried: bool,
    },
    /// `MapStateStarted`; `items` (internal) are what the iterations run on:
    /// the items, or with an `ItemBatcher` the batches (each child
    /// execution's whole input, ItemSelector already applied to every item).
    MapStarted {
        input: Arc<Value>,
        items: Arc<Vec<Arc<Value>>>,
        max_concurrency: u64,
        tolerated_count: Option<u64>,
        tolerated_percentage: Option<f64>,
        /// Internal: with an `ItemBatcher`, how many items each batch in
        /// `items` holds; empty without one (and in histories from before
        /// batching existed).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        batch_sizes: Vec<u32>,
    },
    MapIterationStarted {
        index: u32,
    },
    MapIterationSucceeded {
        index: u32,
    },
    MapIterationFailed {
        index: u32,
        error: String,
        cause: String,
    },
    MapIterationAborted {
        index: u32,
        /// A Map Run's child execution that StopExecution stopped (the
        /// request's error and cause): it ends ABORTED and counts against
        /// the Map Run's tolerated failures. `None` when the Map aborted
        /// it (the Map failed or was stopped).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stopped: Option<(String, String)>,
    },
    /// A redrive reruns Map iteration `index`, which failed or was aborted
    /// (the event is the iteration's own): it continues from the state it
    /// stopped in. An inline Map's iteration shows as `MapIterationStarted`
    /// again; a Map Run's child execution records `ExecutionRedriven` (its
    /// `RedriveCount` goes up by one).
    MapIterationRedriven {
        index: u32,
    },
    /// `MapRunStarted`: a Distributed Map's iterations run as the child
    /// executions of this Map Run, each with a history of its own (see
    /// [`crate::map_run`]); the parent's history shows none of their events.
    MapRunStarted {
        arn: String,
    },
    /// Internal: a Distributed Map with an `ItemReader` asked the driver to
    /// read its items (`Command::ReadItems`), after `MapRunStarted`, with
    /// its `Parameters`/`Arguments` and `MaxItems` evaluated. AWS records
    /// no event for the read itself.
    ItemsRequested {
        resource: String,
        parameters: Arc<Value>,
        max_items: Option<u64>,
    },
    /// Internal: the items were read (`items`: the items, or with an
    /// `ItemBatcher` the batches, as in `MapStarted`); recorded so a replay
    /// never reads again.
    ItemsRead {
        items: Arc<Vec<Arc<Value>>>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        batch_sizes: Vec<u32>,
    },
    /// Internal: a Distributed Map with a `ResultWriter` that exports its
    /// results: the Map Run's children are done (`failure`: the error the
    /// Map Run then fails with, if it fails), `Parameters`/`Arguments`
    /// evaluated (`Bucket`, `Prefix`). `apply` works out the files from the
    /// recorded children and the driver writes them
    /// (`Command::WriteResults`); the Map Run ends when they are written.
    ResultsWriteRequested {
        bucket: String,
        prefix: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failure: Option<(String, String)>,
    },
    /// Internal: the results were written (`error`: why they could not
    /// be, the cause of `States.ResultWriterFailed`); recorded so a replay
    /// never writes again.
    ResultsWritten {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    MapRunSucceeded,
    /// `MapRunRedriven`: a redrive reruns the Map Run's unsuccessful child
    /// executions (after the Map's [`EventKind::FanRedriven`]);
    /// `redrive_count` counts this one.
    MapRunRedriven {
        arn: String,
        redrive_count: u32,
    },
    MapRunFailed {
        error: String,
        cause: String,
    },
    /// Internal: UpdateMapRun changed a running Map Run's settings (a field
    /// left out keeps its value).
    MapRunUpdated {
        max_concurrency: Option<u64>,
        tolerated_count: Option<u64>,
        tolerated_percentage: Option<f64>,
    },
    MapSucceeded,
    MapFailed {
        error: String,
        cause: String,
        /// Internal: a retrier takes the error. AWS then records no
        /// `<Type>StateFailed`, only the next `<Type>StateStarted`.
        #[serde(default)]
        retried: bool,
    },
    /// `EvaluationFailed`: evaluating one of the state's expressions failed
    /// (`States.QueryEvaluationError`); AWS records it before whatever
    /// follows the error (a retry, a catcher, the state's or the execution's
    /// failure). Informational: `apply` changes nothing.
    EvaluationFailed {
        state: StateId,
        error: String,
        cause: String,
        /// The field whose expression failed, when the error names one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<String>,
    },
    /// A redrive continues a Parallel or Map that failed or was stopped
    /// (recorded right after its `<Type>StateEntered`): the branches or
    /// iterations that succeeded keep their results, the others run again
    /// (Map iterations each with [`EventKind::MapIterationRedriven`]). Shown
    /// as `ParallelStateStarted` / `MapStateStarted`.
    FanRedriven,
    /// `<Type>StateAborted`: the frame holding the state was cancelled.
    StateAborted {
        state: StateId,
    },
    /// Internal: a Parallel branch ended (its result is the frame's last output).
    BranchSucceeded,
    /// Internal: a Parallel branch failed.
    BranchFailed {
        error: String,
        cause: String,
    },
    /// Internal: a timer was armed.
    TimerStarted {
        purpose: TimerPurpose,
        fire_at: i64,
    },
    /// Internal: a timer fired (its effect follows as further events).
    TimerFired {
        timer: TimerId,
    },
    /// Internal: a heartbeat arrived for a task.
    TaskHeartbeat {
        task: TaskId,
    },
}

impl EventKind {
    /// Whether this event, once recorded, is the `previousEventId` of its
    /// frame's next event: whether it moves the frame's chain
    /// (the frame's `last_id`).
    ///
    /// The rule, read off AWS's recorded histories: an event follows its
    /// frame's chain and becomes it, except these markers, which follow it
    /// and leave it where it was: `ExecutionStarted` (the first state
    /// follows event 0), `MapIterationStarted` (in the Map's frame; the
    /// iteration's chain starts at it), `<Type>StateAborted`,
    /// `MapIterationFailed`, `MapIterationAborted`, `MapRunSucceeded` and the
    /// Parallel's and Map's `<Type>StateSucceeded`. When a branch or
    /// iteration ends, its parent's chain becomes the child's: a Parallel's
    /// end follows the last event of the branch that ended it, a Map's its
    /// last iteration's `MapIterationSucceeded`, or the failing iteration's
    /// last state event. Which event a marker follows is
    /// `Execution::previous_id`'s (among them a Map Run child's redrive, its
    /// `ExecutionRedriven`, which follows the child's `ExecutionFailed`).
    pub fn advances_chain(&self) -> bool {
        !matches!(
            self,
            EventKind::ExecutionStarted { .. }
                | EventKind::MapIterationStarted { .. }
                | EventKind::StateAborted { .. }
                | EventKind::MapIterationFailed { .. }
                | EventKind::MapIterationAborted { .. }
                | EventKind::MapRunSucceeded
                | EventKind::ParallelSucceeded
                | EventKind::MapSucceeded
        )
    }

    /// Whether this event ends the branch or iteration it is recorded in
    /// (successfully or not).
    pub(crate) fn ends_child(&self) -> bool {
        matches!(
            self,
            EventKind::BranchSucceeded
                | EventKind::BranchFailed { .. }
                | EventKind::MapIterationSucceeded { .. }
                | EventKind::MapIterationFailed { .. }
        )
    }

    /// Whether AWS records this event (and so it gets an AWS id).
    pub fn is_visible(&self) -> bool {
        !matches!(
            self,
            EventKind::BranchSucceeded
                | EventKind::ParallelFailed { retried: true, .. }
                | EventKind::MapFailed { retried: true, .. }
                | EventKind::BranchFailed { .. }
                | EventKind::TimerStarted { .. }
                | EventKind::TimerFired { .. }
                | EventKind::TaskHeartbeat { .. }
                | EventKind::MapRunUpdated { .. }
                | EventKind::ItemsRequested { .. }
                | EventKind::ItemsRead { .. }
                | EventKind::ResultsWriteRequested { .. }
                | EventKind::ResultsWritten { .. }
        )
    }
}
