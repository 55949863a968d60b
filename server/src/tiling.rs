//! Vector tiles from the in-memory catalog: which layers show at which zoom,
//! which are clustered, and the rendering itself. The `tiles` crate knows no
//! domain; the rules that make a command map readable live here.

use crate::error::ApiError;
use crate::extract::PropertyFilters;
use geo::BoundingRect;
use lookout_layers::risk::grid::cell_bbox;
use lookout_layers::risk::{RiskGrid, RiskMethod, class_colour, resolution_for_zoom};
use lookout_layers::scope::{Scope, Window};
use lookout_layers::store::ChangeObserver;
use lookout_layers::{Catalog, Collection, FeatureId, Filter, GeometryKind, Value};
use lookout_tiles::{
    Cluster, ClusterPyramid, Clusterer, LayerBuilder, Precut, PropertyValue, TileBuilder, TileCache, TileCoord,
    TileGeometry, TileSpec,
};
use parking_lot::RwLock;
use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::sync::Arc;

/// The tile layer of the risk grid (docs/risk-method.md): not a collection,
/// drawn from the [`RiskGrid`].
pub const RISK_GRID: &str = "risk_grid";

/// Most bytes one tile may take; layers stop taking features beyond it.
pub const TILE_BUDGET_BYTES: usize = 500 * 1024;
/// Most bytes kept of big lines and polygons cut into pieces for the tiles
/// of each zoom ([`Precut`]): every county at every zoom fits many times over.
pub const PRECUT_BYTES: usize = 64 << 20;
/// Most layers in one composite request: every tile layer once.
pub const MAX_LAYERS_PER_TILE: usize = RULES.len();

/// How one layer is drawn in tiles.
#[derive(Debug, Clone, Copy)]
pub struct TileRule {
    /// Collection id.
    pub layer: &'static str,
    /// Lowest zoom at which it is in tiles.
    pub min_zoom: u8,
    /// Highest zoom at which it is in tiles.
    pub max_zoom: u8,
    /// Points are clustered below this zoom (0: never).
    pub cluster_below: u8,
    /// Field whose codes rank severity inside a cluster (most severe first).
    pub severity: Option<(&'static str, &'static [&'static str])>,
    /// The properties tiles carry (`None`: every filterable field). Big layers
    /// carry what the map styles and labels by; a click fetches the rest.
    pub fields: Option<&'static [&'static str]>,
    /// A cluster's `busy` property counts its members of the first this many
    /// severity ranks (0: no such property), e.g. teams out on a job.
    pub busy_ranks: u8,
}

impl TileRule {
    const fn new(layer: &'static str, min_zoom: u8, max_zoom: u8) -> Self {
        Self {
            layer,
            min_zoom,
            max_zoom,
            cluster_below: 0,
            severity: None,
            fields: None,
            busy_ranks: 0,
        }
    }

    const fn busy_below_rank(mut self, ranks: u8) -> Self {
        self.busy_ranks = ranks;
        self
    }

