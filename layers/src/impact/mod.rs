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

#[cfg(test)]
mod tests;

pub use fire::{explosion_zones, fire_zones};
pub use plume::{centreline_concentration, plume_zones};
pub use substances::Substance;

use crate::geodesy::EARTH_RADIUS_M;
use geo::orient::{Direction, Orient};
use geo::{Coord, LineString, Polygon};
use serde::{Deserialize, Serialize, Serializer};

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

/// Pasquill–Gifford atmospheric stability class: A very unstable … D neutral … F very stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum StabilityClass {
    /// Very unstable (strong sun, light wind).
    A,
    /// Moderately unstable.
    B,
    /// Slightly unstable.
    C,
    /// Neutral (overcast, or strong wind).
    D,
    /// Slightly stable (night, light to moderate wind).
    E,
    /// Very stable (clear night, light wind).
    F,
}

impl StabilityClass {
    /// The class for a surface wind speed (m/s, at 10 m) by day or night,
    /// from the Pasquill table (Turner 1970).
    ///
    /// By day the "moderate insolation" column is used; by night the clear
    /// sky (≤ 3/8 cloud) column. Where the table gives two classes (A–B, B–C,
    /// C–D) the more stable one is taken, and below 2 m/s at night (which the
    /// table leaves blank) F: both choices make plumes reach further, which
    /// errs on the side of warning people.
    ///
    /// | wind m/s | day (moderate sun) | night (clear) |
    /// |----------|--------------------|---------------|
    /// | < 2      | B (A–B)            | F             |
    /// | 2–3      | B                  | F             |
    /// | 3–5      | C (B–C)            | E             |
    /// | 5–6      | D (C–D)            | D             |
    /// | ≥ 6      | D                  | D             |
    pub fn pasquill(wind_speed_ms: f64, daytime: bool) -> Self {
        let w = wind_speed_ms;
        match (daytime, w) {
            (true, w) if w < 3.0 => Self::B,
            (true, w) if w < 5.0 => Self::C,
            (true, _) => Self::D,
            (false, w) if w < 3.0 => Self::F,
            (false, w) if w < 5.0 => Self::E,
            (false, _) => Self::D,
        }
    }

    /// Whether the air is stable (E or F): plumes stay narrow and travel far.
    pub fn is_stable(self) -> bool {
        matches!(self, Self::E | Self::F)
    }
}

/// The weather at the incident.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weather {
    /// The direction the wind blows FROM, degrees clockwise from north, in [0, 360).
    pub wind_from_deg: f64,
    /// Wind speed at 10 m, m/s.
    pub wind_speed_ms: f64,
    /// Between sunrise and sunset.
    pub daytime: bool,
    /// Stability class if known; else derived by [`StabilityClass::pasquill`].
    #[serde(default)]
    pub stability: Option<StabilityClass>,
}

/// Strongest wind accepted, m/s (beyond hurricane force; anything above is a typo).
pub const MAX_WIND_MS: f64 = 60.0;

impl Weather {
    /// Refuses impossible values, with a message for the user.
    pub fn validate(&self) -> Result<(), ImpactError> {
        let bad = |m: String| Err(ImpactError::InvalidWeather(m));
        if !self.wind_from_deg.is_finite() || !(0.0..360.0).contains(&self.wind_from_deg) {
            return bad(format!(
                "wind direction must be in [0, 360) degrees, got {}",
                self.wind_from_deg
            ));
        }
        if !self.wind_speed_ms.is_finite() || !(0.0..=MAX_WIND_MS).contains(&self.wind_speed_ms) {
            return bad(format!(
                "wind speed must be between 0 and {MAX_WIND_MS} m/s, got {}",
                self.wind_speed_ms
            ));
        }
        Ok(())
    }

    /// The stability class: the one given, or derived from wind and day/night.
    pub fn stability_class(&self) -> StabilityClass {
        self.stability
            .unwrap_or_else(|| StabilityClass::pasquill(self.wind_speed_ms, self.daytime))
    }

    /// The bearing the wind blows TOWARDS, degrees clockwise from north.
    pub fn downwind_deg(&self) -> f64 {
        (self.wind_from_deg + 180.0).rem_euclid(360.0)
    }
}

