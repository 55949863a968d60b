//! Sensitive sites: schools, kindergartens, hospitals and care homes in every
//! county, most around the county seat, and some in the towns that grew up
//! around the chemical plants, as the seed notice says happens
//! (城镇人口密集区不符合安全距离的危险化学品生产企业): the safety-distance
//! check has something real to find.

use super::places::{CountyShape, Province};
use super::sample::{offset_km, round6, sample_near};
use crate::feature::Feature;
use crate::model::{HazardSource, SensitiveSite};
use geo::{Contains, Point};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Share of hazard sources (in percent) with a school or kindergarten grown
/// up within 2 km of them.
const NEAR_HAZARD_PERCENT: u32 = 30;

fn persons(rng: &mut ChaCha8Rng, kind: &str) -> u32 {
    match kind {
        "school" => rng.random_range(600..3_000),
        "kindergarten" => rng.random_range(80..400),
        "hospital" => rng.random_range(200..1_500),
        _ => rng.random_range(40..300),
    }
}

fn name(short: &str, kind: &str, n: usize) -> String {
    match kind {
        "school" => format!("{short}第{n}中学"),
        "kindergarten" => format!("{short}第{n}幼儿园"),
        "hospital" if n == 1 => format!("{short}人民医院"),
        "hospital" => format!("{short}第{n}人民医院"),
        _ if n == 1 => format!("{short}社会福利院"),
        _ => format!("{short}第{n}敬老院"),
    }
}

/// Sites in every county, then beside some hazard sources.
pub(super) fn generate(
    province: &Province<'_>,
    hazard_sources: &[Feature<HazardSource>],
    rng: &mut ChaCha8Rng,
) -> Vec<Feature<SensitiveSite>> {
    let mut out: Vec<Feature<SensitiveSite>> = Vec::new();
    let mut push = |at: geo::Coord<f64>, kind: &str, name: String, persons: u32, county: &CountyShape| {
        let id = out.len() as u64 + 1;
        out.push(Feature {
            id,
            geometry: geo::Geometry::Point(Point(at)),
            properties: SensitiveSite {
                name,
                kind: kind.into(),
                persons,
                county_id: county.id,
                county: county.county.clone(),
                city: county.city.clone(),
            },
        });
    };
    for county in province.counties {
        let district = county.is_district();
        let counts: [(&str, std::ops::Range<usize>); 4] = if district {
            [
                ("school", 3..6),
                ("kindergarten", 2..5),
                ("hospital", 1..3),
                ("care_home", 1..3),
            ]
        } else {
            [
                ("school", 2..4),
                ("kindergarten", 1..3),
                ("hospital", 1..2),
                ("care_home", 0..2),
            ]
        };
        let spread_km = if district { 2.5 } else { 4.0 };
        for (kind, range) in counts {
            for n in 1..=rng.random_range(range) {
                let at = sample_near(rng, &county.shape, county.bbox, county.label, spread_km);
                let persons = persons(rng, kind);
                push(at, kind, name(county.short_name(), kind, n), persons, county);
            }
        }
    }
    for source in hazard_sources {
        let geo::Geometry::Point(p) = source.geometry else {
            continue;
        };
        if rng.random_range(0..100) >= NEAR_HAZARD_PERCENT {
            continue;
        }
        let kind = if rng.random_range(0..3) == 0 {
            "kindergarten"
        } else {
            "school"
        };
        let distance_km = rng.random_range(0.3..2.0);
        let bearing = rng.random_range(0.0..std::f64::consts::TAU);
        let at = round6(offset_km(p.0, distance_km * bearing.sin(), distance_km * bearing.cos()));
        let Some(county) = province.county_at(at) else {
            continue;
        };
        if !county.shape.contains(&Point(at)) {
            continue;
        }
        let persons = persons(rng, kind);
        let enterprise = &source.properties.enterprise_name;
        let short = enterprise
            .trim_end_matches("有限责任公司")
            .trim_end_matches("有限公司")
            .trim_end_matches("股份");
        let label = if kind == "school" {
            "子弟学校"
        } else {
            "职工幼儿园"
        };
        push(at, kind, format!("{short}{label}"), persons, county);
    }
    out
}