    const fn clustered_below(mut self, zoom: u8, severity: Option<(&'static str, &'static [&'static str])>) -> Self {
        self.cluster_below = zoom;
        self.severity = severity;
        self
    }

    const fn fields(mut self, fields: &'static [&'static str]) -> Self {
        self.fields = Some(fields);
        self
    }

    /// Whether tiles carry `field`.
    pub fn carries(&self, field: &str) -> bool {
        self.fields.is_none_or(|f| f.contains(&field))
    }
}

const RISK: &[&str] = &["red", "orange", "yellow", "blue"];
/// Team statuses ranked for clusters: the three busy ones first (a cluster
/// shows `busy` when any member is out on a job), then the rest.
const TEAM_STATUS: &[&str] = &[
    "on_scene",
    "en_route",
    "dispatched",
    "returning",
    "available",
    "out_of_service",
];
/// How many of [`TEAM_STATUS`]'s first ranks count as busy.
const TEAM_BUSY_RANKS: u8 = 3;

/// The rules, one per collection.
pub const RULES: &[TileRule] = &[
    TileRule::new("counties", 0, 22),
    TileRule::new("population", 8, 22),
    TileRule::new("disaster_zones", 0, 22),
    TileRule::new("roads", 4, 22),
    TileRule::new("gas_pipes", 9, 22),
    TileRule::new("gas_valves", 12, 22),
    TileRule::new("gas_stations", 8, 22),
    TileRule::new("enterprises", 0, 22)
        .clustered_below(12, Some(("risk_level", RISK)))
        .fields(&["name", "industry", "risk_level", "county", "employees"]),
    TileRule::new("hazard_sources", 0, 22),
    TileRule::new("sensors", 12, 22).fields(&[
        "name",
        "kind",
        "site",
        "site_id",
        "hazard_source_id",
        "substance",
        "unit",
    ]),
    TileRule::new("rescue_teams", 0, 22)
        .clustered_below(8, Some(("status", TEAM_STATUS)))
        .busy_below_rank(TEAM_BUSY_RANKS)
        .fields(&[
            "name",
            "kind",
            "status",
            "capabilities",
            "personnel",
            "vehicles",
            "county",
        ]),
    TileRule::new("warehouses", 0, 22)
        .clustered_below(8, None)
        .fields(&["name", "tier", "county"]),
    TileRule::new("shelters", 0, 22).clustered_below(9, None).fields(&[
        "name",
        "kind",
        "capacity",
        "occupancy",
        "county",
    ]),
    TileRule::new("sensitive_sites", 10, 22).fields(&["name", "kind", "persons", "county"]),
    TileRule::new("incidents", 0, 22),
    TileRule::new(RISK_GRID, 0, 22),
];

/// The rule of a collection.
pub fn rule(layer: &str) -> Option<&'static TileRule> {
    RULES.iter().find(|r| r.layer == layer)
}

/// A parsed tile request: which layers, with which filters.
#[derive(Debug)]
pub struct TileRequest {
    /// Layers in drawing order, each with its filter.
    pub layers: Vec<(&'static TileRule, Filter)>,
    /// A normalised form of the request, for the cache key.
    pub source: String,
}

/// Parses `layer1,layer2` and the query: `field=v1,v2` applies to every
/// requested layer that has the field; `layer.field=...` to that layer only.
pub fn parse_request(catalog: &Catalog, layers: &str, filters: &PropertyFilters) -> Result<TileRequest, ApiError> {
    let ids: Vec<&str> = layers.split(',').collect();
    if ids.len() > MAX_LAYERS_PER_TILE {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_LAYERS_PER_TILE} layers per tile"
        )));
    }
    let mut rules = Vec::new();
    for id in &ids {
        let r = rule(id)
            .filter(|r| r.layer == RISK_GRID || catalog.read(id).is_some())
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "no tile layer {id:?}; layers are {}",
                    RULES.iter().map(|r| r.layer).collect::<Vec<_>>().join(", ")
                ))
            })?;
        if rules
            .iter()
            .any(|(x, _): &(&TileRule, Vec<(String, String)>)| x.layer == r.layer)
        {
            return Err(ApiError::bad_request(format!("layer {id:?} is named twice")));
        }
        rules.push((r, Vec::new()));
    }
    let mut pairs = filters.0.clone();
    pairs.sort();
    for (key, value) in &pairs {
        let (target, field) = match key.split_once('.') {
            Some((layer, field)) => (Some(layer), field),
            None => (None, key.as_str()),
        };
        let mut used = false;
        for (r, filters) in &mut rules {
            if target.is_some_and(|t| t != r.layer) {
                continue;
            }
            let has = catalog
                .read(r.layer)
                .is_some_and(|c| c.fields().iter().any(|f| f.name == field));
            if has {
                filters.push((field.to_owned(), value.clone()));
                used = true;
            }
        }
        if !used {
            return Err(ApiError::bad_request(format!(
                "no requested layer has a property {field:?} to filter on"
            )));
        }
    }
    let mut out = Vec::new();
    for (r, filters) in rules {
        if r.layer == RISK_GRID {
            out.push((r, Filter::all()));
            continue;
        }
        let c = catalog.read(r.layer).ok_or_else(|| ApiError::not_found(r.layer))?;
        let refs: Vec<(&str, &str)> = filters.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        out.push((r, c.parse_filter(&refs)?));
    }
    Ok(TileRequest {
        layers: out,
        source: source_key(layers, filters),
    })
}

