//! PostGIS group commit: concurrent commands share one transaction and one
//! `COMMIT`.
//!
//! A writer queues its command and waits. Whoever takes the writers' lock
//! (one of the waiting writers: the leader) begins a transaction, takes the
//! advisory lock, applies what other replicas committed first, then takes
//! every queued command and plans them in arrival order, each against the
//! state the ones before it leave ([`Shared::plan_batch`]). A command its
//! check refuses stops nothing; it is answered with its error once the
//! commands planned before it are committed (its check saw them: if they
//! are not, it is checked again in the next batch). The rows and
//! events of the batch are written with statements issued together
//! (tokio-postgres pipelines them on the one connection), one `NOTIFY`
//! follows, one `COMMIT`; only then is each command folded into memory, in
//! order, and its writer answered. Sequence numbers stay gapless: a batch
//! numbers its commands one after another from the last event.
//!
//! What the order does not allow is left to the next batch, which the
//! first command left over leads: planning stops ([`Outcome::Deferred`]) at
//! a command that
//! - changes a feature an earlier command of the batch changes (the catalog
//!   in memory does not hold that change yet),
//! - creates a feature without naming its id in a layer an earlier command
//!   of the batch changed (the next id is read from the layer in memory,
//!   which does not hold that change yet: two creations would take one id,
//!   and one after a deletion of the last feature another id than in turn),
//! - carries operations events after a command that changed any feature (its
//!   check may read the features),
//! - carries user or token events after another such command,
//! - has the `Idempotency-Key` of an earlier command of the batch (the next
//!   batch finds the key stored and answers as the first did).
//!
//! A statement the database refuses (a bug, a schema out of step) rolls the
//! batch back to its savepoint: the commands before the failing one are
//! written again and committed, it is answered with the error, and the ones
//! after it are queued again to be planned anew (should one before it be
//! refused when written again, the same, from that one). The database
//! unreachable, or no COMMIT within [`postgis::TIMEOUT`]: every command of
//! the batch is answered that it was not applied (as a single write was).

use super::postgis::{self, Failed, Postgis};
use super::{Changes, Shared, Store};
use crate::error::{Error, Result};
use crate::event::{Author, Event, EventRecord, Idempotency, Unit};
use crate::feature::FeatureId;
use crate::ops::Operations;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::oneshot;

/// Most commands one transaction takes unless told otherwise.
pub const DEFAULT_LIMIT: usize = 1024;

/// A command a writer asked for.
#[derive(Debug, Clone)]
pub(super) struct Command {
    pub actor: Author,
    pub events: Vec<Event>,
    pub key: Option<Idempotency>,
}

/// What planning a batch made of one command.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Checked: written with the batch, folded in once its COMMIT returns.
    /// `command` is kept to plan it again should the batch be cut before it.
    Planned {
        unit: Unit,
        changes: Changes,
        command: Command,
    },
    /// Answered without writing: its key stored already (what the first
    /// request stored, or a refusal naming it).
    Answered(Result<Vec<Arc<EventRecord>>>),
    /// Refused by its check. The check saw the commands planned before it
    /// in the batch: the refusal is answered once they are committed, and
    /// the command planned anew if they are not. `command` is kept for that.
    Refused { error: Error, command: Command },
    /// Depends on what the batch changes (or comes after one that does):
    /// planned again in the next batch.
    Deferred(Command),
}

type Answer = oneshot::Sender<Result<Vec<Arc<EventRecord>>>>;

#[derive(Debug)]
struct Waiting {
    id: u64,
    command: Command,
    answer: Answer,
}

/// The commands waiting for the next batch, in arrival order.
#[derive(Debug)]
pub(super) struct Queue {
    waiting: parking_lot::Mutex<VecDeque<Waiting>>,
    next: AtomicU64,
    /// Most commands in one transaction (1: one per transaction, its
    /// statements still pipelined).
    limit: AtomicUsize,
    /// Transactions committed, and the commands they held (for the benchmark).
    commits: AtomicU64,
    committed: AtomicU64,
}

impl Default for Queue {
    fn default() -> Self {
        Self {
            waiting: parking_lot::Mutex::new(VecDeque::new()),
            next: AtomicU64::new(0),
            limit: AtomicUsize::new(DEFAULT_LIMIT),
            commits: AtomicU64::new(0),
            committed: AtomicU64::new(0),
        }
    }
}

