//! Where Stepwell keeps what must survive a restart: state machines and the
//! other named resources, execution records and execution histories.
//!
//! [`Store`] is the storage interface; [`SqliteStore`] implements it on an
//! embedded SQLite file (WAL mode), [`PostgresStore`] on a PostgreSQL server
//! ([`open`] picks by the location's form). [`GroupCommitter`] batches the writes of many callers into one
//! transaction, so durability does not cost one fsync per state transition.
//!
//! The store knows nothing about the API's record shapes: resources and
//! execution records are opaque JSON text owned by the server; histories are
//! lists of core [`Event`]s.
//!
//! Several servers (*nodes*) may share one store. Each holds a [`Lease`]
//! it renews; every execution row names the node that drives it. A commit
//! that carries [`Write::Fence`] succeeds only while its node's lease is
//! current, and [`Store::take_over`] gives the running executions of nodes
//! whose lease ran out to a live node, after their commits under way.

#![forbid(unsafe_code)]

mod group;
mod postgres;
mod sqlite;

pub use group::GroupCommitter;
pub use postgres::PostgresStore;
pub use sqlite::{Durability, SqliteStore};

use stepwell_core::Event;

/// A storage failure (the server answers it as a `ServiceUnavailable`-like error).
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Backend(String),
    #[error("store: a stored history could not be decoded: {0}")]
    Corrupt(String),
    #[error("store: the writer has stopped")]
    Closed,
    /// [`Write::InsertExecution`] of an execution that exists.
    #[error("store: {0} exists already")]
    Conflict(String),
    /// [`Write::Fence`] of a lease that is no longer current: another node
    /// took this node's executions, or a newer incarnation of it started.
    #[error("store: node '{0}' no longer holds its lease")]
    Fenced(String),
    /// [`Write::BumpGeneration`] expected a generation that has moved on.
    #[error("store: the named resources changed meanwhile")]
    Stale,
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// One execution as the store indexes it; `body` is the server's record.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRow {
    pub arn: String,
    pub state_machine: String,
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`, `PENDING_REDRIVE`.
    pub status: String,
    pub start_ms: i64,
    pub body: String,
    /// The node that drives the execution (`""` in stores written before
    /// nodes were recorded: any node takes those over).
    pub node: String,
}

/// A node's claim to drive its executions. `incarnation` is new each time
/// a node starts, so a restarted node fences its own earlier process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub node: String,
    pub incarnation: String,
}

/// One node as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRow {
    pub node: String,
    pub incarnation: String,
    /// Where the other nodes reach its API (forwarded requests).
    pub url: String,
    /// The lease is current until then (ms since the epoch).
    pub expires_ms: i64,
}

/// Which executions to list: newest first, after an optional cursor.
#[derive(Debug, Clone, Default)]
pub struct ExecutionQuery {
    /// Only executions of this state machine (or version/alias: the ARN
    /// stored as `state_machine`).
    pub state_machine: Option<String>,
    pub status: Option<String>,
    /// Continue after this (start_ms, arn), exclusive.
    pub after: Option<(i64, String)>,
    pub limit: usize,
}

/// One change; a list of them commits atomically.
#[derive(Debug, Clone)]
pub enum Write {
    /// Insert or replace a named resource (`kind` e.g. "stateMachine").
    PutResource {
        kind: &'static str,
        key: String,
        body: String,
    },
    DeleteResource {
        kind: &'static str,
        key: String,
    },
    /// Insert or replace an execution record.
    PutExecution(ExecutionRow),
    /// Insert a new execution record; the commit fails with
    /// [`StoreError::Conflict`] if one with that ARN exists.
    InsertExecution(ExecutionRow),
    /// Delete an execution record and its history, if there are any (an
    /// EXPRESS execution's record once it ended: it was kept only so that
    /// a crash could not lose it).
    DeleteExecution(String),
    /// Fail the commit with [`StoreError::Fenced`] unless the lease is
    /// current. Checked before the other writes, and held until the commit
    /// ends, so [`Store::take_over`] waits for it.
    Fence(Lease),
    /// Count a change every node must see (named resources):
    /// [`Store::generation`] grows. With `expect`, the commit fails with
    /// [`StoreError::Stale`] unless the generation is that (another node
    /// changed a named resource since this one read them).
    BumpGeneration {
        expect: Option<i64>,
    },
    /// Append events to an execution's history (build it with
    /// [`Write::append`]); appending the same chunk twice is an error.
    AppendEvents {
        execution: String,
        first_seq: u64,
        /// The events, already encoded (on the caller's thread, not the
        /// commit thread's).
        data: Vec<u8>,
    },
}

impl Write {
    /// Append `events` (at least one) to `execution`'s history.
    pub fn append(execution: &str, events: &[Event]) -> Result<Write> {
        let first_seq = events
            .first()
            .map(|e| e.seq)
            .ok_or_else(|| StoreError::Backend("an empty chunk of events".into()))?;
        let json = serde_json::to_vec(events).map_err(|e| StoreError::Backend(e.to_string()))?;
        // Histories repeat their keys and payloads: LZ4 stores them in about
        // a fifth of the space for little CPU.
        let data = lz4_flex::compress_prepend_size(&json);
        Ok(Write::AppendEvents {
            execution: execution.to_string(),
            first_seq,
            data,
        })
    }
}

/// The storage interface. Implementations are synchronous: callers on an
/// async runtime use [`GroupCommitter`] for writes and a blocking section
/// for scans.
pub trait Store: Send + Sync + 'static {
    /// Apply every write in one transaction.
    fn commit(&self, writes: &[Write]) -> Result<()>;
    /// Every resource of one kind as (key, body), ordered by key.
    fn resources(&self, kind: &str) -> Result<Vec<(String, String)>>;
    /// One resource's body, if it exists.
    fn resource(&self, kind: &str, key: &str) -> Result<Option<String>>;
    fn execution(&self, arn: &str) -> Result<Option<ExecutionRow>>;
    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRow>>;
    /// The `RUNNING` executions `node` drives (recovery after a restart).
    fn running(&self, node: &str) -> Result<Vec<ExecutionRow>>;
    /// The full history of an execution, in order.
    fn events(&self, arn: &str) -> Result<Vec<Event>>;

    /// Join the nodes, or rejoin with a new incarnation (which fences the
    /// earlier one: its commits fail from now on).
    fn join(&self, lease: &Lease, url: &str, expires_ms: i64) -> Result<()>;
    /// Extend a lease; `false` if it is no longer current.
    fn renew(&self, lease: &Lease, expires_ms: i64) -> Result<bool>;
    /// Give the lease up (a clean shutdown): the others take over at once.
    fn leave(&self, lease: &Lease) -> Result<()>;
    /// Every node that holds a lease, current or run out.
    fn nodes(&self) -> Result<Vec<NodeRow>>;
    /// Drop the other nodes' leases that ran out before `now_ms` (after
    /// the commits their nodes have under way), then make `lease`'s node drive every
    /// running execution whose node holds no lease; returns those
    /// executions. [`StoreError::Fenced`] if `lease` itself is not current.
    fn take_over(&self, lease: &Lease, now_ms: i64) -> Result<Vec<ExecutionRow>>;
    /// How many [`Write::BumpGeneration`]s were committed.
    fn generation(&self) -> Result<i64>;
}

/// Open the store at `location`: a PostgreSQL server for a
/// `postgres://` or `postgresql://` URL, else an SQLite file at that path.
pub fn open(location: &str, durability: Durability) -> Result<std::sync::Arc<dyn Store>> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(PostgresStore::open(location)?))
    } else {
        Ok(std::sync::Arc::new(SqliteStore::open(
            location, durability,
        )?))
    }
}

/// Decode a history stored as LZ4-compressed JSON chunks, in order.
pub(crate) fn decode_chunks(arn: &str, chunks: Vec<Vec<u8>>) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    for chunk in chunks {
        let json = lz4_flex::decompress_size_prepended(&chunk)
            .map_err(|e| StoreError::Corrupt(format!("{arn}: {e}")))?;
        // A history may hold data nested deeper than serde_json's default
        // bound of 128 (up to `MAX_NESTING`, inside a few levels of event).
        let events: Vec<Event> = stepwell_core::from_slice_unbounded(&json)
            .map_err(|e| StoreError::Corrupt(format!("{arn}: {e}")))?;
        out.extend(events);
    }
    Ok(out)
}
