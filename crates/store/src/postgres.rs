//! [`Store`] on a PostgreSQL server (`postgres://user@host/db`).
//!
//! The same four tables as [`crate::SqliteStore`], committed the same way:
//! one transaction per [`Store::commit`] on one connection (the
//! [`crate::GroupCommitter`] thread is normally its only user), its
//! statements prepared once and pipelined; another connection for the node
//! leases, and a small pool of read connections. A commit is durable once
//! PostgreSQL acknowledges it (`synchronous_commit` as the server sets it).
//!
//! The clients drive their connections on runtimes of their own, which may
//! not be started from inside another runtime's worker: calls made on a
//! tokio worker thread leave it with `block_in_place` first.

use std::sync::{Condvar, Mutex};

use futures_util::future::try_join_all;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row};
use stepwell_core::Event;
use tokio_postgres::Statement;

use crate::{
    decode_chunks, ExecutionQuery, ExecutionRow, Lease, NodeRow, Result, Store, StoreError, Write,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS resources(
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY(kind, key)
);
CREATE TABLE IF NOT EXISTS executions(
    arn TEXT PRIMARY KEY,
    state_machine TEXT NOT NULL,
    status TEXT NOT NULL,
    start_ms BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS executions_by_machine
    ON executions(state_machine, start_ms DESC, arn DESC);
CREATE INDEX IF NOT EXISTS executions_by_start ON executions(start_ms DESC, arn DESC);
CREATE INDEX IF NOT EXISTS executions_running ON executions(status) WHERE status = 'RUNNING';
CREATE TABLE IF NOT EXISTS events(
    execution TEXT NOT NULL,
    first_seq BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY(execution, first_seq)
);
ALTER TABLE executions ADD COLUMN IF NOT EXISTS node TEXT NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS nodes(
    node TEXT PRIMARY KEY,
    incarnation TEXT NOT NULL,
    url TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS generation(
    id INTEGER PRIMARY KEY CHECK (id = 0),
    value BIGINT NOT NULL
);
INSERT INTO generation(id, value) VALUES (0, 0) ON CONFLICT DO NOTHING;
";

const EXECUTION_COLUMNS: &str = "arn, state_machine, status, start_ms, body, node";

/// Executions whose node holds no lease.
const ORPHANS: &str = "status = 'RUNNING' AND node NOT IN (SELECT node FROM nodes)";

/// Read connections open at most: a read waits for one to be free rather
/// than connecting anew (a connection costs the server a process; opening
/// one per read ran StartExecution at a 25th of SQLite's rate).
const POOL: usize = 8;

pub struct PostgresStore {
    url: String,
    /// Commits, pipelined on a connection of their own.
    committer: Mutex<Option<Committer>>,
    /// Drives the committer's connection while a commit waits for it.
    runtime: tokio::runtime::Runtime,
    /// The node leases and take-overs.
    writer: Mutex<Option<Client>>,
    readers: Mutex<Readers>,
    /// Signalled when a read connection is given back.
    returned: Condvar,
}

/// The connection commits go through, and the statements a commit runs,
/// prepared on it once. A commit sends all its statements before it reads
/// an answer (tokio-postgres pipelines requests polled together), so a
/// group commit of many executions' writes costs a few round trips, not
/// one or two per write: the writer's round trips bound the commit rate.
struct Committer {
    client: tokio_postgres::Client,
    sql: Prepared,
}

struct Prepared {
    put_resource: Statement,
    delete_resource: Statement,
    insert_execution: Statement,
    put_execution: Statement,
    delete_execution: Statement,
    delete_events: Statement,
    bump_generation: Statement,
    append_events: Statement,
    holds: Statement,
}

impl Committer {
    async fn connect(url: &str) -> Result<Committer> {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await.map_err(backend)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "the PostgreSQL commit connection ended");
            }
        });
        let prepare = |sql: String| {
            let client = &client;
            async move { client.prepare(&sql).await.map_err(backend) }
        };
        let sql = Prepared {
            put_resource: prepare(
                "INSERT INTO resources(kind, key, body) VALUES ($1, $2, $3)
                 ON CONFLICT (kind, key) DO UPDATE SET body = EXCLUDED.body"
                    .into(),
            )
            .await?,
            delete_resource: prepare("DELETE FROM resources WHERE kind = $1 AND key = $2".into())
                .await?,
            insert_execution: prepare(format!(
                "INSERT INTO executions({EXECUTION_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (arn) DO NOTHING"
            ))
            .await?,
            put_execution: prepare(format!(
                "INSERT INTO executions({EXECUTION_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (arn)
                 DO UPDATE SET state_machine = EXCLUDED.state_machine,
                     status = EXCLUDED.status, start_ms = EXCLUDED.start_ms,
                     body = EXCLUDED.body, node = EXCLUDED.node"
            ))
            .await?,
            delete_execution: prepare("DELETE FROM executions WHERE arn = $1".into()).await?,
            delete_events: prepare("DELETE FROM events WHERE execution = $1".into()).await?,
            bump_generation: prepare(
                "UPDATE generation SET value = value + 1
                 WHERE id = 0 AND ($1::BIGINT IS NULL OR value = $1)"
                    .into(),
            )
            .await?,
            append_events: prepare(
                "INSERT INTO events(execution, first_seq, data) VALUES ($1, $2, $3)".into(),
            )
            .await?,
            holds: prepare(HOLDS.into()).await?,
        };
        Ok(Committer { client, sql })
    }

    /// Apply `writes` in one transaction, in order.
    async fn commit(&mut self, writes: &[Write]) -> Result<()> {
        let sql = &self.sql;
        let tx = self.client.transaction().await.map_err(backend)?;
        for w in writes {
            if let Write::Fence(lease) = w {
                let held = tx
                    .query_opt(&sql.holds, &[&lease.node, &lease.incarnation])
                    .await
                    .map_err(backend)?;
                if held.is_none() {
                    return Err(StoreError::Fenced(lease.node.clone()));
                }
            }
        }
        let mut seqs = Vec::new();
        for w in writes {
            if let Write::AppendEvents { first_seq, .. } = w {
                seqs.push(i64::try_from(*first_seq).map_err(|_| {
                    StoreError::Backend(format!("event {first_seq} is out of range"))
                })?);
            }
        }
        let mut seqs = seqs.iter();
        // (statement, parameters, what it means when no row changed)
        type Call<'a> = (&'a Statement, Vec<&'a (dyn ToSql + Sync)>, Unchanged<'a>);
        let mut calls: Vec<Call<'_>> = Vec::with_capacity(writes.len());
        for w in writes {
            match w {
                Write::Fence(_) => {}
                Write::PutResource { kind, key, body } => {
                    calls.push((&sql.put_resource, vec![kind, key, body], Unchanged::Fine));
                }
                Write::DeleteResource { kind, key } => {
                    calls.push((&sql.delete_resource, vec![kind, key], Unchanged::Fine));
                }
                Write::PutExecution(row) | Write::InsertExecution(row) => {
                    let statement = match w {
                        Write::PutExecution(_) => &sql.put_execution,
                        _ => &sql.insert_execution,
                    };
                    let params: Vec<&(dyn ToSql + Sync)> = vec![
                        &row.arn,
                        &row.state_machine,
                        &row.status,
                        &row.start_ms,
                        &row.body,
                        &row.node,
                    ];
                    calls.push((statement, params, Unchanged::Exists(&row.arn)));
                }
                Write::DeleteExecution(arn) => {
                    calls.push((&sql.delete_execution, vec![arn], Unchanged::Fine));
                    calls.push((&sql.delete_events, vec![arn], Unchanged::Fine));
                }
                Write::BumpGeneration { expect } => {
                    calls.push((&sql.bump_generation, vec![expect], Unchanged::Stale));
                }
                Write::AppendEvents {
                    execution, data, ..
                } => {
                    let seq = seqs
                        .next()
                        .ok_or_else(|| StoreError::Backend("event numbering".into()))?;
                    calls.push((
                        &sql.append_events,
                        vec![execution, seq, data],
                        Unchanged::Fine,
                    ));
                }
            }
        }
        let pipelined = &tx;
        let answers = try_join_all(calls.iter().map(|(statement, params, _)| async move {
            pipelined.execute(*statement, params).await
        }))
        .await
        .map_err(backend)?;
        for ((_, _, unchanged), changed) in calls.iter().zip(answers) {
            match (unchanged, changed) {
                (Unchanged::Exists(arn), 0) => return Err(StoreError::Conflict((*arn).clone())),
                (Unchanged::Stale, 0) => return Err(StoreError::Stale),
                _ => {}
            }
        }
        tx.commit().await.map_err(backend)
    }
}

