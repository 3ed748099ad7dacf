//! The storage contract, checked on a real SQLite file and, when
//! `STEPWELL_TEST_POSTGRES` names one (scripts/test.sh starts one), on a real
//! PostgreSQL server.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use stepwell_core::{Event, EventKind};
use stepwell_store::{
    Durability, ExecutionQuery, ExecutionRow, GroupCommitter, Lease, PostgresStore, SqliteStore,
    Store, StoreError, Write,
};

fn row(arn: &str, sm: &str, status: &str, start: i64) -> ExecutionRow {
    ExecutionRow {
        arn: arn.into(),
        state_machine: sm.into(),
        status: status.into(),
        start_ms: start,
        body: format!("{{\"arn\":\"{arn}\"}}"),
        node: String::new(),
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
        .running("")
        .unwrap()
        .into_iter()
        .map(|r| r.arn)
        .collect();
    assert_eq!(running, vec!["e1", "e3"]);
    assert_eq!(
        store.events("e1").unwrap(),
        vec![event(1), event(2), event(3)]
    );

    // A deleted execution is gone with its history; deleting one that
    // does not exist is no error.
    store
        .commit(&[
            Write::DeleteExecution("e1".into()),
            Write::DeleteExecution("nope".into()),
        ])
        .unwrap();
    assert_eq!(store.execution("e1").unwrap(), None);
    assert_eq!(store.events("e1").unwrap(), vec![]);
    assert_eq!(arns(store.running("").unwrap()), vec!["e3"]);
    store
        .commit(&[
            Write::PutExecution(row("e1", "sm", "RUNNING", 10)),
            Write::append("e1", &[event(1), event(2), event(3)]).unwrap(),
        ])
        .unwrap();

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

/// Run `steps` with a group committer over `store`, to the end.
fn with_group<F: std::future::Future<Output = ()>>(
    store: &Arc<dyn Store>,
    steps: impl FnOnce(GroupCommitter) -> F,
) {
    let group = GroupCommitter::start(store.clone()).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(steps(group));
}

/// In a group commit, a duplicate chunk fails its own request only.
fn a_duplicate_chunk_fails_only_its_own_request(store: Arc<dyn Store>) {
    with_group(&store, |group| async move {
        let append = |seq: u64| Write::append("e", &[event(seq)]).unwrap();
        group.commit(vec![append(1)]).await.unwrap();
        let (dup, fresh) =
            tokio::join!(group.commit(vec![append(1)]), group.commit(vec![append(2)]));
        assert!(dup.is_err());
        fresh.unwrap();
    });
    assert_eq!(store.events("e").unwrap(), vec![event(1), event(2)]);
}

/// In a group commit, a start of a name taken fails its own request only;
/// the others are committed.
fn a_taken_name_fails_only_its_own_start(store: Arc<dyn Store>) {
    with_group(&store, |group| async move {
        let start = |arn: &str| vec![Write::InsertExecution(row(arn, "sm", "RUNNING", 1))];
        group.commit(start("taken")).await.unwrap();
        let (a, dup, b) = tokio::join!(
            group.commit(start("fresh-a")),
            group.commit(start("taken")),
            group.commit(start("fresh-b"))
        );
        assert!(
            matches!(dup, Err(StoreError::Conflict(ref arn)) if arn == "taken"),
            "{dup:?}"
        );
        a.unwrap();
        b.unwrap();
    });
    assert!(store.execution("fresh-a").unwrap().is_some());
    assert!(store.execution("fresh-b").unwrap().is_some());
}

fn lease(node: &str, incarnation: &str) -> Lease {
    Lease {
        node: node.into(),
        incarnation: incarnation.into(),
    }
}

fn arns(rows: Vec<ExecutionRow>) -> Vec<String> {
    rows.into_iter().map(|r| r.arn).collect()
}

/// Leases, fencing and take-over, as nodes sharing the store see them.
fn nodes_share_the_executions(store: Arc<dyn Store>) {
    let (a, b) = (lease("a", "1"), lease("b", "1"));
    store.join(&a, "http://a", 1_000).unwrap();
    store.join(&b, "http://b", 1_000).unwrap();
    let e1 = ExecutionRow {
        node: "a".into(),
        ..row("e1", "sm", "RUNNING", 1)
    };
    store
        .commit(&[Write::Fence(a.clone()), Write::InsertExecution(e1.clone())])
        .unwrap();
    let again = store.commit(&[Write::InsertExecution(e1)]);
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    // A row from before nodes were recorded belongs to no node.
    store
        .commit(&[Write::PutExecution(row("e2", "sm", "RUNNING", 2))])
        .unwrap();
    let taken = store.take_over(&b, 500).unwrap();
    assert!(taken.iter().all(|r| r.node == "b"));
    assert_eq!(arns(taken), vec!["e2"]);
    assert_eq!(arns(store.running("a").unwrap()), vec!["e1"]);
    assert_eq!(arns(store.running("b").unwrap()), vec!["e2"]);

    // A renewed lease is kept; one that ran out is taken over, and its
    // node's commits fail from then on.
    assert!(store.renew(&a, 2_000).unwrap());
    assert!(store.take_over(&b, 1_500).unwrap().is_empty());
    assert!(store.renew(&b, 10_000).unwrap());
    assert_eq!(arns(store.take_over(&b, 2_500).unwrap()), vec!["e1"]);
    assert!(!store.renew(&a, 3_000).unwrap());
    let late = store.commit(&[
        Write::Fence(a.clone()),
        Write::append("e1", &[event(1)]).unwrap(),
    ]);
    assert!(matches!(late, Err(StoreError::Fenced(_))), "{late:?}");
    assert!(store.events("e1").unwrap().is_empty());
    let fenced_take = store.take_over(&a, 3_000);
    assert!(matches!(fenced_take, Err(StoreError::Fenced(_))));

    // A restarted node fences its earlier incarnation and keeps its executions.
    let b2 = lease("b", "2");
    store.join(&b2, "http://b:2", 20_000).unwrap();
    let stale = store.commit(&[
        Write::Fence(b.clone()),
        Write::BumpGeneration { expect: None },
    ]);
    assert!(matches!(stale, Err(StoreError::Fenced(_))));
    let generation = store.generation().unwrap();
    store
        .commit(&[
            Write::Fence(b2.clone()),
            Write::BumpGeneration { expect: None },
        ])
        .unwrap();
    assert_eq!(store.generation().unwrap(), generation + 1);
    // A change expecting a generation that moved on fails whole.
    let put = |key: &str| Write::PutResource {
        kind: "stateMachine",
        key: key.into(),
        body: "{}".into(),
    };
    let behind = store.commit(&[
        put("late"),
        Write::BumpGeneration {
            expect: Some(generation),
        },
    ]);
    assert!(matches!(behind, Err(StoreError::Stale)), "{behind:?}");
    assert_eq!(store.resource("stateMachine", "late").unwrap(), None);
    store
        .commit(&[
            put("current"),
            Write::BumpGeneration {
                expect: Some(generation + 1),
            },
        ])
        .unwrap();
    assert_eq!(store.generation().unwrap(), generation + 2);
    assert!(store.resource("stateMachine", "current").unwrap().is_some());
    let nodes = store.nodes().unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(
        (nodes[0].url.as_str(), nodes[0].expires_ms),
        ("http://b:2", 20_000)
    );
    assert_eq!(arns(store.running("b").unwrap()), vec!["e1", "e2"]);

    // A node that leaves hands its executions over at once.
    let a2 = lease("a", "2");
    store.join(&a2, "http://a", 30_000).unwrap();
    store.leave(&b2).unwrap();
    assert_eq!(arns(store.take_over(&a2, 3_000).unwrap()), vec!["e1", "e2"]);
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
    a_taken_name_fails_only_its_own_start(Arc::new(
        SqliteStore::open(other.path().join("names"), Durability::Normal).unwrap(),
    ));
    nodes_share_the_executions(Arc::new(
        SqliteStore::open(other.path().join("nodes"), Durability::Normal).unwrap(),
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
        c.batch_execute("DROP TABLE IF EXISTS resources, executions, events, nodes, generation")
            .unwrap();
    };
    let open = || -> Arc<dyn Store> { Arc::new(PostgresStore::open(&url).unwrap()) };
    reset();
    what_is_committed_reads_back_after_reopening(&open);
    reset();
    a_duplicate_chunk_fails_only_its_own_request(open());
    reset();
    a_taken_name_fails_only_its_own_start(open());
    reset();
    nodes_share_the_executions(open());
    reset();
}
