//! Map Runs: a Distributed Map's iterations as the child executions AWS
//! shows for them.
//!
//! The interpreter runs a Distributed Map's iterations in the parent's
//! history, like an inline Map's, so one replay still rebuilds everything.
//! What differs is who sees the events: after `MapRunStarted`, each
//! iteration's events belong to a history of its own (ids start again at 1,
//! and they count against that child's event quota, not the parent's), its
//! `MapIterationStarted` / `Succeeded` / `Failed` / `Aborted` being the
//! child's `ExecutionStarted` / `Succeeded` / `Failed` / `Aborted`. The
//! parent's history keeps `MapRunStarted` and `MapRunSucceeded` (or
//! `MapRunFailed`) in their place, as AWS records it.
//!
//! With an `ItemBatcher`, each child execution runs one batch of items (see
//! `decide::batch`), so a Map Run counts its child executions
//! ([`MapRun::counts`], DescribeMapRun's `executionCounts`) and their items
//! ([`MapRun::item_counts`], `itemCounts`) apart.
//!
//! Names. A Map Run's ARN is
//! `arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:ID`, where LABEL is
//! the Map state's `Label` (or a UUID) and ID a UUID; its child executions
//! are `arn:aws:states:REGION:ACCOUNT:execution:MACHINE/LABEL:CHILD`, whose
//! CHILD is UUID-shaped too: the first 23 characters of ID (its *stem*),
//! then the iteration's index in 12 hex digits. So a child's ARN says which
//! Map Run it belongs to and which item it ran, and a server only needs to
//! find a Map Run by its stem. An EXPRESS child (`ProcessorConfig`
//! `ExecutionType: EXPRESS`) has an EXPRESS execution's ARN,
//! `arn:aws:states:REGION:ACCOUNT:express:MACHINE/LABEL:CHILD:ID`.
//! DIFFERENCE: AWS's ID there is a UUID of its own; here it is the Map
//! Run's id.
//!
//! Quotas. Each STANDARD child has its own 25,000-event history quota; one
//! that reaches it fails alone (`States.Runtime`), counts against its Map
//! Run's tolerated failures, and can never be redriven
//! ([`Child::not_redrivable`], DescribeMapRun's `failuresNotRedrivable`).
//! EXPRESS children have no history quota (see `limits::EXPRESS_MAX_EVENTS`)
//! and restart from their first state when redriven.

use std::sync::Arc;

use serde_json::Value;
use stepwell_asl::StateMachine;

use crate::event::{Event, EventKind};
use crate::execution::{EventScope, Execution, Phase, ReplayError};
use crate::input::ExecutionInfo;

/// Length of a Map Run id's stem: the first four groups of its UUID.
const STEM: usize = 23;

/// `arn:aws:states:REGION:ACCOUNT` of an execution ARN.
fn arn_prefix(execution_arn: &str) -> &str {
    for kind in [":execution:", ":express:"] {
        if let Some(i) = execution_arn.find(kind) {
            return &execution_arn[..i];
        }
    }
    "arn:aws:states:us-east-1:123456789012"
}

/// The ARN of a new Map Run of `info`'s execution.
pub(crate) fn new_arn(
    info: &ExecutionInfo,
    label: Option<&str>,
    id: &str,
    label_id: &str,
) -> String {
    format!(
        "{}:mapRun:{}/{}:{id}",
        arn_prefix(&info.id),
        info.state_machine_name,
        label.unwrap_or(label_id)
    )
}

/// The parts of a Map Run ARN: `(prefix, machine, label, id)`.
fn parts(map_run_arn: &str) -> Option<(&str, &str, &str, &str)> {
    let (prefix, rest) = map_run_arn.split_once(":mapRun:")?;
    let (machine, rest) = rest.split_once('/')?;
    let (label, id) = rest.rsplit_once(':')?;
    Some((prefix, machine, label, id))
}

/// The stem a Map Run is found by, from its ARN.
pub fn stem_of_map_run(map_run_arn: &str) -> Option<&str> {
    let (_, _, _, id) = parts(map_run_arn)?;
    id.get(..STEM).filter(|_| id.len() == 36)
}

