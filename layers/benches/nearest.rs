//! `/nearest?by=time` in process: the k = 5 rescue teams soonest by road to
//! random points, ranked by routing each candidate (`rank_by_time`, the path
//! before) and by one search over teams snapped beforehand
//! (`rank_by_time_indexed`), at each scale, on the same points in the same
//! run. Reports p50/p99 of each and the time to snap every team once; checks
//! that both answer the same (exactness is a test too: routing.rs), never a
//! speed. The dataset is generated in process (scale 100 takes a while).
//! Run: `scripts/bench-nearest` (SCALES="1 10 100", QUERIES=…).

use geo::Coord;
use lookout_layers::generate::{self, Options, Silent};
use lookout_layers::routing::{MAX_CANDIDATES, RoadGraph, SnapIndex, rank_by_time, rank_by_time_indexed};
use lookout_layers::{Collection, Filter, Layer};
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::Instant;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let scales: Vec<u32> = std::env::var("SCALES")
        .unwrap_or_else(|_| "1 10 100".into())
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    let queries: usize = std::env::var("QUERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let counties = generate::read_counties(&root.join("data/shanxi-counties.geojson")).expect("counties");
    println!(
        "{:>5} | {:>6} | {:>12} | {:>21} | {:>21} | {:>10}",
        "scale", "teams", "snap all, s", "each routed p50/p99", "one search p50/p99", "p99 ratio"
    );
    for scale in scales {
        let data = generate::generate(&counties, Options { seed: 1, scale }, &Silent).expect("dataset");
        let roads = Layer::new(data.roads.clone());
        let teams = Layer::new(data.rescue_teams.clone());
        drop(data);
        let graph = RoadGraph::build(&roads);
        let started = Instant::now();
        let index = SnapIndex::build(&graph, &roads, &teams);
        let snapping = started.elapsed().as_secs_f64();
        let extent = roads.extent().expect("roads");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
        let filter = Filter::all();
        let (mut before, mut after, mut capped) = (Vec::new(), Vec::new(), 0);
        for _ in 0..queries {
            let origin = Coord {
                x: rng.random_range(extent.min().x..extent.max().x),
                y: rng.random_range(extent.min().y..extent.max().y),
            };
            let started = Instant::now();
            let old = rank_by_time(
                &graph,
                &roads,
                &teams,
                Collection::nearest_iter(&teams, origin, &filter),
                origin,
                5,
            );
            let t_old = started.elapsed().as_secs_f64() * 1e3;
            let started = Instant::now();
            let new = rank_by_time_indexed(
                &graph,
                &roads,
                &index,
                &|_| true,
                Collection::nearest_iter(&teams, origin, &filter),
                origin,
                5,
            );
            let t_new = started.elapsed().as_secs_f64() * 1e3;
            let (Some(old), Some(new)) = (old, new) else {
                continue;
            };
            if old.examined >= MAX_CANDIDATES {
                // The old path gave up after MAX_CANDIDATES: its answer may
                // miss a sooner team; the one search never answers later.
                capped += 1;
                let last = |r: &lookout_layers::routing::Ranking| r.ranked.last().map(|x| x.route.time_s);
                assert!(last(&new) <= last(&old), "one search is never slower at {origin:?}");
            } else {
                assert_eq!(old.ranked, new.ranked, "both answer the same at {origin:?}");
            }
            before.push(t_old);
            after.push(t_new);
        }
        before.sort_by(f64::total_cmp);
        after.sort_by(f64::total_cmp);
        println!(
            "{scale:>5} | {:>6} | {snapping:>12.2} | {:>9.2} / {:>6.2} ms | {:>9.3} / {:>6.3} ms | {:>9.1}x | old path gave up (MAX_CANDIDATES) at {capped} of {} points",
            teams.len(),
            percentile(&before, 0.5),
            percentile(&before, 0.99),
            percentile(&after, 0.5),
            percentile(&after, 0.99),
            percentile(&before, 0.99) / percentile(&after, 0.99),
            before.len()
        );
    }
}
