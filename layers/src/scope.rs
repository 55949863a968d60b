//! Data scope: the cities and counties a user is responsible for. A scoped
//! user sees, lists, tiles and acts only inside the union of those counties
//! (see `docs/security.md`, "Data scope").
//!
//! A [`ScopeSpec`] is what is stored with the user; a [`Scope`] is the spec
//! resolved against the `counties` layer: the county ids, their union area
//! and its bounding box. The rules:
//!
//! - a feature with a `county_id` property is in scope when its county is;
//! - any other feature (roads, gas pipes, disaster zones, counties...) when
//!   its geometry meets the area;
//! - an incident when its location lies in the area.
//!
//! Every check looks at boxes first (the scope's, then each county's), so a
//! feature far away costs four comparisons. A tile asks for a [`Window`]: the
//! area cut to the tile once, with which each feature is kept, dropped or
//! clipped to the scope's border.

use crate::catalog::Catalog;
use crate::collection::{Collection, Page};
use crate::feature::FeatureId;
use crate::filter::Filter;
pub use crate::model::ScopeSpec;
use crate::record::Value;
use geo::{
    BooleanOps, BoundingRect, Contains, Coord, Geometry, Intersects, LineString, MultiLineString, MultiPolygon,
    Polygon, Rect,
};
use std::borrow::Cow;
use std::ops::ControlFlow;

/// Why a spec cannot be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// No county has this city.
    #[error("the scope names the city {0:?}, and no county is in a city of that name")]
    UnknownCity(String),
    /// No county has this id.
    #[error("the scope names county {0}, and there is no county with that id")]
    UnknownCounty(u32),
}

/// One county of the scope: its boundary and the box round it.
#[derive(Debug, Clone)]
struct Part {
    bbox: Rect<f64>,
    shape: Polygon<f64>,
}

/// A [`ScopeSpec`] resolved against the `counties` layer.
#[derive(Debug, Clone)]
pub struct Scope {
    spec: ScopeSpec,
    counties: Vec<u32>,
    parts: Vec<Part>,
    area: MultiPolygon<f64>,
    bbox: Option<Rect<f64>>,
    key: u64,
}