/// `(stem, index)` of a child execution's ARN (STANDARD or EXPRESS), if
/// it is one.
pub fn parse_child_arn(execution_arn: &str) -> Option<(&str, u32)> {
    let (machine, name) = match execution_arn.split_once(":execution:") {
        Some((_, rest)) => rest.rsplit_once(':')?,
        None => {
            let (_, rest) = execution_arn.split_once(":express:")?;
            let (rest, id) = rest.rsplit_once(':')?;
            let (machine, name) = rest.rsplit_once(':')?;
            if id.get(..STEM) != name.get(..STEM) {
                return None;
            }
            (machine, name)
        }
    };
    if !machine.contains('/') || name.len() != 36 || name.as_bytes().get(STEM) != Some(&b'-') {
        return None;
    }
    let index = u32::from_str_radix(name.get(STEM + 1..)?, 16).ok()?;
    Some((name.get(..STEM)?, index))
}

/// The ARN of the state machine a Map Run's children run
/// (`arn:aws:states:REGION:ACCOUNT:stateMachine:MACHINE/LABEL`).
pub fn machine_arn(map_run_arn: &str) -> String {
    match parts(map_run_arn) {
        Some((prefix, machine, label, _)) => format!("{prefix}:stateMachine:{machine}/{label}"),
        None => String::new(),
    }
}

/// The label of a Map Run (its Map state's `Label`, or the generated one).
pub fn label(map_run_arn: &str) -> &str {
    parts(map_run_arn).map(|p| p.2).unwrap_or_default()
}

/// The name and ARN of child `index` of a Map Run (a STANDARD one).
pub fn child_arn(map_run_arn: &str, index: u32) -> (String, String) {
    child_arn_of(map_run_arn, index, false)
}

/// The name and ARN of child `index` of a Map Run whose children are
/// EXPRESS executions when `express`.
pub fn child_arn_of(map_run_arn: &str, index: u32, express: bool) -> (String, String) {
    let Some((prefix, machine, label, id)) = parts(map_run_arn) else {
        return (String::new(), String::new());
    };
    let name = format!("{}-{index:012x}", id.get(..STEM).unwrap_or(id));
    let arn = if express {
        format!("{prefix}:express:{machine}/{label}:{name}:{id}")
    } else {
        format!("{prefix}:execution:{machine}/{label}:{name}")
    };
    (name, arn)
}

/// The definition of the state machine a Map Run's children run: the
/// `ItemProcessor` (or `Iterator`) of the Map state whose processor is
/// machine `processor` in `plan`, found in `definition`, the parent's
/// definition that `plan` was compiled from. It keeps its own
/// `ProcessorConfig`, `StartAt`, `States` and `Comment`; the parent's
/// top-level `QueryLanguage` is added when the processor names none, since
/// its states use it.
pub fn child_definition(
    definition: &Value,
    plan: &StateMachine,
    processor: stepwell_asl::MachineId,
) -> Option<Value> {
    // The steps from the top level down to the processor.
    let mut steps = Vec::new();
    let mut m = processor;
    while let Some((pm, ps)) = plan.machines.get(m as usize)?.parent {
        let owner = plan.machines.get(pm as usize)?.states.get(ps as usize)?;
        let field = match &owner.kind {
            stepwell_asl::StateKind::Parallel(p) => {
                let i = p.branches.iter().position(|&b| b == m)?;
                Err(i)
            }
            stepwell_asl::StateKind::Map(_) => Ok(()),
            _ => return None,
        };
        steps.push((owner.name.as_str(), field));
        m = pm;
    }
    let mut at = definition;
    for (name, field) in steps.iter().rev() {
        let state = at.get("States")?.get(*name)?;
        at = match field {
            Err(i) => state.get("Branches")?.get(*i)?,
            Ok(()) => state
                .get("ItemProcessor")
                .or_else(|| state.get("Iterator"))?,
        };
    }
    let mut out = at.clone();
    if let (Value::Object(o), Some(ql)) = (&mut out, definition.get("QueryLanguage")) {
        if !o.contains_key("QueryLanguage") {
            o.insert("QueryLanguage".into(), ql.clone());
        }
    }
    Some(out)
}

