//! The live path: given an [`Input`], work out the next events and commands.
//!
//! Every event is applied as soon as it is produced (see
//! [`Execution::apply`]), and the next step reads the state again, so a
//! replay of the same events always reaches the same state.
//!
//! Frames run depth-first: a frame runs until it blocks (on a task or a
//! timer) or ends, then the next frame on the work stack runs.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::{json, Value};
use stepwell_asl::{
    Assign, Dynamic, FailField, OptPath, QueryLanguage, State, StateId, StateKind, Transition, Wait,
};
use stepwell_jsonpath::Roots;

use crate::choice;
use crate::context::{context_object, ContextExtra, Scope};
use crate::dataflow::{self, At, Output};
use crate::errors::{names, StateError};
use crate::event::{Event, EventKind, FrameId, TaskFlavor, TaskId, TimerPurpose};
use crate::execution::{EventScope, Execution, Fan, Phase, Read, Status, Write};
use crate::input::{Command, Input};
use crate::jsonata_eval::{self, States};
use crate::limits::{
    self, Exceeded, EXPRESS_MAX_EVENTS, EXPRESS_MAX_SECONDS, MAX_HISTORY_EVENTS, MAX_NESTING,
    MAX_PAYLOAD_BYTES,
};
use crate::map_run;
use crate::retry;
use crate::test_state::Trace;

mod batch;
mod expr;
mod fan;
mod reader;
mod recover;
mod redrive;
mod states;
mod writer;

/// Randomness, supplied by the caller and recorded through the events it
/// influences (task tokens, jitter, `States.UUID`, `$random()`).
pub trait Entropy {
    fn next_u64(&mut self) -> u64;
}

/// What one call to [`Execution::decide`] produced.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Decision {
    pub events: Vec<Event>,
    pub commands: Vec<Command>,
}

impl Execution {
    /// Handle one input at time `now` (milliseconds since the epoch).
    pub fn decide(&mut self, input: Input, now: i64, entropy: &mut dyn Entropy) -> Decision {
        self.decide_traced(input, now, entropy, None)
    }

    /// [`Self::decide`], recording for TestState what the state computed
    /// on the way (see [`crate::test_state`]).
    pub(crate) fn decide_traced(
        &mut self,
        input: Input,
        now: i64,
        entropy: &mut dyn Entropy,
        trace: Option<&mut Trace>,
    ) -> Decision {
        let mut d = Decider {
            exec: self,
            now,
            entropy,
            events: Vec::new(),
            commands: Vec::new(),
            work: Vec::new(),
            trace,
        };
        // An input can reach an execution before its start (a driver starts
        // it asynchronously; StopExecution may come first): it starts first,
        // so every history begins with `ExecutionStarted`.
        if d.exec.status == Status::NotStarted && input != Input::Start {
            d.start();
        }
        d.handle(input);
        d.run();
        Decision {
            events: d.events,
            commands: d.commands,
        }
    }

    /// Go on running frame `f` (TestState: a mocked Map or Parallel whose
    /// phase was set to its mocked result or error).
    pub(crate) fn resume_traced(
        &mut self,
        f: FrameId,
        now: i64,
        entropy: &mut dyn Entropy,
        trace: &mut Trace,
    ) -> Decision {
        let mut d = Decider {
            exec: self,
            now,
            entropy,
            events: Vec::new(),
            commands: Vec::new(),
            work: vec![f],
            trace: Some(trace),
        };
        d.run();
        Decision {
            events: d.events,
            commands: d.commands,
        }
    }
}

struct Decider<'a> {
    exec: &'a mut Execution,
    now: i64,
    entropy: &'a mut dyn Entropy,
    events: Vec<Event>,
    commands: Vec<Command>,
    work: Vec<FrameId>,
    /// TestState's record of the data flow; `None` in executions.
    trace: Option<&'a mut Trace>,
}

/// Adapts our entropy to the expression crates' traits; `now` (the time of
/// the input being decided) is the time JSONata's `$now()` and `$millis()`
/// answer.
struct Rng<'a> {
    entropy: &'a mut dyn Entropy,
    now: i64,
}
impl stepwell_jsonpath::Entropy for Rng<'_> {
    fn next_u64(&mut self) -> u64 {
        self.entropy.next_u64()
    }
}
impl stepwell_jsonata::Entropy for Rng<'_> {
    fn next_u64(&mut self) -> u64 {
        self.entropy.next_u64()
    }

    fn now_millis(&mut self) -> Option<i64> {
        Some(self.now)
    }
}

