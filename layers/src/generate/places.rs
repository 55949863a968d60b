//! The region's geography as the generator needs it: the real counties, and
//! which of them lie in the coal fields, the loess hills, the mountains; the
//! cities with chemical and metallurgy works; rivers and basins. Every fact
//! comes from the region's `region.toml` ([`crate::region::Region`]).

use super::sample::bbox_of;
use crate::error::{Error, Result};
use crate::feature::ParsedGeometry;
use crate::region::Region;
use geo::orient::{Direction, Orient};
use geo::{Coord, GeodesicArea, Geometry, MultiPolygon, Rect};
use serde::Deserialize;
use std::path::Path;

/// Surface of the WGS 84 ellipsoid, m².
const EARTH_AREA_M2: f64 = 510_065_621.724e6;

/// A real county with its boundary.
#[derive(Debug, Clone)]
pub struct CountyShape {
    /// 1-based id, in file order.
    pub id: u32,
    /// Index in the county list (id − 1).
    pub index: usize,
    /// Province name.
    pub province: String,
    /// City (prefecture) name.
    pub city: String,
    /// County name.
    pub county: String,
    /// A point inside, used as the county seat.
    pub label: Coord<f64>,
    /// Boundary.
    pub shape: MultiPolygon<f64>,
    /// Bounding box.
    pub bbox: Rect<f64>,
    /// Area, km².
    pub area_km2: f64,
}

impl CountyShape {
    /// Whether this is an urban district (区) rather than a county or county-level city.
    pub fn is_district(&self) -> bool {
        self.county.ends_with('区')
    }

    /// The county's name without its 县/区/市 suffix, for place names.
    pub fn short_name(&self) -> &str {
        let name = self.county.as_str();
        let trimmed = name.trim_end_matches(['县', '区', '市']);
        if trimmed.chars().count() >= 2 { trimmed } else { name }
    }
}

#[derive(Deserialize)]
struct SourceCollection {
    features: Vec<SourceFeature>,
}

#[derive(Deserialize)]
struct SourceFeature {
    geometry: ParsedGeometry,
    properties: SourceProperties,
}

#[derive(Deserialize)]
struct SourceProperties {
    province: String,
    city: String,
    county: String,
    label_point: [f64; 2],
}

pub(super) fn read_counties(path: &Path) -> Result<Vec<CountyShape>> {
    let bytes = std::fs::read(path).map_err(Error::io("read", path))?;
    parse_counties(&bytes, path)
}

/// The counties in `bytes` (GeoJSON); `path` names them in errors.
pub(super) fn parse_counties(bytes: &[u8], path: &Path) -> Result<Vec<CountyShape>> {
    let source: SourceCollection = serde_json::from_slice(bytes).map_err(|e| Error::BadData {
        path: path.into(),
        reason: e.to_string(),
    })?;
    source
        .features
        .into_iter()
        .enumerate()
        .map(|(index, f)| {
            // Exterior rings anticlockwise (RFC 7946), which the geodesic area also needs:
            // a clockwise ring would measure the rest of the Earth.
            let shape = match f.geometry.0 {
                Geometry::Polygon(p) => MultiPolygon(vec![p]).orient(Direction::Default),
                Geometry::MultiPolygon(mp) => mp.orient(Direction::Default),
                _ => {
                    return Err(Error::BadData {
                        path: path.into(),
                        reason: format!("county {} is not a polygon", f.properties.county),
                    });
                }
            };
            // A ring the geodesic algorithm reads as clockwise (some source rings
            // touch themselves) measures the rest of the Earth: take the
            // complement, polygon by polygon (one such part among others must
            // not turn the whole county's area negative).
            let m2: f64 = shape
                .0
                .iter()
                .map(|p| {
                    let a = p.geodesic_area_unsigned();
                    if a > EARTH_AREA_M2 / 2.0 { EARTH_AREA_M2 - a } else { a }
                })
                .sum();
            let area_km2 = (m2 / 1e6 * 10.0).round() / 10.0;
            Ok(CountyShape {
                id: index as u32 + 1,
                index,
                province: f.properties.province,
                city: f.properties.city,
                county: f.properties.county,
                label: Coord {
                    x: f.properties.label_point[0],
                    y: f.properties.label_point[1],
                },
                bbox: bbox_of(&shape),
                shape,
                area_km2,
            })
        })
        .collect()
}

