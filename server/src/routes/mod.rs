//! HTTP routes, one file per concern.

pub mod basemap;
pub mod coverage;
pub mod drills;
pub mod events;
pub mod exposure;
pub mod features;
pub mod impact;
pub mod incidents;
pub mod map;
pub mod nearest;
pub mod openapi;
pub mod tiles;

use crate::app::AppState;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// Registers the API routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health))
        .route("/openapi.json", web::get().to(openapi::document));
    features::configure(cfg);
    tiles::configure(cfg);
    nearest::configure(cfg);
    exposure::configure(cfg);
    impact::configure(cfg);
    coverage::configure(cfg);
    incidents::configure(cfg);
    drills::configure(cfg);
    events::configure(cfg);
    basemap::configure(cfg);
}

/// `GET /health`: the server is up and the store is open.
async fn health(state: web::Data<AppState>) -> HttpResponse {
    let store = &state.store;
    let mut body = json!({
        "status": "ok",
        "store": store.kind(),
        "last_event": store.last_seq(),
    });
    if let Some(follower) = store.follower() {
        body["following"] = json!(follower.listening());
        if let Some(error) = follower.last_error() {
            body["store_error"] = json!(error);
        }
    }
    HttpResponse::Ok().json(body)
}
