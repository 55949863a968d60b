//! The geometry a new write brings: valid in the OGC sense, inside the
//! region, and sized to its layer. Refusals say what is wrong and where.
//!
//! Only new writes are checked ([`check`], called by the store when it plans a
//! feature change). Data already loaded or stored (the county boundaries, the
//! generated dataset, events replayed from the journal or another replica)
//! keeps the lighter check of [`crate::layer::check_geometry`], so that a
//! geometry accepted before these rules existed never stops a start.
//!
//! The limits, all explicit:
//!
//! | what | limit |
//! |---|---|
//! | every position | finite, inside [`REGION_MIN`]..[`REGION_MAX`] (the county boundaries' extent plus 0.5°) |
//! | vertices per feature | [`MAX_VERTICES`] (the largest county has 2,142) |
//! | polygons per multipolygon, rings per polygon | [`MAX_PARTS`], [`MAX_RINGS`] |
//! | polygon | OGC-valid: closed rings of ≥ 4 positions, no self-intersection, holes inside the shell, no ring crossing another, polygons of a multipolygon not overlapping; encloses some area |
//! | line | ≥ 2 distinct positions |
//! | size (bounding box, degrees) | [`max_span`]: counties 2° × 2°, disaster zones and roads the province (4.4° × 6.2°), gas pipes 0.5° × 0.5°, population cells 0.1° × 0.1°; points none |
//!
//! Closed rings and finite numbers are also required by the GeoJSON parser
//! (`feature.rs`), which sees the rings before [`geo::Polygon::new`] closes
//! them; they are checked here again for geometry built in code.

use crate::error::{Error, Result};
use crate::record::LayerInfo;
use geo::algorithm::Validation;
use geo::algorithm::line_intersection::{LineIntersection, line_intersection};
use geo::algorithm::validation::{InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::{
    Area, BoundingRect, Coord, CoordsIter, Geometry, Intersects, Line, LineString, MultiPolygon, Point, Polygon,
    RemoveRepeatedPoints,
};

/// South-west corner of the region a feature must lie in (lon, lat), until
/// [`set_region`] names the served region's: the extent of Shanxi's county
/// boundaries (110.23°, 34.58°) less about 0.5°.
pub const REGION_MIN: [f64; 2] = [109.7, 34.0];
/// North-east corner of the region (lon, lat): the counties' extent
/// (114.57°, 40.74°) plus about 0.5°.
pub const REGION_MAX: [f64; 2] = [115.1, 41.3];
/// The most vertices one feature may have (the largest county has 2,142;
/// the validity check is quadratic in them).
pub const MAX_VERTICES: usize = 5_000;
/// The most polygons in one multipolygon (a county has at most 4).
pub const MAX_PARTS: usize = 50;
/// The most rings (shell and holes) in one polygon.
pub const MAX_RINGS: usize = 50;

/// The province's own extent, degrees (width, height), rounded up.
const PROVINCE_SPAN: [f64; 2] = [4.4, 6.2];

/// The region features must lie in, and the widest a zone or road may be:
/// Shanxi's until [`set_region`] names the served region's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    /// South-west corner (lon, lat).
    pub min: [f64; 2],
    /// North-east corner (lon, lat).
    pub max: [f64; 2],
    /// The widest a disaster zone or road may span (lon, lat degrees).
    pub span: [f64; 2],
}

static EXTENT: parking_lot::RwLock<Extent> = parking_lot::RwLock::new(Extent {
    min: REGION_MIN,
    max: REGION_MAX,
    span: PROVINCE_SPAN,
});

/// The region features must lie in now.
pub fn extent() -> Extent {
    *EXTENT.read()
}

/// Takes the served region's extent from its counties' bounding box
/// (`[west, south, east, north]`): that box plus 0.5° on every side, and a
/// zone or road at most as wide as the box (rounded up to 0.1°). The server
/// calls it once its store is open; a process serves one region.
pub fn set_region(counties_box: [f64; 4]) {
    let [w, s, e, n] = counties_box;
    if !(w.is_finite() && s.is_finite() && e.is_finite() && n.is_finite() && w < e && s < n) {
        return;
    }
    let up = |x: f64| (x * 10.0).ceil() / 10.0;
    *EXTENT.write() = Extent {
        min: [w - 0.5, s - 0.5],
        max: [e + 0.5, n + 0.5],
        span: [up(e - w), up(n - s)],
    };
}

