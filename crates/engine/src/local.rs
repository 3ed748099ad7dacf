//! Run one execution to its end in this process: the driver behind
//! `stepwell run`. Tasks go to a [`TaskRunner`]; timers wait on a [`Clock`]
//! (scaled by `wait_scale`, 0 = no waiting).

use std::collections::{BTreeSet, VecDeque};

use serde_json::Value;
use stepwell_core::{Command, Entropy, Event, Execution, Input, Status, TaskFlavor, TaskRequest};

use crate::mock::{unmocked_cause, MockCase, MockResponse};
use crate::s3::{self, LocalS3};

/// Time, injected so tests can run without sleeping.
pub trait Clock {
    fn now_ms(&self) -> i64;
    fn sleep_ms(&self, ms: u64);
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
    fn sleep_ms(&self, ms: u64) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// The outcome of running one task.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskOutcome {
    Succeeded(Value),
    Failed { error: String, cause: String },
}

/// Something that can carry out a task.
pub trait TaskRunner {
    fn run(&mut self, req: &TaskRequest) -> TaskOutcome;

    /// A task that is submitted first (`.sync`, `.waitForTaskToken`):
    /// hand it over before [`Self::run`] waits for its end. `Ok` is what
    /// `TaskSubmitted` records; `Err` ends the task there (the submission
    /// failed). By default nothing is submitted and `TaskSubmitted`
    /// records `{}`: a mock stands for the whole job, and what submitting
    /// it answered is not mocked.
    fn submit(&mut self, req: &TaskRequest) -> Result<Value, TaskOutcome> {
        let _ = req;
        Ok(Value::Object(Default::default()))
    }
}

/// Answers tasks from a MockConfigFile test case. A task with no mock
/// fails, naming the state and the resource.
#[derive(Debug, Default)]
pub struct MockRunner {
    case: Option<MockCase>,
}

impl MockRunner {
    pub fn new(case: Option<MockCase>) -> Self {
        MockRunner { case }
    }

    /// Whether the test case answers this Task state.
    pub fn covers(&self, state: &str) -> bool {
        self.case.as_ref().is_some_and(|c| c.covers(state))
    }
}

impl TaskRunner for MockRunner {
    fn run(&mut self, req: &TaskRequest) -> TaskOutcome {
        let Some(case) = self.case.as_mut() else {
            return TaskOutcome::Failed {
                error: "States.Runtime".into(),
                cause: format!(
                    "no task runner for state '{}': resource {} has no mocked response (use --mock-config and --test-case, or --functions / --aws-integrations for a backend that runs it)",
                    req.state_name, req.resource
                ),
            };
        };
        match case.answer(&req.state_name, &req.resource) {
            Some(MockResponse::Return(v)) => TaskOutcome::Succeeded(v),
            Some(MockResponse::Throw { error, cause }) => TaskOutcome::Failed { error, cause },
            None => TaskOutcome::Failed {
                error: "States.Runtime".into(),
                cause: unmocked_cause(&req.state_name, &req.resource, case.name()),
            },
        }
    }
}

/// A small non-cryptographic generator (SplitMix64) for task tokens, jitter
/// and `States.UUID`; seeded from the clock and process id by default.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }
    pub fn from_time() -> Self {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        SplitMix(t ^ (u64::from(std::process::id()) << 32))
    }
}

impl Entropy for SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// How a local run is carried out.
pub struct LocalOptions<'a> {
    pub runner: &'a mut dyn TaskRunner,
    pub clock: &'a dyn Clock,
    pub entropy: &'a mut dyn Entropy,
    /// Multiplies every Wait and Retry interval; 0 means no waiting.
    pub wait_scale: f64,
    /// Where a Distributed Map's `ItemReader` reads from (`--s3-dir`);
    /// without one such a Map fails with `States.ItemReaderFailed`.
    pub s3: Option<&'a LocalS3>,
}

