//! The safety-distance check (外部安全防护距离): for each major hazard
//! source, the people and sensitive sites inside its protection distance.
//!
//! GB 36894-2018 sets the acceptable individual risk by what lies around a
//! plant (three classes of protected object, [`TargetClass`]); the distance
//! where the risk falls below the limit needs a quantitative risk assessment
//! with failure frequencies per unit, which the data does not hold. Where the
//! risk cannot be computed, the check uses stated *consequence* distances
//! with their sources (the route of GB/T 37243-2019 for a plant whose risk is
//! not computed), taking the larger where two apply:
//!
//! - toxic gases (ERG "toxic by inhalation"): the ERG 2020 initial isolation
//!   distance of a large spill from the substance's largest container on site
//!   (Table 3 row; a storage tank reads the rail-tank-car row), Table 1 where
//!   the guide has no Table 3 row;
//! - flammable substances: the 1 psi (6.9 kPa) blast overpressure distance of
//!   the whole quantity on site at 10 % TNT yield, the U.S. EPA RMP
//!   worst-case end point (40 CFR 68.22(a), 68.25), by the Kingery–Bulmash
//!   fit ([`crate::impact::fire`]).
//!
//! A consequence distance assumes the accident happens; every individual-
//! risk contour lies inside the zone where the consequence can kill, so this
//! errs on the safe side for every class. docs/safety-distances.md states the
//! method and its limits.

use crate::catalog::Catalog;
use crate::feature::{Feature, FeatureId};
use crate::filter::Filter;
use crate::geodesy::{distance_to_geometry_m, rect_around};
use crate::impact::fire::{EXPLOSION_YIELD, KPA_PER_PSI, scaled_distance, tnt_equivalent_kg};
use crate::impact::{Substance as ImpactSubstance, circle};
use crate::model::{Container, HazardLevel, HazardSource, SpillSize, SubstanceOnSite};
use crate::scope::Scope;
use geo::{Area, BooleanOps, Coord, Geometry, MultiPolygon, Polygon};
use serde::Serialize;

/// A population cell counts when at least this many of its people live
/// inside the protection distance (fewer is a rounding remainder of a cell
/// that only touches the circle).
pub const MIN_CELL_PEOPLE: f64 = 1.0;

/// The overpressure end point for flammables, psi: the U.S. EPA RMP
/// worst-case analysis end point (40 CFR 68.22(a)).
pub const END_POINT_PSI: f64 = 1.0;

/// GB 36894-2018 classes of protected object, most sensitive first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetClass {
    /// Highly sensitive places (schools, hospitals, kindergartens, care
    /// homes), important targets, and special high-density places (≥ 100 people).
    HighlySensitive,
    /// High-density residential or public places (30–99 people).
    HighDensity,
    /// Low-density places (< 30 people).
    LowDensity,
}

impl TargetClass {
    /// The class of a place where `persons` people are (not a school or hospital).
    pub fn of_persons(persons: f64) -> Self {
        if persons >= 100.0 {
            Self::HighlySensitive
        } else if persons >= 30.0 {
            Self::HighDensity
        } else {
            Self::LowDensity
        }
    }

    /// Acceptable individual risk, per year, for a new and an existing plant
    /// (GB 36894-2018, table 1).
    pub fn risk_limits(self) -> (f64, f64) {
        match self {
            Self::HighlySensitive => (3e-7, 3e-6),
            Self::HighDensity => (3e-6, 1e-5),
            Self::LowDensity => (1e-5, 3e-5),
        }
    }

    /// Name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::HighlySensitive => "高敏感/特殊高密度场所",
            Self::HighDensity => "高密度场所",
            Self::LowDensity => "低密度场所",
        }
    }
}

/// How a protection distance was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DistanceMethod {
    /// ERG 2020 initial isolation distance, large spill.
    ErgIsolation,
    /// 1 psi overpressure, whole quantity, 10 % TNT yield.
    #[serde(rename = "overpressure_1psi")]
    Overpressure1Psi,
}