/// ERG spill size: small is up to 208 L (a drum, a small cylinder, a small
/// leak from a large package); large is more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpillSize {
    /// Up to 208 L.
    Small,
    /// More than 208 L.
    Large,
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
/// An unknown substance (`None`) takes the largest distances in the table.
pub fn erg_zones(
    centre: Coord<f64>,
    substance: Option<&Substance>,
    spill: SpillSize,
    weather: &Weather,
) -> Result<ZoneSet, ImpactError> {
    weather.validate()?;
    check_centre(centre)?;
    let distances = match substance {
        Some(s) => s.erg(spill, weather.wind_speed_ms),
        None => Substance::largest(spill, weather.wind_speed_ms),
    };
    let (name_zh, name_en) = substance.map_or(("未知物质", "unknown substance"), |s| (s.name_zh, s.name_en));
    let protective_m = distances.protective_km(weather.daytime) * 1000.0;
    let mut set = ZoneSet::default();
    if protective_m > 0.0 {
        let when = if weather.daytime {
            ("白天", "day")
        } else {
            ("夜间", "night")
        };
        set.zones.push(ImpactZone {
            tier: ZoneTier::ProtectiveAction,
            method: Method::ErgTable,
            label_zh: format!("{name_zh}防护行动区（下风向 {protective_m:.0} m，{}）", when.0),
            label_en: format!(
                "Protective action zone, {name_en} ({protective_m:.0} m downwind, {})",
                when.1
            ),
            polygon: downwind_square(centre, weather.downwind_deg(), protective_m),
            radius_m: None,
            downwind_m: Some(protective_m),
            threshold: None,
        });
    }
    set.zones.push(ImpactZone {
        tier: ZoneTier::Isolation,
        method: Method::ErgTable,
        label_zh: format!("{name_zh}初始隔离区（半径 {:.0} m）", distances.isolation_m),
        label_en: format!(
            "Initial isolation zone, {name_en} ({:.0} m radius)",
            distances.isolation_m
        ),
        polygon: circle(centre, distances.isolation_m),
        radius_m: Some(distances.isolation_m),
        downwind_m: None,
        threshold: None,
    });
    set.limits = erg_limits(substance, spill, weather, protective_m);
    Ok(set)
}

fn erg_limits(substance: Option<&Substance>, spill: SpillSize, weather: &Weather, protective_m: f64) -> Vec<String> {
    let mut limits = vec![
        "ERG distances are for the first 30 minutes after a spill; they may grow with time.".to_owned(),
        "Move people out of the isolation zone cross-wind, not downwind.".to_owned(),
    ];
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
            if let (SpillSize::Large, substances::LargeSpill::ByWind(row)) = (spill, &s.large) {
                limits.push(format!(
                    "Large spill of {}: ERG Table 3 distances for a {} in {} wind; a rail tank car or a storage tank needs larger ones.",
                    s.name_en,
                    row.container,
                    match substances::ErgWind::of(weather.wind_speed_ms) {
                        substances::ErgWind::Low => "low",
                        substances::ErgWind::Moderate => "moderate",
                        substances::ErgWind::High => "high",
                    }
                ));
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
/// `bearing_deg` (clockwise from north), on the sphere of radius [`EARTH_RADIUS_M`].
pub fn destination(from: Coord<f64>, bearing_deg: f64, distance_m: f64) -> Coord<f64> {
    let (phi1, lambda1) = (from.y.to_radians(), from.x.to_radians());
    let (theta, delta) = (bearing_deg.to_radians(), distance_m / EARTH_RADIUS_M);
    let sin_phi2 = phi1.sin() * delta.cos() + phi1.cos() * delta.sin() * theta.cos();
    let phi2 = sin_phi2.clamp(-1.0, 1.0).asin();
    let lambda2 = lambda1 + (theta.sin() * delta.sin() * phi1.cos()).atan2(delta.cos() - phi1.sin() * sin_phi2);
    Coord {
        x: (lambda2.to_degrees() + 540.0).rem_euclid(360.0) - 180.0,
        y: phi2.to_degrees(),
    }
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
        })
        .collect()
}
