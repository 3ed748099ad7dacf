//! The storage contract, checked on a real SQLite file and, when
//! `STEPWELL_TEST_POSTGRES` names one (scripts/test.sh starts one), on a real
//! PostgreSQL server.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use stepwell_core::{Event, EventKind};
use stepwell_store::{
    Durability, ExecutionQuery, ExecutionRow, GroupCommitter, PostgresStore, SqliteStore, Store,
    Write,
};

fn row(arn: &str, sm: &str, status: &str, start: i64) -> ExecutionRow {
    ExecutionRow {
        arn: arn.into(),
        state_machine: sm.into(),
        status: status.into(),
        start_ms: start,
        body: format!("{{\"arn\":\"{arn}\"}}"),
    }
}

fn event(seq: u64) -> Event {
    Event {
        seq,
        id: seq,
        previous_id: seq - 1,
        timestamp: 1_700_000_000_000 + seq as i64,
        frame: 0,
        kind: EventKind::ExecutionFailed {
            error: "E".into(),
            cause: format!("cause {seq}"),
        },
    }
}

/// What a store commits reads back through a second, fresh handle.
fn what_is_committed_reads_back_after_reopening(open: &dyn Fn() -> Arc<dyn Store>) {
    {
        let store = open();
        store
            .commit(&[
                Write::PutResource {
                    kind: "stateMachine",
                    key: "b".into(),
                    body: "{}".into(),
                },
                Write::PutResource {
                    kind: "stateMachine",
                    key: "a".into(),
                    body: "{\"x\":1}".into(),
                },
                Write::PutExecution(row("e1", "sm", "RUNNING", 10)),
                Write::PutExecution(row("e2", "sm", "SUCCEEDED", 20)),
                Write::PutExecution(row("e3", "other", "RUNNING", 30)),
                Write::append("e1", &[event(1), event(2)]).unwrap(),
                Write::append("e1", &[event(3)]).unwrap(),
            ])
            .unwrap();
        store
            .commit(&[Write::DeleteResource {
                kind: "stateMachine",
                key: "b".into(),
            }])
            .unwrap();
    }
    let store = open();
    assert_eq!(
        store.resources("stateMachine").unwrap(),
        vec![("a".to_string(), "{\"x\":1}".to_string())]
    );
    assert_eq!(
        store.execution("e2").unwrap(),
        Some(row("e2", "sm", "SUCCEEDED", 20))
    );
    assert_eq!(store.execution("nope").unwrap(), None);
    assert_eq!(
        store.resource("stateMachine", "a").unwrap().as_deref(),
        Some("{\"x\":1}")
    );
    assert_eq!(store.resource("stateMachine", "b").unwrap(), None);
    assert_eq!(store.resource("activity", "a").unwrap(), None);
    let running: Vec<String> = store
        .running()
        .unwrap()
        .into_iter()
        .map(|r| r.arn)
        .collect();
    assert_eq!(running, vec!["e1", "e3"]);
    assert_eq!(
        store.events("e1").unwrap(),
        vec![event(1), event(2), event(3)]
    );

    // Newest first, paged with a cursor, filtered.
    let page = |q: ExecutionQuery| -> Vec<String> {
        store
            .executions(&q)
            .unwrap()
            .into_iter()
            .map(|r| r.arn)
            .collect()
    };
    let all = ExecutionQuery {
        limit: 2,
        ..Default::default()
    };
    assert_eq!(page(all.clone()), vec!["e3", "e2"]);
    assert_eq!(
        page(ExecutionQuery {
            after: Some((20, "e2".into())),
            ..all.clone()
        }),
        vec!["e1"]
    );
    assert_eq!(
        page(ExecutionQuery {
            state_machine: Some("sm".into()),
            status: Some("RUNNING".into()),
            ..all
        }),
        vec!["e1"]
    );
}

/// In a group commit, a duplicate chunk fails its own request only.
fn a_duplicate_chunk_fails_only_its_own_request(store: Arc<dyn Store>) {
    let group = GroupCommitter::start(store.clone()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let append = |seq: u64| Write::append("e", &[event(seq)]).unwrap();
        group.commit(vec![append(1)]).await.unwrap();
        let (dup, fresh) =
            tokio::join!(group.commit(vec![append(1)]), group.commit(vec![append(2)]));
        assert!(dup.is_err());
        fresh.unwrap();
    });
    assert_eq!(store.events("e").unwrap(), vec![event(1), event(2)]);
}

#[test]
fn the_contract_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    // The second handle asks for full durability: either reads the same.
    let opened = std::cell::Cell::new(false);
    let open = || -> Arc<dyn Store> {
        let durability = if opened.replace(true) {
            Durability::Full
        } else {
            Durability::Normal
        };
        Arc::new(SqliteStore::open(&path, durability).unwrap())
    };
    what_is_committed_reads_back_after_reopening(&open);
    let other = tempfile::tempdir().unwrap();
    a_duplicate_chunk_fails_only_its_own_request(Arc::new(
        SqliteStore::open(other.path().join("db"), Durability::Normal).unwrap(),
    ));
}

/// One test, so that its steps share the database one after the other.
#[test]
fn the_contract_on_postgresql() {
    let Ok(url) = std::env::var("STEPWELL_TEST_POSTGRES") else {
        eprintln!(
            "SKIPPED: the PostgreSQL store contract (set STEPWELL_TEST_POSTGRES=postgres://...; scripts/test.sh starts a server)"
        );
        return;
    };
    let reset = || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute("DROP TABLE IF EXISTS resources, executions, events")
            .unwrap();
    };
    let open = || -> Arc<dyn Store> { Arc::new(PostgresStore::open(&url).unwrap()) };
    reset();
    what_is_committed_reads_back_after_reopening(&open);
    reset();
    a_duplicate_chunk_fails_only_its_own_request(open());
    reset();
}
