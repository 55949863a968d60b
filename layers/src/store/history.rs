//! The generated ledger history ([`crate::generate::history`]) stored once,
//! as a fresh store's first events: the embedded journal when it is opened
//! empty, PostGIS when `lookout import` loads the dataset into a database
//! without events. Each event is checked as an API command is (the same
//! `Operations::check`, in order, against the state the ones before leave);
//! an event that does not pass refuses the whole history.
//!
//! Once: the history is stored in units keyed `generated-history:i/n`;
//! a store that holds any other operations event (users, tokens and
//! feature edits do not count), or the last of those keys, takes nothing
//! more, so a restart (or a second replica) never stores it twice,
//! and a start-up cut short in the middle goes on where it stopped.

use super::postgis::{self, Postgis};
use super::{Backend, Store};
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::event::{EventRecord, Idempotency, Unit};
use crate::ops::Operations;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The idempotency key of the history's units, before `:i/n`.
pub const KEY: &str = "generated-history";

/// Events per unit in the embedded journal (a unit is one journal record).
const CHUNK: usize = 2_000;

fn key(i: usize, n: usize) -> Idempotency {
    Idempotency {
        key: format!("{KEY}:{i}/{n}"),
        request: KEY.to_owned(),
    }
}

fn refused(reason: String) -> Error {
    Error::BadData {
        path: PathBuf::from(crate::generate::history::FILE),
        reason,
    }
}

/// The history's events checked in order against `ops` and `catalog`, as
/// the API's commands are, numbered from `first_seq`; their times and
/// actor are kept. Refuses the history at the first event that does not
/// pass, or that would change a feature.
pub fn check(
    catalog: &Catalog,
    ops: &Operations,
    records: Vec<EventRecord>,
    first_seq: u64,
) -> Result<Vec<EventRecord>> {
    let mut scratch = ops.clone();
    let mut out = Vec::with_capacity(records.len());
    for (seq, r) in (first_seq..).zip(records) {
        if r.event.is_feature_change() || r.event.is_auth() {
            return Err(refused(format!(
                "event {}: {} is not a ledger event",
                r.seq,
                r.event.kind()
            )));
        }
        let kind = r.event.kind();
        let event = scratch
            .check(catalog, r.event)
            .map_err(|e| refused(format!("event {} ({kind}) does not pass the checks: {e}", r.seq)))?;
        let record = EventRecord {
            seq,
            at: r.at,
            actor: r.actor,
            token: None,
            event,
        };
        if !scratch.derived(&record).is_empty() {
            return Err(refused(format!("event {} ({kind}) would change a feature", r.seq)));
        }
        scratch.apply(Arc::new(record.clone()));
        out.push(record);
    }
    Ok(out)
}

impl Store {
    /// How many of the history's units of `n` are stored already, when
    /// the rest may be stored: the operations log holds those and nothing
    /// else (users, tokens and feature edits do not count: the history
    /// touches neither). `None`: it is complete, or the store is not fresh.
    fn history_from(&self, n: usize) -> Option<usize> {
        let keys = self.shared.keys.lock();
        let done = (0..n).take_while(|i| keys.contains_key(&key(*i, n).key)).count();
        let stored: usize = (0..done)
            .filter_map(|i| keys.get(&key(i, n).key))
            .map(|k| (k.last_seq + 1 - k.first_seq) as usize)
            .sum();
        (done < n && self.operations().log().len() == stored).then_some(done)
    }

    /// Whether [`Store::append_history`] may store anything: the store
    /// holds no event but users, tokens and feature edits (an admin made
    /// with `lookout user add` before the first start), or a history cut
    /// short.
    pub fn history_pending(&self) -> bool {
        if self.operations().log().is_empty() {
            return true;
        }
        let keys = self.shared.keys.lock();
        let parts = |k: &str| -> Option<(usize, usize)> {
            let (i, n) = k.strip_prefix(KEY)?.strip_prefix(':')?.split_once('/')?;
            Some((i.parse().ok()?, n.parse().ok()?))
        };
        let mut ours = keys.keys().filter_map(|k| parts(k)).peekable();
        ours.peek().is_some() && !ours.any(|(i, n)| i + 1 == n)
    }

