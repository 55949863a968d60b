//! Acknowledged writes per second of the PostGIS store with 1, 4, 16 and 64
//! concurrent writers, three ways, alternating in the same run on the same
//! database:
//! - **one by one**: a transaction per command, statement after statement,
//!   as before batching (kept selectable for this benchmark: `set_group_commit(false)`);
//! - **pipelined**: a transaction per command, its statements issued
//!   together and prepared once per connection (a batch of at most one);
//! - **batched**: concurrent commands share one transaction and one COMMIT.
//!
//! Two typical writes: a note in an incident's log (`POST /incidents/{id}/notes`)
//! and a feature patch (`PATCH /collections/enterprises/items/{id}`, each
//! writer its own enterprise). A write counts once `submit` returns. Reports
//! writes/s, the ratios and the commands per COMMIT; asserts nothing.
//!
//! Needs a PostGIS at LOOKOUT_PG_URL whose `lookout` schema it may replace
//! (scale 1 is imported): `scripts/bench-postgis-writes` starts a throwaway
//! cluster (fsync on). SECONDS_EACH=…, WRITERS="1 4 16 64", ROUNDS=… (each
//! way that many times, in turn; the means are reported).

use lookout_layers::event::Event;
use lookout_layers::generate::{self, Options, Silent};
use lookout_layers::store::postgis::Postgis;
use lookout_layers::store::{Store, identity_of};
use lookout_layers::{Author, Dataset};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
enum Write {
    Note(u64),
    Patch,
}

fn run(store: &Store, write: Write, enterprises: &[u64], writers: usize, seconds: f64) -> f64 {
    let stop = AtomicBool::new(false);
    let acknowledged = AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for (w, &enterprise) in enterprises.iter().enumerate().take(writers) {
            let (stop, acknowledged) = (&stop, &acknowledged);
            s.spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let event = match write {
                        Write::Note(incident) => Event::NoteAdded {
                            incident,
                            drill: false,
                            text: format!("writer {w} note {n}"),
                        },
                        Write::Patch => {
                            let mut properties = serde_json::Map::new();
                            properties.insert("address".into(), format!("writer {w} edit {n}").into());
                            Event::FeatureUpdated {
                                collection: "enterprises".into(),
                                id: enterprise,
                                properties,
                                geometry: None,
                            }
                        }
                    };
                    store.submit(Author::from("bench"), event).expect("stored");
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        std::thread::sleep(Duration::from_secs_f64(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    acknowledged.into_inner() as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let url = std::env::var("LOOKOUT_PG_URL")
        .expect("LOOKOUT_PG_URL: a PostGIS to use (scripts/bench-postgis-writes starts one)");
    let seconds: f64 = std::env::var("SECONDS_EACH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2.0);
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2)
        .max(1);
    let writers: Vec<usize> = std::env::var("WRITERS")
        .unwrap_or_else(|_| "1 4 16 64".into())
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let counties = generate::read_counties(&root.join("data/shanxi-counties.geojson")).expect("counties");
    let options = Options::default();
    let data: Dataset = generate::generate(&counties, options, &Silent).expect("dataset");
    {
        let db = Postgis::new(&url).expect("url");
        db.block_on(async {
            let client = db.client().await.expect("connection");
            client
                .batch_execute("DROP SCHEMA IF EXISTS lookout CASCADE; DROP TABLE IF EXISTS public.lookout_migrations")
                .await
                .expect("a fresh schema");
        });
        db.migrate().expect("migrations");
        db.import(&data, identity_of(&options), &Silent).expect("import");
    }
    let enterprises: Vec<u64> = data.enterprises.iter().take(64).map(|f| f.id).collect();
    drop(data);
    let (store, _) = Store::open_postgis(&url, &Silent).expect("store");
    let spec = serde_json::from_value(serde_json::json!({"kind": "fire", "location": [112.55, 37.87]})).expect("spec");
    let incident = store
        .open_incident(Author::from("bench"), spec, false, None, None)
        .expect("incident");

    println!(
        "PostGIS at {}, {seconds} s each, {rounds} rounds in turn (means)",
        store.postgis().map(Postgis::redacted_url).unwrap_or_default()
    );
    println!(
        "{:>5} | {:>7} | {:>16} | {:>14} | {:>12} | {:>9} | {:>9} | {:>15}",
        "write",
        "writers",
        "one by one, w/s",
        "pipelined, w/s",
        "batched, w/s",
        "pipelined",
        "batched",
        "commands/COMMIT"
    );
    for (name, write) in [("note", Write::Note(incident)), ("patch", Write::Patch)] {
        for &w in &writers {
            // Each way `rounds` times, in turn (one by one, pipelined,
            // batched, then again), so a drift in the machine's load falls
            // on all three; the figures are the means.
            let (mut before, mut pipelined, mut batched) = (0.0, 0.0, 0.0);
            let (mut commits, mut commands) = (0, 0);
            for _ in 0..rounds {
                store.set_group_commit(false);
                before += run(&store, write, &enterprises, w, seconds) / rounds as f64;
                store.set_group_commit(true);
                store.set_batch_limit(1);
                pipelined += run(&store, write, &enterprises, w, seconds) / rounds as f64;
                store.set_batch_limit(usize::MAX);
                let (commits_before, commands_before) = store.batch_commits().unwrap_or_default();
                batched += run(&store, write, &enterprises, w, seconds) / rounds as f64;
                let (commits_after, commands_after) = store.batch_commits().unwrap_or_default();
                commits += commits_after - commits_before;
                commands += commands_after - commands_before;
            }
            let per_commit = commands as f64 / commits.max(1) as f64;
            println!(
                "{name:>5} | {w:>7} | {before:>16.0} | {pipelined:>14.0} | {batched:>12.0} | {:>8.1}x | {:>8.1}x | {per_commit:>15.1}",
                pipelined / before,
                batched / before
            );
        }
    }
}