/// Where a fan-out step leaves the frame.
enum Fanned {
    /// Nothing to do until a child ends.
    Blocked,
    /// Progress made on this frame; keep going.
    Progress,
    /// A child was started: run it first.
    Yield,
}

impl Decider<'_> {
    // ----- recording -------------------------------------------------------

    fn emit(&mut self, frame: FrameId, kind: EventKind) -> u64 {
        self.emit_after(frame, kind, None)
    }

    /// [`Self::emit`]; `previous`, when given, is the event's
    /// `previousEventId` instead of the one its frame's chain gives.
    fn emit_after(&mut self, frame: FrameId, kind: EventKind, previous: Option<u64>) -> u64 {
        let scope = self.exec.event_scope(frame, &kind);
        let last_id = self.exec.last_id_in(scope);
        // Each history has its own quota: a Distributed Map's iterations are
        // child executions, and their events do not count against the parent's.
        let child = match scope {
            EventScope::Existing(s) if s > 0 => self.exec.child_execution(frame).map(|(c, _)| c),
            _ => None,
        };
        if let Some(c) = child {
            // A child execution that ended (at its quota) records nothing
            // more: what its frames were doing when it ended is dropped.
            if self.exec.frame(c).phase.is_final() {
                return self.exec.seq;
            }
            let express = self.exec.is_express_child(c);
            let cap = if express {
                EXPRESS_MAX_EVENTS
            } else {
                MAX_HISTORY_EVENTS
            };
            if last_id + 1 >= cap && !ends_child(c, frame, &kind) {
                self.child_at_quota(c, express);
                return self.exec.seq;
            }
        } else {
            // AWS's hard quota: event 25,000 must end the execution, and a
            // machine that loops without waiting (Pass -> Choice -> Pass ...)
            // ends there instead of never returning from `decide`.
            //
            // EXPRESS executions keep no history and have no such quota (the
            // benchmark workloads run 40,000-event executions); AWS stops them at
            // their 5-minute limit instead (the execution timer).
            // DIFFERENCE: that timer fires between decisions, so one that
            // never waits (a loop of Pass and Choice) times out after
            // EXPRESS_MAX_EVENTS events instead.
            let cap = if self.exec.info.express {
                EXPRESS_MAX_EVENTS
            } else {
                MAX_HISTORY_EVENTS
            };
            if last_id + 1 >= cap && !ends_execution(&kind) {
                if self.exec.status == Status::Running {
                    let end = if self.exec.info.express {
                        EventKind::ExecutionTimedOut {
                            error: names::TIMEOUT.into(),
                            cause: format!(
                                "The execution reached the maximum number of events ({cap}) stepwell allows an EXPRESS execution."
                            ),
                        }
                    } else {
                        EventKind::ExecutionFailed {
                            // DIFFERENCE: AWS documents the failure, not its
                            // error and cause; these are what AWS executions
                            // are reported to end with.
                            error: names::RUNTIME.into(),
                            cause: HISTORY_QUOTA_CAUSE.into(),
                        }
                    };
                    self.end_execution(end);
                }
                return self.exec.seq;
            }
        }
        let visible = kind.is_visible();
        let event = Event {
            seq: self.exec.seq + 1,
            id: if visible { last_id + 1 } else { 0 },
            previous_id: if visible {
                previous.unwrap_or_else(|| self.exec.previous_id(frame, &kind, scope))
            } else {
                0
            },
            timestamp: self.now,
            frame,
            kind,
        };
        let applied = self.exec.apply(&event);
        debug_assert!(
            applied.is_ok(),
            "decide produced an event apply refused: {applied:?}"
        );
        let seq = event.seq;
        self.events.push(event);
        seq
    }

    /// Child execution `c` of a Map Run reached its event quota: it fails
    /// alone (AWS, "Redriving Map Runs": such children "are counted towards
    /// the tolerated failure threshold and considered as failed"), as its
    /// event 25,000, and its Map Run goes on.
    fn child_at_quota(&mut self, c: FrameId, express: bool) {
        self.cancel_below(c);
        let (error, cause) = if express {
            // DIFFERENCE: AWS times an EXPRESS child out after 5 minutes
            // (`States.Timeout`); it is recorded as failed with that error.
            (
                names::TIMEOUT,
                format!("The execution reached the maximum number of events ({EXPRESS_MAX_EVENTS}) stepwell allows an EXPRESS execution."),
            )
        } else {
            (names::RUNTIME, HISTORY_QUOTA_CAUSE.to_string())
        };
        let index = self.exec.frame(c).index;
        self.emit(
            c,
            EventKind::MapIterationFailed {
                index,
                error: error.into(),
                cause,
            },
        );
        if let Some(p) = self.exec.frame(c).parent {
            self.work.push(p);
        }
    }

    fn start_timer(&mut self, frame: FrameId, purpose: TimerPurpose, fire_at: i64) -> u64 {
        let timer = self.emit(frame, EventKind::TimerStarted { purpose, fire_at });
        // None when the event was not recorded (the execution, or the child
        // execution it belongs to, ended at its quota).
        if self.exec.timers.contains_key(&timer) {
            let scaled = purpose != TimerPurpose::ExpressLimit;
            self.commands.push(Command::StartTimer {
                timer,
                fire_at,
                scaled,
            });
        }
        timer
    }

    /// Whether TestState records the data flow.
    fn traced(&self) -> bool {
        self.trace.is_some()
    }

    /// Record TestState inspection values (see [`Trace::steps`]).
    fn note(&mut self, steps: Vec<(&'static str, Value)>) {
        if let Some(t) = self.trace.as_deref_mut() {
            t.steps.extend(steps);
        }
    }

    fn finished(&self) -> bool {
        !matches!(self.exec.status, Status::Running)
    }

    // ----- inputs ----------------------------------------------------------

    fn handle(&mut self, input: Input) {
        match input {
            Input::Start => self.start(),
            Input::TaskStarted { task, worker } => {
                if let Some(&(f, _)) = self.exec.tasks.get(&task) {
                    self.emit(f, EventKind::TaskStarted { task, worker });
                }
            }
            Input::TaskSucceeded { task, output } => {
                let Some(&(f, _)) = self.exec.tasks.get(&task) else {
                    return;
                };
                self.cancel_task_timers(f);
                if let Err(over) = limits::check_size(&output) {
                    let resource = self
                        .exec
                        .tasks
                        .get(&task)
                        .map(|(_, r)| r.resource.as_str())
                        .unwrap_or_default();
                    let name = task_display_name(resource);
                    let (error, cause) = match over {
                        Exceeded::Size(_) => (names::DATA_LIMIT_EXCEEDED, format!(
                            "The state/task '{name}' returned a result with a size exceeding the maximum number of bytes service limit."
                        )),
                        Exceeded::Nesting => (names::RUNTIME, format!(
                            "The state/task '{name}' returned a result nested deeper than {MAX_NESTING} levels, the most Stepwell accepts."
                        )),
                    };
                    self.emit(
                        f,
                        EventKind::TaskFailed {
                            task,
                            error: error.into(),
                            cause,
                        },
                    );
                } else {
                    self.emit(
                        f,
                        EventKind::TaskSucceeded {
                            task,
                            output: Arc::new(output),
                        },
                    );
                }
                self.work.push(f);
            }
            Input::TaskFailed { task, error, cause } => {
                self.task_ended(task, EventKind::TaskFailed { task, error, cause });
            }
            Input::TaskSubmitted { task, output } => {
                // Once per task: a runner that hands a task over again (after
                // a restart) or reports it from two places records nothing new.
                if self.exec.submitted.contains(&task) {
                    return;
                }
                if let Some(&(f, _)) = self.exec.tasks.get(&task) {
                    let output = Arc::new(output);
                    self.emit(f, EventKind::TaskSubmitted { task, output });
                }
            }
            Input::TaskTimedOut { task, error, cause } => {
                let heartbeat = error == names::HEARTBEAT_TIMEOUT;
                let kind = EventKind::TaskTimedOut {
                    task,
                    error,
                    cause,
                    heartbeat,
                };
                self.task_ended(task, kind);
            }
            Input::TaskHeartbeat { task } => {
                let Some((f, req)) = self.exec.tasks.get(&task).cloned() else {
                    return;
                };
                let Some(hb) = req.heartbeat_seconds else {
                    return;
                };
                if let Phase::Task {
                    heartbeat_timer: Some(old),
                    ..
                } = self.exec.frame(f).phase
                {
                    self.commands.push(Command::CancelTimer { timer: old });
                }
                self.emit(f, EventKind::TaskHeartbeat { task });
                self.start_timer(
                    f,
                    TimerPurpose::Heartbeat(task),
                    self.now + hb as i64 * 1000,
                );
            }
            Input::TimerFired { timer } => self.timer_fired(timer),
            Input::Stop { error, cause } => {
                if !self.finished() {
                    self.end_execution(EventKind::ExecutionAborted { error, cause });
                }
            }
            Input::Fail { error, cause } => {
                if !self.finished() {
                    self.end_execution(EventKind::ExecutionFailed { error, cause });
                }
            }
            Input::Redrive => self.redrive(),
            Input::ItemsRead { read, result } => self.items_read(read, result),
            Input::ResultsWritten { write, result } => self.results_written(write, result),
            Input::StopChild {
                map_run,
                index,
                error,
                cause,
            } => self.stop_child(&map_run, index, error, cause),
            Input::UpdateMapRun {
                arn,
                max_concurrency,
                tolerated_count,
                tolerated_percentage,
            } => {
                let running = self.exec.frames.iter().position(|fr| {
                    matches!(&fr.phase, Phase::Fan(fan) if fan.map_run.as_deref() == Some(arn.as_str()))
                });
                if let (Some(f), false) = (running, self.finished()) {
                    let f = f as FrameId;
                    self.emit(
                        f,
                        EventKind::MapRunUpdated {
                            max_concurrency,
                            tolerated_count,
                            tolerated_percentage,
                        },
                    );
                    self.work.push(f);
                }
            }
        }
    }

    fn start(&mut self) {
        if self.exec.status != Status::NotStarted {
            return;
        }
        let input = self.exec.info.input.clone();
        let role_arn = self.exec.info.role_arn.clone();
        self.emit(
            0,
            EventKind::ExecutionStarted {
                input: input.clone(),
                role_arn,
            },
        );
        let timeout = self.exec.plan.timeout_seconds;
        if let Some(t) = timeout {
            self.start_timer(0, TimerPurpose::Execution, self.now + t as i64 * 1000);
        }
        // AWS ends an EXPRESS execution after five minutes at the most.
        if self.exec.info.express && timeout.is_none_or(|t| t > EXPRESS_MAX_SECONDS) {
            let at = self.now + EXPRESS_MAX_SECONDS as i64 * 1000;
            self.start_timer(0, TimerPurpose::ExpressLimit, at);
        }
        let start = self.exec.plan.top().start_at;
        self.enter(0, start, input);
        // TestState's `retrierRetryCount`: the retries already made.
        if let Some(n) = self.trace.as_ref().and_then(|t| t.retrier_retry_count) {
            let fr = &mut self.exec.frames[0];
            fr.attempts.iter_mut().for_each(|a| *a = n);
            fr.retry_count = n;
        }
        self.work.push(0);
    }

    fn timer_fired(&mut self, timer: u64) {
        let Some(t) = self.exec.timers.get(&timer).cloned() else {
            return;
        };
        self.emit(t.frame, EventKind::TimerFired { timer });
        match t.purpose {
            TimerPurpose::Wait | TimerPurpose::Retry(_) => self.work.push(t.frame),
            TimerPurpose::TaskTimeout(task) | TimerPurpose::Heartbeat(task) => {
                if !self.exec.tasks.contains_key(&task) {
                    return;
                }
                // A missed heartbeat is a `States.Timeout` too (AWS's
                // recorded histories), which `States.HeartbeatTimeout` also
                // matches in Retry and Catch.
                let heartbeat = matches!(t.purpose, TimerPurpose::Heartbeat(_));
                self.cancel_task_timers(t.frame);
                self.commands.push(Command::CancelTask { task });
                self.emit(
                    t.frame,
                    EventKind::TaskTimedOut {
                        task,
                        error: names::TIMEOUT.into(),
                        cause: String::new(),
                        heartbeat,
                    },
                );
                self.work.push(t.frame);
            }
            TimerPurpose::Execution | TimerPurpose::ExpressLimit => {
                self.end_execution(EventKind::ExecutionTimedOut {
                    error: names::TIMEOUT.into(),
                    cause: String::new(),
                })
            }
        }
    }

    /// A pending task ended with `kind` (its failure or timeout).
    fn task_ended(&mut self, task: TaskId, kind: EventKind) {
        let Some(&(f, _)) = self.exec.tasks.get(&task) else {
            return;
        };
        self.cancel_task_timers(f);
        self.emit(f, kind);
        self.work.push(f);
    }

    fn cancel_task_timers(&mut self, f: FrameId) {
        if let Phase::Task {
            timeout_timer,
            heartbeat_timer,
            ..
        } = self.exec.frame(f).phase
        {
            for timer in [timeout_timer, heartbeat_timer].into_iter().flatten() {
                self.commands.push(Command::CancelTimer { timer });
            }
        }
    }

    /// Cancel every task and timer under `f` (inclusive).
    fn cancel_below(&mut self, f: FrameId) {
        let mut frames = Vec::new();
        self.exec.live_descendants(f, &mut frames);
        for (&task, (tf, _)) in &self.exec.tasks {
            if frames.contains(tf) {
                self.commands.push(Command::CancelTask { task });
            }
        }
        for (&timer, t) in &self.exec.timers {
            let execution = matches!(
                t.purpose,
                TimerPurpose::Execution | TimerPurpose::ExpressLimit
            );
            if frames.contains(&t.frame) && !execution {
                self.commands.push(Command::CancelTimer { timer });
            }
        }
    }

    fn end_execution(&mut self, kind: EventKind) {
        self.end_execution_in(0, kind);
    }

    /// [`Self::end_execution`], its event following frame `f`'s chain.
    fn end_execution_in(&mut self, f: FrameId, kind: EventKind) {
        for &task in self.exec.tasks.keys() {
            self.commands.push(Command::CancelTask { task });
        }
        for &timer in self.exec.timers.keys() {
            self.commands.push(Command::CancelTimer { timer });
        }
        self.emit(f, kind);
        self.commands.push(Command::Finished);
    }

    // ----- the frame loop --------------------------------------------------

    fn run(&mut self) {
        while let Some(f) = self.work.pop() {
            if self.finished() {
                return;
            }
            self.step(f);
        }
    }

    /// Run frame `f` until it blocks, ends, or yields to a child.
    fn step(&mut self, f: FrameId) {
        loop {
            if self.finished() {
                return;
            }
            let before = self.exec.seq;
            match &self.exec.frame(f).phase {
                Phase::Idle
                | Phase::Redrive(_)
                | Phase::Task { .. }
                | Phase::Timer(_)
                | Phase::Succeeded(_)
                | Phase::Failed(_)
                | Phase::Aborted => return,
                Phase::Entered => self.run_state(f),
                Phase::WaitDone => self.finish_wait(f),
                Phase::Result(r) => {
                    let r = r.clone();
                    self.finish_result(f, r);
                }
                Phase::Error(e) => {
                    let e = e.clone();
                    self.recover(f, e);
                }
                // TestState runs the tested state only: it stops once the
                // state is left (so a state that goes to itself ends too).
                Phase::Exited { .. } if self.traced() => return,
                Phase::Exited { output, next } => {
                    let (output, next) = (output.clone(), *next);
                    match next {
                        // exit() checked this output's size already.
                        Some(n) => {
                            self.emit(
                                f,
                                EventKind::StateEntered {
                                    state: n,
                                    input: output,
                                },
                            );
                        }
                        None => {
                            self.complete(f, output);
                            return;
                        }
                    }
                }
                Phase::Fan(_) if self.trace.as_ref().is_some_and(|t| t.mock_fans) => {
                    self.fan_mocked(f);
                    return;
                }
                Phase::Fan(_) => match self.advance_fan(f) {
                    Fanned::Blocked => return,
                    Fanned::Progress => {}
                    Fanned::Yield => return,
                },
            }
            if self.exec.seq == before {
                debug_assert!(false, "frame {f} made no progress");
                return;
            }
        }
    }

    fn plan(&self) -> Arc<stepwell_asl::StateMachine> {
        self.exec.plan.clone()
    }

    /// Enter `state` in frame `f`.
    fn enter(&mut self, f: FrameId, state: StateId, input: Arc<Value>) {
        self.enter_sized(f, state, input, false);
    }

    /// [`Self::enter`]; `within_limit` says the input is already known to be
    /// under the payload limit (a part of a document that was checked).
    fn enter_sized(&mut self, f: FrameId, state: StateId, input: Arc<Value>, within_limit: bool) {
        if let (false, Err(over)) = (within_limit, limits::check_size(&input)) {
            let plan = self.plan();
            let name = &plan.machine(self.exec.frame(f).machine).state(state).name;
            let err = match over {
                Exceeded::Size(_) => StateError::new(
                    names::DATA_LIMIT_EXCEEDED,
                    format!("The state/task '{name}' has an input with a size exceeding the maximum number of bytes service limit ({MAX_PAYLOAD_BYTES} bytes)."),
                ),
                Exceeded::Nesting => StateError::new(
                    names::RUNTIME,
                    format!("The state/task '{name}' has an input nested deeper than {MAX_NESTING} levels, the most Stepwell accepts."),
                ),
            };
            self.fail_frame(f, err);
            return;
        }
        self.emit(f, EventKind::StateEntered { state, input });
    }

    /// Leave the current state of `f` with `output`, going to `next`.
    fn exit(
        &mut self,
        f: FrameId,
        output: Value,
        next: Option<StateId>,
        assigned: Vec<(String, Value)>,
    ) {
        self.exit_shared(f, Arc::new(output), next, assigned);
    }

    /// [`Self::exit`] with an [`Output`]: the state's input itself is shared.
    fn exit_output(
        &mut self,
        f: FrameId,
        output: Output,
        next: Option<StateId>,
        assigned: Vec<(String, Value)>,
    ) {
        let output = match output {
            Output::Input => self.exec.frame(f).input.clone(),
            Output::New(v) => Arc::new(v),
        };
        self.exit_shared(f, output, next, assigned);
    }

    /// [`Self::exit`] with an output that may already be shared (a result
    /// passed through unchanged), so it is not copied.
    fn exit_shared(
        &mut self,
        f: FrameId,
        output: Arc<Value>,
        next: Option<StateId>,
        assigned: Vec<(String, Value)>,
    ) {
        let state = self.exec.frame(f).state;
        if let Err(over) = limits::check_size(&output) {
            let at = at_of(self.exec, f);
            let err = match over {
                Exceeded::Size(_) => StateError::new(
                    names::DATA_LIMIT_EXCEEDED,
                    format!("The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.", at.state),
                ),
                Exceeded::Nesting => at.runtime(&format!(
                    "The state/task '{}' returned a result nested deeper than {MAX_NESTING} levels, the most Stepwell accepts.",
                    at.state
                )),
            };
            self.fail_frame(f, err);
            return;
        }
        self.emit(
            f,
            EventKind::StateExited {
                state,
                output,
                next,
                assigned,
            },
        );
    }

    fn next_of(st: &State) -> Option<StateId> {
        match st.transition {
            Transition::Next(n) => Some(n),
            Transition::End => None,
        }
    }

    /// The frame ended successfully.
    fn complete(&mut self, f: FrameId, output: Arc<Value>) {
        let fr = self.exec.frame(f);
        match fr.parent {
            None => {
                self.emit(0, EventKind::ExecutionSucceeded { output });
                self.commands.push(Command::Finished);
            }
            Some(p) => {
                let index = fr.index;
                if self.is_map_child(f) {
                    self.emit(f, EventKind::MapIterationSucceeded { index });
                } else {
                    self.emit(f, EventKind::BranchSucceeded);
                }
                self.work.push(p);
            }
        }
    }

    /// The frame ended with an error nothing in it handled.
    fn fail_frame(&mut self, f: FrameId, err: StateError) {
        let fr = self.exec.frame(f);
        // A States.Runtime error in a Parallel branch or a Map iteration ends
        // the execution at once: AWS records no failure of the branch, the
        // iteration or the state around them (floci-io/floci issue 2868:
        // `PassStateEntered`, then `ExecutionFailed`). A Map Run's child
        // execution fails alone, as its own history's end.
        if fr.parent.is_some()
            && err.error == names::RUNTIME
            && self.exec.child_execution(f).is_none()
        {
            return self.end_execution_in(
                f,
                EventKind::ExecutionFailed {
                    error: err.error,
                    cause: err.cause,
                },
            );
        }
        match fr.parent {
            None => self.end_execution(EventKind::ExecutionFailed {
                error: err.error,
                cause: err.cause,
            }),
            Some(p) => {
                let index = fr.index;
                // A Task whose error ends its branch or iteration is recorded
                // as aborted (`TaskStateAborted`), as AWS records it: before
                // the branch's (internal) end, after the iteration's.
                let state = fr.state;
                let aborts_task = matches!(self.exec.state_of(f).kind, StateKind::Task(_))
                    && !fr.phase.is_final();
                if self.is_map_child(f) {
                    // A failing inline Map records its iterations in index
                    // order: those before this one are aborted first.
                    if self.exec.child_execution(f).is_none() {
                        let last = self.exec.frame(f).last_id;
                        self.abort_children(p, last, |i| i < index);
                    }
                    self.emit(
                        f,
                        EventKind::MapIterationFailed {
                            index,
                            error: err.error,
                            cause: err.cause,
                        },
                    );
                    if aborts_task && self.exec.child_execution(f).is_none() {
                        self.emit(f, EventKind::StateAborted { state });
                    }
                } else {
                    if aborts_task {
                        self.emit(f, EventKind::StateAborted { state });
                    }
                    self.emit(
                        f,
                        EventKind::BranchFailed {
                            error: err.error,
                            cause: err.cause,
                        },
                    );
                }
                self.work.push(p);
            }
        }
    }

    fn is_map_child(&self, f: FrameId) -> bool {
        self.exec
            .frame(f)
            .parent
            .is_some_and(|p| matches!(&self.exec.frame(p).phase, Phase::Fan(fan) if fan.is_map))
    }

    // ----- running a state -------------------------------------------------

    fn run_state(&mut self, f: FrameId) {
        let plan = self.plan();
        let fr = self.exec.frame(f);
        let st = plan.machine(fr.machine).state(fr.state);
        let result = match &st.kind {
            StateKind::Pass(p) => self.run_pass(f, st, p.result.as_ref()),
            StateKind::Task(t) => self.run_task(f, st, t),
            StateKind::Choice(c) => self.run_choice(f, st, c),
            StateKind::Wait(w) => self.run_wait(f, st, w),
            StateKind::Succeed => self.run_succeed(f, st),
            StateKind::Fail(fail) => match self.fail_error(f, st, fail) {
                Ok(err) => {
                    self.fail_frame(f, err);
                    Ok(())
                }
                Err(e) => Err(e),
            },
            StateKind::Parallel(_) => self.run_parallel(f, st),
            StateKind::Map(m) => self.run_map(f, st, m),
        };
        if let Err(e) = result {
            self.evaluation_failed(f, &e);
            // A Map whose own fields fail to evaluate fails before it starts,
            // as AWS records it: `EvaluationFailed`, then `MapStateFailed`
            // (whose error the next step handles like any failed Map's).
            let started = matches!(self.exec.frame(f).phase, Phase::Fan(_));
            if matches!(st.kind, StateKind::Map(_))
                && !started
                && e.error == names::QUERY_EVALUATION_ERROR
            {
                let retried = self.will_retry(f, &e);
                self.emit(
                    f,
                    EventKind::MapFailed {
                        error: e.error,
                        cause: e.cause,
                        retried,
                    },
                );
                return;
            }
            self.recover(f, e);
        }
    }

    /// Record `EvaluationFailed` when `err`, raised by the state of `f`
    /// itself, is an expression that failed to evaluate.
    pub(super) fn evaluation_failed(&mut self, f: FrameId, err: &StateError) {
        if err.error == names::QUERY_EVALUATION_ERROR {
            let state = self.exec.frame(f).state;
            self.emit(
                f,
                EventKind::EvaluationFailed {
                    state,
                    error: err.error.clone(),
                    cause: err.cause.clone(),
                    location: err.location.clone(),
                },
            );
        }
    }
}

