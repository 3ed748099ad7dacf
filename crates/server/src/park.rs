//! Parking: a running execution that has had nothing to do for a while
//! (`--park-after`) leaves memory, and its next input replays it from the
//! store.
//!
//! A STANDARD execution's history is committed before anything it asks
//! for is carried out, so the store alone can rebuild it
//! ([`Runtime::replay`]). What it waits for stays armed while it is parked:
//! its timers, the callback tokens it handed out, its queued activity
//! tasks, the Lambda invocations and jobs under way. Each ends in
//! [`Runtime::feed`], whose [`Runtime::slot`] replays a parked execution
//! first (once, under [`Shards`]); an input no client waits for (a timer,
//! a task's result) waits while the store cannot replay it
//! ([`Runtime::deliver`]). Parking changes nothing a client sees;
//! it bounds the memory of executions that wait for hours or days (a Wait
//! state, a human approval) to their ARN.
//!
//! An execution is parked only when nothing would be lost:
//! * it is a STANDARD one (an EXPRESS execution has no stored history);
//! * nobody holds it: no input being fed, no watcher (StartSyncExecution,
//!   the console's stream);
//! * no mocked answer is on its way to it: replay counts a MockConfigFile
//!   answer as spent only once its task has finished.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use stepwell_core::Status;

use crate::protocol::ApiError;
use crate::runtime::{lock, now_ms, Live, Runtime, Slot};

/// Locks that make one replay per parked execution (by ARN hash), while
/// different executions replay at once.
#[derive(Default)]
pub(crate) struct Shards([Mutex<()>; 16]);

impl Shards {
    fn of(&self, arn: &str) -> &Mutex<()> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        arn.hash(&mut h);
        &self.0[h.finish() as usize % self.0.len()]
    }
}

impl Runtime {
    /// Replay a parked execution and make it live (or find it live: it
    /// was replayed meanwhile). `None`: it no longer runs here.
    pub(crate) fn unpark(&self, arn: &str) -> Result<Option<Arc<Slot>>, ApiError> {
        let _one = lock(self.unparking.of(arn));
        {
            let execs = lock(&self.execs);
            if let Some(slot) = execs.live.get(arn) {
                return Ok(Some(slot.clone()));
            }
            if !execs.parked.contains(arn) {
                return Ok(None);
            }
        }
        let row = self.store.execution(arn)?.ok_or_else(|| {
            ApiError::internal(format!("the parked execution {arn} is not in the store"))
        })?;
        let replayed = self.replay(&row)?;
        Ok(Some(self.insert_slot(replayed.live, replayed.seq)))
    }

    /// Park the live executions that have had no input since
    /// `quiet_since` (ms) and may be parked (see the module's doc).
    pub(crate) fn park_quiet(&self, quiet_since: i64) -> usize {
        let parked: Vec<Arc<Slot>> = {
            let mut execs = lock(&self.execs);
            let quiet: Vec<String> = execs
                .live
                .iter()
                .filter(|(_, slot)| parkable(slot, quiet_since))
                .map(|(arn, _)| arn.clone())
                .collect();
            let mut parked = Vec::with_capacity(quiet.len());
            for arn in quiet {
                if let Some(slot) = execs.live.remove(&arn) {
                    parked.push(slot);
                    execs.parked.insert(arn);
                }
            }
            parked
        };
        // Their memory is freed here, outside the lock.
        parked.len()
    }
}

/// Whether `slot` may be parked. Called under the executions' lock: a
/// holder of the slot got it before, so counting holders is exact.
fn parkable(slot: &Arc<Slot>, quiet_since: i64) -> bool {
    use std::sync::atomic::Ordering;
    if Arc::strong_count(slot) > 1
        || slot.progress.receiver_count() > 0
        || slot.fed_ms.load(Ordering::Relaxed) > quiet_since
    {
        return false;
    }
    let Ok(live) = slot.live.try_lock() else {
        return false;
    };
    may_park(&live)
}