/// The normalised form of a tile request (its layers as named, the
/// filters sorted), which names its tiles in the cache. It needs no
/// catalog, so a cached tile is found before the request is parsed: only
/// a request that [`parse_request`] accepted has tiles in the cache.
pub fn source_key(layers: &str, filters: &PropertyFilters) -> String {
    if filters.0.is_empty() {
        return format!("{layers}?");
    }
    let mut pairs = filters.0.clone();
    pairs.sort();
    format!("{layers}?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
}

fn property(value: Value<'_>) -> Option<PropertyValue<'_>> {
    Some(match value {
        Value::Null => return None,
        Value::Text(t) => PropertyValue::String(t.into()),
        Value::Integer(i) => PropertyValue::Int(i),
        Value::Real(r) => PropertyValue::Double(r),
        Value::Boolean(b) => PropertyValue::Bool(b),
        Value::Date(d) => PropertyValue::String(d.to_string().into()),
        Value::List(items) => PropertyValue::String(items.join(",").into()),
    })
}

/// What rendering produced.
#[derive(Debug, Default)]
pub struct Rendered {
    /// The MVT bytes (empty if no layer has a feature here).
    pub mvt: Vec<u8>,
    /// Layers cut short by the size budget.
    pub truncated: Vec<&'static str>,
}

/// Cell size of clusters, tile units (32 px on a 512-px tile).
const CLUSTER_CELL: u32 = 256;

/// The tile side of the server: the cache, and the cluster pyramids of the
/// clustered layers. It follows every change to the catalog (as a
/// [`ChangeObserver`]), so neither is ever behind an acknowledged edit.
#[derive(Debug)]
pub struct Tiles {
    /// Encoded tiles.
    pub cache: TileCache,
    /// Big lines and polygons in pieces, so a tile clips a piece and not
    /// the whole feature.
    pub precut: Precut,
    pyramids: HashMap<&'static str, RwLock<ClusterPyramid>>,
    /// The risk grid, kept in step with the same changes.
    pub risk: Arc<RiskGrid>,
    /// What tiles of each kind have cost to render lately.
    pub costs: RenderCosts,
}

/// Tiles expected to render within this many microseconds are rendered on
/// the server's own thread: the hop to the blocking pool and back (two
/// thread wake-ups) cost more than such a tile (15 % of a cold road tile's
/// time, by perf). Dearer ones go to the pool, so that no worker stalls.
pub const INLINE_RENDER_MICROS: u32 = 250;

/// Slots of [`RenderCosts`] per zoom.
const COST_SLOTS: usize = 64;

/// A running average of render times (µs) by request (its layers and
/// filters, hashed into one of 64 slots) and zoom, to tell the tiles cheap
/// enough to render without the pool hop. Unknown: dear.
#[derive(Debug)]
pub struct RenderCosts {
    micros: Vec<std::sync::atomic::AtomicU32>,
}

impl Default for RenderCosts {
    fn default() -> Self {
        Self {
            micros: (0..COST_SLOTS * (usize::from(lookout_tiles::grid::MAX_ZOOM) + 1))
                .map(|_| std::sync::atomic::AtomicU32::new(u32::MAX))
                .collect(),
        }
    }
}

impl RenderCosts {
    fn slot(&self, source: &str, z: u8) -> Option<&std::sync::atomic::AtomicU32> {
        let h = rapidhash::v3::rapidhash_v3(source.as_bytes()) as usize % COST_SLOTS;
        self.micros.get(usize::from(z) * COST_SLOTS + h)
    }

    /// Whether a tile of `source` (the cache key's source) at zoom `z` is
    /// expected to render within [`INLINE_RENDER_MICROS`].
    pub fn cheap(&self, source: &str, z: u8) -> bool {
        self.slot(source, z)
            .is_some_and(|m| m.load(std::sync::atomic::Ordering::Relaxed) < INLINE_RENDER_MICROS)
    }

    /// Notes that a tile of `source` at zoom `z` took `micros` to render.
    pub fn note(&self, source: &str, z: u8, micros: u32) {
        use std::sync::atomic::Ordering::Relaxed;
        if let Some(m) = self.slot(source, z) {
            let old = m.load(Relaxed);
            // A dearer tile counts at once, a cheaper one a quarter: a kind
            // of tile that is sometimes dear stays on the pool a while.
            let new = if old == u32::MAX || micros >= old {
                micros
            } else {
                old / 4 * 3 + micros / 4
            };
            m.store(new, Relaxed);
        }
    }
}

fn severity_rank(rule: &TileRule, values: &[(&'static str, Value<'_>)]) -> Option<u8> {
    let (field, order) = rule.severity?;
    values.iter().find(|(k, _)| *k == field).and_then(|(_, v)| match v {
        Value::Text(code) => order.iter().position(|o| o == code).map(|p| p as u8),
        _ => None,
    })
}

fn points_of(geometry: &geo::Geometry<f64>) -> Vec<geo::Coord<f64>> {
    match geometry {
        geo::Geometry::Point(p) => vec![p.0],
        geo::Geometry::MultiPoint(mp) => mp.0.iter().map(|p| p.0).collect(),
        _ => Vec::new(),
    }
}

impl Tiles {
    /// An empty cache of `cache_bytes`, the pyramids of `catalog`'s
    /// clustered point layers and the risk grid by the default method.
    pub fn new(catalog: &Catalog, cache_bytes: usize) -> Self {
        Self::with_risk(catalog, cache_bytes, RiskMethod::default())
    }

    /// [`Self::new`] with the risk grid scored by `method`.
    pub fn with_risk(catalog: &Catalog, cache_bytes: usize, method: RiskMethod) -> Self {
        // The risk grid is built beside the pyramids.
        std::thread::scope(|scope| {
            let risk = scope.spawn(|| RiskGrid::new(method, catalog));
            let mut pyramids = HashMap::new();
            for rule in RULES.iter().filter(|r| r.cluster_below > 0) {
                let Some(c) = catalog.read(rule.layer) else { continue };
                if c.info().geometry != GeometryKind::Point {
                    continue;
                }
                let mut points = Vec::with_capacity(c.len());
                c.visit_all(&Filter::all(), &mut |_, geometry, values| {
                    let rank = severity_rank(rule, values);
                    points.extend(points_of(geometry).into_iter().map(|p| (p.x, p.y, rank)));
                    ControlFlow::Continue(())
                });
                let pyramid = ClusterPyramid::from_points(rule.cluster_below, 4096, CLUSTER_CELL, points);
                pyramids.insert(rule.layer, RwLock::new(pyramid));
            }
            Self {
                cache: TileCache::new(cache_bytes),
                precut: Precut::new(PRECUT_BYTES),
                pyramids,
                risk: Arc::new(risk.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
                costs: RenderCosts::default(),
            }
        })
    }

    /// Brings the risk grid's hidden dangers in step with the ledger (and
    /// the clock: a danger past its deadline counts more), dropping the
    /// cached risk tiles of every cell that changed.
    pub fn sync_risk(&self, store: &lookout_layers::store::Store) {
        let seq = store.last_seq();
        let touched = {
            let ops = store.operations();
            self.risk.sync_dangers(ops.ledger(), seq, chrono::Utc::now())
        };
        self.drop_risk_tiles(&touched);
    }

    fn drop_risk_tiles(&self, cells: &[h3o::CellIndex]) {
        for cell in cells {
            self.cache.invalidate(RISK_GRID, cell_bbox(*cell));
        }
    }

    /// Renders one tile of the requested layers from memory.
    pub fn render(&self, catalog: &Catalog, request: &TileRequest, tile: TileCoord) -> Rendered {
        self.render_in(catalog, request, tile, None)
    }

    /// Renders one tile; for a scoped caller, only what lies in `scope`
    /// (lines and polygons clipped to its border), and nothing at all if the
    /// tile lies outside it.
    pub fn render_in(
        &self,
        catalog: &Catalog,
        request: &TileRequest,
        tile: TileCoord,
        scope: Option<&Scope>,
    ) -> Rendered {
        self.render_within(catalog, request, tile, scope, TILE_BUDGET_BYTES)
    }

    /// [`Self::render_in`] under a size budget of `budget` bytes instead of
    /// [`TILE_BUDGET_BYTES`] (tests and benchmarks cut small tiles with it).
    pub fn render_within(
        &self,
        catalog: &Catalog,
        request: &TileRequest,
        tile: TileCoord,
        scope: Option<&Scope>,
        budget: usize,
    ) -> Rendered {
        let spec = TileSpec::new(tile);
        let (w, s, e, n) = spec.query_bounds();
        let rect = geo::Rect::new(geo::Coord { x: w, y: s }, geo::Coord { x: e, y: n });
        let window = match scope {
            None => None,
            Some(scope) => match scope.window(rect) {
                None => return Rendered::default(),
                Some(w) => Some(w),
            },
        };
        let window = window.as_ref();
        let mut builder = TileBuilder::new();
        let mut truncated = Vec::new();
        let mut used = 0usize;
        for (rule, filter) in &request.layers {
            if tile.z < rule.min_zoom || tile.z > rule.max_zoom {
                continue;
            }
            let budget = budget.saturating_sub(used);
            let mut layer = LayerBuilder::new(rule.layer, spec.extent);
            if rule.layer == RISK_GRID {
                if risk_layer(&self.risk, &spec, (w, s, e, n), scope, &mut layer, budget) {
                    truncated.push(rule.layer);
                }
                used += layer.encoded_len();
                builder.push(layer);
                continue;
            }
            // The pyramids count every point: a scoped tile clusters its own.
            let pyramid = self
                .pyramids
                .get(rule.layer)
                .filter(|_| filter.is_empty() && window.is_none() && tile.z < rule.cluster_below);
            let over = match pyramid {
                Some(p) => {
                    let clusters = p.read().clusters(tile, spec.buffer);
                    add_clusters(rule, clusters, &mut layer, budget)
                }
                None => {
                    let Some(collection) = catalog.read(rule.layer) else {
                        continue;
                    };
                    if tile.z < rule.cluster_below && collection.info().geometry == GeometryKind::Point {
                        cluster_layer(&*collection, rule, filter, &spec, rect, window, &mut layer, budget)
                    } else {
                        let at = Placement {
                            rule: rule.layer,
                            spec: &spec,
                            rect,
                            window,
                            precut: &self.precut,
                        };
                        feature_layer(&*collection, rule, filter, &at, &mut layer, budget)
                    }
                }
            };
            if over {
                truncated.push(rule.layer);
            }
            used += layer.encoded_len();
            builder.push(layer);
        }
        Rendered {
            mvt: if builder.is_empty() {
                Vec::new()
            } else {
                builder.encode()
            },
            truncated,
        }
    }

    fn follow(&self, layer: &dyn Collection, id: FeatureId, add: bool) {
        let touched = self.risk.fold(layer, id, add);
        self.drop_risk_tiles(&touched);
        let Some(rule) = rule(layer.info().id) else { return };
        self.precut.forget(rule.layer, id);
        let pyramid = self.pyramids.get(rule.layer);
        layer.visit_feature(id, &mut |_, geometry, values| {
            if let Some(r) = geometry.bounding_rect() {
                let bbox = (r.min().x, r.min().y, r.max().x, r.max().y);
                self.cache.invalidate(rule.layer, bbox);
                if rule.layer == "counties" {
                    // A scoped tile of any layer is cut at the county borders.
                    for other in RULES.iter().filter(|o| o.layer != "counties") {
                        self.cache.invalidate(other.layer, bbox);
                    }
                }
            }
            if let Some(p) = pyramid {
                let rank = severity_rank(rule, values);
                let mut p = p.write();
                for c in points_of(geometry) {
                    if add {
                        p.add(c.x, c.y, rank)
                    } else {
                        p.remove(c.x, c.y, rank)
                    }
                }
            }
            ControlFlow::Continue(())
        });
    }
}

impl ChangeObserver for Tiles {
    fn before(&self, layer: &dyn Collection, id: FeatureId) {
        self.follow(layer, id, false);
    }

    fn after(&self, layer: &dyn Collection, id: FeatureId) {
        self.follow(layer, id, true);
    }
}

/// Where a tile's features go: the tile, the box to ask the index for, the
/// scope's window (a scoped tile) and the pieces of big features.
struct Placement<'a> {
    /// The layer's collection id.
    rule: &'static str,
    spec: &'a TileSpec,
    rect: geo::Rect<f64>,
    window: Option<&'a Window<'a>>,
    precut: &'a Precut,
}

/// Adds every feature (in `window`, for a scoped tile); true if the budget cut it short.
///
/// Most tiles fit: their features go in as the index yields them. A tile
/// that does not is built again from nothing in order of importance
/// ([`by_importance`]): the most severe first, then the largest, spread over
/// the tile, so what a cut keeps is what the map most needs to show; every
/// feature of a cut layer carries `truncated = true`. The index is walked
/// once: the walk keeps hold of the features it met
/// ([`Collection::gather_in_rect`]), and once the budget is spent it only
/// notes what the order of importance needs of the rest.
fn feature_layer(
    c: &dyn Collection,
    rule: &TileRule,
    filter: &Filter,
    at: &Placement<'_>,
    layer: &mut LayerBuilder,
    budget: usize,
) -> bool {
    let (fields, carried) = selection(rule, c, at.window.is_some());
    let spread = Spread::of(at.rect);
    let mut over = false;
    // Features met before the budget ran out, and the candidates of the rest.
    let (mut walked, mut encoded) = (0u32, 0u32);
    let mut candidates: Vec<Candidate> = Vec::new();
    let gathered = c.gather_in_rect(at.rect, filter, fields.as_deref(), &mut |id, geometry, values| {
        walked += 1;
        if !over {
            if layer.encoded_len() <= budget {
                add_feature(&carried, at, layer, id, geometry, values, false);
                encoded += 1;
                return ControlFlow::Continue(());
            }
            over = true;
        }
        candidates.extend(spread.candidate(rule, walked - 1, id, geometry, values));
        ControlFlow::Continue(())
    });
    if !over {
        return false;
    }
    let first: Vec<u32> = (0..encoded).collect();
    let mut n = 0u32;
    gathered(&first, &mut |id, geometry, values| {
        candidates.extend(spread.candidate(rule, n, id, geometry, values));
        n += 1;
        ControlFlow::Continue(())
    });
    *layer = LayerBuilder::new(rule.layer, at.spec.extent);
    gathered(&by_importance(candidates), &mut |id, geometry, values| {
        if layer.encoded_len() > budget {
            return ControlFlow::Break(());
        }
        add_feature(&carried, at, layer, id, geometry, values, true);
        ControlFlow::Continue(())
    });
    true
}

/// The values a tile reads of each feature (indices into the collection's
/// fields; `None`: all of them) and, for each value read, whether the tile
/// carries it: worked out once per tile, not per feature. A tile reads what
/// it carries and the ranking field of a cut; a scoped tile reads every
/// value (a scope may place a feature by its county).
fn selection(rule: &TileRule, c: &dyn Collection, scoped: bool) -> (Option<Vec<usize>>, Vec<bool>) {
    let fields = c.fields();
    if scoped {
        return (None, fields.iter().map(|f| rule.carries(f.name)).collect());
    }
    let ranking = rule.severity.map(|(field, _)| field);
    let read: Vec<usize> = (0..fields.len())
        .filter(|i| rule.carries(fields[*i].name) || ranking == Some(fields[*i].name))
        .collect();
    let carried = read.iter().map(|i| rule.carries(fields[*i].name)).collect();
    (Some(read), carried)
}

/// One feature into a tile layer (cut to `window` for a scoped tile); a
/// feature as it is stored is cut from its pieces, a point is projected
/// straight into the layer.
fn add_feature(
    carried: &[bool],
    at: &Placement<'_>,
    layer: &mut LayerBuilder,
    id: FeatureId,
    geometry: &geo::Geometry<f64>,
    values: &[(&'static str, Value<'_>)],
    truncated: bool,
) {
    debug_assert_eq!(carried.len(), values.len(), "values come in the order of the fields");
    let properties = values
        .iter()
        .zip(carried)
        .filter(|(_, carried)| **carried)
        .filter_map(|((k, v), _)| property(*v).map(|p| (*k, p)))
        .chain(truncated.then_some(("truncated", PropertyValue::Bool(true))));
    if let (None, geo::Geometry::Point(p)) = (at.window, geometry) {
        if let Some(xy) = at.spec.point(p.0) {
            layer.add_point(Some(id), xy, properties);
        }
        return;
    }
    let encoded = match at.window {
        None => at.precut.encode(at.spec, at.rule, id, geometry),
        Some(w) => match w.cut(at.rule, id, geometry, values) {
            Some(std::borrow::Cow::Borrowed(g)) => at.precut.encode(at.spec, at.rule, id, g),
            Some(std::borrow::Cow::Owned(g)) => at.spec.encode(&g),
            None => return,
        },
    };
    if let Some(g) = encoded {
        layer.add_feature(Some(id), &g, properties);
    }
}

/// Cells per side of the grid that spreads a cut tile's features.
const SPREAD_CELLS: f64 = 8.0;

/// What the order of importance needs of one feature of a cut tile.
struct Candidate {
    /// Its number in the tile's walk of the index.
    at: u32,
    id: FeatureId,
    rank: u8,
    size: f64,
    cell: u16,
}

/// The grid that spreads a cut tile's features: the tile's query box.
struct Spread {
    min: geo::Coord<f64>,
    w: f64,
    h: f64,
}

impl Spread {
    fn of(rect: geo::Rect<f64>) -> Self {
        Self {
            min: rect.min(),
            w: rect.width().max(f64::MIN_POSITIVE),
            h: rect.height().max(f64::MIN_POSITIVE),
        }
    }

    /// The candidate of feature `id`, number `at` of the walk (none for an empty geometry).
    fn candidate(
        &self,
        rule: &TileRule,
        at: u32,
        id: FeatureId,
        geometry: &geo::Geometry<f64>,
        values: &[(&'static str, Value<'_>)],
    ) -> Option<Candidate> {
        let b = geometry.bounding_rect()?;
        let centre = b.center();
        let cell = |v: f64| (v.clamp(0.0, 1.0) * SPREAD_CELLS).min(SPREAD_CELLS - 1.0) as u16;
        Some(Candidate {
            at,
            id,
            rank: severity_rank(rule, values).unwrap_or(u8::MAX),
            size: b.width() * b.height() + b.width().max(b.height()),
            cell: cell((centre.x - self.min.x) / self.w) * SPREAD_CELLS as u16 + cell((centre.y - self.min.y) / self.h),
        })
    }
}

/// The features of a tile in the order a cut keeps them (their numbers in
/// the tile's walk): by severity (the rule's ranking field, most severe
/// first; unranked last), then round by round over an 8 × 8 grid of the
/// tile (the largest feature of every cell, then the second largest of
/// every cell, …), so that a cut thins the tile evenly instead of dropping
/// a whole side of it; ties by id.
fn by_importance(mut candidates: Vec<Candidate>) -> Vec<u32> {
    // Within a rank and a cell, the largest first; `round` is the place in that order.
    candidates.sort_unstable_by(|a, b| {
        (a.rank, a.cell)
            .cmp(&(b.rank, b.cell))
            .then(b.size.total_cmp(&a.size))
            .then(a.id.cmp(&b.id))
    });
    let mut keyed: Vec<(u8, u32, FeatureId, u32)> = Vec::with_capacity(candidates.len());
    let mut round = 0u32;
    for (i, c) in candidates.iter().enumerate() {
        round = match i.checked_sub(1).map(|p| &candidates[p]) {
            Some(prev) if (prev.rank, prev.cell) == (c.rank, c.cell) => round + 1,
            _ => 0,
        };
        keyed.push((c.rank, round, c.id, c.at));
    }
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, _, _, at)| at).collect()
}

