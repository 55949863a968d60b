//! Zone computation: the hazard model an incident's spec calls for, and the
//! zones it draws with what lies inside each, as stored in a
//! [`ZoneRecord`].

use super::check::invalid;
use crate::catalog::Catalog;
use crate::error::Result;
use crate::exposure::{Zone, exposure};
use crate::impact::assess::{Hazard, HazardInput};
use crate::impact::{self, SpillSize, Substance, Weather};
use crate::model::{IncidentKind, IncidentSpec, IncidentZone, ZoneExposure, ZoneRecord};
use geo::MultiPolygon;
use serde_json::Value as Json;

/// Features listed per layer per zone in a stored zone record (counts stay complete).
pub const LISTED_PER_ZONE: usize = 50;

impl IncidentSpec {
    /// The substance, resolved (codes, aliases, names, CAS and UN numbers).
    pub fn substance(&self) -> Result<Option<&'static Substance>> {
        let key = match (&self.substance, self.kind) {
            (Some(s), _) => s.as_str(),
            (None, IncidentKind::GasLeak) => "natural_gas",
            (None, _) => return Ok(None),
        };
        Substance::require(key).map(Some).map_err(|e| invalid(e.to_string()))
    }

    /// The hazard model input, if the kind and what is known call for one.
    pub fn hazard_input(&self) -> Result<Option<HazardInput>> {
        let substance = self.substance()?.map(|s| s.code.to_owned());
        let hazard = match self.kind {
            IncidentKind::Leak | IncidentKind::GasLeak => Hazard::Release,
            IncidentKind::Fire if self.mass_kg.is_some() => Hazard::Fire,
            IncidentKind::Explosion if self.mass_kg.is_some() => Hazard::Explosion,
            _ => return Ok(None),
        };
        let Some(weather) = self.weather else {
            if hazard == Hazard::Release {
                return Err(invalid(
                    "a leak needs the weather: wind_from_deg, wind_speed_ms, daytime",
                ));
            }
            // Fire and blast circles do not depend on the wind.
            return Ok(Some(HazardInput {
                substance,
                spill: self.spill.unwrap_or(SpillSize::Large),
                mass_kg: self.mass_kg,
                tnt_yield: self.tnt_yield,
                ..HazardInput::new(hazard, Weather::new(0.0, 2.0, true))
            }));
        };
        Ok(Some(HazardInput {
            hazard,
            substance,
            spill: self.spill.unwrap_or(SpillSize::Large),
            release_rate_kg_s: self.release_rate_kg_s,
            mass_kg: self.mass_kg,
            container: self.container,
            hazard_source_id: self.hazard_source_id,
            tnt_yield: self.tnt_yield,
            weather,
        }))
    }
}

fn trimmed_exposure(area: &Zone, catalog: &Catalog) -> ZoneExposure {
    let e = exposure(catalog, area);
    let mut layers = match serde_json::to_value(&e.layers) {
        Ok(Json::Object(layers)) => layers,
        _ => serde_json::Map::new(),
    };
    for layer in layers.values_mut() {
        if let Some(items) = layer.get_mut("items").and_then(Json::as_array_mut) {
            items.truncate(LISTED_PER_ZONE);
        }
    }
    ZoneExposure {
        area_km2: e.area_km2,
        population: e.population,
        layers,
    }
}

/// A zone of the impact model as stored, with its exposure. Through JSON, so
/// that a field the model adds is kept (in [`IncidentZone::extra`]).
fn stored(zone: &impact::ImpactZone, exposure: ZoneExposure) -> Result<IncidentZone> {
    let mut value = serde_json::to_value(zone).map_err(|e| invalid(format!("zone: {e}")))?;
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "exposure".into(),
            serde_json::to_value(exposure).map_err(|e| invalid(format!("zone: {e}")))?,
        );
    }
    serde_json::from_value(value).map_err(|e| invalid(format!("zone: {e}")))
}

/// The zones an incident calls for, with what lies inside each, and the domino check.
pub fn compute_zones(catalog: &Catalog, spec: &IncidentSpec) -> Result<ZoneRecord> {
    let centre = spec.centre();
    let mut record = ZoneRecord {
        substance: spec.substance()?.map(|s| s.code.to_owned()),
        zones: Vec::new(),
        limits: Vec::new(),
        domino: Vec::new(),
        note: None,
    };
    if let Some(radius) = spec.cordon_m {
        let polygon = impact::circle(centre, radius);
        let area = Zone::Polygon(MultiPolygon(vec![polygon.clone()]));
        record.zones.push(IncidentZone {
            tier: "cordon".into(),
            method: "cordon".into(),
            label_zh: format!("警戒区 {radius:.0} 米"),
            label_en: format!("Cordon {radius:.0} m"),
            polygon: geojson::Geometry::from(&polygon),
            radius_m: Some(radius),
            downwind_m: None,
            threshold: None,
            open_ended: false,
            exposure: trimmed_exposure(&area, catalog),
            extra: serde_json::Map::new(),
        });
    }
    match spec.hazard_input()? {
        Some(input) => {
            let assessment = impact::assess::assess(catalog, centre, &input).map_err(|e| invalid(e.to_string()))?;
            for z in assessment.zones {
                let area = Zone::Polygon(MultiPolygon(vec![z.zone.polygon.clone()]));
                let exposure = trimmed_exposure(&area, catalog);
                record.zones.push(stored(&z.zone, exposure)?);
            }
            record.limits = assessment.limits;
            record.domino = assessment
                .domino
                .iter()
                .filter_map(|d| serde_json::to_value(d).ok())
                .collect();
        }
        None if record.zones.is_empty() => {
            record.note = Some(format!(
                "no dispersion, fire or blast model applies to a {} {}; set cordon_m to draw a warning cordon",
                spec.kind.code(),
                match spec.kind {
                    IncidentKind::Fire | IncidentKind::Explosion => "without mass_kg",
                    _ => "incident",
                }
            ));
        }
        None => {}
    }
    Ok(record)
}
