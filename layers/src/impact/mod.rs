//! Impact zones for an incident, as lon/lat polygons for the map.
//!
//! Four simple, well-known methods (see `REFERENCE.md`, "Impact zones for an
//! incident"):
//!
//! - [`erg_zones`]: the initial isolation circle and the downwind
//!   protective-action square of the Emergency Response Guidebook;
//! - [`plume_zones`]: three concentration tiers of a Gaussian plume from a
//!   continuous ground-level release;
//! - [`fire_zones`]: thermal radiation circles (10 / 5 / 2 kW/m²);
//! - [`explosion_zones`]: blast overpressure circles (8 / 3.5 / 1 psi).
//!
//! Every result carries plain-language limits to show to users beside the
//! zones. All functions are pure: no I/O. Distances are laid out on the
//! IUGG mean-radius sphere of [`crate::geodesy`], so a vertex drawn at 600 m
//! from the spill is 600 m from it by [`crate::geodesy::distance_m`].

pub mod assess;
pub mod fire;
pub mod plume;
pub mod substances;
pub mod weather;

#[cfg(test)]
mod tests;

pub use crate::model::SpillSize;
pub use fire::{explosion_zones, fire_zones};
pub use plume::{centreline_concentration, plume_zones};
pub use substances::{Container, ErgChoice, ErgRow, Substance};
pub use weather::{MAX_WIND_MS, Sky, Stability, StabilityClass, Weather};

use crate::geodesy::EARTH_RADIUS_M;
use geo::orient::{Direction, Orient};
use geo::{Coord, LineString, Polygon};
use serde::{Serialize, Serializer};

/// Why impact zones could not be computed. The message is meant for the user.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImpactError {
    /// The weather is impossible (negative wind, direction out of range, NaN …).
    #[error("invalid weather: {0}")]
    InvalidWeather(String),
    /// No substance with this code.
    #[error("unknown substance {0:?}")]
    UnknownSubstance(String),
    /// The release (rate, mass, position) is impossible.
    #[error("invalid release: {0}")]
    InvalidRelease(String),
    /// Fire or explosion zones were asked for a substance that does not burn.
    #[error("{0} is not flammable: no fire or explosion zones")]
    NotFlammable(String),
}

/// Which zone: ERG isolation or protective action, or a severity tier
/// (tier 3 the most severe, life-threatening).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneTier {
    /// ERG initial isolation zone, all directions.
    Isolation,
    /// ERG protective-action zone, downwind.
    ProtectiveAction,
    /// Discomfort; 2 kW/m²; 1 psi.
    Tier1,
    /// Serious or lasting harm, impairs escape; 5 kW/m²; 3.5 psi.
    Tier2,
    /// Life-threatening; 10 kW/m²; 8 psi.
    Tier3,
}

/// How a zone was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// ERG table distances (green pages, or the orange-page guide).
    ErgTable,
    /// Gaussian plume, Pasquill–Gifford / Briggs dispersion.
    GaussianPlume,
    /// Point-source radiation from a pool fire.
    PoolFire,
    /// Point-source radiation from a fireball (BLEVE), CCPS.
    Fireball,
    /// TNT-equivalent blast, Kingery–Bulmash.
    TntEquivalent,
}

/// One zone on the map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImpactZone {
    /// Which zone.
    pub tier: ZoneTier,
    /// How it was computed.
    pub method: Method,
    /// Label in Chinese.
    pub label_zh: String,
    /// Label in English.
    pub label_en: String,
    /// The zone, lon/lat, closed ring, exterior counter-clockwise; serialized
    /// as a GeoJSON geometry.
    #[serde(serialize_with = "polygon_as_geojson")]
    pub polygon: Polygon<f64>,
    /// Radius of a circular zone, metres.
    pub radius_m: Option<f64>,
    /// How far the zone reaches downwind of the source, metres.
    pub downwind_m: Option<f64>,
    /// The level that bounds the zone ("20 ppm", "10 kW/m²", "8 psi (55 kPa)").
    pub threshold: Option<String>,
    /// The guide prints this distance as "11+": the zone is drawn at that
    /// distance, and the real one can be larger.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub open_ended: bool,
}

/// The zones of one calculation and the caveats to show with them.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ZoneSet {
    /// The zones, least severe (largest) first, so drawing in order leaves the
    /// most severe on top.
    pub zones: Vec<ImpactZone>,
    /// Plain-language limits of the method, for the user.
    pub limits: Vec<String>,
}

fn polygon_as_geojson<S: Serializer>(polygon: &Polygon<f64>, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Geometry {
        r#type: &'static str,
        coordinates: Vec<Vec<[f64; 2]>>,
    }
    // 1e-7 degree is about a centimetre: more digits only make the answer longer.
    let round = |v: f64| (v * 1e7).round() / 1e7;
    let ring = |l: &LineString<f64>| l.coords().map(|c| [round(c.x), round(c.y)]).collect::<Vec<_>>();
    let coordinates = std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .map(ring)
        .collect();
    Geometry {
        r#type: "Polygon",
        coordinates,
    }
    .serialize(s)
}

