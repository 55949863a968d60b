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

/// Takes a bound a relative 1e-12 under the value it bounds, far more than
/// the few units in the last place that the polynomials and the library's
/// sine and cosine may each be off by.
const LOWER_BOUND_MARGIN: f64 = 1.0 - 1e-12;

/// sin t ≥ t − t³/3! + t⁵/5! − … − t¹¹/11! for 0 ≤ t ≤ π/2 (the Taylor
/// remainder, t¹³/13!·cos ξ, is not negative there).
///
/// The polynomials multiply by the reciprocals (constants folded at build
/// time) rather than divide: a walk takes hundreds of bounds per query, and
/// five dependent divisions each were most of a bound's cost. Each reciprocal
/// is off by at most half a unit in the last place, far inside
/// [`LOWER_BOUND_MARGIN`].
fn sin_below(t: f64) -> f64 {
    let t2 = t * t;
    t * (1.0
        - t2 * (1.0 / 6.0)
            * (1.0
                - t2 * (1.0 / 20.0)
                    * (1.0 - t2 * (1.0 / 42.0) * (1.0 - t2 * (1.0 / 72.0) * (1.0 - t2 * (1.0 / 110.0))))))
}

/// cos y ≥ 1 − y²/2! + y⁴/4! − … − y¹⁰/10! for |y| ≤ π/2 (remainder
/// y¹²/12!·cos ξ ≥ 0); reciprocals as in [`sin_below`].
fn cos_below(y: f64) -> f64 {
    let y2 = y * y;
    (1.0 - y2
        * 0.5
        * (1.0 - y2 * (1.0 / 12.0) * (1.0 - y2 * (1.0 / 30.0) * (1.0 - y2 * (1.0 / 56.0) * (1.0 - y2 * (1.0 / 90.0))))))
        .max(0.0)
}