/// What a write that changed no row means.
enum Unchanged<'a> {
    Fine,
    /// The new execution exists already.
    Exists(&'a String),
    /// The generation moved on.
    Stale,
}

/// The read connections: those free, and how many exist.
#[derive(Default)]
struct Readers {
    free: Vec<Client>,
    open: usize,
}

fn backend(e: postgres::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Backend("a store connection was poisoned by a panic".into())
}

/// Run `f`, leaving a tokio worker thread first if called on one.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

fn row_to_execution(r: &Row) -> Result<ExecutionRow> {
    Ok(ExecutionRow {
        arn: r.try_get(0).map_err(backend)?,
        state_machine: r.try_get(1).map_err(backend)?,
        status: r.try_get(2).map_err(backend)?,
        start_ms: r.try_get(3).map_err(backend)?,
        body: r.try_get(4).map_err(backend)?,
        node: r.try_get(5).map_err(backend)?,
    })
}

/// Whether a lease is current; its row stays share-locked until the
/// transaction ends, so a take-over (which deletes it) waits.
const HOLDS: &str = "SELECT 1 FROM nodes WHERE node = $1 AND incarnation = $2 FOR SHARE";

fn holds(tx: &mut postgres::Transaction<'_>, lease: &Lease) -> Result<bool> {
    Ok(tx
        .query_opt(HOLDS, &[&lease.node, &lease.incarnation])
        .map_err(backend)?
        .is_some())
}

