//! From lon/lat geometry to tile geometry: project into the tile's integer
//! grid, simplify to about half a pixel, clip to the tile plus its buffer,
//! drop what is degenerate, and wind polygon rings as MVT 2.1 asks.

use crate::grid::{MAX_LATITUDE, TileCoord};
use crate::mvt::TileGeometry;
use geo::{Coord, Geometry, LineString, Simplify};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{IntOverlayOptions, Overlay, ShapeType};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::core::solver::Solver;
use i_overlay::i_float::int::point::IntPoint;

/// How a tile's geometry is cut and generalised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileSpec {
    /// The tile.
    pub tile: TileCoord,
    /// Tile units per side (4096 by default).
    pub extent: u32,
    /// Units kept beyond each edge, so strokes and symbols join across tiles.
    pub buffer: u32,
    /// Douglas–Peucker tolerance in tile units (about half a pixel: 4 at extent 4096 for 512-px tiles).
    pub tolerance: f64,
    /// Polygons smaller than this many square units are dropped.
    pub min_area: f64,
    /// Whether polygons are rebuilt so that every one is valid by OGC rules
    /// (the default). `false` keeps the plain clip's rings, which may touch
    /// or cross themselves: only for measuring what validity costs.
    pub valid: bool,
}

impl TileSpec {
    /// The defaults: extent 4096, buffer 64, half-pixel tolerance, drop below one pixel.
    pub fn new(tile: TileCoord) -> Self {
        Self {
            tile,
            extent: 4096,
            buffer: 64,
            tolerance: 4.0,
            min_area: 64.0,
            valid: true,
        }
    }

    /// Projects lon/lat (degrees) into this tile's units (y down), as floats.
    pub fn project(&self, c: Coord<f64>) -> Coord<f64> {
        let w = world(c);
        let scale = self.scale();
        self.local(Coord {
            x: w.x * scale,
            y: w.y * scale,
        })
    }

    /// Tile units per unit of the world square at this tile's zoom.
    pub(crate) fn scale(&self) -> f64 {
        f64::from(self.extent) * (1u64 << self.tile.z) as f64
    }

