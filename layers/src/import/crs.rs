//! The coordinate systems Chinese registers come in, and their way to WGS 84
//! (the only system Lookout keeps).
//!
//! - `EPSG:4326` (WGS 84): as is.
//! - `EPSG:4490` (CGCS2000): taken as WGS 84. The two datums agree to a few
//!   centimetres (CGCS2000 is tied to ITRF97 at epoch 2000.0, WGS 84 (G1150+)
//!   to ITRF2000-class frames), far below what a register's points need.
//! - `gcj02` (国测局 GCJ-02, the web maps' "Mars" coordinates) and `bd09`
//!   (Baidu's BD-09, GCJ-02 shifted again): the published forward transforms,
//!   inverted by fixed-point iteration to 1e-9° (about 0.1 mm).
//! - `EPSG:4491`–`EPSG:4554` (CGCS2000 Gauss–Krüger zones) and any other EPSG
//!   code: through PROJ, by GDAL's `OGRCoordinateTransformation`, with the
//!   traditional GIS axis order (easting, northing / longitude, latitude).

use crate::error::{Error, Result};
use geo::{Coord, Geometry, MapCoords};

/// A coordinate reference system of an imported file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// WGS 84 longitude/latitude (EPSG:4326).
    Wgs84,
    /// CGCS2000 longitude/latitude (EPSG:4490), taken as WGS 84.
    Cgcs2000,
    /// GCJ-02 longitude/latitude (web maps in China).
    Gcj02,
    /// BD-09 longitude/latitude (Baidu).
    Bd09,
    /// Another EPSG system, through PROJ (e.g. 4527: CGCS2000 3° Gauss–Krüger zone 39).
    Epsg(u32),
}

impl std::str::FromStr for Crs {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "epsg:4326" | "wgs84" | "wgs-84" => Ok(Self::Wgs84),
            "epsg:4490" | "cgcs2000" => Ok(Self::Cgcs2000),
            "gcj02" | "gcj-02" => Ok(Self::Gcj02),
            "bd09" | "bd-09" => Ok(Self::Bd09),
            _ => lower
                .strip_prefix("epsg:")
                .and_then(|code| code.parse().ok())
                .map(Self::Epsg)
                .ok_or_else(|| {
                    Error::InvalidRequest(format!(
                        "unknown coordinate system {s:?}: use EPSG:4326, EPSG:4490, gcj02, bd09 or EPSG:<code> (e.g. EPSG:4527)"
                    ))
                }),
        }
    }
}

impl std::fmt::Display for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Wgs84 => f.write_str("EPSG:4326"),
            Self::Cgcs2000 => f.write_str("EPSG:4490"),
            Self::Gcj02 => f.write_str("gcj02"),
            Self::Bd09 => f.write_str("bd09"),
            Self::Epsg(code) => write!(f, "EPSG:{code}"),
        }
    }
}

/// Turns a file's coordinates into WGS 84 longitude/latitude.
#[derive(Debug)]
pub struct ToWgs84 {
    crs: Crs,
    proj: Option<gdal::spatial_ref::CoordTransform>,
}

impl ToWgs84 {
    /// The transformation from `crs` (PROJ set up once for an EPSG system).
    pub fn new(crs: Crs) -> Result<Self> {
        let proj = match crs {
            Crs::Epsg(4326) | Crs::Epsg(4490) | Crs::Wgs84 | Crs::Cgcs2000 | Crs::Gcj02 | Crs::Bd09 => None,
            Crs::Epsg(code) => Some(projection(code)?),
        };
        Ok(Self { crs, proj })
    }

    /// The coordinate system it converts from.
    pub fn crs(&self) -> Crs {
        self.crs
    }

    /// `geometry` in WGS 84.
    pub fn geometry(&self, geometry: &Geometry<f64>) -> Result<Geometry<f64>> {
        match (&self.proj, self.crs) {
            (Some(proj), _) => geometry.try_map_coords(|c| {
                let (mut x, mut y, mut z) = ([c.x], [c.y], [0.0]);
                proj.transform_coords(&mut x, &mut y, &mut z)
                    .map(|()| Coord { x: x[0], y: y[0] })
                    .map_err(|e| {
                        Error::InvalidRequest(format!(
                            "coordinates [{}, {}] do not convert from {}: {e}",
                            c.x, c.y, self.crs
                        ))
                    })
            }),
            (None, Crs::Gcj02) => Ok(geometry.map_coords(gcj02_to_wgs84)),
            (None, Crs::Bd09) => Ok(geometry.map_coords(|c| gcj02_to_wgs84(bd09_to_gcj02(c)))),
            (None, _) => Ok(geometry.clone()),
        }
    }
}

