//! What a dense enterprise tile's value table costs: 2,000 points of five
//! values each, as the `enterprises` layer carries them (a unique name of
//! ~40 bytes of Chinese text, an industry, a risk level and a county from a
//! handful each, an integer of employees), encoded into a tile
//! (`LayerBuilder::add_point`, `TileBuilder::encode`) again and again.
//! Prints ns per feature (p50 / p10 / p90 over the rounds) and a checksum
//! of the tile's bytes, so two builds can be compared for identical output.
//! A measurement, not a test: it asserts nothing.

use lookout_tiles::{LayerBuilder, PropertyValue, TileBuilder};
use std::time::Instant;

const FEATURES: usize = 2_000;
const ROUNDS: usize = 400;

const INDUSTRIES: [&str; 6] = [
    "chemical",
    "mining",
    "metallurgy",
    "fireworks",
    "hazmat_storage",
    "other",
];
const RISK_LEVELS: [&str; 4] = ["red", "orange", "yellow", "blue"];
const COUNTIES: [&str; 8] = [
    "小店区",
    "迎泽区",
    "杏花岭区",
    "尖草坪区",
    "万柏林区",
    "晋源区",
    "清徐县",
    "阳曲县",
];
const SYLLABLES: [&str; 16] = [
    "晋", "阳", "泉", "煤", "化", "钢", "铁", "源", "华", "兴", "盛", "泰", "鑫", "达", "宏", "远",
];

struct Enterprise {
    name: String,
    industry: &'static str,
    risk_level: &'static str,
    county: &'static str,
    employees: i64,
    at: [i32; 2],
}

fn enterprises() -> Vec<Enterprise> {
    let mut seed = 11u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    (0..FEATURES)
        .map(|i| {
            // 13 characters of 3 bytes each (39 bytes), unique by its number.
            let mut name = String::from("太原市");
            for _ in 0..4 {
                name.push_str(SYLLABLES[(next() % 16) as usize]);
            }
            name.push_str(&format!("有限公司{i:04}"));
            Enterprise {
                name,
                industry: INDUSTRIES[(next() % 6) as usize],
                risk_level: RISK_LEVELS[(next() % 4) as usize],
                county: COUNTIES[(next() % 8) as usize],
                employees: (next() % 3_000) as i64 + 5,
                at: [(next() % 4096) as i32, (next() % 4096) as i32],
            }
        })
        .collect()
}

fn encode(features: &[Enterprise]) -> Vec<u8> {
    let mut layer = LayerBuilder::new("enterprises", 4096);
    for (i, e) in features.iter().enumerate() {
        layer.add_point(
            Some(i as u64),
            e.at,
            [
                ("name", PropertyValue::String(e.name.as_str().into())),
                ("industry", PropertyValue::String(e.industry.into())),
                ("risk_level", PropertyValue::String(e.risk_level.into())),
                ("county", PropertyValue::String(e.county.into())),
                ("employees", PropertyValue::Int(e.employees)),
            ],
        );
    }
    let mut tile = TileBuilder::new();
    tile.push(layer);
    tile.encode()
}

/// FNV-1a of the tile, to compare builds.
fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let features = enterprises();
    let bytes = encode(&features);
    for _ in 0..20 {
        std::hint::black_box(encode(std::hint::black_box(&features)));
    }
    let mut times = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        std::hint::black_box(encode(std::hint::black_box(&features)));
        times.push(start.elapsed().as_secs_f64() * 1e9 / FEATURES as f64);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{FEATURES} enterprise points, 5 values each: {:.1} ns per feature (p10 {:.1}, p90 {:.1}); tile {} bytes, checksum {:016x}",
        percentile(&times, 0.5),
        percentile(&times, 0.1),
        percentile(&times, 0.9),
        bytes.len(),
        checksum(&bytes),
    );
}
