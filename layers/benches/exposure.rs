//! `exposure` in process: what lies inside circles of growing radius round
//! seeded points in Shanxi's cities (the work of `POST /exposure` without the
//! HTTP around it), mean µs per zone, and with the answer written as JSON as
//! the route writes it. Reports; asserts nothing about speed.
//!
//! Run: `cargo bench -p lookout-layers --bench exposure` (SCALE=1, ZONES=300, RADII=100,200;
//! `DATA_DIR=…` reads `DATA_DIR/generated/seed-1-scale-N` instead of generating).

use geo::Coord;
use lookout_layers::exposure::{Zone, exposure};
use lookout_layers::generate::{self, Options, Silent};
use lookout_layers::{Catalog, Dataset};
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::Instant;

fn main() {
    let scale: u32 = std::env::var("SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let zones: usize = std::env::var("ZONES").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = std::env::var("DATA_DIR")
        .ok()
        .map(|d| Path::new(&d).join(format!("generated/seed-1-scale-{scale}")))
        .filter(|d| d.join("metadata.json").exists());
    let data = match dir {
        Some(dir) => Dataset::load(&dir).expect("dataset"),
        None => {
            let counties = generate::read_counties(&root.join("data/shanxi-counties.geojson")).expect("counties");
            generate::generate(&counties, Options { seed: 1, scale }, &Silent).expect("dataset")
        }
    };
    let catalog = Catalog::new(data);
    // Round the centres of Taiyuan, Datong and Changzhi.
    let cities = [(112.55, 37.87), (113.30, 40.08), (113.12, 36.20)];
    println!("scale {scale}: {zones} circles round city centres");
    println!(
        "{:>9} | {:>12} | {:>17} | {:>16}",
        "radius m", "µs per zone", "µs with the JSON", "features inside"
    );
    let radii: Vec<f64> = std::env::var("RADII")
        .ok()
        .map(|v| v.split(',').filter_map(|r| r.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100.0, 200.0, 300.0, 1_000.0, 5_000.0]);
    for radius_m in radii {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let centres: Vec<Coord<f64>> = (0..zones)
            .map(|i| {
                let (x, y) = cities[i % cities.len()];
                Coord {
                    x: x + rng.random_range(-0.05..0.05),
                    y: y + rng.random_range(-0.05..0.05),
                }
            })
            .collect();
        let zones_round = || {
            centres.iter().map(|centre| {
                exposure(
                    &catalog,
                    &Zone::Circle {
                        centre: *centre,
                        radius_m,
                    },
                )
            })
        };
        let started = Instant::now();
        let inside: usize = zones_round()
            .map(|e| e.layers.values().map(|l| l.count).sum::<usize>())
            .sum();
        let alone = started.elapsed();
        let started = Instant::now();
        let bytes: usize = zones_round().map(|e| serde_json::to_vec(&e).expect("JSON").len()).sum();
        let written = started.elapsed();
        let per_zone = |d: std::time::Duration| d.as_secs_f64() * 1e6 / zones as f64;
        println!(
            "{radius_m:>9} | {:>12.1} | {:>17.1} | {:>16.1}   ({:.0} bytes)",
            per_zone(alone),
            per_zone(written),
            inside as f64 / zones as f64,
            bytes as f64 / zones as f64
        );
    }
}
