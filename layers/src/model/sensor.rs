//! Sensors (监测预警): gas detectors and tank instruments at the major hazard
//! sources, pressure and flow on the city gas networks, weather stations and
//! cameras. Each sensor carries its alarm thresholds and its measuring range.
//!
//! The life-safety thresholds are not free numbers: combustible-gas
//! detectors alarm at 25 % and 50 % LEL and toxic-gas detectors at 100 % and
//! 200 % of the occupational exposure limit (GB/T 50493-2019), with the
//! limits of GBZ 2.1-2019 ([`occupational_exposure_limit`]). The sources and
//! the plant-practice defaults are listed in `docs/monitoring.md`.

use super::{Substance, code_enum, opt_int};
use crate::feature::FeatureId;
use crate::record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
use serde::{Deserialize, Serialize};

code_enum! {
    /// What a sensor measures.
    SensorKind {
        /// 有毒气体探测器, ppm of one substance
        ToxicGas = "toxic_gas" / "有毒气体",
        /// 可燃气体探测器, % LEL
        CombustibleGas = "combustible_gas" / "可燃气体",
        /// 储罐液位, %
        TankLevel = "tank_level" / "储罐液位",
        /// 储罐压力, MPa
        TankPressure = "tank_pressure" / "储罐压力",
        /// 储罐温度, °C
        TankTemperature = "tank_temperature" / "储罐温度",
        /// 管网压力, MPa (kPa on low-pressure mains)
        PipePressure = "pipe_pressure" / "管网压力",
        /// 流量, m³/h
        Flow = "flow" / "流量",
        /// 气象站: wind, temperature, sky
        Weather = "weather" / "气象站",
        /// 视频监控: a stream or snapshot URL, no readings
        Camera = "camera" / "视频监控",
    }
}

code_enum! {
    /// The layer of the feature a sensor belongs to.
    SensorSite {
        /// 重大危险源
        HazardSource = "hazard_sources" / "重大危险源",
        /// 燃气门站/调压站
        GasStation = "gas_stations" / "燃气场站",
        /// 燃气阀门
        GasValve = "gas_valves" / "燃气阀门",
        /// 企业
        Enterprise = "enterprises" / "企业",
        /// 县区 (a weather station)
        County = "counties" / "县区",
    }
}

/// GB/T 50493-2019 §5.5.2: the first-level alarm of a combustible-gas
/// detector is set at or below 25 % LEL.
pub const COMBUSTIBLE_FIRST_LEVEL_PCT_LEL: f64 = 25.0;
/// GB/T 50493-2019 §5.5.2: the second-level alarm at or below 50 % LEL.
pub const COMBUSTIBLE_SECOND_LEVEL_PCT_LEL: f64 = 50.0;
/// GB/T 50493-2019 §5.5.2: the first-level alarm of a toxic-gas detector is
/// at or below 100 % of the occupational exposure limit (OEL).
pub const TOXIC_FIRST_LEVEL_OEL_SHARE: f64 = 1.0;
/// GB/T 50493-2019 §5.5.2: the second-level alarm at or below 200 % OEL.
pub const TOXIC_SECOND_LEVEL_OEL_SHARE: f64 = 2.0;

/// Molar volume used to turn mg/m³ into ppm: 24.04 L/mol (20 °C, 101.325 kPa).
/// At 25 °C it is 24.45 L/mol; the smaller volume gives the lower ppm
/// threshold, so a detector set from it alarms earlier.
pub const MOLAR_VOLUME_L: f64 = 24.04;

/// Which limit of GBZ 2.1-2019 an OEL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub enum OelKind {
    /// Maximum allowable concentration (最高容许浓度).
    Mac,
    /// Permissible concentration, time-weighted average over 8 h (时间加权平均容许浓度).
    PcTwa,
}