/// How AWS names a task's resource in messages: a Lambda function or
/// activity by its ARN, a service integration by its service (`lambda`).
fn task_display_name(resource: &str) -> &str {
    match resource.strip_prefix("arn:aws:states:::") {
        Some(rest) => rest.split(':').next().unwrap_or(rest),
        None => resource,
    }
}

/// How AWS's executions that reach the 25,000-event quota end.
const HISTORY_QUOTA_CAUSE: &str =
    "The execution reached the maximum number of history events (25000).";

/// Whether `kind`, in frame `frame`, ends child execution `c` (whose
/// iteration frame it is).
fn ends_child(c: FrameId, frame: FrameId, kind: &EventKind) -> bool {
    frame == c
        && matches!(
            kind,
            EventKind::MapIterationSucceeded { .. }
                | EventKind::MapIterationFailed { .. }
                | EventKind::MapIterationAborted { .. }
        )
}

/// Whether `kind` is an execution's last event.
fn ends_execution(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::ExecutionSucceeded { .. }
            | EventKind::ExecutionFailed { .. }
            | EventKind::ExecutionTimedOut { .. }
            | EventKind::ExecutionAborted { .. }
    )
}

/// Where errors in frame `f` are reported.
fn at_of(exec: &Execution, f: FrameId) -> At<'_> {
    At {
        state: &exec.state_of(f).name,
        entered_id: exec.frame(f).entered_id,
    }
}

