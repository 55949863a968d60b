//! Major hazard sources (重大危险源) and their grading by the GB 18218 method.
//!
//! R = α · Σ (βᵢ · qᵢ / Qᵢ); the level follows from R. Both are *derived*:
//! [`HazardSource::derive`](crate::record::Record::derive) recomputes them from the
//! substances on site and the people around on every load and every write, so
//! a level can never be typed in by hand.

use super::{AlarmColour, MonitorKind, code_enum, opt_int};
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

/// What a hazardous gas or liquid is held or carried in. For a large spill
/// of a toxic gas, ERG 2020 Table 3 gives distances by container; storage
/// tanks are not in the guide, and the rail-tank-car row (the largest
/// container it has) is the nearest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// Fixed storage tank (储罐): read as a rail tank car.
    StorageTank,
    /// Rail tank car (铁路罐车).
    RailTankCar,
    /// Highway tank truck or trailer (公路罐车).
    RoadTanker,
    /// Agricultural nurse tank (ammonia only).
    NurseTank,
    /// Multiple ton cylinders (多个吨钢瓶).
    TonCylinders,
    /// Multiple small cylinders or a single ton cylinder (小钢瓶或单个吨钢瓶).
    SmallCylinders,
}

impl Container {
    /// Every container, largest first.
    pub const ALL: [Container; 6] = [
        Self::StorageTank,
        Self::RailTankCar,
        Self::RoadTanker,
        Self::NurseTank,
        Self::TonCylinders,
        Self::SmallCylinders,
    ];

    /// The container whose ERG Table 3 row applies: a storage tank reads the
    /// rail-tank-car row.
    pub fn table3_row(self) -> Self {
        match self {
            Self::StorageTank => Self::RailTankCar,
            other => other,
        }
    }

    /// How much it can hold, for "the largest container on site": tanks and
    /// rail cars first, small cylinders last.
    pub fn rank(self) -> u8 {
        match self {
            Self::StorageTank | Self::RailTankCar => 5,
            Self::RoadTanker => 4,
            Self::NurseTank => 3,
            Self::TonCylinders => 2,
            Self::SmallCylinders => 1,
        }
    }

    /// Name in English (as ERG Table 3 words it).
    pub fn name_en(self) -> &'static str {
        match self {
            Self::StorageTank => "storage tank",
            Self::RailTankCar => "rail tank car",
            Self::RoadTanker => "highway tank truck or trailer",
            Self::NurseTank => "agricultural nurse tank",
            Self::TonCylinders => "multiple ton cylinders",
            Self::SmallCylinders => "multiple small cylinders or single ton cylinder",
        }
    }

    /// Name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::StorageTank => "储罐",
            Self::RailTankCar => "铁路罐车",
            Self::RoadTanker => "公路罐车",
            Self::NurseTank => "农用氨罐",
            Self::TonCylinders => "多个吨钢瓶",
            Self::SmallCylinders => "多个小钢瓶或单个吨钢瓶",
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
    /// The largest container it is held in; a storage tank when not recorded
    /// (a major hazard source holds storage quantities).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
}