/// Clusters the filtered (and, for a scoped tile, in-scope) points of a tile
/// on the fly (the pyramid holds unfiltered counts only).
#[expect(clippy::too_many_arguments, reason = "one tile's layer: what, where, how much")]
fn cluster_layer(
    c: &dyn Collection,
    rule: &TileRule,
    filter: &Filter,
    spec: &TileSpec,
    rect: geo::Rect<f64>,
    window: Option<&Window<'_>>,
    layer: &mut LayerBuilder,
    budget: usize,
) -> bool {
    let mut clusters = Clusterer::new(CLUSTER_CELL as i32);
    c.visit_in_rect(rect, filter, &mut |id, geometry, values| {
        let geometry = match window {
            None => std::borrow::Cow::Borrowed(geometry),
            Some(w) => match w.cut(rule.layer, id, geometry, values) {
                Some(g) => g,
                None => return ControlFlow::Continue(()),
            },
        };
        if let Some(TileGeometry::Points(points)) = spec.encode(&geometry) {
            let rank = severity_rank(rule, values);
            for p in points {
                clusters.add(id, p, rank);
            }
        }
        ControlFlow::Continue(())
    });
    add_clusters(rule, clusters.finish(), layer, budget)
}

/// One point per cluster, with `cluster`, `count` and, for a ranked layer,
/// what the map needs to show the share of each class and not only the
/// worst: the worst class under the ranking field's own name (e.g.
/// `risk_level`), the count of each class as `n_<code>` (`n_red`, …), the
/// `dominant` class (most members; a tie goes to the more severe), the
/// `worst_share` (members of the worst class / count, 0–1), and for a layer
/// with busy ranks the `busy` count.
fn add_clusters(rule: &TileRule, clusters: Vec<Cluster>, layer: &mut LayerBuilder, budget: usize) -> bool {
    for cluster in clusters {
        if layer.encoded_len() > budget {
            return true;
        }
        layer.add_feature(
            Some(cluster.first_id),
            &TileGeometry::Points(vec![cluster.at]),
            cluster_properties(rule, &cluster)
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone())),
        );
    }
    false
}

