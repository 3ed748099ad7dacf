//! A failed commit: the execution's live state is ahead of the store, so
//! it is loaded again from what is durable.
//!
//! `feed` decides and applies events before committing them; when the
//! commit fails, the slot is marked `stale` under its lock, taken out of
//! the live executions, and the execution is loaded again (replayed and
//! its pending work re-armed: timers, tokens, activity tasks not handed
//! out, invocations, which may so run twice, as after a crash). Inputs
//! that were waiting for the stale slot's lock go to the new one. While
//! the store cannot give the execution, it is `reloading`: inputs for it
//! are answered `ServiceUnavailable` (a client retries; an input no client
//! waits for waits, [`Runtime::deliver`]), never dropped as if it had
//! ended. A restart's and a take-over's executions are loaded the same
//! way ([`Runtime::adopt`]).

use std::sync::Arc;

use stepwell_store::ExecutionRow;

use crate::runtime::{lock, Runtime, Slot};

impl Runtime {
    /// After a failed commit: replace the `stale` slot with the execution
    /// loaded again from the store (which re-arms what it waits for), if
    /// this node still drives it. While the store cannot give it, it stays
    /// `reloading` (inputs for it are answered `ServiceUnavailable`, and
    /// those no client waits for wait: [`Runtime::deliver`]) and is tried
    /// again less and less often.
    pub(crate) fn reload(self: &Arc<Self>, arn: &str, stale: &Arc<Slot>) {
        if !self.remove_live(arn, stale) {
            return;
        }
        lock(&self.execs).reloading.insert(arn.to_string());
        // At once first, so the inputs waiting for the stale slot find the
        // new one; then again and again while the store cannot give it.
        if !self.load_again(arn) {
            self.retry_load(arn.to_string());
        }
    }

    /// Make stored running executions this node now drives live: after a
    /// restart (its own) or a take-over (a dead node's). All of them are
    /// `reloading` at once, so inputs for one not loaded yet are answered
    /// `ServiceUnavailable` rather than taken for an ended execution's;
    /// one that cannot be loaded now is tried again with back-off.
    pub(crate) fn adopt(self: &Arc<Self>, rows: Vec<ExecutionRow>) {
        let rows: Vec<ExecutionRow> = {
            let mut execs = lock(&self.execs);
            let new: Vec<ExecutionRow> = rows
                .into_iter()
                .filter(|r| !execs.live.contains_key(&r.arn) && !execs.parked.contains(&r.arn))
                .filter(|r| !execs.reloading.contains(&r.arn))
                .collect();
            execs.reloading.extend(new.iter().map(|r| r.arn.clone()));
            new
        };
        let mut rows = rows.into_iter();
        for row in rows.by_ref() {
            if self.cluster.is_fenced() {
                break;
            }
            let arn = row.arn.clone();
            if let Err(e) = self.load(row) {
                tracing::warn!(execution = %arn, error = %e.message, "cannot load the execution; trying again");
                self.retry_load(arn);
            }
        }
        // Fenced: another node drives them now.
        let mut execs = lock(&self.execs);
        for row in rows {
            execs.reloading.remove(&row.arn);
        }
    }

    /// Try to load the `reloading` execution `arn` again and again, less
    /// and less often, until it is loaded or no longer this node's.
    fn retry_load(self: &Arc<Self>, arn: String) {
        let rt = self.clone();
        tokio::spawn(async move {
            const MOST: std::time::Duration = std::time::Duration::from_secs(60);
            let mut wait = std::time::Duration::from_millis(100);
            while !*rt.stopping.borrow() {
                tokio::time::sleep(wait).await;
                if rt.load_again(&arn) {
                    return;
                }
                wait = (wait * 2).min(MOST);
            }
            lock(&rt.execs).reloading.remove(&arn);
        });
    }

