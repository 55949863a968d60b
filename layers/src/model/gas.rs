//! City gas networks (城镇燃气管网): pipes between nodes, valves and stations on nodes.

use super::{PressureClass, StationKind};
use crate::record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
use serde::{Deserialize, Serialize};

/// A gas pipe between two network nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GasPipe {
    /// The row's id in the bureau's own register it was imported from
    /// (`lookout import`, docs/data.md): a re-import updates it in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The city network it belongs to, e.g. `太原市`.
    pub network: String,
    /// Pressure class.
    pub pressure_class: PressureClass,
    /// Nominal diameter, mm.
    pub diameter_mm: u32,
    /// `steel`, `pe` (polyethylene) or `ductile_iron`.
    pub material: String,
    /// Year laid.
    pub install_year: u16,
    /// Length, metres.
    pub length_m: f64,
    /// Node at the first vertex.
    pub from_node: u64,
    /// Node at the last vertex.
    pub to_node: u64,
}

/// A valve on a network node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GasValve {
    /// The row's id in the bureau's own register it was imported from
    /// (`lookout import`, docs/data.md): a re-import updates it in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The city network.
    pub network: String,
    /// The node the valve sits on.
    pub node: u64,
    /// Pressure class of the main it is on.
    pub pressure_class: PressureClass,
    /// Nominal diameter, mm.
    pub diameter_mm: u32,
    /// Whether the valve is known to close; an inoperable valve does not isolate.
    pub operable: bool,
    /// Year installed.
    pub install_year: u16,
}

/// A gate or regulator station.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GasStation {
    /// The row's id in the bureau's own register it was imported from
    /// (`lookout import`, docs/data.md): a re-import updates it in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Station name.
    pub name: String,
    /// The city network.
    pub network: String,
    /// Gate (supply into the city) or regulator.
    pub kind: StationKind,
    /// The node the station feeds.
    pub node: u64,
    /// Pressure class going out.
    pub outlet_pressure_class: PressureClass,
    /// Design capacity, m³/h.
    pub capacity_m3_h: u32,
}

const MATERIALS: &[&str] = &["steel", "pe", "ductile_iron"];

impl Record for GasPipe {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    const INFO: LayerInfo = LayerInfo {
        id: "gas_pipes",
        title: "Gas pipes 燃气管线",
        description: "City gas pipes by pressure class; pipes share end nodes, so each city network is a connected graph. Generated.",
        geometry: GeometryKind::LineString,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("network", FieldType::Text, "city network"),
        Field::new(
            "pressure_class",
            FieldType::Enum(PressureClass::CODES),
            "pressure class",
        ),
        Field::new("diameter_mm", FieldType::Integer, "nominal diameter, mm"),
        Field::new("material", FieldType::Enum(MATERIALS), "material"),
        Field::new("install_year", FieldType::Integer, "year laid"),
        Field::new("length_m", FieldType::Real, "length, m"),
        Field::new("from_node", FieldType::Integer, "start node"),
        Field::new("to_node", FieldType::Integer, "end node"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "network" => Value::Text(&self.network),
            "pressure_class" => Value::Text(self.pressure_class.code()),
            "diameter_mm" => Value::Integer(self.diameter_mm.into()),
            "material" => Value::Text(&self.material),
            "install_year" => Value::Integer(self.install_year.into()),
            "length_m" => Value::Real(self.length_m),
            "from_node" => Value::Integer(self.from_node as i64),
            "to_node" => Value::Integer(self.to_node as i64),
            _ => Value::Null,
        }
    }

    fn validate(&self) -> Result<(), String> {
        if !MATERIALS.contains(&self.material.as_str()) {
            return Err(format!("material is one of {MATERIALS:?}, not {:?}", self.material));
        }
        Ok(())
    }
}

impl Record for GasValve {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    const INFO: LayerInfo = LayerInfo {
        id: "gas_valves",
        title: "Gas valves 燃气阀门",
        description: "Valves on the gas mains, operable or not. Generated.",
        geometry: GeometryKind::Point,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("network", FieldType::Text, "city network"),
        Field::new("node", FieldType::Integer, "network node"),
        Field::new(
            "pressure_class",
            FieldType::Enum(PressureClass::CODES),
            "pressure class",
        ),
        Field::new("diameter_mm", FieldType::Integer, "nominal diameter, mm"),
        Field::new("operable", FieldType::Boolean, "known to close"),
        Field::new("install_year", FieldType::Integer, "year installed"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "network" => Value::Text(&self.network),
            "node" => Value::Integer(self.node as i64),
            "pressure_class" => Value::Text(self.pressure_class.code()),
            "diameter_mm" => Value::Integer(self.diameter_mm.into()),
            "operable" => Value::Boolean(self.operable),
            "install_year" => Value::Integer(self.install_year.into()),
            _ => Value::Null,
        }
    }
}

impl Record for GasStation {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    const INFO: LayerInfo = LayerInfo {
        id: "gas_stations",
        title: "Gas stations 燃气门站/调压站",
        description: "Gate stations (supply into the city network) and regulator stations. Generated.",
        geometry: GeometryKind::Point,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("name", FieldType::Text, "station name"),
        Field::new("network", FieldType::Text, "city network"),
        Field::new("kind", FieldType::Enum(StationKind::CODES), "gate or regulator"),
        Field::new("node", FieldType::Integer, "network node"),
        Field::new(
            "outlet_pressure_class",
            FieldType::Enum(PressureClass::CODES),
            "outlet pressure class",
        ),
        Field::new("capacity_m3_h", FieldType::Integer, "capacity, m³/h"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "name" => Value::Text(&self.name),
            "network" => Value::Text(&self.network),
            "kind" => Value::Text(self.kind.code()),
            "node" => Value::Integer(self.node as i64),
            "outlet_pressure_class" => Value::Text(self.outlet_pressure_class.code()),
            "capacity_m3_h" => Value::Integer(self.capacity_m3_h.into()),
            _ => Value::Null,
        }
    }
}
