//! `/coverage` in process: one 30-minute hazmat coverage (the reach, the
//! population covered, every enterprise and hazard source outside), by
//! snapping every team, cell and feature on each call (`coverage`, the path
//! before) and from snaps made once (`CoverageIndex`: a search from the
//! teams, then a scan), alternating, at each scale. Also reports the time to
//! snap everything once, the memory the snaps take (and the RSS they add),
//! and an answer for another limit of the same teams (the search's times
//! kept). Checks that both answer the same (exactness is a test too:
//! coverage/index.rs), never a speed.
//!
//! Run: `scripts/bench-coverage` (SCALES="1 10 100", ROUNDS=3). With
//! `DATA_DIR=…`, a dataset already generated under
//! `DATA_DIR/generated/seed-1-scale-N` is read instead of generated.

use lookout_layers::coverage::{CoverageIndex, coverage};
use lookout_layers::generate::{self, Options, Silent};
use lookout_layers::model::RescueTeam;
use lookout_layers::routing::RoadGraph;
use lookout_layers::{Catalog, Dataset, Filter, Record};
use std::path::Path;
use std::time::Instant;

/// Resident set size of this process, bytes (Linux; 0 elsewhere).
fn rss() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let scales: Vec<u32> = std::env::var("SCALES")
        .unwrap_or_else(|_| "1 10 100".into())
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let data_dir = std::env::var("DATA_DIR").ok();
    let hazmat = Filter::parse(RescueTeam::FIELDS, [("kind", "hazmat")]).expect("filter");
    println!(
        "{:>5} | {:>11} | {:>11} | {:>13} | {:>14} | {:>13} | {:>7} | {:>15}",
        "scale", "enterprises", "snap all, s", "snaps MB/RSS+", "before, ms", "after, ms", "ratio", "other limit, ms"
    );
    for scale in scales {
        let dir = data_dir
            .as_ref()
            .map(|d| Path::new(d).join(format!("generated/seed-1-scale-{scale}")))
            .filter(|d| d.join("metadata.json").exists());
        let data = match dir {
            Some(dir) => Dataset::load(&dir).expect("dataset"),
            None => {
                let counties = generate::read_counties(&root.join("data/shanxi-counties.geojson")).expect("counties");
                generate::generate(&counties, Options { seed: 1, scale }, &Silent).expect("dataset")
            }
        };
        let catalog = Catalog::new(data);
        let graph = RoadGraph::build(&catalog.roads.read());
        let rss_before = rss();
        let started = Instant::now();
        let index = CoverageIndex::build(&graph, &catalog);
        let snapping = started.elapsed().as_secs_f64();
        let rss_added = rss().saturating_sub(rss_before);
        let (mut before, mut after, mut other) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let started = Instant::now();
            let old = coverage(&catalog, &graph, &hazmat, 30.0 * 60.0, None);
            before.push(started.elapsed().as_secs_f64() * 1e3);
            let started = Instant::now();
            let times = index.times(&graph, &catalog, &hazmat);
            let new = index.coverage(&catalog, &times, 30.0 * 60.0, None);
            after.push(started.elapsed().as_secs_f64() * 1e3);
            assert_eq!(new, old, "both answer the same at scale {scale}");
            let started = Instant::now();
            let longer = index.coverage(&catalog, &times, 60.0 * 60.0, None);
            other.push(started.elapsed().as_secs_f64() * 1e3);
            assert!(longer.enterprises.count <= new.enterprises.count);
        }
        let (b, a) = (median(before), median(after));
        println!(
            "{scale:>5} | {:>11} | {snapping:>11.2} | {:>6.1} / {:>4.0} | {b:>14.1} | {a:>13.1} | {:>6.1}x | {:>15.1}",
            catalog.enterprises.read().len(),
            index.heap_bytes() as f64 / 1e6,
            rss_added as f64 / 1e6,
            b / a,
            median(other),
        );
    }
}
