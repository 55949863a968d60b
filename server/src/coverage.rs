//! What `/coverage` answers from, kept current: like [`crate::roads::RoadNetwork`],
//! [`Coverages`] observes the store. It keeps every rescue team, population
//! cell, major hazard source and enterprise snapped to the current road graph
//! ([`CoverageIndex`]; a feature changed is snapped again on the next query,
//! a road changed snaps them all again with the new graph), the travel times
//! from the teams of each filter, and the answers themselves as JSON bytes by
//! (team filters, minutes, scope). Any change that can alter an answer (a
//! team, a road, a cell, a hazard source, an enterprise, a county) makes
//! every answer kept before it stale; a team or road change, the times too.

use bytes::Bytes;
use lookout_layers::coverage::{Coverage, CoverageIndex, Times};
use lookout_layers::feature::GeoJsonGeometry;
use lookout_layers::routing::RoadGraph;
use lookout_layers::scope::Scope;
use lookout_layers::store::ChangeObserver;
use lookout_layers::{Catalog, Collection, FeatureId, Filter};
use parking_lot::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use serde::Serialize;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Most coverage answers kept.
pub const ANSWERS_KEPT: usize = 64;
/// Most bytes of coverage answers kept (an answer at scale 100 is a few hundred KB).
pub const ANSWER_BYTES_KEPT: usize = 64 << 20;
/// Most team filters whose travel times are kept (one number per junction each).
pub const TIMES_KEPT: usize = 16;

/// Team filters as `(field, value)` pairs, sorted.
type Filters = Vec<(String, String)>;

/// What an answer depends on besides the data: the team filters (sorted),
/// the limit and the caller's scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CoverageKey {
    filters: Filters,
    minutes_bits: u64,
    scope: Option<u64>,
}

impl CoverageKey {
    /// The key of a question: `filters` in any order, `minutes`, the scope's key.
    pub fn new(mut filters: Vec<(String, String)>, minutes: f64, scope: Option<&Scope>) -> Self {
        filters.sort();
        Self {
            filters,
            minutes_bits: minutes.to_bits(),
            scope: scope.map(Scope::key),
        }
    }
}

/// The snaps, for one graph (none before the first query).
#[derive(Debug, Default)]
struct Indexed {
    graph: Option<Arc<RoadGraph>>,
    index: CoverageIndex,
}

impl Indexed {
    fn is_for(&self, graph: &Arc<RoadGraph>) -> bool {
        self.graph.as_ref().is_some_and(|g| Arc::ptr_eq(g, graph))
    }
}

/// A value kept while the data it came from is unchanged.
#[derive(Debug)]
struct Kept<T> {
    generation: u64,
    value: T,
}

#[derive(Debug, Default)]
struct Answers {
    by_key: HashMap<CoverageKey, Kept<Bytes>>,
    order: VecDeque<CoverageKey>,
    bytes: usize,
}

impl Answers {
    fn insert(&mut self, key: CoverageKey, generation: u64, body: Bytes) {
        // Answers of an older generation are never served again.
        if self.by_key.values().any(|k| k.generation != generation) {
            self.by_key.retain(|_, k| k.generation == generation);
            self.order.retain(|k| self.by_key.contains_key(k));
            self.bytes = self.by_key.values().map(|k| k.value.len()).sum();
        }
        if body.len() > ANSWER_BYTES_KEPT {
            return;
        }
        if let Some(old) = self.by_key.remove(&key) {
            self.bytes -= old.value.len();
            self.order.retain(|k| *k != key);
        }
        while self.by_key.len() >= ANSWERS_KEPT || self.bytes + body.len() > ANSWER_BYTES_KEPT {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some(old) = self.by_key.remove(&oldest) {
                self.bytes -= old.value.len();
            }
        }
        self.bytes += body.len();
        self.order.push_back(key.clone());
        self.by_key.insert(
            key,
            Kept {
                generation,
                value: body,
            },
        );
    }
}

/// The coverage index and answers, following every change.
#[derive(Debug, Default)]
pub struct Coverages {
    index: RwLock<Indexed>,
    /// Features of [`CoverageIndex::LAYERS`] changed since they were last snapped.
    changed: Mutex<HashMap<&'static str, HashSet<FeatureId>>>,
    /// Bumped by every change that may alter an answer.
    generation: AtomicU64,
    /// Bumped by every change that may alter the travel times (teams, roads).
    teams_generation: AtomicU64,
    times: Mutex<HashMap<Filters, Kept<Arc<Times>>>>,
    answers: Mutex<Answers>,
}

/// The answer as `/coverage` writes it: the fields of [`Coverage`] and the
/// area reached as a GeoJSON geometry.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(flatten)]
    coverage: &'a Coverage,
    reachable: GeoJsonGeometry<'a>,
}

/// The JSON of an answer.
pub fn to_json(c: &Coverage) -> serde_json::Result<Vec<u8>> {
    let area = geo::Geometry::MultiPolygon(c.reachable.clone());
    serde_json::to_vec(&Body {
        coverage: c,
        reachable: GeoJsonGeometry(&area),
    })
}

/// The roads the coverage index snapped one layer's features to, for a
/// request that snaps a few of them to the same graph
/// ([`RoadGraph::snap_to_road`] instead of a walk for each).
pub struct KnownRoads<'a> {
    indexed: RwLockReadGuard<'a, Indexed>,
    changed: &'a Mutex<HashMap<&'static str, HashSet<FeatureId>>>,
    layer: &'static str,
}

