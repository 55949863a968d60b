//! Risk maps for planners (重大风险隐患分布图): the H3 [`grid`] of a risk
//! score, its [`method`] (weights, normalisation, the four classes) and
//! the county and city [`choropleth`]. `docs/risk-method.md` describes the
//! method and where it departs from the provincial 4-colour practice.

pub mod choropleth;
pub mod grid;
pub mod method;
pub mod regrade;
#[cfg(test)]
mod tests;

pub use grid::{CellView, RiskGrid, resolution, resolution_for_zoom};
pub use method::{Counts, RiskMethod, Score};

/// The map colour of a class (the standard four: red, orange, yellow, blue).
pub fn class_colour(class: &str) -> &'static str {
    match class {
        "red" => "#d7191c",
        "orange" => "#f08a24",
        "yellow" => "#f2d13a",
        _ => "#1f6fd1",
    }
}
