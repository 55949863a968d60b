//! Sensitive sites (敏感目标): schools, kindergartens, hospitals and care
//! homes, the "highly sensitive protected objects" of GB 36894-2018 that the
//! safety-distance check (`crate::safety`) looks for around each major
//! hazard source.

use crate::record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
use serde::{Deserialize, Serialize};

/// A school, kindergarten, hospital or care home.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitiveSite {
    /// Site name.
    pub name: String,
    /// One of [`SENSITIVE_KINDS`].
    pub kind: String,
    /// People usually present (pupils and staff, beds and staff).
    pub persons: u32,
    /// `counties` id.
    pub county_id: u32,
    /// County.
    pub county: String,
    /// City.
    pub city: String,
}

/// The kinds of sensitive site: 学校, 幼儿园, 医院, 养老院.
pub const SENSITIVE_KINDS: &[&str] = &["school", "kindergarten", "hospital", "care_home"];

impl Record for SensitiveSite {
    const INFO: LayerInfo = LayerInfo {
        id: "sensitive_sites",
        title: "Sensitive sites 敏感目标",
        description: "Schools, kindergartens, hospitals and care homes (GB 36894-2018 highly sensitive protected objects). Generated, fictional.",
        geometry: GeometryKind::Point,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("name", FieldType::Text, "site name"),
        Field::new(
            "kind",
            FieldType::Enum(SENSITIVE_KINDS),
            "school, kindergarten, hospital or care home",
        ),
        Field::new("persons", FieldType::Integer, "people usually present"),
        Field::new("county_id", FieldType::Integer, "county id"),
        Field::new("county", FieldType::Text, "county"),
        Field::new("city", FieldType::Text, "city"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "name" => Value::Text(&self.name),
            "kind" => Value::Text(&self.kind),
            "persons" => Value::Integer(self.persons.into()),
            "county_id" => Value::Integer(self.county_id.into()),
            "county" => Value::Text(&self.county),
            "city" => Value::Text(&self.city),
            _ => Value::Null,
        }
    }

    fn validate(&self) -> Result<(), String> {
        if !SENSITIVE_KINDS.contains(&self.kind.as_str()) {
            return Err(format!("kind is one of {SENSITIVE_KINDS:?}"));
        }
        Ok(())
    }
}