/// One substance's distance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubstanceDistance {
    /// Substance code.
    pub substance: &'static str,
    /// How it was found.
    pub method: DistanceMethod,
    /// Distance, metres.
    pub distance_m: f64,
    /// Where it comes from, in words.
    pub basis: String,
}

/// A hazard source's protection distance: the largest of its substances'.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtectionDistance {
    /// `hazard_sources` id.
    pub hazard_source_id: FeatureId,
    /// Unit name.
    pub name: String,
    /// Owning enterprise.
    pub enterprise_name: String,
    /// County.
    pub county: String,
    /// GB 18218 level (1 most severe).
    pub level: Option<HazardLevel>,
    /// Location, lon/lat.
    pub location: [f64; 2],
    /// The distance, metres (0 when no substance has one).
    pub distance_m: f64,
    /// Each substance's distance, largest first.
    pub substances: Vec<SubstanceDistance>,
}

/// Something inside a protection distance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// GB 36894-2018 class of what lies there.
    pub class: TargetClass,
    /// Acceptable individual risk for an existing plant there, per year.
    pub risk_limit_existing: f64,
    /// Acceptable individual risk for a new plant there, per year.
    pub risk_limit_new: f64,
    /// `hazard_sources` id.
    pub hazard_source_id: FeatureId,
    /// Unit name.
    pub hazard_source: String,
    /// Owning enterprise.
    pub enterprise_name: String,
    /// GB 18218 level (1 most severe).
    pub level: Option<HazardLevel>,
    /// County of the hazard source.
    pub county: String,
    /// `sensitive_sites`, `shelters` or `population`.
    pub target_layer: &'static str,
    /// Feature id in that layer.
    pub target_id: FeatureId,
    /// Name (a population cell: its id).
    pub target_name: String,
    /// Kind (school, hospital …, a shelter's kind, `residents`).
    pub target_kind: String,
    /// People there (a cell: those inside the distance).
    pub persons: u64,
    /// Distance from the hazard source, metres (a cell: to its nearest part).
    pub distance_m: f64,
    /// The protection distance, metres.
    pub protection_distance_m: f64,
    /// How far inside it is, metres.
    pub shortfall_m: f64,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SafetyCheck {
    /// Every hazard source in scope with its distance.
    pub distances: Vec<ProtectionDistance>,
    /// What lies inside, most severe first: class, then the hazard
    /// source's level, then how deep inside.
    pub violations: Vec<Violation>,
    /// The method's limits, to show with the answer.
    pub limits: Vec<String>,
}

