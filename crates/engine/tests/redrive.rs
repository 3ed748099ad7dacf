//! RedriveExecution: a failed execution runs again from the state that
//! stopped it; inside a Parallel or Map only the branches, iterations or
//! Map Run child executions that did not succeed run again, each from the
//! state it stopped in; the redriven history replays to the same state.
//!
//! AWS: docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html
//! (redrive behaviour of individual states) and .../dg/redrive-map-run.html.

mod common;

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use serde_json::{json, Value};
use stepwell_asl::StateMachine;
use stepwell_core::map_run::{self, MapRun};
use stepwell_core::{
    render_child_history, render_history, Command, Event, EventKind, Execution, ExecutionInfo,
    Input, Outcome, Status, TaskRequest,
};
use stepwell_engine::{MockCase, MockRunner, SplitMix, TaskOutcome, TaskRunner};

#[test]
fn a_failed_execution_redrives_from_the_failed_state_and_replays() {
    let def = json!({
        "StartAt": "Prep",
        "States": {
            "Prep": {"Type": "Pass", "Result": 1, "ResultPath": "$.prep", "Next": "Work"},
            "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
                     "Parameters": {"n.$": "$$.Execution.RedriveCount"}, "End": true}
        }
    })
    .to_string();
    let run = common::run(
        &def,
        json!({"x": 1}),
        json!({"Work": [{"Throw": {"Error": "Boom", "Cause": "first"}}]}),
        7,
    );
    assert_eq!(run.status(), "FAILED");
    let (plan, info, mut exec, mut history) = (run.plan, run.info, run.exec, run.history);
    let mut entropy = SplitMix::new(1);

    // Redriving a running or succeeded execution does nothing; a failed one
    // records ExecutionRedriven and enters Work again with its old input.
    let d = exec.decide(Input::Redrive, 1_000_000, &mut entropy);
    assert!(matches!(
        d.events[0].kind,
        EventKind::ExecutionRedriven { redrive_count: 1 }
    ));
    assert_eq!(exec.status(), Status::Running);
    assert_eq!(exec.redrive_count(), 1);
    let task = d
        .commands
        .iter()
        .find_map(|c| match c {
            Command::RunTask(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the task runs again");
    assert_eq!(*task.payload, json!({"n": 1}));
    history.extend(d.events);
    let d = exec.decide(
        Input::TaskSucceeded {
            task: task.task,
            output: json!({"ok": true}),
        },
        1_000_010,
        &mut entropy,
    );
    history.extend(d.events);
    assert_eq!(exec.status(), Status::Succeeded);
    assert!(exec
        .decide(Input::Redrive, 1_000_020, &mut entropy)
        .events
        .is_empty());

    let entered: Vec<bool> = history
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::StateEntered { input, .. } => Some(input.get("prep").is_some()),
            _ => None,
        })
        .collect();
    assert_eq!(
        entered,
        [false, true, true],
        "Prep once, Work twice (with Prep's result)"
    );
    let replayed = Execution::replay(plan, info, &history).expect("the redriven history replays");
    assert!(replayed == exec);
    assert!(replayed.pending().is_empty());
}

// ----- a driver that can stop, redrive and go on ---------------------------

/// How a test answers a task: its outcome, or `None` to leave it running.
type Answer<'a> = dyn FnMut(&TaskRequest) -> Option<TaskOutcome> + 'a;

/// One execution driven by hand: tasks answered by the test, time jumping
/// to the next timer when nothing else can happen.
struct Drive {
    plan: Arc<StateMachine>,
    info: ExecutionInfo,
    exec: Execution,
    history: Vec<Event>,
    now: i64,
    entropy: SplitMix,
    queue: VecDeque<Command>,
    timers: BTreeSet<(i64, u64)>,
}

impl Drive {
    fn new(definition: &str, input: Value) -> Self {
        Self::from_plan(common::parse(definition), input)
    }

    fn from_plan(plan: Arc<StateMachine>, input: Value) -> Self {
        let info = common::info("Machine", input);
        Drive {
            exec: Execution::new(plan.clone(), info.clone()),
            plan,
            info,
            history: Vec::new(),
            now: common::T0,
            entropy: SplitMix::new(11),
            queue: VecDeque::new(),
            timers: BTreeSet::new(),
        }
    }

    fn feed(&mut self, input: Input) {
        self.now += 1;
        let d = self.exec.decide(input, self.now, &mut self.entropy);
        self.history.extend(d.events);
        self.queue.extend(d.commands);
    }

