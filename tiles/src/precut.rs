//! Big lines and polygons cut once, not once per tile.
//!
//! A tile of a county at zoom 14 would otherwise project, simplify and clip
//! the county's whole boundary (thousands of vertices) to keep the few dozen
//! that cross the tile. [`Precut`] keeps, per feature, what every tile of it
//! starts from, made lazily on first use and reused by every later tile:
//!
//! - the feature projected once (Web Mercator, the unit square);
//! - per zoom, the feature simplified as a tile of that zoom simplifies it
//!   (Douglas–Peucker at the tile's tolerance, on the whole line or ring, in
//!   the zoom's grid units: the same points [`TileSpec::encode`] keeps);
//! - per zoom, pieces of that simplified feature clipped to the tiles of the
//!   levels `z − 2`, `z − 4` and `z − 6` (plus a margin wider than a tile's
//!   buffer), each cut from the piece of the level above it.
//!
//! A tile then clips only the piece of its ancestor at `z − 2` (a sixteenth
//! of the tiles that level covers), and snaps and rebuilds it exactly as
//! [`TileSpec::encode`] does. The tile is the same as the direct one but for
//! where floating point puts a point cut on a piece's edge, which lies
//! outside the tile and its buffer and is cut away (the tests compare the
//! two on every tile of every county).
//!
//! Memory is bounded: past the byte budget the least recently used features
//! are dropped. An edit must [`Precut::forget`] the feature (the server's
//! change observer does, as for the tile cache); as a second guard, a
//! feature whose geometry no longer matches its fingerprint (the counts of
//! its parts and points and its first point) is cut again.

use crate::clip::{ClipBox, TileSpec, clip_line, clip_ring, world};
use crate::mvt::TileGeometry;
use geo::{Coord, Geometry, LineString, Simplify};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// Features with fewer points than this are encoded directly: cutting
/// them saves less than the look-up costs.
pub const MIN_POINTS: usize = 64;
/// Zoom steps between the levels of pieces.
const STEP: u8 = 2;
/// Levels of pieces above a tile (`z − 2`, `z − 4`, `z − 6`).
const LEVELS: u8 = 3;

/// Lines, or polygons as open rings (the exterior first).
#[derive(Debug)]
enum Parts {
    Lines(Vec<Vec<Coord<f64>>>),
    Polygons(Vec<Vec<Vec<Coord<f64>>>>),
}

impl Parts {
    fn bytes(&self) -> usize {
        let points = match self {
            Self::Lines(l) => l.iter().map(Vec::len).sum::<usize>(),
            Self::Polygons(p) => p.iter().flatten().map(Vec::len).sum(),
        };
        points * std::mem::size_of::<Coord<f64>>() + 64
    }

    fn bounds(&self) -> Option<ClipBox> {
        let mut points = match self {
            Self::Lines(l) => Box::new(l.iter().flatten()) as Box<dyn Iterator<Item = &Coord<f64>>>,
            Self::Polygons(p) => Box::new(p.iter().flat_map(|rings| &rings[0])),
        };
        let first = points.next()?;
        Some(points.fold(
            ClipBox {
                x0: first.x,
                y0: first.y,
                x1: first.x,
                y1: first.y,
            },
            |b, c| ClipBox {
                x0: b.x0.min(c.x),
                y0: b.y0.min(c.y),
                x1: b.x1.max(c.x),
                y1: b.y1.max(c.y),
            },
        ))
    }

    /// What of these parts lies in `b`.
    fn clip(&self, b: ClipBox) -> Self {
        match self {
            Self::Lines(lines) => Self::Lines(lines.iter().flat_map(|l| clip_line(l, b)).collect()),
            Self::Polygons(polygons) => Self::Polygons(
                polygons
                    .iter()
                    .filter_map(|rings| {
                        let exterior = clip_ring(&rings[0], b);
                        (exterior.len() >= 3).then(|| {
                            std::iter::once(exterior)
                                .chain(rings[1..].iter().map(|r| clip_ring(r, b)).filter(|r| r.len() >= 3))
                                .collect()
                        })
                    })
                    .collect(),
            ),
        }
    }
}

/// How a zoom's tiles are cut: the same key means the same simplification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ZoomKey {
    z: u8,
    extent: u32,
    buffer: u32,
    tolerance: u64,
}

