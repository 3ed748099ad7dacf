//! One timer service for every execution: a sorted set of due times and a
//! task that sleeps until the earliest one.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use stepwell_core::{Input, TimerId};
use tokio::sync::Notify;

use crate::runtime::{now_ms, Runtime};

#[derive(Default)]
pub struct Timers {
    /// (due ms, execution ARN, timer id)
    due: Mutex<BTreeSet<(i64, String, TimerId)>>,
    changed: Notify,
}

impl Timers {
    pub fn add(&self, due_ms: i64, execution: &str, timer: TimerId) {
        if let Ok(mut set) = self.due.lock() {
            set.insert((due_ms, execution.to_string(), timer));
        }
        self.changed.notify_one();
    }

    pub fn len(&self) -> usize {
        self.due.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// Take every timer due at `now`, or tell when the next one is due.
    fn take_due(&self, now: i64) -> (Vec<(String, TimerId)>, Option<i64>) {
        let Ok(mut set) = self.due.lock() else {
            return (Vec::new(), None);
        };
        let mut fired = Vec::new();
        while let Some(first) = set.first() {
            if first.0 > now {
                return (fired, Some(first.0));
            }
            if let Some((_, arn, timer)) = set.pop_first() {
                fired.push((arn, timer));
            }
        }
        (fired, None)
    }
}

/// Fire timers as they fall due; a fired timer is an input to its execution
/// (a timer that was cancelled meanwhile is ignored by the interpreter).
pub async fn run(rt: Arc<Runtime>) {
    loop {
        let (fired, next) = rt.timers.take_due(now_ms());
        for (arn, timer) in fired {
            let rt = rt.clone();
            tokio::spawn(async move {
                rt.deliver(&arn, Input::TimerFired { timer }, "timer input")
                    .await;
            });
        }
        match next {
            Some(due) => {
                let wait = (due - now_ms()).max(0) as u64;
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_millis(wait)) => {}
                    _ = rt.timers.changed.notified() => {}
                }
            }
            None => rt.timers.changed.notified().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use serde_json::json;
    use stepwell_core::{Event, EventKind};

    use super::*;
    use crate::testing::{
        call, create_machine, options, remove_db, start, temp_db, until_status, Flaky,
    };

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_timer_whose_parked_execution_cannot_be_read_fires_again() {
        let db = temp_db("timers");
        let inner = stepwell_store::open(&db, Default::default()).unwrap_or_else(|e| panic!("{e}"));
        let store = Arc::new(Flaky::new(inner));
        let rt = crate::start_runtime_on(&options(&db, 1.0), store.clone(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let definition = json!({"StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
            "P": {"Type": "Pass", "End": true}}});
        let sm = create_machine(&rt, "flaky", &definition).await;
        let arn = start(&rt, &sm, "{}").await;
        let waiting = |events: &[Event]| {
            events
                .iter()
                .any(|e| matches!(e.kind, EventKind::TimerStarted { .. }))
        };
        while !waiting(&store.inner.events(&arn).unwrap_or_default()) {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        while rt.park_quiet(now_ms() + 1) == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        // The timer fires while the history cannot be read.
        store.events_down.store(true, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let d = call(&rt, "DescribeExecution", json!({"executionArn": arn})).await;
        assert_eq!(d["status"], "RUNNING");
        store.events_down.store(false, Ordering::SeqCst);
        // It succeeds once its history can be read again.
        until_status(&rt, &arn, "SUCCEEDED").await;
        remove_db(&db);
    }
}