    /// Carry out commands until nothing moves (the execution ended, or only
    /// tasks `answer` left running are outstanding).
    fn pump(&mut self, answer: &mut Answer<'_>) {
        let mut steps = 0;
        while self.exec.status() == Status::Running {
            steps += 1;
            assert!(steps < 100_000, "the execution does not end");
            if let Some(cmd) = self.queue.pop_front() {
                match cmd {
                    Command::RunTask(req) => match answer(&req) {
                        Some(TaskOutcome::Succeeded(output)) => self.feed(Input::TaskSucceeded {
                            task: req.task,
                            output,
                        }),
                        Some(TaskOutcome::Failed { error, cause }) => {
                            self.feed(Input::TaskFailed {
                                task: req.task,
                                error,
                                cause,
                            })
                        }
                        None => {}
                    },
                    Command::StartTimer { timer, fire_at, .. } => {
                        self.timers.insert((fire_at, timer));
                    }
                    Command::CancelTimer { timer } => self.timers.retain(|&(_, t)| t != timer),
                    _ => {}
                }
                continue;
            }
            let Some((fire_at, timer)) = self.timers.pop_first() else {
                break;
            };
            self.now = self.now.max(fire_at);
            self.feed(Input::TimerFired { timer });
        }
        self.queue.clear();
        if self.exec.status() != Status::Running {
            self.timers.clear();
        }
    }

    fn run(self) -> common::Run {
        let run = common::Run {
            plan: self.plan,
            info: self.info,
            exec: self.exec,
            history: self.history,
        };
        common::check_replay(&run);
        run
    }
}

/// A Lambda Task that sends its input and the redrive count
/// (`$$.Execution.RedriveCount`), then goes to `next` (or ends).
fn task(next: Option<&str>) -> Value {
    let mut t = json!({
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
        "Parameters": {"v.$": "$", "r.$": "$$.Execution.RedriveCount"},
        "ResultSelector": {"out.$": "$"}, "OutputPath": "$.out",
    });
    match next {
        Some(n) => t["Next"] = json!(n),
        None => t["End"] = json!(true),
    }
    t
}

/// What a task does, by (state, input) and how many times it ran before.
#[derive(Clone, Copy)]
enum Act {
    /// Its first n runs fail.
    Fail(u64),
    /// Its first run never answers (the test then stops the execution).
    HangFirst,
    /// Its first run returns a result over the 256 KiB payload limit.
    HugeFirst,
    /// Its first run returns 150 KiB: two such results together are over
    /// the limit.
    BigFirst,
}

/// The task's result: `"<state>:<input>"`; the rules in `acts` say which
/// runs fail, hang or return too much. Every run is logged as
/// `(RedriveCount it saw, "<state>:<input>")`; one the execution ended
/// before answering is not.
fn answerer<'a>(
    acts: &'a [(&'a str, Value, Act)],
    log: &'a mut Vec<(u64, String)>,
) -> impl FnMut(&TaskRequest) -> Option<TaskOutcome> + 'a {
    let mut runs: Vec<String> = Vec::new();
    move |req| {
        let v = &req.payload["v"];
        let attempt = req.payload["r"].as_u64().unwrap_or(0);
        let call = format!("{}:{v}", req.state_name);
        let before = runs.iter().filter(|c| **c == call).count() as u64;
        runs.push(call.clone());
        log.push((attempt, call.clone()));
        let act = acts
            .iter()
            .find(|(s, input, _)| *s == req.state_name && input == v)
            .map(|a| a.2);
        Some(match act {
            Some(Act::Fail(n)) if before < n => TaskOutcome::Failed {
                error: "Boom".into(),
                cause: call,
            },
            Some(Act::HangFirst) if before == 0 => return None,
            Some(Act::HugeFirst) if before == 0 => {
                TaskOutcome::Succeeded(json!("x".repeat(300 * 1024)))
            }
            Some(Act::BigFirst) if before == 0 => {
                TaskOutcome::Succeeded(json!("x".repeat(150 * 1024)))
            }
            _ => TaskOutcome::Succeeded(json!(call)),
        })
    }
}

