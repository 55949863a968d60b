//! The mapping file (TOML): which source column becomes which Lookout field,
//! with value maps (重大风险 → red) and defaults. Examples per layer are in
//! `data/mappings/`; the format is in docs/data.md.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The collection it imports into (`enterprises`, `hazard_sources`…).
    pub layer: String,
    /// The column holding each row's id in the bureau's register: a re-import
    /// with the same ids updates in place.
    pub external_id: String,
    /// The coordinate system, unless `--crs` says otherwise [default: EPSG:4326].
    #[serde(default)]
    pub crs: Option<String>,
    /// The sheet of a workbook [default: the first].
    #[serde(default)]
    pub sheet: Option<String>,
    /// Where the geometry is, for CSV and XLSX (GeoJSON, Shapefile and
    /// GeoPackage carry their own).
    #[serde(default)]
    pub geometry: GeometryColumns,
    /// Lookout field (a dotted path for nested ones:
    /// `responsible_persons.principal.name`, `substances.0.quantity_t`) →
    /// where its value comes from.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldSource>,
    /// Values of fields no column gives (or whose cell is empty).
    #[serde(default)]
    pub defaults: BTreeMap<String, toml::Value>,
}

/// Where the geometry is in a table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeometryColumns {
    /// Longitude (or easting) column.
    pub lon: Option<String>,
    /// Latitude (or northing) column.
    pub lat: Option<String>,
    /// A WKT column (`POINT (112.5 37.8)`, `LINESTRING (…)`), instead of lon/lat.
    pub wkt: Option<String>,
}

/// Where one field's value comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FieldSource {
    /// Just a column, its value taken as the field's type.
    Column(String),
    /// A column with a value map, a type or a default.
    Spec(FieldSpec),
}

/// A column with its value map, type and default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// The source column.
    pub column: String,
    /// Source value → Lookout value (`"重大风险" = "red"`); a value not in the
    /// map is taken as it is (and refused if it is not a valid code).
    #[serde(default)]
    pub values: BTreeMap<String, toml::Value>,
    /// The type of the value, when the field's own is not known:
    /// text, integer, real, boolean, date, list (split on `,`, `;`, `、`).
    #[serde(default, rename = "type")]
    pub ty: Option<ValueType>,
}

/// How a source cell is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// Text as it is.
    Text,
    /// A whole number.
    Integer,
    /// A number.
    Real,
    /// true/false, 是/否, 1/0, yes/no.
    Boolean,
    /// A date, `YYYY-MM-DD` (also `YYYY/MM/DD`, `YYYY.MM.DD`).
    Date,
    /// A list of texts separated by `,`, `;`, `、` or `，`.
    List,
}

impl FieldSource {
    /// The source column.
    pub fn column(&self) -> &str {
        match self {
            Self::Column(c) => c,
            Self::Spec(s) => &s.column,
        }
    }

    /// The value map, if any.
    pub fn values(&self) -> Option<&BTreeMap<String, toml::Value>> {
        match self {
            Self::Column(_) => None,
            Self::Spec(s) => Some(&s.values),
        }
    }

    /// The type the mapping gives, if any.
    pub fn ty(&self) -> Option<ValueType> {
        match self {
            Self::Column(_) => None,
            Self::Spec(s) => s.ty,
        }
    }
}

impl Mapping {
    /// Reads a mapping file's text.
    pub fn parse(text: &str) -> Result<Self> {
        let mapping: Self = toml::from_str(text).map_err(|e| Error::InvalidRequest(format!("mapping file: {e}")))?;
        if mapping.geometry.wkt.is_some() && (mapping.geometry.lon.is_some() || mapping.geometry.lat.is_some()) {
            return Err(Error::InvalidRequest(
                "mapping file: [geometry] takes either wkt or lon and lat, not both".into(),
            ));
        }
        if mapping.geometry.lon.is_some() != mapping.geometry.lat.is_some() {
            return Err(Error::InvalidRequest(
                "mapping file: [geometry] needs both lon and lat".into(),
            ));
        }
        Ok(mapping)
    }

    /// Reads a mapping file.
    pub fn read(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(Error::io("reading", path))?;
        Self::parse(&text).map_err(|e| Error::BadData {
            path: path.into(),
            reason: e.to_string(),
        })
    }
}

/// A TOML value as JSON.
pub fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => J::Object(t.iter().map(|(k, v)| (k.clone(), toml_to_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_reads_columns_value_maps_and_defaults() {
        let m = Mapping::parse(
            r#"
layer = "enterprises"
external_id = "编号"
[geometry]
lon = "经度"
lat = "纬度"
[fields]
name = "企业名称"
risk_level = { column = "风险等级", values = { "重大风险" = "red" } }
employees = { column = "从业人数", type = "integer" }
[defaults]
supervisor = "县应急管理局"
"#,
        )
        .unwrap();
        assert_eq!(m.fields["name"].column(), "企业名称");
        assert_eq!(
            m.fields["risk_level"].values().unwrap()["重大风险"].as_str(),
            Some("red")
        );
        assert_eq!(m.fields["employees"].ty(), Some(ValueType::Integer));
        assert_eq!(m.defaults["supervisor"].as_str(), Some("县应急管理局"));
    }

    #[test]
    fn a_mapping_with_half_a_geometry_is_refused() {
        let err = Mapping::parse("layer = \"shelters\"\nexternal_id = \"id\"\n[geometry]\nlon = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("both lon and lat"), "{err}");
    }
}
