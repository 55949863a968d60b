//! Rescue assets: teams (救援队伍), material warehouses (应急物资储备库) and shelters (应急避难场所).

use super::{RescueKind, TeamStatus};
use crate::record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
use serde::{Deserialize, Serialize};

/// A rescue team at its base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RescueTeam {
    /// The row's id in the bureau's own register it was imported from
    /// (`lookout import`, docs/data.md): a re-import updates it in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Team name.
    pub name: String,
    /// Kind of team.
    pub kind: RescueKind,
    /// What it can do, as codes (e.g. `chlorine_leak`, `mine_gas_explosion`).
    pub capabilities: Vec<String>,
    /// Personnel on strength.
    pub personnel: u32,
    /// Vehicles.
    pub vehicles: u32,
    /// Dispatch status.
    pub status: TeamStatus,
    /// Name of the base the team stands by at.
    pub base: String,
    /// `counties` id of the base.
    pub county_id: u32,
    /// County of the base.
    pub county: String,
    /// City of the base.
    pub city: String,
    /// Duty phone.
    pub phone: String,
}

/// One line of a warehouse's stock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockItem {
    /// Item code, e.g. `tent`, `scba`.
    pub item: String,
    /// How many.
    pub count: u32,
    /// Unit of count: `piece`, `set`, `tonne`.
    pub unit: String,
}

/// A material warehouse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Warehouse {
    /// The row's id in the bureau's own register it was imported from
    /// (`lookout import`, docs/data.md): a re-import updates it in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Warehouse name.
    pub name: String,
    /// `provincial`, `city` or `county`.
    pub tier: String,
    /// `counties` id.
    pub county_id: u32,
    /// County.
    pub county: String,
    /// City.
    pub city: String,
    /// Stock by item.
    pub stock: Vec<StockItem>,
}

/// An emergency shelter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shelter {
    /// The row's id in the bureau's own register it was imported from
    /// (`lookout import`, docs/data.md): a re-import updates it in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Shelter name.
    pub name: String,
    /// `park`, `school`, `stadium` or `square`.
    pub kind: String,
    /// Capacity, persons.
    pub capacity: u32,
    /// Persons sheltered now.
    pub occupancy: u32,
    /// `counties` id.
    pub county_id: u32,
    /// County.
    pub county: String,
    /// City.
    pub city: String,
}

const TIERS: &[&str] = &["provincial", "city", "county"];
const SHELTER_KINDS: &[&str] = &["park", "school", "stadium", "square"];

impl Record for RescueTeam {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    const INFO: LayerInfo = LayerInfo {
        id: "rescue_teams",
        title: "Rescue teams 救援队伍",
        description: "Rescue teams with kind, capabilities, strength and dispatch status. Generated, fictional.",
        geometry: GeometryKind::Point,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("name", FieldType::Text, "team name"),
        Field::new("kind", FieldType::Enum(RescueKind::CODES), "kind of team"),
        Field::new("capabilities", FieldType::List, "capability codes"),
        Field::new("personnel", FieldType::Integer, "personnel"),
        Field::new("vehicles", FieldType::Integer, "vehicles"),
        Field::new("status", FieldType::Enum(TeamStatus::CODES), "dispatch status"),
        Field::new("base", FieldType::Text, "base"),
        Field::new("county_id", FieldType::Integer, "county id"),
        Field::new("county", FieldType::Text, "county"),
        Field::new("city", FieldType::Text, "city"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "name" => Value::Text(&self.name),
            "kind" => Value::Text(self.kind.code()),
            "capabilities" => Value::List(&self.capabilities),
            "personnel" => Value::Integer(self.personnel.into()),
            "vehicles" => Value::Integer(self.vehicles.into()),
            "status" => Value::Text(self.status.code()),
            "base" => Value::Text(&self.base),
            "county_id" => Value::Integer(self.county_id.into()),
            "county" => Value::Text(&self.county),
            "city" => Value::Text(&self.city),
            _ => Value::Null,
        }
    }
}

impl Record for Warehouse {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    const INFO: LayerInfo = LayerInfo {
        id: "warehouses",
        title: "Material warehouses 应急物资储备库",
        description: "Emergency material warehouses with stock by item. Generated, fictional.",
        geometry: GeometryKind::Point,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("name", FieldType::Text, "warehouse name"),
        Field::new("tier", FieldType::Enum(TIERS), "provincial, city or county"),
        Field::new("county_id", FieldType::Integer, "county id"),
        Field::new("county", FieldType::Text, "county"),
        Field::new("city", FieldType::Text, "city"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "name" => Value::Text(&self.name),
            "tier" => Value::Text(&self.tier),
            "county_id" => Value::Integer(self.county_id.into()),
            "county" => Value::Text(&self.county),
            "city" => Value::Text(&self.city),
            _ => Value::Null,
        }
    }

    fn validate(&self) -> Result<(), String> {
        if !TIERS.contains(&self.tier.as_str()) {
            return Err(format!("tier is one of {TIERS:?}"));
        }
        Ok(())
    }
}

impl Record for Shelter {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    const INFO: LayerInfo = LayerInfo {
        id: "shelters",
        title: "Shelters 应急避难场所",
        description: "Emergency shelters with capacity and current occupancy. Generated, fictional.",
        geometry: GeometryKind::Point,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("name", FieldType::Text, "shelter name"),
        Field::new("kind", FieldType::Enum(SHELTER_KINDS), "kind of site"),
        Field::new("capacity", FieldType::Integer, "capacity, persons"),
        Field::new("occupancy", FieldType::Integer, "persons sheltered now"),
        Field::new("county_id", FieldType::Integer, "county id"),
        Field::new("county", FieldType::Text, "county"),
        Field::new("city", FieldType::Text, "city"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "name" => Value::Text(&self.name),
            "kind" => Value::Text(&self.kind),
            "capacity" => Value::Integer(self.capacity.into()),
            "occupancy" => Value::Integer(self.occupancy.into()),
            "county_id" => Value::Integer(self.county_id.into()),
            "county" => Value::Text(&self.county),
            "city" => Value::Text(&self.city),
            _ => Value::Null,
        }
    }

    fn validate(&self) -> Result<(), String> {
        if !SHELTER_KINDS.contains(&self.kind.as_str()) {
            return Err(format!("kind is one of {SHELTER_KINDS:?}"));
        }
        if self.occupancy > self.capacity {
            return Err("occupancy cannot exceed capacity".into());
        }
        Ok(())
    }
}