/// One feature at one zoom: simplified whole, and its pieces.
#[derive(Debug)]
struct Zoom {
    whole: Arc<Parts>,
    bounds: Option<ClipBox>,
    /// Pieces by (level, x, y).
    pieces: Mutex<HashMap<(u8, u32, u32), Arc<Parts>>>,
}

#[derive(Debug)]
struct Shape {
    fingerprint: u64,
    used: AtomicU64,
    bytes: AtomicUsize,
    dropped: AtomicBool,
    world: OnceLock<Arc<Parts>>,
    zooms: Mutex<HashMap<ZoomKey, Arc<Zoom>>>,
}

/// The pieces of every big line and polygon tiles have asked for (see the
/// module's documentation).
#[derive(Debug)]
pub struct Precut {
    shapes: Mutex<HashMap<(&'static str, u64), Arc<Shape>>>,
    bytes: AtomicUsize,
    budget: usize,
    clock: AtomicU64,
}

/// Counts for monitoring and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrecutStats {
    /// Features held.
    pub features: usize,
    /// Bytes held (points and a fixed overhead per part).
    pub bytes: usize,
}

/// A cheap identity of a geometry: its kind, the counts of its parts and
/// points, its first point.
fn fingerprint(geometry: &Geometry<f64>) -> Option<(u64, usize)> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut points = 0usize;
    let mut first = None;
    let mut line = |l: &LineString<f64>, h: &mut std::collections::hash_map::DefaultHasher| {
        l.0.len().hash(h);
        points += l.0.len();
        if first.is_none() {
            first = l.0.first().copied();
        }
    };
    match geometry {
        Geometry::LineString(l) => {
            0u8.hash(&mut h);
            line(l, &mut h);
        }
        Geometry::MultiLineString(ml) => {
            1u8.hash(&mut h);
            for l in &ml.0 {
                line(l, &mut h);
            }
        }
        Geometry::Polygon(p) => {
            2u8.hash(&mut h);
            for r in std::iter::once(p.exterior()).chain(p.interiors()) {
                line(r, &mut h);
            }
        }
        Geometry::MultiPolygon(mp) => {
            3u8.hash(&mut h);
            for p in &mp.0 {
                p.interiors().len().hash(&mut h);
                for r in std::iter::once(p.exterior()).chain(p.interiors()) {
                    line(r, &mut h);
                }
            }
        }
        _ => return None,
    }
    let first = first?;
    first.x.to_bits().hash(&mut h);
    first.y.to_bits().hash(&mut h);
    Some((h.finish(), points))
}

fn projected(geometry: &Geometry<f64>) -> Parts {
    let line = |l: &LineString<f64>| l.0.iter().map(|c| world(*c)).collect::<Vec<_>>();
    let polygon = |p: &geo::Polygon<f64>| {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(line)
            .collect::<Vec<_>>()
    };
    match geometry {
        Geometry::LineString(l) => Parts::Lines(vec![line(l)]),
        Geometry::MultiLineString(ml) => Parts::Lines(ml.0.iter().map(line).collect()),
        Geometry::Polygon(p) => Parts::Polygons(vec![polygon(p)]),
        Geometry::MultiPolygon(mp) => Parts::Polygons(mp.0.iter().map(polygon).collect()),
        _ => Parts::Lines(Vec::new()),
    }
}

/// The projected feature in the grid of `spec`'s zoom, simplified as
/// [`TileSpec::encode`] simplifies it; rings open.
fn simplified(world: &Parts, spec: &TileSpec) -> Parts {
    let scale = spec.scale();
    let simplify = |l: &Vec<Coord<f64>>| {
        let scaled: LineString<f64> = l
            .iter()
            .map(|c| Coord {
                x: c.x * scale,
                y: c.y * scale,
            })
            .collect();
        if spec.tolerance > 0.0 {
            scaled.simplify(spec.tolerance).0
        } else {
            scaled.0
        }
    };
    match world {
        Parts::Lines(lines) => Parts::Lines(lines.iter().map(simplify).collect()),
        Parts::Polygons(polygons) => Parts::Polygons(
            polygons
                .iter()
                .map(|rings| {
                    rings
                        .iter()
                        .map(|r| {
                            let mut open = simplify(r);
                            open.pop();
                            open
                        })
                        .collect()
                })
                .collect(),
        ),
    }
}