    /// Stores the generated history (its events in time order) as this
    /// store's first events, once: nothing when the store holds other
    /// events or the whole history already; the rest of a history cut
    /// short. Answers how many events it stored. Embedded stores only:
    /// PostGIS takes it at `lookout import` ([`append_history_postgis`]).
    pub fn append_history(&self, records: Vec<EventRecord>) -> Result<usize> {
        let Backend::Journal(journal) = &self.backend else {
            return Err(Error::InvalidRequest(
                "PostGIS takes the generated history at `lookout import`".into(),
            ));
        };
        let n = records.len().div_ceil(CHUNK);
        let Some(done) = self.history_from(n) else {
            return Ok(0);
        };
        let rest: Vec<EventRecord> = records.into_iter().skip(done * CHUNK).collect();
        let checked = check(self.catalog(), &self.operations(), rest, self.last_seq() + 1)?;
        let mut stored = 0;
        for (i, chunk) in checked.chunks(CHUNK).enumerate() {
            let unit = Unit {
                events: chunk.to_vec(),
                idempotency: Some(key(done + i, n)),
            };
            let mut journal = journal.lock();
            if journal.next_seq() != chunk[0].seq {
                return Err(Error::Conflict(
                    "the journal moved on while the history was stored".into(),
                ));
            }
            journal.append_unit(&unit)?;
            drop(journal);
            self.shared.apply(unit)?;
            stored += chunk.len();
        }
        let due = self.snapshots.as_ref().is_some_and(|s| {
            let journal = journal.lock();
            s.policy
                .due(journal.next_seq() - 1 - journal.after(), journal.len_bytes())
                && !s.busy.load(Ordering::Acquire)
        });
        if stored > 0 && due {
            // Start-up next time reads a snapshot instead of replaying it all.
            self.snapshot_in_background();
        }
        Ok(stored)
    }
}

