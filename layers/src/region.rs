//! A region is configuration, not code: a folder with a `region.toml` (id,
//! names, default map view, census totals, licence) and its boundary file
//! (province → cities → counties). The generator places everything by county
//! and reads the region's geography (coal fields, loess hills, rivers,
//! basins...) from the same file; a region that lists none of it still gets a
//! complete dataset (teams, shelters, roads, population, enterprises).
//!
//! Shanxi (`data/regions/shanxi/`) is built into the program; `serve
//! --region ID|PATH` (or `LOOKOUT_REGION`) picks another: an id names a
//! folder `DATA_DIR/regions/ID/`, a path names the folder itself.
//! docs/regions.md describes the file.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The id of the built-in region.
pub const BUILTIN_ID: &str = "shanxi";

/// `data/regions/shanxi/region.toml` as built into the program.
pub const BUILTIN_TOML: &str = include_str!("../../data/regions/shanxi/region.toml");

/// The built-in region's boundaries (`data/shanxi-counties.geojson`).
pub const BUILTIN_BOUNDARY: &[u8] = include_bytes!("../../data/shanxi-counties.geojson");

/// A region: what the map shows and the generator fills.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Short id (`shanxi`), used in folder names and the dataset identity.
    pub id: String,
    /// Name, Chinese (`山西省`): also the head of generated addresses.
    pub name_zh: String,
    /// Name, English (`Shanxi`).
    pub name_en: String,
    /// The map's title, Chinese.
    pub title_zh: String,
    /// The map's title, English.
    pub title_en: String,
    /// The province's two-digit administrative division code (GB/T 2260:
    /// 14 for Shanxi), the head of generated credit codes.
    pub province_code: u32,
    /// The boundary file (GeoJSON; properties `province`, `city`, `county`,
    /// `label_point`), relative to the region folder.
    pub boundary: String,
    /// Licence of the boundary file.
    pub licence: String,
    /// Attribution shown with the data.
    pub attribution: String,
    /// How the boundaries relate to WGS 84 (e.g. a GCJ-02 offset), stated plainly.
    #[serde(default)]
    pub offset_note: String,
    /// The coordinate system the boundary file is in: `"EPSG:4326"` (the
    /// default: taken as is) or, for a file cut from a web map, `"gcj02"` or
    /// `"bd09"`, converted to WGS 84 when the boundaries are read, with the
    /// import's transforms (`import::crs`).
    #[serde(default)]
    pub boundary_crs: BoundaryCrs,
    /// The map's default view.
    pub view: View,
    /// Census: the source and each city's total.
    pub census: Census,
    /// What the generator places where. Every list may be empty.
    #[serde(default)]
    pub geography: Geography,
    /// The folder it was read from (None: built in).
    #[serde(skip)]
    pub folder: Option<PathBuf>,
}

/// The coordinate system of a region's boundary file ([`Region::boundary_crs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum BoundaryCrs {
    /// WGS 84 (CGCS2000 is taken as WGS 84, as on import): as is.
    #[default]
    #[serde(rename = "EPSG:4326", alias = "EPSG:4490", alias = "wgs84")]
    Wgs84,
    /// GCJ-02 (高德, 腾讯 and other web maps in China).
    #[serde(rename = "gcj02")]
    Gcj02,
    /// BD-09 (百度).
    #[serde(rename = "bd09")]
    Bd09,
}

impl BoundaryCrs {
    /// A boundary file position, in WGS 84.
    pub fn to_wgs84(self, c: geo::Coord<f64>) -> geo::Coord<f64> {
        use crate::webmap_crs::{bd09_to_gcj02, gcj02_to_wgs84};
        match self {
            Self::Wgs84 => c,
            Self::Gcj02 => gcj02_to_wgs84(c),
            Self::Bd09 => gcj02_to_wgs84(bd09_to_gcj02(c)),
        }
    }
}

/// The map's default view.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    /// West, south, east, north (degrees) the map fits at start.
    pub bounds: [f64; 4],
}

/// Census totals by city.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Census {
    /// Where the totals come from.
    pub source: String,
    /// Each city (prefecture) of the boundary file.
    pub cities: Vec<City>,
}

/// A city (prefecture) of the region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct City {
    /// Name as in the boundary file (`太原市`).
    pub name: String,
    /// English name (`Taiyuan`).
    pub name_en: String,
    /// The seat district (command centre, main teams), a county of the city.
    pub seat: String,
    /// Resident population (census).
    pub population: u64,
}

