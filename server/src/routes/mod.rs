//! HTTP routes, one file per concern. Route modules never import each
//! other: what two routes share lives in [`crate::extract`],
//! [`crate::state`], [`crate::command`], [`crate::view`] or the domain crates.
//!
//! Every route is registered here through [`Routes`], which keeps the table
//! of paths and methods in one place: a path answers a method it does not
//! serve with 405 and `Allow`, and the OpenAPI test walks the same table.
//! Each method of each path needs the permission [`crate::auth::access`]
//! names for it, checked by [`crate::auth::guard`] before the handler.

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod basemap;
pub mod coverage;
pub mod docs;
pub mod drills;
pub mod events;
pub mod exposure;
pub mod features;
pub mod gas;
pub mod impact;
pub mod import;
pub mod incidents;
pub mod inspections;
pub mod ledger;
pub mod ledger_reports;
pub mod map;
pub mod monitoring;
pub mod nearest;
pub mod obligations;
pub mod openapi;
pub mod risk;
pub mod safety;
pub mod search;
pub mod situation;
pub mod tiles;
pub mod users;

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{FromRequest, Handler, HttpResponse, Resource, Responder, web};
use serde_json::json;

/// One path and the handlers of its methods.
pub struct Endpoint {
    path: &'static str,
    resource: Resource,
    methods: Vec<Method>,
}

impl Endpoint {
    /// A path, in actix's pattern syntax (`/incidents/{id}`).
    pub fn at(path: &'static str) -> Self {
        Self {
            path,
            resource: web::resource(path),
            methods: Vec::new(),
        }
    }

    /// Serves `method` with `handler`.
    pub fn method<F, Args>(mut self, method: Method, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.resource = self.resource.route(web::method(method.clone()).to(handler));
        self.methods.push(method);
        self
    }

    /// Serves GET, and HEAD with the same handler (the server sends the
    /// headers of the GET answer without its body).
    pub fn get<F, Args>(mut self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.resource = self.resource.route(web::method(Method::HEAD).to(handler.clone()));
        self.method(Method::GET, handler)
    }

    /// Serves POST.
    pub fn post<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.method(Method::POST, handler)
    }
}

/// The route table being registered: every path with its methods.
pub struct Routes<'a> {
    cfg: &'a mut web::ServiceConfig,
    table: Vec<(&'static str, Vec<Method>)>,
}

impl<'a> Routes<'a> {
    /// Registers into `cfg`.
    pub fn new(cfg: &'a mut web::ServiceConfig) -> Self {
        Self { cfg, table: Vec::new() }
    }

