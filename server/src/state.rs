//! What every request handler can reach: the store, the tile side, the road
//! network, the settings and the drill scenarios.

use crate::config::Settings;
use crate::gas::GasNetwork;
use crate::roads::RoadNetwork;
use crate::scope::Scopes;
use crate::tiling::Tiles;
use lookout_layers::ops::scenario::Scenario;
use lookout_layers::readings::Readings;
use lookout_layers::store::Store;
use std::sync::Arc;

/// Bytes of compressed tiles kept in memory.
pub const TILE_CACHE_BYTES: usize = 256 << 20;

/// What every request handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The store and its in-memory catalog.
    pub store: Arc<Store>,
    /// The tile cache and cluster pyramids, following every change.
    pub tiles: Arc<Tiles>,
    /// The road graph for travel times, rebuilt when roads change.
    pub roads: Arc<RoadNetwork>,
    /// Coverage: every team, cell, hazard source and enterprise snapped to
    /// the road graph once, and the answers, following every change.
    pub coverage: Arc<crate::coverage::Coverages>,
    /// The gas network graph for isolation traces, rebuilt when a gas feature changes.
    pub gas: Arc<GasNetwork>,
    /// The settings the server runs with.
    pub settings: Arc<Settings>,
    /// Drill scenarios, from `<data-dir>/scenarios/` or built in.
    pub scenarios: Arc<Vec<Scenario>>,
    /// Data scopes resolved against the counties, dropped when a county changes.
    pub scopes: Arc<Scopes>,
    /// Served over TLS (`--tls-cert`/`--tls-key`): cookies are `Secure`.
    pub tls: bool,
    /// Sign-in beside the store: `--dev-open`, the set-up token, failed sign-ins.
    pub auth: Arc<crate::auth::Gate>,
    /// Sensor readings (not events: their own store beside the journal).
    pub readings: Arc<Readings>,
    /// The alarm rules (their debounce counts).
    pub monitor: Arc<lookout_layers::monitor::Monitor>,
    /// The MQTT ingest, when `--mqtt` is given.
    pub mqtt: Option<Arc<crate::mqtt::Status>>,
    /// A new journal epoch begun at start-up (the dataset changed), for `/health`.
    pub epoch: Option<Arc<lookout_layers::store::epoch::Epoch>>,
    /// The hidden dangers' photos and documents, kept once by their SHA-256:
    /// files beside the journal, or PostGIS's `lookout.blobs`.
    pub blobs: Arc<lookout_layers::store::blobs::Blobs>,
}

/// The result of a scoped thread, its panic carried on.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

impl AppState {
    /// State over an opened store. The tiles and the road network observe
    /// every change the store applies. The readings are kept in
    /// `<state-dir>/seed-N-scale-K/readings/`, or in PostGIS's
    /// `lookout.readings` when that is the store.
    pub fn new(store: Arc<Store>, settings: Settings) -> lookout_layers::Result<Self> {
        crate::telemetry::prometheus::handle();
        let journal_dir =
            lookout_layers::store::journal_dir(&settings.state_dir, &settings.region.id, settings.seed, settings.scale);
        let readings_dir = journal_dir.join("readings");
        let blobs = Arc::new(lookout_layers::store::blobs::Blobs::for_store(
            store.clone(),
            &journal_dir,
        ));
        // With PostGIS the readings are its table, shared by every replica;
        // embedded, segment files beside the journal.
        let readings = Arc::new(if store.postgis().is_some() {
            Readings::open_postgis(
                lookout_layers::readings::postgis::PgReadings::new(store.clone())?,
                settings.readings_retention_days,
                chrono::Utc::now(),
            )?
        } else {
            Readings::open(&readings_dir, settings.readings_retention_days, chrono::Utc::now())?
        });
        // The derived state is built side by side (no request is answered
        // before all of it is there, and no change lands meanwhile).
        let catalog = store.catalog();
        let timed = |what: &'static str, started: std::time::Instant| {
            tracing::info!(seconds = started.elapsed().as_secs_f64(), "{what} built");
        };
        let (tiles, roads, gas) = std::thread::scope(|scope| {
            let tiles = scope.spawn(|| {
                let started = std::time::Instant::now();
                let tiles = Tiles::with_risk(catalog, TILE_CACHE_BYTES, settings.risk.clone());
                timed("tile cluster pyramids and the risk grid", started);
                tiles
            });
            let roads = scope.spawn(|| {
                let started = std::time::Instant::now();
                let roads = RoadNetwork::new(catalog);
                timed("road graph", started);
                roads
            });
            let started = std::time::Instant::now();
            let gas = GasNetwork::new(catalog);
            timed("gas network", started);
            (Arc::new(join(tiles)), Arc::new(join(roads)), Arc::new(gas))
        });
        store.observe(tiles.clone());
        store.observe(roads.clone());
        let coverage = Arc::new(crate::coverage::Coverages::default());
        store.observe(coverage.clone());
        store.observe(gas.clone());
        let scopes = Arc::new(Scopes::default());
        store.observe(scopes.clone());
        let dir = settings.data_dir.join("scenarios");
        let scenarios = crate::assets::scenarios(&dir).unwrap_or_else(|e| {
            tracing::error!(error = %e, "drill scenarios could not be read; none are offered");
            Vec::new()
        });
        // The debounce counts as the latest readings left them (issue 15).
        let monitor = Arc::new(lookout_layers::monitor::Monitor::default());
        monitor.restore(store.catalog(), &readings.latest_all());
        Ok(Self {
            store,
            tiles,
            roads,
            coverage,
            gas,
            tls: settings.edge.tls.is_some(),
            settings: Arc::new(settings),
            scenarios: Arc::new(scenarios),
            scopes,
            auth: Arc::new(crate::auth::Gate::default()),
            readings,
            monitor,
            mqtt: None,
            epoch: None,
            blobs,
        })
    }
}
