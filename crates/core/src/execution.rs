//! The in-memory state of one execution, and [`Execution::apply`], the only
//! function that changes it.
//!
//! Live runs and replays both go through `apply`, so they cannot diverge:
//! `decide` works out the next event, applies it, and looks again.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use serde_json::{Map as JsonMap, Value};
use stepwell_asl::{ExecutionType, MachineId, State, StateId, StateKind, StateMachine};

use crate::errors::StateError;
use crate::event::{Event, EventKind, FrameId, ReadId, TaskId, TimerId, TimerPurpose, WriteId};
use crate::input::{Command, ExecutionInfo, Input, ReadRequest, TaskRequest, WriteRequest};
use crate::limits::json_size;

/// Where an execution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    NotStarted,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl Status {
    /// The AWS `ExecutionStatus` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotStarted | Status::Running => "RUNNING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED_OUT",
            Status::Aborted => "ABORTED",
        }
    }
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Succeeded(Arc<Value>),
    Failed(StateError),
}

/// A history that cannot have come from this definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("nondeterminism at event {seq}: {message}")]
    Nondeterminism { seq: u64, message: String },
}

/// One execution's state.
#[derive(Debug, Clone)]
pub struct Execution {
    pub(crate) plan: Arc<StateMachine>,
    pub(crate) info: ExecutionInfo,
    pub(crate) frames: Vec<Frame>,
    pub(crate) status: Status,
    /// `seq` of the last event applied.
    pub(crate) seq: u64,
    /// AWS id of the last visible event of each history: 0 is the
    /// execution's own, the others the child executions of Distributed Map
    /// iterations (ids start again at 1 in each; see [`EventScope`]).
    pub(crate) scope_ids: Vec<u64>,
    pub(crate) start_time: i64,
    pub(crate) tasks: BTreeMap<TaskId, (FrameId, TaskRequest)>,
    /// The running tasks that recorded `TaskSubmitted`.
    pub(crate) submitted: BTreeSet<TaskId>,
    /// The `ItemReader` reads under way, by the Map frame waiting for each
    /// (its `Fan::read` holds the request).
    pub(crate) reads: BTreeMap<ReadId, FrameId>,
    /// The `ResultWriter` writes under way, by the Map frame waiting for
    /// each (its `Fan::write` holds the request).
    pub(crate) writes: BTreeMap<WriteId, FrameId>,
    pub(crate) timers: BTreeMap<TimerId, Timer>,
    pub(crate) outcome: Option<Outcome>,
    /// How many times the execution was redriven (`$$.Execution.RedriveCount`).
    pub(crate) redrive_count: u32,
    /// The size (compact JSON bytes) of every variable still in scope: the
    /// variables of every frame that has not ended (AWS: "The total size of
    /// all stored variables cannot exceed 10MiB per execution").
    pub(crate) vars_bytes: usize,
    /// TestState's `context`: fields laid over the context object the
    /// execution would build (never set for an execution).
    pub(crate) context_override: Option<Arc<Value>>,
    /// TestState: the name `$$.State.Name` shows, whatever the tested
    /// state is called (never set for an execution).
    pub(crate) context_state_name: Option<&'static str>,
    /// The activities the driver found missing, of those the state
    /// machine names ([`Execution::set_missing_activities`]): what the
    /// driver knows of the world, like `now`, read only by `decide`; what
    /// it decided is recorded in the events, so a replay never reads it.
    pub(crate) missing_activities: Vec<String>,
}

