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
        let lens: Vec<usize> = batch.iter().map(|(w, _)| w.len()).collect();
        // The fence (if any) goes first, once per transaction.
        let mut writes: Vec<Write> = fence
            .iter()
            .cloned()
            .chain(batch.iter_mut().flat_map(|(w, _)| w.drain(..)))
            .collect();
        match store.commit(&writes) {
            Ok(()) => {
                for (_, done) in batch {
                    let _ = done.send(Ok(()));
                }
            }
            Err(e) if batch.len() > 1 && !matches!(e, StoreError::Fenced(_)) => {
                // One caller's bad write must not fail the others: commit
                // each request on its own.
                tracing::warn!(error = %e, "group commit failed; committing one by one");
                let first = usize::from(fence.is_some());
                for ((_, done), len) in batch.into_iter().zip(lens) {
                    let mine: Vec<Write> = fence
                        .iter()
                        .cloned()
                        .chain(writes.drain(first..first + len))
                        .collect();
                    let _ = done.send(store.commit(&mine));
                }
            }
            Err(e) => {
                for (_, done) in batch {
                    let _ = done.send(Err(e.clone()));
                }
            }
        }
    }
}
