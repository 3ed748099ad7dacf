//! [`Store`] on an embedded SQLite database file.
//!
//! One connection writes (behind a mutex; the [`crate::GroupCommitter`]
//! thread is normally its only user); reads take a connection from a small
//! pool, so they run beside the writer (WAL mode).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use stepwell_core::Event;

use crate::{decode_chunks, ExecutionQuery, ExecutionRow, Result, Store, StoreError, Write};

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
";

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
    })
}

const EXECUTION_COLUMNS: &str = "arn, state_machine, status, start_ms, body";

impl Store for SqliteStore {
    fn commit(&self, writes: &[Write]) -> Result<()> {
        let mut conn = self.writer.lock().map_err(poisoned)?;
        let tx = conn.transaction().map_err(backend)?;
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
                Write::PutExecution(row) => {
                    tx.prepare_cached(
                        "INSERT OR REPLACE INTO executions(arn, state_machine, status, start_ms, body)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            row.arn,
                            row.state_machine,
                            row.status,
                            row.start_ms,
                            row.body
                        ])
                    })
                    .map_err(backend)?;
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
        tx.commit().map_err(backend)
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

    fn running(&self) -> Result<Vec<ExecutionRow>> {
        self.read(|c| {
            let mut s = c.prepare_cached(&format!(
                "SELECT {EXECUTION_COLUMNS} FROM executions WHERE status = 'RUNNING' ORDER BY start_ms, arn"
            ))?;
            let rows = s.query_map([], row_to_execution)?;
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
}
