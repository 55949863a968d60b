//! The road graph the travel-time analyses use, kept current: like
//! [`crate::tiling::Tiles`], it observes the store and marks itself stale
//! when a road changes, and is rebuilt lazily on the next query. Teams,
//! warehouses and shelters are snapped to it once ([`SnapIndex`]) and kept
//! current the same way: a feature changed is snapped again on the next
//! query; a road changed snaps the whole layer again with the new graph.

use lookout_layers::model::Road;
use lookout_layers::ops::Operations;
use lookout_layers::ops::needs::{hazard_zones, hazard_zones_version};
use lookout_layers::routing::avoid::Zones;
use lookout_layers::routing::{RoadGraph, SnapIndex};
use lookout_layers::store::ChangeObserver;
use lookout_layers::{Catalog, Collection, FeatureId, Layer};
use parking_lot::{Mutex, RwLock};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The layers whose features are snapped once and ranked by one search.
pub const SNAPPED_LAYERS: [&str; 3] = ["rescue_teams", "warehouses", "shelters"];

/// A layer's snaps, for one graph.
#[derive(Debug)]
pub struct Snapped {
    graph: Arc<RoadGraph>,
    /// The snaps.
    pub index: RwLock<SnapIndex>,
}

/// The road graph, rebuilt when a road changes (lazily, on the next query).
#[derive(Debug)]
pub struct RoadNetwork {
    graph: RwLock<Arc<RoadGraph>>,
    stale: AtomicBool,
    snapped: Mutex<HashMap<&'static str, Arc<Snapped>>>,
    /// Features of [`SNAPPED_LAYERS`] changed since their layer was last snapped.
    changed: Mutex<HashMap<&'static str, HashSet<FeatureId>>>,
    /// The zones routes avoid, per world (real, drill), with the graph and
    /// the open incidents' zone versions they were found for.
    zones: Mutex<[Option<CachedZones>; 2]>,
}

/// [`Zones`] as found for one graph and one version of the open incidents' zones.
#[derive(Debug)]
struct CachedZones {
    graph: Arc<RoadGraph>,
    version: Vec<(FeatureId, u64)>,
    zones: Arc<Zones>,
}

impl RoadNetwork {
    /// Builds the graph of `catalog`'s roads.
    pub fn new(catalog: &Catalog) -> Self {
        Self {
            graph: RwLock::new(Arc::new(RoadGraph::build(&catalog.roads.read()))),
            stale: AtomicBool::new(false),
            snapped: Mutex::new(HashMap::new()),
            changed: Mutex::new(HashMap::new()),
            zones: Mutex::new([None, None]),
        }
    }

    /// The zones routes avoid in one world (`drill`): every open incident's
    /// isolation, protective-action and inner tier zones, with the edges of
    /// `graph` (the current one) inside each. Found again only when an
    /// incident opens, closes or redraws its zones, or the graph changes.
    pub fn hazard_zones(
        &self,
        graph: &Arc<RoadGraph>,
        roads: &Layer<Road>,
        ops: &Operations,
        drill: bool,
    ) -> Arc<Zones> {
        let version = hazard_zones_version(ops, drill);
        let mut cached = self.zones.lock();
        let slot = &mut cached[usize::from(drill)];
        if let Some(c) = slot.as_ref()
            && Arc::ptr_eq(&c.graph, graph)
            && c.version == version
        {
            return c.zones.clone();
        }
        let zones = Arc::new(Zones::build(graph, roads, hazard_zones(ops, drill)));
        tracing::debug!(
            drill,
            zones = zones.zones().len(),
            edges = zones.edge_count(),
            "zones routes avoid"
        );
        *slot = Some(CachedZones {
            graph: graph.clone(),
            version,
            zones: zones.clone(),
        });
        zones
    }

    /// `layer`'s features snapped to `graph` (the current one), brought up to
    /// date with the changes observed since; `None` for a layer not in
    /// [`SNAPPED_LAYERS`]. Call holding `layer` and `roads` read-locked, so
    /// that no change lands between the snaps and the answer.
    pub fn snaps(&self, graph: &Arc<RoadGraph>, roads: &Layer<Road>, layer: &dyn Collection) -> Option<Arc<Snapped>> {
        let id = layer.info().id;
        let name = SNAPPED_LAYERS.into_iter().find(|l| *l == id)?;
        let mut snapped = self.snapped.lock();
        let changed = self.changed.lock().remove(name).unwrap_or_default();
        match snapped.get(name) {
            Some(s) if Arc::ptr_eq(&s.graph, graph) => {
                if !changed.is_empty() {
                    let mut index = s.index.write();
                    for f in changed {
                        index.update(graph, roads, layer, f);
                    }
                }
                Some(s.clone())
            }
            _ => {
                let started = std::time::Instant::now();
                let fresh = Arc::new(Snapped {
                    graph: graph.clone(),
                    index: RwLock::new(SnapIndex::build(graph, roads, layer)),
                });
                tracing::info!(
                    layer = name,
                    features = fresh.index.read().len(),
                    seconds = started.elapsed().as_secs_f64(),
                    "snapped to the road graph"
                );
                snapped.insert(name, fresh.clone());
                Some(fresh)
            }
        }
    }

    /// The current graph, rebuilt first if roads changed.
    pub fn graph(&self, catalog: &Catalog) -> Arc<RoadGraph> {
        if self.stale.swap(false, Ordering::AcqRel) {
            let fresh = Arc::new(RoadGraph::build(&catalog.roads.read()));
            *self.graph.write() = fresh;
        }
        self.graph.read().clone()
    }
}

impl ChangeObserver for RoadNetwork {
    fn before(&self, _: &dyn Collection, _: FeatureId) {}

    fn after(&self, layer: &dyn Collection, id: FeatureId) {
        let layer = layer.info().id;
        if layer == "roads" {
            self.stale.store(true, Ordering::Release);
        } else if let Some(name) = SNAPPED_LAYERS.into_iter().find(|l| *l == layer) {
            self.changed.lock().entry(name).or_default().insert(id);
        }
    }
}
