//! The coordinate systems of China's web maps: GCJ-02 (国测局, the
//! offset every licensed web map in China applies) and Baidu's BD-09, to
//! and from WGS 84. Used by the import (`crate::import::crs`) and by a
//! region whose boundary file was cut from a web map (`crate::region`).

use geo::Coord;
use std::f64::consts::PI;

// GCJ-02: the forward transform as published in the open implementations
// that reproduce the web maps' offsets (e.g. wandergis/coordtransform,
// eviltransform): Krasovsky 1940 semi-major axis and first eccentricity
// squared, and the polynomial-plus-sine offsets about (105° E, 35° N).
/// Semi-major axis of the Krasovsky 1940 ellipsoid GCJ-02 uses, metres.
const KRASOVSKY_A: f64 = 6_378_245.0;
/// Its first eccentricity squared.
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
/// BD-09's angle factor, π·3000/180 (Baidu's published constant).
const BD_X_PI: f64 = PI * 3000.0 / 180.0;

fn offset_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn offset_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS 84 → GCJ-02 (the published forward transform).
pub fn wgs84_to_gcj02(c: Coord<f64>) -> Coord<f64> {
    let (x, y) = (c.x - 105.0, c.y - 35.0);
    let rad_lat = c.y / 180.0 * PI;
    let magic = 1.0 - KRASOVSKY_EE * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let d_lat = offset_lat(x, y) * 180.0 / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let d_lon = offset_lon(x, y) * 180.0 / (KRASOVSKY_A / sqrt_magic * rad_lat.cos() * PI);
    Coord {
        x: c.x + d_lon,
        y: c.y + d_lat,
    }
}

/// GCJ-02 → WGS 84: the forward transform inverted by fixed-point
/// iteration until the forward image of the answer is within 1e-9° of `c`.
pub fn gcj02_to_wgs84(c: Coord<f64>) -> Coord<f64> {
    let mut w = c;
    for _ in 0..30 {
        let g = wgs84_to_gcj02(w);
        let (dx, dy) = (g.x - c.x, g.y - c.y);
        w = Coord {
            x: w.x - dx,
            y: w.y - dy,
        };
        if dx.abs() < 1e-9 && dy.abs() < 1e-9 {
            break;
        }
    }
    w
}

/// GCJ-02 → BD-09 (Baidu's published transform).
pub fn gcj02_to_bd09(c: Coord<f64>) -> Coord<f64> {
    let z = (c.x * c.x + c.y * c.y).sqrt() + 0.000_02 * (c.y * BD_X_PI).sin();
    let theta = c.y.atan2(c.x) + 0.000_003 * (c.x * BD_X_PI).cos();
    Coord {
        x: z * theta.cos() + 0.0065,
        y: z * theta.sin() + 0.006,
    }
}

/// BD-09 → GCJ-02: the closed-form approximate inverse, then refined by
/// fixed-point iteration on [`gcj02_to_bd09`] to 1e-9°.
pub fn bd09_to_gcj02(c: Coord<f64>) -> Coord<f64> {
    let (x, y) = (c.x - 0.0065, c.y - 0.006);
    let z = (x * x + y * y).sqrt() - 0.000_02 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) - 0.000_003 * (x * BD_X_PI).cos();
    let mut g = Coord {
        x: z * theta.cos(),
        y: z * theta.sin(),
    };
    for _ in 0..30 {
        let b = gcj02_to_bd09(g);
        let (dx, dy) = (b.x - c.x, b.y - c.y);
        g = Coord {
            x: g.x - dx,
            y: g.y - dy,
        };
        if dx.abs() < 1e-9 && dy.abs() < 1e-9 {
            break;
        }
    }
    g
}
