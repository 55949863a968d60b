//! Shanxi's geography as the generator needs it: the real counties, and which
//! of them lie in the coal fields, the loess hills, the mountains, the Fen
//! valley; the cities with chemical and metallurgy works; the basins.

use super::sample::bbox_of;
use crate::error::{Error, Result};
use crate::feature::ParsedGeometry;
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

/// Census 2020 resident population of Shanxi's eleven cities (sum 34,915,616).
pub const CITY_POPULATION: &[(&str, u64)] = &[
    ("太原市", 5_304_061),
    ("大同市", 3_105_591),
    ("阳泉市", 1_318_505),
    ("长治市", 3_180_884),
    ("晋城市", 2_194_545),
    ("朔州市", 1_593_444),
    ("晋中市", 3_379_498),
    ("运城市", 4_774_508),
    ("忻州市", 2_689_668),
    ("临汾市", 3_976_481),
    ("吕梁市", 3_398_431),
];

/// Counties of the six coal fields (Datong, Ningwu, Xishan, Qinshui, Huoxi, Hedong).
const COAL_COUNTIES: &[(&str, &str)] = &[
    ("大同市", "左云县"),
    ("大同市", "南郊区"),
    ("大同市", "新荣区"),
    ("大同市", "矿区"),
    ("大同市", "大同县"),
    ("朔州市", "平鲁区"),
    ("朔州市", "山阴县"),
    ("朔州市", "怀仁县"),
    ("朔州市", "朔城区"),
    ("忻州市", "宁武县"),
    ("忻州市", "原平市"),
    ("忻州市", "河曲县"),
    ("忻州市", "保德县"),
    ("忻州市", "静乐县"),
    ("太原市", "古交市"),
    ("太原市", "万柏林区"),
    ("太原市", "晋源区"),
    ("阳泉市", "盂县"),
    ("阳泉市", "平定县"),
    ("阳泉市", "郊区"),
    ("阳泉市", "矿区"),
    ("晋中市", "寿阳县"),
    ("晋中市", "昔阳县"),
    ("晋中市", "和顺县"),
    ("晋中市", "左权县"),
    ("晋中市", "灵石县"),
    ("晋中市", "介休市"),
    ("长治市", "襄垣县"),
    ("长治市", "屯留县"),
    ("长治市", "长子县"),
    ("长治市", "潞城市"),
    ("长治市", "沁源县"),
    ("长治市", "武乡县"),
    ("长治市", "沁县"),
    ("长治市", "郊区"),
    ("长治市", "长治县"),
    ("晋城市", "高平市"),
    ("晋城市", "泽州县"),
    ("晋城市", "沁水县"),
    ("晋城市", "阳城县"),
    ("晋城市", "陵川县"),
    ("临汾市", "霍州市"),
    ("临汾市", "洪洞县"),
    ("临汾市", "古县"),
    ("临汾市", "安泽县"),
    ("临汾市", "浮山县"),
    ("临汾市", "乡宁县"),
    ("临汾市", "蒲县"),
    ("临汾市", "汾西县"),
    ("吕梁市", "柳林县"),
    ("吕梁市", "离石区"),
    ("吕梁市", "中阳县"),
    ("吕梁市", "孝义市"),
    ("吕梁市", "交口县"),
    ("吕梁市", "汾阳市"),
    ("吕梁市", "兴县"),
    ("吕梁市", "石楼县"),
];

/// Loess hills of western and central Shanxi: landslides, collapses, debris flows.
const LOESS_COUNTIES: &[(&str, &str)] = &[
    ("吕梁市", "离石区"),
    ("吕梁市", "柳林县"),
    ("吕梁市", "中阳县"),
    ("吕梁市", "石楼县"),
    ("吕梁市", "临县"),
    ("吕梁市", "兴县"),
    ("吕梁市", "方山县"),
    ("吕梁市", "岚县"),
    ("临汾市", "吉县"),
    ("临汾市", "乡宁县"),
    ("临汾市", "大宁县"),
    ("临汾市", "永和县"),
    ("临汾市", "隰县"),
    ("临汾市", "蒲县"),
    ("临汾市", "汾西县"),
    ("忻州市", "保德县"),
    ("忻州市", "河曲县"),
    ("忻州市", "偏关县"),
    ("忻州市", "岢岚县"),
    ("忻州市", "五寨县"),
    ("忻州市", "神池县"),
    ("太原市", "古交市"),
    ("太原市", "娄烦县"),
];

/// Forested mountains: Taihang (east), Lüliang (west), Wutai (north), Taiyue.
const FOREST_COUNTIES: &[(&str, &str, &str)] = &[
    ("晋中市", "和顺县", "太行山"),
    ("晋中市", "左权县", "太行山"),
    ("晋中市", "昔阳县", "太行山"),
    ("长治市", "黎城县", "太行山"),
    ("长治市", "平顺县", "太行山"),
    ("长治市", "壶关县", "太行山"),
    ("晋城市", "陵川县", "太行山"),
    ("晋城市", "阳城县", "太行山"),
    ("大同市", "灵丘县", "太行山"),
    ("阳泉市", "盂县", "太行山"),
    ("吕梁市", "交城县", "吕梁山"),
    ("吕梁市", "方山县", "吕梁山"),
    ("吕梁市", "中阳县", "吕梁山"),
    ("吕梁市", "交口县", "吕梁山"),
    ("太原市", "娄烦县", "吕梁山"),
    ("吕梁市", "岚县", "吕梁山"),
    ("忻州市", "宁武县", "吕梁山"),
    ("忻州市", "五台县", "五台山"),
    ("忻州市", "繁峙县", "五台山"),
    ("忻州市", "代县", "五台山"),
    ("长治市", "沁源县", "太岳山"),
    ("临汾市", "古县", "太岳山"),
    ("临汾市", "安泽县", "太岳山"),
];

