//! Major hazard sources (重大危险源) and their grading by the GB 18218 method.
//!
//! R = α · Σ (βᵢ · qᵢ / Qᵢ); the level follows from R. Both are *derived*:
//! [`HazardSource::derive`](crate::record::Record::derive) recomputes them from the
//! substances on site and the people around on every load and every write, so
//! a level can never be typed in by hand.

use super::{MonitorKind, code_enum, opt_int};
use crate::feature::FeatureId;
use crate::record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

code_enum! {
    /// A hazardous substance with its GB 18218 threshold and correction factor.
    Substance {
        /// 氯
        Chlorine = "chlorine" / "氯",
        /// 氨
        Ammonia = "ammonia" / "氨",
        /// 硫化氢
        HydrogenSulphide = "hydrogen_sulphide" / "硫化氢",
        /// 液化石油气
        Lpg = "lpg" / "液化石油气",
        /// 甲醇
        Methanol = "methanol" / "甲醇",
        /// 苯
        Benzene = "benzene" / "苯",
        /// 汽油
        Gasoline = "gasoline" / "汽油",
        /// 天然气 (甲烷)
        NaturalGas = "natural_gas" / "天然气",
        /// 氢
        Hydrogen = "hydrogen" / "氢",
    }
}

impl Substance {
    /// Threshold quantity Q in GB 18218, tonnes.
    pub fn threshold_t(self) -> f64 {
        match self {
            Self::Chlorine | Self::HydrogenSulphide | Self::Hydrogen => 5.0,
            Self::Ammonia => 10.0,
            Self::Lpg | Self::Benzene | Self::NaturalGas => 50.0,
            Self::Methanol => 500.0,
            Self::Gasoline => 200.0,
        }
    }

    /// Correction factor β: toxic gases by toxicity, flammable gases 1.5, others 1.
    pub fn correction(self) -> f64 {
        match self {
            Self::Chlorine => 4.0,
            Self::Ammonia => 2.0,
            Self::HydrogenSulphide => 5.0,
            Self::Lpg | Self::NaturalGas | Self::Hydrogen => 1.5,
            Self::Methanol | Self::Benzene | Self::Gasoline => 1.0,
        }
    }
}

/// A substance held on site and its quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubstanceOnSite {
    /// Which substance.
    pub substance: Substance,
    /// Quantity on site qᵢ, tonnes.
    pub quantity_t: f64,
}

/// Correction α for the people within 500 m outside the plant.
pub fn exposure_correction(people_within_500m: u32) -> f64 {
    match people_within_500m {
        100.. => 2.0,
        50..=99 => 1.5,
        30..=49 => 1.2,
        1..=29 => 1.0,
        0 => 0.5,
    }
}

/// Level of a major hazard source, 一级 (1, most severe) to 四级 (4).
pub type HazardLevel = u8;

/// R = α · Σ βᵢ·qᵢ/Qᵢ and the level it gives (GB 18218).
pub fn grade(substances: &[SubstanceOnSite], people_within_500m: u32) -> (f64, HazardLevel) {
    let sum: f64 = substances
        .iter()
        .map(|s| s.substance.correction() * s.quantity_t / s.substance.threshold_t())
        .sum();
    let r = exposure_correction(people_within_500m) * sum;
    let level = if r >= 100.0 {
        1
    } else if r >= 50.0 {
        2
    } else if r >= 10.0 {
        3
    } else {
        4
    };
    (r, level)
}

/// A named person with a phone number (fictional in the generated data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Full name.
    pub name: String,
    /// Mobile phone.
    pub phone: String,
}

/// The three tiers of responsible persons (包保责任人).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponsiblePersons {
    /// 主要负责人
    pub principal: Person,
    /// 技术负责人
    pub technical: Person,
    /// 操作负责人
    pub operational: Person,
}

/// A quantity monitored continuously, with its alarm threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoredQuantity {
    /// What is measured.
    pub kind: MonitorKind,
    /// Where: tank, line or area tag.
    pub point: String,
    /// Unit of the reading.
    pub unit: String,
    /// Reading above which an alarm is raised.
    pub alarm_threshold: f64,
}

/// A major hazard source (重大危险源) belonging to an enterprise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HazardSource {
    /// Name of the unit (tank farm, storage area, process unit).
    pub name: String,
    /// The enterprise it belongs to (`enterprises` id).
    pub enterprise_id: FeatureId,
    /// That enterprise's name.
    pub enterprise_name: String,
    /// `counties` id.
    pub county_id: u32,
    /// County name.
    pub county: String,
    /// City (prefecture) name.
    pub city: String,
    /// Substances on site.
    pub substances: Vec<SubstanceOnSite>,
    /// People within 500 m outside the plant.
    pub people_within_500m: u32,
    /// GB 18218 R value, derived.
    #[serde(default)]
    pub r_value: f64,
    /// Level 1 (most severe) to 4, derived from R.
    #[serde(default)]
    pub level: HazardLevel,
    /// The three tiers of responsible persons.
    pub responsible_persons: ResponsiblePersons,
    /// Quantities monitored continuously.
    pub monitoring: Vec<MonitoredQuantity>,
    /// Date of the last enforcement inspection (执法检查), if any.
    pub last_inspection: Option<NaiveDate>,
}