/// One redrive scenario: run, stop (when a task hangs), redrive until it
/// succeeds or `redrives` were done; then check what ran in each attempt.
struct Case {
    name: &'static str,
    definition: Value,
    input: Value,
    acts: Vec<(&'static str, Value, Act)>,
    redrives: u64,
    /// Per attempt, the tasks run (`"<state>:<input>"`), sorted.
    calls: Vec<Vec<&'static str>>,
    output: Value,
    /// The AWS event types from the first `ExecutionRedriven` on (none:
    /// not checked).
    after_redrive: Option<Vec<&'static str>>,
}

fn branch(states: Value, start: &str) -> Value {
    json!({"StartAt": start, "States": states})
}

fn cases() -> Vec<Case> {
    let three_branches = json!({
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            branch(json!({"A": task(None)}), "A"),
            branch(json!({"B": task(None)}), "B"),
            branch(json!({"C": task(None)}), "C"),
        ]}}
    });
    let done_branch = json!({
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            branch(json!({"A": task(None)}), "A"),
            branch(json!({"B": task(None)}), "B"),
            branch(json!({"C": {"Type": "Pass", "Result": "C", "End": true}}), "C"),
        ]}}
    });
    let inline_map = json!({
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": true,
            "ItemProcessor": branch(json!({"W": task(None)}), "W")}}
    });
    vec![
        Case {
            name: "a Parallel reruns only its failed branch, its result in branch order",
            definition: done_branch,
            input: json!(1),
            acts: vec![("B", json!(1), Act::Fail(1))],
            redrives: 1,
            calls: vec![vec!["A:1", "B:1"], vec!["B:1"]],
            output: json!(["A:1", "B:1", "C"]),
            after_redrive: Some(vec![
                "ExecutionRedriven",
                "ParallelStateEntered",
                "ParallelStateStarted",
                "TaskStateEntered",
                "LambdaFunctionScheduled",
                "LambdaFunctionStarted",
                "LambdaFunctionSucceeded",
                "TaskStateExited",
                "ParallelStateSucceeded",
                "ParallelStateExited",
                "ExecutionSucceeded",
            ]),
        },
        Case {
            name: "a stopped Parallel reruns the branch that was still running",
            definition: three_branches.clone(),
            input: json!(2),
            acts: vec![("C", json!(2), Act::HangFirst)],
            redrives: 1,
            calls: vec![vec!["A:2", "B:2", "C:2"], vec!["C:2"]],
            output: json!(["A:2", "B:2", "C:2"]),
            after_redrive: None,
        },
        Case {
            name: "a Parallel that failed with States.DataLimitExceeded runs again whole",
            definition: three_branches,
            input: json!(3),
            // C answers last: A and B had succeeded, and run again.
            acts: vec![("C", json!(3), Act::HugeFirst)],
            redrives: 1,
            calls: vec![vec!["A:3", "B:3", "C:3"], vec!["A:3", "B:3", "C:3"]],
            output: json!(["A:3", "B:3", "C:3"]),
            after_redrive: None,
        },
        Case {
            name: "an inline Map reruns its failed and aborted iterations, results in index order",
            definition: inline_map.clone(),
            input: json!({"items": [0, 1, 2, 3]}),
            acts: vec![("W", json!(1), Act::Fail(1))],
            redrives: 1,
            // 2 and 3 were running when 1 failed: aborted, so rerun too.
            calls: vec![vec!["W:0", "W:1"], vec!["W:1", "W:2", "W:3"]],
            output: json!(["W:0", "W:1", "W:2", "W:3"]),
            after_redrive: Some(vec![
                "ExecutionRedriven",
                "MapStateEntered",
                "MapStateStarted",
                "MapIterationStarted",
                "TaskStateEntered",
                "LambdaFunctionScheduled",
                "LambdaFunctionStarted",
                "MapIterationStarted",
                "TaskStateEntered",
                "LambdaFunctionScheduled",
                "LambdaFunctionStarted",
                "MapIterationStarted",
                "TaskStateEntered",
                "LambdaFunctionScheduled",
                "LambdaFunctionStarted",
                "LambdaFunctionSucceeded",
                "TaskStateExited",
                "MapIterationSucceeded",
                "LambdaFunctionSucceeded",
                "TaskStateExited",
                "MapIterationSucceeded",
                "LambdaFunctionSucceeded",
                "TaskStateExited",
                "MapIterationSucceeded",
                "MapStateSucceeded",
                "MapStateExited",
                "ExecutionSucceeded",
            ]),
        },
        Case {
            name: "a Map that fails again is redriven again; its items not started then start",
            definition: json!({
                "StartAt": "M",
                "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
                    "End": true, "ItemProcessor": branch(json!({"W": task(None)}), "W")}}
            }),
            input: json!({"items": ["a", "b", "c"]}),
            acts: vec![("W", json!("b"), Act::Fail(2))],
            redrives: 2,
            calls: vec![
                vec!["W:\"a\"", "W:\"b\""],
                vec!["W:\"b\""],
                vec!["W:\"b\"", "W:\"c\""],
            ],
            output: json!(["W:\"a\"", "W:\"b\"", "W:\"c\""]),
            after_redrive: None,
        },
        Case {
            name: "a branch continues from its failed state, with its variables",
            definition: json!({
                "StartAt": "P",
                "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
                    branch(json!({"Other": task(None)}), "Other"),
                    branch(json!({
                        "First": task(Some("Keep")),
                        "Keep": {"Type": "Pass", "Assign": {"kept.$": "$"}, "Next": "Second"},
                        "Second": {"Type": "Task",
                            "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
                            "Parameters": {"v.$": "$kept", "r.$": "$$.Execution.RedriveCount"},
                            "End": true}
                    }), "First"),
                ]}}
            }),
            input: json!(7),
            acts: vec![("Second", json!("First:7"), Act::Fail(1))],
            redrives: 1,
            // First is not run again; Second still sees $kept.
            calls: vec![
                vec!["First:7", "Other:7", "Second:\"First:7\""],
                vec!["Second:\"First:7\""],
            ],
            output: json!(["Other:7", "Second:\"First:7\""]),
            after_redrive: Some(vec![
                "ExecutionRedriven",
                "ParallelStateEntered",
                "ParallelStateStarted",
                "TaskStateEntered",
                "LambdaFunctionScheduled",
                "LambdaFunctionStarted",
                "LambdaFunctionSucceeded",
                "TaskStateExited",
                "ParallelStateSucceeded",
                "ParallelStateExited",
                "ExecutionSucceeded",
            ]),
        },
        Case {
            name: "a Map inside a Parallel branch reruns only its failed iteration",
            definition: json!({
                "StartAt": "P",
                "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
                    branch(json!({"A": task(None)}), "A"),
                    branch(json!({"M": {"Type": "Map", "ItemsPath": "$.items", "End": true,
                        "ItemProcessor": branch(json!({"W": task(None)}), "W")}}), "M"),
                ]}}
            }),
            input: json!({"items": ["x", "y"]}),
            acts: vec![("W", json!("y"), Act::Fail(1))],
            redrives: 1,
            calls: vec![
                vec!["A:{\"items\":[\"x\",\"y\"]}", "W:\"x\"", "W:\"y\""],
                vec!["W:\"y\""],
            ],
            output: json!(["A:{\"items\":[\"x\",\"y\"]}", ["W:\"x\"", "W:\"y\""]]),
            after_redrive: None,
        },
        Case {
            name: "a Parallel in a Parallel reruns only the inner failed branch",
            definition: json!({
                "StartAt": "P",
                "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
                    branch(json!({"Z": task(None)}), "Z"),
                    branch(json!({"Inner": {"Type": "Parallel", "End": true, "Branches": [
                        branch(json!({"X": task(None)}), "X"),
                        branch(json!({"Y": task(None)}), "Y"),
                    ]}}), "Inner"),
                ]}}
            }),
            input: json!(0),
            acts: vec![("Y", json!(0), Act::Fail(1))],
            redrives: 1,
            calls: vec![vec!["X:0", "Y:0", "Z:0"], vec!["Y:0"]],
            output: json!(["Z:0", ["X:0", "Y:0"]]),
            after_redrive: None,
        },
        Case {
            name: "a Parallel that was caught is not rerun: the state after it is",
            definition: json!({
                "StartAt": "P",
                "States": {
                    "P": {"Type": "Parallel", "Next": "After",
                        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "After", "ResultPath": null}],
                        "Branches": [branch(json!({"A": task(None)}), "A"), branch(json!({"B": task(None)}), "B")]},
                    "After": task(None)
                }
            }),
            input: json!(5),
            acts: vec![
                ("B", json!(5), Act::Fail(9)),
                ("After", json!(5), Act::Fail(1)),
            ],
            redrives: 1,
            calls: vec![vec!["A:5", "After:5", "B:5"], vec!["After:5"]],
            output: json!("After:5"),
            after_redrive: None,
        },
        Case {
            name: "a retried Parallel reruns only the branch that failed its last attempt",
            definition: json!({
                "StartAt": "P",
                "States": {"P": {"Type": "Parallel", "End": true,
                    "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                    "Branches": [branch(json!({"A": task(None)}), "A"), branch(json!({"B": task(None)}), "B")]}}
            }),
            input: json!(6),
            acts: vec![("B", json!(6), Act::Fail(2))],
            redrives: 1,
            calls: vec![vec!["A:6", "A:6", "B:6", "B:6"], vec!["B:6"]],
            output: json!(["A:6", "B:6"]),
            after_redrive: None,
        },
    ]
}