    /// Load `arn` again if this node still drives it; whether that is
    /// settled (loaded, or no longer this node's to load).
    fn load_again(self: &Arc<Self>, arn: &str) -> bool {
        let ours = |r: &ExecutionRow| {
            r.status == "RUNNING" && r.node == self.cluster.node() && !self.cluster.is_fenced()
        };
        match self.store.execution(arn) {
            // Loaded: live or parked, no longer `reloading`.
            Ok(Some(r)) if ours(&r) => match self.load(r) {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(execution = %arn, error = %e.message, "cannot load the execution again; trying again");
                    false
                }
            },
            // It ended, or another node drives it.
            Ok(_) => {
                lock(&self.execs).reloading.remove(arn);
                true
            }
            Err(e) => {
                tracing::warn!(execution = %arn, error = %e, "cannot read the execution to load it again; trying again");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use serde_json::{json, Value};
    use stepwell_core::Input;

    use super::*;
    use crate::protocol::{ApiError, Req};
    use crate::testing::{
        call, create_machine, options, remove_db, start, temp_db, until_status, Flaky,
    };

    async fn runtime_on(name: &str, slow_ms: u64) -> (Arc<Runtime>, Arc<Flaky>, String) {
        let db = temp_db(name);
        let inner = stepwell_store::open(&db, Default::default()).unwrap_or_else(|e| panic!("{e}"));
        let store = Arc::new(Flaky {
            slow_ms,
            ..Flaky::new(inner)
        });
        let rt = crate::start_runtime_on(&options(&db, 1.0), store.clone(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (rt, store, db)
    }

    async fn try_call(rt: &Arc<Runtime>, op: &str, body: Value) -> Result<Value, ApiError> {
        let Value::Object(m) = body else {
            panic!("{op}: the request is not an object");
        };
        crate::ops::call(rt, op, Req(m)).await
    }

    /// A machine whose tasks run on the activity `work` (`branches` of
    /// them, in a Parallel); the activity's ARN and the machine's.
    async fn activity_machine(rt: &Arc<Runtime>, branches: usize) -> (String, String) {
        let activity = call(rt, "CreateActivity", json!({"name": "work"})).await;
        let activity = activity["activityArn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let branch = |i: usize| {
            json!({"StartAt": format!("T{i}"), "States": {
                format!("T{i}"): {"Type": "Task", "Resource": activity, "End": true}}})
        };
        let definition = json!({"StartAt": "Both", "States": {"Both": {
            "Type": "Parallel", "End": true,
            "Branches": (0..branches).map(branch).collect::<Vec<_>>()}}});
        let sm = create_machine(rt, "m", &definition).await;
        (activity, sm)
    }

    /// The token of the next task a worker gets from `activity`.
    async fn take(rt: &Arc<Runtime>, activity: &str) -> String {
        for _ in 0..500 {
            let Value::Object(m) = json!({"activityArn": activity}) else {
                unreachable!()
            };
            let task = crate::ops::activities::take_now(rt, &Req(m)).await;
            if let Some(token) = task
                .ok()
                .and_then(|t| t["taskToken"].as_str().map(String::from))
            {
                return token;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no task for {activity}");
    }

    async fn succeed(rt: &Arc<Runtime>, token: &str) -> Result<Value, ApiError> {
        let body = json!({"taskToken": token, "output": "{}"});
        try_call(rt, "SendTaskSuccess", body).await
    }

    /// The worker's answer, sent again until its execution is loaded.
    async fn succeed_once_loaded(rt: &Arc<Runtime>, token: &str) {
        let mut answered = succeed(rt, token).await;
        for _ in 0..100 {
            if answered.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            answered = succeed(rt, token).await;
        }
        panic!(
            "the answer was never taken: {:?}",
            answered.map_err(|e| e.message)
        );
    }

    /// The stored history replays, its `seq`s one after another.
    fn history_is_whole(rt: &Runtime, arn: &str) {
        let events = rt.store.events(arn).unwrap_or_else(|e| panic!("{e}"));
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<_>>());
        let row = rt.store.execution(arn).ok().flatten().expect("stored");
        if let Err(e) = rt.replay(&row) {
            panic!("the history does not replay: {}", e.message);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_answer_while_the_execution_cannot_be_loaded_again_is_refused_not_lost() {
        let (rt, store, db) = runtime_on("reload-refused", 0).await;
        let (activity, sm) = activity_machine(&rt, 1).await;
        let arn = start(&rt, &sm, "{}").await;
        let token = take(&rt, &activity).await;
        // Its commit fails, and so does reading the execution again.
        store.records_down.store(true, Ordering::SeqCst);
        store.failing_appends.store(1, Ordering::SeqCst);
        assert!(succeed(&rt, &token).await.is_err());
        let again = succeed(&rt, &token).await;
        assert_eq!(again.map_err(|e| e.kind), Err("ServiceUnavailable"));
        // The store is back: the execution is loaded again, and the answer
        // the worker sends again is taken.
        store.records_down.store(false, Ordering::SeqCst);
        succeed_once_loaded(&rt, &token).await;
        until_status(&rt, &arn, "SUCCEEDED").await;
        history_is_whole(&rt, &arn);
        rt.shutdown();
        remove_db(&db);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn inputs_waiting_while_a_commit_fails_go_to_the_execution_loaded_again() {
        let (rt, store, db) = runtime_on("reload-waiting", 300).await;
        let (activity, sm) = activity_machine(&rt, 2).await;
        let arn = start(&rt, &sm, "{}").await;
        let (first, second) = (take(&rt, &activity).await, take(&rt, &activity).await);
        // The first answer's commit fails slowly; the second waits for the
        // execution meanwhile.
        store.failing_appends.store(1, Ordering::SeqCst);
        let a = tokio::spawn({
            let (rt, token) = (rt.clone(), first.clone());
            async move { succeed(&rt, &token).await }
        });
        while !store.failing_now.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let (_, task) = lock(&rt.tokens).get(&second).cloned().expect("a task");
        let output = json!({});
        let b = rt.feed(&arn, Input::TaskSucceeded { task, output }).await;
        assert!(b.is_ok(), "{:?}", b.map_err(|e| e.message));
        let a = a.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(a.is_err(), "the first answer's commit failed");
        // The first worker reports a failure this time: the history must
        // hold the second task's success and this failure, nothing decided
        // on the discarded state.
        let body = json!({"taskToken": first, "error": "Late", "cause": "second try"});
        assert!(try_call(&rt, "SendTaskFailure", body).await.is_ok());
        until_status(&rt, &arn, "FAILED").await;
        history_is_whole(&rt, &arn);
        rt.shutdown();
        remove_db(&db);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_worker_polling_while_a_parked_execution_cannot_be_read_leaves_its_task() {
        let (rt, store, db) = runtime_on("reload-activity", 0).await;
        let (activity, sm) = activity_machine(&rt, 1).await;
        let arn = start(&rt, &sm, "{}").await;
        // Wait until the task is queued, then park the execution.
        while rt.store.events(&arn).map(|e| e.len()).unwrap_or(0) < 5 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        while rt.park_quiet(crate::runtime::now_ms() + 1) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        store.events_down.store(true, Ordering::SeqCst);
        let Value::Object(m) = json!({"activityArn": activity}) else {
            unreachable!()
        };
        assert!(crate::ops::activities::take_now(&rt, &Req(m))
            .await
            .is_err());
        store.events_down.store(false, Ordering::SeqCst);
        let token = take(&rt, &activity).await;
        assert!(succeed(&rt, &token).await.is_ok());
        until_status(&rt, &arn, "SUCCEEDED").await;
        rt.shutdown();
        remove_db(&db);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_answer_for_an_execution_a_restart_cannot_load_yet_is_refused_not_lost() {
        let (rt, store, db) = runtime_on("reload-restart", 0).await;
        let (activity, sm) = activity_machine(&rt, 1).await;
        let arn = start(&rt, &sm, "{}").await;
        let token = take(&rt, &activity).await;
        rt.shutdown();
        drop(rt);
        // Restarted while the histories cannot be read.
        store.events_down.store(true, Ordering::SeqCst);
        let rt = crate::start_runtime_on(&options(&db, 1.0), store.clone(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let early = succeed(&rt, &token).await;
        assert_eq!(early.map_err(|e| e.kind), Err("ServiceUnavailable"));
        store.events_down.store(false, Ordering::SeqCst);
        succeed_once_loaded(&rt, &token).await;
        until_status(&rt, &arn, "SUCCEEDED").await;
        rt.shutdown();
        remove_db(&db);
    }
}
