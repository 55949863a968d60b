//! The domain model: one attribute struct per layer, named as in the glossary
//! (shared/REFERENCE.md), each a [`crate::record::Record`].

mod alarm;
mod codes;
mod county;
mod enterprise;
mod gas;
mod hazard;
mod incident;
pub mod inspection;
mod ledger;
pub mod obligation;
mod population;
mod rescue;
mod road;
mod sensitive;
mod sensor;
mod user;
mod weather;
mod zone;

pub use alarm::{AlarmColour, AlarmRule, DEBOUNCE_READINGS, ESCALATE_RED_AFTER_MIN, grade as grade_alarm};
pub use codes::{
    DisasterKind, IncidentKind, IncidentStatus, Industry, MonitorKind, PressureClass, RescueKind, RiskLevel, RoadClass,
    Severity, StationKind, TeamStatus,
};
pub use county::County;
pub use enterprise::Enterprise;
pub use gas::{GasPipe, GasStation, GasValve};
pub use hazard::{
    Container, HazardLevel, HazardSource, MonitoredQuantity, Person, ResponsiblePersons, Substance, SubstanceOnSite,
    exposure_correction, grade, identification_sum, is_major,
};
pub use incident::{Incident, IncidentSpec, IncidentZone, ZoneExposure, ZoneRecord};
// The supervision ledger (docs/ledger.md).
pub use ledger::{
    Attachment, DangerCategory, DangerPlace, DangerReport, DangerSeverity, DangerSource, DangerStatus, LedgerEvent,
    Rectification, RectificationPatch,
};
pub use population::PopulationCell;
pub use rescue::{RescueTeam, Shelter, StockItem, Warehouse};
pub use road::Road;
pub use sensitive::{SENSITIVE_KINDS, SensitiveSite};
pub use sensor::{
    COMBUSTIBLE_FIRST_LEVEL_PCT_LEL, COMBUSTIBLE_SECOND_LEVEL_PCT_LEL, MOLAR_VOLUME_L, OelKind, Sensor, SensorKind,
    SensorSite, TOXIC_FIRST_LEVEL_OEL_SHARE, TOXIC_SECOND_LEVEL_OEL_SHARE, Thresholds, WEATHER_CHANNELS,
    is_combustible, occupational_exposure_limit, ppm_from_mg_m3, toxic_thresholds_ppm,
};
pub use user::{Role, ScopeSpec};
pub use weather::{Sky, SpillSize, StabilityClass, Weather};
pub use zone::DisasterZone;

/// Declares a code enum: serde uses the code, and the enum knows its codes and
/// its Chinese label for the map's legend.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal / $zh:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            /// Every code, in order.
            pub const CODES: &'static [&'static str] = &[$($code),+];
            /// Every variant, in order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The code used in the API, the data and filters.
            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }

            /// The Chinese term, for labels.
            pub fn label_zh(self) -> &'static str {
                match self { $(Self::$variant => $zh),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
pub(crate) use code_enum;

/// Reads an optional field as a [`crate::record::Value`].
pub(crate) fn opt_int<T: Into<i64> + Copy>(v: Option<T>) -> crate::record::Value<'static> {
    v.map_or(crate::record::Value::Null, |v| crate::record::Value::Integer(v.into()))
}

#[cfg(test)]
mod tests {
    //! Every record's FIELDS agree with its JSON form: a filter can never ask
    //! for a field the API does not show, or read a different value.
    use crate::record::{FieldType, Record, Value};

    fn check<T: Record>(sample: &T) {
        let json = serde_json::to_value(sample).unwrap();
        let object = json.as_object().unwrap();
        for field in T::FIELDS {
            let shown = object
                .get(field.name)
                .unwrap_or_else(|| panic!("{}.{} is in FIELDS but not in the JSON", T::INFO.id, field.name));
            let value = sample.value(field.name);
            let agrees = match (value, shown) {
                (Value::Null, serde_json::Value::Null) => true,
                (Value::Text(t), serde_json::Value::String(s)) => t == s,
                (Value::Integer(i), serde_json::Value::Number(n)) => n.as_i64() == Some(i),
                (Value::Real(r), serde_json::Value::Number(n)) => n.as_f64() == Some(r),
                (Value::Boolean(b), serde_json::Value::Bool(c)) => b == *c,
                (Value::Date(d), serde_json::Value::String(s)) => d.to_string() == *s,
                (Value::List(l), serde_json::Value::Array(a)) => {
                    l.iter()
                        .map(|s| serde_json::Value::String(s.clone()))
                        .collect::<Vec<_>>()
                        == *a
                }
                _ => false,
            };
            assert!(
                agrees,
                "{}.{}: value() {value:?} but JSON {shown}",
                T::INFO.id,
                field.name
            );
            if let (FieldType::Enum(codes), Value::Text(t)) = (field.ty, value) {
                assert!(
                    codes.contains(&t),
                    "{}.{} = {t} not in its codes",
                    T::INFO.id,
                    field.name
                );
            }
        }
        assert_eq!(sample.value("no_such_field"), Value::Null);
    }

    /// `value_at(i)` is `value` of the i-th field's name (and Null past the
    /// end), for a few features spread over the layer.
    fn check_value_at<T: Record>(features: &[crate::feature::Feature<T>]) {
        assert!(!features.is_empty(), "{}", T::INFO.id);
        for f in features.iter().step_by(features.len().div_ceil(7)) {
            for (i, field) in T::FIELDS.iter().enumerate() {
                assert_eq!(
                    f.properties.value_at(i),
                    f.properties.value(field.name),
                    "{}.{} of feature {}",
                    T::INFO.id,
                    field.name,
                    f.id
                );
            }
            assert_eq!(f.properties.value_at(T::FIELDS.len()), Value::Null);
        }
    }

    /// Enterprises override `value_at`; every other layer has the default,
    /// checked all the same (an override added later is covered).
    #[test]
    fn a_value_read_by_its_place_is_the_value_read_by_its_name() {
        let data = crate::generate::tests::small_dataset();
        check_value_at(&data.enterprises);
        check_value_at(&data.counties);
        check_value_at(&data.hazard_sources);
        check_value_at(&data.gas_pipes);
        check_value_at(&data.gas_valves);
        check_value_at(&data.gas_stations);
        check_value_at(&data.disaster_zones);
        check_value_at(&data.rescue_teams);
        check_value_at(&data.warehouses);
        check_value_at(&data.shelters);
        check_value_at(&data.sensitive_sites);
        check_value_at(&data.roads);
        check_value_at(&data.population);
        check_value_at(&data.sensors);
    }

    #[test]
    fn every_layers_fields_agree_with_its_json() {
        let data = crate::generate::tests::small_dataset();
        check(&data.counties[0].properties);
        check(&data.enterprises[0].properties);
        check(&data.hazard_sources[0].properties);
        check(&data.gas_pipes[0].properties);
        check(&data.gas_valves[0].properties);
        check(&data.gas_stations[0].properties);
        check(&data.disaster_zones[0].properties);
        check(&data.rescue_teams[0].properties);
        check(&data.warehouses[0].properties);
        check(&data.shelters[0].properties);
        check(&data.sensitive_sites[0].properties);
        check(&data.roads[0].properties);
        check(&data.population[0].properties);
        check(&data.sensors[0].properties);
        check(
            data.sensors
                .iter()
                .map(|s| &s.properties)
                .find(|s| s.substance.is_some())
                .unwrap(),
        );
    }
}
