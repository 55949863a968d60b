//! An incident's impact assessment: the zones its hazard calls for, what lies
//! inside each (the exposure), and the domino check — other major hazard
//! sources and gas mains inside the zones, which could turn one accident
//! into several.

use super::{Container, ImpactError, ImpactZone, SpillSize, Substance, Weather, ZoneSet};
use crate::catalog::Catalog;
use crate::exposure::{Exposure, Zone, exposure};
use crate::feature::FeatureId;
use crate::filter::Filter;
use crate::record::Value;
use geo::{BoundingRect, Coord, MultiPolygon};
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;

/// The hazard that decides which zones are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hazard {
    /// A toxic or flammable release (leak, gas leak): ERG isolation and
    /// protective-action zones, and plume tiers when a release rate is given.
    Release,
    /// A fire: thermal radiation circles.
    Fire,
    /// An explosion: blast overpressure circles.
    Explosion,
}

/// What is known about the incident's hazard.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HazardInput {
    /// Which kind of zones.
    pub hazard: Hazard,
    /// Substance code, alias, Chinese or English name, CAS or UN number;
    /// `None` when unknown (the largest distances apply).
    #[serde(default)]
    pub substance: Option<String>,
    /// ERG spill size (releases).
    #[serde(default = "default_spill")]
    pub spill: SpillSize,
    /// Continuous release rate, kg/s (releases: adds plume tiers).
    #[serde(default)]
    pub release_rate_kg_s: Option<f64>,
    /// Mass involved, kg (fires and explosions).
    #[serde(default)]
    pub mass_kg: Option<f64>,
    /// What the substance is held or carried in: chooses the ERG Table 3 row
    /// of a large spill. Not given: the hazard source's largest container,
    /// else the worst row.
    #[serde(default)]
    pub container: Option<Container>,
    /// The major hazard source (`hazard_sources` id) that leaks, if any: its
    /// largest container holding the substance is used when `container` is not given.
    #[serde(default)]
    pub hazard_source_id: Option<FeatureId>,
    /// TNT yield for explosions, a fraction from 0.03 to 0.10; 0.10 (the
    /// U.S. EPA RMP worst case) when not given.
    #[serde(default)]
    pub tnt_yield: Option<f64>,
    /// Weather at the scene.
    pub weather: Weather,
}

impl HazardInput {
    /// An input with only the hazard and the weather; everything else unknown.
    pub fn new(hazard: Hazard, weather: Weather) -> Self {
        Self {
            hazard,
            substance: None,
            spill: SpillSize::Large,
            release_rate_kg_s: None,
            mass_kg: None,
            container: None,
            hazard_source_id: None,
            tnt_yield: None,
            weather,
        }
    }
}

fn default_spill() -> SpillSize {
    SpillSize::Large
}

/// One zone and what lies inside it.
#[derive(Debug, Clone, Serialize)]
pub struct AssessedZone {
    /// The zone.
    #[serde(flatten)]
    pub zone: ImpactZone,
    /// What lies inside.
    pub exposure: Exposure,
}

/// A hazard source or gas main inside a zone: a possible domino effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DominoItem {
    /// `hazard_sources` or `gas_pipes`.
    pub layer: &'static str,
    /// Feature id.
    pub id: FeatureId,
    /// Name (hazard sources) or network (gas mains).
    pub name: String,
    /// Hazard source level, or the pipe's pressure class.
    pub grade: String,
    /// The most severe zone it lies in.
    pub zone: super::ZoneTier,
}

/// The whole assessment.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    /// The substance as understood (`None`: unknown, largest distances used).
    pub substance: Option<&'static str>,
    /// Zones, least severe first, each with its exposure.
    pub zones: Vec<AssessedZone>,
    /// The methods' limits, to show beside the zones.
    pub limits: Vec<String>,
    /// Other major hazard sources and gas mains (high and sub-high pressure) inside the zones.
    pub domino: Vec<DominoItem>,
}

/// Pressure classes counted as gas mains in the domino check.
pub const MAINS: &[&str] = &["high", "sub_high"];