/// ERG zones round a spill at `centre` (lon/lat): the initial isolation
/// circle and, if the table gives one, the protective-action zone.
///
/// The protective-action zone is a square downwind of the spill, as long as
/// it is wide: its near edge passes through the spill, centred on it
/// cross-wind, and its far edge is the protective-action distance downwind.
/// An unknown substance (`None`) takes the largest distances in the table; a
/// large spill reads the Table 3 row of `container` (see [`Substance::erg`]).
pub fn erg_zones(
    centre: Coord<f64>,
    substance: Option<&Substance>,
    spill: SpillSize,
    container: Option<Container>,
    weather: &Weather,
) -> Result<ZoneSet, ImpactError> {
    weather.validate()?;
    check_centre(centre)?;
    let choice = match substance {
        Some(s) => s.erg(spill, container, weather.wind_speed_ms),
        None => Substance::largest(spill, weather.wind_speed_ms),
    };
    let distances = choice.distances;
    let (row_zh, row_en) = choice.row.describe();
    let (name_zh, name_en) = substance.map_or(("未知物质", "unknown substance"), |s| (s.name_zh, s.name_en));
    let protective_m = distances.protective_km(weather.daytime) * 1000.0;
    let open_ended = distances.open_ended(weather.daytime);
    let mut set = ZoneSet::default();
    if protective_m > 0.0 {
        let when = if weather.daytime {
            ("白天", "day")
        } else {
            ("夜间", "night")
        };
        let (reach_zh, reach_en) = if open_ended {
            (
                format!("下风向至少 {protective_m:.0} m，可能更远"),
                format!("at least {protective_m:.0} m downwind; can be larger"),
            )
        } else {
            (
                format!("下风向 {protective_m:.0} m"),
                format!("{protective_m:.0} m downwind"),
            )
        };
        set.zones.push(ImpactZone {
            tier: ZoneTier::ProtectiveAction,
            method: Method::ErgTable,
            label_zh: format!("{name_zh}防护行动区（{reach_zh}，{}；{row_zh}）", when.0),
            label_en: format!("Protective action zone, {name_en} ({reach_en}, {}; {row_en})", when.1),
            polygon: downwind_square(centre, weather.downwind_deg(), protective_m),
            radius_m: None,
            downwind_m: Some(protective_m),
            threshold: None,
            open_ended,
        });
    }
    set.zones.push(ImpactZone {
        tier: ZoneTier::Isolation,
        method: Method::ErgTable,
        label_zh: format!("{name_zh}初始隔离区（半径 {:.0} m；{row_zh}）", distances.isolation_m),
        label_en: format!(
            "Initial isolation zone, {name_en} ({:.0} m radius; {row_en})",
            distances.isolation_m
        ),
        polygon: circle(centre, distances.isolation_m),
        radius_m: Some(distances.isolation_m),
        downwind_m: None,
        threshold: None,
        open_ended: false,
    });
    set.limits = erg_limits(substance, spill, weather, &choice, protective_m);
    Ok(set)
}

fn erg_limits(
    substance: Option<&Substance>,
    spill: SpillSize,
    weather: &Weather,
    choice: &ErgChoice,
    protective_m: f64,
) -> Vec<String> {
    let mut limits = vec![
        "ERG distances are for the first 30 minutes after a spill; they may grow with time.".to_owned(),
        "Move people out of the isolation zone cross-wind, not downwind.".to_owned(),
    ];
    if choice.distances.open_ended(weather.daytime) {
        limits.push(format!(
            "The guide prints this protective-action distance as \"{:.0}+ km\": at least {:.0} km; it can be larger (in some conditions much larger). The zone is drawn at {:.0} km.",
            protective_m / 1000.0,
            protective_m / 1000.0,
            protective_m / 1000.0
        ));
    }
    match substance {
        None => limits.push(
            "Substance unknown: the largest distances of the table are drawn; redraw once it is identified.".to_owned(),
        ),
        Some(s) => {
            if !s.tih {
                limits.push(format!(
                    "{} is not in ERG Table 1: distances are the orange-page guide {} precautions.",
                    s.name_en, s.erg_guide
                ));
            }
            if let (SpillSize::Large, ErgRow::Table3 { row, asked, .. }) = (spill, choice.row) {
                let (_, row_en) = choice.row.describe();
                limits.push(match asked {
                    None => format!(
                        "Large spill of {}, container not given: the worst row of ERG Table 3 is drawn ({row_en}). Give the container to read its own row.",
                        s.name_en
                    ),
                    Some(Container::StorageTank) => format!(
                        "Storage tanks are not in the ERG: the rail-tank-car row, the largest container the guide has, is drawn ({row_en}). A large tank can release more than a rail car."
                    ),
                    Some(c) if c.table3_row() != row => format!(
                        "ERG Table 3 has no {} row for {}: the worst row is drawn ({row_en}).",
                        c.name_en(),
                        s.name_en
                    ),
                    Some(_) => format!("Large spill of {}: {row_en}.", s.name_en),
                });
            }
            limits.push(format!(
                "If a tank, rail car or tank truck is involved in a fire, isolate {:.0} m in all directions.",
                s.fire_isolation_m
            ));
        }
    }
    if protective_m <= 0.0 {
        limits.push("The ERG gives no downwind protective-action distance for this spill.".to_owned());
    }
    limits
}

