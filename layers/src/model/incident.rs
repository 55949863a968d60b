//! Incidents (突发事件) as a map layer. The incident's whole record (zones,
//! units, notes, timeline) lives in [`crate::ops`]; this is the point on the
//! map, kept by the same events, so tiles, `/collections` and PostGIS show it.

use super::{IncidentKind, IncidentStatus};
use crate::record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
use serde::{Deserialize, Serialize};

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