/// Whether the store alone can rebuild `live` as it is: a running
/// STANDARD execution with no mocked answer on its way.
pub(crate) fn may_park(live: &Live) -> bool {
    if live.record.express || live.exec.status() != Status::Running {
        return false;
    }
    match &live.mocks {
        Some(mocks) => !live
            .exec
            .pending_tasks()
            .any(|t| mocks.covers(&t.state_name)),
        None => true,
    }
}

/// Park quiet executions, checking a few times per `--park-after`.
pub async fn run(rt: Arc<Runtime>) {
    let after = rt.cfg.park_after_ms.max(0);
    let every = std::time::Duration::from_millis((after / 4).clamp(50, 15_000) as u64);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if rt.cluster.is_fenced() {
            return;
        }
        let n = rt.park_quiet(now_ms() - after);
        if n > 0 {
            tracing::debug!(parked = n, "parked quiet executions");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use stepwell_core::EventKind;

    use crate::testing::{call, create_machine, remove_db, runtime, start, until_events};

    /// A snapshot of what a live execution holds.
    async fn state(rt: &Runtime, arn: &str) -> (stepwell_core::Execution, String, Vec<String>) {
        let Ok(Some(slot)) = rt.slot(arn) else {
            panic!("{arn} is not running here");
        };
        let live = slot.live.lock().await;
        let record = serde_json::to_string(&live.record).unwrap_or_default();
        (live.exec.clone(), record, live.tokens.clone())
    }

    #[tokio::test]
    async fn a_parked_execution_comes_back_exactly_as_it_was() {
        let (rt, db) = runtime("park-exact", 1.0).await;
        // Variables, a Parallel waiting on a timer in one branch and a
        // callback token in the other.
        let definition = json!({
            "StartAt": "Remember",
            "States": {
                "Remember": {"Type": "Pass", "Assign": {"who": "parker"}, "Next": "Both"},
                "Both": {"Type": "Parallel", "End": true, "Branches": [
                    {"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 3600, "End": true}}},
                    {"StartAt": "Ask", "States": {"Ask": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                        "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
                        "End": true}}}
                ]}
            }
        });
        let sm = create_machine(&rt, "park", &definition).await;
        let arn = start(&rt, &sm, "{\"n\": 1}").await;
        until_events(&rt, &arn, |events| {
            let waiting = |f: fn(&EventKind) -> bool| events.iter().any(|e| f(&e.kind));
            waiting(|k| matches!(k, EventKind::TimerStarted { .. }))
                && waiting(|k| matches!(k, EventKind::TaskSubmitted { .. }))
        })
        .await;
        let before = state(&rt, &arn).await;
        assert!(!before.2.is_empty(), "the callback handed out a token");

        // Just fed: not quiet yet.
        assert_eq!(rt.park_quiet(now_ms() - 60_000), 0);
        assert_eq!(rt.park_quiet(now_ms() + 1), 1);
        assert_eq!((rt.live_count(), rt.parked_count()), (0, 1));
        assert!(rt.runs_here(&arn));
        assert_eq!(rt.live_count(), 0, "runs_here does not replay");

        // Held (a watcher): not parked.
        let after = state(&rt, &arn).await;
        assert!(
            after == before,
            "the replay differs from the live execution"
        );
        let watcher = rt.slot(&arn).ok().flatten().map(|s| s.progress.subscribe());
        assert_eq!(rt.park_quiet(now_ms() + 1), 0);
        drop(watcher);
        assert_eq!(rt.park_quiet(now_ms() + 1), 1);

        // An input reaches it through the store.
        let token = before.2[0].clone();
        call(
            &rt,
            "SendTaskSuccess",
            json!({"taskToken": token, "output": "{}"}),
        )
        .await;
        call(&rt, "StopExecution", json!({"executionArn": arn})).await;
        let d = call(&rt, "DescribeExecution", json!({"executionArn": arn})).await;
        assert_eq!(d["status"], "ABORTED");
        assert!(!rt.runs_here(&arn));
        assert_eq!((rt.live_count(), rt.parked_count()), (0, 0));
        remove_db(&db);
    }
}
