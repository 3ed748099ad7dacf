//! The runtime: live executions driven by the pure interpreter, with every
//! event committed to the store before its effects are carried out or shown.
//!
//! An input for an execution (start, task result, timer, stop) goes through
//! [`Runtime::feed`]: under the execution's lock, the interpreter decides the
//! next events and commands, the events are committed (group commit), the
//! watchers are told, and only then are the commands carried out
//! (`dispatch.rs`). After a crash, [`Runtime::recover`] replays every running
//! execution from its stored history and re-arms what was pending. An
//! execution that has had nothing to do for a while is parked: only the
//! store keeps it until its next input replays it (`park.rs`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use serde_json::Value;
use stepwell_asl::{Options, StateMachine};
use stepwell_core::{
    Command, Entropy, EventKind, Execution, ExecutionInfo, Input, Outcome, Status, TaskId,
};
use stepwell_engine::{MockCase, MockResponse, SplitMix};
use stepwell_store::{ExecutionRow, GroupCommitter, Store, StoreError, Write};
use tokio::sync::watch;

use crate::arn::Arns;
use crate::protocol::ApiError;
use crate::records::{
    ActivityRecord, AliasRecord, ExecutionRecord, RedriveToken, Revision, StateMachineRecord, Tags,
    VersionRecord, REDRIVE_TOKENS_KEPT,
};
use crate::timers::Timers;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub arns: Arns,
    /// Multiplies Wait and Retry intervals (1 = real time, 0 = no waiting).
    pub wait_scale: f64,
    /// A MockConfigFile (`SFN_MOCK_CONFIG`), used by `stateMachineArn#TestCase`.
    pub mock_config: Option<Value>,
    /// SigV4 verification of `POST /` and `POST /console/stream` (off: None).
    pub sigv4: Option<crate::auth::Verifier>,
    /// The local S3 Distributed Maps' `ItemReader`s read (`--s3-dir`).
    pub s3: Option<Arc<stepwell_engine::LocalS3>>,
    /// This node among those sharing the store.
    pub node: crate::cluster::NodeConfig,
    /// How long a running execution waits with nothing to do before it
    /// is parked (`park.rs`), in milliseconds.
    pub park_after_ms: i64,
}

/// Named resources, kept in memory (they are few) and written through.
#[derive(Default)]
pub struct Registry {
    pub machines: std::collections::BTreeMap<String, StateMachineRecord>,
    pub revisions: HashMap<String, Revision>,
    pub versions: std::collections::BTreeMap<String, VersionRecord>,
    pub aliases: std::collections::BTreeMap<String, AliasRecord>,
    pub activities: std::collections::BTreeMap<String, ActivityRecord>,
    pub tags: HashMap<String, Tags>,
    plans: HashMap<(String, bool), Arc<StateMachine>>,
}

impl Registry {
    /// A state machine's versions: their ARNs are its own, `:` and a
    /// number, so they are one range of the map (names have no `:`).
    pub fn versions_of<'a>(&'a self, machine: &str) -> impl Iterator<Item = &'a VersionRecord> {
        let (prefix, machine) = (format!("{machine}:"), machine.to_string());
        self.versions
            .range(prefix.clone()..)
            .take_while(move |(arn, _)| arn.starts_with(&prefix))
            .map(|(_, v)| v)
            .filter(move |v| v.machine_arn == machine)
    }

    /// A state machine's aliases (their ARNs too are its own, `:` and a name).
    pub fn aliases_of<'a>(&'a self, machine: &str) -> impl Iterator<Item = &'a AliasRecord> {
        let (prefix, machine) = (format!("{machine}:"), machine.to_string());
        self.aliases
            .range(prefix.clone()..)
            .take_while(move |(arn, _)| arn.starts_with(&prefix))
            .map(|(_, a)| a)
            .filter(move |a| a.machine_arn == machine)
    }
}

/// What watchers (StartSyncExecution, `.sync` parents, the console) see.
#[derive(Debug, Clone)]
pub struct Progress {
    /// `seq` of the last committed event.
    pub seq: u64,
    pub status: &'static str,
    /// Set once the execution has ended.
    pub finished: Option<Arc<ExecutionRecord>>,
}

pub(crate) struct Live {
    pub exec: Execution,
    pub record: ExecutionRecord,
    pub mocks: Option<MockCase>,
    /// The callback tokens it handed out: indexed in the store (any node
    /// finds their execution) until it ends.
    pub tokens: Vec<String>,
    /// RedriveExecution's client token for the redrive being fed, kept
    /// with it in the record.
    pub redrive_token: Option<String>,
    /// Where its history events are logged (`logs`), if they are.
    pub log: Option<Arc<crate::logs::Target>>,
    /// The activities its state machine's Tasks name, but for the Tasks
    /// its test case mocks (a mocked activity need not exist): looked up
    /// before each decision ([`Runtime::missing_activities`]).
    pub activities: Vec<String>,
}

impl Live {
    pub(crate) fn new(exec: Execution, record: ExecutionRecord, mocks: Option<MockCase>) -> Live {
        let activities = match &mocks {
            Some(m) => exec.activity_resources_of(|state| !m.covers(state)),
            None => exec.activity_resources(),
        };
        Live {
            activities,
            exec,
            record,
            mocks,
            tokens: Vec::new(),
            redrive_token: None,
            log: None,
        }
    }
}

