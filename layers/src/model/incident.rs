//! Incidents (突发事件): what the duty officer knows ([`IncidentSpec`]), the
//! impact zones drawn for it as stored ([`ZoneRecord`]), and the incident as
//! a map layer ([`Incident`]). The incident's whole record (units, notes,
//! timeline) is folded in [`crate::ops`]; the map point is kept by the same
//! events, so tiles, `/collections` and PostGIS show it.
//!
//! Events carry the spec and the zones, so these types are plain data: how a
//! spec is checked and how zones are computed live in [`crate::ops`].

use super::{Container, IncidentKind, IncidentStatus};
use super::{SpillSize, Weather};
use crate::feature::FeatureId;
use crate::record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
use geo::Coord;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// What is known about an incident: what the duty officer fills in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSpec {
    /// Short title.
    #[serde(default)]
    pub title: String,
    /// Kind of incident.
    pub kind: IncidentKind,
    /// Where, `[lon, lat]` (WGS 84).
    pub location: [f64; 2],
    /// Substance involved (code, name, CAS or UN number).
    #[serde(default)]
    pub substance: Option<String>,
    /// ERG spill size; large if not given.
    #[serde(default)]
    pub spill: Option<SpillSize>,
    /// Continuous release rate, kg/s: adds plume tiers.
    #[serde(default)]
    pub release_rate_kg_s: Option<f64>,
    /// Mass involved, kg: fires and explosions.
    #[serde(default)]
    pub mass_kg: Option<f64>,
    /// What the substance is held or carried in (chooses the ERG Table 3
    /// row of a large spill; the worst row when not known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// The major hazard source that leaks (`hazard_sources` id), if any: its
    /// largest container is used when `container` is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hazard_source_id: Option<FeatureId>,
    /// TNT yield of an explosion, 0.03–0.10; 0.10 (U.S. EPA worst case) if not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tnt_yield: Option<f64>,
    /// Radius of a warning cordon (警戒区), metres.
    #[serde(default)]
    pub cordon_m: Option<f64>,
    /// Weather at the scene.
    #[serde(default)]
    pub weather: Option<Weather>,
    /// Known casualties.
    #[serde(default)]
    pub casualties: Option<u32>,
    /// What is known, in words.
    #[serde(default)]
    pub description: String,
}

impl IncidentSpec {
    /// The location as a coordinate.
    pub fn centre(&self) -> Coord<f64> {
        Coord {
            x: self.location[0],
            y: self.location[1],
        }
    }
}

/// Impact zones as computed and stored: each zone's polygon, method,
/// thresholds and exposure (lists trimmed when stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneRecord {
    /// The substance as understood.
    #[serde(default)]
    pub substance: Option<String>,
    /// The zones, least severe first.
    pub zones: Vec<IncidentZone>,
    /// The methods' limits, in words.
    #[serde(default)]
    pub limits: Vec<String>,
    /// Major hazard sources and gas mains inside the zones.
    #[serde(default)]
    pub domino: Vec<Json>,
    /// Why there are no zones, when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ZoneRecord {
    /// Residents inside the largest zone (the zones nest, or nearly).
    pub fn people(&self) -> Option<u64> {
        self.zones.iter().map(|z| z.exposure.population).max()
    }
}

/// One impact zone drawn for an incident, with what lies inside it.
///
/// The field names are those of the JSON stored in journals and in
/// `lookout.events` since the first release; `extra` keeps any field a
/// newer impact model adds, so nothing read is lost when written again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentZone {
    /// Which zone: `cordon`, `isolation`, `protective_action`, `tier1`...
    pub tier: String,
    /// How it was drawn: `cordon`, `erg_table`, `gaussian_plume`...
    pub method: String,
    /// Label in Chinese.
    pub label_zh: String,
    /// Label in English.
    pub label_en: String,
    /// The zone, a GeoJSON polygon (WGS 84).
    pub polygon: geojson::Geometry,
    /// Radius of a circular zone, metres.
    #[serde(default)]
    pub radius_m: Option<f64>,
    /// How far the zone reaches downwind, metres.
    #[serde(default)]
    pub downwind_m: Option<f64>,
    /// The level that bounds the zone ("20 ppm", "10 kW/m²").
    #[serde(default)]
    pub threshold: Option<String>,
    /// The guide prints the distance as "11+": it can be larger than drawn.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub open_ended: bool,
    /// What lies inside.
    pub exposure: ZoneExposure,
    /// Fields this version does not name, kept as they were.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Json>,
}

/// What lies inside a stored zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneExposure {
    /// Area, km².
    #[serde(default)]
    pub area_km2: f64,
    /// Estimated residents.
    #[serde(default)]
    pub population: u64,
    /// Per layer: counts, groups and the first features (as
    /// [`crate::exposure::Exposure`] writes them).
    #[serde(default)]
    pub layers: serde_json::Map<String, Json>,
}

/// An incident on the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// Short title.
    pub title: String,
    /// Kind of incident.
    pub kind: IncidentKind,
    /// Open or closed.
    pub status: IncidentStatus,
    /// A drill, not a real incident.
    pub drill: bool,
    /// Substance code, for releases, fires and explosions.
    pub substance: Option<String>,
    /// When it was opened (RFC 3339).
    pub opened_at: String,
    /// Teams assigned and not yet back.
    pub units: u32,
    /// Residents inside the largest impact zone.
    pub people_in_zones: Option<u64>,
}

impl Record for Incident {
    const INFO: LayerInfo = LayerInfo {
        id: "incidents",
        title: "Incidents 突发事件",
        description: "Incidents and drills, as opened on /incidents. Written only through /incidents.",
        geometry: GeometryKind::Point,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("title", FieldType::Text, "title"),
        Field::new("kind", FieldType::Enum(IncidentKind::CODES), "kind of incident"),
        Field::new("status", FieldType::Enum(IncidentStatus::CODES), "open or closed"),
        Field::new("drill", FieldType::Boolean, "a drill"),
        Field::new("substance", FieldType::Text, "substance code"),
        Field::new("opened_at", FieldType::Text, "when it was opened"),
        Field::new("units", FieldType::Integer, "teams assigned"),
        Field::new("people_in_zones", FieldType::Integer, "residents in the largest zone"),
    ];
    const OPERATIONAL: bool = true;

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "title" => Value::Text(&self.title),
            "kind" => Value::Text(self.kind.code()),
            "status" => Value::Text(self.status.code()),
            "drill" => Value::Boolean(self.drill),
            "substance" => self.substance.as_deref().map_or(Value::Null, Value::Text),
            "opened_at" => Value::Text(&self.opened_at),
            "units" => Value::Integer(self.units.into()),
            "people_in_zones" => self
                .people_in_zones
                .map_or(Value::Null, |p| Value::Integer(i64::try_from(p).unwrap_or(i64::MAX))),
            _ => Value::Null,
        }
    }
}
