//! Group commit: many callers hand in writes; one thread commits everything
//! that is waiting in a single transaction and then answers them all.

use std::sync::mpsc;
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::{Lease, Result, Store, StoreError, Write};

type Request = (Vec<Write>, oneshot::Sender<Result<()>>);

/// A handle to the commit thread; cheap to clone.
#[derive(Clone)]
pub struct GroupCommitter {
    tx: mpsc::Sender<Request>,
}

/// At most this many writes go into one transaction.
const MAX_BATCH: usize = 4096;

impl GroupCommitter {
    /// Start the commit thread over `store`.
    pub fn start(store: Arc<dyn Store>) -> std::io::Result<GroupCommitter> {
        Self::start_fenced(store, None)
    }

    /// Start the commit thread over `store`; with a lease, every
    /// transaction is fenced by it ([`Write::Fence`]).
    pub fn start_fenced(
        store: Arc<dyn Store>,
        lease: Option<Lease>,
    ) -> std::io::Result<GroupCommitter> {
        let (tx, rx) = mpsc::channel::<Request>();
        let fence = lease.map(Write::Fence);
        std::thread::Builder::new()
            .name("stepwell-commit".into())
            .spawn(move || commit_loop(&*store, &rx, fence))?;
        Ok(GroupCommitter { tx })
    }

    /// Commit `writes` atomically; resolves once they are durable.
    pub async fn commit(&self, writes: Vec<Write>) -> Result<()> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send((writes, done))
            .map_err(|_| StoreError::Closed)?;
        wait.await.map_err(|_| StoreError::Closed)?
    }
}

fn commit_loop(store: &dyn Store, rx: &mpsc::Receiver<Request>, fence: Option<Write>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        let mut size = batch[0].0.len();
        while size < MAX_BATCH {
            match rx.try_recv() {
                Ok(r) => {
                    size += r.0.len();
                    batch.push(r);
                }
                Err(_) => break,
            }
        }
        commit_batch(store, batch, fence.as_ref());
    }
}

/// Commit the requests of `batch` in one transaction and answer each. A
/// request whose new execution exists already (`Conflict`: a start of a
/// name taken, which callers expect now and then) is answered alone and the
/// others committed again together; any other failure of a group is
/// retried request by request, so one caller's bad write fails no other.
fn commit_batch(store: &dyn Store, batch: Vec<Request>, fence: Option<&Write>) {
    // All the writes in one list (the fence, if any, first, once per
    // transaction), moved, not copied; request i's are `writes[ranges[i]]`.
    let first = usize::from(fence.is_some());
    let mut writes: Vec<Write> = fence.into_iter().cloned().collect();
    let mut ranges = Vec::with_capacity(batch.len());
    let mut answers = Vec::with_capacity(batch.len());
    for (mine, done) in batch {
        ranges.push(writes.len()..writes.len() + mine.len());
        writes.extend(mine);
        answers.push(done);
    }
    loop {
        let err = match store.commit(&writes) {
            Ok(()) => {
                for done in answers {
                    let _ = done.send(Ok(()));
                }
                return;
            }
            Err(e) => e,
        };
        if answers.len() == 1 || matches!(err, StoreError::Fenced(_)) {
            for done in answers {
                let _ = done.send(Err(err.clone()));
            }
            return;
        }
        if let StoreError::Conflict(arn) = &err {
            let inserts = |w: &Write| matches!(w, Write::InsertExecution(row) if &row.arn == arn);
            if let Some(i) = ranges
                .iter()
                .position(|r| writes[r.clone()].iter().any(inserts))
            {
                let taken = ranges.remove(i);
                let n = taken.len();
                writes.drain(taken);
                for r in &mut ranges[i..] {
                    *r = r.start - n..r.end - n;
                }
                let _ = answers.remove(i).send(Err(err));
                continue;
            }
        }
        tracing::warn!(error = %err, "group commit failed; committing one by one");
        let mut rest = writes.split_off(first).into_iter();
        for (range, done) in ranges.into_iter().zip(answers) {
            let one: Vec<Write> = writes
                .iter()
                .cloned()
                .chain(rest.by_ref().take(range.len()))
                .collect();
            let _ = done.send(store.commit(&one));
        }
        return;
    }
}
