//! Snapshots against the truth they stand for: the state after a snapshot
//! and its tail is the state after replaying every event; segments past the
//! retention are gone and start-up says which events are missing; a journal
//! written before snapshots existed opens and snapshots.

use crate::event::{Event, Idempotency};
use crate::generate::tests::small_dataset;
use crate::store::journal::DatasetIdentity;
use crate::store::snapshot::{self, Policy};
use crate::store::{Start, Store};
use serde_json::json;
use std::path::Path;

const IDENTITY: DatasetIdentity = DatasetIdentity::generated(1, 1, 5);

fn open(dir: &Path) -> Store {
    let mut store = Store::embedded(small_dataset().clone(), IDENTITY, &dir.join("journal.lkj"))
        .expect("store")
        .0;
    store.set_snapshot_policy(Policy {
        every_events: 0,
        every_bytes: 0,
        keep: 10,
    });
    store
}

fn open_from_snapshot(dir: &Path) -> (Store, u64) {
    let s = snapshot::latest(dir, IDENTITY).expect("read").expect("a snapshot");
    let seq = s.seq;
    let store = Store::embedded_from(Start::Snapshot(s), IDENTITY, &dir.join("journal.lkj"))
        .expect("store")
        .0;
    (store, seq)
}

fn incident(store: &Store, key: &str) -> u64 {
    let spec =
        serde_json::from_value(json!({"kind": "fire", "location": [112.55, 37.87], "mass_kg": 100})).expect("spec");
    let key = Idempotency {
        key: key.into(),
        request: format!("hash of {key}"),
    };
    store.open_incident("duty", spec, false, None, Some(key)).expect("open")
}

fn note(store: &Store, incident: u64, text: &str) {
    store
        .submit(
            "duty",
            Event::NoteAdded {
                incident,
                drill: false,
                text: text.into(),
            },
        )
        .expect("note");
}

fn edit(store: &Store, id: u64, capacity: u32) {
    let mut properties = serde_json::Map::new();
    properties.insert("capacity".into(), json!(capacity));
    store
        .submit(
            "planner",
            Event::FeatureUpdated {
                collection: "shelters".into(),
                id,
                properties,
                geometry: None,
            },
        )
        .expect("edit");
}

fn delete(store: &Store, id: u64) {
    store
        .submit(
            "planner",
            Event::FeatureDeleted {
                collection: "shelters".into(),
                id,
            },
        )
        .expect("delete");
}

/// What a user of the store can see of its state.
fn state_of(store: &Store) -> String {
    let ops = store.operations();
    let mut units: Vec<String> = [false, true]
        .iter()
        .flat_map(|&w| ops.units(w).iter().map(move |(t, u)| format!("{w} {t} {u:?}")))
        .collect();
    units.sort();
    let log: Vec<u64> = ops.log().iter().map(|r| r.seq).collect();
    let incidents = format!("{:?}", ops.incidents().collect::<Vec<_>>());
    let alarms = format!("{:?}", ops.alarms().collect::<Vec<_>>());
    drop(ops);
    let users = store.users();
    let audit = serde_json::to_string(users.audit()).expect("audit");
    let accounts = format!("{:?}", users.users().collect::<Vec<_>>());
    drop(users);
    let features = serde_json::to_string(&store.catalog().to_dataset().shelters).expect("features");
    format!(
        "last {}\nlog {log:?}\nincidents {incidents}\nunits {units:?}\nalarms {alarms}\naudit {audit}\nusers {accounts}\nkey {:?}\nshelters {features}",
        store.last_seq(),
        store.idempotent("k1"),
    )
}

fn history(store: &Store, from: u32) -> u64 {
    let id = incident(store, &format!("k{from}"));
    note(store, id, "wind turning");
    edit(store, u64::from(from), 100 + from);
    delete(store, u64::from(from) + 1);
    note(store, id, "second note");
    id
}

#[test]
fn state_after_a_snapshot_and_its_tail_equals_state_after_replaying_everything() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    history(&store, 1);
    let first = store.snapshot().expect("snapshot").expect("taken");
    assert_eq!(first.seq, store.last_seq());
    assert_eq!(first.feature_changes, 2, "{first:?}");
    history(&store, 11);
    let second = store.snapshot().expect("snapshot").expect("taken");
    assert!(second.seq > first.seq);
    assert!(store.snapshot().expect("nothing new").is_none());
    history(&store, 21);
    let live = state_of(&store);
    drop(store);

    let (from_snapshot, seq) = open_from_snapshot(dir.path());
    assert_eq!(seq, second.seq);
    assert_eq!(state_of(&from_snapshot), live, "snapshot + tail");
    drop(from_snapshot);

    // The same folder without its snapshots: every segment and the journal replayed.
    std::fs::remove_dir_all(snapshot::snapshots_dir(dir.path())).unwrap();
    let replayed = open(dir.path());
    assert_eq!(state_of(&replayed), live, "full replay");
    // and writing goes on after the tail
    note(&replayed, 1, "after");
}