/// The distance of one substance held on site, if it has one.
pub fn substance_distance(on_site: &SubstanceOnSite) -> Vec<SubstanceDistance> {
    let Some(s) = ImpactSubstance::by_code(on_site.substance.code()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if s.tih {
        let container = on_site.container.unwrap_or(Container::StorageTank);
        // Isolation does not depend on the wind in ERG 2020; the calmest class is asked.
        let choice = s.erg(SpillSize::Large, Some(container), 0.0);
        let (_, row) = choice.row.describe();
        out.push(SubstanceDistance {
            substance: s.code,
            method: DistanceMethod::ErgIsolation,
            distance_m: choice.distances.isolation_m,
            basis: format!("ERG 2020 initial isolation distance, large spill ({row})"),
        });
    }
    if let Some(heat) = s.heat_of_combustion_mj_kg.filter(|_| s.flammable) {
        let mass_kg = on_site.quantity_t.max(0.0) * 1000.0;
        let w = tnt_equivalent_kg(mass_kg, heat, EXPLOSION_YIELD);
        let d = scaled_distance(END_POINT_PSI * KPA_PER_PSI) * w.cbrt();
        if d.is_finite() && d > 0.0 {
            out.push(SubstanceDistance {
                substance: s.code,
                method: DistanceMethod::Overpressure1Psi,
                distance_m: d.round(),
                basis: format!(
                    "1 psi overpressure of {:.0} t at 10 % TNT yield (U.S. EPA RMP worst case, 40 CFR 68.22)",
                    on_site.quantity_t
                ),
            });
        }
    }
    out
}

/// The protection distance of a hazard source.
pub fn protection_distance(source: &Feature<HazardSource>) -> ProtectionDistance {
    let mut substances: Vec<SubstanceDistance> = source
        .properties
        .substances
        .iter()
        .flat_map(substance_distance)
        .collect();
    substances.sort_by(|a, b| b.distance_m.total_cmp(&a.distance_m));
    let centre = point_of(&source.geometry);
    ProtectionDistance {
        hazard_source_id: source.id,
        name: source.properties.name.clone(),
        enterprise_name: source.properties.enterprise_name.clone(),
        county: source.properties.county.clone(),
        level: source.properties.level,
        location: [centre.x, centre.y],
        distance_m: substances.first().map_or(0.0, |s| s.distance_m),
        substances,
    }
}

fn point_of(g: &Geometry<f64>) -> Coord<f64> {
    match g {
        Geometry::Point(p) => p.0,
        other => {
            use geo::Centroid;
            other.centroid().map_or(Coord { x: 0.0, y: 0.0 }, |p| p.0)
        }
    }
}

/// The limits every answer carries.
pub fn limits() -> Vec<String> {
    vec![
        "Individual risk (GB 36894-2018) is not computed: it needs failure frequencies per unit (a quantitative risk assessment, GB/T 37243-2019), which the data does not hold. Stated consequence distances are used instead, one per hazard source for every class of protected object: the larger and safer choice, since every individual-risk contour lies inside the zone where the consequence can kill. 未计算个人风险（GB 36894-2018 需定量风险评价），采用后果距离，对各类防护目标取同一较大值，偏安全。".into(),
        "Toxic gases: ERG 2020 initial isolation distance of a large spill from the largest container on site (a storage tank reads the rail-tank-car row). Downwind, a toxic cloud reaches farther (the ERG protective-action distance); direction depends on the wind and is not drawn here. 有毒气体取 ERG 2020 大量泄漏初始隔离距离；下风向危害范围更远。".into(),
        "Flammables: 1 psi overpressure of the whole quantity on site at 10 % TNT yield (U.S. EPA RMP worst case). Pool fires and fireballs of the same quantity reach less far at their 5 kW/m² line for the quantities held. 易燃物质取全部存量 10% TNT 当量 1 psi 超压距离。".into(),
        "Distances are measured from the hazard source's point, not from the edge of its plant; a real plant boundary moves every ring outwards. 距离自危险源点位起算，未计厂界。".into(),
        "Population cells count the people in the share of the cell's area inside the distance, and are classed by that number (≥ 100: special high density). Shelters are classed by capacity, as public gathering places when in use. 人口网格按圈内面积比例计人数并据此分类。".into(),
        "A scoped user sees the hazard sources and the places inside the scope only; a school across the scope's border is not listed. 限定范围的用户仅见范围内的危险源和防护目标。".into(),
        "Any place flagged, or near the line, needs a quantitative risk assessment before a decision. 被标出的目标需定量风险评价后再作决定。".into(),
    ]
}

fn in_scope(scope: Option<&Scope>, county_id: u32) -> bool {
    scope.is_none_or(|s| s.has_county(county_id))
}

/// The check over every hazard source in `scope` (all with `None`).
pub fn check(catalog: &Catalog, scope: Option<&Scope>) -> SafetyCheck {
    let sources = catalog.hazard_sources.read();
    let sites = catalog.sensitive_sites.read();
    let shelters = catalog.shelters.read();
    let cells = catalog.population.read();
    let all = Filter::all();
    let mut distances = Vec::new();
    let mut violations = Vec::new();
    for source in sources.features() {
        if !in_scope(scope, source.properties.county_id) {
            continue;
        }
        let pd = protection_distance(source);
        let r = pd.distance_m;
        if r > 0.0 {
            let centre = Coord {
                x: pd.location[0],
                y: pd.location[1],
            };
            let mut flag = |class: TargetClass,
                            layer: &'static str,
                            id: FeatureId,
                            name: String,
                            kind: String,
                            persons: u64,
                            d: f64| {
                let (new, existing) = class.risk_limits();
                violations.push(Violation {
                    class,
                    risk_limit_existing: existing,
                    risk_limit_new: new,
                    hazard_source_id: pd.hazard_source_id,
                    hazard_source: pd.name.clone(),
                    enterprise_name: pd.enterprise_name.clone(),
                    level: pd.level,
                    county: pd.county.clone(),
                    target_layer: layer,
                    target_id: id,
                    target_name: name,
                    target_kind: kind,
                    persons,
                    distance_m: d.round(),
                    protection_distance_m: r,
                    shortfall_m: (r - d).max(0.0).round(),
                });
            };
            for (site, d) in sites.locate_within_distance(centre, r, &all) {
                if in_scope(scope, site.properties.county_id) {
                    let p = &site.properties;
                    flag(
                        TargetClass::HighlySensitive,
                        "sensitive_sites",
                        site.id,
                        p.name.clone(),
                        p.kind.clone(),
                        p.persons.into(),
                        d,
                    );
                }
            }
            for (shelter, d) in shelters.locate_within_distance(centre, r, &all) {
                if in_scope(scope, shelter.properties.county_id) {
                    let p = &shelter.properties;
                    flag(
                        TargetClass::of_persons(p.capacity.into()),
                        "shelters",
                        shelter.id,
                        p.name.clone(),
                        p.kind.clone(),
                        p.capacity.into(),
                        d,
                    );
                }
            }
            let ring = MultiPolygon(vec![circle(centre, r)]);
            for cell in cells.locate_in_box(rect_around(centre, r)) {
                if !in_scope(scope, cell.properties.county_id) {
                    continue;
                }
                let people = people_inside(&cell.geometry, &ring, cell.properties.population);
                if people < MIN_CELL_PEOPLE {
                    continue;
                }
                flag(
                    TargetClass::of_persons(people),
                    "population",
                    cell.id,
                    format!("人口网格 {} / population cell {}", cell.id, cell.id),
                    "residents".into(),
                    people.round() as u64,
                    distance_to_geometry_m(centre, &cell.geometry),
                );
            }
        }
        distances.push(pd);
    }
    violations.sort_by(|a, b| {
        a.class
            .cmp(&b.class)
            .then(a.level.unwrap_or(u8::MAX).cmp(&b.level.unwrap_or(u8::MAX)))
            .then((a.distance_m / a.protection_distance_m).total_cmp(&(b.distance_m / b.protection_distance_m)))
            .then(b.persons.cmp(&a.persons))
            .then(a.hazard_source_id.cmp(&b.hazard_source_id))
            .then(a.target_layer.cmp(b.target_layer))
            .then(a.target_id.cmp(&b.target_id))
    });
    SafetyCheck {
        distances,
        violations,
        limits: limits(),
    }
}

/// The people of a cell inside `ring`, by the share of its area.
fn people_inside(cell: &Geometry<f64>, ring: &MultiPolygon<f64>, population: u32) -> f64 {
    let square: Polygon<f64> = match cell {
        Geometry::Polygon(p) => p.clone(),
        _ => return 0.0,
    };
    let whole = square.unsigned_area();
    if whole <= 0.0 {
        return 0.0;
    }
    let inside = ring.intersection(&MultiPolygon(vec![square])).unsigned_area();
    f64::from(population) * (inside / whole).min(1.0)
}

#[cfg(test)]
mod tests;
