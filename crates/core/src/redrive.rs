//! RedriveExecution inside Parallel and Map states: what a redrive reruns,
//! and how `apply` takes back a Parallel's or Map's children.
//!
//! AWS ("Restarting state machine executions with redrive", the redrive
//! behaviour of individual states,
//! docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html): a
//! redrive "continues the failed execution from the unsuccessful step and
//! uses the same input"; a Parallel "reschedules and redrives only those
//! branches that failed or aborted", an Inline Map "only those iterations
//! that failed or aborted", a Distributed Map "the unsuccessful child
//! workflow executions in a Map Run"; each runs again whole when it failed
//! with `States.DataLimitExceeded`. For a Map Run ("Redriving Map Runs",
//! .../dg/redrive-map-run.html): Standard child executions "are redriven
//! from the last state in ItemProcessor that resulted in their unsuccessful
//! execution", with the same execution ARN; a Map Run that failed with
//! `States.DataLimitExceeded` or `States.Runtime` is not redriven, a new one
//! starts; and a Map Run is redriven at most 1,000 times (then
//! `States.Runtime`).
//!
//! AWS is silent on where a rerun branch or inline iteration starts; we do
//! what it documents for everything else (the execution itself, a Map Run's
//! child): it continues from the state that failed or was stopped, with that
//! state's input and the variables it had, its retry counts reset. A branch
//! or iteration that never entered a state starts at its start state.
//!
//! How it is recorded: the frame that stopped enters its state again
//! (`<Type>StateEntered`, as a redriven Task does), then a Parallel or Map
//! records [`EventKind::FanRedriven`] (shown as `<Type>StateStarted`), a Map
//! Run `MapRunRedriven`; each rerun Map iteration
//! [`EventKind::MapIterationRedriven`] (an inline Map's
//! `MapIterationStarted`; a child execution's `ExecutionRedriven`).
//! AWS does not show these histories; this is our reading of them.
//!
//! A Map Run's EXPRESS child executions are not continued: "All child
//! workflow executions that failed or timed out in the original execution
//! attempt are started using the StartExecution API action. The first state
//! in ItemProcessor is run first", with the same ARN, and "Unsuccessful
//! executions can always be redriven". A STANDARD child whose history
//! reached its 25,000-event quota is not redriven at all: "If an execution
//! isn't redrivable, it won't be attempted again. The last error or output
//! of the execution is permanent", and it still counts against the tolerated
//! failure threshold (both from "Child workflow execution redrive behavior"
//! and "Redrive eligibility for child workflows in a Map Run", same page).

use stepwell_asl::StateKind;

use crate::errors::{names, StateError};
use crate::event::{Event, EventKind, FrameId};
use crate::execution::{Execution, Phase, Read, ReplayError, Write};

/// The most times a Map Run may be redriven (AWS's hard limit).
pub(crate) const MAX_MAP_RUN_REDRIVES: u32 = 1000;

/// What a redrive does with the state a frame stopped in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plan {
    /// Run it again from the start (any state but a Parallel or Map that
    /// started its children, or one AWS runs again whole).
    Afresh,
    /// A Parallel or inline Map: rerun the children that did not succeed.
    Children,
    /// A Distributed Map: redrive the Map Run `arn`, redriven `count`
    /// times before.
    MapRun { arn: String, count: u32 },
}

impl Execution {
    /// What a redrive of frame `f`, stopped in its current state, reruns.
    pub(crate) fn redrive_plan(&self, f: FrameId) -> Plan {
        let fr = self.frame(f);
        let (fan, error) = match (&fr.phase, &fr.kept) {
            (Phase::Fan(fan), _) => (&**fan, None),
            (_, Some(kept)) => (&*kept.fan, kept.error.as_ref()),
            _ => return Plan::Afresh,
        };
        let failed_with = |name: &str| error.is_some_and(|e| e.error == name);
        if failed_with(names::DATA_LIMIT_EXCEEDED) {
            return Plan::Afresh;
        }
        match &self.state_of(f).kind {
            StateKind::Parallel(_) if !fan.is_map => Plan::Children,
            StateKind::Map(m) if fan.is_map && !m.distributed => Plan::Children,
            StateKind::Map(m) if fan.is_map && m.distributed => match &fan.map_run {
                // A Map Run that never started, or whose items were never
                // read, starts (AWS: "the redriven parent workflow starts
                // the Map Run"; "uses the input in the Amazon S3 bucket").
                // DIFFERENCE: a read that failed starts a new Map Run; AWS
                // does not say whether it redrives the old one.
                // AWS starts a new Map Run when the Map Run failed with
                // `States.Runtime` ("the JSON data interpolation error"):
                // the Map's own, not a child's that it passed on.
                Some(arn) => {
                    let own_runtime = failed_with(names::RUNTIME) && fan.failed == 0;
                    if own_runtime || matches!(fan.read, Read::Pending(_)) {
                        Plan::Afresh
                    } else {
                        Plan::MapRun {
                            arn: arn.clone(),
                            count: fan.redrive_count,
                        }
                    }
                }
                _ => Plan::Afresh,
            },
            _ => Plan::Afresh,
        }
    }

    /// The length a redriven Map shows in `MapStateStarted` (its items,
    /// batched or not); `None` for a Parallel.
    pub(crate) fn phase_fan_total(&self, f: FrameId) -> Option<u64> {
        match &self.frame(f).phase {
            Phase::Fan(fan) if fan.is_map => Some(fan.total_items),
            _ => None,
        }
    }