pub struct Slot {
    pub(crate) live: tokio::sync::Mutex<Live>,
    pub progress: watch::Sender<Progress>,
    /// When its last input came (ms): parking waits for quiet ones.
    pub(crate) fed_ms: AtomicI64,
    /// Set, under its lock, when a commit of its events failed: its state
    /// is ahead of the store, and the execution is loaded again
    /// ([`Runtime::reload`]). Inputs that were waiting for the lock go to
    /// the new slot.
    pub(crate) stale: AtomicBool,
}

/// This node's running executions: live ones in memory, and parked ones
/// that only the store keeps until their next input (`park.rs`). One
/// lock for both, so an execution moves between them at once.
#[derive(Default)]
pub(crate) struct Executions {
    pub live: HashMap<String, Arc<Slot>>,
    pub parked: HashSet<String>,
    /// Running executions being loaded again after a failed commit, while
    /// the store cannot give them ([`Runtime::reload`]).
    pub reloading: HashSet<String>,
}

/// A task waiting for a worker (GetActivityTask).
#[derive(Debug, Clone)]
pub struct QueuedActivity {
    pub execution: String,
    pub task: TaskId,
    pub token: String,
    pub input: String,
}

pub struct Runtime {
    pub cfg: Config,
    pub store: Arc<dyn Store>,
    group: GroupCommitter,
    pub registry: RwLock<Registry>,
    /// Serialises changes to named resources (create, update, delete).
    pub admin: tokio::sync::Mutex<()>,
    pub(crate) execs: Mutex<Executions>,
    /// Held while a parked execution is replayed (by a hash of its ARN),
    /// so it is replayed once however many inputs arrive for it.
    pub(crate) unparking: crate::park::Shards,
    /// Executions being started (between the name check and the insert).
    starting: Mutex<HashSet<String>>,
    /// Callback tokens -> (execution ARN, task).
    pub(crate) tokens: Mutex<HashMap<String, (String, TaskId)>>,
    pub timers: Timers,
    pub(crate) activities: crate::dispatch::ActivityQueues,
    /// Run a Job (`.sync`) Tasks whose jobs this node polls.
    pub(crate) jobs: crate::jobs::Jobs,
    /// The `.sync` children of Tasks under way here.
    pub(crate) children: crate::nested::Children,
    entropy: Mutex<SplitMix>,
    pub lambda: Option<Arc<dyn crate::dispatch::TaskBackend>>,
    /// Set when the server shuts down: long polls answer at once.
    pub(crate) stopping: watch::Sender<bool>,
    /// This node's lease and peers.
    pub cluster: crate::cluster::Cluster,
    /// The execution logs' writer (`--logs-dir`).
    pub logs: Option<crate::logs::Logs>,
}

/// Poisoned locks only follow a panic elsewhere; carry on with the data.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Entropy drawn from the runtime's shared generator.
pub struct SharedEntropy<'a>(pub &'a Mutex<SplitMix>);
impl Entropy for SharedEntropy<'_> {
    fn next_u64(&mut self) -> u64 {
        lock(self.0).next_u64()
    }
}

impl Runtime {
    /// A runtime over `store`, which this node joins (fencing an earlier
    /// incarnation of the same node id).
    pub fn new(cfg: Config, store: Arc<dyn Store>) -> std::io::Result<Runtime> {
        let mut entropy = SplitMix::from_time();
        let cluster = crate::cluster::Cluster::new(&cfg.node, stepwell_core::uuid(&mut entropy));
        store
            .join(&cluster.lease, &cluster.url, now_ms() + cluster.lease_ms)
            .map_err(std::io::Error::other)?;
        let group = GroupCommitter::start_fenced(store.clone(), Some(cluster.lease.clone()))?;
        Ok(Runtime {
            cfg,
            store,
            group,
            registry: RwLock::new(Registry::default()),
            admin: tokio::sync::Mutex::new(()),
            execs: Mutex::new(Executions::default()),
            unparking: Default::default(),
            starting: Mutex::new(HashSet::new()),
            tokens: Mutex::new(HashMap::new()),
            timers: Timers::default(),
            activities: Default::default(),
            jobs: Default::default(),
            children: Default::default(),
            entropy: Mutex::new(entropy),
            lambda: None,
            stopping: watch::Sender::new(false),
            cluster,
            logs: None,
        })
    }

    /// Another node took this node's executions (its lease ran out, or a
    /// newer process with the same node id started): drop everything live
    /// and stop; nothing more may be committed or carried out here.
    pub fn lost_lease(&self) {
        if self.cluster.fenced.send_replace(true) {
            return;
        }
        tracing::error!(
            node = self.cluster.node(),
            "this node lost its lease to another node; stopping"
        );
        *lock(&self.execs) = Executions::default();
        lock(&self.tokens).clear();
        self.shutdown();
    }

    /// Whether a callback token belongs to a task running on this node.
    pub fn knows_token(&self, token: &str) -> bool {
        lock(&self.tokens).contains_key(token)
    }

    /// The store's row for an execution record, driven by this node.
    pub fn row(&self, r: &ExecutionRecord) -> ExecutionRow {
        ExecutionRow {
            arn: r.arn.clone(),
            state_machine: r.machine_arn.clone(),
            status: r.status.clone(),
            start_ms: r.start_ms,
            body: serde_json::to_string(r).unwrap_or_default(),
            node: self.cluster.node().to_string(),
        }
    }

    /// The server is shutting down: GetActivityTask polls that are
    /// waiting answer with no task, so a graceful shutdown does not wait
    /// up to a minute for them.
    pub fn shutdown(&self) {
        self.stopping.send_replace(true);
    }