#[test]
fn redrive_reruns_only_what_did_not_succeed() {
    for case in cases() {
        let name = case.name;
        let mut log = Vec::new();
        let mut d = Drive::new(&case.definition.to_string(), case.input.clone());
        {
            let mut answer = answerer(&case.acts, &mut log);
            d.feed(Input::Start);
            for attempt in 0..=case.redrives {
                if attempt > 0 {
                    assert_ne!(
                        d.exec.status(),
                        Status::Succeeded,
                        "{name}: succeeded early"
                    );
                    d.feed(Input::Redrive);
                    assert_eq!(d.exec.redrive_count() as u64, attempt, "{name}");
                }
                d.pump(&mut answer);
                if d.exec.status() == Status::Running {
                    d.feed(Input::Stop {
                        error: "Stopped".into(),
                        cause: String::new(),
                    });
                }
            }
        }
        let run = d.run();
        assert_eq!(run.status(), "SUCCEEDED", "{name}: {:?}", run.error());
        assert_eq!(run.output(), Some(case.output.clone()), "{name}");
        let mut calls: Vec<Vec<String>> = vec![Vec::new(); case.calls.len()];
        for (attempt, call) in log {
            match calls.get_mut(attempt as usize) {
                Some(c) => c.push(call),
                None => panic!("{name}: a call in attempt {attempt}: {call}"),
            }
        }
        for c in &mut calls {
            c.sort();
        }
        assert_eq!(calls, case.calls, "{name}: the tasks run in each attempt");
        if let Some(expected) = &case.after_redrive {
            let types = common::run_types(&run);
            let from = types
                .iter()
                .position(|t| t == "ExecutionRedriven")
                .unwrap_or(types.len());
            assert_eq!(&types[from..], expected.as_slice(), "{name}");
        }
    }
}

// ----- Distributed Map: the Map Run's children ------------------------------

/// A Distributed Map over `$.items` whose child executions run `W`.
fn distributed(fields: Value) -> String {
    let mut f = json!({"ItemsPath": "$.items", "Label": "Fan"});
    if let (Some(o), Some(x)) = (f.as_object_mut(), fields.as_object()) {
        o.extend(x.clone());
    }
    common::distributed_map(branch(json!({"W": task(None)}), "W"), f, false)
}