impl Shape {
    fn zoom(&self, owner: &Precut, geometry: &Geometry<f64>, spec: &TileSpec) -> Arc<Zoom> {
        let key = ZoomKey {
            z: spec.tile.z,
            extent: spec.extent,
            buffer: spec.buffer,
            tolerance: spec.tolerance.to_bits(),
        };
        if let Some(z) = self.zooms.lock().get(&key) {
            return z.clone();
        }
        let world = self.world.get_or_init(|| {
            let w = Arc::new(projected(geometry));
            owner.account(self, w.bytes());
            w
        });
        let whole = simplified(world, spec);
        owner.account(self, whole.bytes());
        let zoom = Arc::new(Zoom {
            bounds: whole.bounds(),
            whole: Arc::new(whole),
            pieces: Mutex::new(HashMap::new()),
        });
        self.zooms.lock().entry(key).or_insert(zoom).clone()
    }
}

impl Zoom {
    /// The piece of the tile (`level`, `x`, `y`) of a zoom-`z` grid whose
    /// tiles are `extent` units wide: cut from the piece of the level
    /// [`STEP`] above, down to `z − STEP × LEVELS`, or from the whole.
    fn piece(&self, owner: &Precut, shape: &Shape, spec: &TileSpec, level: u8, x: u32, y: u32) -> Arc<Parts> {
        let z = spec.tile.z;
        let k = z - level;
        let size = f64::from(spec.extent) * f64::from(1u32 << k);
        let margin = 2.0 * f64::from(spec.buffer) + 16.0;
        let b = ClipBox {
            x0: f64::from(x) * size - margin,
            y0: f64::from(y) * size - margin,
            x1: f64::from(x + 1) * size + margin,
            y1: f64::from(y + 1) * size + margin,
        };
        // A feature inside the piece's box is its own piece.
        if self
            .bounds
            .is_none_or(|f| b.x0 <= f.x0 && f.x1 <= b.x1 && b.y0 <= f.y0 && f.y1 <= b.y1)
        {
            return self.whole.clone();
        }
        if let Some(p) = self.pieces.lock().get(&(level, x, y)) {
            return p.clone();
        }
        let coarsest = z.saturating_sub(STEP * LEVELS);
        let source = if level >= coarsest + STEP {
            self.piece(owner, shape, spec, level - STEP, x >> STEP, y >> STEP)
        } else {
            self.whole.clone()
        };
        let piece = Arc::new(source.clip(b));
        owner.account(shape, piece.bytes());
        self.pieces.lock().entry((level, x, y)).or_insert(piece).clone()
    }
}

impl Precut {
    /// An empty store of at most about `budget` bytes.
    pub fn new(budget: usize) -> Self {
        Self {
            shapes: Mutex::new(HashMap::new()),
            bytes: AtomicUsize::new(0),
            budget,
            clock: AtomicU64::new(0),
        }
    }

    /// The tile geometry of feature `id` of `layer`, as
    /// [`TileSpec::encode`] makes it, from the feature's pieces. Points,
    /// and lines and polygons of fewer than [`MIN_POINTS`] points, are
    /// encoded directly.
    pub fn encode(
        &self,
        spec: &TileSpec,
        layer: &'static str,
        id: u64,
        geometry: &Geometry<f64>,
    ) -> Option<TileGeometry> {
        let Some((fingerprint, points)) = fingerprint(geometry) else {
            return spec.encode(geometry);
        };
        if points < MIN_POINTS || self.budget == 0 {
            return spec.encode(geometry);
        }
        let shape = self.shape(layer, id, fingerprint);
        let zoom = shape.zoom(self, geometry, spec);
        let t = spec.tile;
        let parts = if t.z >= STEP {
            zoom.piece(self, &shape, spec, t.z - STEP, t.x >> STEP, t.y >> STEP)
        } else {
            zoom.whole.clone()
        };
        self.trim();
        let g = match &*parts {
            Parts::Lines(lines) => spec.clipped_lines(lines.iter().map(|l| l.iter().map(|c| spec.local(*c)).collect())),
            Parts::Polygons(polygons) => spec.clipped_polygons(
                polygons
                    .iter()
                    .map(|rings| rings.iter().map(|r| r.iter().map(|c| spec.local(*c)).collect())),
            ),
        };
        (!g.is_empty()).then_some(g)
    }

