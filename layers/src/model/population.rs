//! The population estimate, as a grid.

use crate::record::{Field, FieldType, GeometryKind, LayerInfo, Record, Value};
use serde::{Deserialize, Serialize};

/// One cell of the population grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationCell {
    /// Estimated residents in the cell.
    pub population: u32,
    /// The county holding the cell's centre.
    pub county_id: u32,
    /// Residents per km².
    pub density_per_km2: f64,
}

impl Record for PopulationCell {
    const INFO: LayerInfo = LayerInfo {
        id: "population",
        title: "Population estimate 人口估计",
        description: "Resident population on a grid, modelled from the 2020 census city totals (34.9 million).",
        geometry: GeometryKind::Polygon,
    };
    const FIELDS: &'static [Field] = &[
        Field::new("population", FieldType::Integer, "estimated residents"),
        Field::new("county_id", FieldType::Integer, "county id"),
        Field::new("density_per_km2", FieldType::Real, "residents per km²"),
    ];

    fn value(&self, field: &str) -> Value<'_> {
        match field {
            "population" => Value::Integer(self.population.into()),
            "county_id" => Value::Integer(self.county_id.into()),
            "density_per_km2" => Value::Real(self.density_per_km2),
            _ => Value::Null,
        }
    }
}