    /// A point of the zoom's whole grid (world × [`Self::scale`]) in this
    /// tile's units: the same subtraction [`Self::project`] makes, so a point
    /// projected once for the zoom lands exactly where it would directly.
    pub(crate) fn local(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: c.x - f64::from(self.tile.x) * f64::from(self.extent),
            y: c.y - f64::from(self.tile.y) * f64::from(self.extent),
        }
    }

    /// The lon/lat box of the tile plus its buffer: what to ask the index for.
    /// The buffer is added in the tile's own (Mercator) units, so the box
    /// holds exactly what clipping keeps.
    pub fn query_bounds(&self) -> (f64, f64, f64, f64) {
        let n = (1u64 << self.tile.z) as f64;
        let pad = f64::from(self.buffer) / f64::from(self.extent);
        let lon = |x: f64| (x / n * 360.0 - 180.0).clamp(-180.0, 180.0);
        let lat = |y: f64| (std::f64::consts::PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
        let (x, y) = (f64::from(self.tile.x), f64::from(self.tile.y));
        (lon(x - pad), lat(y + 1.0 + pad), lon(x + 1.0 + pad), lat(y - pad))
    }

    /// The tile plus its buffer, in tile units.
    pub(crate) fn clip_box(&self) -> ClipBox {
        let (lo, hi) = (-f64::from(self.buffer), f64::from(self.extent + self.buffer));
        ClipBox {
            x0: lo,
            y0: lo,
            x1: hi,
            y1: hi,
        }
    }

    /// The tile geometry of `geometry`, or `None` if nothing of it is left.
    pub fn encode(&self, geometry: &Geometry<f64>) -> Option<TileGeometry> {
        let g = match geometry {
            Geometry::Point(p) => self.points(std::iter::once(p.0)),
            Geometry::MultiPoint(mp) => self.points(mp.0.iter().map(|p| p.0)),
            Geometry::LineString(l) => self.lines(std::iter::once(l)),
            Geometry::MultiLineString(ml) => self.lines(ml.0.iter()),
            Geometry::Polygon(p) => self.polygons(std::iter::once(p)),
            Geometry::MultiPolygon(mp) => self.polygons(mp.0.iter()),
            _ => return None,
        };
        (!g.is_empty()).then_some(g)
    }

    /// One lon/lat point in this tile's units, or `None` outside the tile
    /// plus its buffer: the point [`Self::encode`] keeps of a `Point`,
    /// without building a geometry (the hot path of point layers).
    pub fn point(&self, c: Coord<f64>) -> Option<[i32; 2]> {
        let p = self.project(c);
        self.clip_box().contains(p).then(|| round(p))
    }

    fn points(&self, points: impl Iterator<Item = Coord<f64>>) -> TileGeometry {
        let b = self.clip_box();
        TileGeometry::Points(
            points
                .map(|c| self.project(c))
                .filter(|c| b.contains(*c))
                .map(round)
                .collect(),
        )
    }

    fn projected(&self, line: &LineString<f64>) -> LineString<f64> {
        let projected: LineString<f64> = line.0.iter().map(|c| self.project(*c)).collect();
        if self.tolerance > 0.0 {
            projected.simplify(self.tolerance)
        } else {
            projected
        }
    }

    fn lines<'a>(&self, lines: impl Iterator<Item = &'a LineString<f64>>) -> TileGeometry {
        self.clipped_lines(lines.map(|l| self.projected(l).0))
    }

    /// Lines already in tile units (and simplified) into the tile: clipped
    /// to the tile plus its buffer, snapped to the grid.
    pub(crate) fn clipped_lines(&self, lines: impl Iterator<Item = Vec<Coord<f64>>>) -> TileGeometry {
        let b = self.clip_box();
        let mut out = Vec::new();
        for line in lines {
            for piece in clip_line(&line, b) {
                let piece = dedup(piece.into_iter().map(round));
                if piece.len() >= 2 {
                    out.push(piece);
                }
            }
        }
        TileGeometry::Lines(out)
    }

    /// Polygons are cut with the cheap Sutherland–Hodgman clip first (it
    /// only ever removes points), then snapped to the grid and rebuilt by
    /// an integer overlay (`i_overlay`, the engine behind geo's boolean
    /// operations) under the positive fill rule with OGC extraction. The
    /// overlay removes what the clip, the simplification and the snapping
    /// leave behind: zero-width bridges along the clip edge, rings that
    /// cross or touch themselves, parts that overlap. Every polygon out of
    /// here is valid by OGC rules on the integer grid, as `ST_AsMVTGeom`'s
    /// are; the overlay also makes a source polygon that is itself invalid
    /// valid in the tile.
    fn polygons<'a>(&self, polygons: impl Iterator<Item = &'a geo::Polygon<f64>>) -> TileGeometry {
        self.clipped_polygons(polygons.map(|polygon| {
            std::iter::once(polygon.exterior())
                .chain(polygon.interiors())
                .map(|ring| {
                    let mut open = self.projected(ring).0;
                    open.pop(); // the closing point; clipping works on open rings
                    open
                })
        }))
    }

    /// Polygons already in tile units (and simplified; each ring open, the
    /// exterior first) into the tile: clipped, snapped, rebuilt valid.
    pub(crate) fn clipped_polygons<R>(&self, polygons: impl Iterator<Item = R>) -> TileGeometry
    where
        R: Iterator<Item = Vec<Coord<f64>>>,
    {
        let b = self.clip_box();
        // Per polygon, its clipped and snapped rings: the exterior first,
        // wound positive, holes negative, whatever the source's winding was.
        let mut parts: Vec<Vec<Vec<[i32; 2]>>> = Vec::new();
        for polygon in polygons {
            let mut rings = Vec::new();
            for (n, open) in polygon.enumerate() {
                let clipped = clip_ring(&open, b);
                let mut ring = dedup(clipped.into_iter().map(round));
                while ring.len() > 1 && ring.first() == ring.last() {
                    ring.pop();
                }
                if ring.len() < 3 {
                    if n == 0 {
                        break; // no exterior, no polygon
                    }
                    continue;
                }
                if (n == 0) != (signed_area(&ring) > 0.0) {
                    ring.reverse();
                }
                rings.push(ring);
            }
            if !rings.is_empty() {
                parts.push(rings);
            }
        }
        if !self.valid {
            return TileGeometry::Polygons(parts.into_iter().filter_map(|rings| self.sized(rings)).collect());
        }
        if parts.is_empty() {
            return TileGeometry::Polygons(Vec::new());
        }
        // Inside a big polygon (most county tiles at high zoom) the clip
        // leaves the whole buffered tile: the overlay's answer for that
        // ring, as the ring came, is kept and given again.
        let whole = match parts.as_slice() {
            [rings] => match rings.as_slice() {
                [ring] if self.is_whole_tile(ring) => Some(ring.clone()),
                _ => None,
            },
            _ => None,
        };
        if let Some(ring) = &whole
            && let Some(g) = WHOLE_TILE.with_borrow(|known| {
                known
                    .iter()
                    .find(|(r, area, _)| r == ring && *area == self.min_area.to_bits())
                    .map(|(_, _, g)| g.clone())
            })
        {
            return g;
        }
        let g = self.rebuilt(parts);
        if let Some(ring) = whole {
            WHOLE_TILE.with_borrow_mut(|known| known.push((ring, self.min_area.to_bits(), g.clone())));
        }
        g
    }

    /// Whether `ring` is the four corners of the buffered tile.
    fn is_whole_tile(&self, ring: &[[i32; 2]]) -> bool {
        let (lo, hi) = (-(self.buffer as i32), (self.extent + self.buffer) as i32);
        ring.len() == 4
            && ring
                .iter()
                .all(|p| (p[0] == lo || p[0] == hi) && (p[1] == lo || p[1] == hi))
            && ring.iter().enumerate().all(|(i, p)| !ring[..i].contains(p))
    }

    /// Clipped and snapped polygons rebuilt valid by the integer overlay.
    fn rebuilt(&self, parts: Vec<Vec<Vec<[i32; 2]>>>) -> TileGeometry {
        // The positive fill rule keeps what an exterior encloses less its
        // holes, drops a hole's part outside its exterior, and drops the
        // inverted loops that simplification or snapping fold into a ring.
        let mut overlay = Overlay::new_custom(64, IntOverlayOptions::ogc(), Solver::default());
        for ring in parts.iter().flatten() {
            overlay.add_path_iter(ring.iter().map(|p| IntPoint::new(p[0], p[1])), ShapeType::Subject);
        }
        let shapes = overlay.overlay(OverlayRule::Subject, FillRule::Positive);
        TileGeometry::Polygons(
            shapes
                .into_iter()
                .filter_map(|shape| {
                    self.sized(
                        shape
                            .into_iter()
                            .map(|contour| contour.into_iter().map(|p| [p.x, p.y]).collect())
                            .collect(),
                    )
                })
                .collect(),
        )
    }

    /// A polygon's rings (the exterior first) without those under
    /// `min_area` (no polygon at all if its exterior is), wound as MVT 2.1
    /// asks: the exterior with positive area in y-down tile space (clockwise
    /// on screen), holes negative.
    fn sized(&self, rings: Vec<Vec<[i32; 2]>>) -> Option<Vec<Vec<[i32; 2]>>> {
        let mut out = Vec::with_capacity(rings.len());
        for (n, mut ring) in rings.into_iter().enumerate() {
            let area = signed_area(&ring);
            if ring.len() < 3 || area.abs() < self.min_area {
                if n == 0 {
                    return None;
                }
                continue; // dropping a hole keeps the polygon valid
            }
            if (n == 0) != (area > 0.0) {
                ring.reverse();
            }
            out.push(ring);
        }
        Some(out)
    }
}