    pub fn read_registry(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        self.registry.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn write_registry(&self) -> std::sync::RwLockWriteGuard<'_, Registry> {
        self.registry.write().unwrap_or_else(|p| p.into_inner())
    }

    /// A random UUID (v4 layout) for names, revision ids and express ARNs.
    pub fn uuid(&self) -> String {
        stepwell_core::uuid(&mut SharedEntropy(&self.entropy))
    }

    /// Commit writes (group commit); resolves once they are durable.
    /// A change to named resources bumps the store's generation, so the
    /// other nodes reload theirs, and only if it is the generation this
    /// node's registry was read at: a change another node made meanwhile
    /// fails it (`cluster::STALE`: the request is answered again
    /// on the registry reloaded, so two nodes never overwrite each other's
    /// change unseen).
    pub async fn commit(&self, mut writes: Vec<Write>) -> Result<(), ApiError> {
        use crate::records::kind;
        let shared = writes.iter().any(|w| match w {
            Write::PutResource { kind, .. } | Write::DeleteResource { kind, .. } => {
                kind::is_cached(kind)
            }
            _ => false,
        });
        let expect = shared.then(|| self.cluster.generation());
        if shared {
            writes.push(Write::BumpGeneration { expect });
        }
        match self.group.commit(writes).await {
            Ok(()) => {
                if let Some(g) = expect {
                    // This node's registry, with this change, is the next.
                    self.cluster.loaded_generation(g + 1);
                }
                Ok(())
            }
            Err(StoreError::Stale) => Err(ApiError {
                kind: crate::cluster::STALE,
                message: "the named resources changed on another node meanwhile; retry".into(),
                status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
                resource_name: None,
            }),
            Err(StoreError::Fenced(node)) => {
                self.lost_lease();
                Err(ApiError::unavailable(format!(
                    "node '{node}' no longer runs executions; retry"
                )))
            }
            Err(StoreError::Conflict(arn)) => Err(ApiError::new(
                "ExecutionAlreadyExists",
                format!("Execution Already Exists: '{arn}'"),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The compiled plan of a revision (cached).
    pub fn plan(&self, revision_id: &str, express: bool) -> Result<Arc<StateMachine>, ApiError> {
        let key = (revision_id.to_string(), express);
        if let Some(p) = self.read_registry().plans.get(&key) {
            return Ok(p.clone());
        }
        let mut reg = self.write_registry();
        let rev = reg.revisions.get(revision_id).ok_or_else(|| {
            ApiError::internal(format!("the definition revision {revision_id} is missing"))
        })?;
        // Stored: checked when it was created, perhaps under fewer rules.
        let options = Options {
            express,
            stored: true,
        };
        let plan = stepwell_asl::parse_definition_with(&rev.definition, options)
            .map_err(|d| ApiError::internal(stepwell_asl::invalid_definition_message(&d)))?;
        let plan = Arc::new(plan);
        reg.plans.insert(key, plan.clone());
        Ok(plan)
    }

    /// Load every named resource from the store (at startup).
    pub fn load_registry(&self) -> Result<(), ApiError> {
        use crate::records::kind;
        fn all<T: serde::de::DeserializeOwned>(
            store: &dyn Store,
            k: &str,
        ) -> Result<Vec<T>, ApiError> {
            store
                .resources(k)?
                .into_iter()
                .map(|(key, body)| {
                    serde_json::from_str(&body).map_err(|e| {
                        ApiError::internal(format!("stored {k} '{key}' is unreadable: {e}"))
                    })
                })
                .collect()
        }
        let store = &*self.store;
        let mut fresh = Registry::default();
        let reg = &mut fresh;
        for m in all::<StateMachineRecord>(store, kind::STATE_MACHINE)? {
            reg.machines.insert(m.arn.clone(), m);
        }
        for r in all::<Revision>(store, kind::REVISION)? {
            reg.revisions.insert(r.id.clone(), r);
        }
        for v in all::<VersionRecord>(store, kind::VERSION)? {
            reg.versions.insert(v.arn.clone(), v);
        }
        for a in all::<AliasRecord>(store, kind::ALIAS)? {
            reg.aliases.insert(a.arn.clone(), a);
        }
        for a in all::<ActivityRecord>(store, kind::ACTIVITY)? {
            reg.activities.insert(a.arn.clone(), a);
        }
        for (key, body) in store.resources(kind::TAGS)? {
            if let Ok(t) = serde_json::from_str::<Tags>(&body) {
                reg.tags.insert(key, t);
            }
        }
        // Compiled plans belong to immutable revisions: keep them.
        let mut reg = self.write_registry();
        fresh.plans = std::mem::take(&mut reg.plans);
        *reg = fresh;
        Ok(())
    }

    /// A running execution of this node, live (replayed first if it was
    /// parked). `None`: it is not running here (it ended, or another node
    /// drives it).
    pub fn slot(&self, arn: &str) -> Result<Option<Arc<Slot>>, ApiError> {
        {
            let execs = lock(&self.execs);
            if let Some(slot) = execs.live.get(arn) {
                return Ok(Some(slot.clone()));
            }
            if execs.reloading.contains(arn) {
                return Err(ApiError::unavailable(format!(
                    "the execution {arn} is being loaded again; retry"
                )));
            }
            if !execs.parked.contains(arn) {
                return Ok(None);
            }
        }
        self.unpark(arn)
    }

    /// Where `arn` is on this node, without replaying it.
    pub(crate) fn here(&self, arn: &str) -> Here {
        let execs = lock(&self.execs);
        if execs.parked.contains(arn) || execs.reloading.contains(arn) {
            return Here::Running;
        }
        match execs.live.get(arn) {
            Some(slot) if slot.progress.borrow().finished.is_some() => Here::Ending,
            Some(_) => Here::Running,
            None => Here::Absent,
        }
    }

    /// Wait out a decision `arn` is in the middle of (it holds the live
    /// lock from deciding until its outcome is published), so that
    /// [`Runtime::here`] then tells an execution whose end is committed
    /// from one that runs on.
    pub(crate) async fn settled(&self, arn: &str) {
        let slot = lock(&self.execs).live.get(arn).cloned();
        if let Some(slot) = slot {
            drop(slot.live.lock().await);
        }
    }

    /// Whether `arn` runs here but is being loaded ([`Runtime::adopt`],
    /// [`Runtime::reload`]).
    pub(crate) fn is_reloading(&self, arn: &str) -> bool {
        lock(&self.execs).reloading.contains(arn)
    }

    /// Whether this node runs `arn` (live or parked), without replaying it.
    pub fn runs_here(&self, arn: &str) -> bool {
        self.here(arn) != Here::Absent
    }

    pub fn live_count(&self) -> usize {
        lock(&self.execs).live.len()
    }

    pub fn parked_count(&self) -> usize {
        lock(&self.execs).parked.len()
    }

    fn info(&self, record: &ExecutionRecord, input: Arc<Value>) -> ExecutionInfo {
        let reg = self.read_registry();
        let role_arn = reg
            .revisions
            .get(&record.revision_id)
            .map(|r| r.role_arn.clone())
            .unwrap_or_default();
        ExecutionInfo {
            id: record.arn.clone(),
            name: record.name.clone(),
            state_machine_id: record.machine_arn.clone(),
            state_machine_name: record
                .machine_arn
                .rsplit(':')
                .next()
                .unwrap_or_default()
                .to_string(),
            role_arn,
            input,
            express: record.express,
            sync: record.started_sync(),
            version_arn: record.version_arn.clone(),
            alias_arn: record.alias_arn.clone(),
        }
    }

    /// The interpreter's view of a stored execution record.
    pub fn execution_info(&self, record: &ExecutionRecord) -> ExecutionInfo {
        let input = stepwell_core::parse_json(&record.input).unwrap_or(Value::Null);
        self.info(record, Arc::new(input))
    }

    fn mocks_for(&self, record: &ExecutionRecord) -> Result<Option<MockCase>, ApiError> {
        let (Some(case), Some(config)) = (&record.test_case, &self.cfg.mock_config) else {
            return Ok(None);
        };
        let machine = record.machine_arn.rsplit(':').next().unwrap_or_default();
        MockCase::from_config(config, machine, case)
            .map(Some)
            .map_err(|e| ApiError::new("ValidationException", e.to_string()))
    }

    /// Reserve an execution ARN for a new execution. `Ok(Some(record))`:
    /// an identical running execution already exists (AWS's idempotency
    /// rule for STANDARD executions). Only a live execution of this node
    /// is looked for: one in the store makes the insert of the new one
    /// fail, and the caller then asks [`Runtime::stored_start`] (a read
    /// per start saved on the common path).
    pub fn reserve(&self, arn: &str, input: &str) -> Result<Option<ExecutionRecord>, ApiError> {
        let exists = || {
            ApiError::new(
                "ExecutionAlreadyExists",
                format!("Execution Already Exists: '{arn}'"),
            )
        };
        // One being loaded is in the store (below).
        let slot = match self.is_reloading(arn) {
            true => None,
            false => self.slot(arn)?,
        };
        if let Some(slot) = slot {
            let current = slot.progress.borrow().clone();
            if current.finished.is_none() {
                // A busy execution holds its lock across a commit; its
                // record (committed before it went live) is in the store.
                let running = match slot.live.try_lock() {
                    Ok(live) => Some(live.record.clone()),
                    Err(_) => self
                        .store
                        .execution(arn)?
                        .and_then(|row| serde_json::from_str::<ExecutionRecord>(&row.body).ok()),
                };
                if let Some(r) = running.filter(|r| r.input == input) {
                    return Ok(Some(r));
                }
            }
            return Err(exists());
        }
        if !lock(&self.starting).insert(arn.to_string()) {
            return Err(exists());
        }
        Ok(None)
    }

    /// The stored execution `arn` if a StartExecution with `input` is
    /// answered with it (AWS's idempotency rule: it runs, with the same
    /// input); `None` if it is not, or not in the store.
    pub fn stored_start(
        &self,
        arn: &str,
        input: &str,
    ) -> Result<Option<ExecutionRecord>, ApiError> {
        let Some(row) = self.store.execution(arn)? else {
            return Ok(None);
        };
        let record: Option<ExecutionRecord> = serde_json::from_str(&row.body).ok();
        Ok(record.filter(|r| r.status == "RUNNING" && r.input == input))
    }

    /// [`Runtime::reserve`], but a start of the same ARN that is under way
    /// is waited for (up to 5 s), so a retried StartExecution that overtakes
    /// the original gets the same answer instead of ExecutionAlreadyExists.
    pub async fn reserve_or_wait(
        &self,
        arn: &str,
        input: &str,
    ) -> Result<Option<ExecutionRecord>, ApiError> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            match self.reserve(arn, input) {
                Err(e)
                    if e.kind == "ExecutionAlreadyExists"
                        && tokio::time::Instant::now() < deadline =>
                {
                    if !lock(&self.starting).contains(arn) {
                        // The start under way may have ended between the two
                        // looks (it is live now): one more look decides.
                        return self.reserve(arn, input);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                result => return result,
            }
        }
    }

    pub fn unreserve(&self, arn: &str) {
        lock(&self.starting).remove(arn);
    }

    /// Begin a new execution whose ARN was reserved: commit its record,
    /// make it live and start it in the background.
    pub async fn begin(
        self: &Arc<Self>,
        record: ExecutionRecord,
    ) -> Result<watch::Receiver<Progress>, ApiError> {
        let arn = record.arn.clone();
        let result = self.begin_reserved(record).await;
        self.unreserve(&arn);
        result
    }

    async fn begin_reserved(
        self: &Arc<Self>,
        record: ExecutionRecord,
    ) -> Result<watch::Receiver<Progress>, ApiError> {
        let input: Value = stepwell_core::parse_json(&record.input)
            .map_err(|e| crate::ops::executions::invalid_input(&record.input, &e))?;
        let plan = self.plan(&record.revision_id, record.express)?;
        let mocks = self.mocks_for(&record)?;
        if !record.express || record.at_least_once {
            // Insert, not replace: another node may have started the same
            // name meanwhile.
            self.commit(vec![Write::InsertExecution(self.row(&record))])
                .await?;
        }
        let info = self.info(&record, Arc::new(input));
        let log = self.log_target(&record, &plan, &info);
        let exec = Execution::new(plan, info);
        let arn = record.arn.clone();
        let mut live = Live::new(exec, record, mocks);
        live.log = log;
        let watch = self.insert_slot(live, 0).progress.subscribe();
        let rt = self.clone();
        tokio::spawn(async move {
            if let Err(e) = rt.feed(&arn, Input::Start).await {
                tracing::warn!(execution = %arn, error = %e.message, "start failed");
            }
        });
        Ok(watch)
    }

    /// Make `live` (whose last event is `seq`) a live execution of this
    /// node (no longer parked, if it was).
    pub(crate) fn insert_slot(&self, live: Live, seq: u64) -> Arc<Slot> {
        let progress = Progress {
            seq,
            status: "RUNNING",
            finished: None,
        };
        let arn = live.record.arn.clone();
        let slot = Arc::new(Slot {
            live: tokio::sync::Mutex::new(live),
            progress: watch::Sender::new(progress),
            fed_ms: AtomicI64::new(now_ms()),
            stale: AtomicBool::new(false),
        });
        let mut execs = lock(&self.execs);
        execs.parked.remove(&arn);
        execs.reloading.remove(&arn);
        execs.live.insert(arn, slot.clone());
        slot
    }

    /// Handle one input for a live execution: decide, commit, publish, act.
    pub async fn feed(self: &Arc<Self>, arn: &str, input: Input) -> Result<(), ApiError> {
        let Some(slot) = self.slot(arn)? else {
            return Ok(()); // ended meanwhile: the interpreter would ignore it too
        };
        self.feed_slot(arn, slot, input).await
    }

    /// [`Runtime::feed`] for an input no client waits for (a timer, a
    /// task's result): while its execution is parked and the store cannot
    /// replay it, the input waits, tried again less and less often, for as
    /// long as the execution runs here. (A failed commit needs no such
    /// care: `feed` reloads the execution, which re-arms what it waits
    /// for.) Whether the input was taken; `what` names it in the log.
    pub async fn deliver(self: &Arc<Self>, arn: &str, input: Input, what: &str) -> bool {
        const FIRST: std::time::Duration = std::time::Duration::from_secs(1);
        const MOST: std::time::Duration = std::time::Duration::from_secs(60);
        let mut wait = FIRST;
        let slot = loop {
            match self.slot(arn) {
                Ok(Some(slot)) => break slot,
                Ok(None) => return false,
                Err(e) => {
                    tracing::warn!(execution = %arn, error = %e.message, "{what}: the execution could not be read; trying again in {wait:?}");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MOST);
                }
            }
        };
        match self.feed_slot(arn, slot, input).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(execution = %arn, error = %e.message, "{what} failed");
                false
            }
        }
    }

    async fn feed_slot(
        self: &Arc<Self>,
        arn: &str,
        mut slot: Arc<Slot>,
        input: Input,
    ) -> Result<(), ApiError> {
        loop {
            {
                let live = slot.live.lock().await;
                if !slot.stale.load(Ordering::Acquire) {
                    return self.feed_locked(arn, &slot, live, input).await;
                }
            }
            // A commit failed while this input waited: the execution is
            // being loaded again.
            match self.slot(arn)? {
                Some(s) => slot = s,
                None => return Ok(()),
            }
        }
    }

    /// [`Runtime::feed_slot`] once its lock is held.
    async fn feed_locked(
        self: &Arc<Self>,
        arn: &str,
        slot: &Arc<Slot>,
        mut live: tokio::sync::MutexGuard<'_, Live>,
        input: Input,
    ) -> Result<(), ApiError> {
        slot.fed_ms.store(now_ms(), Ordering::Relaxed);
        // AWS fails an execution whose state machine is being deleted at
        // its next state transition.
        let deleted = live
            .exec
            .awaits(&input)
            .then(|| self.deleting(&live.record.machine_arn))
            .flatten();
        let input = match deleted {
            Some(name) => Input::Fail {
                error: "States.Runtime".into(),
                cause: format!("State machine {name} has been deleted."),
            },
            None => input,
        };
        let redrive = input == Input::Redrive;
        if !redrive && !matches!(live.exec.status(), Status::Running | Status::NotStarted) {
            return Ok(());
        }
        if !live.activities.is_empty() {
            let missing = self.missing_activities(&live.activities);
            live.exec.set_missing_activities(missing);
        }
        let mut entropy = SharedEntropy(&self.entropy);
        // The execution starts when its record says (StartExecution's
        // `startDate`), which `$$.Execution.StartTime` and the first
        // events must repeat exactly.
        let at = match input {
            Input::Start => live.record.start_ms,
            _ => now_ms(),
        };
        let decision = live.exec.decide(input, at, &mut entropy);
        if decision.events.is_empty() && decision.commands.is_empty() {
            return Ok(());
        }
        let answers = crate::dispatch::mock_answers(&mut live, &decision.commands);
        let status = live.exec.status();
        let finished = !matches!(status, Status::Running | Status::NotStarted);
        // A redrive that ends the execution again at once (it stopped in a
        // Fail state) is still a redrive: its count, date and client token
        // are recorded before its new end.
        if redrive {
            let Live {
                exec,
                record,
                redrive_token,
                ..
            } = &mut *live;
            reopen_record(record, exec.redrive_count(), redrive_token.take(), now_ms());
        }
        if finished {
            let Live { exec, record, .. } = &mut *live;
            close_record(record, exec.outcome(), status, now_ms());
        }
        crate::dispatch::register_tokens(self, arn, &decision.commands);
        if !live.record.express && !decision.events.is_empty() {
            let mut writes = vec![Write::append(arn, &decision.events)?];
            writes.extend(crate::ops::map_runs::index_writes(arn, &decision.events));
            let known = live.tokens.len();
            live.tokens.extend(scheduled_tokens(&decision.events));
            if finished {
                // Its tokens answer TaskTimedOut on every node from now on.
                writes.extend(live.tokens.drain(..).map(|key| Write::DeleteResource {
                    kind: crate::records::kind::TASK_TOKEN,
                    key,
                }));
            } else {
                writes.extend(live.tokens[known..].iter().map(|key| Write::PutResource {
                    kind: crate::records::kind::TASK_TOKEN,
                    key: key.clone(),
                    body: arn.to_string(),
                }));
            }
            if finished || redrive {
                writes.push(Write::PutExecution(self.row(&live.record)));
            }
            if let Err(e) = self.commit(writes).await {
                // The live state is ahead of the store: load it again from
                // what is durable (before the lock is let go, so inputs
                // waiting for it find the execution loaded again).
                slot.stale.store(true, Ordering::Release);
                self.reload(arn, slot);
                drop(live);
                return Err(e);
            }
        }
        if let (Some(logs), Some(target)) = (&self.logs, &live.log) {
            logs.send(target, &decision.events, live.exec.redrive_count());
        }
        if finished && live.record.at_least_once {
            // Ended: nothing to run again after a crash.
            if let Err(e) = self
                .commit(vec![Write::DeleteExecution(arn.to_string())])
                .await
            {
                tracing::warn!(execution = %arn, error = %e.message, "could not forget an ended express execution");
            }
        }
        let seq = decision
            .events
            .last()
            .map(|e| e.seq)
            .unwrap_or(slot.progress.borrow().seq);
        let finished_record = finished.then(|| Arc::new(live.record.clone()));
        slot.progress.send_replace(Progress {
            seq,
            status: status.as_str(),
            finished: finished_record.clone(),
        });
        drop(live);
        if let Some(record) = finished_record {
            self.remove_live(arn, slot);
            crate::dispatch::on_finished(self, &record);
            if self.deleting(&record.machine_arn).is_some() {
                let (rt, machine) = (self.clone(), record.machine_arn.clone());
                tokio::spawn(async move {
                    if let Err(e) =
                        crate::ops::state_machines::deleted_after_last(&rt, &machine).await
                    {
                        tracing::warn!(state_machine = %machine, error = %e.message, "could not finish deleting");
                    }
                });
            }
        }
        let fresh = crate::dispatch::Recovered::default();
        crate::dispatch::carry_out(self, arn, decision.commands, answers, &fresh);
        Ok(())
    }

    /// Which of `activities` do not exist. A Task that would schedule one
    /// fails its execution (the core's `set_missing_activities`). A node
    /// with peers may not have loaded an activity another node just
    /// created: the store has the last word on one its registry lacks (a
    /// store that cannot answer leaves it existing, so that a passing
    /// fault fails nothing).
    fn missing_activities(&self, activities: &[String]) -> Vec<String> {
        let mut missing: Vec<String> = {
            let reg = self.read_registry();
            activities
                .iter()
                .filter(|a| !reg.activities.contains_key(*a))
                .cloned()
                .collect()
        };
        if !missing.is_empty() && self.cluster.has_peers() {
            missing.retain(|a| {
                matches!(
                    self.store.resource(crate::records::kind::ACTIVITY, a),
                    Ok(None)
                )
            });
        }
        missing
    }

    /// Take `slot` out of the live executions, if it is still `arn`'s.
    pub(crate) fn remove_live(&self, arn: &str, slot: &Arc<Slot>) -> bool {
        let mut execs = lock(&self.execs);
        let current = execs.live.get(arn).is_some_and(|s| Arc::ptr_eq(s, slot));
        if current {
            execs.live.remove(arn);
        }
        current
    }

    /// Rebuild a stored execution from its history: the interpreter's
    /// state, its record, its mocks' place and its tokens, and what the
    /// history says was under way.
    pub(crate) fn replay(&self, row: &ExecutionRow) -> Result<Replayed, ApiError> {
        let record: ExecutionRecord = serde_json::from_str(&row.body)
            .map_err(|e| ApiError::internal(format!("{}: unreadable record: {e}", row.arn)))?;
        let plan = self.plan(&record.revision_id, record.express)?;
        let info = self.execution_info(&record);
        let log = self.log_target(&record, &plan, &info);
        let events = self.store.events(&record.arn)?;
        let mut exec = Execution::new(plan, info);
        let mut mocks = self.mocks_for(&record)?;
        let mut scheduled: Vec<(TaskId, String)> = Vec::new();
        let mut recovered = crate::dispatch::Recovered::default();
        let mut timer_starts: HashMap<u64, i64> = HashMap::new();
        let mut tokens = Vec::new();
        for e in &events {
            exec.apply(e)
                .map_err(|err| ApiError::internal(format!("{}: {err}", record.arn)))?;
            match &e.kind {
                EventKind::TaskScheduled { token, .. } => {
                    if let Some(req) = exec.pending_tasks().find(|r| r.task == e.seq) {
                        scheduled.push((e.seq, req.state_name.clone()));
                    }
                    tokens.extend(token.iter().cloned());
                }
                EventKind::TaskStarted { task, .. } => {
                    recovered.started.insert(*task);
                }
                EventKind::TaskSubmitted { task, output } => {
                    recovered.submitted.insert(*task, output.clone());
                }
                EventKind::TimerStarted { .. } => {
                    timer_starts.insert(e.seq, e.timestamp);
                }
                _ => {}
            }
        }
        let still: HashSet<TaskId> = exec.pending_tasks().map(|r| r.task).collect();
        if let Some(m) = mocks.as_mut() {
            // Mocked answers already used by finished tasks are spent.
            for (task, state) in &scheduled {
                if !still.contains(task) {
                    m.next(state);
                }
            }
        }
        let mut live = Live::new(exec, record, mocks);
        live.tokens = tokens;
        live.log = log;
        Ok(Replayed {
            live,
            seq: events.last().map(|e| e.seq).unwrap_or(0),
            recovered,
            timer_starts,
        })
    }

    /// Where an execution logs its history events, if it does: with
    /// `--logs-dir`, as its revision's `loggingConfiguration` says.
    fn log_target(
        &self,
        record: &ExecutionRecord,
        plan: &Arc<StateMachine>,
        info: &ExecutionInfo,
    ) -> Option<Arc<crate::logs::Target>> {
        let logs = self.logs.as_ref()?;
        let dest = {
            let reg = self.read_registry();
            let rev = reg.revisions.get(&record.revision_id)?;
            let machine = record.machine_arn.rsplit(':').next()?;
            crate::logs::Destination::of(logs.dir(), &rev.logging, machine)?
        };
        Some(Arc::new(crate::logs::Target {
            dest,
            plan: plan.clone(),
            info: info.clone(),
            stored: !record.express,
        }))
    }

    /// The name of the state machine `arn` if it is being deleted.
    fn deleting(&self, arn: &str) -> Option<String> {
        let reg = self.read_registry();
        reg.machines
            .get(arn)
            .filter(|m| m.deleting)
            .map(|m| m.name.clone())
    }

    /// Make a stored running execution live again: replay its history and
    /// re-arm its timers, tasks and tokens.
    pub fn load(self: &Arc<Self>, row: ExecutionRow) -> Result<(), ApiError> {
        let Replayed {
            mut live,
            seq,
            recovered,
            timer_starts,
        } = self.replay(&row)?;
        let arn = live.record.arn.clone();
        if seq == 0 {
            self.insert_slot(live, seq);
            let rt = self.clone();
            tokio::spawn(async move {
                if let Err(e) = rt.feed(&arn, Input::Start).await {
                    tracing::warn!(execution = %arn, error = %e.message, "start failed");
                }
            });
            return Ok(());
        }
        // A timer keeps its due time across a restart: with --wait-scale it
        // is scaled from when it started, not again from now.
        let mut timers = Vec::new();
        let mut rest = Vec::new();
        for c in live.exec.pending() {
            match c {
                Command::StartTimer {
                    timer,
                    fire_at,
                    scaled,
                } => {
                    let start = timer_starts
                        .get(&timer)
                        .map_or(fire_at, |&s| s.min(fire_at));
                    let scale = if scaled { self.cfg.wait_scale } else { 1.0 };
                    let after = ((fire_at - start) as f64 * scale) as i64;
                    timers.push((start + after, timer));
                }
                c => rest.push(c),
            }
        }
        // Only timers to wait for, none due before parking would park it:
        // parked at once, so a restart among many waiting executions does
        // not hold them all in memory. (Timers are armed once it is
        // parked or live, so one that fires at once finds it.)
        let first_due = timers.iter().map(|t| t.0).min().unwrap_or(i64::MAX);
        // Mocked answers are taken before anything else can feed it.
        let answers = crate::dispatch::mock_answers(&mut live, &rest);
        let slot = if rest.is_empty()
            && first_due > now_ms() + self.cfg.park_after_ms
            && crate::park::may_park(&live)
        {
            let mut execs = lock(&self.execs);
            execs.reloading.remove(&arn);
            execs.parked.insert(arn.clone());
            None
        } else {
            Some(self.insert_slot(live, seq))
        };
        for (due, timer) in timers {
            self.timers.add(due, &arn, timer);
        }
        if slot.is_some() {
            crate::dispatch::carry_out(self, &arn, rest, answers, &recovered);
        }
        Ok(())
    }

    /// After a restart: load every running execution this node drove
    /// (`cluster::take_over` then takes those no live node drives).
    pub fn recover(self: &Arc<Self>) -> Result<usize, ApiError> {
        let rows = self.store.running(self.cluster.node())?;
        let n = rows.len();
        self.adopt(rows);
        Ok(n)
    }
}

/// Where an execution is on this node ([`Runtime::here`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Here {
    /// Live or parked.
    Running,
    /// Live, but its end is committed: it leaves in a moment.
    Ending,
    /// Not here.
    Absent,
}

