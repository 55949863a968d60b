//! The live feed: every event folded into memory, in order, to whoever
//! subscribes (the server's Server-Sent Events), with the recent past kept so
//! that a client that reconnects resumes where it stopped and misses nothing.

use crate::event::EventRecord;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Events kept for clients that reconnect.
pub const KEEP: usize = 65_536;
/// Events a slow subscriber may fall behind before it must resume from [`KEEP`].
const CHANNEL: usize = 4_096;

/// What a subscriber gets: the events after the one it asked for, then the live ones.
#[derive(Debug)]
pub struct Subscription {
    /// Events after the one asked for, already folded, in order.
    pub backlog: Vec<Arc<EventRecord>>,
    /// False when events after the one asked for are no longer kept: the
    /// client must reload the state instead.
    pub complete: bool,
    /// Events folded from now on.
    pub live: broadcast::Receiver<Arc<EventRecord>>,
}

/// Recent events and the channel of new ones.
#[derive(Debug)]
pub struct Feed {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    recent: VecDeque<Arc<EventRecord>>,
    /// The last event published (or the store's last at start).
    last: u64,
    sender: broadcast::Sender<Arc<EventRecord>>,
}

impl Feed {
    /// A feed whose history starts after event `last`.
    pub fn new(last: u64) -> Self {
        Self {
            inner: Mutex::new(Inner {
                recent: VecDeque::new(),
                last,
                sender: broadcast::channel(CHANNEL).0,
            }),
        }
    }

    /// Publishes an event just folded in (events come in `seq` order).
    pub fn publish(&self, record: Arc<EventRecord>) {
        let mut inner = self.inner.lock();
        if inner.recent.len() == KEEP {
            inner.recent.pop_front();
        }
        inner.last = record.seq;
        inner.recent.push_back(record.clone());
        // No subscriber is not an error.
        let _ = inner.sender.send(record);
    }

    /// Subscribes from the event after `after`. The backlog and the live
    /// channel meet without a gap or an overlap: both are taken under one lock.
    pub fn subscribe(&self, after: u64) -> Subscription {
        let inner = self.inner.lock();
        let first_kept = inner.recent.front().map_or(inner.last + 1, |r| r.seq);
        let complete = after + 1 >= first_kept || after >= inner.last;
        let backlog = inner.recent.iter().filter(|r| r.seq > after).cloned().collect();
        Subscription {
            backlog,
            complete,
            live: inner.sender.subscribe(),
        }
    }

    /// Events `first..=last`, if all of them are still kept.
    pub fn kept(&self, first: u64, last: u64) -> Option<Vec<Arc<EventRecord>>> {
        let inner = self.inner.lock();
        let front = inner.recent.front()?.seq;
        let start = usize::try_from(first.checked_sub(front)?).ok()?;
        let count = usize::try_from(last.checked_sub(first)? + 1).ok()?;
        let out: Vec<_> = inner.recent.iter().skip(start).take(count).cloned().collect();
        (out.len() == count && out.first().is_some_and(|r| r.seq == first)).then_some(out)
    }

    /// The last event published.
    pub fn last(&self) -> u64 {
        self.inner.lock().last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, EventRecord};

    fn record(seq: u64) -> Arc<EventRecord> {
        Arc::new(EventRecord {
            token: None,
            seq,
            at: chrono::Utc::now(),
            actor: "t".into(),
            event: Event::FeatureDeleted {
                collection: "shelters".into(),
                id: seq,
            },
        })
    }

    #[test]
    fn kept_gives_a_run_of_events_only_when_all_are_kept() {
        let feed = Feed::new(9);
        for seq in 10..=14 {
            feed.publish(record(seq));
        }
        let seqs = |v: Option<Vec<Arc<EventRecord>>>| v.map(|v| v.iter().map(|r| r.seq).collect::<Vec<_>>());
        assert_eq!(seqs(feed.kept(11, 13)), Some(vec![11, 12, 13]));
        assert_eq!(seqs(feed.kept(14, 14)), Some(vec![14]));
        assert_eq!(seqs(feed.kept(9, 10)), None, "9 is not kept");
        assert_eq!(seqs(feed.kept(14, 15)), None, "15 is not there");
    }
}