    /// `FanRedriven`: frame `e.frame`, which entered its Parallel or Map
    /// state again, takes back the children it kept; those that did not
    /// succeed wait to run again.
    pub(crate) fn fan_redriven(&mut self, e: &Event) -> Result<(), ReplayError> {
        let f = e.frame as usize;
        let is_map = match &self.state_of(e.frame).kind {
            StateKind::Parallel(_) => false,
            StateKind::Map(_) => true,
            _ => return Err(self.nondeterminism(e, "a redrive outside a Parallel or Map")),
        };
        if self.frames[f].phase != Phase::Entered {
            return Err(self.nondeterminism(e, "a Parallel or Map redriven before it was entered"));
        }
        let Some(kept) = self.frames[f].kept.take() else {
            return Err(self.nondeterminism(e, "a Parallel or Map redriven with nothing kept"));
        };
        let mut fan = kept.fan;
        if fan.is_map != is_map {
            return Err(self.nondeterminism(e, "a redrive of another kind of state"));
        }
        let mut finished = 0;
        // Children that cannot be redriven stay failed, and count as such.
        let (mut failed, mut failed_items, mut failure) = (0, 0, None);
        fan.to_redrive.clear();
        fan.chain_start = e.id;
        fan.freed.clear();
        for &c in &fan.children {
            let permanent = fan.map_run.is_some() && self.child_at_history_quota(c);
            let Some(child) = self.frames.get_mut(c as usize) else {
                return Err(ReplayError::Nondeterminism {
                    seq: e.seq,
                    message: format!("no frame {c}"),
                });
            };
            let before = match &child.phase {
                Phase::Succeeded(_) => {
                    finished += 1;
                    continue;
                }
                Phase::Failed(err) if permanent => {
                    finished += 1;
                    failed += 1;
                    failed_items += fan.items_of(child.index);
                    failure.get_or_insert_with(|| err.clone());
                    continue;
                }
                Phase::Idle if !is_map => continue,
                // A branch that never entered a state starts at its start.
                Phase::Failed(_) | Phase::Aborted if !is_map && child.first_input.is_none() => {
                    child.phase = Phase::Idle;
                    continue;
                }
                // Its variables stopped counting when it ended.
                Phase::Failed(err) => {
                    self.vars_bytes = self.vars_bytes.saturating_add(child.vars_bytes);
                    Some(err.clone())
                }
                Phase::Aborted => {
                    self.vars_bytes = self.vars_bytes.saturating_add(child.vars_bytes);
                    None
                }
                Phase::Redrive(before) => before.clone(),
                // Still running when the execution stopped.
                _ => None,
            };
            if let Phase::Fan(inner) = std::mem::replace(&mut child.phase, Phase::Redrive(before)) {
                child.kept = Some(Box::new(crate::execution::Kept {
                    fan: inner,
                    error: None,
                }));
            }
            if is_map {
                fan.to_redrive.push_back(c);
            }
        }
        fan.finished = finished;
        fan.running = 0;
        // The tolerated failure thresholds count this run's failures (AWS
        // does not say; the children rerun start with a clean slate).
        fan.failed = failed;
        fan.failed_items = failed_items;
        fan.failure = failure;
        // The results are written again once the children are done.
        fan.write = Write::None;
        self.frames[f].phase = Phase::Fan(fan);
        Ok(())
    }

    /// `MapIterationRedriven`: the next iteration waiting for a redrive
    /// runs again.
    pub(crate) fn iteration_redriven(&mut self, e: &Event) -> Result<(), ReplayError> {
        let c = e.frame;
        let (index, parent) = {
            let fr = self.frame(c);
            (fr.index, fr.parent)
        };
        if e.kind != (EventKind::MapIterationRedriven { index }) {
            return Err(self.nondeterminism(e, "MapIterationRedriven of another iteration"));
        }
        let Some(p) = parent else {
            return Err(self.nondeterminism(e, "MapIterationRedriven on the top-level frame"));
        };
        if !matches!(self.frames[c as usize].phase, Phase::Redrive(_)) {
            return Err(self.nondeterminism(e, "MapIterationRedriven of an iteration not waiting"));
        }
        let Phase::Fan(fan) = &mut self.frames[p as usize].phase else {
            return Err(self.nondeterminism(e, "MapIterationRedriven outside a Map"));
        };
        if !fan.is_map || fan.to_redrive.front() != Some(&c) {
            return Err(ReplayError::Nondeterminism {
                seq: e.seq,
                message: "MapIterationRedriven out of turn".into(),
            });
        }
        fan.to_redrive.pop_front();
        fan.running += 1;
        let express = self.runs_express_children(p);
        let fr = &mut self.frames[c as usize];
        fr.redrives += 1;
        fr.ended_at = 0;
        fr.phase = Phase::Idle;
        if express {
            // A new run of the child from its first state: it starts now,
            // with no variables and nothing kept from the failed run.
            fr.created_at = e.timestamp;
            fr.first_input = None;
            fr.kept = None;
            fr.vars.clear();
            let bytes = std::mem::take(&mut fr.vars_bytes);
            self.vars_bytes = self.vars_bytes.saturating_sub(bytes);
        }
        Ok(())
    }
}

/// The error a Map Run redriven too often fails with.
pub(crate) fn too_many_redrives() -> StateError {
    // AWS names the error, not its cause.
    StateError::new(
        names::RUNTIME,
        format!("The Map Run was redriven the maximum number of times ({MAX_MAP_RUN_REDRIVES})."),
    )
}