/// One Map Run of an execution, as DescribeMapRun and ListMapRuns show it.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRun {
    pub arn: String,
    /// The child execution that started it, as (its Map Run's ARN, its
    /// index), when a Distributed Map runs inside another one's child; `None`
    /// when the execution itself started it.
    pub started_by: Option<(String, u32)>,
    /// The ARN of the child execution that started it (see `started_by`).
    pub started_by_arn: Option<String>,
    /// Whether its children are EXPRESS executions.
    pub express: bool,
    /// The machine (in the parent's compiled definition) its children run:
    /// the Map state's `ItemProcessor`.
    pub processor: stepwell_asl::MachineId,
    /// Milliseconds since the epoch.
    pub start: i64,
    pub stop: Option<i64>,
    /// `RUNNING`, `SUCCEEDED`, `FAILED` or `ABORTED`.
    pub status: &'static str,
    pub max_concurrency: u64,
    pub tolerated_count: u64,
    pub tolerated_percentage: f64,
    /// How many child executions the Map Run has (started or not): one per
    /// item, or per batch with an `ItemBatcher`.
    pub total: u64,
    /// How many items the Map Run has: `total` without an `ItemBatcher`.
    pub total_items: u64,
    /// The iterations started so far, by index.
    pub children: Vec<Child>,
    /// Whether a `ResultWriter` wrote the children's results (`None`: the
    /// Map has no `ResultWriter` that exports).
    pub results_written: Option<bool>,
    /// How many times a redrive of the parent reran it (`MapRunRedriven`),
    /// and when it last did.
    pub redrive_count: u32,
    pub redrive_date: Option<i64>,
}

/// One child execution of a Map Run.
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    pub index: u32,
    /// How many items it runs: its batch's size, or 1 without an `ItemBatcher`.
    pub items: u64,
    pub start: i64,
    pub stop: Option<i64>,
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `ABORTED`, or `PENDING_REDRIVE`
    /// while a redriven Map Run has yet to rerun it.
    pub status: &'static str,
    /// While `PENDING_REDRIVE`: the status it goes back to if the Map Run
    /// ends before it runs again.
    pub before_redrive: Option<&'static str>,
    /// How many times the Map Run's redrives reran it, and when it last did
    /// (an EXPRESS child's reruns are new runs, not redrives: 0).
    pub redrive_count: u32,
    pub redrive_date: Option<i64>,
    /// A STANDARD child whose history reached its quota: it failed for
    /// good, and its Map Run's redrives leave it as it is.
    pub not_redrivable: bool,
    /// The input of its first state (`None` until it entered one).
    pub input: Option<Arc<Value>>,
    pub output: Option<Arc<Value>>,
    pub error: Option<(String, String)>,
}

/// How many of a Map Run's child executions (or of their items) are in
/// each status, plus those not started (`pending`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pending: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub aborted: u64,
    /// Unsuccessful ones a redriven Map Run has yet to rerun (AWS:
    /// "currently waiting to be redriven"; they no longer count as failed
    /// or aborted).
    pub pending_redrive: u64,
    /// Unsuccessful ones that can never be redriven (AWS: "FAILED, ABORTED,
    /// or TIMED_OUT child workflow executions that cannot be redriven"):
    /// STANDARD children whose history reached its quota.
    pub failures_not_redrivable: u64,
    pub total: u64,
    /// DescribeMapRun's `resultsWritten`: with a `ResultWriter` that
    /// exports, every child (or item) once written, 0 before; without one
    /// (`None`), the caller's choice.
    pub results_written: Option<u64>,
}

impl MapRun {
    /// The ARN of the execution that started it: `execution_arn` itself, or
    /// the child execution of another Map Run it ran in.
    pub fn execution_arn(&self, execution_arn: &str) -> String {
        match &self.started_by_arn {
            Some(arn) => arn.clone(),
            None => execution_arn.to_string(),
        }
    }

    /// The name and ARN of its child `index`.
    pub fn child_arn(&self, index: u32) -> (String, String) {
        child_arn_of(&self.arn, index, self.express)
    }

    /// Child executions by status (DescribeMapRun's `executionCounts`).
    pub fn counts(&self) -> Counts {
        self.tally(self.total, |_| 1)
    }

    /// Items by the status of the child execution that runs them
    /// (DescribeMapRun's `itemCounts`): each child weighs its batch's size.
    pub fn item_counts(&self) -> Counts {
        self.tally(self.total_items, |c| c.items)
    }