/// The largest bounding box (width, height in degrees) a feature of
/// `collection` may have; `None` for point layers and layers without a limit.
pub fn max_span(collection: &str) -> Option<[f64; 2]> {
    match collection {
        "counties" => Some([2.0, 2.0]),
        "disaster_zones" | "roads" => Some(extent().span),
        "gas_pipes" => Some([0.5, 0.5]),
        "population" => Some([0.1, 0.1]),
        _ => None,
    }
}

/// Checks the geometry of a new write to the layer `info`: kind, positions
/// inside the region, OGC validity, size. The error says what and where.
///
/// ```
/// use lookout_layers::model::County;
/// use lookout_layers::{Record, validity};
/// let bow_tie = geo::wkt!(POLYGON((112.0 37.0, 113.0 38.0, 113.0 37.0, 112.0 38.0, 112.0 37.0)));
/// let err = validity::check(County::INFO, &bow_tie.into()).unwrap_err();
/// assert!(err.to_string().contains("ring 0 self-intersects near [112.50000, 37.50000]"));
/// ```
pub fn check(info: LayerInfo, geometry: &Geometry<f64>) -> Result<()> {
    reason(info, geometry).map_err(|reason| Error::InvalidGeometry {
        collection: info.id,
        reason,
    })
}

fn reason(info: LayerInfo, geometry: &Geometry<f64>) -> Result<(), String> {
    if !info.geometry.admits(geometry) {
        return Err(format!("geometry must be a {}", info.geometry.geojson_name()));
    }
    let vertices = geometry.coords_count();
    if vertices > MAX_VERTICES {
        return Err(format!(
            "{vertices} positions; a feature may have at most {MAX_VERTICES}"
        ));
    }
    if let Some(c) = geometry.coords_iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
        return Err(format!("position [{}, {}] is not finite", c.x, c.y));
    }
    let region = extent();
    if let Some(c) = geometry.coords_iter().find(|c| !in_region(&region, *c)) {
        return Err(format!(
            "position {} is outside the region (longitude {}..{}, latitude {}..{}; RFC 7946 order: lon, lat)",
            at(c),
            region.min[0],
            region.max[0],
            region.min[1],
            region.max[1]
        ));
    }
    match geometry {
        Geometry::LineString(l) => check_line(l)?,
        Geometry::Polygon(p) => check_polygon(p)?,
        Geometry::MultiPolygon(mp) => check_multi_polygon(mp)?,
        _ => {}
    }
    if let (Some(limit), Some(rect)) = (max_span(info.id), geometry.bounding_rect()) {
        let (w, h) = (rect.width(), rect.height());
        if w > limit[0] || h > limit[1] {
            return Err(format!(
                "the geometry spans {w:.2}° × {h:.2}° (lon × lat); a {} feature may span at most {}° × {}°",
                info.id, limit[0], limit[1]
            ));
        }
    }
    Ok(())
}

fn in_region(region: &Extent, c: Coord<f64>) -> bool {
    (region.min[0]..=region.max[0]).contains(&c.x) && (region.min[1]..=region.max[1]).contains(&c.y)
}

/// A position as `[lon, lat]` to 5 decimals (about a metre), as in the data.
fn at(c: Coord<f64>) -> String {
    format!("[{:.5}, {:.5}]", c.x, c.y)
}

fn check_line(line: &LineString<f64>) -> Result<(), String> {
    if line.remove_repeated_points().0.len() < 2 {
        return Err("a line needs at least 2 distinct positions".into());
    }
    Ok(())
}

