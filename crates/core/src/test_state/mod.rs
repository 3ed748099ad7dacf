//! TestState: one state run on its own, as AWS's `TestState` API runs it.
//!
//! The state is wrapped into a small machine (the state, then a `Succeed`
//! stub for every state it may go to) and run by the interpreter itself, so
//! the data flow, Choice rules, Retry back-off and Catch are exactly what an
//! execution computes; a `Trace` records on the way what AWS shows in
//! `inspectionData`. The work is split so the caller does the only IO:
//!
//! 1. [`prepare`] checks the request (AWS's `ValidationException` and
//!    `InvalidDefinition` cases) and runs the state up to its task, if any;
//! 2. the caller runs [`Prepared::backend_task`] (a Task without a mock)
//!    exactly once;
//! 3. [`finish`] feeds the task's outcome (or the mock) and reads the result.
//!
//! How each state type is tested (AWS, "Testing state machines with
//! TestState API"): Pass, Choice (`nextState` is the rule's or the
//! Default's), Succeed and Fail run as in an execution. A Wait state's time is
//! evaluated but not waited for. A Task calls its resource, or takes `mock`
//! (`result` or `errorOutput`, the result validated by
//! `mock.fieldValidationMode` against the integration's response shape,
//! see [`shapes`]). A Map or Parallel must be mocked: its items are
//! selected (ItemsPath, ItemSelector, ItemBatcher; an ItemReader reads
//! `stateConfiguration.mapItemReaderData`) and its iterations never run; the
//! mock is the result of the whole state (a Map's tolerated failure
//! threshold is checked against `mapIterationFailureCount`).
//!
//! A state is never retried here: with `retrierRetryCount` N retries
//! already made, a matching retrier with attempts left gives `RETRIABLE`
//! (`errorDetails.retryIndex`, `retryBackoffIntervalSeconds`); otherwise a
//! matching catcher gives `CAUGHT_ERROR` (`catchIndex`, its `Next` as
//! `nextState`, its ResultPath/Output/Assign applied), else `FAILED`.
//! DIFFERENCE: with `JitterStrategy: FULL`, `retryBackoffIntervalSeconds`
//! is the back-off before jitter (AWS does not document which it reports;
//! a jittered value would differ on every call).

use std::sync::Arc;

use serde_json::{json, Map as JsonMap, Value};
use stepwell_asl::{QueryLanguage, StateKind};

use crate::decide::Entropy;
use crate::errors::{names, StateError};
use crate::event::{EventKind, TimerPurpose};
use crate::execution::{Execution, Phase};
use crate::input::{Command, ExecutionInfo, Input, ReadRequest, TaskRequest};
use crate::limits;

pub mod shapes;
mod validate;

use validate::check;

/// What the interpreter records for TestState while it runs the state.
#[derive(Debug, Default, Clone)]
pub(crate) struct Trace {
    /// Inspection values in the order they were computed (a later value of
    /// the same name replaces an earlier one).
    pub steps: Vec<(&'static str, Value)>,
    /// `stateConfiguration.retrierRetryCount`: retries already made.
    pub retrier_retry_count: Option<u32>,
    /// Stop a Parallel or Map once started: its result is mocked.
    pub mock_fans: bool,
    /// The mocked Map or Parallel has its items and waits for its mock.
    pub fan_ready: bool,
    /// An ItemSelector failed while the mocked Map's items were shown.
    pub fan_error: Option<StateError>,
    /// The error the state raised (Retry and Catch saw it).
    pub error: Option<StateError>,
    /// The retrier that matched the error, and the back-off when it retries.
    pub retry_index: Option<usize>,
    pub retry_delay_ms: Option<i64>,
    /// The catcher that handled the error.
    pub catch_index: Option<usize>,
}

/// Why a TestState request is refused: the AWS exception and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `ValidationException`.
    Validation(String),
    /// `InvalidDefinition`.
    Definition(String),
    /// `InvalidExecutionInput`.
    Input(String),
}