    fn shape(&self, layer: &'static str, id: u64, fingerprint: u64) -> Arc<Shape> {
        let used = self.clock.fetch_add(1, Ordering::Relaxed);
        let mut shapes = self.shapes.lock();
        if let Some(s) = shapes.get(&(layer, id)) {
            if s.fingerprint == fingerprint {
                s.used.store(used, Ordering::Relaxed);
                return s.clone();
            }
            if let Some(old) = shapes.remove(&(layer, id)) {
                self.release(&old);
            }
        }
        let s = Arc::new(Shape {
            fingerprint,
            used: AtomicU64::new(used),
            bytes: AtomicUsize::new(0),
            dropped: AtomicBool::new(false),
            world: OnceLock::new(),
            zooms: Mutex::new(HashMap::new()),
        });
        shapes.insert((layer, id), s.clone());
        s
    }

    fn account(&self, shape: &Shape, bytes: usize) {
        if !shape.dropped.load(Ordering::Acquire) {
            shape.bytes.fetch_add(bytes, Ordering::Relaxed);
            self.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    fn release(&self, shape: &Shape) {
        if !shape.dropped.swap(true, Ordering::AcqRel) {
            self.bytes
                .fetch_sub(shape.bytes.load(Ordering::Relaxed), Ordering::Relaxed);
        }
    }

    /// Over budget: drops the least recently used features down to three
    /// quarters of it.
    fn trim(&self) {
        if self.bytes.load(Ordering::Relaxed) <= self.budget {
            return;
        }
        let mut shapes = self.shapes.lock();
        let mut ages: Vec<(u64, (&'static str, u64))> = shapes
            .iter()
            .map(|(k, s)| (s.used.load(Ordering::Relaxed), *k))
            .collect();
        ages.sort_unstable();
        for (_, k) in ages {
            if self.bytes.load(Ordering::Relaxed) <= self.budget / 4 * 3 {
                break;
            }
            if let Some(s) = shapes.remove(&k) {
                self.release(&s);
            }
        }
    }

    /// Drops what is kept of feature `id` of `layer` (call it whenever the
    /// feature changes or goes).
    pub fn forget(&self, layer: &'static str, id: u64) {
        if let Some(s) = self.shapes.lock().remove(&(layer, id)) {
            self.release(&s);
        }
    }

    /// Features and bytes held.
    pub fn stats(&self) -> PrecutStats {
        PrecutStats {
            features: self.shapes.lock().len(),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::TileCoord;
    use geo::{MultiPolygon, Polygon};
    use std::collections::BTreeSet;

    fn ring(v: &serde_json::Value) -> LineString<f64> {
        v.as_array()
            .expect("ring")
            .iter()
            .map(|p| Coord {
                x: p[0].as_f64().expect("lon"),
                y: p[1].as_f64().expect("lat"),
            })
            .collect()
    }

    fn polygon(v: &serde_json::Value) -> Polygon<f64> {
        let rings = v.as_array().expect("rings");
        Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect())
    }

    /// The real county boundaries (119, up to 2,142 points each; 24 of
    /// them invalid in the source).
    fn counties() -> Vec<Geometry<f64>> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/shanxi-counties.geojson");
        let file: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("counties file")).expect("json");
        file["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| {
                let g = &f["geometry"];
                match g["type"].as_str() {
                    Some("Polygon") => Geometry::Polygon(polygon(&g["coordinates"])),
                    _ => Geometry::MultiPolygon(MultiPolygon(
                        g["coordinates"]
                            .as_array()
                            .expect("parts")
                            .iter()
                            .map(polygon)
                            .collect(),
                    )),
                }
            })
            .collect()
    }

    /// Every tile at `z` that a point of `g` lies in, with its eight
    /// neighbours (tiles the feature covers or that its buffer reaches).
    fn tiles_along(g: &Geometry<f64>, z: u8) -> BTreeSet<(u32, u32)> {
        use geo::CoordsIter;
        let mut out = BTreeSet::new();
        for c in g.coords_iter() {
            let t = TileCoord::at(c.x, c.y, z).expect("tile");
            for dx in 0..3u32 {
                for dy in 0..3u32 {
                    out.insert(((t.x + dx).saturating_sub(1), (t.y + dy).saturating_sub(1)));
                }
            }
        }
        out
    }

    #[test]
    fn pre_cut_county_tiles_equal_the_tiles_cut_directly() {
        let counties = counties();
        let precut = Precut::new(256 << 20);
        let (mut compared, mut drawn) = (0usize, 0usize);
        // Every county on tiles along its boundary, inside and outside it:
        // all of them at z6 and z9, a seeded sample deeper down (the
        // direct path is what is slow here).
        for (z, every) in [(6u8, 1), (9, 1), (12, 17), (14, 41), (16, 97)] {
            for (id, county) in counties.iter().enumerate() {
                for (x, y) in tiles_along(county, z).into_iter().skip(id % every).step_by(every) {
                    let spec = TileSpec::new(TileCoord::new(z, x, y).expect("tile"));
                    let direct = spec.encode(county);
                    let cut = precut.encode(&spec, "counties", id as u64, county);
                    assert_eq!(cut, direct, "county {id}, tile {z}/{x}/{y}");
                    compared += 1;
                    drawn += usize::from(direct.is_some());
                }
            }
        }
        assert!(compared > 2_000 && drawn > 1_500, "{compared} tiles, {drawn} drawn");
        assert_eq!(precut.stats().features, counties.len());
    }

    /// A long winding road: 3,000 points over two degrees.
    fn road() -> Geometry<f64> {
        let mut rng = 7u64;
        let mut next = || {
            rng = rng
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (rng >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut x, mut y) = (111.5, 36.5);
        let mut points = Vec::new();
        for _ in 0..3_000 {
            x += 0.0007 + 0.0006 * (next() - 0.3);
            y += 0.0008 * (next() - 0.45);
            points.push(Coord { x, y });
        }
        Geometry::LineString(LineString(points))
    }

    #[test]
    fn pre_cut_line_tiles_equal_the_tiles_cut_directly() {
        let road = road();
        let precut = Precut::new(256 << 20);
        let mut drawn = 0;
        for z in [5u8, 8, 11, 13, 15] {
            for (x, y) in tiles_along(&road, z).into_iter().step_by(usize::from(z / 3).max(1)) {
                let spec = TileSpec::new(TileCoord::new(z, x, y).expect("tile"));
                let direct = spec.encode(&road);
                assert_eq!(precut.encode(&spec, "roads", 1, &road), direct, "tile {z}/{x}/{y}");
                drawn += usize::from(direct.is_some());
            }
        }
        assert!(drawn > 60, "{drawn}");
    }

    #[test]
    fn a_changed_feature_is_cut_again() {
        let county = counties().swap_remove(0);
        let precut = Precut::new(256 << 20);
        let at = |g: &Geometry<f64>| {
            use geo::Centroid;
            let c = g.centroid().expect("centroid");
            TileSpec::new(TileCoord::at(c.x(), c.y(), 9).expect("tile"))
        };
        let spec = at(&county);
        assert_eq!(precut.encode(&spec, "counties", 1, &county), spec.encode(&county));
        // Moved east by a tile: forgotten, as the change observer does.
        let moved = {
            use geo::Translate;
            let (w, _, e, _) = spec.tile.bounds();
            county.translate(e - w, 0.0)
        };
        precut.forget("counties", 1);
        assert_eq!(precut.stats().features, 0);
        assert_eq!(precut.encode(&spec, "counties", 1, &moved), spec.encode(&moved));
        // Not forgotten: the fingerprint (the first point moved) still tells.
        assert_eq!(precut.encode(&spec, "counties", 1, &county), spec.encode(&county));
        assert_ne!(spec.encode(&county), spec.encode(&moved), "the test moves something");
    }

    #[test]
    fn the_byte_budget_is_kept() {
        let counties = counties();
        let precut = Precut::new(1 << 20);
        for (id, county) in counties.iter().enumerate() {
            use geo::Centroid;
            let c = county.centroid().expect("centroid");
            let spec = TileSpec::new(TileCoord::at(c.x(), c.y(), 13).expect("tile"));
            assert_eq!(precut.encode(&spec, "counties", id as u64, county), spec.encode(county));
            assert!(precut.stats().bytes <= 1 << 20, "{:?}", precut.stats());
        }
        assert!(precut.stats().features < counties.len(), "{:?}", precut.stats());
    }
}