fn check_multi_polygon(mp: &MultiPolygon<f64>) -> Result<(), String> {
    if mp.0.len() > MAX_PARTS {
        return Err(format!(
            "{} polygons; a multipolygon may have at most {MAX_PARTS}",
            mp.0.len()
        ));
    }
    for (i, p) in mp.0.iter().enumerate() {
        check_polygon(p).map_err(|e| format!("polygon {i}: {e}"))?;
    }
    match mp.check_validation() {
        Ok(()) => Ok(()),
        Err(InvalidMultiPolygon::InvalidPolygon(i, e)) => Err(format!("polygon {}: {}", i.0, describe(&mp.0[i.0], &e))),
        Err(InvalidMultiPolygon::ElementsOverlaps(i, j)) => Err(format!(
            "polygons {} and {} overlap near {}",
            i.0,
            j.0,
            at(meeting(&mp.0[i.0], &mp.0[j.0]))
        )),
        Err(InvalidMultiPolygon::ElementsTouchOnALine(i, j)) => Err(format!(
            "polygons {} and {} share an edge near {}",
            i.0,
            j.0,
            at(meeting(&mp.0[i.0], &mp.0[j.0]))
        )),
    }
}

fn check_polygon(p: &Polygon<f64>) -> Result<(), String> {
    let rings = 1 + p.interiors().len();
    if rings > MAX_RINGS {
        return Err(format!("{rings} rings; a polygon may have at most {MAX_RINGS}"));
    }
    // Rings are closed by geo when the polygon is built; an open one can only
    // come from code that bypassed it.
    for (k, ring) in rings_of(p).enumerate() {
        if !ring.is_closed() {
            return Err(format!("ring {k} is not closed (its first and last positions differ)"));
        }
    }
    p.check_validation().map_err(|e| describe(p, &e))?;
    if p.exterior().coords_count() > 0 && Polygon::new(p.exterior().clone(), vec![]).unsigned_area() == 0.0 {
        return Err(format!(
            "ring 0 encloses no area (its positions are on one line) near {}",
            at(p.exterior().0[0])
        ));
    }
    Ok(())
}

/// The shell then the holes, numbered as in GeoJSON: ring 0 is the shell.
fn rings_of(p: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    std::iter::once(p.exterior()).chain(p.interiors())
}

fn ring(p: &Polygon<f64>, role: RingRole) -> (usize, &LineString<f64>) {
    match role {
        RingRole::Exterior => (0, p.exterior()),
        RingRole::Interior(i) => (i + 1, &p.interiors()[i]),
    }
}

fn first(ring: &LineString<f64>) -> Coord<f64> {
    ring.0.first().copied().unwrap_or(Coord {
        x: f64::NAN,
        y: f64::NAN,
    })
}

/// Says what is wrong with `p` and where, with rings numbered as in GeoJSON.
fn describe(p: &Polygon<f64>, e: &InvalidPolygon) -> String {
    match e {
        InvalidPolygon::TooFewPointsInRing(role) => {
            let (k, r) = ring(p, *role);
            format!(
                "ring {k} needs at least 4 positions (3 distinct, and the first repeated last), near {}",
                at(first(r))
            )
        }
        InvalidPolygon::SelfIntersection(role) => {
            let (k, r) = ring(p, *role);
            format!(
                "ring {k} self-intersects near {}",
                at(self_intersection(r).unwrap_or_else(|| first(r)))
            )
        }
        InvalidPolygon::NonFiniteCoord(role, i) => {
            let (k, _) = ring(p, *role);
            format!("ring {k} position {} is not finite", i.0)
        }
        InvalidPolygon::InteriorRingNotContainedInExteriorRing(role) => {
            let (k, r) = ring(p, *role);
            let shell = Polygon::new(p.exterior().clone(), vec![]);
            let outside = r
                .coords()
                .find(|c| !shell.intersects(&Point(**c)))
                .copied()
                .unwrap_or_else(|| first(r));
            format!(
                "ring {k} (a hole) is not inside ring 0 (the shell), near {}",
                at(outside)
            )
        }
        InvalidPolygon::IntersectingRingsOnALine(a, b) | InvalidPolygon::IntersectingRingsOnAnArea(a, b) => {
            let ((ka, ra), (kb, rb)) = (ring(p, *a), ring(p, *b));
            let how = if matches!(e, InvalidPolygon::IntersectingRingsOnALine(..)) {
                "share an edge"
            } else {
                "overlap"
            };
            format!(
                "rings {ka} and {kb} {how} near {}",
                at(crossing(ra, rb).unwrap_or_else(|| first(rb)))
            )
        }
    }
}