/// `mock.fieldValidationMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    #[default]
    Strict,
    Present,
    None,
}

/// `mock`: a result (JSON text) or an error.
#[derive(Debug, Clone, Default)]
pub struct Mock {
    pub result: Option<String>,
    pub error_output: Option<(String, String)>,
    pub field_validation: FieldValidation,
}

/// `stateConfiguration`.
#[derive(Debug, Clone, Default)]
pub struct Configuration {
    pub retrier_retry_count: Option<u32>,
    pub error_caused_by_state: Option<String>,
    pub map_iteration_failure_count: Option<u64>,
    pub map_item_reader_data: Option<String>,
}

/// A TestState request, its JSON fields still text as they came.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub definition: Value,
    pub state_name: Option<String>,
    pub input: Option<String>,
    pub variables: Option<String>,
    pub context: Option<String>,
    pub mock: Option<Mock>,
    pub configuration: Configuration,
    pub role_arn: Option<String>,
    pub reveal_secrets: bool,
}

/// `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStatus {
    Succeeded,
    Failed,
    Retriable,
    CaughtError,
}

impl TestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Succeeded => "SUCCEEDED",
            TestStatus::Failed => "FAILED",
            TestStatus::Retriable => "RETRIABLE",
            TestStatus::CaughtError => "CAUGHT_ERROR",
        }
    }
}

/// `inspectionData` (DEBUG and TRACE), values as JSON (the caller writes
/// them as the JSON strings AWS returns).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inspection {
    /// The data-flow values, in AWS's member order: input, afterArguments,
    /// afterInputPath, afterParameters, result, afterResultSelector,
    /// afterResultPath, afterItemsPath, afterItemSelector, afterItemBatcher,
    /// variables.
    pub values: Vec<(&'static str, Value)>,
    pub retry_index: Option<usize>,
    pub retry_backoff_seconds: Option<i64>,
    pub catch_index: Option<usize>,
    /// A Map's `maxConcurrency` (0 when unset), `toleratedFailureCount`,
    /// `toleratedFailurePercentage` (when set).
    pub max_concurrency: Option<u64>,
    pub tolerated_failure_count: Option<u64>,
    pub tolerated_failure_percentage: Option<f64>,
}

/// What TestState answers.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    pub status: TestStatus,
    pub output: Option<Value>,
    pub error: Option<StateError>,
    pub next_state: Option<String>,
    pub inspection: Inspection,
}

/// A task's outcome as the caller ran it.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskOutcome {
    Succeeded(Value),
    Failed { error: String, cause: String },
}

/// The state run up to its task (or to its end).
#[derive(Debug)]
pub struct Prepared {
    exec: Execution,
    trace: Trace,
    events: Vec<crate::event::Event>,
    /// The task the state waits for, if any.
    task: Option<TaskRequest>,
    mock: Option<Mock>,
    configuration: Configuration,
    initial_vars: JsonMap<String, Value>,
    input: Arc<Value>,
    /// The ItemReader read the Map waits for.
    read: Option<ReadRequest>,
}

impl Prepared {
    /// The task the caller must run (a Task state without a mock): once.
    pub fn backend_task(&self) -> Option<&TaskRequest> {
        match &self.mock {
            Some(_) => None,
            None => self.task.as_ref(),
        }
    }
}

/// The name the state runs under when the definition is one state, and
/// the name `$$.State.Name` shows whatever state is tested.
/// DIFFERENCE: AWS does not document it; this is what its recorded context
/// objects show.
pub const SINGLE_STATE_NAME: &str = "StateName";