    /// The Map Run ended: children still waiting for a redrive stay as they
    /// ended before (AWS: the pending-redrive count "is reset to 0").
    fn end_pending_redrives(&mut self) {
        for child in &mut self.children {
            if let Some(before) = child.before_redrive.take() {
                child.status = before;
            }
        }
    }

    fn tally(&self, total: u64, weight: impl Fn(&Child) -> u64) -> Counts {
        let mut c = Counts {
            total,
            ..Counts::default()
        };
        let mut started = 0u64;
        for child in &self.children {
            let n = weight(child);
            started += n;
            match child.status {
                "SUCCEEDED" => c.succeeded += n,
                "FAILED" => c.failed += n,
                "ABORTED" => c.aborted += n,
                "PENDING_REDRIVE" => c.pending_redrive += n,
                _ => c.running += n,
            }
            if child.not_redrivable {
                c.failures_not_redrivable += n;
            }
        }
        c.pending = total.saturating_sub(started);
        c.results_written = self
            .results_written
            .map(|done| if done { started } else { 0 });
        c
    }
}

/// Which history [`walk`] hands over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// The execution's own.
    Execution,
    /// Child `index` of the Map Run whose id starts with `stem`.
    Child { stem: &'a str, index: u32 },
}

/// Replays a history one event at a time, saying of each whether it
/// belongs to `target`'s history.
#[derive(Debug)]
pub(crate) struct Walker<'a> {
    exec: Execution,
    target: Target<'a>,
    /// The event scope of `target`'s history, once known.
    wanted: Option<u32>,
}

impl<'a> Walker<'a> {
    pub(crate) fn new(plan: Arc<StateMachine>, info: &ExecutionInfo, target: Target<'a>) -> Self {
        Walker {
            exec: Execution::new(plan, info.clone()),
            target,
            wanted: match target {
                Target::Execution => Some(0),
                Target::Child { .. } => None,
            },
        }
    }

    /// The execution, with every event so far applied.
    pub(crate) fn exec(&self) -> &Execution {
        &self.exec
    }

    pub(crate) fn target(&self) -> Target<'a> {
        self.target
    }

    /// Apply `e`; whether it belongs to the target's history.
    pub(crate) fn step(&mut self, e: &Event) -> Result<bool, ReplayError> {
        let scope = self.exec.event_scope(e.frame, &e.kind);
        self.exec.apply(e)?;
        let scope = match scope {
            EventScope::Existing(s) => s,
            EventScope::New => {
                let s = (self.exec.scope_ids.len() - 1) as u32;
                if let (
                    Target::Child { stem, index },
                    EventKind::MapIterationStarted { index: i },
                ) = (self.target, &e.kind)
                {
                    let run = match &self.exec.frame(e.frame).phase {
                        Phase::Fan(fan) => fan.map_run.as_deref(),
                        _ => None,
                    };
                    if *i == index && run.and_then(stem_of_map_run) == Some(stem) {
                        self.wanted = Some(s);
                    }
                }
                s
            }
        };
        Ok(Some(scope) == self.wanted)
    }
}

