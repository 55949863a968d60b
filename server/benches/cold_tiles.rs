//! Cold enterprise, road and county tiles rendered in process, and the
//! worst enterprise tile (issue 21, items 1 and 7).
//!
//! - The worst tile: the z14 tile holding the most enterprises (cut in
//!   order of importance if it is over the 500 KB budget), rendered
//!   `REPEAT` times (default 15): min / p50 / max.
//! - Cold tiles as `scripts/bench-tiles` asks for them over HTTP: a seeded
//!   sample of each layer's features, each giving the tile (z12–15) it lies
//!   in, every tile rendered once, plus gzip (as the server stores it):
//!   tiles/s on one thread, and the p50 / p99 / max of one tile.
//! - Each layer's tiles by zoom: how many, how many the budget cut, their
//!   share of the time, mean, p50 and p99.
//! - `TILE=z/x/y` instead: that enterprise tile only, rendered `REPEAT`
//!   times, with the enterprises it holds.
//!
//! Reads the generated dataset of `SCALE` (default 100) through its binary
//! cache (`lookout data generate --scale 100` first). A measurement: it
//! asserts nothing. `cargo bench -p lookout-server --bench cold_tiles`.

use geo::Geometry;
use lookout_layers::dataset::generated_dir;
use lookout_layers::{Catalog, Filter};
use lookout_server::extract::PropertyFilters;
use lookout_server::tiling::{TILE_BUDGET_BYTES, Tiles, parse_request};
use lookout_tiles::TileCoord;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::Instant;

fn ms(from: Instant) -> f64 {
    from.elapsed().as_secs_f64() * 1e3
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn gzip(bytes: &[u8]) -> usize {
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 2 + 64), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip").len()
}

