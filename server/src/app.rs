//! The application: shared state and the route table, used by `serve` and by tests.

use crate::config::Settings;
use crate::error::ApiError;
use crate::routes;
use crate::routes::nearest::RoadNetwork;
use crate::tiling::Tiles;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, web};
use lookout_layers::ops::scenario::Scenario;
use lookout_layers::store::Store;
use std::sync::Arc;

/// Largest request body accepted (a feature with a detailed polygon fits easily).
pub const MAX_BODY_BYTES: usize = 2 << 20;

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
    /// The settings the server runs with.
    pub settings: Arc<Settings>,
    /// Drill scenarios, from `data/scenarios/`.
    pub scenarios: Arc<Vec<Scenario>>,
}

impl AppState {
    /// State over an opened store.
    pub fn new(store: Arc<Store>, settings: Settings) -> Self {
        let tiles = Arc::new(Tiles::new(store.catalog(), TILE_CACHE_BYTES));
        store.observe(tiles.clone());
        let roads = Arc::new(RoadNetwork::new(store.catalog()));
        store.observe(roads.clone());
        let dir = settings.data_dir.join("scenarios");
        let scenarios = Scenario::read_dir(&dir).unwrap_or_else(|e| {
            tracing::error!(error = %e, "drill scenarios could not be read; none are offered");
            Vec::new()
        });
        Self {
            store,
            tiles,
            roads,
            settings: Arc::new(settings),
            scenarios: Arc::new(scenarios),
        }
    }
}

/// Registers every route; used by the server and by `actix_web::test::init_service`.
pub fn configure(cfg: &mut web::ServiceConfig, state: AppState) {
    let web_dir = state.settings.web_dir.clone();
    cfg.app_data(web::Data::new(state))
        .app_data(
            web::JsonConfig::default()
                .limit(MAX_BODY_BYTES)
                .content_type_required(false)
                .error_handler(|err, _| ApiError::bad_request(format!("request body: {err}")).into()),
        )
        .app_data(web::PathConfig::default().error_handler(|err, _| ApiError::not_found(format!("{err}")).into()))
        .app_data(web::QueryConfig::default().error_handler(|err, _| ApiError::bad_request(format!("{err}")).into()))
        .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES));
    routes::configure(cfg);
    routes::map::configure(cfg, &web_dir);
}

/// The whole application.
pub fn build(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(actix_web::middleware::Compress::default())
        .wrap(actix_web::middleware::Logger::new("%a \"%r\" %s %b %Dms").log_target("lookout::http"))
        .configure(|cfg| configure(cfg, state))
        .default_service(web::to(|| async {
            Err::<actix_web::HttpResponse, _>(ApiError::not_found("no such route; see /openapi.json"))
        }))
}
