//! What reading a tile's values costs: the generated enterprises (scale 1,
//! seed 1, made in process), gathered (`Collection::gather_in_rect`) in 300
//! boxes of 0.35° × 0.27° (a z10 tile's size; the features of a z13 tile at
//! scale 100, about) around enterprises chosen at random, with the five
//! values a tile carries (name, county, industry, risk level, employees),
//! then replayed in reverse order as a tile cut by its budget is. Prints ns
//! per feature for the walk and for the replay (p50 over the rounds). A
//! measurement, not a test: it asserts nothing.

use geo::{Coord, Geometry, Rect};
use lookout_layers::generate::{Options, Silent, generate, read_counties};
use lookout_layers::{Collection, Filter, Layer, Value};
use std::ops::ControlFlow;
use std::path::Path;
use std::time::Instant;

const ROUNDS: usize = 30;

/// Name, county, industry, risk level, employees: their places in `Enterprise::FIELDS`.
const CARRIED: [usize; 5] = [0, 3, 5, 6, 8];

fn weigh(values: &[(&'static str, Value<'_>)]) -> usize {
    values
        .iter()
        .map(|(_, v)| match v {
            Value::Text(t) => t.len(),
            Value::Integer(i) => *i as usize,
            _ => 1,
        })
        .sum()
}

fn main() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/shanxi-counties.geojson");
    let counties = read_counties(&path).expect("counties");
    let data = generate(&counties, Options::default(), &Silent).expect("generate");
    let mut seed = 3u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    let rects: Vec<Rect<f64>> = (0..300)
        .map(|_| {
            let Geometry::Point(p) = &data.enterprises[next() % data.enterprises.len()].geometry else {
                panic!("an enterprise is a point")
            };
            Rect::new(
                Coord {
                    x: p.x() - 0.175,
                    y: p.y() - 0.135,
                },
                Coord {
                    x: p.x() + 0.175,
                    y: p.y() + 0.135,
                },
            )
        })
        .collect();
    let layer = Layer::new(data.enterprises.clone());
    let all = Filter::all();
    let (mut walks, mut replays) = (Vec::new(), Vec::new());
    let mut sum = 0usize;
    let mut features = 0usize;
    for round in 0..=ROUNDS {
        let (mut walk, mut replay, mut n) = (0.0, 0.0, 0usize);
        for rect in &rects {
            let start = Instant::now();
            let mut count = 0u32;
            let gathered = layer.gather_in_rect(*rect, &all, Some(&CARRIED), &mut |_, _, values| {
                sum = sum.wrapping_add(weigh(values));
                count += 1;
                ControlFlow::Continue(())
            });
            walk += start.elapsed().as_secs_f64();
            let order: Vec<u32> = (0..count).rev().collect();
            let start = Instant::now();
            gathered(&order, &mut |_, _, values| {
                sum = sum.wrapping_add(weigh(values));
                ControlFlow::Continue(())
            });
            replay += start.elapsed().as_secs_f64();
            n += count as usize;
        }
        features = n;
        if round > 0 {
            walks.push(walk * 1e9 / n as f64);
            replays.push(replay * 1e9 / n as f64);
        }
    }
    walks.sort_by(f64::total_cmp);
    replays.sort_by(f64::total_cmp);
    println!(
        "{} enterprises, {} gathered in 300 boxes: walk {:.1} ns per feature, replay {:.1} ns per feature (p50 of {ROUNDS}; {sum})",
        data.enterprises.len(),
        features,
        walks[ROUNDS / 2],
        replays[ROUNDS / 2],
    );
}
