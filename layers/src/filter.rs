//! Simple property filters: `industry=coal_mine`, `risk_level=red,orange`.
//!
//! Each clause names one of the layer's [`Field`]s; a comma-separated list
//! matches any of its values; clauses combine with AND. Values are parsed by
//! the field's type, so `employees=many` or `risk_level=purple` is refused
//! with a reason rather than matching nothing.

use crate::error::{Error, Result};
use crate::record::{Field, FieldType, Record, Value};
use chrono::NaiveDate;

/// At most this many clauses and values per clause: filters come from URLs.
pub const MAX_CLAUSES: usize = 16;
/// At most this many alternatives in one clause.
pub const MAX_VALUES: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Text(String),
    Integer(i64),
    Real(f64),
    Boolean(bool),
    Date(NaiveDate),
}

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    field: &'static str,
    any_of: Vec<Scalar>,
}

/// A parsed filter: clauses that must all match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    clauses: Vec<Clause>,
}

impl Filter {
    /// A filter that matches everything.
    pub fn all() -> Self {
        Self::default()
    }

    /// Whether the filter has no clause.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// Parses `name=value[,value...]` pairs against a layer's fields.
    pub fn parse<'a>(fields: &'static [Field], pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut clauses = Vec::new();
        for (name, raw) in pairs {
            let field = fields.iter().find(|f| f.name == name).ok_or_else(|| {
                let names: Vec<_> = fields.iter().map(|f| f.name).collect();
                Error::BadFilter(format!(
                    "unknown property {name:?}; filterable properties are {}",
                    names.join(", ")
                ))
            })?;
            if clauses.len() == MAX_CLAUSES {
                return Err(Error::BadFilter(format!("at most {MAX_CLAUSES} property filters")));
            }
            let values: Vec<&str> = raw.split(',').collect();
            if values.len() > MAX_VALUES {
                return Err(Error::BadFilter(format!("{name}: at most {MAX_VALUES} alternatives")));
            }
            let any_of = values
                .into_iter()
                .map(|v| parse_scalar(field, v))
                .collect::<Result<_>>()?;
            clauses.push(Clause {
                field: field.name,
                any_of,
            });
        }
        Ok(Self { clauses })
    }

    /// Whether `record` satisfies every clause.
    pub fn matches<T: Record>(&self, record: &T) -> bool {
        self.clauses.iter().all(|clause| {
            let value = record.value(clause.field);
            clause.any_of.iter().any(|want| equals(value, want))
        })
    }
}

fn parse_scalar(field: &Field, raw: &str) -> Result<Scalar> {
    let bad = |what: &str| Error::BadFilter(format!("{}: {raw:?} is not {what}", field.name));
    Ok(match field.ty {
        FieldType::Text | FieldType::List => Scalar::Text(raw.to_owned()),
        FieldType::Enum(codes) => {
            if !codes.contains(&raw) {
                return Err(Error::BadFilter(format!(
                    "{}: {raw:?} is not one of {}",
                    field.name,
                    codes.join(", ")
                )));
            }
            Scalar::Text(raw.to_owned())
        }
        FieldType::Integer => Scalar::Integer(raw.parse().map_err(|_| bad("a whole number"))?),
        FieldType::Real => {
            let v: f64 = raw.parse().map_err(|_| bad("a number"))?;
            if !v.is_finite() {
                return Err(bad("a finite number"));
            }
            Scalar::Real(v)
        }
        FieldType::Boolean => match raw {
            "true" => Scalar::Boolean(true),
            "false" => Scalar::Boolean(false),
            _ => return Err(bad("true or false")),
        },
        FieldType::Date => {
            Scalar::Date(NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| bad("a date YYYY-MM-DD"))?)
        }
    })
}

fn equals(value: Value<'_>, want: &Scalar) -> bool {
    match (value, want) {
        (Value::Text(t), Scalar::Text(w)) => t == w,
        (Value::List(items), Scalar::Text(w)) => items.iter().any(|i| i == w),
        (Value::Integer(i), Scalar::Integer(w)) => i == *w,
        (Value::Real(r), Scalar::Real(w)) => r == *w,
        (Value::Integer(i), Scalar::Real(w)) => (i as f64) == *w,
        (Value::Boolean(b), Scalar::Boolean(w)) => b == *w,
        (Value::Date(d), Scalar::Date(w)) => d == *w,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Enterprise, Industry, RiskLevel};

    fn enterprise(industry: Industry, risk_level: RiskLevel) -> Enterprise {
        Enterprise {
            external_id: None,
            name: "某煤业".into(),
            credit_code: "91140100MA0000000X".into(),
            county_id: 1,
            county: "小店区".into(),
            city: "太原市".into(),
            address: "".into(),
            industry,
            risk_level,
            standardisation_grade: Some(2),
            employees: 300,
            supervisor: "太原市应急管理局".into(),
            last_inspection: NaiveDate::from_ymd_opt(2026, 5, 1),
        }
    }

    #[test]
    fn clauses_and_together_and_commas_or() {
        let f = Filter::parse(
            Enterprise::FIELDS,
            [("industry", "coal_mine"), ("risk_level", "red,orange")],
        )
        .unwrap();
        assert!(f.matches(&enterprise(Industry::CoalMine, RiskLevel::Major)));
        assert!(f.matches(&enterprise(Industry::CoalMine, RiskLevel::High)));
        assert!(!f.matches(&enterprise(Industry::CoalMine, RiskLevel::Low)));
        assert!(!f.matches(&enterprise(Industry::Metallurgy, RiskLevel::Major)));
    }

    #[test]
    fn typed_fields_parse_their_values() {
        let e = enterprise(Industry::CoalMine, RiskLevel::Major);
        for (k, v, m) in [
            ("employees", "300", true),
            ("standardisation_grade", "2", true),
            ("last_inspection", "2026-05-01", true),
            ("last_inspection", "2026-05-02", false),
        ] {
            assert_eq!(
                Filter::parse(Enterprise::FIELDS, [(k, v)]).unwrap().matches(&e),
                m,
                "{k}={v}"
            );
        }
    }

    #[test]
    fn bad_filters_say_why() {
        for (k, v, why) in [
            ("colour", "red", "unknown property"),
            ("risk_level", "purple", "not one of"),
            ("employees", "many", "whole number"),
            ("last_inspection", "yesterday", "YYYY-MM-DD"),
        ] {
            let err = Filter::parse(Enterprise::FIELDS, [(k, v)]).unwrap_err().to_string();
            assert!(err.contains(why), "{err}");
        }
    }
}