/// The occupational exposure limit of a toxic substance (GBZ 2.1-2019,
/// table 1), in mg/m³, and the substance's molar mass in g/mol.
///
/// Where the standard gives a MAC it is used; otherwise PC-TWA, which is
/// lower than PC-STEL, so the detector alarms earlier than with the STEL
/// (GB/T 50493-2019 names the OEL without saying which of the two).
/// `None`: the substance is watched by combustible-gas detectors only.
pub fn occupational_exposure_limit(substance: Substance) -> Option<(f64, OelKind, f64)> {
    match substance {
        // 氯 Cl₂: MAC 1 mg/m³
        Substance::Chlorine => Some((1.0, OelKind::Mac, 70.90)),
        // 硫化氢 H₂S: MAC 10 mg/m³
        Substance::HydrogenSulphide => Some((10.0, OelKind::Mac, 34.08)),
        // 氨 NH₃: PC-TWA 20, PC-STEL 30 mg/m³
        Substance::Ammonia => Some((20.0, OelKind::PcTwa, 17.03)),
        // 苯 C₆H₆ (skin, G1): PC-TWA 6, PC-STEL 10 mg/m³
        Substance::Benzene => Some((6.0, OelKind::PcTwa, 78.11)),
        // 甲醇 CH₃OH (skin): PC-TWA 25, PC-STEL 50 mg/m³
        Substance::Methanol => Some((25.0, OelKind::PcTwa, 32.04)),
        Substance::Lpg | Substance::Gasoline | Substance::NaturalGas | Substance::Hydrogen => None,
    }
}

/// Whether a substance is flammable and so watched by combustible-gas detectors.
pub fn is_combustible(substance: Substance) -> bool {
    !matches!(substance, Substance::Chlorine | Substance::Ammonia)
}

/// mg/m³ to ppm at [`MOLAR_VOLUME_L`].
pub fn ppm_from_mg_m3(mg_m3: f64, molar_mass: f64) -> f64 {
    mg_m3 * MOLAR_VOLUME_L / molar_mass
}

/// Rounds down to 0.01: a threshold never ends up above the limit.
fn floor2(x: f64) -> f64 {
    (x * 100.0).floor() / 100.0
}

/// The toxic-gas detector's two alarm levels in ppm, at 100 % and 200 % OEL.
pub fn toxic_thresholds_ppm(substance: Substance) -> Option<(f64, f64)> {
    occupational_exposure_limit(substance).map(|(oel, _, mass)| {
        let oel_ppm = ppm_from_mg_m3(oel, mass);
        (
            floor2(oel_ppm * TOXIC_FIRST_LEVEL_OEL_SHARE),
            floor2(oel_ppm * TOXIC_SECOND_LEVEL_OEL_SHARE),
        )
    })
}

/// Alarm thresholds of one sensor, in its unit. `high` and `high_high` are
/// the first- and second-level alarms; `low` alarms when the reading falls
/// below it (pressure lost on a main, a tank emptying).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// First-level (high) alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// Second-level (high-high) alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_high: Option<f64>,
    /// Low alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// Rate-of-change alarm: the reading rising by at least this much (in
    /// the sensor's unit) per minute between two readings. No default: no
    /// standard we could cite gives one for these instruments, so it is set
    /// per sensor by whoever knows the tank (docs/monitoring.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rise_per_min: Option<f64>,
}

/// The channels of a weather station's reading, in order, with their ranges.
pub const WEATHER_CHANNELS: &[(&str, f64, f64)] = &[
    ("wind_from_deg", 0.0, 360.0),
    ("wind_speed_ms", 0.0, 75.0),
    ("temperature_c", -60.0, 60.0),
    ("cloud_cover_oktas", 0.0, 8.0),
];