/// Points of the features of `layer`, as `scripts/bench-tiles` draws them:
/// each point; each vertex of a line; 200 random points inside each polygon.
fn points(catalog: &Catalog, layer: &str) -> Vec<geo::Coord<f64>> {
    use geo::{BoundingRect, Contains};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut out = Vec::new();
    let Some(c) = catalog.read(layer) else { return out };
    c.visit_all(&Filter::all(), &mut |_, g, _| {
        match g {
            Geometry::Point(p) => out.push(p.0),
            Geometry::LineString(l) => out.extend(l.0.iter().copied()),
            Geometry::MultiLineString(ml) => out.extend(ml.0.iter().flat_map(|l| l.0.iter().copied())),
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) => {
                let Some(b) = g.bounding_rect() else {
                    return ControlFlow::Continue(());
                };
                let mut found = 0;
                for _ in 0..20_000 {
                    let p = geo::Point::new(
                        rng.random_range(b.min().x..=b.max().x),
                        rng.random_range(b.min().y..=b.max().y),
                    );
                    if g.contains(&p) {
                        out.push(p.0);
                        found += 1;
                        if found == 200 {
                            break;
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    out
}

fn worst_tile(catalog: &Catalog, tiles: &Tiles, repeat: usize) {
    let mut per_tile: HashMap<TileCoord, u32> = HashMap::new();
    for p in points(catalog, "enterprises") {
        if let Ok(t) = TileCoord::at(p.x, p.y, 14) {
            *per_tile.entry(t).or_default() += 1;
        }
    }
    let Some((tile, n)) = per_tile.into_iter().max_by_key(|(t, n)| (*n, t.x, t.y)) else {
        println!("no enterprises");
        return;
    };
    let request = parse_request(catalog, "enterprises", &PropertyFilters::default()).expect("request");
    let mut times = Vec::with_capacity(repeat);
    let mut last = None;
    for _ in 0..repeat {
        let s = Instant::now();
        let r = tiles.render_within(catalog, &request, tile, None, TILE_BUDGET_BYTES);
        times.push(ms(s));
        last = Some(r);
    }
    times.sort_by(f64::total_cmp);
    let r = last.expect("rendered");
    println!(
        "worst enterprise tile z14/{}/{} ({n} enterprises in the tile): {:.2} / {:.2} / {:.2} ms (min / p50 / max of {repeat}), {} KiB, truncated {:?}",
        tile.x,
        tile.y,
        times[0],
        percentile(&times, 0.5),
        times[times.len() - 1],
        r.mvt.len() / 1024,
        r.truncated
    );
}

/// `TILE=z/x/y`: that enterprise tile rendered `REPEAT` times, and what it holds.
fn one_tile(catalog: &Catalog, tiles: &Tiles, tile: &str, repeat: usize) {
    let parts: Vec<u32> = tile.split('/').filter_map(|p| p.parse().ok()).collect();
    let [z, x, y] = parts[..] else {
        panic!("TILE must be z/x/y, not {tile}");
    };
    let t = TileCoord {
        z: u8::try_from(z).expect("a zoom"),
        x,
        y,
    };
    let request = parse_request(catalog, "enterprises", &PropertyFilters::default()).expect("request");
    let mut times = Vec::with_capacity(repeat);
    let mut bytes = 0;
    for _ in 0..repeat {
        let s = Instant::now();
        bytes = tiles.render(catalog, &request, t).mvt.len();
        times.push(ms(s));
    }
    times.sort_by(f64::total_cmp);
    let (w, s, e, n) = lookout_tiles::TileSpec::new(t).query_bounds();
    let rect = geo::Rect::new(geo::Coord { x: w, y: s }, geo::Coord { x: e, y: n });
    let mut count = 0;
    let mut names = HashSet::new();
    let enterprises = catalog.read("enterprises").expect("enterprises");
    enterprises.visit_in_rect(rect, &Filter::all(), &mut |_, _, values| {
        count += 1;
        if let Some((_, lookout_layers::record::Value::Text(name))) = values.iter().find(|(k, _)| *k == "name") {
            names.insert(name.to_string());
        }
        ControlFlow::Continue(())
    });
    println!(
        "tile {z}/{x}/{y}: {:.2} / {:.2} / {:.2} ms (min / p50 / max of {repeat}), {} KiB, {count} enterprises, {} distinct names",
        times[0],
        percentile(&times, 0.5),
        times[times.len() - 1],
        bytes / 1024,
        names.len()
    );
}

fn cold_tiles(catalog: &Catalog, tiles: &Tiles, layer: &str, count: usize) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
    let mut pts = points(catalog, layer);
    pts.shuffle(&mut rng);
    let mut list = Vec::new();
    let mut seen = HashSet::new();
    for p in pts {
        if list.len() == count {
            break;
        }
        if let Ok(t) = TileCoord::at(p.x, p.y, rng.random_range(12..=15))
            && seen.insert(t)
        {
            list.push(t);
        }
    }
    let request = parse_request(catalog, layer, &PropertyFilters::default()).expect("request");
    let mut times = Vec::with_capacity(list.len());
    let mut by_zoom: [Vec<f64>; 4] = Default::default();
    let mut cut = [0usize; 4];
    let mut bytes = 0usize;
    let started = Instant::now();
    for t in &list {
        let s = Instant::now();
        let r = tiles.render(catalog, &request, *t);
        bytes += gzip(&r.mvt);
        let took = ms(s);
        times.push(took);
        by_zoom[usize::from(t.z - 12)].push(took);
        cut[usize::from(t.z - 12)] += usize::from(!r.truncated.is_empty());
    }
    let total = started.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    println!(
        "cold {layer:<12} {} tiles z12-15: {:>7.0} tiles/s on one thread, {:.3} / {:.3} / {:.3} ms (p50 / p99 / max), {:.1} KiB gzip on average",
        list.len(),
        list.len() as f64 / total,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1],
        bytes as f64 / list.len() as f64 / 1024.0
    );
    for (z, times) in by_zoom.iter_mut().enumerate() {
        if times.is_empty() {
            continue;
        }
        times.sort_by(f64::total_cmp);
        let sum: f64 = times.iter().sum();
        println!(
            "  z{}: {:>4} tiles ({} cut by the budget), {:>4.1} % of the time, mean {:.3} ms, p50 {:.3} / p99 {:.3} ms",
            z + 12,
            times.len(),
            cut[z],
            100.0 * sum / 1e3 / total,
            sum / times.len() as f64,
            percentile(times, 0.5),
            percentile(times, 0.99),
        );
    }
}

fn main() {
    let scale: u32 = std::env::var("SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(100);
    let repeat: usize = std::env::var("REPEAT").ok().and_then(|s| s.parse().ok()).unwrap_or(15);
    let count: usize = std::env::var("TILES").ok().and_then(|s| s.parse().ok()).unwrap_or(1500);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    let dir = generated_dir(&data, 1, scale);
    let started = Instant::now();
    let (dataset, _) = lookout_layers::cache::load(&dir)
        .unwrap_or_else(|e| panic!("{e}: run `lookout data generate --scale {scale}` first"));
    let catalog = Catalog::new(dataset);
    let tiles = Tiles::new(&catalog, 0);
    eprintln!(
        "scale {scale}: loaded and indexed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if let Ok(tile) = std::env::var("TILE") {
        one_tile(&catalog, &tiles, &tile, repeat);
        return;
    }
    worst_tile(&catalog, &tiles, repeat);
    for layer in ["enterprises", "roads", "counties"] {
        cold_tiles(&catalog, &tiles, layer, count);
    }
}
