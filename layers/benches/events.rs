//! Reading stored events back: what a start-up does with every event the
//! store holds (the PostGIS store's `events` table, the embedded journal, a
//! snapshot's `events.lkj`, a backup). Over a generated ledger history (the
//! scale-1 dataset's, or the file `HISTORY` names, e.g.
//! `data/generated/seed-1-scale-100/history.jsonl.gz`), in the same run:
//! - the floor: each line parsed into a `serde_json::Value`, nothing more;
//! - each line parsed into an `EventRecord`;
//! - the fold of the parsed records into `Operations`;
//! - once: the folded ledger serialised (JSON, MessagePack) and read back,
//!   what a snapshot of the folded state instead of its events would cost
//!   at start (docs/operations.md).
//!
//! Prints ns per event and the ratio to the floor; asserts nothing.
//! Run: `cargo bench -p lookout-layers --bench events` (HISTORY=…, ROUNDS=…).

use lookout_layers::EventRecord;
use lookout_layers::generate::{self, Options, Silent};
use lookout_layers::ops::Operations;
use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

fn lines() -> Vec<String> {
    if let Ok(path) = std::env::var("HISTORY") {
        let file = std::fs::File::open(&path).expect("HISTORY opens");
        return BufReader::new(flate2::read::GzDecoder::new(file))
            .lines()
            .map(|l| l.expect("a line"))
            .filter(|l| !l.is_empty())
            .collect();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let counties = generate::read_counties(&root.join("data/shanxi-counties.geojson")).expect("counties");
    let options = Options::default();
    let dataset = generate::generate(&counties, options, &Silent).expect("dataset");
    let now = chrono::Utc::now();
    generate::history::history(&dataset, options.seed, now)
        .iter()
        .map(|r| serde_json::to_string(r).expect("serialises"))
        .collect()
}

fn per_event(lines: usize, started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1e9 / lines as f64
}

fn main() {
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let lines = lines();
    let bytes: usize = lines.iter().map(String::len).sum();
    println!(
        "{} events, {:.0} bytes each on average",
        lines.len(),
        bytes as f64 / lines.len() as f64
    );
    println!(
        "{:>5} | {:>14} | {:>18} | {:>5} | {:>16}",
        "round", "Value, ns/ev", "EventRecord, ns/ev", "ratio", "fold, ns/ev"
    );
    for round in 1..=rounds {
        let started = Instant::now();
        for l in &lines {
            black_box(serde_json::from_str::<serde_json::Value>(l).expect("JSON"));
        }
        let floor = per_event(lines.len(), started);

        let started = Instant::now();
        let records: Vec<EventRecord> = lines
            .iter()
            .map(|l| serde_json::from_str(l).expect("an event record"))
            .collect();
        let parse = per_event(lines.len(), started);

        let started = Instant::now();
        let mut ops = Operations::default();
        for r in records {
            ops.apply(Arc::new(r));
        }
        black_box(&ops);
        let fold = per_event(lines.len(), started);
        println!(
            "{round:>5} | {floor:>14.0} | {parse:>18.0} | {:>4.1}x | {fold:>16.0}",
            parse / floor
        );
        if round == rounds {
            state_read_back(&ops);
        }
    }
}

/// The folded ledger, serialised and read back: its size and read time in
/// each format.
fn state_read_back(ops: &Operations) {
    use lookout_layers::ledger::LedgerState;
    let ledger = ops.ledger();
    let json = serde_json::to_vec(ledger).expect("serialises");
    let started = Instant::now();
    black_box(serde_json::from_slice::<LedgerState>(&json).expect("reads back"));
    let json_s = started.elapsed().as_secs_f64();
    let packed = rmp_serde::to_vec_named(ledger).expect("serialises");
    let started = Instant::now();
    black_box(rmp_serde::from_slice::<LedgerState>(&packed).expect("reads back"));
    let packed_s = started.elapsed().as_secs_f64();
    println!(
        "the folded ledger ({} dangers) read back: JSON {:.0} MB in {json_s:.2} s, MessagePack {:.0} MB in {packed_s:.2} s",
        ledger.len(),
        json.len() as f64 / 1e6,
        packed.len() as f64 / 1e6,
    );
}