/// Moves a county's outline and label point by `f` (a datum shift of some
/// hundreds of metres: the area is kept as measured).
pub(super) fn convert(county: &mut CountyShape, f: impl Fn(Coord<f64>) -> Coord<f64> + Copy) {
    use geo::MapCoordsInPlace;
    county.shape.map_coords_in_place(f);
    county.label = f(county.label);
    county.bbox = bbox_of(&county.shape);
}

/// The counties with the region's facts resolved to indices.
#[derive(Debug)]
pub struct Province<'a> {
    /// The region.
    pub region: &'a Region,
    /// Every county.
    pub counties: &'a [CountyShape],
    /// Indices of coal-field counties.
    pub coal: Vec<usize>,
    /// Indices of loess-hill counties.
    pub loess: Vec<usize>,
    /// Indices of forest counties, with their mountain range.
    pub forest: Vec<(usize, &'a str)>,
    /// Index of each city's seat county, in the region's city order.
    pub seats: Vec<usize>,
}

impl<'a> Province<'a> {
    pub(super) fn new(region: &'a Region, counties: &'a [CountyShape]) -> Result<Self> {
        if counties.is_empty() {
            return Err(Error::BadData {
                path: region.boundary.clone().into(),
                reason: format!("region {}: the boundary file has no counties", region.id),
            });
        }
        let find = |city: &str, county: &str| {
            counties
                .iter()
                .position(|c| c.city == city && c.county == county)
                .ok_or_else(|| Error::BadData {
                    path: format!("region {} (region.toml)", region.id).into(),
                    reason: format!("no county {city}{county} in the boundary file"),
                })
        };
        let geo = &region.geography;
        for city in &region.census.cities {
            if !counties.iter().any(|c| c.city == city.name) {
                return Err(Error::BadData {
                    path: format!("region {} (region.toml)", region.id).into(),
                    reason: format!("census city {} has no county in the boundary file", city.name),
                });
            }
        }
        if let Some(c) = counties.iter().find(|c| region.city(&c.city).is_none()) {
            return Err(Error::BadData {
                path: format!("region {} (region.toml)", region.id).into(),
                reason: format!(
                    "county {}{} lies in a city census.cities does not list",
                    c.city, c.county
                ),
            });
        }
        Ok(Self {
            region,
            counties,
            coal: geo.coal.iter().map(|[a, b]| find(a, b)).collect::<Result<_>>()?,
            loess: geo.loess.iter().map(|[a, b]| find(a, b)).collect::<Result<_>>()?,
            forest: geo
                .forest
                .iter()
                .map(|[a, b, m]| find(a, b).map(|i| (i, m.as_str())))
                .collect::<Result<_>>()?,
            seats: region
                .census
                .cities
                .iter()
                .map(|c| find(&c.name, &c.seat))
                .collect::<Result<_>>()?,
        })
    }

    /// The seat county of a city (by name), if the region lists it.
    pub fn seat_of(&self, city: &str) -> Option<usize> {
        let k = self.region.census.cities.iter().position(|c| c.name == city)?;
        self.seats.get(k).copied()
    }

    /// Index of a county by city and county name.
    pub fn find(&self, city: &str, county: &str) -> Option<usize> {
        self.counties.iter().position(|c| c.city == city && c.county == county)
    }

    /// The county whose boundary contains `c`, if any (first in file order).
    pub fn county_at(&self, c: Coord<f64>) -> Option<&CountyShape> {
        use geo::Contains;
        self.counties
            .iter()
            .find(|k| k.bbox.contains(&c) && k.shape.contains(&geo::Point(c)))
    }

    /// Whether the county is a city's seat district.
    pub fn is_seat(&self, index: usize) -> bool {
        self.seats.contains(&index)
    }
}
