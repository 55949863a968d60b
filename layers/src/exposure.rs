//! Exposure: what lies inside an impact zone (a circle round an incident, or
//! any polygon): enterprises by industry and risk, major hazard sources by
//! level, shelters and their capacity, gas network elements, disaster-prone
//! zones, rescue teams, and the population estimate.

use crate::catalog::Catalog;
use crate::collection::Collection;
use crate::feature::FeatureId;
use crate::filter::Filter;
use crate::geodesy::{self, distance_to_geometry_m};
use crate::record::Value;
use geo::{Area, BooleanOps, BoundingRect, Contains, Coord, Geometry, Intersects, MultiPolygon, Polygon, Rect};
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// Most items listed per layer (counts are always complete).
pub const MAX_LISTED: usize = 500;

/// The area examined.
#[derive(Debug, Clone, PartialEq)]
pub enum Zone {
    /// Everything within `radius_m` metres of `centre`.
    Circle {
        /// Centre, lon/lat.
        centre: Coord<f64>,
        /// Radius, metres.
        radius_m: f64,
    },
    /// Everything inside (or touching) a polygon, lon/lat.
    Polygon(MultiPolygon<f64>),
}

impl Zone {
    /// The box round the zone, lon/lat.
    pub fn bbox(&self) -> Option<Rect<f64>> {
        match self {
            Self::Circle { centre, radius_m } => Some(geodesy::rect_around(*centre, *radius_m)),
            Self::Polygon(p) => p.bounding_rect(),
        }
    }

    /// Whether `geometry` lies in (or meets) the zone.
    pub fn meets(&self, geometry: &Geometry<f64>) -> bool {
        match self {
            Self::Circle { centre, radius_m } => distance_to_geometry_m(*centre, geometry) <= *radius_m,
            Self::Polygon(p) => match geometry {
                Geometry::Point(q) => p.contains(q) || p.intersects(q),
                other => p.intersects(other),
            },
        }
    }

    /// The zone as polygons (a circle as a 72-gon), lon/lat.
    pub fn polygons(&self) -> MultiPolygon<f64> {
        match self {
            Self::Polygon(p) => p.clone(),
            Self::Circle { centre, radius_m } => {
                let k = centre.y.to_radians().cos();
                let deg = (radius_m / geodesy::EARTH_RADIUS_M).to_degrees();
                let ring: Vec<Coord<f64>> = (0..=72)
                    .map(|i| {
                        let t = std::f64::consts::TAU * f64::from(i % 72) / 72.0;
                        Coord {
                            x: centre.x + deg * t.cos() / k,
                            y: centre.y + deg * t.sin(),
                        }
                    })
                    .collect();
                MultiPolygon(vec![Polygon::new(ring.into(), vec![])])
            }
        }
    }
}

/// One feature inside.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Feature id.
    pub id: FeatureId,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// The values it is grouped by (industry, risk level, level, kind ...).
    #[serde(flatten)]
    pub groups: BTreeMap<&'static str, String>,
}

/// What one layer has inside the zone.
#[derive(Debug, Clone, Serialize)]
pub struct LayerExposure {
    /// How many features.
    pub count: usize,
    /// Counts by each grouping field and value.
    pub by: BTreeMap<&'static str, BTreeMap<String, usize>>,
    /// Sum of a quantity (shelter capacity), if the layer has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<(String, i64)>,
    /// The features, up to [`MAX_LISTED`], in id order.
    pub items: Vec<Item>,
}

/// Everything inside the zone.
#[derive(Debug, Clone, Serialize)]
pub struct Exposure {
    /// Area of the zone, km².
    pub area_km2: f64,
    /// Estimated residents: population grid cells weighted by the share of their area inside.
    pub population: u64,
    /// Per layer.
    pub layers: BTreeMap<&'static str, LayerExposure>,
}

/// The layers examined, the fields their features are grouped by, and a quantity to sum.
const LAYERS: &[(&str, &[&str], Option<&str>)] = &[
    ("enterprises", &["industry", "risk_level"], None),
    ("hazard_sources", &["level"], None),
    ("shelters", &["kind"], Some("capacity")),
    ("rescue_teams", &["kind", "status"], None),
    ("warehouses", &["tier"], None),
    ("gas_pipes", &["pressure_class"], None),
    ("gas_valves", &["operable"], None),
    ("gas_stations", &["kind"], None),
    ("disaster_zones", &["kind", "severity"], None),
];

