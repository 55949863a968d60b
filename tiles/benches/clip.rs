//! What valid polygons cost: the county boundaries (data/shanxi-counties.geojson,
//! 119 polygons, the largest 2,142 vertices) cut into every tile on their
//! boundary at z6–z14, encoded with the overlay rebuild (`valid: true`, the
//! default) and with the plain clip (`valid: false`), alternating, in the same
//! run. Prints p50 / p99 per tile and the totals as a ratio. A measurement,
//! not a test: it asserts nothing.

use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use lookout_tiles::{TileCoord, TileSpec};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

fn ring(v: &serde_json::Value) -> LineString<f64> {
    v.as_array()
        .expect("ring")
        .iter()
        .map(|p| Coord {
            x: p[0].as_f64().expect("lon"),
            y: p[1].as_f64().expect("lat"),
        })
        .collect()
}

fn polygon(v: &serde_json::Value) -> Polygon<f64> {
    let rings = v.as_array().expect("rings");
    Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect())
}

fn counties() -> Vec<MultiPolygon<f64>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/shanxi-counties.geojson");
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("counties file")).expect("json");
    file["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            let g = &f["geometry"];
            match g["type"].as_str() {
                Some("Polygon") => MultiPolygon(vec![polygon(&g["coordinates"])]),
                _ => MultiPolygon(
                    g["coordinates"]
                        .as_array()
                        .expect("parts")
                        .iter()
                        .map(polygon)
                        .collect(),
                ),
            }
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let counties = counties();
    println!("tiles: county polygons per boundary tile, µs (p50 / p99), valid rebuild against plain clip");
    let (mut total_valid, mut total_plain) = (0.0, 0.0);
    for z in (6..=14).step_by(2) {
        // Every tile a county's boundary passes through, with that county.
        let mut jobs: BTreeSet<(usize, u32, u32)> = BTreeSet::new();
        for (i, c) in counties.iter().enumerate() {
            for p in c.0.iter().flat_map(|p| p.exterior().0.iter()) {
                if let Ok(t) = TileCoord::at(p.x, p.y, z as u8) {
                    jobs.insert((i, t.x, t.y));
                }
            }
        }
        let mut valid_us = Vec::with_capacity(jobs.len());
        let mut plain_us = Vec::with_capacity(jobs.len());
        for &(i, x, y) in &jobs {
            let spec = TileSpec::new(TileCoord::new(z as u8, x, y).expect("tile"));
            let plain = TileSpec { valid: false, ..spec };
            let g = Geometry::MultiPolygon(counties[i].clone());
            for (s, out) in [(spec, &mut valid_us), (plain, &mut plain_us)] {
                let start = Instant::now();
                std::hint::black_box(s.encode(std::hint::black_box(&g)));
                out.push(start.elapsed().as_secs_f64() * 1e6);
            }
        }
        let (v, p): (f64, f64) = (valid_us.iter().sum(), plain_us.iter().sum());
        total_valid += v;
        total_plain += p;
        valid_us.sort_by(f64::total_cmp);
        plain_us.sort_by(f64::total_cmp);
        println!(
            "  z{z:<2} {:>6} tiles   valid {:>8.1} / {:>8.1}   plain {:>8.1} / {:>8.1}   total ratio {:.2}",
            jobs.len(),
            percentile(&valid_us, 0.5),
            percentile(&valid_us, 0.99),
            percentile(&plain_us, 0.5),
            percentile(&plain_us, 0.99),
            v / p
        );
    }
    println!(
        "  all: valid {:.0} ms, plain {:.0} ms, ratio {:.2}",
        total_valid / 1e3,
        total_plain / 1e3,
        total_valid / total_plain
    );
}
