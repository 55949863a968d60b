//! The Web Mercator tile grid (z/x/y, XYZ scheme as used by MapLibre).

use std::f64::consts::PI;

/// Deepest zoom served.
pub const MAX_ZOOM: u8 = 22;
/// Latitude limit of Web Mercator.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// A tile request that is outside the grid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// Zoom beyond [`MAX_ZOOM`].
    #[error("zoom {0} is outside 0..={MAX_ZOOM}")]
    Zoom(u8),
    /// x or y beyond the 2^z tiles of the zoom.
    #[error("tile {z}/{x}/{y} is outside the grid (x and y are 0..{})", 1u64 << z)]
    OutOfGrid {
        /// Zoom.
        z: u8,
        /// Column.
        x: u32,
        /// Row.
        y: u32,
    },
}

/// A tile address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileCoord {
    /// Zoom.
    pub z: u8,
    /// Column, from the antimeridian eastwards.
    pub x: u32,
    /// Row, from the north.
    pub y: u32,
}

impl TileCoord {
    /// A checked tile address.
    pub fn new(z: u8, x: u32, y: u32) -> Result<Self, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::Zoom(z));
        }
        let n = 1u64 << z;
        if u64::from(x) >= n || u64::from(y) >= n {
            return Err(TileError::OutOfGrid { z, x, y });
        }
        Ok(Self { z, x, y })
    }

    /// The tile's bounds in lon/lat degrees: (west, south, east, north).
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        let n = (1u64 << self.z) as f64;
        let lon = |x: f64| x / n * 360.0 - 180.0;
        let lat = |y: f64| (PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
        (
            lon(f64::from(self.x)),
            lat(f64::from(self.y + 1)),
            lon(f64::from(self.x + 1)),
            lat(f64::from(self.y)),
        )
    }

    /// The tile holding a lon/lat position at zoom `z`.
    pub fn at(lon: f64, lat: f64, z: u8) -> Result<Self, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::Zoom(z));
        }
        let n = (1u64 << z) as f64;
        let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
        let x = ((lon + 180.0) / 360.0 * n).floor().clamp(0.0, n - 1.0);
        let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * n)
            .floor()
            .clamp(0.0, n - 1.0);
        Self::new(z, x as u32, y as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn zoom_zero_is_the_world() {
        let (w, s, e, n) = TileCoord::new(0, 0, 0).unwrap().bounds();
        assert_relative_eq!(w, -180.0);
        assert_relative_eq!(e, 180.0);
        assert_relative_eq!(n, MAX_LATITUDE, epsilon = 1e-9);
        assert_relative_eq!(s, -MAX_LATITUDE, epsilon = 1e-9);
    }

    #[test]
    fn a_point_lies_in_the_tile_that_holds_it() {
        let t = TileCoord::at(112.55, 37.85, 10).unwrap();
        let (w, s, e, n) = t.bounds();
        assert!(w <= 112.55 && 112.55 < e && s <= 37.85 && 37.85 < n);
    }

    #[test]
    fn addresses_outside_the_grid_are_refused() {
        assert_eq!(TileCoord::new(23, 0, 0), Err(TileError::Zoom(23)));
        assert!(matches!(TileCoord::new(2, 4, 0), Err(TileError::OutOfGrid { .. })));
        assert!(TileCoord::new(22, (1 << 22) - 1, 0).is_ok());
    }
}