impl KnownRoads<'_> {
    /// The road feature `id` was snapped to (`Some(None)`: none within
    /// reach); `None` when not known (changed since the index was brought
    /// up to date, or not indexed): snap it.
    pub fn road(&self, id: FeatureId) -> Option<Option<FeatureId>> {
        if self.changed.lock().get(self.layer).is_some_and(|ids| ids.contains(&id)) {
            return None;
        }
        self.indexed.index.road_of(self.layer, id)
    }
}

impl std::fmt::Debug for KnownRoads<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownRoads")
            .field("layer", &self.layer)
            .finish_non_exhaustive()
    }
}

impl Coverages {
    /// The roads kept for `layer`'s features, if the index is for `graph`
    /// and free this instant: this never waits (a rebuild after a road
    /// change holds the index for seconds), so it takes no part in the
    /// order of locks. Call holding `layer` read-locked: a change to it
    /// lands only under its write lock, so none lands while the roads are
    /// used, and those landed before are known by [`KnownRoads::road`].
    pub fn known_roads(&self, graph: &Arc<RoadGraph>, layer: &'static str) -> Option<KnownRoads<'_>> {
        let indexed = self.index.try_read()?;
        indexed.is_for(graph).then(|| KnownRoads {
            indexed,
            changed: &self.changed,
            layer,
        })
    }

    /// The answer kept for `key`, if nothing it depends on changed since.
    pub fn cached(&self, key: &CoverageKey) -> Option<Bytes> {
        let generation = self.generation.load(Ordering::Acquire);
        let answers = self.answers.lock();
        answers
            .by_key
            .get(key)
            .filter(|k| k.generation == generation)
            .map(|k| k.value.clone())
    }

    /// The answer for `key` (teams passing `teams`, `minutes`, `scope`), as
    /// JSON: kept, or worked out from the index (made or brought up to date
    /// first) and kept. `graph` is the current road graph.
    pub fn answer(
        &self,
        catalog: &Catalog,
        graph: &Arc<RoadGraph>,
        key: CoverageKey,
        teams: &Filter,
        minutes: f64,
        scope: Option<&Scope>,
    ) -> serde_json::Result<Bytes> {
        // Read before the data: a change landing meanwhile makes what is
        // worked out here stale at once, never served as current.
        let generation = self.generation.load(Ordering::Acquire);
        let teams_generation = self.teams_generation.load(Ordering::Acquire);
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        let indexed = self.indexed(catalog, graph);
        let kept = self
            .times
            .lock()
            .get(&key.filters)
            .filter(|k| k.generation == teams_generation)
            .map(|k| k.value.clone());
        let times = match kept {
            Some(t) => t,
            None => {
                let t = Arc::new(indexed.index.times(graph, catalog, teams));
                let mut times = self.times.lock();
                times.retain(|_, k| k.generation == teams_generation);
                if times.len() >= TIMES_KEPT {
                    times.clear();
                }
                times.insert(
                    key.filters.clone(),
                    Kept {
                        generation: teams_generation,
                        value: t.clone(),
                    },
                );
                t
            }
        };
        let c = indexed.index.coverage(catalog, &times, minutes * 60.0, scope);
        let body = Bytes::from(to_json(&c)?);
        self.answers.lock().insert(key, generation, body.clone());
        Ok(body)
    }

    /// The index for `graph`, with every feature changed since snapped again
    /// (all of them, for a new graph).
    fn indexed(&self, catalog: &Catalog, graph: &Arc<RoadGraph>) -> parking_lot::RwLockReadGuard<'_, Indexed> {
        {
            let current = self.index.read();
            if current.is_for(graph) && self.changed.lock().is_empty() {
                return current;
            }
        }
        let mut slot = self.index.write();
        let changed = std::mem::take(&mut *self.changed.lock());
        if slot.is_for(graph) {
            for (layer, ids) in changed {
                for id in ids {
                    slot.index.update(graph, catalog, layer, id);
                }
            }
        } else {
            {
                let started = std::time::Instant::now();
                let index = CoverageIndex::build(graph, catalog);
                tracing::info!(
                    points = index.len(),
                    megabytes = index.heap_bytes() as f64 / 1e6,
                    seconds = started.elapsed().as_secs_f64(),
                    "coverage: snapped to the road graph"
                );
                *slot = Indexed {
                    graph: Some(graph.clone()),
                    index,
                };
            }
        }
        RwLockWriteGuard::downgrade(slot)
    }

    /// Snaps everything to `graph` now, if not done yet (a server warms up with it).
    pub fn warm(&self, catalog: &Catalog, graph: &Arc<RoadGraph>) {
        drop(self.indexed(catalog, graph));
    }
}

impl ChangeObserver for Coverages {
    fn before(&self, _: &dyn Collection, _: FeatureId) {}

    fn after(&self, layer: &dyn Collection, id: FeatureId) {
        let layer = layer.info().id;
        let snapped = CoverageIndex::LAYERS.into_iter().find(|l| *l == layer);
        if let Some(name) = snapped {
            self.changed.lock().entry(name).or_default().insert(id);
        }
        if snapped.is_some() || layer == "roads" || layer == "counties" {
            if layer == "rescue_teams" || layer == "roads" {
                self.teams_generation.fetch_add(1, Ordering::AcqRel);
            }
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
    }
}