impl Queue {
    fn push(&self, command: Command) -> (u64, oneshot::Receiver<Result<Vec<Arc<EventRecord>>>>) {
        let (answer, answered) = oneshot::channel();
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.waiting.lock().push_back(Waiting { id, command, answer });
        (id, answered)
    }

    /// Takes command `id` back if no leader has taken it yet.
    fn withdraw(&self, id: u64) -> bool {
        let mut waiting = self.waiting.lock();
        match waiting.iter().position(|w| w.id == id) {
            Some(i) => waiting.remove(i).is_some(),
            None => false,
        }
    }

    fn take(&self) -> Vec<Waiting> {
        let limit = self.limit.load(Ordering::Relaxed).max(1);
        let mut waiting = self.waiting.lock();
        let n = waiting.len().min(limit);
        waiting.drain(..n).collect()
    }

    /// Puts commands back at the head of the queue, in their order.
    fn requeue(&self, commands: Vec<Waiting>) {
        let mut waiting = self.waiting.lock();
        for w in commands.into_iter().rev() {
            waiting.push_front(w);
        }
    }

    /// Answers every waiting command with `error` (the database cannot be reached).
    fn fail_all(&self, error: &Error) {
        let waiting: Vec<Waiting> = self.waiting.lock().drain(..).collect();
        for w in waiting {
            let _ = w.answer.send(Err(same_error(error)));
        }
    }

    /// Transactions committed so far, and the commands they held.
    pub(super) fn commits(&self) -> (u64, u64) {
        (
            self.commits.load(Ordering::Relaxed),
            self.committed.load(Ordering::Relaxed),
        )
    }

    /// Most commands in one transaction.
    pub(super) fn set_limit(&self, limit: usize) {
        self.limit.store(limit.max(1), Ordering::Relaxed);
    }
}

/// The same failure, for another writer.
fn same_error(error: &Error) -> Error {
    match error {
        Error::Database(m) => Error::Database(m.clone()),
        other => Error::StoreUnavailable(match other {
            Error::StoreUnavailable(m) => m.clone(),
            _ => format!("PostGIS: {other}"),
        }),
    }
}

fn not_applied() -> Error {
    postgis::unavailable(format!(
        "no answer within {} s; the change was not applied",
        postgis::TIMEOUT.as_secs()
    ))
}

impl Shared {
    /// Plans `commands` in order, the first numbered `first_seq`, each
    /// against the state the ones before it leave: operations events on a
    /// copy of the operations ([`Operations::scratch`], made once a second
    /// command needs it), feature changes on the catalog, which none before
    /// it in the batch has touched (see the module's rules; the first
    /// command that breaks them, and every one after it, is deferred).
    pub(super) fn plan_batch(&self, first_seq: u64, commands: Vec<Command>) -> Vec<Outcome> {
        let mut out = Vec::with_capacity(commands.len());
        let mut touched: HashSet<(String, FeatureId)> = HashSet::new();
        // The layers the batch changed (a creation without an id reads the next id).
        let mut layers: HashSet<String> = HashSet::new();
        let mut keys: HashSet<String> = HashSet::new();
        let mut auth = false;
        let mut scratch: Option<Operations> = None;
        let mut ops_records: Vec<Arc<EventRecord>> = Vec::new();
        let mut seq = first_seq;
        let mut cut = false;
        for command in commands {
            if cut {
                out.push(Outcome::Deferred(command));
                continue;
            }
            let has_auth = command.events.iter().any(Event::is_auth);
            let has_ops = command.events.iter().any(|e| !e.is_auth() && !e.is_feature_change());
            let touches = |e: &Event| {
                e.is_feature_change()
                    && e.feature_id()
                        .is_some_and(|id| touched.contains(&(e.collection().to_owned(), id)))
            };
            let takes_next_id = |e: &Event| match e {
                Event::FeatureCreated { collection, feature } => {
                    feature.get("id").is_none_or(serde_json::Value::is_null) && layers.contains(collection)
                }
                _ => false,
            };
            let depends = command.key.as_ref().is_some_and(|k| keys.contains(&k.key))
                || (has_auth && auth)
                || (has_ops && !touched.is_empty())
                || command.events.iter().any(|e| touches(e) || takes_next_id(e));
            if depends {
                cut = true;
                out.push(Outcome::Deferred(command));
                continue;
            }
            if let Some(stored) = self.stored_already(command.key.as_ref()) {
                out.push(Outcome::Answered(stored));
                continue;
            }
            // A note's check reads only whether its incident exists (and
            // whether it is a drill), which only the incident's opening
            // changes, and that changes a feature: the next batch would
            // take the note. So a note is checked on the state in memory,
            // and a run of notes needs no copy (which would copy the
            // incident's record, notes and timeline, for each batch).
            let note = matches!(command.events.as_slice(), [Event::NoteAdded { .. }]);
            if has_ops && !note && scratch.is_none() && !ops_records.is_empty() {
                let mut copy = self.ops.read().scratch();
                for record in ops_records.drain(..) {
                    copy.apply(record);
                }
                scratch = Some(copy);
            }
            let kept = command.clone();
            let planned = match &scratch {
                Some(ops) if !note => self.plan_unit(ops, seq, &command.actor, command.events),
                _ => self.plan_unit(&self.ops.read(), seq, &command.actor, command.events),
            };
            let (records, changes) = match planned {
                Ok(planned) => planned,
                Err(error) => {
                    out.push(Outcome::Refused { error, command: kept });
                    continue;
                }
            };
            let changed: Vec<(String, FeatureId)> = changes
                .iter()
                .map(|(p, _)| (p.event.collection().to_owned(), p.id))
                .collect();
            if changed.iter().any(|c| touched.contains(c)) {
                cut = true;
                out.push(Outcome::Deferred(kept));
                continue;
            }
            layers.extend(changed.iter().map(|(collection, _)| collection.clone()));
            touched.extend(changed);
            if let Some(k) = &command.key {
                keys.insert(k.key.clone());
            }
            auth |= has_auth;
            for record in records
                .iter()
                .filter(|r| !r.event.is_auth() && !r.event.is_feature_change())
            {
                let record = Arc::new(record.clone());
                match &mut scratch {
                    Some(ops) => ops.apply(record),
                    None => ops_records.push(record),
                }
            }
            seq += records.len() as u64;
            out.push(Outcome::Planned {
                unit: Unit {
                    events: records,
                    idempotency: command.key,
                },
                changes,
                command: kept,
            });
        }
        out
    }
}

