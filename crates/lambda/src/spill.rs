//! Spreading invocations over the nodes of a cluster.
//!
//! Each `stepwell serve` node runs the project's functions in processes of
//! its own, at most `concurrency` at a time per function. An execution (and
//! a Distributed Map's child executions) is driven by one node, so without
//! help all of its invocations would queue for that node's processes while
//! the other nodes' stand idle. When a function has no free process here,
//! its invocation goes, in turn, to this node's queue or to one of the
//! other nodes' Invoke APIs (`POST /2015-03-31/functions/NAME/invocations`,
//! marked [`crate::SPILLED_HEADER`] so that node runs it itself and never
//! passes it on). Taking this node's queue in the rotation keeps the backlog
//! even when every node is busy.
//!
//! A peer that cannot be reached, lacks the function (404) or throttles it
//! (429) leaves the invocation to this node. A peer that fails after the
//! request was sent answers `Lambda.SdkClientException`, as AWS does when
//! its connection to Lambda breaks (the retriers AWS recommends for Lambda
//! tasks take it); the invocation is not run twice behind the Task's back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use crate::forward::{Forwarded, Forwarder, InvokeKey};
use crate::{InvokeError, InvokeRequest, InvokeResponse};

/// The other nodes' Invoke APIs, as the cluster last reported them.
#[derive(Default)]
pub(crate) struct Peers {
    peers: RwLock<Arc<[Arc<Forwarder>]>>,
    turn: AtomicUsize,
}

impl Peers {
    /// Replaces the peers with the nodes at `urls` (unchanged ones are kept).
    pub(crate) fn set(&self, urls: &[String], region: &str, key: Option<&InvokeKey>) {
        let current = self.current();
        let same = current.len() == urls.len()
            && current
                .iter()
                .zip(urls)
                .all(|(f, url)| f.base() == url.trim_end_matches('/'));
        if same {
            return;
        }
        let peers: Vec<Arc<Forwarder>> = urls
            .iter()
            .filter_map(|url| match Forwarder::peer(url, region, key.cloned()) {
                Ok(f) => Some(Arc::new(f)),
                Err(e) => {
                    tracing::warn!(peer = %url, error = %e, "a peer's URL cannot take invocations");
                    None
                }
            })
            .collect();
        if let Ok(mut p) = self.peers.write() {
            *p = peers.into();
        }
    }

    fn current(&self) -> Arc<[Arc<Forwarder>]> {
        self.peers
            .read()
            .map(|p| Arc::clone(&p))
            .unwrap_or_else(|_| Arc::new([]))
    }

    /// Where a waiting invocation goes: `None` is this node's queue.
    fn next(&self) -> Option<Arc<Forwarder>> {
        pick(&self.current(), self.turn.fetch_add(1, Ordering::Relaxed))
    }

    /// Runs an invocation that would wait here on the next node in the
    /// rotation: its answer, or `None` to run it here after all.
    pub(crate) async fn run(
        &self,
        function: &str,
        request: &InvokeRequest,
    ) -> Option<Result<InvokeResponse, InvokeError>> {
        let peer = self.next()?;
        match peer.try_invoke(function, request).await {
            Forwarded::Answered(Err(e)) if e.status == 404 || e.status == 429 => {
                tracing::debug!(function, peer = %peer.base(), error = %e, "the peer did not take the invocation");
                None
            }
            Forwarded::Answered(answer) => Some(answer),
            Forwarded::Unreachable(e) => {
                tracing::debug!(function, peer = %peer.base(), error = %e, "the peer cannot be reached");
                None
            }
        }
    }
}

/// The `turn`-th place in the rotation of this node (last) and `peers`.
fn pick<T: Clone>(peers: &[T], turn: usize) -> Option<T> {
    peers.get(turn % (peers.len() + 1)).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rotation_takes_every_peer_and_this_node_in_turn() {
        let picks: Vec<Option<char>> = (0..6).map(|t| pick(&['a', 'b'], t)).collect();
        assert_eq!(
            picks,
            [Some('a'), Some('b'), None, Some('a'), Some('b'), None]
        );
        assert_eq!(pick::<char>(&[], 7), None);
    }

    #[test]
    fn peers_are_replaced_only_when_they_change() {
        let peers = Peers::default();
        assert!(peers.next().is_none(), "no peers: always here");
        let urls = vec!["http://127.0.0.1:1/".to_string(), "not a url".to_string()];
        peers.set(&urls, "us-east-1", None);
        let first = peers.current();
        assert_eq!(first.len(), 1, "the bad URL is left out");
        assert_eq!(first[0].base(), "http://127.0.0.1:1");
        peers.set(&["http://127.0.0.1:1".to_string()], "us-east-1", None);
        assert!(Arc::ptr_eq(&first[0], &peers.current()[0]));
        peers.set(&[], "us-east-1", None);
        assert!(peers.current().is_empty());
    }
}