/// Two executions are equal when they are in the same state; the plan (shared,
/// immutable) is not compared.
impl PartialEq for Execution {
    fn eq(&self, other: &Self) -> bool {
        self.info == other.info
            && self.frames == other.frames
            && self.status == other.status
            && self.seq == other.seq
            && self.scope_ids == other.scope_ids
            && self.start_time == other.start_time
            && self.tasks == other.tasks
            && self.submitted == other.submitted
            && self.reads == other.reads
            && self.writes == other.writes
            && self.timers == other.timers
            && self.outcome == other.outcome
            && self.redrive_count == other.redrive_count
            && self.vars_bytes == other.vars_bytes
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Timer {
    pub frame: FrameId,
    pub purpose: TimerPurpose,
    pub fire_at: i64,
}

/// A line of control: the top level, a Parallel branch or a Map iteration.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frame {
    pub machine: MachineId,
    pub parent: Option<FrameId>,
    /// Branch or iteration index within the parent.
    pub index: u32,
    pub state: StateId,
    /// The raw input of the current state.
    pub input: Arc<Value>,
    /// AWS id of the current state's `StateEntered` event.
    pub entered_id: u64,
    pub entered_at: i64,
    /// The frame's chain: the AWS id its next visible event follows
    /// (`previousEventId`), its last event that moves the chain
    /// ([`EventKind::advances_chain`]).
    pub last_id: u64,
    /// The history (index into `Execution::scope_ids`) the frame's events go to.
    pub scope: u32,
    /// When the frame was created, and the input of its first state: for a
    /// Map Run's child execution, its `StartTime` and `Input`.
    pub created_at: i64,
    /// When a Map iteration ended (its child execution's `StopDate`).
    pub ended_at: i64,
    pub first_input: Option<Arc<Value>>,
    pub phase: Phase,
    /// Attempts used per retrier of the current state.
    pub attempts: Vec<u32>,
    pub retry_count: u32,
    /// Variables assigned in this frame's scope. Emptied when the frame
    /// ends: a branch's or iteration's variables go out of scope with it.
    pub vars: JsonMap<String, Value>,
    /// The size of `vars` (sum of the values' compact JSON sizes).
    pub vars_bytes: usize,
    /// The children of the Parallel or Map the frame's current state ran,
    /// kept when that state failed or was stopped, so a redrive can rerun
    /// only the children that did not succeed (see [`crate::redrive`]).
    pub kept: Option<Box<Kept>>,
    /// How many times a redrive reran this frame (a Map Run's child
    /// execution: its `RedriveCount`).
    pub redrives: u32,
}

/// A failed or stopped Parallel's or Map's children, kept for a redrive.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Kept {
    pub fan: Box<Fan>,
    /// The error the state failed with (`None`: it was stopped).
    pub error: Option<StateError>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Phase {
    /// Created; no state entered yet.
    Idle,
    /// A state was entered (or is being retried) and must run.
    Entered,
    Task {
        task: TaskId,
        timeout_timer: Option<TimerId>,
        heartbeat_timer: Option<TimerId>,
    },
    /// A Wait or a retry back-off.
    Timer(TimerId),
    /// A Wait state's timer fired.
    WaitDone,
    /// A task, Parallel or Map result waiting for result processing.
    Result(Arc<Value>),
    /// An error the state's Retry/Catch must handle.
    Error(StateError),
    Fan(Box<Fan>),
    Exited {
        output: Arc<Value>,
        next: Option<StateId>,
    },
    Succeeded(Arc<Value>),
    Failed(StateError),
    Aborted,
    /// A redrive will run the frame again (a branch or iteration that
    /// failed, with its error, or was stopped), from the state it stopped in.
    Redrive(Option<StateError>),
}

/// The children of a running Parallel or Map state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fan {
    pub is_map: bool,
    /// The state's effective input (Parallel branches' input; `$` of ItemSelector).
    pub input: Arc<Value>,
    /// Map items, each shared with the iteration that runs on it.
    pub items: Arc<Vec<Arc<Value>>>,
    /// Child frames by index, for the children started so far.
    pub children: Vec<FrameId>,
    pub results: Vec<Option<Arc<Value>>>,
    pub total: u32,
    pub running: u32,
    pub finished: u32,
    pub failed: u32,
    pub max_concurrency: u64,
    pub tolerated_count: Option<u64>,
    pub tolerated_percentage: Option<f64>,
    /// A batched Map's batch sizes, by child index (empty without an
    /// `ItemBatcher`: every child then runs one item).
    pub batch_sizes: Vec<u32>,
    /// The items of all children (`total` without an `ItemBatcher`), and of
    /// those that failed: the tolerated failure thresholds count items.
    pub total_items: u64,
    pub failed_items: u64,
    pub failure: Option<StateError>,
    /// The Map Run's ARN, once a Distributed Map started one
    /// (`MapRunStarted`): each iteration is then a child execution.
    pub map_run: Option<String>,
    /// Where an `ItemReader`'s read stands.
    pub read: Read,
    /// Where a `ResultWriter`'s write stands.
    pub write: Write,
    /// How many times a redrive reran the Map Run (`MapRunRedriven`).
    pub redrive_count: u32,
    /// The Map iterations a redrive reruns that have not restarted yet, in
    /// index order (each restarts with `MapIterationRedriven`).
    pub to_redrive: VecDeque<FrameId>,
    /// The AWS id of the event that started the children
    /// (`ParallelStateStarted`, `MapStateStarted`, or a redrive's): the
    /// `previousEventId` of a `MapIterationStarted` that takes no freed slot.
    pub chain_start: u64,
    /// With a `MaxConcurrency`, the chains of the iterations that ended
    /// (before their `MapIteration<Outcome>`), oldest first, not yet taken
    /// by a new iteration: the next `MapIterationStarted` follows the first
    /// (AWS: `MapIterationSucceeded(7←6), MapIterationStarted(8←6)`).
    pub freed: VecDeque<u64>,
}

/// The write of a Distributed Map's results through its `ResultWriter`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Write {
    /// Not asked for (yet).
    None,
    /// Asked for (`ResultsWriteRequested`): the Map Run waits for
    /// `Input::ResultsWritten`, then ends with `failure` or succeeds with
    /// `details`.
    Pending {
        request: Box<WriteRequest>,
        failure: Option<StateError>,
        details: Arc<Value>,
    },
    /// Written (`ResultsWritten`): the Map Run fails with `failure`, or
    /// succeeds with `details` as the Map's result.
    Done {
        failure: Option<StateError>,
        details: Arc<Value>,
    },
}

/// The read of a Distributed Map's items through its `ItemReader`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Read {
    /// No `ItemReader`: the items came with `MapStarted`.
    None,
    /// Asked for (`ItemsRequested`); the Map waits for `Input::ItemsRead`.
    Pending(Box<ReadRequest>),
    /// The items arrived (`ItemsRead`).
    Done,
}

impl Fan {
    /// How many items child `index` runs: its batch's size, or 1.
    pub fn items_of(&self, index: u32) -> u64 {
        self.batch_sizes
            .get(index as usize)
            .map_or(1, |&n| u64::from(n))
    }
}

/// Which history an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventScope {
    /// An existing one: 0 is the execution's, the others child executions.
    Existing(u32),
    /// A new child execution's: the `MapIterationStarted` of a Map Run's
    /// iteration, which is that child's `ExecutionStarted`.
    New,
}

impl Execution {
    /// A fresh execution that has not started: `decide(Input::Start)` starts it.
    pub fn new(plan: Arc<StateMachine>, info: ExecutionInfo) -> Self {
        let root = Frame::new(0, None, 0, info.input.clone());
        Execution {
            plan,
            info,
            frames: vec![root],
            status: Status::NotStarted,
            seq: 0,
            scope_ids: vec![0],
            start_time: 0,
            tasks: BTreeMap::new(),
            submitted: BTreeSet::new(),
            reads: BTreeMap::new(),
            writes: BTreeMap::new(),
            timers: BTreeMap::new(),
            outcome: None,
            redrive_count: 0,
            vars_bytes: 0,
            context_override: None,
            context_state_name: None,
            missing_activities: Vec::new(),
        }
    }

    /// Rebuild an execution from its history. Emits nothing.
    pub fn replay(
        plan: Arc<StateMachine>,
        info: ExecutionInfo,
        events: &[Event],
    ) -> Result<Self, ReplayError> {
        let mut exec = Execution::new(plan, info);
        for e in events {
            exec.apply(e)?;
        }
        Ok(exec)
    }

    /// The activity ARNs the state machine's Task states name (each
    /// once), which a driver checks before [`Execution::decide`].
    pub fn activity_resources(&self) -> Vec<String> {
        self.activity_resources_of(|_| true)
    }

    /// [`Execution::activity_resources`] of the Task states `of` keeps
    /// (given their names): a driver leaves out those it answers itself
    /// (mocks). An activity one of the others names too is still checked
    /// for all of them.
    pub fn activity_resources_of(&self, of: impl Fn(&str) -> bool) -> Vec<String> {
        let mut arns: Vec<String> = Vec::new();
        let states = self.plan.machines.iter().flat_map(|m| m.states.iter());
        for st in states {
            if let StateKind::Task(t) = &st.kind {
                if t.resource.contains(":activity:") && of(&st.name) && !arns.contains(&t.resource)
                {
                    arns.push(t.resource.clone());
                }
            }
        }
        arns
    }

