//! A feature as a table row: the id, the geometry, one typed cell per
//! filterable field ([`Record::FIELDS`]) and the other properties as JSON.
//! This is how features are kept in PostGIS; the way back rebuilds the very
//! same typed record.

use crate::feature::{Feature, FeatureId};
use crate::record::{FieldType, Record, Value};
use geo::Geometry;
use std::io::Write;

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

/// A record read in one pass from the JSON text of its other properties and
/// its typed cells, without a `serde_json::Value` between (the way rows are
/// read at start, [`Row::into_feature`] being the general way).
///
/// The cells are written into the text after the other properties, so a key
/// in both reads as the cell, as [`Row::into_feature`] has it (or fails, for
/// a record that refuses repeated keys: the caller then takes the general
/// way). The buffer is kept from one record to the next.
#[derive(Debug, Default)]
pub struct RecordText {
    buf: Vec<u8>,
    empty: bool,
}

impl RecordText {
    /// Starts a record from `rest`, the JSON text of an object; `false` if it is not one.
    pub fn begin(&mut self, rest: &[u8]) -> bool {
        self.buf.clear();
        let rest = rest.trim_ascii();
        let (Some(b'{'), Some(b'}')) = (rest.first(), rest.last()) else {
            return false;
        };
        if rest.len() < 2 {
            return false;
        }
        let members = &rest[..rest.len() - 1];
        self.empty = members[1..].trim_ascii().is_empty();
        self.buf.extend_from_slice(if self.empty { b"{" } else { members });
        true
    }

    fn key(&mut self, name: &str) {
        if !std::mem::take(&mut self.empty) {
            self.buf.push(b',');
        }
        self.string(name);
        self.buf.push(b':');
    }

    fn string(&mut self, s: &str) {
        // writing a str into a Vec cannot fail
        let _ = serde_json::to_writer(&mut self.buf, s);
    }

    /// A text (or enum code) cell; `None` (SQL NULL) leaves the property absent.
    pub fn text(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.key(name);
            self.string(v);
        }
    }

    /// An integer cell.
    pub fn integer(&mut self, name: &str, value: Option<i64>) {
        if let Some(v) = value {
            self.key(name);
            let _ = serde_json::to_writer(&mut self.buf, &v);
        }
    }

    /// A real cell (not finite: null, as [`Cell::to_json`] has it).
    pub fn real(&mut self, name: &str, value: Option<f64>) {
        if let Some(v) = value {
            self.key(name);
            let _ = serde_json::to_writer(&mut self.buf, &v);
        }
    }

    /// A boolean cell.
    pub fn boolean(&mut self, name: &str, value: Option<bool>) {
        if let Some(v) = value {
            self.key(name);
            self.buf.extend_from_slice(if v { b"true" } else { b"false" });
        }
    }

    /// A date cell, written `YYYY-MM-DD`.
    pub fn date(&mut self, name: &str, value: Option<chrono::NaiveDate>) {
        if let Some(v) = value {
            self.key(name);
            // chrono's Display of a date is `%Y-%m-%d`, written without parsing a format
            let _ = write!(self.buf, "\"{v}\"");
        }
    }

    /// A list-of-texts cell.
    pub fn list<'s>(&mut self, name: &str, value: Option<impl IntoIterator<Item = &'s str>>) {
        if let Some(v) = value {
            self.key(name);
            self.buf.push(b'[');
            for (i, s) in v.into_iter().enumerate() {
                if i > 0 {
                    self.buf.push(b',');
                }
                self.string(s);
            }
            self.buf.push(b']');
        }
    }

    /// The record, its derived attributes computed.
    pub fn read<T: Record>(&mut self) -> Result<T, String> {
        self.buf.push(b'}');
        let mut record: T = serde_json::from_slice(&self.buf).map_err(|e| e.to_string())?;
        record.derive();
        Ok(record)
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
            // The one-pass way reads the same record from the row's parts.
            let by_text: T = read_text(&row).unwrap();
            let back: Feature<T> = row.into_feature().unwrap();
            // Derived attributes are recomputed on the way back, as on every load.
            let mut expected = f.clone();
            expected.properties.derive();
            assert_eq!(back, expected, "{} {}", T::INFO.id, f.id);
            assert_eq!(by_text, expected.properties, "{} {} read in one pass", T::INFO.id, f.id);
        }
    }

    /// What the PostGIS load does with a row: the `props` text, then each cell by its type.
    fn read_text<T: Record>(row: &Row) -> Result<T, String> {
        let rest = serde_json::to_vec(&row.rest).unwrap();
        read_parts(&rest, T::FIELDS, &row.cells)
    }

    fn read_parts<T: Record>(rest: &[u8], fields: &[crate::record::Field], cells: &[Cell]) -> Result<T, String> {
        let mut text = RecordText::default();
        assert!(text.begin(rest), "{}", String::from_utf8_lossy(rest));
        for (f, cell) in fields.iter().zip(cells) {
            let name = f.name;
            match cell {
                Cell::Null => text.text(name, None),
                Cell::Text(s) => text.text(name, Some(s)),
                Cell::Integer(i) => text.integer(name, Some(*i)),
                Cell::Real(r) => text.real(name, Some(*r)),
                Cell::Boolean(b) => text.boolean(name, Some(*b)),
                Cell::Date(d) => text.date(name, Some(*d)),
                Cell::List(l) => text.list(name, Some(l.iter().map(String::as_str))),
            }
        }
        text.read()
    }

    #[test]
    fn one_pass_reading_takes_any_object_and_lets_the_cell_win_or_fails() {
        use crate::model::RescueTeam;
        let data = small_dataset();
        let team = &data.rescue_teams[0];
        let row = Row::of(team);
        let rest = serde_json::to_string(&row.rest).unwrap();
        // spaced out, as another writer of the table might have it
        let spaced = format!("  {}  ", rest.replacen('{', "{ ", 1).replace(',', " , "));
        let read: RescueTeam = read_parts(spaced.as_bytes(), RescueTeam::FIELDS, &row.cells).unwrap();
        assert_eq!(read, team.properties);
        // an empty object, and texts that are not one
        let mut text = RecordText::default();
        assert!(text.begin(b" { } "));
        text.text("name", Some("x"));
        assert_eq!(String::from_utf8_lossy(&text.buf), r#"{"name":"x""#);
        text.date("due", chrono::NaiveDate::from_ymd_opt(2026, 3, 5));
        text.list("tags", Some(["a\"b", "c"]));
        text.real("nan", Some(f64::NAN));
        assert_eq!(
            String::from_utf8_lossy(&text.buf),
            r#"{"name":"x","due":"2026-03-05","tags":["a\"b","c"],"nan":null"#
        );
        for bad in [&b"[1]"[..], b"}", b"{", b"", b"  "] {
            assert!(!text.begin(bad), "{}", String::from_utf8_lossy(bad));
        }
        // a field both in the text and a cell: the cell wins, as in the general way, or the reading fails
        let (field, cell) = (RescueTeam::FIELDS[0].name, &row.cells[0]);
        let mut doubled = row.rest.clone();
        doubled.insert(field.to_owned(), serde_json::json!("from the text"));
        let doubled = serde_json::to_vec(&doubled).unwrap();
        if let Ok(read) = read_parts::<RescueTeam>(&doubled, RescueTeam::FIELDS, &row.cells) {
            assert_eq!(&Cell::of(read.value(field)), cell);
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
