//! A feature as a table row: the id, the geometry, one typed cell per
//! filterable field ([`Record::FIELDS`]) and the other properties as JSON.
//! This is how features are kept in PostGIS; the way back rebuilds the very
//! same typed record.

use crate::feature::{Feature, FeatureId};
use crate::record::{FieldType, Record, Value};
use geo::Geometry;

/// The value of one typed column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// SQL NULL.
    Null,
    /// `text` (also enum codes).
    Text(String),
    /// `bigint`.
    Integer(i64),
    /// `double precision`.
    Real(f64),
    /// `boolean`.
    Boolean(bool),
    /// `date`.
    Date(chrono::NaiveDate),
    /// `text[]`.
    List(Vec<String>),
}

impl Cell {
    /// The cell holding `value`.
    pub fn of(value: Value<'_>) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Text(s) => Self::Text(s.to_owned()),
            Value::Integer(i) => Self::Integer(i),
            Value::Real(r) => Self::Real(r),
            Value::Boolean(b) => Self::Boolean(b),
            Value::Date(d) => Self::Date(d),
            Value::List(l) => Self::List(l.to_vec()),
        }
    }

    /// The JSON property value this cell stands for.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Self::Null => J::Null,
            Self::Text(s) => J::String(s.clone()),
            Self::Integer(i) => J::from(*i),
            Self::Real(r) => serde_json::Number::from_f64(*r).map_or(J::Null, J::Number),
            Self::Boolean(b) => J::Bool(*b),
            Self::Date(d) => J::String(d.format("%Y-%m-%d").to_string()),
            Self::List(l) => J::Array(l.iter().cloned().map(J::String).collect()),
        }
    }
}

/// The SQL type of a column holding a field of this type.
pub fn sql_type(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Text | FieldType::Enum(_) => "text",
        FieldType::Integer => "bigint",
        FieldType::Real => "double precision",
        FieldType::Boolean => "boolean",
        FieldType::Date => "date",
        FieldType::List => "text[]",
    }
}

/// One feature as a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The feature id (the primary key).
    pub id: FeatureId,
    /// Its geometry.
    pub geometry: Geometry<f64>,
    /// One cell per [`Record::FIELDS`], in that order.
    pub cells: Vec<Cell>,
    /// Every other property.
    pub rest: serde_json::Map<String, serde_json::Value>,
}

impl Row {
    /// The row of `feature`.
    pub fn of<T: Record>(feature: &Feature<T>) -> Self {
        let cells = T::FIELDS
            .iter()
            .map(|f| Cell::of(feature.properties.value(f.name)))
            .collect();
        let mut rest = match serde_json::to_value(&feature.properties) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        for field in T::FIELDS {
            rest.remove(field.name);
        }
        Self {
            id: feature.id,
            geometry: feature.geometry.clone(),
            cells,
            rest,
        }
    }

    /// The feature this row holds; `Err` says why it is not a valid `T`.
    pub fn into_feature<T: Record>(self) -> Result<Feature<T>, String> {
        if self.cells.len() != T::FIELDS.len() {
            return Err(format!(
                "{} cells for {} fields of {}",
                self.cells.len(),
                T::FIELDS.len(),
                T::INFO.id
            ));
        }
        let mut properties = self.rest;
        for (field, cell) in T::FIELDS.iter().zip(&self.cells) {
            // A missing optional value is absent, as the record writes it.
            if *cell != Cell::Null {
                properties.insert(field.name.to_owned(), cell.to_json());
            }
        }
        let mut properties: T = serde_json::from_value(serde_json::Value::Object(properties))
            .map_err(|e| format!("feature {} of {}: {e}", self.id, T::INFO.id))?;
        properties.derive();
        Ok(Feature {
            id: self.id,
            geometry: self.geometry,
            properties,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::small_dataset;

    fn round_trips<T: Record + PartialEq>(features: &[Feature<T>]) {
        assert!(!features.is_empty() || T::OPERATIONAL, "{} is empty", T::INFO.id);
        for f in features {
            let row = Row::of(f);
            assert_eq!(row.cells.len(), T::FIELDS.len());
            for name in T::FIELDS.iter().map(|f| f.name) {
                assert!(!row.rest.contains_key(name), "{name} is a column, not JSON");
            }
            let back: Feature<T> = row.into_feature().unwrap();
            // Derived attributes are recomputed on the way back, as on every load.
            let mut expected = f.clone();
            expected.properties.derive();
            assert_eq!(back, expected, "{} {}", T::INFO.id, f.id);
        }
    }

    #[test]
    fn every_layer_survives_the_trip_through_a_row() {
        let data = small_dataset();
        macro_rules! check {
            ($($name:ident: $ty:ty),+ $(,)?) => { $(round_trips(&data.$name);)+ };
        }
        crate::with_layers!(check);
    }

    #[test]
    fn an_incident_survives_the_trip_through_a_row() {
        use crate::model::{Incident, IncidentKind, IncidentStatus};
        round_trips(&[Feature {
            id: 7,
            geometry: geo::Geometry::Point(geo::Point::new(111.62, 36.1)),
            properties: Incident {
                title: "液氯泄漏".into(),
                kind: IncidentKind::Leak,
                status: IncidentStatus::Open,
                drill: true,
                substance: Some("chlorine".into()),
                opened_at: "2026-11-23T08:00:00Z".into(),
                units: 2,
                people_in_zones: Some(1200),
            },
        }]);
    }

    #[test]
    fn a_row_of_the_wrong_shape_is_refused_not_guessed() {
        let data = small_dataset();
        let mut row = Row::of(&data.rescue_teams[0]);
        row.cells.pop();
        assert!(row.into_feature::<crate::model::RescueTeam>().is_err());
        let mut row = Row::of(&data.rescue_teams[0]);
        row.cells[1] = Cell::Text("submarine".into());
        let err = row.into_feature::<crate::model::RescueTeam>().unwrap_err();
        assert!(err.contains("submarine"), "{err}");
    }
}
