//! The road network: one feature per edge between two junctions.

use super::RoadClass;
use crate::record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
use serde::{Deserialize, Serialize};

/// A road segment between two junctions (`from_node`, `to_node`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Road {
    /// Route name, e.g. `G5 京昆高速`.
    pub name: String,
    /// Class of road.
    pub road_class: RoadClass,
    /// Free-flow speed, km/h (from the class unless surveyed otherwise).
    pub speed_kmh: u32,
    /// Length along the line, metres.
    pub length_m: f64,
    /// Junction at the first vertex.
    pub from_node: u64,
    /// Junction at the last vertex.
    pub to_node: u64,
    /// Open to traffic (a closure takes the edge out of routing).
    pub open: bool,
    /// Driven only from `from_node` to `to_node` (OSM one-way streets,
    /// roundabouts, motorway carriageways). Absent: both ways.
    #[serde(default, skip_serializing_if = "is_false")]
    pub oneway: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Record for Road {
    const INFO: LayerInfo = LayerInfo {
        id: "roads",
        title: "Roads 道路",
        description: "Connected province road network (expressway, national, provincial, county, urban) with routing speeds. Generated.",
        geometry: GeometryKind::LineString,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("name", FieldType::Text, "route name"),
        Field::new("road_class", FieldType::Enum(RoadClass::CODES), "road class"),
        Field::new("speed_kmh", FieldType::Integer, "routing speed, km/h"),
        Field::new("length_m", FieldType::Real, "length, m"),
        Field::new("from_node", FieldType::Integer, "start junction"),
        Field::new("to_node", FieldType::Integer, "end junction"),
        Field::new("open", FieldType::Boolean, "open to traffic"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "name" => Value::Text(&self.name),
            "road_class" => Value::Text(self.road_class.code()),
            "speed_kmh" => Value::Integer(self.speed_kmh.into()),
            "length_m" => Value::Real(self.length_m),
            "from_node" => Value::Integer(self.from_node as i64),
            "to_node" => Value::Integer(self.to_node as i64),
            "open" => Value::Boolean(self.open),
            _ => Value::Null,
        }
    }

    fn validate(&self) -> Result<(), String> {
        if !(1..=150).contains(&self.speed_kmh) {
            return Err(format!("speed_kmh must be 1..=150, not {}", self.speed_kmh));
        }
        Ok(())
    }
}