fn check_centre(centre: Coord<f64>) -> Result<(), ImpactError> {
    if centre.x.is_finite() && centre.y.is_finite() && (-180.0..=180.0).contains(&centre.x) && centre.y.abs() < 89.0 {
        Ok(())
    } else {
        Err(ImpactError::InvalidRelease(format!(
            "position must be lon/lat degrees away from the poles, got ({}, {})",
            centre.x, centre.y
        )))
    }
}

/// Vertices of a circle polygon.
const CIRCLE_VERTICES: usize = 72;

/// The point `distance_m` from `from` (lon/lat) along the initial bearing
/// `bearing_deg` (clockwise from north), on the sphere of radius
/// [`EARTH_RADIUS_M`] (geo's haversine destination on that sphere).
pub fn destination(from: Coord<f64>, bearing_deg: f64, distance_m: f64) -> Coord<f64> {
    use geo::{Destination, HaversineMeasure, Point};
    HaversineMeasure::new(EARTH_RADIUS_M)
        .destination(Point(from), bearing_deg, distance_m)
        .0
}

/// A point given in metres in a frame centred on `origin`: `along` towards
/// `bearing_deg`, `right` to its right. Laid out by distance and bearing from
/// the origin (azimuthal equidistant), so distances from the origin are exact.
fn local_to_lonlat(origin: Coord<f64>, bearing_deg: f64, along: f64, right: f64) -> Coord<f64> {
    let (s, c) = bearing_deg.to_radians().sin_cos();
    let east = along * s + right * c;
    let north = along * c - right * s;
    let distance = east.hypot(north);
    if distance == 0.0 {
        return origin;
    }
    destination(origin, east.atan2(north).to_degrees(), distance)
}

/// A polygon from points in the local frame of [`local_to_lonlat`], oriented
/// counter-clockwise.
fn local_polygon(origin: Coord<f64>, bearing_deg: f64, points: impl IntoIterator<Item = (f64, f64)>) -> Polygon<f64> {
    let ring: Vec<Coord<f64>> = points
        .into_iter()
        .map(|(along, right)| local_to_lonlat(origin, bearing_deg, along, right))
        .collect();
    Polygon::new(LineString::from(ring), vec![]).orient(Direction::Default)
}

/// A circle of `radius_m` round `centre` as a 72-gon, every vertex at the radius.
pub fn circle(centre: Coord<f64>, radius_m: f64) -> Polygon<f64> {
    local_polygon(
        centre,
        0.0,
        (0..CIRCLE_VERTICES).map(|i| {
            let t = std::f64::consts::TAU * i as f64 / CIRCLE_VERTICES as f64;
            (radius_m * t.cos(), radius_m * t.sin())
        }),
    )
}

/// The ERG protective-action square: near edge through `centre`, centred
/// cross-wind, reaching `length_m` towards `downwind_deg`. Each side is split
/// into segments so that it follows the sphere.
fn downwind_square(centre: Coord<f64>, downwind_deg: f64, length_m: f64) -> Polygon<f64> {
    const SEGMENTS: usize = 10;
    let half = length_m / 2.0;
    let step = |i: usize| i as f64 / SEGMENTS as f64;
    let near = (0..SEGMENTS).map(|i| (0.0, -half + length_m * step(i)));
    let left = (0..SEGMENTS).map(|i| (length_m * step(i), half));
    let far = (0..SEGMENTS).map(|i| (length_m, half - length_m * step(i)));
    let right = (0..SEGMENTS).map(|i| (length_m * (1.0 - step(i)), -half));
    local_polygon(centre, downwind_deg, near.chain(left).chain(far).chain(right))
}

/// Circles of the given radii round `centre`, in the order given.
fn circle_zones(
    centre: Coord<f64>,
    method: Method,
    tiers: impl IntoIterator<Item = (ZoneTier, f64, String, String, String)>,
) -> Vec<ImpactZone> {
    tiers
        .into_iter()
        .map(|(tier, radius_m, label_zh, label_en, threshold)| ImpactZone {
            tier,
            method,
            label_zh,
            label_en,
            polygon: circle(centre, radius_m),
            radius_m: Some(radius_m),
            downwind_m: None,
            threshold: Some(threshold),
            open_ended: false,
        })
        .collect()
}