/// FNV-1a over the county ids: the same scope gives the same key in every
/// run and on every replica.
fn key_of(counties: &[u32]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in counties.iter().flat_map(|c| c.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn polygons(geometry: &Geometry<f64>) -> Vec<Polygon<f64>> {
    match geometry {
        Geometry::Polygon(p) => vec![p.clone()],
        Geometry::MultiPolygon(mp) => mp.0.clone(),
        _ => Vec::new(),
    }
}

fn rects_meet(a: Rect<f64>, b: Rect<f64>) -> bool {
    a.min().x <= b.max().x && b.min().x <= a.max().x && a.min().y <= b.max().y && b.min().y <= a.max().y
}

fn intersection(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        Coord {
            x: a.min().x.max(b.min().x),
            y: a.min().y.max(b.min().y),
        },
        Coord {
            x: a.max().x.min(b.max().x),
            y: a.max().y.min(b.max().y),
        },
    )
}

/// The county a feature is in scope by: a county's own id, or the value of
/// a `county_id` field. `None`: it goes by its geometry.
fn county_of(layer: &str, id: FeatureId, values: &[(&'static str, Value<'_>)]) -> Option<u32> {
    if layer == "counties" {
        return u32::try_from(id).ok();
    }
    values
        .iter()
        .find(|(k, _)| *k == "county_id")
        .and_then(|(_, v)| match v {
            Value::Integer(i) => u32::try_from(*i).ok(),
            _ => None,
        })
}

fn is_points(geometry: &Geometry<f64>) -> bool {
    matches!(geometry, Geometry::Point(_) | Geometry::MultiPoint(_))
}

impl Scope {
    /// Resolves `spec`: every county of each named city (by the county's
    /// `city` property) and each named county (by id). A city or county
    /// the layer does not have is an error, never silently nothing.
    pub fn resolve(catalog: &Catalog, spec: &ScopeSpec) -> Result<Self, ScopeError> {
        let layer = catalog.counties.read();
        let mut counties = Vec::new();
        let mut shapes = Vec::new();
        for city in &spec.cities {
            let before = counties.len();
            for f in layer.features().iter().filter(|f| &f.properties.city == city) {
                counties.push(f.id as u32);
            }
            if counties.len() == before {
                return Err(ScopeError::UnknownCity(city.clone()));
            }
        }
        for id in &spec.counties {
            if layer.feature(u64::from(*id)).is_none() {
                return Err(ScopeError::UnknownCounty(*id));
            }
            counties.push(*id);
        }
        counties.sort_unstable();
        counties.dedup();
        let mut parts = Vec::new();
        for id in &counties {
            if let Some(f) = layer.feature(u64::from(*id)) {
                for shape in polygons(&f.geometry) {
                    if let Some(bbox) = shape.bounding_rect() {
                        parts.push(Part {
                            bbox,
                            shape: shape.clone(),
                        });
                        shapes.push(shape);
                    }
                }
            }
        }
        drop(layer);
        let area = geo::unary_union(shapes.iter());
        let bbox = parts.iter().map(|p| p.bbox).reduce(|a, b| {
            Rect::new(
                Coord {
                    x: a.min().x.min(b.min().x),
                    y: a.min().y.min(b.min().y),
                },
                Coord {
                    x: a.max().x.max(b.max().x),
                    y: a.max().y.max(b.max().y),
                },
            )
        });
        let mut spec = spec.clone();
        spec.cities.sort();
        spec.cities.dedup();
        spec.counties.sort_unstable();
        spec.counties.dedup();
        Ok(Self {
            key: key_of(&counties),
            spec,
            counties,
            parts,
            area,
            bbox,
        })
    }

    /// The spec, with its lists sorted and without repeats.
    pub fn spec(&self) -> &ScopeSpec {
        &self.spec
    }

    /// The county ids in scope, ascending.
    pub fn county_ids(&self) -> &[u32] {
        &self.counties
    }

    /// The union of the counties, lon/lat.
    pub fn area(&self) -> &MultiPolygon<f64> {
        &self.area
    }

    /// The box round the area (`None` for a scope of no county).
    pub fn bbox(&self) -> Option<Rect<f64>> {
        self.bbox
    }

    /// A stable key of the scope (from its county ids), for cache keys and
    /// entity tags: two specs naming the same counties share it.
    pub fn key(&self) -> u64 {
        self.key
    }

    /// Whether county `id` is in scope.
    pub fn has_county(&self, id: u32) -> bool {
        self.counties.binary_search(&id).is_ok()
    }

    /// Whether `c` lies in the area (on its border counts).
    pub fn contains_point(&self, c: Coord<f64>) -> bool {
        self.bbox.is_some_and(|b| b.intersects(&c))
            && self
                .parts
                .iter()
                .any(|p| p.bbox.intersects(&c) && (p.shape.contains(&c) || p.shape.intersects(&c)))
    }

    /// Whether `geometry` meets the area: boxes first, then a vertex inside
    /// (the common case, cheap), then the exact test.
    pub fn meets(&self, geometry: &Geometry<f64>) -> bool {
        let (Some(scope), Some(rect)) = (self.bbox, geometry.bounding_rect()) else {
            return false;
        };
        if !rects_meet(scope, rect) {
            return false;
        }
        let first = geo::CoordsIter::coords_iter(geometry).next();
        let near: Vec<&Part> = self.parts.iter().filter(|p| rects_meet(p.bbox, rect)).collect();
        if let Some(c) = first
            && near.iter().any(|p| p.bbox.intersects(&c) && p.shape.contains(&c))
        {
            return true;
        }
        near.iter().any(|p| p.shape.intersects(geometry))
    }

    /// Whether feature `id` of `layer` is in scope: a county by its id, a
    /// feature with a `county_id` by that, any other by its geometry.
    /// `values` are the feature's field values as [`Collection`] visitors
    /// receive them.
    ///
    /// (Counties go by id, not by geometry: the source boundaries of
    /// neighbours overlap in slivers, so "meets the area" would admit every
    /// neighbouring county.)
    pub fn admits(
        &self,
        layer: &str,
        id: FeatureId,
        geometry: &Geometry<f64>,
        values: &[(&'static str, Value<'_>)],
    ) -> bool {
        match county_of(layer, id, values) {
            Some(county) => self.has_county(county),
            None => self.meets(geometry),
        }
    }

    /// Whether feature `id` of `layer` exists and is in scope.
    pub fn admits_feature(&self, catalog: &Catalog, layer: &str, id: FeatureId) -> bool {
        catalog.read(layer).is_some_and(|c| self.admits_in(&*c, id))
    }

    /// Whether feature `id` of a collection already at hand exists and is in scope.
    pub fn admits_in(&self, c: &dyn Collection, id: FeatureId) -> bool {
        let layer = c.info().id;
        let mut admitted = false;
        c.visit_feature(id, &mut |id, geometry, values| {
            admitted = self.admits(layer, id, geometry, values);
            ControlFlow::Break(())
        });
        admitted
    }

    /// Like [`Collection::query`], of the features in scope only: those in
    /// `bbox` (if given; for lines and polygons their geometry, not only
    /// their box, must meet it) that pass `filter`, in id order, paged.
    pub fn query(
        &self,
        c: &dyn Collection,
        bbox: Option<Rect<f64>>,
        filter: &Filter,
        offset: usize,
        limit: usize,
    ) -> Page {
        let Some(scope) = self.bbox else { return Page::default() };
        let layer = c.info().id;
        let mut ids = Vec::new();
        let mut keep = |id: FeatureId, geometry: &Geometry<f64>, values: &[(&'static str, Value<'_>)]| {
            let in_box = bbox.is_none_or(|b| is_points(geometry) || geometry.intersects(&b));
            if in_box && self.admits(layer, id, geometry, values) {
                ids.push(id);
            }
            ControlFlow::Continue(())
        };
        // Features by county are found by their county, wherever their box
        // is; others can only be in scope inside the scope's box.
        let by_box = !c.fields().iter().any(|f| f.name == "county_id") && layer != "counties";
        match (bbox, by_box) {
            (Some(b), true) if !rects_meet(b, scope) => {}
            (Some(b), true) => c.visit_in_rect(intersection(b, scope), filter, &mut keep),
            (None, true) => c.visit_in_rect(scope, filter, &mut keep),
            (Some(b), false) => c.visit_in_rect(b, filter, &mut keep),
            (None, false) => c.visit_all(filter, &mut keep),
        }
        ids.sort_unstable();
        ids.dedup();
        let matched = ids.len();
        Page {
            ids: ids.into_iter().skip(offset).take(limit).collect(),
            matched,
        }
    }

    /// The area as seen through `rect` (a tile's buffered box): `None` if
    /// the scope does not reach into it; the tile then is empty.
    pub fn window(&self, rect: Rect<f64>) -> Option<Window<'_>> {
        if !self.bbox.is_some_and(|b| rects_meet(b, rect)) {
            return None;
        }
        // Wholly inside: no border line crosses the box, and its centre is in.
        let crossed = self.area.0.iter().any(|p| {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .any(|ring| ring.bounding_rect().is_some_and(|r| rects_meet(r, rect)) && ring.intersects(&rect))
        });
        if !crossed {
            return self.contains_point(rect.center()).then_some(Window {
                scope: self,
                local: None,
                bbox: Some(rect),
            });
        }
        let local = self.area.intersection(&rect.to_polygon());
        if local.0.is_empty() {
            return None;
        }
        let bbox = local.bounding_rect();
        Some(Window {
            scope: self,
            local: Some(local),
            bbox,
        })
    }
}

