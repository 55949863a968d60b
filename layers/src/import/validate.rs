//! The checks of an imported row beyond what every write passes (types,
//! codes, the layer's rules and geometry: the collection's own `prepare`):
//! the location inside the region's counties, the credit code's check
//! character, a hazard source's substances, duplicates.

use super::report::Problem;
use crate::catalog::Catalog;
use crate::filter::Filter;
use crate::geodesy::distance_m;
use geo::{Centroid, Coord, CoordsIter, Geometry};
use serde_json::{Map, Value as J};

/// How far outside every county a location may lie and still be taken (and
/// given the nearest county): the bundled boundaries are generalised and may
/// be offset by some hundreds of metres (data/README.md), so a real site on
/// the border can fall just outside them. Beyond this it is refused as
/// outside the region; a wrong coordinate system moves points by far more.
pub const OUTSIDE_REGION_TOLERANCE_M: f64 = 1_000.0;

/// The county of a location: `(id, county, city)`, or why it is refused.
pub fn county_of(catalog: &Catalog, geometry: &Geometry<f64>) -> Result<(u32, String, String), String> {
    let p = representative(geometry).ok_or("the geometry has no position")?;
    let counties = catalog.counties.read();
    let Some((county, d)) = counties.nearest(p, 1, &Filter::all()).into_iter().next() else {
        return Err("the region has no counties to place it in".into());
    };
    if d > OUTSIDE_REGION_TOLERANCE_M {
        return Err(format!(
            "[{:.6}, {:.6}] is outside the region, {:.1} km from the nearest county ({}); check the coordinate system (--crs) and lon/lat order",
            p.x,
            p.y,
            d / 1000.0,
            county.properties.county
        ));
    }
    Ok((
        u32::try_from(county.id).unwrap_or(u32::MAX),
        county.properties.county.clone(),
        county.properties.city.clone(),
    ))
}

/// The point a feature is placed by: itself, a line's middle vertex, a polygon's centroid.
pub fn representative(geometry: &Geometry<f64>) -> Option<Coord<f64>> {
    match geometry {
        Geometry::Point(p) => Some(p.0),
        Geometry::LineString(l) => l.0.get(l.0.len() / 2).copied(),
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) => geometry.centroid().map(|c| c.0),
        other => other.coords_iter().next(),
    }
}

/// Every position of `geometry` lies inside the region (with the tolerance).
pub fn outside_position(catalog: &Catalog, geometry: &Geometry<f64>) -> Option<String> {
    let counties = catalog.counties.read();
    // Vertices of long lines and zones: a sample is enough to catch a wrong
    // coordinate system, which moves every position.
    let coords: Vec<Coord<f64>> = geometry.coords_iter().collect();
    let step = (coords.len() / 16).max(1);
    coords.iter().step_by(step).find_map(|c| {
        let d = counties.nearest(*c, 1, &Filter::all()).first().map_or(f64::INFINITY, |(_, d)| *d);
        (d > OUTSIDE_REGION_TOLERANCE_M).then(|| {
            format!(
                "position [{:.6}, {:.6}] is outside the region, {:.1} km from the nearest county; check the coordinate system (--crs)",
                c.x,
                c.y,
                d / 1000.0
            )
        })
    })
}

/// The unified social credit code's problem, if it has one (GB 32100-2015).
pub fn credit_code(code: &str) -> Option<String> {
    if code.chars().count() != 18 {
        return Some(format!(
            "{code:?} has {} characters; a credit code has 18",
            code.chars().count()
        ));
    }
    (!crate::generate::names::credit_code_is_valid(code))
        .then(|| format!("{code:?}: the check character (GB 32100-2015) does not match; a typo?"))
}

/// A hazard source's substances: at least one, each with a quantity above zero.
pub fn substances(properties: &Map<String, J>, row: usize, problems: &mut Vec<Problem>) {
    let list = properties.get("substances").and_then(J::as_array);
    let Some(list) = list.filter(|l| !l.is_empty()) else {
        problems.push(Problem {
            row,
            field: "substances".into(),
            reason: "a major hazard source holds at least one substance (GB 18218)".into(),
        });
        return;
    };
    for (i, s) in list.iter().enumerate() {
        let q = s.get("quantity_t").and_then(super::formats::number);
        if !q.is_some_and(|q| q > 0.0) {
            problems.push(Problem {
                row,
                field: format!("substances.{i}.quantity_t"),
                reason: format!(
                    "quantity of {} must be tonnes above 0, not {}",
                    s.get("substance").and_then(J::as_str).unwrap_or("the substance"),
                    s.get("quantity_t").map_or("nothing".into(), J::to_string)
                ),
            });
        }
    }
}

/// Distance between two positions, metres (for reports).
pub fn metres_between(a: Coord<f64>, b: Coord<f64>) -> f64 {
    distance_m(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credit_code_with_a_wrong_check_character_is_caught() {
        let good = crate::generate::names::credit_code(140_105, 7);
        assert_eq!(credit_code(&good), None);
        let last = if good.ends_with('0') { '1' } else { '0' };
        let bad = format!("{}{last}", &good[..17]);
        assert!(credit_code(&bad).unwrap().contains("check character"));
        assert!(credit_code("91140105").unwrap().contains("18"));
        // A published example's shape: 91350100M000100Y43 (check character 3).
        assert_eq!(credit_code("91350100M000100Y43"), None);
    }
}