    /// Tell the next decisions which of [`Execution::activity_resources`]
    /// do not exist (never did, or were deleted). AWS fails an execution
    /// whose Task would schedule one of them, at once, with
    /// `States.Runtime` and no `ActivityScheduled`; the driver looks the
    /// activities up, the core records what follows.
    pub fn set_missing_activities(&mut self, arns: Vec<String>) {
        self.missing_activities = arns;
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn redrive_count(&self) -> u32 {
        self.redrive_count
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    pub fn info(&self) -> &ExecutionInfo {
        &self.info
    }

    pub fn plan(&self) -> &StateMachine {
        &self.plan
    }

    /// The effects still outstanding (tasks running, timers armed): what an
    /// engine re-establishes after loading an execution from its history.
    pub fn pending(&self) -> Vec<Command> {
        let mut out: Vec<Command> = self
            .tasks
            .values()
            .map(|(_, r)| Command::RunTask(r.clone()))
            .collect();
        out.extend(self.timers.iter().map(|(&timer, t)| Command::StartTimer {
            timer,
            fire_at: t.fire_at,
            scaled: t.purpose != TimerPurpose::ExpressLimit,
        }));
        out.extend(
            self.reads
                .values()
                .filter_map(|&f| match &self.frame(f).phase {
                    Phase::Fan(fan) => match &fan.read {
                        Read::Pending(r) => Some(Command::ReadItems((**r).clone())),
                        _ => None,
                    },
                    _ => None,
                }),
        );
        out.extend(
            self.writes
                .values()
                .filter_map(|&f| match &self.frame(f).phase {
                    Phase::Fan(fan) => match &fan.write {
                        Write::Pending { request, .. } => {
                            Some(Command::WriteResults((**request).clone()))
                        }
                        _ => None,
                    },
                    _ => None,
                }),
        );
        out
    }

    /// Whether `input` moves the execution on: the result of a running task,
    /// a timer that was not cancelled, a read or write under way. (A
    /// heartbeat, a submission, a stop or a start does not.)
    pub fn awaits(&self, input: &Input) -> bool {
        match input {
            Input::TaskSucceeded { task, .. }
            | Input::TaskFailed { task, .. }
            | Input::TaskTimedOut { task, .. } => self.tasks.contains_key(task),
            Input::TimerFired { timer } => self.timers.contains_key(timer),
            Input::ItemsRead { read, .. } => self.reads.contains_key(read),
            Input::ResultsWritten { write, .. } => self.writes.contains_key(write),
            _ => false,
        }
    }

    /// The tasks currently waiting for a result, with their requests.
    pub fn pending_tasks(&self) -> impl Iterator<Item = &TaskRequest> {
        self.tasks.values().map(|(_, r)| r)
    }

    pub(crate) fn frame(&self, f: FrameId) -> &Frame {
        &self.frames[f as usize]
    }

    pub(crate) fn state_of(&self, f: FrameId) -> &State {
        let fr = self.frame(f);
        self.plan.machine(fr.machine).state(fr.state)
    }

    /// The history an event of `kind` in frame `frame` belongs to.
    pub fn event_scope(&self, frame: FrameId, kind: &EventKind) -> EventScope {
        let Some(fr) = self.frames.get(frame as usize) else {
            return EventScope::Existing(0);
        };
        match (kind, &fr.phase) {
            (EventKind::MapIterationStarted { .. }, Phase::Fan(fan)) if fan.map_run.is_some() => {
                EventScope::New
            }
            _ => EventScope::Existing(fr.scope),
        }
    }

    /// Whether Map frame `f`'s state has a `ResultWriter` that exports.
    pub(crate) fn exports_results(&self, f: FrameId) -> bool {
        match &self.state_of(f).kind {
            StateKind::Map(m) => m.result_writer.as_ref().is_some_and(|rw| rw.export),
            _ => false,
        }
    }

    /// The child execution frame `f` runs in, if it runs in one: the
    /// iteration frame that starts it and its Map Run's ARN.
    /// The ARNs of the execution frame `f` runs in and of its state
    /// machine, as its context object names them.
    fn owner_arns(&self, f: FrameId) -> (String, String) {
        match self.child_execution(f) {
            Some((child, map_run)) => {
                let express = self.is_express_child(child);
                let index = self.frame(child).index;
                let (_, arn) = crate::map_run::child_arn_of(map_run, index, express);
                (arn, crate::map_run::machine_arn(map_run))
            }
            None => (self.info.id.clone(), self.info.state_machine_id.clone()),
        }
    }

    pub(crate) fn child_execution(&self, f: FrameId) -> Option<(FrameId, &str)> {
        let mut c = f;
        loop {
            let fr = self.frames.get(c as usize)?;
            let parent = self.frames.get(fr.parent? as usize)?;
            if parent.scope != fr.scope {
                return match &parent.phase {
                    Phase::Fan(fan) => fan.map_run.as_deref().map(|arn| (c, arn)),
                    _ => None,
                };
            }
            c = fr.parent?;
        }
    }

    /// Whether Map frame `p` runs its iterations as EXPRESS child
    /// executions (a Distributed Map whose `ProcessorConfig` says so).
    pub(crate) fn runs_express_children(&self, p: FrameId) -> bool {
        matches!(
            self.frames.get(p as usize).map(|fr| self.plan.machine(fr.machine).state(fr.state)),
            Some(State { kind: StateKind::Map(m), .. })
                if m.distributed && m.execution_type == ExecutionType::Express
        )
    }

    /// Whether iteration frame `c`, a Map Run's child execution, is an
    /// EXPRESS one.
    pub(crate) fn is_express_child(&self, c: FrameId) -> bool {
        self.frames
            .get(c as usize)
            .and_then(|fr| fr.parent)
            .is_some_and(|p| self.runs_express_children(p))
    }

    /// Whether iteration frame `c`, a Map Run's STANDARD child execution,
    /// can no longer be redriven: its history reached its 25,000-event
    /// quota (AWS, "Redriving Map Runs": such children "are counted towards
    /// the tolerated failure threshold and considered as failed", and "If
    /// an execution isn't redrivable, it won't be attempted again. The last
    /// error or output of the execution is permanent").
    pub(crate) fn child_at_history_quota(&self, c: FrameId) -> bool {
        let Some(fr) = self.frames.get(c as usize) else {
            return false;
        };
        fr.scope != 0
            && !self.is_express_child(c)
            && self.scope_ids.get(fr.scope as usize).copied().unwrap_or(0)
                >= crate::limits::MAX_HISTORY_EVENTS
    }

    /// The `previousEventId` of a visible event `kind` of frame `frame`
    /// recorded in `scope`. Most events follow their frame's chain (see
    /// [`EventKind::advances_chain`] for the rule); a Parallel's or Map's
    /// success (`<Type>StateSucceeded`, `MapRunSucceeded`) follows the
    /// history's latest event, which is what completed it (AWS:
    /// `MapRunSucceeded(5←4), MapStateSucceeded(6←5), MapStateExited(7←4)`);
    /// a `MapIterationStarted` follows the event that started the Map's
    /// children, or, in a slot another iteration freed, that iteration's
    /// chain ([`Fan::freed`]); the `TaskStateAborted` recorded after a
    /// failing iteration's end follows the Map's chain. (The children a
    /// failing Parallel or Map aborts follow the failing child's last
    /// event, which the decider gives them.)
    pub(crate) fn previous_id(&self, frame: FrameId, kind: &EventKind, scope: EventScope) -> u64 {
        if scope == EventScope::New {
            return 0;
        }
        let Some(fr) = self.frames.get(frame as usize) else {
            return 0;
        };
        match (kind, &fr.phase) {
            (
                EventKind::ParallelSucceeded | EventKind::MapSucceeded | EventKind::MapRunSucceeded,
                _,
            ) => self.last_id_in(scope),
            // A stop comes from outside the run (LocalStack's recording of
            // AWS, `test_stop_execution`: `ExecutionAborted(3←0)`), a Map
            // Run's child stopped by StopExecution too.
            (EventKind::ExecutionAborted { .. }, _)
            | (
                EventKind::MapIterationAborted {
                    stopped: Some(_), ..
                },
                _,
            ) => 0,
            // A Map Run's child execution redriven: its `ExecutionRedriven`
            // follows its history's last event (its `ExecutionFailed` or
            // `ExecutionAborted`), as the execution's own follows its end.
            (EventKind::MapIterationRedriven { .. }, _) if self.own_history(fr) => {
                self.last_id_in(scope)
            }
            (EventKind::MapIterationStarted { .. }, Phase::Fan(fan)) => {
                fan.freed.front().copied().unwrap_or(fan.chain_start)
            }
            // The Task a failing iteration ended in follows the Map's
            // chain, which is the failing iteration's (LocalStack's
            // recording of AWS, `test_service_lambda_map_timeout`).
            (EventKind::StateAborted { .. }, phase) if phase.is_final() => self.parent_chain(fr),
            _ => fr.last_id,
        }
    }

    /// The chain of `fr`'s parent when both are in one history (an inline
    /// Map's iteration), else `fr`'s own.
    fn parent_chain(&self, fr: &Frame) -> u64 {
        fr.parent
            .and_then(|p| self.frames.get(p as usize))
            .filter(|parent| parent.scope == fr.scope)
            .map_or(fr.last_id, |parent| parent.last_id)
    }

    /// Whether frame `fr` is a Map Run's child execution (its events go to
    /// a history of its own, not its parent's).
    fn own_history(&self, fr: &Frame) -> bool {
        fr.parent
            .and_then(|p| self.frames.get(p as usize))
            .is_some_and(|p| p.scope != fr.scope)
    }

    /// Child frame `child` ended (its chain was `before` its last event):
    /// its parent's chain becomes the child's, in the same history (a Map
    /// Run's child executions have histories of their own), and the slot
    /// it frees in a Map with a `MaxConcurrency` is noted for the next
    /// iteration.
    fn child_chain_ended(&mut self, child: FrameId, before: u64) {
        let Some(fr) = self.frames.get(child as usize) else {
            return;
        };
        let (chain, scope) = (fr.last_id, fr.scope);
        let Some(p) = fr.parent else {
            return;
        };
        let Some(parent) = self.frames.get_mut(p as usize) else {
            return;
        };
        if parent.scope != scope {
            return;
        }
        parent.last_id = chain;
        if let Phase::Fan(fan) = &mut parent.phase {
            if fan.is_map && fan.max_concurrency > 0 {
                fan.freed.push_back(before);
            }
        }
    }

    /// The AWS id of the last visible event of `scope` (0 for a new one).
    pub(crate) fn last_id_in(&self, scope: EventScope) -> u64 {
        match scope {
            EventScope::Existing(s) => self.scope_ids.get(s as usize).copied().unwrap_or(0),
            EventScope::New => 0,
        }
    }

    pub(crate) fn nondeterminism(&self, e: &Event, message: impl Into<String>) -> ReplayError {
        ReplayError::Nondeterminism {
            seq: e.seq,
            message: message.into(),
        }
    }

    /// Apply one event. The only way the state changes.
    pub fn apply(&mut self, e: &Event) -> Result<(), ReplayError> {
        if e.seq != self.seq + 1 {
            return Err(self.nondeterminism(e, format!("expected event {}", self.seq + 1)));
        }
        if e.frame as usize >= self.frames.len() {
            return Err(self.nondeterminism(e, format!("no frame {}", e.frame)));
        }
        self.seq = e.seq;
        let scope = self.event_scope(e.frame, &e.kind);
        let chain_before = self.frames[e.frame as usize].last_id;
        if let (EventScope::Existing(s), true) = (scope, e.id != 0) {
            if let Some(last) = self.scope_ids.get_mut(s as usize) {
                *last = e.id;
            }
            if e.kind.advances_chain() {
                self.frames[e.frame as usize].last_id = e.id;
            }
        }
        if e.kind.ends_child() {
            self.child_chain_ended(e.frame, chain_before);
        }
        let f = e.frame;
        match &e.kind {
            EventKind::ExecutionStarted { .. } => {
                self.status = Status::Running;
                self.start_time = e.timestamp;
            }
            EventKind::ExecutionSucceeded { output } => {
                self.finish(Status::Succeeded, Outcome::Succeeded(output.clone()));
            }
            EventKind::ExecutionFailed { error, cause } => {
                self.finish(
                    Status::Failed,
                    Outcome::Failed(StateError::new(error, cause)),
                );
            }
            EventKind::ExecutionTimedOut { error, cause } => {
                self.finish(
                    Status::TimedOut,
                    Outcome::Failed(StateError::new(error, cause)),
                );
            }
            EventKind::ExecutionAborted { error, cause } => {
                self.finish(
                    Status::Aborted,
                    Outcome::Failed(StateError::new(error, cause)),
                );
            }
            EventKind::ExecutionRedriven { redrive_count } => {
                if !matches!(
                    self.status,
                    Status::Failed | Status::TimedOut | Status::Aborted
                ) {
                    return Err(
                        self.nondeterminism(e, "redriven while not failed, timed out or aborted")
                    );
                }
                self.status = Status::Running;
                self.outcome = None;
                self.redrive_count = *redrive_count;
            }
            EventKind::StateEntered { state, input } => {
                let machine = self.frames[f as usize].machine;
                let Some(st) = self.plan.machine(machine).states.get(*state as usize) else {
                    return Err(self.nondeterminism(e, "unknown state"));
                };
                let retriers = st.retriers().len();
                let fr = &mut self.frames[f as usize];
                // A redrive enters again the state of a Parallel or Map that
                // was running when the execution stopped: its children are
                // kept for `FanRedriven`.
                if let Phase::Fan(fan) = std::mem::replace(&mut fr.phase, Phase::Entered) {
                    fr.kept = Some(Box::new(Kept { fan, error: None }));
                }
                fr.state = *state;
                fr.input = input.clone();
                fr.first_input.get_or_insert_with(|| input.clone());
                fr.entered_id = e.id;
                fr.entered_at = e.timestamp;
                fr.phase = Phase::Entered;
                fr.attempts = vec![0; retriers];
                fr.retry_count = 0;
            }
            EventKind::StateExited {
                output,
                next,
                assigned,
                ..
            } => {
                let fr = &mut self.frames[f as usize];
                fr.kept = None;
                for (k, v) in assigned {
                    let size = json_size(v);
                    if let Some(old) = fr.vars.insert(k.clone(), v.clone()) {
                        let old = json_size(&old);
                        fr.vars_bytes = fr.vars_bytes.saturating_sub(old);
                        self.vars_bytes = self.vars_bytes.saturating_sub(old);
                    }
                    fr.vars_bytes = fr.vars_bytes.saturating_add(size);
                    self.vars_bytes = self.vars_bytes.saturating_add(size);
                }
                fr.phase = Phase::Exited {
                    output: output.clone(),
                    next: *next,
                };
            }
            EventKind::TaskScheduled {
                flavor,
                resource,
                parameters,
                timeout,
                heartbeat,
                token,
                ..
            } => {
                let state_name = self.state_of(f).name.clone();
                let (execution_arn, state_machine_arn) = self.owner_arns(f);
                self.tasks.insert(
                    e.seq,
                    (
                        f,
                        TaskRequest {
                            task: e.seq,
                            flavor: *flavor,
                            state_name,
                            resource: resource.clone(),
                            payload: parameters.clone(),
                            token: token.clone(),
                            timeout_seconds: *timeout,
                            heartbeat_seconds: *heartbeat,
                            execution_arn,
                            state_machine_arn,
                        },
                    ),
                );
                self.frames[f as usize].phase = Phase::Task {
                    task: e.seq,
                    timeout_timer: None,
                    heartbeat_timer: None,
                };
            }
            EventKind::TaskSubmitted { task, .. } => {
                self.submitted.insert(*task);
            }
            EventKind::TaskStarted { .. }
            | EventKind::TaskHeartbeat { .. }
            | EventKind::EvaluationFailed { .. } => {}
            EventKind::TaskSucceeded { task, output } => {
                self.end_task(*task);
                self.frames[f as usize].phase = Phase::Result(output.clone());
            }
            EventKind::TaskFailed { task, error, cause } => {
                self.end_task(*task);
                self.frames[f as usize].phase = Phase::Error(StateError::new(error, cause));
            }
            EventKind::TaskTimedOut {
                task,
                error,
                cause,
                heartbeat,
            } => {
                self.end_task(*task);
                let mut err = StateError::new(error, cause);
                err.heartbeat = *heartbeat;
                self.frames[f as usize].phase = Phase::Error(err);
            }
            EventKind::ParallelStarted { input } => {
                let st = self.state_of(f);
                let StateKind::Parallel(p) = &st.kind else {
                    return Err(self.nondeterminism(e, "ParallelStateStarted outside a Parallel"));
                };
                let branches = p.branches.clone();
                let mut children = Vec::with_capacity(branches.len());
                for (i, m) in branches.iter().enumerate() {
                    let id = self.frames.len() as FrameId;
                    let mut child = Frame::new(*m, Some(f), i as u32, input.clone());
                    child.last_id = e.id;
                    child.scope = self.frames[f as usize].scope;
                    self.frames.push(child);
                    children.push(id);
                }
                let n = branches.len() as u32;
                self.frames[f as usize].phase = Phase::Fan(Box::new(Fan {
                    is_map: false,
                    input: input.clone(),
                    items: Arc::new(Vec::new()),
                    children,
                    results: vec![None; n as usize],
                    total: n,
                    running: 0,
                    finished: 0,
                    failed: 0,
                    max_concurrency: 0,
                    tolerated_count: None,
                    tolerated_percentage: None,
                    batch_sizes: Vec::new(),
                    total_items: u64::from(n),
                    failed_items: 0,
                    failure: None,
                    map_run: None,
                    read: Read::None,
                    write: Write::None,
                    redrive_count: 0,
                    to_redrive: VecDeque::new(),
                    chain_start: e.id,
                    freed: VecDeque::new(),
                }));
                self.frames[f as usize].kept = None;
            }
            EventKind::MapStarted {
                input,
                items,
                max_concurrency,
                tolerated_count,
                tolerated_percentage,
                batch_sizes,
            } => {
                let n = items.len() as u32;
                if !batch_sizes.is_empty() && batch_sizes.len() != items.len() {
                    return Err(self
                        .nondeterminism(e, "MapStateStarted with a batch size per batch missing"));
                }
                let total_items = if batch_sizes.is_empty() {
                    u64::from(n)
                } else {
                    batch_sizes.iter().map(|&s| u64::from(s)).sum()
                };
                self.frames[f as usize].phase = Phase::Fan(Box::new(Fan {
                    is_map: true,
                    input: input.clone(),
                    items: items.clone(),
                    children: Vec::with_capacity(items.len()),
                    results: vec![None; items.len()],
                    total: n,
                    running: 0,
                    finished: 0,
                    failed: 0,
                    max_concurrency: *max_concurrency,
                    tolerated_count: *tolerated_count,
                    tolerated_percentage: *tolerated_percentage,
                    batch_sizes: batch_sizes.clone(),
                    total_items,
                    failed_items: 0,
                    failure: None,
                    map_run: None,
                    read: Read::None,
                    write: Write::None,
                    redrive_count: 0,
                    to_redrive: VecDeque::new(),
                    chain_start: e.id,
                    freed: VecDeque::new(),
                }));
                self.frames[f as usize].kept = None;
            }
            EventKind::MapIterationStarted { index } => {
                let StateKind::Map(m) = &self.state_of(f).kind else {
                    return Err(self.nondeterminism(e, "MapIterationStarted outside a Map"));
                };
                let machine = m.processor;
                let id = self.frames.len() as FrameId;
                let mut child = Frame::new(machine, Some(f), *index, Arc::new(Value::Null));
                // A Map Run's child execution starts a history of its own,
                // whose first event (its `ExecutionStarted`) starts no chain,
                // as an execution's does not.
                child.last_id = match scope {
                    EventScope::New => 0,
                    EventScope::Existing(_) => e.id,
                };
                child.created_at = e.timestamp;
                child.scope = match scope {
                    EventScope::Existing(s) => s,
                    EventScope::New => {
                        self.scope_ids.push(e.id);
                        (self.scope_ids.len() - 1) as u32
                    }
                };
                self.frames.push(child);
                let Phase::Fan(fan) = &mut self.frames[f as usize].phase else {
                    return Err(
                        self.nondeterminism(e, "MapIterationStarted before MapStateStarted")
                    );
                };
                fan.children.push(id);
                fan.running += 1;
                if scope != EventScope::New {
                    fan.freed.pop_front();
                }
            }
            EventKind::MapIterationSucceeded { .. } | EventKind::BranchSucceeded => {
                let output = match &self.frames[f as usize].phase {
                    Phase::Exited { output, .. } => output.clone(),
                    _ => return Err(self.nondeterminism(e, "a branch ended before its last state")),
                };
                self.frames[f as usize].phase = Phase::Succeeded(output.clone());
                self.frames[f as usize].ended_at = e.timestamp;
                self.drop_vars(f);
                let (index, fan) = self.parent_fan(e)?;
                if let Some(slot) = fan.results.get_mut(index as usize) {
                    *slot = Some(output);
                }
                fan.running = fan.running.saturating_sub(1);
                fan.finished += 1;
            }
            EventKind::MapIterationFailed { error, cause, .. }
            | EventKind::BranchFailed { error, cause } => {
                // A Map Run's child execution can fail with work still under
                // way (its history quota): that work ends with it.
                self.stop_outstanding(f);
                let err = StateError::new(error, cause);
                self.frames[f as usize].phase = Phase::Failed(err.clone());
                self.frames[f as usize].ended_at = e.timestamp;
                self.drop_vars(f);
                let (index, fan) = self.parent_fan(e)?;
                fan.running = fan.running.saturating_sub(1);
                fan.finished += 1;
                fan.failed += 1;
                fan.failed_items += fan.items_of(index);
                fan.failure.get_or_insert(err);
            }
            EventKind::MapIterationAborted { stopped, .. } => {
                self.abort_frame(f);
                self.frames[f as usize].ended_at = e.timestamp;
                // A child execution StopExecution stopped ends like a failed
                // one for its Map Run (the Map aborts the others itself, as
                // it ends).
                if let Some((error, cause)) = stopped {
                    let (index, fan) = self.parent_fan(e)?;
                    fan.running = fan.running.saturating_sub(1);
                    fan.finished += 1;
                    fan.failed += 1;
                    fan.failed_items += fan.items_of(index);
                    fan.failure
                        .get_or_insert(StateError::new(error.clone(), cause.clone()));
                }
            }
            EventKind::MapRunStarted { arn } => {
                let Phase::Fan(fan) = &mut self.frames[f as usize].phase else {
                    return Err(self.nondeterminism(e, "MapRunStarted before MapStateStarted"));
                };
                fan.map_run = Some(arn.clone());
            }
            EventKind::MapRunUpdated {
                max_concurrency,
                tolerated_count,
                tolerated_percentage,
            } => {
                let Phase::Fan(fan) = &mut self.frames[f as usize].phase else {
                    return Err(self.nondeterminism(e, "MapRunUpdated outside a Map Run"));
                };
                if let Some(n) = max_concurrency {
                    fan.max_concurrency = *n;
                }
                if tolerated_count.is_some() {
                    fan.tolerated_count = *tolerated_count;
                }
                if tolerated_percentage.is_some() {
                    fan.tolerated_percentage = *tolerated_percentage;
                }
            }
            EventKind::ItemsRequested {
                parameters,
                max_items,
                ..
            } => {
                let st = self.state_of(f);
                let (StateKind::Map(m), name) = (&st.kind, st.name.clone()) else {
                    return Err(self.nondeterminism(e, "ItemsRequested outside a Map"));
                };
                let Some(reader) = &m.item_reader else {
                    return Err(
                        self.nondeterminism(e, "ItemsRequested for a Map without an ItemReader")
                    );
                };
                let request = ReadRequest {
                    read: e.seq,
                    state_name: name,
                    resource: reader.resource,
                    parameters: parameters.clone(),
                    config: reader.config.clone(),
                    max_items: *max_items,
                };
                match &mut self.frames[f as usize].phase {
                    Phase::Fan(fan) if fan.map_run.is_some() && fan.read == Read::None => {
                        fan.read = Read::Pending(Box::new(request));
                        self.reads.insert(e.seq, f);
                    }
                    _ => return Err(self.nondeterminism(e, "ItemsRequested outside a Map Run")),
                }
            }
            EventKind::ItemsRead { items, batch_sizes } => {
                if !batch_sizes.is_empty() && batch_sizes.len() != items.len() {
                    return Err(
                        self.nondeterminism(e, "ItemsRead with a batch size per batch missing")
                    );
                }
                let Phase::Fan(fan) = &mut self.frames[f as usize].phase else {
                    return Err(self.nondeterminism(e, "ItemsRead outside a Map"));
                };
                if !matches!(fan.read, Read::Pending(_)) || !fan.children.is_empty() {
                    return Err(self.nondeterminism(e, "ItemsRead without a read pending"));
                }
                let n = items.len() as u32;
                if let Read::Pending(r) = &fan.read {
                    self.reads.remove(&r.read);
                }
                fan.read = Read::Done;
                fan.items = items.clone();
                fan.total = n;
                fan.results = vec![None; items.len()];
                fan.total_items = if batch_sizes.is_empty() {
                    u64::from(n)
                } else {
                    batch_sizes.iter().map(|&s| u64::from(s)).sum()
                };
                fan.batch_sizes = batch_sizes.clone();
            }
            EventKind::ResultsWriteRequested {
                bucket,
                prefix,
                failure,
            } => {
                let st = self.state_of(f);
                let (StateKind::Map(m), name) = (&st.kind, st.name.clone()) else {
                    return Err(self.nondeterminism(e, "ResultsWriteRequested outside a Map"));
                };
                let Some(rw) = m.result_writer.clone().filter(|rw| rw.export) else {
                    return Err(self.nondeterminism(
                        e,
                        "ResultsWriteRequested for a Map without a ResultWriter",
                    ));
                };
                let (objects, details) = match &self.frames[f as usize].phase {
                    Phase::Fan(fan) if fan.map_run.is_some() && fan.write == Write::None => {
                        crate::result_writer::render(self, fan, &rw, bucket, prefix)
                    }
                    _ => {
                        return Err(
                            self.nondeterminism(e, "ResultsWriteRequested outside a Map Run")
                        )
                    }
                };
                if let Phase::Fan(fan) = &mut self.frames[f as usize].phase {
                    fan.write = Write::Pending {
                        request: Box::new(WriteRequest {
                            write: e.seq,
                            state_name: name,
                            bucket: bucket.clone(),
                            objects,
                        }),
                        failure: failure.as_ref().map(|(e, c)| StateError::new(e, c)),
                        details: Arc::new(details),
                    };
                    self.writes.insert(e.seq, f);
                }
            }
            EventKind::ResultsWritten { error } => {
                let Phase::Fan(fan) = &mut self.frames[f as usize].phase else {
                    return Err(self.nondeterminism(e, "ResultsWritten outside a Map"));
                };
                let Write::Pending {
                    request,
                    failure,
                    details,
                } = std::mem::replace(&mut fan.write, Write::None)
                else {
                    return Err(self.nondeterminism(e, "ResultsWritten without a write pending"));
                };
                self.writes.remove(&request.write);
                // DIFFERENCE: a Map Run that was failing anyway keeps its
                // own error when its results cannot be written either.
                let failure = failure.or_else(|| {
                    error.as_ref().map(|cause| {
                        StateError::new(crate::errors::names::RESULT_WRITER_FAILED, cause)
                    })
                });
                fan.write = Write::Done { failure, details };
            }
            EventKind::MapRunSucceeded | EventKind::MapRunFailed { .. } => {}
            EventKind::ParallelSucceeded | EventKind::MapSucceeded => {
                let writer = match &self.state_of(f).kind {
                    StateKind::Map(m) => m.result_writer.clone(),
                    _ => None,
                };
                let Phase::Fan(fan) = &self.frames[f as usize].phase else {
                    return Err(self.nondeterminism(e, "fan ended before it started"));
                };
                let result = match (&fan.write, &writer) {
                    (Write::Done { details, .. }, _) => Some(details.clone()),
                    (_, Some(rw)) if fan.map_run.is_some() && !rw.export => {
                        Some(Arc::new(crate::result_writer::formatted(self, fan, rw)))
                    }
                    _ => None,
                };
                let Phase::Fan(fan) = &mut self.frames[f as usize].phase else {
                    return Err(self.nondeterminism(e, "fan ended before it started"));
                };
                let result = match result {
                    Some(r) => r,
                    None => {
                        let results: Vec<Value> = std::mem::take(&mut fan.results)
                            .into_iter()
                            .map(|r| r.map(unshare).unwrap_or(Value::Null))
                            .collect();
                        Arc::new(Value::Array(results))
                    }
                };
                self.frames[f as usize].phase = Phase::Result(result);
            }
            EventKind::ParallelFailed { error, cause, .. }
            | EventKind::MapFailed { error, cause, .. } => {
                self.abort_children(f);
                self.reads.retain(|_, &mut r| r != f);
                self.writes.retain(|_, &mut r| r != f);
                let err = StateError::new(error, cause);
                let fr = &mut self.frames[f as usize];
                if let Phase::Fan(fan) = std::mem::replace(&mut fr.phase, Phase::Error(err.clone()))
                {
                    fr.kept = Some(Box::new(Kept {
                        fan,
                        error: Some(err),
                    }));
                }
            }
            EventKind::FanRedriven => self.fan_redriven(e)?,
            EventKind::MapRunRedriven { arn, redrive_count } => {
                let Phase::Fan(fan) = &mut self.frames[f as usize].phase else {
                    return Err(self.nondeterminism(e, "MapRunRedriven outside a Map"));
                };
                if fan.map_run.as_deref() != Some(arn.as_str()) {
                    return Err(self.nondeterminism(e, "MapRunRedriven for another Map Run"));
                }
                fan.redrive_count = *redrive_count;
            }
            EventKind::MapIterationRedriven { .. } => self.iteration_redriven(e)?,
            // After its iteration's end (failed or aborted) it changes nothing.
            EventKind::StateAborted { .. } => {
                if !self.frames[f as usize].phase.is_final() {
                    self.abort_frame(f);
                }
            }
            EventKind::TimerStarted { purpose, fire_at } => {
                self.timers.insert(
                    e.seq,
                    Timer {
                        frame: f,
                        purpose: *purpose,
                        fire_at: *fire_at,
                    },
                );
                let fr = &mut self.frames[f as usize];
                match purpose {
                    TimerPurpose::Wait => fr.phase = Phase::Timer(e.seq),
                    TimerPurpose::Retry(r) => {
                        // The state runs afresh: nothing is left to redrive.
                        fr.kept = None;
                        fr.phase = Phase::Timer(e.seq);
                        fr.retry_count += 1;
                        if let Some(a) = fr.attempts.get_mut(*r as usize) {
                            *a += 1;
                        }
                    }
                    TimerPurpose::TaskTimeout(_) => {
                        if let Phase::Task { timeout_timer, .. } = &mut fr.phase {
                            *timeout_timer = Some(e.seq);
                        }
                    }
                    TimerPurpose::Heartbeat(_) => {
                        let mut old = None;
                        if let Phase::Task {
                            heartbeat_timer, ..
                        } = &mut fr.phase
                        {
                            old = heartbeat_timer.replace(e.seq);
                        }
                        if let Some(old) = old {
                            self.timers.remove(&old);
                        }
                    }
                    TimerPurpose::Execution | TimerPurpose::ExpressLimit => {}
                }
            }
            EventKind::TimerFired { timer } => {
                let Some(t) = self.timers.remove(timer) else {
                    return Err(self.nondeterminism(e, "a timer fired that was not armed"));
                };
                let fr = &mut self.frames[t.frame as usize];
                match t.purpose {
                    TimerPurpose::Wait => fr.phase = Phase::WaitDone,
                    TimerPurpose::Retry(_) => fr.phase = Phase::Entered,
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn parent_fan(&mut self, e: &Event) -> Result<(u32, &mut Fan), ReplayError> {
        let fr = &self.frames[e.frame as usize];
        let (index, parent) = (fr.index, fr.parent);
        let Some(p) = parent else {
            return Err(self.nondeterminism(e, "a branch event on the top-level frame"));
        };
        match &mut self.frames[p as usize].phase {
            Phase::Fan(fan) => Ok((index, fan)),
            _ => Err(ReplayError::Nondeterminism {
                seq: e.seq,
                message: "a branch event outside a Parallel or Map".into(),
            }),
        }
    }

    fn end_task(&mut self, task: TaskId) {
        self.tasks.remove(&task);
        self.submitted.remove(&task);
        self.timers.retain(|_, t| {
            !matches!(t.purpose, TimerPurpose::TaskTimeout(x) | TimerPurpose::Heartbeat(x) if x == task)
        });
    }

    /// Abort everything below frame `f` and drop its own task, timers,
    /// reads and writes.
    fn stop_outstanding(&mut self, f: FrameId) {
        self.abort_children(f);
        let fr = &mut self.frames[f as usize];
        if let Phase::Task { task, .. } = fr.phase {
            self.end_task(task);
        }
        self.timers.retain(|_, t| t.frame != f);
        self.reads.retain(|_, &mut r| r != f);
        self.writes.retain(|_, &mut r| r != f);
    }

    /// Mark a frame and everything below it aborted, dropping their tasks and timers.
    fn abort_frame(&mut self, f: FrameId) {
        self.stop_outstanding(f);
        let fr = &mut self.frames[f as usize];
        if let Phase::Fan(fan) = std::mem::replace(&mut fr.phase, Phase::Aborted) {
            fr.kept = Some(Box::new(Kept { fan, error: None }));
        }
        self.drop_vars(f);
    }

    /// A Parallel branch or Map iteration ended: its variables go out of
    /// scope (AWS: "When a Parallel or Map state completes, all of their
    /// variables will go out of scope and stop being accessible") and stop
    /// counting towards the execution's total.
    /// The top level's variables stay: a redriven execution still sees them.
    /// So do a branch's or iteration's that did not succeed, though they no
    /// longer count: a redrive continues it where it stopped, with them.
    pub(crate) fn drop_vars(&mut self, f: FrameId) {
        let fr = &mut self.frames[f as usize];
        if fr.parent.is_none() {
            return;
        }
        self.vars_bytes = self.vars_bytes.saturating_sub(fr.vars_bytes);
        if matches!(fr.phase, Phase::Succeeded(_)) {
            fr.vars_bytes = 0;
            fr.vars.clear();
        }
    }

    fn abort_children(&mut self, f: FrameId) {
        let children = match &self.frames[f as usize].phase {
            Phase::Fan(fan) => fan.children.clone(),
            _ => return,
        };
        for c in children {
            match &self.frames[c as usize].phase {
                // Waiting for a redrive that never came: it ended as it had.
                Phase::Redrive(before) => {
                    self.frames[c as usize].phase = match before.clone() {
                        Some(err) => Phase::Failed(err),
                        None => Phase::Aborted,
                    };
                    self.drop_vars(c);
                }
                phase if !phase.is_final() => self.abort_frame(c),
                _ => {}
            }
        }
    }

    fn finish(&mut self, status: Status, outcome: Outcome) {
        self.status = status;
        self.outcome = Some(outcome);
        self.tasks.clear();
        self.submitted.clear();
        self.timers.clear();
        self.reads.clear();
        self.writes.clear();
    }

    /// Every frame below `f` (inclusive) that still has work outstanding.
    pub(crate) fn live_descendants(&self, f: FrameId, out: &mut Vec<FrameId>) {
        let fr = self.frame(f);
        if fr.phase.is_final() {
            return;
        }
        out.push(f);
        if let Phase::Fan(fan) = &fr.phase {
            for &c in &fan.children {
                self.live_descendants(c, out);
            }
        }
    }
}

impl Frame {
    pub(crate) fn new(
        machine: MachineId,
        parent: Option<FrameId>,
        index: u32,
        input: Arc<Value>,
    ) -> Self {
        Frame {
            machine,
            parent,
            index,
            state: 0,
            input,
            entered_id: 0,
            entered_at: 0,
            last_id: 0,
            scope: 0,
            created_at: 0,
            ended_at: 0,
            first_input: None,
            phase: Phase::Idle,
            attempts: Vec::new(),
            retry_count: 0,
            vars: JsonMap::new(),
            vars_bytes: 0,
            kept: None,
            redrives: 0,
        }
    }
}

impl Phase {
    pub(crate) fn is_final(&self) -> bool {
        matches!(
            self,
            Phase::Succeeded(_) | Phase::Failed(_) | Phase::Aborted
        )
    }
}

/// Take the value out of an `Arc`, copying only when it is shared.
pub(crate) fn unshare(v: Arc<Value>) -> Value {
    Arc::try_unwrap(v).unwrap_or_else(|shared| (*shared).clone())
}