/// A sensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sensor {
    /// Tag, e.g. `T-A12 液位`.
    pub name: String,
    /// What it measures.
    pub kind: SensorKind,
    /// The layer of the feature it belongs to.
    pub site: SensorSite,
    /// That feature's id.
    pub site_id: FeatureId,
    /// That feature's name.
    pub site_name: String,
    /// The major hazard source it watches, if any.
    #[serde(default)]
    pub hazard_source_id: Option<FeatureId>,
    /// The substance a gas detector or tank instrument is for.
    #[serde(default)]
    pub substance: Option<Substance>,
    /// Unit of its readings (`ppm`, `%LEL`, `%`, `MPa`, `kPa`, `°C`, `m³/h`;
    /// empty for a camera, `weather` for a weather station).
    pub unit: String,
    /// Measuring range `[min, max]`: a reading outside it is impossible and refused.
    pub range: [f64; 2],
    /// Alarm thresholds.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Minutes without a reading after which the sensor is stale.
    pub stale_after_min: u32,
    /// A camera's stream or snapshot URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `counties` id.
    pub county_id: u32,
    /// County name.
    pub county: String,
    /// City (prefecture) name.
    pub city: String,
}

impl Sensor {
    /// Whether `value` is inside the measuring range.
    pub fn in_range(&self, value: f64) -> bool {
        value.is_finite() && value >= self.range[0] && value <= self.range[1]
    }
}

impl Record for Sensor {
    const INFO: LayerInfo = LayerInfo {
        id: "sensors",
        title: "Sensors 监测设备",
        description: "Gas detectors and tank instruments at the major hazard sources, pressure and flow on the gas networks, weather stations and cameras, each with its alarm thresholds. Generated.",
        geometry: GeometryKind::Point,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("name", FieldType::Text, "tag"),
        Field::new("kind", FieldType::Enum(SensorKind::CODES), "what it measures"),
        Field::new(
            "site",
            FieldType::Enum(SensorSite::CODES),
            "layer of the feature it belongs to",
        ),
        Field::new("site_id", FieldType::Integer, "id of the feature it belongs to"),
        Field::new("site_name", FieldType::Text, "name of the feature it belongs to"),
        Field::new("hazard_source_id", FieldType::Integer, "major hazard source watched"),
        Field::new("substance", FieldType::Enum(Substance::CODES), "substance"),
        Field::new("unit", FieldType::Text, "unit of its readings"),
        Field::new("county_id", FieldType::Integer, "county id"),
        Field::new("county", FieldType::Text, "county"),
        Field::new("city", FieldType::Text, "city"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "name" => Value::Text(&self.name),
            "kind" => Value::Text(self.kind.code()),
            "site" => Value::Text(self.site.code()),
            "site_id" => Value::Integer(self.site_id as i64),
            "site_name" => Value::Text(&self.site_name),
            "hazard_source_id" => opt_int(self.hazard_source_id.map(|id| id as i64)),
            "substance" => self.substance.map_or(Value::Null, |s| Value::Text(s.code())),
            "unit" => Value::Text(&self.unit),
            "county_id" => Value::Integer(self.county_id.into()),
            "county" => Value::Text(&self.county),
            "city" => Value::Text(&self.city),
            _ => Value::Null,
        }
    }

