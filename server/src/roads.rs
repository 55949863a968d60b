//! The road graph the travel-time analyses use, kept current: like
//! [`crate::tiling::Tiles`], it observes the store and marks itself stale
//! when a road changes, and is rebuilt lazily on the next query.

use lookout_layers::routing::RoadGraph;
use lookout_layers::store::ChangeObserver;
use lookout_layers::{Catalog, Collection, FeatureId};
use parking_lot::RwLock;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The road graph, rebuilt when a road changes (lazily, on the next query).
#[derive(Debug)]
pub struct RoadNetwork {
    graph: RwLock<Arc<RoadGraph>>,
    stale: AtomicBool,
}

impl RoadNetwork {
    /// Builds the graph of `catalog`'s roads.
    pub fn new(catalog: &Catalog) -> Self {
        Self {
            graph: RwLock::new(Arc::new(RoadGraph::build(&catalog.roads.read()))),
            stale: AtomicBool::new(false),
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

    fn after(&self, layer: &dyn Collection, _: FeatureId) {
        if layer.info().id == "roads" {
            self.stale.store(true, Ordering::Release);
        }
    }
}