/// A river: drawn on the basemap; floodplain zones along it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct River {
    /// Name, Chinese.
    pub name_zh: String,
    /// Name, English.
    pub name_en: String,
    /// Its course, source to mouth, [lon, lat].
    pub line: Vec<[f64; 2]>,
    /// Latitudes between which its floodplain zones are graded high, not moderate.
    #[serde(default)]
    pub high_between_lat: Option<[f64; 2]>,
}

/// A flood-prone spot off the rivers drawn (e.g. a small river's reach).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FloodSpot {
    /// Zone name.
    pub name: String,
    /// Centre, [lon, lat].
    pub at: [f64; 2],
}

/// A basin drawn as an ellipse (a seismic zone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Basin {
    /// Name.
    pub name: String,
    /// Centre, [lon, lat].
    pub centre: [f64; 2],
    /// Half-length along the axis, km.
    pub half_length_km: f64,
    /// Half-width across it, km.
    pub half_width_km: f64,
    /// Bearing of the long axis, degrees from north.
    pub bearing: f64,
}

/// The region's geography as the generator needs it. Counties are named
/// `[city, county]` as in the boundary file; an unknown name is an error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geography {
    /// Counties in coal fields: coal mines, mine rescue teams.
    #[serde(default)]
    pub coal: Vec<[String; 2]>,
    /// Loess-hill counties: landslide, collapse and debris-flow zones.
    #[serde(default)]
    pub loess: Vec<[String; 2]>,
    /// Forest counties and their mountain range: forest-fire zones and teams.
    #[serde(default)]
    pub forest: Vec<[String; 3]>,
    /// Cities with chemical works and how strongly (a weight; unlisted cities 0.3).
    #[serde(default)]
    pub chemical_cities: Vec<(String, f64)>,
    /// Cities with steel and aluminium works, weighted.
    #[serde(default)]
    pub metallurgy_cities: Vec<(String, f64)>,
    /// City gas networks: city, core county, grid size.
    #[serde(default)]
    pub gas: Vec<(String, String, usize)>,
    /// Rivers.
    #[serde(default)]
    pub rivers: Vec<River>,
    /// Flood spots off those rivers.
    #[serde(default)]
    pub flood_spots: Vec<FloodSpot>,
    /// Cities every county of which keeps a flood team.
    #[serde(default)]
    pub flood_cities: Vec<String>,
    /// Seismic basins.
    #[serde(default)]
    pub seismic_basins: Vec<Basin>,
    /// Expressway corridors between city seats: from city, to city, route name.
    #[serde(default)]
    pub expressways: Vec<[String; 3]>,
    /// The city whose seat also holds the region's own (provincial) warehouse;
    /// the first city when absent.
    #[serde(default)]
    pub capital: Option<String>,
}

impl Region {
    /// Parses a `region.toml`.
    pub fn parse(text: &str, origin: &Path) -> Result<Self> {
        let region: Region = toml::from_str(text).map_err(|e| Error::BadData {
            path: origin.into(),
            reason: e.to_string(),
        })?;
        region.check(origin)?;
        Ok(region)
    }

    /// The built-in region (Shanxi).
    pub fn builtin() -> Self {
        // The file is part of the program and tested: it parses.
        #[allow(clippy::expect_used, reason = "a unit test parses the built-in file")]
        Self::parse(BUILTIN_TOML, Path::new("(built-in) regions/shanxi/region.toml")).expect("built-in region.toml")
    }

    /// Reads the region in `folder` (its `region.toml`).
    pub fn read(folder: &Path) -> Result<Self> {
        let path = folder.join("region.toml");
        let text = std::fs::read_to_string(&path).map_err(Error::io("read", &path))?;
        let mut region = Self::parse(&text, &path)?;
        region.folder = Some(folder.to_path_buf());
        Ok(region)
    }