fn text(v: &Value<'_>) -> Option<String> {
    Some(match v {
        Value::Null => return None,
        Value::Text(t) => (*t).to_owned(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Date(d) => d.to_string(),
        Value::List(l) => l.join(","),
    })
}

fn layer_exposure(
    c: &dyn Collection,
    zone: &Zone,
    bbox: Rect<f64>,
    groups: &[&'static str],
    sum: Option<&str>,
) -> LayerExposure {
    let mut out = LayerExposure {
        count: 0,
        by: BTreeMap::new(),
        total: sum.map(|s| (s.to_owned(), 0)),
        items: Vec::new(),
    };
    // Where each value sits among the values a visitor gets (the layer's
    // fields, in order): looked up once, not by name for every feature.
    let fields = c.fields();
    let slot = |name: &str| fields.iter().position(|f| f.name == name);
    let name_slot = slot("name");
    let group_slots: Vec<(&'static str, usize)> = groups.iter().filter_map(|g| slot(g).map(|i| (*g, i))).collect();
    let sum_slot = sum.and_then(slot);
    let mut hits: Vec<Item> = Vec::new();
    c.visit_in_rect(bbox, &Filter::all(), &mut |id, geometry, values| {
        if !zone.meets(geometry) {
            return ControlFlow::Continue(());
        }
        out.count += 1;
        let mut item = Item {
            id,
            name: name_slot.and_then(|i| values.get(i)).and_then(|(_, v)| text(v)),
            groups: BTreeMap::new(),
        };
        for &(g, i) in &group_slots {
            if let Some(value) = values.get(i).and_then(|(_, v)| text(v)) {
                *out.by.entry(g).or_default().entry(value.clone()).or_default() += 1;
                item.groups.insert(g, value);
            }
        }
        if let (Some((_, total)), Some((_, Value::Integer(i)))) =
            (out.total.as_mut(), sum_slot.and_then(|i| values.get(i)))
        {
            *total += i;
        }
        hits.push(item);
        ControlFlow::Continue(())
    });
    hits.sort_by_key(|i| i.id);
    hits.truncate(MAX_LISTED);
    out.items = hits;
    out
}

/// The share of a population cell's area inside the zone: 1 when the cell
/// lies wholly inside, the zone's own area over the cell's when the zone
/// lies wholly inside the cell, else the area of their intersection over
/// the cell's (the only case that needs polygon clipping). `convex`: the
/// zone is one convex polygon (a circle's).
fn share_inside(
    polygons: &MultiPolygon<f64>,
    convex: bool,
    zone_box: Rect<f64>,
    square: &Polygon<f64>,
    whole: f64,
) -> f64 {
    let Some(cell_box) = square.bounding_rect() else {
        return 0.0;
    };
    let zone_in_cell = cell_box.min().x <= zone_box.min().x
        && cell_box.min().y <= zone_box.min().y
        && zone_box.max().x <= cell_box.max().x
        && zone_box.max().y <= cell_box.max().y
        && square.exterior().0.len() == 5
        && is_axis_aligned(square);
    let inside = if zone_in_cell {
        polygons.unsigned_area()
    } else if convex && square.exterior().points().all(|corner| polygons.contains(&corner)) {
        // A convex zone holds a polygon whose corners it holds.
        whole
    } else {
        polygons
            .intersection(&MultiPolygon(vec![square.clone()]))
            .unsigned_area()
    };
    (inside / whole).min(1.0)
}

/// Whether a four-cornered ring is a box with sides along the axes (a
/// population cell): then it holds everything inside its bounding box.
fn is_axis_aligned(square: &Polygon<f64>) -> bool {
    square
        .exterior()
        .lines()
        .all(|l| l.start.x == l.end.x || l.start.y == l.end.y)
}

/// What lies inside `zone`.
pub fn exposure(catalog: &Catalog, zone: &Zone) -> Exposure {
    let polygons = zone.polygons();
    let convex = matches!(zone, Zone::Circle { .. });
    let Some(bbox) = zone.bbox() else {
        return Exposure {
            area_km2: 0.0,
            population: 0,
            layers: BTreeMap::new(),
        };
    };
    let layers = LAYERS
        .iter()
        .filter_map(|(id, groups, sum)| {
            catalog
                .read(id)
                .map(|c| (*id, layer_exposure(&*c, zone, bbox, groups, *sum)))
        })
        .collect();
    // Population: each cell counts for the share of its area inside the zone.
    let mut population = 0.0;
    let cells = catalog.population.read();
    for cell in cells.locate_in_box(bbox) {
        let Geometry::Polygon(square) = &cell.geometry else {
            continue;
        };
        let whole = square.unsigned_area();
        if whole <= 0.0 {
            continue;
        }
        population += f64::from(cell.properties.population) * share_inside(&polygons, convex, bbox, square, whole);
    }
    let area_km2 = {
        let m2 = geodesy::ellipsoid_area_m2(&polygons);
        (m2.min(510_065_621.724e6 - m2) / 1e6 * 100.0).round() / 100.0
    };
    Exposure {
        area_km2,
        population: population.round() as u64,
        layers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::distance_m;

    #[test]
    fn counts_agree_with_brute_force_over_all_features() {
        let catalog = Catalog::new(crate::generate::tests::small_dataset().clone());
        let centre = Coord { x: 112.55, y: 37.86 };
        let zone = Zone::Circle {
            centre,
            radius_m: 5_000.0,
        };
        let e = exposure(&catalog, &zone);
        let enterprises = catalog.enterprises.read();
        let brute: Vec<_> = enterprises
            .features()
            .iter()
            .filter(|f| match f.geometry {
                Geometry::Point(p) => distance_m(centre, p.0) <= 5_000.0,
                _ => false,
            })
            .collect();
        let got = &e.layers["enterprises"];
        assert!(got.count > 0);
        assert_eq!(got.count, brute.len());
        let red = brute
            .iter()
            .filter(|f| f.properties.risk_level == crate::model::RiskLevel::Major)
            .count();
        assert_eq!(got.by["risk_level"].get("red").copied().unwrap_or(0), red);
        // A polygon: the county of 小店区, against containment of every hazard source.
        let county = catalog.counties.read().features()[0].clone();
        let Geometry::MultiPolygon(shape) = county.geometry.clone() else {
            panic!("county shape")
        };
        let e = exposure(&catalog, &Zone::Polygon(shape.clone()));
        let sources = catalog.hazard_sources.read();
        let inside = sources
            .features()
            .iter()
            .filter(|f| matches!(f.geometry, Geometry::Point(p) if shape.contains(&p)))
            .count();
        assert_eq!(e.layers["hazard_sources"].count, inside);
        // The population of a county is about its own estimate.
        let estimate = county.properties.population as f64;
        assert!(
            (e.population as f64 - estimate).abs() / estimate < 0.2,
            "{} vs {estimate}",
            e.population
        );
        assert!((e.area_km2 - county.properties.area_km2).abs() / county.properties.area_km2 < 0.01);
    }

    #[test]
    fn the_population_share_equals_clipping_every_cell() {
        use rand::{Rng, SeedableRng};
        let catalog = Catalog::new(crate::generate::tests::small_dataset().clone());
        let cells = catalog.population.read();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut shortcuts = 0;
        for i in 0..60 {
            let zone = Zone::Circle {
                centre: Coord {
                    x: 112.55 + rng.random_range(-0.2..0.2),
                    y: 37.87 + rng.random_range(-0.2..0.2),
                },
                radius_m: [50.0, 200.0, 800.0, 3_000.0][i % 4],
            };
            let (polygons, bbox) = (zone.polygons(), zone.bbox().unwrap());
            let clipped: f64 = cells
                .locate_in_box(bbox)
                .filter_map(|cell| {
                    let Geometry::Polygon(square) = &cell.geometry else {
                        return None;
                    };
                    let whole = square.unsigned_area();
                    let inside = polygons
                        .intersection(&MultiPolygon(vec![square.clone()]))
                        .unsigned_area();
                    let share = share_inside(&polygons, true, bbox, square, whole);
                    // (The clipping snaps to a fine grid: equal to a few parts in a billion.)
                    let clipped = (inside / whole).min(1.0);
                    assert!((share - clipped).abs() < 1e-6, "{zone:?}: {share} vs {clipped}");
                    shortcuts += usize::from(share == 1.0 || square.bounding_rect().unwrap().contains(&bbox));
                    Some(f64::from(cell.properties.population) * (inside / whole).min(1.0))
                })
                .sum();
            let got = exposure(&catalog, &zone).population as f64;
            assert!(
                (got - clipped).abs() <= 0.5 + 1e-6 * clipped,
                "{zone:?}: {got} vs {clipped}"
            );
        }
        assert!(
            shortcuts > 10,
            "some cells are whole, some zones inside one cell ({shortcuts})"
        );
    }
}
