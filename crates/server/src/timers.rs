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
                if let Err(e) = rt.feed(&arn, Input::TimerFired { timer }).await {
                    tracing::warn!(execution = %arn, error = %e.message, "timer input failed");
                }
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