fn only_run(d: &Drive) -> MapRun {
    let runs = map_run::map_runs(d.plan.clone(), &d.info, &d.history)
        .unwrap_or_else(|e| panic!("map_runs: {e}"));
    match <[MapRun; 1]>::try_from(runs) {
        Ok([run]) => run,
        Err(runs) => panic!("not one Map Run: {runs:?}"),
    }
}

fn statuses(run: &MapRun) -> Vec<&'static str> {
    run.children.iter().map(|c| c.status).collect()
}

#[test]
fn a_redriven_map_run_reruns_only_its_unsuccessful_child_executions() {
    let def = distributed(json!({}));
    let acts = [("W", json!(1), Act::Fail(1))];
    let mut log = Vec::new();
    let mut d = Drive::new(&def, json!({"items": [0, 1, 2, 3]}));
    {
        let mut answer = answerer(&acts, &mut log);
        d.feed(Input::Start);
        d.pump(&mut answer);
        assert_eq!(d.exec.status(), Status::Failed);
        let before = only_run(&d);
        assert_eq!(before.status, "FAILED");
        assert_eq!(
            statuses(&before),
            ["SUCCEEDED", "FAILED", "ABORTED", "ABORTED"]
        );
        assert_eq!(before.redrive_count, 0);
        d.feed(Input::Redrive);
        d.pump(&mut answer);
    }
    let redriven_at = d
        .history
        .iter()
        .find(|e| matches!(e.kind, EventKind::MapRunRedriven { .. }))
        .map(|e| e.timestamp);
    let mr = only_run(&d);
    let run = d.run();
    assert_eq!(run.status(), "SUCCEEDED", "{:?}", run.error());
    assert_eq!(
        run.output(),
        Some(json!(["W:0", "W:1", "W:2", "W:3"])),
        "the results in item order"
    );
    // 2 and 3 were running when 1 failed (the Map Run failed at once, their
    // tasks never answered): all three rerun, each seeing its own
    // RedriveCount, 1.
    let mut calls: Vec<(u64, String)> = log;
    calls.sort();
    assert_eq!(
        calls,
        [
            (0, "W:0".to_string()),
            (0, "W:1".into()),
            (1, "W:1".into()),
            (1, "W:2".into()),
            (1, "W:3".into()),
        ]
    );

    // DescribeMapRun: the same Map Run, succeeded, redriven once.
    assert_eq!(mr.status, "SUCCEEDED");
    assert_eq!(statuses(&mr), ["SUCCEEDED"; 4]);
    assert_eq!(mr.redrive_count, 1);
    assert_eq!(mr.redrive_date, redriven_at);
    assert!(redriven_at.is_some());
    let counts: Vec<u32> = mr.children.iter().map(|c| c.redrive_count).collect();
    assert_eq!(counts, [0, 1, 1, 1]);
    let c = mr.counts();
    assert_eq!((c.succeeded, c.failed, c.pending_redrive), (4, 0, 0));

    // The parent's history: the Map state continues, the Map Run is redriven.
    let parent = render_history(run.plan.clone(), &run.info, &run.history).unwrap();
    let types = common::types(&parent);
    let from = types
        .iter()
        .position(|t| *t == "ExecutionRedriven")
        .unwrap();
    assert_eq!(
        &types[from..],
        [
            "ExecutionRedriven",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunRedriven",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded",
        ]
    );
    let redriven = &parent[from + 3];
    assert_eq!(
        redriven["mapRunRedrivenEventDetails"],
        json!({"mapRunArn": mr.arn, "redriveCount": 1})
    );
    assert_eq!(parent[from + 2]["mapStateStartedEventDetails"]["length"], 4);

    // The failed child's own history: redriven from the state that failed.
    let stem = map_run::stem_of_map_run(&mr.arn).unwrap();
    let child = render_child_history(run.plan.clone(), &run.info, &run.history, stem, 1).unwrap();
    assert_eq!(
        common::types(&child),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionFailed",
            "ExecutionFailed",
            "ExecutionRedriven",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded",
        ]
    );
    let at = common::types(&child)
        .iter()
        .position(|t| *t == "ExecutionRedriven")
        .unwrap();
    assert_eq!(
        child[at]["executionRedrivenEventDetails"],
        json!({"redriveCount": 1})
    );
    // It follows the child's ExecutionFailed, as the parent's follows its own.
    assert_eq!(child[at]["previousEventId"], child[at - 1]["id"]);
    let from_parent = types
        .iter()
        .position(|t| *t == "ExecutionRedriven")
        .unwrap();
    assert_eq!(
        parent[from_parent]["previousEventId"],
        parent[from_parent - 1]["id"]
    );
    for (i, e) in child.iter().enumerate() {
        assert_eq!(e["id"], json!(i + 1), "child ids run on: {e}");
    }
    // The child that succeeded the first time was not redriven.
    let first = render_child_history(run.plan.clone(), &run.info, &run.history, stem, 0).unwrap();
    assert!(!common::types(&first).contains(&"ExecutionRedriven"));
}