/// A command planned in the batch being written, and its writer.
struct Writing {
    id: u64,
    unit: Unit,
    changes: Changes,
    command: Command,
    answer: Answer,
}

impl Store {
    /// Queues a command for the next batch and waits for its answer, leading
    /// a batch whenever it takes the writers' lock before being answered.
    /// A command no leader has taken within [`postgis::TIMEOUT`] is taken
    /// back and refused; one taken is answered by its leader, which is
    /// itself bounded by [`postgis::TIMEOUT`].
    pub(super) async fn submit_batched(
        &self,
        db: &Postgis,
        writer: &tokio::sync::Mutex<()>,
        queue: &Queue,
        actor: &Author,
        events: Vec<Event>,
        key: Option<Idempotency>,
    ) -> Result<Vec<Arc<EventRecord>>> {
        let (id, mut answered) = queue.push(Command {
            actor: actor.clone(),
            events,
            key,
        });
        let deadline = tokio::time::Instant::now() + postgis::TIMEOUT;
        loop {
            let now = tokio::time::Instant::now();
            let late = now >= deadline;
            if late && queue.withdraw(id) {
                return Err(not_applied());
            }
            let wake = if late {
                now + Duration::from_millis(50)
            } else {
                deadline
            };
            tokio::select! {
                biased;
                answer = &mut answered => return answer.unwrap_or_else(|_| Err(not_applied())),
                _leading = writer.lock() => {
                    if let Ok(answer) = answered.try_recv() {
                        return answer;
                    }
                    // Bounded as one write was: a batch that cannot finish
                    // in time is dropped (rolled back), and the writers it
                    // took hear that their change was not applied.
                    let _ = tokio::time::timeout(postgis::TIMEOUT, self.lead(db, queue)).await;
                }
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// Writes one batch: the writers' lock is held by the caller.
    async fn lead(&self, db: &Postgis, queue: &Queue) {
        let mut client = match db.client().await {
            Ok(client) => client,
            Err(e) => return queue.fail_all(&e),
        };
        let tx = match client.transaction().await {
            Ok(tx) => tx,
            Err(e) => return queue.fail_all(&postgis::unavailable(e)),
        };
        // The advisory lock, then the read of other replicas' events (in
        // that order: not pipelined, as the read must see every commit
        // before the lock): whatever they committed first is applied
        // before anything is checked, keys included.
        let caught_up = match postgis::lock_writers(&tx).await {
            Ok(()) => postgis::events_after(&*tx, self.last_seq())
                .await
                .and_then(|units| units.into_iter().try_for_each(|unit| self.shared.apply(unit))),
            Err(e) => Err(e),
        };
        if let Err(e) = caught_up {
            return queue.fail_all(&e);
        }
        let taken = queue.take();
        if taken.is_empty() {
            return;
        }
        let (commands, answers): (Vec<Command>, Vec<(u64, Answer)>) =
            taken.into_iter().map(|w| (w.command, (w.id, w.answer))).unzip();
        let mut writing: Vec<Writing> = Vec::new();
        // Refused by a check that saw `.0` commands of this batch planned
        // before it: answered once those are committed, planned anew if
        // they are not (the refusal rested on them).
        let mut held: Vec<(usize, Waiting, Error)> = Vec::new();
        let mut deferred = Vec::new();
        let outcomes = self.shared.plan_batch(self.last_seq() + 1, commands);
        for (outcome, (id, answer)) in outcomes.into_iter().zip(answers) {
            match outcome {
                Outcome::Answered(result) => {
                    let _ = answer.send(result);
                }
                Outcome::Refused { error, .. } if writing.is_empty() => {
                    let _ = answer.send(Err(error));
                }
                Outcome::Refused { error, command } => {
                    held.push((writing.len(), Waiting { id, command, answer }, error));
                }
                Outcome::Planned { unit, changes, command } => writing.push(Writing {
                    id,
                    unit,
                    changes,
                    command,
                    answer,
                }),
                Outcome::Deferred(command) => deferred.push(Waiting { id, command, answer }),
            }
        }
        if writing.is_empty() {
            queue.requeue(deferred);
            return;
        }
        let savepoint = writing.len() > 1;
        // The first command the database refused, if any: the ones before it
        // are committed, the ones after it (planned on it) planned anew.
        let mut refused_at: Option<(usize, Error)> = None;
        let mut end = writing.len();
        while end > 0
            && let Err((at, failed)) = self.write(&tx, &writing[..end], savepoint).await
        {
            match at {
                Some(i) if savepoint && matches!(failed.error, Error::Database(_)) => {
                    // Back to the savepoint, and the ones before `i` written
                    // again (with a savepoint of their own: should one of
                    // them be refused now, the same again, further back).
                    if let Err(e) = tx.batch_execute("ROLLBACK TO SAVEPOINT batch").await {
                        return fail(writing, held, deferred, queue, &Failed::from(e).error);
                    }
                    end = i;
                    refused_at = Some((i, failed.error));
                }
                _ => return fail(writing, held, deferred, queue, &failed.error),
            }
        }
        // What is planned anew, in the batch's order: the commands after
        // the refused one and the refusals that rested on it or on them.
        let mut again: Vec<(usize, Waiting)> = Vec::new();
        let mut refused = None;
        if let Some((i, error)) = refused_at {
            again.extend(writing.split_off(i + 1).into_iter().enumerate().map(|(n, w)| {
                (
                    2 * (i + 1 + n),
                    Waiting {
                        id: w.id,
                        command: w.command,
                        answer: w.answer,
                    },
                )
            }));
            refused = writing.pop().map(|w| (w, error));
        }
        if !writing.is_empty()
            && let Err(e) = tx.commit().await
        {
            return fail(writing, held, deferred, queue, &postgis::unavailable(e));
        }
        if !writing.is_empty() {
            queue.commits.fetch_add(1, Ordering::Relaxed);
            queue.committed.fetch_add(writing.len() as u64, Ordering::Relaxed);
            metrics::histogram!("lookout_postgis_batch_commands").record(writing.len() as f64);
        }
        let committed = writing.len();
        for w in writing {
            let _ = w.answer.send(self.shared.install(w.unit, w.changes));
        }
        if let Some((w, error)) = refused {
            tracing::error!(error = %error, "the database refused a write of a batch; the others were written");
            let _ = w.answer.send(Err(error));
        }
        for (before, w, error) in held {
            if before <= committed {
                let _ = w.answer.send(Err(error));
            } else {
                // Placed just before the command planned after it
                // (command `k` of `writing` sorts at 2k).
                again.push((2 * before - 1, w));
            }
        }
        again.sort_by_key(|(at, _)| *at);
        let mut requeued: Vec<Waiting> = again.into_iter().map(|(_, w)| w).collect();
        requeued.append(&mut deferred);
        queue.requeue(requeued);
    }

    /// Issues every row and event of `writing` together (one round trip
    /// when the statements are prepared on this connection already), and one
    /// `NOTIFY`. On failure: the command whose statement the database
    /// refused (not one that only failed after it), if any.
    async fn write(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        writing: &[Writing],
        savepoint: bool,
    ) -> std::result::Result<(), (Option<usize>, Failed)> {
        let mut statements = Vec::with_capacity(writing.len() + 2);
        if savepoint {
            statements.push((
                None,
                futures_util::future::Either::Left(async move {
                    tx.batch_execute("SAVEPOINT batch").await.map_err(Failed::from)
                }),
            ));
        }
        for (i, w) in writing.iter().enumerate() {
            let rows: Vec<_> = w
                .changes
                .iter()
                .map(|(prepared, row)| {
                    let collection = prepared.event.collection();
                    let fields = self.catalog().read(collection).map(|l| l.fields()).unwrap_or_default();
                    (collection, fields, prepared.id, row.as_ref())
                })
                .collect();
            let unit = &w.unit;
            statements.push((
                Some(i),
                futures_util::future::Either::Right(async move {
                    for (collection, fields, id, row) in rows {
                        postgis::write_row_cached(tx, collection, fields, id, row).await?;
                    }
                    for record in &unit.events {
                        postgis::insert_event_cached(tx, record, unit.idempotency.as_ref()).await?;
                    }
                    Ok::<(), Failed>(())
                }),
            ));
        }
        let last = writing.last().and_then(|w| w.unit.events.last()).map_or(0, |r| r.seq);
        let (indexes, futures): (Vec<Option<usize>>, Vec<_>) = statements.into_iter().unzip();
        let (results, notified) = tokio::join!(futures_util::future::join_all(futures), postgis::notify(tx, last));
        let mut first: Option<(Option<usize>, Failed)> = None;
        for (at, result) in indexes.into_iter().zip(results) {
            if let Err(failed) = result {
                let better = first.as_ref().is_none_or(|(_, f)| f.aborted && !failed.aborted);
                if better {
                    first = Some((at, failed));
                }
            }
        }
        if let Some(first) = first {
            return Err(first);
        }
        notified.map_err(|f| (None, f))
    }
}

/// Answers every command of a failed batch with `error`; the deferred ones
/// wait for the next.
fn fail(
    writing: Vec<Writing>,
    held: Vec<(usize, Waiting, Error)>,
    deferred: Vec<Waiting>,
    queue: &Queue,
    error: &Error,
) {
    for w in writing {
        let _ = w.answer.send(Err(same_error(error)));
    }
    // A refusal that rested on commands of the batch, none committed, is
    // checked again in the next batch.
    let mut again: Vec<Waiting> = held.into_iter().map(|(_, w, _)| w).collect();
    again.extend(deferred);
    queue.requeue(again);
}

#[cfg(test)]
mod tests {
    //! The batch planner on the embedded store's state (the SQL side runs
    //! against a real PostGIS in tests/e2e/test_postgis_batch.py).
    use super::{Command, Outcome};
    use crate::error::Error;
    use crate::event::{Author, Event, Idempotency};
    use crate::generate::tests::small_dataset;
    use crate::store::Store;
    use crate::store::journal::DatasetIdentity;
    use serde_json::json;

    const IDENTITY: DatasetIdentity = DatasetIdentity::generated(1, 1, crate::generate::GENERATOR_VERSION);

    fn store(dir: &std::path::Path) -> Store {
        Store::embedded(small_dataset().clone(), IDENTITY, &dir.join("journal.lkj"))
            .expect("store")
            .0
    }

    fn incident(store: &Store) -> u64 {
        let spec = serde_json::from_value(json!({"kind": "fire", "location": [112.55, 37.87]})).expect("spec");
        store
            .open_incident(Author::from("test"), spec, false, None, None)
            .expect("opened")
    }

    fn command(event: Event, key: Option<&str>) -> Command {
        Command {
            actor: Author::from("desk"),
            events: vec![event],
            key: key.map(|k| Idempotency::for_request(k, "POST", "/x", b"{}")),
        }
    }

    fn note(incident: u64, text: &str) -> Command {
        command(
            Event::NoteAdded {
                incident,
                drill: false,
                text: text.into(),
            },
            None,
        )
    }

    fn acknowledge(incident: u64) -> Command {
        command(Event::IncidentAcknowledged { incident, drill: false }, None)
    }

    fn patch(id: u64, address: &str) -> Command {
        let mut properties = serde_json::Map::new();
        properties.insert("address".into(), json!(address));
        command(
            Event::FeatureUpdated {
                collection: "enterprises".into(),
                id,
                properties,
                geometry: None,
            },
            None,
        )
    }

    /// What each outcome is, and the events planned, as the store would
    /// fold them once the COMMIT returns.
    fn shape(store: &Store, outcomes: Vec<Outcome>) -> Vec<String> {
        outcomes
            .into_iter()
            .map(|o| match o {
                Outcome::Planned { unit, changes, .. } => {
                    let seqs: Vec<u64> = unit.events.iter().map(|r| r.seq).collect();
                    store.shared.install(unit, changes).expect("installed");
                    format!("planned {seqs:?}")
                }
                Outcome::Answered(Ok(records)) => {
                    format!("answered {:?}", records.iter().map(|r| r.seq).collect::<Vec<_>>())
                }
                Outcome::Answered(Err(e)) | Outcome::Refused { error: e, .. } => format!("refused: {e}"),
                Outcome::Deferred(_) => "deferred".into(),
            })
            .collect()
    }

    #[test]
    fn each_command_of_a_batch_is_checked_against_the_ones_before_it_and_a_refusal_stops_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        let id = incident(&store);
        let first = store.last_seq() + 1;
        let outcomes = store.shared.plan_batch(
            first,
            vec![
                note(id, "one"),
                acknowledge(id),
                acknowledge(id),
                note(id, "   "),
                note(id, "two"),
            ],
        );
        let shape = shape(&store, outcomes);
        assert_eq!(shape[0], format!("planned [{first}]"));
        assert_eq!(shape[1], format!("planned [{}]", first + 1));
        // The second acknowledgement sees the first, planned in the same batch.
        assert!(
            shape[2].starts_with("refused: ") && shape[2].contains("was acknowledged by desk"),
            "{shape:?}"
        );
        assert!(
            shape[3].starts_with("refused: ") && shape[3].contains("a note needs text"),
            "{shape:?}"
        );
        // Numbered right after the last one planned: no gap for the refusals.
        assert_eq!(shape[4], format!("planned [{}]", first + 2));
        assert_eq!(store.last_seq(), first + 2);
        let notes: Vec<String> = store
            .operations()
            .incident(id)
            .expect("incident")
            .notes
            .iter()
            .map(|n| n.text.clone())
            .collect();
        assert_eq!(notes, ["one", "two"]);
    }

    #[test]
    fn a_batch_stops_at_a_command_that_changes_a_feature_changed_before_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        let ids: Vec<u64> = store.catalog().enterprises.read().features()[..3]
            .iter()
            .map(|f| f.id)
            .collect();
        let first = store.last_seq() + 1;
        let outcomes = store.shared.plan_batch(
            first,
            vec![
                patch(ids[0], "a"),
                patch(ids[1], "b"),
                patch(ids[0], "a again"),
                patch(ids[2], "c"),
            ],
        );
        assert_eq!(
            shape(&store, outcomes),
            [
                format!("planned [{first}]"),
                format!("planned [{}]", first + 1),
                "deferred".into(),
                "deferred".into(),
            ]
        );
        // The next batch plans the rest against what the first one left.
        let outcomes = store
            .shared
            .plan_batch(first + 2, vec![patch(ids[0], "a again"), patch(ids[2], "c")]);
        assert_eq!(
            shape(&store, outcomes),
            [format!("planned [{}]", first + 2), format!("planned [{}]", first + 3)]
        );
        let enterprises = store.catalog().enterprises.read();
        let address = |id| {
            enterprises
                .feature(id)
                .expect("enterprise")
                .properties
                .address
                .to_string()
        };
        assert_eq!(
            [address(ids[0]), address(ids[1]), address(ids[2])],
            ["a again", "b", "c"]
        );
    }

    /// A new enterprise like the first one, at `at`, with `id` if given.
    fn create(store: &Store, id: Option<u64>, at: [f64; 2]) -> Command {
        let mut feature = serde_json::to_value(&store.catalog().enterprises.read().features()[0]).expect("json");
        match id {
            Some(id) => feature["id"] = json!(id),
            None => {
                feature.as_object_mut().expect("object").remove("id");
            }
        }
        feature["geometry"] = json!({"type": "Point", "coordinates": at});
        command(
            Event::FeatureCreated {
                collection: "enterprises".into(),
                feature,
            },
            None,
        )
    }

    #[test]
    fn a_creation_taking_the_next_id_waits_for_a_batch_that_changed_its_layer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        let next = store.catalog().enterprises.read().next_id();
        // In turn, a creation without an id takes the id after the last
        // feature: after one naming id `next + 10`, `next + 11`. In one
        // batch, from a layer that does not hold that creation yet, it
        // would take `next`: it waits for the next batch.
        let first = store.last_seq() + 1;
        let outcomes = store.shared.plan_batch(
            first,
            vec![
                create(&store, Some(next + 10), [112.55, 37.87]),
                create(&store, None, [112.56, 37.87]),
            ],
        );
        assert_eq!(
            shape(&store, outcomes),
            [format!("planned [{first}]"), "deferred".into()]
        );
        let outcomes = store
            .shared
            .plan_batch(first + 1, vec![create(&store, None, [112.56, 37.87])]);
        assert_eq!(shape(&store, outcomes), [format!("planned [{}]", first + 1)]);
        assert!(store.catalog().enterprises.read().feature(next + 11).is_some());
        // After the last feature is deleted, in turn, the next creation takes
        // its id again; in the same batch it would take another.
        let last = next + 11;
        let delete = command(
            Event::FeatureDeleted {
                collection: "enterprises".into(),
                id: last,
            },
            None,
        );
        let outcomes = store
            .shared
            .plan_batch(first + 2, vec![delete, create(&store, None, [112.57, 37.87])]);
        assert_eq!(
            shape(&store, outcomes),
            [format!("planned [{}]", first + 2), "deferred".into()]
        );
        // After a change in another layer, it is planned in the same batch.
        let warehouse = store.catalog().warehouses.read().features()[0].id;
        let mut properties = serde_json::Map::new();
        properties.insert("name".into(), json!("renamed"));
        let rename = command(
            Event::FeatureUpdated {
                collection: "warehouses".into(),
                id: warehouse,
                properties,
                geometry: None,
            },
            None,
        );
        let outcomes = store
            .shared
            .plan_batch(first + 3, vec![rename, create(&store, None, [112.58, 37.87])]);
        assert_eq!(
            shape(&store, outcomes),
            [format!("planned [{}]", first + 3), format!("planned [{}]", first + 4)]
        );
        assert!(store.catalog().enterprises.read().feature(last).is_some());
    }