    fn validate(&self) -> Result<(), String> {
        let [min, max] = self.range;
        if !(min.is_finite() && max.is_finite() && min < max) {
            return Err(format!("range must be [min, max] with min < max, not [{min}, {max}]"));
        }
        let t = self.thresholds;
        for (name, v) in [("high", t.high), ("high_high", t.high_high), ("low", t.low)] {
            if let Some(v) = v
                && !self.in_range(v)
            {
                return Err(format!("threshold {name} = {v} is outside the range [{min}, {max}]"));
            }
        }
        if let (Some(h), Some(hh)) = (t.high, t.high_high)
            && hh < h
        {
            return Err(format!("high_high ({hh}) must not be below high ({h})"));
        }
        if let (Some(l), Some(h)) = (t.low, t.high)
            && l >= h
        {
            return Err(format!("low ({l}) must be below high ({h})"));
        }
        if let Some(r) = t.rise_per_min
            && !(r.is_finite() && r > 0.0)
        {
            return Err(format!("rise_per_min must be a positive number, not {r}"));
        }
        if matches!(self.kind, SensorKind::ToxicGas | SensorKind::CombustibleGas) && self.substance.is_none() {
            return Err("a gas detector names its substance".into());
        }
        if self.kind == SensorKind::Camera && self.url.as_deref().is_none_or(str::is_empty) {
            return Err("a camera has a stream or snapshot url".into());
        }
        if self.stale_after_min == 0 {
            return Err("stale_after_min must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combustible_gas_alarms_at_25_and_50_percent_lel_as_gb_t_50493_2019() {
        assert_eq!(COMBUSTIBLE_FIRST_LEVEL_PCT_LEL, 25.0);
        assert_eq!(COMBUSTIBLE_SECOND_LEVEL_PCT_LEL, 50.0);
    }

    #[test]
    fn toxic_thresholds_are_100_and_200_percent_of_the_gbz_2_1_2019_limits() {
        // GBZ 2.1-2019 table 1, mg/m³: Cl₂ MAC 1, H₂S MAC 10, NH₃ PC-TWA 20,
        // benzene PC-TWA 6, methanol PC-TWA 25.
        let expected = [
            (Substance::Chlorine, 1.0, 70.90),
            (Substance::HydrogenSulphide, 10.0, 34.08),
            (Substance::Ammonia, 20.0, 17.03),
            (Substance::Benzene, 6.0, 78.11),
            (Substance::Methanol, 25.0, 32.04),
        ];
        for (substance, oel_mg_m3, mass) in expected {
            let (first, second) = toxic_thresholds_ppm(substance).unwrap();
            let first_mg = first * mass / MOLAR_VOLUME_L;
            let second_mg = second * mass / MOLAR_VOLUME_L;
            // At or below 100 % / 200 % OEL, and no more than 0.01 ppm below it.
            assert!(first_mg <= oel_mg_m3, "{substance}: {first} ppm = {first_mg} mg/m³");
            assert!(second_mg <= 2.0 * oel_mg_m3, "{substance}: {second} ppm");
            assert!(first_mg > oel_mg_m3 - 0.01 * mass / MOLAR_VOLUME_L, "{substance}");
        }
        // Chlorine's first level: 1 mg/m³ · 24.04 / 70.90 = 0.339 ppm.
        assert_eq!(toxic_thresholds_ppm(Substance::Chlorine), Some((0.33, 0.67)));
        // Hydrogen sulphide: 10 · 24.04 / 34.08 = 7.05 ppm.
        assert_eq!(toxic_thresholds_ppm(Substance::HydrogenSulphide), Some((7.05, 14.1)));
        assert_eq!(toxic_thresholds_ppm(Substance::Lpg), None);
    }

    #[test]
    fn a_sensor_with_thresholds_outside_its_range_is_refused() {
        let mut s = Sensor {
            name: "T-A01 区域".into(),
            kind: SensorKind::CombustibleGas,
            site: SensorSite::HazardSource,
            site_id: 1,
            site_name: "罐区".into(),
            hazard_source_id: Some(1),
            substance: Some(Substance::Lpg),
            unit: "%LEL".into(),
            range: [0.0, 100.0],
            thresholds: Thresholds {
                high: Some(25.0),
                high_high: Some(50.0),
                low: None,
                rise_per_min: None,
            },
            stale_after_min: 5,
            url: None,
            county_id: 1,
            county: "迎泽区".into(),
            city: "太原市".into(),
        };
        assert_eq!(s.validate(), Ok(()));
        s.thresholds.high_high = Some(150.0);
        assert!(s.validate().unwrap_err().contains("outside the range"));
        s.thresholds.high_high = Some(20.0);
        assert!(s.validate().unwrap_err().contains("must not be below high"));
        s.thresholds.high_high = Some(50.0);
        s.substance = None;
        assert!(s.validate().unwrap_err().contains("substance"));
        assert!(!s.in_range(f64::NAN));
        assert!(!s.in_range(-1.0));
    }
}