/// The properties of one cluster (see [`add_clusters`]).
fn cluster_properties(rule: &TileRule, cluster: &Cluster) -> Vec<(String, PropertyValue<'static>)> {
    let mut props = vec![
        ("cluster".to_owned(), PropertyValue::Bool(true)),
        ("count".to_owned(), PropertyValue::Int(i64::from(cluster.count))),
    ];
    let Some((field, order)) = rule.severity else {
        return props;
    };
    let ranked = &cluster.by_rank[..order.len().min(cluster.by_rank.len())];
    if let Some(rank) = cluster.worst_rank.map(usize::from).filter(|r| *r < order.len()) {
        props.push((field.to_owned(), PropertyValue::String(order[rank].into())));
        let share = f64::from(ranked[rank]) / f64::from(cluster.count.max(1));
        props.push((
            "worst_share".to_owned(),
            PropertyValue::Double((share * 1000.0).round() / 1000.0),
        ));
    }
    // The most members; the first (most severe) of equals.
    let dominant = ranked
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .fold(None::<(usize, u32)>, |best, (i, n)| match best {
            Some((_, m)) if m >= *n => best,
            _ => Some((i, *n)),
        });
    if let Some((i, _)) = dominant {
        props.push(("dominant".to_owned(), PropertyValue::String(order[i].into())));
    }
    for (code, n) in order.iter().zip(ranked) {
        props.push((format!("n_{code}"), PropertyValue::Int(i64::from(*n))));
    }
    if rule.busy_ranks > 0 {
        let busy: u32 = ranked.iter().take(usize::from(rule.busy_ranks)).sum();
        props.push(("busy".to_owned(), PropertyValue::Int(i64::from(busy))));
    }
    props
}