    #[test]
    fn an_operations_command_after_a_feature_change_waits_for_the_next_batch() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        let id = incident(&store);
        let enterprise = store.catalog().enterprises.read().features()[0].id;
        let first = store.last_seq() + 1;
        let outcomes = store.shared.plan_batch(
            first,
            vec![note(id, "before"), patch(enterprise, "x"), note(id, "after")],
        );
        assert_eq!(
            shape(&store, outcomes),
            [
                format!("planned [{first}]"),
                format!("planned [{}]", first + 1),
                "deferred".into()
            ]
        );
    }

    #[test]
    fn two_requests_with_one_key_in_a_batch_store_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        let id = incident(&store);
        let keyed = |text: &str| {
            command(
                Event::NoteAdded {
                    incident: id,
                    drill: false,
                    text: text.into(),
                },
                Some("note-1"),
            )
        };
        let first = store.last_seq() + 1;
        let outcomes = store.shared.plan_batch(first, vec![keyed("once"), keyed("once")]);
        assert_eq!(
            shape(&store, outcomes),
            [format!("planned [{first}]"), "deferred".into()]
        );
        // The next batch finds the key stored: the first answer, nothing stored.
        let outcomes = store.shared.plan_batch(first + 1, vec![keyed("once")]);
        assert_eq!(shape(&store, outcomes), [format!("answered [{first}]")]);
        assert_eq!(store.last_seq(), first);
        let notes = store.operations().incident(id).expect("incident").notes.len();
        assert_eq!(notes, 1);
        // With a different request, the key is refused naming what it stored.
        let mut other = keyed("other");
        other.key = Some(Idempotency::for_request("note-1", "POST", "/y", b"{}"));
        match store.shared.plan_batch(first + 1, vec![other]).pop() {
            Some(Outcome::Answered(Err(Error::Conflict(m)))) => assert!(m.contains("different request"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