/// A whole-tile ring, the bits of the smallest area kept, the tile geometry made of it.
type WholeTile = (Vec<[i32; 2]>, u64, TileGeometry);

thread_local! {
    /// What [`TileSpec::rebuilt`] made of a ring that is the whole buffered
    /// tile, by the ring as it came and the smallest area kept (a handful:
    /// the ring's first corner and direction, the tile's extent and buffer).
    static WHOLE_TILE: std::cell::RefCell<Vec<WholeTile>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Web Mercator position of lon/lat (degrees) in the unit square (x east,
/// y south): what [`TileSpec::project`] scales to a zoom.
pub(crate) fn world(c: Coord<f64>) -> Coord<f64> {
    let lat = c.y.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    Coord {
        x: (c.x + 180.0) / 360.0,
        y: (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0,
    }
}

fn round(c: Coord<f64>) -> [i32; 2] {
    [c.x.round() as i32, c.y.round() as i32]
}

fn dedup(points: impl Iterator<Item = [i32; 2]>) -> Vec<[i32; 2]> {
    let mut out: Vec<[i32; 2]> = Vec::new();
    for p in points {
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    out
}

/// Twice the signed area by the surveyor's formula (positive = clockwise with y down).
pub fn signed_area(ring: &[[i32; 2]]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            f64::from(a[0]) * f64::from(b[1]) - f64::from(b[0]) * f64::from(a[1])
        })
        .sum::<f64>()
        / 2.0
}

/// An axis-aligned box to clip to: `x0..=x1` × `y0..=y1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ClipBox {
    pub(crate) x0: f64,
    pub(crate) y0: f64,
    pub(crate) x1: f64,
    pub(crate) y1: f64,
}

impl ClipBox {
    fn contains(&self, c: Coord<f64>) -> bool {
        (self.x0..=self.x1).contains(&c.x) && (self.y0..=self.y1).contains(&c.y)
    }
}

/// Clips a polyline to a box, splitting it where it leaves and re-enters.
pub(crate) fn clip_line(line: &[Coord<f64>], b: ClipBox) -> Vec<Vec<Coord<f64>>> {
    let mut pieces = Vec::new();
    let mut current: Vec<Coord<f64>> = Vec::new();
    for w in line.windows(2) {
        match clip_segment(w[0], w[1], b) {
            Some((a, b)) => {
                if current.last() != Some(&a) {
                    if current.len() >= 2 {
                        pieces.push(std::mem::take(&mut current));
                    }
                    current = vec![a];
                }
                current.push(b);
                if b != w[1] {
                    pieces.push(std::mem::take(&mut current));
                }
            }
            None => {
                if current.len() >= 2 {
                    pieces.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        pieces.push(current);
    }
    pieces
}

/// Liang–Barsky clipping of one segment to a box.
fn clip_segment(a: Coord<f64>, b: Coord<f64>, bx: ClipBox) -> Option<(Coord<f64>, Coord<f64>)> {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.x - bx.x0),
        (dx, bx.x1 - a.x),
        (-dy, a.y - bx.y0),
        (dy, bx.y1 - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
            if t0 > t1 {
                return None;
            }
        }
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            Coord {
                x: a.x + t * dx,
                y: a.y + t * dy,
            }
        }
    };
    Some((at(t0), at(t1)))
}

/// Sutherland–Hodgman clipping of an open ring to a box.
pub(crate) fn clip_ring(ring: &[Coord<f64>], b: ClipBox) -> Vec<Coord<f64>> {
    type Inside = fn(Coord<f64>, f64) -> bool;
    type Cross = fn(Coord<f64>, Coord<f64>, f64) -> Coord<f64>;
    let cross_x: Cross = |a, b, x| Coord {
        x,
        y: a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x),
    };
    let cross_y: Cross = |a, b, y| Coord {
        x: a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y),
        y,
    };
    let edges: [(Inside, Cross, f64); 4] = [
        (|c, v| c.x >= v, cross_x, b.x0),
        (|c, v| c.x <= v, cross_x, b.x1),
        (|c, v| c.y >= v, cross_y, b.y0),
        (|c, v| c.y <= v, cross_y, b.y1),
    ];
    let mut points = ring.to_vec();
    for (inside, cross, v) in edges {
        if points.is_empty() {
            break;
        }
        let input = std::mem::take(&mut points);
        let mut prev = input[input.len() - 1];
        for &cur in &input {
            match (inside(cur, v), inside(prev, v)) {
                (true, true) => points.push(cur),
                (true, false) => {
                    points.push(cross(prev, cur, v));
                    points.push(cur);
                }
                (false, true) => points.push(cross(prev, cur, v)),
                (false, false) => {}
            }
            prev = cur;
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Point, Polygon};

    fn spec() -> TileSpec {
        TileSpec::new(TileCoord::at(112.55, 37.85, 10).unwrap())
    }

    #[test]
    fn the_tile_corners_project_to_the_extent() {
        let s = spec();
        let (w, south, e, n) = s.tile.bounds();
        let nw = s.project(Coord { x: w, y: n });
        let se = s.project(Coord { x: e, y: south });
        assert!(nw.x.abs() < 1e-6 && nw.y.abs() < 1e-6, "{nw:?}");
        assert!((se.x - 4096.0).abs() < 1e-6 && (se.y - 4096.0).abs() < 1e-6, "{se:?}");
    }

    #[test]
    fn a_whole_tile_is_what_the_overlay_makes_of_it_every_time() {
        let s = spec();
        let (lo, hi) = (-64, 4096 + 64);
        let corners = [[lo, lo], [hi, lo], [hi, hi], [lo, hi]];
        for start in 0..4 {
            let ring: Vec<[i32; 2]> = (0..4).map(|i| corners[(start + i) % 4]).collect();
            let direct = s.rebuilt(vec![vec![ring.clone()]]);
            assert!(
                matches!(&direct, TileGeometry::Polygons(p) if p.len() == 1),
                "{direct:?}"
            );
            for _ in 0..2 {
                let open = ring.iter().map(|p| Coord {
                    x: f64::from(p[0]),
                    y: f64::from(p[1]),
                });
                let g = s.clipped_polygons(std::iter::once(std::iter::once(open.collect::<Vec<_>>())));
                assert_eq!(g, direct);
            }
        }
    }

    #[test]
    fn a_point_lands_where_its_geometry_does() {
        let s = spec();
        let (w, south, e, n) = s.query_bounds();
        let (dx, dy) = (e - w, n - south);
        for i in 0..=40 {
            for j in 0..=40 {
                // From beyond one side of the buffered tile to beyond the other, edges included.
                let c = Coord {
                    x: w + dx * (f64::from(i) / 36.0 - 0.05),
                    y: south + dy * (f64::from(j) / 36.0 - 0.05),
                };
                let whole = s.encode(&Geometry::Point(geo::Point(c)));
                assert_eq!(s.point(c).map(|p| TileGeometry::Points(vec![p])), whole, "{c:?}");
            }
        }
    }

    #[test]
    fn clipping_keeps_coords_within_tile_plus_buffer() {
        let s = spec();
        let (w, south, e, n) = s.tile.bounds();
        let (cx, cy, dx, dy) = ((w + e) / 2.0, (south + n) / 2.0, e - w, n - south);
        // A line and a square that run far past every edge.
        let line = LineString::from(vec![
            (cx - 3.0 * dx, cy),
            (cx, cy + 0.1 * dy),
            (cx + 3.0 * dx, cy - 2.0 * dy),
        ]);
        let square = Polygon::new(
            LineString::from(vec![
                (cx - 2.0 * dx, cy - 2.0 * dy),
                (cx + 2.0 * dx, cy - 2.0 * dy),
                (cx + 2.0 * dx, cy + 2.0 * dy),
                (cx - 2.0 * dx, cy + 2.0 * dy),
                (cx - 2.0 * dx, cy - 2.0 * dy),
            ]),
            vec![],
        );
        for g in [Geometry::LineString(line), Geometry::Polygon(square)] {
            let tile = s.encode(&g).expect("something is left");
            let coords: Vec<[i32; 2]> = match tile {
                TileGeometry::Lines(l) => l.concat(),
                TileGeometry::Polygons(p) => p.concat().concat(),
                TileGeometry::Points(p) => p,
            };
            assert!(
                coords
                    .iter()
                    .all(|c| (-64..=4160).contains(&c[0]) && (-64..=4160).contains(&c[1])),
                "{coords:?}"
            );
        }
    }

    #[test]
    fn a_square_covering_the_tile_becomes_the_buffered_tile_wound_clockwise() {
        let s = spec();
        let (w, south, e, n) = s.tile.bounds();
        let big = Polygon::new(
            LineString::from(vec![
                (w - 1.0, south - 1.0),
                (e + 1.0, south - 1.0),
                (e + 1.0, n + 1.0),
                (w - 1.0, n + 1.0),
                (w - 1.0, south - 1.0),
            ]),
            vec![],
        );
        let Some(TileGeometry::Polygons(p)) = s.encode(&Geometry::Polygon(big)) else {
            panic!("polygon expected")
        };
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].len(), 1);
        let ring = &p[0][0];
        assert_eq!(ring.len(), 4);
        assert!(
            signed_area(ring) > 0.0,
            "exterior must have positive area (clockwise, y down)"
        );
        assert_eq!(signed_area(ring), 4224.0 * 4224.0);
    }

    #[test]
    fn holes_wind_the_other_way_and_tiny_polygons_are_dropped() {
        let s = spec();
        let (w, south, e, n) = s.tile.bounds();
        let (dx, dy) = (e - w, n - south);
        let at = |fx: f64, fy: f64| (w + fx * dx, south + fy * dy);
        let with_hole = Polygon::new(
            LineString::from(vec![
                at(0.1, 0.1),
                at(0.9, 0.1),
                at(0.9, 0.9),
                at(0.1, 0.9),
                at(0.1, 0.1),
            ]),
            vec![LineString::from(vec![
                at(0.4, 0.4),
                at(0.6, 0.4),
                at(0.6, 0.6),
                at(0.4, 0.6),
                at(0.4, 0.4),
            ])],
        );
        let Some(TileGeometry::Polygons(p)) = s.encode(&Geometry::Polygon(with_hole)) else {
            panic!()
        };
        assert!(signed_area(&p[0][0]) > 0.0);
        assert!(signed_area(&p[0][1]) < 0.0);
        let speck = Polygon::new(
            LineString::from(vec![at(0.5, 0.5), at(0.5001, 0.5), at(0.5001, 0.5001), at(0.5, 0.5)]),
            vec![],
        );
        assert_eq!(s.encode(&Geometry::Polygon(speck)), None);
    }

    /// The tile's polygons as geo polygons, for geo's own OGC validity check.
    fn as_geo(tile: &TileGeometry) -> geo::MultiPolygon<f64> {
        let TileGeometry::Polygons(polygons) = tile else {
            panic!("polygons expected, got {tile:?}")
        };
        let ring = |r: &Vec<[i32; 2]>| {
            LineString::from(r.iter().map(|p| (f64::from(p[0]), f64::from(p[1]))).collect::<Vec<_>>())
        };
        geo::MultiPolygon(
            polygons
                .iter()
                .map(|rings| Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect()))
                .collect(),
        )
    }

    fn assert_valid(tile: &TileGeometry) {
        use geo::Validation;
        let mp = as_geo(tile);
        let problems = mp.validation_errors();
        assert!(problems.is_empty(), "{problems:?} in {tile:?}");
        let TileGeometry::Polygons(polygons) = tile else {
            unreachable!()
        };
        for rings in polygons {
            assert!(signed_area(&rings[0]) > 0.0, "exterior winds clockwise on screen");
            for hole in &rings[1..] {
                assert!(signed_area(hole) < 0.0, "holes wind the other way");
            }
        }
    }

    #[test]
    fn a_comb_cut_by_the_tile_edge_stays_valid() {
        // A comb whose back lies beyond the tile's north edge and whose
        // teeth reach into it: Sutherland–Hodgman alone keeps the teeth
        // joined by zero-width edges along the clip line, a ring that runs
        // over itself (shapely: "Self-intersection"). Valid, they are four
        // polygons.
        let s = spec();
        let tile = s
            .encode(&Geometry::Polygon(comb(&s)))
            .expect("the teeth are in the tile");
        assert_valid(&tile);
        let TileGeometry::Polygons(p) = &tile else {
            unreachable!()
        };
        assert_eq!(p.len(), 4, "one polygon per tooth: {p:?}");
    }

    /// Four teeth from 0.3 to 0.9 of the tile's width reaching down to half
    /// its height, joined by a back from 1.2 to 1.4 tile heights north.
    fn comb(s: &TileSpec) -> Polygon<f64> {
        let (w, south, e, n) = s.tile.bounds();
        let (dx, dy) = (e - w, n - south);
        let at = |fx: f64, fy: f64| (w + fx * dx, south + fy * dy);
        let mut ring = vec![at(0.2, 1.4), at(0.2, 1.2)];
        for tooth in 0..4 {
            let x = 0.2 + 0.2 * f64::from(tooth);
            ring.extend([at(x, 1.2), at(x, 0.5), at(x + 0.1, 0.5), at(x + 0.1, 1.2)]);
        }
        ring.extend([at(0.9, 1.2), at(0.9, 1.4), at(0.2, 1.4)]);
        ring.dedup();
        Polygon::new(LineString::from(ring), vec![])
    }

    #[test]
    fn without_the_rebuild_the_comb_is_invalid() {
        // What the rebuild is for (and that the comb test can fail).
        use geo::Validation;
        let plain = TileSpec { valid: false, ..spec() };
        let tile = plain.encode(&Geometry::Polygon(comb(&plain))).expect("kept");
        assert!(!as_geo(&tile).is_valid(), "{tile:?}");
    }

    #[test]
    fn a_bow_tie_from_the_source_becomes_a_valid_triangle() {
        let s = spec();
        let (w, south, e, n) = s.tile.bounds();
        let (dx, dy) = (e - w, n - south);
        let at = |fx: f64, fy: f64| (w + fx * dx, south + fy * dy);
        let bow_tie = Polygon::new(
            LineString::from(vec![
                at(0.1, 0.1),
                at(0.9, 0.9),
                at(0.9, 0.1),
                at(0.1, 0.9),
                at(0.1, 0.1),
            ]),
            vec![],
        );
        // Its two loops wind opposite ways: the inverted one is dropped, as
        // a loop folded over by simplification would be.
        let tile = s.encode(&Geometry::Polygon(bow_tie)).expect("kept");
        assert_valid(&tile);
        let TileGeometry::Polygons(p) = &tile else {
            unreachable!()
        };
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].len(), 1, "{p:?}");
    }

    #[test]
    fn overlapping_parts_of_a_multipolygon_are_merged() {
        let s = spec();
        let (w, south, e, n) = s.tile.bounds();
        let (dx, dy) = (e - w, n - south);
        let at = |fx: f64, fy: f64| (w + fx * dx, south + fy * dy);
        let square = |x0: f64, y0: f64, size: f64| {
            Polygon::new(
                LineString::from(vec![
                    at(x0, y0),
                    at(x0 + size, y0),
                    at(x0 + size, y0 + size),
                    at(x0, y0 + size),
                    at(x0, y0),
                ]),
                vec![],
            )
        };
        let mp = geo::MultiPolygon(vec![square(0.1, 0.1, 0.5), square(0.4, 0.4, 0.5)]);
        let tile = s.encode(&Geometry::MultiPolygon(mp)).expect("kept");
        assert_valid(&tile);
        let TileGeometry::Polygons(p) = &tile else {
            unreachable!()
        };
        assert_eq!(p.len(), 1);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]
        /// Star-shaped rings with jagged, spiky edges (the kind simplification
        /// and snapping fold over), with and without a hole, at zooms where
        /// they are many tiles wide or a few pixels: every tile's polygons
        /// are valid.
        #[test]
        fn every_polygon_in_every_tile_is_valid(
            radii in proptest::collection::vec(0.05f64..1.0, 8..120),
            z in 6u8..16,
            hole in proptest::bool::ANY,
        ) {
            let (cx, cy) = (112.55, 37.85);
            let size = 0.4;
            let k = radii.len();
            let star = |scale: f64, reverse: bool| {
                let mut pts: Vec<(f64, f64)> = radii
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let a = std::f64::consts::TAU * i as f64 / k as f64;
                        (cx + scale * size * r * a.cos(), cy + scale * size * r * a.sin())
                    })
                    .collect();
                if reverse {
                    pts.reverse();
                }
                pts.push(pts[0]);
                LineString::from(pts)
            };
            let interiors = if hole { vec![star(0.3, true)] } else { vec![] };
            let polygon = Polygon::new(star(1.0, false), interiors);
            let centre = TileCoord::at(cx, cy, z).unwrap();
            for (ox, oy) in [(0i64, 0i64), (1, 0), (0, 1), (-1, -1), (2, 1)] {
                let (x, y) = (i64::from(centre.x) + ox, i64::from(centre.y) + oy);
                let Ok(tile) = TileCoord::new(z, x as u32, y as u32) else { continue };
                if let Some(g) = TileSpec::new(tile).encode(&Geometry::Polygon(polygon.clone())) {
                    assert_valid(&g);
                }
            }
        }
    }

    #[test]
    fn points_outside_the_buffer_are_left_out() {
        let s = spec();
        let (w, south, e, n) = s.tile.bounds();
        assert!(
            s.encode(&Geometry::Point(Point::new((w + e) / 2.0, (south + n) / 2.0)))
                .is_some()
        );
        assert!(s.encode(&Geometry::Point(Point::new(e + (e - w), n))).is_none());
    }

    #[test]
    fn a_line_that_leaves_and_comes_back_is_split() {
        let pieces = clip_line(
            &[
                Coord { x: 10.0, y: 10.0 },
                Coord { x: 200.0, y: 10.0 },
                Coord { x: 200.0, y: 20.0 },
                Coord { x: 10.0, y: 20.0 },
            ],
            ClipBox {
                x0: 0.0,
                y0: 0.0,
                x1: 100.0,
                y1: 100.0,
            },
        );
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0], vec![Coord { x: 10.0, y: 10.0 }, Coord { x: 100.0, y: 10.0 }]);
        assert_eq!(pieces[1], vec![Coord { x: 100.0, y: 20.0 }, Coord { x: 10.0, y: 20.0 }]);
    }
}
