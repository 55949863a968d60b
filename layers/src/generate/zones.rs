//! Disaster-prone zones: loess-hill geological hazards, Fen River floods,
//! mountain forest fires, seismic intensity VIII basins.

use super::places::Province;
use super::sample::{offset_km, round6, sample_in};
use crate::feature::Feature;
use crate::model::{DisasterKind, DisasterZone, Severity};
use geo::{Coord, LineString, Polygon};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

const MODELLED: &str = "Lookout generator (modelled, not surveyed)";

/// A star-shaped blob round `centre` (always a simple polygon), counter-clockwise.
fn blob(rng: &mut ChaCha8Rng, centre: Coord<f64>, radius_km: f64) -> Polygon<f64> {
    let n = rng.random_range(10..18);
    let mut ring: Vec<Coord<f64>> = (0..n)
        .map(|k| {
            let t = std::f64::consts::TAU * k as f64 / n as f64;
            let r = radius_km * rng.random_range(0.6..1.3);
            round6(offset_km(centre, r * t.cos(), r * t.sin()))
        })
        .collect();
    ring.push(ring[0]);
    Polygon::new(LineString::new(ring), vec![])
}

/// An ellipse with half-axes `a_km` (along `bearing`, degrees from north) and `b_km`.
fn ellipse(centre: Coord<f64>, a_km: f64, b_km: f64, bearing: f64) -> Polygon<f64> {
    let (s, c) = bearing.to_radians().sin_cos();
    let mut ring: Vec<Coord<f64>> = (0..48)
        .map(|k| {
            let t = std::f64::consts::TAU * k as f64 / 48.0;
            let (u, v) = (a_km * t.cos(), b_km * t.sin());
            // u along the bearing (east = sin, north = cos), v across it.
            round6(offset_km(centre, u * s + v * c, u * c - v * s))
        })
        .collect();
    // Counter-clockwise as RFC 7946 asks: the above runs clockwise when the axes flip.
    if signed_area(&ring) < 0.0 {
        ring.reverse();
    }
    ring.push(ring[0]);
    Polygon::new(LineString::new(ring), vec![])
}

fn signed_area(ring: &[Coord<f64>]) -> f64 {
    ring.iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| a.x * b.y - b.x * a.y)
        .sum::<f64>()
        / 2.0
}

fn zone(
    id: usize,
    geometry: Polygon<f64>,
    name: String,
    kind: DisasterKind,
    subtype: Option<&str>,
    severity: Severity,
) -> Feature<DisasterZone> {
    Feature {
        id: id as u64 + 1,
        geometry: geo::Geometry::Polygon(geometry),
        properties: DisasterZone {
            external_id: None,
            name,
            kind,
            subtype: subtype.map(str::to_owned),
            severity,
            intensity: (kind == DisasterKind::Seismic).then_some(8),
            source: MODELLED.into(),
        },
    }
}

fn severity(rng: &mut ChaCha8Rng) -> Severity {
    match rng.random_range(0..100) {
        0..10 => Severity::VeryHigh,
        10..40 => Severity::High,
        40..80 => Severity::Moderate,
        _ => Severity::Low,
    }
}

pub(super) fn generate(province: &Province<'_>, rng: &mut ChaCha8Rng) -> Vec<Feature<DisasterZone>> {
    let mut out = Vec::new();
    for &i in &province.loess {
        let county = &province.counties[i];
        for n in 0..rng.random_range(3..7) {
            let Some(at) = sample_in(rng, &county.shape, county.bbox) else {
                continue;
            };
            let (subtype, zh) = *[("landslide", "滑坡"), ("collapse", "崩塌"), ("debris_flow", "泥石流")]
                .choose(rng)
                .unwrap_or(&("landslide", "滑坡"));
            let s = severity(rng);
            out.push(zone(
                out.len(),
                {
                    let r = rng.random_range(0.8..3.5);
                    blob(rng, at, r)
                },
                format!("{}{zh}隐患区{}", county.short_name(), n + 1),
                DisasterKind::GeologicalHazard,
                Some(subtype),
                s,
            ));
        }
    }
    let geography = &province.region.geography;
    // Floods: along each river, every ~8 km a stretch of floodplain.
    for river in &geography.rivers {
        for w in river.line.windows(2) {
            let (a, b) = (Coord { x: w[0][0], y: w[0][1] }, Coord { x: w[1][0], y: w[1][1] });
            let km = crate::geodesy::distance_m(a, b) / 1000.0;
            let steps = (km / 8.0).ceil().max(1.0) as usize;
            for k in 0..steps {
                let f = (k as f64 + 0.5) / steps as f64;
                let c = Coord {
                    x: a.x + (b.x - a.x) * f,
                    y: a.y + (b.y - a.y) * f,
                };
                let name = match province.county_at(c) {
                    Some(county) => format!("{}{}段洪涝风险区", river.name_zh, county.short_name()),
                    None => format!("{}洪涝风险区", river.name_zh),
                };
                let s = if river.high_between_lat.is_some_and(|[lo, hi]| (lo..hi).contains(&c.y)) {
                    Severity::High
                } else {
                    Severity::Moderate
                };
                out.push(zone(
                    out.len(),
                    {
                        let r = rng.random_range(3.0..5.5);
                        blob(rng, c, r)
                    },
                    name,
                    DisasterKind::Flood,
                    None,
                    s,
                ));
            }
        }
    }
    // Flood spots off the rivers drawn (Shanxi: the Sushui in the Yuncheng basin).
    for spot in &geography.flood_spots {
        let [x, y] = spot.at;
        out.push(zone(
            out.len(),
            blob(rng, Coord { x, y }, 4.0),
            spot.name.clone(),
            DisasterKind::Flood,
            None,
            Severity::Moderate,
        ));
    }
    for &(i, range) in &province.forest {
        let county = &province.counties[i];
        for n in 0..rng.random_range(1..4) {
            let Some(at) = sample_in(rng, &county.shape, county.bbox) else {
                continue;
            };
            let s = severity(rng);
            out.push(zone(
                out.len(),
                {
                    let r = rng.random_range(4.0..9.0);
                    blob(rng, at, r)
                },
                format!("{range}{}林区火险区{}", county.short_name(), n + 1),
                DisasterKind::ForestFire,
                None,
                s,
            ));
        }
    }
    for basin in &geography.seismic_basins {
        let [x, y] = basin.centre;
        let shape = ellipse(Coord { x, y }, basin.half_length_km, basin.half_width_km, basin.bearing);
        out.push(zone(
            out.len(),
            shape,
            format!("{}地震设防烈度8度区", basin.name),
            DisasterKind::Seismic,
            None,
            Severity::VeryHigh,
        ));
    }
    out
}