/// Every Map Run of an execution, in the order they started.
pub fn map_runs(
    plan: Arc<StateMachine>,
    info: &ExecutionInfo,
    events: &[Event],
) -> Result<Vec<MapRun>, ReplayError> {
    let mut exec = Execution::new(plan, info.clone());
    let mut runs: Vec<MapRun> = Vec::new();
    // Frame -> the run it holds (a Map frame) or the child it is (an iteration).
    let mut run_of_frame: Vec<Option<usize>> = Vec::new();
    let mut child_of_frame: Vec<Option<(usize, usize)>> = Vec::new();
    for e in events {
        exec.apply(e)?;
        let frames = exec.frames.len();
        run_of_frame.resize(frames, None);
        child_of_frame.resize(frames, None);
        let f = e.frame as usize;
        match &e.kind {
            EventKind::MapRunStarted { arn } => {
                if let Phase::Fan(fan) = &exec.frame(e.frame).phase {
                    run_of_frame[f] = Some(runs.len());
                    let started_by = exec
                        .child_execution(e.frame)
                        .map(|(c, run)| (run.to_string(), exec.frame(c).index));
                    let started_by_arn = exec.child_execution(e.frame).map(|(c, run)| {
                        child_arn_of(run, exec.frame(c).index, exec.is_express_child(c)).1
                    });
                    let processor = match &exec.state_of(e.frame).kind {
                        stepwell_asl::StateKind::Map(m) => m.processor,
                        _ => 0,
                    };
                    runs.push(MapRun {
                        arn: arn.clone(),
                        started_by,
                        started_by_arn,
                        express: exec.runs_express_children(e.frame),
                        processor,
                        start: e.timestamp,
                        stop: None,
                        status: "RUNNING",
                        max_concurrency: fan.max_concurrency,
                        tolerated_count: fan.tolerated_count.unwrap_or(0),
                        tolerated_percentage: fan.tolerated_percentage.unwrap_or(0.0),
                        total: u64::from(fan.total),
                        total_items: fan.total_items,
                        children: Vec::new(),
                        results_written: exec.exports_results(e.frame).then_some(false),
                        redrive_count: 0,
                        redrive_date: None,
                    });
                }
            }
            EventKind::MapRunUpdated {
                max_concurrency,
                tolerated_count,
                tolerated_percentage,
            } => {
                if let Some(run) = run_of_frame[f].and_then(|r| runs.get_mut(r)) {
                    run.max_concurrency = max_concurrency.unwrap_or(run.max_concurrency);
                    run.tolerated_count = tolerated_count.unwrap_or(run.tolerated_count);
                    run.tolerated_percentage =
                        tolerated_percentage.unwrap_or(run.tolerated_percentage);
                }
            }
            // An ItemReader's items arrive after the Map Run started.
            EventKind::ItemsRead { .. } => {
                if let (Some(run), Phase::Fan(fan)) = (
                    run_of_frame[f].and_then(|r| runs.get_mut(r)),
                    &exec.frame(e.frame).phase,
                ) {
                    run.total = u64::from(fan.total);
                    run.total_items = fan.total_items;
                }
            }
            EventKind::MapIterationStarted { index } => {
                if let Some(r) = run_of_frame[f] {
                    let items = match &exec.frame(e.frame).phase {
                        Phase::Fan(fan) => fan.items_of(*index),
                        _ => 1,
                    };
                    let run = &mut runs[r];
                    child_of_frame[frames - 1] = Some((r, run.children.len()));
                    run.children.push(Child {
                        index: *index,
                        items,
                        start: e.timestamp,
                        stop: None,
                        status: "RUNNING",
                        before_redrive: None,
                        redrive_count: 0,
                        redrive_date: None,
                        not_redrivable: false,
                        input: None,
                        output: None,
                        error: None,
                    });
                }
            }
            EventKind::StateEntered { input, .. } => {
                if let Some((r, c)) = child_of_frame[f] {
                    let child = &mut runs[r].children[c];
                    child.input.get_or_insert_with(|| input.clone());
                }
            }
            EventKind::MapIterationSucceeded { .. }
            | EventKind::MapIterationFailed { .. }
            | EventKind::MapIterationAborted { .. } => {
                if let Some((r, c)) = child_of_frame[f] {
                    let child = &mut runs[r].children[c];
                    child.stop = Some(e.timestamp);
                    match (&e.kind, &exec.frame(e.frame).phase) {
                        (EventKind::MapIterationFailed { error, cause, .. }, _) => {
                            child.status = "FAILED";
                            child.error = Some((error.clone(), cause.clone()));
                            child.not_redrivable = exec.child_at_history_quota(e.frame);
                        }
                        (EventKind::MapIterationAborted { stopped, .. }, _) => {
                            child.status = "ABORTED";
                            child.error = stopped.clone();
                        }
                        (_, Phase::Succeeded(output)) => {
                            child.status = "SUCCEEDED";
                            child.output = Some(output.clone());
                        }
                        _ => child.status = "SUCCEEDED",
                    }
                }
            }
            // The parent's redrive reruns the Map Run's unsuccessful children.
            EventKind::MapRunRedriven { redrive_count, .. } => {
                if let Some(run) = run_of_frame[f].and_then(|r| runs.get_mut(r)) {
                    run.status = "RUNNING";
                    run.stop = None;
                    run.redrive_count = *redrive_count;
                    run.redrive_date = Some(e.timestamp);
                    if run.results_written.is_some() {
                        run.results_written = Some(false);
                    }
                    for child in run
                        .children
                        .iter_mut()
                        .filter(|c| c.status != "SUCCEEDED" && !c.not_redrivable)
                    {
                        child.before_redrive = Some(child.status);
                        child.status = "PENDING_REDRIVE";
                    }
                }
            }
            EventKind::MapIterationRedriven { .. } => {
                if let Some((r, c)) = child_of_frame[f] {
                    let express = runs[r].express;
                    let child = &mut runs[r].children[c];
                    child.status = "RUNNING";
                    child.before_redrive = None;
                    child.stop = None;
                    child.output = None;
                    child.error = None;
                    if express {
                        // Started again (StartExecution), not redriven.
                        child.start = e.timestamp;
                        child.input = None;
                    } else {
                        child.redrive_count = exec.frame(e.frame).redrives;
                        child.redrive_date = Some(e.timestamp);
                    }
                }
            }
            EventKind::ResultsWritten { error: None } => {
                if let Some(run) = run_of_frame[f].and_then(|r| runs.get_mut(r)) {
                    run.results_written = Some(true);
                }
            }
            EventKind::MapRunSucceeded | EventKind::MapRunFailed { .. } => {
                if let Some(run) = run_of_frame[f].and_then(|r| runs.get_mut(r)) {
                    run.stop = Some(e.timestamp);
                    run.status = if matches!(e.kind, EventKind::MapRunSucceeded) {
                        "SUCCEEDED"
                    } else {
                        "FAILED"
                    };
                    run.end_pending_redrives();
                }
            }
            EventKind::ExecutionSucceeded { .. }
            | EventKind::ExecutionFailed { .. }
            | EventKind::ExecutionTimedOut { .. }
            | EventKind::ExecutionAborted { .. } => {
                // The execution ended around Map Runs still running: they
                // and their running children stop with it.
                for run in runs.iter_mut().filter(|r| r.stop.is_none()) {
                    run.stop = Some(e.timestamp);
                    run.status = "ABORTED";
                    run.end_pending_redrives();
                    for child in run.children.iter_mut().filter(|c| c.stop.is_none()) {
                        child.stop = Some(e.timestamp);
                        child.status = "ABORTED";
                    }
                }
            }
            _ => {}
        }
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = "arn:aws:states:eu-west-1:111122223333:mapRun:orders/Fan:0a1b2c3d-4e5f-4a6b-8c7d-0123456789ab";

    #[test]
    fn child_arns_name_their_map_run_and_item() {
        let (name, arn) = child_arn(RUN, 42);
        assert_eq!(name, "0a1b2c3d-4e5f-4a6b-8c7d-00000000002a");
        assert_eq!(
            arn,
            "arn:aws:states:eu-west-1:111122223333:execution:orders/Fan:0a1b2c3d-4e5f-4a6b-8c7d-00000000002a"
        );
        assert_eq!(parse_child_arn(&arn), Some(("0a1b2c3d-4e5f-4a6b-8c7d", 42)));
        assert_eq!(stem_of_map_run(RUN), Some("0a1b2c3d-4e5f-4a6b-8c7d"));
        assert_eq!(
            machine_arn(RUN),
            "arn:aws:states:eu-west-1:111122223333:stateMachine:orders/Fan"
        );
        assert_eq!(label(RUN), "Fan");
    }

    #[test]
    fn other_arns_are_not_children() {
        for arn in [
            "arn:aws:states:eu-west-1:111122223333:execution:orders:0a1b2c3d-4e5f-4a6b-8c7d-00000000002a",
            "arn:aws:states:eu-west-1:111122223333:execution:orders/Fan:short",
            "arn:aws:states:eu-west-1:111122223333:execution:orders/Fan:0a1b2c3d-4e5f-4a6b-8c7d-zzzzzzzzzzzz",
            "not an arn",
        ] {
            assert_eq!(parse_child_arn(arn), None, "{arn}");
        }
        assert_eq!(stem_of_map_run("arn:aws:states:r:a:mapRun:m/l:short"), None);
    }
}
