//! The dataset generator: `lookout data generate [--seed N] [--scale K]`.
//!
//! Real county boundaries and real census totals of a region
//! ([`crate::region::Region`]; Shanxi built in) carry a fictional but
//! plausible province: coal mines in the coal fields, chemical
//! and metallurgy plants in the industrial cities, gas networks in city cores,
//! loess-hill landslide zones, floods along the rivers, rescue teams at
//! county seats, a connected road network to route on. Everything
//! region-specific comes from the region's `region.toml`. The same seed
//! always gives the same dataset; each stage has its own random stream, so a
//! change to one stage does not reshuffle the others.

mod assets;
mod enterprises;
mod gas;
pub mod history;
pub mod inspections;
pub(crate) mod names;
mod places;
mod population;
mod progress;
mod roads;
mod sample;
mod sensitive;
mod sensors;
mod zones;

use crate::catalog::Dataset;
use crate::dataset::{FICTION_NOTICE, Metadata};
use crate::error::{Error, Result};
use crate::feature::Feature;
use crate::model::County;
use crate::region::Region;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

pub use places::CountyShape;
pub use progress::{Progress, Silent};
pub use sensors::main_pressure;

/// Version of the generator; a dataset folder records the one that wrote it.
/// Bump it whenever the same seed would give different data: datasets on disk
/// are then generated again, and journals of the old one are refused.
pub const GENERATOR_VERSION: u32 = 8;

/// A county's outline as the layer holds it. The source's quantisation
/// leaves 24 of the 119 outlines crossing themselves (`data/README.md`);
/// such an outline is rebuilt by a union with nothing, which resolves the
/// crossings (i_overlay, through geo's `BooleanOps`), and the repair is
/// logged. Generation itself places features in the source outlines, so the
/// repair changes no other layer.
pub fn valid_shape(shape: &geo::MultiPolygon<f64>, name: &str) -> geo::MultiPolygon<f64> {
    use geo::orient::{Direction, Orient};
    use geo::{BooleanOps, Validation};
    if shape.is_valid() {
        return shape.clone();
    }
    // Exterior rings counter-clockwise, as every other outline.
    let repaired = shape
        .union(&geo::MultiPolygon::<f64>::new(vec![]))
        .orient(Direction::Default);
    if repaired.is_valid() {
        tracing::debug!(county = name, "county outline crossed itself: repaired");
        repaired
    } else {
        tracing::warn!(county = name, "county outline crosses itself and could not be repaired");
        shape.clone()
    }
}

/// Enterprises at scale 1.
pub const ENTERPRISES_PER_SCALE: usize = 12_000;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Random seed; the same seed gives the same dataset.
    pub seed: u64,
    /// Multiplies enterprises and rescue assets (1 → 12,000 enterprises).
    pub scale: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self { seed: 1, scale: 1 }
    }
}

/// Reads the county boundaries (the shared/data format: properties `province`,
/// `city`, `county`, `label_point`).
pub fn read_counties(path: &Path) -> Result<Vec<CountyShape>> {
    places::read_counties(path)
}

/// `data/shanxi-counties.geojson` as built into the program, so a copied
/// binary generates its dataset from any folder.
pub const BUILTIN_COUNTIES: &[u8] = crate::region::BUILTIN_BOUNDARY;

/// The counties of `region` (its boundary file; for the built-in region,
/// `DATA_DIR/shanxi-counties.geojson` when present, else the built-in copy),
/// in WGS 84: a file the region declares GCJ-02 or BD-09 (`boundary_crs`)
/// is converted here, outlines and label points.
pub fn read_region_counties(region: &Region, data_dir: &Path) -> Result<Vec<CountyShape>> {
    let (bytes, path) = region.boundary_bytes(data_dir)?;
    let mut counties = places::parse_counties(&bytes, &path)?;
    if region.boundary_crs != crate::region::BoundaryCrs::Wgs84 {
        for c in &mut counties {
            places::convert(c, |p| region.boundary_crs.to_wgs84(p));
        }
    }
    Ok(counties)
}

/// The county boundaries: `path` when that file exists (a bureau's own),
/// else the built-in copy ([`BUILTIN_COUNTIES`]).
pub fn read_counties_or_builtin(path: &Path) -> Result<Vec<CountyShape>> {
    if path.exists() {
        return places::read_counties(path);
    }
    places::parse_counties(BUILTIN_COUNTIES, Path::new("(built-in) shanxi-counties.geojson"))
}

