//! Disaster-prone zones.

use super::{DisasterKind, Severity, opt_int};
use crate::record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
use serde::{Deserialize, Serialize};

/// A disaster-prone zone: geological hazard, flood, forest fire or seismic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisasterZone {
    /// The row's id in the bureau's own register it was imported from
    /// (`lookout import`, docs/data.md): a re-import updates it in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Name of the zone.
    pub name: String,
    /// Kind of hazard.
    pub kind: DisasterKind,
    /// For geological hazards: landslide, collapse or debris_flow.
    pub subtype: Option<String>,
    /// Severity.
    pub severity: Severity,
    /// Seismic design intensity, for seismic zones (VIII = 8).
    pub intensity: Option<u8>,
    /// Where the zone comes from.
    pub source: String,
}

impl Record for DisasterZone {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    const INFO: LayerInfo = LayerInfo {
        id: "disaster_zones",
        title: "Disaster-prone zones 灾害易发区",
        description: "Geological-hazard, flood, forest-fire and seismic intensity VIII zones. Modelled, not surveyed.",
        geometry: GeometryKind::Polygon,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("name", FieldType::Text, "zone name"),
        Field::new("kind", FieldType::Enum(DisasterKind::CODES), "kind of hazard"),
        Field::new("subtype", FieldType::Text, "landslide, collapse, debris_flow"),
        Field::new("severity", FieldType::Enum(Severity::CODES), "severity"),
        Field::new("intensity", FieldType::Integer, "seismic design intensity"),
        Field::new("source", FieldType::Text, "source"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "name" => Value::Text(&self.name),
            "kind" => Value::Text(self.kind.code()),
            "subtype" => self.subtype.as_deref().map_or(Value::Null, Value::Text),
            "severity" => Value::Text(self.severity.code()),
            "intensity" => opt_int(self.intensity),
            "source" => Value::Text(&self.source),
            _ => Value::Null,
        }
    }
}