#[test]
fn children_wait_for_a_redrive_and_go_back_when_the_map_run_stops() {
    // One child at a time; two failures are one too many.
    let def = distributed(json!({"MaxConcurrency": 1, "ToleratedFailureCount": 1}));
    let acts = [
        ("W", json!("b"), Act::Fail(1)),
        ("W", json!("c"), Act::Fail(1)),
    ];
    let mut log = Vec::new();
    let mut d = Drive::new(&def, json!({"items": ["a", "b", "c", "d"]}));
    let mut answer = answerer(&acts, &mut log);
    d.feed(Input::Start);
    d.pump(&mut answer);
    assert_eq!(d.exec.status(), Status::Failed);
    assert_eq!(statuses(&only_run(&d)), ["SUCCEEDED", "FAILED", "FAILED"]);

    // Redriven, with the first rerun child's task left running: the other
    // failed child waits for its turn, "d" was never started.
    d.feed(Input::Redrive);
    let mut hang = |_: &TaskRequest| None;
    d.pump(&mut hang);
    let mr = only_run(&d);
    assert_eq!(mr.status, "RUNNING");
    assert_eq!(mr.stop, None);
    assert_eq!(statuses(&mr), ["SUCCEEDED", "RUNNING", "PENDING_REDRIVE"]);
    let c = mr.counts();
    assert_eq!(
        (
            c.succeeded,
            c.running,
            c.pending_redrive,
            c.failed,
            c.pending,
            c.total
        ),
        (1, 1, 1, 0, 1, 4)
    );

    // Stopped there: the waiting child is failed again, the running one aborted.
    d.feed(Input::Stop {
        error: "Stopped".into(),
        cause: String::new(),
    });
    let mr = only_run(&d);
    assert_eq!(mr.status, "ABORTED");
    assert_eq!(statuses(&mr), ["SUCCEEDED", "ABORTED", "FAILED"]);
    assert_eq!(mr.counts().pending_redrive, 0);

    // A second redrive reruns both, then starts "d".
    d.feed(Input::Redrive);
    d.pump(&mut answer);
    drop(answer);
    let mr = only_run(&d);
    assert_eq!(mr.redrive_count, 2);
    let counts: Vec<u32> = mr.children.iter().map(|c| c.redrive_count).collect();
    assert_eq!(counts, [0, 2, 1, 0]);
    let run = d.run();
    assert_eq!(run.status(), "SUCCEEDED", "{:?}", run.error());
    assert_eq!(
        run.output(),
        Some(json!(["W:\"a\"", "W:\"b\"", "W:\"c\"", "W:\"d\""]))
    );
}

#[test]
fn a_map_that_failed_with_data_limit_exceeded_starts_a_new_map_run() {
    // Each child's result fits; the Map's result (both) does not, so the
    // Map state fails with States.DataLimitExceeded after its Map Run.
    let def = distributed(json!({}));
    let acts = [
        ("W", json!(0), Act::BigFirst),
        ("W", json!(1), Act::BigFirst),
    ];
    let d = fail_then_redrive(&def, &acts, "States.DataLimitExceeded");
    let runs = map_run::map_runs(d.plan.clone(), &d.info, &d.history).unwrap();
    assert_eq!(runs.len(), 2, "a new Map Run");
    assert_eq!(runs[1].status, "SUCCEEDED");
    assert_eq!(runs[1].redrive_count, 0);
    assert_ne!(runs[0].arn, runs[1].arn);
    assert!(!d
        .history
        .iter()
        .any(|e| matches!(e.kind, EventKind::MapRunRedriven { .. })));
    let run = d.run();
    assert_eq!(run.status(), "SUCCEEDED");
}

#[test]
fn a_child_over_the_data_limit_fails_the_map_run_which_is_redriven() {
    // The child fails with States.DataLimitExceeded; the Map Run fails
    // past its (zero) tolerated failures, so a redrive redrives it.
    let def = distributed(json!({}));
    let acts = [("W", json!(0), Act::HugeFirst)];
    let d = fail_then_redrive(&def, &acts, "States.ExceedToleratedFailureThreshold");
    let mr = only_run(&d);
    assert_eq!(mr.redrive_count, 1);
    assert_eq!(statuses(&mr), ["SUCCEEDED", "SUCCEEDED"]);
    assert_eq!(d.run().status(), "SUCCEEDED");
}

/// Runs `def` over items `[0, 1]` until it fails with `error`, then
/// redrives it to its end.
fn fail_then_redrive(def: &str, acts: &[(&str, Value, Act)], error: &str) -> Drive {
    let mut log = Vec::new();
    let mut d = Drive::new(def, json!({"items": [0, 1]}));
    let mut answer = answerer(acts, &mut log);
    d.feed(Input::Start);
    d.pump(&mut answer);
    assert!(
        matches!(d.exec.outcome(), Some(Outcome::Failed(e)) if e.error == error),
        "{:?}",
        d.exec.outcome()
    );
    d.feed(Input::Redrive);
    d.pump(&mut answer);
    drop(answer);
    d
}