impl Record for HazardSource {
    const INFO: LayerInfo = LayerInfo {
        id: "hazard_sources",
        title: "Major hazard sources 重大危险源",
        description: "Sites holding hazardous chemicals above GB 18218 thresholds, graded 1 (most severe) to 4 from their R value.",
        geometry: GeometryKind::Point,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("name", FieldType::Text, "name of the unit"),
        Field::new("enterprise_id", FieldType::Integer, "owning enterprise"),
        Field::new("enterprise_name", FieldType::Text, "owning enterprise's name"),
        Field::new("county_id", FieldType::Integer, "county id"),
        Field::new("county", FieldType::Text, "county"),
        Field::new("city", FieldType::Text, "city"),
        Field::new(
            "people_within_500m",
            FieldType::Integer,
            "people within 500 m outside the plant",
        ),
        Field::new("r_value", FieldType::Real, "GB 18218 R value"),
        Field::new("level", FieldType::Integer, "level 1 (most severe) to 4"),
        Field::new("last_inspection", FieldType::Date, "last enforcement inspection"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "name" => Value::Text(&self.name),
            "enterprise_id" => Value::Integer(self.enterprise_id as i64),
            "enterprise_name" => Value::Text(&self.enterprise_name),
            "county_id" => Value::Integer(self.county_id.into()),
            "county" => Value::Text(&self.county),
            "city" => Value::Text(&self.city),
            "people_within_500m" => Value::Integer(self.people_within_500m.into()),
            "r_value" => Value::Real(self.r_value),
            "level" => opt_int(Some(self.level)),
            "last_inspection" => crate::model::enterprise::date_value(self.last_inspection.as_ref()),
            _ => Value::Null,
        }
    }

    fn derive(&mut self) {
        let (r, level) = grade(&self.substances, self.people_within_500m);
        // Two decimals are what a regulator reads; the level is graded on the exact R.
        self.r_value = (r * 100.0).round() / 100.0;
        self.level = level;
    }

    fn validate(&self) -> Result<(), String> {
        if self.substances.is_empty() {
            return Err("a major hazard source holds at least one substance".into());
        }
        if let Some(s) = self
            .substances
            .iter()
            .find(|s| !(s.quantity_t.is_finite() && s.quantity_t >= 0.0))
        {
            return Err(format!("quantity of {} must be a number of tonnes ≥ 0", s.substance));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_site(substance: Substance, quantity_t: f64) -> SubstanceOnSite {
        SubstanceOnSite { substance, quantity_t }
    }

    #[test]
    fn chlorine_tank_near_a_village_is_level_one() {
        // chlorine 4·40/5 = 32, ammonia 2·100/10 = 20; 120 people → α 2; R = 2·52 = 104
        let (r, level) = grade(
            &[on_site(Substance::Chlorine, 40.0), on_site(Substance::Ammonia, 100.0)],
            120,
        );
        assert!((r - 104.0).abs() < 1e-9);
        assert_eq!(level, 1);
    }

    #[test]
    fn level_boundaries_follow_the_standard() {
        // methanol: β 1, Q 500 → R = α · q / 500; with 10 people α = 1.
        for (q, level) in [
            (500.0 * 100.0, 1),
            (500.0 * 99.99, 2),
            (500.0 * 50.0, 2),
            (500.0 * 49.9, 3),
            (500.0 * 10.0, 3),
            (500.0 * 9.9, 4),
        ] {
            assert_eq!(grade(&[on_site(Substance::Methanol, q)], 10).1, level, "q = {q}");
        }
    }

    #[test]
    fn exposure_correction_steps_at_the_standard_counts() {
        let table = [
            (0, 0.5),
            (1, 1.0),
            (29, 1.0),
            (30, 1.2),
            (49, 1.2),
            (50, 1.5),
            (99, 1.5),
            (100, 2.0),
            (5000, 2.0),
        ];
        for (people, alpha) in table {
            assert_eq!(exposure_correction(people), alpha, "{people} people");
        }
    }

    #[test]
    fn the_level_changes_when_people_move_in() {
        let substances = [on_site(Substance::HydrogenSulphide, 12.0)]; // β 5 · 12/5 = 12
        assert_eq!(grade(&substances, 0).1, 4); // R 6
        assert_eq!(grade(&substances, 10).1, 3); // R 12
        assert_eq!(grade(&substances, 150).1, 3); // R 24
    }
}