/// The scope cut to one tile's box ([`Scope::window`]).
#[derive(Debug)]
pub struct Window<'s> {
    scope: &'s Scope,
    /// The area inside the box; `None` when the box lies wholly inside it.
    local: Option<MultiPolygon<f64>>,
    bbox: Option<Rect<f64>>,
}

impl Window<'_> {
    /// Whether the whole box lies in the scope (nothing needs clipping).
    pub fn is_whole(&self) -> bool {
        self.local.is_none()
    }

    /// A feature as the scoped tile shows it: `None` if out of scope; as it
    /// is when it lies inside (or is a point of an in-scope county);
    /// otherwise its part inside the scope: lines clipped, polygons
    /// intersected with the area.
    pub fn cut<'g>(
        &self,
        layer: &str,
        id: FeatureId,
        geometry: &'g Geometry<f64>,
        values: &[(&'static str, Value<'_>)],
    ) -> Option<Cow<'g, Geometry<f64>>> {
        let by_county = county_of(layer, id, values);
        if by_county.is_some_and(|c| !self.scope.has_county(c)) {
            return None;
        }
        let Some(local) = &self.local else {
            // The box is inside the scope: whatever the tile shows of the
            // feature is inside too. A feature without a county is kept if it
            // meets the box (the tile's own clipping drops the rest).
            return Some(Cow::Borrowed(geometry));
        };
        if is_points(geometry) {
            if by_county.is_some() {
                return Some(Cow::Borrowed(geometry));
            }
            return match geometry {
                Geometry::Point(p) => self.scope.contains_point(p.0).then_some(Cow::Borrowed(geometry)),
                Geometry::MultiPoint(mp) => {
                    let inside: Vec<_> =
                        mp.0.iter()
                            .filter(|p| self.scope.contains_point(p.0))
                            .copied()
                            .collect();
                    if inside.is_empty() {
                        None
                    } else if inside.len() == mp.0.len() {
                        Some(Cow::Borrowed(geometry))
                    } else {
                        Some(Cow::Owned(Geometry::MultiPoint(inside.into())))
                    }
                }
                _ => None,
            };
        }
        let rect = geometry.bounding_rect()?;
        if !self.bbox.is_some_and(|b| rects_meet(b, rect)) {
            return None;
        }
        let clipped = match geometry {
            Geometry::LineString(l) => lines(local.clip(&MultiLineString::new(vec![l.clone()]), false)),
            Geometry::MultiLineString(ml) => lines(local.clip(ml, false)),
            Geometry::Polygon(p) => areas(local.intersection(p)),
            Geometry::MultiPolygon(mp) => areas(local.intersection(mp)),
            Geometry::Line(l) => lines(local.clip(&MultiLineString::new(vec![LineString::from(*l)]), false)),
            Geometry::Rect(r) => areas(local.intersection(&r.to_polygon())),
            Geometry::Triangle(t) => areas(local.intersection(&t.to_polygon())),
            _ => self.scope.meets(geometry).then(|| geometry.clone()),
        };
        clipped.map(Cow::Owned)
    }
}

