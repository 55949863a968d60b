//! Acknowledged writes per second of the embedded store with 1, 4, 16 and
//! 64 concurrent writers, group commit (writers share an fsync) against one
//! fsync per write under the journal lock (the path before group commit,
//! kept selectable for this benchmark), alternating in the same run on the
//! same journal. Each writer adds notes to an incident through the store, as
//! `POST /incidents/{id}/notes` does, and counts a write once `submit`
//! returns. Reports writes/s, the ratio and the records per fsync; asserts
//! nothing. The journal lives in a temporary folder (set TMPDIR to put it on
//! the disk to measure). Run: `scripts/bench-journal`
//! (SECONDS_EACH=…, WRITERS="1 4 16 64").

use lookout_layers::event::Event;
use lookout_layers::generate::{self, Options, Silent};
use lookout_layers::store::{Store, identity_of};
use lookout_layers::{Author, Dataset};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn run(store: &Store, incident: u64, writers: usize, seconds: f64) -> (f64, u64) {
    let stop = AtomicBool::new(false);
    let acknowledged = AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for w in 0..writers {
            let (stop, acknowledged) = (&stop, &acknowledged);
            s.spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let event = Event::NoteAdded {
                        incident,
                        drill: false,
                        text: format!("writer {w} note {n}"),
                    };
                    store.submit(Author::from("bench"), event).expect("stored");
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        std::thread::sleep(Duration::from_secs_f64(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed().as_secs_f64();
    let n = acknowledged.into_inner();
    (n as f64 / elapsed, n)
}

fn main() {
    let seconds: f64 = std::env::var("SECONDS_EACH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2.0);
    let writers: Vec<usize> = std::env::var("WRITERS")
        .unwrap_or_else(|_| "1 4 16 64".into())
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let counties = generate::read_counties(&root.join("data/shanxi-counties.geojson")).expect("counties");
    let options = Options::default();
    let identity = identity_of(&options);
    let data: Dataset = generate::generate(&counties, options, &Silent).expect("dataset");
    let work = tempfile::tempdir().expect("tempdir");
    let journal = work.path().join("journal.lkj");
    let (store, ..) = Store::embedded(data, identity, &journal).expect("store");
    let spec = serde_json::from_value(serde_json::json!({"kind": "fire", "location": [112.55, 37.87]})).expect("spec");
    let incident = store
        .open_incident(Author::from("bench"), spec, false, None, None)
        .expect("incident");
    let durability = store.journal_durability().expect("embedded");

    println!("journal in {}", work.path().display());
    println!(
        "{:>7} | {:>22} | {:>22} | {:>5} | {:>16}",
        "writers", "one fsync each, w/s", "group commit, w/s", "ratio", "records per fsync"
    );
    for &w in &writers {
        store.set_group_commit(false);
        let (before, _) = run(&store, incident, w, seconds);
        store.set_group_commit(true);
        let syncs = durability.syncs();
        let (after, n) = run(&store, incident, w, seconds);
        let per_sync = n as f64 / (durability.syncs() - syncs).max(1) as f64;
        println!(
            "{w:>7} | {before:>22.0} | {after:>22.0} | {:>4.1}x | {per_sync:>16.1}",
            after / before
        );
    }
}