    /// The region `spec` names: `None` or the built-in id → the built-in
    /// region (or `DATA_DIR/regions/shanxi/` when a bureau keeps its own copy
    /// there); a path to a folder (or its `region.toml`) → that folder; any
    /// other id → `DATA_DIR/regions/ID/`.
    pub fn resolve(spec: Option<&str>, data_dir: &Path) -> Result<Self> {
        let spec = spec.map(str::trim).filter(|s| !s.is_empty());
        let Some(spec) = spec else {
            return Self::resolve(Some(BUILTIN_ID), data_dir);
        };
        let as_path = Path::new(spec);
        let looks_like_path = spec.contains('/') || spec.contains('\\') || spec.starts_with('.');
        if looks_like_path {
            let folder = if as_path.is_file() {
                as_path.parent().unwrap_or(Path::new(".")).to_path_buf()
            } else {
                as_path.to_path_buf()
            };
            return Self::read(&folder);
        }
        if !spec.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(Error::BadData {
                path: "--region".into(),
                reason: format!("{spec:?} is neither a region id (letters, digits, - and _) nor a folder"),
            });
        }
        let folder = data_dir.join("regions").join(spec);
        if folder.join("region.toml").exists() {
            return Self::read(&folder);
        }
        if spec == BUILTIN_ID {
            return Ok(Self::builtin());
        }
        Err(Error::BadData {
            path: folder.join("region.toml"),
            reason: format!(
                "no region {spec:?}: make the folder with a region.toml (docs/regions.md) or name one by path"
            ),
        })
    }

    /// Whether this is the built-in region, as the program carries it.
    pub fn is_builtin(&self) -> bool {
        self.folder.is_none()
    }

    /// The boundary file's bytes, and a name for errors. The built-in region
    /// reads `DATA_DIR/shanxi-counties.geojson` when a bureau keeps its own
    /// there, else the copy built into the program.
    pub fn boundary_bytes(&self, data_dir: &Path) -> Result<(Vec<u8>, PathBuf)> {
        match &self.folder {
            Some(folder) => {
                let path = folder.join(&self.boundary);
                let bytes = std::fs::read(&path).map_err(Error::io("read", &path))?;
                Ok((bytes, path))
            }
            None => {
                let own = data_dir.join("shanxi-counties.geojson");
                if own.exists() {
                    let bytes = std::fs::read(&own).map_err(Error::io("read", &own))?;
                    return Ok((bytes, own));
                }
                Ok((
                    BUILTIN_BOUNDARY.to_vec(),
                    PathBuf::from("(built-in) shanxi-counties.geojson"),
                ))
            }
        }
    }

    /// The sum of the census totals.
    pub fn population(&self) -> u64 {
        self.census.cities.iter().map(|c| c.population).sum()
    }

    /// A city by name.
    pub fn city(&self, name: &str) -> Option<&City> {
        self.census.cities.iter().find(|c| c.name == name)
    }

    /// The city holding the region's own warehouse.
    pub fn capital(&self) -> Option<&City> {
        match &self.geography.capital {
            Some(name) => self.city(name),
            None => self.census.cities.first(),
        }
    }

    fn check(&self, origin: &Path) -> Result<()> {
        let bad = |reason: String| {
            Err(Error::BadData {
                path: origin.into(),
                reason,
            })
        };
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return bad(format!("id {:?}: letters, digits, - and _ only", self.id));
        }
        if !(11..=82).contains(&self.province_code) {
            return bad(format!(
                "province_code {} is not a GB/T 2260 province code (11..=82)",
                self.province_code
            ));
        }
        let [w, s, e, n] = self.view.bounds;
        let lon = -180.0..=180.0;
        let lat = -85.0..=85.0;
        if !(lon.contains(&w) && lon.contains(&e) && lat.contains(&s) && lat.contains(&n) && w < e && s < n) {
            return bad(format!(
                "view.bounds {:?} is not [west, south, east, north] in degrees",
                self.view.bounds
            ));
        }
        if self.census.cities.is_empty() {
            return bad("census.cities is empty: a region has at least one city".into());
        }
        for city in &self.census.cities {
            if self.census.cities.iter().filter(|c| c.name == city.name).count() > 1 {
                return bad(format!("city {} is listed twice", city.name));
            }
        }
        if let Some(capital) = &self.geography.capital
            && self.city(capital).is_none()
        {
            return bad(format!("geography.capital {capital} is not a city of census.cities"));
        }
        for [a, b, _] in &self.geography.expressways {
            for c in [a, b] {
                if self.city(c).is_none() {
                    return bad(format!("expressway end {c} is not a city of census.cities"));
                }
            }
        }
        for river in &self.geography.rivers {
            if river.line.len() < 2 {
                return bad(format!("river {} has fewer than two points", river.name_zh));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_region_is_shanxi_with_its_census() {
        let r = Region::builtin();
        assert_eq!(r.id, "shanxi");
        assert_eq!(r.name_zh, "山西省");
        assert_eq!(r.census.cities.len(), 11);
        // 2020 census, Shanxi: 34,915,616 residents (data/README.md).
        assert_eq!(r.population(), 34_915_616);
        assert_eq!(r.capital().map(|c| c.name.as_str()), Some("太原市"));
    }

    #[test]
    fn the_second_region_reads_from_its_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/regions/yangquan");
        let r = Region::resolve(Some(dir.to_str().unwrap()), Path::new("/nonexistent")).unwrap();
        assert_eq!(r.id, "yangquan");
        assert_eq!(r.census.cities.len(), 1);
        assert!(r.geography.rivers.is_empty());
        let (bytes, _) = r.boundary_bytes(Path::new("/nonexistent")).unwrap();
        assert!(!bytes.is_empty());
        // By id under DATA_DIR/regions/.
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
        assert_eq!(Region::resolve(Some("yangquan"), &data).unwrap().id, "yangquan");
    }

    #[test]
    fn a_gcj02_boundary_file_is_moved_to_wgs84_when_read() {
        // Yangquan's own folder, with `boundary_crs = "gcj02"` in a copy of its region.toml.
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/regions/yangquan");
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(src.join("counties.geojson"), dir.path().join("counties.geojson")).unwrap();
        let toml = std::fs::read_to_string(src.join("region.toml")).unwrap();
        assert!(!toml.contains("boundary_crs"));
        let toml = toml.replace(
            "boundary = \"counties.geojson\"",
            "boundary = \"counties.geojson\"\nboundary_crs = \"gcj02\"",
        );
        std::fs::write(dir.path().join("region.toml"), toml).unwrap();
        let shifted = Region::read(dir.path()).unwrap();
        assert_eq!(shifted.boundary_crs, BoundaryCrs::Gcj02);
        let plain = Region::read(&src).unwrap();
        assert_eq!(plain.boundary_crs, BoundaryCrs::Wgs84);

        let nowhere = Path::new("/nonexistent");
        let before = crate::generate::read_region_counties(&plain, nowhere).unwrap();
        let after = crate::generate::read_region_counties(&shifted, nowhere).unwrap();
        // 矿区's first vertex in the file, (113.56055, 37.86035) read as GCJ-02,
        // is at (113.554092, 37.859812) in WGS 84: 23.25" west and 1.94" south,
        // 570 m (the published transform, computed independently in Python).
        let (k0, k1) = (&before[0], &after[0]);
        assert_eq!(k0.county, "矿区");
        let i = k0.shape.0[0]
            .exterior()
            .0
            .iter()
            .position(|c| (c.x - 113.56055).abs() < 1e-9 && (c.y - 37.86035).abs() < 1e-9)
            .unwrap();
        let moved = k1.shape.0[0].exterior().0[i];
        assert!(
            (moved.x - 113.554_092).abs() < 1e-6 && (moved.y - 37.859_812).abs() < 1e-6,
            "{moved:?}"
        );
        let v = geo::Coord {
            x: 113.56055,
            y: 37.86035,
        };
        let metres = crate::geodesy::distance_m(v, moved);
        assert!((metres - 570.0).abs() < 1.0, "{metres}");
        // Every vertex and the label point move, each by the local offset (500–650 m here).
        for (a, b) in before.iter().zip(&after) {
            let d = crate::geodesy::distance_m(a.label, b.label);
            assert!((500.0..650.0).contains(&d), "{} label {d}", a.county);
            assert!(b.bbox.min().x < a.bbox.min().x, "{}", a.county);
        }
        // BD-09 is GCJ-02 shifted further: a file in it moves more.
        assert!(crate::geodesy::distance_m(v, BoundaryCrs::Bd09.to_wgs84(v)) > metres + 500.0);
    }

    #[test]
    fn a_bad_region_is_refused_with_a_reason() {
        let text = BUILTIN_TOML.replace("bounds = [", "bounds = [200.0, ");
        let err = Region::parse(&text, Path::new("x")).unwrap_err().to_string();
        assert!(err.contains("bounds") || err.contains("invalid length"), "{err}");
        let err = Region::resolve(Some("nowhere"), Path::new("/nonexistent"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no region \"nowhere\""), "{err}");
        let err = Region::resolve(Some("../x;rm"), Path::new("/nonexistent"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("region.toml"), "{err}");
        // Unknown keys are refused, not ignored.
        let err = Region::parse(&format!("{BUILTIN_TOML}\nzoom = 3\n"), Path::new("x"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("zoom"), "{err}");
    }
}