impl PostgresStore {
    /// Connect to the server at `url` and create the tables if needed.
    pub fn open(url: &str) -> Result<PostgresStore> {
        blocking(|| {
            let mut writer = Client::connect(url, NoTls).map_err(backend)?;
            writer.batch_execute(SCHEMA).map_err(backend)?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            let committer = runtime.block_on(Committer::connect(url))?;
            Ok(PostgresStore {
                url: url.to_string(),
                committer: Mutex::new(Some(committer)),
                runtime,
                writer: Mutex::new(Some(writer)),
                readers: Mutex::new(Readers::default()),
                returned: Condvar::new(),
            })
        })
    }

    /// Run `f` on a pooled read connection: a free one, a new one while
    /// fewer than [`POOL`] are open, else the next one given back.
    fn read<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        blocking(|| {
            let pooled = {
                let mut readers = self.readers.lock().map_err(poisoned)?;
                loop {
                    if let Some(c) = readers.free.pop() {
                        break Some(c);
                    }
                    if readers.open < POOL {
                        readers.open += 1;
                        break None;
                    }
                    readers = self.returned.wait(readers).map_err(poisoned)?;
                }
            };
            let client = match pooled {
                Some(c) if !c.is_closed() => Ok(c),
                _ => Client::connect(&self.url, NoTls).map_err(backend),
            };
            let (out, kept) = match client {
                Ok(mut c) => {
                    let out = f(&mut c);
                    (out, Some(c).filter(|c| !c.is_closed()))
                }
                Err(e) => (Err(e), None),
            };
            let mut readers = self.readers.lock().map_err(poisoned)?;
            match kept {
                Some(c) => readers.free.push(c),
                // Its place is free for a new connection.
                None => readers.open -= 1,
            }
            self.returned.notify_one();
            out
        })
    }

    /// Run `f` on the writer connection.
    fn write<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        blocking(|| {
            let mut writer = self.writer.lock().map_err(poisoned)?;
            // A connection the server closed (restarted, timed out) is
            // replaced.
            if writer.as_ref().is_none_or(Client::is_closed) {
                *writer = Some(Client::connect(&self.url, NoTls).map_err(backend)?);
            }
            let client = writer
                .as_mut()
                .ok_or_else(|| StoreError::Backend("no writer connection".into()))?;
            f(client)
        })
    }

    /// Commit `writes` on the committer connection.
    fn commit_pipelined(&self, writes: &[Write]) -> Result<()> {
        blocking(|| {
            let mut committer = self.committer.lock().map_err(poisoned)?;
            self.runtime.block_on(async {
                // A connection the server closed (restarted, timed out) is
                // replaced; the commit it failed was never acknowledged.
                if committer.as_ref().is_none_or(|c| c.client.is_closed()) {
                    *committer = Some(Committer::connect(&self.url).await?);
                }
                let c = committer
                    .as_mut()
                    .ok_or_else(|| StoreError::Backend("no commit connection".into()))?;
                c.commit(writes).await
            })
        })
    }
}