/// Check the request, build the machine and run the state up to its task.
/// `info` names the test's execution (`info.input` and `info.role_arn`
/// are replaced by the request's); `now` is the test's start.
pub fn prepare(
    req: &Request,
    info: ExecutionInfo,
    now: i64,
    entropy: &mut dyn Entropy,
) -> Result<Prepared, Refusal> {
    let input =
        parse_field(req.input.as_deref().unwrap_or("{}"), "input").map_err(Refusal::Input)?;
    let (name, state_def, query_language) = pick_state(req)?;
    let machine = wrap(&name, &state_def, query_language.as_ref());
    let plan = stepwell_asl::from_value(&machine)
        .map_err(|d| Refusal::Definition(stepwell_asl::invalid_definition_message(&d)))?;
    let plan = Arc::new(plan);
    let tested = plan.top().start_at;
    let st = plan.top().state(tested);
    check(req, &plan, st)?;
    let variables = match req.variables.as_deref() {
        None => JsonMap::new(),
        Some(text) => match parse_field(text, "variables").map_err(Refusal::Validation)? {
            Value::Object(m) => m,
            _ => {
                return Err(Refusal::Validation(
                    "The variables must be a JSON object of variable names and values.".into(),
                ))
            }
        },
    };
    for (name, value) in &variables {
        if let Err(e) = stepwell_asl::check_variable_name(name) {
            return Err(Refusal::Validation(format!(
                "Invalid variable name '{name}': {e}"
            )));
        }
        // The limit an Assign meets in an execution (AWS: 256 KiB a variable).
        let size = limits::measure(value).unwrap_or(usize::MAX);
        if size > limits::MAX_VARIABLE_BYTES {
            return Err(Refusal::Validation(format!(
                "The variable '{name}' is {size} bytes, more than the {} bytes a variable may hold.",
                limits::MAX_VARIABLE_BYTES
            )));
        }
    }
    let context = match req.context.as_deref() {
        None => None,
        Some(text) => match parse_field(text, "context").map_err(Refusal::Validation)? {
            v @ Value::Object(_) => {
                validate::check_context(&v, st)?;
                Some(Arc::new(v))
            }
            _ => {
                return Err(Refusal::Validation(
                    "The context must be a JSON object (a context object).".into(),
                ))
            }
        },
    };
    let input = Arc::new(input);
    let mut exec = Execution::new(
        plan.clone(),
        ExecutionInfo {
            input: input.clone(),
            // Without `roleArn`, `$$.Execution.RoleArn` is null (AWS,
            // recorded: test_state_with_variables[base_expressions]).
            role_arn: req.role_arn.clone().unwrap_or_default(),
            ..info
        },
    );
    exec.context_override = context;
    // `$$.State.Name` is `StateName` also when `stateName` names the
    // tested state (AWS, recorded: the same test).
    exec.context_state_name = Some(SINGLE_STATE_NAME);
    // The request's variables are values, never evaluated (a string that
    // looks like `{% ... %}` stays a string).
    exec.vars_bytes = variables.values().map(limits::json_size).sum();
    exec.frames[0].vars = variables.clone();
    let mut trace = Trace {
        retrier_retry_count: req.configuration.retrier_retry_count,
        mock_fans: matches!(st.kind, StateKind::Map(_) | StateKind::Parallel(_)),
        ..Trace::default()
    };
    let decision = exec.decide_traced(Input::Start, now, entropy, Some(&mut trace));
    let mut prepared = Prepared {
        exec,
        trace,
        events: decision.events,
        task: None,
        mock: req.mock.clone(),
        configuration: req.configuration.clone(),
        initial_vars: variables,
        input,
        read: None,
    };
    prepared.absorb(decision.commands, now, entropy)?;
    Ok(prepared)
}

