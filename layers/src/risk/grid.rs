//! The risk grid: H3 cells at three resolutions, each holding what lies in
//! it, kept in step with every change (`docs/risk-method.md`).
//!
//! Every item is placed once, at resolution 7, in the cell of its point (an
//! enterprise, a hazard source, a hidden danger, the centre of a population
//! cell) and under its own county (`county_id`); a disaster-prone zone is
//! placed in every resolution-7 cell whose centre it covers, under the county
//! holding that centre. Resolutions 6 and 5 are the H3 parents of those
//! cells, so the three views and the county sums always add up to the same
//! totals. A change takes the feature's old contribution away and adds the
//! new one: only the cells it touches change.

use super::method::{Counts, Normalisation, RiskMethod, Score, percentile};
use crate::catalog::Catalog;
use crate::collection::Collection;
use crate::feature::FeatureId;
use crate::filter::Filter;
use crate::ledger::LedgerState;
use crate::model::{DangerSeverity, Industry, RiskLevel, Severity};
use crate::record::Value;
use chrono::{DateTime, Utc};
use geo::{BoundingRect, Centroid, Contains};
use h3o::geom::{ContainmentMode, TilerBuilder};
use h3o::{CellIndex, LatLng, Resolution};
use parking_lot::RwLock;
use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

/// The resolutions of the grid, coarsest first: province (5, about 250 km²
/// a cell), city (6, about 36 km²) and county (7, about 5 km²) views.
pub const RESOLUTIONS: [Resolution; 3] = [Resolution::Five, Resolution::Six, Resolution::Seven];

/// The resolution items are placed at.
pub const FINE: Resolution = Resolution::Seven;

/// The layers the grid follows.
pub const FOLLOWED: [&str; 5] = [
    "enterprises",
    "hazard_sources",
    "disaster_zones",
    "population",
    "counties",
];

/// The resolution of a grid view by its number (5, 6 or 7).
pub fn resolution(n: u8) -> Option<Resolution> {
    RESOLUTIONS.into_iter().find(|r| u8::from(*r) == n)
}

/// The resolution a map at `zoom` is drawn with.
pub fn resolution_for_zoom(zoom: u8) -> Resolution {
    match zoom {
        0..=7 => Resolution::Five,
        8..=9 => Resolution::Six,
        _ => Resolution::Seven,
    }
}

#[derive(Debug, Clone)]
struct Cell {
    counts: Counts,
    /// Centre, lon/lat.
    centre: [f64; 2],
}

#[derive(Debug)]
struct CountyShape {
    id: u32,
    bbox: geo::Rect<f64>,
    shape: geo::Geometry<f64>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Resolution 7, by county.
    fine: HashMap<(CellIndex, u32), Counts>,
    /// Each resolution's cells, all counties together (`RESOLUTIONS` order).
    cells: [HashMap<CellIndex, Cell>; 3],
    /// Each county's totals.
    counties: HashMap<u32, Counts>,
    /// County boundaries, to place zone cells.
    shapes: Vec<CountyShape>,
    /// Where each zone was placed, to take it away exactly.
    zones: HashMap<FeatureId, Vec<(CellIndex, u32, Counts)>>,
    /// Where each open danger was placed.
    dangers: HashMap<FeatureId, (CellIndex, u32, Counts)>,
    /// The ledger as last folded: the last event and the minute (overdue
    /// depends on the clock).
    danger_mark: Option<(u64, i64)>,
}

/// One cell as shown: its index, what it holds, its score.
#[derive(Debug, Clone)]
pub struct CellView {
    /// The H3 cell.
    pub cell: CellIndex,
    /// What it holds.
    pub counts: Counts,
    /// Its score and parts.
    pub score: Score,
}

impl CellView {
    /// The cell's boundary as a closed lon/lat ring.
    pub fn ring(&self) -> Vec<[f64; 2]> {
        let mut ring: Vec<[f64; 2]> = self.cell.boundary().iter().map(|p| [p.lng(), p.lat()]).collect();
        if let Some(first) = ring.first().copied() {
            ring.push(first);
        }
        ring
    }