/// hav θ = sin²(θ/2) from below, for 0 ≤ θ ≤ π.
fn hav_below(theta: f64) -> f64 {
    let s = sin_below(theta / 2.0).max(0.0);
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

    /// A lower bound of [`Probe::h_to_point`], a hair under it, with no
    /// trigonometry: sine and cosine by their Taylor polynomials cut after a
    /// negative term, which stay below them on the ranges used here
    /// (half-angles in 0..=π/2, latitudes in -π/2..=π/2), and a relative
    /// margin for rounding ([`LOWER_BOUND_MARGIN`]). A best-first walk ranks
    /// points by it and takes the exact term only for the points it reaches.
    pub fn h_lower_bound_to_point(&self, q: Coord<f64>) -> f64 {
        let dlat = (q.y - self.p.y).abs();
        // The same difference h_to_point takes, where it is under 180°.
        let dlon = lon_gap(q.x, self.p.x);
        let cos_q = cos_below(q.y.abs().min(90.0).to_radians());
        (hav_below(dlat.to_radians()) + self.cos_lat * cos_q * hav_below(dlon.to_radians())) * LOWER_BOUND_MARGIN
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
        // By the polynomials of h_lower_bound_to_point: a bound of a bound,
        // and no trigonometry for the many boxes of a walk.
        if dlon == 0.0 {
            return hav_below(dlat.to_radians()) * LOWER_BOUND_MARGIN;
        }
        let cos_rect = cos_below(min.y.abs().max(max.y.abs()).min(90.0).to_radians());
        (hav_below(dlat.to_radians()) + self.cos_lat * cos_rect * hav_below(dlon.to_radians())) * LOWER_BOUND_MARGIN
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

/// WGS 84 semi-major axis, metres (EPSG:7030).
const WGS84_A: f64 = 6_378_137.0;
/// WGS 84 flattening (EPSG:7030).
const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// The area on the WGS 84 ellipsoid, square metres, of lon/lat polygons
/// (holes subtracted), by Lambert's cylindrical equal-area projection of
/// the ellipsoid: x = a·λ, y = a·q(φ)/2 (Snyder, *Map Projections: A Working
/// Manual*, USGS PP 1395, 1987, eqs. 3-12 and 10-15), which keeps every
/// area, then the shoelace formula. The polygons' edges are taken as
/// straight in that projection rather than as geodesics: for the zones of
/// an incident (edges of metres to a few kilometres) the two areas agree to
/// well under 1e-5 (tested against Karney's geodesic area). About 70 times
/// cheaper than `geo::GeodesicArea`, which solved an inverse geodesic
/// problem per edge and was most of a `POST /exposure`.
pub fn ellipsoid_area_m2(polygons: &geo::MultiPolygon<f64>) -> f64 {
    polygons
        .0
        .iter()
        .map(|p| {
            let holes: f64 = p.interiors().iter().map(|r| ring_area_m2(&r.0)).sum();
            (ring_area_m2(&p.exterior().0) - holes).max(0.0)
        })
        .sum()
}

/// The area enclosed by one ring (either orientation), square metres.
fn ring_area_m2(ring: &[Coord<f64>]) -> f64 {
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let e = e2.sqrt();
    // q(φ), Snyder eq. 3-12.
    let q = |lat: f64| {
        let s = lat.to_radians().sin();
        (1.0 - e2) * (s / (1.0 - e2 * s * s) - (1.0 / (2.0 * e)) * ((1.0 - e * s) / (1.0 + e * s)).ln())
    };
    let Some(first) = ring.first() else { return 0.0 };
    // Relative to the first vertex, so that small rings keep their digits;
    // longitudes folded across the antimeridian.
    let (x0, y0) = (first.x, q(first.y));
    let at = |c: &Coord<f64>| {
        let mut dx = c.x - x0;
        if dx > 180.0 {
            dx -= 360.0;
        } else if dx < -180.0 {
            dx += 360.0;
        }
        (dx.to_radians(), q(c.y) - y0)
    };
    let mut twice = 0.0;
    let mut prev = at(first);
    for c in &ring[1..] {
        let next = at(c);
        twice += prev.0 * next.1 - next.0 * prev.1;
        prev = next;
    }
    // Close the ring if it is not closed.
    let start = (0.0, 0.0);
    twice += prev.0 * start.1 - start.0 * prev.1;
    (twice / 2.0).abs() * WGS84_A * WGS84_A / 2.0
}

/// Great-circle distance in metres between two lon/lat positions (degrees).
pub fn distance_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    Probe::metres(Probe::new(a).h_to_point(b))
}

/// Longitude difference in degrees folded into [0, 180].
fn lon_gap(a: f64, b: f64) -> f64 {
    // Exact for gaps up to 180° (rem_euclid would round a small negative
    // gap by adding 360 to it).
    match (a - b).abs() {
        d if d <= 180.0 => d,
        d => {
            let d = d % 360.0;
            d.min(360.0 - d)
        }
    }
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
        Geometry::LineString(l) => return distance_m(p, closest_point_on_line(p, &l.0).0),
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
    let (at, segment, t) = closest_point_on_line(p, line);
    // Metres along: the segments before the nearest one, then its share.
    // (Summed in the line's order, as one walk over every segment would.)
    let mut walked = 0.0;
    for w in line.windows(2).take(segment) {
        walked += distance_m(w[0], w[1]);
    }
    let along = match line.get(segment..segment + 2) {
        Some(w) => walked + distance_m(w[0], w[1]) * t,
        None => 0.0,
    };
    (at, along)
}

/// The point of a polyline nearest to `p` (in a plane scaled by cos φ at
/// `p`), the index of its segment and where on the segment it lies (0..=1):
/// planar arithmetic only, no trigonometry per segment. The first of equally
/// near segments wins.
pub fn closest_point_on_line(p: Coord<f64>, line: &[Coord<f64>]) -> (Coord<f64>, usize, f64) {
    let k = p.y.to_radians().cos();
    let (mut best, mut at, mut segment, mut along_t) = (f64::INFINITY, line.first().copied().unwrap_or(p), 0, 0.0);
    for (i, w) in line.windows(2).enumerate() {
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
        if d2 < best {
            (best, at, segment, along_t) = (d2, q, i, t);
        }
    }
    (at, segment, along_t)
}

fn scale_x(geometry: &Geometry<f64>, k: f64) -> Geometry<f64> {
    use geo::MapCoords;
    geometry.map_coords(|c| Coord { x: c.x * k, y: c.y })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_equal_area_projection_gives_the_geodesic_area_of_zones() {
        use geo::GeodesicArea;
        // Circles as the exposure draws them (72 sides), from a 50 m spill
        // to a 50 km protective-action distance, across the bureau's
        // latitudes and beyond; a square with a hole; a long thin strip.
        let mut worst: f64 = 0.0;
        for lat in [0.5, 20.0, 34.6, 37.87, 41.2, 60.0] {
            for r in [50.0, 200.0, 1_000.0, 5_000.0, 20_000.0, 50_000.0] {
                let zone = crate::exposure::Zone::Circle {
                    centre: Coord { x: 112.55, y: lat },
                    radius_m: r,
                };
                let polygons = zone.polygons();
                let karney = polygons.geodesic_area_unsigned();
                let ours = ellipsoid_area_m2(&polygons);
                let rel = (ours - karney).abs() / karney;
                worst = worst.max(rel);
                assert!(rel < 1e-5, "lat {lat}, radius {r} m: {ours} against {karney} ({rel:e})");
            }
        }
        let square = |x: f64, y: f64, d: f64| -> geo::LineString<f64> {
            vec![(x, y), (x + d, y), (x + d, y + d), (x, y + d), (x, y)].into()
        };
        let holed = geo::MultiPolygon(vec![geo::Polygon::new(
            square(112.0, 37.0, 0.1),
            vec![square(112.02, 37.02, 0.03)],
        )]);
        let strip = geo::MultiPolygon(vec![geo::Polygon::new(square(111.0, 36.0, 0.0), vec![])]);
        assert_eq!(ellipsoid_area_m2(&strip), 0.0);
        let karney = holed.geodesic_area_unsigned();
        let rel = (ellipsoid_area_m2(&holed) - karney).abs() / karney;
        assert!(rel < 1e-5, "a 0.1° square with a hole: {rel:e}");
        // Either orientation.
        let mut reversed = holed.clone();
        reversed.0[0].exterior_mut(|r| r.0.reverse());
        assert_eq!(ellipsoid_area_m2(&reversed), ellipsoid_area_m2(&holed));
        assert!(worst > 0.0, "the two methods are different computations");
    }

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

    /// The metres along a line as one walk over every segment measures them.
    fn closest_on_line_in_one_walk(p: Coord<f64>, line: &[Coord<f64>]) -> (Coord<f64>, f64) {
        let k = p.y.to_radians().cos();
        let (mut best, mut at, mut along, mut walked) = (f64::INFINITY, line[0], 0.0, 0.0);
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
            let (ex, ey) = ((q.x - p.x) * k, q.y - p.y);
            let seg = distance_m(a, b);
            if ex * ex + ey * ey < best {
                (best, at, along) = (ex * ex + ey * ey, q, walked + seg * t);
            }
            walked += seg;
        }
        (at, along)
    }

    #[test]
    fn the_nearest_point_of_a_line_and_the_metres_along_it_are_those_of_one_walk() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for n in 0..3_000 {
            // Random walks, with repeated vertices (zero-length segments) now and then.
            let mut line = vec![Coord {
                x: rng.random_range(110.0..114.0),
                y: rng.random_range(34.0..41.0),
            }];
            for _ in 0..rng.random_range(0..40) {
                let last = *line.last().unwrap();
                let step = if rng.random_bool(0.1) { 0.0 } else { 0.02 };
                line.push(Coord {
                    x: last.x + rng.random_range(-1.0..1.0) * step,
                    y: last.y + rng.random_range(-1.0..1.0) * step,
                });
            }
            let p = Coord {
                x: line[0].x + rng.random_range(-0.3..0.3),
                y: line[0].y + rng.random_range(-0.3..0.3),
            };
            let (at, along) = closest_on_line(p, &line);
            assert_eq!((at, along), closest_on_line_in_one_walk(p, &line), "line {n}");
            let (point, segment, _) = closest_point_on_line(p, &line);
            assert_eq!(point, at);
            assert!(segment + 1 < line.len() || line.len() == 1);
        }
    }

    #[test]
    fn the_point_lower_bound_is_under_the_exact_term_and_within_a_hundred_millionth_of_it() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for n in 0..200_000 {
            // Mostly nearby points (what a k-nearest walk sees), some across the globe.
            let p = Coord {
                x: rng.random_range(-180.0..180.0),
                y: rng.random_range(-89.9..89.9),
            };
            let spread: f64 = if n % 4 == 0 { 180.0 } else { 0.5 };
            let q = Coord {
                x: (p.x + rng.random_range(-spread..spread) + 180.0).rem_euclid(360.0) - 180.0,
                y: (p.y + rng.random_range(-spread..spread)).clamp(-90.0, 90.0),
            };
            let probe = Probe::new(p);
            let (below, exact) = (probe.h_lower_bound_to_point(q), probe.h_to_point(q));
            assert!(below <= exact, "{p:?} {q:?}: {below} > {exact}");
            // Tight where the walks run: a near neighbour's bound is not
            // outranked by a farther point's exact term.
            if spread < 1.0 && p.y.abs() < 60.0 {
                assert!(below >= exact * (1.0 - 1e-8), "{p:?} {q:?}: {below} far under {exact}");
            }
        }
        assert_eq!(
            Probe::new(Coord { x: 112.5, y: 37.8 }).h_lower_bound_to_point(Coord { x: 112.5, y: 37.8 }),
            0.0
        );
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