fn point_of(i: LineIntersection<f64>) -> Coord<f64> {
    match i {
        LineIntersection::SinglePoint { intersection, .. } => intersection,
        LineIntersection::Collinear { intersection } => intersection.start,
    }
}

/// Where a ring meets itself other than at the shared ends of neighbouring
/// segments: the same rule as geo's own check, which says only whether.
fn self_intersection(ring: &LineString<f64>) -> Option<Coord<f64>> {
    let lines: Vec<Line<f64>> = ring.lines().collect();
    lines.iter().enumerate().find_map(|(i, a)| {
        lines[i + 1..]
            .iter()
            .filter(|b| a.start != b.end && a.end != b.start)
            .find_map(|b| line_intersection(*a, *b))
            .map(point_of)
    })
}

/// The first place two rings meet.
fn crossing(a: &LineString<f64>, b: &LineString<f64>) -> Option<Coord<f64>> {
    a.lines()
        .find_map(|p| b.lines().find_map(|q| line_intersection(p, q)))
        .map(point_of)
}

/// A place where two polygons meet: where their shells cross, else (one
/// inside the other) the second one's first position.
fn meeting(a: &Polygon<f64>, b: &Polygon<f64>) -> Coord<f64> {
    crossing(a.exterior(), b.exterior()).unwrap_or_else(|| first(b.exterior()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::read_counties;
    use crate::model::{County, DisasterZone, Road, Shelter};
    use crate::record::Record;
    use geo::{LineString, Rect, polygon, wkt};
    use std::path::Path;

    fn refused(info: LayerInfo, g: impl Into<Geometry<f64>>) -> String {
        match check(info, &g.into()) {
            Err(Error::InvalidGeometry { reason, .. }) => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn square(x: f64, y: f64, side: f64) -> Polygon<f64> {
        Rect::new(
            Coord { x, y },
            Coord {
                x: x + side,
                y: y + side,
            },
        )
        .to_polygon()
    }

    #[test]
    fn a_valid_polygon_is_accepted() {
        check(DisasterZone::INFO, &square(112.5, 37.8, 0.1).into()).unwrap();
        let with_hole = Polygon::new(
            square(112.0, 37.0, 1.0).exterior().clone(),
            vec![square(112.2, 37.2, 0.2).exterior().clone()],
        );
        check(County::INFO, &with_hole.into()).unwrap();
        check(
            County::INFO,
            &MultiPolygon(vec![square(112.0, 37.0, 0.5), square(113.0, 37.0, 0.5)]).into(),
        )
        .unwrap();
    }

    #[test]
    fn a_bow_tie_is_refused_with_where_it_crosses() {
        let bow_tie = wkt!(POLYGON((112.0 37.0, 113.0 38.0, 113.0 37.0, 112.0 38.0, 112.0 37.0)));
        assert_eq!(
            refused(County::INFO, bow_tie.clone()),
            "ring 0 self-intersects near [112.50000, 37.50000]"
        );
        let multi = MultiPolygon(vec![square(110.5, 36.0, 0.5), bow_tie]);
        assert_eq!(
            refused(County::INFO, multi),
            "polygon 1: ring 0 self-intersects near [112.50000, 37.50000]"
        );
    }

    #[test]
    fn an_unclosed_ring_is_refused() {
        // geo closes rings when a polygon is built, so the GeoJSON parser is
        // what sees an open one, and refuses it.
        let open = serde_json::json!({"type": "Polygon", "coordinates": [[[112.0, 37.0], [113.0, 37.0], [113.0, 38.0], [112.0, 38.0]]]});
        let err = serde_json::from_value::<crate::feature::ParsedGeometry>(open).unwrap_err();
        assert!(err.to_string().contains("must be closed"), "{err}");
        // A ring of too few positions, built in code, is refused here.
        let thin = Polygon::new(LineString::from(vec![(112.0, 37.0), (113.0, 37.0)]), vec![]);
        assert!(refused(County::INFO, thin).starts_with("ring 0 needs at least 4 positions"));
    }

    #[test]
    fn a_hole_outside_its_shell_is_refused() {
        let p = Polygon::new(
            square(112.0, 37.0, 1.0).exterior().clone(),
            vec![square(113.5, 37.5, 0.2).exterior().clone()],
        );
        assert_eq!(
            refused(County::INFO, p),
            "ring 1 (a hole) is not inside ring 0 (the shell), near [113.70000, 37.50000]"
        );
    }

    #[test]
    fn crossing_rings_are_refused_with_where() {
        let p = Polygon::new(
            square(112.0, 37.0, 1.0).exterior().clone(),
            vec![
                square(112.2, 37.2, 0.4).exterior().clone(),
                square(112.4, 37.4, 0.4).exterior().clone(),
            ],
        );
        assert!(refused(County::INFO, p).starts_with("rings 1 and 2 overlap near ["));
    }

    #[test]
    fn a_nan_coordinate_is_refused() {
        let p = polygon![(x: 112.0, y: 37.0), (x: f64::NAN, y: 37.0), (x: 113.0, y: 38.0), (x: 112.0, y: 37.0)];
        assert_eq!(refused(County::INFO, p), "position [NaN, 37] is not finite");
        assert!(refused(Shelter::INFO, Point::new(112.0, f64::INFINITY)).contains("not finite"));
    }

    #[test]
    fn a_point_outside_the_region_is_refused() {
        for (x, y) in [(0.0, 0.0), (200.0, 95.0), (116.4, 39.9)] {
            let reason = refused(Shelter::INFO, Point::new(x, y));
            assert!(reason.contains("is outside the region"), "{reason}");
        }
        check(Shelter::INFO, &Point::new(112.55, 37.87).into()).unwrap();
    }

    #[test]
    fn polygons_are_sized_to_their_layer() {
        let big = square(110.0, 35.0, 3.0);
        assert!(refused(County::INFO, big.clone()).contains("may span at most 2° × 2°"));
        check(DisasterZone::INFO, &big.into()).unwrap();
        let flat = wkt!(POLYGON((112.0 37.0, 112.5 37.0, 113.0 37.0, 112.0 37.0)));
        assert!(refused(DisasterZone::INFO, flat).contains("encloses no area"));
    }

    #[test]
    fn lines_need_two_distinct_positions_and_points_are_not_lines() {
        let stub = LineString::from(vec![(112.0, 37.0), (112.0, 37.0)]);
        assert_eq!(refused(Road::INFO, stub), "a line needs at least 2 distinct positions");
        check(Road::INFO, &LineString::from(vec![(112.0, 37.0), (112.1, 37.1)]).into()).unwrap();
        assert_eq!(
            refused(Road::INFO, Point::new(112.0, 37.0)),
            "geometry must be a LineString"
        );
    }

    #[test]
    fn the_region_is_the_counties_extent_plus_half_a_degree() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/shanxi-counties.geojson");
        let counties = read_counties(&path).expect("data/shanxi-counties.geojson");
        let all = MultiPolygon(counties.iter().flat_map(|c| c.shape.0.clone()).collect());
        let rect = all.bounding_rect().expect("extent");
        let (min, max) = (rect.min(), rect.max());
        for (region, edge, outward) in [
            (REGION_MIN[0], min.x, -1.0),
            (REGION_MIN[1], min.y, -1.0),
            (REGION_MAX[0], max.x, 1.0),
            (REGION_MAX[1], max.y, 1.0),
        ] {
            let margin = (region - edge) * outward;
            assert!((0.45..=0.6).contains(&margin), "margin {margin} at {edge}");
        }
        assert!(rect.width() <= PROVINCE_SPAN[0] && rect.height() <= PROVINCE_SPAN[1]);
    }

    #[test]
    fn the_county_file_holds_invalid_polygons_which_only_new_writes_refuse() {
        // data/README.md: 24 of the 119 source polygons are not valid OGC
        // polygons. They load (Layer::new does not check); a new write of
        // the same shape would be refused.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/shanxi-counties.geojson");
        let counties = read_counties(&path).expect("data/shanxi-counties.geojson");
        let invalid = counties
            .iter()
            .filter(|c| check(County::INFO, &Geometry::MultiPolygon(c.shape.clone())).is_err())
            .count();
        assert_eq!(invalid, 24);
    }
}