/// Run `exec` from its start to its end; returns the full history.
pub fn run_to_completion(exec: &mut Execution, opts: LocalOptions<'_>) -> Vec<Event> {
    let LocalOptions {
        runner,
        clock,
        entropy,
        wait_scale,
        s3,
    } = opts;
    let mut history = Vec::new();
    let mut queue = VecDeque::new();
    // (fire_at, timer) ordered by time, then by id for determinism.
    let mut timers: BTreeSet<(i64, u64)> = BTreeSet::new();
    let feed = |exec: &mut Execution,
                input: Input,
                queue: &mut VecDeque<Command>,
                history: &mut Vec<Event>,
                entropy: &mut dyn Entropy| {
        let d = exec.decide(input, clock.now_ms(), entropy);
        // The first decision usually holds the whole history: move it, not copy it.
        if history.is_empty() {
            *history = d.events;
        } else {
            history.extend(d.events);
        }
        queue.extend(d.commands);
    };
    feed(exec, Input::Start, &mut queue, &mut history, entropy);
    while exec.status() == Status::Running || !queue.is_empty() {
        if let Some(cmd) = queue.pop_front() {
            match cmd {
                Command::RunTask(req) => {
                    if req.flavor == TaskFlavor::Activity {
                        // The runner is the activity's worker: it picks the task up.
                        let started = Input::TaskStarted {
                            task: req.task,
                            worker: None,
                        };
                        feed(exec, started, &mut queue, &mut history, entropy);
                    }
                    let outcome = if req.is_submitted_first() {
                        match runner.submit(&req) {
                            Ok(output) => {
                                let submitted = Input::TaskSubmitted {
                                    task: req.task,
                                    output,
                                };
                                feed(exec, submitted, &mut queue, &mut history, entropy);
                                runner.run(&req)
                            }
                            Err(outcome) => outcome,
                        }
                    } else {
                        runner.run(&req)
                    };
                    let input = match outcome {
                        TaskOutcome::Succeeded(output) => Input::TaskSucceeded {
                            task: req.task,
                            output,
                        },
                        TaskOutcome::Failed { error, cause } => {
                            Input::mocked_failure(req.task, error, cause)
                        }
                    };
                    feed(exec, input, &mut queue, &mut history, entropy);
                }
                Command::ReadItems(req) => {
                    let result = s3::read_items(s3, &req);
                    let input = Input::ItemsRead {
                        read: req.read,
                        result,
                    };
                    feed(exec, input, &mut queue, &mut history, entropy);
                }
                Command::WriteResults(req) => {
                    let result = s3::write_results(s3, &req);
                    let input = Input::ResultsWritten {
                        write: req.write,
                        result,
                    };
                    feed(exec, input, &mut queue, &mut history, entropy);
                }
                Command::StartTimer {
                    timer,
                    fire_at,
                    scaled,
                } => {
                    // Kept by when it is due on the clock: scaled from now.
                    let now = clock.now_ms();
                    let scale = if scaled { wait_scale } else { 1.0 };
                    let due = now + ((fire_at - now).max(0) as f64 * scale) as i64;
                    timers.insert((due, timer));
                }
                Command::CancelTimer { timer } => timers.retain(|&(_, t)| t != timer),
                Command::CancelTask { .. } | Command::Finished => {}
            }
            continue;
        }
        if exec.status() != Status::Running {
            break;
        }
        let Some((due, timer)) = timers.pop_first() else {
            // Nothing can move the execution any more.
            feed(
                exec,
                Input::Stop {
                    error: "States.Runtime".into(),
                    cause: "the execution is waiting for an answer no local runner can give".into(),
                },
                &mut queue,
                &mut history,
                entropy,
            );
            continue;
        };
        let wait = due - clock.now_ms();
        if wait >= 1 {
            clock.sleep_ms(wait as u64);
        }
        feed(
            exec,
            Input::TimerFired { timer },
            &mut queue,
            &mut history,
            entropy,
        );
    }
    history
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(state: &str, resource: &str) -> TaskRequest {
        TaskRequest {
            task: 1,
            flavor: TaskFlavor::Service,
            state_name: state.into(),
            resource: resource.into(),
            payload: Default::default(),
            token: None,
            timeout_seconds: None,
            heartbeat_seconds: None,
            execution_arn: String::new(),
            state_machine_arn: String::new(),
        }
    }

    /// With a test case, an unmocked Task says the test case has no mock
    /// for it (as `stepwell serve` does), not how to give one.
    #[test]
    fn an_unmocked_state_of_a_test_case_names_it() {
        let cfg = json!({
            "StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}},
            "MockedResponses": {"R": {"0": {"Return": 1}}}
        });
        let case = MockCase::from_config(&cfg, "M", "T").ok();
        let mut runner = MockRunner::new(case);
        assert_eq!(
            runner.run(&request("Other", "arn:r")),
            TaskOutcome::Failed {
                error: "States.Runtime".into(),
                cause: "no local runner for state 'Other': test case 'T' has no mock for it, and no backend runs resource arn:r".into()
            }
        );
        assert_eq!(
            runner.run(&request("S", "arn:r")),
            TaskOutcome::Succeeded(json!(1))
        );
        assert_eq!(
            runner.run(&request("S", "arn:r")),
            TaskOutcome::Failed {
                error: "States.Runtime".into(),
                cause: "the mocked responses for state 'S' ran out (resource arn:r)".into()
            }
        );
        let mut none = MockRunner::new(None);
        let TaskOutcome::Failed { cause, .. } = none.run(&request("S", "arn:r")) else {
            panic!("no runner, no success");
        };
        assert!(
            cause.contains("use --mock-config and --test-case"),
            "{cause}"
        );
    }
}