/// Stores the generated history in a PostGIS database that holds no event
/// yet but users and tokens (`lookout import`), in one transaction under
/// the writers' lock, as one unit: a database with any other event takes
/// nothing (a second import, or replicas running). Each event is checked against `catalog` (the dataset
/// just imported). Answers how many events it stored.
pub fn append_history_postgis(db: &Postgis, catalog: &Catalog, records: Vec<EventRecord>) -> Result<usize> {
    if records.is_empty() {
        return Ok(0);
    }
    db.block_on(async {
        let mut client = db.client().await?;
        let tx = client.transaction().await.map_err(postgis::unavailable)?;
        postgis::lock_writers(&tx).await?;
        // Users and tokens made before the import do not count.
        let stored = postgis::events_after(&*tx, 0).await?;
        let events = stored.iter().flat_map(|u| &u.events);
        if events
            .clone()
            .any(|r| !r.event.is_auth() && !r.event.is_feature_change())
        {
            return Ok(0);
        }
        let last = events.map(|r| r.seq).max().unwrap_or(0);
        let checked = check(catalog, &Operations::default(), records, last + 1)?;
        let key = key(0, 1);
        for chunk in checked.chunks(500) {
            // One round trip per chunk: the inserts are pipelined.
            futures_util::future::try_join_all(chunk.iter().map(|r| postgis::append_event(&tx, r, Some(&key)))).await?;
        }
        tx.commit().await.map_err(postgis::unavailable)?;
        Ok(checked.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::journal::DatasetIdentity;
    use chrono::{TimeZone, Utc};

    fn open(dir: &std::path::Path) -> Store {
        let data = crate::generate::tests::small_dataset().clone();
        let identity = DatasetIdentity::generated(1, 1, crate::generate::GENERATOR_VERSION);
        Store::embedded(data, identity, &dir.join("journal.lkj"))
            .expect("store")
            .0
    }

    fn history() -> Vec<EventRecord> {
        let until = Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
        crate::generate::history::history(crate::generate::tests::small_dataset(), 1, until)
    }

    #[test]
    fn a_fresh_store_stores_the_history_once_and_a_restart_never_again() {
        let dir = tempfile::tempdir().unwrap();
        let records = history();
        assert!(records.len() > 2 * CHUNK, "several units");
        let dangers = {
            let store = open(dir.path());
            assert!(store.history_pending());
            assert_eq!(store.append_history(records.clone()).unwrap(), records.len());
            assert!(!store.history_pending());
            assert_eq!(store.append_history(records.clone()).unwrap(), 0, "twice: nothing more");
            assert_eq!(store.last_seq(), records.len() as u64);
            // Stored with the generator's times and name, as generated.
            let ops = store.operations();
            let log = ops.log();
            assert_eq!(
                log.first().map(|r| (r.at, r.actor.as_str())),
                Some((records[0].at, crate::generate::history::ACTOR))
            );
            ops.ledger().len()
        };
        assert!(dangers > 1_000);
        let store = open(dir.path());
        assert_eq!(store.last_seq(), records.len() as u64, "replayed from the journal");
        assert!(!store.history_pending());
        assert_eq!(store.append_history(records).unwrap(), 0);
        assert_eq!(store.operations().ledger().len(), dangers);
    }

    #[test]
    fn a_store_holding_other_events_takes_no_history() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let enterprise = store.catalog().enterprises.read().features()[0].id;
        let spec = crate::model::obligation::ObligationSpec {
            kind: crate::model::obligation::ObligationKind::Drill,
            enterprise,
            hazard_source: None,
            title: "综合应急演练".into(),
            last_done: None,
            due: Some(Utc::now()),
            assignee: None,
        };
        store
            .submit("inspector", crate::ledger::obligation::register_event(spec))
            .unwrap();
        assert!(!store.history_pending());
        assert_eq!(store.append_history(history()).unwrap(), 0);
        assert_eq!(store.last_seq(), 1);
    }

    #[test]
    fn users_made_before_the_first_start_do_not_keep_the_history_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let user = crate::event::Event::UserCreated {
            username: "admin".into(),
            role: crate::model::Role::Admin,
            scope: None,
            password_hash: crate::auth::password::hash("a long enough password").unwrap(),
            team: None,
        };
        store.submit("setup", user).unwrap();
        assert!(store.history_pending());
        let records = history();
        assert_eq!(store.append_history(records.clone()).unwrap(), records.len());
        assert_eq!(store.last_seq(), records.len() as u64 + 1);
    }

    #[test]
    fn a_history_cut_short_goes_on_where_it_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let records = history();
        {
            // The first unit stored, then the process stopped.
            let store = open(dir.path());
            let n = records.len().div_ceil(CHUNK);
            let first = check(store.catalog(), &store.operations(), records[..CHUNK].to_vec(), 1).unwrap();
            let unit = Unit {
                events: first,
                idempotency: Some(key(0, n)),
            };
            let Backend::Journal(journal) = &store.backend else {
                unreachable!()
            };
            journal.lock().append_unit(&unit).unwrap();
        }
        let store = open(dir.path());
        assert_eq!(store.last_seq(), CHUNK as u64);
        assert!(store.history_pending());
        assert_eq!(store.append_history(records.clone()).unwrap(), records.len() - CHUNK);
        assert_eq!(store.last_seq(), records.len() as u64);
        assert!(!store.history_pending());
    }

    #[test]
    fn an_event_that_fails_the_checks_refuses_the_history() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let mut records = history();
        // A danger moved on before it was reported.
        let moved = records
            .iter()
            .position(|r| r.event.kind() == "danger_status_changed")
            .unwrap();
        let bad = records.remove(moved);
        records.insert(0, bad);
        let err = store.append_history(records).unwrap_err();
        assert!(err.to_string().contains("does not pass the checks"), "{err}");
        assert_eq!(store.last_seq(), 0, "nothing stored");
    }
}
