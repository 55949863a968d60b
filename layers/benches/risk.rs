//! The risk grid (docs/risk-method.md): building it over the whole catalog,
//! and the time to bring it in step after one edit (a red enterprise added
//! and removed, with the grid's fold), against a baseline in the same run:
//! the same edits committed to the catalog without the grid. Prints p50 and
//! p99; no assertion on time. `SCALE=100` reads `data/generated/seed-1-scale-100`
//! (generate it first: `lookout data generate --scale 100`); without the
//! folder the dataset is generated in memory.
//! Run: `cargo bench -p lookout-layers --bench risk`.

use lookout_layers::catalog::{Catalog, Dataset};
use lookout_layers::dataset::generated_dir;
use lookout_layers::generate::{self, Options, Silent};
use lookout_layers::risk::{RiskGrid, RiskMethod};
use lookout_layers::{Event, FeatureId};
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::Instant;

const EDITS: usize = 400;

fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    (at(0.50), at(0.99))
}

fn dataset(scale: u32) -> Dataset {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    let dir = generated_dir(&data, 1, scale);
    if dir.join("metadata.json").exists()
        && let Ok(d) = Dataset::load(&dir)
    {
        return d;
    }
    let counties = generate::read_counties_or_builtin(&data.join("shanxi-counties.geojson")).expect("counties");
    generate::generate(&counties, Options { seed: 1, scale }, &Silent).expect("generate")
}

fn edit(catalog: &Catalog, grid: Option<&RiskGrid>, event: &Event) -> FeatureId {
    let mut layer = catalog.write(event.collection()).expect("layer");
    let prepared = layer.prepare(event).expect("prepare");
    let id = prepared.id;
    if let Some(g) = grid {
        g.fold(&*layer, id, false);
    }
    layer.commit(prepared).expect("commit");
    if let Some(g) = grid {
        g.fold(&*layer, id, true);
    }
    id
}

fn main() {
    let scale: u32 = std::env::var("SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let catalog = Catalog::new(dataset(scale));
    let started = Instant::now();
    let grid = RiskGrid::new(RiskMethod::default(), &catalog);
    let [r5, r6, r7] = grid.cell_counts();
    println!(
        "scale {scale}: {} enterprises; grid built in {:.1} ms ({r5} / {r6} / {r7} cells at resolutions 5 / 6 / 7)",
        catalog.enterprises.read().len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    for res in lookout_layers::risk::grid::RESOLUTIONS {
        let mut classes = std::collections::BTreeMap::new();
        for c in grid.cells(res, None, 0.0, None) {
            *classes.entry(c.score.class).or_insert(0usize) += 1;
        }
        println!("resolution {}: cells by class {classes:?}", u8::from(res));
    }
    let template = serde_json::to_value(&catalog.enterprises.read().features()[0]).expect("json");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for (name, with_grid) in [("catalog only (baseline)", None), ("catalog + risk grid", Some(&grid))] {
        let mut ms = Vec::with_capacity(EDITS);
        for _ in 0..EDITS {
            let mut f = template.clone();
            f.as_object_mut().expect("object").remove("id");
            f["geometry"] = serde_json::json!({"type": "Point", "coordinates": [rng.random_range(111.0..113.5), rng.random_range(35.5..39.5)]});
            f["properties"]["risk_level"] = "red".into();
            let create = Event::FeatureCreated {
                collection: "enterprises".into(),
                feature: f,
            };
            let t = Instant::now();
            let id = edit(&catalog, with_grid, &create);
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            edit(
                &catalog,
                with_grid,
                &Event::FeatureDeleted {
                    collection: "enterprises".into(),
                    id,
                },
            );
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (p50, p99) = percentiles(ms);
        println!("edit, {name}: p50 {p50:.4} ms, p99 {p99:.4} ms ({} edits)", EDITS * 2);
    }
}