/// Cities with chemical works, and how strongly (a weight).
pub const CHEMICAL_CITIES: &[(&str, f64)] = &[
    ("太原市", 3.0),
    ("长治市", 2.5),
    ("晋城市", 2.0),
    ("临汾市", 2.0),
    ("运城市", 2.0),
    ("吕梁市", 2.5),
    ("晋中市", 1.8),
    ("阳泉市", 1.5),
];

/// Cities with steel and aluminium works.
pub const METALLURGY_CITIES: &[(&str, f64)] = &[
    ("太原市", 3.0),
    ("长治市", 2.5),
    ("临汾市", 2.5),
    ("运城市", 2.5),
    ("吕梁市", 2.5),
    ("晋中市", 1.8),
    ("阳泉市", 1.5),
];

/// The Fen River (汾河), source to the Yellow River, approximate.
pub const FEN_RIVER: &[(f64, f64)] = &[
    (112.05, 38.95),
    (111.93, 38.55),
    (111.92, 38.36),
    (112.15, 38.05),
    (112.45, 37.95),
    (112.55, 37.85),
    (112.52, 37.65),
    (112.35, 37.45),
    (112.10, 37.25),
    (111.92, 37.05),
    (111.78, 36.85),
    (111.72, 36.57),
    (111.68, 36.27),
    (111.52, 36.08),
    (111.42, 35.87),
    (111.30, 35.62),
    (110.98, 35.60),
    (110.70, 35.57),
    (110.58, 35.58),
];

/// A basin drawn as an ellipse.
#[derive(Debug, Clone, Copy)]
pub struct Basin {
    /// Name.
    pub name: &'static str,
    /// Centre, lon/lat.
    pub centre: (f64, f64),
    /// Half-length along the axis, km.
    pub half_length_km: f64,
    /// Half-width across it, km.
    pub half_width_km: f64,
    /// Bearing of the long axis, degrees from north.
    pub bearing: f64,
}

/// Fen–Wei graben basins with seismic design intensity VIII.
pub const SEISMIC_BASINS: &[Basin] = &[
    Basin {
        name: "太原盆地",
        centre: (112.45, 37.50),
        half_length_km: 70.0,
        half_width_km: 18.0,
        bearing: 30.0,
    },
    Basin {
        name: "临汾盆地",
        centre: (111.55, 36.15),
        half_length_km: 60.0,
        half_width_km: 15.0,
        bearing: 20.0,
    },
    Basin {
        name: "运城盆地",
        centre: (110.95, 35.05),
        half_length_km: 55.0,
        half_width_km: 16.0,
        bearing: 60.0,
    },
];

/// City networks of gas: the city and the county (district) at its core.
pub const GAS_CITIES: &[(&str, &str, usize)] = &[
    ("太原市", "迎泽区", 9),
    ("临汾市", "尧都区", 6),
    ("长治市", "城区", 6),
    ("大同市", "城区", 6),
    ("晋城市", "城区", 5),
    ("运城市", "盐湖区", 5),
];

/// The seat district of each city (where its command centre and main teams are).
pub const CITY_SEATS: &[(&str, &str)] = &[
    ("太原市", "迎泽区"),
    ("大同市", "城区"),
    ("阳泉市", "城区"),
    ("长治市", "城区"),
    ("晋城市", "城区"),
    ("朔州市", "朔城区"),
    ("晋中市", "榆次区"),
    ("运城市", "盐湖区"),
    ("忻州市", "忻府区"),
    ("临汾市", "尧都区"),
    ("吕梁市", "离石区"),
];

/// The counties with the facts above resolved to indices.
#[derive(Debug)]
pub struct Province<'a> {
    /// Every county.
    pub counties: &'a [CountyShape],
    /// Indices of coal-field counties.
    pub coal: Vec<usize>,
    /// Indices of loess-hill counties.
    pub loess: Vec<usize>,
    /// Indices of forest counties, with their mountain range.
    pub forest: Vec<(usize, &'static str)>,
    /// Index of each city's seat county, in [`CITY_SEATS`] order.
    pub seats: Vec<usize>,
}

impl<'a> Province<'a> {
    pub(super) fn new(counties: &'a [CountyShape]) -> Result<Self> {
        let find = |city: &str, county: &str| {
            counties
                .iter()
                .position(|c| c.city == city && c.county == county)
                .ok_or_else(|| Error::BadData {
                    path: "counties".into(),
                    reason: format!("no county {city}{county}"),
                })
        };
        Ok(Self {
            counties,
            coal: COAL_COUNTIES.iter().map(|(a, b)| find(a, b)).collect::<Result<_>>()?,
            loess: LOESS_COUNTIES.iter().map(|(a, b)| find(a, b)).collect::<Result<_>>()?,
            forest: FOREST_COUNTIES
                .iter()
                .map(|(a, b, m)| find(a, b).map(|i| (i, *m)))
                .collect::<Result<_>>()?,
            seats: CITY_SEATS.iter().map(|(a, b)| find(a, b)).collect::<Result<_>>()?,
        })
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