    /// Registers an endpoint; any other method on its path gets 405 with `Allow`.
    pub fn add(&mut self, endpoint: Endpoint) -> &mut Self {
        let allow = endpoint
            .methods
            .iter()
            .flat_map(|m| {
                if *m == Method::GET {
                    vec!["GET", "HEAD"]
                } else {
                    vec![m.as_str()]
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let path = endpoint.path;
        let resource = endpoint
            .resource
            .wrap(actix_web::middleware::from_fn(crate::auth::guard))
            .default_service(web::to(move || {
                let allow = allow.clone();
                async move {
                    let e = ApiError::new(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "method_not_allowed",
                        format!("{path} answers {allow}"),
                    );
                    let mut resp = actix_web::ResponseError::error_response(&e);
                    if let Ok(v) = header::HeaderValue::from_str(&allow) {
                        resp.headers_mut().insert(header::ALLOW, v);
                    }
                    resp
                }
            }));
        self.cfg.service(resource);
        self.table.push((endpoint.path, endpoint.methods));
        self
    }

    /// The table registered so far: each path with its methods.
    pub fn table(&self) -> &[(&'static str, Vec<Method>)] {
        &self.table
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("path", &self.path)
            .field("methods", &self.methods)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Routes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

/// Registers the API routes; returns the table of paths and methods.
pub fn configure(cfg: &mut web::ServiceConfig) -> Vec<(&'static str, Vec<Method>)> {
    let mut r = Routes::new(cfg);
    r.add(Endpoint::at("/health").get(health))
        .add(Endpoint::at("/ready").get(ready))
        .add(Endpoint::at("/metrics").get(metrics_text))
        .add(Endpoint::at("/openapi.json").get(openapi::document));
    // The router tries the paths in this order, and each path with a
    // parameter that does not match costs a regex search. The busiest
    // (tiles, nearest, exposure) come first; no two paths overlap, so the
    // order changes nothing else.
    tiles::configure(&mut r);
    nearest::configure(&mut r);
    exposure::configure(&mut r);
    features::configure(&mut r);
    risk::configure(&mut r);
    gas::configure(&mut r);
    impact::configure(&mut r);
    coverage::configure(&mut r);
    incidents::configure(&mut r);
    drills::configure(&mut r);
    events::configure(&mut r);
    basemap::configure(&mut r);
    docs::configure(&mut r);
    auth::configure(&mut r);
    users::configure(&mut r);
    audit::configure(&mut r);
    monitoring::configure(&mut r);
    situation::configure(&mut r);
    search::configure(&mut r);
    ledger::configure(&mut r);
    attachments::configure(&mut r);
    safety::configure(&mut r);
    import::configure(&mut r);
    obligations::configure(&mut r);
    ledger_reports::configure(&mut r);
    inspections::configure(&mut r);
    r.table
}

/// `GET /health`: the server is up and the store is open.
async fn health(state: web::Data<AppState>) -> HttpResponse {
    let store = &state.store;
    let mut body = json!({
        "status": "ok",
        "store": store.kind(),
        "last_event": store.last_seq(),
        "readings": state.readings.counts(),
        "region": state.settings.region.id,
    });
    if let Some(epoch) = &state.epoch {
        // The dataset changed since the journal was written: a new epoch began at start-up.
        body["epoch"] = json!({
            "new": true,
            "previous": epoch.previous.slug(),
            "current": epoch.current.slug(),
            "archived_to": epoch.archived_to.display().to_string(),
        });
    }
    if let Some(mqtt) = &state.mqtt {
        body["mqtt"] = json!(&**mqtt);
    }
    if let Some(follower) = store.follower() {
        body["following"] = json!(follower.listening());
        if let Some(error) = follower.last_error() {
            body["store_error"] = json!(error);
        }
    }
    HttpResponse::Ok().json(body)
}

/// `GET /ready`: the replica can take work: its store is open and, on
/// PostGIS, it follows the other replicas' events (schema migrations were
/// checked at start-up). 503 with the reason otherwise, for a load balancer.
async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Some(follower) = state.store.follower()
        && !follower.listening()
    {
        let why = follower.last_error().map_or_else(
            || "not following the other replicas yet".to_owned(),
            |e| format!("not following the other replicas: {e}"),
        );
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", why));
    }
    Ok(HttpResponse::Ok().json(json!({"ready": true, "store": state.store.kind()})))
}

/// `GET /metrics`: every metric in the Prometheus text format (docs/operations.md).
async fn metrics_text(state: web::Data<AppState>) -> HttpResponse {
    let text = crate::telemetry::prometheus::render(&state);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}

#[cfg(test)]
mod tests {
    /// The rule of docs/architecture.md: a route module uses extractors, the
    /// state, commands, views and the domain, never another route module.
    #[test]
    fn no_route_module_imports_another() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
        let modules: Vec<String> = std::fs::read_dir(&dir)
            .expect("routes/")
            .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned))
            .filter(|m| m != "mod")
            .collect();
        assert!(modules.len() > 10, "{modules:?}");
        for m in &modules {
            let source = std::fs::read_to_string(dir.join(format!("{m}.rs"))).expect("source");
            for other in modules.iter().filter(|o| *o != m) {
                for path in [format!("routes::{other}"), format!("super::{other}")] {
                    assert!(!source.contains(&path), "routes/{m}.rs uses {path}");
                }
            }
        }
    }
}