impl Store for PostgresStore {
    fn commit(&self, writes: &[Write]) -> Result<()> {
        self.commit_pipelined(writes)
    }

    fn resources(&self, kind: &str) -> Result<Vec<(String, String)>> {
        self.read(|c| {
            c.query(
                "SELECT key, body FROM resources WHERE kind = $1 ORDER BY key",
                &[&kind],
            )
            .map_err(backend)?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get(0).map_err(backend)?,
                    r.try_get(1).map_err(backend)?,
                ))
            })
            .collect()
        })
    }

    fn resource(&self, kind: &str, key: &str) -> Result<Option<String>> {
        self.read(|c| {
            c.query_opt(
                "SELECT body FROM resources WHERE kind = $1 AND key = $2",
                &[&kind, &key],
            )
            .map_err(backend)?
            .map(|r| r.try_get(0).map_err(backend))
            .transpose()
        })
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRow>> {
        self.read(|c| {
            c.query_opt(
                &format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE arn = $1"),
                &[&arn],
            )
            .map_err(backend)?
            .map(|r| row_to_execution(&r))
            .transpose()
        })
    }

    fn executions(&self, q: &ExecutionQuery) -> Result<Vec<ExecutionRow>> {
        let mut sql = format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE TRUE");
        let mut args: Vec<Box<dyn postgres::types::ToSql + Sync>> = Vec::new();
        if let Some(sm) = &q.state_machine {
            args.push(Box::new(sm.clone()));
            sql.push_str(&format!(" AND state_machine = ${}", args.len()));
        }
        if let Some(st) = &q.status {
            args.push(Box::new(st.clone()));
            sql.push_str(&format!(" AND status = ${}", args.len()));
        }
        if let Some((ms, arn)) = &q.after {
            args.push(Box::new(*ms));
            args.push(Box::new(arn.clone()));
            sql.push_str(&format!(
                " AND (start_ms < ${a} OR (start_ms = ${a} AND arn < ${b}))",
                a = args.len() - 1,
                b = args.len()
            ));
        }
        args.push(Box::new(i64::try_from(q.limit).unwrap_or(i64::MAX)));
        sql.push_str(&format!(
            " ORDER BY start_ms DESC, arn DESC LIMIT ${}",
            args.len()
        ));
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            args.iter().map(|a| a.as_ref()).collect();
        self.read(|c| {
            c.query(&sql, &params)
                .map_err(backend)?
                .iter()
                .map(row_to_execution)
                .collect()
        })
    }

    fn running(&self, node: &str) -> Result<Vec<ExecutionRow>> {
        self.read(|c| {
            c.query(
                &format!(
                    "SELECT {EXECUTION_COLUMNS} FROM executions WHERE status = 'RUNNING' AND node = $1 ORDER BY start_ms, arn"
                ),
                &[&node],
            )
            .map_err(backend)?
            .iter()
            .map(row_to_execution)
            .collect()
        })
    }

    fn events(&self, arn: &str) -> Result<Vec<Event>> {
        let chunks: Vec<Vec<u8>> = self.read(|c| {
            c.query(
                "SELECT data FROM events WHERE execution = $1 ORDER BY first_seq",
                &[&arn],
            )
            .map_err(backend)?
            .iter()
            .map(|r| r.try_get(0).map_err(backend))
            .collect()
        })?;
        decode_chunks(arn, chunks)
    }

    fn join(&self, lease: &Lease, url: &str, expires_ms: i64) -> Result<()> {
        self.write(|c| {
            c.execute(
                "INSERT INTO nodes(node, incarnation, url, expires_ms) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (node) DO UPDATE SET incarnation = EXCLUDED.incarnation,
                     url = EXCLUDED.url, expires_ms = EXCLUDED.expires_ms",
                &[&lease.node, &lease.incarnation, &url, &expires_ms],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn renew(&self, lease: &Lease, expires_ms: i64) -> Result<bool> {
        self.write(|c| {
            let n = c
                .execute(
                    "UPDATE nodes SET expires_ms = $3 WHERE node = $1 AND incarnation = $2",
                    &[&lease.node, &lease.incarnation, &expires_ms],
                )
                .map_err(backend)?;
            Ok(n > 0)
        })
    }

    fn leave(&self, lease: &Lease) -> Result<()> {
        self.write(|c| {
            c.execute(
                "DELETE FROM nodes WHERE node = $1 AND incarnation = $2",
                &[&lease.node, &lease.incarnation],
            )
            .map_err(backend)?;
            Ok(())
        })
    }

    fn nodes(&self) -> Result<Vec<NodeRow>> {
        self.read(|c| {
            c.query(
                "SELECT node, incarnation, url, expires_ms FROM nodes ORDER BY node",
                &[],
            )
            .map_err(backend)?
            .iter()
            .map(|r| {
                Ok(NodeRow {
                    node: r.try_get(0).map_err(backend)?,
                    incarnation: r.try_get(1).map_err(backend)?,
                    url: r.try_get(2).map_err(backend)?,
                    expires_ms: r.try_get(3).map_err(backend)?,
                })
            })
            .collect()
        })
    }

    fn take_over(&self, lease: &Lease, now_ms: i64) -> Result<Vec<ExecutionRow>> {
        self.write(|c| {
            let mut tx = c.transaction().map_err(backend)?;
            if !holds(&mut tx, lease)? {
                return Err(StoreError::Fenced(lease.node.clone()));
            }
            // Waits for the share locks of commits under way (Fence); a
            // lease renewed meanwhile is seen again and kept.
            tx.execute(
                "DELETE FROM nodes WHERE expires_ms < $1 AND node <> $2",
                &[&now_ms, &lease.node],
            )
                .map_err(backend)?;
            let rows = tx
                .query(
                    &format!(
                        "UPDATE executions SET node = $1 WHERE {ORPHANS} RETURNING {EXECUTION_COLUMNS}"
                    ),
                    &[&lease.node],
                )
                .map_err(backend)?
                .iter()
                .map(row_to_execution)
                .collect::<Result<Vec<_>>>()?;
            tx.commit().map_err(backend)?;
            Ok(rows)
        })
    }

    fn generation(&self) -> Result<i64> {
        self.read(|c| {
            c.query_one("SELECT value FROM generation WHERE id = 0", &[])
                .map_err(backend)?
                .try_get(0)
                .map_err(backend)
        })
    }
}
