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
use std::sync::Arc;

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
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Feature id.
    pub id: FeatureId,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// The values it is grouped by (industry, risk level, level, kind ...),
    /// in the order of the field names. Shared with the counts' text of the
    /// same value: a few distinct values, listed for up to [`MAX_LISTED`]
    /// features.
    pub groups: Vec<(&'static str, Arc<str>)>,
}

/// As `{"id": …, "name": …, "<group>": "<value>", …}`.
impl Serialize for Item {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2 + self.groups.len()))?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("name", &self.name)?;
        for (field, value) in &self.groups {
            map.serialize_entry(field, value)?;
        }
        map.end()
    }
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

/// Writes a value as the text it is grouped and listed by; false for null.
fn write_text(out: &mut String, v: &Value<'_>) -> bool {
    use std::fmt::Write;
    out.clear();
    // Writing to a String cannot fail.
    let _ = match v {
        Value::Null => return false,
        Value::Text(t) => {
            out.push_str(t);
            Ok(())
        }
        Value::Integer(i) => write!(out, "{i}"),
        Value::Real(r) => write!(out, "{r}"),
        Value::Boolean(b) => write!(out, "{b}"),
        Value::Date(d) => write!(out, "{d}"),
        Value::List(l) => {
            for (i, t) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(t);
            }
            Ok(())
        }
    };
    true
}

fn text(v: &Value<'_>) -> Option<String> {
    let mut out = String::new();
    write_text(&mut out, v).then_some(out)
}

/// Counts of one grouping field's values: few distinct values (industries,
/// risk levels, statuses), so a list searched by the borrowed text, which
/// copies a value only the first time it is met; the listed features share
/// that copy.
#[derive(Default)]
struct Tally(Vec<(Arc<str>, usize)>);

impl Tally {
    fn add(&mut self, value: &str) {
        match self.0.iter_mut().find(|(v, _)| &**v == value) {
            Some((_, n)) => *n += 1,
            None => self.0.push((value.into(), 1)),
        }
    }

    /// The shared text of a value counted.
    fn text(&self, value: &str) -> Option<Arc<str>> {
        self.0.iter().find(|(v, _)| &**v == value).map(|(v, _)| v.clone())
    }
}