fn lines(ml: MultiLineString<f64>) -> Option<Geometry<f64>> {
    let kept: Vec<LineString<f64>> = ml.0.into_iter().filter(|l| l.0.len() >= 2).collect();
    (!kept.is_empty()).then(|| Geometry::MultiLineString(MultiLineString::new(kept)))
}

fn areas(mp: MultiPolygon<f64>) -> Option<Geometry<f64>> {
    (!mp.0.is_empty()).then_some(Geometry::MultiPolygon(mp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::small_dataset;
    use geo::Area;
    use std::sync::OnceLock;

    fn catalog() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::new(small_dataset().clone()))
    }

    fn county(id: u32) -> ScopeSpec {
        ScopeSpec {
            cities: vec![],
            counties: vec![id],
        }
    }

    fn city(name: &str) -> ScopeSpec {
        ScopeSpec {
            cities: vec![name.into()],
            counties: vec![],
        }
    }

    #[test]
    fn a_city_resolves_to_its_counties_and_their_union() {
        let scope = Scope::resolve(catalog(), &city("太原市")).unwrap();
        let counties = catalog().counties.read();
        let expected: Vec<u32> = counties
            .features()
            .iter()
            .filter(|f| f.properties.city == "太原市")
            .map(|f| f.id as u32)
            .collect();
        assert_eq!(scope.county_ids(), expected);
        assert_eq!(expected.len(), 10);
        let sum: f64 = expected
            .iter()
            .map(|id| counties.feature(u64::from(*id)).unwrap().geometry.unsigned_area())
            .sum();
        let union = scope.area().unsigned_area();
        assert!(
            (union - sum).abs() < sum * 0.01,
            "union {union} vs sum of counties {sum}"
        );
        let label = counties.feature(u64::from(expected[0])).unwrap().properties.label_point;
        assert!(scope.contains_point(Coord {
            x: label[0],
            y: label[1]
        }));
    }

    #[test]
    fn unknown_cities_and_counties_are_errors() {
        assert_eq!(
            Scope::resolve(catalog(), &city("北京市")).unwrap_err(),
            ScopeError::UnknownCity("北京市".into())
        );
        assert_eq!(
            Scope::resolve(catalog(), &county(9999)).unwrap_err(),
            ScopeError::UnknownCounty(9999)
        );
    }

    #[test]
    fn the_key_is_the_same_for_the_same_counties() {
        let a = Scope::resolve(catalog(), &city("阳泉市")).unwrap();
        let b = Scope::resolve(
            catalog(),
            &ScopeSpec {
                cities: vec![],
                counties: a.county_ids().iter().rev().copied().collect(),
            },
        )
        .unwrap();
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), Scope::resolve(catalog(), &county(1)).unwrap().key());
    }

    #[test]
    fn features_with_a_county_are_in_scope_by_their_county() {
        let scope = Scope::resolve(catalog(), &county(1)).unwrap();
        let enterprises = catalog().enterprises.read();
        let (inside, outside): (Vec<_>, Vec<_>) =
            enterprises.features().iter().partition(|f| f.properties.county_id == 1);
        assert!(!inside.is_empty() && !outside.is_empty());
        for f in inside.iter().take(50) {
            assert!(scope.admits_feature(catalog(), "enterprises", f.id));
        }
        for f in outside.iter().take(500) {
            assert!(!scope.admits_feature(catalog(), "enterprises", f.id));
        }
    }

    #[test]
    fn roads_are_in_scope_when_they_meet_the_area() {
        let scope = Scope::resolve(catalog(), &county(1)).unwrap();
        let roads = catalog().roads.read();
        let mut kept = 0;
        for f in roads.features() {
            let exact = f.geometry.intersects(scope.area());
            assert_eq!(scope.meets(&f.geometry), exact, "road {}", f.id);
            kept += usize::from(exact);
        }
        assert!(kept > 0 && kept < roads.len());
    }

    #[test]
    fn a_tile_window_clips_lines_to_the_border_and_drops_what_is_outside() {
        let scope = Scope::resolve(catalog(), &county(1)).unwrap();
        let bbox = scope.bbox().unwrap();
        // A box round the whole county: the county's border runs through it.
        let window = scope.window(bbox).unwrap();
        assert!(!window.is_whole());
        let grown = Rect::new(
            Coord {
                x: bbox.min().x - 0.01,
                y: bbox.min().y - 0.01,
            },
            Coord {
                x: bbox.max().x + 0.01,
                y: bbox.max().y + 0.01,
            },
        )
        .to_polygon();
        let roads = catalog().roads.read();
        let mut clipped = 0;
        for f in roads.features() {
            match window.cut("roads", f.id, &f.geometry, &[]) {
                None => assert!(!f.geometry.intersects(scope.area()) || !f.geometry.intersects(&bbox)),
                Some(g) => {
                    for c in geo::CoordsIter::coords_iter(&*g) {
                        assert!(grown.contains(&c), "road {} leaves the county's box at {c:?}", f.id);
                    }
                    clipped += usize::from(matches!(g, Cow::Owned(_)));
                }
            }
        }
        assert!(clipped > 0);
        // Far away: no window at all.
        let far = Rect::new(Coord { x: 100.0, y: 20.0 }, Coord { x: 101.0, y: 21.0 });
        assert!(scope.window(far).is_none());
    }

    #[test]
    fn a_box_inside_the_scope_needs_no_clipping() {
        let scope = Scope::resolve(catalog(), &city("太原市")).unwrap();
        let counties = catalog().counties.read();
        let label = counties
            .feature(u64::from(scope.county_ids()[0]))
            .unwrap()
            .properties
            .label_point;
        let d = 0.001;
        let rect = Rect::new(
            Coord {
                x: label[0] - d,
                y: label[1] - d,
            },
            Coord {
                x: label[0] + d,
                y: label[1] + d,
            },
        );
        assert!(scope.window(rect).unwrap().is_whole());
    }

    #[test]
    fn an_empty_spec_sees_nothing() {
        let scope = Scope::resolve(catalog(), &ScopeSpec::default()).unwrap();
        assert!(scope.county_ids().is_empty());
        assert!(!scope.contains_point(Coord { x: 112.5, y: 37.8 }));
        assert!(
            scope
                .window(Rect::new(Coord { x: 110.0, y: 34.0 }, Coord { x: 115.0, y: 41.0 }))
                .is_none()
        );
    }
}
