//! Start-up of the embedded store with a long history, with and without a
//! snapshot, on the same data in the same run: EVENTS events (default 1
//! million feature edits, as a planner's or a gateway's edits would be,
//! with one in ten an operations note) written to a journal, then (a) the
//! dataset read and every event replayed, (b) a snapshot taken and start-up
//! from it. Reports both and their ratio; asserts nothing.
//! Run: `scripts/bench-snapshot` (or `EVENTS=100000 cargo bench -p lookout-layers --bench snapshot`).

use lookout_layers::event::{Event, EventRecord, Unit};
use lookout_layers::generate::{self, Options, Silent};
use lookout_layers::store::journal::Journal;
use lookout_layers::store::{Start, Store, identity_of, snapshot};
use lookout_layers::{Author, Dataset};
use std::path::Path;
use std::time::Instant;

fn main() {
    let events: u64 = std::env::var("EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let counties = generate::read_counties(&root.join("data/shanxi-counties.geojson")).expect("counties");
    let options = Options::default();
    let identity = identity_of(&options);
    let data = generate::generate(&counties, options, &Silent).expect("dataset");
    let work = tempfile::tempdir().expect("tempdir");
    let dataset_dir = work.path().join("dataset");
    data.save(&dataset_dir, &generate::metadata(&data, options))
        .expect("save");
    let shelters: Vec<u64> = data.shelters.iter().map(|f| f.id).collect();
    let state = work.path().join("state");
    std::fs::create_dir_all(&state).expect("state");
    let journal = state.join("journal.lkj");

    // One incident to write notes to, through the store (it computes its zones).
    {
        let (store, ..) = Store::embedded(data.clone(), identity, &journal).expect("store");
        let spec =
            serde_json::from_value(serde_json::json!({"kind": "fire", "location": [112.55, 37.87]})).expect("spec");
        store
            .open_incident(Author::from("bench"), spec, false, None, None)
            .expect("incident");
    }
    let (_, mut units) = Journal::read_sealed(&journal, identity).expect("read");
    let first = units.iter().map(|u| u.events.len() as u64).sum::<u64>() + 1;
    let at = chrono::Utc::now();
    for seq in first..first + events {
        let event = if seq % 10 == 0 {
            Event::NoteAdded {
                incident: 1,
                drill: false,
                text: format!("note {seq}"),
            }
        } else {
            let mut properties = serde_json::Map::new();
            properties.insert("occupancy".into(), serde_json::json!(seq % 500));
            Event::FeatureUpdated {
                collection: "shelters".into(),
                id: shelters[(seq as usize) % shelters.len()],
                properties,
                geometry: None,
            }
        };
        units.push(Unit::single(EventRecord {
            seq,
            at,
            actor: "bench".into(),
            token: None,
            event,
        }));
    }
    Journal::write_sealed(&journal, identity, 0, &units).expect("write journal");
    drop(units);
    let journal_mb = std::fs::metadata(&journal).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;

    let started = Instant::now();
    let dataset = Dataset::load(&dataset_dir).expect("load");
    let (store, ..) = Store::embedded_from(Start::Dataset(dataset), identity, &journal).expect("replay");
    let full = started.elapsed().as_secs_f64();
    let last = store.last_seq();

    let started = Instant::now();
    let report = store.snapshot().expect("snapshot").expect("taken");
    let taking = started.elapsed().as_secs_f64();
    drop(store);

    let started = Instant::now();
    let s = snapshot::latest(&state, identity).expect("read").expect("a snapshot");
    let (store, ..) = Store::embedded_from(Start::Snapshot(s), identity, &journal).expect("from snapshot");
    let from_snapshot = started.elapsed().as_secs_f64();
    assert_eq!(store.last_seq(), last);

    println!("events                          {}", last);
    println!("journal                         {journal_mb:.0} MB");
    println!("start-up, every event replayed  {full:.2} s");
    println!(
        "taking the snapshot             {taking:.2} s ({} events kept whole, {} feature changes as audit lines)",
        report.events, report.feature_changes
    );
    println!("start-up from the snapshot      {from_snapshot:.2} s");
    println!("ratio (replay / snapshot)       {:.1}x", full / from_snapshot);
}