/// Whether a Map's failures so far are within its tolerance.
fn tolerated(fan: &Fan) -> bool {
    if !fan.is_map || (fan.tolerated_count.is_none() && fan.tolerated_percentage.is_none()) {
        return false;
    }
    // AWS counts items: "the total number of failed or timed out items
    // divided by the total number of items"; with an ItemBatcher a failed
    // child execution fails every item of its batch.
    let over_count = fan.tolerated_count.is_some_and(|c| fan.failed_items > c);
    let over_pct = fan
        .tolerated_percentage
        .is_some_and(|p| fan.failed_items as f64 * 100.0 / fan.total_items.max(1) as f64 > p);
    !(over_count || over_pct)
}

/// JSONPath `Assign`: a template rendered with `$` = `value`.
fn assign_jsonpath(
    assign: Option<&Assign>,
    value: &Value,
    roots: &Roots<'_>,
    rng: &mut dyn stepwell_jsonpath::Entropy,
    at: At<'_>,
) -> Result<Vec<(String, Value)>, StateError> {
    let Some(Assign::JsonPath(t)) = assign else {
        return Ok(Vec::new());
    };
    let roots = Roots {
        input: value,
        context: roots.context,
        variables: roots.variables,
    };
    match t.render(&roots, rng).map_err(|e| at.err(e))? {
        Value::Object(m) => Ok(m.into_iter().collect()),
        _ => Ok(Vec::new()),
    }
}

