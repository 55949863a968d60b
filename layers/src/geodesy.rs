//! Distances on the Earth for lon/lat data.
//!
//! Distances are great-circle distances on the IUGG mean-radius sphere
//! (R = 6,371,008.8 m): within 0.5 % of the WGS 84 ellipsoid everywhere, and
//! exact enough to rank rescue teams (which issue 5 ranks by road time anyway).
//! The k-nearest search needs a *lower bound* of the distance from a point to
//! a lon/lat rectangle, so that it never prunes a closer feature; that bound
//! lives here with the distance it bounds.

use geo::{Closest, ClosestPoint, Coord, Geometry, Point, Rect};

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

fn hav(theta: f64) -> f64 {
    let s = (theta / 2.0).sin();
    s * s
}

fn central_angle_from_hav(h: f64) -> f64 {
    2.0 * h.clamp(0.0, 1.0).sqrt().asin()
}

/// A query point prepared for many distance computations.
///
/// Candidates are compared by the haversine term h = hav θ, which grows with
/// the distance, so no arcsine or square root is taken until a distance is
/// reported; the query's latitude terms are computed once.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    p: Coord<f64>,
    cos_lat: f64,
}

impl Probe {
    /// Prepares `p` (lon/lat degrees).
    pub fn new(p: Coord<f64>) -> Self {
        Self {
            p,
            cos_lat: p.y.to_radians().cos(),
        }
    }

    /// The haversine term to `q`.
    pub fn h_to_point(&self, q: Coord<f64>) -> f64 {
        hav((q.y - self.p.y).to_radians()) + self.cos_lat * q.y.to_radians().cos() * hav((q.x - self.p.x).to_radians())
    }

    /// A lower bound of the haversine term to any point of the lon/lat
    /// rectangle `[min, max]`; zero when the point is inside.
    ///
    /// With Δφ and Δλ the smallest latitude and longitude gaps to the
    /// rectangle, hav θ = hav Δφ + cos φp · cos φ · hav Δλ is at least
    /// hav Δφmin + cos φp · min(cos φ over the rectangle) · hav Δλmin, and cos
    /// is smallest at one of the rectangle's latitude edges.
    pub fn h_lower_bound_to_rect(&self, min: Coord<f64>, max: Coord<f64>) -> f64 {
        let p = self.p;
        let dlat = if p.y < min.y {
            min.y - p.y
        } else if p.y > max.y {
            p.y - max.y
        } else {
            0.0
        };
        let dlon = if (min.x..=max.x).contains(&p.x) {
            0.0
        } else {
            lon_gap(p.x, min.x).min(lon_gap(p.x, max.x))
        };
        if dlon == 0.0 {
            return hav(dlat.to_radians());
        }
        let cos_rect = min.y.abs().max(max.y.abs()).min(90.0).to_radians().cos();
        hav(dlat.to_radians()) + self.cos_lat * cos_rect * hav(dlon.to_radians())
    }

    /// Metres for a haversine term.
    pub fn metres(h: f64) -> f64 {
        EARTH_RADIUS_M * central_angle_from_hav(h)
    }

    /// The haversine term for a distance in metres.
    pub fn h_from_metres(d: f64) -> f64 {
        hav(d / EARTH_RADIUS_M)
    }
}

/// Great-circle distance in metres between two lon/lat positions (degrees).
pub fn distance_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    Probe::metres(Probe::new(a).h_to_point(b))
}

/// Longitude difference in degrees folded into [0, 180].
fn lon_gap(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(360.0);
    d.min(360.0 - d)
}

/// A lower bound of the distance in metres from `p` to any point of the lon/lat
/// rectangle `[min, max]` (degrees). Zero when `p` is inside.
pub fn min_distance_to_rect_m(p: Coord<f64>, min: Coord<f64>, max: Coord<f64>) -> f64 {
    Probe::metres(Probe::new(p).h_lower_bound_to_rect(min, max))
}

/// A lon/lat rectangle that holds every point within `radius_m` of `p`.
pub fn rect_around(p: Coord<f64>, radius_m: f64) -> Rect<f64> {
    let dlat = (radius_m / EARTH_RADIUS_M).to_degrees();
    let max_abs_lat = (p.y.abs() + dlat).min(89.999_999);
    let dlon = (dlat / max_abs_lat.to_radians().cos()).min(180.0);
    Rect::new(
        Coord {
            x: p.x - dlon,
            y: (p.y - dlat).max(-90.0),
        },
        Coord {
            x: p.x + dlon,
            y: (p.y + dlat).min(90.0),
        },
    )
}

