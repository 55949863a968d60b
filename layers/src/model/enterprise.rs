//! Supervised enterprises (生产经营单位).

use super::{Industry, RiskLevel, opt_int};
use crate::intern::Interned;
use crate::record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A supervised enterprise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enterprise {
    /// The row's id in the bureau's own register it was imported from
    /// (`lookout import`, docs/data.md): a re-import updates it in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<Box<str>>,
    /// Registered name.
    pub name: Box<str>,
    /// Unified social credit code (统一社会信用代码), 18 characters.
    pub credit_code: Box<str>,
    /// `counties` id.
    pub county_id: u32,
    /// County name (shared by every enterprise of the county).
    pub county: Interned,
    /// City (prefecture) name (shared).
    pub city: Interned,
    /// Street address.
    pub address: Box<str>,
    /// Industry, one of the glossary's categories.
    pub industry: Industry,
    /// Safety risk level, red / orange / yellow / blue.
    pub risk_level: RiskLevel,
    /// Safety standardisation grade 1–3 (安全生产标准化), or none.
    pub standardisation_grade: Option<u8>,
    /// Number of employees.
    pub employees: u32,
    /// Supervising authority (shared).
    pub supervisor: Interned,
    /// Date of the last enforcement inspection, if any.
    pub last_inspection: Option<NaiveDate>,
}

pub(crate) fn date_value(date: Option<&NaiveDate>) -> Value<'static> {
    date.map_or(Value::Null, |d| Value::Date(*d))
}

impl Record for Enterprise {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    const INFO: LayerInfo = LayerInfo {
        id: "enterprises",
        title: "Enterprises 生产经营单位",
        description: "Supervised enterprises with industry, risk level and supervisor. Generated, fictional.",
        geometry: GeometryKind::Point,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("name", FieldType::Text, "registered name"),
        Field::new("credit_code", FieldType::Text, "unified social credit code"),
        Field::new("county_id", FieldType::Integer, "county id"),
        Field::new("county", FieldType::Text, "county"),
        Field::new("city", FieldType::Text, "city"),
        Field::new("industry", FieldType::Enum(Industry::CODES), "industry"),
        Field::new("risk_level", FieldType::Enum(RiskLevel::CODES), "safety risk level"),
        Field::new(
            "standardisation_grade",
            FieldType::Integer,
            "safety standardisation grade 1-3",
        ),
        Field::new("employees", FieldType::Integer, "employees"),
        Field::new("supervisor", FieldType::Text, "supervising authority"),
        Field::new("last_inspection", FieldType::Date, "last enforcement inspection"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "name" => Value::Text(&self.name),
            "credit_code" => Value::Text(&self.credit_code),
            "county_id" => Value::Integer(self.county_id.into()),
            "county" => Value::Text(&self.county),
            "city" => Value::Text(&self.city),
            "industry" => Value::Text(self.industry.code()),
            "risk_level" => Value::Text(self.risk_level.code()),
            "standardisation_grade" => opt_int(self.standardisation_grade),
            "employees" => Value::Integer(self.employees.into()),
            "supervisor" => Value::Text(&self.supervisor),
            "last_inspection" => date_value(self.last_inspection.as_ref()),
            _ => Value::Null,
        }
    }

    /// By place in `FIELDS` (a test checks it against `value`): the tiles read five values of every enterprise.
    fn value_at(&self, index: usize) -> Value<'_> {
        match index {
            0 => Value::Text(&self.name),
            1 => Value::Text(&self.credit_code),
            2 => Value::Integer(self.county_id.into()),
            3 => Value::Text(&self.county),
            4 => Value::Text(&self.city),
            5 => Value::Text(self.industry.code()),
            6 => Value::Text(self.risk_level.code()),
            7 => opt_int(self.standardisation_grade),
            8 => Value::Integer(self.employees.into()),
            9 => Value::Text(&self.supervisor),
            10 => date_value(self.last_inspection.as_ref()),
            _ => Value::Null,
        }
    }

    fn validate(&self) -> Result<(), String> {
        if let Some(grade) = self.standardisation_grade
            && !(1..=3).contains(&grade)
        {
            return Err(format!("standardisation_grade is 1, 2, 3 or null, not {grade}"));
        }
        if self.credit_code.chars().count() != 18 {
            return Err("credit_code has 18 characters".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feature::Feature;

    /// Issue 21 item 4: at most 300 bytes per point feature in memory,
    /// attribute strings' text aside. The record with its geometry is the
    /// bulk of it; county, city and supervisor are shared (`Interned`, 16
    /// bytes each), name, credit code and address are `Box<str>` (16 bytes
    /// each, not a `String`'s 24).
    #[test]
    fn an_enterprise_with_its_geometry_stays_within_its_memory_budget() {
        let size = std::mem::size_of::<Feature<Enterprise>>();
        assert!(size <= 192, "Feature<Enterprise> is {size} bytes");
    }

    /// The same budget with the R-tree: the records and the index of the
    /// generated enterprises, as allocated, per feature.
    #[test]
    fn a_layer_of_enterprises_takes_at_most_300_bytes_per_feature_with_its_index() {
        let features = crate::generate::tests::small_dataset().enterprises.clone();
        let n = features.len();
        assert!(n > 10_000, "{n}");
        let layer = crate::layer::Layer::new(features);
        let per = layer.struct_bytes() / n;
        assert!(per <= 300, "{per} bytes per enterprise");
    }
}
