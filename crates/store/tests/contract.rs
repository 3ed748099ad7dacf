//! The storage contract on a real SQLite file.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use stepwell_core::{Event, EventKind};
use stepwell_store::{
    Durability, ExecutionQuery, ExecutionRow, GroupCommitter, SqliteStore, Store, Write,
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

#[test]
fn what_is_committed_reads_back_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    {
        let store = SqliteStore::open(&path, Durability::Normal).unwrap();
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
    let store = SqliteStore::open(&path, Durability::Full).unwrap();
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

#[test]
fn a_duplicate_chunk_fails_only_its_own_request() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(dir.path().join("db"), Durability::Normal).unwrap());
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