/// An execution rebuilt from its stored history ([`Runtime::replay`]).
pub(crate) struct Replayed {
    pub live: Live,
    /// `seq` of its last event (0: it has none yet).
    pub seq: u64,
    /// What was under way: activity tasks a worker holds, submitted jobs.
    pub recovered: crate::dispatch::Recovered,
    /// When each timer started (ms), by its `TimerStarted` event.
    pub timer_starts: HashMap<u64, i64>,
}

/// Fill in how an execution ended.
fn close_record(r: &mut ExecutionRecord, outcome: Option<&Outcome>, status: Status, now: i64) {
    r.status = status.as_str().to_string();
    r.stop_ms = Some(now);
    match outcome {
        Some(Outcome::Succeeded(v)) => r.output = Some(v.to_string()),
        Some(Outcome::Failed(e)) => {
            r.error = Some(e.error.clone());
            r.cause = Some(e.cause.clone());
        }
        None => {}
    }
}

/// A redriven execution runs again.
fn reopen_record(r: &mut ExecutionRecord, redrive_count: u32, token: Option<String>, now: i64) {
    r.status = Status::Running.as_str().to_string();
    r.stop_ms = None;
    r.output = None;
    r.error = None;
    r.cause = None;
    r.redrive_count = redrive_count;
    r.redrive_ms = Some(now);
    if let Some(token) = token {
        r.redrive_tokens.push(RedriveToken { token, ms: now });
        let extra = r.redrive_tokens.len().saturating_sub(REDRIVE_TOKENS_KEPT);
        r.redrive_tokens.drain(..extra);
    }
}