/// The zones `input` calls for round `centre`, without exposure.
pub fn zones(centre: Coord<f64>, input: &HazardInput) -> Result<(Option<&'static Substance>, ZoneSet), ImpactError> {
    let on_earth = centre.x.is_finite()
        && centre.y.is_finite()
        && (-180.0..=180.0).contains(&centre.x)
        && (-85.0..=85.0).contains(&centre.y);
    if !on_earth {
        return Err(ImpactError::InvalidRelease(
            "the location must be [lon, lat] in degrees, latitude within ±85".into(),
        ));
    }
    input.weather.validate()?;
    let substance = input.substance.as_deref().map(Substance::require).transpose()?;
    let set = match input.hazard {
        Hazard::Release => {
            let mut set = super::erg_zones(centre, substance, input.spill, input.container, &input.weather)?;
            if let Some(rate) = input.release_rate_kg_s {
                let s = substance.ok_or_else(|| {
                    ImpactError::InvalidRelease("a plume needs a known substance (its levels of concern)".into())
                })?;
                let plume = super::plume_zones(centre, s, rate, &input.weather)?;
                set.zones.extend(plume.zones);
                set.limits.extend(plume.limits);
            }
            set
        }
        Hazard::Fire => super::fire_zones(centre, substance, required_mass(input)?)?,
        Hazard::Explosion => super::explosion_zones(centre, substance, required_mass(input)?, input.tnt_yield)?,
    };
    Ok((substance, set))
}

fn required_mass(input: &HazardInput) -> Result<f64, ImpactError> {
    input
        .mass_kg
        .ok_or_else(|| ImpactError::InvalidRelease("fire and explosion zones need mass_kg".into()))
}

/// What the catalog adds to a hazard input: the time of the weather (now,
/// when not given) and, for a leak at a major hazard source with no
/// container given, the largest container holding the substance there.
/// Returns the completed input and a note for the limits.
pub fn complete(catalog: &Catalog, input: &HazardInput) -> Result<(HazardInput, Option<String>), ImpactError> {
    let mut input = input.clone();
    if input.weather.at.is_none() {
        input.weather.at = Some(chrono::Utc::now());
    }
    let Some(id) = input.hazard_source_id else {
        return Ok((input, None));
    };
    let sources = catalog.hazard_sources.read();
    let source = sources
        .feature(id)
        .ok_or_else(|| ImpactError::InvalidRelease(format!("no major hazard source with id {id}")))?;
    if input.container.is_some() {
        return Ok((input, None));
    }
    let substance = input.substance.as_deref().map(Substance::require).transpose()?;
    let held = source
        .properties
        .substances
        .iter()
        .filter(|s| substance.is_none_or(|want| want.code == s.substance.code()))
        .map(|s| s.container())
        .max_by_key(|c| c.rank());
    let note = match (held, substance) {
        (Some(c), Some(s)) => {
            input.container = Some(c);
            format!(
                "{} is held at {} in {} at most: its ERG row is used.",
                s.name_en,
                source.properties.name,
                c.name_en()
            )
        }
        (Some(_), None) => format!(
            "Substance not given for {}: the largest distances of the table are drawn.",
            source.properties.name
        ),
        (None, Some(s)) => format!(
            "{} does not record {} on site: the worst ERG row for it is drawn.",
            source.properties.name, s.name_en
        ),
        (None, None) => String::new(),
    };
    Ok((input, Some(note).filter(|n| !n.is_empty())))
}

/// Zones, exposure per zone and the domino check for a hazard at `centre`
/// (the input completed by [`complete`] first).
pub fn assess(catalog: &Catalog, centre: Coord<f64>, input: &HazardInput) -> Result<Assessment, ImpactError> {
    let (input, note) = complete(catalog, input)?;
    let (substance, mut set) = zones(centre, &input)?;
    set.limits.extend(note);
    let zones: Vec<AssessedZone> = set
        .zones
        .into_iter()
        .map(|zone| {
            let area = Zone::Polygon(MultiPolygon(vec![zone.polygon.clone()]));
            AssessedZone {
                exposure: exposure(catalog, &area),
                zone,
            }
        })
        .collect();
    let domino = domino(catalog, &zones);
    Ok(Assessment {
        substance: substance.map(|s| s.code),
        zones,
        limits: set.limits,
        domino,
    })
}

fn severity(tier: super::ZoneTier) -> u8 {
    use super::ZoneTier as T;
    match tier {
        T::Tier1 => 1,
        T::ProtectiveAction | T::Tier2 => 2,
        T::Isolation | T::Tier3 => 3,
    }
}

fn text(v: &Value<'_>) -> String {
    match v {
        Value::Text(t) => (*t).to_owned(),
        Value::Integer(i) => i.to_string(),
        _ => String::new(),
    }
}