fn dynamic_seconds_path(
    d: Option<&Dynamic<u64>>,
    roots: &Roots<'_>,
    at: At<'_>,
    field: &str,
) -> Result<Option<u64>, StateError> {
    match d {
        None | Some(Dynamic::Expr(_)) => Ok(None),
        Some(Dynamic::Value(n)) => Ok(Some(*n)),
        Some(Dynamic::Path(p)) => {
            let n = path_integer(p, roots, at, field)?;
            if n <= 0 {
                return Err(at.runtime(&format!(
                    "The {field} field refers to value \"{n}\" which is not a positive integer: {}",
                    p.text()
                )));
            }
            Ok(Some(n as u64))
        }
    }
}

fn path_integer(
    p: &stepwell_jsonpath::Path,
    roots: &Roots<'_>,
    at: At<'_>,
    field: &str,
) -> Result<i64, StateError> {
    let v = p.select(roots).map_err(|e| at.err(e))?;
    let n = match v.as_ref() {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    n.ok_or_else(|| {
        at.runtime(&format!(
            "The {field} field refers to value \"{}\" which is not a valid integer: {}",
            plain(&v),
            p.text()
        ))
    })
}

/// A value as AWS quotes it in messages: strings bare, the rest as JSON.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A Wait's `Timestamp` in ms, to the second: AWS "considers the time
/// value up to seconds and truncates milliseconds".
fn timestamp_ms(s: &str) -> Option<i64> {
    let t = stepwell_asl::parse_rfc3339(s)?;
    Some(t.unix_timestamp() * 1000)
}

/// A Choice state no rule of which matched, without a `Default`: AWS fails
/// the execution with `States.Runtime` (measured on AWS by floci-io/floci
/// and by aws-local-stepfunctions; the ASL specification names
/// `States.NoChoiceMatched`, which AWS does not raise here).
fn no_choice(at: At<'_>) -> StateError {
    at.runtime_named(
        names::RUNTIME,
        "Failed to transition out of the state. The state does not point to a next state.",
    )
}

/// A version 4 UUID from the caller's entropy.
pub fn uuid(entropy: &mut dyn Entropy) -> String {
    let bits = (u128::from(entropy.next_u64()) << 64) | u128::from(entropy.next_u64());
    uuid::Builder::from_random_bytes(bits.to_be_bytes())
        .into_uuid()
        .to_string()
}

impl At<'_> {
    pub(crate) fn runtime_named(&self, error: &str, message: &str) -> StateError {
        StateError::new(
            error,
            dataflow::runtime_cause(self.state, self.entered_id, message),
        )
    }
}
