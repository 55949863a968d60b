//! R-tree bulk load and queries over the generated enterprises, at the scales
//! in `SCALES` (default "1"; scripts/bench runs "1 100" after generating them).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use geo::Coord;
use lookout_layers::dataset::{generated_dir, read_layer};
use lookout_layers::model::Enterprise;
use lookout_layers::{Feature, Filter, Layer};
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::Instant;

fn scales() -> Vec<u32> {
    std::env::var("SCALES")
        .unwrap_or_else(|_| "1".into())
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

fn enterprises(scale: u32) -> Vec<Feature<Enterprise>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
    let dir = generated_dir(&data, 1, scale);
    let started = Instant::now();
    let features = read_layer::<Enterprise>(&dir)
        .unwrap_or_else(|e| panic!("{e}: run `lookout data generate --scale {scale}` first (scripts/bench does)"));
    eprintln!(
        "scale {scale}: read {} enterprises in {:.2} s",
        features.len(),
        started.elapsed().as_secs_f64()
    );
    features
}

fn query_points(n: usize) -> Vec<Coord<f64>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    (0..n)
        .map(|_| Coord {
            x: rng.random_range(110.5..114.3),
            y: rng.random_range(34.8..40.5),
        })
        .collect()
}

fn catalog(c: &mut Criterion) {
    for scale in scales() {
        let features = enterprises(scale);
        let n = features.len();
        let mut group = c.benchmark_group("rtree");
        group.sample_size(10);
        group.bench_with_input(BenchmarkId::new("bulk_load", n), &features, |b, f| {
            b.iter_batched(|| f.clone(), Layer::new, criterion::BatchSize::LargeInput)
        });
        group.finish();

        let layer = Layer::new(features);
        let points = query_points(1024);
        let all = Filter::all();
        let red =
            Filter::parse(<Enterprise as lookout_layers::Record>::FIELDS, [("risk_level", "red")]).expect("filter");
        let mut group = c.benchmark_group("query");
        let mut i = 0;
        group.bench_function(BenchmarkId::new("nearest_k5", n), |b| {
            b.iter(|| {
                i = (i + 1) % points.len();
                layer.nearest(points[i], 5, &all).len()
            })
        });
        group.bench_function(BenchmarkId::new("nearest_k5_red_only", n), |b| {
            b.iter(|| {
                i = (i + 1) % points.len();
                layer.nearest(points[i], 5, &red).len()
            })
        });
        group.bench_function(BenchmarkId::new("within_5km", n), |b| {
            b.iter(|| {
                i = (i + 1) % points.len();
                layer.locate_within_distance(points[i], 5_000.0, &all).len()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, catalog);
criterion_main!(benches);