/// Generates the whole dataset of the built-in region (Shanxi) over the given counties.
pub fn generate(counties: &[CountyShape], options: Options, progress: &dyn Progress) -> Result<Dataset> {
    generate_in(&Region::builtin(), counties, options, progress)
}

/// Generates the whole dataset of `region` over its counties.
pub fn generate_in(
    region: &Region,
    counties: &[CountyShape],
    options: Options,
    progress: &dyn Progress,
) -> Result<Dataset> {
    if options.scale == 0 {
        return Err(Error::BadData {
            path: "--scale".into(),
            reason: "scale must be at least 1".into(),
        });
    }
    let province = places::Province::new(region, counties)?;
    let rng = |stage: u64| ChaCha8Rng::seed_from_u64(options.seed ^ stage.wrapping_mul(0x9E37_79B9_7F4A_7C15));

    progress.stage("population", 3);
    let (county_population, population) = population::generate(&province, &mut rng(1));
    progress.advance(1);
    let counties = province
        .counties
        .iter()
        .map(|c| Feature {
            id: u64::from(c.id),
            geometry: geo::Geometry::MultiPolygon(valid_shape(&c.shape, &c.county)),
            properties: County {
                province: c.province.clone(),
                city: c.city.clone(),
                county: c.county.clone(),
                label_point: [c.label.x, c.label.y],
                population: county_population[c.index],
                area_km2: c.area_km2,
            },
        })
        .collect();
    progress.advance(2);

    let enterprise_count = ENTERPRISES_PER_SCALE * options.scale as usize;
    progress.stage("enterprises", enterprise_count as u64);
    let mut enterprises = enterprises::generate(&province, enterprise_count, &mut rng(2), progress);
    // Numbered along the map, as an import numbers what it creates
    // ([`crate::layout`]): a tile's enterprises are neighbours in memory.
    crate::layout::number_along_curve(&mut enterprises, 1);
    progress.stage("hazard sources, networks, sensors, zones, assets", 7);
    let mut hazard_sources = enterprises::hazard_sources(&province, &enterprises, &mut rng(3));
    crate::layout::number_along_curve(&mut hazard_sources, 1);
    progress.advance(1);
    let gas = gas::generate(&province, &mut rng(4));
    progress.advance(1);
    let disaster_zones = zones::generate(&province, &mut rng(5));
    progress.advance(1);
    let roads = roads::generate(&province, &mut rng(6));
    progress.advance(1);
    let assets = assets::generate(&province, options.scale, &mut rng(7));
    progress.advance(1);
    let sensors = sensors::generate(&province, &hazard_sources, &gas.stations, &gas.valves, &mut rng(8));
    progress.advance(1);
    let sensitive_sites = sensitive::generate(&province, &hazard_sources, &mut rng(9));
    progress.advance(1);

    Ok(Dataset {
        counties,
        population,
        disaster_zones,
        roads,
        gas_pipes: gas.pipes,
        gas_valves: gas.valves,
        gas_stations: gas.stations,
        enterprises,
        hazard_sources,
        sensors,
        rescue_teams: assets.teams,
        warehouses: assets.warehouses,
        shelters: assets.shelters,
        sensitive_sites,
        incidents: Vec::new(),
    })
}

/// The metadata of a generated dataset of the built-in region.
pub fn metadata(dataset: &Dataset, options: Options) -> Metadata {
    metadata_in(&Region::builtin(), dataset, options)
}

/// The metadata of a generated dataset of `region`.
pub fn metadata_in(region: &Region, dataset: &Dataset, options: Options) -> Metadata {
    Metadata {
        region: region.id.clone(),
        seed: options.seed,
        scale: options.scale,
        generator_version: GENERATOR_VERSION,
        counts: dataset.counts().into_iter().map(|(id, n)| (id.to_owned(), n)).collect(),
        notice: FICTION_NOTICE.to_owned(),
        sources: vec![
            region.attribution.clone(),
            format!(
                "Population: {} Spread over counties and a 0.02° grid by a simple model ({} residents).",
                region.census.source,
                region.population()
            ),
            "Everything else: generated by Lookout; fictional.".into(),
        ],
    }
}

#[cfg(test)]
pub(crate) mod tests;