#[test]
fn a_map_run_is_redriven_at_most_1000_times() {
    let def = distributed(json!({}));
    let acts = [("W", json!(0), Act::Fail(u64::MAX))];
    let mut log = Vec::new();
    let mut d = Drive::new(&def, json!({"items": [0]}));
    {
        let mut answer = answerer(&acts, &mut log);
        d.feed(Input::Start);
        d.pump(&mut answer);
        for _ in 0..1001 {
            assert_eq!(d.exec.status(), Status::Failed);
            d.feed(Input::Redrive);
            d.pump(&mut answer);
        }
    }
    assert_eq!(only_run(&d).redrive_count, 1000);
    // 1 + 1000 runs of the child; the 1001st redrive fails the Map.
    assert_eq!(log.len(), 1001);
    let run = d.run();
    assert_eq!(run.status(), "FAILED");
    let (error, cause) = run.error().unwrap();
    assert_eq!(error, "States.Runtime");
    assert!(cause.contains("1000"), "{cause}");
}

// ----- the replay property, redriven -----------------------------------------

/// Every conformance case that does not succeed is stopped if need be, then
/// redriven twice (its tasks answered from its mocks at first, then with
/// their own input): each redriven history replays to the live state, its
/// every prefix replays, and it renders.
#[test]
fn every_unsuccessful_conformance_case_redrives_and_replays() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/cases");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: ../shared/conformance not found");
        return;
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut redriven, mut into_fans) = (0, 0);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let case: Value = serde_json::from_str(&text).unwrap();
        let name = case["name"].as_str().unwrap_or_default().to_string();
        if case["expected"]["status"] == "INVALID_DEFINITION" {
            continue;
        }
        let Ok(plan) = stepwell_asl::from_value(&case["definition"]) else {
            continue;
        };
        let input = case.get("input").cloned().unwrap_or_else(|| json!({}));
        let mocks = case.get("mocks").cloned().unwrap_or(Value::Null);
        let config = common::mock_config("Machine", &mocks);
        let mut runner =
            MockRunner::new(MockCase::from_config(&config, "Machine", "Recorded").ok());
        let mut d = Drive::from_plan(Arc::new(plan), input);
        let redrives = std::cell::Cell::new(0);
        let mut answer = |req: &TaskRequest| {
            Some(if redrives.get() == 0 {
                runner.run(req)
            } else {
                TaskOutcome::Succeeded((*req.payload).clone())
            })
        };
        d.feed(Input::Start);
        for attempt in 0..3 {
            if attempt > 0 {
                if d.exec.status() == Status::Succeeded {
                    break;
                }
                redrives.set(attempt);
                d.feed(Input::Redrive);
                assert_eq!(d.exec.redrive_count(), attempt, "{name}");
                redriven += 1;
            }
            d.pump(&mut answer);
            if d.exec.status() == Status::Running {
                d.feed(Input::Stop {
                    error: "Stopped".into(),
                    cause: String::new(),
                });
            }
        }
        if d.history
            .iter()
            .any(|e| matches!(e.kind, EventKind::FanRedriven))
        {
            into_fans += 1;
        }
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| d.run()));
        assert!(run.is_ok(), "{name}: the redriven history does not replay");
    }
    eprintln!("redrive: {redriven} redrives of conformance cases; {into_fans} cases reran part of a Parallel or Map");
    assert!(redriven > 0 && into_fans > 0);
}

#[test]
fn a_child_failing_with_states_runtime_is_redriven_in_the_same_map_run() {
    // The child's Parameters fail (States.Runtime) until it is redriven; the
    // Map Run passes that error on, yet it is the child's, so the Map Run
    // is redriven rather than replaced.
    let processor = branch(
        json!({"Risky": {"Type": "Pass", "End": true, "Parameters": {
            "p.$": "States.StringToJson(States.ArrayGetItem(States.Array('oops', '{}'), $$.Execution.RedriveCount))"
        }}}),
        "Risky",
    );
    let def = common::distributed_map(processor, json!({"ItemsPath": "$.items"}), false);
    let mut d = Drive::new(&def, json!({"items": [1]}));
    let mut none = |_: &TaskRequest| None;
    d.feed(Input::Start);
    d.pump(&mut none);
    assert_eq!(d.exec.status(), Status::Failed);
    d.feed(Input::Redrive);
    d.pump(&mut none);
    let mr = only_run(&d);
    assert_eq!((mr.status, mr.redrive_count), ("SUCCEEDED", 1));
    let run = d.run();
    assert_eq!(run.output(), Some(json!([{"p": {}}])));
}

/// A processor that spins until its history quota for an item with `spin`,
/// and runs the Lambda task `W` (no redrive count in its payload) otherwise.
fn spin_or_work() -> Value {
    let mut w = task(None);
    w["Parameters"] = json!({"v.$": "$"});
    json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.spin", "IsPresent": true, "Next": "A"}], "Default": "W"},
        "A": {"Type": "Pass", "Next": "C"},
        "W": w
    }})
}

