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
}

impl AppState {
    /// State over an opened store. The tiles and the road network observe
    /// every change the store applies. The readings are kept in
    /// `<state-dir>/seed-N-scale-K/readings/`, or in PostGIS's
    /// `lookout.readings` when that is the store.
    pub fn new(store: Arc<Store>, settings: Settings) -> lookout_layers::Result<Self> {
        crate::telemetry::prometheus::handle();
        let readings_dir =
            lookout_layers::store::journal_dir(&settings.state_dir, &settings.region.id, settings.seed, settings.scale)
                .join("readings");
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
        let tiles = Arc::new(Tiles::with_risk(
            store.catalog(),
            TILE_CACHE_BYTES,
            settings.risk.clone(),
        ));
        store.observe(tiles.clone());
        let roads = Arc::new(RoadNetwork::new(store.catalog()));
        store.observe(roads.clone());
        let coverage = Arc::new(crate::coverage::Coverages::default());
        store.observe(coverage.clone());
        let gas = Arc::new(GasNetwork::new(store.catalog()));
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
        })
    }
}