/// The risk grid's cells of a tile, at the resolution of its zoom, as
/// polygons with `h3`, `score`, `class`, `colour` and the counts a legend
/// and a click need; for a scoped caller, only what was placed under the
/// scope's counties. True if the budget cut it short.
fn risk_layer(
    grid: &RiskGrid,
    spec: &TileSpec,
    bounds: (f64, f64, f64, f64),
    scope: Option<&Scope>,
    layer: &mut LayerBuilder,
    budget: usize,
) -> bool {
    let res = resolution_for_zoom(spec.tile.z);
    // A cell's centre lies at most one edge length from any of its points.
    let margin = res.edge_length_km() * 1.2 / 111.0 / bounds.1.abs().max(bounds.3.abs()).to_radians().cos().max(0.2);
    let counties: Option<HashSet<u32>> = scope.map(|s| s.county_ids().iter().copied().collect());
    for cell in grid.cells(res, Some(bounds), margin, counties.as_ref()) {
        if layer.encoded_len() > budget {
            return true;
        }
        let ring: Vec<geo::Coord<f64>> = cell.ring().into_iter().map(|[x, y]| geo::Coord { x, y }).collect();
        let polygon = geo::Geometry::Polygon(geo::Polygon::new(geo::LineString(ring), Vec::new()));
        let Some(g) = spec.encode(&polygon) else { continue };
        let colours = cell.counts.enterprises_by_colour();
        let props = [
            ("h3", PropertyValue::String(cell.cell.to_string().into())),
            (
                "score",
                PropertyValue::Double((cell.score.score * 100.0).round() / 100.0),
            ),
            ("class", PropertyValue::String(cell.score.class.to_owned().into())),
            (
                "colour",
                PropertyValue::String(class_colour(cell.score.class).to_owned().into()),
            ),
            (
                "enterprises",
                PropertyValue::Int(i64::from(cell.counts.enterprise_total())),
            ),
            ("red_enterprises", PropertyValue::Int(i64::from(colours[0]))),
            (
                "hazard_sources",
                PropertyValue::Int(i64::from(cell.counts.hazard_total())),
            ),
            (
                "population",
                PropertyValue::Int(i64::try_from(cell.counts.population).unwrap_or(i64::MAX)),
            ),
            (
                "dangers_open",
                PropertyValue::Int(i64::from(cell.counts.dangers[0] + cell.counts.dangers[1])),
            ),
            (
                "dangers_overdue",
                PropertyValue::Int(i64::from(cell.counts.overdue[0] + cell.counts.overdue[1])),
            ),
        ];
        layer.add_feature(None, &g, props);
    }
    false
}