#[test]
fn segments_past_the_retention_are_deleted_and_start_up_names_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.set_snapshot_policy(Policy {
        every_events: 0,
        every_bytes: 0,
        keep: 1,
    });
    history(&store, 1);
    store.snapshot().unwrap().unwrap();
    history(&store, 11);
    let report = store.snapshot().unwrap().unwrap();
    assert_eq!(
        report.deleted.len(),
        2,
        "the first snapshot and its segment: {:?}",
        report.deleted
    );
    assert_eq!(snapshot::list(dir.path()).unwrap().len(), 1);
    assert_eq!(snapshot::segments(dir.path()).unwrap().len(), 1);
    drop(store);
    let (reopened, _) = open_from_snapshot(dir.path());
    assert_eq!(reopened.last_seq(), report.seq);
    drop(reopened);
    std::fs::remove_dir_all(snapshot::snapshots_dir(dir.path())).unwrap();
    let err = Store::embedded(small_dataset().clone(), IDENTITY, &dir.path().join("journal.lkj"))
        .map(drop)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing"), "{err}");
}

/// Two snapshots, the newest then damaged by `damage` (given its folder):
/// start-up takes the one before, and with the segments after it the state
/// is as it was.
fn the_one_before_is_taken_when_the_newest_is(damage: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    history(&store, 1);
    let first = store.snapshot().unwrap().unwrap();
    history(&store, 11);
    let second = store.snapshot().unwrap().unwrap();
    let live = state_of(&store);
    drop(store);
    damage(&second.dir);
    let (reopened, seq) = open_from_snapshot(dir.path());
    assert_eq!(seq, first.seq, "the one before");
    assert_eq!(state_of(&reopened), live);
}

#[test]
fn a_snapshot_cut_off_before_its_manifest_is_ignored() {
    the_one_before_is_taken_when_the_newest_is(|dir| std::fs::remove_file(dir.join("manifest.json")).unwrap());
}

#[test]
fn a_snapshot_whose_events_file_is_damaged_is_skipped_for_the_one_before() {
    // a byte flipped in the last record: its checksum no longer matches
    the_one_before_is_taken_when_the_newest_is(|dir| {
        let events = dir.join("events.lkj");
        let mut bytes = std::fs::read(&events).unwrap();
        let at = bytes.len() - 3;
        bytes[at] ^= 0x20;
        std::fs::write(&events, bytes).unwrap();
    });
}

/// `layers/tests/fixtures/journal-v1-before-snapshots.lkj` was written by
/// `lookout serve` at commit 16805c3, before snapshots: its header has no
/// `after`. Six events: an incident opened with its zones (one unit with an
/// Idempotency-Key), a note, a shelter's capacity changed, a shelter
/// deleted, the incident closed.
#[test]
fn a_journal_written_before_snapshots_opens_and_takes_a_snapshot() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/journal-v1-before-snapshots.lkj"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture, dir.path().join("journal.lkj")).unwrap();
    let store = open(dir.path());
    assert_eq!(store.last_seq(), 6);
    {
        let ops = store.operations();
        let incident = ops.incident(1).expect("incident 1");
        assert!(!incident.is_open());
        assert_eq!(incident.notes[0].text, "wind turning");
    }
    let shelters = store.catalog().to_dataset().shelters;
    assert_eq!(
        shelters.iter().find(|f| f.id == 1).map(|f| f.properties.capacity),
        Some(321)
    );
    assert!(shelters.iter().all(|f| f.id != 2));
    assert_eq!(store.idempotent("fixture-1").map(|k| k.first_seq), Some(1));
    let live = state_of(&store);
    store.snapshot().unwrap().unwrap();
    note(&store, 1, "after the upgrade");
    let live_after = state_of(&store);
    assert_ne!(live, live_after);
    drop(store);
    let (reopened, seq) = open_from_snapshot(dir.path());
    assert_eq!(seq, 6);
    assert_eq!(state_of(&reopened), live_after);
}