/// The callback tokens `events` hand out (indexed in the store, so any
/// node finds the execution a SendTask* request is for).
fn scheduled_tokens(events: &[stepwell_core::Event]) -> impl Iterator<Item = String> + '_ {
    events.iter().filter_map(|e| match &e.kind {
        EventKind::TaskScheduled { token, .. } => token.clone(),
        _ => None,
    })
}

/// Make commands carried out by `dispatch` name their inputs.
pub(crate) fn task_input(task: TaskId, result: Result<Value, (String, String)>) -> Input {
    match result {
        Ok(output) => Input::TaskSucceeded { task, output },
        Err((error, cause)) => Input::TaskFailed { task, error, cause },
    }
}

pub(crate) fn mock_input(task: TaskId, m: MockResponse) -> Input {
    match m {
        MockResponse::Return(output) => Input::TaskSucceeded { task, output },
        MockResponse::Throw { error, cause } => Input::mocked_failure(task, error, cause),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(machine: &str, n: u32) -> VersionRecord {
        VersionRecord {
            arn: format!("{machine}:{n}"),
            machine_arn: machine.to_string(),
            version: n,
            revision_id: String::new(),
            description: String::new(),
            created_ms: 0,
        }
    }

    fn alias(machine: &str, name: &str) -> AliasRecord {
        AliasRecord {
            arn: format!("{machine}:{name}"),
            machine_arn: machine.to_string(),
            name: name.to_string(),
            description: String::new(),
            routing: Vec::new(),
            created_ms: 0,
            updated_ms: None,
        }
    }

    #[test]
    fn a_machines_versions_and_aliases_are_its_range_only() {
        let prefix = "arn:aws:states:us-east-1:123456789012:stateMachine:";
        let [m, longer, before] = ["m", "m2", "l"].map(|n| format!("{prefix}{n}"));
        let mut reg = Registry::default();
        for (machine, n) in [(&m, 1), (&m, 2), (&m, 10), (&longer, 1), (&before, 3)] {
            let v = version(machine, n);
            reg.versions.insert(v.arn.clone(), v);
        }
        for (machine, name) in [(&m, "live"), (&m, "beta"), (&longer, "live")] {
            let a = alias(machine, name);
            reg.aliases.insert(a.arn.clone(), a);
        }
        let mut numbers: Vec<u32> = reg.versions_of(&m).map(|v| v.version).collect();
        numbers.sort_unstable();
        assert_eq!(numbers, [1, 2, 10]);
        assert_eq!(reg.versions_of(&longer).count(), 1);
        assert_eq!(reg.versions_of(&format!("{prefix}none")).count(), 0);
        let names: Vec<&str> = reg.aliases_of(&m).map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["beta", "live"]);
        assert_eq!(reg.aliases_of(&before).count(), 0);
    }
}