impl Prepared {
    /// Carry out what the interpreter asked for that TestState does itself:
    /// a Wait fires at once, an ItemReader reads `mapItemReaderData`; note
    /// the task to run.
    fn absorb(
        &mut self,
        mut commands: Vec<Command>,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<(), Refusal> {
        loop {
            let mut next = None;
            for c in commands.drain(..) {
                match c {
                    Command::RunTask(t) => self.task = Some(t),
                    Command::StartTimer { timer, .. } => {
                        let wait = self
                            .exec
                            .timers
                            .get(&timer)
                            .is_some_and(|t| t.purpose == TimerPurpose::Wait);
                        if wait {
                            next = Some(Input::TimerFired { timer });
                        }
                    }
                    // The caller reads `mapItemReaderData` as the reader
                    // would read the object ([`Self::items_read`]).
                    Command::ReadItems(r) => self.read = Some(r),
                    _ => {}
                }
            }
            let Some(input) = next else {
                return Ok(());
            };
            let d = self
                .exec
                .decide_traced(input, now, entropy, Some(&mut self.trace));
            self.events.extend(d.events);
            commands = d.commands;
        }
    }

    /// The ItemReader read the Map waits for: the caller reads
    /// `stateConfiguration.mapItemReaderData` as the object it reads (with
    /// the reader's `ReaderConfig`) and answers [`Self::items_read`].
    pub fn read_request(&self) -> Option<&ReadRequest> {
        self.read.as_ref()
    }

    /// `mapItemReaderData` as the caller read it: the items, or why they
    /// could not be read (the Map's `States.ItemReaderFailed`).
    pub fn items_read(
        &mut self,
        result: Result<Vec<Value>, String>,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<(), Refusal> {
        let Some(r) = self.read.take() else {
            return Ok(());
        };
        // With `ItemsPointer` the reader picked the array out of the object.
        if let (Some(_), Ok(items)) = (&r.config.items_pointer, &result) {
            self.trace
                .steps
                .push(("afterItemsPointer", Value::Array(items.clone())));
        }
        let d = self.exec.decide_traced(
            Input::ItemsRead {
                read: r.read,
                result,
            },
            now,
            entropy,
            Some(&mut self.trace),
        );
        self.events.extend(d.events);
        self.absorb(d.commands, now, entropy)
    }

    /// `mapItemReaderData` read here when the caller did not: a JSON array.
    fn reader_items(&self) -> Result<Vec<Value>, Refusal> {
        let Some(text) = &self.configuration.map_item_reader_data else {
            return Err(Refusal::Validation(
                "TestState needs stateConfiguration.mapItemReaderData to test a Map state with an ItemReader.".into(),
            ));
        };
        let data = parse_field(text, "stateConfiguration.mapItemReaderData")
            .map_err(Refusal::Validation)?;
        let pointer = self
            .read
            .as_ref()
            .and_then(|r| r.config.items_pointer.as_deref());
        let found = match pointer {
            Some(p) => data.pointer(p).cloned().unwrap_or(Value::Null),
            None => data,
        };
        match found {
            Value::Array(items) => Ok(items),
            _ => Err(Refusal::Validation(
                "stateConfiguration.mapItemReaderData must be a JSON array of items.".into(),
            )),
        }
    }
}

/// Feed the task's outcome (the caller's, or the mock) and read the result.
pub fn finish(
    mut p: Prepared,
    outcome: Option<TaskOutcome>,
    now: i64,
    entropy: &mut dyn Entropy,
) -> Result<TestResult, Refusal> {
    if p.read.is_some() {
        let items = p.reader_items()?;
        p.items_read(Ok(items), now, entropy)?;
    }
    let mocked = p.mock.as_ref().map(mock_outcome).transpose()?;
    if let Some(task) = p.task.clone() {
        let outcome = mocked.or(outcome).unwrap_or_else(|| TaskOutcome::Failed {
            error: names::RUNTIME.into(),
            cause: format!("TestState could not run the resource {}", task.resource),
        });
        let input = match outcome {
            TaskOutcome::Succeeded(output) => Input::TaskSucceeded {
                task: task.task,
                output,
            },
            TaskOutcome::Failed { error, cause } => Input::TaskFailed {
                task: task.task,
                error,
                cause,
            },
        };
        let d = p
            .exec
            .decide_traced(input, now, entropy, Some(&mut p.trace));
        p.events.extend(d.events);
        p.absorb(d.commands, now, entropy)?;
    } else if p.trace.fan_ready || p.trace.fan_error.is_some() {
        let phase = match p.trace.fan_error.take() {
            Some(e) => Phase::Error(e),
            None => fan_phase(&p, mocked)?,
        };
        p.exec.frames[0].phase = phase;
        let d = p.exec.resume_traced(0, now, entropy, &mut p.trace);
        p.events.extend(d.events);
        p.absorb(d.commands, now, entropy)?;
    }
    Ok(p.result())
}

/// A mocked Map's or Parallel's outcome, as the phase the state goes on from.
fn fan_phase(p: &Prepared, mocked: Option<TaskOutcome>) -> Result<Phase, Refusal> {
    let Phase::Fan(fan) = &p.exec.frames[0].phase else {
        return Ok(p.exec.frames[0].phase.clone());
    };
    Ok(match mocked {
        Some(TaskOutcome::Failed { error, cause }) => Phase::Error(StateError::new(error, cause)),
        Some(TaskOutcome::Succeeded(result)) => {
            let failed = p.configuration.map_iteration_failure_count.unwrap_or(0);
            let thresholds = fan.tolerated_count.is_some() || fan.tolerated_percentage.is_some();
            let over_count = fan.tolerated_count.is_some_and(|c| failed > c);
            let over_pct = fan
                .tolerated_percentage
                .is_some_and(|pct| failed as f64 * 100.0 / fan.total_items.max(1) as f64 > pct);
            if fan.is_map && thresholds && (over_count || over_pct) {
                Phase::Error(StateError::new(
                    names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                    "The specified tolerated failure threshold was exceeded",
                ))
            } else {
                Phase::Result(Arc::new(result))
            }
        }
        None => Phase::Error(StateError::new(
            names::RUNTIME,
            "TestState needs a mock to test a Map or Parallel state",
        )),
    })
}

/// The mock as the task's outcome.
fn mock_outcome(m: &Mock) -> Result<TaskOutcome, Refusal> {
    match (&m.result, &m.error_output) {
        (Some(text), _) => Ok(TaskOutcome::Succeeded(
            parse_field(text, "mock.result").map_err(Refusal::Validation)?,
        )),
        (None, Some((error, cause))) => Ok(TaskOutcome::Failed {
            error: error.clone(),
            cause: cause.clone(),
        }),
        (None, None) => Err(Refusal::Validation(
            "A test mock should have one of the following fields: [result, errorOutput].".into(),
        )),
    }
}

impl Prepared {
    fn result(&self) -> TestResult {
        let plan = self.exec.plan.clone();
        let tested = plan.top().start_at;
        let st = plan.top().state(tested);
        let mut inspection = self.inspection(st);
        // The tested state's exit (the first `StateExited` of the top frame).
        let exited = self.events.iter().find_map(|e| match &e.kind {
            EventKind::StateExited {
                state,
                output,
                next,
                assigned,
            } if e.frame == 0 && *state == tested => Some((output, next, assigned)),
            _ => None,
        });
        let mut variables = self.initial_vars.clone();
        let (status, output, error, next_state) = if self.trace.retry_delay_ms.is_some() {
            (TestStatus::Retriable, None, self.trace.error.clone(), None)
        } else if let Some((output, next, assigned)) = exited {
            for (k, v) in assigned {
                variables.insert(k.clone(), v.clone());
            }
            let own = &plan.top().state(tested).name;
            let next = next.map(|n| match &plan.top().state(n).name {
                stub if *stub == self_alias(own) => own.clone(),
                stub => stub.clone(),
            });
            match self.trace.catch_index {
                Some(_) => (
                    TestStatus::CaughtError,
                    Some((**output).clone()),
                    self.trace.error.clone(),
                    next,
                ),
                None => (TestStatus::Succeeded, Some((**output).clone()), None, next),
            }
        } else {
            let err = match self.exec.outcome() {
                Some(crate::execution::Outcome::Failed(e)) => e.clone(),
                _ => self.trace.error.clone().unwrap_or_else(|| {
                    StateError::new(names::RUNTIME, "The state did not finish.")
                }),
            };
            (
                TestStatus::Failed,
                None,
                Some(self.items_path_error(st, err)),
                None,
            )
        };
        if !variables.is_empty() {
            inspection
                .values
                .push(("variables", Value::Object(variables)));
        }
        if status != TestStatus::Retriable {
            inspection.retry_backoff_seconds = None;
        }
        TestResult {
            status,
            output,
            error,
            next_state,
            inspection,
        }
    }

    /// A Map whose ItemsPath into the context object gives no array: AWS's
    /// cause names the path relative to the context object (recorded,
    /// test_state_map_context_object[ALL]/[EXECUTION_INPUT]: `$$` is
    /// `Reference path "$" must point to array.`).
    /// DIFFERENCE: for an ItemsPath into the input AWS's TestState wording
    /// is not recorded; it keeps the executions' wording.
    fn items_path_error(&self, st: &stepwell_asl::State, err: StateError) -> StateError {
        let StateKind::Map(m) = &st.kind else {
            return err;
        };
        let stepwell_asl::OptPath::Path(p) = &m.items_path else {
            return err;
        };
        let Some(relative) = p.text().strip_prefix('$').filter(|r| r.starts_with('$')) else {
            return err;
        };
        let not_array = self
            .trace
            .steps
            .iter()
            .rev()
            .find(|(k, _)| *k == "afterItemsPath")
            .is_some_and(|(_, v)| !v.is_array());
        if err.error != names::RUNTIME || !not_array {
            return err;
        }
        StateError {
            cause: format!("Reference path \"{relative}\" must point to array."),
            ..err
        }
    }

    fn inspection(&self, st: &stepwell_asl::State) -> Inspection {
        const ORDER: [&str; 10] = [
            "afterArguments",
            "afterInputPath",
            "afterParameters",
            "result",
            "afterResultSelector",
            "afterResultPath",
            "afterItemsPath",
            "afterItemSelector",
            "afterItemBatcher",
            "afterItemsPointer",
        ];
        let is_map = matches!(st.kind, StateKind::Map(_));
        let mut values = vec![("input", (*self.input).clone())];
        for key in ORDER {
            // AWS never shows a Map's `result` (the mock is the result of
            // the whole state), nor an ItemsPath that gave no array
            // (test_map_state_failure_count, test_state_map_context_object).
            if is_map && key == "result" {
                continue;
            }
            if let Some((_, v)) = self.trace.steps.iter().rev().find(|(k, _)| *k == key) {
                if key == "afterItemsPath" && !v.is_array() {
                    continue;
                }
                values.push((key, v.clone()));
            }
        }
        // A Fail state has no InputPath; AWS shows its input as it.
        if matches!(st.kind, StateKind::Fail(_)) && st.query_language == QueryLanguage::JsonPath {
            values.push(("afterInputPath", (*self.input).clone()));
        }
        let mut inspection = Inspection {
            values,
            retry_index: self.trace.retry_index,
            retry_backoff_seconds: self.trace.retry_delay_ms.map(|ms| ms / 1000),
            catch_index: self.trace.catch_index,
            ..Inspection::default()
        };
        if let StateKind::Map(_) = &st.kind {
            let fan = match &self.exec.frames[0].phase {
                Phase::Fan(fan) => Some(fan.as_ref()),
                _ => self.exec.frames[0].kept.as_ref().map(|k| k.fan.as_ref()),
            };
            // The Map's settings as evaluated when it started.
            let started = self.events.iter().find_map(|e| match &e.kind {
                EventKind::MapStarted {
                    max_concurrency,
                    tolerated_count,
                    tolerated_percentage,
                    ..
                } => Some((*max_concurrency, *tolerated_count, *tolerated_percentage)),
                _ => None,
            });
            let settings = started
                .or(fan.map(|f| (f.max_concurrency, f.tolerated_count, f.tolerated_percentage)));
            if let Some((max, count, pct)) = settings {
                inspection.max_concurrency = Some(max);
                inspection.tolerated_failure_count = count;
                inspection.tolerated_failure_percentage = pct;
            }
        }
        inspection
    }
}

/// Parse a request field holding JSON text.
fn parse_field(text: &str, field: &str) -> Result<Value, String> {
    limits::parse_json(text).map_err(|e| format!("The {field} is not valid JSON: {e}"))
}

/// The state to test: its name, definition and the machine's QueryLanguage.
fn pick_state(req: &Request) -> Result<(String, Value, Option<Value>), Refusal> {
    let def = &req.definition;
    match &req.state_name {
        Some(name) => {
            // The whole machine must be valid, as AWS checks it.
            stepwell_asl::from_value(def)
                .map_err(|d| Refusal::Definition(stepwell_asl::invalid_definition_message(&d)))?;
            // Any state of the machine, also one inside a Map's
            // ItemProcessor or a Parallel's branch (AWS, recorded:
            // test_base_state_name[*-BASE_MAP_STATE_MACHINE]).
            let state = def
                .get("States")
                .and_then(|states| find_state(states, name))
                .cloned()
                .ok_or_else(|| Refusal::Validation("State not found in definition".into()))?;
            Ok((name.clone(), state, def.get("QueryLanguage").cloned()))
        }
        None => {
            let one_state = def
                .as_object()
                .is_some_and(|o| o.get("Type").is_some_and(Value::is_string));
            if !one_state {
                // DIFFERENCE: our wording; AWS answers InvalidDefinition.
                return Err(Refusal::Definition(
                    "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: without stateName the definition must be one state (an object with a \"Type\" field); to test a state of a whole state machine, give its name as stateName'".into(),
                ));
            }
            Ok((SINGLE_STATE_NAME.to_string(), def.clone(), None))
        }
    }
}

/// The state named `name` among `states` or in the machines nested in
/// them (ItemProcessor, Iterator, Branches). State names are unique in
/// the whole machine.
fn find_state<'a>(states: &'a Value, name: &str) -> Option<&'a Value> {
    let states = states.as_object()?;
    if let Some(st) = states.get(name) {
        return Some(st);
    }
    states.values().find_map(|st| {
        let processors = ["ItemProcessor", "Iterator"]
            .into_iter()
            .filter_map(|k| st.get(k));
        let branches = st
            .get("Branches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        processors
            .chain(branches)
            .find_map(|m| m.get("States").and_then(|s| find_state(s, name)))
    })
}

/// The name a transition of the tested state to itself goes to in the test
/// machine (a `Succeed` stub; reported as the state's own name).
fn self_alias(name: &str) -> String {
    format!("{name} (again)")
}

/// The test machine: the state, and a `Succeed` stub for every state it
/// may go to. A transition to the state itself goes to a stub too (the
/// machine needs an end), named by [`self_alias`].
fn wrap(name: &str, state: &Value, query_language: Option<&Value>) -> Value {
    let mut state = state.clone();
    let alias = self_alias(name);
    let mut targets: Vec<String> = Vec::new();
    let mut add = |v: Option<&mut Value>| {
        if let Some(Value::String(s)) = v {
            if s == name {
                *s = alias.clone();
            }
            if !targets.contains(s) {
                targets.push(s.clone());
            }
        }
    };
    add(state.get_mut("Next"));
    add(state.get_mut("Default"));
    for key in ["Choices", "Catch"] {
        if let Some(items) = state.get_mut(key).and_then(Value::as_array_mut) {
            for item in items {
                add(item.get_mut("Next"));
            }
        }
    }
    let mut states = JsonMap::new();
    states.insert(name.to_string(), state);
    for t in targets {
        states.insert(t, json!({"Type": "Succeed"}));
    }
    let mut m = json!({"StartAt": name, "States": states});
    if let Some(q) = query_language {
        m["QueryLanguage"] = q.clone();
    }
    m
}

#[cfg(test)]
mod tests;
