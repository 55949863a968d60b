//! The gas network graph the isolation trace uses, kept current: like
//! [`crate::roads::RoadNetwork`], it observes the store, marks itself stale
//! when a pipe, valve or station changes, and is rebuilt on the next query.

use lookout_layers::gas::GasGraph;
use lookout_layers::store::ChangeObserver;
use lookout_layers::{Catalog, Collection, FeatureId};
use parking_lot::RwLock;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The layers the graph is built from.
const GAS_LAYERS: [&str; 3] = ["gas_pipes", "gas_valves", "gas_stations"];

/// The gas network graph, rebuilt when a gas feature changes (lazily, on the next query).
#[derive(Debug)]
pub struct GasNetwork {
    graph: RwLock<Arc<GasGraph>>,
    stale: AtomicBool,
}

fn build(catalog: &Catalog) -> GasGraph {
    GasGraph::build(
        &catalog.gas_pipes.read(),
        &catalog.gas_valves.read(),
        &catalog.gas_stations.read(),
    )
}

impl GasNetwork {
    /// Builds the graph of `catalog`'s gas layers.
    pub fn new(catalog: &Catalog) -> Self {
        Self {
            graph: RwLock::new(Arc::new(build(catalog))),
            stale: AtomicBool::new(false),
        }
    }

    /// The current graph, rebuilt first if a gas feature changed.
    pub fn graph(&self, catalog: &Catalog) -> Arc<GasGraph> {
        if self.stale.swap(false, Ordering::AcqRel) {
            let fresh = Arc::new(build(catalog));
            *self.graph.write() = fresh;
        }
        self.graph.read().clone()
    }
}

impl ChangeObserver for GasNetwork {
    fn before(&self, _: &dyn Collection, _: FeatureId) {}

    fn after(&self, layer: &dyn Collection, _: FeatureId) {
        if GAS_LAYERS.contains(&layer.info().id) {
            self.stale.store(true, Ordering::Release);
        }
    }
}
