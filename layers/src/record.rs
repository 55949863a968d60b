//! The [`Record`] trait: what every layer's attribute struct tells the catalog.
//!
//! Each layer is a typed struct (an [`crate::model::Enterprise`], a
//! [`crate::model::RescueTeam`] ...). Serde gives it GeoJSON properties in and
//! out, and validation of every write for free; the trait adds the few things
//! the generic catalog needs: the layer's identity, its filterable fields and
//! a way to read one of them without serialising the whole record.

use serde::{Serialize, de::DeserializeOwned};
use std::fmt::Debug;

/// The geometry every feature of a layer has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub enum GeometryKind {
    /// `Point`
    Point,
    /// `LineString`
    LineString,
    /// `Polygon` or `MultiPolygon`
    Polygon,
}

impl GeometryKind {
    /// Whether `geometry` is of this kind.
    pub fn admits(self, geometry: &geo::Geometry<f64>) -> bool {
        use geo::Geometry as G;
        matches!(
            (self, geometry),
            (Self::Point, G::Point(_))
                | (Self::LineString, G::LineString(_))
                | (Self::Polygon, G::Polygon(_) | G::MultiPolygon(_))
        )
    }

    /// The GeoJSON type name(s) of this kind, for error messages and docs.
    pub fn geojson_name(self) -> &'static str {
        match self {
            Self::Point => "Point",
            Self::LineString => "LineString",
            Self::Polygon => "Polygon or MultiPolygon",
        }
    }
}

/// Static facts about a layer: its fixed collection id, title and geometry.
#[derive(Debug, Clone, Copy)]
pub struct LayerInfo {
    /// The collection id used by the API and the map, e.g. `hazard_sources`.
    pub id: &'static str,
    /// English title with the Chinese term, e.g. `Major hazard sources 重大危险源`.
    pub title: &'static str,
    /// One sentence for the collection's description.
    pub description: &'static str,
    /// The geometry every feature has.
    pub geometry: GeometryKind,
}

/// The type of a filterable field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Free text, compared exactly.
    Text,
    /// A whole number.
    Integer,
    /// A real number.
    Real,
    /// `true` or `false`.
    Boolean,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of a fixed set of codes.
    Enum(&'static [&'static str]),
    /// A list of codes; a filter matches when the list contains the value.
    List,
}

/// A field users can filter on (an OGC "queryable").
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The property name, as in GeoJSON.
    pub name: &'static str,
    /// Its type.
    pub ty: FieldType,
    /// A short description for humans.
    pub description: &'static str,
}

impl Field {
    /// A field of the given name, type and description.
    pub const fn new(name: &'static str, ty: FieldType, description: &'static str) -> Self {
        Self { name, ty, description }
    }
}

/// The value of one field of one record, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// No value.
    Null,
    /// Text, an enum code or a date (`YYYY-MM-DD`).
    Text(&'a str),
    /// A whole number.
    Integer(i64),
    /// A real number.
    Real(f64),
    /// A boolean.
    Boolean(bool),
    /// A calendar date.
    Date(chrono::NaiveDate),
    /// A list of codes.
    List(&'a [String]),
}

/// The attributes of one layer's features.
pub trait Record: Serialize + DeserializeOwned + Clone + Debug + Send + Sync + 'static {
    /// The layer's identity.
    const INFO: LayerInfo;
    /// The fields users filter on, in display order.
    const FIELDS: &'static [Field];
    /// Kept by operations (incidents), not made by the generator: a dataset
    /// written before the layer existed simply has none.
    const OPERATIONAL: bool = false;

    /// The value of `field`, one of [`Record::FIELDS`]; [`Value::Null`] for any other name.
    fn value(&self, field: &str) -> Value<'_>;

    /// The value of the field at `index` in [`Record::FIELDS`] (the same as
    /// [`Record::value`] of its name); [`Value::Null`] past the end. A vector
    /// tile reads a few values of every feature it holds: a record read
    /// often overrides this with a match on the index, not on the name.
    fn value_at(&self, index: usize) -> Value<'_> {
        Self::FIELDS.get(index).map_or(Value::Null, |f| self.value(f.name))
    }

    /// Recompute attributes derived from others (a hazard source's R value and
    /// level, say). Called on every feature loaded or written.
    fn derive(&mut self) {}

    /// The row's id in the register it was imported from (`lookout import`), if any.
    fn external_id(&self) -> Option<&str> {
        None
    }

    /// Domain rules beyond types, checked on every write; the error is shown to the user.
    fn validate(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}
