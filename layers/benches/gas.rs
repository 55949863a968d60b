//! One isolation trace on the largest city network (Taiyuan), with the road
//! ordering of the valves, against a baseline in the same run: the `/nearest`
//! query (five rescue teams by road time from the leak). Prints p50 and p99
//! of each; no assertion on time. Run: `cargo bench -p lookout-layers --bench gas`.
//! Percentiles are taken by hand (criterion reports means and intervals, not p99).

use geo::Coord;
use lookout_layers::gas::{GasGraph, LeakInput, isolate};
use lookout_layers::generate::{Options, Silent, generate, read_counties};
use lookout_layers::routing::{RoadGraph, rank_by_time};
use lookout_layers::{Catalog, Filter};
use std::path::Path;
use std::time::Instant;

const RUNS: usize = 2_000;

fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    (at(0.50), at(0.99))
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let counties = read_counties(&root.join("data/shanxi-counties.geojson")).expect("counties");
    let data = generate(&counties, Options::default(), &Silent).expect("dataset");
    let catalog = Catalog::new(data);
    let roads = RoadGraph::build(&catalog.roads.read());
    let started = Instant::now();
    let graph = GasGraph::build(
        &catalog.gas_pipes.read(),
        &catalog.gas_valves.read(),
        &catalog.gas_stations.read(),
    );
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    // The largest network: the one with most pipes.
    let mut counts = std::collections::HashMap::new();
    for p in graph.pipes() {
        *counts.entry(p.network).or_insert(0usize) += 1;
    }
    let (&largest, &pipes) = counts.iter().max_by_key(|(_, n)| **n).expect("a network");
    let leaks: Vec<u64> = graph
        .pipes()
        .iter()
        .filter(|p| p.network == largest)
        .map(|p| p.id)
        .collect();
    let pipes_layer = catalog.gas_pipes.read();
    let points: Vec<Coord<f64>> = leaks
        .iter()
        .filter_map(|id| pipes_layer.feature(*id))
        .filter_map(|f| match &f.geometry {
            geo::Geometry::LineString(l) => l.0.first().copied(),
            _ => None,
        })
        .collect();
    drop(pipes_layer);
    eprintln!(
        "network {}: {pipes} pipes of {} in all, {} nodes; graph built in {build_ms:.1} ms",
        graph.networks()[largest],
        graph.pipes().len(),
        graph.node_count()
    );

    let (mut trace_ms, mut nearest_ms, mut valves) = (Vec::new(), Vec::new(), 0usize);
    for i in 0..RUNS {
        let leak = leaks[i % leaks.len()];
        let t = Instant::now();
        let answer = isolate(&catalog, &graph, Some(&roads), &LeakInput::Pipe(leak), &[]).expect("trace");
        trace_ms.push(t.elapsed().as_secs_f64() * 1e3);
        valves += answer.valves_to_close.len();

        let origin = points[i % points.len()];
        let t = Instant::now();
        let teams = catalog.rescue_teams.read();
        let road_layer = catalog.roads.read();
        let filter = Filter::all();
        let c: &dyn lookout_layers::Collection = &*teams;
        let ranking = rank_by_time(&roads, &road_layer, c, c.nearest_iter(origin, &filter), origin, 5);
        nearest_ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(ranking.is_some());
    }
    let (tp50, tp99) = percentiles(trace_ms);
    let (np50, np99) = percentiles(nearest_ms);
    println!(
        "isolation trace (with road order): p50 {tp50:.3} ms, p99 {tp99:.3} ms ({RUNS} runs, {:.1} valves to close on average)",
        valves as f64 / RUNS as f64
    );
    println!("baseline /nearest (5 teams by road): p50 {np50:.3} ms, p99 {np99:.3} ms");
    println!("ratio trace/nearest: p50 {:.2}, p99 {:.2}", tp50 / np50, tp99 / np99);
}
