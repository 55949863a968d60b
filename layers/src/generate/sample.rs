//! Drawing places: points inside shapes, weighted picks, small offsets. The
//! generator's modules share these; none of them depends back on
//! `generate/mod.rs`.

use geo::{BoundingRect, Contains, Coord, MultiPolygon, Point, Rect};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A point inside `shape`, drawn around `centre` with a normal spread of
/// `sigma_km` (narrowed for small shapes); falls back to a uniform draw over
/// the shape, then to a point known to be inside.
pub(crate) fn sample_near(
    rng: &mut ChaCha8Rng,
    shape: &MultiPolygon<f64>,
    bbox: Rect<f64>,
    centre: Coord<f64>,
    sigma_km: f64,
) -> Coord<f64> {
    let k = centre.y.to_radians().cos();
    let span_km = (bbox.width() * 111.32 * k).min(bbox.height() * 111.32);
    let sigma_km = sigma_km.min(span_km / 3.0).max(0.2);
    for _ in 0..32 {
        let (dx, dy) = normal_pair(rng);
        let c = round6(Coord {
            x: centre.x + dx * sigma_km / (111.32 * k),
            y: centre.y + dy * sigma_km / 111.32,
        });
        if shape.contains(&Point(c)) {
            return c;
        }
    }
    sample_in(rng, shape, bbox).unwrap_or_else(|| inside(shape, centre))
}

/// A point drawn uniformly inside `shape` (rejection in its box).
pub(crate) fn sample_in(rng: &mut ChaCha8Rng, shape: &MultiPolygon<f64>, bbox: Rect<f64>) -> Option<Coord<f64>> {
    for _ in 0..400 {
        let c = round6(Coord {
            x: rng.random_range(bbox.min().x..=bbox.max().x),
            y: rng.random_range(bbox.min().y..=bbox.max().y),
        });
        if shape.contains(&Point(c)) {
            return Some(c);
        }
    }
    None
}

/// `preferred` if it is inside `shape`, else a point that is.
pub(crate) fn inside(shape: &MultiPolygon<f64>, preferred: Coord<f64>) -> Coord<f64> {
    use geo::InteriorPoint;
    let p = round6(preferred);
    if shape.contains(&Point(p)) {
        return p;
    }
    shape.interior_point().map_or(p, |q| q.0)
}

/// Two independent standard normal numbers (Box–Muller).
pub(crate) fn normal_pair(rng: &mut ChaCha8Rng) -> (f64, f64) {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random_range(0.0..1.0);
    let r = (-2.0 * u1.ln()).sqrt();
    let t = std::f64::consts::TAU * u2;
    (r * t.cos(), r * t.sin())
}

/// Rounds to 6 decimals (about 0.1 m): what a GPS fix and the files carry.
pub(crate) fn round6(c: Coord<f64>) -> Coord<f64> {
    Coord {
        x: (c.x * 1e6).round() / 1e6,
        y: (c.y * 1e6).round() / 1e6,
    }
}

/// Moves `c` by `east_km` and `north_km`.
pub(crate) fn offset_km(c: Coord<f64>, east_km: f64, north_km: f64) -> Coord<f64> {
    Coord {
        x: c.x + east_km / (111.32 * c.y.to_radians().cos()),
        y: c.y + north_km / 111.32,
    }
}

/// Picks an index with probability proportional to `weights`.
pub(crate) fn pick_weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    // A weight that is not a finite positive number counts as zero: one bad
    // value must not make the total NaN and every draw the first.
    let weight = |w: f64| if w.is_finite() && w > 0.0 { w } else { 0.0 };
    let total: f64 = weights.iter().copied().map(weight).sum();
    let mut x = rng.random_range(0.0..total.max(f64::MIN_POSITIVE));
    for (i, w) in weights.iter().copied().map(weight).enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

/// The bounding box of a shape (empty shapes get a zero box at the origin).
pub(crate) fn bbox_of(shape: &MultiPolygon<f64>) -> Rect<f64> {
    shape.bounding_rect().unwrap_or(Rect::new(Coord::zero(), Coord::zero()))
}
