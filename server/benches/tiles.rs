//! Uncached tile rendering (query + clip + generalise + encode), per layer and
//! zoom, over a fixed seeded tile list inside Shanxi: p50, p99, max and sizes.
//! Reads the generated dataset of scale `SCALE` (default 1); scripts/bench
//! generates it first. This is a measurement, not a test: it asserts nothing.

use lookout_layers::Catalog;
use lookout_layers::dataset::generated_dir;
use lookout_server::extract::PropertyFilters;
use lookout_server::tiling::{Tiles, parse_request};
use lookout_tiles::TileCoord;
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::Instant;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let s = Instant::now();
    let out = f();
    (out, s.elapsed().as_secs_f64() * 1e3)
}

fn report(label: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    println!(
        "  {label:<58}      {:>7.3} / {:>7.3} / {:>7.3} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );
}

/// Road graph preparation, ranked-by-time nearest and exposure, in process.
fn analyses(catalog: &Catalog, scale: u32) {
    use lookout_layers::exposure::{Zone, exposure};
    use lookout_layers::routing::{RoadGraph, rank_by_time};
    let roads = catalog.roads.read();
    let (graph, build_ms) = timed(|| RoadGraph::build(&roads));
    println!(
        "scale {scale}: road graph of {} junctions prepared in {build_ms:.1} ms",
        graph.node_count()
    );
    let teams = catalog.rescue_teams.read();
    let hazmat = lookout_layers::Filter::parse(
        <lookout_layers::model::RescueTeam as lookout_layers::Record>::FIELDS,
        [("kind", "hazmat"), ("status", "available")],
    )
    .expect("filter");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let origins: Vec<geo::Coord<f64>> = (0..200)
        .map(|_| geo::Coord {
            x: rng.random_range(111.0..113.8),
            y: rng.random_range(35.2..39.8),
        })
        .collect();
    println!("scale {scale}: analyses, ms (p50 / p99 / max)");
    report(
        "nearest 5 available hazmat teams by road time",
        origins
            .iter()
            .map(|o| {
                timed(|| {
                    rank_by_time(
                        &graph,
                        &roads,
                        &*teams,
                        teams.nearest_iter(*o, &hazmat).map(|(f, d)| (f.id, d)),
                        *o,
                        5,
                    )
                })
                .1
            })
            .collect(),
    );
    let all_hazmat = lookout_layers::Filter::parse(
        <lookout_layers::model::RescueTeam as lookout_layers::Record>::FIELDS,
        [("kind", "hazmat")],
    )
    .expect("filter");
    let (c, ms) = timed(|| lookout_layers::coverage::coverage(catalog, &graph, &all_hazmat, 30.0 * 60.0, None));
    println!(
        "scale {scale}: coverage of hazmat teams in 30 min (isochrone + gap lists) {ms:.0} ms: {} teams, {:.0} km², {} hazard sources and {} enterprises outside",
        c.teams, c.reachable_km2, c.hazard_sources.count, c.enterprises.count
    );
    report(
        "exposure within 5 km",
        origins
            .iter()
            .map(|o| {
                timed(|| {
                    exposure(
                        catalog,
                        &Zone::Circle {
                            centre: *o,
                            radius_m: 5_000.0,
                        },
                    )
                })
                .1
            })
            .collect(),
    );
}

fn main() {
    let scale: u32 = std::env::var("SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    let dir = generated_dir(&data, 1, scale);
    let started = Instant::now();
    let dataset = lookout_layers::Dataset::load(&dir)
        .unwrap_or_else(|e| panic!("{e}: run `lookout data generate --scale {scale}` first"));
    let catalog = Catalog::new(dataset);
    let renderer = Tiles::new(&catalog, 0);
    eprintln!(
        "scale {scale}: loaded and indexed in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    analyses(&catalog, scale);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    println!("scale {scale}: uncached tile render, ms (p50 / p99 / max) and size, KiB (p50 / max)");
    for layer in [
        "enterprises",
        "roads",
        "gas_pipes",
        "counties",
        "enterprises,hazard_sources,rescue_teams,roads,counties",
        // The risk grid (docs/risk-method.md): resolution 5 at z6, 7 at z10 and z14.
        "risk_grid",
    ] {
        let request = parse_request(&catalog, layer, &PropertyFilters::default()).expect("request");
        for z in [6u8, 10, 14] {
            let tiles: Vec<TileCoord> = (0..if z == 6 { 24 } else { 300 })
                .map(|_| {
                    // Gas networks are in city cores: aim there for gas_pipes.
                    let (lon, lat) = if layer == "gas_pipes" {
                        [(112.55, 37.86), (111.52, 36.09), (113.12, 36.2)][rng.random_range(0..3)]
                    } else {
                        (rng.random_range(110.6..114.2), rng.random_range(34.9..40.4))
                    };
                    let jitter = 0.05 * f64::from(1u32 << (14 - z.min(14)).min(6));
                    TileCoord::at(
                        lon + rng.random_range(-jitter..jitter),
                        lat + rng.random_range(-jitter..jitter),
                        z,
                    )
                    .expect("tile")
                })
                .collect();
            let mut times = Vec::with_capacity(tiles.len());
            let mut sizes = Vec::with_capacity(tiles.len());
            for t in &tiles {
                let s = Instant::now();
                let r = renderer.render(&catalog, &request, *t);
                times.push(s.elapsed().as_secs_f64() * 1e3);
                sizes.push(r.mvt.len() as f64 / 1024.0);
            }
            times.sort_by(f64::total_cmp);
            sizes.sort_by(f64::total_cmp);
            println!(
                "  {layer:<58} z{z:<2}  {:>7.2} / {:>7.2} / {:>7.2} ms   {:>7.1} / {:>7.1} KiB",
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                times[times.len() - 1],
                percentile(&sizes, 0.5),
                sizes[sizes.len() - 1],
            );
        }
    }
}