/// Distance in metres from `p` to a geometry: zero inside a polygon, else to
/// its nearest point. The nearest point is found in a plane scaled by cos φ at
/// `p` (good to well under a metre at the scale of a province's features).
pub fn distance_to_geometry_m(p: Coord<f64>, geometry: &Geometry<f64>) -> f64 {
    match geometry {
        Geometry::Point(q) => return distance_m(p, q.0),
        Geometry::LineString(l) => return distance_m(p, closest_on_line(p, &l.0).0),
        _ => {}
    }
    let k = p.y.to_radians().cos().max(1e-6);
    let scaled = scale_x(geometry, k);
    let query = Point::new(p.x * k, p.y);
    match scaled.closest_point(&query) {
        Closest::Intersection(_) => 0.0,
        Closest::SinglePoint(q) => distance_m(p, Coord { x: q.x() / k, y: q.y() }),
        Closest::Indeterminate => f64::INFINITY,
    }
}

/// The point of a polyline nearest to `p` (in a plane scaled by cos φ at
/// `p`) and how far along the line it is, metres.
pub fn closest_on_line(p: Coord<f64>, line: &[Coord<f64>]) -> (Coord<f64>, f64) {
    let k = p.y.to_radians().cos();
    let (mut best, mut at, mut along, mut walked) = (f64::INFINITY, line.first().copied().unwrap_or(p), 0.0, 0.0);
    for w in line.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = ((b.x - a.x) * k, b.y - a.y);
        let len2 = dx * dx + dy * dy;
        let t = if len2 == 0.0 {
            0.0
        } else {
            (((p.x - a.x) * k * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
        };
        let q = Coord {
            x: a.x + (b.x - a.x) * t,
            y: a.y + (b.y - a.y) * t,
        };
        // Squared planar distance ranks the segments; metres come at the end.
        let (ex, ey) = ((q.x - p.x) * k, q.y - p.y);
        let d2 = ex * ex + ey * ey;
        let seg = distance_m(a, b);
        if d2 < best {
            (best, at, along) = (d2, q, walked + seg * t);
        }
        walked += seg;
    }
    (at, along)
}

fn scale_x(geometry: &Geometry<f64>, k: f64) -> Geometry<f64> {
    use geo::MapCoords;
    geometry.map_coords(|c| Coord { x: c.x * k, y: c.y })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use geo::polygon;
    use rand::{Rng, SeedableRng};

    #[test]
    fn taiyuan_to_datong_is_about_260_km() {
        let taiyuan = Coord { x: 112.549, y: 37.857 };
        let datong = Coord { x: 113.300, y: 40.077 };
        assert_relative_eq!(distance_m(taiyuan, datong), 255_000.0, max_relative = 0.02);
    }

    #[test]
    fn rect_lower_bound_never_exceeds_the_distance_to_any_point_inside() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..20_000 {
            let p = Coord {
                x: rng.random_range(100.0..125.0),
                y: rng.random_range(20.0..50.0),
            };
            let a = Coord {
                x: rng.random_range(100.0..125.0),
                y: rng.random_range(20.0..50.0),
            };
            let b = Coord {
                x: a.x + rng.random_range(0.0..3.0),
                y: a.y + rng.random_range(0.0..3.0),
            };
            let bound = min_distance_to_rect_m(p, a, b);
            for _ in 0..8 {
                let q = Coord {
                    x: rng.random_range(a.x..=b.x),
                    y: rng.random_range(a.y..=b.y),
                };
                assert!(bound <= distance_m(p, q) + 1e-6, "{p:?} {a:?} {b:?} {q:?}");
            }
        }
    }

    #[test]
    fn rect_around_holds_the_circle() {
        let p = Coord { x: 112.5, y: 37.8 };
        let r = rect_around(p, 5_000.0);
        for bearing in 0..360 {
            let t = f64::from(bearing).to_radians();
            // walk outwards along the bearing until just inside the radius
            let q = Coord {
                x: p.x + t.sin() * (4_999.0 / EARTH_RADIUS_M).to_degrees() / p.y.to_radians().cos(),
                y: p.y + t.cos() * (4_999.0 / EARTH_RADIUS_M).to_degrees(),
            };
            if distance_m(p, q) <= 5_000.0 {
                assert!(r.min().x <= q.x && q.x <= r.max().x && r.min().y <= q.y && q.y <= r.max().y);
            }
        }
    }

    #[test]
    fn distance_to_polygon_is_zero_inside_and_positive_outside() {
        let square = Geometry::Polygon(
            polygon![(x: 112.0, y: 37.0), (x: 113.0, y: 37.0), (x: 113.0, y: 38.0), (x: 112.0, y: 38.0), (x: 112.0, y: 37.0)],
        );
        assert_eq!(distance_to_geometry_m(Coord { x: 112.5, y: 37.5 }, &square), 0.0);
        let outside = distance_to_geometry_m(Coord { x: 111.9, y: 37.5 }, &square);
        assert_relative_eq!(
            outside,
            distance_m(Coord { x: 111.9, y: 37.5 }, Coord { x: 112.0, y: 37.5 }),
            max_relative = 1e-3
        );
    }
}