fn projection(code: u32) -> Result<gdal::spatial_ref::CoordTransform> {
    use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
    let fail = |e: gdal::errors::GdalError| Error::InvalidRequest(format!("EPSG:{code}: {e}"));
    let mut from = SpatialRef::from_epsg(code).map_err(fail)?;
    let mut to = SpatialRef::from_epsg(4326).map_err(fail)?;
    // EPSG:4326 is latitude-first by the book; GIS data is longitude-first.
    from.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    to.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    CoordTransform::new(&from, &to).map_err(fail)
}

pub use crate::webmap_crs::{bd09_to_gcj02, gcj02_to_bd09, gcj02_to_wgs84, wgs84_to_gcj02};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::distance_m;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn the_forward_transforms_reproduce_the_published_test_point() {
        // wandergis/coordtransform's test (116.404, 39.915), results to 1e-9°.
        let g = wgs84_to_gcj02(c(116.404, 39.915));
        assert!(
            (g.x - 116.410_244_499_169_38).abs() < 1e-9 && (g.y - 39.916_404_281_501_64).abs() < 1e-9,
            "{g:?}"
        );
        let b = gcj02_to_bd09(c(116.404, 39.915));
        assert!(
            (b.x - 116.410_369_493_710_29).abs() < 1e-9 && (b.y - 39.921_336_993_510_21).abs() < 1e-9,
            "{b:?}"
        );
    }

    #[test]
    fn the_inverses_round_trip_below_a_millimetre_across_shanxi() {
        for lon in [110.3, 111.0, 112.55, 113.6, 114.5] {
            for lat in [34.6, 35.5, 37.87, 39.1, 40.7] {
                let w = c(lon, lat);
                let back = gcj02_to_wgs84(wgs84_to_gcj02(w));
                assert!(distance_m(w, back) < 0.001, "gcj02 {w:?} → {back:?}");
                let back = gcj02_to_wgs84(bd09_to_gcj02(gcj02_to_bd09(wgs84_to_gcj02(w))));
                assert!(distance_m(w, back) < 0.001, "bd09 {w:?} → {back:?}");
            }
        }
    }

    #[test]
    fn the_offset_is_hundreds_of_metres_so_the_conversion_matters() {
        let w = c(112.55, 37.87);
        let shift = distance_m(w, wgs84_to_gcj02(w));
        assert!((100.0..1000.0).contains(&shift), "GCJ-02 offset at Taiyuan {shift} m");
    }

    #[test]
    fn gauss_kruger_zone_coordinates_go_through_proj() {
        // CGCS2000 3° zone 38 (EPSG:4526, central meridian 114° E, false
        // easting 38,500,000 m): the central meridian at the equator's false
        // northing 0 ... here a point on the central meridian maps to 114° E.
        let t = ToWgs84::new("EPSG:4526".parse().unwrap()).unwrap();
        let out = t
            .geometry(&Geometry::Point(geo::Point::new(38_500_000.0, 4_190_000.0)))
            .unwrap();
        let Geometry::Point(p) = out else { panic!() };
        assert!((p.x() - 114.0).abs() < 1e-9, "{p:?}");
        assert!((37.0..39.0).contains(&p.y()), "{p:?}");
    }

    #[test]
    fn names_parse() {
        assert_eq!("EPSG:4326".parse::<Crs>().unwrap(), Crs::Wgs84);
        assert_eq!("gcj02".parse::<Crs>().unwrap(), Crs::Gcj02);
        assert_eq!("BD09".parse::<Crs>().unwrap(), Crs::Bd09);
        assert_eq!("epsg:4527".parse::<Crs>().unwrap(), Crs::Epsg(4527));
        assert!("mars".parse::<Crs>().is_err());
    }
}