    /// The cell as a GeoJSON Feature with its score and parts.
    pub fn to_geojson(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "Feature",
            "id": self.cell.to_string(),
            "geometry": {"type": "Polygon", "coordinates": [self.ring()]},
            "properties": {
                "h3": self.cell.to_string(),
                "resolution": u8::from(self.cell.resolution()),
                "area_km2": self.cell.area_km2(),
                "score": round2(self.score.score),
                "class": self.score.class,
                "points": {
                    "enterprise": round2(self.score.enterprise),
                    "hazard": round2(self.score.hazard),
                    "zone": round2(self.score.zone),
                    "danger": round2(self.score.danger),
                    "exposure": round2(self.score.exposure),
                    "total": round2(self.score.points),
                    "per_km2": round2(self.score.density),
                },
                "parts": self.counts.to_json(),
            }
        })
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The risk grid (see the module's documentation).
#[derive(Debug)]
pub struct RiskGrid {
    method: RiskMethod,
    inner: RwLock<Inner>,
}

/// The resolution-7 cell of a point (lon/lat), where items are placed.
pub(crate) fn fine_cell(lon: f64, lat: f64) -> Option<CellIndex> {
    LatLng::new(lat, lon).ok().map(|ll| ll.to_cell(FINE))
}

fn text<'a>(values: &[(&'static str, Value<'a>)], field: &str) -> Option<&'a str> {
    values.iter().find(|(k, _)| *k == field).and_then(|(_, v)| match v {
        Value::Text(t) => Some(*t),
        _ => None,
    })
}

fn int(values: &[(&'static str, Value<'_>)], field: &str) -> Option<i64> {
    values.iter().find(|(k, _)| *k == field).and_then(|(_, v)| match v {
        Value::Integer(i) => Some(*i),
        _ => None,
    })
}

fn real(values: &[(&'static str, Value<'_>)], field: &str) -> Option<f64> {
    values.iter().find(|(k, _)| *k == field).and_then(|(_, v)| match v {
        Value::Real(r) => Some(*r),
        Value::Integer(i) => Some(*i as f64),
        _ => None,
    })
}

fn code<T: Copy>(all: &[T], codes: &[&str], value: Option<&str>) -> Option<T> {
    let value = value?;
    codes.iter().position(|c| *c == value).map(|i| all[i])
}

fn anchor(geometry: &geo::Geometry<f64>) -> Option<geo::Coord<f64>> {
    match geometry {
        geo::Geometry::Point(p) => Some(p.0),
        other => other.centroid().map(|p| p.0),
    }
}

/// What one enterprise, hazard source or population cell adds to its cell.
fn point_counts(layer: &str, values: &[(&'static str, Value<'_>)], cap: f64) -> Option<Counts> {
    match layer {
        "enterprises" => {
            let industry = code(Industry::ALL, Industry::CODES, text(values, "industry"));
            let colour = code(RiskLevel::ALL, RiskLevel::CODES, text(values, "risk_level"));
            industry.zip(colour).map(|(i, c)| Counts::enterprise(i, c))
        }
        "hazard_sources" => {
            let level = int(values, "level").and_then(|l| u8::try_from(l).ok());
            Some(Counts::hazard(level, real(values, "r_value").unwrap_or(0.0), cap))
        }
        "population" => int(values, "population").map(|p| Counts::people(p.max(0) as u64)),
        _ => None,
    }
}

/// A multiply-rotate hasher for the (cell, county) keys of the start-up
/// sums: SipHash costs more than the rest of summing a million enterprises.
#[derive(Debug, Default, Clone, Copy)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Sums by fine cell and county.
type Sums = HashMap<(CellIndex, u32), Counts, std::hash::BuildHasherDefault<KeyHasher>>;

/// The fine cell of an enterprise: `kept` (0: none), as the dataset cache
/// computed it from the same point, else computed now.
fn enterprise_cell(f: &crate::feature::Feature<crate::model::Enterprise>, kept: Option<u64>) -> Option<CellIndex> {
    match kept {
        Some(cell) => CellIndex::try_from(cell).ok(),
        None => anchor(&f.geometry).and_then(|p| fine_cell(p.x, p.y)),
    }
}

/// The enterprises summed by fine cell and county, on every core: the same
/// counts [`point_counts`] gives one by one, read from the typed records.
/// `cells`: each feature's fine cell as the dataset cache kept it (one per
/// feature, in order), else none and each is computed.
fn enterprise_sums(layer: &crate::layer::Layer<crate::model::Enterprise>, cells: Option<&[u64]>) -> Sums {
    let features = layer.features();
    let cells = cells.filter(|c| c.len() == features.len());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let per = features.len().div_ceil(threads).max(1);
    let parts: Vec<Sums> = std::thread::scope(|scope| {
        let handles: Vec<_> = features
            .chunks(per)
            .enumerate()
            .map(|(n, part)| {
                let kept = cells.map(|c| &c[n * per..n * per + part.len()]);
                scope.spawn(move || {
                    let mut sums = Sums::default();
                    for (i, f) in part.iter().enumerate() {
                        let e = &f.properties;
                        if let Some(cell) = enterprise_cell(f, kept.map(|k| k[i])) {
                            // One count where `Counts::enterprise` puts it (added
                            // to the cell's, as `Counts::add` would).
                            let (i, k) = Counts::enterprise_slot(e.industry, e.risk_level);
                            let n = &mut sums.entry((cell, e.county_id)).or_default().enterprises[i][k];
                            *n = n.saturating_add(1);
                        }
                    }
                    sums
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut parts = parts.into_iter();
    let mut all = parts.next().unwrap_or_default();
    for part in parts {
        for (key, counts) in part {
            all.entry(key).or_default().add(&counts, true);
        }
    }
    all
}

impl Inner {
    /// Adds or takes away `counts` at fine cell `cell` of `county`; the
    /// touched cells (every resolution) go to `touched`.
    fn place(&mut self, cell: CellIndex, county: u32, counts: &Counts, add: bool, touched: &mut Vec<CellIndex>) {
        let fine = self.fine.entry((cell, county)).or_default();
        fine.add(counts, add);
        if fine.is_empty() {
            self.fine.remove(&(cell, county));
        }
        let total = self.counties.entry(county).or_default();
        total.add(counts, add);
        if total.is_empty() {
            self.counties.remove(&county);
        }
        for (i, res) in RESOLUTIONS.iter().enumerate() {
            let Some(at) = cell.parent(*res) else { continue };
            let map = &mut self.cells[i];
            let entry = map.entry(at).or_insert_with(|| {
                let c = LatLng::from(at);
                Cell {
                    counts: Counts::default(),
                    centre: [c.lng(), c.lat()],
                }
            });
            entry.counts.add(counts, add);
            if entry.counts.is_empty() {
                map.remove(&at);
            }
            touched.push(at);
        }
    }

    fn county_at(&self, p: geo::Coord<f64>) -> Option<u32> {
        self.shapes
            .iter()
            .find(|s| s.bbox.contains(&p) && s.shape.contains(&geo::Point(p)))
            .map(|s| s.id)
    }

    /// The fine cells a zone covers (by their centres), each under its county.
    fn zone_cells(&self, geometry: &geo::Geometry<f64>, severity: Severity) -> Vec<(CellIndex, u32, Counts)> {
        let polygons: Vec<geo::Polygon<f64>> = match geometry {
            geo::Geometry::Polygon(p) => vec![p.clone()],
            geo::Geometry::MultiPolygon(mp) => mp.0.clone(),
            _ => return Vec::new(),
        };
        let mut tiler = TilerBuilder::new(FINE)
            .containment_mode(ContainmentMode::ContainsCentroid)
            .build();
        for p in polygons {
            if tiler.add(p).is_err() {
                return Vec::new();
            }
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for cell in tiler.into_coverage() {
            if !seen.insert(cell) {
                continue;
            }
            let c = LatLng::from(cell);
            let Some(county) = self.county_at(geo::Coord { x: c.lng(), y: c.lat() }) else {
                continue;
            };
            out.push((cell, county, Counts::zone(severity, cell.area_m2().round() as u64)));
        }
        out
    }
}

impl RiskGrid {
    /// The grid of `catalog` as it is now, scored by `method`.
    /// With [`Normalisation::Data`], the density that scores 50 is set here,
    /// once, from the resolution-7 cells (docs/risk-method.md).
    pub fn new(method: RiskMethod, catalog: &Catalog) -> Self {
        let mut grid = Self {
            method,
            inner: RwLock::new(Inner::default()),
        };
        // Counties first: zones are placed by them.
        for layer in FOLLOWED.iter().rev() {
            let Some(c) = catalog.read(layer) else { continue };
            match *layer {
                // Points are summed by fine cell and county first, then
                // placed once per cell: the same integer sums as folding
                // them one by one, in any order.
                "enterprises" => {
                    drop(c);
                    let layer = catalog.enterprises.read();
                    // The cells the dataset cache kept, while the layer is
                    // as the cache held it; else computed here.
                    let cells = catalog.take_enterprise_cells(&layer);
                    let sums = enterprise_sums(&layer, cells.as_deref());
                    drop(layer);
                    grid.place_sums(sums);
                }
                "hazard_sources" | "population" => {
                    let cap = grid.method.hazard_r_cap;
                    let mut sums: HashMap<(CellIndex, u32), Counts> = HashMap::new();
                    c.visit_all(&Filter::all(), &mut |_, geometry, values| {
                        if let Some(counts) = point_counts(layer, values, cap)
                            && let Some(county) = int(values, "county_id").and_then(|c| u32::try_from(c).ok())
                            && let Some(p) = anchor(geometry)
                            && let Some(cell) = fine_cell(p.x, p.y)
                        {
                            sums.entry((cell, county)).or_default().add(&counts, true);
                        }
                        ControlFlow::Continue(())
                    });
                    grid.place_sums(sums);
                }
                _ => {
                    let mut ids = Vec::with_capacity(c.len());
                    c.visit_all(&Filter::all(), &mut |id, _, _| {
                        ids.push(id);
                        ControlFlow::Continue(())
                    });
                    for id in ids {
                        grid.fold(&*c, id, true);
                    }
                }
            }
        }
        if grid.method.normalisation == Normalisation::Data
            && let Some(d) = grid.fine_density_percentile(grid.method.calibration_percentile)
        {
            grid.method.half_score_density = d;
        }
        grid
    }

    /// Places sums of points, each under its fine cell and county.
    fn place_sums(&self, sums: impl IntoIterator<Item = ((CellIndex, u32), Counts)>) {
        let mut inner = self.inner.write();
        let mut touched = Vec::new();
        for ((cell, county), counts) in sums {
            inner.place(cell, county, &counts, true, &mut touched);
            touched.clear();
        }
    }

    /// The `p`-th percentile of the point densities (points per km², which
    /// do not depend on `half_score_density`) of the resolution-7 cells the
    /// grid holds (and draws: a cell of residents only counts, with 0);
    /// `None` unless it is positive.
    pub fn fine_density_percentile(&self, p: f64) -> Option<f64> {
        let inner = self.inner.read();
        let mut densities: Vec<f64> = inner.cells[RESOLUTIONS.len() - 1]
            .iter()
            .map(|(cell, c)| self.method.score(&c.counts, cell.area_km2()).density)
            .filter(|d| d.is_finite())
            .collect();
        percentile(&mut densities, p).filter(|d| *d > 0.0)
    }

    /// The method it scores by.
    pub fn method(&self) -> &RiskMethod {
        &self.method
    }

    /// Folds feature `id` of `layer` in (`add`) or out; returns the cells
    /// whose contents changed, at every resolution.
    pub fn fold(&self, layer: &dyn Collection, id: FeatureId, add: bool) -> Vec<CellIndex> {
        let name = layer.info().id;
        if !FOLLOWED.contains(&name) {
            return Vec::new();
        }
        let mut touched = Vec::new();
        let mut inner = self.inner.write();
        let cap = self.method.hazard_r_cap;
        layer.visit_feature(id, &mut |_, geometry, values| {
            let county = int(values, "county_id").and_then(|c| u32::try_from(c).ok());
            let counts = match name {
                "enterprises" | "hazard_sources" | "population" => point_counts(name, values, cap),
                "disaster_zones" => {
                    if add {
                        let severity =
                            code(Severity::ALL, Severity::CODES, text(values, "severity")).unwrap_or(Severity::Low);
                        let cells = inner.zone_cells(geometry, severity);
                        for (cell, county, counts) in &cells {
                            inner.place(*cell, *county, counts, true, &mut touched);
                        }
                        inner.zones.insert(id, cells);
                    } else if let Some(cells) = inner.zones.remove(&id) {
                        for (cell, county, counts) in &cells {
                            inner.place(*cell, *county, counts, false, &mut touched);
                        }
                    }
                    None
                }
                "counties" => {
                    inner.shapes.retain(|s| u64::from(s.id) != id);
                    if add && let (Some(bbox), Ok(county)) = (geometry.bounding_rect(), u32::try_from(id)) {
                        inner.shapes.push(CountyShape {
                            id: county,
                            bbox,
                            shape: geometry.clone(),
                        });
                    }
                    None
                }
                _ => None,
            };
            if let (Some(counts), Some(county), Some(p)) = (counts, county, anchor(geometry))
                && let Some(cell) = fine_cell(p.x, p.y)
            {
                inner.place(cell, county, &counts, add, &mut touched);
            }
            ControlFlow::Continue(())
        });
        touched.sort_unstable();
        touched.dedup();
        touched
    }

    /// Brings the open hidden dangers in step with the ledger as of event
    /// `seq` at `now` (overdue ones count more); nothing to do when neither
    /// the ledger nor the minute changed since the last call. Returns the
    /// cells that changed.
    pub fn sync_dangers(&self, ledger: &LedgerState, seq: u64, now: DateTime<Utc>) -> Vec<CellIndex> {
        let mark = (seq, now.timestamp().div_euclid(60));
        if self.inner.read().danger_mark == Some(mark) {
            return Vec::new();
        }
        let mut wanted: HashMap<FeatureId, (CellIndex, u32, Counts)> = HashMap::new();
        for d in ledger.dangers().filter(|d| d.status.is_open()) {
            let [lon, lat] = d.place.location;
            let Some(cell) = fine_cell(lon, lat) else { continue };
            let major = d.report.severity == DangerSeverity::Major;
            wanted.insert(
                d.id,
                (cell, d.place.county_id, Counts::danger(major, d.is_overdue(now))),
            );
        }
        let mut inner = self.inner.write();
        let mut touched = Vec::new();
        let old: Vec<_> = inner
            .dangers
            .iter()
            .filter(|(id, placed)| wanted.get(id) != Some(placed))
            .map(|(id, placed)| (*id, placed.clone()))
            .collect();
        for (id, (cell, county, counts)) in old {
            inner.place(cell, county, &counts, false, &mut touched);
            inner.dangers.remove(&id);
        }
        for (id, placed) in wanted {
            if inner.dangers.contains_key(&id) {
                continue;
            }
            inner.place(placed.0, placed.1, &placed.2, true, &mut touched);
            inner.dangers.insert(id, placed);
        }
        inner.danger_mark = Some(mark);
        touched.sort_unstable();
        touched.dedup();
        touched
    }

    /// The cells of resolution `res` whose centre lies within `bbox`
    /// (west, south, east, north) grown by `margin_deg`, scored. With
    /// `counties`, only what was placed under those counties counts (a
    /// scoped user's view), so a cell on the scope's border shows the
    /// scope's share.
    pub fn cells(
        &self,
        res: Resolution,
        bbox: Option<(f64, f64, f64, f64)>,
        margin_deg: f64,
        counties: Option<&HashSet<u32>>,
    ) -> Vec<CellView> {
        let inside = |lon: f64, lat: f64| {
            bbox.is_none_or(|(w, s, e, n)| {
                lon >= w - margin_deg && lon <= e + margin_deg && lat >= s - margin_deg && lat <= n + margin_deg
            })
        };
        let inner = self.inner.read();
        let mut out: Vec<CellView> = match counties {
            None => {
                let Some(i) = RESOLUTIONS.iter().position(|r| *r == res) else {
                    return Vec::new();
                };
                inner.cells[i]
                    .iter()
                    .filter(|(_, c)| inside(c.centre[0], c.centre[1]))
                    .map(|(cell, c)| CellView {
                        cell: *cell,
                        score: self.method.score(&c.counts, cell.area_km2()),
                        counts: c.counts.clone(),
                    })
                    .collect()
            }
            Some(counties) => {
                let mut sums: HashMap<CellIndex, Counts> = HashMap::new();
                for ((cell, county), counts) in &inner.fine {
                    if !counties.contains(county) {
                        continue;
                    }
                    let Some(at) = cell.parent(res) else { continue };
                    sums.entry(at).or_default().add(counts, true);
                }
                sums.into_iter()
                    .filter(|(cell, _)| {
                        let c = LatLng::from(*cell);
                        inside(c.lng(), c.lat())
                    })
                    .map(|(cell, counts)| CellView {
                        cell,
                        score: self.method.score(&counts, cell.area_km2()),
                        counts,
                    })
                    .collect()
            }
        };
        out.sort_unstable_by_key(|c| c.cell);
        out
    }

    /// One cell, scored (`None` when nothing lies in it).
    pub fn cell(&self, cell: CellIndex) -> Option<CellView> {
        let i = RESOLUTIONS.iter().position(|r| *r == cell.resolution())?;
        let inner = self.inner.read();
        let c = inner.cells[i].get(&cell)?;
        Some(CellView {
            cell,
            score: self.method.score(&c.counts, cell.area_km2()),
            counts: c.counts.clone(),
        })
    }

    /// Each county's totals.
    pub fn county_totals(&self) -> HashMap<u32, Counts> {
        self.inner.read().counties.clone()
    }

    /// The resolution-7 contents by county: what the county totals are the
    /// sums of (for checks).
    pub fn fine_by_county(&self) -> Vec<(CellIndex, u32, Counts)> {
        let inner = self.inner.read();
        inner.fine.iter().map(|((c, k), v)| (*c, *k, v.clone())).collect()
    }

    /// How many cells each resolution has.
    pub fn cell_counts(&self) -> [usize; 3] {
        let inner = self.inner.read();
        [inner.cells[0].len(), inner.cells[1].len(), inner.cells[2].len()]
    }
}

/// The lon/lat box of a cell, for dropping its cached tiles.
pub fn cell_bbox(cell: CellIndex) -> (f64, f64, f64, f64) {
    let (mut w, mut s, mut e, mut n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in cell.boundary().iter() {
        (w, s, e, n) = (w.min(p.lng()), s.min(p.lat()), e.max(p.lng()), n.max(p.lat()));
    }
    (w, s, e, n)
}

#[cfg(test)]
mod bulk_tests {
    use super::*;

    /// The grid as it was built before the bulk path: every feature folded one by one.
    fn one_by_one(method: RiskMethod, catalog: &Catalog) -> RiskGrid {
        let grid = RiskGrid {
            method,
            inner: RwLock::new(Inner::default()),
        };
        for layer in FOLLOWED.iter().rev() {
            let c = catalog.read(layer).unwrap();
            let mut ids = Vec::new();
            c.visit_all(&Filter::all(), &mut |id, _, _| {
                ids.push(id);
                ControlFlow::Continue(())
            });
            for id in ids {
                grid.fold(&*c, id, true);
            }
        }
        grid
    }

    #[test]
    fn the_grid_built_in_bulk_equals_the_grid_folded_feature_by_feature() {
        let catalog = Catalog::new(crate::generate::tests::small_dataset().clone());
        let method = RiskMethod::default();
        let bulk = RiskGrid::new(method.clone(), &catalog);
        let folded = one_by_one(bulk.method.clone(), &catalog);
        let sorted = |g: &RiskGrid| {
            let mut v = g.fine_by_county();
            v.sort_by_key(|(c, k, _)| (*c, *k));
            v
        };
        assert!(!bulk.fine_by_county().is_empty());
        assert_eq!(sorted(&bulk), sorted(&folded));
        assert_eq!(bulk.county_totals(), folded.county_totals());
        assert_eq!(bulk.cell_counts(), folded.cell_counts());
        for res in RESOLUTIONS {
            let cells = |g: &RiskGrid| {
                let mut v: Vec<(CellIndex, Counts)> = g
                    .cells(res, None, 0.0, None)
                    .into_iter()
                    .map(|c| (c.cell, c.counts))
                    .collect();
                v.sort_by_key(|(c, _)| *c);
                v
            };
            assert_eq!(cells(&bulk), cells(&folded), "resolution {res:?}");
        }
    }
}