#[test]
fn a_child_at_its_history_quota_is_never_redriven_but_still_counts() {
    // (ToleratedFailureCount, the parent's status after one redrive, the
    // tasks the redrive reran)
    let cases = [
        // The quota child is the one tolerated failure: "b" reruns and the
        // Map Run succeeds.
        (1, "SUCCEEDED", vec![r#"W:{"n":"b"}"#]),
        // The quota child alone is over the threshold: the redriven Map Run
        // fails at once, rerunning nothing.
        (0, "FAILED", vec![]),
    ];
    for (tolerance, status, reran) in cases {
        let name = format!("tolerating {tolerance}");
        let def = common::distributed_map(
            spin_or_work(),
            json!({"Label": "Fan", "MaxConcurrency": 1, "ToleratedFailureCount": tolerance}),
            false,
        );
        let acts = [("W", json!({"n": "b"}), Act::Fail(1))];
        let mut log = Vec::new();
        let mut d = Drive::new(&def, json!([{"n": "a"}, {"spin": true}, {"n": "b"}]));
        let first;
        {
            let mut answer = answerer(&acts, &mut log);
            d.feed(Input::Start);
            d.pump(&mut answer);
            assert_eq!(d.exec.status(), Status::Failed, "{name}");
            first = only_run(&d);
            let ran = d.history.len();
            d.feed(Input::Redrive);
            d.pump(&mut answer);
            assert!(
                d.history.len() > ran,
                "{name}: the redrive recorded nothing"
            );
        }
        let calls_before = if tolerance == 1 { 2 } else { 1 };
        let reran_now: Vec<&str> = log[calls_before..]
            .iter()
            .map(|(_, c)| c.as_str())
            .collect();
        assert_eq!(reran_now, reran, "{name}: {log:?}");
        let mr = only_run(&d);
        let run = d.run();
        assert_eq!(run.status(), status, "{name}: {:?}", run.error());
        assert!(first.children[1].not_redrivable, "{name}");
        assert_eq!(mr.redrive_count, 1, "{name}");
        let spun = &mr.children[1];
        assert_eq!(
            (spun.status, spun.not_redrivable, spun.redrive_count),
            ("FAILED", true, 0),
            "{name}"
        );
        let c = mr.counts();
        assert_eq!(
            (c.failed, c.failures_not_redrivable, c.pending_redrive),
            (1, 1, 0),
            "{name}"
        );
        // Its history is as it ended: no ExecutionRedriven.
        let stem = map_run::stem_of_map_run(&mr.arn).unwrap_or_default();
        let child =
            render_child_history(run.plan.clone(), &run.info, &run.history, stem, 1).unwrap();
        assert_eq!(child.len(), 25_000, "{name}");
        assert!(
            !common::types(&child).contains(&"ExecutionRedriven"),
            "{name}"
        );
    }
}

#[test]
fn express_children_start_again_from_their_first_state_when_redriven() {
    // (ExecutionType, times child 1 entered its first state, its redrive
    // count, its ARN's resource type)
    let cases = [
        ("STANDARD", 1, 1, ":execution:"),
        ("EXPRESS", 2, 0, ":express:"),
    ];
    for (execution_type, entered_first, redrive_count, arn_kind) in cases {
        let mut w = task(None);
        w["Parameters"] = json!({"v.$": "$"});
        let processor = json!({
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": execution_type},
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "Next": "W"}, "W": w}
        });
        let def = common::distributed_map(processor, json!({"Label": "Fan"}), false);
        let acts = [("W", json!("b"), Act::Fail(1))];
        let mut log = Vec::new();
        let mut d = Drive::new(&def, json!(["a", "b"]));
        {
            let mut answer = answerer(&acts, &mut log);
            d.feed(Input::Start);
            d.pump(&mut answer);
            assert_eq!(d.exec.status(), Status::Failed, "{execution_type}");
            d.feed(Input::Redrive);
            d.pump(&mut answer);
        }
        let redriven_at = d
            .history
            .iter()
            .find(|e| matches!(e.kind, EventKind::MapIterationRedriven { .. }))
            .map(|e| e.timestamp);
        let mr = only_run(&d);
        let run = d.run();
        assert_eq!(
            run.status(),
            "SUCCEEDED",
            "{execution_type}: {:?}",
            run.error()
        );
        assert_eq!(run.output(), Some(json!(["W:\"a\"", "W:\"b\""])));
        assert_eq!(mr.express, execution_type == "EXPRESS");

        // How often the children entered P (their state 0; frame 0 is the
        // parent's, whose state 0 is the Map): child 0 once, child 1
        // `entered_first` times.
        let p_entered = run
            .history
            .iter()
            .filter(|e| matches!(e.kind, EventKind::StateEntered { state: 0, .. }) && e.frame != 0)
            .count();
        assert_eq!(p_entered, 1 + entered_first, "{execution_type}");

        let child = &mr.children[1];
        assert_eq!(child.redrive_count, redrive_count, "{execution_type}");
        assert_eq!(child.status, "SUCCEEDED");
        if execution_type == "EXPRESS" {
            assert_eq!(Some(child.start), redriven_at, "a new run starts then");
            assert_eq!(child.redrive_date, None);
        }
        let (_, arn) = mr.child_arn(1);
        assert!(arn.contains(arn_kind), "{arn}");
        let stem = map_run::stem_of_map_run(&mr.arn);
        assert_eq!(
            map_run::parse_child_arn(&arn),
            stem.map(|s| (s, 1)),
            "{arn}"
        );
    }
}
