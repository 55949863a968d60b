//! The region's outline, its city boundaries and its county label points,
//! derived from the county polygons, for the map's basemap: so the browser
//! draws them from a few kilobytes instead of downloading every county
//! polygon (the county fills come from the `counties` tiles).
//!
//! County polygons of one boundary file share their edges exactly, so an
//! edge used by one county lies on the region's outline, and an edge used by
//! counties of two cities lies on a city boundary. The edges are joined end
//! to end into lines and simplified (Ramer–Douglas–Peucker) for display.

use crate::feature::{Feature, FeatureId};
use crate::model::County;
use geo::{Coord, Geometry, LineString, Simplify};
use std::collections::HashMap;

/// Simplification tolerance, degrees (about 55 m north–south): well under a
/// pixel at the zooms the basemap lines are drawn (they stay under the
/// county tiles' own lines from z8 on).
pub const SIMPLIFY_DEGREES: f64 = 0.0005;

/// A county's label point and names.
#[derive(Debug, Clone, PartialEq)]
pub struct CountyLabel {
    /// `counties` id.
    pub id: FeatureId,
    /// County name.
    pub county: String,
    /// City name.
    pub city: String,
    /// Estimated population.
    pub population: u64,
    /// Label point, lon/lat.
    pub at: [f64; 2],
}

/// What the basemap draws from the counties.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Boundaries {
    /// Lines between counties of different cities.
    pub city_lines: Vec<LineString<f64>>,
    /// The region's outline.
    pub outline: Vec<LineString<f64>>,
    /// One label point per county.
    pub labels: Vec<CountyLabel>,
}

type Key = (i64, i64);

fn key(c: Coord<f64>) -> Key {
    ((c.x * 1e6).round() as i64, (c.y * 1e6).round() as i64)
}

struct Edge {
    a: Coord<f64>,
    b: Coord<f64>,
    uses: u32,
    /// The first city seen and whether another city shares the edge.
    city: usize,
    shared_by_cities: bool,
}

/// Derives the boundaries from the county polygons.
pub fn derive(counties: &[Feature<County>]) -> Boundaries {
    let mut edges: HashMap<(Key, Key), Edge> = HashMap::new();
    let mut cities: Vec<&str> = Vec::new();
    let mut labels = Vec::with_capacity(counties.len());
    for f in counties {
        let p = &f.properties;
        let city = match cities.iter().position(|c| *c == p.city) {
            Some(i) => i,
            None => {
                cities.push(&p.city);
                cities.len() - 1
            }
        };
        labels.push(CountyLabel {
            id: f.id,
            county: p.county.clone(),
            city: p.city.clone(),
            population: p.population,
            at: p.label_point,
        });
        for ring in rings(&f.geometry) {
            for w in ring.0.windows(2) {
                let (ka, kb) = (key(w[0]), key(w[1]));
                if ka == kb {
                    continue;
                }
                let k = if ka < kb { (ka, kb) } else { (kb, ka) };
                let e = edges.entry(k).or_insert(Edge {
                    a: w[0],
                    b: w[1],
                    uses: 0,
                    city,
                    shared_by_cities: false,
                });
                e.uses += 1;
                e.shared_by_cities |= e.city != city;
            }
        }
    }
    let (mut outer, mut between) = (Vec::new(), Vec::new());
    for e in edges.into_values() {
        if e.uses == 1 {
            outer.push(e);
        } else if e.shared_by_cities {
            between.push(e);
        }
    }
    let simplify = |lines: Vec<LineString<f64>>| -> Vec<LineString<f64>> {
        lines.into_iter().map(|l| l.simplify(SIMPLIFY_DEGREES)).collect()
    };
    Boundaries {
        city_lines: simplify(chain(&between)),
        outline: simplify(chain(&outer)),
        labels,
    }
}

fn rings(geometry: &Geometry<f64>) -> Vec<&LineString<f64>> {
    match geometry {
        Geometry::Polygon(p) => std::iter::once(p.exterior()).chain(p.interiors()).collect(),
        Geometry::MultiPolygon(mp) => {
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Joins edges that meet end to end into as few lines as possible: open
/// chains start where a point's degree is not 2; what is left are rings.
fn chain(list: &[Edge]) -> Vec<LineString<f64>> {
    let mut at: HashMap<Key, Vec<usize>> = HashMap::new();
    for (i, e) in list.iter().enumerate() {
        at.entry(key(e.a)).or_default().push(i);
        at.entry(key(e.b)).or_default().push(i);
    }
    let mut used = vec![false; list.len()];
    let walk = |start: Coord<f64>, used: &mut Vec<bool>| {
        let mut coords = vec![start];
        let mut k = key(start);
        while let Some(&next) = at.get(&k).and_then(|ids| ids.iter().find(|&&i| !used[i])) {
            used[next] = true;
            let e = &list[next];
            let to = if key(e.a) == k { e.b } else { e.a };
            coords.push(to);
            k = key(to);
        }
        coords
    };
    let mut lines = Vec::new();
    let mut starts: Vec<(Key, Coord<f64>)> = Vec::new();
    for e in list {
        for c in [e.a, e.b] {
            if at.get(&key(c)).is_some_and(|ids| ids.len() != 2) {
                starts.push((key(c), c));
            }
        }
    }
    starts.sort_unstable_by_key(|(k, _)| *k);
    starts.dedup_by_key(|(k, _)| *k);
    for (_, c) in starts {
        loop {
            let coords = walk(c, &mut used);
            if coords.len() < 2 {
                break;
            }
            lines.push(LineString::new(coords));
        }
    }
    for i in 0..list.len() {
        if !used[i] {
            let coords = walk(list[i].a, &mut used);
            if coords.len() > 1 {
                lines.push(LineString::new(coords));
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn county(id: FeatureId, city: &str, geometry: geo::Polygon<f64>) -> Feature<County> {
        Feature {
            id,
            geometry: Geometry::Polygon(geometry),
            properties: County {
                province: "P".into(),
                city: city.into(),
                county: format!("county {id}"),
                label_point: [0.5, 0.5],
                population: 1000,
                area_km2: 1.0,
            },
        }
    }

    fn length(lines: &[LineString<f64>]) -> f64 {
        use geo::{Euclidean, Length};
        lines.iter().map(|l| Euclidean.length(l)).sum()
    }

    /// Three unit squares in a row: A and B in city X, C in city Y. The
    /// outline is the 3×1 rectangle (perimeter 8), the only city boundary
    /// is the edge between B and C (length 1), and A|B is no boundary.
    #[test]
    fn outline_and_city_lines_come_from_shared_edges() {
        let a = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)];
        let b = polygon![(x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0)];
        let c = polygon![(x: 2.0, y: 0.0), (x: 3.0, y: 0.0), (x: 3.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 0.0)];
        let b = derive(&[county(1, "X", a), county(2, "X", b), county(3, "Y", c)]);
        assert!((length(&b.outline) - 8.0).abs() < 1e-9, "{:?}", b.outline);
        assert!((length(&b.city_lines) - 1.0).abs() < 1e-9, "{:?}", b.city_lines);
        assert!(b.city_lines[0].0.iter().all(|c| (c.x - 2.0).abs() < 1e-9));
        assert_eq!(b.labels.len(), 3);
        assert_eq!(b.labels[2].city, "Y");
    }
}
