//! [`Store`] on an embedded SQLite database file.
//!
//! One connection writes (behind a mutex; the [`crate::GroupCommitter`]
//! thread is normally its only user); reads take a connection from a small
//! pool, so they run beside the writer (WAL mode).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use stepwell_core::Event;

use crate::{
    decode_chunks, ExecutionQuery, ExecutionRow, Lease, NodeRow, Result, Store, StoreError, Write,
};

/// How hard a commit pushes data to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=NORMAL`: a commit survives the process being killed
    /// (`kill -9`); the last commits may be lost if the machine loses power.
    #[default]
    Normal,
    /// `synchronous=FULL`: a commit survives power loss too (one fsync per
    /// group commit).
    Full,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS resources(
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY(kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS executions(
    arn TEXT PRIMARY KEY,
    state_machine TEXT NOT NULL,
    status TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS executions_by_machine
    ON executions(state_machine, start_ms DESC, arn DESC);
CREATE INDEX IF NOT EXISTS executions_by_start ON executions(start_ms DESC, arn DESC);
CREATE INDEX IF NOT EXISTS executions_running ON executions(status) WHERE status = 'RUNNING';
CREATE TABLE IF NOT EXISTS events(
    execution TEXT NOT NULL,
    first_seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY(execution, first_seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nodes(
    node TEXT PRIMARY KEY,
    incarnation TEXT NOT NULL,
    url TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS generation(
    id INTEGER PRIMARY KEY CHECK (id = 0),
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO generation(id, value) VALUES (0, 0);
";

/// Stores created before nodes were recorded lack `executions.node`.
fn add_node_column(conn: &Connection) -> rusqlite::Result<()> {
    let has: bool = conn.query_row(
        "SELECT count(*) > 0 FROM pragma_table_info('executions') WHERE name = 'node'",
        [],
        |r| r.get(0),
    )?;
    if !has {
        conn.execute_batch("ALTER TABLE executions ADD COLUMN node TEXT NOT NULL DEFAULT ''")?;
    }
    Ok(())
}

pub struct SqliteStore {
    path: PathBuf,
    durability: Durability,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Backend("a store connection was poisoned by a panic".into())
}

impl SqliteStore {
    /// Open (and create if needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>, durability: Durability) -> Result<SqliteStore> {
        let path = path.as_ref().to_path_buf();
        let writer = Self::connect(&path, durability)?;
        writer.execute_batch(SCHEMA).map_err(backend)?;
        add_node_column(&writer).map_err(backend)?;
        Ok(SqliteStore {
            path,
            durability,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn connect(path: &Path, durability: Durability) -> Result<Connection> {
        let conn = Connection::open(path).map_err(backend)?;
        let sync = match durability {
            Durability::Normal => "NORMAL",
            Durability::Full => "FULL",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA busy_timeout=5000;"
        ))
        .map_err(backend)?;
        Ok(conn)
    }

    /// Run `f` on a pooled read connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.readers.lock().map_err(poisoned)?.pop();
        let conn = match conn {
            Some(c) => c,
            None => Self::connect(&self.path, self.durability)?,
        };
        let out = f(&conn).map_err(backend);
        let mut pool = self.readers.lock().map_err(poisoned)?;
        if pool.len() < 4 {
            pool.push(conn);
        }
        out
    }
}

fn row_to_execution(r: &rusqlite::Row<'_>) -> rusqlite::Result<ExecutionRow> {
    Ok(ExecutionRow {
        arn: r.get(0)?,
        state_machine: r.get(1)?,
        status: r.get(2)?,
        start_ms: r.get(3)?,
        body: r.get(4)?,
        node: r.get(5)?,
    })
}

const EXECUTION_COLUMNS: &str = "arn, state_machine, status, start_ms, body, node";

/// Whether `lease` is current (inside a write transaction).
fn holds(tx: &rusqlite::Transaction<'_>, lease: &Lease) -> rusqlite::Result<bool> {
    tx.prepare_cached("SELECT count(*) > 0 FROM nodes WHERE node = ?1 AND incarnation = ?2")?
        .query_row(params![lease.node, lease.incarnation], |r| r.get(0))
}

impl SqliteStore {
    /// Run `f` in an immediate write transaction (several processes may
    /// share the file: the write lock is taken up front).
    fn write<T>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.writer.lock().map_err(poisoned)?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(backend)?;
        let out = f(&tx)?;
        tx.commit().map_err(backend)?;
        Ok(out)
    }
}

impl Store for SqliteStore {
    fn commit(&self, writes: &[Write]) -> Result<()> {
        self.write(|tx| {
        for w in writes {
            if let Write::Fence(lease) = w {
                if !holds(tx, lease).map_err(backend)? {
                    return Err(StoreError::Fenced(lease.node.clone()));
                }
            }
        }
        for w in writes {
            match w {
                Write::PutResource { kind, key, body } => {
                    tx.prepare_cached(
                        "INSERT OR REPLACE INTO resources(kind, key, body) VALUES (?1, ?2, ?3)",
                    )
                    .and_then(|mut s| s.execute(params![kind, key, body]))
                    .map_err(backend)?;
                }
                Write::DeleteResource { kind, key } => {
                    tx.prepare_cached("DELETE FROM resources WHERE kind = ?1 AND key = ?2")
                        .and_then(|mut s| s.execute(params![kind, key]))
                        .map_err(backend)?;
                }
                Write::PutExecution(row) | Write::InsertExecution(row) => {
                    let verb = match w {
                        Write::PutExecution(_) => "INSERT OR REPLACE",
                        _ => "INSERT OR IGNORE",
                    };
                    let changed = tx
                        .prepare_cached(&format!(
                            "{verb} INTO executions({EXECUTION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                        ))
                        .and_then(|mut s| {
                            s.execute(params![
                                row.arn,
                                row.state_machine,
                                row.status,
                                row.start_ms,
                                row.body,
                                row.node
                            ])
                        })
                        .map_err(backend)?;
                    if changed == 0 {
                        return Err(StoreError::Conflict(row.arn.clone()));
                    }
                }
                Write::DeleteExecution(arn) => {
                    for sql in [
                        "DELETE FROM executions WHERE arn = ?1",
                        "DELETE FROM events WHERE execution = ?1",
                    ] {
                        tx.prepare_cached(sql)
                            .and_then(|mut s| s.execute(params![arn]))
                            .map_err(backend)?;
                    }
                }
                Write::Fence(_) => {}
                Write::BumpGeneration { expect } => {
                    let changed = tx
                        .prepare_cached(
                            "UPDATE generation SET value = value + 1
                             WHERE id = 0 AND (?1 IS NULL OR value = ?1)",
                        )
                        .and_then(|mut s| s.execute(params![expect]))
                        .map_err(backend)?;
                    if changed == 0 {
                        return Err(StoreError::Stale);
                    }
                }
                Write::AppendEvents {
                    execution,
                    first_seq,
                    data,
                } => {
                    tx.prepare_cached(
                        "INSERT INTO events(execution, first_seq, data) VALUES (?1, ?2, ?3)",
                    )
                    .and_then(|mut s| s.execute(params![execution, *first_seq as i64, data]))
                    .map_err(backend)?;
                }
            }
        }
        Ok(())
        })
    }

    fn resources(&self, kind: &str) -> Result<Vec<(String, String)>> {
        self.read(|c| {
            let mut s =
                c.prepare_cached("SELECT key, body FROM resources WHERE kind = ?1 ORDER BY key")?;
            let rows = s.query_map(params![kind], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
    }

    fn resource(&self, kind: &str, key: &str) -> Result<Option<String>> {
        self.read(|c| {
            c.prepare_cached("SELECT body FROM resources WHERE kind = ?1 AND key = ?2")?
                .query_row(params![kind, key], |r| r.get(0))
                .optional()
        })
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRow>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {EXECUTION_COLUMNS} FROM executions WHERE arn = ?1"
            ))?
            .query_row(params![arn], row_to_execution)
            .optional()
        })
    }

    fn executions(&self, q: &ExecutionQuery) -> Result<Vec<ExecutionRow>> {
        let mut sql = format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE 1=1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(sm) = &q.state_machine {
            args.push(sm.clone().into());
            sql.push_str(&format!(" AND state_machine = ?{}", args.len()));
        }
        if let Some(st) = &q.status {
            args.push(st.clone().into());
            sql.push_str(&format!(" AND status = ?{}", args.len()));
        }
        if let Some((ms, arn)) = &q.after {
            args.push((*ms).into());
            args.push(arn.clone().into());
            sql.push_str(&format!(
                " AND (start_ms < ?{a} OR (start_ms = ?{a} AND arn < ?{b}))",
                a = args.len() - 1,
                b = args.len()
            ));
        }
        args.push((q.limit as i64).into());
        sql.push_str(&format!(
            " ORDER BY start_ms DESC, arn DESC LIMIT ?{}",
            args.len()
        ));
        self.read(|c| {
            let mut s = c.prepare_cached(&sql)?;
            let rows = s.query_map(rusqlite::params_from_iter(args), row_to_execution)?;
            rows.collect()
        })
    }

    fn running(&self, node: &str) -> Result<Vec<ExecutionRow>> {
        self.read(|c| {
            let mut s = c.prepare_cached(&format!(
                "SELECT {EXECUTION_COLUMNS} FROM executions WHERE status = 'RUNNING' AND node = ?1 ORDER BY start_ms, arn"
            ))?;
            let rows = s.query_map(params![node], row_to_execution)?;
            rows.collect()
        })
    }

    fn events(&self, arn: &str) -> Result<Vec<Event>> {
        let chunks: Vec<Vec<u8>> = self.read(|c| {
            let mut s = c.prepare_cached(
                "SELECT data FROM events WHERE execution = ?1 ORDER BY first_seq",
            )?;
            let rows = s.query_map(params![arn], |r| r.get(0))?;
            rows.collect()
        })?;
        decode_chunks(arn, chunks)
    }

    fn join(&self, lease: &Lease, url: &str, expires_ms: i64) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO nodes(node, incarnation, url, expires_ms) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![lease.node, lease.incarnation, url, expires_ms]))
            .map_err(backend)?;
            Ok(())
        })
    }

    fn renew(&self, lease: &Lease, expires_ms: i64) -> Result<bool> {
        self.write(|tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE nodes SET expires_ms = ?3 WHERE node = ?1 AND incarnation = ?2",
                )
                .and_then(|mut s| s.execute(params![lease.node, lease.incarnation, expires_ms]))
                .map_err(backend)?;
            Ok(n > 0)
        })
    }

    fn leave(&self, lease: &Lease) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM nodes WHERE node = ?1 AND incarnation = ?2")
                .and_then(|mut s| s.execute(params![lease.node, lease.incarnation]))
                .map_err(backend)?;
            Ok(())
        })
    }

    fn nodes(&self) -> Result<Vec<NodeRow>> {
        self.read(|c| {
            let mut s = c.prepare_cached(
                "SELECT node, incarnation, url, expires_ms FROM nodes ORDER BY node",
            )?;
            let rows = s.query_map([], |r| {
                Ok(NodeRow {
                    node: r.get(0)?,
                    incarnation: r.get(1)?,
                    url: r.get(2)?,
                    expires_ms: r.get(3)?,
                })
            })?;
            rows.collect()
        })
    }

    fn take_over(&self, lease: &Lease, now_ms: i64) -> Result<Vec<ExecutionRow>> {
        self.write(|tx| {
            if !holds(tx, lease).map_err(backend)? {
                return Err(StoreError::Fenced(lease.node.clone()));
            }
            tx.prepare_cached("DELETE FROM nodes WHERE expires_ms < ?1 AND node <> ?2")
                .and_then(|mut s| s.execute(params![now_ms, lease.node]))
                .map_err(backend)?;
            const ORPHANS: &str =
                "status = 'RUNNING' AND node NOT IN (SELECT node FROM nodes)";
            let rows: Vec<ExecutionRow> = tx
                .prepare_cached(&format!(
                    "SELECT {EXECUTION_COLUMNS} FROM executions WHERE {ORPHANS} ORDER BY start_ms, arn"
                ))
                .and_then(|mut s| s.query_map([], row_to_execution)?.collect())
                .map_err(backend)?;
            tx.prepare_cached(&format!(
                "UPDATE executions SET node = ?1 WHERE {ORPHANS}"
            ))
            .and_then(|mut s| s.execute(params![lease.node]))
            .map_err(backend)?;
            Ok(rows
                .into_iter()
                .map(|r| ExecutionRow {
                    node: lease.node.clone(),
                    ..r
                })
                .collect())
        })
    }

    fn generation(&self) -> Result<i64> {
        self.read(|c| {
            c.prepare_cached("SELECT value FROM generation WHERE id = 0")?
                .query_row([], |r| r.get(0))
        })
    }
}