/// Hazard sources and gas mains inside any zone, each with the most severe zone it is in.
fn domino(catalog: &Catalog, zones: &[AssessedZone]) -> Vec<DominoItem> {
    let mut out: Vec<DominoItem> = Vec::new();
    for z in zones {
        let area = Zone::Polygon(MultiPolygon(vec![z.zone.polygon.clone()]));
        let Some(rect) = z.zone.polygon.bounding_rect() else {
            continue;
        };
        for (layer, name_field, grade_field) in [
            ("hazard_sources", "name", "level"),
            ("gas_pipes", "network", "pressure_class"),
        ] {
            let Some(c) = catalog.read(layer) else { continue };
            c.visit_in_rect(rect, &Filter::all(), &mut |id, geometry, values| {
                let get = |f: &str| {
                    values
                        .iter()
                        .find(|(k, _)| *k == f)
                        .map(|(_, v)| text(v))
                        .unwrap_or_default()
                };
                let grade = get(grade_field);
                if layer == "gas_pipes" && !MAINS.contains(&grade.as_str()) {
                    return ControlFlow::Continue(());
                }
                if !area.meets(geometry) {
                    return ControlFlow::Continue(());
                }
                match out.iter_mut().find(|d| d.layer == layer && d.id == id) {
                    Some(d) if severity(z.zone.tier) > severity(d.zone) => d.zone = z.zone.tier,
                    Some(_) => {}
                    None => out.push(DominoItem {
                        layer,
                        id,
                        name: get(name_field),
                        grade,
                        zone: z.zone.tier,
                    }),
                }
                ControlFlow::Continue(())
            });
        }
    }
    out.sort_by(|a, b| {
        (a.layer, std::cmp::Reverse(severity(a.zone)), a.id).cmp(&(b.layer, std::cmp::Reverse(severity(b.zone)), b.id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::small_dataset;
    use crate::geodesy::distance_m;

    fn weather(from: f64) -> Weather {
        Weather::new(from, 3.0, true)
    }

    #[test]
    fn a_chlorine_leak_at_a_hazard_source_flags_it_and_its_neighbours() {
        let catalog = Catalog::new(small_dataset().clone());
        let source = &small_dataset().hazard_sources[0];
        let geo::Geometry::Point(at) = source.geometry else {
            panic!("hazard sources are points")
        };
        let input = HazardInput {
            substance: Some("氯气".into()),
            release_rate_kg_s: Some(5.0),
            ..HazardInput::new(Hazard::Release, weather(270.0))
        };
        let a = assess(&catalog, at.0, &input).unwrap();
        assert_eq!(a.substance, Some("chlorine"));
        assert!(
            a.zones.len() >= 5,
            "ERG isolation and protective action plus three plume tiers"
        );
        let isolation = a
            .zones
            .iter()
            .find(|z| z.zone.tier == super::super::ZoneTier::Isolation)
            .unwrap();
        let radius = isolation.zone.radius_m.unwrap();
        // Every hazard source within the isolation radius (brute force) is flagged.
        for h in &small_dataset().hazard_sources {
            let geo::Geometry::Point(p) = h.geometry else { continue };
            if distance_m(at.0, p.0) < radius * 0.99 {
                let d = a.domino.iter().find(|d| d.layer == "hazard_sources" && d.id == h.id);
                assert!(
                    d.is_some(),
                    "hazard source {} at {:.0} m is not flagged",
                    h.id,
                    distance_m(at.0, p.0)
                );
            }
        }
        assert!(
            a.domino
                .iter()
                .any(|d| d.id == source.id && d.layer == "hazard_sources")
        );
        // Exposure of the isolation zone counts the source itself.
        assert!(isolation.exposure.layers["hazard_sources"].count >= 1);
        assert!(a.limits.iter().any(|l| l.contains("30")), "{:?}", a.limits);
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        let catalog = Catalog::new(small_dataset().clone());
        let mut input = HazardInput {
            substance: Some("kryptonite".into()),
            spill: SpillSize::Small,
            ..HazardInput::new(Hazard::Release, weather(90.0))
        };
        let at = Coord { x: 112.5, y: 37.8 };
        assert!(matches!(
            assess(&catalog, at, &input),
            Err(ImpactError::UnknownSubstance(_))
        ));
        input.substance = None;
        input.weather.wind_speed_ms = -1.0;
        assert!(matches!(
            assess(&catalog, at, &input),
            Err(ImpactError::InvalidWeather(_))
        ));
        input.weather.wind_speed_ms = 2.0;
        input.hazard = Hazard::Explosion;
        assert!(
            assess(&catalog, at, &input)
                .unwrap_err()
                .to_string()
                .contains("mass_kg")
        );
        input.hazard = Hazard::Release;
        input.release_rate_kg_s = Some(1.0);
        assert!(
            assess(&catalog, at, &input)
                .unwrap_err()
                .to_string()
                .contains("known substance")
        );
        assert!(assess(&catalog, Coord { x: 200.0, y: 0.0 }, &input).is_err());
    }
}
