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
use crate::dataflow::{self, At};
use crate::errors::{error_matches, names, StateError};
use crate::event::{Event, EventKind, FrameId, TaskFlavor, TimerPurpose};
use crate::execution::{unshare, Execution, Fan, Phase, Status};
use crate::input::{Command, Input};
use crate::jsonata_eval::{self, StatesVar};
use crate::limits::{self, MAX_PAYLOAD_BYTES};
use crate::retry;

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
        let mut d = Decider {
            exec: self,
            now,
            entropy,
            events: Vec::new(),
            commands: Vec::new(),
            work: Vec::new(),
        };
        d.handle(input);
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
}

/// Adapts our entropy to the expression crates' traits.
struct Rng<'a>(&'a mut dyn Entropy);
impl stepwell_jsonpath::Entropy for Rng<'_> {
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}
impl stepwell_jsonata::Entropy for Rng<'_> {
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
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
        // AWS's hard quota: event 25,000 must end the execution, and a
        // machine that loops without waiting (Pass -> Choice -> Pass ...)
        // ends there instead of never returning from `decide`.
        //
        // EXPRESS executions keep no history and have no such quota (the
        // benchmark workloads run 40,000-event executions); AWS stops them at
        // their 5-minute limit instead.
        // DIFFERENCE: `decide` has no clock to run out, so an EXPRESS
        // execution times out after EXPRESS_MAX_EVENTS events instead.
        let cap = if self.exec.info.express {
            EXPRESS_MAX_EVENTS
        } else {
            MAX_HISTORY_EVENTS
        };
        if self.exec.last_id + 1 >= cap && !ends_execution(&kind) {
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
                        // DIFFERENCE: AWS documents the failure and its cause
                        // text, not the error name; States.Runtime is our guess.
                        error: names::RUNTIME.into(),
                        cause:
                            "The execution reached the maximum number of history events (25000)."
                                .into(),
                    }
                };
                self.end_execution(end);
            }
            return self.exec.seq;
        }
        let visible = kind.is_visible();
        let event = Event {
            seq: self.exec.seq + 1,
            id: if visible { self.exec.last_id + 1 } else { 0 },
            previous_id: if visible {
                self.exec.frame(frame).last_id
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

    fn start_timer(&mut self, frame: FrameId, purpose: TimerPurpose, fire_at: i64) -> u64 {
        let timer = self.emit(frame, EventKind::TimerStarted { purpose, fire_at });
        if self.exec.status == Status::Running {
            self.commands.push(Command::StartTimer { timer, fire_at });
        }
        timer
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
                if limits::check_size(&output).is_err() {
                    let resource = self
                        .exec
                        .tasks
                        .get(&task)
                        .map(|(_, r)| r.resource.as_str())
                        .unwrap_or_default();
                    let cause = format!(
                        "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                        task_display_name(resource)
                    );
                    self.emit(
                        f,
                        EventKind::TaskFailed {
                            task,
                            error: names::DATA_LIMIT_EXCEEDED.into(),
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
                let Some(&(f, _)) = self.exec.tasks.get(&task) else {
                    return;
                };
                self.cancel_task_timers(f);
                self.emit(f, EventKind::TaskFailed { task, error, cause });
                self.work.push(f);
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
        if let Some(t) = self.exec.plan.timeout_seconds {
            self.start_timer(0, TimerPurpose::Execution, self.now + t as i64 * 1000);
        }
        let start = self.exec.plan.top().start_at;
        self.enter(0, start, input);
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
                let error = match t.purpose {
                    TimerPurpose::Heartbeat(_) => names::HEARTBEAT_TIMEOUT,
                    _ => names::TIMEOUT,
                };
                self.cancel_task_timers(t.frame);
                self.commands.push(Command::CancelTask { task });
                self.emit(
                    t.frame,
                    EventKind::TaskTimedOut {
                        task,
                        error: error.into(),
                        cause: String::new(),
                    },
                );
                self.work.push(t.frame);
            }
            TimerPurpose::Execution => self.end_execution(EventKind::ExecutionTimedOut {
                error: names::TIMEOUT.into(),
                cause: String::new(),
            }),
        }
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
            if frames.contains(&t.frame) && t.purpose != TimerPurpose::Execution {
                self.commands.push(Command::CancelTimer { timer });
            }
        }
    }

    fn end_execution(&mut self, kind: EventKind) {
        for &task in self.exec.tasks.keys() {
            self.commands.push(Command::CancelTask { task });
        }
        for &timer in self.exec.timers.keys() {
            self.commands.push(Command::CancelTimer { timer });
        }
        self.emit(0, kind);
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

    /// Run `body` in the JSONPath environment of frame `f`'s current state:
    /// `$` is the state's raw input, `$$` the context object (built only
    /// when the state reads it, or for a Map item), `$name` the variables in
    /// scope. `body` also gets the entropy and where errors are reported.
    fn with_jsonpath<R>(
        &mut self,
        f: FrameId,
        st: &State,
        extra: ContextExtra<'_>,
        body: impl FnOnce(&Roots<'_>, &mut Rng<'_>, At<'_>) -> R,
    ) -> R {
        let exec = &*self.exec;
        let raw = exec.frame(f).input.clone();
        let ctx = if st.uses_context || extra.map_item.is_some() {
            context_object(exec, f, extra)
        } else {
            Value::Null
        };
        let scope = Scope { exec, frame: f };
        let roots = Roots {
            input: &raw,
            context: &ctx,
            variables: &scope,
        };
        let mut rng = Rng(&mut *self.entropy);
        body(&roots, &mut rng, at_of(exec, f))
    }

    /// Enter `state` in frame `f`.
    fn enter(&mut self, f: FrameId, state: StateId, input: Arc<Value>) {
        self.enter_sized(f, state, input, false);
    }

    /// [`Self::enter`]; `within_limit` says the input is already known to be
    /// under the payload limit (a part of a document that was checked).
    fn enter_sized(&mut self, f: FrameId, state: StateId, input: Arc<Value>, within_limit: bool) {
        if !within_limit && limits::check_size(&input).is_err() {
            let plan = self.plan();
            let name = &plan.machine(self.exec.frame(f).machine).state(state).name;
            let err = StateError::new(
                names::DATA_LIMIT_EXCEEDED,
                format!("The state/task '{name}' has an input with a size exceeding the maximum number of bytes service limit ({MAX_PAYLOAD_BYTES} bytes)."),
            );
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
        if limits::check_size(&output).is_err() {
            let at = at_of(self.exec, f);
            let err = StateError::new(
                names::DATA_LIMIT_EXCEEDED,
                format!("The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.", at.state),
            );
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
        match fr.parent {
            None => self.end_execution(EventKind::ExecutionFailed {
                error: err.error,
                cause: err.cause,
            }),
            Some(p) => {
                let index = fr.index;
                if self.is_map_child(f) {
                    self.emit(
                        f,
                        EventKind::MapIterationFailed {
                            index,
                            error: err.error,
                            cause: err.cause,
                        },
                    );
                } else {
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
            self.recover(f, e);
        }
    }

    fn run_pass(
        &mut self,
        f: FrameId,
        st: &State,
        result: Option<&Value>,
    ) -> Result<(), StateError> {
        let (output, assigned) = if st.query_language == QueryLanguage::Jsonata {
            let raw = self.exec.frame(f).input.clone();
            let states = self.states_var(f, st, ContextExtra::default(), None, None);
            let out = match &st.io.output {
                Some(t) => self.eval_jsonata(f, t, &states, "Output")?,
                None => (*raw).clone(),
            };
            let assigned = self.assign(f, st, st.assign.as_ref(), &raw, &states)?;
            (out, assigned)
        } else {
            self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
                let eff = dataflow::render(st.io.parameters.as_ref(), eff, roots, rng, at)?;
                let result: Cow<'_, Value> = match result {
                    Some(r) => Cow::Borrowed(r),
                    None => eff,
                };
                let assigned = assign_jsonpath(st.assign.as_ref(), &result, roots, rng, at)?;
                let out = dataflow::result_path(
                    &st.io.result_path,
                    roots.input,
                    result.into_owned(),
                    at,
                )?;
                let out = dataflow::output_path(&st.io.output_path, out, roots, at)?;
                Ok::<_, StateError>((out, assigned))
            })?
        };
        self.exit(f, output, Self::next_of(st), assigned);
        Ok(())
    }

    fn run_succeed(&mut self, f: FrameId, st: &State) -> Result<(), StateError> {
        let output = self.simple_output(f, st)?;
        self.exit(f, output, None, Vec::new());
        Ok(())
    }

    /// Output of a state that does no work: InputPath then OutputPath
    /// (JSONPath), or `Output` with the input as default (JSONata).
    fn simple_output(&mut self, f: FrameId, st: &State) -> Result<Value, StateError> {
        let raw = self.exec.frame(f).input.clone();
        if st.query_language == QueryLanguage::Jsonata {
            let states = self.states_var(f, st, ContextExtra::default(), None, None);
            return match &st.io.output {
                Some(t) => self.eval_jsonata(f, t, &states, "Output"),
                None => Ok((*raw).clone()),
            };
        }
        self.with_jsonpath(f, st, ContextExtra::default(), |roots, _, at| {
            let eff = dataflow::input_path(&st.io.input_path, roots, at)?.into_owned();
            dataflow::output_path(&st.io.output_path, eff, roots, at)
        })
    }

    fn run_task(
        &mut self,
        f: FrameId,
        st: &State,
        task: &stepwell_asl::Task,
    ) -> Result<(), StateError> {
        let resource = task.resource.as_str();
        let flavor = if resource.starts_with("arn:aws:lambda:") {
            TaskFlavor::Lambda
        } else if resource.contains(":activity:") {
            TaskFlavor::Activity
        } else {
            TaskFlavor::Service
        };
        // The callback patterns need a token; AWS also offers `$$.Task.Token`
        // to any Task state that reads it (e.g. `.sync` starts).
        let token = (resource.ends_with(".waitForTaskToken")
            || flavor == TaskFlavor::Activity
            || st.uses_context)
            .then(|| uuid(&mut *self.entropy));
        let extra = ContextExtra {
            token: token.as_deref(),
            map_item: None,
        };
        let (payload, timeout, heartbeat) = if st.query_language == QueryLanguage::Jsonata {
            let raw = self.exec.frame(f).input.clone();
            let states = self.states_var(f, st, extra, None, None);
            let payload = match &st.io.arguments {
                Some(t) => self.eval_jsonata(f, t, &states, "Arguments")?,
                None => (*raw).clone(),
            };
            let timeout = self.dynamic_jsonata(
                f,
                task.timeout_seconds.as_ref(),
                &states,
                "TimeoutSeconds",
                INTEGER,
            )?;
            let heartbeat = self.dynamic_jsonata(
                f,
                task.heartbeat_seconds.as_ref(),
                &states,
                "HeartbeatSeconds",
                INTEGER,
            )?;
            (payload, timeout, heartbeat)
        } else {
            self.with_jsonpath(f, st, extra, |roots, rng, at| {
                let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
                let payload =
                    dataflow::render(st.io.parameters.as_ref(), eff, roots, rng, at)?.into_owned();
                let timeout = dynamic_seconds_path(
                    task.timeout_seconds.as_ref(),
                    roots,
                    at,
                    "TimeoutSecondsPath",
                )?;
                let heartbeat = dynamic_seconds_path(
                    task.heartbeat_seconds.as_ref(),
                    roots,
                    at,
                    "HeartbeatSecondsPath",
                )?;
                Ok::<_, StateError>((payload, timeout, heartbeat))
            })?
        };
        let task_id = self.emit(
            f,
            EventKind::TaskScheduled {
                flavor,
                resource: resource.to_owned(),
                parameters: Arc::new(payload),
                timeout,
                heartbeat,
                token,
            },
        );
        if let Some((_, req)) = self.exec.tasks.get(&task_id) {
            self.commands.push(Command::RunTask(req.clone()));
        }
        if let Some(t) = timeout {
            self.start_timer(
                f,
                TimerPurpose::TaskTimeout(task_id),
                self.now + t as i64 * 1000,
            );
        }
        if let Some(h) = heartbeat {
            self.start_timer(
                f,
                TimerPurpose::Heartbeat(task_id),
                self.now + h as i64 * 1000,
            );
        }
        if flavor != TaskFlavor::Activity {
            self.emit(
                f,
                EventKind::TaskStarted {
                    task: task_id,
                    worker: None,
                },
            );
        }
        Ok(())
    }

    fn run_choice(
        &mut self,
        f: FrameId,
        st: &State,
        c: &stepwell_asl::Choice,
    ) -> Result<(), StateError> {
        if st.query_language == QueryLanguage::Jsonata {
            let raw = self.exec.frame(f).input.clone();
            let states = self.states_var(f, st, ContextExtra::default(), None, None);
            for (i, b) in c.choices.iter().enumerate() {
                let stepwell_asl::Rule::Condition(expr) = &b.rule else {
                    continue;
                };
                let v = self.eval_expr(f, expr, &states, format_args!("Choices[{i}].Condition"))?;
                let truth = match v {
                    Some(Value::Bool(b)) => b,
                    _ => {
                        let at = at_of(self.exec, f);
                        return Err(StateError::new(
                            names::QUERY_EVALUATION_ERROR,
                            dataflow::runtime_cause(at.state, at.entered_id, &format!(
                                "The Condition field's JSONata expression '{}' must evaluate to a boolean value.",
                                expr.source
                            )),
                        ));
                    }
                };
                if truth {
                    let output = match b.output.as_ref().or(st.io.output.as_ref()) {
                        Some(t) => self.eval_jsonata(f, t, &states, "Output")?,
                        None => (*raw).clone(),
                    };
                    let assign = b.assign.as_ref().or(st.assign.as_ref());
                    let assigned = self.assign(f, st, assign, &raw, &states)?;
                    self.exit(f, output, Some(b.next), assigned);
                    return Ok(());
                }
            }
            let Some(default) = c.default else {
                return Err(no_choice(at_of(self.exec, f)));
            };
            let output = match &st.io.output {
                Some(t) => self.eval_jsonata(f, t, &states, "Output")?,
                None => (*raw).clone(),
            };
            let assigned = self.assign(f, st, st.assign.as_ref(), &raw, &states)?;
            self.exit(f, output, Some(default), assigned);
            return Ok(());
        }
        let (out, next, assigned) =
            self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
                let eff_roots = dataflow::reroot(roots, &eff);
                let mut chosen = None;
                for b in &c.choices {
                    if choice::evaluate(&b.rule, &eff_roots, at)? {
                        chosen = Some((b.next, b.assign.as_ref().or(st.assign.as_ref())));
                        break;
                    }
                }
                let (next, assign) = match chosen {
                    Some(x) => x,
                    None => match c.default {
                        Some(d) => (d, st.assign.as_ref()),
                        None => return Err(no_choice(at)),
                    },
                };
                let assigned = assign_jsonpath(assign, &eff, &eff_roots, rng, at)?;
                let out = dataflow::output_path(&st.io.output_path, eff.into_owned(), roots, at)?;
                Ok((out, next, assigned))
            })?;
        self.exit(f, out, Some(next), assigned);
        Ok(())
    }

    fn run_wait(&mut self, f: FrameId, st: &State, w: &Wait) -> Result<(), StateError> {
        let fire_at = if st.query_language == QueryLanguage::Jsonata {
            let states = self.states_var(f, st, ContextExtra::default(), None, None);
            match w {
                Wait::Seconds(Dynamic::Value(s)) => self.now + *s as i64 * 1000,
                Wait::Seconds(Dynamic::Expr(e)) => {
                    let v = self.eval_expr(f, e, &states, "Seconds")?;
                    let secs = v.as_ref().and_then(Value::as_i64).filter(|s| *s >= 0);
                    match secs {
                        Some(s) => self.now + s * 1000,
                        None => {
                            return Err(at_of(self.exec, f).runtime_named(names::QUERY_EVALUATION_ERROR, &format!(
                                "The JSONata expression '{}' specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was '{}' for value: {}",
                                e.source,
                                jsonata_eval::type_name(v.as_ref()),
                                v.map(|v| v.to_string()).unwrap_or_default()
                            )));
                        }
                    }
                }
                Wait::Timestamp(Dynamic::Value(s)) => timestamp_ms(s).unwrap_or(self.now),
                Wait::Timestamp(Dynamic::Expr(e)) => {
                    let v = self.eval_expr(f, e, &states, "Timestamp")?;
                    match v.as_ref().and_then(Value::as_str).and_then(timestamp_ms) {
                        Some(ms) => ms,
                        None => {
                            return Err(at_of(self.exec, f).runtime_named(names::QUERY_EVALUATION_ERROR, &format!(
                                "The JSONata expression '{}' specified for the field 'Timestamp' returned an invalid timestamp.",
                                e.source
                            )));
                        }
                    }
                }
                _ => self.now,
            }
        } else {
            let now = self.now;
            self.with_jsonpath(f, st, ContextExtra::default(), |roots, _, at| {
                let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
                let eff_roots = dataflow::reroot(roots, &eff);
                Ok(match w {
                    Wait::Seconds(Dynamic::Value(s)) => now + *s as i64 * 1000,
                    Wait::Seconds(Dynamic::Path(p)) => {
                        let v = p.select(&eff_roots).map_err(|_| {
                            at.runtime(&format!(
                                "The SecondsPath parameter does not reference an input value: {}",
                                p.text()
                            ))
                        })?;
                        let secs = match v.as_ref() {
                            Value::Number(n) if n.as_i64().is_some() || n.as_u64().is_some() => {
                                n.as_i64().unwrap_or(i64::MAX)
                            }
                            other => {
                                return Err(at.runtime(&format!(
                                "The SecondsPath parameter cannot be parsed as a long value: {} == {}",
                                p.text(),
                                plain(other)
                            )))
                            }
                        };
                        if secs < 0 {
                            return Err(at.runtime(&format!(
                                "The SecondsPath parameter references a negative value: {} == {}",
                                p.text(),
                                secs
                            )));
                        }
                        now.saturating_add(secs.saturating_mul(1000))
                    }
                    Wait::Timestamp(Dynamic::Value(s)) => timestamp_ms(s).unwrap_or(now),
                    Wait::Timestamp(Dynamic::Path(p)) => {
                        let v = p.select(&eff_roots).map_err(|_| {
                            at.runtime(&format!(
                                "The TimestampPath parameter does not reference an input value: {}",
                                p.text()
                            ))
                        })?;
                        match v.as_str().and_then(timestamp_ms) {
                            Some(ms) => ms,
                            None => {
                                return Err(at.runtime(&format!(
                                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {}",
                                    p.text(),
                                    plain(&v)
                                )))
                            }
                        }
                    }
                    _ => now,
                })
            })?
        };
        self.start_timer(f, TimerPurpose::Wait, fire_at);
        Ok(())
    }

    fn finish_wait(&mut self, f: FrameId) {
        let plan = self.plan();
        let fr = self.exec.frame(f);
        let st = plan.machine(fr.machine).state(fr.state);
        let res = self.simple_output(f, st).and_then(|out| {
            let assigned = if st.assign.is_some() {
                let raw = self.exec.frame(f).input.clone();
                let states = self.states_var(f, st, ContextExtra::default(), None, None);
                self.assign(f, st, st.assign.as_ref(), &raw, &states)?
            } else {
                Vec::new()
            };
            Ok((out, assigned))
        });
        match res {
            Ok((out, assigned)) => self.exit(f, out, Self::next_of(st), assigned),
            Err(e) => self.recover(f, e),
        }
    }

    fn fail_error(
        &mut self,
        f: FrameId,
        st: &State,
        fail: &stepwell_asl::Fail,
    ) -> Result<StateError, StateError> {
        let field = |d: &mut Self,
                     v: Option<&FailField>,
                     name: &str|
         -> Result<Option<String>, StateError> {
            let Some(v) = v else {
                return Ok(None);
            };
            match v {
                FailField::Value(s) => Ok(Some(s.clone())),
                FailField::Path(p) => {
                    let field_name = format!("{name}Path");
                    let value =
                        d.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                            p.eval_field(&field_name, roots, rng).map_err(|e| at.err(e))
                        })?;
                    Ok(Some(match value {
                        Value::String(s) => s,
                        other => other.to_string(),
                    }))
                }
                FailField::Expr(e) => {
                    let states = d.states_var(f, st, ContextExtra::default(), None, None);
                    let v = d.eval_expr(f, e, &states, name)?;
                    Ok(Some(match v {
                        Some(Value::String(s)) => s,
                        Some(other) => other.to_string(),
                        None => String::new(),
                    }))
                }
            }
        };
        let error = field(self, fail.error.as_ref(), "Error")?;
        let cause = field(self, fail.cause.as_ref(), "Cause")?;
        Ok(StateError::new(
            error.unwrap_or_default(),
            cause.unwrap_or_default(),
        ))
    }

    fn run_parallel(&mut self, f: FrameId, st: &State) -> Result<(), StateError> {
        let input = self.effective_input(f, st, "Arguments")?;
        self.emit(
            f,
            EventKind::ParallelStarted {
                input: Arc::new(input),
            },
        );
        Ok(())
    }

    /// InputPath + Parameters (JSONPath) or Arguments (JSONata).
    fn effective_input(
        &mut self,
        f: FrameId,
        st: &State,
        field: &str,
    ) -> Result<Value, StateError> {
        let raw = self.exec.frame(f).input.clone();
        if st.query_language == QueryLanguage::Jsonata {
            let states = self.states_var(f, st, ContextExtra::default(), None, None);
            return match &st.io.arguments {
                Some(t) => self.eval_jsonata(f, t, &states, field),
                None => Ok((*raw).clone()),
            };
        }
        self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
            let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
            Ok(dataflow::render(st.io.parameters.as_ref(), eff, roots, rng, at)?.into_owned())
        })
    }

    fn run_map(&mut self, f: FrameId, st: &State, m: &stepwell_asl::Map) -> Result<(), StateError> {
        let (input, items, max_concurrency, tolerated_count, tolerated_percentage);
        if st.query_language == QueryLanguage::Jsonata {
            let raw = self.exec.frame(f).input.clone();
            let states = self.states_var(f, st, ContextExtra::default(), None, None);
            let list = match &m.items {
                Some(t) => self.eval_jsonata(f, t, &states, "Items")?,
                None => (*raw).clone(),
            };
            items = match list {
                Value::Array(a) => a,
                other => {
                    return Err(at_of(self.exec, f).runtime_named(names::QUERY_EVALUATION_ERROR, &format!(
                        "The JSONata expression specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {}",
                        jsonata_eval::type_name(Some(&other)),
                        other
                    )))
                }
            };
            input = (*raw).clone();
            max_concurrency = self
                .dynamic_jsonata(
                    f,
                    m.max_concurrency.as_ref(),
                    &states,
                    "MaxConcurrency",
                    INTEGER,
                )?
                .unwrap_or(0);
            tolerated_count = self
                .dynamic_jsonata(
                    f,
                    m.tolerated_failure_count.as_ref(),
                    &states,
                    "ToleratedFailureCount",
                    NUMBER,
                )?
                .map(|c| c as u64);
            tolerated_percentage = self.dynamic_jsonata(
                f,
                m.tolerated_failure_percentage.as_ref(),
                &states,
                "ToleratedFailurePercentage",
                NUMBER,
            )?;
        } else {
            (input, items, max_concurrency, tolerated_count, tolerated_percentage) =
                self.with_jsonpath(f, st, ContextExtra::default(), |roots, _, at| {
                    let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
                    let eff_roots = dataflow::reroot(roots, &eff);
                let list = match &m.items_path {
                    OptPath::Path(p) => p.select(&eff_roots).map_err(|e| at.err(e))?,
                    _ => Cow::Borrowed(eff_roots.input),
                };
                let items = match list.into_owned() {
                    Value::Array(a) => a,
                    other => {
                        return Err(at.runtime(&format!(
                            "Invalid path '{}' : the value at the path is not an array: {}",
                            match &m.items_path {
                                OptPath::Path(p) => p.text(),
                                _ => "$",
                            },
                            other
                        )))
                    }
                };
                let max_concurrency = match &m.max_concurrency {
                    None => 0,
                    Some(Dynamic::Value(n)) => *n,
                    Some(Dynamic::Path(p)) => {
                        path_integer(p, &eff_roots, at, "MaxConcurrencyPath")?.max(0) as u64
                    }
                    Some(Dynamic::Expr(_)) => 0,
                };
                let tolerated_count = match &m.tolerated_failure_count {
                    None => None,
                    Some(Dynamic::Value(n)) => Some(*n as u64),
                    Some(Dynamic::Path(p)) => {
                        let n = path_integer(p, &eff_roots, at, "ToleratedFailureCountPath")?;
                        if n < 0 {
                            return Err(at.runtime("ToleratedFailureCount cannot be negative."));
                        }
                        Some(n as u64)
                    }
                    Some(Dynamic::Expr(_)) => None,
                };
                let tolerated_percentage = match &m.tolerated_failure_percentage {
                    None => None,
                    Some(Dynamic::Value(n)) => Some(*n),
                    Some(Dynamic::Path(p)) => {
                        let v = p.select(&eff_roots).map_err(|e| at.err(e))?;
                        let n = match v.as_ref() {
                            Value::String(s) => s.trim().parse::<f64>().ok(),
                            other => other.as_f64(),
                        };
                        let n = n.ok_or_else(|| {
                            at.runtime(&format!(
                                "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid float: {}",
                                plain(&v),
                                p.text()
                            ))
                        })?;
                        if !(0.0..=100.0).contains(&n) {
                            return Err(
                                at.runtime("ToleratedFailurePercentage must be between 0 and 100.")
                            );
                        }
                        Some(n)
                    }
                    Some(Dynamic::Expr(_)) => None,
                };
                    Ok((
                        eff.into_owned(),
                        items,
                        max_concurrency,
                        tolerated_count,
                        tolerated_percentage,
                    ))
                })?;
        }
        self.emit(
            f,
            EventKind::MapStarted {
                input: Arc::new(input),
                items: Arc::new(items.into_iter().map(Arc::new).collect()),
                max_concurrency,
                tolerated_count,
                tolerated_percentage,
            },
        );
        Ok(())
    }

    /// Drive a running Parallel or Map.
    fn advance_fan(&mut self, f: FrameId) -> Fanned {
        let Phase::Fan(fan) = &self.exec.frame(f).phase else {
            return Fanned::Blocked;
        };
        let is_map = fan.is_map;
        if fan.failed > 0 && !tolerated(fan) {
            let failure = fan
                .failure
                .clone()
                .unwrap_or_else(|| StateError::new(names::BRANCH_FAILED, ""));
            let err = if is_map
                && (fan.tolerated_count.is_some() || fan.tolerated_percentage.is_some())
            {
                StateError::new(
                    names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                    "The specified tolerated failure threshold was exceeded",
                )
            } else {
                failure
            };
            self.fail_fan(f, is_map, err);
            return Fanned::Progress;
        }
        if fan.finished == fan.total {
            let kind = if is_map {
                EventKind::MapSucceeded
            } else {
                EventKind::ParallelSucceeded
            };
            self.emit(f, kind);
            return Fanned::Progress;
        }
        if !is_map {
            let idle = fan
                .children
                .iter()
                .copied()
                .find(|&c| matches!(self.exec.frame(c).phase, Phase::Idle));
            let input = fan.input.clone();
            return match idle {
                Some(child) => {
                    self.start_child(f, child, input, false);
                    Fanned::Yield
                }
                None => Fanned::Blocked,
            };
        }
        let next = fan.children.len() as u32;
        if next >= fan.total
            || (fan.max_concurrency > 0 && u64::from(fan.running) >= fan.max_concurrency)
        {
            return Fanned::Blocked;
        }
        let (items, input) = (fan.items.clone(), fan.input.clone());
        match self.iteration_input(f, &items, &input, next) {
            Ok(input) => {
                // A JSONPath item passed on as it is lies inside the Map's
                // input, which was checked on entry; JSONata `Items` may have
                // computed new values, so those are checked.
                let within_limit = self.exec.state_of(f).query_language == QueryLanguage::JsonPath
                    && items
                        .get(next as usize)
                        .is_some_and(|i| Arc::ptr_eq(i, &input));
                self.emit(f, EventKind::MapIterationStarted { index: next });
                let child = (self.exec.frames.len() - 1) as FrameId;
                self.start_child(f, child, input, within_limit);
                Fanned::Yield
            }
            Err(e) => {
                self.fail_fan(f, true, e);
                Fanned::Progress
            }
        }
    }

    /// End a Parallel or Map with `err`, cancelling what still runs below it.
    fn fail_fan(&mut self, f: FrameId, is_map: bool, err: StateError) {
        let children = match &self.exec.frame(f).phase {
            Phase::Fan(fan) => fan.children.clone(),
            _ => Vec::new(),
        };
        for &c in &children {
            self.cancel_below(c);
        }
        if is_map {
            for c in children {
                if !self.exec.frame(c).phase.is_final() {
                    let index = self.exec.frame(c).index;
                    self.emit(c, EventKind::MapIterationAborted { index });
                }
            }
            self.emit(
                f,
                EventKind::MapFailed {
                    error: err.error,
                    cause: err.cause,
                },
            );
        } else {
            self.emit(
                f,
                EventKind::ParallelFailed {
                    error: err.error,
                    cause: err.cause,
                },
            );
        }
    }

    fn start_child(
        &mut self,
        parent: FrameId,
        child: FrameId,
        input: Arc<Value>,
        within_limit: bool,
    ) {
        let start = self
            .exec
            .plan
            .machine(self.exec.frame(child).machine)
            .start_at;
        self.work.push(parent);
        self.enter_sized(child, start, input, within_limit);
        self.work.push(child);
    }

    /// The input of Map iteration `index`: the item, through ItemSelector.
    fn iteration_input(
        &mut self,
        f: FrameId,
        items: &[Arc<Value>],
        map_input: &Value,
        index: u32,
    ) -> Result<Arc<Value>, StateError> {
        let plan = self.plan();
        let fr = self.exec.frame(f);
        let st = plan.machine(fr.machine).state(fr.state);
        let StateKind::Map(m) = &st.kind else {
            return Ok(Arc::new(Value::Null));
        };
        let shared = items
            .get(index as usize)
            .cloned()
            .unwrap_or_else(|| Arc::new(Value::Null));
        let item: &Value = &shared;
        let extra = ContextExtra {
            token: None,
            map_item: Some((index, item)),
        };
        if st.query_language == QueryLanguage::Jsonata {
            return match &m.item_selector_jsonata {
                None => Ok(shared.clone()),
                Some(t) => {
                    let states = self.states_var(f, st, extra, None, None);
                    Ok(Arc::new(self.eval_jsonata(
                        f,
                        t,
                        &states,
                        "ItemSelector",
                    )?))
                }
            };
        }
        match &m.item_selector {
            None => Ok(shared.clone()),
            Some(t) => self.with_jsonpath(f, st, extra, |roots, rng, at| {
                // `$` in an ItemSelector is the Map's effective input.
                t.render(&dataflow::reroot(roots, map_input), rng)
                    .map(Arc::new)
                    .map_err(|e| at.err(e))
            }),
        }
    }

    // ----- results and errors ---------------------------------------------

    /// Task/Parallel/Map result -> ResultSelector -> ResultPath -> OutputPath.
    fn finish_result(&mut self, f: FrameId, result: Arc<Value>) {
        let plan = self.plan();
        let fr = self.exec.frame(f);
        let st = plan.machine(fr.machine).state(fr.state);
        let res = if st.query_language == QueryLanguage::Jsonata {
            let raw = fr.input.clone();
            let states = self.states_var(f, st, ContextExtra::default(), Some(&result), None);
            let out = match &st.io.output {
                Some(t) => self.eval_jsonata(f, t, &states, "Output").map(Arc::new),
                None => Ok(result.clone()),
            };
            out.and_then(|out| Ok((out, self.assign(f, st, st.assign.as_ref(), &raw, &states)?)))
        } else {
            self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                let selected = dataflow::render(
                    st.io.result_selector.as_ref(),
                    Cow::Borrowed(&*result),
                    roots,
                    rng,
                    at,
                )?;
                let assigned = assign_jsonpath(st.assign.as_ref(), &selected, roots, rng, at)?;
                let passes_through = st.io.result_selector.is_none()
                    && matches!(st.io.result_path, OptPath::Default)
                    && matches!(st.io.output_path, OptPath::Default);
                if passes_through {
                    // The output is the result itself (a Map's may be large): share it.
                    return Ok((result.clone(), assigned));
                }
                let out = dataflow::result_path(
                    &st.io.result_path,
                    roots.input,
                    selected.into_owned(),
                    at,
                )?;
                let out = dataflow::output_path(&st.io.output_path, out, roots, at)?;
                Ok((Arc::new(out), assigned))
            })
        };
        drop(result);
        match res {
            Ok((out, assigned)) => self.exit_shared(f, out, Self::next_of(st), assigned),
            Err(e) => self.recover(f, e),
        }
    }

    /// Retry, then Catch, then fail the frame.
    fn recover(&mut self, f: FrameId, err: StateError) {
        let plan = self.plan();
        let fr = self.exec.frame(f);
        let st = plan.machine(fr.machine).state(fr.state);
        if err.is_recoverable() {
            for (i, r) in st.retriers().iter().enumerate() {
                if !error_matches(&r.error_equals, &err.error) {
                    continue;
                }
                let attempts = fr.attempts.get(i).copied().unwrap_or(0);
                if u64::from(attempts) < r.max_attempts {
                    let random = retry::unit(self.entropy.next_u64());
                    let delay = retry::delay_ms(r, attempts, random);
                    self.start_timer(f, TimerPurpose::Retry(i as u32), self.now + delay);
                    return;
                }
                break;
            }
            for c in st.catchers() {
                if !error_matches(&c.error_equals, &err.error) {
                    continue;
                }
                match self.catch_output(f, st, c, &err) {
                    Ok((out, assigned)) => self.exit(f, out, Some(c.next), assigned),
                    Err(e) => self.fail_frame(f, e),
                }
                return;
            }
        }
        self.fail_frame(f, err);
    }

    fn catch_output(
        &mut self,
        f: FrameId,
        st: &State,
        c: &stepwell_asl::Catcher,
        err: &StateError,
    ) -> Result<(Value, Vec<(String, Value)>), StateError> {
        // A task that reported no error name or cause gives nulls, as AWS shows.
        let absent_as_null = |s: &str| if s.is_empty() { Value::Null } else { json!(s) };
        let error_output = json!({ "Error": absent_as_null(&err.error), "Cause": if err.error.is_empty() { absent_as_null(&err.cause) } else { json!(err.cause) } });
        let raw = self.exec.frame(f).input.clone();
        if st.query_language == QueryLanguage::Jsonata {
            let states = self.states_var(f, st, ContextExtra::default(), None, Some(&error_output));
            let out = match &c.output {
                Some(t) => self.eval_jsonata(f, t, &states, "Output")?,
                None => error_output.clone(),
            };
            let assigned = self.assign(f, st, c.assign.as_ref(), &raw, &states)?;
            return Ok((out, assigned));
        }
        self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
            let assigned = assign_jsonpath(c.assign.as_ref(), &error_output, roots, rng, at)?;
            let out = dataflow::result_path(&c.result_path, roots.input, error_output, at)?;
            Ok((out, assigned))
        })
    }

    // ----- JSONata helpers --------------------------------------------------

    fn states_var(
        &self,
        f: FrameId,
        st: &State,
        extra: ContextExtra<'_>,
        result: Option<&Value>,
        error_output: Option<&Value>,
    ) -> Value {
        let input = &*self.exec.frame(f).input;
        let ctx = if st.uses_context || extra.map_item.is_some() || extra.token.is_some() {
            Some(context_object(self.exec, f, extra))
        } else {
            None
        };
        jsonata_eval::states_value(StatesVar {
            input,
            context: ctx,
            result,
            error_output,
        })
    }

    fn eval_jsonata(
        &mut self,
        f: FrameId,
        t: &stepwell_asl::JsonataTemplate,
        states: &Value,
        field: &str,
    ) -> Result<Value, StateError> {
        let exec = &*self.exec;
        let scope = Scope { exec, frame: f };
        let at = at_of(self.exec, f);
        let mut rng = Rng(&mut *self.entropy);
        jsonata_eval::eval_template(t, states, &scope, &mut rng, at, field)
    }

    fn eval_expr(
        &mut self,
        f: FrameId,
        e: &stepwell_asl::Expr,
        states: &Value,
        field: impl std::fmt::Display,
    ) -> Result<Option<Value>, StateError> {
        let exec = &*self.exec;
        let scope = Scope { exec, frame: f };
        let at = at_of(self.exec, f);
        let mut rng = Rng(&mut *self.entropy);
        jsonata_eval::eval_expr(e, states, &scope, &mut rng, at, &field)
    }

    fn assign(
        &mut self,
        f: FrameId,
        st: &State,
        assign: Option<&Assign>,
        raw: &Value,
        states: &Value,
    ) -> Result<Vec<(String, Value)>, StateError> {
        match assign {
            None => Ok(Vec::new()),
            Some(Assign::Jsonata(t)) => {
                let v = self.eval_jsonata(f, t, states, "Assign")?;
                Ok(match v {
                    Value::Object(m) => m.into_iter().collect(),
                    _ => Vec::new(),
                })
            }
            Some(jsonpath @ Assign::JsonPath(_)) => {
                self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                    assign_jsonpath(Some(jsonpath), raw, roots, rng, at)
                })
            }
        }
    }

    /// A JSONata state's numeric field: a literal, or an expression whose
    /// value `convert` accepts (AWS's error names the type it `expected`).
    fn dynamic_jsonata<T: Copy>(
        &mut self,
        f: FrameId,
        d: Option<&Dynamic<T>>,
        states: &Value,
        field: &str,
        (convert, expected): NumberKind<T>,
    ) -> Result<Option<T>, StateError> {
        let e = match d {
            None | Some(Dynamic::Path(_)) => return Ok(None),
            Some(Dynamic::Value(n)) => return Ok(Some(*n)),
            Some(Dynamic::Expr(e)) => e,
        };
        let v = self.eval_expr(f, e, states, field)?;
        match v.as_ref().and_then(convert) {
            Some(n) => Ok(Some(n)),
            None => Err(at_of(self.exec, f).runtime_named(names::QUERY_EVALUATION_ERROR, &format!(
                "The JSONata expression '{}' specified for the field '{}' returned an unexpected result type. Expected '{}', but was '{}' for value: {}",
                e.source,
                field,
                expected,
                jsonata_eval::type_name(v.as_ref()),
                v.map(|v| v.to_string()).unwrap_or_default()
            ))),
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

/// The most events an execution's history may hold (AWS's hard quota).
const MAX_HISTORY_EVENTS: u64 = 25_000;

/// The most events an EXPRESS execution may record before it is timed out:
/// far more than any execution finishing within AWS's 5 minutes would need
/// here, few enough that a loop that never waits ends in seconds.
const EXPRESS_MAX_EVENTS: u64 = 10_000_000;

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

/// How a numeric JSONata field's value is read, and the type AWS names when
/// it is something else.
type NumberKind<T> = (fn(&Value) -> Option<T>, &'static str);
const INTEGER: NumberKind<u64> = (Value::as_u64, "integer");
const NUMBER: NumberKind<f64> = (Value::as_f64, "number");

/// Whether a Map's failures so far are within its tolerance.
fn tolerated(fan: &Fan) -> bool {
    if !fan.is_map || (fan.tolerated_count.is_none() && fan.tolerated_percentage.is_none()) {
        return false;
    }
    let over_count = fan
        .tolerated_count
        .is_some_and(|c| u64::from(fan.failed) > c);
    let over_pct = fan
        .tolerated_percentage
        .is_some_and(|p| f64::from(fan.failed) * 100.0 / f64::from(fan.total.max(1)) > p);
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

fn timestamp_ms(s: &str) -> Option<i64> {
    let t = stepwell_asl::parse_rfc3339(s)?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

fn no_choice(at: At<'_>) -> StateError {
    let _ = at;
    StateError::new(names::NO_CHOICE_MATCHED, "No Matches!")
}

/// A version 4 UUID from the caller's entropy.
pub(crate) fn uuid(entropy: &mut dyn Entropy) -> String {
    let a = entropy.next_u64();
    let b = entropy.next_u64();
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

impl At<'_> {
    pub(crate) fn runtime_named(&self, error: &str, message: &str) -> StateError {
        StateError::new(
            error,
            dataflow::runtime_cause(self.state, self.entered_id, message),
        )
    }
}

#[allow(dead_code)]
fn unused(v: Arc<Value>) -> Value {
    unshare(v)
}
