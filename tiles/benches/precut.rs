//! What pre-cutting saves: the county boundaries (data/shanxi-counties.geojson,
//! 119 polygons, up to 2,142 points) on the tiles of z12–z15 that hold them
//! (every tile a boundary point lies in, and a seeded sample of tiles
//! inside), encoded directly (`TileSpec::encode`: the whole county projected,
//! simplified and clipped per tile) and from the pieces of `Precut`, the
//! first time (pieces cut as they are asked for) and again (pieces kept), in
//! the same run. Prints µs per tile (p50 / p99) and the ratios. A
//! measurement, not a test: it asserts nothing but equal output.

use geo::{BoundingRect, Coord, Geometry, LineString, MultiPolygon, Polygon};
use lookout_tiles::{Precut, TileCoord, TileSpec};
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

fn counties() -> Vec<Geometry<f64>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/shanxi-counties.geojson");
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("counties file")).expect("json");
    file["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            let g = &f["geometry"];
            match g["type"].as_str() {
                Some("Polygon") => Geometry::Polygon(polygon(&g["coordinates"])),
                _ => Geometry::MultiPolygon(MultiPolygon(
                    g["coordinates"]
                        .as_array()
                        .expect("parts")
                        .iter()
                        .map(polygon)
                        .collect(),
                )),
            }
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let counties = counties();
    let mut seed = 5u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    println!("county tiles, µs per tile (p50 / p99): direct, pre-cut first time, pre-cut again");
    for z in 12u8..=15 {
        let mut jobs: BTreeSet<(usize, u32, u32)> = BTreeSet::new();
        for (i, c) in counties.iter().enumerate() {
            use geo::CoordsIter;
            for p in c.coords_iter().step_by(3) {
                let t = TileCoord::at(p.x, p.y, z).expect("tile");
                jobs.insert((i, t.x, t.y));
            }
            let b = c.bounding_rect().expect("bounds");
            for _ in 0..40 {
                let (x, y) = (b.min().x + next() * b.width(), b.min().y + next() * b.height());
                let t = TileCoord::at(x, y, z).expect("tile");
                jobs.insert((i, t.x, t.y));
            }
        }
        let precut = Precut::new(256 << 20);
        let mut times: [Vec<f64>; 3] = Default::default();
        for &(i, x, y) in &jobs {
            let spec = TileSpec::new(TileCoord::new(z, x, y).expect("tile"));
            let g = &counties[i];
            let start = Instant::now();
            let direct = std::hint::black_box(spec.encode(g));
            times[0].push(start.elapsed().as_secs_f64() * 1e6);
            let start = Instant::now();
            let first = std::hint::black_box(precut.encode(&spec, "counties", i as u64, g));
            times[1].push(start.elapsed().as_secs_f64() * 1e6);
            assert_eq!(direct, first, "{z}/{x}/{y}");
        }
        for &(i, x, y) in &jobs {
            let spec = TileSpec::new(TileCoord::new(z, x, y).expect("tile"));
            let start = Instant::now();
            std::hint::black_box(precut.encode(&spec, "counties", i as u64, &counties[i]));
            times[2].push(start.elapsed().as_secs_f64() * 1e6);
        }
        let sums: Vec<f64> = times.iter().map(|t| t.iter().sum()).collect();
        for t in &mut times {
            t.sort_by(f64::total_cmp);
        }
        println!(
            "  z{z} {:>6} tiles   direct {:>7.1} / {:>7.1}   first {:>7.1} / {:>7.1}   again {:>7.1} / {:>7.1}   direct/first {:.1}×  direct/again {:.1}×   kept {} KiB",
            jobs.len(),
            percentile(&times[0], 0.5),
            percentile(&times[0], 0.99),
            percentile(&times[1], 0.5),
            percentile(&times[1], 0.99),
            percentile(&times[2], 0.5),
            percentile(&times[2], 0.99),
            sums[0] / sums[1],
            sums[0] / sums[2],
            precut.stats().bytes / 1024,
        );
    }
}