fn layer_exposure(
    c: &dyn Collection,
    zone: &Zone,
    bbox: Rect<f64>,
    groups: &[&'static str],
    sum: Option<&str>,
) -> LayerExposure {
    // The values a visit reads, by their place in the layer's fields (what
    // `gather_in_rect` hands over, in that order): the name, the grouping
    // fields and the quantity summed, not the dozen others.
    let fields = c.fields();
    let slot = |name: &str| fields.iter().position(|f| f.name == name);
    let mut wanted: Vec<usize> = groups
        .iter()
        .copied()
        .chain(["name"])
        .chain(sum)
        .filter_map(slot)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let at = |name: &str| slot(name).and_then(|i| wanted.iter().position(|w| *w == i));
    let name_at = at("name");
    let mut group_at: Vec<(&'static str, usize)> = groups.iter().filter_map(|g| at(g).map(|i| (*g, i))).collect();
    group_at.sort_unstable_by_key(|(g, _)| *g);
    let sum_at = sum.and_then(at);
    let mut count = 0;
    let mut total = 0;
    let mut tallies: Vec<Tally> = group_at.iter().map(|_| Tally::default()).collect();
    // Every feature inside is counted; only the first MAX_LISTED by id are
    // listed, so the walk keeps ids and walk numbers, and the items are
    // made afterwards from those it lists.
    let mut inside: Vec<(FeatureId, u32)> = Vec::new();
    let mut walked: u32 = 0;
    let mut buffer = String::new();
    let gathered = c.gather_in_rect(bbox, &Filter::all(), Some(&wanted), &mut |id, geometry, values| {
        let number = walked;
        walked += 1;
        if !zone.meets(geometry) {
            return ControlFlow::Continue(());
        }
        count += 1;
        inside.push((id, number));
        for (tally, &(_, i)) in tallies.iter_mut().zip(&group_at) {
            if let Some((_, v)) = values.get(i)
                && write_text(&mut buffer, v)
            {
                tally.add(&buffer);
            }
        }
        if let Some((_, Value::Integer(i))) = sum_at.and_then(|i| values.get(i)) {
            total += i;
        }
        ControlFlow::Continue(())
    });
    inside.sort_unstable_by_key(|(id, _)| *id);
    inside.truncate(MAX_LISTED);
    let mut listed: Vec<u32> = inside.iter().map(|(_, n)| *n).collect();
    listed.sort_unstable();
    let mut items = Vec::with_capacity(listed.len());
    gathered(&listed, &mut |id, _, values| {
        let name = name_at.and_then(|i| values.get(i)).and_then(|(_, v)| text(v));
        let mut groups = Vec::with_capacity(group_at.len());
        for (tally, &(g, i)) in tallies.iter().zip(&group_at) {
            // Every listed feature was counted, so its value is in the tally.
            if let Some((_, v)) = values.get(i)
                && write_text(&mut buffer, v)
                && let Some(shared) = tally.text(&buffer)
            {
                groups.push((g, shared));
            }
        }
        items.push(Item { id, name, groups });
        ControlFlow::Continue(())
    });
    items.sort_unstable_by_key(|i| i.id);
    LayerExposure {
        count,
        by: group_at
            .iter()
            .zip(tallies)
            .filter(|(_, t)| !t.0.is_empty())
            .map(|(&(g, _), t)| (g, t.0.into_iter().map(|(v, n)| (v.to_string(), n)).collect()))
            .collect(),
        total: sum.map(|s| (s.to_owned(), total)),
        items,
    }
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
        && zone_box.max().y <= cell_box.max().y;
    let boxed = square.exterior().0.len() == 5 && is_axis_aligned(square);
    let inside = if zone_in_cell && boxed {
        polygons.unsigned_area()
    } else if convex && square.exterior().points().all(|corner| polygons.contains(&corner)) {
        // A convex zone holds a polygon whose corners it holds.
        whole
    } else if let (true, [zone]) = (convex && boxed, polygons.0.as_slice()) {
        convex_area_in_box(&zone.exterior().0, cell_box)
    } else {
        polygons
            .intersection(&MultiPolygon(vec![square.clone()]))
            .unsigned_area()
    };
    (inside / whole).min(1.0)
}

/// The area of the part of a convex ring (closed or not) inside an
/// axis-aligned box, in the ring's units squared: the ring clipped by each
/// of the box's four sides in turn (Sutherland–Hodgman, exact for a convex
/// ring), then the shoelace. What the general polygon clipping gives for a
/// circle's 72-gon and a population cell, without its sweep.
fn convex_area_in_box(ring: &[Coord<f64>], b: Rect<f64>) -> f64 {
    let (min, max) = (b.min(), b.max());
    let mut polygon: Vec<Coord<f64>> = ring.to_vec();
    if polygon.len() > 1 && polygon.first() == polygon.last() {
        polygon.pop();
    }
    let mut clipped = Vec::with_capacity(polygon.len() + 4);
    // Each side: which coordinate it bounds, the bound, and which side is kept.
    let sides = [
        (true, min.x, true),
        (true, max.x, false),
        (false, min.y, true),
        (false, max.y, false),
    ];
    for (along_x, bound, keep_above) in sides {
        clipped.clear();
        let inside = |c: &Coord<f64>| {
            let v = if along_x { c.x } else { c.y };
            if keep_above { v >= bound } else { v <= bound }
        };
        let crossing = |a: &Coord<f64>, c: &Coord<f64>| {
            if along_x {
                let t = (bound - a.x) / (c.x - a.x);
                Coord {
                    x: bound,
                    y: a.y + t * (c.y - a.y),
                }
            } else {
                let t = (bound - a.y) / (c.y - a.y);
                Coord {
                    x: a.x + t * (c.x - a.x),
                    y: bound,
                }
            }
        };
        for (i, current) in polygon.iter().enumerate() {
            let previous = &polygon[(i + polygon.len() - 1) % polygon.len()];
            match (inside(previous), inside(current)) {
                (true, true) => clipped.push(*current),
                (true, false) => clipped.push(crossing(previous, current)),
                (false, true) => {
                    clipped.push(crossing(previous, current));
                    clipped.push(*current);
                }
                (false, false) => {}
            }
        }
        std::mem::swap(&mut polygon, &mut clipped);
        if polygon.is_empty() {
            return 0.0;
        }
    }
    let twice: f64 = (0..polygon.len())
        .map(|i| {
            let (a, c) = (polygon[i], polygon[(i + 1) % polygon.len()]);
            a.x * c.y - c.x * a.y
        })
        .sum();
    twice.abs() / 2.0
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
    use crate::record::Record;

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
    fn the_listing_and_the_counts_are_those_of_every_feature_inside() {
        let catalog = Catalog::new(crate::generate::tests::small_dataset().clone());
        let centre = Coord { x: 112.55, y: 37.86 };
        let enterprises = catalog.enterprises.read();
        let mut cut = 0;
        for radius_m in [300.0, 3_000.0, 30_000.0] {
            let e = exposure(&catalog, &Zone::Circle { centre, radius_m });
            let got = &e.layers["enterprises"];
            let mut inside: Vec<_> = enterprises
                .features()
                .iter()
                .filter(|f| matches!(f.geometry, Geometry::Point(p) if distance_m(centre, p.0) <= radius_m))
                .collect();
            inside.sort_by_key(|f| f.id);
            assert_eq!(got.count, inside.len(), "{radius_m} m");
            let value = |f: &crate::feature::Feature<crate::model::Enterprise>, field: &str| {
                text(&f.properties.value(field)).expect("a value")
            };
            // Counts by each field, over every feature inside.
            for field in ["industry", "risk_level"] {
                let mut want: BTreeMap<String, usize> = BTreeMap::new();
                for f in &inside {
                    *want.entry(value(f, field)).or_default() += 1;
                }
                assert_eq!(
                    got.by.get(field),
                    (!want.is_empty()).then_some(&want),
                    "{radius_m} m, {field}"
                );
            }
            // The first MAX_LISTED by id, each with its name and groups.
            let listed: Vec<Item> = inside
                .iter()
                .take(MAX_LISTED)
                .map(|f| Item {
                    id: f.id,
                    name: Some(f.properties.name.to_string()),
                    groups: vec![
                        ("industry", value(f, "industry").into()),
                        ("risk_level", value(f, "risk_level").into()),
                    ],
                })
                .collect();
            assert_eq!(got.items, listed, "{radius_m} m");
            cut += usize::from(inside.len() > MAX_LISTED);
            // Written as before: id, name, then the groups by field name.
            if let Some(first) = got.items.first() {
                let json = serde_json::to_string(first).unwrap();
                assert!(json.starts_with(&format!(r#"{{"id":{},"name":"#, first.id)), "{json}");
                assert!(
                    json.ends_with(&format!(
                        r#""industry":"{}","risk_level":"{}"}}"#,
                        first.groups[0].1, first.groups[1].1
                    )),
                    "{json}"
                );
            }
        }
        assert!(cut > 0, "a zone lists fewer than it counts");
    }

    #[test]
    fn a_convex_ring_clipped_to_a_box_has_the_area_of_the_general_clipping() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let (mut partly, mut outside, mut within) = (0, 0, 0);
        for i in 0..400 {
            let centre = Coord {
                x: 112.0 + rng.random_range(-0.02..0.02),
                y: 37.0 + rng.random_range(-0.02..0.02),
            };
            let zone = Zone::Circle {
                centre,
                radius_m: rng.random_range(10.0..3_000.0),
            };
            let ring = zone.polygons();
            // Small cells anywhere near, or a large one round the circle.
            let (x, y, w, h) = match i % 3 {
                0 => (
                    112.0 + rng.random_range(-0.03..0.03),
                    37.0 + rng.random_range(-0.03..0.03),
                    0.01,
                    0.01,
                ),
                1 => (
                    112.0 + rng.random_range(-0.03..0.03),
                    37.0 + rng.random_range(-0.03..0.03),
                    0.001,
                    0.002,
                ),
                _ => (centre.x - 0.05, centre.y - 0.05, 0.1, 0.1),
            };
            let cell = Rect::new(Coord { x, y }, Coord { x: x + w, y: y + h });
            let got = convex_area_in_box(&ring.0[0].exterior().0, cell);
            let want = ring
                .intersection(&MultiPolygon(vec![cell.to_polygon()]))
                .unsigned_area();
            // The share of the cell inside, as the population estimate uses
            // it. (The general clipping snaps to a fine grid: equal to parts
            // in a billion of the cell.)
            assert!(
                (got - want).abs() <= 1e-6 * cell.to_polygon().unsigned_area(),
                "{zone:?} in {cell:?}: {got} vs {want}"
            );
            let whole = ring.unsigned_area();
            match got {
                0.0 => outside += 1,
                g if (g - whole).abs() < 1e-9 * whole => within += 1,
                _ => partly += 1,
            }
        }
        assert!(
            partly > 50 && outside > 10 && within > 10,
            "{partly} {outside} {within}"
        );
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