impl SubstanceOnSite {
    /// The largest container it is held in (a storage tank when not recorded).
    pub fn container(&self) -> Container {
        self.container.unwrap_or(Container::StorageTank)
    }
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

/// Σ qᵢ/Qᵢ, the GB 18218-2018 §4.2 identification sum: a unit is a major
/// hazard source when it is 1 or more (one substance at or above its
/// threshold, or several whose shares add up to 1).
pub fn identification_sum(substances: &[SubstanceOnSite]) -> f64 {
    substances
        .iter()
        .map(|s| s.quantity_t / s.substance.threshold_t())
        .sum()
}

/// Whether the unit is a major hazard source at all (GB 18218 §4.2: Σ qᵢ/Qᵢ ≥ 1).
pub fn is_major(substances: &[SubstanceOnSite]) -> bool {
    identification_sum(substances) >= 1.0
}

/// R = α · Σ βᵢ·qᵢ/Qᵢ and the level it gives (GB 18218 §4.3), or no level
/// when the unit is below the §4.2 identification test and so is not a major
/// hazard source.
pub fn grade(substances: &[SubstanceOnSite], people_within_500m: u32) -> (f64, Option<HazardLevel>) {
    let sum: f64 = substances
        .iter()
        .map(|s| s.substance.correction() * s.quantity_t / s.substance.threshold_t())
        .sum();
    let r = exposure_correction(people_within_500m) * sum;
    if !is_major(substances) {
        return (r, None);
    }
    let level = if r >= 100.0 {
        1
    } else if r >= 50.0 {
        2
    } else if r >= 10.0 {
        3
    } else {
        4
    };
    (r, Some(level))
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
    /// The row's id in the bureau's own register it was imported from
    /// (`lookout import`, docs/data.md): a re-import updates it in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
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
    /// Level 1 (most severe) to 4, derived from R; `None` when Σ qᵢ/Qᵢ < 1
    /// (GB 18218 §4.2): the unit is then not a major hazard source.
    #[serde(default)]
    pub level: Option<HazardLevel>,
    /// The three tiers of responsible persons.
    pub responsible_persons: ResponsiblePersons,
    /// Quantities monitored continuously.
    pub monitoring: Vec<MonitoredQuantity>,
    /// Date of the last enforcement inspection (执法检查), if any.
    pub last_inspection: Option<NaiveDate>,
    /// The colour of its most serious active alarm, if any: set by the
    /// alarm events (docs/monitoring.md), never by a feature edit.
    #[serde(default)]
    pub alarm: Option<AlarmColour>,
}

impl Record for HazardSource {
    fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

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
        Field::new(
            "level",
            FieldType::Integer,
            "level 1 (most severe) to 4; empty when not a major hazard source (GB 18218 §4.2)",
        ),
        Field::new("last_inspection", FieldType::Date, "last enforcement inspection"),
        Field::new(
            "alarm",
            FieldType::Enum(AlarmColour::CODES),
            "colour of its most serious active alarm; empty when none",
        ),
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
            "level" => opt_int(self.level),
            "last_inspection" => crate::model::enterprise::date_value(self.last_inspection.as_ref()),
            "alarm" => self.alarm.map_or(Value::Null, |a| Value::Text(a.code())),
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
        SubstanceOnSite {
            substance,
            quantity_t,
            container: None,
        }
    }

    #[test]
    fn chlorine_tank_near_a_village_is_level_one() {
        // chlorine 4·40/5 = 32, ammonia 2·100/10 = 20; 120 people → α 2; R = 2·52 = 104
        let (r, level) = grade(
            &[on_site(Substance::Chlorine, 40.0), on_site(Substance::Ammonia, 100.0)],
            120,
        );
        assert!((r - 104.0).abs() < 1e-9);
        assert_eq!(level, Some(1));
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
            assert_eq!(grade(&[on_site(Substance::Methanol, q)], 10).1, Some(level), "q = {q}");
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
        assert_eq!(grade(&substances, 0).1, Some(4)); // R 6
        assert_eq!(grade(&substances, 10).1, Some(3)); // R 12
        assert_eq!(grade(&substances, 150).1, Some(3)); // R 24
    }

    #[test]
    fn a_unit_below_the_identification_sum_is_not_a_major_hazard_source() {
        // GB 18218 §4.2: chlorine 4 t of Q 5 → 0.8; with 4 t of ammonia (Q 10) → 1.2.
        let chlorine = [on_site(Substance::Chlorine, 4.0)];
        assert!((identification_sum(&chlorine) - 0.8).abs() < 1e-12);
        let (r, level) = grade(&chlorine, 500);
        assert_eq!(level, None, "Σq/Q = 0.8 < 1");
        assert!((r - 2.0 * 4.0 * 0.8).abs() < 1e-9, "R is still reported: {r}");
        let mixed = [on_site(Substance::Chlorine, 4.0), on_site(Substance::Ammonia, 4.0)];
        assert!(is_major(&mixed));
        // R = 2 · (4·0.8 + 2·0.4) = 8 → level 4.
        assert_eq!(grade(&mixed, 500).1, Some(4));
        // Exactly at the threshold counts.
        assert!(is_major(&[on_site(Substance::Methanol, 500.0)]));
        assert!(!is_major(&[on_site(Substance::Methanol, 499.9)]));
    }

    #[test]
    fn the_largest_container_defaults_to_a_storage_tank_read_as_a_rail_car() {
        let s = on_site(Substance::Chlorine, 40.0);
        assert_eq!(s.container(), Container::StorageTank);
        assert_eq!(s.container().table3_row(), Container::RailTankCar);
        let json: SubstanceOnSite =
            serde_json::from_str(r#"{"substance":"chlorine","quantity_t":3,"container":"ton_cylinders"}"#).unwrap();
        assert_eq!(json.container(), Container::TonCylinders);
        assert!(Container::ALL.windows(2).all(|w| w[0].rank() >= w[1].rank()));
    }
}
